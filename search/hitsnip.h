/* hitsnip: a hit's snippet from the index: its stored text (common/
 * textstore) and the positions of the query's stems in it, handed to
 * search/snip. */
#ifndef CGLU_SEARCH_HITSNIP_H
#define CGLU_SEARCH_HITSNIP_H

#include <stddef.h>
#include <stdint.h>

#include "common/analyze.h"
#include "common/buf.h"
#include "common/lang.h"
#include "common/xapian_c.h"
#include "search/snip.h"

/* Scratch kept between hits (one per thread), so that a hit's snippet
 * allocates nothing once the thread has snipped a few: owned by its
 * thread's engine (search/engine); zero it; hitsnip_free() frees what it
 * holds. Bounded: the positions' room (128 KB), the reader's decoded
 * blocks and table (TEXTSTORE_CACHE blocks, TEXTSTORE_KEEP) and the
 * snippet's slice (SNIP_SCRATCH_KEEP, the prefix scan's 1 MB). */
typedef struct hitsnip {
    uint32_t *posbuf;     /* SNIP_MAX_MATCHES positions per stem */
    textstore ts;         /* the last hit's reader, reopened for the next: its
                             memory only (its head was the last hit's) */
    snip_scratch scratch; /* snip_build_stored's slice */
} hitsnip;

/* Append to out the snippet of document docid of db, whose head value
 * (SCHEMA_V_TEXT) is head[0..hlen) (an empty head: no text, nothing
 * appended), in language lang analysed by an, for terms (whose stems are
 * looked up as the language's Z terms), of about target characters.
 * snip_build_stored's statuses: SNIP_ERR_TEXT when the text or the
 * positions could not be read (the index moved under the read, or a
 * damaged value); out is left as it was on error. */
snip_status hitsnip_build(hitsnip *hs, xc_db *db, uint32_t docid,
                          const char *head, size_t hlen, const lang_info *lang,
                          analyzer *an, const snip_terms *terms, size_t target,
                          buf_t *out);

void hitsnip_free(hitsnip *hs); /* a zeroed one is fine */

#endif
