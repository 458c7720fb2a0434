/* engine: queries, snippets, suggestions, documents and statistics from
 * one Xapian reader, as typed results (search/render writes the JSON). */
#include "search/engine.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/analyze.h"
#include "common/clock.h"
#include "common/index_meta.h"
#include "common/schema.h"
#include "common/xapian_c.h"
#include "search/boost.h"
#include "search/query.h"
#include "search/rank.h"
#include "search/snip.h"

#define SUGGEST_SCAN 5000 /* vocabulary terms looked at per prefix */
#define REOPEN_EVERY 0.1  /* seconds between looks for a new revision */
/* Typo tolerance: a word of up to SPELL_SHORT letters may be corrected
 * by one edit, a longer one by two. Two edits on a short word reach too
 * many other words ("fait" -> "faire", "plan" -> "pays"). */
#define SPELL_SHORT 5
#define SPELL_EDIT_SHORT 1
#define SPELL_EDIT_LONG 2

struct engine_ctx {
    char *path;
    xc_db *db;
    analyzer *an;
    atomic_int reopen; /* set by engine_request_reopen (SIGHUP) */
    double last_check;
};

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

static engine_status open_all(const char *path, xc_db **db, analyzer **an,
                              char *err, size_t errlen)
{
    struct stat sb;
    char msg[512], *lang = NULL;
    engine_status st;
    *db = NULL;
    *an = NULL;
    if (stat(path, &sb) != 0) {
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
    st = check_meta(*db, path, &lang, err, errlen);
    if (st != ENGINE_OK)
        goto fail;
    if (analyze_new(lang, an, msg, sizeof msg) != ANALYZE_OK) {
        snprintf(err, errlen, "index %s: %s", path, msg);
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
    analyzer *an;
    engine_status st = open_all(db_path, &db, &an, err, errlen);
    xc_close(db);
    analyze_free(an);
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
    st = open_all(db_path, &c->db, &c->an, err, errlen);
    if (st != ENGINE_OK)
        goto fail;
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
    analyze_free(c->an);
    free(c->path);
    free(c);
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
    if (!atomic_exchange(&c->reopen, 0) && t - c->last_check < REOPEN_EVERY)
        return 1;
    c->last_check = t;
    if (xc_reopen(c->db, NULL) == XC_OK)
        return 1;
    xc_db *db;
    analyzer *an;
    char err[512];
    if (open_all(c->path, &db, &an, err, sizeof err) == ENGINE_OK) {
        xc_close(c->db);
        analyze_free(c->an);
        c->db = db;
        c->an = an;
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

/* Stored data id\0title\0url (the text is in SCHEMA_V_TEXT): each field
 * copied into the store. */
static void split_data(engine_result *r, const char *d, size_t n,
                       engine_span *id, engine_span *title, engine_span *url)
{
    const char *end = d + n, *p = d;
    engine_span *f[3] = {id, title, url};
    for (int i = 0; i < 3; i++) {
        const char *z = i < 2 ? memchr(p, '\0', (size_t)(end - p)) : NULL;
        if (!z)
            z = end;
        *f[i] = keep(r, p, (size_t)(z - p));
        p = z < end ? z + 1 : end;
    }
}

/* ---- SEARCH ------------------------------------------------------------ */

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
 * the rest of the text (punctuation, spacing) stays as typed. NULL when
 * nothing was replaced. */
static char *suggestion(engine_ctx *c, const engine_request *req,
                        const query_parsed *q)
{
    char *repl[QUERY_MAX_TERMS] = {0};
    char *out = NULL;
    int any = 0;
    size_t n = q->nwords < QUERY_MAX_TERMS ? q->nwords : QUERY_MAX_TERMS;
    for (size_t i = 0; i < n; i++) {
        char term[SCHEMA_TERM_MAX + 1];
        uint32_t tf = 1;
        const query_word *w = &q->words[i];
        if (w->synonym)
            continue; /* part of a name the synonym table knows */
        /* Known by its stem (another inflection, other accents): fine. */
        schema_term(SCHEMA_P_STEM, w->stem, strlen(w->stem), term);
        if (xc_termfreq(c->db, term, &tf) != XC_OK || tf > 0)
            continue;
        if (analyze_is_stopword(c->an, w->exact, strlen(w->exact)))
            continue;
        unsigned edits = letters(w->exact) <= SPELL_SHORT ? SPELL_EDIT_SHORT
                                                          : SPELL_EDIT_LONG;
        char *s = NULL;
        if (xc_spelling_suggest(c->db, w->exact, edits, &s) == XC_OK && s[0] &&
            strcmp(s, w->exact) != 0) {
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

/* Run q's strict (relaxed = 0) or relaxed tree, with the title boosts
 * (boost_build's, may be NULL), into *m (freed first). XC_OK with *m NULL
 * when q has no such tree. */
static xc_status run_query(engine_ctx *c, const engine_request *req,
                           const query_parsed *q, const xc_query *boost,
                           int relaxed, xc_mset **m)
{
    /* The text (for snippets) only when asked for. */
    static const unsigned text_slot[] = {SCHEMA_V_TEXT};
    size_t nslots = req->snippet > 0 ? 1 : 0;
    const xc_query *base = relaxed ? q->relaxed : q->strict;

    xc_mset_free(*m);
    *m = NULL;
    if (!base || q->empty)
        return XC_OK;
    if (!boost)
        return xc_search_values(c->db, base, req->offset, req->limit, text_slot,
                                nslots, m);
    /* boost_apply takes its arguments: copies (shared trees, cheap) */
    xc_query *b = xc_query_copy(boost);
    xc_query *full = b ? boost_apply(xc_query_copy(base), b) : NULL;
    if (!full)
        return XC_ERR_NOMEM;
    xc_status st = xc_search_values(c->db, full, req->offset, req->limit,
                                    text_slot, nslots, m);
    xc_query_free(full);
    return st;
}

static uint32_t found(const xc_mset *m)
{
    return m ? xc_mset_estimated(m) : 0;
}

static void do_search(engine_ctx *c, const engine_request *req,
                      engine_result *r)
{
    query_parsed q = {0}, cq = {0};
    xc_query *qb = NULL, *cqb = NULL; /* their title boosts */
    const query_parsed *used = &q;    /* the query whose hits are answered */
    xc_mset *m = NULL;
    char *sugg = NULL;
    double t0 = clock_now();
    xc_status st = XC_OK;

    r->limit = req->limit;
    r->offset = req->offset;
    r->query = keep(r, req->text, req->text_len);
    if (query_parse_db(c->an, c->db, req->text, req->text_len, &q) !=
        QUERY_OK) {
        fail(r, JSON_ERR_INTERNAL, "out of memory");
        return;
    }
    if (!q.empty) {
        if (boost_build(c->an, &q, &qb) != BOOST_OK)
            st = XC_ERR_NOMEM;
        else
            st = run_query(c, req, &q, qb, 0, &m);
        if (st == XC_OK && !found(m))
            sugg = suggestion(c, req, &q);
        /* Typo tolerance: nothing has every word and some words are
         * unknown to the index: answer the corrected query (every word,
         * then any word), saying so. */
        if (st == XC_OK && !found(m) && sugg) {
            if (query_parse_db(c->an, c->db, sugg, strlen(sugg), &cq) !=
                    QUERY_OK ||
                boost_build(c->an, &cq, &cqb) != BOOST_OK) {
                st = XC_ERR_NOMEM;
            } else {
                st = run_query(c, req, &cq, cqb, 0, &m);
                if (st == XC_OK && !found(m)) {
                    st = run_query(c, req, &cq, cqb, 1, &m);
                    r->relaxed = found(m) > 0;
                }
                if (st == XC_OK && found(m)) {
                    used = &cq;
                    r->has_corrected = 1;
                    r->corrected = keep(r, sugg, strlen(sugg));
                }
            }
        }
        if (st == XC_OK && !found(m) && q.relaxed) {
            st = run_query(c, req, &q, qb, 1, &m);
            r->relaxed = 1;
        }
        if (st != XC_OK) {
            fail(r, JSON_ERR_INTERNAL,
                 st == XC_ERR_NOMEM ? "out of memory" : xc_errmsg(c->db));
            goto out;
        }
        if (!sugg)
            sugg = suggestion(c, req, &q);
    }
    if (sugg && !r->has_corrected) {
        r->has_suggestion = 1;
        r->suggestion = keep(r, sugg, strlen(sugg));
    }
    r->total = m ? xc_mset_estimated(m) : 0;
    r->nhits = m ? xc_mset_size(m) : 0;
    if (r->nhits > ENGINE_LIMIT_MAX) /* cannot happen: limit is at most it */
        r->nhits = ENGINE_LIMIT_MAX;
    for (size_t i = 0; i < r->nhits; i++) {
        engine_hit *h = &r->hits[i];
        uint32_t docid;
        const char *data, *text = NULL;
        size_t dlen, tlen = 0;
        xc_mset_item(m, i, &docid, &h->score, &data, &dlen);
        h->rank = (uint64_t)req->offset + i + 1;
        split_data(r, data, dlen, &h->id, &h->title, &h->url);
        xc_mset_value(m, i, 0, &text, &tlen);
        if (req->snippet > 0 && text) {
            size_t at = r->store.len;
            snip_terms st = {used->stems, used->nstems, used->prefixes,
                             used->nprefixes};
            /* A failed snippet cuts the store back, which clears its
             * failure flag: the result remembers it. */
            snip_status ss =
                snip_build(c->an, text, tlen, &st, req->snippet, &r->store);
            if (ss == SNIP_ERR_LIMIT)
                r->full = 1;
            else if (ss != SNIP_OK)
                fail(r, JSON_ERR_INTERNAL, "out of memory");
            h->has_snippet = 1;
            h->snippet = (engine_span){at, r->store.len - at};
        }
    }
    r->took_ms = (clock_now() - t0) * 1e3;
out:
    free(sugg);
    xc_query_free(qb);
    xc_query_free(cqb);
    xc_mset_free(m);
    query_parsed_free(&q);
    query_parsed_free(&cq);
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
    analyze_token t;
    char exact[ANALYZE_MAX_WORD + 1] = "", fold[ANALYZE_MAX_WORD + 1] = "";
    int have = 0;

    /* The last word typed is the prefix to complete. */
    analyze_begin(c->an, req->text, req->text_len, 1);
    while (analyze_next(c->an, &t) == 1) {
        memcpy(exact, t.exact, t.exact_len + 1);
        memcpy(fold, t.fold, t.fold_len + 1);
        have = 1;
    }
    suggest_acc acc = {comp, 0, req->limit, 1, 0, c->an};
    if (have) {
        char term[SCHEMA_TERM_MAX + 1];
        xc_status st;
        schema_term(SCHEMA_P_EXACT, exact, strlen(exact), term);
        st = xc_allterms(c->db, term, suggest_term, &acc);
        acc.scanned = 0;
        if (st == XC_OK && strcmp(exact, fold) == 0) {
            /* Typed without accents: accented words too. */
            schema_term(SCHEMA_P_FOLD, fold, strlen(fold), term);
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
    char term[SCHEMA_TERM_MAX + 1], *data = NULL;
    char *vals[SCHEMA_NVALUES] = {0};
    size_t len = 0;
    if (req->text_len == 0) {
        fail(r, JSON_ERR_BAD_REQUEST, "DOC needs a document id");
        return;
    }
    schema_term(SCHEMA_P_ID, req->text, req->text_len, term);
    xc_status st = xc_get_by_id(c->db, term, &data, &len, vals, SCHEMA_NVALUES);
    if (st == XC_ERR_NOTFOUND ||
        (st == XC_OK && memchr(req->text, '\0', req->text_len))) {
        fail(r, JSON_ERR_NOT_FOUND, "no document with that id");
        goto out;
    }
    if (st != XC_OK) {
        fail(r, JSON_ERR_INTERNAL, xc_errmsg(c->db));
        goto out;
    }
    split_data(r, data, len, &r->doc_id, &r->doc_title, &r->doc_url);
    r->doc_text = keep(r, vals[SCHEMA_V_TEXT], strlen(vals[SCHEMA_V_TEXT]));
out:
    free(data);
    for (int i = 0; i < SCHEMA_NVALUES; i++)
        free(vals[i]);
}

static void do_stats(engine_ctx *c, engine_result *r)
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
    r->documents = docs;
    r->terms = total;
    r->index_age_s = b > 0 ? (int64_t)time(NULL) - b : -1;
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
}
