/* analyze: the analyzer of one language (French by default), one code
 * path for documents and queries. */
#ifndef CGLU_COMMON_ANALYZE_H
#define CGLU_COMMON_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "common/lang.h"
#include "common/utf8.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bump when tokens, folding or stemming change: the index stores it and the
 * daemon refuses an index built by another version. */
#define ANALYZE_VERSION "cglu-analyze-3" /* 3: stop lists per language */

/* Words longer than this many bytes (after folding) are skipped: they are
 * hashes, base64 or garbage, and Xapian limits term length anyway. */
#define ANALYZE_MAX_WORD 64
/* Longest stem in bytes (its NUL excluded): room for a stemmer that would
 * lengthen a word, though Snowball's French only shortens. */
#define ANALYZE_MAX_STEM (ANALYZE_MAX_WORD * 2)

typedef enum {
    ANALYZE_OK = 0,
    ANALYZE_ERR_LANG,  /* not a language of lang_find, or libstemmer lacks it */
    ANALYZE_ERR_NOMEM, /* out of memory */
} analyze_status;

/* One token. Every pointer points into the analyzer's own buffers: valid
 * until the next analyze_next()/analyze_begin()/analyze_free() on the same
 * analyzer, NUL-terminated, never freed by the caller. */
typedef struct analyze_token {
    const char *exact; /* NFKC + casefold, accents kept, œ→oe: "élus" */
    size_t exact_len;
    const char *fold; /* exact with marks stripped: "elus" */
    size_t fold_len;
    const char *stem; /* stem of fold (fold before stem, see ARCHITECTURE) */
    size_t stem_len;
    /* stem of exact, then folded: Snowball's accent-dependent rules applied
     * ("intégrée", "intégré" -> "integr"). Equal to stem for words without
     * accents; with stemming off, the fold. */
    const char *astem;
    size_t astem_len;
    size_t offset;     /* byte offset of the word in the input (after any
                          elided "l'" prefix) */
    size_t length;     /* byte length of the word in the input */
    uint32_t position; /* 1 + index of the word in the text; consecutive */
    int stopword;      /* 1 when exact is a stop word of the language
                          (always 0 with stemming off) */
} analyze_token;

/* An analyzer holds a stemmer and scratch buffers: one per thread. */
typedef struct analyzer analyzer;

/* Create an analyzer for language lang, resolved by lang_find(): a code,
 * libstemmer name or tag ("fr", "French", "fr-FR", "es"); NULL is
 * lang_default(). Stop words and the French steps (elisions, frplural)
 * follow the language. On success *out is set and must be freed with
 * analyze_free(); on failure *out is NULL and, when err is not NULL, a message
 * is written there. */
analyze_status analyze_new(const char *lang, analyzer **out, char *err,
                           size_t errlen);
void analyze_free(analyzer *a); /* NULL is allowed */

/* The analyzer's libstemmer algorithm name, canonical whatever tag it was
 * created with ("fr-FR" gives "french"); static, never freed. */
const char *analyze_lang(const analyzer *a);

/* The analyzer's language (for its code); static, never freed. */
const lang_info *analyze_language(const analyzer *a);

/* Start tokenizing text[0..len) (any bytes: invalid UTF-8 and NUL are
 * separators). The text is not copied: it must outlive the iteration.
 * Positions start at first_position (use 1 for a fresh text). */
void analyze_begin(analyzer *a, const char *text, size_t len,
                   uint32_t first_position);

/* Fill *tok with the next token. Returns 1 when a token was produced,
 * 0 at the end of the text, -1 when out of memory (iteration ends). */
int analyze_next(analyzer *a, analyze_token *tok);

/* analyze_next for a caller that wants only where words are (snippets
 * placing a position, search/snip): the same tokens with the same offset,
 * length and position, but the forms and the stop-word flag are unset (NULL
 * and 0) for most words, whose normalising is skipped. */
int analyze_next_place(analyzer *a, analyze_token *tok);

/* Position the next token would get (one past the last produced). */
uint32_t analyze_position(const analyzer *a);

/* 1 when the lowercased word (token.exact form) is a stop word of the
 * analyzer's language (lang_info.stop: French, English, Spanish from
 * Snowball's lists; other languages: none). */
int analyze_is_stopword(const analyzer *a, const char *word, size_t len);

/* Stemming on (1, the default) or off (0). Off, tok->stem is the fold
 * form and tok->stopword 0: for callers that stem only the few words they
 * care about (the snippet builder), which is several times faster. */
void analyze_set_stemming(analyzer *a, int on);
/* Words the analyzer keeps with their stems (a cache: the same stems,
 * found faster), rounded down to a power of two, from
 * ANALYZE_CACHE_MIN to ANALYZE_CACHE_MAX; 64 bytes each, allocated at
 * the first stem. ANALYZE_CACHE_DEFAULT until set; an indexer reading
 * whole sites sets ANALYZE_CACHE_INDEX (docs/BENCHMARKS.md: 85 % of
 * man-fr's words found with 4,096, 92 % with 16,384). Call before the
 * first stem; later calls are ignored. */
#define ANALYZE_CACHE_MIN 64
#define ANALYZE_CACHE_DEFAULT 4096
#define ANALYZE_CACHE_INDEX 16384
#define ANALYZE_CACHE_MAX 65536
void analyze_set_cache(analyzer *a, size_t words);

/* Stem of an already folded word, in the analyzer's buffer (valid until
 * the next call on it); NULL when out of memory (*stem_len 1) or the word
 * is too long (*stem_len 0). The same function the tokens get their stem
 * from: French words go through frplural's endings first. */
const char *analyze_stem(analyzer *a, const char *fold, size_t len,
                         size_t *stem_len);

/* The accented stem of a word (token.astem): the stem of exact[0..
 * exact_len) with its marks stripped, fold being the word's fold. In the
 * analyzer's buffer (valid until the next call on it, distinct from
 * analyze_stem's); NULL when out of memory (*astem_len 1), or when the
 * word is too long or its stem folds to nothing (*astem_len 0). */
const char *analyze_astem(analyzer *a, const char *exact, size_t exact_len,
                          const char *fold, size_t fold_len, size_t *astem_len);

/* 1 when code point cp belongs to a word: letters, combining marks,
 * digits (Unicode categories L*, M*, N*). */
int analyze_is_word_cp(int32_t cp);

const char *analyze_strerror(analyze_status st);

#ifdef __cplusplus
}
#endif
#endif
