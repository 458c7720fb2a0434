/* test_buf: the growable byte buffer: growth, limits, failure rules,
 * printf, reuse and messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "tests/unit/unit_util.h"
#include "common/buf.h"

/* test_nomem asks for 2^60 bytes: under ASan, make malloc return NULL as
 * libc does instead of reporting an error. Unused without ASan. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

/* The invariants every buffer keeps, whatever happened to it. */
static void check_invariants(const buf_t *b)
{
    assert_true(b->len <= b->max);
    assert_true(b->cap <= b->max + 1);
    if (b->cap > 0) {
        assert_non_null(b->data);
        assert_true(b->len < b->cap);
        assert_int_equal(b->data[b->len], '\0');
    } else {
        assert_int_equal(b->len, 0);
    }
}

/* b holds exactly want[0..n). */
static void check_content(const buf_t *b, const char *want, size_t n)
{
    check_invariants(b);
    assert_int_equal(b->len, n);
    if (n > 0)
        assert_memory_equal(b->data, want, n);
}

static void test_zeroed_buffer(void **state)
{
    (void)state;
    buf_t b;
    size_t len = 99;

    memset(&b, 0, sizeof b); /* a valid empty buffer whose max is 0 */
    assert_int_equal(buf_append(&b, NULL, 0), BUF_OK);
    assert_int_equal(b.failed, 0);
    assert_null(b.data);
    assert_int_equal(buf_putc(&b, 'x'), BUF_ERR_LIMIT);
    assert_int_equal(b.failed, 1);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(buf_puts(&b, "ab"), BUF_ERR_LIMIT);
    assert_int_equal(buf_printf(&b, "%d", 1), BUF_ERR_LIMIT);
    assert_int_equal(b.len, 0);
    assert_null(buf_detach(&b, &len)); /* nothing was ever allocated */
    assert_int_equal(len, 0);
    assert_int_equal(b.failed, 0);
    buf_free(&b);
    assert_null(b.data);
}

static void test_init(void **state)
{
    (void)state;
    buf_t b;

    memset(&b, 0xAB, sizeof b); /* init needs no zeroed memory */
    buf_init(&b, 100);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 100);
    assert_int_equal(b.failed, 0);

    buf_init(&b, SIZE_MAX);
    assert_true(b.max == BUF_MAX_LIMIT);
    buf_init(&b, BUF_MAX_LIMIT + 1);
    assert_true(b.max == BUF_MAX_LIMIT);
    buf_init(&b, BUF_MAX_LIMIT);
    assert_true(b.max == BUF_MAX_LIMIT);
    buf_init(&b, 0);
    assert_int_equal(b.max, 0);
    assert_null(b.data); /* allocates nothing */
}

static void test_append(void **state)
{
    (void)state;
    buf_t b;

    buf_init(&b, 1000);
    assert_int_equal(buf_append(&b, "abc", 3), BUF_OK);
    check_content(&b, "abc", 3);
    assert_string_equal(b.data, "abc");
    assert_int_equal(buf_puts(&b, "def"), BUF_OK);
    assert_int_equal(buf_putc(&b, 'g'), BUF_OK);
    check_content(&b, "abcdefg", 7);
    assert_string_equal(b.data, "abcdefg");

    /* n == 0: nothing appended, p may be NULL, not a failure */
    char *before = b.data;
    assert_int_equal(buf_append(&b, NULL, 0), BUF_OK);
    assert_int_equal(buf_puts(&b, ""), BUF_OK);
    check_content(&b, "abcdefg", 7);
    assert_ptr_equal(b.data, before);
    assert_int_equal(b.failed, 0);

    /* any bytes, NUL included, and the terminator after them */
    assert_int_equal(buf_append(&b, "\0x\0", 3), BUF_OK);
    assert_int_equal(buf_putc(&b, '\0'), BUF_OK);
    check_content(&b, "abcdefg\0x\0\0", 11);
    assert_int_equal(b.failed, 0);
    buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 1000); /* same max */
}

static void test_limit_exact(void **state)
{
    (void)state;
    buf_t b;

    buf_init(&b, 8);
    assert_int_equal(buf_append(&b, "abcdefgh", 8), BUF_OK); /* len == max */
    check_content(&b, "abcdefgh", 8);
    assert_int_equal(b.cap, 9); /* clamped to max + 1 */
    char *before = b.data;

    assert_int_equal(buf_putc(&b, 'i'), BUF_ERR_LIMIT);
    assert_int_equal(b.failed, 1);
    check_content(&b, "abcdefgh", 8);
    assert_ptr_equal(b.data, before);
    assert_int_equal(buf_puts(&b, "ij"), BUF_ERR_LIMIT);
    assert_int_equal(buf_append(&b, "i", 1), BUF_ERR_LIMIT);
    assert_int_equal(buf_printf(&b, "%c", 'i'), BUF_ERR_LIMIT);
    check_content(&b, "abcdefgh", 8);
    assert_string_equal(b.data, "abcdefgh");

    /* a later success does not clear failed: checked once at the end */
    assert_int_equal(buf_append(&b, NULL, 0), BUF_OK);
    assert_int_equal(b.failed, 1);
    buf_truncate(&b, 4);
    assert_int_equal(b.failed, 0);
    check_content(&b, "abcd", 4);
    assert_int_equal(buf_puts(&b, "XYZ"), BUF_OK);
    assert_int_equal(b.failed, 0);

    /* an append that fits only in part appends nothing */
    assert_int_equal(buf_puts(&b, "12"), BUF_ERR_LIMIT);
    check_content(&b, "abcdXYZ", 7);
    assert_int_equal(b.failed, 1);
    assert_int_equal(buf_putc(&b, '1'), BUF_OK);
    check_content(&b, "abcdXYZ1", 8);
    assert_int_equal(b.failed, 1);
    buf_free(&b);
}

static void test_reserve(void **state)
{
    (void)state;
    buf_t b;

    buf_init(&b, 1000);
    assert_int_equal(buf_reserve(&b, 10), BUF_OK);
    check_content(&b, "", 0); /* room made, nothing written */
    assert_true(b.cap >= 11);
    assert_int_equal(b.data[0], '\0');
    assert_int_equal(buf_puts(&b, "hello"), BUF_OK);
    size_t old = b.cap;
    char *p = b.data;
    assert_int_equal(buf_reserve(&b, old - 6), BUF_OK); /* already room */
    assert_int_equal(b.cap, old);
    assert_ptr_equal(b.data, p);

    /* growth doubles the capacity until large enough */
    assert_int_equal(buf_reserve(&b, 200), BUF_OK);
    check_content(&b, "hello", 5);
    assert_true(b.cap >= 206);
    assert_true(b.cap / 2 < 206);
    size_t c = old;
    while (c < b.cap)
        c *= 2;
    assert_int_equal(c, b.cap); /* old capacity times a power of two */

    /* ... then is clamped to max + 1 */
    assert_int_equal(buf_reserve(&b, 995), BUF_OK);
    assert_int_equal(b.cap, 1001);
    check_content(&b, "hello", 5);
    assert_int_equal(buf_reserve(&b, 996), BUF_ERR_LIMIT);
    assert_int_equal(b.failed, 1);
    check_content(&b, "hello", 5);
    assert_int_equal(b.cap, 1001);

    /* extra so large that len + extra would overflow */
    assert_int_equal(buf_reserve(&b, SIZE_MAX), BUF_ERR_LIMIT);
    assert_int_equal(buf_reserve(&b, SIZE_MAX - 2), BUF_ERR_LIMIT);
    check_content(&b, "hello", 5);
    buf_reset(&b);
    assert_int_equal(b.failed, 0);
    assert_int_equal(buf_reserve(&b, 1000), BUF_OK); /* len + extra == max */
    assert_int_equal(b.failed, 0);
    buf_free(&b);

    /* a small max clamps the very first allocation */
    buf_init(&b, 10);
    assert_int_equal(buf_reserve(&b, 3), BUF_OK);
    assert_true(b.cap >= 4 && b.cap <= 11);
    assert_int_equal(buf_reserve(&b, 0), BUF_OK);
    buf_free(&b);
}

static void test_max_limit(void **state)
{
    (void)state;
    buf_t b;

    buf_init(&b, SIZE_MAX);
    assert_int_equal(buf_puts(&b, "x"), BUF_OK);
    /* past the limit: refused before any allocation is tried */
    assert_int_equal(buf_reserve(&b, BUF_MAX_LIMIT), BUF_ERR_LIMIT);
    assert_int_equal(buf_reserve(&b, SIZE_MAX), BUF_ERR_LIMIT);
    assert_int_equal(buf_reserve(&b, SIZE_MAX / 2 + 1), BUF_ERR_LIMIT);
    assert_int_equal(buf_append(&b, "y", SIZE_MAX), BUF_ERR_LIMIT);
    assert_int_equal(b.failed, 1);
    check_content(&b, "x", 1);
    buf_free(&b);
}

static void test_growth(void **state)
{
    (void)state;
    enum { N = 100000 };
    buf_t b;
    char *want = malloc(N);

    assert_non_null(want);
    for (size_t i = 0; i < N; i++)
        want[i] = (char)(i * 7 % 251);
    buf_init(&b, N);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(buf_putc(&b, want[i]), BUF_OK);
        assert_int_equal(b.len, i + 1);
    }
    check_content(&b, want, N);
    assert_int_equal(b.cap, N + 1); /* the last step lands on the limit */
    assert_int_equal(buf_putc(&b, 'z'), BUF_ERR_LIMIT);
    check_content(&b, want, N);
    assert_int_equal(b.failed, 1);
    free(want);
    buf_free(&b);
}

/* buf_vprintf through a variadic function of our own. */
static buf_status vp(buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static buf_status vp(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_status st = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return st;
}

static void test_printf(void **state)
{
    (void)state;
    buf_t b;
    char big[600];

    buf_init(&b, 4096);
    assert_int_equal(buf_printf(&b, "%s", ""), BUF_OK); /* empty output */
    check_content(&b, "", 0);
    assert_int_equal(buf_printf(&b, "%d-%s", 42, "x"), BUF_OK);
    check_content(&b, "42-x", 4);
    assert_int_equal(buf_printf(&b, "|%05u|%c", 7u, 'z'), BUF_OK);
    check_content(&b, "42-x|00007|z", 12);

    /* longer than the free space: formatted again after growing, with
     * the arguments intact */
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    size_t before = b.cap;
    assert_int_equal(vp(&b, "[%s|%d|%s]", big, -3, "end"), BUF_OK);
    assert_true(b.cap > before);
    assert_int_equal(b.len, 12 + 1 + 599 + 8);
    assert_memory_equal(b.data, "42-x|00007|z[", 13);
    assert_memory_equal(b.data + 13, big, 599);
    assert_string_equal(b.data + 13 + 599, "|-3|end]");
    assert_int_equal(b.failed, 0);

    /* a NUL byte written by %c is content like any other */
    buf_reset(&b);
    assert_int_equal(buf_printf(&b, "a%cb", '\0'), BUF_OK);
    check_content(&b, "a\0b", 3);
    buf_free(&b);

    /* the first growth of an empty buffer */
    buf_init(&b, 4096);
    assert_int_equal(vp(&b, "%s", big), BUF_OK);
    check_content(&b, big, 599);
    buf_free(&b);
}

static void test_printf_limit(void **state)
{
    (void)state;
    buf_t b;

    buf_init(&b, 10);
    assert_int_equal(buf_puts(&b, "abcdef"), BUF_OK);
    assert_int_equal(b.cap, 11);
    /* fits the allocation only in part: the attempt that wrote into the
     * free space must not leave its bytes or lose the terminator */
    assert_int_equal(buf_printf(&b, "%s", "12345"), BUF_ERR_LIMIT);
    assert_int_equal(b.failed, 1);
    check_content(&b, "abcdef", 6);
    assert_string_equal(b.data, "abcdef");
    assert_int_equal(buf_printf(&b, "%d", 1234), BUF_OK); /* exactly max */
    check_content(&b, "abcdef1234", 10);
    assert_int_equal(buf_printf(&b, "%s", ""), BUF_OK);
    assert_int_equal(buf_printf(&b, "%d", 5), BUF_ERR_LIMIT);
    check_content(&b, "abcdef1234", 10);
    buf_free(&b);

    /* over the limit on the very first call: nothing allocated */
    buf_init(&b, 3);
    assert_int_equal(buf_printf(&b, "%s", "abcd"), BUF_ERR_LIMIT);
    assert_int_equal(b.failed, 1);
    assert_int_equal(b.len, 0);
    assert_null(b.data);
    assert_int_equal(buf_printf(&b, "%s", "abc"), BUF_OK);
    check_content(&b, "abc", 3);
    buf_free(&b);
}

static void test_printf_format_error(void **state)
{
    (void)state;
    buf_t b;
    /* in the C locale a wide character past ASCII cannot be converted */
    static const wchar_t bad[] = {L'x', L'y', (wchar_t)0x20AC, 0};

    buf_init(&b, 100);
    assert_int_equal(buf_printf(&b, "%ls", bad), BUF_ERR_FORMAT);
    assert_int_equal(b.failed, 1);
    assert_int_equal(b.len, 0);
    buf_reset(&b);
    assert_int_equal(buf_puts(&b, "abc"), BUF_OK);
    assert_int_equal(buf_printf(&b, "%s%ls", "zz", bad), BUF_ERR_FORMAT);
    assert_int_equal(b.failed, 1);
    check_content(&b, "abc", 3);
    assert_string_equal(b.data, "abc"); /* terminator put back */
    assert_int_equal(buf_printf(&b, "%ls", L"ok"), BUF_OK);
    check_content(&b, "abcok", 5);
    buf_free(&b);
}

static void test_truncate_reset(void **state)
{
    (void)state;
    buf_t b;

    buf_init(&b, 100);
    buf_truncate(&b, 0); /* nothing allocated: nothing to cut */
    buf_reset(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);

    assert_int_equal(buf_puts(&b, "hello world"), BUF_OK);
    char *p = b.data;
    size_t cap = b.cap;
    size_t mark = b.len;
    assert_int_equal(buf_puts(&b, " and more"), BUF_OK);
    buf_truncate(&b, mark); /* undo the appends after a saved len */
    check_content(&b, "hello world", 11);
    assert_string_equal(b.data, "hello world");
    buf_truncate(&b, 50); /* past len: ignored */
    check_content(&b, "hello world", 11);
    b.failed = 1;
    buf_truncate(&b, b.len); /* same length: content kept, failed cleared */
    assert_int_equal(b.failed, 0);
    check_content(&b, "hello world", 11);
    buf_truncate(&b, 0);
    check_content(&b, "", 0);
    assert_ptr_equal(b.data, p); /* memory kept */
    assert_int_equal(b.cap, cap);

    assert_int_equal(buf_puts(&b, "again"), BUF_OK);
    assert_int_equal(buf_reserve(&b, 200), BUF_ERR_LIMIT);
    assert_int_equal(b.failed, 1);
    cap = b.cap;
    p = b.data;
    buf_reset(&b);
    assert_int_equal(b.failed, 0);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.data[0], '\0');
    assert_ptr_equal(b.data, p);
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.max, 100);
    buf_free(&b);
}

static void test_detach(void **state)
{
    (void)state;
    buf_t b;
    size_t len = 99;

    buf_init(&b, 100);
    assert_null(buf_detach(&b, &len)); /* never allocated */
    assert_int_equal(len, 0);
    assert_null(buf_detach(&b, NULL));

    assert_int_equal(buf_append(&b, "a\0bc", 4), BUF_OK);
    assert_int_equal(buf_putc(&b, 'x'), BUF_OK);
    b.failed = 1;
    char *s = buf_detach(&b, &len);
    assert_non_null(s);
    assert_int_equal(len, 5);
    assert_memory_equal(s, "a\0bcx", 6); /* terminated */
    free(s);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.max, 100);
    assert_int_equal(b.failed, 0);

    /* left empty and reusable */
    assert_int_equal(buf_puts(&b, "next"), BUF_OK);
    check_content(&b, "next", 4);
    buf_reset(&b); /* allocated but empty: an empty string, not NULL */
    s = buf_detach(&b, NULL);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    assert_null(buf_detach(&b, &len));
    assert_int_equal(len, 0);
}

static void test_free_reuse(void **state)
{
    (void)state;
    buf_t b;

    buf_init(&b, 50);
    buf_free(&b); /* nothing allocated */
    assert_int_equal(buf_puts(&b, "abc"), BUF_OK);
    assert_int_equal(buf_puts(&b, "0123456789012345678901234567890123456789"
                                  "0123456789"),
                     BUF_ERR_LIMIT);
    assert_int_equal(b.failed, 1);
    buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(b.failed, 0);
    assert_int_equal(b.max, 50);
    buf_free(&b);                                    /* twice is harmless */
    assert_int_equal(buf_puts(&b, "reuse"), BUF_OK); /* reusable */
    check_content(&b, "reuse", 5);
    buf_free(&b);
}

/* ---- one byte at a time, small limits, no memory, formats, reuse ---- */

static void test_buf_grow(void **state)
{
    buf_t b;
    size_t i, prev_cap = 0;
    char c;

    (void)state;
    buf_init(&b, 1000);
    assert_null(b.data);
    for (i = 0; i < 1000; i++) {
        c = (char)('a' + i % 26);
        assert_int_equal(buf_append(&b, &c, 1), BUF_OK);
        assert_int_equal(b.len, i + 1);
        assert_int_equal(b.data[b.len], '\0');
        assert_int_equal(b.data[i], c);
        assert_true(b.cap <= b.max + 1);
        if (b.cap != prev_cap) { /* 64, 128, ..., 512, then the limit */
            assert_true(b.cap == 64 || b.cap == 2 * prev_cap ||
                        b.cap == b.max + 1);
            prev_cap = b.cap;
        }
    }
    assert_int_equal(b.cap, 1001);
    /* Full: one more byte is refused and changes nothing. */
    assert_int_equal(buf_putc(&b, 'x'), BUF_ERR_LIMIT);
    assert_int_equal(buf_append(&b, "", 0), BUF_OK);
    assert_int_equal(b.len, 1000);
    assert_int_equal(b.data[1000], '\0');
    assert_int_equal(b.data[999], 'a' + 999 % 26);
    buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.max, 1000);
}

static void test_buf_limit(void **state)
{
    buf_t b, z;

    (void)state;
    buf_init(&b, 10);
    assert_int_equal(buf_puts(&b, "0123456"), BUF_OK);
    assert_int_equal(b.cap, 11); /* first allocation clamped to the max */
    assert_int_equal(buf_puts(&b, "7890"), BUF_ERR_LIMIT);
    assert_string_equal(b.data, "0123456");
    assert_int_equal(buf_puts(&b, "789"), BUF_OK);
    assert_string_equal(b.data, "0123456789");
    assert_int_equal(buf_reserve(&b, 1), BUF_ERR_LIMIT);
    assert_int_equal(buf_reserve(&b, 0), BUF_OK);
    assert_int_equal(buf_reserve(&b, (size_t)-1), BUF_ERR_LIMIT);
    buf_free(&b);

    memset(&z, 0, sizeof z); /* zeroed: valid, but max 0 */
    assert_int_equal(buf_putc(&z, 'x'), BUF_ERR_LIMIT);
    assert_null(z.data);
    buf_reset(&z);
    buf_free(&z);

    buf_init(&b, (size_t)-1);
    assert_int_equal(b.max, BUF_MAX_LIMIT);
    buf_free(&b);
}

static void test_buf_nomem(void **state)
{
    buf_t b;

    (void)state;
    buf_init(&b, BUF_MAX_LIMIT);
    assert_int_equal(buf_puts(&b, "kept"), BUF_OK);
    /* 2^60 bytes cannot be allocated: a status, not an abort (kept under
     * 2^63 so that valgrind sees a plain failed malloc, not a fishy size). */
    assert_int_equal(buf_reserve(&b, (size_t)1 << 60), BUF_ERR_NOMEM);
    assert_int_equal(buf_append(&b, "x", ((size_t)1 << 60)), BUF_ERR_NOMEM);
    assert_string_equal(b.data, "kept");
    assert_int_equal(buf_puts(&b, "!"), BUF_OK);
    assert_string_equal(b.data, "kept!");
    buf_free(&b);
}

static void test_buf_printf(void **state)
{
    char big[3000];
    buf_t b;
    char *data_before;

    (void)state;
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    buf_init(&b, 4096);
    assert_int_equal(buf_printf(&b, "%d-%s-%zu", -42, "x", (size_t)7), BUF_OK);
    assert_string_equal(b.data, "-42-x-7");
    /* Larger than the free space: grows and formats again. */
    assert_int_equal(buf_printf(&b, "[%s]", big), BUF_OK);
    assert_int_equal(b.len, 7 + 2 + 2999);
    assert_int_equal(b.data[7], '[');
    assert_int_equal(b.data[b.len - 1], ']');
    assert_int_equal(b.data[b.len], '\0');
    /* Past the max: refused, content and terminator intact even though
     * the first attempt wrote a truncated copy into the free space. */
    data_before = b.data;
    assert_int_equal(buf_printf(&b, "%s%s", big, big), BUF_ERR_LIMIT);
    assert_int_equal(b.len, 3008);
    assert_int_equal(b.data[b.len], '\0');
    assert_ptr_equal(b.data, data_before);
    assert_int_equal(buf_printf(&b, "%s", ""), BUF_OK);
    assert_int_equal(b.len, 3008);
    buf_free(&b);

    /* On a buffer never allocated. */
    buf_init(&b, 100);
    assert_int_equal(buf_printf(&b, "%05d", 42), BUF_OK);
    assert_string_equal(b.data, "00042");
    buf_free(&b);
    buf_init(&b, 3);
    assert_int_equal(buf_printf(&b, "%d", 1234), BUF_ERR_LIMIT);
    assert_int_equal(b.len, 0);
    assert_int_equal(buf_printf(&b, "%d", 123), BUF_OK);
    assert_string_equal(b.data, "123");
    buf_free(&b);
}

static void test_buf_reset_truncate_detach(void **state)
{
    buf_t b;
    char *data, *got;
    size_t cap, len;

    (void)state;
    buf_init(&b, 1 << 20);
    assert_int_equal(buf_append(&b, "a\0b", 3), BUF_OK);
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "a\0b", 4);
    assert_int_equal(buf_puts(&b, "cdef"), BUF_OK);
    buf_truncate(&b, 4);
    assert_memory_equal(b.data, "a\0bc", 5);
    buf_truncate(&b, 99); /* longer than len: ignored */
    assert_int_equal(b.len, 4);
    data = b.data;
    cap = b.cap;
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_ptr_equal(b.data, data); /* memory kept */
    assert_int_equal(b.cap, cap);
    assert_int_equal(b.data[0], '\0');
    assert_int_equal(buf_puts(&b, "again"), BUF_OK);
    assert_ptr_equal(b.data, data);
    got = buf_detach(&b, &len);
    assert_ptr_equal(got, data);
    assert_int_equal(len, 5);
    assert_string_equal(got, "again");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    assert_int_equal(buf_puts(&b, "new"), BUF_OK); /* still usable */
    assert_string_equal(b.data, "new");
    free(got);
    buf_free(&b);
    assert_null(buf_detach(&b, NULL));
}

static void test_buf_strerror(void **state)
{
    (void)state;
    assert_string_equal(buf_strerror(BUF_OK), "success");
    assert_non_null(strstr(buf_strerror(BUF_ERR_LIMIT), "limit"));
    assert_non_null(strstr(buf_strerror(BUF_ERR_NOMEM), "memory"));
    assert_non_null(strstr(buf_strerror(BUF_ERR_FORMAT), "format"));
}

static void test_strerror(void **state)
{
    (void)state;
    UNIT_MESSAGES(buf_strerror, {BUF_OK, "success"},
                  {BUF_ERR_LIMIT, "buffer size limit reached"},
                  {BUF_ERR_NOMEM, "out of memory"},
                  {BUF_ERR_FORMAT, "formatting error"},
                  {42, "unknown buffer error"});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zeroed_buffer),
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_append),
        cmocka_unit_test(test_limit_exact),
        cmocka_unit_test(test_reserve),
        cmocka_unit_test(test_max_limit),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_printf_limit),
        cmocka_unit_test(test_printf_format_error),
        cmocka_unit_test(test_truncate_reset),
        cmocka_unit_test(test_detach),
        cmocka_unit_test(test_free_reuse),
        cmocka_unit_test(test_buf_grow),
        cmocka_unit_test(test_buf_limit),
        cmocka_unit_test(test_buf_nomem),
        cmocka_unit_test(test_buf_printf),
        cmocka_unit_test(test_buf_reset_truncate_detach),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_buf_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
