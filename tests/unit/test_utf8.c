/* test_utf8: the one UTF-8 decoder, validator and encoder: every class of
 * ill-formed sequence, the maximal subparts, and exhaustive comparisons
 * with a reference written apart from common/utf8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/ref_utf8.h"
#include "common/analyze.h"
#include "common/utf8.h"

/* ---- reference, by code point value (RFC 3629; encoder: ref_utf8.h) ---- */

/* Prefixes of the encodings of every scalar value: p1[b0], p2[b0 b1],
 * p3 bit b0 b1 b2. A sequence is ill-formed at its first byte that makes
 * the prefix leave these sets; what came before is the maximal subpart. */
static unsigned char p1[256];
static unsigned char p2[1 << 16];
static unsigned char p3[(1 << 24) / 8];

static void build_prefixes(void)
{
    static int done;
    unsigned char e[4];
    uint32_t cp;

    if (done)
        return;
    for (cp = 0; cp <= 0x10FFFF; cp++) {
        size_t k;
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        k = ref_utf8_put(cp, e);
        if (k < 2)
            continue;
        p1[e[0]] = 1;
        p2[e[0] << 8 | e[1]] = 1;
        if (k > 2) {
            uint32_t x = (uint32_t)e[0] << 16 | (uint32_t)e[1] << 8 | e[2];
            p3[x >> 3] |= (unsigned char)(1u << (x & 7));
        }
    }
    done = 1;
}

static int is_prefix(const unsigned char *s, size_t k)
{
    uint32_t x;

    if (k == 1)
        return p1[s[0]];
    if (k == 2)
        return p2[s[0] << 8 | s[1]];
    x = (uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2];
    return (p3[x >> 3] >> (x & 7)) & 1;
}

/* s[0..len) is the encoding of a scalar value of that length: *cp. */
static int ref_complete(const unsigned char *s, size_t len, int32_t *cp)
{
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    uint32_t v = s[0] & (len == 2 ? 0x1Fu : len == 3 ? 0x0Fu : 0x07u);
    size_t k;

    for (k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[k] & 63u);
    }
    if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = (int32_t)v;
    return 1;
}

/* Length of the well-formed sequence at s[0..n) and its value, else 0 and
 * the length of its maximal ill-formed subpart in *bad: the longest start
 * of s that begins some encoding. */
static size_t ref_decode(const unsigned char *s, size_t n, int32_t *cp,
                         size_t *bad)
{
    size_t len, m = 1;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (!is_prefix(s, 1)) {
        *bad = 1;
        return 0;
    }
    len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
    while (m < len - 1 && m < n && is_prefix(s, m + 1))
        m++;
    if (m == len - 1 && n >= len && ref_complete(s, len, cp))
        return len;
    *bad = m;
    return 0;
}

/* utf8_decode() agrees with the reference on s[0..n). */
static void check_decode(const unsigned char *s, size_t n)
{
    int32_t cp = 12345, rcp = -1;
    size_t bad = 99, rbad = 0, k, rk;

    build_prefixes();
    k = utf8_decode(s, n, &cp, &bad);
    rk = ref_decode(s, n, &rcp, &rbad);

    if (k != rk || (k > 0 && cp != rcp) || (k == 0 && bad != rbad) ||
        (k == 0 && cp != -1) || (k > 0 && bad != 99))
        fail_msg("%02x %02x %02x %02x n=%zu: decode %zu cp %ld bad %zu, "
                 "reference %zu cp %ld bad %zu",
                 s[0], n > 1 ? s[1] : 0, n > 2 ? s[2] : 0, n > 3 ? s[3] : 0, n,
                 k, (long)cp, bad, rk, (long)rcp, rbad);
}

/* ---- decoder ---- */

static void test_ascii(void **state)
{
    unsigned char s[1];
    int32_t cp;
    size_t bad = 7;
    int c;

    (void)state;
    for (c = 0; c < 0x80; c++) {
        s[0] = (unsigned char)c;
        assert_int_equal(utf8_decode(s, 1, &cp, &bad), 1);
        assert_int_equal(cp, c);
        assert_int_equal(bad, 7); /* left alone on success */
    }
}

/* One row: bytes, how many of them the decoder may see, and the expected
 * length and code point, or 0 and the maximal subpart. */
typedef struct dcase {
    const char *name;
    const char *s;
    size_t n;
    size_t len;
    int32_t cp; /* when len > 0 */
    size_t bad; /* when len == 0 */
} dcase;

static const dcase dcases[] = {
    /* well-formed, at the edges of each length */
    {"U+0080", "\xC2\x80", 2, 2, 0x80, 0},
    {"U+07FF", "\xDF\xBF", 2, 2, 0x7FF, 0},
    {"U+0800", "\xE0\xA0\x80", 3, 3, 0x800, 0},
    {"U+D7FF", "\xED\x9F\xBF", 3, 3, 0xD7FF, 0},
    {"U+E000", "\xEE\x80\x80", 3, 3, 0xE000, 0},
    {"U+FFFD", "\xEF\xBF\xBD", 3, 3, 0xFFFD, 0},
    {"U+FFFF", "\xEF\xBF\xBF", 3, 3, 0xFFFF, 0},
    {"U+10000", "\xF0\x90\x80\x80", 4, 4, 0x10000, 0},
    {"U+1F600", "\xF0\x9F\x98\x80", 4, 4, 0x1F600, 0},
    {"U+10FFFF", "\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF, 0},
    {"followed by more", "\xC3\xA9z", 3, 2, 0xE9, 0},
    /* stray continuation bytes */
    {"stray 80", "\x80", 1, 0, 0, 1},
    {"stray BF", "\xBF\x80", 2, 0, 0, 1},
    /* overlong forms */
    {"overlong C0", "\xC0\x80", 2, 0, 0, 1},
    {"overlong C1", "\xC1\xBF", 2, 0, 0, 1},
    {"overlong E0 80", "\xE0\x80\x80", 3, 0, 0, 1},
    {"overlong E0 9F", "\xE0\x9F\xBF", 3, 0, 0, 1},
    {"overlong F0 80", "\xF0\x80\x80\x80", 4, 0, 0, 1},
    {"overlong F0 8F", "\xF0\x8F\xBF\xBF", 4, 0, 0, 1},
    /* surrogates */
    {"surrogate D800", "\xED\xA0\x80", 3, 0, 0, 1},
    {"surrogate DBFF", "\xED\xAF\xBF", 3, 0, 0, 1},
    {"surrogate DC00", "\xED\xB0\x80", 3, 0, 0, 1},
    {"surrogate DFFF", "\xED\xBF\xBF", 3, 0, 0, 1},
    /* past U+10FFFF */
    {"U+110000", "\xF4\x90\x80\x80", 4, 0, 0, 1},
    {"F4 BF", "\xF4\xBF\xBF\xBF", 4, 0, 0, 1},
    {"F5", "\xF5\x80\x80\x80", 4, 0, 0, 1},
    {"F7", "\xF7\xBF\xBF\xBF", 4, 0, 0, 1},
    /* bytes that never appear */
    {"F8", "\xF8\x88\x80\x80\x80", 5, 0, 0, 1},
    {"FC", "\xFC\x84\x80\x80\x80\x80", 6, 0, 0, 1},
    {"FE", "\xFE", 1, 0, 0, 1},
    {"FF", "\xFF", 1, 0, 0, 1},
    /* cut short by another byte: the maximal subpart stops before it */
    {"C2 then ASCII", "\xC2\x41", 2, 0, 0, 1},
    {"C2 then lead", "\xC2\xC3\xA9", 3, 0, 0, 1},
    {"E2 82 then ASCII", "\xE2\x82\x41", 3, 0, 0, 2},
    {"E2 then ASCII", "\xE2\x28\xA1", 3, 0, 0, 1},
    {"F0 9F 98 then ASCII", "\xF0\x9F\x98\x41", 4, 0, 0, 3},
    {"F0 9F then lead", "\xF0\x9F\xE2\x82\xAC", 5, 0, 0, 2},
    {"F4 8F BF then 7F", "\xF4\x8F\xBF\x7F", 4, 0, 0, 3},
    /* cut short by the end of the input, even if more bytes follow it */
    {"C3 at the end", "\xC3\xA9", 1, 0, 0, 1},
    {"E2 82 at the end", "\xE2\x82\xAC", 2, 0, 0, 2},
    {"E2 at the end", "\xE2\x82\xAC", 1, 0, 0, 1},
    {"F0 9F 98 at the end", "\xF0\x9F\x98\x80", 3, 0, 0, 3},
    {"F0 9F at the end", "\xF0\x9F\x98\x80", 2, 0, 0, 2},
    {"F0 at the end", "\xF0\x9F\x98\x80", 1, 0, 0, 1},
    {"ED 9F at the end", "\xED\x9F\xBF", 2, 0, 0, 2},
};

static void test_decode_cases(void **state)
{
    size_t k;

    (void)state;
    for (k = 0; k < sizeof dcases / sizeof dcases[0]; k++) {
        const dcase *c = &dcases[k];
        const unsigned char *s = (const unsigned char *)c->s;
        int32_t cp = 12345;
        size_t bad = 99, len = utf8_decode(s, c->n, &cp, &bad);

        if (len != c->len)
            fail_msg("%s: length %zu, want %zu", c->name, len, c->len);
        if (len > 0 && cp != c->cp)
            fail_msg("%s: cp %lx, want %lx", c->name, (long)cp, (long)c->cp);
        if (len == 0 && (cp != -1 || bad != c->bad))
            fail_msg("%s: cp %ld bad %zu, want -1 and %zu", c->name, (long)cp,
                     bad, c->bad);
        /* NULL out-params are allowed and change nothing else */
        assert_int_equal(utf8_decode(s, c->n, NULL, NULL), c->len);
        check_decode(s, c->n); /* the reference agrees with the table */
    }
}

/* Unicode 15, chapter 3, table 3-8 and the examples around it: one U+FFFD
 * per maximal subpart. */
static void test_maximal_subparts(void **state)
{
    static const struct {
        const char *in;
        int32_t want[16]; /* ends with -1 */
    } t[] = {
        {"\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64",
         {0x61, 0xFFFD, 0xFFFD, 0xFFFD, 0x62, 0xFFFD, 0x63, 0xFFFD, 0xFFFD,
          0x64, -1}},
        {"\xC0\xAF\xE0\x80\xBF\xF0\x81\x82\x41",
         {0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0x41,
          -1}},
        {"\xED\xA0\x80\xED\xBF\xBF\xED\xAF\x41",
         {0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0x41,
          -1}},
        {"\xF4\x91\x92\x93\xFF\x41\x80\xBF\x42",
         {0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0x41, 0xFFFD, 0xFFFD, 0x42,
          -1}},
        {"\xE1\x80\xE2\xF0\x91\x92\xF1\xBF\x41",
         {0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD, 0x41, -1}},
    };
    size_t k;

    (void)state;
    for (k = 0; k < sizeof t / sizeof t[0]; k++) {
        const unsigned char *s = (const unsigned char *)t[k].in;
        size_t n = strlen(t[k].in), i = 0, m = 0;

        while (i < n) {
            int32_t cp;
            size_t bad = 0, len = utf8_decode(s + i, n - i, &cp, &bad);
            assert_true(m < 15);
            if (len == 0) {
                assert_true(bad >= 1 && bad <= 3);
                cp = UTF8_REPLACEMENT;
                len = bad;
            }
            if (cp != t[k].want[m])
                fail_msg("row %zu, character %zu: %lx, want %lx", k, m,
                         (long)cp, (long)t[k].want[m]);
            m++;
            i += len;
        }
        assert_int_equal(t[k].want[m], -1);
    }
}

/* Every one- and two-byte input, every three-byte input that starts with
 * a three-byte lead, and every lead and second byte of four-byte inputs
 * with third and fourth bytes from each class; each cut at every length. */
static void test_decode_exhaustive(void **state)
{
    static const unsigned char tail[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90,
                                         0x9F, 0xA0, 0xBF, 0xC0, 0xF4, 0xFF};
    const size_t nt = sizeof tail;
    unsigned char s[4];
    unsigned a, b, c, d;

    (void)state;
    for (a = 0; a < 256; a++) {
        s[0] = (unsigned char)a;
        check_decode(s, 1);
        for (b = 0; b < 256; b++) {
            s[1] = (unsigned char)b;
            check_decode(s, 2);
        }
    }
    for (a = 0xE0; a < 0xF0; a++)
        for (b = 0; b < 256; b++)
            for (c = 0; c < 256; c++) {
                s[0] = (unsigned char)a;
                s[1] = (unsigned char)b;
                s[2] = (unsigned char)c;
                check_decode(s, 3);
            }
    for (a = 0xC0; a < 256; a++)
        for (b = 0; b < 256; b++)
            for (c = 0; c < nt; c++)
                for (d = 0; d < nt; d++) {
                    s[0] = (unsigned char)a;
                    s[1] = (unsigned char)b;
                    s[2] = tail[c];
                    s[3] = tail[d];
                    check_decode(s, 3);
                    check_decode(s, 4);
                }
}

/* Every scalar value decodes from its reference encoding to itself. */
static void test_decode_every_scalar(void **state)
{
    unsigned char e[4];
    uint32_t cp;

    (void)state;
    for (cp = 0; cp <= 0x10FFFF; cp++) {
        int32_t got = -2;
        size_t k;
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        k = ref_utf8_put(cp, e);
        assert_int_equal(utf8_decode(e, k, &got, NULL), k);
        assert_int_equal(got, (int32_t)cp);
        if (k > 1) /* one byte short is always a cut, never a shorter one */
            assert_int_equal(utf8_decode(e, k - 1, &got, NULL), 0);
    }
}

/* ---- validator ---- */

/* Well-formed and ill-formed strings, each whole (strlen). */
static void test_valid(void **state)
{
    static const char *const good[] = {
        "", "plain ASCII\n\t", "Ça coûte 5 € — 😀",
        "\xF4\x8F\xBF\xBF\xEF\xBF\xBF\xDF\xBF\x7F"};
    static const char *const bad[] = {
        "abc\x80",           "\xC0\xAF",       "x\xE0\x9F\xBF",
        "x\xF0\x8F\xBF\xBF", "x\xED\xA0\x80y", "x\xF4\x90\x80\x80",
        "x\xF5\x80\x80\x80", "x\xFF",          "caf\xC3",
        "\xE2\x82",          "\xF0\x9F\x98",   "\xC3\xA9\xC3",
        "\xC3\x41"};
    size_t k;

    (void)state;
    assert_int_equal(utf8_valid(NULL, 0), 1);
    /* NUL is well-formed */
    assert_int_equal(utf8_valid((const unsigned char *)"a\0b", 3), 1);
    for (k = 0; k < sizeof good / sizeof good[0]; k++)
        if (utf8_valid((const unsigned char *)good[k], strlen(good[k])) != 1)
            fail_msg("good row %zu: ill-formed", k);
    for (k = 0; k < sizeof bad / sizeof bad[0]; k++)
        if (utf8_valid((const unsigned char *)bad[k], strlen(bad[k])) != 0)
            fail_msg("bad row %zu: well-formed", k);
}

/* utf8_valid agrees with walking the reference decoder over random
 * strings made mostly of pieces of UTF-8. */
static void test_valid_random(void **state)
{
    static const char *const bits[] = {
        "a",        " ",        "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
        "\xC3",     "\xE2\x82", "\x80",     "\xBF",         "\xED\xA0\x80",
        "\xF4\x90", "\xC0",     "\xFF",     "\xEF\xBF\xBD"};
    uint64_t seed = 0x9E3779B97F4A7C15u;
    unsigned char s[64];
    int round;

    (void)state;
    build_prefixes();
    for (round = 0; round < 20000; round++) {
        size_t n = 0, i = 0, parts;
        int want = 1;

        seed = seed * 6364136223846793005u + 1442695040888963407u;
        parts = (size_t)(seed >> 60);
        while (parts-- > 0) {
            const char *b;
            size_t bl;
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            b = bits[(seed >> 33) % (sizeof bits / sizeof bits[0])];
            bl = strlen(b);
            if (n + bl > sizeof s)
                break;
            memcpy(s + n, b, bl); /* bytes, not a string */
            n += bl;
        }
        while (i < n) {
            int32_t cp;
            size_t bad, k = ref_decode(s + i, n - i, &cp, &bad);
            if (k == 0) {
                want = 0;
                break;
            }
            i += k;
        }
        assert_int_equal(utf8_valid(s, n), want);
    }
}

/* ---- encoder ---- */

static void test_encode(void **state)
{
    static const int32_t bad[] = {-1,       -0x80,    INT32_MIN, 0xD800,
                                  0xDBFF,   0xDC00,   0xDFFF,    0x110000,
                                  0x1FFFFF, INT32_MAX};
    unsigned char want[4];
    char out[UTF8_MAX_SEQ + 1];
    uint32_t cp;
    size_t k;

    (void)state;
    for (cp = 0; cp <= 0x10FFFF; cp++) {
        size_t n;
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        memset(out, 0x55, sizeof out);
        n = ref_utf8_put(cp, want);
        assert_int_equal(utf8_encode((int32_t)cp, out), n);
        assert_memory_equal(out, want, n);
        assert_int_equal((unsigned char)out[n], 0x55); /* no terminator */
    }
    for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        memset(out, 0x55, sizeof out);
        assert_int_equal(utf8_encode(bad[k], out), 0);
        for (size_t i = 0; i < sizeof out; i++)
            assert_int_equal((unsigned char)out[i], 0x55); /* untouched */
    }
    k = utf8_encode(UTF8_REPLACEMENT, out);
    assert_int_equal(k, sizeof UTF8_REPLACEMENT_STR - 1);
    assert_memory_equal(out, UTF8_REPLACEMENT_STR, k);
}

static void test_scalar(void **state)
{
    (void)state;
    assert_true(utf8_scalar(0));
    assert_true(utf8_scalar(0x7F));
    assert_true(utf8_scalar(0xD7FF));
    assert_false(utf8_scalar(0xD800));
    assert_false(utf8_scalar(0xDFFF));
    assert_true(utf8_scalar(0xE000));
    assert_true(utf8_scalar(UTF8_MAX_CP));
    assert_false(utf8_scalar(UTF8_MAX_CP + 1));
    assert_false(utf8_scalar(-1));
    assert_false(utf8_scalar(INT32_MIN));
    assert_false(utf8_scalar(INT32_MAX));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_decode_cases),
        cmocka_unit_test(test_maximal_subparts),
        cmocka_unit_test(test_decode_exhaustive),
        cmocka_unit_test(test_decode_every_scalar),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_valid_random),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_scalar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
