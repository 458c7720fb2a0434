/* schema: the one function that turns ids and folders into terms. */
#include "common/schema.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

uint64_t schema_hash(const char *bytes, size_t len)
{
    return schema_hash_more(14695981039346656037ull, bytes, len);
}

uint64_t schema_hash_more(uint64_t h, const char *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)bytes[i];
        h *= 1099511628211ull;
    }
    return h;
}

size_t schema_term(const char *prefix, const char *s, size_t n, char *out)
{
    size_t p = strlen(prefix);
    if (p + n <= SCHEMA_TERM_MAX) {
        memcpy(out, prefix, p);
        memcpy(out + p, s, n);
        out[p + n] = '\0';
        return p + n;
    }
    uint64_t h = schema_hash(s, n);
    size_t keep = SCHEMA_TERM_MAX - p - SCHEMA_CUT_TAIL;
    while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
        keep--; /* do not cut a UTF-8 sequence */
    memcpy(out, prefix, p);
    memcpy(out + p, s, keep);
    snprintf(out + p + keep, SCHEMA_CUT_TAIL + 1, "#%016" PRIx64, h);
    /* not strlen(out): a NUL kept from s would drop the hash from the term */
    return p + keep + SCHEMA_CUT_TAIL;
}

size_t schema_uid(const char *root, const char *relpath, char *out)
{
    char tmp[8192];
    int n = snprintf(tmp, sizeof tmp, "%s/%s", root, relpath);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof tmp)
        n = (int)sizeof tmp - 1; /* cut paths still hash to distinct keys */
    return schema_term(SCHEMA_P_UID, tmp, (size_t)n, out);
}

void schema_mtime(int64_t sec, long nsec, char *out)
{
    snprintf(out, 32, "%" PRId64 ".%09ld", sec, nsec);
}
