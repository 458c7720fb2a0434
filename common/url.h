/* url: the one percent-encoder, for the three places a URL is made: a
 * page's url from its path (cglu-index --base-url), and the search page's
 * links (their query written as the page's form would send it). */
#ifndef CGLU_COMMON_URL_H
#define CGLU_COMMON_URL_H

#include <stddef.h>

#include "common/buf.h"

typedef enum {
    URL_COMPONENT, /* RFC 3986: unreserved bytes (A-Z a-z 0-9 - . _ ~) kept */
    URL_PATH,      /* the same, and "/" kept */
    URL_FORM,      /* application/x-www-form-urlencoded, as a browser's form
                      and URLSearchParams: A-Z a-z 0-9 * - . _ kept, space
                      as "+" */
} url_mode;

/* Append s[0..n) percent-encoded by mode's rule (other bytes as %XX,
 * upper-case hex) to out. Returns BUF_OK, or the buf_status that stopped
 * it (out is then cut back to its length on entry). */
buf_status url_encode(buf_t *out, const char *s, size_t n, url_mode mode);

#endif
