/* synonyms: synonym files parsed line by line into analysed groups of one
 * language, and the index's synonym table compared with the union of
 * several languages' groups and replaced by it. */
#include "indexer/synonyms.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/errmsg.h"
#include "common/utf8.h"

/* Bytes of an entry quoted in a message: enough to recognise it. */
#define QUOTE_MAX 40
/* Bytes of a message: a path, a line number and a quoted entry. */
#define MSG_MAX 1024

typedef struct group {
    char **keys; /* malloc'd, each malloc'd, each "code:stems" */
    size_t n;
} group;

struct synonyms {
    analyzer *a;      /* borrowed */
    const char *code; /* a's language code: static (common/lang) */
    size_t plen;      /* bytes of "code:" that start every key */
    group *groups;
    size_t n, cap;
};

/* A pair of the table: a key and, as its value, another key of its group
 * past the code (both keys of a group share it). */
typedef struct pair {
    const char *key, *value; /* borrowed from the groups */
} pair;

/* The line being parsed, for messages. */
typedef struct line_ctx {
    const char *name;
    size_t lineno;
    synonyms_report_fn report;
    void *ctx;
    size_t *nbad;
} line_ctx;

const char *synonyms_strerror(synonyms_status st)
{
    switch (st) {
    case SYNONYMS_OK:
        return "success";
    case SYNONYMS_ERR_READ:
        return "cannot read a synonyms file";
    case SYNONYMS_ERR_NOMEM:
        return "out of memory";
    case SYNONYMS_ERR_DB:
        return "index error";
    }
    return "unknown error";
}

synonyms_status synonyms_new(analyzer *a, synonyms **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return SYNONYMS_ERR_NOMEM;
    (*out)->a = a;
    (*out)->code = analyze_language(a)->code;
    (*out)->plen = strlen((*out)->code) + 1;
    return SYNONYMS_OK;
}

static void group_free(group *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->keys[i]);
    free(g->keys);
}

void synonyms_free(synonyms *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        group_free(&s->groups[i]);
    free(s->groups);
    free(s);
}

size_t synonyms_ngroups(const synonyms *s)
{
    return s->n;
}

const char *const *synonyms_group(const synonyms *s, size_t i, size_t *n)
{
    *n = s->groups[i].n;
    return (const char *const *)s->groups[i].keys;
}

/* Report "NAME:LINE: message" and count the line as refused. */
__attribute__((format(printf, 2, 3))) static void bad(line_ctx *l,
                                                      const char *fmt, ...)
{
    char what[MSG_MAX], msg[MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    errmsg_vset(what, sizeof what, fmt, ap);
    va_end(ap);
    if (l->nbad)
        (*l->nbad)++;
    if (!l->report)
        return;
    errmsg_set(msg, sizeof msg, "%s:%zu: %s", l->name, l->lineno, what);
    l->report(msg, l->ctx);
}

/* Bytes of e[0..n) quoted in a message: at most QUOTE_MAX, cut on a
 * UTF-8 boundary (the line was checked valid). */
static int quoted_len(const char *e, size_t n)
{
    if (n <= QUOTE_MAX)
        return (int)n;
    n = QUOTE_MAX;
    while (n > 0 && ((unsigned char)e[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The key of entry e[0..n), "code:stems", into key (XC_MAX_TERM + 1
 * bytes; the limit counts the code, as the query's lookup does): 1 when
 * made, 0 when there is none (empty after trimming), -1 when refused
 * (said), -2 when out of memory. */
static int entry_key(synonyms *s, line_ctx *l, const char *e, size_t n,
                     char key[XC_MAX_TERM + 1])
{
    analyze_token t;
    size_t words = 0, len = s->plen, stops = 0;
    int r;

    while (n > 0 && is_blank(*e)) {
        e++;
        n--;
    }
    while (n > 0 && is_blank(e[n - 1]))
        n--;
    if (n == 0)
        return 0;                      /* "a,,b" or a trailing comma */
    memcpy(key, s->code, s->plen - 1); /* a code is far below XC_MAX_TERM */
    key[s->plen - 1] = SCHEMA_SYNONYM_LANG_SEP;
    analyze_begin(s->a, e, n, 1);
    while ((r = analyze_next(s->a, &t)) == 1) {
        if (++words > SYNONYMS_MAX_WORDS) {
            bad(l, "entry \"%.*s\" has more than %d words", quoted_len(e, n), e,
                SYNONYMS_MAX_WORDS);
            return -1;
        }
        size_t need = t.stem_len + (len > s->plen);
        if (need > XC_MAX_TERM - len) {
            bad(l,
                "entry \"%.*s\" is too long (its key takes more than %d "
                "bytes)",
                quoted_len(e, n), e, XC_MAX_TERM);
            return -1;
        }
        if (len > s->plen)
            key[len++] = ' ';
        memcpy(key + len, t.stem, t.stem_len);
        len += t.stem_len;
        stops += t.stopword != 0;
    }
    if (r < 0)
        return -2;
    key[len] = '\0';
    if (words == 0) {
        bad(l, "entry \"%.*s\" has no word", quoted_len(e, n), e);
        return -1;
    }
    if (stops == words) {
        bad(l, "entry \"%.*s\" holds only stop words: no query would use it",
            quoted_len(e, n), e);
        return -1;
    }
    return 1;
}

/* Keep g as the set's next group (taken over), or free it. */
static synonyms_status keep_group(synonyms *s, group *g)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        group *p = realloc(s->groups, cap * sizeof *p);
        if (!p) {
            group_free(g);
            return SYNONYMS_ERR_NOMEM;
        }
        s->groups = p;
        s->cap = cap;
    }
    s->groups[s->n++] = *g;
    return SYNONYMS_OK;
}

/* One line p[0..n) (its end of line excluded). */
static synonyms_status parse_line(synonyms *s, line_ctx *l, const char *p,
                                  size_t n)
{
    char key[XC_MAX_TERM + 1];
    group g = {0};
    synonyms_status st = SYNONYMS_ERR_NOMEM;

    if (n > 0 && p[n - 1] == '\r')
        n--; /* written on Windows */
    if (n > SYNONYMS_MAX_LINE) {
        bad(l, "line longer than %d bytes", SYNONYMS_MAX_LINE);
        return SYNONYMS_OK;
    }
    if (memchr(p, '\0', n) || !utf8_valid((const unsigned char *)p, n)) {
        bad(l, "not valid UTF-8 text");
        return SYNONYMS_OK;
    }
    const char *hash = memchr(p, '#', n);
    if (hash)
        n = (size_t)(hash - p);
    g.keys = calloc(SYNONYMS_MAX_ENTRIES, sizeof *g.keys);
    if (!g.keys)
        goto out;
    size_t entries = 0; /* entries with a key, duplicates included */
    for (size_t at = 0, more = 1; more;) {
        const char *comma = memchr(p + at, ',', n - at);
        size_t from = at, stop = comma ? (size_t)(comma - p) : n;
        more = comma != NULL;
        at = stop + 1;
        int r = entry_key(s, l, p + from, stop - from, key);
        if (r == -2)
            goto out;
        if (r < 0) {
            st = SYNONYMS_OK; /* refused, said */
            goto out;
        }
        if (r == 0)
            continue; /* "a,,b" */
        entries++;
        size_t k = 0;
        while (k < g.n && strcmp(g.keys[k], key) != 0)
            k++;
        if (k < g.n)
            continue; /* "CGLU, cglu": the same entry */
        if (g.n == SYNONYMS_MAX_ENTRIES) {
            bad(l, "more than %d different entries in a group",
                SYNONYMS_MAX_ENTRIES);
            st = SYNONYMS_OK;
            goto out;
        }
        if (!(g.keys[g.n] = strdup(key)))
            goto out;
        g.n++;
    }
    if (entries == 0) {
        st = SYNONYMS_OK; /* a blank or comment line */
        goto out;
    }
    if (g.n < 2) {
        bad(l, "a group needs two different entries or more, separated by "
               "commas");
        st = SYNONYMS_OK;
        goto out;
    }
    return keep_group(s, &g);
out:
    group_free(&g);
    return st;
}

synonyms_status synonyms_parse(synonyms *s, const char *name, const char *text,
                               size_t len, synonyms_report_fn report, void *ctx,
                               size_t *nbad)
{
    line_ctx l = {name, 0, report, ctx, nbad};
    const char *p = text, *end = text + len;

    analyze_set_stemming(s->a, 1);
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3; /* a byte order mark, as some editors write */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        l.lineno++;
        if (s->n == SYNONYMS_MAX_GROUPS) {
            bad(&l,
                "more than %d groups in all: this line and the rest of "
                "the file are ignored",
                SYNONYMS_MAX_GROUPS);
            return SYNONYMS_OK;
        }
        synonyms_status st = parse_line(s, &l, p, (size_t)(eol - p));
        if (st != SYNONYMS_OK)
            return st;
        p = nl ? nl + 1 : end;
    }
    return SYNONYMS_OK;
}

synonyms_status synonyms_read(synonyms *s, const char *path, const char *name,
                              int missing_ok, synonyms_report_fn report,
                              void *ctx, size_t *nbad, char *err, size_t errlen)
{
    synonyms_status st = SYNONYMS_ERR_READ;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = fopen(path, "rb");

    errmsg_set(err, errlen, "%s", "");
    if (!f) {
        if (errno == ENOENT && missing_ok)
            return SYNONYMS_OK;
        errmsg_set(err, errlen, "cannot read %s: %s", name, strerror(errno));
        return SYNONYMS_ERR_READ;
    }
    buf = malloc((size_t)SYNONYMS_MAX_FILE + 1);
    if (!buf) {
        st = SYNONYMS_ERR_NOMEM;
        goto out;
    }
    n = fread(buf, 1, (size_t)SYNONYMS_MAX_FILE + 1, f);
    if (ferror(f)) {
        errmsg_set(err, errlen, "cannot read %s: %s", name, strerror(errno));
        goto out;
    }
    if (n > (size_t)SYNONYMS_MAX_FILE) {
        errmsg_set(err, errlen, "cannot read %s: larger than %d MB", name,
                   SYNONYMS_MAX_FILE >> 20);
        goto out;
    }
    st = synonyms_parse(s, name, buf, n, report, ctx, nbad);
out:
    free(buf);
    fclose(f);
    return st;
}

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->value, y->value);
}

/* Every (key, value) pair of sets[0..nsets), sorted and distinct, into
 * *out (malloc'd, freed by the caller; NULL when there are none). */
static synonyms_status make_pairs(const synonyms *const *sets, size_t nsets,
                                  pair **out, size_t *n)
{
    size_t total = 0, k = 0;
    *out = NULL;
    *n = 0;
    for (size_t j = 0; j < nsets; j++)
        for (size_t i = 0; i < sets[j]->n; i++) {
            size_t g = sets[j]->groups[i].n;
            if (g * (g - 1) > SIZE_MAX / sizeof(pair) - total)
                return SYNONYMS_ERR_NOMEM; /* only with absurd nsets */
            total += g * (g - 1);
        }
    if (total == 0)
        return SYNONYMS_OK;
    pair *p = malloc(total * sizeof *p);
    if (!p)
        return SYNONYMS_ERR_NOMEM;
    for (size_t j = 0; j < nsets; j++)
        for (size_t i = 0; i < sets[j]->n; i++) {
            const group *g = &sets[j]->groups[i];
            for (size_t a = 0; a < g->n; a++)
                for (size_t b = 0; b < g->n; b++)
                    if (a != b)
                        p[k++] = (pair){g->keys[a], g->keys[b] + sets[j]->plen};
        }
    qsort(p, k, sizeof *p, cmp_pair);
    /* a key in two groups may meet a value twice, and so may two sets of
     * one language */
    size_t d = 0;
    for (size_t i = 0; i < k; i++)
        if (d == 0 || cmp_pair(&p[d - 1], &p[i]) != 0)
            p[d++] = p[i];
    *out = p;
    *n = d;
    return SYNONYMS_OK;
}

/* The walk of synonyms_same_all: the index's pairs in order against ours
 * (strcmp orders as Xapian does: by unsigned bytes). */
typedef struct same_ctx {
    xc_db *db;
    const pair *p;
    size_t n, at;
    const char *key; /* the index's key being walked */
    int differ;
    xc_status st;
} same_ctx;

static int same_value(const char *v, size_t len, void *ctx)
{
    same_ctx *c = ctx;
    (void)len;
    if (c->at >= c->n || strcmp(c->p[c->at].key, c->key) != 0 ||
        strcmp(c->p[c->at].value, v) != 0) {
        c->differ = 1;
        return 1;
    }
    c->at++;
    return 0;
}

static int same_key(const char *k, size_t len, void *ctx)
{
    same_ctx *c = ctx;
    (void)len;
    c->key = k;
    c->st = xc_synonyms_of(c->db, k, same_value, c);
    return c->st != XC_OK || c->differ;
}

synonyms_status synonyms_same_all(const synonyms *const *sets, size_t n,
                                  xc_db *db, int *same)
{
    same_ctx c = {db, NULL, 0, 0, NULL, 0, XC_OK};
    pair *p = NULL;

    *same = 0;
    synonyms_status st = make_pairs(sets, n, &p, &c.n);
    if (st != SYNONYMS_OK)
        return st;
    c.p = p;
    xc_status xs = xc_synonym_keys(db, same_key, &c);
    free(p);
    if (xs != XC_OK || c.st != XC_OK)
        return SYNONYMS_ERR_DB;
    *same = !c.differ && c.at == c.n;
    return SYNONYMS_OK;
}

synonyms_status synonyms_store_all(const synonyms *const *sets, size_t n,
                                   xc_db *db)
{
    if (xc_synonyms_clear(db) != XC_OK)
        return SYNONYMS_ERR_DB;
    /* no sort needed: adding a pair twice keeps one */
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < sets[j]->n; i++) {
            const group *g = &sets[j]->groups[i];
            for (size_t a = 0; a < g->n; a++)
                for (size_t b = 0; b < g->n; b++)
                    if (a != b &&
                        xc_synonym_add(db, g->keys[a],
                                       g->keys[b] + sets[j]->plen) != XC_OK)
                        return SYNONYMS_ERR_DB;
        }
    return SYNONYMS_OK;
}

synonyms_status synonyms_same(const synonyms *s, xc_db *db, int *same)
{
    return synonyms_same_all(&s, 1, db, same);
}

synonyms_status synonyms_store(const synonyms *s, xc_db *db)
{
    return synonyms_store_all(&s, 1, db);
}
