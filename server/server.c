/* server: the daemon's libuv side: listener, connections, framing,
 * in-order dispatch to worker threads, per-client limits and statistics. */
#include "server/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/json.h"
#include "server/cache.h"
#include "server/proto.h"
#include "search/search.h"

#define READ_SIZE 65536        /* one read; shared by every connection */
#define LISTEN_BACKLOG 1024    /* the kernel clamps it to somaxconn */
#define MAX_REJECTS 64         /* "busy" lines being written at once */
#define LINGER_MS 2000         /* after QUIT: wait this long for the FIN */
#define STOP_GRACE_MS 5000     /* shutdown: then cut clients that do not read */
#define ACCEPT_RETRY_MS 100    /* out of memory at accept: try again then */
#define ECHO_MAX 64            /* bytes of a client's verb or key echoed back */
#define KEEP_CAP 65536         /* output memory an idle connection keeps */
#define MIN_ANSWER (64u << 10) /* smallest cap on one answer */
#define LOG_EVERY_MS 1000      /* a repeated warning: at most once a second */
#define LOG_LINE 512
/* A plain number macro as a string literal, for messages built at compile
 * time (PROTO_MAX_LINE in the line_too_long answer). */
#define STR_(x) #x
#define STR(x) STR_(x)

enum { WARN_ACCEPT, WARN_BUSY, WARN_NOMEM, WARN_AUTH, WARN_KINDS };

typedef struct conn conn;

/* One request of a connection, from its arrival to its answer being
 * handed to the connection's output, in request order. */
typedef struct slot {
    struct slot *next;
    conn *c;
    uv_work_t work;
    int done;      /* out holds the whole answer */
    int cacheable; /* a SEARCH whose answer may be cached */
    size_t line_len;
    uint64_t cache_gen;        /* s->cache_gen at arrival */
    search_info info;          /* what the worker searched */
    uint64_t t0;               /* uv_hrtime() at arrival */
    search_server_stats stats; /* STATS: snapshot taken at arrival */
    proto_request req;         /* points into line */
    buf_t out;                 /* the answer line */
    char line[];               /* copy of the request line */
} slot;

struct conn {
    uv_tcp_t tcp;
    server *s;
    conn *prev, *next; /* s->conns, while not closing */
    conn *dirty_next;  /* s->dirty, while dirty */
    int refs;          /* handle until closed + work in flight + dirty */
    unsigned closing : 1, reading : 1, paused : 1, quit : 1, eof : 1,
        authed : 1, writing : 1, dirty : 1, lingering : 1;
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
    proto_framer fr;
};

/* A client refused with "busy". */
typedef struct reject {
    uv_tcp_t tcp;
    uv_write_t wreq;
    server *s;
} reject;

struct server {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_check_t flusher;      /* writes the answers of a loop turn */
    uv_timer_t sweeper;      /* idle timeouts, lingering closes */
    uv_timer_t stop_timer;   /* end of the shutdown grace period */
    uv_timer_t accept_retry; /* out of memory at accept */
    uv_timer_t watch;        /* looks at the index's version file */
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

    /* The fixed pool of search contexts, one per worker thread. */
    search_ctx **ctx;
    unsigned nctx;
    search_ctx **free_ctx; /* a stack of nfree */
    unsigned nfree;
    uv_mutex_t ctx_lock;
    uv_cond_t ctx_cond;
    int sync_ok;

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
    uint64_t max_rev;     /* newest index revision a worker has searched */
    char *watch_path;     /* db_path + "/iamglass" */
    struct stat watch_st; /* its last stat (when watch_ok) */
    int watch_ok;         /* 0: stat failed, commits unseen: no caching */
    int watch_warned;     /* the failure was logged */

    buf_t scratch; /* one answer built on the loop thread */
    buf_t hit;     /* an answer from the cache */
    char *help;    /* the HELP answer, built once */
    size_t help_len;
    char rbuf[READ_SIZE];
};

/* ---- Logs ---- */

static void logf_(server *s, server_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void logf_(server *s, server_log_level lvl, const char *fmt, ...)
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
static void warn_limited(server *s, int kind, const char *what)
{
    uint64_t now = uv_now(&s->loop);

    if (s->warn_ms[kind] != 0 && now - s->warn_ms[kind] < LOG_EVERY_MS) {
        s->warn_skipped[kind]++;
        return;
    }
    if (s->warn_skipped[kind] > 0)
        logf_(s, SERVER_LOG_WARN, "%s (and %llu more like it)", what,
              (unsigned long long)s->warn_skipped[kind]);
    else
        logf_(s, SERVER_LOG_WARN, "%s", what);
    s->warn_ms[kind] = now;
    s->warn_skipped[kind] = 0;
}

static void peer_name(conn *c, char *out, size_t n)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    char ip[64] = "?";

    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
            snprintf(out, n, "[%s]:%u", ip,
                     ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
            return;
        }
        uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
        snprintf(out, n, "%s:%u", ip,
                 ntohs(((struct sockaddr_in *)&ss)->sin_port));
        return;
    }
    snprintf(out, n, "?");
}

/* ---- Search context pool ---- */

/* Worker thread. The pool holds one context per thread, so one is always
 * free; the wait only guards against libuv running more work at once. */
static search_ctx *ctx_take(server *s)
{
    search_ctx *x;

    uv_mutex_lock(&s->ctx_lock);
    while (s->nfree == 0)
        uv_cond_wait(&s->ctx_cond, &s->ctx_lock);
    x = s->free_ctx[--s->nfree];
    uv_mutex_unlock(&s->ctx_lock);
    return x;
}

static void ctx_give(server *s, search_ctx *x)
{
    uv_mutex_lock(&s->ctx_lock);
    s->free_ctx[s->nfree++] = x;
    uv_cond_signal(&s->ctx_cond);
    uv_mutex_unlock(&s->ctx_lock);
}

/* ---- Statistics ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void stats_snapshot(server *s, search_server_stats *st)
{
    double v[SERVER_LATENCY_RING];
    size_t n = s->lat_n;

    st->uptime_s = (double)(uv_hrtime() - s->start_ns) / 1e9;
    st->conn_open = s->conn_open;
    st->conn_total = s->conn_total;
    st->requests = s->requests;
    st->errors = s->errors;
    /* a walk over at most max_connections: cheap next to a search */
    st->output_blocked = 0;
    for (const conn *c = s->conns; c != NULL; c = c->next)
        if (c->writing)
            st->output_blocked +=
                uv_stream_get_write_queue_size((const uv_stream_t *)&c->tcp);
    st->p50_ms = st->p99_ms = 0;
    st->cache_on = s->cache != NULL;
    cache_figures_get(s->cache, &st->cache);
    if (n == 0)
        return;
    /* O(n log n) on 1024 values per STATS: cheap next to a search. */
    memcpy(v, s->lat, n * sizeof v[0]);
    qsort(v, n, sizeof v[0], cmp_double);
    st->p50_ms = v[(n * 50 + 99) / 100 - 1]; /* nearest rank */
    st->p99_ms = v[(n * 99 + 99) / 100 - 1];
}

static void stats_latency(server *s, uint64_t t0)
{
    s->lat[s->lat_pos] = (double)(uv_hrtime() - t0) / 1e6;
    s->lat_pos = (s->lat_pos + 1) % SERVER_LATENCY_RING;
    if (s->lat_n < SERVER_LATENCY_RING)
        s->lat_n++;
}

static int is_error_line(const char *p, size_t n)
{
    static const char neg[] = "{\"ok\":false";

    return n >= sizeof neg - 1 && memcmp(p, neg, sizeof neg - 1) == 0;
}

/* ---- Connections: closing and freeing ---- */

static void server_maybe_done(server *s);
static void conn_flush(conn *c);

static void slot_free(slot *sl)
{
    buf_free(&sl->out);
    free(sl);
}

static void conn_free(conn *c)
{
    server *s = c->s;
    slot *sl;

    while ((sl = c->head) != NULL) {
        c->head = sl->next;
        slot_free(sl);
    }
    buf_free(&c->out);
    buf_free(&c->wout);
    free(c->pend);
    free(c);
    s->nconn--;
    server_maybe_done(s);
}

static void conn_unref(conn *c)
{
    if (--c->refs == 0)
        conn_free(c);
}

static void on_conn_close(uv_handle_t *h)
{
    conn_unref(h->data);
}

/* Close now; the memory goes when the close callback has run and no work
 * item of the connection is in flight (uv_close does not cancel them). */
static void conn_close(conn *c)
{
    server *s = c->s;

    if (c->closing)
        return;
    c->closing = 1;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    s->conn_open--;
    uv_close((uv_handle_t *)&c->tcp, on_conn_close);
}

static void read_stop(conn *c)
{
    if (c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    conn *c = h->data;

    (void)hint;
    /* Safe to share: libuv hands the bytes to on_read before it reads
     * for anybody else, and a pause copies what is left (conn_feed). */
    *b = uv_buf_init(c->s->rbuf, READ_SIZE);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b);

static void read_start(conn *c)
{
    if (c->reading || c->closing)
        return;
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
        conn_close(c);
        return;
    }
    c->reading = 1;
}

/* ---- Answers, in request order ---- */

static void mark_dirty(conn *c)
{
    if (c->dirty || c->closing)
        return;
    c->dirty = 1;
    c->refs++;
    c->dirty_next = c->s->dirty;
    c->s->dirty = c;
}

static size_t out_bytes(const conn *c)
{
    return c->out.len + c->wout.len;
}

/* Queue the answer p[0..n) behind the requests still pending, or straight
 * into the output when none is: a PING never overtakes a SEARCH. */
static void reply(conn *c, const char *p, size_t n)
{
    server *s = c->s;
    slot *sl;

    if (is_error_line(p, n))
        s->errors++;
    if (c->head == NULL) {
        if (buf_append(&c->out, p, n) != BUF_OK)
            goto nomem;
        mark_dirty(c);
        return;
    }
    sl = malloc(sizeof *sl);
    if (sl == NULL)
        goto nomem;
    memset(sl, 0, sizeof *sl);
    buf_init(&sl->out, n);
    if (buf_append(&sl->out, p, n) != BUF_OK) {
        free(sl);
        goto nomem;
    }
    sl->c = c;
    sl->done = 1;
    c->tail->next = sl;
    c->tail = sl;
    c->nslots++;
    c->held += n;
    return;
nomem:
    /* An answer cannot be dropped without breaking the order: the
     * connection is closed instead. */
    warn_limited(s, WARN_NOMEM, "out of memory: connection closed");
    conn_close(c);
}

static void reply_error(conn *c, const char *code, const char *msg,
                        size_t msg_len, const char *extra_key,
                        const char *extra, size_t extra_len)
{
    buf_t *b = &c->s->scratch;

    buf_reset(b);
    buf_puts(b, "{\"ok\":false,\"error\":");
    json_str(b, code, strlen(code));
    buf_puts(b, ",\"message\":");
    json_str(b, msg, msg_len);
    if (extra_key != NULL) {
        buf_putc(b, ',');
        json_key(b, extra_key);
        json_str(b, extra, extra_len);
    }
    if (buf_puts(b, "}\n") != BUF_OK) { /* scratch holds 2 * 8 KB */
        buf_reset(b);
        buf_puts(b, "{\"ok\":false,\"error\":\"internal\",\"message\":"
                    "\"answer too long\"}\n");
    }
    reply(c, b->data, b->len);
}

static void reply_msg(conn *c, const char *code, const char *msg)
{
    reply_error(c, code, msg, strlen(msg), NULL, NULL, 0);
}

#define REPLY_LIT(c, lit) reply((c), (lit), sizeof(lit) - 1)

/* ---- Answer cache ---- */

static const char took_key[] = ",\"took_ms\":";

/* The cache key of a SEARCH: its options and query as sent, NUL bytes
 * included (the verb is SEARCH in any case). req points into line. */
static void cache_key(const proto_request *req, const char *line, size_t len,
                      const char **key, size_t *klen)
{
    size_t skip = (size_t)(req->verb_text - line) + req->verb_len;
    *key = line + skip;
    *klen = len >= skip ? len - skip : 0;
}

/* Keep a successful SEARCH answer, cut after its "took_ms": key (the
 * last member, rewritten on each hit). Failures only cost a later miss. */
static void cache_store(server *s, const slot *sl)
{
    const char *key, *ans = sl->out.data;
    size_t klen, k = sizeof took_key - 1, n = sl->out.len, i;

    if (s->cache == NULL || n < k)
        return;
    for (i = n - k + 1; i-- > 0;)
        if (memcmp(ans + i, took_key, k) == 0)
            break;
    if (i == (size_t)-1)
        return;
    cache_key(&sl->req, sl->line, sl->line_len, &key, &klen);
    cache_put(s->cache, key, klen, ans, i + k, uv_now(&s->loop));
}

/* Answer a SEARCH from the cache when it holds it: 1 if answered. */
static int answer_from_cache(conn *c, const proto_request *req,
                             const char *line, size_t len)
{
    server *s = c->s;
    const char *key, *val;
    size_t klen, vlen;
    uint64_t t0 = uv_hrtime();

    if (s->cache == NULL || !s->watch_ok)
        return 0;
    cache_key(req, line, len, &key, &klen);
    if (!cache_get(s->cache, key, klen, uv_now(&s->loop), &val, &vlen))
        return 0;
    buf_reset(&s->hit);
    buf_append(&s->hit, val, vlen);
    json_double(&s->hit, (double)(uv_hrtime() - t0) / 1e6, 3);
    buf_puts(&s->hit, ",\"cached\":true}\n");
    if (s->hit.failed)
        return 0; /* out of memory: the worker answers it */
    reply(c, s->hit.data, s->hit.len);
    stats_latency(s, t0);
    return 1;
}

/* The index changed (a commit, SIGHUP): cached answers may be false now,
 * and so may answers being computed on the old revision. */
static void index_changed(server *s)
{
    unsigned i;

    s->cache_gen++;
    cache_clear(s->cache);
    for (i = 0; i < s->nctx; i++)
        search_request_reopen(s->ctx[i]);
}

static int same_file_state(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
           a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
           a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
           a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Glass renames a new iamglass into place at each commit: a new inode and
 * times. A stat() of a local file takes microseconds, so it runs on the
 * loop itself: on libuv's pool (uv_fs_poll) it would wait behind every
 * queued search while stale answers kept being served from the cache. */
static void watch_index(server *s)
{
    struct stat st;
    int ok = stat(s->watch_path, &st) == 0;

    if (ok && s->watch_ok && same_file_state(&st, &s->watch_st))
        return;
    if (!ok && !s->watch_warned && s->cache != NULL) {
        s->watch_warned = 1;
        logf_(s, SERVER_LOG_WARN,
              "cannot stat %s: %s; no answer caching until it is back",
              s->watch_path, strerror(errno));
    }
    if (ok && s->watch_warned) {
        s->watch_warned = 0;
        logf_(s, SERVER_LOG_INFO, "%s is back: answer caching resumes",
              s->watch_path);
    }
    if (ok || s->watch_ok)
        index_changed(s);
    s->watch_ok = ok;
    if (ok)
        s->watch_st = st;
}

static void on_watch(uv_timer_t *t)
{
    watch_index(t->data);
}

/* ---- Work on the thread pool ---- */

static void work_cb(uv_work_t *w)
{
    slot *sl = w->data;
    server *s = sl->c->s; /* c and s stay alive while work is in flight */
    search_ctx *x = ctx_take(s);

    search_execute(x, &sl->req, &sl->stats, &sl->out, &sl->info);
    ctx_give(s, x);
}

static void after_work_cb(uv_work_t *w, int status)
{
    static const char internal[] = "{\"ok\":false,\"error\":\"internal\","
                                   "\"message\":\"request failed\"}\n";
    slot *sl = w->data;
    conn *c = sl->c;
    server *s = c->s;

    s->in_flight--;
    c->busy--;
    stats_latency(s, sl->t0);
    if (status != 0 || sl->out.failed || sl->out.len == 0 ||
        sl->out.data[sl->out.len - 1] != '\n') {
        buf_free(&sl->out);
        if (sl->out.max < sizeof internal)
            sl->out.max = sizeof internal;
        buf_append(&sl->out, internal, sizeof internal - 1);
    }
    if (sl->info.revision > s->max_rev) {
        /* a worker met a newer revision before the watch did */
        if (s->max_rev > 0)
            index_changed(s);
        s->max_rev = sl->info.revision;
    }
    if (is_error_line(sl->out.data, sl->out.len))
        s->errors++;
    else if (sl->cacheable && sl->cache_gen == s->cache_gen &&
             sl->info.current && sl->info.revision == s->max_rev && s->watch_ok)
        cache_store(s, sl);
    c->held += sl->out.len;
    sl->done = 1;
    mark_dirty(c); /* no-op when closing: the slot goes with c */
    conn_unref(c);
}

static void dispatch(conn *c, const char *line, size_t len, proto_verb verb,
                     int cacheable)
{
    server *s = c->s;
    slot *sl = malloc(sizeof *sl + len + 1);

    if (sl == NULL) {
        reply_msg(c, "internal", "out of memory");
        return;
    }
    memset(sl, 0, sizeof *sl);
    memcpy(sl->line, line, len);
    sl->line[len] = '\0';
    proto_parse(sl->line, len, &sl->req); /* same result, on the copy */
    buf_init(&sl->out, s->max_answer);
    sl->c = c;
    sl->t0 = uv_hrtime();
    sl->cacheable = cacheable;
    sl->line_len = len;
    sl->cache_gen = s->cache_gen;
    sl->work.data = sl;
    if (verb == PROTO_V_STATS)
        stats_snapshot(s, &sl->stats);
    if (uv_queue_work(&s->loop, &sl->work, work_cb, after_work_cb) != 0) {
        free(sl);
        reply_msg(c, "internal", "cannot queue the request");
        return;
    }
    c->refs++;
    c->busy++;
    s->in_flight++;
    if (c->tail)
        c->tail->next = sl;
    else
        c->head = sl;
    c->tail = sl;
    c->nslots++;
}

/* ---- Requests ---- */

/* Constant time in the length of the secret, whatever the guess. */
static int secret_equal(const char *guess, size_t glen, const char *secret,
                        size_t slen)
{
    unsigned char d = glen != slen;
    size_t i;

    for (i = 0; i < slen; i++) {
        unsigned char g = i < glen ? (unsigned char)guess[i] : 0;
        d |= g ^ (unsigned char)secret[i];
    }
    return d == 0;
}

/* "prefix" + up to ECHO_MAX bytes of p + "suffix": client bytes are
 * escaped later by json_str(), so this may hold anything. */
static size_t echo_msg(char *out, size_t n, const char *prefix, const char *p,
                       size_t len, const char *suffix)
{
    size_t a = strlen(prefix), z = strlen(suffix), k;

    if (len > ECHO_MAX)
        len = ECHO_MAX;
    k = a + len + 2 + z;
    if (k > n)
        return 0;
    /* out is length-delimited (the length is returned), not a C string */
    memcpy(out, prefix, a); // NOLINT(bugprone-not-null-terminated-result)
    out[a] = '"';
    memcpy(out + a + 1, p, len); // NOLINT(bugprone-not-null-terminated-result)
    out[a + 1 + len] = '"';
    // NOLINTNEXTLINE(bugprone-not-null-terminated-result)
    memcpy(out + a + 2 + len, suffix, z);
    return k;
}

static void handle_line(conn *c, const char *line, size_t len)
{
    server *s = c->s;
    proto_request req;
    proto_status st = proto_parse(line, len, &req);
    char msg[256];
    size_t n;

    if (req.verb == PROTO_V_EMPTY)
        return; /* no answer: a human pressed Enter */
    s->requests++;
    if (!c->authed && req.verb != PROTO_V_PING && req.verb != PROTO_V_QUIT &&
        req.verb != PROTO_V_AUTH) {
        reply_msg(c, "unauthorized", "AUTH PASSWORD first");
        return;
    }
    if (st == PROTO_ERR_VERB) {
        n = echo_msg(msg, sizeof msg, "unknown verb ", req.verb_text,
                     req.verb_len, ": HELP lists the verbs");
        reply_error(c, "unknown_verb", msg, n, "verb", req.verb_text,
                    req.verb_len > ECHO_MAX ? ECHO_MAX : req.verb_len);
        return;
    }
    if (st != PROTO_OK) {
        char pre[64];
        snprintf(pre, sizeof pre, "%s for %s: ", proto_strerror(st),
                 proto_verb_name(req.verb));
        n = echo_msg(msg, sizeof msg, pre, req.bad, req.bad_len, "");
        reply_error(c, "bad_request", msg, n, NULL, NULL, 0);
        return;
    }
    switch (req.verb) {
    case PROTO_V_PING:
        REPLY_LIT(c, "{\"ok\":true,\"pong\":true}\n");
        break;
    case PROTO_V_HELP:
        reply(c, s->help, s->help_len);
        break;
    case PROTO_V_QUIT:
        REPLY_LIT(c, "{\"ok\":true,\"bye\":true}\n");
        c->quit = 1;
        break;
    case PROTO_V_AUTH:
        if (s->password == NULL ||
            secret_equal(req.arg, req.arg_len, s->password, s->password_len)) {
            c->authed = 1;
            REPLY_LIT(c, "{\"ok\":true,\"auth\":true}\n");
        } else {
            char who[80], what[160];
            c->authed = 0;
            reply_msg(c, "unauthorized", "wrong password");
            peer_name(c, who, sizeof who);
            snprintf(what, sizeof what, "AUTH failed from %s", who);
            warn_limited(s, WARN_AUTH, what);
        }
        break;
    case PROTO_V_SEARCH:
        if (!answer_from_cache(c, &req, line, len))
            dispatch(c, line, len, req.verb, s->cache != NULL);
        break;
    default: /* SUGGEST, DOC, STATS: the index, on a worker */
        dispatch(c, line, len, req.verb, 0);
        break;
    }
}

/* Answers a connection holds: its output and the finished answers
 * waiting behind a slower one. */
static size_t held_bytes(const conn *c)
{
    return out_bytes(c) + c->held;
}

/* Whether to stop reading before the next request. One request may run
 * while less than max_output is held; more run at once only while the held
 * bytes plus room for each running answer (max_answer) stay within 2 x
 * max_output. So a client that never reads costs at most about
 * max(2 x max_output, max_output + max_answer). */
static int over_limits(const conn *c)
{
    const server *s = c->s;
    if (c->nslots >= s->max_queue || held_bytes(c) >= s->max_output)
        return 1;
    return c->busy > 0 &&
           held_bytes(c) + (size_t)(c->busy + 1) * s->max_answer >
               2 * s->max_output;
}

static int on_line(void *arg, proto_event ev, const char *line, size_t len)
{
    conn *c = arg;

    if (ev == PROTO_EV_TOO_LONG) {
        c->s->requests++;
        reply_msg(c, "line_too_long",
                  "request line longer than " STR(
                      PROTO_MAX_LINE) " bytes: ignored up to its end");
    } else {
        handle_line(c, line, len);
    }
    if (c->quit || c->closing)
        return PROTO_PAUSE;
    if (over_limits(c)) {
        c->paused = 1; /* backpressure: resumed by conn_resume() */
        return PROTO_PAUSE;
    }
    return PROTO_CONTINUE;
}

/* Frame p[0..n); what a pause leaves over is kept in c->pend, and reading
 * stops until the client's queue and output drain. */
static void conn_feed(conn *c, const char *p, size_t n)
{
    size_t used = proto_feed(&c->fr, p, n, on_line, c);
    char *keep;

    if (c->closing)
        return;
    if (c->quit) {
        read_stop(c); /* what follows QUIT is dropped */
        return;
    }
    if (!c->paused)
        return;
    read_stop(c);
    if (used == n)
        return;
    keep = malloc(n - used);
    if (keep == NULL) {
        warn_limited(c->s, WARN_NOMEM, "out of memory: connection closed");
        conn_close(c);
        return;
    }
    memcpy(keep, p + used, n - used);
    c->pend = keep;
    c->pend_len = n - used;
    c->pend_off = 0;
}

/* Start reading again once the queue and the output are below half their
 * limits: the input kept by the pause goes first. */
static void conn_resume(conn *c)
{
    server *s = c->s;

    if (!c->paused || c->closing || c->quit || c->eof || s->stopping)
        return;
    if (c->nslots > s->max_queue / 2 || held_bytes(c) > s->max_output / 2)
        return;
    c->paused = 0;
    if (c->pend != NULL) {
        size_t left = c->pend_len - c->pend_off;
        size_t used =
            proto_feed(&c->fr, c->pend + c->pend_off, left, on_line, c);
        if (c->closing)
            return;
        c->pend_off += used;
        if (c->pend_off == c->pend_len || c->quit) {
            free(c->pend);
            c->pend = NULL;
        }
        if (c->paused || c->quit)
            return;
    }
    read_start(c);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    conn *c = req->data;

    if (status < 0 && !c->closing)
        conn_close(c);
}

/* Once the last answer is written: close a connection that sent QUIT or
 * reached end of file, or that the server is stopping. After QUIT the
 * client may have sent more: closing with unread bytes would send a RST
 * that can destroy the "bye" in flight, so send FIN and drain a while. */
static void conn_maybe_finish(conn *c)
{
    server *s = c->s;

    if (c->closing || c->lingering)
        return;
    if (!(c->quit || c->eof || s->stopping))
        return;
    if (c->head != NULL || c->writing || c->out.len > 0)
        return;
    if (c->quit && !c->eof && !s->stopping) {
        c->lingering = 1;
        c->linger_ms = uv_now(&s->loop);
        c->sreq.data = c;
        if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
            conn_close(c);
            return;
        }
        read_start(c); /* on_read discards and closes at EOF */
        return;
    }
    conn_close(c);
}

static void on_write(uv_write_t *req, int status)
{
    conn *c = req->data;

    c->writing = 0;
    if (c->closing)
        return; /* UV_ECANCELED by uv_close; buffers go with c */
    if (status < 0) {
        conn_close(c);
        return;
    }
    c->last_ms = uv_now(&c->s->loop);
    c->last_wq = 0;
    if (c->wout.cap > KEEP_CAP)
        buf_free(&c->wout);
    else
        buf_reset(&c->wout);
    if (c->out.len > 0) /* answers that came during the write */
        mark_dirty(c);
    conn_resume(c);
    conn_maybe_finish(c);
}

static void conn_write(conn *c)
{
    buf_t t;
    uv_buf_t b;

    if (c->writing || c->closing || c->out.len == 0)
        return;
    t = c->wout; /* empty: swap, so that out keeps collecting */
    c->wout = c->out;
    c->out = t;
    b = uv_buf_init(c->wout.data, (unsigned)c->wout.len);
    c->wreq.data = c;
    if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_write) != 0) {
        conn_close(c);
        return;
    }
    c->writing = 1;
}

/* Move the answers ready at the head of the queue to the output, in
 * order, and write them: one uv_write per connection and loop turn. */
static void conn_flush(conn *c)
{
    slot *sl;

    while ((sl = c->head) != NULL && sl->done) {
        c->head = sl->next;
        if (c->head == NULL)
            c->tail = NULL;
        c->nslots--;
        c->held -= sl->out.len;
        if (c->out.len == 0 && c->out.cap <= sl->out.cap) {
            buf_t t = c->out; /* take the slot's memory: no copy */
            c->out = sl->out;
            c->out.max = BUF_MAX_LIMIT;
            sl->out = t;
        } else if (buf_append(&c->out, sl->out.data, sl->out.len) != BUF_OK) {
            slot_free(sl);
            warn_limited(c->s, WARN_NOMEM, "out of memory: connection closed");
            conn_close(c);
            return;
        }
        slot_free(sl);
    }
    conn_write(c);
    conn_resume(c);
    conn_maybe_finish(c);
}

static void on_check(uv_check_t *h)
{
    server *s = h->data;
    conn *c;

    while ((c = s->dirty) != NULL) {
        s->dirty = c->dirty_next;
        c->dirty = 0;
        c->dirty_next = NULL;
        if (!c->closing)
            conn_flush(c);
        conn_unref(c);
    }
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b)
{
    conn *c = st->data;

    if (nread == 0 || c->closing)
        return; /* 0 is "nothing now", not end of file */
    if (nread < 0) {
        if (nread != UV_EOF || c->lingering) {
            conn_close(c);
            return;
        }
        /* A half-close: the answers pending are still written. The
         * bytes of an unfinished last line are dropped. */
        c->eof = 1;
        read_stop(c);
        conn_maybe_finish(c);
        return;
    }
    c->last_ms = uv_now(&c->s->loop);
    if (c->lingering)
        return;
    conn_feed(c, b->base, (size_t)nread);
}

/* ---- Accepting ---- */

static void on_reject_close(uv_handle_t *h)
{
    reject *r = h->data;
    server *s = r->s;

    free(r);
    s->nrejects--;
    server_maybe_done(s);
}

static void on_reject_write(uv_write_t *req, int status)
{
    reject *r = req->data;

    (void)status;
    uv_close((uv_handle_t *)&r->tcp, on_reject_close);
}

static void on_connection(uv_stream_t *l, int status);

static void on_accept_retry(uv_timer_t *t)
{
    server *s = t->data;

    if (!s->stopping)
        on_connection((uv_stream_t *)&s->listener, 0);
}

/* libuv stops watching the listener until the pending connection is
 * accepted: without memory for it, try again a little later. */
static void accept_later(server *s)
{
    warn_limited(s, WARN_NOMEM, "out of memory at accept: retrying");
    uv_timer_start(&s->accept_retry, on_accept_retry, ACCEPT_RETRY_MS, 0);
}

/* uv_accept() failing leaves the listener unwatched (libuv 1.44):
 * listening again re-arms it. */
static void accept_failed(server *s, int rc)
{
    char what[128];

    snprintf(what, sizeof what, "accept failed: %s", uv_strerror(rc));
    warn_limited(s, WARN_ACCEPT, what);
    uv_listen((uv_stream_t *)&s->listener, LISTEN_BACKLOG, on_connection);
}

static void refuse(server *s)
{
    static const char busy[] =
        "{\"ok\":false,\"error\":\"busy\",\"message\":\"too many "
        "connections: try again later\"}\n";
    reject *r = malloc(sizeof *r);
    uv_buf_t b;
    char what[128];
    int rc;

    if (r == NULL) {
        accept_later(s);
        return;
    }
    uv_tcp_init(&s->loop, &r->tcp);
    r->tcp.data = r->wreq.data = r;
    r->s = s;
    s->nrejects++;
    rc = uv_accept((uv_stream_t *)&s->listener, (uv_stream_t *)&r->tcp);
    if (rc != 0) {
        uv_close((uv_handle_t *)&r->tcp, on_reject_close);
        accept_failed(s, rc);
        return;
    }
    snprintf(what, sizeof what, "busy: %llu connections open, refusing more",
             (unsigned long long)s->conn_open);
    warn_limited(s, WARN_BUSY, what);
    /* Bounded: in a flood, the surplus is closed without a word. */
    b = uv_buf_init((char *)busy, sizeof busy - 1);
    if (s->nrejects > MAX_REJECTS ||
        uv_write(&r->wreq, (uv_stream_t *)&r->tcp, &b, 1, on_reject_write) != 0)
        uv_close((uv_handle_t *)&r->tcp, on_reject_close);
}

/* Past RLIMIT_NOFILE, libuv accepts and closes the surplus clients by
 * itself (its EMFILE trick) and tells nobody: the lowest free descriptor
 * being the last one is the sign that this is now happening. */
static void fd_check(server *s, conn *c)
{
    uv_os_fd_t fd;
    char what[160];

    if (s->fd_limit == 0 || uv_fileno((uv_handle_t *)&c->tcp, &fd) != 0 ||
        (uint64_t)fd + 1 < s->fd_limit)
        return;
    snprintf(what, sizeof what,
             "accept: file descriptor limit reached (%llu): new clients are "
             "dropped until some leave",
             (unsigned long long)s->fd_limit);
    warn_limited(s, WARN_ACCEPT, what);
}

static void on_connection(uv_stream_t *l, int status)
{
    server *s = l->data;
    conn *c;
    int rc;

    if (status < 0) { /* EMFILE & co: libuv already dropped that one */
        char what[128];
        snprintf(what, sizeof what, "accept failed: %s", uv_strerror(status));
        warn_limited(s, WARN_ACCEPT, what);
        return;
    }
    if (s->stopping)
        return;
    if (s->conn_open >= s->max_conn) {
        refuse(s);
        return;
    }
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        accept_later(s);
        return;
    }
    c->s = s;
    c->refs = 1; /* the handle */
    c->authed = s->password == NULL;
    buf_init(&c->out, BUF_MAX_LIMIT); /* bounded by the limits above */
    buf_init(&c->wout, BUF_MAX_LIMIT);
    proto_framer_init(&c->fr);
    uv_tcp_init(&s->loop, &c->tcp);
    c->tcp.data = c;
    s->nconn++;
    rc = uv_accept(l, (uv_stream_t *)&c->tcp);
    if (rc != 0) {
        c->closing = 1;
        uv_close((uv_handle_t *)&c->tcp, on_conn_close);
        accept_failed(s, rc);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1); /* answers are batched already */
    fd_check(s, c);
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    s->conn_open++;
    s->conn_total++;
    c->last_ms = uv_now(&s->loop);
    read_start(c);
}

/* ---- Timers, shutdown ---- */

static void on_sweep(uv_timer_t *t)
{
    server *s = t->data;
    uint64_t now = uv_now(&s->loop);
    conn *c, *next;

    for (c = s->conns; c != NULL; c = next) {
        next = c->next;
        if (c->lingering) {
            if (now - c->linger_ms >= LINGER_MS)
                conn_close(c);
            continue;
        }
        if (c->writing) { /* a write that progresses is a sign of life */
            size_t wq = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
            if (wq != c->last_wq) {
                c->last_wq = wq;
                c->last_ms = now;
            }
        }
        /* Work in flight is not idleness: its answer is awaited. */
        if (s->idle_ms > 0 && c->head == NULL && now - c->last_ms >= s->idle_ms)
            conn_close(c);
    }
}

static void on_stop_timer(uv_timer_t *t)
{
    server_stop(t->data);
}

static void server_maybe_done(server *s)
{
    if (!s->stopping || s->handles_closed || s->nconn > 0 || s->nrejects > 0)
        return;
    s->handles_closed = 1;
    uv_close((uv_handle_t *)&s->flusher, NULL);
    uv_close((uv_handle_t *)&s->sweeper, NULL);
    uv_close((uv_handle_t *)&s->stop_timer, NULL);
    uv_close((uv_handle_t *)&s->accept_retry, NULL);
    uv_close((uv_handle_t *)&s->watch, NULL);
}

void server_stop(server *s)
{
    conn *c, *next;

    if (s->stopping) {
        if (!s->forced) {
            s->forced = 1;
            logf_(s, SERVER_LOG_WARN,
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
    logf_(s, SERVER_LOG_INFO,
          "shutting down: %llu connections, %llu requests in flight",
          (unsigned long long)s->conn_open, (unsigned long long)s->in_flight);
    uv_close((uv_handle_t *)&s->listener, NULL);
    uv_timer_stop(&s->accept_retry);
    for (c = s->conns; c != NULL; c = next) {
        next = c->next;
        read_stop(c);
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
    index_changed(s);
}

/* ---- Set-up ---- */

static const struct help_verb {
    const char *verb, *usage, *text;
} help_verbs[] = {
    {"SEARCH", "SEARCH [limit=N] [offset=N] [snippet=N] QUERY",
     "ranked documents matching QUERY"},
    {"SUGGEST", "SUGGEST [limit=N] PREFIX", "completions of PREFIX"},
    {"DOC", "DOC ID", "one document, with its text"},
    {"STATS", "STATS", "index and server figures"},
    {"PING", "PING", "liveness check"},
    {"HELP", "HELP", "this list"},
    {"QUIT", "QUIT", "close the connection"},
    {"AUTH", "AUTH PASSWORD", "authenticate when the server asks for it"},
};

static int build_help(server *s)
{
    buf_t b;
    size_t i;
    int bad = 0;

    buf_init(&b, 8192);
    bad |= buf_puts(&b, "{\"ok\":true,\"verbs\":[");
    for (i = 0; i < sizeof help_verbs / sizeof help_verbs[0]; i++) {
        const struct help_verb *h = &help_verbs[i];
        bad |= buf_puts(&b, i ? ",{" : "{");
        bad |= json_key(&b, "verb");
        bad |= json_str(&b, h->verb, strlen(h->verb));
        bad |= buf_putc(&b, ',');
        bad |= json_key(&b, "usage");
        bad |= json_str(&b, h->usage, strlen(h->usage));
        bad |= buf_putc(&b, ',');
        bad |= json_key(&b, "help");
        bad |= json_str(&b, h->text, strlen(h->text));
        bad |= buf_putc(&b, '}');
    }
    bad |= buf_printf(&b, "],\"max_line\":%d}\n", PROTO_MAX_LINE);
    if (bad) {
        buf_free(&b);
        return -1;
    }
    s->help = buf_detach(&b, &s->help_len);
    return 0;
}

static void seterr(char *err, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || n == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

static int check_config(const server_config *c, char *err, size_t n)
{
    if (c->db_path == NULL || c->host == NULL)
        seterr(err, n, "no index path or no address");
    else if (c->threads < 1 || c->threads > SERVER_MAX_THREADS)
        seterr(err, n, "threads must be 1 to %d", SERVER_MAX_THREADS);
    else if (c->port > 65535)
        seterr(err, n, "port must be 0 to 65535");
    else if (c->max_connections < 1 ||
             c->max_connections > SERVER_MAX_CONN_LIMIT)
        seterr(err, n, "max connections must be 1 to %d",
               SERVER_MAX_CONN_LIMIT);
    else if (c->max_queue < 1 || c->max_queue > SERVER_MAX_QUEUE_LIMIT)
        seterr(err, n, "max queue must be 1 to %d", SERVER_MAX_QUEUE_LIMIT);
    else if (c->max_output < 1 || c->max_output > SERVER_MAX_OUTPUT_LIMIT)
        seterr(err, n, "max output must be 1 to %zu bytes",
               SERVER_MAX_OUTPUT_LIMIT);
    else if (c->cache_bytes != 0 && (c->cache_bytes < SERVER_MIN_CACHE ||
                                     c->cache_bytes > SERVER_MAX_CACHE_LIMIT))
        seterr(err, n, "cache size must be 0 or %zu to %zu bytes",
               SERVER_MIN_CACHE, SERVER_MAX_CACHE_LIMIT);
    else if (c->idle_timeout_s > SERVER_MAX_IDLE_S)
        seterr(err, n, "idle timeout must be 0 to %d seconds",
               SERVER_MAX_IDLE_S);
    else if (c->password != NULL &&
             (c->password_len < 1 || c->password_len > SERVER_MAX_PASSWORD))
        seterr(err, n, "password must be 1 to %d bytes", SERVER_MAX_PASSWORD);
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

static server_status start_listening(server *s, const server_config *cfg,
                                     char *err, size_t n)
{
    struct sockaddr_storage ss;
    int len = sizeof ss, rc, v6 = strchr(cfg->host, ':') != NULL;
    char ip[48]; /* INET6_ADDRSTRLEN is 46 */
    unsigned port;

    if (v6)
        rc = uv_ip6_addr(cfg->host, (int)cfg->port, (struct sockaddr_in6 *)&ss);
    else
        rc = uv_ip4_addr(cfg->host, (int)cfg->port, (struct sockaddr_in *)&ss);
    if (rc != 0) {
        seterr(err, n,
               "bad listen address %s: an IPv4 or IPv6 address is "
               "needed",
               cfg->host);
        return SERVER_ERR_LISTEN;
    }
    uv_tcp_init(&s->loop, &s->listener);
    s->listener.data = s;
    rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->listener, LISTEN_BACKLOG,
                       on_connection);
    if (rc == 0)
        rc = uv_tcp_getsockname(&s->listener, (struct sockaddr *)&ss, &len);
    if (rc != 0) {
        seterr(err, n, "cannot listen on %s%s%s:%u: %s", v6 ? "[" : "",
               cfg->host, v6 ? "]" : "", cfg->port, uv_strerror(rc));
        return SERVER_ERR_LISTEN;
    }
    if (v6) {
        uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        snprintf(s->addr, sizeof s->addr, "[%s]:%u", ip, port);
    } else {
        uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        snprintf(s->addr, sizeof s->addr, "%s:%u", ip, port);
    }
    return SERVER_OK;
}

server_status server_open(const server_config *cfg, server **out, char *err,
                          size_t errlen)
{
    server *s = NULL;
    server_status st;
    search_status ss;
    char num[16];
    unsigned i;
    uint64_t idle;
    struct rlimit rl;

    *out = NULL;
    if (check_config(cfg, err, errlen) != 0)
        return SERVER_ERR_CONFIG;
    if (search_check(cfg->db_path, err, errlen) != SEARCH_OK)
        return SERVER_ERR_INDEX;
    st = SERVER_ERR_NOMEM;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        goto fail;
    s->db_path = strdup(cfg->db_path);
    /* arrays of search_ctx pointers: sizeof of a pointer is meant */
    s->ctx = calloc(cfg->threads, sizeof *s->ctx);           // NOLINT
    s->free_ctx = calloc(cfg->threads, sizeof *s->free_ctx); // NOLINT
    if (s->db_path == NULL || s->ctx == NULL || s->free_ctx == NULL)
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
    /* A quarter of the output limit per answer: up to 8 requests of one
     * client run at once within its 2 x max_output (see pressure()). */
    s->max_answer =
        cfg->max_output / 4 > MIN_ANSWER ? cfg->max_output / 4 : MIN_ANSWER;
    s->idle_ms = (uint64_t)cfg->idle_timeout_s * 1000;
    s->log = cfg->log;
    s->log_ud = cfg->log_ud;
    buf_init(&s->scratch, 2 * PROTO_MAX_LINE);
    buf_init(&s->hit, s->max_answer + 64);
    if (cfg->cache_bytes > 0 &&
        cache_new(cfg->cache_bytes, SERVER_CACHE_TTL_MS, &s->cache) != CACHE_OK)
        goto fail;
    size_t wlen = strlen(cfg->db_path) + sizeof "/iamglass";
    s->watch_path = malloc(wlen);
    if (s->watch_path == NULL)
        goto fail;
    snprintf(s->watch_path, wlen, "%s/iamglass", cfg->db_path);
    /* The version file's state before the contexts open: a commit from
     * now on is seen as a change. */
    s->watch_ok = stat(s->watch_path, &s->watch_st) == 0;
    if (build_help(s) != 0)
        goto fail;

    /* The pool is created at the first uv_queue_work(), which reads this:
     * one thread per context, so a worker always finds a free one. */
    snprintf(num, sizeof num, "%u", cfg->threads);
    setenv("UV_THREADPOOL_SIZE", num, 1);
    for (i = 0; i < cfg->threads; i++) {
        ss = search_open(cfg->db_path, &s->ctx[i], err, errlen);
        if (ss != SEARCH_OK) {
            st = ss == SEARCH_ERR_NOMEM ? SERVER_ERR_NOMEM : SERVER_ERR_INDEX;
            goto fail;
        }
        s->nctx++;
        s->free_ctx[s->nfree++] = s->ctx[i];
        uint64_t rev = search_revision(s->ctx[i]);
        s->max_rev = rev > s->max_rev ? rev : s->max_rev;
    }
    st = SERVER_ERR_LOOP;
    if (uv_mutex_init(&s->ctx_lock) != 0)
        goto fail;
    if (uv_cond_init(&s->ctx_cond) != 0) {
        uv_mutex_destroy(&s->ctx_lock);
        goto fail;
    }
    s->sync_ok = 1;
    if (uv_loop_init(&s->loop) != 0) {
        seterr(err, errlen, "cannot create the event loop");
        goto fail;
    }
    s->loop_ok = 1;
    uv_check_init(&s->loop, &s->flusher);
    uv_timer_init(&s->loop, &s->sweeper);
    uv_timer_init(&s->loop, &s->stop_timer);
    uv_timer_init(&s->loop, &s->accept_retry);
    uv_timer_init(&s->loop, &s->watch);
    s->flusher.data = s->sweeper.data = s->stop_timer.data =
        s->accept_retry.data = s->watch.data = s;
    uv_timer_start(&s->watch, on_watch, SERVER_WATCH_MS, SERVER_WATCH_MS);
    uv_check_start(&s->flusher, on_check);
    /* Timeouts are seen within a quarter of their length (100 ms-1 s). */
    idle = s->idle_ms / 4;
    idle = idle < 100 ? 100 : idle > 1000 ? 1000 : idle;
    uv_timer_start(&s->sweeper, on_sweep, idle, idle);
    st = start_listening(s, cfg, err, errlen);
    if (st != SERVER_OK)
        goto fail;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        s->fd_limit = (uint64_t)rl.rlim_cur;
    s->start_ns = uv_hrtime();
    *out = s;
    return SERVER_OK;
fail:
    if (st == SERVER_ERR_NOMEM)
        seterr(err, errlen, "out of memory");
    if (s != NULL) {
        s->stopping = 1; /* nothing is running: just free */
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

server_status server_run(server *s)
{
    uv_run(&s->loop, UV_RUN_DEFAULT);
    return s->handles_closed ? SERVER_OK : SERVER_ERR_LOOP;
}

server_status server_free(server *s)
{
    server_status st = SERVER_OK;
    unsigned i;

    if (s == NULL)
        return SERVER_OK;
    if (s->loop_ok && loop_close_all(&s->loop) != 0) {
        logf_(s, SERVER_LOG_ERROR, "event loop closed with handles open");
        st = SERVER_ERR_LOOP;
    }
    for (i = 0; i < s->nctx; i++)
        search_close(s->ctx[i]);
    if (s->sync_ok) {
        uv_cond_destroy(&s->ctx_cond);
        uv_mutex_destroy(&s->ctx_lock);
    }
    if (s->password != NULL) {
        explicit_bzero(s->password, s->password_len);
        free(s->password);
    }
    free(s->ctx);
    free(s->free_ctx);
    free(s->db_path);
    free(s->help);
    free(s->watch_path);
    cache_free(s->cache);
    buf_free(&s->scratch);
    buf_free(&s->hit);
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
