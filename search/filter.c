/* filter: the options that narrow and order a search (see filter.h). */
#include "search/filter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/lang.h"

#define STR_(x) #x
#define STR(x) STR_(x)

const char *const filter_names[] = {"lang",   "section", "tag",   "after",
                                    "before", "sort",    "facets"};
const size_t filter_nnames = sizeof filter_names / sizeof filter_names[0];

static int is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* A real calendar date YYYY-MM-DD (year 1 to 9999) into out. */
static int read_date(const char *s, size_t n, char out[FILTER_DATE_SIZE])
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (size_t i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
            (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
        (m == 2 && d == 29 && !leap))
        return -1;
    memcpy(out, s, 10);
    out[10] = '\0';
    return 0;
}

/* Calls fn for each comma-separated item of s[0..n) (blanks around kept:
 * the caller trims); stops at the first non-zero. */
typedef int (*item_fn)(const char *s, size_t n, void *ctx);
static int each_item(const char *s, size_t n, item_fn fn, void *ctx)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != ',')
            continue;
        int r = fn(s + start, i - start, ctx);
        if (r)
            return r;
        start = i + 1;
    }
    return 0;
}

static int add_tag(const char *s, size_t n, void *ctx)
{
    filter *f = ctx;
    char key[SCHEMA_KEY_MAX + 1];
    if (schema_key(s, n, key) == 0)
        return -1; /* an empty tag: "tag=a,,b" is a mistake */
    for (size_t i = 0; i < f->ntags; i++)
        if (strcmp(f->tags[i], key) == 0)
            return 0;
    if (f->ntags == FILTER_MAX_TAGS)
        return -1;
    memcpy(f->tags[f->ntags++], key, strlen(key) + 1);
    return 0;
}

static int add_facet(const char *s, size_t n, void *ctx)
{
    unsigned *bits = ctx;
    while (n > 0 && s[0] == ' ')
        s++, n--;
    while (n > 0 && s[n - 1] == ' ')
        n--;
    if (is(s, n, "lang"))
        *bits |= FILTER_FACET_LANG;
    else if (is(s, n, "section"))
        *bits |= FILTER_FACET_SECTION;
    else if (is(s, n, "tag") || is(s, n, "tags"))
        *bits |= FILTER_FACET_TAG;
    else
        return -1;
    return 0;
}

filter_status filter_set(filter *f, const char *name, size_t nlen,
                         const char *val, size_t vlen, char *msg, size_t msglen)
{
    const char *what = NULL;
    if (is(name, nlen, "lang")) {
        const lang_info *l = lang_find(val, vlen);
        if (l) {
            snprintf(f->lang, sizeof f->lang, "%s", l->code);
            return FILTER_OK;
        }
        what = "a language code or name (fr, en, es, french...)";
    } else if (is(name, nlen, "section")) {
        char key[SCHEMA_KEY_MAX + 1]; /* a bad value leaves f alone */
        if (schema_key(val, vlen, key) > 0) {
            memcpy(f->section, key, sizeof key);
            return FILTER_OK;
        }
        what = "a section name";
    } else if (is(name, nlen, "tag")) {
        filter t = *f;
        t.ntags = 0;
        if (each_item(val, vlen, add_tag, &t) == 0 && t.ntags > 0) {
            memcpy(f->tags, t.tags, sizeof f->tags);
            f->ntags = t.ntags;
            return FILTER_OK;
        }
        what = "a comma list of 1 to " STR(FILTER_MAX_TAGS) " tags";
    } else if (is(name, nlen, "after") || is(name, nlen, "before")) {
        char *out = is(name, nlen, "after") ? f->after : f->before;
        if (read_date(val, vlen, out) == 0)
            return FILTER_OK;
        what = "a date YYYY-MM-DD";
    } else if (is(name, nlen, "sort")) {
        if (is(val, vlen, "relevance") || is(val, vlen, "date")) {
            f->sort = is(val, vlen, "date") ? FILTER_SORT_DATE
                                            : FILTER_SORT_RELEVANCE;
            return FILTER_OK;
        }
        what = "relevance or date";
    } else if (is(name, nlen, "facets")) {
        unsigned bits = 0;
        if (each_item(val, vlen, add_facet, &bits) == 0 && bits) {
            f->facets = bits;
            return FILTER_OK;
        }
        what = "a comma list of lang, section, tag";
    } else {
        return FILTER_UNKNOWN;
    }
    snprintf(msg, msglen, "option %.*s takes %s", (int)nlen, name, what);
    return FILTER_BAD;
}

int filter_none(const filter *f)
{
    return !f->lang[0] && !f->section[0] && !f->ntags && !f->after[0] &&
           !f->before[0] && f->sort == FILTER_SORT_RELEVANCE && !f->facets;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t filter_key(const filter *f, char *out)
{
    size_t n = 0;
#define PUT(s)                                                                 \
    do {                                                                       \
        size_t l_ = strlen(s);                                                 \
        memcpy(out + n, s, l_ + 1);                                            \
        n += l_ + 1;                                                           \
    } while (0)
    /* tags in byte order: tag=a,b and tag=b,a keep the same pages */
    const char *tags[FILTER_MAX_TAGS] = {0};
    for (size_t i = 0; i < f->ntags && i < FILTER_MAX_TAGS; i++)
        tags[i] = f->tags[i];
    qsort(tags, f->ntags, sizeof *tags, cmp_str);
    PUT(f->lang);
    PUT(f->section);
    for (size_t i = 0; i < f->ntags; i++)
        PUT(tags[i]);
    out[n++] = '\0'; /* the end of the tags */
    PUT(f->after);
    PUT(f->before);
#undef PUT
    out[n++] = (char)('0' + f->sort);
    out[n++] = (char)('0' + f->facets);
    return n;
}
