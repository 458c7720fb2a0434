/* test_errmsg: messages into a caller's buffer: no buffer, whole, cut,
 * formatting, and the va_list form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/errmsg.h"

/* A caller of errmsg_vset: what a module's own variadic helper does. */
static void __attribute__((format(printf, 3, 4)))
wrap(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    errmsg_vset(err, n, fmt, ap);
    va_end(ap);
}

static void test_no_buffer(void **state)
{
    (void)state;
    char buf[8];

    /* NULL with a size: nothing is written, nothing crashes. */
    errmsg_set(NULL, 64, "%s %d", "nothing", 1);
    wrap(NULL, 64, "%s %d", "nothing", 2);
    /* Size 0: the buffer is left alone, not even a NUL at [0]. */
    memset(buf, 'x', sizeof buf);
    errmsg_set(buf, 0, "%s", "abc");
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 'x');
    wrap(buf, 0, "%s", "abc");
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 'x');
    errmsg_set(NULL, 0, "%s", "abc");
}

static void test_fits(void **state)
{
    (void)state;
    char buf[16];

    memset(buf, 'x', sizeof buf);
    errmsg_set(buf, sizeof buf, "%s", "hello");
    assert_string_equal(buf, "hello");
    /* Exactly size - 1 characters: all of them, then the NUL. */
    memset(buf, 'x', sizeof buf);
    errmsg_set(buf, sizeof buf, "%s", "0123456789abcde");
    assert_string_equal(buf, "0123456789abcde");
    assert_int_equal(buf[15], '\0');
    /* A second message replaces the first. */
    errmsg_set(buf, sizeof buf, "%s", "ok");
    assert_string_equal(buf, "ok");
}

static void test_cut(void **state)
{
    (void)state;
    char buf[16];

    /* Size 8 in a 16-byte array: 7 characters and the NUL, the rest of
     * the array untouched. */
    memset(buf, 'x', sizeof buf);
    errmsg_set(buf, 8, "%s", "0123456789abcdef");
    assert_string_equal(buf, "0123456");
    assert_int_equal(buf[7], '\0');
    for (size_t i = 8; i < sizeof buf; i++)
        assert_int_equal(buf[i], 'x');
    /* One more character than fits. */
    memset(buf, 'x', sizeof buf);
    errmsg_set(buf, sizeof buf, "%s", "0123456789abcdef");
    assert_string_equal(buf, "0123456789abcde");
    /* Size 1: only the NUL. */
    memset(buf, 'x', sizeof buf);
    errmsg_set(buf, 1, "%s", "abc");
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], 'x');
}

static void test_format(void **state)
{
    (void)state;
    char buf[128];

    errmsg_set(buf, sizeof buf, "%s: %d %u %llu %x %05.2f %c %%", "open", -3,
               7u, 18446744073709551615ull, 255u, 1.5, 'z');
    assert_string_equal(buf, "open: -3 7 18446744073709551615 ff 01.50 z %");
    errmsg_set(buf, sizeof buf, "no conversion");
    assert_string_equal(buf, "no conversion");
    /* The cut applies to the formatted text, not to fmt. */
    errmsg_set(buf, 6, "%d-%d", 1234, 5678);
    assert_string_equal(buf, "1234-");
}

static void test_vset(void **state)
{
    (void)state;
    char buf[32];

    memset(buf, 'x', sizeof buf);
    wrap(buf, sizeof buf, "%s at %zu", "bad byte", (size_t)12);
    assert_string_equal(buf, "bad byte at 12");
    memset(buf, 'x', sizeof buf);
    wrap(buf, 5, "%s", "truncated");
    assert_string_equal(buf, "trun");
    assert_int_equal(buf[5], 'x');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_buffer), cmocka_unit_test(test_fits),
        cmocka_unit_test(test_cut),       cmocka_unit_test(test_format),
        cmocka_unit_test(test_vset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
