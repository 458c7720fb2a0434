/* ref_utf8: a UTF-8 reference (RFC 3629) written apart from common/utf8,
 * for the unit tests and fuzz targets that check what the code under test
 * decodes or writes (header only). */
#ifndef CGLU_TESTS_REF_UTF8_H
#define CGLU_TESTS_REF_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the well-formed sequence at s[0..n) (no overlong forms, no
 * surrogates, nothing past U+10FFFF), 0 when there is none or n is 0. *cp
 * receives the code point. Decoded the classic way: lead byte, value, then
 * range checks (common/utf8 checks the second byte's range instead). */
static inline size_t ref_utf8_seq(const unsigned char *s, size_t n,
                                  uint32_t *cp)
{
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len, i;
    uint32_t v;

    if (n == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0)
        len = 2, v = s[0] & 0x1Fu;
    else if ((s[0] & 0xF0) == 0xE0)
        len = 3, v = s[0] & 0x0Fu;
    else if ((s[0] & 0xF8) == 0xF0)
        len = 4, v = s[0] & 0x07u;
    else
        return 0;
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

/* 1 when s[0..n) is entirely well-formed UTF-8 (NUL bytes included). */
static inline int ref_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, k;
    uint32_t cp;

    while (i < n) {
        k = ref_utf8_seq(u + i, n - i, &cp);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

/* Number of characters of s[0..n): well-formed sequences, an ill-formed
 * byte counting as one. */
static inline size_t ref_utf8_chars(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, k, count = 0;
    uint32_t cp;

    for (; i < n; count++) {
        k = ref_utf8_seq(u + i, n - i, &cp);
        i += k ? k : 1;
    }
    return count;
}

/* Encode the scalar value cp into o (room for 4 bytes): its length. The
 * continuation bytes are filled from the last one back. */
static inline size_t ref_utf8_put(uint32_t cp, unsigned char *o)
{
    static const unsigned char lead[5] = {0, 0, 0xC0, 0xE0, 0xF0};
    size_t len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    size_t k;

    if (len == 1) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    for (k = len - 1; k > 0; k--, cp >>= 6)
        o[k] = (unsigned char)(0x80 | (cp & 0x3F));
    o[0] = (unsigned char)(lead[len] | cp);
    return len;
}

#endif
