/* cache: answers of recent SEARCH requests, kept so that a repeated query
 * on an unchanged index is answered without touching it.
 *
 * A bounded map from a request key to an answer, least recently used
 * first out, each entry kept at most a fixed time. It is not thread-safe:
 * the server uses it from the event-loop thread only (look-up before a
 * request goes to a worker, insertion when the answer comes back), so no
 * lock is ever taken. Whether an entry is still true of the index is the
 * caller's business: it calls cache_clear() when the index changes. */
#ifndef CGLU_SERVER_CACHE_H
#define CGLU_SERVER_CACHE_H

#include <stddef.h>
#include <stdint.h>

/* Per entry, on top of key and answer bytes, counted against the budget:
 * its header, malloc's own and its share of the hash table. */
#define CACHE_ENTRY_OVERHEAD 96
/* Entries one hash bucket may hold: keys chosen to collide (the hash is
 * not keyed) are refused past it, so no look-up walks a long chain. */
#define CACHE_MAX_CHAIN 8

typedef enum {
    CACHE_OK = 0,
    CACHE_ERR_NOMEM,
    CACHE_ERR_TOO_BIG, /* one entry would take over an eighth of the budget */
    CACHE_ERR_FULL,    /* its hash bucket holds CACHE_MAX_CHAIN entries */
} cache_status;

typedef struct cache_figures {
    uint64_t entries, bytes, max_bytes;
    uint64_t hits, misses, evictions;
} cache_figures;

typedef struct cache cache;

/* A cache of at most max_bytes (keys, answers and CACHE_ENTRY_OVERHEAD a
 * piece), whose entries are forgotten ttl_ms after insertion. On success
 * *out is set (free it with cache_free()); on failure it is NULL. */
cache_status cache_new(size_t max_bytes, uint64_t ttl_ms, cache **out);

void cache_free(cache *c); /* NULL allowed */

/* The answer stored under key[0..klen), if any and not older than the
 * TTL at now_ms: *val and *vlen point into the cache, valid until the
 * next cache_put(), cache_clear() or cache_free(). Returns 1 on a hit
 * (the entry becomes the most recently used), else 0 with *val NULL.
 * Counts a hit or a miss. */
int cache_get(cache *c, const char *key, size_t klen, uint64_t now_ms,
              const char **val, size_t *vlen);

/* Store a copy of val[0..vlen) under a copy of key[0..klen), replacing
 * any entry of that key and evicting the least recently used ones until
 * the budget holds it. On error nothing changes (an entry that is
 * refused evicts nothing). */
cache_status cache_put(cache *c, const char *key, size_t klen, const char *val,
                       size_t vlen, uint64_t now_ms);

/* Forget every entry (the index changed). Counters are kept. */
void cache_clear(cache *c);

/* The counters and sizes of c (all 0 when c is NULL) into *f. */
void cache_figures_get(const cache *c, cache_figures *f);

const char *cache_strerror(cache_status st);

#endif
