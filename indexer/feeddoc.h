/* feeddoc: one feed entry (indexer/feed) made into the Xapian document of
 * common/schema.h, by the rules a file's page follows: its HTML or text
 * extracted, its language and section by indexer/docmeta, what the entry
 * gives taking the place of what the body says. The writer (indexer/sync)
 * decides whether to build it and writes it. */
#ifndef CGLU_INDEXER_FEEDDOC_H
#define CGLU_INDEXER_FEEDDOC_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/langset.h"
#include "common/xapian_c.h"
#include "indexer/feed.h"

/* The root of feed documents, in their unique key (schema_uid) and R term:
 * no folder's, since a folder's root is an absolute path. */
#define FEEDDOC_ROOT "feed:"

typedef enum {
    FEEDDOC_OK = 0,
    FEEDDOC_SKIP,      /* nothing to index (an empty body): msg says */
    FEEDDOC_FAILED,    /* the document could not be built: msg says */
    FEEDDOC_ERR_NOMEM, /* out of memory */
} feeddoc_status;

/* Build e (not a deletion) into *out, freed by the caller with
 * xc_doc_free(); its spelling words go to words (as docbuild_make's).
 * Analyzers come from langs, deflt for an entry that declares no language
 * (nor does its HTML). When the entry (or its HTML) declares a language
 * tag nobody knows, it is indexed in deflt and the tag is copied to
 * unknown (may be NULL; "" otherwise). Title and description are cut to
 * EXTRACT_MAX_TITLE and EXTRACT_MAX_DESCRIPTION bytes, and a url over
 * EXTRACT_MAX_URL is no url, as a page's. On anything but FEEDDOC_OK *out
 * is NULL and msg (may be NULL) holds one line. */
feeddoc_status feeddoc_build(const feed_entry *e, langset *langs,
                             const lang_info *deflt, xc_doc **out, buf_t *words,
                             char *unknown, size_t unknownlen, char *msg,
                             size_t msglen);

/* The content hash a feed document is stored with (SCHEMA_V_HASH): the
 * entry's and the extraction rules', so that an entry pushed again
 * unchanged is skipped, unless the rules changed. */
uint64_t feeddoc_hash(const feed_entry *e);

#endif
