/* watch: notices a new index revision (a commit, a rebuild) within
 * SERVER_WATCH_MS and empties the answer cache, so no stale answer is
 * served. */
#include <stdlib.h>
#include <string.h>

#include "common/index_meta.h"
#include "common/schema.h"
#include "server/server_int.h"

/* Shard transitions the watch thread keeps for the loop to log between two
 * of its turns: more are counted, not kept. */
#define WATCH_MAX_EVENTS 16
/* Shards whose state the watch follows: the first ENGINE_MAX_SHARDS. */
#define WATCH_MAX_SHARDS ENGINE_MAX_SHARDS

/* An index with remote shards is watched from a thread of its own: a look
 * waits on each shard (up to the remote timeout when one hangs), which
 * the loop must never do. The thread looks every SERVER_WATCH_MS (or when
 * woken) and hands what it saw to the loop through async; the loop acts
 * on it as on a look of its own (watch_seen, watch_changed). */
struct watch_thread {
    uv_thread_t tid;
    uv_mutex_t mu;
    uv_cond_t cv;
    uv_async_t async;
    int running;    /* the thread was started and not joined */
    int stop, wake; /* under mu */
    /* what the thread saw, under mu, for the loop */
    int changed, ok, seen;
    uint64_t rev;
    char uuid[XC_UUID_LEN];
    char err[256];
    char events[WATCH_MAX_EVENTS][XC_SHARD_NAME_LEN + XC_SHARD_WHY_LEN + 32];
    size_t nevents, lost;
    /* the thread's own: each shard's state at its last look */
    int up[WATCH_MAX_SHARDS];
    size_t nshards;
};

/* The index changed (a commit, a rebuild, SIGHUP): cached answers may be
 * false now, and so may answers being computed on the old revision. */
void watch_changed(server *s)
{
    s->cache_gen++;
    cache_clear(s->cache);
    dispatch_workers_reopen(s);
}

/* The index the watch sees now: its revision, and a hash of its UUID (a
 * rebuilt index restarts its revisions: ETags must tell them apart). */
static void watch_seen(server *s, uint64_t rev, const char *uuid)
{
    s->watch_rev = rev;
    s->index_id = schema_hash(uuid, strlen(uuid));
}

/* On the loop: what a look found (ok, changed, rev, uuid; s->watch_err
 * says why a failed look failed). */
static void watch_apply(server *s, int ok, int changed, uint64_t rev,
                        const char *uuid)
{
    if (!ok && !s->watch_warned && s->cache != NULL) {
        s->watch_warned = 1;
        server_logf(s, SERVER_LOG_WARN,
                    "cannot read the revision of %s: %s; no answer caching "
                    "until it is back",
                    s->db_path, s->watch_err);
    }
    if (ok && s->watch_warned) {
        s->watch_warned = 0;
        server_logf(s, SERVER_LOG_INFO, "%s is back: answer caching resumes",
                    s->db_path);
    }
    s->watch_ok = ok;
    if (ok)
        watch_seen(s, rev, uuid);
    if (changed)
        watch_changed(s);
}

/* Every SERVER_WATCH_MS on the loop itself, through index_meta's watch (a
 * reopen check of its own reader, which reads the index's small version
 * file: about 7 us). On libuv's pool it would wait behind every queued
 * search while stale answers kept being served from the cache. An index
 * with remote shards is looked at by the watch thread instead: it is
 * woken now. */
void watch_poll(server *s)
{
    watch_thread *t = s->wthread;
    if (t != NULL && t->running) {
        uv_mutex_lock(&t->mu);
        t->wake = 1;
        uv_cond_signal(&t->cv);
        uv_mutex_unlock(&t->mu);
        return;
    }
    uint64_t rev = 0;
    int changed = 0;
    int ok = index_meta_watch_poll(s->revwatch, &changed, &rev, s->watch_err,
                                   sizeof s->watch_err) == INDEX_META_OK;
    watch_apply(s, ok, changed, rev, index_meta_watch_uuid(s->revwatch));
}

void watch_on_timer(uv_timer_t *t)
{
    watch_poll(t->data);
}

/* Compare the shards' states with the last look's: a line for each
 * change (under t->mu). Returns 1 when one changed. */
static int shard_events(watch_thread *t, xc_db *db)
{
    size_t n = xc_nshards(db);
    int moved = 0;
    if (n > WATCH_MAX_SHARDS)
        n = WATCH_MAX_SHARDS;
    for (size_t k = 0; k < n; k++) {
        xc_shard_info si;
        if (xc_shard_get(db, k, &si) != XC_OK || !si.remote)
            continue;
        int was = k < t->nshards ? t->up[k] : 1;
        t->up[k] = si.up;
        if (was == si.up)
            continue;
        moved = 1;
        if (t->nevents == WATCH_MAX_EVENTS) {
            t->lost++;
            continue;
        }
        if (si.up)
            snprintf(t->events[t->nevents++], sizeof t->events[0],
                     "shard %s is back", si.name);
        else
            snprintf(t->events[t->nevents++], sizeof t->events[0],
                     "shard %s is unavailable: %s", si.name, si.why);
    }
    t->nshards = n;
    return moved;
}

static void watch_thread_main(void *arg)
{
    server *s = arg;
    watch_thread *t = s->wthread;
    char err[sizeof t->err];

    uv_mutex_lock(&t->mu);
    while (!t->stop) {
        uv_mutex_unlock(&t->mu);
        uint64_t rev = 0;
        int changed = 0;
        int ok = index_meta_watch_poll(s->revwatch, &changed, &rev, err,
                                       sizeof err) == INDEX_META_OK;
        xc_db *db = index_meta_watch_db(s->revwatch);
        uv_mutex_lock(&t->mu);
        if (db != NULL)
            changed |= shard_events(t, db);
        t->changed |= changed;
        t->ok = ok;
        t->rev = rev;
        t->seen = 1;
        snprintf(t->uuid, sizeof t->uuid, "%s",
                 index_meta_watch_uuid(s->revwatch));
        snprintf(t->err, sizeof t->err, "%s", err);
        uv_async_send(&t->async);
        if (!t->stop && !t->wake)
            uv_cond_timedwait(&t->cv, &t->mu,
                              (uint64_t)SERVER_WATCH_MS * 1000000u);
        t->wake = 0;
    }
    uv_mutex_unlock(&t->mu);
}

/* On the loop: what the watch thread saw since the last call. */
static void watch_on_async(uv_async_t *a)
{
    server *s = a->data;
    watch_thread *t = s->wthread;
    char events[WATCH_MAX_EVENTS][sizeof t->events[0]];
    char uuid[XC_UUID_LEN];

    uv_mutex_lock(&t->mu);
    int seen = t->seen, ok = t->ok, changed = t->changed;
    uint64_t rev = t->rev;
    size_t nev = t->nevents, lost = t->lost;
    memcpy(events, t->events, nev * sizeof events[0]);
    memcpy(uuid, t->uuid, sizeof uuid);
    snprintf(s->watch_err, sizeof s->watch_err, "%s", t->err);
    t->changed = 0;
    t->nevents = t->lost = 0;
    uv_mutex_unlock(&t->mu);
    for (size_t i = 0; i < nev; i++)
        server_logf(s, SERVER_LOG_WARN, "%s", events[i]);
    if (lost > 0)
        server_logf(s, SERVER_LOG_WARN, "%zu more shard changes not logged",
                    lost);
    if (seen)
        watch_apply(s, ok, changed, rev, uuid);
}

/* After the loop is made: watch from a thread when the index has remote
 * shards, else with the loop's timer. 0, or -1 (err says why). */
int watch_start(server *s, char *err, size_t errlen)
{
    if (!xc_has_remote(index_meta_watch_db(s->revwatch))) {
        uv_timer_start(&s->watch, watch_on_timer, SERVER_WATCH_MS,
                       SERVER_WATCH_MS);
        return 0;
    }
    /* made so far: 1 the lock, 2 the condition too */
    int made = 0, rc = 0;
    const char *what = "out of memory";
    watch_thread *t = calloc(1, sizeof *t);
    if (t == NULL)
        goto fail;
    what = "cannot make the watch's lock";
    if (uv_mutex_init(&t->mu) != 0)
        goto fail;
    made = 1;
    what = "cannot make the watch's condition";
    if (uv_cond_init(&t->cv) != 0)
        goto fail;
    made = 2;
    what = "cannot make the watch's signal";
    if ((rc = uv_async_init(&s->loop, &t->async, watch_on_async)) != 0)
        goto fail;
    t->async.data = s;
    s->wthread = t; /* freed by watch_free, its handle closed with the loop */
    rc = uv_thread_create(&t->tid, watch_thread_main, s);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the watch thread: %s",
                 uv_strerror(rc));
        return -1;
    }
    t->running = 1;
    return 0;
fail:
    if (made >= 2)
        uv_cond_destroy(&t->cv);
    if (made >= 1)
        uv_mutex_destroy(&t->mu);
    free(t);
    snprintf(err, errlen, "%s%s%s", what, rc ? ": " : "",
             rc ? uv_strerror(rc) : "");
    return -1;
}

/* Stop and join the watch thread, if one runs (at most one look, up to
 * the remote timeout, is waited for). Before the loop's handles close. */
void watch_halt(server *s)
{
    watch_thread *t = s->wthread;
    if (t == NULL || !t->running)
        return;
    uv_mutex_lock(&t->mu);
    t->stop = 1;
    uv_cond_signal(&t->cv);
    uv_mutex_unlock(&t->mu);
    uv_thread_join(&t->tid);
    t->running = 0;
}

/* Stop watching: the timer, or the thread and its async handle. */
void watch_stop(server *s)
{
    uv_close((uv_handle_t *)&s->watch, NULL);
    watch_halt(s);
    if (s->wthread != NULL)
        uv_close((uv_handle_t *)&s->wthread->async, NULL);
}

int watch_init(server *s)
{
    uint64_t rev;
    int changed;

    if (index_meta_watch_new(s->db_path, &s->revwatch) != INDEX_META_OK)
        return -1;
    /* The state before the workers open: a commit from now on is seen as
     * a change. */
    s->watch_ok =
        index_meta_watch_poll(s->revwatch, &changed, &rev, s->watch_err,
                              sizeof s->watch_err) == INDEX_META_OK;
    if (s->watch_ok)
        watch_seen(s, rev, index_meta_watch_uuid(s->revwatch));
    return 0;
}

/* After the loop closed (the async handle too). */
void watch_free(server *s)
{
    watch_thread *t = s->wthread;
    if (t != NULL) {
        uv_cond_destroy(&t->cv);
        uv_mutex_destroy(&t->mu);
        free(t);
    }
    s->wthread = NULL;
    index_meta_watch_free(s->revwatch);
    s->revwatch = NULL;
}
