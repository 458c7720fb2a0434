/* merge: a full build of an index of one database by several writers
 * (cglu-index --writers N): each writer thread builds a part, PATH/part-KK,
 * of the pages sync_shard_of gives it; one compaction then merges the
 * parts into PATH.compact, which is put in place of the index in one step
 * (indexer/compact), so that a reader sees the old index or the new one. */
#ifndef CGLU_INDEXER_MERGE_H
#define CGLU_INDEXER_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "common/xapian_c.h"
#include "indexer/runlog.h"
#include "indexer/sync.h"

typedef enum {
    MERGE_OK = 0,      /* the index is now the merged parts */
    MERGE_ONE_WRITER,  /* the index as it was, the parts removed: the caller
                          builds it with one writer (the log said why) */
    MERGE_ERR,         /* failed (err says why): the index as it was */
    MERGE_INTERRUPTED, /* a signal (opt->stop): the index as it was */
} merge_status;

typedef struct merge_input {
    const sync_options *opt;  /* the run's: opt->writers parts (2 to
                                 SYNC_MAX_WRITERS), opt->db_path the index */
    xc_db *db;                /* the index, open for writing: the run's lock,
                                 held until the caller closes it */
    uint32_t doccount;        /* documents the index holds now */
    unsigned changesets;      /* what the merged index records
                                 (SCHEMA_M_CHANGESETS) */
    const char *const *roots; /* the run's folders, as given */
    size_t nroots;
    const walk_list *lists; /* what the run's walk found, one per folder:
                               the parts share them out (not walked again) */
} merge_input;

/* Build in->opt's folders into in->opt->writers parts in parallel
 * (shardset_parallel: each part a sync_run from nothing, its own walk,
 * extraction thread and batches of --batch-memory / N; a part's database
 * starts with the index's metadata and synonyms, so that the folders'
 * settings carry over, and is written without fsync: it is scratch), merge
 * them into PATH.compact (xc_merge: ids renumbered, part 0's first), write
 * the merged index's document count and build time, and exchange it with
 * the index. rep gets the parts' counts (files, added, skipped, failed,
 * bytes) and, for an index that held documents, those the build leaves out
 * as deleted; the caller adds what its own walk counted. MERGE_ONE_WRITER
 * when a file failed while the index held documents (one writer keeps their
 * previous versions) or the file system cannot exchange two folders. On
 * MERGE_OK in->db reads a removed folder: the caller closes it and writes
 * nothing more. */
merge_status merge_build(const merge_input *in, runlog *log, sync_report *rep,
                         char *err, size_t errlen);

/* The folder of part k of the index at db into out (n bytes): db/part-KK.
 * 0, or -1 when it does not fit. */
int merge_part_path(const char *db, unsigned k, char *out, size_t n);

/* Remove the parts a merged build left in the index at db (killed before
 * its exchange), and its unfinished PATH.compact; call holding the index's
 * lock. A folder that cannot be removed is a warning to log. */
void merge_clean(const char *db, runlog *log);

#endif
