/* docbuild: turn one extracted document into the Xapian document laid out
 * as common/schema.h says (terms, positions, values, data). */
#ifndef CGLU_INDEXER_DOCBUILD_H
#define CGLU_INDEXER_DOCBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "common/analyze.h"
#include "common/buf.h"
#include "common/xapian_c.h"
#include "indexer/extract.h"
#include "indexer/spell.h"

/* Tags kept per document (extract's limit; a feed's too). */
#define DOCBUILD_MAX_TAGS 32

typedef enum {
    DOCBUILD_OK = 0,
    DOCBUILD_ERR_NOMEM,
    DOCBUILD_ERR_XAPIAN, /* building the document failed */
} docbuild_status;

/* Everything docbuild reads; nothing here is taken over or freed. */
typedef struct docbuild_input {
    const char *id;      /* the public id (DOC): the relative path, after
                            the folder's prefix when a run has several */
    const char *relpath; /* path in its folder: with root, the unique key */
    const char *title;
    size_t title_len;
    const char *url;
    const char *text; /* extracted UTF-8 text, no NUL inside */
    size_t text_len;
    /* Ranges of text (extract_doc's): words there weigh as a heading's or
     * the lead's (search/rank.h); headings in order, without overlap. */
    const extract_range *headings; /* may be NULL when nheadings is 0 */
    size_t nheadings;
    extract_range lead; /* {0, 0}: none */
    /* Metadata (extract_doc's, resolved by the caller); "" or NULL when
     * unknown. The document's language is the analyzer's. */
    const char *date;        /* "YYYY-MM-DD" */
    const char *section;     /* as written: its key is indexed */
    const char *const *tags; /* ntags tags as written */
    size_t ntags;
    const char *description;
    const char *root; /* absolute path of the folder given */
    int64_t mtime;
    long mtime_nsec;
    uint64_t size;
    uint64_t hash;
} docbuild_input;

/* Build the document, in the language of a (its stems carry the
 * language's code, common/schema.h). On success *out is a new document the
 * caller frees with xc_doc_free(); words (may be NULL) gets every word
 * occurrence that goes into the spelling dictionary, each NUL-terminated (a
 * worker thread builds documents; the thread that owns the spell table adds
 * them with docbuild_spell_words). On failure *out is NULL and err says why. */
docbuild_status docbuild_make(analyzer *a, const docbuild_input *in,
                              buf_t *words, xc_doc **out, char *err,
                              size_t errlen);

/* Add +1 for each NUL-terminated word of words[0..len). */
docbuild_status docbuild_spell_words(spell_table *spell, const char *words,
                                     size_t len);

/* What a page's spelling words are made from, hashed: its language's
 * name, title and text. A page replaced by one of the same sum adds and
 * takes away the same words: the writer leaves the spelling table alone
 * (in a --rebuild, most pages). */
uint64_t docbuild_spell_sum(const char *lang, const char *title,
                            size_t title_len, const char *text,
                            size_t text_len);

/* Add delta for every spelling word of text (title or body): used with -1
 * on the old text of a document that is replaced or deleted. */
docbuild_status docbuild_spell_text(analyzer *a, const char *text, size_t len,
                                    spell_table *spell, int32_t delta);

#endif
