/* cache: a byte-bounded LRU map from request keys to answers. */
#include "server/cache.h"

#include <stdlib.h>
#include <string.h>

#include "common/schema.h"

#define MIN_BUCKETS 256

typedef struct entry {
    struct entry *hnext;       /* same bucket */
    struct entry *prev, *next; /* recency list: head is the most recent */
    uint64_t hash, t_ms;
    size_t klen, vlen;
    char data[]; /* key, then answer */
} entry;

struct cache {
    entry **bucket;
    size_t nbuckets; /* a power of two */
    entry *head, *tail;
    uint64_t ttl_ms;
    size_t max_bytes, bytes, entries;
    uint64_t hits, misses, evictions;
};

static size_t entry_bytes(size_t klen, size_t vlen)
{
    return CACHE_ENTRY_OVERHEAD + klen + vlen;
}

cache_status cache_new(size_t max_bytes, uint64_t ttl_ms, cache **out)
{
    cache *c = calloc(1, sizeof *c);

    *out = NULL;
    if (c == NULL)
        return CACHE_ERR_NOMEM;
    c->bucket = calloc(MIN_BUCKETS, sizeof *c->bucket); // NOLINT: pointers
    if (c->bucket == NULL) {
        free(c);
        return CACHE_ERR_NOMEM;
    }
    c->nbuckets = MIN_BUCKETS;
    c->max_bytes = max_bytes;
    c->ttl_ms = ttl_ms;
    *out = c;
    return CACHE_OK;
}

static void unlink_lru(cache *c, entry *e)
{
    if (c->head == e)
        c->head = e->next;
    else
        e->prev->next = e->next;
    if (c->tail == e)
        c->tail = e->prev;
    else
        e->next->prev = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(cache *c, entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    else
        c->tail = e;
    c->head = e;
}

/* Unlink e from its bucket and the recency list, and free it. */
static void drop(cache *c, entry *e)
{
    entry **pp = &c->bucket[e->hash & (c->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    unlink_lru(c, e);
    c->bytes -= entry_bytes(e->klen, e->vlen);
    c->entries--;
    free(e);
}

void cache_clear(cache *c)
{
    if (c == NULL)
        return;
    while (c->head)
        drop(c, c->head);
}

void cache_free(cache *c)
{
    if (c == NULL)
        return;
    cache_clear(c);
    free(c->bucket);
    free(c);
}

static entry *find(const cache *c, uint64_t h, const char *key, size_t klen)
{
    entry *e = c->bucket[h & (c->nbuckets - 1)];
    for (; e != NULL; e = e->hnext)
        if (e->hash == h && e->klen == klen && memcmp(e->data, key, klen) == 0)
            return e;
    return NULL;
}

int cache_get(cache *c, const char *key, size_t klen, uint64_t now_ms,
              const char **val, size_t *vlen)
{
    uint64_t h = schema_hash(key, klen);
    entry *e = find(c, h, key, klen);

    *val = NULL;
    *vlen = 0;
    if (e != NULL && now_ms - e->t_ms > c->ttl_ms) {
        drop(c, e); /* too old: its answer may no longer be true */
        e = NULL;
    }
    if (e == NULL) {
        c->misses++;
        return 0;
    }
    unlink_lru(c, e);
    push_front(c, e);
    c->hits++;
    *val = e->data + e->klen;
    *vlen = e->vlen;
    return 1;
}

static size_t chain_length(const cache *c, uint64_t h)
{
    size_t n = 0;
    for (const entry *e = c->bucket[h & (c->nbuckets - 1)]; e; e = e->hnext)
        n++;
    return n;
}

/* Twice the buckets when entries outnumber them; on failure the table
 * stays as it is (longer chains, still correct). */
static void maybe_grow(cache *c)
{
    if (c->entries < c->nbuckets)
        return;
    size_t n = c->nbuckets * 2;
    entry **b = calloc(n, sizeof *b); // NOLINT: an array of pointers
    if (b == NULL)
        return;
    for (size_t i = 0; i < c->nbuckets; i++) {
        entry *e = c->bucket[i], *next;
        for (; e != NULL; e = next) {
            next = e->hnext;
            e->hnext = b[e->hash & (n - 1)];
            b[e->hash & (n - 1)] = e;
        }
    }
    free(c->bucket);
    c->bucket = b;
    c->nbuckets = n;
}

cache_status cache_put(cache *c, const char *key, size_t klen, const char *val,
                       size_t vlen, uint64_t now_ms)
{
    size_t need = entry_bytes(klen, vlen);
    uint64_t h;
    entry *e, *old;

    if (klen > c->max_bytes || vlen > c->max_bytes || need > c->max_bytes / 8)
        return CACHE_ERR_TOO_BIG;
    e = malloc(sizeof *e + klen + vlen);
    if (e == NULL)
        return CACHE_ERR_NOMEM;
    h = schema_hash(key, klen);
    old = find(c, h, key, klen);
    if (old == NULL && chain_length(c, h) >= CACHE_MAX_CHAIN) {
        free(e);
        return CACHE_ERR_FULL;
    }
    if (old != NULL)
        drop(c, old);
    while (c->tail != NULL && c->bytes + need > c->max_bytes) {
        drop(c, c->tail);
        c->evictions++;
    }
    e->hash = h;
    e->t_ms = now_ms;
    e->klen = klen;
    e->vlen = vlen;
    memcpy(e->data, key, klen);
    memcpy(e->data + klen, val, vlen);
    e->hnext = c->bucket[h & (c->nbuckets - 1)];
    c->bucket[h & (c->nbuckets - 1)] = e;
    push_front(c, e);
    c->bytes += need;
    c->entries++;
    maybe_grow(c);
    return CACHE_OK;
}

void cache_figures_get(const cache *c, cache_figures *f)
{
    memset(f, 0, sizeof *f);
    if (c == NULL)
        return;
    f->entries = c->entries;
    f->bytes = c->bytes;
    f->max_bytes = c->max_bytes;
    f->hits = c->hits;
    f->misses = c->misses;
    f->evictions = c->evictions;
}

const char *cache_strerror(cache_status st)
{
    switch (st) {
    case CACHE_OK:
        return "success";
    case CACHE_ERR_NOMEM:
        return "out of memory";
    case CACHE_ERR_TOO_BIG:
        return "entry larger than an eighth of the cache";
    case CACHE_ERR_FULL:
        return "hash bucket full";
    }
    return "unknown cache error";
}
