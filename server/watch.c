/* watch: notices a new index revision (a commit, a rebuild) within
 * SERVER_WATCH_MS and empties the answer cache, so no stale answer is
 * served. */
#include <string.h>

#include "common/index_meta.h"
#include "common/schema.h"
#include "server/server_int.h"

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
static void watch_seen(server *s, uint64_t rev)
{
    const char *uuid = index_meta_watch_uuid(s->revwatch);

    s->watch_rev = rev;
    s->index_id = schema_hash(uuid, strlen(uuid));
}

/* Every SERVER_WATCH_MS on the loop itself, through index_meta's watch (a
 * reopen check of its own reader, which reads the index's small version
 * file: about 7 us). On libuv's pool it would wait behind every queued
 * search while stale answers kept being served from the cache. */
void watch_poll(server *s)
{
    uint64_t rev = 0;
    int changed = 0;
    int ok = index_meta_watch_poll(s->revwatch, &changed, &rev, s->watch_err,
                                   sizeof s->watch_err) == INDEX_META_OK;

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
        watch_seen(s, rev);
    if (changed)
        watch_changed(s);
}

void watch_on_timer(uv_timer_t *t)
{
    watch_poll(t->data);
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
        watch_seen(s, rev);
    return 0;
}

void watch_free(server *s)
{
    index_meta_watch_free(s->revwatch);
    s->revwatch = NULL;
}
