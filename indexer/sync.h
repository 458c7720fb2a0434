/* sync: bring the index in line with one or more folders (add, update,
 * delete), as one atomic change per batch, safe to interrupt or kill. */
#ifndef CGLU_INDEXER_SYNC_H
#define CGLU_INDEXER_SYNC_H

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "indexer/walk.h"

enum { SYNC_COMPACT_FULL = 0, SYNC_COMPACT_ALWAYS, SYNC_COMPACT_NEVER };

typedef enum {
    SYNC_OK = 0,          /* every file indexed, skipped or unchanged */
    SYNC_PARTIAL,         /* some files failed, or some lines of a
                             synonyms file were refused; the rest is
                             committed */
    SYNC_ERR_FATAL,       /* stopped (see err); batches committed before
                             stay, the open one is cancelled */
    SYNC_ERR_INTERRUPTED, /* SIGINT/SIGTERM: open batch cancelled */
} sync_status;

/* --synonyms FILE given at most this many times (each file is read whole,
 * up to indexer/synonyms.h's SYNONYMS_MAX_FILE). */
#define SYNC_MAX_SYNONYM_FILES 16

/* What the parts of a merged build have done so far, added up, for the
 * merging run's progress bar (sync_options.shared). */
typedef struct sync_progress {
    atomic_size_t files;         /* files finished */
    atomic_uint_least64_t bytes; /* bytes of them read */
} sync_progress;

/* One log line, without the program's name or a newline. */
typedef void (*sync_log_fn)(const char *line, void *ctx);

typedef struct sync_options {
    const char *db_path; /* index folder */
    /* the language of documents that declare none: a name or code
     * common/lang knows ("french", "fr"); NULL: French */
    const char *lang;
    int lang_path; /* a first folder that names a language gives it */
    /* JSON lines of documents without files (indexer/feed), "-" for
     * standard input, NULL for none: indexed after the folders; a folder
     * run never deletes them, nor a feed the folders' documents. */
    const char *feed;
    int rebuild; /* start from an empty index */
    int dry_run; /* report, write nothing */
    /* Compaction (indexer/compact) after a run that changed the index:
     * SYNC_COMPACT_FULL after a full build only (an index empty at the
     * start, or --rebuild), the default; _ALWAYS after any; _NEVER. */
    int compact;
    int verbose;          /* one log line per file that changes/skips */
    int quiet;            /* log errors only (no skips, no notes) */
    int follow_links;     /* follow symlinks leading outside a folder */
    const char *base_url; /* url of pages without their own: this +
                             their path; NULL: what the index keeps
                             for the folder; "": none */
    /* Synonym files (indexer/synonyms.h) read besides each folder's own
     * .synonyms, at most SYNC_MAX_SYNONYM_FILES; one that cannot be read
     * is a fatal error. The index's synonym table becomes what the run's
     * files say (those of the folders of this run only). */
    const char *const *synonym_files;
    size_t nsynonym_files;
    int progress;         /* progress bar on stderr */
    size_t max_file_size; /* bytes; 0: 50 MB */
    /* Each batch is one committed transaction (indexer/batch.h): */
    size_t batch_memory;    /* heap bytes it may hold; 0: the default */
    size_t batch_bytes;     /* also commit after this much input; 0: no
                               bound on input */
    unsigned batch_seconds; /* commit once it is this old; 0: the
                               default */
    /* Xapian changesets kept for xapian-replicate (xc_set_max_changesets):
     * changesets when changesets_given, else the number the index keeps
     * from its last run (0 for a new index) */
    unsigned changesets;
    int changesets_given;
    /* One shard of an index of nshards (cglu-index --shards): the run sees
     * only the walked files whose unique term sync_shard_of puts in shard;
     * walk warnings (links outside, unreadable entries) are said and
     * counted by shard 0 only. nshards 0 or 1: no sharding. A feed is
     * refused with shards (fatal). */
    unsigned shard, nshards;
    /* A full build (an index empty at the start, or --rebuild) of an index
     * of one database by this many writers, 2 to SYNC_MAX_WRITERS, merged
     * into one (indexer/merge); 0 or 1: one writer. Not with shards, a
     * feed, a dry run or --no-compact, nor over an index holding a feed's
     * documents or pages under entries this run cannot read: those runs
     * take one writer. */
    unsigned writers;
    /* This run writes part `shard` of a merged build (indexer/merge): its
     * database is scratch (no fsync, never compacted, its changesets
     * none); the walk's warnings, errors and refused synonym lines are
     * said and counted by the run that merges, not by any part. */
    int part;
    /* A part's pages: the lists the merging run walked, one per folder,
     * not walked again; the part takes its share (each file, in walk
     * order, to the part holding the fewest bytes so far: every part
     * computes the same split, and the parts' bytes end within one file
     * of each other). NULL: walk the folders. */
    const walk_list *walked;
    sync_progress *shared; /* a part adds its progress here; NULL: none */
    /* The board of the run's writers (shards, parts) whose pipelines build
     * inline: they offer their items there (pipeline_help). NULL: none. */
    struct pipeline_board *board;
    volatile sig_atomic_t *stop; /* set by a signal handler; may be NULL */
    sync_log_fn log;             /* verbose and warning lines; may be NULL */
    void *log_ctx;
} sync_options;

typedef struct sync_report {
    unsigned long files, added, updated, deleted, unchanged, skipped, failed;
    /* synonym lines refused, and folders' .synonyms that could not be read
     * (then the index's synonym table is left as it was) */
    unsigned long bad_synonyms;
    uint64_t bytes; /* bytes of the files read and analysed */
    double seconds; /* wall time of the run */
} sync_report;

/* Shards of one index at most (cglu-index --shards). */
#define SYNC_MAX_SHARDS 64
/* Writers of a merged build at most (cglu-index --writers): each has its
 * own extraction thread, and the merge reads every part at once. */
#define SYNC_MAX_WRITERS 16

/* The shard, of nshards (1 to SYNC_MAX_SHARDS), of the document of unique
 * term uid (common/schema's schema_uid): FNV-1a 64 of the term, modulo
 * nshards. Stable across runs and machines: changing it moves documents
 * between shards (a --rebuild). */
unsigned sync_shard_of(const char *uid, unsigned nshards);

/* The changesets the index at path keeps (its last run's --changesets):
 * 0 when it has none or cannot be read (a new index). */
unsigned sync_stored_changesets(const char *path);

/* Index the folders roots[0..nroots). The report is filled in every case
 * (zeros when nothing happened); err gets one line when the status is
 * SYNC_ERR_FATAL or SYNC_ERR_INTERRUPTED. */
sync_status sync_run(const sync_options *opt, const char *const *roots,
                     size_t nroots, sync_report *rep, char *err, size_t errlen);

#endif
