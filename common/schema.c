/* schema: the one function that turns ids and folders into terms. */
#include "common/schema.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

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

size_t schema_key(const char *s, size_t n, char *out)
{
    utf8proc_uint8_t *m = NULL;
    size_t k = 0;
    out[0] = '\0';
    /* utf8proc_map wants valid UTF-8: copy the valid sequences only */
    char *v = malloc(n + 1);
    if (!v)
        return 0;
    size_t vn = 0;
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t l = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
                                              (utf8proc_ssize_t)(n - i), &cp);
        if (l <= 0 || cp == 0) {
            i++;
            continue;
        }
        memcpy(v + vn, s + i, (size_t)l);
        vn += (size_t)l;
        i += (size_t)l;
    }
    if (utf8proc_map((const utf8proc_uint8_t *)v, (utf8proc_ssize_t)vn, &m,
                     UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |
                         UTF8PROC_STABLE) < 0)
        m = NULL;
    free(v);
    if (!m)
        return 0;
    /* blanks (and control bytes) collapsed to one space */
    int space = 0;
    for (const unsigned char *p = m; *p; p++) {
        if (*p <= ' ') {
            space = k > 0;
            continue;
        }
        size_t need = space + 1;
        if (k + need > SCHEMA_KEY_MAX)
            break;
        if (space)
            out[k++] = ' ';
        space = 0;
        out[k++] = (char)*p;
    }
    /* a cut in the middle of a character goes back to its start */
    if (k > 0 && ((unsigned char)out[k - 1] & 0x80)) {
        size_t j = k;
        while (j > 0 && ((unsigned char)out[j - 1] & 0xC0) == 0x80)
            j--;
        /* j - 1 is the lead byte: whole when the sequence is complete */
        if (j > 0) {
            unsigned char lead = (unsigned char)out[j - 1];
            size_t len = lead >= 0xF0   ? 4
                         : lead >= 0xE0 ? 3
                         : lead >= 0xC0 ? 2
                                        : 1;
            if (k - (j - 1) < len)
                k = j - 1;
        }
    }
    while (k > 0 && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
    free(m);
    return k;
}
