/* engine: queries, snippets, suggestions, documents and statistics from
 * one Xapian reader, as typed results (search/render writes the JSON). */
#include "search/engine.h"

#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/analyze.h"
#include "common/clock.h"
#include "common/index_meta.h"
#include "common/lang.h"
#include "common/langset.h"
#include "common/doctext.h"
#include "common/schema.h"
#include "common/xapian_c.h"
#include "search/boost.h"
#include "search/hitsnip.h"
#include "search/query.h"
#include "search/rank.h"
#include "search/snip.h"

#define SUGGEST_SCAN 5000 /* vocabulary terms looked at per prefix */
#define REOPEN_EVERY 0.1  /* seconds between looks for a new revision */
/* A query ORed across languages counts its matches exactly up to this
 * many: Xapian stops early and guesses the total from the first hits,
 * which for such a query gave 4 for 6 matches (a site search that says 4
 * results and lists 6 on the next page looks broken). One language keeps
 * Xapian's estimate, as before: counting costs about 9 us a query on
 * man-fr (docs/BENCHMARKS.md). */
#define ENGINE_TOTAL_EXACT 1000
/* Typo tolerance: a word of up to SPELL_SHORT letters may be corrected
 * by one edit, a longer one by two. Two edits on a short word reach too
 * many other words ("fait" -> "faire", "plan" -> "pays"). */
#define SPELL_SHORT 5
#define SPELL_EDIT_SHORT 1
#define SPELL_EDIT_LONG 2

struct engine_ctx {
    char *path;
    xc_db *db;
    langset *langs;         /* an analyzer per language, made when needed */
    const lang_info *deflt; /* the index's language of undeclared pages */
    /* The languages of the index's documents (its L terms), with their
     * document counts, read again when the revision moves. */
    const lang_info *present[ENGINE_MAX_LANGS];
    uint32_t present_docs[ENGINE_MAX_LANGS];
    size_t npresent;
    uint64_t present_rev; /* revision present[] was read at; 0: never */
    atomic_int reopen;    /* set by engine_request_reopen (SIGHUP) */
    int partial_ok;       /* engine_set_partial */
    double last_check;
    hitsnip hs;               /* the snippets' scratch */
    index_meta_folder folder; /* the folder db was opened in */
};

void engine_heap_tune(void)
{
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, ENGINE_HEAP_REUSE);
    mallopt(M_TRIM_THRESHOLD, ENGINE_HEAP_REUSE);
#endif
}

/* The index's layout and analyzer, by common/index_meta's rule (an index
 * without documents is served whatever it records); *lang is the language
 * to analyse queries with, malloc'd. */
static engine_status check_meta(xc_db *db, const char *path, char **lang,
                                char *err, size_t errlen)
{
    index_meta_info mi;
    char why[512];
    engine_status st = ENGINE_ERR_INCOMPATIBLE;

    *lang = NULL;
    switch (index_meta_check(db, NULL, &mi, why, sizeof why)) {
    case INDEX_META_OK:
    case INDEX_META_EMPTY:
        *lang = mi.lang; /* taken: index_meta_info_free leaves it */
        mi.lang = NULL;
        st = ENGINE_OK;
        break;
    case INDEX_META_ERR_FORMAT:
        snprintf(err, errlen,
                 "index %s has layout \"%s\", this daemon reads \"%s\": "
                 "rebuild it with cglu-index --rebuild",
                 path, mi.format, SCHEMA_FORMAT);
        break;
    case INDEX_META_ERR_ANALYZER:
    case INDEX_META_ERR_LANG: /* not without a language asked for */
        snprintf(err, errlen,
                 "index %s was built by analyzer \"%s\", this daemon has "
                 "\"%s\": rebuild it with cglu-index --rebuild",
                 path, mi.analyzer, ANALYZE_VERSION);
        break;
    case INDEX_META_ERR_NOMEM:
        snprintf(err, errlen, "out of memory");
        st = ENGINE_ERR_NOMEM;
        break;
    case INDEX_META_ERR_READ:
    case INDEX_META_ERR_ARG:
        snprintf(err, errlen, "cannot read index %s: %s", path, why);
        st = ENGINE_ERR_OPEN;
        break;
    }
    index_meta_info_free(&mi);
    return st;
}

static engine_status open_all(const char *path, xc_db **db,
                              const lang_info **deflt,
                              index_meta_folder *folder, char *err,
                              size_t errlen)
{
    char msg[512], *lang = NULL;
    engine_status st;
    *db = NULL;
    *deflt = NULL;
    if (index_meta_folder_id(path, folder) != 0) {
        snprintf(err, errlen, "no index at %s (%s): run cglu-index DIR first",
                 path, strerror(errno));
        return ENGINE_ERR_MISSING;
    }
    if (xc_open_read(path, db, msg, sizeof msg) != XC_OK) {
        snprintf(err, errlen, "%s", msg);
        return ENGINE_ERR_OPEN;
    }
    xc_set_bm25(*db, RANK_BM25_K1, RANK_BM25_K2, RANK_BM25_K3, RANK_BM25_B,
                RANK_BM25_MIN_NORMLEN);
    /* a remote shard down now does not stop the index from opening: each
     * request then says so (the caller sets what requests may do) */
    xc_set_partial(*db, 1);
    st = check_meta(*db, path, &lang, err, errlen);
    if (st != ENGINE_OK)
        goto fail;
    *deflt = lang ? lang_find(lang, strlen(lang)) : NULL;
    if (!*deflt) {
        snprintf(err, errlen, "index %s: unknown language \"%s\"", path,
                 lang ? lang : "");
        st = ENGINE_ERR_INCOMPATIBLE;
        goto fail;
    }
    free(lang);
    return ENGINE_OK;
fail:
    free(lang);
    xc_close(*db);
    *db = NULL;
    return st;
}

engine_status engine_check(const char *db_path, char *err, size_t errlen)
{
    xc_db *db;
    const lang_info *deflt;
    index_meta_folder folder;
    engine_status st = open_all(db_path, &db, &deflt, &folder, err, errlen);
    xc_close(db);
    return st;
}

engine_status engine_open(const char *db_path, engine_ctx **out, char *err,
                          size_t errlen)
{
    engine_ctx *c = calloc(1, sizeof *c);
    engine_status st = ENGINE_ERR_NOMEM;
    *out = NULL;
    if (!c || !(c->path = strdup(db_path))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (!(c->langs = langset_new(0))) {
        snprintf(err, errlen, "out of memory");
        st = ENGINE_ERR_NOMEM;
        goto fail;
    }
    st = open_all(db_path, &c->db, &c->deflt, &c->folder, err, errlen);
    if (st != ENGINE_OK)
        goto fail;
    xc_set_partial(c->db, 0);
    c->last_check = clock_now();
    *out = c;
    return ENGINE_OK;
fail:
    engine_close(c);
    return st;
}

void engine_close(engine_ctx *c)
{
    if (!c)
        return;
    xc_close(c->db);
    langset_free(c->langs);
    hitsnip_free(&c->hs);
    free(c->path);
    free(c);
}

void engine_set_partial(engine_ctx *c, int on)
{
    c->partial_ok = on != 0;
    xc_set_partial(c->db, c->partial_ok);
}

int engine_has_remote(engine_ctx *c)
{
    return xc_has_remote(c->db);
}

void engine_request_reopen(engine_ctx *c)
{
    atomic_store(&c->reopen, 1);
}

uint64_t engine_revision(engine_ctx *c)
{
    return xc_revision(c->db);
}

/* Move to the newest committed revision now and then: a reindex is seen
 * within REOPEN_EVERY seconds. An index replaced by a new database (other
 * UUID) is opened afresh. On failure the old revision keeps serving, the
 * next request tries again, and 0 is returned (else 1). */
static int maybe_reopen(engine_ctx *c)
{
    double t = clock_now();
    int asked = atomic_exchange(&c->reopen, 0);
    if (!asked && t - c->last_check < REOPEN_EVERY)
        return 1;
    c->last_check = t;
    /* asked (the watch saw a change, SIGHUP): a down remote shard may be
     * back, try it now */
    if (asked)
        xc_retry_shards(c->db);
    /* a folder put in place of the one open (a compaction) is another
     * database, whatever its revision says */
    index_meta_folder now;
    if (index_meta_folder_id(c->path, &now) == 0 &&
        index_meta_folder_same(&now, &c->folder) &&
        xc_reopen(c->db, NULL) == XC_OK)
        return 1;
    xc_db *db;
    const lang_info *deflt;
    char err[512];
    if (open_all(c->path, &db, &deflt, &now, err, sizeof err) == ENGINE_OK) {
        xc_close(c->db);
        c->db = db;
        xc_set_partial(db, c->partial_ok);
        c->deflt = deflt;
        c->folder = now;
        c->present_rev = 0; /* another database: its languages anew */
        return 1;
    }
    atomic_store(&c->reopen, 1);
    return 0;
}

/* ---- Results ----------------------------------------------------------- */

void engine_result_init(engine_result *r, size_t max_bytes)
{
    memset(r, 0, sizeof *r);
    buf_init(&r->store, max_bytes);
}

void engine_result_free(engine_result *r)
{
    buf_free(&r->store);
}

static void fail(engine_result *r, json_err e, const char *msg)
{
    r->ok = 0;
    r->error = e;
    snprintf(r->message, sizeof r->message, "%s", msg);
}

/* Copy p[0..n) into the store. A store past its limit fails the whole
 * result at the end (engine_run), so no caller checks each copy. */
static engine_span keep(engine_result *r, const char *p, size_t n)
{
    engine_span sp = {r->store.len, n};
    if (buf_append(&r->store, p, n) != BUF_OK) {
        sp.len = 0;
        r->full = 1;
    }
    return sp;
}

/* The stored data's fields (common/schema.h), in their order. */
enum { D_ID, D_TITLE, D_URL, D_LANG, D_DATE, D_SECTION, D_TAGS, D_DESC, D_N };

/* Split stored data d[0..n) into its D_N fields: spans into d (a missing
 * field is empty). */
static void data_fields(const char *d, size_t n, engine_span f[D_N])
{
    const char *end = d + n, *p = d;
    for (int i = 0; i < D_N; i++) {
        const char *z = p < end ? memchr(p, '\0', (size_t)(end - p)) : NULL;
        if (!z)
            z = end;
        f[i] = (engine_span){(size_t)(p - d), (size_t)(z - p)};
        p = z < end ? z + 1 : end;
    }
}

/* Split stored data d[0..n) into f and copy its fields up to the tags
 * into the store, at *out[0..D_DESC) (a hit's or a DOC's). */
static void keep_data(engine_result *r, const char *d, size_t n,
                      engine_span f[D_N], engine_span *const out[D_DESC])
{
    data_fields(d, n, f);
    for (int i = 0; i < D_DESC; i++)
        *out[i] = keep(r, d + f[i].off, f[i].len);
}

/* ---- Languages --------------------------------------------------------- */

static int present_term(const char *term, size_t len, uint32_t tf, void *ctx)
{
    engine_ctx *c = ctx;
    const lang_info *l =
        len > 1 ? lang_find(term + 1, len - 1) : NULL; /* "Lfr" */
    if (l && c->npresent < ENGINE_MAX_LANGS) {
        c->present[c->npresent] = l;
        c->present_docs[c->npresent++] = tf;
    }
    return 0;
}

/* The languages of the index's documents, read when the revision moved
 * (a few terms: cheap, and never on a revision already read). */
static xc_status load_langs(engine_ctx *c)
{
    uint64_t rev = xc_revision(c->db);
    if (c->present_rev != 0 && c->present_rev == rev)
        return XC_OK;
    c->npresent = 0;
    xc_status st = xc_allterms(c->db, SCHEMA_P_LANG, present_term, c);
    c->present_rev = st == XC_OK ? rev : 0;
    return st;
}

/* The languages a query is analysed in: lang= alone, else every language
 * of the index (its default first: did-you-mean reads that parse), else
 * the default. *n gets how many. */
static void query_langs(const engine_ctx *c, const filter *f,
                        const lang_info *out[ENGINE_MAX_LANGS], size_t *n)
{
    *n = 0;
    if (f->lang[0]) {
        out[(*n)++] = lang_find(f->lang, strlen(f->lang));
        return;
    }
    out[(*n)++] = c->deflt;
    for (size_t i = 0; i < c->npresent; i++)
        if (c->present[i] != c->deflt)
            out[(*n)++] = c->present[i];
}

/* ---- SEARCH ------------------------------------------------------------ */

typedef struct mparse mparse;

/* A text parsed in each language of the search: what the hits of each
 * language are highlighted with, and the trees run. */
struct mparse {
    size_t n;
    const lang_info *lang[ENGINE_MAX_LANGS];
    analyzer *an[ENGINE_MAX_LANGS];
    query_parsed q[ENGINE_MAX_LANGS];
    /* Each language's tree with its title boosts, ORed across languages
     * (a document matches in its own language only: its stems carry it),
     * then filtered; relaxed NULL when no language has a relaxed tree. */
    xc_query *strict, *relaxed;
    int empty; /* nothing to search for in any language */
};

/* Letters (code points) of the UTF-8 word w. */
static size_t letters(const char *w)
{
    size_t n = 0;
    for (; *w; w++)
        n += ((unsigned char)*w & 0xC0) != 0x80;
    return n;
}

/* "Did you mean": each word unknown to the index replaced by the closest
 * known word (within SPELL_EDIT_* edits); a stop word is never replaced;
 * the rest of the text (punctuation, spacing) stays as typed. q is the
 * parse in the analyzer an's language; a word is known when its stem in
 * that language or its exact form (any language) is in the index. NULL
 * when nothing was replaced. */
/* 1 when a page of language l holds word as written (its E term). */
static int lang_has_word(engine_ctx *c, const lang_info *l, const char *word)
{
    char ep[SCHEMA_LANG_CODE_LEN + 2], term[SCHEMA_TERM_MAX + 1];
    uint32_t tf = 0;
    snprintf(ep, sizeof ep, "%s%s", SCHEMA_P_EXACT, l->code);
    schema_term(ep, word, strlen(word), term);
    return xc_termfreq(c->db, term, &tf) == XC_OK && tf > 0;
}

/* 1 when a page of one of mp's languages holds word as written: the
 * spelling dictionary is the index's, but with lang=en a French word is no
 * correction. */
static int in_langs(engine_ctx *c, const mparse *mp, const char *word)
{
    for (size_t k = 0; k < mp->n; k++)
        if (lang_has_word(c, mp->lang[k], word))
            return 1;
    return 0;
}

static char *suggestion(engine_ctx *c, const engine_request *req,
                        const mparse *mp)
{
    const query_parsed *q = &mp->q[0];
    const analyzer *an = mp->an[0];
    char *repl[QUERY_MAX_TERMS] = {0};
    char *out = NULL, zp[SCHEMA_LANG_CODE_LEN + 2];
    int any = 0;
    size_t n = q->nwords < QUERY_MAX_TERMS ? q->nwords : QUERY_MAX_TERMS;
    snprintf(zp, sizeof zp, "%s%s", SCHEMA_P_STEM, analyze_language(an)->code);
    for (size_t i = 0; i < n; i++) {
        char term[SCHEMA_TERM_MAX + 1];
        uint32_t tf = 1;
        const query_word *w = &q->words[i];
        if (w->synonym)
            continue; /* part of a name the synonym table knows */
        /* Known by its stem (another inflection, other accents), or as
         * typed in a page of another language: fine. */
        schema_term(zp, w->stem, strlen(w->stem), term);
        if (xc_termfreq(c->db, term, &tf) != XC_OK || tf > 0)
            continue;
        if (in_langs(c, mp, w->exact))
            continue;
        if (analyze_is_stopword(an, w->exact, strlen(w->exact)))
            continue;
        unsigned edits = letters(w->exact) <= SPELL_SHORT ? SPELL_EDIT_SHORT
                                                          : SPELL_EDIT_LONG;
        char *s = NULL;
        if (xc_spelling_suggest(c->db, w->exact, edits, &s) == XC_OK && s[0] &&
            strcmp(s, w->exact) != 0 && in_langs(c, mp, s)) {
            repl[i] = s;
            any = 1;
        } else {
            free(s);
        }
    }
    if (any)
        out = query_replace_words(req->text, req->text_len, q->words,
                                  (const char *const *)repl, n);
    for (size_t i = 0; i < n; i++)
        free(repl[i]);
    return out;
}

static void mparse_free(mparse *mp)
{
    for (size_t i = 0; i < mp->n; i++)
        query_parsed_free(&mp->q[i]);
    xc_query_free(mp->strict);
    xc_query_free(mp->relaxed);
    memset(mp, 0, sizeof *mp);
}

/* The filter part of f (NULL when f keeps everything; *nomem on
 * failure). */
static xc_query *filter_query(const filter *f, int *nomem)
{
    xc_query *parts[5], *tags[FILTER_MAX_TAGS];
    char term[SCHEMA_TERM_MAX + 1];
    size_t np = 0;
    if (f->lang[0]) {
        size_t n = schema_term(SCHEMA_P_LANG, f->lang, strlen(f->lang), term);
        parts[np++] = xc_query_term(term, n, 1);
    }
    if (f->section[0]) {
        size_t n =
            schema_term(SCHEMA_P_SECTION, f->section, strlen(f->section), term);
        parts[np++] = xc_query_term(term, n, 1);
    }
    if (f->ntags) {
        for (size_t i = 0; i < f->ntags; i++) {
            size_t n =
                schema_term(SCHEMA_P_TAG, f->tags[i], strlen(f->tags[i]), term);
            tags[i] = xc_query_term(term, n, 1);
        }
        parts[np++] = f->ntags == 1
                          ? tags[0]
                          : xc_query_combine(XC_Q_OR, tags, f->ntags, 0);
    }
    if (f->after[0] || f->before[0])
        parts[np++] =
            xc_query_value_range(SCHEMA_V_DATE, f->after[0] ? f->after : NULL,
                                 f->before[0] ? f->before : NULL);
    if (np == 0)
        return NULL;
    for (size_t i = 0; i < np; i++)
        if (!parts[i]) {
            for (size_t k = 0; k < np; k++)
                xc_query_free(parts[k]);
            *nomem = 1;
            return NULL;
        }
    xc_query *q = np == 1 ? parts[0] : xc_query_combine(XC_Q_AND, parts, np, 0);
    *nomem = q == NULL;
    return q;
}

/* q filtered by filt (a copy is taken; filt may be NULL). Takes q. */
static xc_query *filtered(xc_query *q, const xc_query *filt)
{
    if (!q || !filt)
        return q;
    xc_query *sub[2] = {q, xc_query_copy(filt)};
    if (!sub[1]) {
        xc_query_free(q);
        return NULL;
    }
    return xc_query_combine(XC_Q_FILTER, sub, 2, 0);
}

/* The index of the language mp's text is written in: the one whose
 * pages hold the most of its words as typed, the first (the default)
 * among equals. */
static size_t query_lang(engine_ctx *c, const mparse *mp)
{
    size_t best = 0, best_n = 0;
    for (size_t i = 0; i < mp->n; i++) {
        size_t n = 0;
        for (size_t w = 0; w < mp->q[i].nwords; w++)
            n += lang_has_word(c, mp->lang[i], mp->q[i].words[w].exact);
        if (n > best_n) {
            best = i;
            best_n = n;
        }
    }
    return best;
}

/* Parse text in every language of the search into *mp (zeroed on entry).
 * XC_OK, or XC_ERR_NOMEM. */
static xc_status mparse_build(engine_ctx *c, const engine_request *req,
                              const char *text, size_t len, mparse *mp)
{
    xc_query *strict[ENGINE_MAX_LANGS], *relaxed[ENGINE_MAX_LANGS];
    size_t ns = 0, nr = 0, any_relaxed = 0;
    int nomem = 0;
    xc_query *filt = filter_query(&req->filter, &nomem);
    if (nomem)
        return XC_ERR_NOMEM;
    query_langs(c, &req->filter, mp->lang, &mp->n);
    mp->empty = 1;
    for (size_t i = 0; i < mp->n && !nomem; i++) {
        xc_query *boost = NULL;
        mp->an[i] = langset_get(c->langs, mp->lang[i], NULL, 0);
        if (!mp->an[i] || query_parse_db(mp->an[i], c->db, text, len,
                                         &mp->q[i]) != QUERY_OK) {
            nomem = 1;
            break;
        }
        const query_parsed *q = &mp->q[i];
        if (q->empty)
            continue;
        mp->empty = 0;
        if (boost_build(mp->an[i], q, &boost) != BOOST_OK) {
            nomem = 1;
            break;
        }
        /* boost_apply takes its arguments: copies (shared trees, cheap) */
        xc_query *b2 = boost ? xc_query_copy(boost) : NULL;
        strict[ns] = boost_apply(xc_query_copy(q->strict), boost);
        nomem |= !strict[ns++];
        /* a language without a relaxed tree relaxes to its strict one */
        any_relaxed |= q->relaxed != NULL;
        relaxed[nr] =
            boost_apply(xc_query_copy(q->relaxed ? q->relaxed : q->strict), b2);
        nomem |= !relaxed[nr++];
    }
    /* the query's language first (rank.h): scale the others' trees */
    if (!nomem && mp->n > 1) {
        size_t best = query_lang(c, mp), k = 0;
        for (size_t i = 0; i < mp->n && !nomem; i++) {
            if (mp->q[i].empty)
                continue;
            if (i != best) {
                strict[k] = xc_query_scale(strict[k], RANK_OTHER_LANG);
                relaxed[k] = xc_query_scale(relaxed[k], RANK_OTHER_LANG);
                nomem |= !strict[k] || !relaxed[k];
            }
            k++;
        }
    }
    if (!nomem && ns > 0) {
        mp->strict = filtered(
            ns == 1 ? strict[0] : xc_query_combine(XC_Q_OR, strict, ns, 0),
            filt);
        nomem |= !mp->strict;
        if (any_relaxed) {
            mp->relaxed =
                filtered(nr == 1 ? relaxed[0]
                                 : xc_query_combine(XC_Q_OR, relaxed, nr, 0),
                         filt);
            nomem |= !mp->relaxed;
        } else {
            for (size_t i = 0; i < nr; i++)
                xc_query_free(relaxed[i]);
        }
    } else {
        for (size_t i = 0; i < ns; i++)
            xc_query_free(strict[i]);
        for (size_t i = 0; i < nr; i++)
            xc_query_free(relaxed[i]);
    }
    xc_query_free(filt);
    return nomem ? XC_ERR_NOMEM : XC_OK;
}

/* The slots of a search: the text only when snippets are asked for. */
static const unsigned text_slot[] = {SCHEMA_V_TEXT};
/* The facet slots, by FILTER_FACET_* bit order. */
static const unsigned facet_slot[FILTER_NFACETS] = {
    SCHEMA_V_LANG, SCHEMA_V_SECTION, SCHEMA_V_TAGS};

/* Run mp's strict (relaxed = 0) or relaxed tree into *m (freed first).
 * XC_OK with *m NULL when there is no such tree. */
static xc_status run_query(engine_ctx *c, const engine_request *req,
                           const mparse *mp, int relaxed, xc_mset **m)
{
    const xc_query *q = relaxed ? mp->relaxed : mp->strict;
    unsigned facets[FILTER_NFACETS];
    size_t nf = 0;

    xc_mset_free(*m);
    *m = NULL;
    if (!q || mp->empty)
        return XC_OK;
    for (unsigned k = 0; k < FILTER_NFACETS; k++)
        if (req->filter.facets & (1u << k))
            facets[nf++] = facet_slot[k];
    xc_search_opt o = {
        .offset = req->offset,
        .limit = req->limit,
        .slots = text_slot,
        .nslots = req->snippet > 0 ? 1 : 0,
        .sort_slot = req->filter.sort == FILTER_SORT_DATE ? SCHEMA_V_DATE : -1,
        .sort_descending = 1,
        .facets = facets,
        .nfacets = nf,
        .facet_sep = SCHEMA_TAG_SEP,
        .exact_total = mp->n > 1 ? ENGINE_TOTAL_EXACT : 0,
    };
    return xc_search_opt_run(c->db, q, &o, m);
}

static uint32_t found(const xc_mset *m)
{
    return m ? xc_mset_estimated(m) : 0;
}

typedef struct {
    engine_result *r;
    engine_facet *f;
} facet_acc;

static int facet_value(const char *v, size_t len, uint32_t count, void *ctx)
{
    facet_acc *a = ctx;
    a->f->v[a->f->n].value = keep(a->r, v, len);
    a->f->v[a->f->n].count = count;
    return ++a->f->n == ENGINE_FACET_MAX;
}

/* The snippet of hit h from text[0..tlen) of a document in language code,
 * with the words of the parse of that language; its description (desc)
 * when the text holds none of them. */
static void hit_snippet(engine_ctx *c, engine_result *r,
                        const engine_request *req, const mparse *mp,
                        engine_hit *h, uint32_t docid, const char *text,
                        size_t tlen, const char *code, size_t codelen,
                        const char *desc, size_t desclen)
{
    size_t k = 0; /* a language the search has no parse for: the first */
    for (size_t i = 0; i < mp->n; i++)
        if (strlen(mp->lang[i]->code) == codelen &&
            memcmp(mp->lang[i]->code, code, codelen) == 0)
            k = i;
    const query_parsed *q = &mp->q[k];
    size_t at = r->store.len;
    /* A failed snippet cuts the store back, which clears its failure
     * flag: the result remembers it. */
    snip_terms st = {q->stems, q->nstems, q->prefixes, q->nprefixes};
    snip_status ss =
        hitsnip_build(&c->hs, c->db, docid, text, tlen, mp->lang[k], mp->an[k],
                      &st, req->snippet, &r->store);
    if (ss == SNIP_ERR_TEXT) {
        /* the index moved under the read (or a damaged value): the page
         * keeps its place, with its description or no excerpt */
        buf_truncate(&r->store, at);
        ss = SNIP_OK;
    }
    if (ss == SNIP_ERR_LIMIT)
        r->full = 1;
    else if (ss != SNIP_OK)
        fail(r, JSON_ERR_INTERNAL, "out of memory");
    if (ss == SNIP_OK && desclen > 0 &&
        !memmem(r->store.data + at, r->store.len - at, "<mark>", 6)) {
        /* the page matched by its title, a prefix or a synonym's other
         * words: what it says it is about reads better than its start */
        buf_truncate(&r->store, at);
        ss =
            snip_build(mp->an[k], desc, desclen, NULL, req->snippet, &r->store);
        if (ss == SNIP_ERR_LIMIT)
            r->full = 1;
        else if (ss != SNIP_OK)
            fail(r, JSON_ERR_INTERNAL, "out of memory");
    }
    h->has_snippet = 1;
    h->snippet = (engine_span){at, r->store.len - at};
}

static void do_search(engine_ctx *c, const engine_request *req,
                      engine_result *r)
{
    mparse *q = calloc(1, sizeof *q), *cq = calloc(1, sizeof *cq);
    const mparse *used = q; /* the parse whose hits are answered */
    xc_mset *m = NULL;
    char *sugg = NULL;
    double t0 = clock_now();
    xc_status st = XC_OK;

    r->limit = req->limit;
    r->offset = req->offset;
    r->query = keep(r, req->text, req->text_len);
    if (!q || !cq || load_langs(c) == XC_ERR_NOMEM ||
        mparse_build(c, req, req->text, req->text_len, q) != XC_OK) {
        fail(r, JSON_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (!q->empty) {
        st = run_query(c, req, q, 0, &m);
        if (st == XC_OK && !found(m))
            sugg = suggestion(c, req, q);
        /* Typo tolerance: nothing has every word and some words are
         * unknown to the index: answer the corrected query (every word,
         * then any word), saying so. */
        if (st == XC_OK && !found(m) && sugg) {
            st = mparse_build(c, req, sugg, strlen(sugg), cq);
            if (st == XC_OK)
                st = run_query(c, req, cq, 0, &m);
            if (st == XC_OK && !found(m)) {
                st = run_query(c, req, cq, 1, &m);
                r->relaxed = found(m) > 0;
            }
            if (st == XC_OK && found(m)) {
                used = cq;
                r->has_corrected = 1;
                r->corrected = keep(r, sugg, strlen(sugg));
            }
        }
        if (st == XC_OK && !found(m) && q->relaxed) {
            st = run_query(c, req, q, 1, &m);
            r->relaxed = 1;
        }
        if (st != XC_OK) {
            fail(r, JSON_ERR_INTERNAL,
                 st == XC_ERR_NOMEM ? "out of memory" : xc_errmsg(c->db));
            goto out;
        }
        if (!sugg)
            sugg = suggestion(c, req, q);
    }
    if (sugg && !r->has_corrected) {
        r->has_suggestion = 1;
        r->suggestion = keep(r, sugg, strlen(sugg));
    }
    r->total = m ? xc_mset_estimated(m) : 0;
    for (unsigned k = 0; k < FILTER_NFACETS; k++) {
        if (!(req->filter.facets & (1u << k)))
            continue;
        size_t idx = 0; /* its index among the facets asked for */
        for (unsigned j = 0; j < k; j++)
            idx += (req->filter.facets >> j) & 1u;
        facet_acc acc = {r, &r->facets[k]};
        r->facets[k].on = 1;
        xc_mset_facet(m, idx, facet_value, &acc, NULL);
    }
    r->nhits = m ? xc_mset_size(m) : 0;
    if (r->nhits > ENGINE_LIMIT_MAX) /* cannot happen: limit is at most it */
        r->nhits = ENGINE_LIMIT_MAX;
    for (size_t i = 0; i < r->nhits; i++) {
        engine_hit *h = &r->hits[i];
        engine_span f[D_N];
        uint32_t docid;
        const char *data, *text = NULL;
        size_t dlen, tlen = 0;
        xc_mset_item(m, i, &docid, &h->score, &data, &dlen);
        h->rank = (uint64_t)req->offset + i + 1;
        engine_span *const hf[D_DESC] = {&h->id,   &h->title, &h->url,
                                         &h->lang, &h->date,  &h->section,
                                         &h->tags};
        keep_data(r, data, dlen, f, hf);
        xc_mset_value(m, i, 0, &text, &tlen);
        if (req->snippet > 0 && text)
            hit_snippet(c, r, req, used, h, docid, text, tlen,
                        data + f[D_LANG].off, f[D_LANG].len,
                        data + f[D_DESC].off, f[D_DESC].len);
    }
    r->took_ms = (clock_now() - t0) * 1e3;
out:
    free(sugg);
    xc_mset_free(m);
    if (q)
        mparse_free(q);
    if (cq)
        mparse_free(cq);
    free(q);
    free(cq);
}

/* ---- SUGGEST ----------------------------------------------------------- */

typedef struct {
    char word[ANALYZE_MAX_WORD + 1];
    uint32_t freq;
} completion;

typedef struct {
    completion *c;
    size_t n, max;
    size_t plen; /* prefix bytes in front of the word in each term */
    size_t scanned;
    const analyzer *an; /* its stop words are never offered */
} suggest_acc;

/* Keep the most frequent words, merging one word seen as E and F. */
static int suggest_term(const char *term, size_t len, uint32_t tf, void *ctx)
{
    suggest_acc *a = ctx;
    const char *w = term + a->plen;
    size_t wl = len - a->plen;
    const char *sep = memchr(w, SCHEMA_FOLD_SEP, wl);
    if (sep) { /* F term: show the exact form after the separator */
        wl -= (size_t)(sep + 1 - w);
        w = sep + 1;
    }
    if (++a->scanned > SUGGEST_SCAN)
        return 1;
    /* "la", "les", "le" are the most frequent words of any French site:
     * a visitor who types "l" wants a word that searches something */
    if (wl > ANALYZE_MAX_WORD || analyze_is_stopword(a->an, w, wl))
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        if (strlen(a->c[i].word) == wl && memcmp(a->c[i].word, w, wl) == 0) {
            if (tf > a->c[i].freq)
                a->c[i].freq = tf;
            return 0;
        }
    }
    size_t slot = a->n;
    if (a->n == a->max) { /* replace the least frequent if rarer */
        slot = 0;
        for (size_t i = 1; i < a->n; i++)
            if (a->c[i].freq < a->c[slot].freq)
                slot = i;
        if (a->c[slot].freq >= tf)
            return 0;
    } else {
        a->n++;
    }
    memcpy(a->c[slot].word, w, wl);
    a->c[slot].word[wl] = '\0';
    a->c[slot].freq = tf;
    return 0;
}

static int cmp_completion(const void *x, const void *y)
{
    const completion *a = x, *b = y;
    if (a->freq != b->freq)
        return a->freq < b->freq ? 1 : -1;
    return strcmp(a->word, b->word);
}

static void do_suggest(engine_ctx *c, const engine_request *req,
                       engine_result *r)
{
    completion comp[ENGINE_SUGGEST_MAX];
    const lang_info *langs[ENGINE_MAX_LANGS];
    char exact[ANALYZE_MAX_WORD + 1] = "", fold[ANALYZE_MAX_WORD + 1] = "";
    size_t nl;

    if (load_langs(c) == XC_ERR_NOMEM) {
        fail(r, JSON_ERR_INTERNAL, "out of memory");
        return;
    }
    query_langs(c, &req->filter, langs, &nl);
    /* E and F terms carry the language (a word is offered by the pages of
     * the languages searched, never as another language's stop word): one
     * scan per language, counts merged. E + code before each word. */
    suggest_acc acc = {comp, 0, req->limit, 1 + SCHEMA_LANG_CODE_LEN, 0, NULL};
    for (size_t k = 0; k < nl; k++) {
        analyze_token t;
        int have = 0;
        analyzer *an = langset_get(c->langs, langs[k], NULL, 0);
        if (!an) {
            fail(r, JSON_ERR_INTERNAL, "out of memory");
            return;
        }
        acc.an = an;
        /* The last word typed is the prefix to complete. */
        analyze_begin(an, req->text, req->text_len, 1);
        while (analyze_next(an, &t) == 1) {
            memcpy(exact, t.exact, t.exact_len + 1);
            memcpy(fold, t.fold, t.fold_len + 1);
            have = 1;
        }
        if (!have)
            continue;
        char term[SCHEMA_TERM_MAX + 1], p[SCHEMA_LANG_CODE_LEN + 2];
        xc_status st;
        snprintf(p, sizeof p, "%s%s", SCHEMA_P_EXACT, langs[k]->code);
        schema_term(p, exact, strlen(exact), term);
        acc.scanned = 0;
        st = xc_allterms(c->db, term, suggest_term, &acc);
        if (st == XC_OK && strcmp(exact, fold) == 0) {
            /* Typed without accents: accented words too. */
            snprintf(p, sizeof p, "%s%s", SCHEMA_P_FOLD, langs[k]->code);
            schema_term(p, fold, strlen(fold), term);
            acc.scanned = 0;
            st = xc_allterms(c->db, term, suggest_term, &acc);
        }
        if (st != XC_OK) {
            fail(r, JSON_ERR_INTERNAL, xc_errmsg(c->db));
            return;
        }
    }
    qsort(comp, acc.n, sizeof *comp, cmp_completion);
    r->prefix = keep(r, exact, strlen(exact));
    for (size_t i = 0; i < acc.n; i++)
        r->words[i] = keep(r, comp[i].word, strlen(comp[i].word));
    r->nwords = acc.n;
}

/* ---- DOC, STATS -------------------------------------------------------- */

static void do_doc(engine_ctx *c, const engine_request *req, engine_result *r)
{
    char term[SCHEMA_TERM_MAX + 1], *data = NULL, *text = NULL;
    char *vals[SCHEMA_NVALUES] = {0};
    size_t vlens[SCHEMA_NVALUES] = {0};
    size_t len = 0, tlen = 0;
    uint32_t docid = 0;
    if (req->text_len == 0) {
        fail(r, JSON_ERR_BAD_REQUEST, "DOC needs a document id");
        return;
    }
    schema_term(SCHEMA_P_ID, req->text, req->text_len, term);
    xc_status st = xc_get_doc(c->db, term, &docid, &data, &len, vals, vlens,
                              SCHEMA_NVALUES);
    if (st == XC_ERR_NOTFOUND && xc_partial(c->db)) {
        /* it may be on the shard that is down */
        fail(r, JSON_ERR_SHARD_UNAVAILABLE,
             "no document with that id on the shards that answer: a shard "
             "of the index is down (see STATS)");
        goto out;
    }
    if (st == XC_ERR_NOTFOUND ||
        (st == XC_OK && memchr(req->text, '\0', req->text_len))) {
        fail(r, JSON_ERR_NOT_FOUND, "no document with that id");
        goto out;
    }
    if (st != XC_OK) {
        fail(r, JSON_ERR_INTERNAL, xc_errmsg(c->db));
        goto out;
    }
    engine_span f[D_N];
    engine_span *const df[D_DESC] = {
        &r->doc_id,   &r->doc_title,   &r->doc_url, &r->doc_lang,
        &r->doc_date, &r->doc_section, &r->doc_tags};
    textstore_status ts = doctext_load(c->db, docid, vals[SCHEMA_V_TEXT],
                                       vlens[SCHEMA_V_TEXT], &text, &tlen);
    if (ts != TEXTSTORE_OK) {
        fail(r, JSON_ERR_INTERNAL,
             ts == TEXTSTORE_ERR_NOMEM ? "out of memory"
                                       : textstore_strerror(ts));
        goto out;
    }
    keep_data(r, data, len, f, df);
    r->doc_text = keep(r, text, tlen);
out:
    free(text);
    free(data);
    for (int i = 0; i < SCHEMA_NVALUES; i++)
        free(vals[i]);
}

static void do_stats_partial(engine_ctx *c, engine_result *r)
{
    uint32_t docs = 0, lastid = 0;
    uint64_t total = 0;
    char *built = NULL;
    if (xc_stats(c->db, &docs, &total, &lastid) != XC_OK ||
        xc_metadata_get(c->db, SCHEMA_M_BUILT, &built) != XC_OK) {
        fail(r, JSON_ERR_INTERNAL, xc_errmsg(c->db));
        return;
    }
    char *end;
    long long b = strtoll(built, &end, 10);
    if (end == built || *end != '\0')
        b = 0; /* missing or corrupt: index_age_s is then -1 */
    free(built);
    if (load_langs(c) != XC_OK) {
        fail(r, JSON_ERR_INTERNAL, xc_errmsg(c->db));
        return;
    }
    for (size_t i = 0; i < c->npresent; i++) {
        const char *code = c->present[i]->code;
        r->langs[i].value = keep(r, code, strlen(code));
        r->langs[i].count = c->present_docs[i];
    }
    r->nlangs = c->npresent;
    size_t ns = xc_nshards(c->db);
    for (size_t k = 0;
         (ns > 1 || xc_has_remote(c->db)) && k < ns && k < ENGINE_MAX_SHARDS;
         k++) {
        xc_shard_info si;
        if (xc_shard_get(c->db, k, &si) != XC_OK) {
            fail(r, JSON_ERR_INTERNAL, xc_errmsg(c->db));
            return;
        }
        r->shards[k].revision = si.revision;
        r->shards[k].documents = si.documents;
        r->shards[k].remote = si.remote;
        r->shards[k].up = si.up;
        r->shards[k].name = keep(r, si.name, strlen(si.name));
        r->shards[k].why = keep(r, si.why, strlen(si.why));
        r->nshards = k + 1;
    }
    r->documents = docs;
    r->terms = total;
    r->index_age_s = b > 0 ? (int64_t)time(NULL) - b : -1;
}

static void do_stats(engine_ctx *c, engine_result *r)
{
    /* the index's state, down shards included: never refused for one */
    xc_set_partial(c->db, 1);
    do_stats_partial(c, r);
    xc_set_partial(c->db, c->partial_ok);
}

static uint32_t clamp(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void engine_run(engine_ctx *c, const engine_request *req, engine_result *r)
{
    engine_request q = *req;
    buf_t store = r->store;

    /* Everything but the store's memory is reset. */
    buf_reset(&store);
    memset(r, 0, sizeof *r);
    r->store = store;
    r->op = req->op;
    r->ok = 1;
    xc_clear_error(c->db);
    r->current = maybe_reopen(c);
    r->revision = xc_revision(c->db);
    q.limit =
        clamp(q.limit, 1,
              q.op == ENGINE_SUGGEST ? ENGINE_SUGGEST_MAX : ENGINE_LIMIT_MAX);
    q.offset = clamp(q.offset, 0, ENGINE_OFFSET_MAX);
    q.snippet = clamp(q.snippet, 0, ENGINE_SNIPPET_MAX);
    switch (q.op) {
    case ENGINE_SEARCH:
        do_search(c, &q, r);
        break;
    case ENGINE_SUGGEST:
        do_suggest(c, &q, r);
        break;
    case ENGINE_DOC:
        do_doc(c, &q, r);
        break;
    case ENGINE_STATS:
        do_stats(c, r);
        break;
    default:
        fail(r, JSON_ERR_INTERNAL, "unknown engine operation");
        break;
    }
    if (r->ok && (r->full || r->store.failed))
        fail(r, JSON_ERR_TOO_LARGE, ENGINE_TOO_LARGE_MSG);
    /* a remote shard is down: the index's failure names it; an answer
     * without it is not the index's whole answer (and is not cached) */
    if (!r->ok && r->error == JSON_ERR_INTERNAL &&
        xc_last_status(c->db) == XC_ERR_SHARD)
        r->error = JSON_ERR_SHARD_UNAVAILABLE;
    if (r->ok && xc_partial(c->db))
        r->partial = 1;
}
