/* test_cache: the answer cache: hits and misses, keys with NUL bytes,
 * least-recently-used eviction within the byte budget, expiry, refusal of
 * oversized entries, replacement, clearing, and a table that grows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/schema.h"
#include "server/cache.h"

#define S(x) x, sizeof(x) - 1 /* literal with its length, NULs included */

static cache *make(size_t max_bytes, uint64_t ttl_ms)
{
    cache *c = NULL;
    assert_int_equal(cache_new(max_bytes, ttl_ms, &c), CACHE_OK);
    assert_non_null(c);
    return c;
}

/* 1 and the answer in out (NUL-terminated) on a hit, else 0. */
static int get(cache *c, const char *k, size_t kn, uint64_t now, char *out,
               size_t outn)
{
    const char *v;
    size_t vn;
    if (!cache_get(c, k, kn, now, &v, &vn)) {
        assert_null(v);
        assert_int_equal(vn, 0);
        return 0;
    }
    assert_true(vn < outn);
    memcpy(out, v, vn);
    out[vn] = '\0';
    return 1;
}

/* A hit on k[0..kn) at now, whose answer is want. */
static void hit(cache *c, const char *k, size_t kn, uint64_t now,
                const char *want)
{
    char out[64];

    assert_int_equal(get(c, k, kn, now, out, sizeof out), 1);
    assert_string_equal(out, want);
}

/* A miss on k[0..kn) at now. */
static void miss(cache *c, const char *k, size_t kn, uint64_t now)
{
    char out[64];

    assert_int_equal(get(c, k, kn, now, out, sizeof out), 0);
}

static void test_hit_and_miss(void **state)
{
    (void)state;
    cache *c = make(1 << 20, 1000);
    cache_figures f;

    miss(c, S("a"), 0);
    assert_int_equal(cache_put(c, S("a"), S("answer a"), 0), CACHE_OK);
    hit(c, S("a"), 10, "answer a");
    /* keys differ past a NUL byte, and by length */
    assert_int_equal(cache_put(c, S("q\0x"), S("one"), 0), CACHE_OK);
    assert_int_equal(cache_put(c, S("q\0y"), S("two"), 0), CACHE_OK);
    hit(c, S("q\0x"), 0, "one");
    hit(c, S("q\0y"), 0, "two");
    miss(c, S("q"), 0);
    miss(c, S("a "), 0);
    cache_figures_get(c, &f);
    assert_int_equal(f.entries, 3);
    assert_int_equal(f.hits, 3);
    assert_int_equal(f.misses, 3);
    assert_int_equal(f.bytes, 3 * CACHE_ENTRY_OVERHEAD + 1 + 8 + 3 + 3 + 3 + 3);
    assert_int_equal(f.max_bytes, 1 << 20);
    cache_free(c);
    cache_free(NULL);
}

static void test_replace(void **state)
{
    (void)state;
    cache *c = make(1 << 20, 1000);
    cache_figures f;

    assert_int_equal(cache_put(c, S("k"), S("old answer"), 0), CACHE_OK);
    assert_int_equal(cache_put(c, S("k"), S("new"), 0), CACHE_OK);
    hit(c, S("k"), 0, "new");
    cache_figures_get(c, &f);
    assert_int_equal(f.entries, 1);
    assert_int_equal(f.bytes, CACHE_ENTRY_OVERHEAD + 1 + 3);
    assert_int_equal(f.evictions, 0);
    cache_free(c);
}

/* Entries of exactly ENTRY bytes in a budget of 8 (an eighth each). */
#define ENTRY 200
static void put100(cache *c, int i, uint64_t now)
{
    char key[8], val[ENTRY - CACHE_ENTRY_OVERHEAD - 4];
    snprintf(key, sizeof key, "k%03d", i);
    memset(val, 'a' + i % 26, sizeof val);
    assert_int_equal(cache_put(c, key, 4, val, sizeof val, now), CACHE_OK);
}

static int has(cache *c, int i)
{
    char key[8];
    const char *v;
    size_t vn;
    snprintf(key, sizeof key, "k%03d", i);
    return cache_get(c, key, 4, 0, &v, &vn);
}

static void test_lru_eviction(void **state)
{
    (void)state;
    cache *c = make(8 * ENTRY, 1000);
    cache_figures f;

    for (int i = 0; i < 8; i++)
        put100(c, i, 0);
    cache_figures_get(c, &f);
    assert_int_equal(f.bytes, 8 * ENTRY);
    assert_int_equal(f.evictions, 0);
    /* 0 becomes the most recently used: 1 is the next one out */
    assert_true(has(c, 0));
    put100(c, 8, 0);
    assert_false(has(c, 1));
    assert_true(has(c, 0));
    assert_true(has(c, 8));
    for (int i = 2; i < 8; i++)
        assert_true(has(c, i));
    cache_figures_get(c, &f);
    assert_int_equal(f.bytes, 8 * ENTRY);
    assert_int_equal(f.entries, 8);
    assert_int_equal(f.evictions, 1);
    /* many more: the budget always holds */
    for (int i = 9; i < 200; i++) {
        put100(c, i, 0);
        cache_figures_get(c, &f);
        assert_true(f.bytes <= 8 * ENTRY);
    }
    assert_true(has(c, 199));
    assert_false(has(c, 150));
    cache_free(c);
}

static void test_too_big(void **state)
{
    (void)state;
    cache *c = make(8 * ENTRY, 1000);
    char big[ENTRY + 1];
    cache_figures f;

    memset(big, 'x', sizeof big);
    put100(c, 1, 0);
    /* over an eighth of the budget: refused, and nothing is evicted */
    assert_int_equal(cache_put(c, S("big"), big, sizeof big, 0),
                     CACHE_ERR_TOO_BIG);
    assert_int_equal(cache_put(c, big, sizeof big, S("v"), 0),
                     CACHE_ERR_TOO_BIG);
    cache_figures_get(c, &f);
    assert_int_equal(f.entries, 1);
    assert_true(has(c, 1));
    cache_free(c);
    /* a budget too small for anything: every put is refused */
    c = make(0, 1000);
    assert_int_equal(cache_put(c, S("k"), S("v"), 0), CACHE_ERR_TOO_BIG);
    cache_free(c);
}

/* Keys chosen to land in one bucket (the hash is not keyed): the bucket
 * takes CACHE_MAX_CHAIN of them, then refuses, so no chain grows long. */
static void test_chain_cap(void **state)
{
    (void)state;
    cache *c = make(1 << 20, 1000);
    char keys[CACHE_MAX_CHAIN + 1][16];
    size_t n = 0;
    cache_figures f;

    for (int i = 0; n < CACHE_MAX_CHAIN + 1 && i < 1000000; i++) {
        char k[16];
        int len = snprintf(k, sizeof k, "q%d", i);
        /* the table starts with 256 buckets: the low 8 bits pick one */
        if ((schema_hash(k, (size_t)len) & 255) == 7)
            memcpy(keys[n++], k, (size_t)len + 1);
    }
    assert_int_equal(n, CACHE_MAX_CHAIN + 1);
    for (size_t i = 0; i < CACHE_MAX_CHAIN; i++)
        assert_int_equal(cache_put(c, keys[i], strlen(keys[i]), S("v"), 0),
                         CACHE_OK);
    assert_int_equal(cache_put(c, keys[CACHE_MAX_CHAIN],
                               strlen(keys[CACHE_MAX_CHAIN]), S("v"), 0),
                     CACHE_ERR_FULL);
    /* a key already there may still be replaced */
    assert_int_equal(cache_put(c, keys[0], strlen(keys[0]), S("w"), 0),
                     CACHE_OK);
    hit(c, keys[0], strlen(keys[0]), 0, "w");
    cache_figures_get(c, &f);
    assert_int_equal(f.entries, CACHE_MAX_CHAIN);
    assert_string_equal(cache_strerror(CACHE_ERR_FULL), "hash bucket full");
    cache_free(c);
}

static void test_expiry(void **state)
{
    (void)state;
    cache *c = make(1 << 20, 1000);
    char out[64];
    cache_figures f;

    assert_int_equal(cache_put(c, S("k"), S("v"), 5000), CACHE_OK);
    assert_int_equal(get(c, S("k"), 6000, out, sizeof out), 1); /* 1000 ms */
    miss(c, S("k"), 6001);
    cache_figures_get(c, &f);
    assert_int_equal(f.entries, 0); /* the stale entry is gone */
    assert_int_equal(f.bytes, 0);
    cache_free(c);
}

static void test_clear(void **state)
{
    (void)state;
    cache *c = make(1 << 20, 1000);
    char out[64];
    cache_figures f;

    for (int i = 0; i < 50; i++)
        put100(c, i, 0);
    assert_true(has(c, 7));
    cache_clear(c);
    cache_figures_get(c, &f);
    assert_int_equal(f.entries, 0);
    assert_int_equal(f.bytes, 0);
    assert_int_equal(f.hits, 1); /* counters survive */
    for (int i = 0; i < 50; i++)
        assert_false(has(c, i));
    /* usable after */
    assert_int_equal(cache_put(c, S("k"), S("v"), 0), CACHE_OK);
    assert_int_equal(get(c, S("k"), 0, out, sizeof out), 1);
    cache_clear(NULL);
    cache_free(c);
}

static void test_growth(void **state)
{
    (void)state;
    cache *c = make(64 << 20, 1000);
    char key[16], want[64];
    cache_figures f;

    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "query %d", i);
        int m = snprintf(want, sizeof want, "answer %d", i);
        assert_int_equal(cache_put(c, key, (size_t)n, want, (size_t)m, 0),
                         CACHE_OK);
    }
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "query %d", i);
        snprintf(want, sizeof want, "answer %d", i);
        hit(c, key, (size_t)n, 0, want);
    }
    cache_figures_get(c, &f);
    assert_int_equal(f.entries, 5000);
    assert_int_equal(f.evictions, 0);
    cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_and_miss), cmocka_unit_test(test_replace),
        cmocka_unit_test(test_lru_eviction), cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_chain_cap),    cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_clear),        cmocka_unit_test(test_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
