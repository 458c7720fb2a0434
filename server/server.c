/* server: the daemon's set-up and life: configuration checks, the loop
 * and its timers, the worker pool's creation, statistics, logs, shutdown.
 * The rest of server/ is listed in server_int.h. */
#include "server/server.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "common/errmsg.h"
#include "server/server_int.h"

#define STOP_GRACE_MS 5000 /* shutdown: then cut clients that do not read */
#define LOG_EVERY_MS 1000  /* a repeated warning: at most once a second */

#define LOG_LINE 512           /* longest log line */
#define MIN_ANSWER (64u << 10) /* smallest cap on one answer */

void server_logf(server *s, server_log_level lvl, const char *fmt, ...)
{
    char line[LOG_LINE];
    va_list ap;

    if (s->log == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->log(s->log_ud, lvl, line);
}

/* A warning that a flood could repeat (accept errors, busy): at most one
 * line a second, with the count of those skipped. */
void server_warn(server *s, int kind, const char *what)
{
    uint64_t now = uv_now(&s->loop);

    if (s->warn_ms[kind] != 0 && now - s->warn_ms[kind] < LOG_EVERY_MS) {
        s->warn_skipped[kind]++;
        return;
    }
    if (s->warn_skipped[kind] > 0)
        server_logf(s, SERVER_LOG_WARN, "%s (and %llu more like it)", what,
                    (unsigned long long)s->warn_skipped[kind]);
    else
        server_logf(s, SERVER_LOG_WARN, "%s", what);
    s->warn_ms[kind] = now;
    s->warn_skipped[kind] = 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

void server_figures(server *s, render_figures *f)
{
    double v[SERVER_LATENCY_RING];
    size_t n = s->lat_n;
    cache_figures cf;

    memset(f, 0, sizeof *f);
    f->uptime_s = (double)(uv_hrtime() - s->start_ns) / 1e9;
    f->conn_open = s->conn_open;
    f->conn_total = s->conn_total;
    f->requests = s->requests;
    f->errors = s->errors;
    /* a walk over at most max_connections: cheap next to a search */
    for (const conn *c = s->conns; c != NULL; c = c->next)
        if (c->writing)
            f->output_blocked +=
                uv_stream_get_write_queue_size((const uv_stream_t *)&c->tcp);
    f->cache_on = s->cache != NULL;
    cache_figures_get(s->cache, &cf);
    f->cache_entries = cf.entries;
    f->cache_bytes = cf.bytes;
    f->cache_max_bytes = cf.max_bytes;
    f->cache_hits = cf.hits;
    f->cache_misses = cf.misses;
    f->cache_evictions = cf.evictions;
    if (n == 0)
        return;
    /* O(n log n) on 1024 values per STATS: cheap next to a search. */
    memcpy(v, s->lat, n * sizeof v[0]);
    qsort(v, n, sizeof v[0], cmp_double);
    f->p50_ms = v[(n * 50 + 99) / 100 - 1]; /* nearest rank */
    f->p99_ms = v[(n * 99 + 99) / 100 - 1];
}

void server_latency(server *s, uint64_t t0)
{
    s->lat[s->lat_pos] = (double)(uv_hrtime() - t0) / 1e6;
    metrics_observe(&s->met, s->lat[s->lat_pos] / 1e3);
    s->lat_pos = (s->lat_pos + 1) % SERVER_LATENCY_RING;
    if (s->lat_n < SERVER_LATENCY_RING)
        s->lat_n++;
}

static void on_stop_timer(uv_timer_t *t)
{
    server_stop(t->data);
}

void server_maybe_done(server *s)
{
    if (!s->stopping || s->handles_closed || s->nconn > 0 || s->nrejects > 0)
        return;
    s->handles_closed = 1;
    uv_close((uv_handle_t *)&s->opener, NULL);
    uv_close((uv_handle_t *)&s->flusher, NULL);
    uv_close((uv_handle_t *)&s->sweeper, NULL);
    uv_close((uv_handle_t *)&s->stop_timer, NULL);
    uv_close((uv_handle_t *)&s->accept_retry, NULL);
    watch_stop(s);
    dispatch_workers_stop(s); /* no request left: every slot held a conn */
}

void server_stop(server *s)
{
    conn *c, *next;

    if (s->stopping) {
        if (!s->forced) {
            s->forced = 1;
            server_logf(
                s, SERVER_LOG_WARN,
                "closing %llu connections now (%llu requests in flight)",
                (unsigned long long)s->conn_open,
                (unsigned long long)s->in_flight);
            for (c = s->conns; c != NULL; c = next) {
                next = c->next;
                conn_close(c);
            }
        }
        return;
    }
    s->stopping = 1;
    server_logf(s, SERVER_LOG_INFO,
                "shutting down: %llu connections, %llu requests in flight",
                (unsigned long long)s->conn_open,
                (unsigned long long)s->in_flight);
    uv_close((uv_handle_t *)&s->listener, NULL);
    if (s->http_on)
        uv_close((uv_handle_t *)&s->http_listener, NULL);
    uv_timer_stop(&s->accept_retry);
    for (c = s->conns; c != NULL; c = next) {
        next = c->next;
        conn_read_stop(c);
        free(c->pend);
        c->pend = NULL;
        if (c->lingering)
            conn_close(c);
        else
            conn_maybe_finish(c);
    }
    uv_timer_start(&s->stop_timer, on_stop_timer, STOP_GRACE_MS, 0);
    server_maybe_done(s);
}

void server_reopen(server *s)
{
    watch_changed(s);
    qlog_reopen(s);
}

static int check_config(const server_config *c, char *err, size_t n)
{
    if (c->db_path == NULL || c->host == NULL)
        errmsg_set(err, n, "no index path or no address");
    else if (c->threads < 1 || c->threads > SERVER_MAX_THREADS)
        errmsg_set(err, n, "threads must be 1 to %d", SERVER_MAX_THREADS);
    else if (c->port > 65535)
        errmsg_set(err, n, "port must be 0 to 65535");
    else if (c->max_connections < 1 ||
             c->max_connections > SERVER_MAX_CONN_LIMIT)
        errmsg_set(err, n, "max connections must be 1 to %d",
                   SERVER_MAX_CONN_LIMIT);
    else if (c->max_queue < 1 || c->max_queue > SERVER_MAX_QUEUE_LIMIT)
        errmsg_set(err, n, "max queue must be 1 to %d", SERVER_MAX_QUEUE_LIMIT);
    else if (c->max_output < 1 || c->max_output > SERVER_MAX_OUTPUT_LIMIT)
        errmsg_set(err, n, "max output must be 1 to %zu bytes",
                   SERVER_MAX_OUTPUT_LIMIT);
    else if (c->cache_bytes != 0 && (c->cache_bytes < SERVER_MIN_CACHE ||
                                     c->cache_bytes > SERVER_MAX_CACHE_LIMIT))
        errmsg_set(err, n, "cache size must be 0 or %zu to %zu bytes",
                   SERVER_MIN_CACHE, SERVER_MAX_CACHE_LIMIT);
    else if (c->idle_timeout_s > SERVER_MAX_IDLE_S)
        errmsg_set(err, n, "idle timeout must be 0 to %d seconds",
                   SERVER_MAX_IDLE_S);
    else if (c->http_host != NULL && c->http_port > 65535)
        errmsg_set(err, n, "HTTP port must be 0 to 65535");
    else if (c->http_max_age > SERVER_MAX_AGE_LIMIT)
        errmsg_set(err, n, "HTTP max-age must be 0 to %d seconds",
                   SERVER_MAX_AGE_LIMIT);
    else if (c->password != NULL &&
             (c->password_len < 1 || c->password_len > SERVER_MAX_PASSWORD))
        errmsg_set(err, n, "password must be 1 to %d bytes",
                   SERVER_MAX_PASSWORD);
    else
        return 0;
    return -1;
}

/* Close every handle of a loop that failed half-way, then the loop. */
static void on_walk_close(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static int loop_close_all(uv_loop_t *loop)
{
    if (uv_loop_close(loop) == 0)
        return 0;
    uv_walk(loop, on_walk_close, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    return -1;
}

server_status server_open(const server_config *cfg, server **out, char *err,
                          size_t errlen)
{
    server *s = NULL;
    server_status st;
    uint64_t idle;
    struct rlimit rl;

    *out = NULL;
    if (check_config(cfg, err, errlen) != 0)
        return SERVER_ERR_CONFIG;
    if (engine_check(cfg->db_path, err, errlen) != ENGINE_OK)
        return SERVER_ERR_INDEX;
    st = SERVER_ERR_NOMEM;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        goto fail;
    s->qlog_fd = -1; /* before any failure: server_free() closes it */
    s->db_path = strdup(cfg->db_path);
    if (s->db_path == NULL)
        goto fail;
    if (cfg->password != NULL) {
        s->password = malloc(cfg->password_len);
        if (s->password == NULL)
            goto fail;
        memcpy(s->password, cfg->password, cfg->password_len);
        s->password_len = cfg->password_len;
    }
    s->max_conn = cfg->max_connections;
    s->max_queue = cfg->max_queue;
    s->max_output = cfg->max_output;
    s->allow_partial = cfg->allow_partial;
    /* A quarter of the output limit per answer: up to 8 requests of one
     * client run at once within its 2 x max_output (see pressure()). */
    s->max_answer =
        cfg->max_output / 4 > MIN_ANSWER ? cfg->max_output / 4 : MIN_ANSWER;
    s->idle_ms = (uint64_t)cfg->idle_timeout_s * 1000;
    s->log = cfg->log;
    s->log_ud = cfg->log_ud;
    s->log_addresses = cfg->log_addresses;
    if (cfg->log_queries != NULL) {
        s->qlog_path = strdup(cfg->log_queries);
        if (s->qlog_path == NULL)
            goto fail;
    }
    st = http_setup(s, cfg, err, errlen);
    if (st != SERVER_OK)
        goto fail;
    st = SERVER_ERR_CONFIG;
    if (qlog_open(s, err, errlen) != 0)
        goto fail;
    st = SERVER_ERR_NOMEM;
    buf_init(&s->scratch, 2 * PROTO_MAX_LINE);
    buf_init(&s->hit, s->max_answer + 64);
    if (cfg->cache_bytes > 0 &&
        cache_new(cfg->cache_bytes, SERVER_CACHE_TTL_MS, &s->cache) != CACHE_OK)
        goto fail;
    if (watch_init(s) != 0)
        goto fail;
    if (dispatch_build_help(s) != 0)
        goto fail;

    st = SERVER_ERR_LOOP;
    if (uv_loop_init(&s->loop) != 0) {
        errmsg_set(err, errlen, "cannot create the event loop");
        goto fail;
    }
    s->loop_ok = 1;
    uv_prepare_init(&s->loop, &s->opener);
    uv_check_init(&s->loop, &s->flusher);
    uv_timer_init(&s->loop, &s->sweeper);
    uv_timer_init(&s->loop, &s->stop_timer);
    uv_timer_init(&s->loop, &s->accept_retry);
    uv_timer_init(&s->loop, &s->watch);
    s->opener.data = s->flusher.data = s->sweeper.data = s->stop_timer.data =
        s->accept_retry.data = s->watch.data = s;
    if (watch_start(s, err, errlen) != 0)
        goto fail;
    uv_prepare_start(&s->opener, conn_on_prepare);
    uv_check_start(&s->flusher, conn_on_check);
    st = dispatch_workers_open(s, cfg->threads, err, errlen);
    if (st != SERVER_OK)
        goto fail;
    /* Timeouts are seen within a quarter of their length (100 ms-1 s). */
    idle = s->idle_ms / 4;
    idle = idle < 100 ? 100 : idle > 1000 ? 1000 : idle;
    uv_timer_start(&s->sweeper, conn_on_sweep, idle, idle);
    st = listen_start(s, cfg, err, errlen);
    if (st != SERVER_OK)
        goto fail;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        s->fd_limit = (uint64_t)rl.rlim_cur;
    s->start_ns = uv_hrtime();
    *out = s;
    return SERVER_OK;
fail:
    if (st == SERVER_ERR_NOMEM)
        errmsg_set(err, errlen, "out of memory");
    if (s != NULL) {
        s->stopping = 1; /* nothing is running: just free */
        watch_halt(s);   /* its thread signals the loop: stopped first */
        if (s->loop_ok)
            loop_close_all(&s->loop);
        s->loop_ok = 0;
        server_free(s);
    }
    return st;
}

uv_loop_t *server_loop(server *s)
{
    return &s->loop;
}

const char *server_address(const server *s)
{
    return s->addr;
}

const char *server_http_address(const server *s)
{
    return s->http_on ? s->http_addr : NULL;
}

server_status server_run(server *s)
{
    uv_run(&s->loop, UV_RUN_DEFAULT);
    return s->handles_closed ? SERVER_OK : SERVER_ERR_LOOP;
}

server_status server_free(server *s)
{
    server_status st = SERVER_OK;
    if (s == NULL)
        return SERVER_OK;
    watch_halt(s); /* it signals the loop: before the loop closes */
    if (s->loop_ok && loop_close_all(&s->loop) != 0) {
        server_logf(s, SERVER_LOG_ERROR, "event loop closed with handles open");
        st = SERVER_ERR_LOOP;
    }
    dispatch_workers_close(s);
    if (s->password != NULL) {
        explicit_bzero(s->password, s->password_len);
        free(s->password);
    }
    free(s->db_path);
    free(s->help);
    http_teardown(s);
    qlog_close(s);
    free(s->qlog_path);
    watch_free(s);
    cache_free(s->cache);
    buf_free(&s->scratch);
    buf_free(&s->hit);
    buf_free(&s->busy);
    free(s);
    return st;
}

const char *server_strerror(server_status st)
{
    switch (st) {
    case SERVER_OK:
        return "success";
    case SERVER_ERR_CONFIG:
        return "bad configuration";
    case SERVER_ERR_INDEX:
        return "cannot open the index";
    case SERVER_ERR_LISTEN:
        return "cannot listen";
    case SERVER_ERR_NOMEM:
        return "out of memory";
    case SERVER_ERR_LOOP:
        return "event loop failure";
    }
    return "unknown server error";
}
