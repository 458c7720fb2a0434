/* shardset: an index of several Xapian databases (cglu-index --shards N):
 * the folders PATH/shard-00.. written by one sync_run each, in parallel,
 * and the stub file PATH/XAPIANDB that makes PATH open as one database. */
#ifndef CGLU_INDEXER_SHARDSET_H
#define CGLU_INDEXER_SHARDSET_H

#include <stddef.h>

#include "indexer/sync.h"

/* The stub file in the index folder (Xapian's name for it). */
#define SHARDSET_STUB "XAPIANDB"

/* What the index folder db holds: SHARDSET_NONE nothing yet,
 * SHARDSET_PLAIN one database, SHARDSET_STUB_OK a stub of *n shards
 * (1 to SYNC_MAX_SHARDS, written by shardset_run), SHARDSET_ERR a stub
 * this program did not write or cannot read (err says why),
 * SHARDSET_UNFINISHED shard folders without a stub: a first sharded run
 * did not finish. */
typedef enum {
    SHARDSET_NONE = 0,
    SHARDSET_PLAIN,
    SHARDSET_STUB_OK,
    SHARDSET_UNFINISHED,
    SHARDSET_ERR,
} shardset_kind;

shardset_kind shardset_probe(const char *db, unsigned *n, char *err,
                             size_t errlen);

/* Index roots into the nshards shards of opt->db_path (1 to
 * SYNC_MAX_SHARDS): shardset_parallel with PATH/shard-KK, labels "shard
 * K". Once every shard succeeded (not in a dry run) the stub lists the
 * nshards shards (written atomically) and the shard folders beyond them
 * are removed. */
sync_status shardset_run(const sync_options *opt, unsigned nshards,
                         const char *const *roots, size_t nroots,
                         sync_report *rep, char *err, size_t errlen);

/* The folder of writer k of a run at db into out (n bytes): 0, or -1 when
 * it does not fit. */
typedef int (*shardset_path_fn)(const char *db, unsigned k, char *out,
                                size_t n);

/* n sync_runs (1 to SYNC_MAX_SHARDS), one thread each: run k gets opt
 * with db_path path(opt->db_path, k), shard k, nshards n, a batch_memory
 * of opt's (or the default) divided by n and no progress bar; with
 * tag_lines its log lines are said as "LABEL K: line" (else as they are).
 * rep is the sum of the runs' reports (of
 * bad_synonyms the largest: each reads the same files), its seconds the
 * wall time; the status is the worst run's (fatal, interrupted, partial,
 * ok) and err the first failed run's line, "LABEL K: ...". Call after
 * extract_init and xc_writer_env, with the changesets set (the threads
 * set none). */
/* While the runs go on, tick(tick_ctx) is called every SHARDSET_TICK
 * seconds from the calling thread (tick may be NULL). */
#define SHARDSET_TICK 0.1
sync_status shardset_parallel(const sync_options *opt, unsigned n,
                              const char *label, int tag_lines,
                              void (*tick)(void *), void *tick_ctx,
                              shardset_path_fn path, const char *const *roots,
                              size_t nroots, sync_report *rep, char *err,
                              size_t errlen);

/* The path of shard k of db into out (n bytes): db/shard-KK. 0, or -1
 * when it does not fit. */
int shardset_path(const char *db, unsigned k, char *out, size_t n);

#endif
