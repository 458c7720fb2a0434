/* filter: what a search keeps and how it orders it, beyond the query
 * text: language, section, tags, a date range, the sort order and the
 * facets to count. Front ends read each option with filter_set() (the
 * line protocol's SEARCH lang=en, HTTP's ?lang=en: the same rules and
 * messages); the engine applies the result. Plain data, copied by value:
 * nothing to free. */
#ifndef CGLU_SEARCH_FILTER_H
#define CGLU_SEARCH_FILTER_H

#include <stddef.h>

#include "common/schema.h"

/* Tags of one tag= option (a comma list: any of them). */
#define FILTER_MAX_TAGS 8
/* Bytes of a language code kept ("fr", NUL). */
#define FILTER_LANG_SIZE (SCHEMA_LANG_CODE_LEN + 1)
/* "YYYY-MM-DD" and its NUL. */
#define FILTER_DATE_SIZE 11

typedef enum {
    FILTER_SORT_RELEVANCE = 0,
    FILTER_SORT_DATE, /* newest first; undated documents last */
} filter_sort;

/* Facets, as bits of filter.facets. */
enum {
    FILTER_FACET_LANG = 1,
    FILTER_FACET_SECTION = 2,
    FILTER_FACET_TAG = 4,
};
#define FILTER_NFACETS 3

typedef struct filter {
    char lang[FILTER_LANG_SIZE];                    /* "" any; else a code */
    char section[SCHEMA_KEY_MAX + 1];               /* "" any; a key */
    char tags[FILTER_MAX_TAGS][SCHEMA_KEY_MAX + 1]; /* keys: any of them */
    size_t ntags;
    char after[FILTER_DATE_SIZE];  /* "" none; dated on or after */
    char before[FILTER_DATE_SIZE]; /* "" none; dated on or before */
    filter_sort sort;
    unsigned facets; /* FILTER_FACET_* bits */
} filter;

typedef enum {
    FILTER_OK = 0,
    FILTER_UNKNOWN, /* not a filter option: the caller's to say */
    FILTER_BAD,     /* a bad value: msg names the option */
} filter_status;

/* The names filter_set() takes, for usage lines: "lang", "section",
 * "tag", "after", "before", "sort", "facets". */
extern const char *const filter_names[];
extern const size_t filter_nnames;

/* Read option name[0..nlen) = val[0..vlen) into *f (zeroed first by the
 * caller: every field empty is "no filter"). Values: lang= a language code
 * or name (common/lang); section= any text (compared by its key,
 * schema_key); tag= a comma list of at most FILTER_MAX_TAGS tags;
 * after=/before= a real date YYYY-MM-DD; sort= relevance or date; facets=
 * a comma list of lang, section, tag. Setting one option twice keeps the
 * last. FILTER_BAD writes the bad_request message (naming the option and
 * what it takes) to msg. */
filter_status filter_set(filter *f, const char *name, size_t nlen,
                         const char *val, size_t vlen, char *msg,
                         size_t msglen);

/* 1 when f keeps every document in relevance order with no facet. */
int filter_none(const filter *f);

/* Append f's canonical bytes (a cache key part: two filters that keep
 * the same documents the same way give the same bytes) to out, at most
 * FILTER_KEY_MAX bytes; returns how many. */
#define FILTER_KEY_MAX                                                         \
    (FILTER_LANG_SIZE + (SCHEMA_KEY_MAX + 1) * (FILTER_MAX_TAGS + 1) +         \
     2 * FILTER_DATE_SIZE + 4)
size_t filter_key(const filter *f, char *out);

#endif
