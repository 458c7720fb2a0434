/* doctext: the stored text of an indexed document, read through the text
 * store (common/textstore) from its Xapian values. */
#ifndef CGLU_COMMON_DOCTEXT_H
#define CGLU_COMMON_DOCTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/textstore.h"
#include "common/xapian_c.h"

/* Where a document's blocks are read from: the ctx of doctext_fetch. */
typedef struct doctext_src {
    xc_db *db;
    uint32_t docid;
} doctext_src;

/* textstore_fetch_fn over a doctext_src: block k's value appended to into. */
int doctext_fetch(void *ctx, uint32_t k, buf_t *into);

/* The whole text of document docid whose head value (SCHEMA_V_TEXT) is
 * head[0..hlen): malloc'd, NUL-terminated into *text (freed by the
 * caller), *len bytes; *text NULL on failure. An empty head (a document
 * without text) is an empty text. */
textstore_status doctext_load(xc_db *db, uint32_t docid, const char *head,
                              size_t hlen, char **text, size_t *len);

#endif
