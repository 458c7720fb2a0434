/* test_batch: when the indexer commits: the decision's order and defaults,
 * the heap seen growing, looks paced by the budget left, age and input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "indexer/batch.h"

#define MB ((size_t)1 << 20)

static void test_decide(void **state)
{
    (void)state;
    static const struct {
        batch_limits lim;
        size_t memory, input;
        double age;
        batch_reason want;
    } rows[] = {
        /* zero limits: the defaults, and no bound on input */
        {{0, 0, 0}, 0, 0, 0, BATCH_OPEN},
        {{0, 0, 0}, BATCH_DEFAULT_MEMORY - 1, SIZE_MAX, 0, BATCH_OPEN},
        {{0, 0, 0}, BATCH_DEFAULT_MEMORY, 0, 0, BATCH_FULL_MEMORY},
        {{0, 0, 0}, 0, 0, BATCH_DEFAULT_SECONDS - 0.01, BATCH_OPEN},
        {{0, 0, 0}, 0, 0, BATCH_DEFAULT_SECONDS, BATCH_FULL_AGE},
        /* given limits */
        {{2 * MB, 0, 0}, 2 * MB - 1, 0, 0, BATCH_OPEN},
        {{2 * MB, 0, 0}, 2 * MB, 0, 0, BATCH_FULL_MEMORY},
        {{0, MB, 0}, 0, MB - 1, 0, BATCH_OPEN},
        {{0, MB, 0}, 0, MB, 0, BATCH_FULL_INPUT},
        {{0, 0, 0.5}, 0, 0, 0.49, BATCH_OPEN},
        {{0, 0, 0.5}, 0, 0, 0.5, BATCH_FULL_AGE},
        {{0, 0, 60}, 0, 0, BATCH_DEFAULT_SECONDS, BATCH_OPEN},
        /* several at once: memory, then input, then age */
        {{MB, MB, 1}, MB, MB, 1, BATCH_FULL_MEMORY},
        {{MB, MB, 1}, 0, MB, 1, BATCH_FULL_INPUT},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        if (batch_decide(&rows[i].lim, rows[i].memory, rows[i].input,
                         rows[i].age) != rows[i].want)
            fail_msg(
                "row %zu: got %s, want %s", i,
                batch_reason_name(batch_decide(&rows[i].lim, rows[i].memory,
                                               rows[i].input, rows[i].age)),
                batch_reason_name(rows[i].want));
}

/* Memory held since the batch began is seen once enough input went by to
 * fill the budget left at BATCH_PER_INPUT; a commit (a new batch) starts
 * from the heap as it is. Under valgrind, whose allocator glibc's
 * mallinfo2() does not see, the heap reads 0 and the estimate from the
 * input is what bounds a batch. */
static void test_heap(void **state)
{
    (void)state;
    batch_limits lim = {.memory = 4 * MB, .age = 3600};
    batch b;
    size_t held = 8 * MB;

    if (batch_heap_in_use() == 0) {
        batch_begin(&b, &lim, 0);
        batch_add(&b, 4 * MB / BATCH_PER_INPUT - BATCH_DOC_BYTES);
        assert_int_equal(batch_check(&b, 0), BATCH_OPEN);
        assert_int_equal(b.memory, 4 * MB - BATCH_DOC_BYTES * BATCH_PER_INPUT);
        batch_add(&b, BATCH_SAMPLE_MIN); /* the least step near the budget */
        assert_int_equal(batch_check(&b, 0), BATCH_FULL_MEMORY);
        assert_int_equal(b.memory, b.input * BATCH_PER_INPUT);
        skip(); /* the heap cannot be read in this run */
    }
    batch_begin(&b, &lim, 0);
    char *p = malloc(held);
    assert_non_null(p);
    memset(p, 1, held); /* touched, as Xapian's buffers are */
    /* far from the step (4 MB / 16): not looked at yet */
    batch_add(&b, 1024);
    assert_int_equal(batch_check(&b, 1), BATCH_OPEN);
    assert_int_equal(b.memory, 0);
    batch_add(&b, 4 * MB / BATCH_PER_INPUT);
    assert_int_equal(batch_check(&b, 1), BATCH_FULL_MEMORY);
    assert_true(b.memory >= held);
    assert_int_equal(b.docs, 2);
    assert_int_equal(b.input, 1024 + 4 * MB / BATCH_PER_INPUT);
    /* the next batch starts from the heap as it is: nothing held */
    batch_begin(&b, &lim, 1);
    batch_add(&b, 4 * MB);
    assert_int_equal(batch_check(&b, 1), BATCH_OPEN);
    assert_true(b.memory < MB);
    free(p);
    /* less than at the start: nothing held, not a wrap-around */
    batch_add(&b, 4 * MB);
    assert_int_equal(batch_check(&b, 1), BATCH_OPEN);
    assert_int_equal(b.memory, 0);
}

static void test_heap_in_use(void **state)
{
    (void)state;
    size_t before = batch_heap_in_use();
    if (before == 0)
        skip(); /* valgrind: glibc's mallinfo2() does not see its heap */
    char *p = malloc(16 * MB);
    assert_non_null(p);
    memset(p, 1, 16 * MB);
    size_t after = batch_heap_in_use();
    free(p);
    /* glibc's arenas or ASan's allocator: seen to grow */
    assert_true(after >= before + 16 * MB);
}

static void test_age_and_input(void **state)
{
    (void)state;
    batch_limits lim = {.memory = 1024 * MB, .input = MB, .age = 2};
    batch b;

    batch_begin(&b, &lim, 100.0);
    assert_int_equal(batch_check(&b, 101.9), BATCH_OPEN);
    assert_int_equal(batch_check(&b, 102.0), BATCH_FULL_AGE);
    batch_begin(&b, &lim, 200.0);
    batch_add(&b, MB / 2);
    assert_int_equal(batch_check(&b, 200.0), BATCH_OPEN);
    batch_add(&b, MB / 2);
    assert_int_equal(batch_check(&b, 200.0), BATCH_FULL_INPUT);
    /* a new batch forgets the old one's input and age */
    batch_begin(&b, &lim, 300.0);
    assert_int_equal(b.input, 0);
    assert_int_equal(b.docs, 0);
    assert_int_equal(batch_check(&b, 301.0), BATCH_OPEN);
}

static void test_reason_names(void **state)
{
    (void)state;
    assert_string_equal(batch_reason_name(BATCH_OPEN), "open");
    assert_string_equal(batch_reason_name(BATCH_FULL_MEMORY), "memory");
    assert_string_equal(batch_reason_name(BATCH_FULL_INPUT), "input");
    assert_string_equal(batch_reason_name(BATCH_FULL_AGE), "age");
    assert_string_equal(batch_reason_name((batch_reason)99), "open");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decide),
        cmocka_unit_test(test_heap),
        cmocka_unit_test(test_heap_in_use),
        cmocka_unit_test(test_age_and_input),
        cmocka_unit_test(test_reason_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
