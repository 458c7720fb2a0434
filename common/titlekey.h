/* titlekey: one term that names the set of words of a title, so that a
 * query naming the same set (in any order, any inflection, accents or
 * not) finds "its" title as one term lookup: the exactness rule of
 * search/rank.h. Written by the indexer for each title, built by the
 * engine for a query's words and for each subset of them. */
#ifndef CGLU_COMMON_TITLEKEY_H
#define CGLU_COMMON_TITLEKEY_H

#include <stddef.h>

#include "common/analyze.h"

/* Distinct words a key is made of; a title with more has no key (no query
 * of the daemon's length equals it). */
#define TITLEKEY_MAX_WORDS 16
/* Bytes of a key term: the prefix letter, 16 hex digits, NUL. */
#define TITLEKEY_TERM_SIZE 18

/* The words of one title or query: distinct stems, stop words apart (a
 * key leaves them out unless there is nothing else). Fixed size, no
 * allocation; zero it (or titlekey_init) before use. */
typedef struct titlekey {
    char stems[TITLEKEY_MAX_WORDS][ANALYZE_MAX_STEM + 1];
    unsigned char stop[TITLEKEY_MAX_WORDS];
    size_t n;
    int overflow; /* more distinct words than TITLEKEY_MAX_WORDS */
} titlekey;

void titlekey_init(titlekey *k);

/* Add a word's stem (stop: 1 for a stop word); a stem already there is
 * not added twice (a stop word seen again as a content word counts as
 * content). */
void titlekey_add(titlekey *k, const char *stem, size_t len, int stop);

/* The term of the words of k whose bit is set in mask (bit i: the i-th
 * word added; ~0u: all) into out (TITLEKEY_TERM_SIZE bytes); stop words
 * count only when no content word is in the mask. Returns the term's
 * length, 0 when there is none (no word, or overflow). */
size_t titlekey_term(const titlekey *k, unsigned mask, char *out);

#endif
