/* test_sync: what sync exposes besides a run: the shard of a page
 * (sync_shard_of), which must never change between versions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "indexer/sync.h"

/* FNV-1a 64's published values: a change of hash would move pages
 * between the shards of every existing index. */
static void test_shard_of_is_fnv1a(void **state)
{
    (void)state;
    /* "" is the offset basis 0xcbf29ce484222325; "a" is
     * 0xaf63dc4c8601ec8c */
    assert_int_equal(sync_shard_of("", 3), 0xcbf29ce484222325ULL % 3);
    assert_int_equal(sync_shard_of("a", 64), 0xaf63dc4c8601ec8cULL % 64);
    assert_int_equal(sync_shard_of("U/site/a.txt", 7), 4);
}

static void test_shard_of_bounds(void **state)
{
    (void)state;
    /* no sharding: everything in shard 0 */
    assert_int_equal(sync_shard_of("a", 0), 0);
    assert_int_equal(sync_shard_of("a", 1), 0);
    /* spread: 4000 ids of one folder over 4 shards, none starved */
    unsigned count[4] = {0};
    char id[64];
    for (int i = 0; i < 4000; i++) {
        snprintf(id, sizeof id, "U/srv/site/d%02d/f%04d.txt", i % 20, i);
        unsigned s = sync_shard_of(id, 4);
        assert_true(s < 4);
        count[s]++;
    }
    for (int k = 0; k < 4; k++)
        assert_in_range(count[k], 800, 1200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shard_of_is_fnv1a),
        cmocka_unit_test(test_shard_of_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
