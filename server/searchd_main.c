/* cglu-searchd: the search daemon (options, signals, logs around server.c).
 * Exit status: 0 after SIGTERM or SIGINT, 2 on bad options or an index it
 * cannot serve, 1 on any other failure (address in use...). */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "common/cli.h"
#include "common/mapread.h"
#include "common/passfile.h"
#include "common/xapian_c.h"
#include "common/schema.h"
#include "search/engine.h"
#include "server/httpreq.h"
#include "server/server.h"

#define DEFAULT_HOST "127.0.0.1"
#define MAX_HOST 64
#define FD_SPARE 64 /* descriptors besides clients: index, logs, pool */

/* ---- Logs: stderr, one line per event, "level: message" ---- */

static void log_line(const char *level, const char *msg)
{
    char line[1024];
    int n;

    n = snprintf(line, sizeof line, "%s%s%s\n", level, *level ? ": " : "", msg);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof line) {
        n = sizeof line - 1;
        line[n - 1] = '\n';
    }
    /* One write per line: lines of concurrent writers do not mix. */
    if (write(STDERR_FILENO, line, (size_t)n) < 0)
        return;
}

static void logf_(const char *level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void logf_(const char *level, const char *fmt, ...)
{
    char msg[900];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    log_line(level, msg);
}

/* Warnings found before start-up are printed after "listening on", which
 * must be the first line. */
#define MAX_DEFERRED 4
static char deferred[MAX_DEFERRED][256];
static int ndeferred;

static void defer_warn(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void defer_warn(const char *fmt, ...)
{
    va_list ap;

    if (ndeferred == MAX_DEFERRED)
        return;
    va_start(ap, fmt);
    vsnprintf(deferred[ndeferred++], sizeof deferred[0], fmt, ap);
    va_end(ap);
}

static void on_server_log(void *ud, server_log_level lvl, const char *msg)
{
    (void)ud;
    log_line(lvl == SERVER_LOG_INFO   ? "info"
             : lvl == SERVER_LOG_WARN ? "warn"
                                      : "error",
             msg);
}

/* ---- Options ---- */

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: cglu-searchd [options]\n"
        "Serve a cglu-index index over a line protocol (docs/"
        "PROTOCOL.md).\n\n"
        "  --db PATH              index to serve (default " SCHEMA_DEFAULT_DB
        ")\n"
        "  --listen HOST:PORT     address (default " DEFAULT_HOST
        ":%d; port 0 picks\n"
        "                         a free one; IPv6 as [::1]:PORT)\n"
        "  --threads N            worker threads (default: cores)\n"
        "  --max-connections N    clients at once (default %d)\n"
        "  --idle-timeout SECONDS close idle clients (default %d, 0 "
        "never)\n"
        "  --password-file FILE   require AUTH with the file's content\n"
        "  --max-queue N          requests queued per client (default "
        "%d)\n"
        "  --max-output BYTES     answers buffered per client (default "
        "%uM; K, M suffixes)\n"
        "  --cache-size BYTES     cached SEARCH answers (default %uM, 0 "
        "off)\n"
        "  --http HOST:PORT       also serve HTTP there: the JSON API, the "
        "search page\n"
        "                         and its widget (docs/HTTP.md; port 0 "
        "picks a free one)\n"
        "  --http-cors ORIGINS    origins whose pages may call the API: *, "
        "none or a\n"
        "                         comma list (default *)\n"
        "  --http-max-age SECONDS Cache-Control max-age of answers "
        "(default %d, at most %d)\n"
        "  --log-queries FILE     one JSON line per search (reopened on "
        "SIGHUP)\n"
        "  --log-addresses        add the client's address to those lines\n"
        "  --no-map               read the index with a system call per "
        "block, as\n"
        "                         Xapian does, rather than from memory "
        "maps\n"
        "  --remote-timeout MS    an index's remote shards (docs/SCALING.md) "
        "have this\n"
        "                         long to connect and to answer each "
        "message (default\n"
        "                         %d)\n"
        "  --allow-partial        answer from the other shards while a "
        "remote shard\n"
        "                         is down, saying \"partial\":true (else "
        "the error\n"
        "                         shard_unavailable)\n"
        "  -h, --help             print this help\n"
        "  -V, --version          print the version\n\n"
        "HTTP limits: URL %d bytes, headers %d bytes and %d lines, no "
        "body; an idle\nkept-alive connection is closed after %d s, a "
        "request head must arrive\nwithin %d s.\n\n"
        "The first line on stderr is \"listening on HOST:PORT\", then "
        "\"http on HOST:PORT\"\nwith --http. SIGTERM or SIGINT: finish "
        "the requests in flight and exit 0;\nSIGHUP: reopen the index and "
        "the query log.\nExit status: 0 stopped, 1 failure, 2 bad "
        "options or no usable index.\n",
        SCHEMA_DEFAULT_PORT, SERVER_DEF_MAX_CONN, SERVER_DEF_IDLE_S,
        SERVER_DEF_MAX_QUEUE, SERVER_DEF_MAX_OUTPUT >> 20,
        SERVER_DEF_CACHE >> 20, SERVER_DEF_MAX_AGE, SERVER_MAX_AGE_LIMIT,
        XC_REMOTE_TIMEOUT_MS, HTTPREQ_MAX_URL, HTTPREQ_MAX_HEAD,
        HTTPREQ_MAX_HEADERS, HTTP_KEEPALIVE_S, HTTP_HEAD_S);
}

/* "1.2.3.4:PORT" or "[v6]:PORT" into host (numeric) and port. */
static int parse_listen(const char *s, char *host, unsigned *port)
{
    const char *ps;
    unsigned long long p;
    unsigned char tmp[16];
    int v6;

    if (cli_hostport(s, host, MAX_HOST, &ps, &v6) != 0 || ps == NULL)
        return -1;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, host, tmp) != 1)
        return -1;
    if (cli_uint(ps, 0, 65535, 0, &p) != 0)
        return -1;
    *port = (unsigned)p;
    return 0;
}

/* --threads, --max-connections, --max-queue: a count from 1 to max into
 * *to; NULL, or why holding the message (cli_uint_why()). */
static const char *parse_count(const char *s, unsigned max, unsigned *to,
                               char *why, size_t n)
{
    unsigned long long v;
    const char *bad = cli_uint_why(s, 1, max, &v, why, n);

    *to = (unsigned)v;
    return bad;
}

/* The password file's rule is common/passfile's; its limit is the
 * daemon's. */
_Static_assert(PASSFILE_MAX == SERVER_MAX_PASSWORD,
               "a password file must fit what AUTH accepts");

/* Enough descriptors for --max-connections, if the hard limit allows. */
static void raise_fd_limit(unsigned max_conn)
{
    unsigned long long want = (unsigned long long)max_conn + FD_SPARE;
    unsigned long long got = cli_fd_limit(want);

    if (got < want)
        defer_warn("only %llu file descriptors: fewer than %u clients can "
                   "connect",
                   got, max_conn);
}

/* ---- Signals ---- */

typedef struct sigs {
    uv_signal_t term, intr, hup;
    server *srv;
} sigs;

static void on_stop_signal(uv_signal_t *h, int signum)
{
    sigs *g = h->data;

    logf_("info", "%s: stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
    server_stop(g->srv); /* a second one closes every client at once */
}

static void on_hup(uv_signal_t *h, int signum)
{
    sigs *g = h->data;

    (void)signum;
    logf_("info", "SIGHUP: reopening the index");
    server_reopen(g->srv);
}

static int sig_start(uv_loop_t *loop, uv_signal_t *h, sigs *g, uv_signal_cb cb,
                     int signum)
{
    if (uv_signal_init(loop, h) != 0)
        return -1;
    h->data = g;
    if (uv_signal_start(h, cb, signum) != 0) {
        uv_close((uv_handle_t *)h, NULL);
        return -1;
    }
    uv_unref((uv_handle_t *)h); /* the server decides when the loop ends */
    return 0;
}

/* ---- main ---- */

enum {
    OPT_DB = 256,
    OPT_LISTEN,
    OPT_THREADS,
    OPT_MAXCONN,
    OPT_IDLE,
    OPT_PWFILE,
    OPT_MAXQUEUE,
    OPT_MAXOUT,
    OPT_CACHE,
    OPT_HTTP,
    OPT_CORS,
    OPT_MAXAGE,
    OPT_LOGQ,
    OPT_LOGADDR,
    OPT_NOMAP,
    OPT_RTIMEOUT,
    OPT_PARTIAL,
};

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"max-connections", required_argument, NULL, OPT_MAXCONN},
        {"idle-timeout", required_argument, NULL, OPT_IDLE},
        {"password-file", required_argument, NULL, OPT_PWFILE},
        {"max-queue", required_argument, NULL, OPT_MAXQUEUE},
        {"max-output", required_argument, NULL, OPT_MAXOUT},
        {"cache-size", required_argument, NULL, OPT_CACHE},
        {"http", required_argument, NULL, OPT_HTTP},
        {"http-cors", required_argument, NULL, OPT_CORS},
        {"http-max-age", required_argument, NULL, OPT_MAXAGE},
        {"log-queries", required_argument, NULL, OPT_LOGQ},
        {"log-addresses", no_argument, NULL, OPT_LOGADDR},
        {"no-map", no_argument, NULL, OPT_NOMAP},
        {"remote-timeout", required_argument, NULL, OPT_RTIMEOUT},
        {"allow-partial", no_argument, NULL, OPT_PARTIAL},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    server_config cfg;
    char host[MAX_HOST] = DEFAULT_HOST, http_host[MAX_HOST], err[512];
    const char *pwfile = NULL;
    char *password = NULL;
    size_t pwlen = 0;
    unsigned long long v;
    server *srv = NULL;
    server_status st;
    sigs g;
    int opt, rc = 1, nsig = 0, no_map = 0;
    unsigned cores = uv_available_parallelism();

    engine_heap_tune();

    cfg = (server_config){
        .db_path = SCHEMA_DEFAULT_DB,
        .port = SCHEMA_DEFAULT_PORT,
        .threads = cores < 1                    ? 1
                   : cores > SERVER_MAX_THREADS ? SERVER_MAX_THREADS
                                                : cores,
        .max_connections = SERVER_DEF_MAX_CONN,
        .idle_timeout_s = SERVER_DEF_IDLE_S,
        .max_queue = SERVER_DEF_MAX_QUEUE,
        .max_output = SERVER_DEF_MAX_OUTPUT,
        .cache_bytes = SERVER_DEF_CACHE,
        .log = on_server_log,
        .http_max_age = SERVER_DEF_MAX_AGE,
    };

    opterr = 0;
    while ((opt = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
        const char *bad = NULL;
        char badbuf[128]; /* a message naming its limits */
        switch (opt) {
        case OPT_DB:
            if (*optarg == '\0')
                bad = "wants a path";
            cfg.db_path = optarg;
            break;
        case OPT_LISTEN:
            if (parse_listen(optarg, host, &cfg.port) != 0)
                bad = "wants IP:PORT, e.g. 127.0.0.1:7878 or [::1]:7878";
            break;
        case OPT_THREADS:
            bad = parse_count(optarg, SERVER_MAX_THREADS, &cfg.threads, badbuf,
                              sizeof badbuf);
            break;
        case OPT_MAXCONN:
            bad = parse_count(optarg, SERVER_MAX_CONN_LIMIT,
                              &cfg.max_connections, badbuf, sizeof badbuf);
            break;
        case OPT_IDLE:
            if (cli_uint(optarg, 0, SERVER_MAX_IDLE_S, 0, &v) != 0) {
                snprintf(badbuf, sizeof badbuf,
                         "wants seconds from 0 (never) to %d",
                         SERVER_MAX_IDLE_S);
                bad = badbuf;
            }
            cfg.idle_timeout_s = (unsigned)v;
            break;
        case OPT_PWFILE:
            pwfile = optarg;
            break;
        case OPT_MAXQUEUE:
            bad = parse_count(optarg, SERVER_MAX_QUEUE_LIMIT, &cfg.max_queue,
                              badbuf, sizeof badbuf);
            break;
        case OPT_MAXOUT:
            if (cli_uint(optarg, SERVER_MIN_OUTPUT, SERVER_MAX_OUTPUT_LIMIT, 1,
                         &v) != 0) {
                snprintf(badbuf, sizeof badbuf,
                         "wants bytes from %zu to %zuG (K, M suffixes "
                         "allowed)",
                         (size_t)SERVER_MIN_OUTPUT,
                         (size_t)SERVER_MAX_OUTPUT_LIMIT >> 30);
                bad = badbuf;
            }
            cfg.max_output = (size_t)v;
            break;
        case OPT_CACHE:
            if (cli_uint(optarg, 0, SERVER_MAX_CACHE_LIMIT, 1, &v) != 0 ||
                (v != 0 && v < SERVER_MIN_CACHE)) {
                snprintf(badbuf, sizeof badbuf,
                         "wants 0 (no cache) or bytes from %zuK to %zuM (K, M "
                         "suffixes allowed)",
                         (size_t)SERVER_MIN_CACHE >> 10,
                         (size_t)SERVER_MAX_CACHE_LIMIT >> 20);
                bad = badbuf;
            }
            cfg.cache_bytes = (size_t)v;
            break;
        case OPT_HTTP:
            if (parse_listen(optarg, http_host, &cfg.http_port) != 0)
                bad = "wants IP:PORT, e.g. 127.0.0.1:7879 or [::1]:7879";
            cfg.http_host = http_host;
            break;
        case OPT_CORS:
            if (*optarg == '\0')
                bad = "wants *, none or a comma list of origins";
            cfg.http_cors = optarg;
            break;
        case OPT_MAXAGE:
            if (cli_uint(optarg, 0, SERVER_MAX_AGE_LIMIT, 0, &v) != 0) {
                snprintf(badbuf, sizeof badbuf, "wants seconds from 0 to %d",
                         SERVER_MAX_AGE_LIMIT);
                bad = badbuf;
            }
            cfg.http_max_age = (unsigned)v;
            break;
        case OPT_LOGQ:
            if (*optarg == '\0')
                bad = "wants a path";
            cfg.log_queries = optarg;
            break;
        case OPT_LOGADDR:
            cfg.log_addresses = 1;
            break;
        case OPT_NOMAP:
            no_map = 1;
            break;
        case OPT_RTIMEOUT:
            if (cli_uint(optarg, 1, XC_REMOTE_TIMEOUT_MAX, 0, &v) != 0) {
                snprintf(badbuf, sizeof badbuf,
                         "wants milliseconds from 1 to %d",
                         XC_REMOTE_TIMEOUT_MAX);
                bad = badbuf;
            }
            /* before any index is opened: it holds for every opening */
            xc_set_remote_timeout((unsigned)v);
            break;
        case OPT_PARTIAL:
            cfg.allow_partial = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            return cli_version("cglu-searchd");
        default:
            if (optopt != 0 && optopt < 256)
                logf_("error", "unknown or incomplete option -%c (see --help)",
                      optopt);
            else
                logf_("error", "unknown or incomplete option %s (see --help)",
                      argv[optind - 1]);
            return 2;
        }
        if (bad != NULL) {
            logf_("error", "--%s %s: %s", cli_optname(longopts, opt), bad,
                  optarg);
            return 2;
        }
    }
    if (optind < argc) {
        logf_("error", "unexpected argument %s (see --help)", argv[optind]);
        return 2;
    }
    /* before any thread and before the index is opened (mapread.h) */
    if (!no_map && mapread_enable() != 0)
        defer_warn("cannot map the index (%s): reading it with pread",
                   strerror(errno));
    if (pwfile != NULL) {
        int loose;
        if (passfile_read(pwfile, &password, &pwlen, &loose, err, sizeof err) !=
            PASSFILE_OK) {
            log_line("error", err);
            return 2;
        }
        if (loose)
            defer_warn("password file %s is readable by every user", pwfile);
        cfg.password = password;
        cfg.password_len = pwlen;
    }
    cfg.host = host;

    /* A client gone before its answer is written must not kill us. */
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit(cfg.max_connections);
    st = server_open(&cfg, &srv, err, sizeof err);
    passfile_free(password, pwlen); /* server_open() made its copy */
    if (st != SERVER_OK) {
        log_line("error", err);
        return st == SERVER_ERR_NOMEM || st == SERVER_ERR_LOOP ||
                       st == SERVER_ERR_LISTEN
                   ? 1
                   : 2;
    }
    memset(&g, 0, sizeof g);
    g.srv = srv;
    if (sig_start(server_loop(srv), &g.term, &g, on_stop_signal, SIGTERM) ||
        (nsig++,
         sig_start(server_loop(srv), &g.intr, &g, on_stop_signal, SIGINT)) ||
        (nsig++, sig_start(server_loop(srv), &g.hup, &g, on_hup, SIGHUP))) {
        log_line("error", "cannot watch signals");
        goto out;
    }
    nsig++;
    logf_("", "listening on %s", server_address(srv));
    if (server_http_address(srv) != NULL)
        logf_("", "http on %s", server_http_address(srv));
    for (opt = 0; opt < ndeferred; opt++)
        log_line("warn", deferred[opt]);
    logf_("info", "index %s, %u threads, at most %u clients", cfg.db_path,
          cfg.threads, cfg.max_connections);
    if (server_run(srv) != SERVER_OK)
        goto out;
    rc = 0;
out:
    if (nsig > 0)
        uv_close((uv_handle_t *)&g.term, NULL);
    if (nsig > 1)
        uv_close((uv_handle_t *)&g.intr, NULL);
    if (nsig > 2)
        uv_close((uv_handle_t *)&g.hup, NULL);
    if (rc != 0) {
        server_stop(srv); /* drain what can be, then close */
        server_stop(srv);
        server_run(srv);
    } else {
        uv_run(server_loop(srv), UV_RUN_DEFAULT); /* the close callbacks */
    }
    if (server_free(srv) != SERVER_OK)
        rc = 1;
    if (rc == 0)
        logf_("info", "stopped");
    return rc;
}
