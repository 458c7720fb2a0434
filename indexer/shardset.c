/* shardset: N shards of one index, written in parallel, and the stub file
 * that lists them. */
#include "indexer/shardset.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/errmsg.h"
#include "common/schema.h"
#include "common/xapian_c.h"
#include "indexer/batch.h"
#include "indexer/compact.h"
#include "indexer/pipeline.h"

/* Bytes of a stub file we read: SYNC_MAX_SHARDS lines of "glass
 * shard-KK\n" fit with room to spare. */
#define SHARDSET_STUB_MAX 4096

/* A line of the stub, and the folder of shard k. */
#define SHARDSET_LINE "glass shard-%02u\n"
#define SHARDSET_DIR "shard-%02u"

int shardset_path(const char *db, unsigned k, char *out, size_t n)
{
    int w = snprintf(out, n, "%s/" SHARDSET_DIR, db, k);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* 1 when path exists (any type). */
static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

shardset_kind shardset_probe(const char *db, unsigned *n, char *err,
                             size_t errlen)
{
    char path[PATH_MAX], buf[SHARDSET_STUB_MAX + 1], line[32];
    *n = 0;
    if (snprintf(path, sizeof path, "%s/" SHARDSET_STUB, db) >=
        (int)sizeof path) {
        errmsg_set(err, errlen, "index %s: path too long", db);
        return SHARDSET_ERR;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        /* a stub that is there but unreadable is an error; any other
         * reason (no such folder, a file in the path) is the run's to say
         * when it opens the index */
        if (exists(path)) {
            errmsg_set(err, errlen, "cannot read %s: %s", path,
                       strerror(errno));
            return SHARDSET_ERR;
        }
        if (snprintf(path, sizeof path, "%s/iamglass", db) < (int)sizeof path &&
            exists(path))
            return SHARDSET_PLAIN;
        if (shardset_path(db, 0, path, sizeof path) == 0 && exists(path))
            return SHARDSET_UNFINISHED;
        return SHARDSET_NONE;
    }
    size_t len = fread(buf, 1, SHARDSET_STUB_MAX + 1, f);
    fclose(f);
    buf[len > SHARDSET_STUB_MAX ? SHARDSET_STUB_MAX : len] = '\0';
    /* exactly the lines shardset_run writes, shard 0 first */
    unsigned k = 0;
    size_t off = 0;
    while (len <= SHARDSET_STUB_MAX && off < len && k < SYNC_MAX_SHARDS) {
        int w = snprintf(line, sizeof line, SHARDSET_LINE, k);
        if (strncmp(buf + off, line, (size_t)w) != 0)
            break;
        off += (size_t)w;
        k++;
    }
    if (k == 0 || off != len) {
        errmsg_set(err, errlen,
                   "%s was not written by cglu-index (its lines must be "
                   "\"glass shard-00\", \"glass shard-01\"...)",
                   path);
        return SHARDSET_ERR;
    }
    *n = k;
    return SHARDSET_STUB_OK;
}

/* Write the stub of n shards: db/XAPIANDB.tmp, synced, renamed over the
 * stub, so that a reader finds the old list or the new one. */
static int write_stub(const char *db, unsigned n, char *err, size_t errlen)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    int fd = -1;
    if (snprintf(path, sizeof path, "%s/" SHARDSET_STUB, db) >=
            (int)sizeof path ||
        snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        errmsg_set(err, errlen, "index %s: path too long", db);
        return -1;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        goto fail;
    for (unsigned k = 0; k < n; k++) {
        char line[32];
        int w = snprintf(line, sizeof line, SHARDSET_LINE, k);
        if (write(fd, line, (size_t)w) != w)
            goto fail;
    }
    if (fsync(fd) != 0)
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    /* the rename itself durable too: the folder's entry */
    int dfd = open(db, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
fail:
    errmsg_set(err, errlen, "cannot write %s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return -1;
}

/* Remove the shard folders from n on (an index that had more, or a
 * rebuild into more that did not finish). Warnings only: a reader opens
 * the stub, which no longer names them. */
static void remove_beyond(const char *db, unsigned n, sync_log_fn log,
                          void *ctx)
{
    char path[PATH_MAX], line[PATH_MAX + 64];
    for (unsigned k = n; k < SYNC_MAX_SHARDS; k++) {
        if (shardset_path(db, k, path, sizeof path) != 0 || !exists(path))
            continue;
        if (compact_remove_tree(path) != 0 && log) {
            snprintf(line, sizeof line, "cannot remove %s: %s", path,
                     strerror(errno));
            log(line, ctx);
        }
    }
}

/* PATH/SCHEMA_DICTIONARY brought up to date with the n shards, in place
 * (xc_dictionary_build: one commit of the differences): the spelling
 * words and synonyms that a daemon over remote shards reads locally
 * (xapian_c.h). Leftovers of the way earlier versions replaced it, a
 * copy being made or the one before, are removed; one that cannot be
 * opened (damaged, not a database) is made anew. */
static int write_dictionary(const char *db, unsigned n, char *err,
                            size_t errlen)
{
    char paths[SYNC_MAX_SHARDS][PATH_MAX], cur[PATH_MAX], aside[PATH_MAX];
    const char *srcs[SYNC_MAX_SHARDS];
    int same = 0;
    for (unsigned k = 0; k < n; k++) {
        if (shardset_path(db, k, paths[k], sizeof paths[k]) != 0)
            goto toolong;
        srcs[k] = paths[k];
    }
    if (snprintf(cur, sizeof cur, "%s/" SCHEMA_DICTIONARY, db) >=
        (int)sizeof cur)
        goto toolong;
    static const char *const leftovers[] = {".new", ".old"};
    for (size_t k = 0; k < sizeof leftovers / sizeof *leftovers; k++) {
        if (snprintf(aside, sizeof aside, "%s%s", cur, leftovers[k]) >=
            (int)sizeof aside)
            goto toolong;
        if (exists(aside))
            compact_remove_tree(aside);
    }
    xc_status st = xc_dictionary_build(srcs, n, cur, &same, err, errlen);
    if (st == XC_ERR_OPEN || st == XC_ERR_CORRUPT) {
        /* damaged, half copied, not a database: made anew (a shard that
         * cannot be read fails again, and says so) */
        compact_remove_tree(cur);
        st = xc_dictionary_build(srcs, n, cur, &same, err, errlen);
    }
    return st == XC_OK ? 0 : -1;
toolong:
    errmsg_set(err, errlen, "index %s: path too long", db);
    return -1;
}

typedef struct {
    sync_options opt;
    char path[PATH_MAX];
    char label[16]; /* "shard K", the log lines' prefix */
    const char *const *roots;
    size_t nroots;
    sync_report rep;
    sync_status st;
    char err[1024];
    const sync_options *parent; /* its log and ctx */
} shard_job;

/* A shard's log line, said as "shard K: line" through the caller's log. */
static void shard_log(const char *line, void *ctx)
{
    const shard_job *j = ctx;
    char buf[1200];
    snprintf(buf, sizeof buf, "%s: %s", j->label, line);
    j->parent->log(buf, j->parent->log_ctx);
}

static void *shard_main(void *arg)
{
    shard_job *j = arg;
    j->st =
        sync_run(&j->opt, j->roots, j->nroots, &j->rep, j->err, sizeof j->err);
    /* its pages written: build the others' last ones */
    pipeline_help(j->opt.board);
    return NULL;
}

/* How bad a status is, for the run's: fatal > interrupted > partial > ok. */
static int severity(sync_status st)
{
    switch (st) {
    case SYNC_OK:
        return 0;
    case SYNC_PARTIAL:
        return 1;
    case SYNC_ERR_INTERRUPTED:
        return 2;
    case SYNC_ERR_FATAL:
        return 3;
    }
    return 3;
}

/* Join thread t, calling tick every SHARDSET_TICK seconds meanwhile. */
static void join_ticking(pthread_t t, void (*tick)(void *), void *ctx)
{
    if (!tick) {
        pthread_join(t, NULL);
        return;
    }
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts); /* pthread_timedjoin_np's */
        long ns = ts.tv_nsec + (long)(SHARDSET_TICK * 1e9);
        ts.tv_sec += ns / 1000000000L;
        ts.tv_nsec = ns % 1000000000L;
        if (pthread_timedjoin_np(t, NULL, &ts) != ETIMEDOUT)
            return;
        tick(ctx);
    }
}

sync_status shardset_parallel(const sync_options *opt, unsigned n,
                              const char *label, int tag_lines,
                              void (*tick)(void *), void *tick_ctx,
                              shardset_path_fn path, const char *const *roots,
                              size_t nroots, sync_report *rep, char *err,
                              size_t errlen)
{
    shard_job *jobs = NULL;
    pipeline_board *board = NULL;
    pthread_t tids[SYNC_MAX_SHARDS];
    unsigned started = 0;
    sync_status status = SYNC_ERR_FATAL;
    double t0 = clock_now();

    memset(rep, 0, sizeof *rep);
    err[0] = '\0';
    if (n < 1 || n > SYNC_MAX_SHARDS) {
        errmsg_set(err, errlen, "from 1 to %d %ss", SYNC_MAX_SHARDS, label);
        goto out;
    }
    jobs = calloc(n, sizeof *jobs);
    board = pipeline_board_new();
    if (!jobs || !board) {
        errmsg_set(err, errlen, "out of memory");
        goto out;
    }
    size_t mem = opt->batch_memory ? opt->batch_memory : BATCH_DEFAULT_MEMORY;
    for (unsigned k = 0; k < n; k++) {
        shard_job *j = &jobs[k];
        if (path(opt->db_path, k, j->path, sizeof j->path) != 0) {
            errmsg_set(err, errlen, "index %s: path too long", opt->db_path);
            goto out;
        }
        j->opt = *opt;
        j->opt.db_path = j->path;
        j->opt.shard = k;
        j->opt.nshards = n;
        /* the run's bound on memory is shared by its writers */
        j->opt.batch_memory = mem / n;
        j->opt.progress = 0; /* N bars would fight over one line */
        j->opt.board = board;
        if (opt->log && tag_lines) {
            j->opt.log = shard_log;
            j->opt.log_ctx = j;
        }
        snprintf(j->label, sizeof j->label, "%s %u", label, k);
        j->roots = roots;
        j->nroots = nroots;
        j->parent = opt;
    }
    for (; started < n; started++) {
        int e =
            pthread_create(&tids[started], NULL, shard_main, &jobs[started]);
        if (e != 0) {
            errmsg_set(err, errlen, "cannot start a writer thread: %s",
                       strerror(e));
            break;
        }
    }
    for (unsigned k = 0; k < started; k++)
        join_ticking(tids[k], tick, tick_ctx);
    if (started < n)
        goto out;
    status = SYNC_OK;
    for (unsigned k = 0; k < n; k++) {
        const shard_job *j = &jobs[k];
        const sync_report *s = &j->rep;
        rep->files += s->files;
        rep->added += s->added;
        rep->updated += s->updated;
        rep->deleted += s->deleted;
        rep->unchanged += s->unchanged;
        rep->skipped += s->skipped;
        rep->failed += s->failed;
        /* every run reads the same synonym files: one's count */
        if (s->bad_synonyms > rep->bad_synonyms)
            rep->bad_synonyms = s->bad_synonyms;
        rep->bytes += s->bytes;
        if (severity(j->st) > severity(status))
            status = j->st;
        if (severity(j->st) >= 2 && !err[0])
            errmsg_set(err, errlen, "%s: %s", j->label, j->err);
    }
out:
    free(jobs);
    pipeline_board_free(board); /* every thread joined */
    rep->seconds = clock_now() - t0;
    return status;
}

sync_status shardset_run(const sync_options *opt, unsigned nshards,
                         const char *const *roots, size_t nroots,
                         sync_report *rep, char *err, size_t errlen)
{
    if (nshards < 1 || nshards > SYNC_MAX_SHARDS) {
        memset(rep, 0, sizeof *rep);
        errmsg_set(err, errlen, "--shards takes a number from 1 to %d",
                   SYNC_MAX_SHARDS);
        return SYNC_ERR_FATAL;
    }
    double t0 = clock_now();
    sync_status status =
        shardset_parallel(opt, nshards, "shard", 1, NULL, NULL, shardset_path,
                          roots, nroots, rep, err, errlen);
    if (severity(status) >= 2 || opt->dry_run)
        goto out;
    /* every shard holds its documents: now readers may be sent to them */
    unsigned had = 0;
    char why[256];
    if ((shardset_probe(opt->db_path, &had, why, sizeof why) !=
             SHARDSET_STUB_OK ||
         had != nshards) &&
        write_stub(opt->db_path, nshards, err, errlen) != 0) {
        status = SYNC_ERR_FATAL;
        goto out;
    }
    remove_beyond(opt->db_path, nshards, opt->log, opt->log_ctx);
    if (write_dictionary(opt->db_path, nshards, err, errlen) != 0)
        status = SYNC_ERR_FATAL;
out:
    rep->seconds = clock_now() - t0;
    return status;
}
