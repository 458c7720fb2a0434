/* snip: the highlighted excerpt of a document shown under a search hit. */
#ifndef CGLU_SEARCH_SNIP_H
#define CGLU_SEARCH_SNIP_H

#include <stddef.h>

#include <stdint.h>

#include "common/analyze.h"
#include "common/buf.h"
#include "common/textstore.h"

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
    SNIP_ERR_TEXT,  /* a stored text could not be read (textstore) */
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

/* Room snip_build_stored keeps between calls, so that a thread snipping
 * hit after hit does not allocate and free a slice (up to about
 * SNIP_MAX_SCAN bytes for a prefix) per hit. Owned by the caller (one per
 * thread): zero it; snip_scratch_free() frees it. */
typedef struct snip_scratch {
    char *data; /* room bytes, malloc'd */
    size_t room;
} snip_scratch;

/* Bytes a scratch keeps after a call: more (a slice widened over a long
 * run of blanks) is freed. The prefix scan's slice fits. */
#define SNIP_SCRATCH_KEEP (SNIP_MAX_SCAN + (64u << 10))

void snip_scratch_free(snip_scratch *s); /* a zeroed one is fine */

/* Where the words of terms->stems are in a stored text: for stem i (in
 * order), pos[i][0..npos[i]) are the body positions of the words whose
 * stem it is (the index's postings, search/engine), ascending. Nothing is
 * copied or freed. */
typedef struct snip_positions {
    const uint32_t *const *pos;
    const size_t *npos;
} snip_positions;

/* The excerpt of a stored text (common/textstore) with snip_build's
 * content and rules, reading only the bytes around its window: matches
 * come from pp (their bytes found through the text's position table) and
 * the window's bytes are decoded alone, so the cost does not grow with
 * the text. Differences from snip_build on the same text, each because a
 * position says more than the letters: a word is a match when the index
 * gave it the term's stem (a plural such as "yeux" counts as its
 * singular's term, not as a term of its own; an elided article, the "l"
 * of "l'État", is no word), and the scan stops one
 * window after a window holds every term the text has (snip_build waits
 * for every term of the query). Terms with prefixes, or pp NULL: the
 * text's first SNIP_MAX_SCAN bytes are decoded and scanned as snip_build
 * does. SNIP_ERR_TEXT when the text could not be read (out is left as it
 * was). ts is the caller's reader, left open. scratch: the caller's room
 * (see above), or NULL for room of the call's own. */
snip_status snip_build_stored(analyzer *a, textstore *ts,
                              const snip_terms *terms, const snip_positions *pp,
                              size_t target, snip_scratch *scratch, buf_t *out);

const char *snip_strerror(snip_status st);

#endif
