/* metrics: Prometheus text (see metrics.h). */
#include "server/metrics.h"

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

static int head(buf_t *b, const char *name, const char *type, const char *help)
{
    return buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
                      type) != BUF_OK;
}

#define U(x) ((unsigned long long)(x))

buf_status metrics_render_index(const engine_result *r, buf_t *out)
{
    int bad = 0;

    bad |=
        head(out, "cglu_index_up", "gauge", "1 when the index can be searched");
    bad |= buf_printf(out, "cglu_index_up %d\n", r->ok ? 1 : 0) != BUF_OK;
    if (r->ok) {
        bad |= head(out, "cglu_index_documents", "gauge",
                    "documents in the index");
        bad |= buf_printf(out, "cglu_index_documents %llu\n",
                          U(r->documents)) != BUF_OK;
        bad |= head(out, "cglu_index_revision", "gauge",
                    "the index revision searched");
        bad |= buf_printf(out, "cglu_index_revision %llu\n", U(r->revision)) !=
               BUF_OK;
        if (r->index_age_s >= 0) {
            bad |= head(out, "cglu_index_age_seconds", "gauge",
                        "seconds since the index was last built");
            bad |= buf_printf(out, "cglu_index_age_seconds %lld\n",
                              (long long)r->index_age_s) != BUF_OK;
        }
    }
    return bad ? BUF_ERR_NOMEM : BUF_OK;
}

buf_status metrics_render(const metrics *m, const render_figures *f, buf_t *out)
{
    int bad = 0;
    uint64_t cum = 0;

    bad |= head(out, "cglu_http_requests_total", "counter",
                "HTTP requests answered, by endpoint and status");
    for (int e = 0; e < HTTP_EP_KINDS; e++)
        for (int i = 0; i < METRICS_NCODES; i++)
            if (m->http[e][i] > 0)
                bad |= buf_printf(out,
                                  "cglu_http_requests_total{endpoint=\"%s\","
                                  "code=\"%d\"} %llu\n",
                                  metrics_endpoint_name((http_endpoint)e),
                                  metrics_codes[i], U(m->http[e][i])) != BUF_OK;
    bad |= head(out, "cglu_line_requests_total", "counter",
                "line-protocol requests");
    bad |= buf_printf(out, "cglu_line_requests_total %llu\n", U(m->line)) !=
           BUF_OK;
    bad |= head(out, "cglu_request_duration_seconds", "histogram",
                "time from a search request's arrival to its answer");
    for (int i = 0; i <= METRICS_NBUCKETS; i++) {
        cum += m->bucket[i];
        if (i < METRICS_NBUCKETS)
            bad |= buf_printf(out,
                              "cglu_request_duration_seconds_bucket{le=\"%g\"}"
                              " %llu\n",
                              bounds[i], U(cum)) != BUF_OK;
        else
            bad |= buf_printf(out,
                              "cglu_request_duration_seconds_bucket{le=\"+"
                              "Inf\"} %llu\n",
                              U(cum)) != BUF_OK;
    }
    bad |= buf_printf(out,
                      "cglu_request_duration_seconds_sum %.6f\n"
                      "cglu_request_duration_seconds_count %llu\n",
                      m->sum_s, U(m->count)) != BUF_OK;
    bad |= head(out, "cglu_errors_total", "counter",
                "requests answered with an error, both protocols");
    bad |= buf_printf(out, "cglu_errors_total %llu\n", U(f->errors)) != BUF_OK;
    bad |= head(out, "cglu_connections_open", "gauge", "open connections");
    bad |= buf_printf(out, "cglu_connections_open %llu\n", U(f->conn_open)) !=
           BUF_OK;
    bad |=
        head(out, "cglu_connections_total", "counter", "connections accepted");
    bad |= buf_printf(out, "cglu_connections_total %llu\n", U(f->conn_total)) !=
           BUF_OK;
    bad |= head(out, "cglu_output_blocked_bytes", "gauge",
                "answer bytes waiting for slow clients");
    bad |= buf_printf(out, "cglu_output_blocked_bytes %llu\n",
                      U(f->output_blocked)) != BUF_OK;
    bad |= head(out, "cglu_uptime_seconds", "gauge", "seconds since start");
    bad |= buf_printf(out, "cglu_uptime_seconds %.3f\n", f->uptime_s) != BUF_OK;
    if (f->cache_on) {
        bad |= head(out, "cglu_cache_hits_total", "counter",
                    "searches answered from the answer cache");
        bad |= buf_printf(out, "cglu_cache_hits_total %llu\n",
                          U(f->cache_hits)) != BUF_OK;
        bad |= head(out, "cglu_cache_misses_total", "counter",
                    "searches looked up in the cache and not found");
        bad |= buf_printf(out, "cglu_cache_misses_total %llu\n",
                          U(f->cache_misses)) != BUF_OK;
        bad |= head(out, "cglu_cache_evictions_total", "counter",
                    "cache entries pushed out to make room");
        bad |= buf_printf(out, "cglu_cache_evictions_total %llu\n",
                          U(f->cache_evictions)) != BUF_OK;
        bad |= head(out, "cglu_cache_entries", "gauge", "cached answers");
        bad |= buf_printf(out, "cglu_cache_entries %llu\n",
                          U(f->cache_entries)) != BUF_OK;
        bad |= head(out, "cglu_cache_bytes", "gauge", "bytes the cache uses");
        bad |= buf_printf(out, "cglu_cache_bytes %llu\n", U(f->cache_bytes)) !=
               BUF_OK;
    }
    return bad ? BUF_ERR_NOMEM : BUF_OK;
}
