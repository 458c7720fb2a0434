/* query: turn a user's search text into Xapian query trees, forgivingly. */
#ifndef CGLU_SEARCH_QUERY_H
#define CGLU_SEARCH_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "common/analyze.h"
#include "common/schema.h"
#include "common/xapian_c.h"

/* Limits: past them the rest is ignored and query_parsed.truncated is set,
 * so that any input costs a bounded amount of parsing and searching. */
#define QUERY_MAX_INPUT 8192    /* bytes of text read; the rest is cut */
#define QUERY_MAX_TERMS 32      /* positive terms, phrase words included */
#define QUERY_MAX_PHRASES 8     /* positive phrases (quoted or porto-novo) */
#define QUERY_MAX_PHRASE_LEN 16 /* words of one phrase; longer ones cut */
#define QUERY_MAX_EXCLUDED 16   /* -word / -"phrase" items */
#define QUERY_MAX_EXPANSION 64  /* terms a prefix gouv* expands to */

/* Synonyms (query_parse_db): bounds on what the index's synonym table may
 * add to one query, whatever the table holds. */
/* Words of a span looked up: the longest entry the indexer stores. */
#define QUERY_MAX_SYNONYM_WORDS SCHEMA_SYNONYM_MAX_WORDS
#define QUERY_MAX_SYNONYMS 16 /* synonyms used for one span */
/* Terms all the synonyms of a query add (a synonym of several words adds
 * each); past it, further synonyms are left out. */
#define QUERY_MAX_SYNONYM_TERMS 64
/* Look-ups in the synonym table (each a B-tree read): the longest spans
 * are tried first, so 32 words cost at most this many. */
#define QUERY_MAX_SYNONYM_LOOKUPS 128

typedef enum {
    QUERY_OK = 0,
    QUERY_ERR_NOMEM, /* out of memory (also in a Xapian constructor) */
} query_status;

/* A plain word of the query, for "did you mean": its exact form (as the
 * E terms hold it) and fold, and where it sits in the text given to
 * query_parse (after any elided "l'"). */
typedef struct query_word {
    char *exact;   /* NUL-terminated, owned by the query_parsed */
    char *fold;    /* NUL-terminated, owned by the query_parsed */
    char *stem;    /* its stem (as Z terms hold it), owned likewise */
    size_t offset; /* byte span of the word in the original text */
    size_t length;
    /* 1: the word is part of a span the index's synonym table knows (the
     * index knows it, even when no document holds it): not a typo. */
    int synonym;
} query_word;

/* Everything query_parse produces; the whole struct is owned by the caller
 * and released with query_parsed_free(). */
typedef struct query_parsed {
    /* AND of the positive items (each plain word also boosted by its exact
     * form, and all plain words by their proximity), minus the excluded
     * items. Never NULL after QUERY_OK (matches nothing when empty). */
    xc_query *strict;
    /* The same with the plain words, prefixes and OR groups ORed instead of
     * ANDed (phrases and title: items stay required): for the daemon to run
     * when strict finds nothing. NULL when there is nothing to relax (at
     * most one such item). */
    xc_query *relaxed;
    /* Distinct stems of the positive words (excluded ones left out, stop
     * words too unless the query has nothing else): a word of a document
     * whose stem is one of these is highlighted. */
    char **stems;
    size_t nstems;
    /* Folded prefixes of prefix items (gouv*): a document word whose fold
     * starts with one is highlighted. */
    char **prefixes;
    size_t nprefixes;
    /* Plain words (stop words left out unless kept), in query order, spans
     * ascending and disjoint: what spelling correction looks at. */
    query_word *words;
    size_t nwords;
    int empty;     /* 1: nothing positive to search for (strict matches
                      nothing): punctuation only, only exclusions, ... */
    int truncated; /* 1: a limit above dropped part of the query */
} query_parsed;

/* Parse text[0..len) (any bytes; only the first QUERY_MAX_INPUT are read)
 * with analyzer a, the one documents are indexed with (its stemming is
 * switched on). Syntax: plain words, "exact phrase" (an unbalanced quote
 * runs to the end; « », “ ” are quotes too), -word and -"phrase" (exclude),
 * word OR word (uppercase), prefix* (3 folded characters or more), and
 * title:word or title:"several words" (also titre:). On QUERY_OK *out is
 * filled (free with query_parsed_free); on failure *out is zeroed. Never
 * fails on content, only for lack of memory. */
query_status query_parse(analyzer *a, const char *text, size_t len,
                         query_parsed *out);

/* query_parse with synonyms: each run of consecutive plain words (not
 * quoted, excluded or joined by OR; stop words included) is looked up in
 * db's synonym table (indexer/synonyms.h: keys are stems joined by one
 * space), longest spans first, up to QUERY_MAX_SYNONYM_WORDS words. A span
 * found becomes one item, weighed as one term (OP_SYNONYM): the span itself
 * (a word as usual, several words as a phrase) and each synonym (a term,
 * or the phrase of its words); relaxing ORs it like a word. The stems of its
 * one-word synonyms (stop words left out) join stems (those of several words
 * would be highlighted apart, see query.c), and its words are marked synonym.
 * Every QUERY_MAX_SYNONYM* bound holds. db NULL, or a table that cannot be read
 * (its error is left on db): no synonyms, query_parse exactly. */
query_status query_parse_db(analyzer *a, xc_db *db, const char *text,
                            size_t len, query_parsed *out);

/* Free everything *q holds and zero it (NULL allowed). */
void query_parsed_free(query_parsed *q);

/* Rebuild a query text with some words replaced: orig[0..len) with the
 * span of words[i] replaced by repl[i] (a NUL-terminated string; NULL keeps
 * the word), for i < n. words must be ascending and disjoint and within
 * len, as query_parse gives them. Returns a malloc'd NUL-terminated string
 * the caller frees, or NULL when out of memory or the spans are invalid. */
char *query_replace_words(const char *orig, size_t len, const query_word *words,
                          const char *const *repl, size_t n);

const char *query_strerror(query_status st);

#endif
