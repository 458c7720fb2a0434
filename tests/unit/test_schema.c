/* test_schema: content hash, cut terms, unique keys and mtime values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/schema.h"

#define GUARD 32 /* bytes past the term buffer that must stay untouched */

/* The output buffer of schema_term and what follows it. */
typedef struct {
    char out[SCHEMA_TERM_MAX + 1 + GUARD];
} term_buf;

static void fill(term_buf *t)
{
    memset(t->out, 0x5A, sizeof t->out);
}

static void check_guard(const term_buf *t)
{
    for (size_t i = SCHEMA_TERM_MAX + 1; i < sizeof t->out; i++)
        if (t->out[i] != 0x5A)
            fail_msg("byte %zu past the term buffer was written", i);
}

static void test_hash(void **state)
{
    (void)state;
    /* reference values of 64-bit FNV-1a */
    assert_true(schema_hash("", 0) == 0xcbf29ce484222325ull);
    assert_true(schema_hash("a", 1) == 0xaf63dc4c8601ec8cull);
    assert_true(schema_hash("foobar", 6) == 0x85944171f73967e8ull);
    /* every byte counts, NUL and bytes >= 0x80 included */
    assert_true(schema_hash("\0", 1) == 0xaf63bd4c8601b7dfull);
    assert_true(schema_hash("a\0b", 3) == 0xe5d29919042666b2ull);
    assert_true(schema_hash("a\0b", 1) == 0xaf63dc4c8601ec8cull);
    char hi[300];
    memset(hi, 0x80, sizeof hi);
    assert_true(schema_hash(hi, sizeof hi) == 0x71f9060b992bce15ull);
    assert_true(schema_hash("ab", 2) != schema_hash("ba", 2));
}

static void test_term_short(void **state)
{
    static const struct {
        const char *prefix, *s;
        size_t n;
        const char *want; /* prefix + s[0..n), then its NUL */
    } t[] = {
        {"Q", "a/b.md", 6, "Qa/b.md"},
        /* only s[0..n) is used */
        {"R", "/srv/docs", 4, "R/srv"},
        {"Q", "", 0, "Q"},
        {"", "x", 1, "x"},
        {"", "", 0, ""},
        /* bytes are copied as they are: UTF-8, invalid UTF-8, NUL */
        {"U", "\xc3\xa9t\xc3\xa9", 5, "U\xc3\xa9t\xc3\xa9"},
        {"U", "\xff\x80", 2, "U\xff\x80"},
        {"Q", "a\0b", 3, "Qa\0b"},
    };
    term_buf b;

    (void)state;
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        size_t len = strlen(t[k].prefix) + t[k].n;
        fill(&b);
        assert_int_equal(schema_term(t[k].prefix, t[k].s, t[k].n, b.out), len);
        assert_memory_equal(b.out, t[k].want, len + 1);
        check_guard(&b);
    }
}

/* Check out (of length len) is the cut form of prefix + s[0..n): the first
 * keep bytes of s, '#', 16 hex digits of schema_hash(s, n). */
static void check_cut(const term_buf *t, size_t len, const char *prefix,
                      const char *s, size_t n, size_t keep)
{
    size_t p = strlen(prefix);
    char hex[18];

    snprintf(hex, sizeof hex, "#%016" PRIx64, schema_hash(s, n));
    assert_int_equal(len, p + keep + 17);
    assert_true(len <= SCHEMA_TERM_MAX);
    assert_memory_equal(t->out, prefix, p);
    if (keep > 0)
        assert_memory_equal(t->out + p, s, keep);
    assert_memory_equal(t->out + p + keep, hex, 18); /* and its NUL */
    check_guard(t);
}

/* schema_term(prefix, s[0..n)) into t, filled first, is the cut form
 * that keeps keep bytes of s (check_cut); its length. */
static size_t term_cut(term_buf *t, const char *prefix, const char *s, size_t n,
                       size_t keep)
{
    size_t len;

    fill(t);
    len = schema_term(prefix, s, n, t->out);
    check_cut(t, len, prefix, s, n, keep);
    return len;
}

static void test_term_limit(void **state)
{
    (void)state;
    char s[600];
    term_buf t;
    size_t len;

    memset(s, 'a', sizeof s);
    /* prefix + s exactly at the limit: kept whole */
    fill(&t);
    len = schema_term("Q", s, SCHEMA_TERM_MAX - 1, t.out);
    assert_int_equal(len, SCHEMA_TERM_MAX);
    assert_int_equal(t.out[0], 'Q');
    assert_memory_equal(t.out + 1, s, SCHEMA_TERM_MAX - 1);
    assert_int_equal(t.out[SCHEMA_TERM_MAX], '\0');
    check_guard(&t);
    len = schema_term("", s, SCHEMA_TERM_MAX, t.out);
    assert_int_equal(len, SCHEMA_TERM_MAX);
    assert_null(strchr(t.out, '#'));

    /* one byte over: cut and hashed, to exactly the limit */
    term_cut(&t, "Q", s, SCHEMA_TERM_MAX, SCHEMA_TERM_MAX - 18);
    assert_string_equal(t.out + SCHEMA_TERM_MAX - 17, "#8ebc3ca2aa94ae15");
    term_cut(&t, "Q", s, 300, SCHEMA_TERM_MAX - 18);
    assert_string_equal(t.out + SCHEMA_TERM_MAX - 17, "#ee7717eba7a17e21");
    assert_int_equal(strlen(t.out), SCHEMA_TERM_MAX);
    term_cut(&t, "", s, 241, SCHEMA_TERM_MAX - 17);
    term_cut(&t, "XYZ", s, 600, SCHEMA_TERM_MAX - 20);

    /* a NUL in the part kept: the length still covers the hash, so two
     * long strings that differ after it stay two terms */
    char z[300];
    memset(z, 'a', sizeof z);
    z[10] = '\0';
    fill(&t);
    len = schema_term("Q", z, sizeof z, t.out);
    assert_int_equal(len, SCHEMA_TERM_MAX);
    assert_memory_equal(t.out + 1, z, SCHEMA_TERM_MAX - 18);
    assert_int_equal(t.out[SCHEMA_TERM_MAX - 17], '#');
    check_guard(&t);

    /* long strings that share their first bytes stay distinct */
    term_buf u;
    s[599] = 'b';
    len = schema_term("Q", s, 600, u.out);
    assert_int_equal(len, SCHEMA_TERM_MAX);
    schema_term("Q", s, 599, t.out);
    assert_string_not_equal(t.out, u.out);
    assert_memory_equal(t.out, u.out, SCHEMA_TERM_MAX - 17);
}

/* The largest keep <= room at which s is not inside a UTF-8 sequence. */
static size_t boundary(const char *s, size_t room)
{
    size_t k = room;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    return k;
}

static void test_term_utf8_cut(void **state)
{
    (void)state;
    char s[400];
    term_buf t;

    /* "é" (2 bytes) across the cut at 222 bytes of s (prefix "Q") */
    memset(s, 'a', sizeof s);
    memcpy(s + 221, "\xc3\xa9", 2);
    assert_int_equal(term_cut(&t, "Q", s, 300, 221), SCHEMA_TERM_MAX - 1);
    /* just before the cut: kept whole */
    memset(s, 'a', sizeof s);
    memcpy(s + 220, "\xc3\xa9", 2);
    term_cut(&t, "Q", s, 300, 222);
    /* "€" (3 bytes) ending right after the cut */
    memset(s, 'a', sizeof s);
    memcpy(s + 220, "\xe2\x82\xac", 3);
    term_cut(&t, "Q", s, 300, 220);
    memcpy(s + 221, "\xe2\x82\xac", 3);
    term_cut(&t, "Q", s, 300, 221);
    /* a 4-byte sequence: every offset around the cut */
    for (size_t at = 216; at <= 224; at++) {
        memset(s, 'a', sizeof s);
        memcpy(s + at, "\xf0\x9f\x98\x80", 4);
        term_cut(&t, "Q", s, 300, at < 222 && at + 4 > 222 ? at : 222);
    }
    /* text made only of 2-byte letters: the cut falls between two */
    for (size_t i = 0; i + 1 < sizeof s; i += 2)
        memcpy(s + i, "\xc3\xa9", 2);
    term_cut(&t, "Q", s, 300, 222);
    term_cut(&t, "QX", s, 300, 220);
}

static void test_term_invalid_utf8(void **state)
{
    (void)state;
    char s[300];
    term_buf t;

    /* only continuation bytes: no boundary at all, nothing of s is kept */
    memset(s, 0x80, sizeof s);
    term_cut(&t, "Q", s, sizeof s, 0);
    assert_string_equal(t.out, "Q#71f9060b992bce15");
    /* a stray lead byte just before the cut is a boundary like any other */
    memset(s, 'a', sizeof s);
    s[221] = (char)0xC3;
    term_cut(&t, "Q", s, sizeof s, 222);
    /* 0xFF bytes are not continuation bytes */
    memset(s, 0xFF, sizeof s);
    term_cut(&t, "Q", s, sizeof s, 222);
}

/* Every length from 0 to 500 and every alignment of multi-byte text: the
 * result never passes the limit, is cut on a boundary, and hashes s. */
static void test_term_sweep(void **state)
{
    (void)state;
    static const char *const pieces[] = {"a", "\xc3\xa9", "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80", "\xc3\xa9z"};
    static const char *const prefixes[] = {"", "Q", "U", "XYZW"};
    char s[520];
    term_buf t;

    for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
        size_t pl = strlen(pieces[k]);
        for (size_t shift = 0; shift < pl; shift++) {
            for (size_t i = 0; i < sizeof s; i++)
                s[i] = pieces[k][(i + shift) % pl];
            for (size_t q = 0; q < sizeof prefixes / sizeof prefixes[0]; q++) {
                const char *pre = prefixes[q];
                size_t p = strlen(pre);
                for (size_t n = 0; n <= 500; n++) {
                    fill(&t);
                    size_t len = schema_term(pre, s, n, t.out);
                    if (p + n <= SCHEMA_TERM_MAX) {
                        assert_int_equal(len, p + n);
                        assert_memory_equal(t.out, pre, p);
                        assert_memory_equal(t.out + p, s, n);
                        assert_int_equal(t.out[len], '\0');
                        check_guard(&t);
                    } else {
                        check_cut(&t, len, pre, s, n,
                                  boundary(s, SCHEMA_TERM_MAX - p - 17));
                    }
                }
            }
        }
    }
}

static void test_uid(void **state)
{
    (void)state;
    term_buf t, u;
    size_t len;

    fill(&t);
    len = schema_uid("/srv/docs", "a/b.md", t.out);
    assert_int_equal(len, 17);
    assert_string_equal(t.out, "U/srv/docs/a/b.md");
    check_guard(&t);
    assert_int_equal(schema_uid("/srv/docs", "", t.out), 11);
    assert_string_equal(t.out, "U/srv/docs/");
    assert_int_equal(schema_uid("", "x", t.out), 3);
    assert_string_equal(t.out, "U/x");
    /* two folders holding the same name get two keys */
    schema_uid("/srv/one", "index.md", t.out);
    schema_uid("/srv/two", "index.md", u.out);
    assert_string_not_equal(t.out, u.out);
    assert_string_equal(u.out, SCHEMA_P_UID "/srv/two/index.md");

    /* long: exactly schema_term("U", root "/" relpath) */
    char root[3001], rel[2001], joined[5002];
    memset(root, 'r', sizeof root - 1);
    root[sizeof root - 1] = '\0';
    memcpy(root, "/r\xc3\xa9", 4);
    memset(rel, 'p', sizeof rel - 1);
    rel[sizeof rel - 1] = '\0';
    snprintf(joined, sizeof joined, "%s/%s", root, rel);
    size_t jl = strlen(joined);
    assert_int_equal(jl, 5001);
    fill(&t);
    fill(&u);
    len = schema_uid(root, rel, t.out);
    size_t want = schema_term(SCHEMA_P_UID, joined, jl, u.out);
    assert_int_equal(len, want);
    assert_int_equal(len, SCHEMA_TERM_MAX);
    assert_memory_equal(t.out, u.out, len + 1);
    check_guard(&t);
    /* a change at the very end still changes the key */
    rel[1999] = 'q';
    schema_uid(root, rel, u.out);
    assert_string_not_equal(t.out, u.out);
    /* a cut made in the middle of "é" moves back before it */
    char r2[300];
    memset(r2, 'a', sizeof r2);
    memcpy(r2 + 221, "\xc3\xa9", 2); /* é straddles the cut at 222 */
    r2[sizeof r2 - 1] = '\0';
    len = schema_uid(r2, "f", t.out);
    assert_int_equal(len, 1 + 221 + 17);
    assert_int_equal(t.out[222], '#');
}

static void test_mtime(void **state)
{
    (void)state;
    char out[64];

    memset(out, 0x5A, sizeof out);
    schema_mtime(1700000000, 5, out);
    assert_string_equal(out, "1700000000.000000005");
    for (size_t i = strlen(out) + 1; i < sizeof out; i++)
        assert_int_equal(out[i], 0x5A);
    schema_mtime(0, 0, out);
    assert_string_equal(out, "0.000000000");
    schema_mtime(1, 999999999, out);
    assert_string_equal(out, "1.999999999");
    schema_mtime(1, 100000000, out);
    assert_string_equal(out, "1.100000000");

    /* an edit within the same second gives another value */
    char a[32], b[32];
    schema_mtime(1700000000, 1, a);
    schema_mtime(1700000000, 2, b);
    assert_string_not_equal(a, b);

    /* the widest values fit the 32 bytes */
    memset(out, 0x5A, sizeof out);
    schema_mtime(INT64_MAX, 999999999, out);
    assert_string_equal(out, "9223372036854775807.999999999");
    memset(out, 0x5A, sizeof out);
    schema_mtime(INT64_MIN, 999999999, out);
    assert_string_equal(out, "-9223372036854775808.999999999");
    for (size_t i = 32; i < sizeof out; i++)
        assert_int_equal(out[i], 0x5A);
    schema_mtime(-1, 500, out);
    assert_string_equal(out, "-1.000000500");
}

static void test_key(void **state)
{
    char out[SCHEMA_KEY_MAX + 1];
    (void)state;
    /* casefolded, NFKC, blanks collapsed and trimmed, accents kept */
    assert_int_equal(schema_key("  Local   Governments ", 22, out), 17);
    assert_string_equal(out, "local governments");
    schema_key("D\xC3\xA9mocratie", 11, out);
    assert_string_equal(out, "d\xC3\xA9mocratie");
    schema_key("\xEF\xAC\x81n", 4, out); /* the ligature fi */
    assert_string_equal(out, "fin");
    /* invalid bytes and NUL dropped; nothing left: 0 */
    assert_int_equal(schema_key("a\xFF\0b", 4, out), 2);
    assert_string_equal(out, "ab");
    assert_int_equal(schema_key(" \t ", 3, out), 0);
    assert_string_equal(out, "");
    /* cut at SCHEMA_KEY_MAX bytes, never inside a character */
    char big[200];
    for (size_t i = 0; i + 1 < sizeof big; i += 2)
        memcpy(big + i, "\xC3\xA9", 2);
    size_t n = schema_key(big, sizeof big, out);
    assert_true(n <= SCHEMA_KEY_MAX && n % 2 == 0 && n >= SCHEMA_KEY_MAX - 1);
    assert_int_equal(strlen(out), n);
}

static void test_layout_constants(void **state)
{
    (void)state;
    /* the cut terms plus a prefix stay within Xapian's 245 bytes */
    assert_true(SCHEMA_TERM_MAX + 1 <= 245);
    assert_int_equal(SCHEMA_NVALUES, 9);
    const unsigned slots[] = {SCHEMA_V_MTIME, SCHEMA_V_SIZE,    SCHEMA_V_HASH,
                              SCHEMA_V_ROOT,  SCHEMA_V_TEXT,    SCHEMA_V_LANG,
                              SCHEMA_V_DATE,  SCHEMA_V_SECTION, SCHEMA_V_TAGS};
    for (unsigned i = 0; i < SCHEMA_NVALUES; i++)
        assert_int_equal(slots[i], i); /* distinct, dense slots */
    const char *const prefixes[] = {
        SCHEMA_P_ID,   SCHEMA_P_UID,     SCHEMA_P_STEM, SCHEMA_P_EXACT,
        SCHEMA_P_FOLD, SCHEMA_P_TITLE,   SCHEMA_P_ROOT, SCHEMA_P_TITLEKEY,
        SCHEMA_P_LANG, SCHEMA_P_SECTION, SCHEMA_P_TAG};
    size_t np = sizeof prefixes / sizeof prefixes[0];
    for (size_t i = 0; i < np; i++) {
        assert_int_equal(strlen(prefixes[i]), 1);
        assert_true(prefixes[i][0] >= 'A' && prefixes[i][0] <= 'Z');
        for (size_t j = i + 1; j < np; j++)
            assert_string_not_equal(prefixes[i], prefixes[j]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_term_short),
        cmocka_unit_test(test_term_limit),
        cmocka_unit_test(test_term_utf8_cut),
        cmocka_unit_test(test_term_invalid_utf8),
        cmocka_unit_test(test_term_sweep),
        cmocka_unit_test(test_uid),
        cmocka_unit_test(test_mtime),
        cmocka_unit_test(test_layout_constants),
        cmocka_unit_test(test_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
