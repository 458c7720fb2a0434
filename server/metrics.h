/* metrics: the daemon's counters in the Prometheus text format (version
 * 0.0.4) for GET /metrics: HTTP requests by endpoint and status,
 * line-protocol requests, a latency histogram, and the figures STATS
 * shows (cache, connections) and the index's (documents, revision, age).
 * A metrics struct is plain data inside the server (loop thread only):
 * nothing to allocate or free. */
#ifndef CGLU_SERVER_METRICS_H
#define CGLU_SERVER_METRICS_H

#include <stdint.h>

#include "common/buf.h"
#include "search/engine.h"
#include "search/render.h"

/* HTTP endpoints, as counted and as named in the metrics' labels. */
typedef enum {
    HTTP_EP_SEARCH,
    HTTP_EP_SUGGEST,
    HTTP_EP_DOC,
    HTTP_EP_STATS,
    HTTP_EP_HEALTH,
    HTTP_EP_METRICS,
    HTTP_EP_PAGE,  /* "/" */
    HTTP_EP_ASSET, /* the widget's script and style sheet */
    HTTP_EP_OTHER, /* unknown paths, malformed requests */
    HTTP_EP_KINDS
} http_endpoint;

/* The statuses the daemon answers, in metrics_codes order. */
#define METRICS_NCODES 14
/* Upper bounds (seconds) of the latency histogram's buckets, +Inf aside. */
#define METRICS_NBUCKETS 12

typedef struct metrics {
    uint64_t http[HTTP_EP_KINDS][METRICS_NCODES];
    uint64_t http_other_code; /* a status missing from the table */
    uint64_t line;            /* line-protocol requests */
    uint64_t ran_loop;        /* engine requests run on the loop thread */
    uint64_t ran_worker;      /* and on a worker */
    uint64_t bucket[METRICS_NBUCKETS + 1];
    double sum_s;
    uint64_t count;
} metrics;

/* The status codes of the table, in order. */
extern const int metrics_codes[METRICS_NCODES];

const char *metrics_endpoint_name(http_endpoint ep);

/* Count one HTTP answer of status to ep. */
void metrics_http(metrics *m, http_endpoint ep, int status);

/* One request's latency (engine requests of both protocols, cache hits
 * included). */
void metrics_observe(metrics *m, double seconds);

/* Worker thread: the index's gauges from a STATS result (documents,
 * revision, age), or cglu_index_up 0 when it failed. */
buf_status metrics_render_index(const engine_result *r, buf_t *out);

/* Loop thread: the counters of m and the server's figures f. */
buf_status metrics_render(const metrics *m, const render_figures *f,
                          buf_t *out);

#endif
