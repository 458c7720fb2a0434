/* fuzz_util: checks shared by the libFuzzer targets (header only: each
 * target is one translation unit linked against libcglu.a). */
#ifndef CGLU_TESTS_FUZZ_UTIL_H
#define CGLU_TESTS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A broken invariant is a bug of the code under test: abort() so that
 * libFuzzer records the input as a crash, after saying which check failed
 * (the reproducer alone does not tell). */
#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* Length of the well-formed UTF-8 sequence at s[0..n) (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), 0 when there is
 * none. *cp receives the code point. */
static inline size_t fuzz_utf8_seq(const unsigned char *s, size_t n,
                                   unsigned long *cp)
{
    unsigned c = s[0];
    size_t k, i;
    unsigned long v, min;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        k = 2;
        v = c & 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        k = 3;
        v = c & 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4;
        v = c & 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < k)
        return 0;
    for (i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return k;
}

/* 1 when s[0..n) is entirely well-formed UTF-8. */
static inline int fuzz_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, k;
    unsigned long cp;

    while (i < n) {
        k = fuzz_utf8_seq(u + i, n - i, &cp);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

/* 1 when [p, p + n) lies inside [base, base + len). Compares addresses as
 * integers: the pointers may belong to unrelated objects when the check
 * is about to fail. */
static inline int fuzz_inside(const void *p, size_t n, const void *base,
                              size_t len)
{
    uintptr_t a = (uintptr_t)p;
    uintptr_t b = (uintptr_t)base;

    return a >= b && a - b <= len && n <= len - (a - b);
}

#endif
