/* fuzz_json: libFuzzer target for json_str(): any bytes in, a valid JSON
 * string of valid UTF-8 out, that decodes back to the input with each
 * maximal ill-formed subpart replaced by U+FFFD. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/json.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/unit/ref_json.h"

typedef struct bytes {
    unsigned char *p;
    size_t len, cap;
} bytes;

static void put_byte(bytes *b, unsigned char c)
{
    /* callers size p for the worst case of a correct json_str; a wrong one
     * (an answer longer than it may be) is a finding, not an overflow of
     * the harness */
    FUZZ_CHECK(b->len < b->cap);
    b->p[b->len++] = c;
}

static void put_cp(bytes *b, uint32_t cp)
{
    unsigned char e[4];
    size_t n = ref_utf8_put(cp, e);

    for (size_t i = 0; i < n; i++)
        put_byte(b, e[i]);
}

/* Bytes of the maximal ill-formed subpart at s[0..n) (Unicode 3.9, table
 * 3-7): the longest prefix of a well-formed sequence, at least 1. */
static size_t bad_len(const unsigned char *s, size_t n)
{
    /* valid ranges of the second byte, by lead byte */
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    size_t need;

    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 4;
    else
        return 1;
    if (c == 0xE0)
        lo = 0xA0;
    if (c == 0xED)
        hi = 0x9F;
    if (c == 0xF0)
        lo = 0x90;
    if (c == 0xF4)
        hi = 0x8F;
    size_t k = 1;
    while (k < need && k < n && s[k] >= lo && s[k] <= hi) {
        k++;
        lo = 0x80;
        hi = 0xBF;
    }
    return k;
}

/* What json_str must encode: in with ill-formed subparts as U+FFFD. */
static void expected(const unsigned char *in, size_t n, bytes *out)
{
    size_t i = 0, k;
    uint32_t cp;

    while (i < n) {
        k = ref_utf8_seq(in + i, n - i, &cp);
        if (k) {
            memcpy(out->p + out->len, in + i, k);
            out->len += k;
            i += k;
        } else {
            put_cp(out, 0xFFFD);
            i += bad_len(in + i, n - i);
        }
    }
}

/* Parse the JSON string s[0..n) strictly (RFC 8259) and decode it. */
static void decode(const char *s, size_t n, bytes *out)
{
    size_t i = 1;

    FUZZ_CHECK(n >= 2 && s[0] == '"' && s[n - 1] == '"');
    while (i < n - 1) {
        unsigned char c = (unsigned char)s[i];
        FUZZ_CHECK(c >= 0x20 && c != '"' && c != 0x7F); /* escaped */
        if (c != '\\') {
            put_byte(out, c);
            i++;
            continue;
        }
        FUZZ_CHECK(i + 1 < n - 1);
        char e = s[i + 1];
        i += 2;
        if (e != 'u') {
            int u = ref_json_unescape(e);
            FUZZ_CHECK(u >= 0); /* a known escape */
            put_byte(out, (unsigned char)u);
            continue;
        }
        uint32_t cp;
        FUZZ_CHECK(n - 1 - i >= 4);
        FUZZ_CHECK(ref_json_hex4(s + i, &cp)); /* 4 hex digits */
        i += 4;
        /* json_str never needs a surrogate pair: UTF-8 carries those code
         * points, so a lone or paired surrogate is an error */
        FUZZ_CHECK(cp < 0xD800 || cp > 0xDFFF);
        put_cp(out, cp);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy: ASan then sees any read past the input */
    char *in = malloc(size ? size : 1);
    buf_t b;
    /* U+FFFD is 3 bytes for an ill-formed byte: 3x is the worst case */
    bytes want = {malloc(size * 3 + 1), 0, size * 3 + 1};
    bytes got = {malloc(size * 3 + 1), 0, size * 3 + 1};

    FUZZ_CHECK(in && want.p && got.p);
    if (size)
        memcpy(in, data, size);
    buf_init(&b, (size_t)1 << 24);
    FUZZ_CHECK(json_str(&b, in, size) == BUF_OK);
    FUZZ_CHECK(ref_utf8_valid(b.data, b.len));
    /* U+2028 and U+2029 break JavaScript: they must be escaped */
    FUZZ_CHECK(memmem(b.data, b.len, "\xE2\x80\xA8", 3) == NULL);
    FUZZ_CHECK(memmem(b.data, b.len, "\xE2\x80\xA9", 3) == NULL);
    decode(b.data, b.len, &got);
    expected((const unsigned char *)in, size, &want);
    FUZZ_CHECK(got.len == want.len && memcmp(got.p, want.p, got.len) == 0);

    /* a limit the output may pass: all or nothing, after a prefix kept */
    size_t full = b.len;
    buf_t small;
    buf_init(&small, full / 2 + 2);
    FUZZ_CHECK(buf_putc(&small, '[') == BUF_OK);
    buf_status st = json_str(&small, in, size);
    if (st == BUF_OK) {
        FUZZ_CHECK(small.len == full + 1 &&
                   memcmp(small.data + 1, b.data, full) == 0);
    } else {
        FUZZ_CHECK(st == BUF_ERR_LIMIT);
        FUZZ_CHECK(small.len == 1 && small.data[0] == '[' &&
                   small.data[1] == '\0');
    }
    buf_free(&small);

    /* json_key: the C string up to the first NUL, then ':' */
    char *key = malloc(size + 1);
    FUZZ_CHECK(key != NULL);
    if (size)
        memcpy(key, in, size);
    key[size] = '\0';
    buf_reset(&b);
    FUZZ_CHECK(json_key(&b, key) == BUF_OK);
    FUZZ_CHECK(b.len >= 3 && b.data[b.len - 1] == ':');
    got.len = want.len = 0;
    decode(b.data, b.len - 1, &got);
    expected((const unsigned char *)key, strlen(key), &want);
    FUZZ_CHECK(got.len == want.len && memcmp(got.p, want.p, got.len) == 0);

    free(key);
    buf_free(&b);
    free(in);
    free(want.p);
    free(got.p);
    return 0;
}
