/* render: engine results as JSON lines (the protocol's answers). */
#include "search/render.h"

#include <string.h>

#include "common/json.h"
#include "common/schema.h"

/* The member a cached answer is cut after (render_info.keep). */
static const char took_key[] = ",\"took_ms\":";

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

static void key_double(buf_t *out, const char *k, double v, int decimals)
{
    key(out, k);
    json_double(out, v, decimals);
}

/* "partial":true: an index of remote shards answered without a shard
 * that is down (docs/SCALING.md). */
static void put_partial(buf_t *out, const engine_result *r)
{
    if (r->partial)
        buf_puts(out, ",\"partial\":true");
}

static void key_span(buf_t *out, const char *k, const engine_result *r,
                     engine_span sp)
{
    key(out, k);
    json_str(out, r->store.data ? r->store.data + sp.off : "", sp.len);
}

/* The metadata of a hit or a document: each member only when known; tags
 * as a list (stored joined by SCHEMA_TAG_SEP). */
static void put_meta(buf_t *out, const engine_result *r, engine_span lang,
                     engine_span date, engine_span section, engine_span tags)
{
    if (lang.len)
        key_span(out, "lang", r, lang);
    if (date.len)
        key_span(out, "date", r, date);
    if (section.len)
        key_span(out, "section", r, section);
    if (tags.len) {
        const char *p = r->store.data + tags.off, *end = p + tags.len;
        key(out, "tags");
        buf_putc(out, '[');
        for (int first = 1; p <= end; first = 0) {
            const char *sep = memchr(p, SCHEMA_TAG_SEP, (size_t)(end - p));
            const char *e = sep ? sep : end;
            if (!first)
                buf_putc(out, ',');
            json_str(out, p, (size_t)(e - p));
            p = e + 1;
        }
        buf_putc(out, ']');
    }
}

/* {"value":count,...} in the order given (most frequent first). */
static void put_counts(buf_t *out, const engine_result *r,
                       const engine_count *v, size_t n)
{
    buf_putc(out, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(out, ',');
        json_str(out, r->store.data + v[i].value.off, v[i].value.len);
        buf_putc(out, ':');
        json_uint(out, v[i].count);
    }
    buf_putc(out, '}');
}

static void put_search(const engine_result *r, buf_t *out, size_t start,
                       render_info *info)
{
    buf_puts(out, "{\"ok\":true");
    put_partial(out, r);
    key_span(out, "query", r, r->query);
    key_uint(out, "total", r->total);
    key_uint(out, "offset", r->offset);
    key_uint(out, "limit", r->limit);
    if (r->relaxed) {
        key(out, "relaxed");
        json_bool(out, 1);
    }
    if (r->has_corrected)
        key_span(out, "corrected", r, r->corrected);
    if (r->has_suggestion)
        key_span(out, "suggestion", r, r->suggestion);
    key(out, "hits");
    buf_putc(out, '[');
    for (size_t i = 0; i < r->nhits; i++) {
        const engine_hit *h = &r->hits[i];
        if (i)
            buf_putc(out, ',');
        buf_puts(out, "{\"rank\":");
        json_uint(out, h->rank);
        key_span(out, "id", r, h->id);
        key_span(out, "title", r, h->title);
        key_span(out, "url", r, h->url);
        key_double(out, "score", h->score, 4);
        if (h->has_snippet)
            key_span(out, "snippet", r, h->snippet);
        put_meta(out, r, h->lang, h->date, h->section, h->tags);
        buf_putc(out, '}');
    }
    buf_putc(out, ']');
    static const char *const facet_names[FILTER_NFACETS] = {"lang", "section",
                                                            "tag"};
    int any = 0;
    for (int k = 0; k < FILTER_NFACETS; k++) {
        if (!r->facets[k].on)
            continue;
        if (!any)
            key(out, "facets");
        buf_putc(out, any ? ',' : '{');
        any = 1;
        json_key(out, facet_names[k]);
        put_counts(out, r, r->facets[k].v, r->facets[k].n);
    }
    if (any)
        buf_putc(out, '}');
    buf_puts(out, took_key);
    if (info)
        info->keep = out->len - start;
    json_double(out, r->took_ms, 3);
    buf_puts(out, "}\n");
}

static void put_suggest(const engine_result *r, buf_t *out)
{
    buf_puts(out, "{\"ok\":true");
    put_partial(out, r);
    key_span(out, "prefix", r, r->prefix);
    key(out, "suggestions");
    buf_putc(out, '[');
    for (size_t i = 0; i < r->nwords; i++) {
        if (i)
            buf_putc(out, ',');
        json_str(out, r->store.data + r->words[i].off, r->words[i].len);
    }
    buf_puts(out, "]}\n");
}

static void put_doc(const engine_result *r, buf_t *out)
{
    buf_puts(out, "{\"ok\":true");
    put_partial(out, r);
    key_span(out, "id", r, r->doc_id);
    key_span(out, "title", r, r->doc_title);
    key_span(out, "url", r, r->doc_url);
    put_meta(out, r, r->doc_lang, r->doc_date, r->doc_section, r->doc_tags);
    key_span(out, "text", r, r->doc_text);
    buf_puts(out, "}\n");
}

void render_shards(buf_t *out, const engine_result *r)
{
    if (r->nshards == 0)
        return;
    key(out, "shards");
    for (size_t k = 0; k < r->nshards; k++) {
        buf_puts(out, k ? ",{\"documents\":" : "[{\"documents\":");
        json_uint(out, r->shards[k].documents);
        key_uint(out, "revision", r->shards[k].revision);
        if (r->shards[k].name.len > 0)
            key_span(out, "name", r, r->shards[k].name);
        if (r->shards[k].remote)
            buf_puts(out, ",\"remote\":true");
        buf_puts(out,
                 r->shards[k].up ? ",\"state\":\"up\"" : ",\"state\":\"down\"");
        if (!r->shards[k].up)
            key_span(out, "error", r, r->shards[k].why);
        buf_puts(out, "}");
    }
    buf_puts(out, "]");
}

static void put_stats(const engine_result *r, const render_figures *f,
                      buf_t *out)
{
    buf_puts(out, "{\"ok\":true");
    key_uint(out, "documents", r->documents);
    key_uint(out, "terms", r->terms);
    key_uint(out, "revision", r->revision);
    key(out, "index_age_s");
    json_int(out, r->index_age_s);
    key(out, "languages");
    put_counts(out, r, r->langs, r->nlangs);
    render_shards(out, r);
    if (f) {
        key_double(out, "uptime_s", f->uptime_s, 1);
        key_uint(out, "connections_open", f->conn_open);
        key_uint(out, "connections_total", f->conn_total);
        key_uint(out, "requests", f->requests);
        key_uint(out, "errors", f->errors);
        key_uint(out, "output_blocked_bytes", f->output_blocked);
        key_double(out, "latency_p50_ms", f->p50_ms, 3);
        key_double(out, "latency_p99_ms", f->p99_ms, 3);
        if (f->cache_on) {
            key(out, "cache");
            buf_puts(out, "{\"entries\":");
            json_uint(out, f->cache_entries);
            key_uint(out, "bytes", f->cache_bytes);
            key_uint(out, "max_bytes", f->cache_max_bytes);
            key_uint(out, "hits", f->cache_hits);
            key_uint(out, "misses", f->cache_misses);
            key_uint(out, "evictions", f->cache_evictions);
            buf_putc(out, '}');
        }
    }
    buf_puts(out, "}\n");
}

void render_error(buf_t *out, json_err e, const char *msg)
{
    json_error_line(out, e, msg, strlen(msg), NULL, NULL, 0);
}

void render_result(const engine_result *r, const render_figures *figures,
                   buf_t *out, render_info *info)
{
    size_t start = out->len;

    if (info) {
        info->ok = 0;
        info->keep = 0;
        info->error = r->ok ? JSON_ERR_INTERNAL : r->error;
        info->total = r->ok && r->op == ENGINE_SEARCH ? r->total : 0;
        info->took_ms = r->ok && r->op == ENGINE_SEARCH ? r->took_ms : 0;
    }
    if (!r->ok) {
        render_error(out, r->error, r->message);
    } else {
        switch (r->op) {
        case ENGINE_SEARCH:
            put_search(r, out, start, info);
            break;
        case ENGINE_SUGGEST:
            put_suggest(r, out);
            break;
        case ENGINE_DOC:
            put_doc(r, out);
            break;
        case ENGINE_STATS:
            put_stats(r, figures, out);
            break;
        default:
            render_error(out, JSON_ERR_INTERNAL, "unknown engine operation");
            break;
        }
        if (info && !out->failed && out->len > start)
            info->ok = 1;
    }
    /* A piece that did not fit (out's limit, or memory): the answer is
     * replaced whole by a short error, never a line with a hole in it. */
    if (out->failed || out->len == start || out->data[out->len - 1] != '\n') {
        buf_truncate(out, start);
        render_error(out, JSON_ERR_TOO_LARGE, ENGINE_TOO_LARGE_MSG);
        if (info) {
            info->ok = 0;
            info->keep = 0;
            info->error = JSON_ERR_TOO_LARGE;
        }
    }
}

buf_status render_cached(buf_t *out, const char *kept, size_t keep,
                         double took_ms)
{
    size_t start = out->len;
    buf_status st = buf_append(out, kept, keep);

    if (st == BUF_OK)
        st = json_double(out, took_ms, 3);
    if (st == BUF_OK)
        st = buf_puts(out, ",\"cached\":true}\n");
    if (st != BUF_OK)
        buf_truncate(out, start);
    return st;
}
