/* snip: the highlighted excerpt of a document shown under a search hit. */
#ifndef CGLU_SEARCH_SNIP_H
#define CGLU_SEARCH_SNIP_H

#include <stddef.h>

#include "common/analyze.h"
#include "common/buf.h"

#define SNIP_DEFAULT_TARGET 200 /* characters of an excerpt */
#define SNIP_MAX_TARGET 1000    /* targets are clamped to [1, this] */
/* Highlight stems and prefixes looked for (more are ignored). */
#define SNIP_MAX_TERMS 64
/* Bytes of a document searched for matches: past them a match is not
 * looked for (bounded time on huge documents). */
#define SNIP_MAX_SCAN (1u << 20)
/* Matches collected; windows past the last one are not considered. */
#define SNIP_MAX_MATCHES 512

typedef enum {
    SNIP_OK = 0,
    SNIP_ERR_NOMEM, /* out of memory (buffer or analyzer) */
    SNIP_ERR_LIMIT, /* the output buffer reached its maximum */
} snip_status;

/* What to highlight, as query_parsed gives it (nothing is copied or
 * freed): a word is marked when its stem equals one of stems, or its fold
 * starts with one of prefixes. */
typedef struct snip_terms {
    char *const *stems;
    size_t nstems;
    char *const *prefixes;
    size_t nprefixes;
} snip_terms;

/* Append to out the excerpt of text[0..len) (UTF-8, any bytes) of about
 * target characters (clamped to [1, SNIP_MAX_TARGET]) that holds the most
 * distinct terms (then the most matches, then the earliest), HTML-escaped,
 * with each matching word in <mark></mark>, whitespace runs as one space,
 * control characters dropped, invalid UTF-8 as U+FFFD, and "…" where the
 * text is cut. Words are not cut (except a single word longer than the
 * whole excerpt when nothing matched). Without a match: the beginning of
 * the text. terms may be NULL. a is the thread's analyzer: its stemming is
 * switched off during the call and back on after it. On error out is left
 * as it was. */
snip_status snip_build(analyzer *a, const char *text, size_t len,
                       const snip_terms *terms, size_t target, buf_t *out);

const char *snip_strerror(snip_status st);

#endif
