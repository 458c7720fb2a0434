/* esplural: Spanish plural endings rewritten to the singular before
 * Snowball's Spanish stemmer runs, which leaves many pairs apart
 * ("gobiernos" -> "gobi" but "gobierno" -> "gobiern": it reads "-nos" as
 * a pronoun; "ciudades" -> "ciudad" but "ciudad" -> "ciud"). A light
 * step in the spirit of J. Savoy's Spanish stemmer, written from its
 * description: the regular plural endings only. Used for documents and
 * queries alike, like common/frplural for French. */
#ifndef CGLU_COMMON_ESPLURAL_H
#define CGLU_COMMON_ESPLURAL_H

#include <stddef.h>

/* Rewrite word w[0..n) (lowercase UTF-8, accents kept or not) whose fold
 * is fold[0..fold_n) into out (at least n + 1 bytes: it never grows),
 * NUL-terminated; returns its length. The rules read the fold and cut an
 * ASCII ending that the word and its fold share, so "regiones" and its
 * accented twin are cut alike; otherwise the word is copied unchanged. */
size_t esplural_norm(const char *w, size_t n, const char *fold, size_t fold_n,
                     char *out);

#endif
