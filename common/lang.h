/* lang: the languages the analyzer knows, one table: libstemmer algorithm,
 * ISO 639 codes, stop words and whether the French steps apply. */
#ifndef CGLU_COMMON_LANG_H
#define CGLU_COMMON_LANG_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest language tag lang_find() accepts, in bytes: the length BCP 47
 * asks implementations to support at least ("fr-FR", "es-419" are far
 * shorter). Longer input is refused, not truncated. */
#define LANG_MAX_TAG 35

/* Languages the table holds at most: what an index may hold, so what the
 * engine and the indexer size their lists by (lang.c checks the table
 * fits). */
#define LANG_MAX 32

/* One language. Every field is static: never freed, valid for the whole
 * program. */
typedef struct lang_info {
    const char *code;  /* ISO 639-1, lowercase: "fr" */
    const char *name;  /* libstemmer algorithm: "french" */
    const char *iso3;  /* ISO 639-2/T: "fra" */
    const char *iso3b; /* ISO 639-2/B when it differs ("fre"), else NULL */
    /* Stop words in the analyzer's exact form (NFKC + casefold, accents
     * kept), sorted by bytes, no duplicates; NULL and 0 for none. */
    const char *const *stop;
    size_t nstop;
    int french; /* French elisions before stemming */
    /* The language's plural step before Snowball (common/frplural,
     * common/esplural), same contract as frplural_norm; NULL for none. */
    size_t (*plural)(const char *w, size_t n, const char *fold, size_t fold_n,
                     char *out);
} lang_info;

/* The language that tag s[0..n) names, or NULL. Accepted, ASCII case
 * ignored: the ISO 639-1 code ("fr"), the libstemmer name ("French"), the
 * ISO 639-2 codes ("fra", "fre"), and a BCP 47 tag or POSIX locale whose
 * primary subtag is one of those ("fr-FR", "en_GB", "es-419"): the primary
 * subtag decides, the others (1 to 8 letters or digits each) are only
 * checked. NULL for an empty or longer than LANG_MAX_TAG tag, an unknown
 * language, an empty subtag, or any other byte ("en_US.UTF-8" included).
 * s need not be NUL-terminated; NULL s gives NULL. */
const lang_info *lang_find(const char *s, size_t n);

/* The language used when none is given: French. Never NULL. */
const lang_info *lang_default(void);

/* Number of languages, and the i-th (0 <= i < lang_count(), in libstemmer
 * name order; NULL past the end): for listing them. */
size_t lang_count(void);
const lang_info *lang_at(size_t i);

/* 1 when word[0..len) (exact form, as lang_info.stop) is one of l's stop
 * words, else 0 (also for a NULL l). */
int lang_is_stopword(const lang_info *l, const char *word, size_t len);

#ifdef __cplusplus
}
#endif
#endif
