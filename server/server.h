/* server: the daemon's libuv side: listener, connections, framing,
 * in-order dispatch to worker threads, per-client limits and statistics. */
#ifndef CGLU_SERVER_SERVER_H
#define CGLU_SERVER_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

/* Defaults of the limits (each has an option in cglu-searchd). */
#define SERVER_DEF_MAX_CONN 1024
#define SERVER_DEF_IDLE_S 300
#define SERVER_DEF_MAX_QUEUE 64
#define SERVER_DEF_MAX_OUTPUT (4u << 20)
#define SERVER_DEF_CACHE (8u << 20) /* bytes of cached SEARCH answers */

#define SERVER_DEF_MAX_AGE 60 /* --http-max-age */

/* Upper bounds accepted by server_open(). */
#define SERVER_MAX_THREADS 256 /* libuv's pool takes at most 1024 */
#define SERVER_MAX_CONN_LIMIT 1000000
#define SERVER_MAX_QUEUE_LIMIT 100000
#define SERVER_MIN_OUTPUT 1024 /* --max-output: at least this many bytes */
#define SERVER_MAX_OUTPUT_LIMIT ((size_t)1 << 30)
#define SERVER_MIN_CACHE ((size_t)64 << 10) /* or 0: no cache */
#define SERVER_MAX_CACHE_LIMIT ((size_t)1 << 30)
#define SERVER_MAX_IDLE_S 86400
#define SERVER_MAX_PASSWORD 1024
#define SERVER_MAX_AGE_LIMIT 31536000 /* a year, RFC 9111's advice */

/* A cached answer is served at most this long after it was computed,
 * whatever happens (a safety net: index commits clear the cache). */
#define SERVER_CACHE_TTL_MS 60000
/* How often the index's version file is looked at for a commit. */
#define SERVER_WATCH_MS 100

/* Latencies kept for the p50/p99 figures of STATS. */
#define SERVER_LATENCY_RING 1024

typedef enum {
    SERVER_LOG_INFO,
    SERVER_LOG_WARN,
    SERVER_LOG_ERROR,
} server_log_level;

/* Receives one event as one line without "\n" (msg is only valid during
 * the call). Called on the loop thread only. */
typedef void (*server_log_fn)(void *ud, server_log_level level,
                              const char *msg);

typedef struct server_config {
    const char *db_path; /* the index; copied */
    const char *host;    /* numeric IPv4 or IPv6 address; copied */
    unsigned port;       /* 0: any free port (see server_address()) */
    unsigned threads;    /* workers = search contexts, 1..SERVER_MAX_THREADS */
    unsigned max_connections; /* more clients get "busy" and are closed */
    unsigned idle_timeout_s;  /* 0 disables the idle timeout */
    unsigned max_queue;       /* requests queued per connection */
    size_t max_output;        /* answers held per connection: reading
                                 stops past it (about 2x with requests
                                 running); one answer <= a quarter */
    size_t cache_bytes;       /* answer cache: 0 disables it; a SEARCH
                                 repeated on the same index revision is
                                 answered from it on the loop thread */
    const char *password;     /* NULL: no AUTH needed; copied */
    size_t password_len;      /* 1..SERVER_MAX_PASSWORD */
    server_log_fn log;        /* NULL: no logs */
    void *log_ud;

    /* HTTP (docs/HTTP.md): http_host NULL serves the line protocol only */
    const char *http_host;   /* numeric IPv4 or IPv6 address; copied */
    unsigned http_port;      /* 0: any free port (server_http_address()) */
    const char *http_cors;   /* "*" (NULL too), "none", or a comma list of
                                origins; copied */
    unsigned http_max_age;   /* Cache-Control max-age, seconds */
    const char *log_queries; /* query log file, or NULL; copied */
    int log_addresses;       /* the query log names the client */
    int allow_partial;       /* remote shards: answer without a down one
                                (engine_set_partial) */
} server_config;

typedef enum {
    SERVER_OK = 0,
    SERVER_ERR_CONFIG, /* a value out of range: err says which */
    SERVER_ERR_INDEX,  /* search_check() or search_open() failed */
    SERVER_ERR_LISTEN, /* bad address, or bind/listen failed */
    SERVER_ERR_NOMEM,
    SERVER_ERR_LOOP, /* uv_loop_init() or a handle failed */
} server_status;

typedef struct server server;

/* Check the index, create the loop, open cfg->threads search contexts
 * and their threads (and the loop's own context), and start listening. On
 * success *out is set (free it with server_free()); on failure *out is NULL and
 * err holds one line. */
server_status server_open(const server_config *cfg, server **out, char *err,
                          size_t errlen);

/* The loop the server runs on: the caller may add its own handles (signal
 * watchers); it must uv_unref() them, or they keep server_run() from
 * returning, and uv_close() them before server_free(). */
uv_loop_t *server_loop(server *s);

/* "127.0.0.1:7878" or "[::1]:7878", with the real port: static storage
 * of the server, valid until server_free(). */
const char *server_address(const server *s);

/* The HTTP address like server_address(), or NULL without HTTP. */
const char *server_http_address(const server *s);

/* Run the loop until server_stop() has been called and every connection
 * has drained and closed. Returns SERVER_OK, or SERVER_ERR_LOOP. */
server_status server_run(server *s);

/* Loop thread only (e.g. a uv_signal_t callback). First call: close the
 * listener, stop reading from every client, let the requests in flight
 * finish and their answers be written, then close each connection (a
 * client that does not read is cut after a few seconds). A second call
 * closes every connection at once; work in flight still completes. */
void server_stop(server *s);

/* Loop thread only: forget cached answers and ask every search context
 * to reopen the index before its next request (SIGHUP; also done by the
 * server itself when the index's version file changes). Reopens the query
 * log's file too (logrotate). */
void server_reopen(server *s);

/* After server_run() returned and the caller closed its own handles:
 * close the loop (it must hold no handle: returns SERVER_ERR_LOOP if
 * uv_loop_close() fails, after freeing all it can), close the search
 * contexts and free s. NULL allowed. */
server_status server_free(server *s);

const char *server_strerror(server_status st);

#endif
