/* test_qstr: query-string decoding (table-driven: escapes, "+", UTF-8,
 * NUL), the iterator's splitting and its recovery after a bad parameter,
 * buffer limits to the byte, and qstr_encode round-trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/url.h"
#include "server/qstr.h"
#include "tests/unit/ref_utf8.h"
#include "tests/unit/unit_util.h"

#define S(x) x, sizeof(x) - 1 /* literal with its length, NULs included */

#define CANARY 0x5A /* written past a buffer's capacity: must stay */

/* ---- qstr_decode ---- */

typedef struct dec_case {
    const char *in;
    size_t in_len;
    int plus;
    qstr_status st;
    const char *out; /* QSTR_OK: the decoded bytes */
    size_t out_len;
} dec_case;

static const dec_case dec_cases[] = {
    {S(""), 1, QSTR_OK, S("")},
    {S("plain"), 1, QSTR_OK, S("plain")},
    {S("a+b"), 1, QSTR_OK, S("a b")},
    {S("a+b"), 0, QSTR_OK, S("a+b")}, /* a path: "+" is itself */
    {S("+++"), 1, QSTR_OK, S("   ")},
    {S("a%20b"), 1, QSTR_OK, S("a b")},
    {S("a%20b"), 0, QSTR_OK, S("a b")},
    {S("%2B"), 1, QSTR_OK, S("+")}, /* an escaped "+" stays a "+" */
    {S("%2b"), 1, QSTR_OK, S("+")},
    {S("%25"), 1, QSTR_OK, S("%")},
    {S("%2525"), 1, QSTR_OK, S("%25")}, /* decoded once, not twice */
    {S("%26%3D"), 1, QSTR_OK, S("&=")},
    {S("cit%C3%A9s"), 1, QSTR_OK, S("cit\xC3\xA9s")},
    {S("cit%c3%a9s"), 1, QSTR_OK, S("cit\xC3\xA9s")},
    {S("cit%c3%A9s"), 1, QSTR_OK, S("cit\xC3\xA9s")},
    {S("cit\xC3\xA9s"), 1, QSTR_OK, S("cit\xC3\xA9s")}, /* raw UTF-8 */
    {S("%E2%82%AC"), 1, QSTR_OK, S("\xE2\x82\xAC")},
    {S("%F0%9F%98%80"), 1, QSTR_OK, S("\xF0\x9F\x98\x80")},
    {S("%F4%8F%BF%BF"), 1, QSTR_OK, S("\xF4\x8F\xBF\xBF")}, /* U+10FFFF */
    {S("%C3\xA9"), 1, QSTR_OK, S("\xC3\xA9")}, /* half escaped, half raw */
    {S("%7F"), 1, QSTR_OK, S("\x7F")},
    {S("%01"), 1, QSTR_OK, S("\x01")},
    /* bad escapes */
    {S("%"), 1, QSTR_ERR_ESCAPE, NULL, 0},
    {S("abc%"), 1, QSTR_ERR_ESCAPE, NULL, 0},
    {S("%4"), 1, QSTR_ERR_ESCAPE, NULL, 0},
    {S("a%4"), 1, QSTR_ERR_ESCAPE, NULL, 0},
    {S("%zz"), 1, QSTR_ERR_ESCAPE, NULL, 0},
    {S("%4g"), 1, QSTR_ERR_ESCAPE, NULL, 0},
    {S("%g4"), 1, QSTR_ERR_ESCAPE, NULL, 0},
    {S("%%"), 1, QSTR_ERR_ESCAPE, NULL, 0},
    {S("%%41"), 1, QSTR_ERR_ESCAPE, NULL, 0},
    {S("% 1"), 1, QSTR_ERR_ESCAPE, NULL, 0},
    {S("%+1"), 1, QSTR_ERR_ESCAPE, NULL, 0},
    {S("%-1"), 1, QSTR_ERR_ESCAPE, NULL, 0},
    {S("%\xC3\xA9"), 1, QSTR_ERR_ESCAPE, NULL, 0},
    {S("%0\0"), 1, QSTR_ERR_ESCAPE, NULL, 0},
    /* NUL, escaped or raw */
    {S("%00"), 1, QSTR_ERR_NUL, NULL, 0},
    {S("a%00b"), 1, QSTR_ERR_NUL, NULL, 0},
    {S("a\0b"), 1, QSTR_ERR_NUL, NULL, 0},
    {S("\0"), 0, QSTR_ERR_NUL, NULL, 0},
    /* not UTF-8 */
    {S("%ff"), 1, QSTR_ERR_UTF8, NULL, 0},
    {S("%FF"), 1, QSTR_ERR_UTF8, NULL, 0},
    {S("\xff"), 1, QSTR_ERR_UTF8, NULL, 0},
    {S("%80"), 1, QSTR_ERR_UTF8, NULL, 0},       /* lone continuation */
    {S("%C3"), 1, QSTR_ERR_UTF8, NULL, 0},       /* truncated */
    {S("%E2%82"), 1, QSTR_ERR_UTF8, NULL, 0},    /* truncated */
    {S("%C3+"), 1, QSTR_ERR_UTF8, NULL, 0},      /* lead then a space */
    {S("%C0%AF"), 1, QSTR_ERR_UTF8, NULL, 0},    /* overlong "/" */
    {S("%C1%BF"), 1, QSTR_ERR_UTF8, NULL, 0},    /* overlong */
    {S("%E0%80%AF"), 1, QSTR_ERR_UTF8, NULL, 0}, /* overlong "/" */
    {S("%F0%80%80%AF"), 1, QSTR_ERR_UTF8, NULL, 0},
    {S("%ED%A0%80"), 1, QSTR_ERR_UTF8, NULL, 0},    /* surrogate */
    {S("%F4%90%80%80"), 1, QSTR_ERR_UTF8, NULL, 0}, /* past U+10FFFF */
    {S("%F5%80%80%80"), 1, QSTR_ERR_UTF8, NULL, 0},
};

static void test_decode_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof dec_cases / sizeof dec_cases[0]; i++) {
        const dec_case *c = &dec_cases[i];
        /* an exact-size copy: a read past it is seen by valgrind/ASan */
        char *in = malloc(c->in_len ? c->in_len : 1);
        char out[64];
        size_t n = 12345;

        assert_non_null(in);
        memcpy(in, c->in, c->in_len);
        qstr_status st =
            qstr_decode(in, c->in_len, c->plus, out, sizeof out, &n);
        if (st != c->st)
            fail_msg("decode #%zu \"%.*s\" (plus %d): got %s, want %s", i,
                     (int)c->in_len, c->in, c->plus, qstr_strerror(st),
                     qstr_strerror(c->st));
        if (st == QSTR_OK) {
            assert_int_equal(n, c->out_len);
            assert_memory_equal(out, c->out, n);
        } else {
            assert_int_equal(n, 0); /* *out_len is 0 on error */
        }
        free(in);
    }
}

/* The decoded bytes fill the buffer exactly: fine; one more: TOO_BIG,
 * and nothing is written past cap. */
static void check_cap(const char *in, size_t in_len, size_t need)
{
    char out[64];
    size_t n;

    assert_true(need + 1 < sizeof out);
    memset(out, CANARY, sizeof out);
    assert_int_equal(qstr_decode(in, in_len, 1, out, need, &n), QSTR_OK);
    assert_int_equal(n, need);
    assert_int_equal((unsigned char)out[need], CANARY);
    for (size_t cap = 0; cap < need; cap++) {
        memset(out, CANARY, sizeof out);
        n = 77;
        assert_int_equal(qstr_decode(in, in_len, 1, out, cap, &n),
                         QSTR_ERR_TOO_BIG);
        assert_int_equal(n, 0);
        assert_int_equal((unsigned char)out[cap], CANARY);
    }
}

static void test_decode_cap(void **state)
{
    (void)state;
    check_cap(S("abcd"), 4);
    check_cap(S("a+b"), 3);
    check_cap(S("%C3%A9"), 2);
    check_cap(S("x%C3%A9y"), 4);
    check_cap(S("%F0%9F%98%80"), 4);
    check_cap(S(""), 0);
}

/* An escape cut by the end of the given length is an error, even when
 * the bytes after len would complete it. */
static void test_decode_len(void **state)
{
    static const char in[] = "a%41%4";
    char out[8];
    size_t n;

    (void)state;
    assert_int_equal(qstr_decode(in, 2, 1, out, sizeof out, &n),
                     QSTR_ERR_ESCAPE);
    assert_int_equal(qstr_decode(in, 3, 1, out, sizeof out, &n),
                     QSTR_ERR_ESCAPE);
    assert_int_equal(qstr_decode(in, 4, 1, out, sizeof out, &n), QSTR_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "aA", 2);
    assert_int_equal(qstr_decode(in, 5, 1, out, sizeof out, &n),
                     QSTR_ERR_ESCAPE);
    assert_int_equal(qstr_decode(in + 4, 2, 1, out, sizeof out, &n),
                     QSTR_ERR_ESCAPE);
    assert_int_equal(qstr_decode(in, 0, 1, out, sizeof out, &n), QSTR_OK);
    assert_int_equal(n, 0);
}

/* ---- qstr_next ---- */

/* One expected qstr_next answer: st, and on QSTR_OK the name and value. */
typedef struct step {
    qstr_status st;
    const char *name, *val;
} step;

#define NSTEPS 8
typedef struct iter_case {
    const char *in;
    step steps[NSTEPS]; /* up to and including QSTR_END */
} iter_case;

#define OK(n, v)                                                               \
    {                                                                          \
        QSTR_OK, n, v                                                          \
    }
#define END                                                                    \
    {                                                                          \
        QSTR_END, NULL, NULL                                                   \
    }
#define ERR(e)                                                                 \
    {                                                                          \
        e, NULL, NULL                                                          \
    }

static const iter_case iter_cases[] = {
    {"", {END}},
    {"&", {END}},
    {"&&", {END}},
    {"&&&&", {END}},
    {"a", {OK("a", ""), END}},
    {"a=", {OK("a", ""), END}},
    {"=b", {OK("", "b"), END}},
    {"=", {OK("", ""), END}},
    {"a=1&b=2", {OK("a", "1"), OK("b", "2"), END}},
    {"a=1&&b=2&", {OK("a", "1"), OK("b", "2"), END}},
    {"&a=1", {OK("a", "1"), END}},
    {"a&b", {OK("a", ""), OK("b", ""), END}},
    {"q=x=y", {OK("q", "x=y"), END}},
    {"q==", {OK("q", "="), END}},
    {"q=a+b%20c", {OK("q", "a b c"), END}},
    {"q=a%26b&x=1", {OK("q", "a&b"), OK("x", "1"), END}},
    {"x%3Dy=1", {OK("x=y", "1"), END}},
    {"a+b=c+d", {OK("a b", "c d"), END}},
    {"q=a;b=2", {OK("q", "a;b=2"), END}}, /* ";" separates nothing */
    {"q=cit%C3%A9s&limit=5", {OK("q", "cit\xC3\xA9s"), OK("limit", "5"), END}},
    {"q=a&q=b", {OK("q", "a"), OK("q", "b"), END}},
    /* an error stands for its parameter only: the next ones are read */
    {"a=%zz&b=2", {ERR(QSTR_ERR_ESCAPE), OK("b", "2"), END}},
    {"%zz=1&b=2", {ERR(QSTR_ERR_ESCAPE), OK("b", "2"), END}},
    {"a=%&b=2", {ERR(QSTR_ERR_ESCAPE), OK("b", "2"), END}},
    {"a=%4&b=2", {ERR(QSTR_ERR_ESCAPE), OK("b", "2"), END}},
    {"a=%00&b=%ff&c=3",
     {ERR(QSTR_ERR_NUL), ERR(QSTR_ERR_UTF8), OK("c", "3"), END}},
    {"%C0%AF=1&d", {ERR(QSTR_ERR_UTF8), OK("d", ""), END}},
    {"a=%C3&b=%A9", {ERR(QSTR_ERR_UTF8), ERR(QSTR_ERR_UTF8), END}},
    {"x=%zz", {ERR(QSTR_ERR_ESCAPE), END}},
};

static void run_iter(const char *in, size_t len, const step *steps,
                     size_t ncase)
{
    /* an exact-size copy: a read past it is seen by valgrind/ASan */
    char *s = malloc(len ? len : 1);
    char name[32], val[32];
    size_t nl, vl;
    qstr_iter it;

    assert_non_null(s);
    memcpy(s, in, len);
    qstr_init(&it, s, len);
    for (size_t k = 0; k < NSTEPS; k++) {
        const step *w = &steps[k];
        qstr_status st =
            qstr_next(&it, name, sizeof name, &nl, val, sizeof val, &vl);
        if (st != w->st)
            fail_msg("case %zu \"%s\" step %zu: got %s, want %s", ncase, in, k,
                     qstr_strerror(st), qstr_strerror(w->st));
        if (st == QSTR_OK) {
            assert_int_equal(nl, strlen(w->name));
            assert_memory_equal(name, w->name, nl);
            assert_int_equal(vl, strlen(w->val));
            assert_memory_equal(val, w->val, vl);
        }
        if (st == QSTR_END) {
            assert_int_equal(nl, 0);
            assert_int_equal(vl, 0);
            /* and it stays at the end */
            assert_int_equal(
                qstr_next(&it, name, sizeof name, &nl, val, sizeof val, &vl),
                QSTR_END);
            free(s);
            return;
        }
    }
    fail_msg("case %zu \"%s\": no QSTR_END in the table", ncase, in);
}

static void test_iter_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof iter_cases / sizeof iter_cases[0]; i++)
        run_iter(iter_cases[i].in, strlen(iter_cases[i].in),
                 iter_cases[i].steps, i);
}

/* A "&" inside the given length ends the string: bytes past len are
 * never read, even a "&" or "=" just after it. */
static void test_iter_len(void **state)
{
    static const char in[] = "a=1&b=2";
    char name[8], val[8];
    size_t nl, vl;
    qstr_iter it;

    (void)state;
    qstr_init(&it, in, 4); /* "a=1&" */
    assert_int_equal(
        qstr_next(&it, name, sizeof name, &nl, val, sizeof val, &vl), QSTR_OK);
    assert_int_equal(nl, 1);
    assert_int_equal(vl, 1);
    assert_int_equal(
        qstr_next(&it, name, sizeof name, &nl, val, sizeof val, &vl), QSTR_END);
    qstr_init(&it, in, 1); /* "a" alone: no value */
    assert_int_equal(
        qstr_next(&it, name, sizeof name, &nl, val, sizeof val, &vl), QSTR_OK);
    assert_int_equal(nl, 1);
    assert_int_equal(vl, 0);
    qstr_init(&it, in, 0);
    assert_int_equal(
        qstr_next(&it, name, sizeof name, &nl, val, sizeof val, &vl), QSTR_END);
}

/* Name and value caps, to the byte; the iterator goes on after TOO_BIG. */
static void test_iter_cap(void **state)
{
    static const char in[] = "abcd=wxyz&e=%C3%A9&f=g";
    char name[8], val[8];
    size_t nl, vl;
    qstr_iter it;

    (void)state;
    /* exactly full */
    memset(name, CANARY, sizeof name);
    memset(val, CANARY, sizeof val);
    qstr_init(&it, S(in));
    assert_int_equal(qstr_next(&it, name, 4, &nl, val, 4, &vl), QSTR_OK);
    assert_int_equal(nl, 4);
    assert_int_equal(vl, 4);
    assert_memory_equal(name, "abcd", 4);
    assert_memory_equal(val, "wxyz", 4);
    assert_int_equal((unsigned char)name[4], CANARY);
    assert_int_equal((unsigned char)val[4], CANARY);
    assert_int_equal(qstr_next(&it, name, 1, &nl, val, 2, &vl), QSTR_OK);
    assert_int_equal(vl, 2);
    assert_int_equal(qstr_next(&it, name, 1, &nl, val, 1, &vl), QSTR_OK);
    assert_int_equal(qstr_next(&it, name, 1, &nl, val, 1, &vl), QSTR_END);

    /* one byte over: the name, then the value; é needs 2 */
    memset(name, CANARY, sizeof name);
    memset(val, CANARY, sizeof val);
    qstr_init(&it, S(in));
    assert_int_equal(qstr_next(&it, name, 3, &nl, val, 4, &vl),
                     QSTR_ERR_TOO_BIG);
    assert_int_equal((unsigned char)name[3], CANARY);
    assert_int_equal(qstr_next(&it, name, 1, &nl, val, 1, &vl),
                     QSTR_ERR_TOO_BIG);
    assert_int_equal((unsigned char)val[1], CANARY);
    assert_int_equal(qstr_next(&it, name, 1, &nl, val, 1, &vl), QSTR_OK);
    assert_int_equal(nl, 1);
    assert_int_equal(name[0], 'f');
    assert_int_equal(vl, 1);
    assert_int_equal(val[0], 'g');
    assert_int_equal(qstr_next(&it, name, 1, &nl, val, 1, &vl), QSTR_END);

    qstr_init(&it, S(in));
    assert_int_equal(qstr_next(&it, name, 4, &nl, val, 3, &vl),
                     QSTR_ERR_TOO_BIG);
    assert_int_equal((unsigned char)val[3], CANARY);
}

/* ---- url_encode (common/url.h), whose URL_COMPONENT output qstr_decode
 * must read back ---- */

/* url_encode(URL_COMPONENT) into out, at most cap bytes with a final NUL:
 * the length, or (size_t)-1 when it does not fit (out untouched then). */
static size_t encode_into(const char *s, size_t len, char *out, size_t cap)
{
    buf_t b;
    size_t n;

    if (cap == 0)
        return (size_t)-1;
    buf_init(&b, cap - 1);
    if (url_encode(&b, s, len, URL_COMPONENT) != BUF_OK) {
        buf_free(&b);
        return (size_t)-1;
    }
    n = b.len;
    if (n > 0)
        memcpy(out, b.data, n);
    out[n] = '\0';
    buf_free(&b);
    return n;
}

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* cp as UTF-8 at p: its length (written independently of common/utf8). */
static size_t put_utf8(unsigned char *p, uint32_t cp)
{
    if (cp < 0x80) {
        p[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        p[0] = (unsigned char)(0xC0 | cp >> 6);
        p[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        p[0] = (unsigned char)(0xE0 | cp >> 12);
        p[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        p[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    p[0] = (unsigned char)(0xF0 | cp >> 18);
    p[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    p[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    p[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Check enc[0..n) is s[0..len) percent-encoded as url.h says: unreserved
 * bytes as they are, every other byte as "%" and two upper-case digits. */
static void check_encoding(const unsigned char *s, size_t len, const char *enc,
                           size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t j = 0;

    for (size_t i = 0; i < len; i++) {
        if (unreserved(s[i])) {
            assert_true(j < n);
            assert_int_equal((unsigned char)enc[j], s[i]);
            j++;
        } else {
            assert_true(j + 3 <= n);
            assert_int_equal(enc[j], '%');
            assert_int_equal(enc[j + 1], hex[s[i] >> 4]);
            assert_int_equal(enc[j + 2], hex[s[i] & 15]);
            j += 3;
        }
    }
    assert_int_equal(j, n);
    assert_int_equal(enc[n], '\0');
}

static void test_encode_roundtrip(void **state)
{
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    unsigned char s[256];
    char enc[3 * sizeof s + 1], dec[sizeof s];

    (void)state;
    for (int round = 0; round < 5000; round++) {
        size_t len = 0, want_enc = 0;
        size_t nchars = (size_t)(rng_next(&rng) % 40);
        for (size_t k = 0; k < nchars; k++) {
            uint64_t x = rng_next(&rng);
            uint32_t cp;
            switch (x % 4) {
            case 0: /* ASCII, NUL excluded (qstr_decode refuses it) */
                cp = 1 + (uint32_t)(x >> 8) % 0x7F;
                break;
            case 1:
                cp = 0x80 + (uint32_t)(x >> 8) % (0x800 - 0x80);
                break;
            case 2:
                cp = 0x800 + (uint32_t)(x >> 8) % (0x10000 - 0x800);
                if (cp >= 0xD800 && cp <= 0xDFFF)
                    cp -= 0x800; /* no surrogates */
                break;
            default:
                cp = 0x10000 + (uint32_t)(x >> 8) % (0x110000 - 0x10000);
                break;
            }
            len += put_utf8(s + len, cp);
        }
        assert_true(ref_utf8_valid((const char *)s, len));
        for (size_t i = 0; i < len; i++)
            want_enc += unreserved(s[i]) ? 1 : 3;

        size_t n = encode_into((const char *)s, len, enc, sizeof enc);
        assert_int_equal(n, want_enc);
        check_encoding(s, len, enc, n);
        for (int plus = 0; plus < 2; plus++) {
            size_t dn;
            assert_int_equal(qstr_decode(enc, n, plus, dec, sizeof dec, &dn),
                             QSTR_OK);
            assert_int_equal(dn, len);
            assert_memory_equal(dec, s, len);
        }
        /* the same through the iterator, as a value */
        {
            char q[sizeof enc + 2];
            char nm[4], v[sizeof s];
            size_t nl, vl;
            qstr_iter it;
            q[0] = 'q';
            q[1] = '=';
            memcpy(q + 2, enc, n);
            qstr_init(&it, q, n + 2);
            assert_int_equal(
                qstr_next(&it, nm, sizeof nm, &nl, v, sizeof v, &vl), QSTR_OK);
            assert_int_equal(vl, len);
            assert_memory_equal(v, s, len);
            assert_int_equal(
                qstr_next(&it, nm, sizeof nm, &nl, v, sizeof v, &vl), QSTR_END);
        }
    }
}

static void test_encode_examples(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(encode_into(S("AZaz09-._~"), out, sizeof out), 10);
    assert_string_equal(out, "AZaz09-._~");
    assert_int_equal(encode_into(S("a b+c&d=e%f/g?h#i"), out, sizeof out), 33);
    assert_string_equal(out, "a%20b%2Bc%26d%3De%25f%2Fg%3Fh%23i");
    assert_int_equal(encode_into(S("cit\xC3\xA9s"), out, sizeof out), 10);
    assert_string_equal(out, "cit%C3%A9s");
    assert_int_equal(encode_into(S("\0\xff"), out, sizeof out), 6);
    assert_string_equal(out, "%00%FF");
    assert_int_equal(encode_into(S(""), out, sizeof out), 0);
    assert_string_equal(out, "");
}

/* The two other rules: a path keeps "/", a form's query is what a
 * browser's form (and URLSearchParams) sends. */
static void test_encode_modes(void **state)
{
    buf_t b;

    (void)state;
    buf_init(&b, 256);
    assert_int_equal(url_encode(&b, S("a b/c~d*e"), URL_PATH), BUF_OK);
    assert_int_equal(url_encode(&b, S("|"), URL_PATH), BUF_OK);
    assert_int_equal(url_encode(&b, S("a b/c~d*e\xC3\xA9"), URL_FORM), BUF_OK);
    buf_putc(&b, '\0');
    assert_string_equal(b.data, "a%20b/c~d%2Ae%7Ca+b%2Fc%7Ed*e%C3%A9");
    buf_free(&b);
    /* past the limit: nothing of the call is left */
    buf_init(&b, 4);
    assert_int_equal(url_encode(&b, S("ab"), URL_FORM), BUF_OK);
    assert_int_equal(url_encode(&b, S("\xC3"), URL_FORM), BUF_ERR_LIMIT);
    assert_int_equal(b.len, 2);
    buf_free(&b);
}

/* cap counts the final NUL: the encoding of len bytes that need k output
 * bytes fits in k + 1, not in k; nothing is written past cap. */
static void check_encode_cap(const char *s, size_t len, size_t k)
{
    char out[64];

    memset(out, CANARY, sizeof out);
    assert_int_equal(encode_into(s, len, out, k + 1), k);
    assert_int_equal(out[k], '\0');
    assert_int_equal((unsigned char)out[k + 1], CANARY);
    for (size_t cap = 0; cap <= k; cap++) {
        memset(out, CANARY, sizeof out);
        assert_int_equal(encode_into(s, len, out, cap), (size_t)-1);
        assert_int_equal((unsigned char)out[cap], CANARY);
    }
}

static void test_encode_cap(void **state)
{
    (void)state;
    check_encode_cap(S("abc"), 3);
    check_encode_cap(S("\xC3\xA9"), 6);
    check_encode_cap(S("a b"), 5);
    check_encode_cap(S(""), 0);
}

static void test_strerror(void **state)
{
    (void)state;
    UNIT_MESSAGES(qstr_strerror, {QSTR_OK, "ok"},
                  {QSTR_END, "no more parameters"},
                  {QSTR_ERR_ESCAPE, "bad percent-encoding (% must be followed "
                                    "by two hexadecimal digits)"},
                  {QSTR_ERR_UTF8, "the decoded text is not UTF-8"},
                  {QSTR_ERR_NUL, "a NUL byte (%00) is not allowed"},
                  {QSTR_ERR_TOO_BIG, "too long"}, {-1, "unknown error"},
                  {QSTR_ERR_TOO_BIG + 1, "unknown error"});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_table),
        cmocka_unit_test(test_decode_cap),
        cmocka_unit_test(test_decode_len),
        cmocka_unit_test(test_iter_table),
        cmocka_unit_test(test_iter_len),
        cmocka_unit_test(test_iter_cap),
        cmocka_unit_test(test_encode_examples),
        cmocka_unit_test(test_encode_roundtrip),
        cmocka_unit_test(test_encode_cap),
        cmocka_unit_test(test_encode_modes),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
