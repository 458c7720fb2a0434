/* ref_json: pieces of a strict JSON string reader (RFC 8259) written apart
 * from common/json, for test_json and fuzz_json, which decode what
 * json_str writes (header only). */
#ifndef CGLU_TESTS_REF_JSON_H
#define CGLU_TESTS_REF_JSON_H

#include <stdint.h>
#include <string.h>

/* The 4 hex digits at p (either case) into *v: 1, or 0 when one is not a
 * hex digit. */
static inline int ref_json_hex4(const char *p, uint32_t *v)
{
    static const char digits[] = "0123456789abcdefABCDEF";
    int i;

    *v = 0;
    for (i = 0; i < 4; i++) {
        const char *d = memchr(digits, p[i], sizeof digits - 1);
        if (d == NULL)
            return 0;
        *v = (*v << 4) |
             (uint32_t)(d - digits < 16 ? d - digits : d - digits - 6);
    }
    return 1;
}

/* The byte a two-character escape \e stands for, or -1 when e is none of
 * " \ / b f n r t (\u is read apart). */
static inline int ref_json_unescape(char e)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *p = memchr(from, e, sizeof from - 1);

    return p != NULL ? to[p - from] : -1;
}

#endif
