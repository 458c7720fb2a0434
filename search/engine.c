/* search: the worker side of the daemon — queries, snippets, suggestions,
 * documents and statistics, each answered as one JSON line. */
#include "search/search.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/analyze.h"
#include "common/json.h"
#include "common/schema.h"
#include "common/xapian_c.h"
#include "search/query.h"
#include "search/snip.h"

#define DEFAULT_LIMIT 10
#define MAX_LIMIT 100
#define MAX_OFFSET 10000
#define DEFAULT_SNIPPET 200
#define MAX_SNIPPET 1000
#define SUGGEST_DEFAULT 10
#define SUGGEST_MAX 50
#define SUGGEST_SCAN 5000 /* vocabulary terms looked at per prefix */
#define REOPEN_EVERY 0.1  /* seconds between looks for a new revision */
#define SPELL_MAX_EDIT 2

struct search_ctx {
    char *path;
    xc_db *db;
    analyzer *an;
    atomic_int reopen; /* set by search_request_reopen (SIGHUP) */
    double last_check;
    buf_t scratch; /* snippet text, reused */
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read the analyzer version and language an index was built with and
 * refuse another version; *lang is malloc'd. */
static search_status check_meta(xc_db *db, const char *path, char **lang,
                                char *err, size_t errlen)
{
    char *ver = NULL, *fmt = NULL;
    uint32_t n = 0;
    search_status st = SEARCH_ERR_OPEN;
    *lang = NULL;
    if (xc_metadata_get(db, SCHEMA_M_ANALYZER, &ver) != XC_OK ||
        xc_metadata_get(db, SCHEMA_M_FORMAT, &fmt) != XC_OK ||
        xc_metadata_get(db, SCHEMA_M_LANG, lang) != XC_OK ||
        xc_doccount(db, &n) != XC_OK) {
        snprintf(err, errlen, "cannot read index %s: %s", path, xc_errmsg(db));
        goto fail;
    }
    if (ver[0] == '\0' && n == 0) { /* created, never filled */
        free(*lang);
        *lang = strdup("french");
    } else if (strcmp(fmt, SCHEMA_FORMAT) != 0) {
        snprintf(err, errlen,
                 "index %s has layout \"%s\", this daemon reads \"%s\": "
                 "rebuild it with cglu-index --rebuild",
                 path, fmt, SCHEMA_FORMAT);
        st = SEARCH_ERR_INCOMPATIBLE;
        goto fail;
    } else if (strcmp(ver, ANALYZE_VERSION) != 0) {
        snprintf(err, errlen,
                 "index %s was built by analyzer \"%s\", this daemon has "
                 "\"%s\": rebuild it with cglu-index --rebuild",
                 path, ver, ANALYZE_VERSION);
        st = SEARCH_ERR_INCOMPATIBLE;
        goto fail;
    }
    free(ver);
    free(fmt);
    if (!*lang) {
        snprintf(err, errlen, "out of memory");
        return SEARCH_ERR_NOMEM;
    }
    return SEARCH_OK;
fail:
    free(ver);
    free(fmt);
    free(*lang);
    *lang = NULL;
    return st;
}

static search_status open_all(const char *path, xc_db **db, analyzer **an,
                              char *err, size_t errlen)
{
    struct stat sb;
    char msg[512], *lang = NULL;
    search_status st;
    *db = NULL;
    *an = NULL;
    if (stat(path, &sb) != 0) {
        snprintf(err, errlen, "no index at %s (%s): run cglu-index DIR first",
                 path, strerror(errno));
        return SEARCH_ERR_MISSING;
    }
    if (xc_open_read(path, db, msg, sizeof msg) != XC_OK) {
        snprintf(err, errlen, "%s", msg);
        return SEARCH_ERR_OPEN;
    }
    st = check_meta(*db, path, &lang, err, errlen);
    if (st != SEARCH_OK)
        goto fail;
    if (analyze_new(lang, an, msg, sizeof msg) != ANALYZE_OK) {
        snprintf(err, errlen, "index %s: %s", path, msg);
        st = SEARCH_ERR_INCOMPATIBLE;
        goto fail;
    }
    free(lang);
    return SEARCH_OK;
fail:
    free(lang);
    xc_close(*db);
    *db = NULL;
    return st;
}

search_status search_check(const char *db_path, char *err, size_t errlen)
{
    xc_db *db;
    analyzer *an;
    search_status st = open_all(db_path, &db, &an, err, errlen);
    xc_close(db);
    analyze_free(an);
    return st;
}

search_status search_open(const char *db_path, search_ctx **out, char *err,
                          size_t errlen)
{
    search_ctx *c = calloc(1, sizeof *c);
    search_status st = SEARCH_ERR_NOMEM;
    *out = NULL;
    if (!c || !(c->path = strdup(db_path))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    st = open_all(db_path, &c->db, &c->an, err, errlen);
    if (st != SEARCH_OK)
        goto fail;
    buf_init(&c->scratch, 1 << 20);
    c->last_check = now();
    *out = c;
    return SEARCH_OK;
fail:
    search_close(c);
    return st;
}

void search_close(search_ctx *c)
{
    if (!c)
        return;
    xc_close(c->db);
    analyze_free(c->an);
    buf_free(&c->scratch);
    free(c->path);
    free(c);
}

void search_request_reopen(search_ctx *c)
{
    atomic_store(&c->reopen, 1);
}

uint64_t search_revision(search_ctx *c)
{
    return xc_revision(c->db);
}

/* Move to the newest committed revision now and then: a reindex is seen
 * within REOPEN_EVERY seconds. An index replaced by a new database (other
 * UUID) is opened afresh. On failure the old revision keeps serving, the
 * next request tries again, and 0 is returned (else 1). */
static int maybe_reopen(search_ctx *c)
{
    double t = now();
    if (!atomic_exchange(&c->reopen, 0) && t - c->last_check < REOPEN_EVERY)
        return 1;
    c->last_check = t;
    if (xc_reopen(c->db, NULL) == XC_OK)
        return 1;
    xc_db *db;
    analyzer *an;
    char err[512];
    if (open_all(c->path, &db, &an, err, sizeof err) == SEARCH_OK) {
        xc_close(c->db);
        analyze_free(c->an);
        c->db = db;
        c->an = an;
        return 1;
    }
    atomic_store(&c->reopen, 1);
    return 0;
}

/* ---- JSON helpers ------------------------------------------------------ */

static void error_line(buf_t *out, const char *code, const char *msg)
{
    buf_puts(out, "{\"ok\":false,\"error\":");
    json_str(out, code, strlen(code));
    buf_puts(out, ",\"message\":");
    json_str(out, msg, strlen(msg));
    buf_puts(out, "}\n");
}

static void key(buf_t *out, const char *k)
{
    buf_putc(out, ',');
    json_key(out, k);
}

static void key_uint(buf_t *out, const char *k, uint64_t v)
{
    key(out, k);
    json_uint(out, v);
}

/* Option value, or an error line naming it; returns 0 on success. */
static int opt_uint(const proto_request *req, const char *name, uint64_t def,
                    uint64_t min, uint64_t max, uint64_t *v, buf_t *out)
{
    proto_status st = proto_opt_uint(req, name, def, min, max, v);
    if (st == PROTO_OK)
        return 0;
    char msg[128];
    snprintf(msg, sizeof msg,
             "option %s takes a whole number from %llu to %llu", name,
             (unsigned long long)min, (unsigned long long)max);
    error_line(out, "bad_request", msg);
    return -1;
}

/* Split stored data id\0title\0url (text comes from SCHEMA_V_TEXT). */
typedef struct {
    const char *id, *title, *url, *text;
    size_t id_len, title_len, url_len, text_len;
} stored;

static void split_data(const char *d, size_t n, stored *s)
{
    const char *end = d + n, *p = d;
    const char **f[3] = {&s->id, &s->title, &s->url};
    size_t *l[3] = {&s->id_len, &s->title_len, &s->url_len};
    s->text = "";
    s->text_len = 0;
    for (int i = 0; i < 3; i++) {
        const char *z = i < 2 ? memchr(p, '\0', (size_t)(end - p)) : NULL;
        if (!z)
            z = end;
        *f[i] = p;
        *l[i] = (size_t)(z - p);
        p = z < end ? z + 1 : end;
    }
}

/* ,"id":…,"title":…,"url":… of a stored document (hits and DOC). */
static void put_fields(buf_t *out, const stored *s)
{
    key(out, "id");
    json_str(out, s->id, s->id_len);
    key(out, "title");
    json_str(out, s->title, s->title_len);
    key(out, "url");
    json_str(out, s->url, s->url_len);
}

/* ---- SEARCH ------------------------------------------------------------ */

/* "Did you mean": each word unknown to the index replaced by the closest
 * known word; NULL when nothing was replaced. */
static char *suggestion(search_ctx *c, const proto_request *req,
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
        /* Known by its stem (another inflection, other accents): fine. */
        size_t sl;
        const char *stem = analyze_stem(c->an, w->fold, strlen(w->fold), &sl);
        if (!stem)
            continue;
        schema_term(SCHEMA_P_STEM, stem, sl, term);
        if (xc_termfreq(c->db, term, &tf) != XC_OK || tf > 0)
            continue;
        char *s = NULL;
        if (xc_spelling_suggest(c->db, w->exact, SPELL_MAX_EDIT, &s) == XC_OK &&
            s[0] && strcmp(s, w->exact) != 0) {
            repl[i] = s;
            any = 1;
        } else {
            free(s);
        }
    }
    if (any)
        out = query_replace_words(req->arg, req->arg_len, q->words,
                                  (const char *const *)repl, n);
    for (size_t i = 0; i < n; i++)
        free(repl[i]);
    return out;
}

static void do_search(search_ctx *c, const proto_request *req, buf_t *out)
{
    uint64_t limit, offset, snip_len;
    query_parsed q = {0};
    xc_mset *m = NULL;
    int relaxed = 0;
    double t0 = now();

    if (opt_uint(req, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, &limit, out) ||
        opt_uint(req, "offset", 0, 0, MAX_OFFSET, &offset, out) ||
        opt_uint(req, "snippet", DEFAULT_SNIPPET, 0, MAX_SNIPPET, &snip_len,
                 out))
        return;
    if (query_parse(c->an, req->arg, req->arg_len, &q) != QUERY_OK) {
        error_line(out, "internal", "out of memory");
        return;
    }
    if (!q.empty) {
        /* The text (for snippets) only when asked for. */
        static const unsigned text_slot[] = {SCHEMA_V_TEXT};
        size_t nslots = snip_len > 0 ? 1 : 0;
        xc_status st = xc_search_values(c->db, q.strict, (uint32_t)offset,
                                        (uint32_t)limit, text_slot, nslots, &m);
        if (st == XC_OK && xc_mset_estimated(m) == 0 && q.relaxed) {
            xc_mset_free(m);
            m = NULL;
            st = xc_search_values(c->db, q.relaxed, (uint32_t)offset,
                                  (uint32_t)limit, text_slot, nslots, &m);
            relaxed = 1;
        }
        if (st != XC_OK) {
            error_line(out, "internal", xc_errmsg(c->db));
            goto out;
        }
    }
    char *sugg = q.empty ? NULL : suggestion(c, req, &q);

    buf_puts(out, "{\"ok\":true");
    key(out, "query");
    json_str(out, req->arg, req->arg_len);
    key(out, "total");
    json_uint(out, m ? xc_mset_estimated(m) : 0);
    key(out, "offset");
    json_uint(out, offset);
    key(out, "limit");
    json_uint(out, limit);
    if (relaxed) {
        key(out, "relaxed");
        json_bool(out, 1);
    }
    if (sugg) {
        key(out, "suggestion");
        json_str(out, sugg, strlen(sugg));
        free(sugg);
    }
    key(out, "hits");
    buf_putc(out, '[');
    size_t nhits = m ? xc_mset_size(m) : 0;
    for (size_t i = 0; i < nhits; i++) {
        uint32_t docid;
        double w;
        const char *data;
        size_t dlen;
        stored s;
        xc_mset_item(m, i, &docid, &w, &data, &dlen);
        split_data(data, dlen, &s);
        xc_mset_value(m, i, 0, &s.text, &s.text_len);
        if (i)
            buf_putc(out, ',');
        buf_puts(out, "{\"rank\":");
        json_uint(out, offset + i + 1);
        put_fields(out, &s);
        key(out, "score");
        json_double(out, w, 4);
        if (snip_len > 0 && s.text) {
            buf_reset(&c->scratch);
            snip_terms st = {q.stems, q.nstems, q.prefixes, q.nprefixes};
            snip_build(c->an, s.text, s.text_len, &st, (size_t)snip_len,
                       &c->scratch);
            key(out, "snippet");
            json_str(out, c->scratch.data ? c->scratch.data : "",
                     c->scratch.len);
        }
        buf_putc(out, '}');
    }
    buf_putc(out, ']');
    key(out, "took_ms");
    json_double(out, (now() - t0) * 1e3, 3);
    buf_puts(out, "}\n");
out:
    xc_mset_free(m);
    query_parsed_free(&q);
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
    if (wl > ANALYZE_MAX_WORD)
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

static void do_suggest(search_ctx *c, const proto_request *req, buf_t *out)
{
    uint64_t limit;
    completion comp[SUGGEST_MAX];
    analyze_token t;
    char exact[ANALYZE_MAX_WORD + 1] = "", fold[ANALYZE_MAX_WORD + 1] = "";
    int have = 0;

    if (opt_uint(req, "limit", SUGGEST_DEFAULT, 1, SUGGEST_MAX, &limit, out))
        return;
    /* The last word typed is the prefix to complete. */
    analyze_begin(c->an, req->arg, req->arg_len, 1);
    while (analyze_next(c->an, &t) == 1) {
        memcpy(exact, t.exact, t.exact_len + 1);
        memcpy(fold, t.fold, t.fold_len + 1);
        have = 1;
    }
    suggest_acc acc = {comp, 0, (size_t)limit, 1, 0};
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
            error_line(out, "internal", xc_errmsg(c->db));
            return;
        }
    }
    qsort(comp, acc.n, sizeof *comp, cmp_completion);
    buf_puts(out, "{\"ok\":true");
    key(out, "prefix");
    json_str(out, exact, strlen(exact));
    key(out, "suggestions");
    buf_putc(out, '[');
    for (size_t i = 0; i < acc.n; i++) {
        if (i)
            buf_putc(out, ',');
        json_str(out, comp[i].word, strlen(comp[i].word));
    }
    buf_puts(out, "]}\n");
}

/* ---- DOC, STATS -------------------------------------------------------- */

static void do_doc(search_ctx *c, const proto_request *req, buf_t *out)
{
    char term[SCHEMA_TERM_MAX + 1], *data = NULL;
    char *vals[SCHEMA_NVALUES] = {0};
    size_t len = 0;
    stored s;
    if (req->arg_len == 0) {
        error_line(out, "bad_request", "DOC needs a document id");
        return;
    }
    schema_term(SCHEMA_P_ID, req->arg, req->arg_len, term);
    xc_status st = xc_get_by_id(c->db, term, &data, &len, vals, SCHEMA_NVALUES);
    if (st == XC_ERR_NOTFOUND ||
        (st == XC_OK && memchr(req->arg, '\0', req->arg_len))) {
        error_line(out, "not_found", "no document with that id");
        goto out;
    }
    if (st != XC_OK) {
        error_line(out, "internal", xc_errmsg(c->db));
        goto out;
    }
    split_data(data, len, &s);
    s.text = vals[SCHEMA_V_TEXT];
    s.text_len = strlen(s.text);
    buf_puts(out, "{\"ok\":true");
    put_fields(out, &s);
    key(out, "text");
    json_str(out, s.text, s.text_len);
    buf_puts(out, "}\n");
out:
    free(data);
    for (int i = 0; i < SCHEMA_NVALUES; i++)
        free(vals[i]);
}

static void do_stats(search_ctx *c, const search_server_stats *ss, buf_t *out)
{
    uint32_t docs = 0, lastid = 0;
    uint64_t total = 0;
    char *built = NULL;
    if (xc_stats(c->db, &docs, &total, &lastid) != XC_OK ||
        xc_metadata_get(c->db, SCHEMA_M_BUILT, &built) != XC_OK) {
        error_line(out, "internal", xc_errmsg(c->db));
        return;
    }
    char *end;
    long long b = strtoll(built, &end, 10);
    if (end == built || *end != '\0')
        b = 0; /* missing or corrupt: index_age_s is then -1 */
    free(built);
    buf_puts(out, "{\"ok\":true");
    key(out, "documents");
    json_uint(out, docs);
    key(out, "terms");
    json_uint(out, total);
    key(out, "revision");
    json_uint(out, xc_revision(c->db));
    key(out, "index_age_s");
    json_int(out, b > 0 ? (int64_t)time(NULL) - b : -1);
    if (ss) {
        key(out, "uptime_s");
        json_double(out, ss->uptime_s, 1);
        key_uint(out, "connections_open", ss->conn_open);
        key_uint(out, "connections_total", ss->conn_total);
        key_uint(out, "requests", ss->requests);
        key_uint(out, "errors", ss->errors);
        key_uint(out, "output_blocked_bytes", ss->output_blocked);
        key(out, "latency_p50_ms");
        json_double(out, ss->p50_ms, 3);
        key(out, "latency_p99_ms");
        json_double(out, ss->p99_ms, 3);
        if (ss->cache_on) {
            const cache_figures *f = &ss->cache;
            key(out, "cache");
            buf_puts(out, "{\"entries\":");
            json_uint(out, f->entries);
            key_uint(out, "bytes", f->bytes);
            key_uint(out, "max_bytes", f->max_bytes);
            key_uint(out, "hits", f->hits);
            key_uint(out, "misses", f->misses);
            key_uint(out, "evictions", f->evictions);
            buf_putc(out, '}');
        }
    }
    buf_puts(out, "}\n");
}

void search_execute(search_ctx *c, const proto_request *req,
                    const search_server_stats *stats, buf_t *out,
                    search_info *info)
{
    size_t start = out->len;
    int current = maybe_reopen(c);
    if (info != NULL) {
        info->revision = xc_revision(c->db);
        info->current = current;
    }
    switch (req->verb) {
    case PROTO_V_SEARCH:
        do_search(c, req, out);
        break;
    case PROTO_V_SUGGEST:
        do_suggest(c, req, out);
        break;
    case PROTO_V_DOC:
        do_doc(c, req, out);
        break;
    case PROTO_V_STATS:
        do_stats(c, stats, out);
        break;
    default:
        error_line(out, "internal", "verb not handled by a worker");
        break;
    }
    /* An answer with a piece that did not fit (out's limit, or memory) is
     * replaced whole by a short error: never a line with a hole in it. */
    if (out->failed || out->len == start || out->data[out->len - 1] != '\n') {
        buf_truncate(out, start);
        error_line(out, "too_large",
                   "the answer is larger than the daemon's limit for one "
                   "answer (a quarter of --max-output)");
    }
}
