/* cglu-search: command-line client of cglu-searchd: sends one request,
 * prints the answer readably (or raw with --json). Options and the
 * connection are here; answers are read by client/answer.c and printed by
 * client/display.c.
 * Exit status: 0 success, 1 error answered by the server or bad answer,
 * 2 bad usage or cannot connect. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/answer.h"
#include "client/display.h"
#include "common/buf.h"
#include "common/cli.h"
#include "common/passfile.h"
#include "common/schema.h"
#include "server/proto.h"

#define DEFAULT_HOST "127.0.0.1"
#define TIMEOUT_MS 30000       /* connect, and each read or write */
#define MAX_ANSWER (64u << 20) /* one answer line */
#define MAX_LIMIT 10000        /* --limit; the server has its own cap */

static const char *prog = "cglu-search";

static void die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

static void die(int status, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(status);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cglu-search [options] [--] QUERY...\n"
            "       cglu-search --suggest [--limit N] [--lang L] PREFIX\n"
            "       cglu-search --stats | --doc ID\n"
            "Query a running cglu-searchd.\n\n"
            "  --host HOST:PORT       server (default " DEFAULT_HOST ":%d)\n"
            "  --limit N              results or suggestions wanted\n"
            "  --lang L               pages in language L (fr, en, es...), "
            "the query\n"
            "                         analysed in it; with --suggest, its "
            "words\n"
            "  --section S            pages of section S\n"
            "  --tag T                pages with tag T (repeated, or "
            "T1,T2: any of them)\n"
            "  --after DATE           pages dated DATE (YYYY-MM-DD) or "
            "later\n"
            "  --before DATE          pages dated DATE or earlier\n"
            "  --sort relevance|date  the order (date: newest first)\n"
            "  --facets LIST          count the matches per lang, section, "
            "tag\n"
            "                         (a comma list), printed after the "
            "hits\n"
            "  --suggest              complete the last word: QUERY is a "
            "prefix\n"
            "  --stats                print the server's figures\n"
            "  --doc ID               print one document\n"
            "  --json                 print the server's raw answer line\n"
            "  --password-file FILE   authenticate first (AUTH)\n"
            "  -h, --help             print this help\n"
            "  -V, --version          print the version\n\n"
            "Query syntax: words, \"a phrase\", -word, a OR b, prefix*, "
            "title:word\n(-- before a QUERY that starts with -). The "
            "server checks the values\nof the options above.\nExit status: 0 "
            "success, 1 error from the server, "
            "2 usage or cannot connect.\n",
            SCHEMA_DEFAULT_PORT);
}

/* ---- Network ---- */

/* "host:port", "[v6]:port" or "host" into host and port strings. */
static void split_host(const char *s, char *host, size_t hn, char *port,
                       size_t pn)
{
    const char *ps;
    unsigned long long p = SCHEMA_DEFAULT_PORT;
    int v6;

    if (cli_hostport(s, host, hn, &ps, &v6) != 0 ||
        (ps != NULL && cli_uint(ps, 1, 65535, 0, &p) != 0))
        die(2, "--host wants HOST:PORT or [IPv6]:PORT, not %s", s);
    snprintf(port, pn, "%llu", p);
}

/* Wait for fd to be ready for events; 0, or -1 with errno (ETIMEDOUT). */
static int wait_fd(int fd, short events)
{
    struct pollfd p = {fd, events, 0};
    int rc;

    do
        rc = poll(&p, 1, TIMEOUT_MS);
    while (rc < 0 && errno == EINTR);
    if (rc == 0)
        errno = ETIMEDOUT;
    return rc > 0 ? 0 : -1;
}

/* Non-blocking connect bounded by TIMEOUT_MS; returns the socket
 * (non-blocking) or -1 with errno. */
static int try_connect(const struct addrinfo *ai)
{
    int fd =
        socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
               ai->ai_protocol);
    int err = 0;
    socklen_t el = sizeof err;

    if (fd < 0)
        return -1;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return fd;
    if (errno != EINPROGRESS || wait_fd(fd, POLLOUT) != 0)
        goto fail;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
        goto fail;
    if (err == 0)
        return fd;
    errno = err;
fail:
    err = errno;
    close(fd);
    errno = err;
    return -1;
}

static int connect_to(const char *spec)
{
    char host[256], port[16];
    struct addrinfo hints, *res, *ai;
    int fd = -1, rc, err = 0;

    split_host(spec, host, sizeof host, port, sizeof port);
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0)
        die(2, "cannot connect to %s: %s", spec, gai_strerror(rc));
    for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = try_connect(ai);
        if (fd < 0)
            err = errno;
    }
    freeaddrinfo(res);
    if (fd < 0)
        die(2, "cannot connect to %s: %s", spec, strerror(err));
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EAGAIN && wait_fd(fd, POLLOUT) == 0)
            continue;
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            die(1, "cannot send the request: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
}

/* Read up to and including the next "\n" into line (bounded). in keeps
 * bytes read past it for the next call. */
static void read_line(int fd, buf_t *in, buf_t *line)
{
    char chunk[65536];

    for (;;) {
        char *nl = in->len ? memchr(in->data, '\n', in->len) : NULL;
        ssize_t r;

        if (nl != NULL) {
            size_t n = (size_t)(nl - in->data) + 1;
            buf_reset(line);
            if (buf_append(line, in->data, n) != BUF_OK)
                die(1, "out of memory");
            memmove(in->data, in->data + n, in->len - n);
            buf_truncate(in, in->len - n);
            return;
        }
        r = recv(fd, chunk, sizeof chunk, 0);
        if (r < 0 &&
            (errno == EINTR || (errno == EAGAIN && wait_fd(fd, POLLIN) == 0)))
            continue;
        if (r < 0)
            die(1, "cannot read the answer: %s", strerror(errno));
        if (r == 0)
            die(1, "the server closed the connection without answering");
        buf_status bs = buf_append(in, chunk, (size_t)r);
        if (bs == BUF_ERR_NOMEM)
            die(1, "out of memory");
        if (bs != BUF_OK)
            die(1, "answer longer than %u bytes", MAX_ANSWER);
    }
}

/* ---- Answers ---- */

/* Parse an answer line into a; on the server's error print it and exit
 * 1, on a bad answer exit 1 too. */
static void check_answer(answer *a, const buf_t *line)
{
    char err[256];
    answer_status st = answer_parse(a, line->data, line->len, err, sizeof err);

    if (st == ANSWER_ERR_SERVER) {
        display_error(stderr, prog, a);
        exit(1);
    }
    if (st == ANSWER_ERR_NOMEM)
        die(1, "out of memory");
    if (st != ANSWER_OK)
        die(1, "the server sent a bad answer: %s", err);
}

/* ---- The request ---- */

/* s as an option value: one word, which the server percent-decodes, so
 * the bytes a word cannot hold (controls, space, DEL) and '%' itself go
 * as %XX; the rest (UTF-8, ',') as it is. */
static void put_value(buf_t *b, const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c == 0x7F || c == '%')
            buf_printf(b, "%%%02X", c);
        else
            buf_putc(b, (char)c);
    }
}

/* Controls, space and DEL: all sent as spaces in the query. */
static int blank(char c)
{
    return (unsigned char)c <= ' ' || c == 0x7F;
}

/* 1 when the server would take the first word of q for an option or the
 * end of the options, "a=b" or "--": such a query goes after "--". */
static int needs_dashes(const char *q)
{
    size_t n;

    while (*q != '\0' && blank(*q))
        q++;
    for (n = 0; q[n] != '\0' && !blank(q[n]); n++)
        if (q[n] == '=')
            return 1;
    return n == 2 && q[0] == '-' && q[1] == '-';
}

enum {
    OPT_HOST = 256,
    OPT_JSON,
    OPT_LIMIT,
    OPT_SUGGEST,
    OPT_STATS,
    OPT_DOC,
    OPT_PWFILE,
    OPT_LANG, /* the filters, in the order of filters[] */
    OPT_SECTION,
    OPT_TAG,
    OPT_AFTER,
    OPT_BEFORE,
    OPT_SORT,
    OPT_FACETS
};

/* The options sent as options of SEARCH (and of SUGGEST when suggest),
 * under the name key. The server checks their values: the client only
 * refuses an empty one. The last one given wins, but --tag adds to a
 * comma list. */
static const struct filter_opt {
    const char *key;
    int suggest;
} filters[] = {
    {"lang", 1},   {"section", 0}, {"tag", 0},    {"after", 0},
    {"before", 0}, {"sort", 0},    {"facets", 0},
};
#define NFILTERS (sizeof filters / sizeof filters[0])

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"host", required_argument, NULL, OPT_HOST},
        {"json", no_argument, NULL, OPT_JSON},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"suggest", no_argument, NULL, OPT_SUGGEST},
        {"stats", no_argument, NULL, OPT_STATS},
        {"doc", required_argument, NULL, OPT_DOC},
        {"password-file", required_argument, NULL, OPT_PWFILE},
        {"lang", required_argument, NULL, OPT_LANG},
        {"section", required_argument, NULL, OPT_SECTION},
        {"tag", required_argument, NULL, OPT_TAG},
        {"after", required_argument, NULL, OPT_AFTER},
        {"before", required_argument, NULL, OPT_BEFORE},
        {"sort", required_argument, NULL, OPT_SORT},
        {"facets", required_argument, NULL, OPT_FACETS},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *host, *doc = NULL, *pwfile = NULL;
    int opt, json = 0, suggest = 0, stats = 0, fd, i;
    unsigned long long limit = 0;
    char *pw = NULL;
    size_t pwlen = 0;
    buf_t req, query, in, line, fval[NFILTERS]; /* fval: the values, encoded */
    size_t fi;
    answer a;
    char hostbuf[32], why[64];

    snprintf(hostbuf, sizeof hostbuf, DEFAULT_HOST ":%d", SCHEMA_DEFAULT_PORT);
    host = hostbuf;
    for (fi = 0; fi < NFILTERS; fi++)
        buf_init(&fval[fi], PROTO_MAX_LINE); /* the line checks the size */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
        if (opt >= OPT_LANG && opt < OPT_LANG + (int)NFILTERS) {
            buf_t *v = &fval[opt - OPT_LANG];
            if (optarg[0] == '\0')
                die(2, "--%s needs a value", filters[opt - OPT_LANG].key);
            if (opt != OPT_TAG || v->len == 0)
                buf_reset(v);
            else
                buf_putc(v, ',');
            put_value(v, optarg);
            continue;
        }
        switch (opt) {
        case OPT_HOST:
            host = optarg;
            break;
        case OPT_JSON:
            json = 1;
            break;
        case OPT_LIMIT:
            if (cli_uint_why(optarg, 1, MAX_LIMIT, &limit, why, sizeof why) !=
                NULL)
                die(2, "--limit %s: %s", why, optarg);
            break;
        case OPT_SUGGEST:
            suggest = 1;
            break;
        case OPT_STATS:
            stats = 1;
            break;
        case OPT_DOC:
            doc = optarg;
            break;
        case OPT_PWFILE:
            pwfile = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            return cli_version("cglu-search");
        default:
            die(2, "unknown or incomplete option %s (see --help)",
                argv[optind - 1]);
        }
    }
    if (suggest + stats + (doc != NULL) > 1)
        die(2, "--suggest, --stats and --doc exclude each other");
    if ((stats || doc) && optind < argc)
        die(2, "--stats and --doc take no QUERY");
    if (!stats && !doc && optind == argc)
        die(2, "no QUERY given (see --help)");
    for (fi = 0; fi < NFILTERS; fi++) {
        if (fval[fi].len == 0 && !fval[fi].failed)
            continue;
        if (stats || doc)
            die(2, "--stats and --doc take no --%s", filters[fi].key);
        if (suggest && !filters[fi].suggest)
            die(2, "--suggest takes no --%s", filters[fi].key);
        if (fval[fi].failed)
            die(2, "request longer than %d bytes", PROTO_MAX_LINE);
    }

    /* The request line: control characters would split it in two. The
     * buffer may grow past the protocol's limit so that a too-long request
     * is refused below, never sent cut. */
    buf_init(&req, (size_t)1 << 20);
    buf_init(&query, (size_t)1 << 20);
    if (stats)
        buf_puts(&req, "STATS");
    else if (doc)
        buf_printf(&req, "DOC %s", doc);
    else if (suggest)
        buf_puts(&req, "SUGGEST");
    else
        buf_puts(&req, "SEARCH");
    if (limit > 0 && !stats && !doc)
        buf_printf(&req, " limit=%llu", limit);
    for (fi = 0; fi < NFILTERS; fi++) {
        if (fval[fi].len > 0)
            buf_printf(&req, " %s=%s", filters[fi].key, fval[fi].data);
        buf_free(&fval[fi]);
    }
    for (i = optind; i < argc; i++) {
        if (i > optind)
            buf_putc(&query, ' ');
        buf_puts(&query, argv[i]);
    }
    if (optind < argc) {
        if (query.len > 0 && needs_dashes(query.data))
            buf_puts(&req, " --");
        buf_putc(&req, ' ');
        buf_append(&req, query.data, query.len);
    }
    if (query.failed)
        req.failed = 1;
    buf_free(&query);
    if (req.failed || req.len > PROTO_MAX_LINE)
        die(2, "request longer than %d bytes", PROTO_MAX_LINE);
    for (i = 0; i < (int)req.len; i++)
        if ((unsigned char)req.data[i] < 0x20 || req.data[i] == 0x7F)
            req.data[i] = ' ';
    buf_putc(&req, '\n');

    if (pwfile != NULL) { /* before connecting: a bad file costs nothing */
        char err[512];
        int loose;
        if (passfile_read(pwfile, &pw, &pwlen, &loose, err, sizeof err) !=
            PASSFILE_OK)
            die(2, "%s", err);
        if (loose)
            fprintf(stderr,
                    "%s: warning: password file %s is readable by every "
                    "user\n",
                    prog, pwfile);
    }
    signal(SIGPIPE, SIG_IGN);
    fd = connect_to(host);
    buf_init(&in, MAX_ANSWER);
    buf_init(&line, MAX_ANSWER);
    if (pw != NULL) {
        send_all(fd, "AUTH ", 5);
        send_all(fd, pw, pwlen);
        send_all(fd, "\n", 1);
        passfile_free(pw, pwlen);
        read_line(fd, &in, &line);
        check_answer(&a, &line);
        answer_free(&a);
    }
    send_all(fd, req.data, req.len);
    read_line(fd, &in, &line);
    close(fd);
    if (json) {
        fwrite(line.data, 1, line.len, stdout);
        fflush(stdout);
    }
    check_answer(&a, &line);
    if (!json) {
        if (stats)
            display_stats(stdout, &a);
        else if (doc)
            display_doc(stdout, &a);
        else if (suggest)
            display_suggest(stdout, &a);
        else
            display_search(stdout, &a, isatty(STDOUT_FILENO));
    }
    answer_free(&a);
    buf_free(&req);
    buf_free(&in);
    buf_free(&line);
    if (fflush(stdout) != 0 || ferror(stdout))
        die(1, "cannot write the output: %s", strerror(errno));
    return 0;
}
