/* docmeta: a document's language and section, by the rules of
 * docs/INDEXING.md, for files (pipeline) and feed entries alike. */
#ifndef CGLU_INDEXER_DOCMETA_H
#define CGLU_INDEXER_DOCMETA_H

#include <stddef.h>

#include "common/lang.h"
#include "common/schema.h"

/* The language of a document: the one it declares (declared, may be NULL
 * or ""), else, with lang_path, the one its first folder names (relpath
 * "en/about.md" -> English; relpath may be NULL), else deflt. *unknown is
 * set to 1 when it declares a tag lang_find does not know (the caller may
 * say so; the rules go on as if it declared none), else 0. Never NULL. */
const lang_info *docmeta_lang(const char *declared, const char *relpath,
                              int lang_path, const lang_info *deflt,
                              int *unknown);

/* The section of a document into out (SCHEMA_KEY_MAX + 1 bytes, as
 * written, cut there): the one it declares, else the first folder of
 * relpath under its root, skipping a folder that names a language when
 * lang_path is on (en/news/x.md -> "news"); "" when none (a file at the
 * root). */
void docmeta_section(const char *declared, const char *relpath, int lang_path,
                     char *out);

#endif
