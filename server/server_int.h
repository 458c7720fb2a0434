/* server_int: what the daemon's modules share inside server/ (not an API:
 * searchd_main uses server.h). One struct server per daemon, one struct
 * conn per client connection, one struct slot per request in flight.
 *
 *   listen.c   accepts, refuses with "busy", watches the fd limit
 *   conn.c     reads, frames, pauses and resumes, writes in order, lingers
 *   dispatch.c one request line: the verb table's rules, the answer cache,
 *              the hand-off to a worker (engine + renderer) and back, or
 *              one cheap search a turn run on the loop itself
 *   watch.c    notices a new index revision: empties the cache
 *   http.c     HTTP requests (httpreq.c) to engine requests; respond.c
 *              writes their responses; metrics.c, qlog.c
 *   server.c   set-up, statistics, logs, shutdown
 * Everything here runs on the loop thread, except the worker side of
 * dispatch.c (pool_run), which touches only its slot and its worker. */
#ifndef CGLU_SERVER_SERVER_INT_H
#define CGLU_SERVER_SERVER_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#include "common/buf.h"
#include "search/engine.h"
#include "search/render.h"
#include "server/cache.h"
#include "server/httpreq.h"
#include "server/metrics.h"
#include "server/pool.h"
#include "server/proto.h"
#include "server/server.h"

#define READ_SIZE 65536 /* one read; shared by every connection */

enum { WARN_ACCEPT, WARN_BUSY, WARN_NOMEM, WARN_AUTH, WARN_QLOG, WARN_KINDS };

typedef struct conn conn;
typedef struct worker worker; /* dispatch.c: an engine and its result */

/* What an HTTP request's answer needs beyond its body (http.c): decided
 * at arrival, used when the answer is complete. */
typedef struct slot_http {
    unsigned char on;       /* out gets a whole HTTP response */
    unsigned char endpoint; /* http_endpoint (metrics.h) */
    unsigned char head;     /* HEAD: the headers only */
    unsigned char close;    /* Connection: close after it */
    unsigned char v10;      /* HTTP/1.0 kept alive: say so */
    unsigned char authed;   /* it needed the password: private caching */
    signed char cors;       /* -1: no CORS header; 0: "*"; k: origin k */
    uint32_t page;          /* the search page's page number */
    uint64_t key_hash;      /* the request, for its ETag */
} slot_http;

/* One request of a connection, from its arrival to its answer being
 * handed to the connection's output, in request order. */
typedef struct slot {
    struct slot *next;
    conn *c;
    pool_job job;           /* on a worker */
    int done;               /* out holds the whole answer */
    int cacheable;          /* a SEARCH whose answer may be cached */
    uint64_t cache_gen;     /* s->cache_gen at arrival */
    uint64_t revision;      /* the index revision the worker searched */
    int current;            /* 0: a due reopen failed (engine_result) */
    int partial;            /* answered without a down remote shard */
    render_info rinfo;      /* what the renderer reports of out */
    uint64_t t0;            /* uv_hrtime() at arrival */
    render_figures figures; /* STATS: snapshot taken at arrival */
    engine_request req;     /* its text points into text below */
    slot_http http;         /* http.on: an HTTP request */
    buf_t out;              /* the answer line */
    char text[];            /* copy of the request's text */
} slot;

struct conn {
    uv_tcp_t tcp;
    server *s;
    conn *prev, *next; /* s->conns, while not closing */
    conn *dirty_next;  /* s->dirty, while dirty */
    int refs;          /* handle until closed + work in flight + dirty */
    unsigned closing : 1, reading : 1, paused : 1, quit : 1, eof : 1,
        authed : 1, writing : 1, dirty : 1, lingering : 1, http : 1;
    slot *head, *tail; /* requests not yet answered, in order */
    unsigned nslots;
    unsigned busy; /* of those, on a worker now */
    size_t held;   /* bytes of finished answers still in slots */
    char *pend;    /* input left over by a pause (malloc'd) */
    size_t pend_len, pend_off;
    buf_t out;  /* answers waiting for the next write */
    buf_t wout; /* answers being written */
    uv_write_t wreq;
    uv_shutdown_t sreq;
    uint64_t last_ms;   /* uv_now() of the last sign of life */
    uint64_t linger_ms; /* uv_now() when lingering began */
    size_t last_wq;     /* write queue size seen by the last sweep */
    proto_framer fr;    /* line protocol */
    httpreq_parser *hp; /* HTTP (malloc'd) */
    uint64_t head_ms;   /* HTTP: uv_now() when the pending head began */
};

typedef struct watch_thread watch_thread;

struct server {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_prepare_t opener;     /* before the loop polls: late answers out */
    uv_check_t flusher;      /* writes the answers of a loop turn */
    uv_timer_t sweeper;      /* idle timeouts, lingering closes */
    uv_timer_t stop_timer;   /* end of the shutdown grace period */
    uv_timer_t accept_retry; /* out of memory at accept */
    uv_stream_t *retry_l;    /* the listener it retries */
    uv_timer_t watch;        /* looks for a new index revision */
    int stopping, forced, handles_closed, loop_ok;

    char *db_path, *password;
    size_t password_len;
    unsigned max_conn, max_queue;
    size_t max_output, max_answer;
    uint64_t idle_ms;
    uint64_t fd_limit; /* RLIMIT_NOFILE at start (0: unknown) */
    server_log_fn log;
    void *log_ud;
    char addr[80];

    /* HTTP (http.c): http_on is 0 without --http */
    uv_tcp_t http_listener;
    int http_on;
    char http_addr[80];
    buf_t http_busy; /* the answer of a refused HTTP client */
    char **cors;     /* allowed origins (NULL: "*" or none) */
    size_t ncors;
    int cors_any;       /* "*" */
    unsigned max_age;   /* Cache-Control max-age of answers */
    char *hq_text;      /* a decoded parameter (HTTPREQ_MAX_URL bytes) */
    char *hq_val;       /* another one */
    buf_t http_out;     /* one response built on the loop thread */
    char http_date[40]; /* the Date header's value, once a second */
    int64_t http_date_s;
    metrics met;
    int qlog_fd; /* --log-queries (O_APPEND), or -1 */
    char *qlog_path;
    int log_addresses;

    /* The worker threads (pool.c), each with its own worker for life. */
    worker **workers;
    unsigned nworkers;
    pool *pool;
    unsigned pool_active; /* workers taking requests (dispatch.c) */
    /* The loop's own engine: one cheap search a turn runs on the loop
     * itself, with no hand-off to a thread and back (dispatch.c). */
    worker *loop_worker;
    struct slot *turn_slot;  /* kept for the end of this turn */
    int turn_open;           /* poll phase: a search may be kept */
    uint64_t loop_search_ns; /* uv_hrtime() after its last search */

    conn *conns;    /* open connections */
    conn *dirty;    /* connections with answers to flush this turn */
    uint64_t nconn; /* conn structures allocated (open or closing) */
    unsigned nrejects;
    uint64_t conn_open, conn_total, requests, errors, in_flight;
    uint64_t start_ns;
    double lat[SERVER_LATENCY_RING]; /* ms, a ring */
    size_t lat_n, lat_pos;
    uint64_t warn_ms[WARN_KINDS], warn_skipped[WARN_KINDS];

    /* Answers of recent SEARCH requests (NULL: no cache). An answer is
     * stored only if no index change was seen between its request's
     * arrival and its completion: cache_gen counts those changes. */
    cache *cache;
    uint64_t cache_gen;
    uint64_t max_rev;   /* newest index revision a worker has searched */
    uint64_t watch_rev; /* the revision the watch saw last (watch_ok) */
    uint64_t index_id;  /* a hash of that index's UUID: ETags (http.c) */
    struct index_meta_watch *revwatch; /* the index's revision (watch.c) */
    watch_thread *wthread; /* remote shards: the watch's own thread */
    int allow_partial;     /* engine_set_partial on every worker */
    char watch_err[256];   /* why the last look failed */
    int watch_ok;     /* 0: cannot read the index, commits unseen: no cache */
    int watch_warned; /* the failure was logged */

    buf_t scratch; /* one answer built on the loop thread */
    buf_t hit;     /* an answer from the cache */
    buf_t busy;    /* the answer of a refused client (listen.c) */
    char *help;    /* the HELP answer, built once */
    size_t help_len;
    char rbuf[READ_SIZE];
};

/* server.c */
void server_logf(server *s, server_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A warning that a flood could repeat: at most one line a second. */
void server_warn(server *s, int kind, const char *what);
void server_figures(server *s, render_figures *f);
void server_latency(server *s, uint64_t t0);
void server_maybe_done(server *s); /* stopping: close the handles */

/* conn.c */
void conn_peer_name(conn *c, char *out, size_t n);
void conn_close(conn *c);
void conn_unref(conn *c);
void conn_on_close(uv_handle_t *h);
void conn_read_start(conn *c);
void conn_read_stop(conn *c);
void conn_mark_dirty(conn *c);
void conn_maybe_finish(conn *c);
void conn_on_prepare(uv_prepare_t *h);
void conn_on_check(uv_check_t *h);
void conn_on_sweep(uv_timer_t *t);
/* Queue the answer p[0..n) behind the requests still pending. */
void conn_reply(conn *c, const char *p, size_t n);
/* Queue an error line (counted in the errors figure); extra_key, when
 * not NULL, adds the member extra_key:extra[0..extra_len). */
void conn_reply_error(conn *c, json_err e, const char *msg, size_t msg_len,
                      const char *extra_key, const char *extra,
                      size_t extra_len);
void conn_reply_msg(conn *c, json_err e, const char *msg);
#define CONN_REPLY_LIT(c, lit) conn_reply((c), (lit), sizeof(lit) - 1)

/* listen.c: the line protocol's listener, and HTTP's when asked for */
server_status listen_start(server *s, const server_config *cfg, char *err,
                           size_t n);

/* conn.c: after a request was dispatched: PROTO_PAUSE when the connection
 * must stop reading (quit, closing, or over its limits), else
 * PROTO_CONTINUE. */
int conn_after_request(conn *c);

/* http.c */
server_status http_setup(server *s, const server_config *cfg, char *err,
                         size_t n);
void http_teardown(server *s);
/* Read bytes of an HTTP connection: returns the bytes used (less than n
 * when reading paused). */
size_t http_feed(conn *c, const char *p, size_t n);
/* Turn a finished slot's body into its HTTP response (loop thread). */
void http_finish(conn *c, slot *sl);
/* An error answer (counted in the errors figure) with e's status. */
void http_reply_error(conn *c, const slot_http *h, json_err e, const char *msg);
/* The answer to a request that got an engine answer from the cache. */
void http_reply_cached(conn *c, const slot_http *h, const char *body, size_t n);
/* Worker thread: the body of an HTTP-only endpoint from w's result. */
void http_render(const slot *sl, const engine_result *res, buf_t *out,
                 render_info *ri);
void http_sweep(conn *c, uint64_t now);

/* qlog.c: the query log (--log-queries) */
int qlog_open(server *s, char *err, size_t n);
void qlog_reopen(server *s);
void qlog_close(server *s);
void qlog_search(server *s, conn *c, const char *q, size_t len, uint64_t total,
                 double took_ms);

/* dispatch.c */
void dispatch_line(conn *c, const char *line, size_t len);
/* A request for the engine, from either front end (h NULL: the line
 * protocol): answered from the cache or queued on a worker, in order. */
void dispatch_engine(conn *c, const engine_request *req, int cacheable,
                     const slot_http *h);
/* The typed request as bytes (its numbers, its filter's canonical bytes,
 * then its text, cut at PROTO_MAX_LINE): the answer cache's key, and what
 * an ETag hashes. */
#define DISPATCH_KEY_HEAD 16 /* the four numbers of engine_request */
#define DISPATCH_KEY_MAX (DISPATCH_KEY_HEAD + FILTER_KEY_MAX + PROTO_MAX_LINE)
size_t dispatch_request_key(const engine_request *r,
                            char key[DISPATCH_KEY_MAX]);
/* The password check of AUTH and of HTTP's Bearer (constant time). */
int dispatch_password_ok(const server *s, const char *guess, size_t len);
int dispatch_build_help(server *s);
/* n worker threads, each with its engine on db_path, and the loop's own
 * engine (once the loop is initialised). */
server_status dispatch_workers_open(server *s, unsigned n, char *err,
                                    size_t errlen);
void dispatch_workers_stop(server *s);   /* no request left: close its handle */
void dispatch_workers_close(server *s);  /* join the threads, free */
void dispatch_workers_reopen(server *s); /* before the next request */
/* End of a loop turn's polling (conn_on_check): run the search the loop
 * kept for itself, if any. */
void dispatch_turn_end(server *s);

/* watch.c */
int watch_init(server *s); /* 0, or -1 out of memory */
void watch_free(server *s);
void watch_changed(server *s); /* the index changed: cache emptied */
void watch_on_timer(uv_timer_t *t);
/* After the loop is made: the timer, or the thread of an index with
 * remote shards. 0, or -1 (err says why). */
int watch_start(server *s, char *err, size_t errlen);
void watch_stop(server *s); /* the timer, the thread and its handle */
void watch_halt(server *s); /* the thread only: before handles close */
void watch_poll(server *s); /* look at the index now, as the timer does */

#endif
