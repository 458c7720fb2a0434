/* langset: one analyzer per language, made the first time a language is
 * asked for: what the indexer's worker, its writer and the engine hold
 * when documents come in several languages. */
#ifndef CGLU_COMMON_LANGSET_H
#define CGLU_COMMON_LANGSET_H

#include <stddef.h>

#include "common/analyze.h"
#include "common/lang.h"

typedef struct langset langset;

/* An empty set whose analyzers keep cache_words words with their stems
 * (analyze_set_cache; 0: its default). NULL when out of memory; free with
 * langset_free(). */
langset *langset_new(size_t cache_words);
/* Frees the set and every analyzer it made (NULL allowed). */
void langset_free(langset *s);

/* The analyzer of language l, made when missing. It belongs to the set:
 * valid until langset_free, used by one thread at a time like any
 * analyzer. NULL when out of memory or its stemmer cannot be made (err
 * then says why, when not NULL). */
analyzer *langset_get(langset *s, const lang_info *l, char *err, size_t errlen);

#endif
