/* siteurl: --base-url and the urls made from it. */
#include "indexer/siteurl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/errmsg.h"
#include "common/url.h"

siteurl_status siteurl_base(const char *base, char **out, char *err,
                            size_t errlen)
{
    size_t n, start;

    *out = NULL;
    if (base == NULL) {
        errmsg_set(err, errlen, "no base url");
        return SITEURL_ERR_INVALID;
    }
    n = strlen(base);
    if (n == 0) {
        *out = strdup("");
        return *out ? SITEURL_OK : SITEURL_ERR_NOMEM;
    }
    if (n > SITEURL_MAX_BASE) {
        errmsg_set(err, errlen, "longer than %d bytes", SITEURL_MAX_BASE);
        return SITEURL_ERR_INVALID;
    }
    if (strncasecmp(base, "https://", 8) == 0)
        start = 8;
    else if (strncasecmp(base, "http://", 7) == 0)
        start = 7;
    else if (base[0] == '/' && base[1] != '/')
        start = 0; /* a path on the same site ("//host" is not one) */
    else {
        errmsg_set(err, errlen,
                   "must start with http://, https:// or / (a path on the "
                   "site)");
        return SITEURL_ERR_INVALID;
    }
    if (start > 0 && (base[start] == '\0' || base[start] == '/')) {
        errmsg_set(err, errlen, "has no host name");
        return SITEURL_ERR_INVALID;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)base[i];
        if (c <= 0x20 || c == 0x7F || c == '"' || c == '<' || c == '>' ||
            c == '\\' || c == '`') {
            errmsg_set(err, errlen,
                       "holds a blank, a control character or one "
                       "of \" < > \\ `");
            return SITEURL_ERR_INVALID;
        }
        if (c == '?' || c == '#') {
            errmsg_set(err, errlen, "holds a query or a fragment (? or #)");
            return SITEURL_ERR_INVALID;
        }
    }
    /* a folder: the page's path is added after a '/' */
    int slash = base[n - 1] == '/';
    *out = malloc(n + 2);
    if (*out == NULL)
        return SITEURL_ERR_NOMEM;
    memcpy(*out, base, n);
    if (!slash)
        (*out)[n++] = '/';
    (*out)[n] = '\0';
    return SITEURL_OK;
}

siteurl_status siteurl_join(const char *base, const char *relpath, buf_t *out)
{
    size_t start = out->len;
    int failed_before = out->failed;

    out->failed = 0; /* this call's appends alone */
    if (buf_puts(out, base) != BUF_OK ||
        url_encode(out, relpath, strlen(relpath), URL_PATH) != BUF_OK) {
        buf_truncate(out, start);
        out->failed = failed_before;
        return SITEURL_ERR_NOMEM;
    }
    out->failed = failed_before;
    return SITEURL_OK;
}

const char *siteurl_strerror(siteurl_status st)
{
    switch (st) {
    case SITEURL_OK:
        return "success";
    case SITEURL_ERR_INVALID:
        return "invalid base url";
    case SITEURL_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown status";
}
