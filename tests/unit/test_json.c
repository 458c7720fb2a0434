/* test_json: the JSON writers (common/json), checked against expected
 * bytes and a strict decoder. */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/ref_json.h"
#include "tests/unit/ref_utf8.h"
#include "common/buf.h"
#include "common/json.h"

#define S(x) x, sizeof(x) - 1 /* literal with its length, NULs included */
#define FFFD "\xef\xbf\xbd"

/* ---- A strict JSON string decoder, written apart from json.c ---- */

/* s[0..n) must be exactly one JSON string (RFC 8259) in well-formed UTF-8
 * with no raw DEL, U+2028 or U+2029 (json_str's extra promises). Its
 * decoded value goes to out (room for n bytes), its length to *outlen.
 * Returns 1 when valid. */
static int json_decode_str(const char *s, size_t n, char *out, size_t *outlen)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 1, o = 0, k;
    uint32_t cp, lo;

    if (n < 2 || s[0] != '"' || s[n - 1] != '"')
        return 0;
    while (i < n - 1) {
        if (p[i] == '"' || p[i] < 0x20 || p[i] == 0x7f)
            return 0;
        if (p[i] == '\\') {
            if (i + 1 >= n - 1)
                return 0;
            if (s[i + 1] != 'u') {
                int c = ref_json_unescape(s[i + 1]);
                if (c < 0)
                    return 0;
                out[o++] = (char)c;
                i += 2;
                continue;
            }
            if (i + 6 > n - 1 || !ref_json_hex4(s + i + 2, &cp))
                return 0;
            if (cp >= 0xd800 && cp <= 0xdbff) { /* needs a low half */
                if (i + 12 > n - 1 || s[i + 6] != '\\' || s[i + 7] != 'u' ||
                    !ref_json_hex4(s + i + 8, &lo) || lo < 0xdc00 ||
                    lo > 0xdfff)
                    return 0;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                return 0;
            }
            o += ref_utf8_put(cp, (unsigned char *)out + o);
            i += 6;
            continue;
        }
        k = ref_utf8_seq(p + i, n - 1 - i, &cp);
        if (k == 0 || cp == 0x2028 || cp == 0x2029)
            return 0;
        memcpy(out + o, s + i, k);
        o += k;
        i += k;
    }
    *outlen = o;
    return 1;
}

/* ---- json_str ---- */

static const struct str_case {
    const char *in;
    size_t len;
    const char *out; /* exact expected output, quotes included */
} str_cases[] = {
    /* plain and escapes */
    {S(""), "\"\""},
    {S("abc"), "\"abc\""},
    {S("\""), "\"\\\"\""},
    {S("\\"), "\"\\\\\""},
    {S("a/b"), "\"a/b\""},
    {S("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\""},
    {S("\x01\x1f\x0b\x7f"), "\"\\u0001\\u001f\\u000b\\u007f\""},
    {S("a\0b"), "\"a\\u0000b\""},
    {S("\0"), "\"\\u0000\""},
    {S("say \"hi\"\\\n"), "\"say \\\"hi\\\"\\\\\\n\""},
    /* well-formed UTF-8 is kept */
    {S("\xc3\xa9lu"), "\"\xc3\xa9lu\""},               /* é */
    {S("\xc2\x80"), "\"\xc2\x80\""},                   /* U+0080 */
    {S("\xe2\x82\xac"), "\"\xe2\x82\xac\""},           /* € */
    {S("\xed\x9f\xbf"), "\"\xed\x9f\xbf\""},           /* U+D7FF */
    {S("\xee\x80\x80"), "\"\xee\x80\x80\""},           /* U+E000 */
    {S("\xef\xbf\xbd"), "\"" FFFD "\""},               /* U+FFFD */
    {S("\xf0\x9f\x98\x80!"), "\"\xf0\x9f\x98\x80!\""}, /* emoji */
    {S("\xf0\x90\x80\x80"), "\"\xf0\x90\x80\x80\""},   /* U+10000 */
    {S("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\""},   /* U+10FFFF */
    {S("\xe2\x80\xa7\xe2\x80\xaa"), "\"\xe2\x80\xa7\xe2\x80\xaa\""},
    /* U+2028 and U+2029 escaped */
    {S("a\xe2\x80\xa8"
       "b\xe2\x80\xa9"),
     "\"a\\u2028b\\u2029\""},
    /* stray continuation bytes and impossible bytes */
    {S("\x80"), "\"" FFFD "\""},
    {S("\xbf\x80"), "\"" FFFD FFFD "\""},
    {S("\xfe\xff"), "\"" FFFD FFFD "\""},
    {S("\xf5\x80\x80\x80"), "\"" FFFD FFFD FFFD FFFD "\""},
    {S("\xf8\x88\x80\x80\x80"), "\"" FFFD FFFD FFFD FFFD FFFD "\""},
    /* overlong forms */
    {S("\xc0\x80"), "\"" FFFD FFFD "\""},
    {S("\xc1\xbf"), "\"" FFFD FFFD "\""},
    {S("\xe0\x80\x80"), "\"" FFFD FFFD FFFD "\""},
    {S("\xe0\x9f\xbf"), "\"" FFFD FFFD FFFD "\""},
    {S("\xf0\x80\x80\x80"), "\"" FFFD FFFD FFFD FFFD "\""},
    {S("\xf0\x8f\xbf\xbf"), "\"" FFFD FFFD FFFD FFFD "\""},
    /* surrogates, and past U+10FFFF */
    {S("\xed\xa0\x80"), "\"" FFFD FFFD FFFD "\""},
    {S("\xed\xbf\xbf"), "\"" FFFD FFFD FFFD "\""},
    {S("\xed\xa0\xbd\xed\xb8\x80"), "\"" FFFD FFFD FFFD FFFD FFFD FFFD "\""},
    {S("\xf4\x90\x80\x80"), "\"" FFFD FFFD FFFD FFFD "\""},
    /* sequences cut by another byte: one U+FFFD for the cut prefix */
    {S("\xc3"
       "a"),
     "\"" FFFD "a\""},
    {S("\xe2\x82"
       "a"),
     "\"" FFFD "a\""},
    {S("\xf0\x9f\x98"
       "a"),
     "\"" FFFD "a\""},
    {S("\xf0\x9f\x98\""), "\"" FFFD "\\\"\""},
    {S("\xc3\n"), "\"" FFFD "\\n\""},
    {S("\xe2\x82\xe2\x82\xac"), "\"" FFFD "\xe2\x82\xac\""},
    /* sequences cut by the end of the input */
    {S("a\xc3"), "\"a" FFFD "\""},
    {S("\xe2"), "\"" FFFD "\""},
    {S("\xe2\x82"), "\"" FFFD "\""},
    {S("\xf0"), "\"" FFFD "\""},
    {S("\xf0\x9f"), "\"" FFFD "\""},
    {S("ok\xf0\x9f\x98"), "\"ok" FFFD "\""},
    /* Unicode 3.9, table 3-8: maximal subparts */
    {S("\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64"),
     "\"a" FFFD FFFD FFFD "b" FFFD "c" FFFD FFFD "d\""},
};

static void test_json_str_table(void **state)
{
    buf_t b;
    size_t i;

    (void)state;
    buf_init(&b, 1 << 16);
    for (i = 0; i < sizeof str_cases / sizeof str_cases[0]; i++) {
        const struct str_case *c = &str_cases[i];
        char dec[256];
        size_t declen;

        buf_reset(&b);
        assert_int_equal(json_str(&b, c->in, c->len), BUF_OK);
        if (b.len != strlen(c->out) || memcmp(b.data, c->out, b.len) != 0)
            fail_msg("case %zu: got %s, want %s", i, b.data, c->out);
        if (!json_decode_str(b.data, b.len, dec, &declen))
            fail_msg("case %zu: output is not a valid JSON string", i);
        /* Valid input comes back unchanged after decoding. */
        if (ref_utf8_valid(c->in, c->len)) {
            assert_int_equal(declen, c->len);
            assert_memory_equal(dec, c->in, c->len);
        }
    }
    buf_free(&b);
}

/* Random bytes from an alphabet biased to the tricky ones: the output must
 * always be a valid JSON string, and valid UTF-8 input must round-trip. */
static void test_json_str_random(void **state)
{
    static const unsigned char alpha[] = {
        'a',  ' ',  '"',  '\\', 0,    '\n', 0x1f, 0x7f, 0x80, 0x8f, 0x90,
        0x9f, 0xa0, 0xa8, 0xa9, 0xbf, 0xc0, 0xc2, 0xc3, 0xdf, 0xe0, 0xe2,
        0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x82, 0xac, 0xbd};
    uint64_t x = 0x9e3779b97f4a7c15u;
    unsigned char in[48];
    char dec[48 * 6];
    size_t declen, n, i, valid = 0;
    int round;
    buf_t b;

    (void)state;
    buf_init(&b, 4096);
    for (round = 0; round < 50000; round++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
        n = (size_t)(x % sizeof in);
        for (i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            in[i] = alpha[x % sizeof alpha];
        }
        buf_reset(&b);
        assert_int_equal(json_str(&b, (const char *)in, n), BUF_OK);
        assert_int_equal(b.data[b.len], '\0');
        if (!json_decode_str(b.data, b.len, dec, &declen))
            fail_msg("round %d: invalid JSON: %s", round, b.data);
        if (ref_utf8_valid((const char *)in, n)) {
            valid++;
            assert_int_equal(declen, n);
            assert_memory_equal(dec, in, n);
        }
    }
    assert_true(valid > 1000); /* the round-trip path was exercised */
    buf_free(&b);
}

static void test_json_str_long(void **state)
{
    buf_t b;
    char *in = malloc(100000);
    size_t i;

    (void)state;
    assert_non_null(in);
    /* Long ASCII and French text: the fast path copies it as is. */
    for (i = 0; i + 2 <= 100000; i += 2)
        memcpy(in + i, i % 10 ? "ab" : "\xc3\xa9", 2);
    buf_init(&b, 200000);
    assert_int_equal(json_str(&b, in, 100000), BUF_OK);
    assert_int_equal(b.len, 100002);
    assert_memory_equal(b.data + 1, in, 100000);
    free(in);
    buf_free(&b);
}

/* A writer that hits the max leaves the buffer as it found it. */
static void test_json_limit_rollback(void **state)
{
    buf_t b;

    (void)state;
    buf_init(&b, 12);
    assert_int_equal(buf_puts(&b, "{"), BUF_OK);
    assert_int_equal(json_str(&b, S("0123456789ab")), BUF_ERR_LIMIT);
    assert_string_equal(b.data, "{");
    /* Fits the reservation but not once escaped: rolled back too. */
    assert_int_equal(json_str(&b, S("\n\n\n\n\n")), BUF_ERR_LIMIT);
    assert_string_equal(b.data, "{");
    assert_int_equal(json_str(&b, S("\xff\xff\xff\xff")), BUF_ERR_LIMIT);
    assert_string_equal(b.data, "{");
    assert_int_equal(json_key(&b, "012345678"), BUF_ERR_LIMIT); /* ':' */
    assert_string_equal(b.data, "{");
    assert_int_equal(json_key(&b, "k"), BUF_OK);
    assert_string_equal(b.data, "{\"k\":");
    assert_int_equal(json_double(&b, 12345.5, 3), BUF_ERR_LIMIT);
    assert_string_equal(b.data, "{\"k\":");
    assert_int_equal(json_uint(&b, 12345678), BUF_ERR_LIMIT);
    assert_int_equal(json_bool(&b, 0), BUF_OK);
    assert_string_equal(b.data, "{\"k\":false");
    assert_int_equal(json_put_null(&b), BUF_ERR_LIMIT);
    buf_free(&b);
}

/* ---- numbers and literals ---- */

static void test_json_numbers(void **state)
{
    static const struct {
        double v;
        int dec;
        const char *out;
    } dcases[] = {
        {0, 4, "0.0000"},
        {0.5, 4, "0.5000"},
        {1.23456, 4, "1.2346"},
        {-1.23456, 2, "-1.23"},
        {2.5, 0, "3"},
        {-2.5, 0, "-3"},
        {0.125, 2, "0.13"},
        {0.999996, 5, "1.00000"},
        {-0.999996, 5, "-1.00000"},
        {9.99, 1, "10.0"},
        {-0.0, 3, "0.000"},
        {-0.00001, 4, "0.0000"},
        {123456789.125, 3, "123456789.125"},
        {1e20, 2, "100000000000000000000.00"},
        {-1e20, 0, "-100000000000000000000"},
        {42, -3, "42"},
        {0.1234567891, 99, "0.123456789"},
        {1.0 / 3.0, 9, "0.333333333"},
    };
    static const struct {
        int64_t v;
        const char *out;
    } icases[] = {
        {0, "0"},
        {-1, "-1"},
        {1234567, "1234567"},
        {INT64_MAX, "9223372036854775807"},
        {INT64_MIN, "-9223372036854775808"},
    };
    buf_t b;
    size_t i;

    (void)state;
    buf_init(&b, 1024);
    for (i = 0; i < sizeof dcases / sizeof dcases[0]; i++) {
        buf_reset(&b);
        assert_int_equal(json_double(&b, dcases[i].v, dcases[i].dec), BUF_OK);
        if (strcmp(b.data, dcases[i].out) != 0)
            fail_msg("double case %zu: got %s, want %s", i, b.data,
                     dcases[i].out);
    }
    for (i = 0; i < sizeof icases / sizeof icases[0]; i++) {
        buf_reset(&b);
        assert_int_equal(json_int(&b, icases[i].v), BUF_OK);
        assert_string_equal(b.data, icases[i].out);
    }
    buf_reset(&b);
    assert_int_equal(json_uint(&b, UINT64_MAX), BUF_OK);
    assert_string_equal(b.data, "18446744073709551615");
    buf_reset(&b);
    assert_int_equal(json_uint(&b, 0), BUF_OK);
    assert_string_equal(b.data, "0");
    /* Not numbers in JSON: written as zero. */
    buf_reset(&b);
    assert_int_equal(json_double(&b, NAN, 2), BUF_OK);
    assert_int_equal(json_double(&b, INFINITY, 0), BUF_OK);
    assert_int_equal(json_double(&b, -INFINITY, 1), BUF_OK);
    assert_string_equal(b.data, "0.0000.0");
    buf_reset(&b);
    assert_int_equal(json_double(&b, 1.7976931348623157e308, 1), BUF_OK);
    assert_int_equal(b.len, 309 + 2);
    assert_memory_equal(b.data, "17976931348623157", 17);
    assert_memory_equal(b.data + b.len - 2, ".0", 2);
    buf_free(&b);
}

static void test_json_literals_and_object(void **state)
{
    buf_t b;

    (void)state;
    buf_init(&b, 1024);
    assert_int_equal(buf_putc(&b, '{'), BUF_OK);
    assert_int_equal(json_key(&b, "ok"), BUF_OK);
    assert_int_equal(json_bool(&b, 1), BUF_OK);
    assert_int_equal(buf_putc(&b, ','), BUF_OK);
    assert_int_equal(json_key(&b, "q\"uote"), BUF_OK);
    assert_int_equal(json_str(&b, S("l'\xc3\xa9lu\xff")), BUF_OK);
    assert_int_equal(buf_putc(&b, ','), BUF_OK);
    assert_int_equal(json_key(&b, "n"), BUF_OK);
    assert_int_equal(json_put_null(&b), BUF_OK);
    assert_int_equal(buf_putc(&b, ','), BUF_OK);
    assert_int_equal(json_key(&b, "f"), BUF_OK);
    assert_int_equal(json_bool(&b, 0), BUF_OK);
    assert_int_equal(buf_putc(&b, ','), BUF_OK);
    assert_int_equal(json_key(&b, "score"), BUF_OK);
    assert_int_equal(json_double(&b, 3.14159, 3), BUF_OK);
    assert_int_equal(buf_putc(&b, '}'), BUF_OK);
    assert_int_equal(json_str(&b, NULL, 0), BUF_OK);
    assert_string_equal(b.data + b.len - 2, "\"\"");
    assert_int_equal(json_str(&b, "x", (size_t)-1), BUF_ERR_LIMIT);
    buf_truncate(&b, b.len - 2);
    assert_string_equal(b.data, "{\"ok\":true,\"q\\\"uote\":\"l'\xc3\xa9lu" FFFD
                                "\",\"n\":null,\"f\":false,\"score\":3.142}");
    buf_free(&b);
}

/* In a locale whose decimal point is a comma, json_double() still writes
 * a point. Skipped when no such locale is installed. */
static void test_json_double_locale(void **state)
{
    static const char *const names[] = {"fr_FR.UTF-8", "fr_FR.utf8", "fr_FR",
                                        "de_DE.UTF-8", "de_DE.utf8", "de_DE"};
    char *saved = strdup(setlocale(LC_NUMERIC, NULL));
    size_t i;
    buf_t b;
    int ok = 0;

    (void)state;
    assert_non_null(saved);
    for (i = 0; i < sizeof names / sizeof names[0] && !ok; i++)
        ok = setlocale(LC_NUMERIC, names[i]) != NULL;
    buf_init(&b, 256);
    if (ok) {
        assert_int_equal(buf_printf(&b, "%.1f", 0.5), BUF_OK);
        ok = strcmp(b.data, "0,5") == 0; /* the locale really has a comma */
        buf_reset(&b);
        assert_int_equal(json_double(&b, 0.5, 2), BUF_OK);
        assert_int_equal(json_double(&b, 1e20, 1), BUF_OK);
        setlocale(LC_NUMERIC, saved);
        assert_string_equal(b.data, "0.50"
                                    "100000000000000000000.0");
    }
    buf_free(&b);
    free(saved);
    if (!ok)
        skip();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_str_table),
        cmocka_unit_test(test_json_str_random),
        cmocka_unit_test(test_json_str_long),
        cmocka_unit_test(test_json_limit_rollback),
        cmocka_unit_test(test_json_numbers),
        cmocka_unit_test(test_json_literals_and_object),
        cmocka_unit_test(test_json_double_locale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
