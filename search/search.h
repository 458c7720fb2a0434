/* search: run one SEARCH, SUGGEST, DOC or STATS request against the index
 * on a worker thread and write its one-line JSON answer. */
#ifndef CGLU_SEARCH_SEARCH_H
#define CGLU_SEARCH_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "server/cache.h"
#include "server/proto.h"

typedef enum {
    SEARCH_OK = 0,
    SEARCH_ERR_MISSING,      /* no index at that path */
    SEARCH_ERR_INCOMPATIBLE, /* other analyzer version or language */
    SEARCH_ERR_OPEN,         /* any other failure to open */
    SEARCH_ERR_NOMEM,
} search_status;

/* Figures the server layer keeps and STATS reports. */
typedef struct search_server_stats {
    double uptime_s;
    uint64_t conn_open, conn_total;
    uint64_t requests, errors;
    /* answers handed to the kernel that it has not taken yet: clients that
     * read slowly or not at all */
    uint64_t output_blocked;
    double p50_ms, p99_ms; /* over recent requests */
    int cache_on;          /* the answer cache is enabled: cache is set */
    cache_figures cache;
} search_server_stats;

/* One context per worker thread: its own Xapian reader and analyzer. */
typedef struct search_ctx search_ctx;

/* Check that db_path holds an index this build can serve. err gets one
 * line ("no index at var/cglu.db: run cglu-index DIR first", ...). */
search_status search_check(const char *db_path, char *err, size_t errlen);

/* Open a context. On success *out is set, freed with search_close();
 * on failure *out is NULL and err says why. */
search_status search_open(const char *db_path, search_ctx **out, char *err,
                          size_t errlen);
void search_close(search_ctx *ctx); /* NULL allowed */

/* Ask the context to reopen the index before its next request (SIGHUP).
 * Thread-safe: may be called from any thread. Contexts also look for a
 * newer committed revision by themselves at most every 100 ms. */
void search_request_reopen(search_ctx *ctx);

/* What an answer was computed from, for the server's answer cache. */
typedef struct search_info {
    uint64_t revision; /* the index revision searched */
    int current;       /* 0 when a reopen was due and failed: the revision may
                          be older than the newest committed one */
} search_info;

/* The revision ctx serves now (a worker's context: call it before the
 * context is handed to a worker, or from its worker). */
uint64_t search_revision(search_ctx *ctx);

/* Answer req (verb SEARCH, SUGGEST, DOC or STATS) by appending exactly one
 * JSON line, ending in "\n", to out: {"ok":true,...} or {"ok":false,
 * "error":CODE,"message":TEXT}. stats is only read for STATS (may be NULL
 * otherwise). When a piece of the answer does not fit in out (its limit,
 * or memory), everything written by this call is removed and the short
 * error line "too_large" is written instead: the line is always whole.
 * info (may be NULL) gets what the answer was computed from. */
void search_execute(search_ctx *ctx, const proto_request *req,
                    const search_server_stats *stats, buf_t *out,
                    search_info *info);

#endif
