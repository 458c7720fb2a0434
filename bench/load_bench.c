/* load_bench: a libuv load generator for cglu-searchd's line protocol.
 * Usage: load_bench --host IP:PORT [--connections N] [--pipeline P]
 *        [--requests COUNT] [--seconds S] [--queries FILE]
 *        [--verb PING|SEARCH] [--options "limit=10 snippet=200"]
 *        [--label TEXT]
 * N connections each keep P requests in flight (P = 1: one request, one
 * answer, the next request); the run stops after COUNT answers or S seconds,
 * whichever comes first. Latency is send -> matching answer line (answers
 * come back in request order, so the FIFO of send times matches them), on
 * the monotonic clock. One line on stdout:
 *   LABEL: N conns, P pipeline: R requests in T s = QPS req/s; latency p50
 *   X ms, p95 W ms, p99 Y ms, p999 Z ms; errors E
 * where E counts answers without "ok":true plus connection failures.
 * Exit status: 0 done, 1 the server could not be reached (or no memory),
 * 2 bad usage or an unusable queries file. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uv.h>

#include "common/cli.h"

#define DEF_CONNS 1
#define MAX_CONNS 4096
#define MAX_PIPELINE 1024
#define DEF_REQUESTS 20000
#define MAX_REQUESTS 10000000
#define DEF_SECONDS 10.0
#define MAX_SECONDS 600.0
#define MAX_QUERIES 100000
#define MAX_QUERY_LEN 1024 /* bytes of one query line */
#define MAX_OPTIONS_LEN 256
#define MAX_LABEL_LEN 128
#define MAX_ANSWER (16u << 20) /* one answer line; the server caps at 4M */
#define READ_CHUNK 65536
#define CONNECT_TIMEOUT_MS 5000

static const char *const default_queries[] = {
    "fichier",   "répertoire courant", "système de fichiers",
    "processus", "mot de passe",       "option ligne de commande",
};

/* One prebuilt request line, "\n" included; never changes after setup, so
 * write buffers can point into it. */
typedef struct request {
    char *line;
    size_t len;
} request;

typedef struct bench bench;

typedef enum {
    C_CONNECTING,
    C_OPEN,
    C_CLOSING, /* uv_close() called, close callback pending */
    C_CLOSED,
} conn_state;

typedef struct conn {
    uv_tcp_t tcp;
    uv_connect_t creq;
    bench *b;
    conn_state state;
    uint64_t *sent_at; /* ring of P send times, oldest at head */
    size_t head, inflight;
    char *partial; /* an answer line cut by a read, without its end */
    size_t plen, pcap;
    uv_buf_t *out; /* requests gathered for one write (at most P) */
    size_t nout;
    char rbuf[READ_CHUNK];
} conn;

/* A write the kernel did not take at once: one block with its buffers
 * right after it, freed in its callback. */
typedef struct write_req {
    uv_write_t req;
    uv_buf_t *bufs;
} write_req;

struct bench {
    uv_loop_t *loop;
    uv_timer_t timer; /* connect timeout, then the run's duration */
    int timer_open;
    conn *conns;
    size_t nconns, pipeline;
    request *reqs;
    size_t nreqs, next_req;
    uint64_t max_requests, sent, answers, errors;
    uint64_t *lat; /* max_requests slots, nanoseconds */
    uint64_t start_ns, end_ns;
    double seconds;
    size_t connected, connect_failed, open_conns;
    int running, stopping;
    const char *host;
    int connect_error; /* first connect error, for the message */
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: load_bench --host IP:PORT [--connections N] "
            "[--pipeline P]\n"
            "                  [--requests COUNT] [--seconds S] "
            "[--queries FILE]\n"
            "                  [--verb PING|SEARCH] [--options OPTS] "
            "[--label TEXT]\n"
            "  --connections N  1..%d (default %d)\n"
            "  --pipeline P     requests in flight per connection, 1..%d "
            "(default 1)\n"
            "  --requests COUNT stop after COUNT answers, 1..%d (default "
            "%d)\n"
            "  --seconds S      stop after S seconds, up to %.0f (default "
            "%.0f)\n"
            "  --queries FILE   one query a line, cycled (default: a few "
            "built in)\n"
            "  --verb V         PING or SEARCH (default SEARCH)\n"
            "  --options OPTS   SEARCH options, e.g. \"limit=10 "
            "snippet=200\"\n",
            MAX_CONNS, DEF_CONNS, MAX_PIPELINE, MAX_REQUESTS, DEF_REQUESTS,
            MAX_SECONDS, DEF_SECONDS);
}

/* ---- Setup ---- */

static int parse_seconds(const char *s, double *out)
{
    char *end;
    double v;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !(v > 0.0) || v > MAX_SECONDS)
        return -1;
    *out = v;
    return 0;
}

/* "1.2.3.4:PORT" or "[v6]:PORT", numeric only: we connect to exactly the
 * address given, never to what a name might resolve to. */
static int parse_host(const char *s, struct sockaddr_storage *sa)
{
    char ip[64];
    const char *ps;
    unsigned long long port;
    int v6;

    if (cli_hostport(s, ip, sizeof ip, &ps, &v6) != 0 || ps == NULL ||
        cli_uint(ps, 1, 65535, 0, &port) != 0)
        return -1;
    memset(sa, 0, sizeof *sa);
    if (v6)
        return uv_ip6_addr(ip, (int)port, (struct sockaddr_in6 *)sa) ? -1 : 0;
    return uv_ip4_addr(ip, (int)port, (struct sockaddr_in *)sa) ? -1 : 0;
}

/* "VERB [OPTIONS ]QUERY\n" into *r; the line is malloc'd. */
static int build_request(request *r, const char *verb, const char *opts,
                         const char *query, size_t qlen)
{
    size_t vl = strlen(verb), ol = strlen(opts);
    size_t n = vl + (ol ? ol + 1 : 0) + (qlen ? qlen + 1 : 0) + 1;
    char *p = malloc(n);

    if (p == NULL)
        return -1;
    r->line = p;
    r->len = n;
    memcpy(p, verb, vl);
    p += vl;
    if (ol) {
        *p++ = ' ';
        memcpy(p, opts, ol);
        p += ol;
    }
    if (qlen) {
        *p++ = ' ';
        memcpy(p, query, qlen);
        p += qlen;
    }
    *p = '\n';
    return 0;
}

static int add_request(bench *b, const char *verb, const char *opts,
                       const char *query, size_t qlen, size_t *cap)
{
    if (b->nreqs == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        request *t = realloc(b->reqs, ncap * sizeof *t);
        if (t == NULL)
            return -1;
        b->reqs = t;
        *cap = ncap;
    }
    if (build_request(&b->reqs[b->nreqs], verb, opts, query, qlen) != 0)
        return -1;
    b->nreqs++;
    return 0;
}

/* Requests from FILE (one query a line; blank lines and "#" comments
 * skipped; "\r\n" accepted), or the built-in queries when path is NULL.
 * Returns 0, 1 (out of memory) or 2 (file unusable, message printed). */
static int load_queries(bench *b, const char *path, const char *opts)
{
    FILE *f = NULL;
    char line[MAX_QUERY_LEN + 3];
    size_t cap = 0, lineno = 0;
    int rc = 1;

    if (path == NULL) {
        for (size_t i = 0; i < sizeof default_queries / sizeof *default_queries;
             i++)
            if (add_request(b, "SEARCH", opts, default_queries[i],
                            strlen(default_queries[i]), &cap) != 0)
                return 1;
        return 0;
    }
    f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "load_bench: cannot open queries file %s: %s\n", path,
                strerror(errno));
        return 2;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        size_t n = strlen(line);
        lineno++;
        if (n > 0 && line[n - 1] == '\n')
            n--;
        else if (!feof(f)) {
            /* strlen() stops at a NUL byte too: both are refused here. */
            fprintf(stderr,
                    "load_bench: %s:%zu: query longer than %d bytes or "
                    "holding a NUL byte\n",
                    path, lineno, MAX_QUERY_LEN);
            rc = 2;
            goto out;
        }
        if (n > 0 && line[n - 1] == '\r')
            n--;
        while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
            n--;
        if (n == 0 || line[0] == '#')
            continue;
        if (n > MAX_QUERY_LEN) {
            fprintf(stderr, "load_bench: %s:%zu: query longer than %d bytes\n",
                    path, lineno, MAX_QUERY_LEN);
            rc = 2;
            goto out;
        }
        if (b->nreqs == MAX_QUERIES) {
            fprintf(stderr, "load_bench: %s: more than %d queries\n", path,
                    MAX_QUERIES);
            rc = 2;
            goto out;
        }
        if (add_request(b, "SEARCH", opts, line, n, &cap) != 0)
            goto out;
    }
    if (ferror(f)) {
        fprintf(stderr, "load_bench: cannot read %s: %s\n", path,
                strerror(errno));
        rc = 2;
        goto out;
    }
    if (b->nreqs == 0) {
        fprintf(stderr, "load_bench: %s holds no query\n", path);
        rc = 2;
        goto out;
    }
    rc = 0;
out:
    fclose(f);
    return rc;
}

/* ---- Answers ---- */

/* 1 if the JSON object on line has "ok": true at its top level. A light
 * scan (strings skipped, nesting counted) rather than a full parse: the
 * generator shares the CPU with the server it measures. */
static int answer_ok(const char *s, size_t n)
{
    size_t i = 0;
    int depth = 0;

    while (i < n) {
        char c = s[i];
        if (c == '"') {
            size_t j = i + 1;
            while (j < n && s[j] != '"')
                j += s[j] == '\\' ? 2 : 1;
            if (j >= n)
                return 0;
            if (depth == 1 && j - i - 1 == 2 && s[i + 1] == 'o' &&
                s[i + 2] == 'k') {
                size_t k = j + 1;
                while (k < n && (s[k] == ' ' || s[k] == '\t'))
                    k++;
                if (k < n && s[k] == ':') {
                    k++;
                    while (k < n && (s[k] == ' ' || s[k] == '\t'))
                        k++;
                    return n - k >= 4 && memcmp(s + k, "true", 4) == 0 &&
                           (n - k == 4 || s[k + 4] == ',' || s[k + 4] == '}' ||
                            s[k + 4] == ' ');
                }
            }
            i = j + 1;
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            depth--;
        i++;
    }
    return 0;
}

static void bench_stop(bench *b);

static void on_close(uv_handle_t *h)
{
    conn *c = h->data;

    c->state = C_CLOSED;
}

static void conn_close(conn *c)
{
    if (c->state == C_CLOSING || c->state == C_CLOSED)
        return;
    if (c->state == C_OPEN)
        c->b->open_conns--;
    c->state = C_CLOSING;
    uv_close((uv_handle_t *)&c->tcp, on_close);
}

static void conn_fill(conn *c);

/* The connection broke during the run: one error, and the run ends when
 * no connection is left. Its unanswered requests go back to the others,
 * or a run bounded by COUNT would wait for them until the time is up. */
static void conn_fail(conn *c, const char *what, int err)
{
    bench *b = c->b;

    if (b->stopping)
        return;
    b->errors++;
    fprintf(stderr, "load_bench: connection %zu: %s: %s\n",
            (size_t)(c - b->conns), what, err ? uv_strerror(err) : "closed");
    conn_close(c);
    b->sent -= c->inflight;
    c->inflight = 0;
    if (b->open_conns == 0) {
        bench_stop(b);
        return;
    }
    for (size_t i = 0; i < b->nconns; i++)
        conn_fill(&b->conns[i]);
}

static void on_answer(conn *c, const char *line, size_t len, uint64_t now)
{
    bench *b = c->b;

    if (c->inflight == 0) {
        /* An answer to nothing: the server broke the one-line rule. */
        b->errors++;
        return;
    }
    if (b->answers < b->max_requests)
        b->lat[b->answers] = now - c->sent_at[c->head];
    c->head = (c->head + 1) % b->pipeline;
    c->inflight--;
    b->answers++;
    if (!answer_ok(line, len))
        b->errors++;
    if (b->answers >= b->max_requests)
        bench_stop(b);
}

/* ---- Requests ---- */

static void on_write(uv_write_t *req, int status)
{
    write_req *w = (write_req *)req;
    conn *c = req->data;

    free(w);
    if (status < 0 && status != UV_ECANCELED)
        conn_fail(c, "write", status);
}

/* Top the connection up to P requests in flight with one write: new
 * requests gathered after a read leave together, as a pipelining client
 * would send them. */
static void conn_fill(conn *c)
{
    bench *b = c->b;
    size_t total = 0, first, n;
    uint64_t now;
    int r;

    if (c->state != C_OPEN || b->stopping)
        return;
    c->nout = 0;
    while (c->inflight + c->nout < b->pipeline && b->sent < b->max_requests) {
        const request *q = &b->reqs[b->next_req];
        b->next_req = (b->next_req + 1) % b->nreqs;
        c->out[c->nout++] = uv_buf_init(q->line, (unsigned)q->len);
        total += q->len;
        b->sent++;
    }
    if (c->nout == 0)
        return;
    now = uv_hrtime();
    for (size_t i = 0; i < c->nout; i++) {
        c->sent_at[(c->head + c->inflight) % b->pipeline] = now;
        c->inflight++;
    }
    r = uv_try_write((uv_stream_t *)&c->tcp, c->out, (unsigned)c->nout);
    if (r >= 0 && (size_t)r == total)
        return;
    if (r < 0 && r != UV_EAGAIN) {
        conn_fail(c, "write", r);
        return;
    }
    /* Queue what the kernel did not take, from where it stopped. */
    size_t done = r > 0 ? (size_t)r : 0;
    for (first = 0; first < c->nout && done >= c->out[first].len; first++)
        done -= c->out[first].len;
    n = c->nout - first;
    write_req *w = malloc(sizeof *w + n * sizeof(uv_buf_t));
    if (w == NULL) {
        conn_fail(c, "write", UV_ENOMEM);
        return;
    }
    w->bufs = (uv_buf_t *)(w + 1);
    for (size_t i = 0; i < n; i++)
        w->bufs[i] = c->out[first + i];
    w->bufs[0].base += done;
    w->bufs[0].len -= done;
    w->req.data = c;
    r = uv_write(&w->req, (uv_stream_t *)&c->tcp, w->bufs, (unsigned)n,
                 on_write);
    if (r != 0) {
        free(w);
        conn_fail(c, "write", r);
    }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    conn *c = h->data;

    (void)suggested;
    *buf = uv_buf_init(c->rbuf, sizeof c->rbuf);
}

/* Append data[0..n) to the cut answer line; -1 past MAX_ANSWER. */
static int partial_add(conn *c, const char *data, size_t n)
{
    if (c->plen + n > MAX_ANSWER)
        return -1;
    if (c->plen + n > c->pcap) {
        size_t ncap = c->pcap ? c->pcap : 4096;
        while (ncap < c->plen + n)
            ncap *= 2;
        char *t = realloc(c->partial, ncap);
        if (t == NULL)
            return -1;
        c->partial = t;
        c->pcap = ncap;
    }
    memcpy(c->partial + c->plen, data, n);
    c->plen += n;
    return 0;
}

/* Answers may arrive several per read or cut across reads: whole lines
 * are checked in place, only a cut line is copied. */
static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    conn *c = s->data;
    const char *p = buf->base, *end, *nl;
    uint64_t now;

    if (nread == 0)
        return; /* nothing for now (EAGAIN), not end of file */
    if (nread < 0) {
        conn_fail(c, "read", nread == UV_EOF ? 0 : (int)nread);
        return;
    }
    now = uv_hrtime();
    end = p + nread;
    while (p < end && c->state == C_OPEN && !c->b->stopping &&
           (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        if (c->plen > 0) {
            if (partial_add(c, p, (size_t)(nl - p)) != 0) {
                conn_fail(c, "answer line too long", 0);
                return;
            }
            on_answer(c, c->partial, c->plen, now);
            c->plen = 0;
        } else {
            on_answer(c, p, (size_t)(nl - p), now);
        }
        p = nl + 1;
    }
    if (c->state != C_OPEN || c->b->stopping)
        return;
    if (p < end && partial_add(c, p, (size_t)(end - p)) != 0) {
        conn_fail(c, "answer line too long", 0);
        return;
    }
    conn_fill(c);
}

/* ---- Run ---- */

static void on_run_timer(uv_timer_t *t)
{
    bench_stop(t->data);
}

static void bench_stop(bench *b)
{
    if (b->stopping)
        return;
    b->stopping = 1;
    b->end_ns = uv_hrtime();
    uv_timer_stop(&b->timer);
    for (size_t i = 0; i < b->nconns; i++)
        conn_close(&b->conns[i]);
}

/* Every connection settled: start the clock and send on all at once, so
 * that the first connections do not run alone. */
static void bench_start(bench *b)
{
    uv_timer_stop(&b->timer);
    if (b->connected == 0) {
        b->stopping = 1;
        return;
    }
    b->running = 1;
    b->start_ns = uv_hrtime();
    uv_timer_start(&b->timer, on_run_timer,
                   (uint64_t)(b->seconds * 1000.0 + 0.5), 0);
    for (size_t i = 0; i < b->nconns; i++) {
        conn *c = &b->conns[i];
        int r;
        if (c->state != C_OPEN)
            continue;
        r = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
        if (r != 0) {
            conn_fail(c, "read", r);
            continue;
        }
        conn_fill(c);
    }
}

/* A connection that will not open: counted, its first error kept for
 * the message, closed. */
static void connect_failed(conn *c, int err)
{
    bench *b = c->b;

    if (b->connect_error == 0)
        b->connect_error = err;
    b->connect_failed++;
    b->errors++;
    conn_close(c);
}

static void on_connect(uv_connect_t *req, int status)
{
    conn *c = req->data;
    bench *b = c->b;

    if (status != 0) {
        connect_failed(c, status);
    } else if (c->state == C_CONNECTING) {
        c->state = C_OPEN;
        b->connected++;
        b->open_conns++;
        uv_tcp_nodelay(&c->tcp, 1); /* small requests must leave at once */
    }
    if (b->connected + b->connect_failed == b->nconns)
        bench_start(b);
}

/* Connections still pending after CONNECT_TIMEOUT_MS are given up: closing
 * them calls on_connect with UV_ECANCELED. */
static void on_connect_timeout(uv_timer_t *t)
{
    bench *b = t->data;

    for (size_t i = 0; i < b->nconns; i++)
        if (b->conns[i].state == C_CONNECTING)
            conn_close(&b->conns[i]);
}

static int bench_connect(bench *b, const struct sockaddr *sa)
{
    for (size_t i = 0; i < b->nconns; i++) {
        conn *c = &b->conns[i];
        int r;
        c->b = b;
        c->state = C_CLOSED;
        r = uv_tcp_init(b->loop, &c->tcp);
        if (r != 0) {
            fprintf(stderr, "load_bench: uv_tcp_init: %s\n", uv_strerror(r));
            return -1;
        }
        c->tcp.data = c;
        c->creq.data = c;
        c->state = C_CONNECTING;
        r = uv_tcp_connect(&c->creq, &c->tcp, sa, on_connect);
        /* Refused before trying (no descriptor...): on_connect will not
         * run, so count it here. */
        if (r != 0)
            connect_failed(c, r);
    }
    if (b->connected + b->connect_failed == b->nconns)
        bench_start(b);
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile, in milliseconds, of sorted v[0..n). */
static double pct_ms(const uint64_t *v, size_t n, double q)
{
    size_t k;

    if (n == 0)
        return 0.0;
    k = (size_t)(q * (double)n + 0.999999);
    k = k == 0 ? 0 : k - 1;
    if (k >= n)
        k = n - 1;
    return (double)v[k] / 1e6;
}

static void report(bench *b, const char *label)
{
    size_t n = b->answers < b->max_requests ? b->answers : b->max_requests;
    double secs = (double)(b->end_ns - b->start_ns) / 1e9;

    qsort(b->lat, n, sizeof *b->lat, cmp_u64);
    printf("%s: %zu conns, %zu pipeline: %llu requests in %.2f s = %.0f "
           "req/s; latency p50 %.3f ms, p95 %.3f ms, p99 %.3f ms, p999 %.3f "
           "ms; errors "
           "%llu\n",
           label, b->nconns, b->pipeline, (unsigned long long)b->answers, secs,
           secs > 0 ? (double)b->answers / secs : 0.0, pct_ms(b->lat, n, 0.50),
           pct_ms(b->lat, n, 0.95), pct_ms(b->lat, n, 0.99),
           pct_ms(b->lat, n, 0.999), (unsigned long long)b->errors);
    fflush(stdout);
}

enum {
    OPT_HOST = 256,
    OPT_CONNS,
    OPT_PIPELINE,
    OPT_REQUESTS,
    OPT_SECONDS,
    OPT_QUERIES,
    OPT_VERB,
    OPT_OPTIONS,
    OPT_LABEL,
};

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"host", required_argument, NULL, OPT_HOST},
        {"connections", required_argument, NULL, OPT_CONNS},
        {"pipeline", required_argument, NULL, OPT_PIPELINE},
        {"requests", required_argument, NULL, OPT_REQUESTS},
        {"seconds", required_argument, NULL, OPT_SECONDS},
        {"queries", required_argument, NULL, OPT_QUERIES},
        {"verb", required_argument, NULL, OPT_VERB},
        {"options", required_argument, NULL, OPT_OPTIONS},
        {"label", required_argument, NULL, OPT_LABEL},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bench b;
    uv_loop_t loop;
    struct sockaddr_storage sa;
    const char *queries = NULL, *opts = "", *label = NULL, *verb = "SEARCH";
    char deflabel[MAX_LABEL_LEN + 32];
    unsigned long long v;
    int opt, rc = 2, loop_open = 0, have_host = 0;

    memset(&b, 0, sizeof b);
    b.nconns = DEF_CONNS;
    b.pipeline = 1;
    b.max_requests = DEF_REQUESTS;
    b.seconds = DEF_SECONDS;

    opterr = 0;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        const char *bad = NULL;
        char why[64]; /* a message naming its bounds */
        switch (opt) {
        case OPT_HOST:
            b.host = optarg;
            have_host = 1;
            if (parse_host(optarg, &sa) != 0)
                bad = "wants IP:PORT, e.g. 127.0.0.1:7878 or [::1]:7878";
            break;
        case OPT_CONNS:
            bad = cli_uint_why(optarg, 1, MAX_CONNS, &v, why, sizeof why);
            b.nconns = (size_t)v;
            break;
        case OPT_PIPELINE:
            bad = cli_uint_why(optarg, 1, MAX_PIPELINE, &v, why, sizeof why);
            b.pipeline = (size_t)v;
            break;
        case OPT_REQUESTS:
            bad = cli_uint_why(optarg, 1, MAX_REQUESTS, &v, why, sizeof why);
            b.max_requests = v;
            break;
        case OPT_SECONDS:
            if (parse_seconds(optarg, &b.seconds) != 0)
                bad = "wants seconds above 0, at most 600";
            break;
        case OPT_QUERIES:
            queries = optarg;
            break;
        case OPT_VERB:
            if (strcasecmp(optarg, "PING") == 0)
                verb = "PING";
            else if (strcasecmp(optarg, "SEARCH") == 0)
                verb = "SEARCH";
            else
                bad = "wants PING or SEARCH";
            break;
        case OPT_OPTIONS:
            opts = optarg;
            if (strlen(opts) > MAX_OPTIONS_LEN || strpbrk(opts, "\r\n") != NULL)
                bad = "wants one line of at most 256 bytes";
            break;
        case OPT_LABEL:
            label = optarg;
            if (strlen(label) > MAX_LABEL_LEN)
                bad = "wants at most 128 bytes";
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            fprintf(stderr, "load_bench: unknown or incomplete option %s\n",
                    argv[optind - 1]);
            usage(stderr);
            return 2;
        }
        if (bad != NULL) {
            fprintf(stderr, "load_bench: --%s %s: %s\n",
                    cli_optname(longopts, opt), bad, optarg);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "load_bench: unexpected argument %s\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (!have_host) {
        fprintf(stderr, "load_bench: --host is required\n");
        usage(stderr);
        return 2;
    }
    if (strcmp(verb, "PING") == 0) {
        size_t cap = 0;
        rc = add_request(&b, "PING", "", "", 0, &cap) == 0 ? 0 : 1;
    } else {
        rc = load_queries(&b, queries, opts);
    }
    if (rc != 0)
        goto out;
    if (label == NULL) {
        snprintf(deflabel, sizeof deflabel, "%s%s%s", verb,
                 strcmp(verb, "PING") && *opts ? " " : "",
                 strcmp(verb, "PING") ? opts : "");
        label = deflabel;
    }

    rc = 1;
    b.lat = malloc((size_t)b.max_requests * sizeof *b.lat);
    b.conns = calloc(b.nconns, sizeof *b.conns);
    if (b.lat == NULL || b.conns == NULL)
        goto nomem;
    for (size_t i = 0; i < b.nconns; i++) {
        b.conns[i].sent_at = malloc(b.pipeline * sizeof(uint64_t));
        b.conns[i].out = malloc(b.pipeline * sizeof(uv_buf_t));
        if (b.conns[i].sent_at == NULL || b.conns[i].out == NULL)
            goto nomem;
    }
    signal(SIGPIPE, SIG_IGN); /* a write to a closed socket is an error */
    /* enough descriptors for the connections, if the hard limit allows */
    cli_fd_limit((unsigned long long)b.nconns + 32);
    if (uv_loop_init(&loop) != 0) {
        fprintf(stderr, "load_bench: uv_loop_init failed\n");
        goto out;
    }
    loop_open = 1;
    b.loop = &loop;
    uv_timer_init(&loop, &b.timer);
    b.timer.data = &b;
    b.timer_open = 1;
    uv_timer_start(&b.timer, on_connect_timeout, CONNECT_TIMEOUT_MS, 0);
    if (bench_connect(&b, (const struct sockaddr *)&sa) != 0)
        bench_stop(&b);
    uv_run(&loop, UV_RUN_DEFAULT); /* ends when every connection closed */
    if (!b.running) {
        fprintf(stderr, "load_bench: cannot connect to %s: %s\n", b.host,
                b.connect_error ? uv_strerror(b.connect_error) : "timed out");
        goto out;
    }
    if (b.end_ns == 0)
        b.end_ns = uv_hrtime();
    if (b.connect_failed > 0)
        fprintf(stderr, "load_bench: %zu of %zu connections failed\n",
                b.connect_failed, b.nconns);
    report(&b, label);
    rc = 0;
    goto out;
nomem:
    fprintf(stderr, "load_bench: out of memory\n");
out:
    if (loop_open) {
        if (b.timer_open)
            uv_close((uv_handle_t *)&b.timer, NULL);
        for (size_t i = 0; i < b.nconns; i++)
            if (b.conns[i].state != C_CLOSED)
                conn_close(&b.conns[i]);
        uv_run(&loop, UV_RUN_DEFAULT); /* the close callbacks */
        uv_loop_close(&loop);
    }
    if (b.conns != NULL)
        for (size_t i = 0; i < b.nconns; i++) {
            free(b.conns[i].sent_at);
            free(b.conns[i].out);
            free(b.conns[i].partial);
        }
    free(b.conns);
    free(b.lat);
    for (size_t i = 0; i < b.nreqs; i++)
        free(b.reqs[i].line);
    free(b.reqs);
    return rc;
}
