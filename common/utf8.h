/* utf8: the one UTF-8 decoder, validator and encoder of the project. */
#ifndef CGLU_COMMON_UTF8_H
#define CGLU_COMMON_UTF8_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Well-formed UTF-8 is Unicode's table 3-7 (RFC 3629): no overlong forms
 * (C0, C1, E0 80-9F, F0 80-8F), no surrogates (ED A0-BF: U+D800-DFFF),
 * nothing past U+10FFFF (F4 90-BF, F5-FF), no stray continuation byte
 * (80-BF) and no sequence cut short. Every function here applies exactly
 * these rules, so the analyzer, the snippets, the JSON writer and the
 * extractor all agree on which bytes are text. */

#define UTF8_MAX_SEQ 4                      /* bytes of the longest sequence */
#define UTF8_MAX_CP 0x10FFFF                /* last code point */
#define UTF8_REPLACEMENT 0xFFFD             /* U+FFFD REPLACEMENT CHARACTER */
#define UTF8_REPLACEMENT_STR "\xEF\xBF\xBD" /* its UTF-8, 3 bytes */

/* 1 when cp is a Unicode scalar value (0 to U+10FFFF, surrogates
 * excluded): the code points that UTF-8 can carry. */
static inline int utf8_scalar(int32_t cp)
{
    return cp >= 0 && cp <= UTF8_MAX_CP && (cp < 0xD800 || cp > 0xDFFF);
}

/* Decode the code point that starts s[0..n); n must be at least 1.
 * Well-formed: returns its byte length (1 to UTF8_MAX_SEQ) and sets *cp to
 * it (*bad is left alone). Ill-formed or cut short by the end of s:
 * returns 0, sets *cp to -1 and *bad to the length of the maximal
 * ill-formed subpart (1 to 3 bytes: Unicode's "substitution of maximal
 * subparts", what one U+FFFD replaces; the byte after it starts the next
 * sequence). cp and bad may be NULL. Inline: the JSON writer, the analyzer
 * and the snippet builder call it once per non-ASCII character. */
static inline size_t utf8_decode(const unsigned char *s, size_t n, int32_t *cp,
                                 size_t *bad)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    size_t need, i;
    int32_t v;

    if (c < 0x80) {
        need = 0;
        v = (int32_t)c;
        goto ok;
    }
    if (c < 0xC2 || c > 0xF4) { /* continuation, overlong C0/C1, > 10FFFF */
        i = 1;
        goto ill;
    }
    if (c < 0xE0) {
        need = 1;
        v = (int32_t)(c & 0x1F);
    } else if (c < 0xF0) {
        need = 2;
        v = (int32_t)(c & 0x0F);
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates D800-DFFF */
    } else {
        need = 3;
        v = (int32_t)(c & 0x07);
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* past U+10FFFF */
    }
    for (i = 1; i <= need; i++) {
        if (i >= n || s[i] < lo || s[i] > hi)
            goto ill; /* s[i] is not part of it: it starts the next one */
        v = (v << 6) | (int32_t)(s[i] & 0x3F);
        lo = 0x80;
        hi = 0xBF;
    }
ok:
    if (cp != NULL)
        *cp = v;
    return need + 1; /* no store to *bad: one per character costs the
                        JSON writer 3% on non-ASCII text */
ill:
    if (cp != NULL)
        *cp = -1;
    if (bad != NULL)
        *bad = i;
    return 0;
}

/* 1 when all of s[0..n) is well-formed UTF-8 (n == 0 included; s may be
 * NULL then), else 0. */
int utf8_valid(const unsigned char *s, size_t n);

/* Write the UTF-8 of cp to out, which has room for UTF8_MAX_SEQ bytes (no
 * terminator is written). Returns the byte length (1 to UTF8_MAX_SEQ), or
 * 0, with nothing written, when cp is not a scalar value (utf8_scalar). */
size_t utf8_encode(int32_t cp, char *out);

#ifdef __cplusplus
}
#endif
#endif
