/* cglu-search: command-line client of cglu-searchd: sends one request,
 * prints the answer readably (or raw with --json).
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

#include "common/buf.h"
#include "common/cli.h"
#include "common/jsonread.h"
#include "common/schema.h"
#include "server/proto.h"

#define VERSION "0.1.0"
#define DEFAULT_HOST "127.0.0.1"
#define TIMEOUT_MS 30000       /* connect, and each read or write */
#define MAX_ANSWER (64u << 20) /* one answer line */
#define MAX_TOKENS 1000000     /* JSON tokens in one answer */
#define MAX_LIMIT 10000        /* --limit; the server has its own cap */
#define MAX_PASSWORD 1024

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
            "usage: cglu-search [options] QUERY...\n"
            "Query a running cglu-searchd.\n\n"
            "  --host HOST:PORT       server (default " DEFAULT_HOST ":%d)\n"
            "  --limit N              results or suggestions wanted\n"
            "  --suggest              complete the last word: QUERY is a "
            "prefix\n"
            "  --stats                print the server's figures\n"
            "  --doc ID               print one document\n"
            "  --json                 print the server's raw answer line\n"
            "  --password-file FILE   authenticate first (AUTH)\n"
            "  -h, --help             print this help\n"
            "  -V, --version          print the version\n\n"
            "Query syntax: words, \"a phrase\", -word, a OR b, prefix*, "
            "title:word.\nExit status: 0 success, 1 error from the server, "
            "2 usage or cannot connect.\n",
            SCHEMA_DEFAULT_PORT);
}

/* ---- Network ---- */

/* "host:port", "[v6]:port" or "host" into host and port strings. */
static void split_host(const char *s, char *host, size_t hn, char *port,
                       size_t pn)
{
    const char *ps;
    int v6;

    if (cli_hostport(s, host, hn, &ps, &v6) != 0 ||
        (ps != NULL && (*ps == '\0' || strlen(ps) >= pn)))
        die(2, "--host wants HOST:PORT or [IPv6]:PORT, not %s", s);
    if (ps != NULL)
        snprintf(port, pn, "%s", ps);
    else
        snprintf(port, pn, "%d", SCHEMA_DEFAULT_PORT);
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
        if (buf_append(in, chunk, (size_t)r) != BUF_OK)
            die(1, "answer longer than %u bytes", MAX_ANSWER);
    }
}

/* ---- Printing ---- */

static int tty;

/* Write s[0..n) for a terminal: C0 and C1 controls and DEL (which could
 * drive the terminal) become '?', except "\n" and "\t" when keep_nl. */
static void put_clean(const char *s, size_t n, int keep_nl)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || c == '\t' || c == '\r') {
            putchar(keep_nl && c != '\r' ? c : ' ');
        } else if (c < 0x20 || c == 0x7F) {
            putchar('?');
        } else if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
                   (unsigned char)s[i + 1] <= 0x9F) {
            putchar('?'); /* U+0080-U+009F */
            i++;
        } else {
            putchar(c);
        }
    }
}

/* Code point cp as UTF-8 into out (4 bytes); 0 if not printable. */
static size_t utf8_put(unsigned long cp, char *out)
{
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* An entity at s[0..n) ("&amp;"...): its length, and its text in out. */
static size_t entity(const char *s, size_t n, char *out, size_t *outlen)
{
    static const struct {
        const char *name, *text;
    } named[] = {{"&amp;", "&"},   {"&lt;", "<"},   {"&gt;", ">"},
                 {"&quot;", "\""}, {"&apos;", "'"}, {"&nbsp;", " "}};
    const char *semi = memchr(s, ';', n < 12 ? n : 12);
    unsigned long cp = 0;
    size_t i, len;

    if (semi == NULL)
        return 0;
    len = (size_t)(semi - s) + 1;
    for (i = 0; i < sizeof named / sizeof named[0]; i++)
        if (strlen(named[i].name) == len &&
            memcmp(s, named[i].name, len) == 0) {
            *outlen = strlen(named[i].text);
            memcpy(out, named[i].text, *outlen);
            return len;
        }
    if (len < 4 || s[1] != '#')
        return 0;
    if (s[2] == 'x' || s[2] == 'X') {
        for (i = 3; i < len - 1; i++) {
            char c = s[i];
            int h = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (h < 0 || i == 3 + 6)
                return 0;
            cp = cp * 16 + (unsigned long)h;
        }
        if (len == 4)
            return 0;
    } else {
        for (i = 2; i < len - 1; i++) {
            if (s[i] < '0' || s[i] > '9' || i == 2 + 7)
                return 0;
            cp = cp * 10 + (unsigned long)(s[i] - '0');
        }
    }
    *outlen = utf8_put(cp, out);
    if (*outlen == 0) {
        out[0] = '?';
        *outlen = 1;
    }
    return len;
}

/* An HTML snippet: <mark> becomes bold on a terminal (else nothing),
 * entities are decoded, line breaks become spaces. */
static void put_html(const char *s, size_t n)
{
    size_t i = 0, start = 0, el, ol;
    char ent[8];

    while (i < n) {
        if (s[i] == '<' && n - i >= 6 && memcmp(s + i, "<mark>", 6) == 0) {
            put_clean(s + start, i - start, 0);
            if (tty)
                fputs("\033[1m", stdout);
            i += 6;
            start = i;
        } else if (s[i] == '<' && n - i >= 7 &&
                   memcmp(s + i, "</mark>", 7) == 0) {
            put_clean(s + start, i - start, 0);
            if (tty)
                fputs("\033[0m", stdout);
            i += 7;
            start = i;
        } else if (s[i] == '&' && (el = entity(s + i, n - i, ent, &ol)) > 0) {
            put_clean(s + start, i - start, 0);
            put_clean(ent, ol, 0);
            i += el;
            start = i;
        } else {
            i++;
        }
    }
    put_clean(s + start, n - start, 0);
    if (tty)
        fputs("\033[0m", stdout); /* never leave the terminal bold */
}

/* ---- Answers ---- */

typedef struct answer {
    jsonread_doc d;
    buf_t tmp;
} answer;

/* The string member key of object obj, decoded into a->tmp; NULL when
 * absent or not a string. *len gets its length. */
static const char *get_str(answer *a, size_t obj, const char *key, size_t *len)
{
    size_t i = jsonread_get(&a->d, obj, key);

    buf_reset(&a->tmp);
    if (i == JSONREAD_NONE || jsonread_string(&a->d, i, &a->tmp) != 0)
        return NULL;
    *len = a->tmp.len;
    return a->tmp.data ? a->tmp.data : "";
}

static double get_num(answer *a, size_t obj, const char *key, double def)
{
    double v;
    size_t i = jsonread_get(&a->d, obj, key);

    if (i == JSONREAD_NONE || jsonread_number(&a->d, i, &v) != 0)
        return def;
    return v;
}

static int get_bool(answer *a, size_t obj, const char *key)
{
    int v;
    size_t i = jsonread_get(&a->d, obj, key);

    return i != JSONREAD_NONE && jsonread_bool(&a->d, i, &v) == 0 && v;
}

static void print_member(answer *a, size_t obj, const char *key,
                         const char *before, const char *after, int html)
{
    size_t len;
    const char *s = get_str(a, obj, key, &len);

    if (s == NULL)
        return;
    fputs(before, stdout);
    if (html)
        put_html(s, len);
    else
        put_clean(s, len, 0);
    fputs(after, stdout);
}

static void print_search(answer *a)
{
    size_t hits = jsonread_get(&a->d, 0, "hits"), h, len;
    double total = get_num(a, 0, "total", 0);
    double offset = get_num(a, 0, "offset", 0);
    const char *s;
    size_t n = 0;

    s = get_str(a, 0, "suggestion", &len);
    if (s != NULL && len > 0) {
        fputs("did you mean: ", stdout);
        put_clean(s, len, 0);
        fputs("?\n", stdout);
    }
    if (get_bool(a, 0, "relaxed"))
        fputs("no document holds every word: showing those with some\n",
              stdout);
    if (hits != JSONREAD_NONE)
        n = a->d.toks[hits].count;
    if (total == 0) {
        fputs("no results\n", stdout);
        return;
    }
    printf("%.0f result%s", total, total == 1 ? "" : "s");
    if (n > 0 && (offset > 0 || (double)n < total))
        printf(", %.0f to %.0f shown", offset + 1, offset + (double)n);
    printf(" (%.1f ms)\n", get_num(a, 0, "took_ms", 0));
    if (hits == JSONREAD_NONE)
        return;
    for (h = jsonread_first(&a->d, hits); h != JSONREAD_NONE;
         h = jsonread_next(&a->d, hits, h)) {
        printf("\n%3.0f. ", get_num(a, h, "rank", 0));
        print_member(a, h, "title", "", "\n", 0);
        print_member(a, h, "url", "     ", "\n", 0);
        print_member(a, h, "snippet", "     ", "\n", 1);
    }
}

static void print_suggest(answer *a)
{
    size_t arr = jsonread_get(&a->d, 0, "suggestions"), i;

    if (arr == JSONREAD_NONE)
        return;
    for (i = jsonread_first(&a->d, arr); i != JSONREAD_NONE;
         i = jsonread_next(&a->d, arr, i)) {
        buf_reset(&a->tmp);
        if (jsonread_string(&a->d, i, &a->tmp) != 0)
            continue;
        put_clean(a->tmp.data ? a->tmp.data : "", a->tmp.len, 0);
        putchar('\n');
    }
}

static void print_doc(answer *a)
{
    size_t len;
    const char *s;

    print_member(a, 0, "title", "", "\n", 0);
    print_member(a, 0, "url", "", "\n", 0);
    s = get_str(a, 0, "text", &len);
    if (s != NULL) {
        putchar('\n');
        put_clean(s, len, 1);
        if (len == 0 || s[len - 1] != '\n')
            putchar('\n');
    }
}

/* Every member but "ok", as "key: value", numbers as the server wrote
 * them. */
static void print_stats(answer *a, const char *text)
{
    size_t k;

    for (k = jsonread_first(&a->d, 0); k != JSONREAD_NONE;
         k = jsonread_next(&a->d, 0, jsonread_next(&a->d, 0, k))) {
        size_t v = k + 1;
        const jsonread_tok *t = &a->d.toks[v];
        buf_reset(&a->tmp);
        jsonread_string(&a->d, k, &a->tmp);
        if (a->tmp.len == 2 && memcmp(a->tmp.data, "ok", 2) == 0)
            continue;
        put_clean(a->tmp.data ? a->tmp.data : "", a->tmp.len, 0);
        fputs(": ", stdout);
        if (t->type == JSONREAD_STRING) {
            buf_reset(&a->tmp);
            jsonread_string(&a->d, v, &a->tmp);
            put_clean(a->tmp.data ? a->tmp.data : "", a->tmp.len, 0);
        } else {
            put_clean(text + t->start, t->len, 0);
        }
        putchar('\n');
    }
}

/* Parse an answer line; on {"ok":false} print its message and exit 1. */
static void check_answer(answer *a, const buf_t *line)
{
    jsonread_status st;
    const char *code, *msg;
    size_t len, clen;
    char codebuf[64];

    st = jsonread_parse(&a->d, line->data, line->len, MAX_TOKENS);
    if (st != JSONREAD_OK)
        die(1, "the server sent a bad answer: %s", jsonread_strerror(st));
    if (jsonread_typeof(&a->d, 0) != JSONREAD_OBJECT)
        die(1, "the server sent a bad answer: not an object");
    if (get_bool(a, 0, "ok"))
        return;
    code = get_str(a, 0, "error", &clen);
    snprintf(codebuf, sizeof codebuf, "%.*s", code ? (int)clen : 5,
             code ? code : "error");
    msg = get_str(a, 0, "message", &len);
    fprintf(stderr, "%s: %s: ", prog, codebuf);
    fflush(stderr);
    if (msg != NULL)
        fwrite(msg, 1, len, stderr);
    fputc('\n', stderr);
    exit(1);
}

static char *read_password(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p = malloc(MAX_PASSWORD + 3);
    size_t n = 0;

    if (f == NULL || p == NULL)
        die(2, "cannot read %s: %s", path, strerror(errno));
    n = fread(p, 1, MAX_PASSWORD + 3, f);
    fclose(f);
    while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    if (n == 0 || n > MAX_PASSWORD || memchr(p, '\n', n) != NULL)
        die(2, "%s must hold one line of 1 to %d bytes", path, MAX_PASSWORD);
    *len = n;
    return p;
}

enum {
    OPT_HOST = 256,
    OPT_JSON,
    OPT_LIMIT,
    OPT_SUGGEST,
    OPT_STATS,
    OPT_DOC,
    OPT_PWFILE
};

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
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *host, *doc = NULL, *pwfile = NULL;
    int opt, json = 0, suggest = 0, stats = 0, fd, i;
    long limit = 0;
    buf_t req, in, line;
    answer a;
    char hostbuf[32];

    snprintf(hostbuf, sizeof hostbuf, DEFAULT_HOST ":%d", SCHEMA_DEFAULT_PORT);
    host = hostbuf;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_HOST:
            host = optarg;
            break;
        case OPT_JSON:
            json = 1;
            break;
        case OPT_LIMIT: {
            char *end;
            errno = 0;
            limit = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || optarg[0] == '-' ||
                optarg[0] == '+' || limit < 1 || limit > MAX_LIMIT)
                die(2, "--limit wants a number from 1 to %d, not %s", MAX_LIMIT,
                    optarg);
            break;
        }
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
            printf("cglu-search " VERSION "\n");
            return 0;
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

    /* The request line: control characters would split it in two. The
     * buffer may grow past the protocol's limit so that a too-long request
     * is refused below, never sent cut. */
    buf_init(&req, (size_t)1 << 20);
    if (stats)
        buf_puts(&req, "STATS");
    else if (doc)
        buf_printf(&req, "DOC %s", doc);
    else if (suggest)
        buf_puts(&req, "SUGGEST");
    else
        buf_puts(&req, "SEARCH");
    if (limit > 0 && !stats && !doc)
        buf_printf(&req, " limit=%ld", limit);
    for (i = optind; i < argc; i++) {
        buf_putc(&req, ' ');
        buf_puts(&req, argv[i]);
    }
    if (req.failed || req.len > PROTO_MAX_LINE)
        die(2, "request longer than %d bytes", PROTO_MAX_LINE);
    for (i = 0; i < (int)req.len; i++)
        if ((unsigned char)req.data[i] < 0x20 || req.data[i] == 0x7F)
            req.data[i] = ' ';
    buf_putc(&req, '\n');

    signal(SIGPIPE, SIG_IGN);
    tty = isatty(STDOUT_FILENO);
    fd = connect_to(host);
    buf_init(&in, MAX_ANSWER);
    buf_init(&line, MAX_ANSWER);
    memset(&a, 0, sizeof a);
    buf_init(&a.tmp, MAX_ANSWER);
    if (pwfile != NULL) {
        size_t pl;
        char *pw = read_password(pwfile, &pl);
        send_all(fd, "AUTH ", 5);
        send_all(fd, pw, pl);
        send_all(fd, "\n", 1);
        free(pw);
        read_line(fd, &in, &line);
        check_answer(&a, &line);
        jsonread_free(&a.d);
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
            print_stats(&a, line.data);
        else if (doc)
            print_doc(&a);
        else if (suggest)
            print_suggest(&a);
        else
            print_search(&a);
    }
    jsonread_free(&a.d);
    buf_free(&a.tmp);
    buf_free(&req);
    buf_free(&in);
    buf_free(&line);
    if (fflush(stdout) != 0 || ferror(stdout))
        die(1, "cannot write the output: %s", strerror(errno));
    return 0;
}
