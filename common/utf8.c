/* utf8: the one UTF-8 decoder, validator and encoder of the project (the
 * decoder is inline in utf8.h). */
#include "common/utf8.h"

int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0, k;

    while (i < n) {
        if (s[i] < 0x80) { /* most text is ASCII: no call for it */
            i++;
            continue;
        }
        k = utf8_decode(s + i, n - i, NULL, NULL);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

size_t utf8_encode(int32_t cp, char *out)
{
    uint32_t u = (uint32_t)cp;

    if (!utf8_scalar(cp))
        return 0;
    if (u < 0x80) {
        out[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        out[0] = (char)(0xC0 | (u >> 6));
        out[1] = (char)(0x80 | (u & 0x3F));
        return 2;
    }
    if (u < 0x10000) {
        out[0] = (char)(0xE0 | (u >> 12));
        out[1] = (char)(0x80 | ((u >> 6) & 0x3F));
        out[2] = (char)(0x80 | (u & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (u >> 18));
    out[1] = (char)(0x80 | ((u >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((u >> 6) & 0x3F));
    out[3] = (char)(0x80 | (u & 0x3F));
    return 4;
}
