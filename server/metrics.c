/* metrics: Prometheus text (see metrics.h). */
#include "server/metrics.h"

#include <stdarg.h>
#include <string.h>

const int metrics_codes[METRICS_NCODES] = {200, 204, 304, 400, 401, 404, 405,
                                           408, 413, 414, 431, 500, 503, 505};

/* Seconds: a cache hit takes tens of microseconds, a search with snippets
 * a millisecond or so, a query of death tens of milliseconds. */
static const double bounds[METRICS_NBUCKETS] = {0.0001, 0.00025, 0.0005, 0.001,
                                                0.0025, 0.005,   0.01,   0.025,
                                                0.05,   0.1,     0.25,   1.0};

const char *metrics_endpoint_name(http_endpoint ep)
{
    static const char *const names[HTTP_EP_KINDS] = {
        [HTTP_EP_SEARCH] = "search", [HTTP_EP_SUGGEST] = "suggest",
        [HTTP_EP_DOC] = "doc",       [HTTP_EP_STATS] = "stats",
        [HTTP_EP_HEALTH] = "health", [HTTP_EP_METRICS] = "metrics",
        [HTTP_EP_PAGE] = "page",     [HTTP_EP_ASSET] = "asset",
        [HTTP_EP_OTHER] = "other",
    };
    return (unsigned)ep < HTTP_EP_KINDS ? names[ep] : "other";
}

void metrics_http(metrics *m, http_endpoint ep, int status)
{
    if ((unsigned)ep >= HTTP_EP_KINDS)
        ep = HTTP_EP_OTHER;
    for (int i = 0; i < METRICS_NCODES; i++)
        if (metrics_codes[i] == status) {
            m->http[ep][i]++;
            return;
        }
    m->http_other_code++;
}

void metrics_observe(metrics *m, double seconds)
{
    int i = 0;

    while (i < METRICS_NBUCKETS && seconds > bounds[i])
        i++;
    m->bucket[i]++;
    m->sum_s += seconds;
    m->count++;
}

/* Append to b unless an earlier append failed: *st keeps the first
 * failure (the buffer's limit or memory), which the caller returns. */
static void put(buf_status *st, buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void put(buf_status *st, buf_t *b, const char *fmt, ...)
{
    va_list ap;

    if (*st != BUF_OK)
        return;
    va_start(ap, fmt);
    *st = buf_vprintf(b, fmt, ap);
    va_end(ap);
}

/* A metric family's HELP and TYPE lines. */
static void head(buf_status *st, buf_t *b, const char *name, const char *type,
                 const char *help)
{
    put(st, b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

#define U(x) ((unsigned long long)(x))

buf_status metrics_render_index(const engine_result *r, buf_t *out)
{
    buf_status st = BUF_OK;

    head(&st, out, "cglu_index_up", "gauge",
         "1 when the index can be searched");
    put(&st, out, "cglu_index_up %d\n", r->ok ? 1 : 0);
    if (r->ok) {
        head(&st, out, "cglu_index_documents", "gauge",
             "documents in the index");
        put(&st, out, "cglu_index_documents %llu\n", U(r->documents));
        head(&st, out, "cglu_index_revision", "gauge",
             "the index revision searched");
        put(&st, out, "cglu_index_revision %llu\n", U(r->revision));
        if (r->index_age_s >= 0) {
            head(&st, out, "cglu_index_age_seconds", "gauge",
                 "seconds since the index was last built");
            put(&st, out, "cglu_index_age_seconds %lld\n",
                (long long)r->index_age_s);
        }
    }
    return st;
}

/* One counter or gauge family with a single sample. */
static void single(buf_status *st, buf_t *b, const char *name, const char *type,
                   const char *help, unsigned long long v)
{
    head(st, b, name, type, help);
    put(st, b, "%s %llu\n", name, v);
}

buf_status metrics_render(const metrics *m, const render_figures *f, buf_t *out)
{
    buf_status st = BUF_OK;
    uint64_t cum = 0;

    head(&st, out, "cglu_http_requests_total", "counter",
         "HTTP requests answered, by endpoint and status");
    for (int e = 0; e < HTTP_EP_KINDS; e++)
        for (int i = 0; i < METRICS_NCODES; i++)
            if (m->http[e][i] > 0)
                put(&st, out,
                    "cglu_http_requests_total{endpoint=\"%s\",code=\"%d\"} "
                    "%llu\n",
                    metrics_endpoint_name((http_endpoint)e), metrics_codes[i],
                    U(m->http[e][i]));
    if (m->http_other_code > 0)
        put(&st, out,
            "cglu_http_requests_total{endpoint=\"other\",code=\"other\"} "
            "%llu\n",
            U(m->http_other_code));
    single(&st, out, "cglu_line_requests_total", "counter",
           "line-protocol requests", U(m->line));
    head(&st, out, "cglu_engine_runs_total", "counter",
         "requests run by the engine (not from the cache), by thread");
    put(&st, out,
        "cglu_engine_runs_total{thread=\"loop\"} %llu\n"
        "cglu_engine_runs_total{thread=\"worker\"} %llu\n",
        U(m->ran_loop), U(m->ran_worker));
    head(&st, out, "cglu_request_duration_seconds", "histogram",
         "time from a search request's arrival to its answer");
    for (int i = 0; i < METRICS_NBUCKETS; i++) {
        cum += m->bucket[i];
        put(&st, out, "cglu_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
            bounds[i], U(cum));
    }
    cum += m->bucket[METRICS_NBUCKETS];
    put(&st, out,
        "cglu_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
        "cglu_request_duration_seconds_sum %.6f\n"
        "cglu_request_duration_seconds_count %llu\n",
        U(cum), m->sum_s, U(m->count));
    single(&st, out, "cglu_errors_total", "counter",
           "requests answered with an error, both protocols", U(f->errors));
    single(&st, out, "cglu_connections_open", "gauge", "open connections",
           U(f->conn_open));
    single(&st, out, "cglu_connections_total", "counter",
           "connections accepted", U(f->conn_total));
    single(&st, out, "cglu_output_blocked_bytes", "gauge",
           "answer bytes waiting for slow clients", U(f->output_blocked));
    head(&st, out, "cglu_uptime_seconds", "gauge", "seconds since start");
    put(&st, out, "cglu_uptime_seconds %.3f\n", f->uptime_s);
    if (f->cache_on) {
        single(&st, out, "cglu_cache_hits_total", "counter",
               "searches answered from the answer cache", U(f->cache_hits));
        single(&st, out, "cglu_cache_misses_total", "counter",
               "searches looked up in the cache and not found",
               U(f->cache_misses));
        single(&st, out, "cglu_cache_evictions_total", "counter",
               "cache entries pushed out to make room", U(f->cache_evictions));
        single(&st, out, "cglu_cache_entries", "gauge", "cached answers",
               U(f->cache_entries));
        single(&st, out, "cglu_cache_bytes", "gauge", "bytes the cache uses",
               U(f->cache_bytes));
    }
    return st;
}
