/* render: the one writer of answers. A typed engine result (plus, for
 * STATS, the front end's own figures) becomes one JSON line; every front
 * end sends these bytes as they are. */
#ifndef CGLU_SEARCH_RENDER_H
#define CGLU_SEARCH_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "search/engine.h"

/* The serving process's figures that STATS adds to the index's. */
typedef struct render_figures {
    double uptime_s;
    uint64_t conn_open, conn_total;
    uint64_t requests, errors;
    /* answer bytes handed to the kernel that it has not taken yet: clients
     * that read slowly or not at all */
    uint64_t output_blocked;
    double p50_ms, p99_ms; /* over recent requests */
    int cache_on;          /* the answer cache is enabled: cache_* are set */
    uint64_t cache_entries, cache_bytes, cache_max_bytes;
    uint64_t cache_hits, cache_misses, cache_evictions;
} render_figures;

/* What a front end's answer cache needs to know of a rendered answer. */
typedef struct render_info {
    int ok; /* the line is {"ok":true,...} */
    /* A cacheable SEARCH answer ends with the time it took, the one part
     * that changes when it is served again: out[start .. start + keep)
     * is the answer up to and including `,"took_ms":`, and a cached copy
     * gets a new time and `}\n` (render_cached()). 0: not cacheable. */
    size_t keep;
    json_err error; /* !ok: the error the line carries */
    uint64_t total; /* SEARCH: matches (for the query log) */
    double took_ms; /* SEARCH: the engine's time */
} render_info;

/* Append the answer to res (a result of engine_run()) to out: exactly one
 * line ending in "\n". figures is read for STATS only (NULL: the index's
 * figures alone). When the line does not fit in out (its limit, or
 * memory), what this call wrote is removed and the short too_large error
 * line is written instead: the line is always whole. info may be NULL. */
void render_result(const engine_result *res, const render_figures *figures,
                   buf_t *out, render_info *info);

/* Append the error line {"ok":false,"error":CODE,"message":MSG}. */
void render_error(buf_t *out, json_err e, const char *msg);
/* ,"shards":[{"documents":N,"revision":N},...] of a STATS result of an
 * index of several shards onto out (nothing for a plain index): STATS and
 * /health say it the same way. */
void render_shards(buf_t *out, const engine_result *r);

/* Append a cached SEARCH answer kept[0..keep) (see render_info) served
 * again after took_ms: the new time and "cached":true close it. Returns
 * BUF_OK or the buf_status that stopped it (out cut back then). */
buf_status render_cached(buf_t *out, const char *kept, size_t keep,
                         double took_ms);

#endif
