/* merge: parts built in parallel, then one compaction of them all into the
 * index. Why: Xapian's writer is the slow half of a build (its inverted
 * lists, then the commit; docs/BENCHMARKS.md) and one database has one
 * writer; a compaction of N parts costs about what the compaction that
 * ends every full build already did. */
#include "indexer/merge.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/clock.h"
#include "common/errmsg.h"
#include "common/schema.h"
#include "indexer/compact.h"
#include "indexer/shardset.h"

/* A part's folder, inside the index's: an exchange sends it away with the
 * old index, whose folder is then removed. */
#define MERGE_PART_DIR "part-%02u"

int merge_part_path(const char *db, unsigned k, char *out, size_t n)
{
    int w = snprintf(out, n, "%s/" MERGE_PART_DIR, db, k);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* Remove path (a folder) when it is there; a failure is a warning. */
static void remove_left(const char *path, runlog *log)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (compact_remove_tree(path) != 0)
        runlog_printf(log, RUNLOG_WARN, "cannot remove %s: %s", path,
                      strerror(errno));
}

void merge_clean(const char *db, runlog *log)
{
    char path[PATH_MAX];
    for (unsigned k = 0; k < SYNC_MAX_WRITERS; k++)
        if (merge_part_path(db, k, path, sizeof path) == 0)
            remove_left(path, log);
    if (compact_tmp_path(db, path, sizeof path) == 0)
        remove_left(path, log);
}

/* Create each part's database anew with the index's metadata and
 * synonyms (the folders' id prefixes and base urls, the changesets and
 * languages recorded), its rebuild mark cleared: the part's run reads them
 * as the one-writer run reads the index. 0, or -1 with err set. */
static int seed_parts(const merge_input *in, char paths[][PATH_MAX], unsigned n,
                      char *err, size_t errlen)
{
    for (unsigned k = 0; k < n; k++) {
        xc_db *part = NULL;
        char msg[512];
        if (xc_open_write(paths[k], XC_WRITE_TRUNCATE | XC_WRITE_NOSYNC, &part,
                          msg, sizeof msg) != XC_OK) {
            errmsg_set(err, errlen, "%s", msg);
            return -1;
        }
        int bad = xc_copy_meta(in->db, part) != XC_OK ||
                  xc_metadata_set(part, SCHEMA_M_REBUILD, "") != XC_OK ||
                  xc_commit(part) != XC_OK;
        if (bad)
            errmsg_set(err, errlen, "%s", xc_errmsg(part));
        xc_close(part);
        if (bad)
            return -1;
    }
    return 0;
}

typedef struct {
    xc_db *merged;
    unsigned long gone; /* the index's documents not in merged */
    int failed;
} gone_count;

static int count_gone(const char *term, size_t len, uint32_t tf, void *ctx)
{
    gone_count *g = ctx;
    char t[XC_MAX_TERM + 1];
    uint32_t n = 0;
    (void)tf;
    if (len > XC_MAX_TERM)
        return 0; /* glass keeps no longer term */
    memcpy(t, term, len);
    t[len] = '\0';
    if (xc_termfreq(g->merged, t, &n) != XC_OK) {
        g->failed = 1;
        return 1;
    }
    g->gone += n == 0;
    return 0;
}

/* The merged database at tmp gets the metadata that differs from part 0's
 * (Xapian keeps the first part's value of a key all of them hold): the
 * document count and the build time. *gone: the index's documents it
 * lacks. 0, or -1 with err set. */
static int finish_merged(const merge_input *in, const char *tmp,
                         unsigned long *gone, char *err, size_t errlen)
{
    xc_db *m = NULL;
    char msg[512], num[32];
    uint32_t n = 0;
    int rc = -1;
    *gone = 0;
    if (xc_open_write(tmp, 0, &m, msg, sizeof msg) != XC_OK) {
        errmsg_set(err, errlen, "%s", msg);
        return -1;
    }
    if (xc_doccount(m, &n) != XC_OK)
        goto xerr;
    snprintf(num, sizeof num, "%u", n);
    if (xc_metadata_set(m, SCHEMA_M_DOCCOUNT, num) != XC_OK)
        goto xerr;
    snprintf(num, sizeof num, "%lld", (long long)time(NULL));
    if (xc_metadata_set(m, SCHEMA_M_BUILT, num) != XC_OK ||
        xc_commit(m) != XC_OK)
        goto xerr;
    if (in->doccount > 0) {
        gone_count g = {m, 0, 0};
        if (xc_allterms(in->db, SCHEMA_P_UID, count_gone, &g) != XC_OK) {
            errmsg_set(err, errlen, "%s", xc_errmsg(in->db));
            goto out;
        }
        if (g.failed)
            goto xerr;
        *gone = g.gone;
    }
    rc = 0;
    goto out;
xerr:
    errmsg_set(err, errlen, "%s", xc_errmsg(m));
out:
    xc_close(m);
    return rc;
}

/* The merging run's view of its parts, one thread at a time: their lines
 * said through its log, its progress bar drawn from what they did. */
typedef struct {
    pthread_mutex_t mu;
    runlog *log;        /* the merging run's */
    sync_progress done; /* the parts' */
    size_t total;       /* files of the build */
} part_watch;

static void part_line(const char *line, void *ctx)
{
    part_watch *w = ctx;
    pthread_mutex_lock(&w->mu);
    runlog_line(w->log, line);
    pthread_mutex_unlock(&w->mu);
}

static void part_bar(void *ctx)
{
    part_watch *w = ctx;
    pthread_mutex_lock(&w->mu);
    runlog_progress(w->log, atomic_load(&w->done.files), w->total,
                    atomic_load(&w->done.bytes), 0);
    pthread_mutex_unlock(&w->mu);
}

static int stopped(const merge_input *in)
{
    return in->opt->stop && *in->opt->stop;
}

merge_status merge_build(const merge_input *in, runlog *log, sync_report *rep,
                         char *err, size_t errlen)
{
    const sync_options *opt = in->opt;
    unsigned n = opt->writers;
    char paths[SYNC_MAX_WRITERS][PATH_MAX];
    const char *parts[SYNC_MAX_WRITERS];
    char tmp[PATH_MAX], why[PATH_MAX + 256];
    sync_report prep;
    part_watch watch = {.mu = PTHREAD_MUTEX_INITIALIZER, .log = log};
    merge_status ms = MERGE_ERR;
    unsigned long gone = 0;

    err[0] = '\0';
    if (n < 2 || n > SYNC_MAX_WRITERS) {
        errmsg_set(err, errlen, "--writers takes a number from 1 to %d",
                   SYNC_MAX_WRITERS);
        return MERGE_ERR;
    }
    if (compact_tmp_path(opt->db_path, tmp, sizeof tmp) != 0) {
        errmsg_set(err, errlen, "index %s: path too long", opt->db_path);
        return MERGE_ERR;
    }
    for (unsigned k = 0; k < n; k++) {
        if (merge_part_path(opt->db_path, k, paths[k], sizeof paths[k]) != 0) {
            errmsg_set(err, errlen, "index %s: path too long", opt->db_path);
            return MERGE_ERR;
        }
        parts[k] = paths[k];
    }
    atomic_init(&watch.done.files, 0);
    atomic_init(&watch.done.bytes, 0);
    merge_clean(opt->db_path, log);
    double t0 = clock_now();
    if (seed_parts(in, paths, n, err, errlen) != 0)
        goto out;

    /* Each part a run from nothing over its share of the pages. Xapian's
     * environment is set here, before the threads: parts keep no
     * changesets, and record the index's number. */
    sync_options popt = *opt;
    popt.writers = 0;
    popt.part = 1;
    popt.rebuild = 1;
    popt.compact = SYNC_COMPACT_NEVER;
    popt.changesets = in->changesets;
    popt.changesets_given = 1;
    popt.walked = in->lists;
    popt.shared = &watch.done;
    if (opt->log) {
        popt.log = part_line;
        popt.log_ctx = &watch;
    }
    for (size_t i = 0; i < in->nroots; i++)
        watch.total += in->lists[i].count;
    xc_set_max_changesets(0);
    xc_writer_env();
    /* a part's lines are the build's: said as one writer says them */
    sync_status st = shardset_parallel(&popt, n, "part", 0, part_bar, &watch,
                                       merge_part_path, in->roots, in->nroots,
                                       &prep, err, errlen);
    if (st == SYNC_ERR_INTERRUPTED || (st != SYNC_ERR_FATAL && stopped(in))) {
        ms = MERGE_INTERRUPTED;
        goto out;
    }
    if (st == SYNC_ERR_FATAL)
        goto out;
    if (prep.failed > 0 && in->doccount > 0) {
        runlog_printf(log, RUNLOG_WARN,
                      "%lu file%s failed: building again with one writer, "
                      "which keeps their previous version%s",
                      prep.failed, prep.failed == 1 ? "" : "s",
                      prep.failed == 1 ? "" : "s");
        ms = MERGE_ONE_WRITER;
        goto out;
    }
    runlog_printf(log, RUNLOG_NOTE, "%u parts written in %.2f s", n,
                  clock_now() - t0);

    double t1 = clock_now();
    char msg[512];
    if (xc_merge(parts, n, tmp, msg, sizeof msg) != XC_OK) {
        errmsg_set(err, errlen, "%s", msg);
        goto out;
    }
    if (finish_merged(in, tmp, &gone, err, errlen) != 0)
        goto out;
    if (stopped(in)) {
        ms = MERGE_INTERRUPTED;
        goto out;
    }
    compact_status cs = compact_exchange(opt->db_path, tmp, why, sizeof why);
    if (cs == COMPACT_UNSUPPORTED) {
        runlog_printf(log, RUNLOG_WARN, "%s: building with one writer", why);
        ms = MERGE_ONE_WRITER;
        goto out;
    }
    if (cs != COMPACT_OK) {
        errmsg_set(err, errlen, "%s", why);
        goto out;
    }
    /* the parts went with the old index's folder */
    if (why[0])
        runlog_printf(log, RUNLOG_WARN, "%s", why);
    runlog_printf(log, RUNLOG_NOTE,
                  "index compacted in %.2f s (%u parts merged)",
                  clock_now() - t1, n);
    /* files: the caller counted its walk's */
    rep->added += prep.added;
    rep->updated += prep.updated;
    rep->unchanged += prep.unchanged;
    rep->skipped += prep.skipped;
    rep->failed += prep.failed;
    rep->deleted += gone;
    rep->bytes += prep.bytes;
    return MERGE_OK;
out:
    if (ms == MERGE_INTERRUPTED)
        errmsg_set(err, errlen,
                   "interrupted: the index keeps its last committed "
                   "revision");
    merge_clean(opt->db_path, log);
    /* the threads are done: a one-writer build that follows writes the
     * index's changesets again */
    xc_set_max_changesets(in->changesets);
    xc_writer_env();
    return ms;
}
