/* siteurl: the address of a page that does not give its own (--base-url
 * plus its path, percent-encoded), and the rules for a base url. */
#ifndef CGLU_INDEXER_SITEURL_H
#define CGLU_INDEXER_SITEURL_H

#include <stddef.h>

#include "common/buf.h"

/* Longest base url accepted, in bytes. */
#define SITEURL_MAX_BASE 1024

typedef enum {
    SITEURL_OK = 0,
    SITEURL_ERR_INVALID, /* not an http(s) url or a path from the site root */
    SITEURL_ERR_NOMEM,   /* out of memory, or past the buffer's maximum */
} siteurl_status;

/* Check base and write its normal form to *out (malloc'd, the caller frees
 * it): "https://HOST/PATH" or "http://..." or "/PATH" (same site), ending
 * in '/', without query, fragment, blanks or control characters. "" is
 * accepted as "no base url" (*out is ""). On failure *out is NULL and err
 * (may be NULL) says why. */
siteurl_status siteurl_base(const char *base, char **out, char *err,
                            size_t errlen);

/* Append base (a normal form from siteurl_base) and relpath ('/'-separated,
 * any bytes) to out, each segment of relpath percent-encoded: every byte
 * but A-Z a-z 0-9 - . _ ~ becomes %XX, so spaces, accents, '?', '#' and
 * '%' itself can never change what the url points at. On failure out is
 * left as it was (buf's rule). */
siteurl_status siteurl_join(const char *base, const char *relpath, buf_t *out);

const char *siteurl_strerror(siteurl_status st);

#endif
