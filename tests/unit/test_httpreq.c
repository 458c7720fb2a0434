/* test_httpreq: HTTP/1.x request framing: every split point and one byte
 * at a time give the same requests, pipelining with pauses, the target's
 * path and query, keep-alive, the kept headers, every error kind and
 * limit to the byte, and that nothing follows an error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "server/httpreq.h"

#define S(x) x, sizeof(x) - 1 /* literal with its length, NULs included */

/* Append the C string s (without its NUL) to dst at *at. */
static void put(char *dst, size_t *at, const char *s)
{
    size_t n = strlen(s);

    for (size_t i = 0; i < n; i++)
        dst[*at + i] = s[i];
    *at += n;
}

/* ---- Memory a failed assertion would leak ----
 * cmocka ends a failed test with a longjmp: the blocks a test allocates
 * are registered here, and its teardown frees those it did not free
 * itself, so that valgrind reports only real leaks. */

typedef struct owned {
    void *p;
    void (*fn)(void *);
} owned;

static owned live[64];

static void *own_fn(void *p, void (*fn)(void *))
{
    assert_non_null(p);
    for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
        if (live[i].p == NULL) {
            live[i].p = p;
            live[i].fn = fn;
            return p;
        }
    fn(p);
    fail_msg("more than %zu live blocks", sizeof live / sizeof live[0]);
    return NULL;
}

static void *own(void *p)
{
    return own_fn(p, free);
}

static void release(void *p)
{
    for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
        if (live[i].p == p) {
            live[i].p = NULL;
            live[i].fn(p);
            return;
        }
    fail_msg("release of a block not owned");
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof live / sizeof live[0]; i++)
        if (live[i].p != NULL) {
            live[i].fn(live[i].p);
            live[i].p = NULL;
        }
    return 0;
}

/* Bytes p[0..n) for a message: printable ASCII as is, others as \xNN
 * (owned: freed by the teardown if the message fails the test). */
static char *esc(const char *p, size_t n)
{
    char *s = own(malloc(4 * n + 1));
    size_t k = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c < 0x20 && c != '\n') || c >= 0x7F || c == '\\')
            k += (size_t)sprintf(s + k, "\\x%02x", c);
        else
            s[k++] = (char)c;
    }
    s[k] = '\0';
    return s;
}

/* ---- Recording delivered requests ---- */

/* A recorder: each delivered request is described on one line of log
 * ("GET 1.1 keep /path?query origin=[v]", "ERROR URL"), so that runs fed
 * differently compare as strings and tables read like the requests. */
typedef struct rec {
    httpreq_parser *hp;
    buf_t log;
    int n;         /* requests delivered */
    int errors;    /* ... with an error */
    int late;      /* deliveries after an error: must stay 0 */
    int pause_all; /* the callback asks to pause after every request */
    int pause_nth; /* ... after request number pause_nth (1-based) */
    int paused;    /* it did in the httpreq_feed() call in progress */
} rec;

static const char *const method_names[] = {"GET", "HEAD", "OPTIONS", "OTHER"};
static const char *const error_names[] = {"FINE", "BAD",  "METHOD", "BODY",
                                          "URL",  "HEAD", "VERSION"};
static const char *const header_tags[HTTPREQ_H_KEPT] = {"auth", "inm", "origin",
                                                        "acrm"};

/* 1 when p[0..n) lies inside the parser's own buffer. */
static int in_buf(const httpreq_parser *hp, const char *p, size_t n)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)hp->buf;

    return a >= b && a - b <= sizeof hp->buf && n <= sizeof hp->buf - (a - b);
}

static void check_req(const rec *r, const httpreq *q)
{
    assert_true((unsigned)q->error < sizeof error_names / sizeof *error_names);
    assert_true((unsigned)q->method <
                sizeof method_names / sizeof *method_names);
    assert_non_null(q->path);
    if (q->error != HTTPREQ_FINE) {
        assert_int_equal(q->keep_alive, 0); /* an error ends the connection */
        return;
    }
    assert_true(q->keep_alive == 0 || q->keep_alive == 1);
    assert_int_equal(q->major, 1);
    assert_true(q->minor <= 9);
    assert_true(q->method != HTTPREQ_OTHER);
    /* zero copy out of the parser's buffer, valid during the callback */
    assert_true(in_buf(r->hp, q->path, q->path_len));
    assert_null(memchr(q->path, '?', q->path_len));
    assert_null(memchr(q->path, '#', q->path_len));
    if (q->query != NULL) {
        assert_true(in_buf(r->hp, q->query, q->query_len));
        assert_ptr_equal(q->query, q->path + q->path_len + 1);
        assert_int_equal(q->query[-1], '?');
        assert_null(memchr(q->query, '#', q->query_len));
        assert_true(q->path_len + 1 + q->query_len <= HTTPREQ_MAX_URL);
    } else {
        assert_int_equal(q->query_len, 0);
        assert_true(q->path_len <= HTTPREQ_MAX_URL);
    }
    for (int i = 0; i < HTTPREQ_H_KEPT; i++) {
        if (q->hv[i] == NULL) {
            assert_int_equal(q->hv_len[i], 0);
            continue;
        }
        assert_true(in_buf(r->hp, q->hv[i], q->hv_len[i]));
        assert_true(q->hv_len[i] <= HTTPREQ_MAX_HEAD);
    }
}

static void describe(buf_t *b, const httpreq *q)
{
    if (q->error != HTTPREQ_FINE) {
        assert_int_equal(buf_printf(b, "ERROR %s\n", error_names[q->error]),
                         BUF_OK);
        return;
    }
    char *e = esc(q->path, q->path_len);
    assert_int_equal(buf_printf(b, "%s %u.%u %s %s", method_names[q->method],
                                q->major, q->minor,
                                q->keep_alive ? "keep" : "close", e),
                     BUF_OK);
    release(e);
    if (q->query != NULL) {
        e = esc(q->query, q->query_len);
        assert_int_equal(buf_printf(b, "?%s", e), BUF_OK);
        release(e);
    }
    for (int i = 0; i < HTTPREQ_H_KEPT; i++)
        if (q->hv[i] != NULL) {
            e = esc(q->hv[i], q->hv_len[i]);
            assert_int_equal(buf_printf(b, " %s=[%s]", header_tags[i], e),
                             BUF_OK);
            release(e);
        }
    assert_int_equal(buf_putc(b, '\n'), BUF_OK);
}

static int on_req(void *ud, const httpreq *q)
{
    rec *r = ud;

    if (r->errors > 0)
        r->late++;
    /* nothing may follow a pause within the same call */
    assert_int_equal(r->paused, 0);
    check_req(r, q);
    describe(&r->log, q);
    r->n++;
    if (q->error != HTTPREQ_FINE)
        r->errors++;
    if (r->pause_all || r->n == r->pause_nth) {
        r->paused = 1;
        return 1;
    }
    return 0;
}

static void rec_destroy(void *p)
{
    rec *r = p;

    buf_free(&r->log);
    free(r->hp);
    free(r);
}

/* A recorder with a fresh parser (owned). */
static rec *rec_new(void)
{
    rec *r = calloc(1, sizeof *r);

    assert_non_null(r);
    r->hp = malloc(sizeof *r->hp);
    buf_init(&r->log, 1 << 20);
    own_fn(r, rec_destroy);
    assert_non_null(r->hp);
    httpreq_init(r->hp);
    assert_int_equal(buf_reserve(&r->log, 256), BUF_OK); /* data non-NULL */
    return r;
}

static void rec_free(rec *r)
{
    release(r);
}

/* One httpreq_feed() of p[0..n) from an exact-size copy (a read past it
 * is seen by valgrind and ASan). Returns the bytes used. */
static size_t feed_once(rec *r, const char *p, size_t n)
{
    char *copy = own(malloc(n ? n : 1));
    int errors = r->errors;
    size_t used;

    memcpy(copy, p, n);
    r->paused = 0;
    used = httpreq_feed(r->hp, copy, n, on_req, r);
    assert_true(used <= n);
    /* less than n only after a pause or an error (this one or before) */
    if (used < n)
        assert_true(r->paused || r->errors > 0);
    if (errors > 0)
        assert_int_equal(used, 0);
    release(copy);
    return used;
}

/* Feed p[0..n) as a server does: one read, then after each pause the rest
 * of it again, until it is used or an error has been delivered. */
static void feed_all(rec *r, const char *p, size_t n)
{
    size_t at = 0;

    while (at < n && r->errors == 0) {
        size_t used = feed_once(r, p + at, n - at);
        if (r->paused && r->errors == 0)
            assert_true(used > 0);
        at += used;
    }
}

/* After an error the parser reads nothing: a feed uses 0 bytes and
 * delivers nothing, and no head is pending. */
static void check_stopped(rec *r)
{
    int n = r->n;

    assert_int_equal(r->errors, 1);
    assert_int_equal(r->late, 0);
    assert_int_equal(httpreq_pending(r->hp), 0);
    assert_int_equal(feed_once(r, S("GET / HTTP/1.1\r\n\r\n")), 0);
    assert_int_equal(r->n, n);
    assert_int_equal(httpreq_pending(r->hp), 0);
}

/* The log of p[0..n) fed in the pieces cut at cuts[0..ncuts) (ascending),
 * with the recorder's pauses; *pending gets httpreq_pending() at the end.
 * The caller frees the result. */
static char *run_cuts(const char *p, size_t n, const size_t *cuts, size_t ncuts,
                      int pause_all, int *pending)
{
    rec *r = rec_new();
    size_t at = 0;
    char *log;

    r->pause_all = pause_all;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t end = i < ncuts ? cuts[i] : n;
        assert_true(end >= at && end <= n);
        feed_all(r, p + at, end - at);
        at = end;
    }
    assert_int_equal(r->late, 0);
    if (r->errors > 0)
        check_stopped(r);
    if (pending != NULL)
        *pending = httpreq_pending(r->hp);
    log = own(buf_detach(&r->log, NULL));
    rec_free(r);
    return log;
}

static char *run_whole(const char *p, size_t n, int *pending)
{
    return run_cuts(p, n, NULL, 0, 0, pending);
}

/* The same log whole, cut once at every position (paused or not), and fed
 * one byte at a time pausing after every request; returns it. */
static char *run_every_split(const char *p, size_t n)
{
    int pend, pend_k;
    char *whole = run_whole(p, n, &pend);

    for (size_t k = 0; k <= n; k++) {
        for (int pause = 0; pause < 2; pause++) {
            char *log = run_cuts(p, n, &k, 1, pause, &pend_k);
            if (strcmp(log, whole) != 0)
                fail_msg("cut at %zu (pause %d):\n%s\nwhole:\n%s", k, pause,
                         log, whole);
            assert_int_equal(pend_k, pend);
            release(log);
        }
    }
    size_t *cuts = own(malloc((n ? n : 1) * sizeof *cuts));
    for (size_t k = 0; k < n; k++)
        cuts[k] = k + 1;
    char *log = run_cuts(p, n, cuts, n ? n - 1 : 0, 1, &pend_k);
    if (strcmp(log, whole) != 0)
        fail_msg("one byte at a time:\n%s\nwhole:\n%s", log, whole);
    assert_int_equal(pend_k, pend);
    release(log);
    release(cuts);
    return whole;
}

/* 1 when in[0..n) gives exactly want, whole and at every split (which
 * must agree); else 0, and what it gave is printed. */
static int log_is(const char *in, size_t n, const char *want)
{
    char *log = run_every_split(in, n);
    int ok = strcmp(log, want) == 0;

    if (!ok) {
        char *e = esc(in, n);
        print_error("input \"%s\":\ngot:\n%swant:\n%s\n", e, log, want);
        release(e);
    }
    release(log);
    return ok;
}

static void expect_log(const char *in, size_t n, const char *want)
{
    if (!log_is(in, n, want))
        fail();
}

/* Each row of a table {input, want}: all are run, then the failures
 * counted. */
#define EXPECT_TABLE(rows, len_of)                                             \
    do {                                                                       \
        int bad_ = 0;                                                          \
        size_t n_ = sizeof(rows) / sizeof((rows)[0]);                          \
        for (size_t i_ = 0; i_ < n_; i_++)                                     \
            bad_ +=                                                            \
                !log_is((rows)[i_].in, len_of((rows)[i_]), (rows)[i_].want);   \
        if (bad_)                                                              \
            fail_msg("%d of %zu rows", bad_, n_);                              \
    } while (0)

/* ---- Whole requests, splits, pipelining ---- */

static void test_simple(void **state)
{
    (void)state;
    expect_log(S("GET /search?q=a HTTP/1.1\r\nHost: x\r\n\r\n"),
               "GET 1.1 keep /search?q=a\n");
    expect_log(S("HEAD / HTTP/1.1\r\n\r\n"), "HEAD 1.1 keep /\n");
    expect_log(S("OPTIONS /search HTTP/1.1\r\n\r\n"),
               "OPTIONS 1.1 keep /search\n");
    expect_log(S("OPTIONS * HTTP/1.1\r\n\r\n"), "OPTIONS 1.1 keep *\n");
    /* bare LF line ends */
    expect_log(S("GET /a HTTP/1.1\nHost: x\n\n"), "GET 1.1 keep /a\n");
    /* CRLFs before a request are ignored */
    expect_log(S("\r\n\r\nGET /a HTTP/1.1\r\n\r\n"), "GET 1.1 keep /a\n");
    /* nothing yet */
    expect_log(S(""), "");
    expect_log(S("GET /a HTTP/1.1\r\n"), "");
}

static const char pair[] = "GET /search?q=cit%C3%A9s&limit=5 HTTP/1.1\r\n"
                           "Host: example.org\r\n"
                           "Authorization: Bearer s3cret\r\n"
                           "If-None-Match: \"r1-abc\"\r\n"
                           "Origin: https://a.org\r\n"
                           "\r\n"
                           "OPTIONS /suggest HTTP/1.1\r\n"
                           "Access-Control-Request-Method: GET\r\n"
                           "origin: https://b.org\r\n"
                           "Connection: close\r\n"
                           "\r\n";

static void test_pair_every_split(void **state)
{
    (void)state;
    expect_log(S(pair), "GET 1.1 keep /search?q=cit%C3%A9s&limit=5 "
                        "auth=[Bearer s3cret] inm=[\"r1-abc\"] "
                        "origin=[https://a.org]\n"
                        "OPTIONS 1.1 close /suggest origin=[https://b.org] "
                        "acrm=[GET]\n");
    expect_log(S("GET /a HTTP/1.1\r\n\r\nHEAD /b?x HTTP/1.0\r\n\r\n"),
               "GET 1.1 keep /a\nHEAD 1.0 close /b?x\n");
}

static const char r1[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
static const char r2[] = "GET /b?x=1 HTTP/1.1\r\nOrigin: o\r\n\r\n";
static const char r3[] = "HEAD /c HTTP/1.1\r\n\r\n";

/* Three pipelined requests, the callback pausing after the first: the
 * feed stops right after it; the rest, fed again, gives the other two. */
static void test_pause_pipelined(void **state)
{
    char in[sizeof r1 + sizeof r2 + sizeof r3];
    size_t l1 = strlen(r1), l2 = strlen(r2), l3 = strlen(r3), at = 0;
    rec *r = rec_new();

    (void)state;
    put(in, &at, r1);
    put(in, &at, r2);
    put(in, &at, r3);
    r->pause_nth = 1;
    assert_int_equal(feed_once(r, in, l1 + l2 + l3), l1);
    assert_int_equal(r->n, 1);
    assert_string_equal(r->log.data, "GET 1.1 keep /a\n");
    assert_int_equal(httpreq_pending(r->hp), 0);
    assert_int_equal(feed_once(r, in + l1, l2 + l3), l2 + l3);
    assert_int_equal(r->n, 3);
    assert_string_equal(r->log.data, "GET 1.1 keep /a\n"
                                     "GET 1.1 keep /b?x=1 origin=[o]\n"
                                     "HEAD 1.1 keep /c\n");
    assert_int_equal(httpreq_pending(r->hp), 0);
    rec_free(r);

    /* pausing after every request: each feed ends at a request's end */
    r = rec_new();
    r->pause_all = 1;
    assert_int_equal(feed_once(r, in, l1 + l2 + l3), l1);
    assert_int_equal(feed_once(r, in + l1, l2 + l3), l2);
    assert_int_equal(feed_once(r, in + l1 + l2, l3), l3);
    assert_int_equal(r->n, 3);
    rec_free(r);

    /* a pause in the middle of a read that ends inside the next request */
    r = rec_new();
    r->pause_nth = 1;
    assert_int_equal(feed_once(r, in, l1 + 5), l1);
    assert_int_equal(feed_once(r, in + l1, 5), 5);
    assert_int_equal(httpreq_pending(r->hp), 1);
    assert_int_equal(feed_once(r, in + l1 + 5, l2 + l3 - 5), l2 + l3 - 5);
    assert_int_equal(r->n, 3);
    assert_int_equal(httpreq_pending(r->hp), 0);
    rec_free(r);
}

/* Three pipelined requests with CRLFs between them, at every split. */
static void test_three_every_split(void **state)
{
    (void)state;
    expect_log(S("GET /a HTTP/1.1\r\n\r\n\r\nGET /b HTTP/1.1\r\n\r\n"
                 "\r\nGET /c? HTTP/1.1\r\nX: y\r\n\r\n"),
               "GET 1.1 keep /a\nGET 1.1 keep /b\nGET 1.1 keep /c?\n");
}

/* ---- The target: path and query ---- */

typedef struct target_case {
    const char *in, *want; /* a target, or a whole input */
} target_case;

#define STRLEN_IN(row) strlen((row).in)
#define LEN_IN(row) ((row).len)

static const target_case targets[] = {
    {"/", "/"},
    {"/search", "/search"},
    {"/search?", "/search?"}, /* an empty query is not no query */
    {"/search?q=a&b=c", "/search?q=a&b=c"},
    {"/search?q=a?b", "/search?q=a?b"},
    {"/search#frag", "/search"},
    {"/search?q=a#frag", "/search?q=a"},
    {"/search?#", "/search?"},
    {"/search#f?q=a", "/search"},
    {"/?q=%2F", "/?q=%2F"},
    {"/a%20b", "/a%20b"}, /* not decoded */
    {"/search/", "/search/"},
    {"//search", "//search"},
    {"http://h/p?q", "/p?q"},
    {"http://h/p", "/p"},
    {"http://example.org:8080/search?q=x#f", "/search?q=x"},
    {"https://h/", "/"},
    {"HTTP://H/p?", "/p?"},
    {"http://user@h/p?q=1", "/p?q=1"},
};

static void test_targets(void **state)
{
    char in[256], want[256];

    (void)state;
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        int n =
            snprintf(in, sizeof in, "GET %s HTTP/1.1\r\n\r\n", targets[i].in);
        snprintf(want, sizeof want, "GET 1.1 keep %s\n", targets[i].want);
        char *log = run_whole(in, (size_t)n, NULL);
        if (strcmp(log, want) != 0)
            fail_msg("target %s: got %s want %s", targets[i].in, log, want);
        release(log);
    }
}

/* An absolute-form target without a path: its query is still the query
 * (RFC 9112 3.2.2: an empty path is "/"), and a "/" inside the query is
 * never taken for the path. */
static void test_absolute_no_path(void **state)
{
    static const struct {
        const char *in, *query;
    } cases[] = {
        {"GET http://h?q=1 HTTP/1.1\r\n\r\n", "q=1"},
        {"GET http://h?x=/search HTTP/1.1\r\n\r\n", "x=/search"},
        {"GET http://h HTTP/1.1\r\n\r\n", NULL},
    };

    int bad = 0;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char want1[128], want2[128];
        char *log = run_whole(cases[i].in, strlen(cases[i].in), NULL);
        const char *q = cases[i].query;
        /* the path is "" or "/": either may be routed */
        snprintf(want1, sizeof want1, "GET 1.1 keep %s%s\n", q ? "?" : "",
                 q ? q : "");
        snprintf(want2, sizeof want2, "GET 1.1 keep /%s%s\n", q ? "?" : "",
                 q ? q : "");
        if (strcmp(log, want1) != 0 && strcmp(log, want2) != 0) {
            print_error("%.*s: got \"%.*s\", want \"%.*s\" (or the path "
                        "\"/\")\n",
                        (int)strlen(cases[i].in) - 4, cases[i].in,
                        (int)strlen(log) - 1, log, (int)strlen(want1) - 1,
                        want1);
            bad++;
        }
        release(log);
    }
    if (bad)
        fail_msg("%d absolute-form targets split wrong", bad);
}

/* ---- Keep-alive ---- */

static const target_case keeps[] = {
    {"GET / HTTP/1.1\r\n\r\n", "GET 1.1 keep /\n"},
    {"GET / HTTP/1.1\r\nConnection: close\r\n\r\n", "GET 1.1 close /\n"},
    {"GET / HTTP/1.1\r\nconnection: CLOSE\r\n\r\n", "GET 1.1 close /\n"},
    {"GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n", "GET 1.1 keep /\n"},
    {"GET / HTTP/1.1\r\nConnection: keep-alive, close\r\n\r\n",
     "GET 1.1 close /\n"},
    {"GET / HTTP/1.0\r\n\r\n", "GET 1.0 close /\n"},
    {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET 1.0 keep /\n"},
    {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", "GET 1.0 keep /\n"},
    {"GET / HTTP/1.0\r\nConnection: close\r\n\r\n", "GET 1.0 close /\n"},
    /* nothing is upgraded: answered, then closed */
    {"GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
     "GET 1.1 close /\n"},
};

static void test_keep_alive(void **state)
{
    (void)state;
    EXPECT_TABLE(keeps, STRLEN_IN);
}

/* ---- Kept headers ---- */

static const target_case headers[] = {
    {"GET / HTTP/1.1\r\nAUTHORIZATION: Bearer x\r\nif-none-match: \"a\"\r\n"
     "OrIgIn: https://a.org\r\naccess-control-request-METHOD: GET\r\n\r\n",
     "GET 1.1 keep / auth=[Bearer x] inm=[\"a\"] origin=[https://a.org] "
     "acrm=[GET]\n"},
    /* a repeated header: its values joined by ", " */
    {"GET / HTTP/1.1\r\nIf-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n\r\n",
     "GET 1.1 keep / inm=[\"a\", \"b\"]\n"},
    {"GET / HTTP/1.1\r\nIf-None-Match: a\r\nif-none-match: b\r\n"
     "IF-NONE-MATCH: c\r\n\r\n",
     "GET 1.1 keep / inm=[a, b, c]\n"},
    {"GET / HTTP/1.1\r\nIf-None-Match: a\r\nHost: h\r\nIf-None-Match: "
     "b\r\n\r\n",
     "GET 1.1 keep / inm=[a, b]\n"},
    {"GET / HTTP/1.1\r\nAuthorization: Bearer x\r\nAuthorization: Bearer y\r\n"
     "\r\n",
     "GET 1.1 keep / auth=[Bearer x, Bearer y]\n"},
    /* names that only look like ours */
    {"GET / HTTP/1.1\r\nX-Origin: a\r\nOrigin-X: b\r\nOrigi: c\r\n"
     "Authorizationxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx: d\r\n"
     "Origin0123456789012345678901234567890123456789: e\r\n\r\n",
     "GET 1.1 keep /\n"},
    /* an empty value is present, and the next header is not its name */
    {"GET / HTTP/1.1\r\nOrigin:\r\nIf-None-Match: x\r\n\r\n",
     "GET 1.1 keep / inm=[x] origin=[]\n"},
    {"GET / HTTP/1.1\r\nX-A:\r\nOrigin: o\r\n\r\n",
     "GET 1.1 keep / origin=[o]\n"},
    {"GET / HTTP/1.1\r\nX-A: \r\nOrigin:  o\r\n\r\n",
     "GET 1.1 keep / origin=[o]\n"},
    /* obsolete line folding: the fold is a space */
    {"GET / HTTP/1.1\r\nOrigin: a\r\n b\r\nX: y\r\n\r\n",
     "GET 1.1 keep / origin=[a b]\n"},
    /* a value after an unkept header of the same length as a kept one */
    {"GET / HTTP/1.1\r\nOrigim: x\r\nOrigin: o\r\n\r\n",
     "GET 1.1 keep / origin=[o]\n"},
    /* no stray bytes of the request line or of other headers */
    {"GET /p?q HTTP/1.1\r\nHost: h\r\nOrigin: o\r\nCookie: c=1\r\n\r\n",
     "GET 1.1 keep /p?q origin=[o]\n"},
};

static void test_kept_headers(void **state)
{
    (void)state;
    EXPECT_TABLE(headers, STRLEN_IN);
}

/* A header repeated with another kept header between its lines is the
 * same request as with the lines together (RFC 9110 5.3: the order of
 * different names is not significant); a browser may send that. */
static void test_repeated_interleaved(void **state)
{
    (void)state;
    expect_log(S("GET / HTTP/1.1\r\nIf-None-Match: \"a\"\r\nOrigin: o\r\n"
                 "If-None-Match: \"b\"\r\n\r\n"),
               "GET 1.1 keep / inm=[\"a\", \"b\"] origin=[o]\n");
}

/* Field values carry no surrounding whitespace (RFC 9110 5.5): a
 * trailing space must not make "Bearer PASSWORD " a wrong password. */
static void test_value_whitespace(void **state)
{
    (void)state;
    expect_log(S("GET / HTTP/1.1\r\nAuthorization:   Bearer pw \t\r\n"
                 "Origin: o \r\n\r\n"),
               "GET 1.1 keep / auth=[Bearer pw] origin=[o]\n");
}

/* The longest value that fits, split anywhere across reads. */
static void test_long_value_split(void **state)
{
    /* the head is the request line, this header line and a blank line */
    const char pre[] = "GET / HTTP/1.1\r\nOrigin: ";
    size_t vlen = HTTPREQ_MAX_HEAD - strlen(pre) - 4;
    size_t n = strlen(pre) + vlen + 4;
    char *in = own(malloc(n)), *want = own(malloc(vlen + 64));
    size_t cuts[3];

    (void)state;
    assert_non_null(in);
    assert_non_null(want);
    size_t at = 0;
    put(in, &at, pre);
    for (size_t i = 0; i < vlen; i++)
        in[at++] = (char)('a' + i % 26);
    put(in, &at, "\r\n\r\n");
    snprintf(want, vlen + 64, "GET 1.1 keep / origin=[%.*s]\n", (int)vlen,
             in + strlen(pre));
    char *log = run_whole(in, n, NULL);
    assert_string_equal(log, want);
    release(log);
    for (size_t k = strlen(pre) - 5; k < n; k += 97) {
        cuts[0] = k;
        cuts[1] = k + 1 < n ? k + 1 : n;
        cuts[2] = k + 1000 < n ? k + 1000 : n;
        log = run_cuts(in, n, cuts, 3, 0, NULL);
        assert_string_equal(log, want);
        release(log);
    }
    release(in);
    release(want);
}

/* ---- Errors ---- */

typedef struct err_case {
    const char *in;
    size_t len;
    const char *want;
} err_case;

static const err_case errs[] = {
    /* malformed */
    {S("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), "ERROR BAD\n"},
    {S("hello world\r\n\r\n"), "ERROR BAD\n"},
    {S(" GET / HTTP/1.1\r\n\r\n"), "ERROR BAD\n"},
    {S("GET / HTTP/1.1 junk\r\n\r\n"), "ERROR BAD\n"},
    {S("GET / HTTP/1.1junk\r\n\r\n"), "ERROR BAD\n"},
    {S("GET / HTTP/1.x\r\n\r\n"), "ERROR BAD\n"},
    {S("GET / HTTP/11.1\r\n\r\n"), "ERROR BAD\n"},
    {S("GET / HTX/1.1\r\n\r\n"), "ERROR BAD\n"},
    {S("GET / HTTP/1.1\r\nBad\x01Name: x\r\n\r\n"), "ERROR BAD\n"},
    {S("GET / HTTP/1.1\r\nName\t: x\r\n\r\n"), "ERROR BAD\n"},
    /* whitespace in a name (RFC 9112 5.1: refused), which a lenient
     * http_parser lets through */
    {S("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"), "ERROR BAD\n"},
    {S("GET / HTTP/1.1\r\nOrigin : x\r\n\r\n"), "ERROR BAD\n"},
    {S("GET /a HTTP/1.1\r\nContent-Length : 23\r\n\r\n"
       "GET /metrics HTTP/1.1\r\n\r\n"),
     "ERROR BAD\n"},
    {S("GET / HTTP/1.1\r\nNoColon\r\n\r\n"), "ERROR BAD\n"},
    {S("GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n"), "ERROR BAD\n"},
    {S("GET / HTTP/1.1\r\nOrigin: a\x01z\r\n\r\n"), "ERROR BAD\n"},
    {S("GET / HTTP/1.1\rX\n\r\n"), "ERROR BAD\n"},
    /* then what follows is not read */
    {S("GET /a HTTP/1.1\r\n\r\n\x01GET /b HTTP/1.1\r\n\r\n"),
     "GET 1.1 keep /a\nERROR BAD\n"},
    /* wrong version */
    {S("GET / HTTP/2.0\r\n\r\n"), "ERROR VERSION\n"},
    {S("GET / HTTP/0.9\r\n\r\n"), "ERROR VERSION\n"},
    {S("GET / HTTP/3.1\r\nHost: x\r\n\r\n"), "ERROR VERSION\n"},
    {S("GET /\r\n\r\n"), "ERROR VERSION\n"},
    /* methods */
    {S("POST / HTTP/1.1\r\n\r\n"), "ERROR METHOD\n"},
    {S("PUT /x HTTP/1.1\r\n\r\n"), "ERROR METHOD\n"},
    {S("DELETE /x HTTP/1.1\r\n\r\n"), "ERROR METHOD\n"},
    {S("PATCH /x HTTP/1.1\r\n\r\n"), "ERROR METHOD\n"},
    {S("TRACE / HTTP/1.1\r\n\r\n"), "ERROR METHOD\n"},
    {S("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"), "ERROR METHOD\n"},
    {S("GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\n\r\nGET /c "
       "HTTP/1.1\r\n\r\n"),
     "GET 1.1 keep /a\nERROR METHOD\n"},
    /* bodies */
    {S("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"), "ERROR BODY\n"},
    {S("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"), "ERROR BODY\n"},
    {S("HEAD / HTTP/1.1\r\nContent-Length: 1\r\n\r\nx"), "ERROR BODY\n"},
    {S("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
     "ERROR BODY\n"},
    {S("GET /a HTTP/1.1\r\nContent-Length: 0\r\n\r\nGET /b HTTP/1.1\r\n\r\n"),
     "GET 1.1 keep /a\nGET 1.1 keep /b\n"},
    {S("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nab"), "ERROR METHOD\n"},
    /* NUL bytes */
    {S("\0GET / HTTP/1.1\r\n\r\n"), "ERROR BAD\n"},
    {S("G\0ET / HTTP/1.1\r\n\r\n"), "ERROR BAD\n"},
    {S("GET /a\0b HTTP/1.1\r\n\r\n"), "ERROR BAD\n"},
    {S("GET /a?q=\0 HTTP/1.1\r\n\r\n"), "ERROR BAD\n"},
    {S("GET / HTTP/1.1\0\r\n\r\n"), "ERROR BAD\n"},
    {S("GET / HTTP/1.1\r\nOrigin: a\0b\r\n\r\n"), "ERROR BAD\n"},
    {S("GET / HTTP/1.1\r\nOri\0gin: ab\r\n\r\n"), "ERROR BAD\n"},
    /* ... also as a value's first byte (RFC 9110 5.5: NUL in a field
     * value is rejected or replaced, never passed on) */
    {S("GET / HTTP/1.1\r\nOrigin: \0https://a.org\r\n\r\n"), "ERROR BAD\n"},
    {S("GET / HTTP/1.1\r\nX-A: \0\r\n\r\n"), "ERROR BAD\n"},
    {S("GET / HTTP/1.1\r\nAuthorization: \x01"
       "Bearer x\r\n\r\n"),
     "ERROR BAD\n"},
};

static void test_errors(void **state)
{
    (void)state;
    EXPECT_TABLE(errs, LEN_IN);
}

/* After an error: no more requests, nothing pending, and a later feed
 * reads nothing, even fed in the same read as the error. */
static void test_nothing_after_error(void **state)
{
    static const char in[] = "PUT /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
    rec *r = rec_new();

    (void)state;
    size_t used = feed_once(r, S(in));
    assert_true(used <= sizeof in - 1);
    assert_string_equal(r->log.data, "ERROR METHOD\n");
    check_stopped(r);
    assert_int_equal(feed_once(r, in + used, sizeof in - 1 - used), 0);
    assert_int_equal(r->n, 1);
    rec_free(r);

    /* the error in the second read */
    r = rec_new();
    assert_int_equal(feed_once(r, S("GET /a HTTP/1.1\r\n\r\nGET /b HT")),
                     sizeof "GET /a HTTP/1.1\r\n\r\nGET /b HT" - 1);
    assert_int_equal(httpreq_pending(r->hp), 1);
    feed_once(r, S("TP/9.9\r\n\r\nGET /c HTTP/1.1\r\n\r\n"));
    assert_string_equal(r->log.data, "GET 1.1 keep /a\nERROR VERSION\n");
    check_stopped(r);
    rec_free(r);
}

/* ---- Limits ---- */

/* A request "GET /aaa…a HTTP/1.1" whose target is url_len bytes, then
 * the given header block. */
static char *make_url_req(size_t url_len, const char *extra, size_t *n)
{
    size_t el = strlen(extra);
    char *p = own(malloc(url_len + el + 32));

    *n = 0;
    put(p, n, "GET /");
    for (size_t i = 1; i < url_len; i++)
        p[(*n)++] = (char)('a' + i % 26);
    put(p, n, " HTTP/1.1\r\n");
    put(p, n, extra);
    put(p, n, "\r\n");
    return p;
}

/* A request whose target is url_len bytes ("?" at q_at when not 0),
 * with extra header lines: whole and cut across the URL's pieces, its
 * log starts with want_prefix (and holds the whole URL when fine).
 * 1 when so; else 0, and the log is printed. */
static int url_is(size_t url_len, size_t q_at, const char *extra,
                  const char *want_prefix, size_t step)
{
    size_t n, cuts[2];
    char *in = make_url_req(url_len, extra, &n);
    int ok;

    if (q_at)
        in[4 + q_at] = '?';
    char *log = run_whole(in, n, NULL);
    ok = strncmp(log, want_prefix, strlen(want_prefix)) == 0;
    if (ok && want_prefix[0] == 'G') /* the whole URL */
        ok = strncmp(log + strlen("GET 1.1 keep "), in + 4, url_len) == 0;
    if (!ok)
        print_error("URL of %zu bytes%s: got %.40s..., want %s\n", url_len,
                    extra[0] ? " and a header" : "", log, want_prefix);
    /* the same cut across the URL's pieces */
    for (size_t k = 3; ok && k < url_len + 5; k += step) {
        cuts[0] = k;
        cuts[1] = k + 4000 < n ? k + 4000 : n;
        char *lk = run_cuts(in, n, cuts, 2, 0, NULL);
        assert_string_equal(lk, log);
        release(lk);
    }
    release(log);
    release(in);
    return ok;
}

static void test_url_limit(void **state)
{
    static const char fine[] = "GET 1.1 keep /";
    int bad = 0;

    (void)state;
    /* The URL is part of the head (docs/HTTP.md): "GET " URL " HTTP/1.1"
     * CRLF CRLF is the URL and 17 bytes, so the longest URL of a GET
     * without headers is 8175 bytes; from 8176 to 8192 the head's limit
     * answers (431), past 8192 the URL's (414). */
    bad += !url_is(4000, 0, "Origin: o\r\n", fine, 509);
    bad += !url_is(HTTPREQ_MAX_HEAD - 17, 0, "", fine, 509);
    bad += !url_is(HTTPREQ_MAX_HEAD - 17, 100, "", fine, 1021); /* "?" */
    bad += !url_is(HTTPREQ_MAX_HEAD - 28, 0, "Origin: o\r\n", fine, 1021);
    bad += !url_is(HTTPREQ_MAX_HEAD - 27, 0, "Origin: o\r\n", "ERROR HEAD\n",
                   1021);
    bad += !url_is(HTTPREQ_MAX_HEAD - 16, 0, "", "ERROR HEAD\n", 509);
    bad += !url_is(HTTPREQ_MAX_URL, 0, "", "ERROR HEAD\n", 509);
    bad += !url_is(HTTPREQ_MAX_URL + 1, 0, "", "ERROR URL\n", 509);
    bad += !url_is(HTTPREQ_MAX_URL + 1, 100, "", "ERROR URL\n", 1021);
    bad += !url_is(3 * HTTPREQ_MAX_URL, 0, "", "ERROR URL\n", 4001);
    if (bad)
        fail_msg("%d URL lengths answered wrong", bad);
}

/* A request whose head (request line "METHOD TARGET HTTP/1.1", header
 * lines "Name: value", CRLFs and the blank line: docs/HTTP.md) is exactly
 * total bytes, with nlines header lines, the last one an Origin. */
static char *make_head_req(const char *method, const char *target, size_t total,
                           size_t nlines, size_t *n)
{
    char *p = own(malloc(total + 64));
    size_t at = 0, left;

    put(p, &at, method);
    put(p, &at, " ");
    put(p, &at, target);
    put(p, &at, " HTTP/1.1\r\n");
    assert_true(total >= at + 2);
    left = total - at - 2; /* the header lines */
    for (size_t i = 0; i < nlines; i++) {
        /* "X: v\r\n" is 6 bytes at least; the last line takes the rest */
        const char *name = i + 1 == nlines ? "Origin" : "X-Pad";
        size_t nl = strlen(name);
        size_t line = i + 1 == nlines ? left : left / (nlines - i);
        assert_true(line >= nl + 5);
        size_t vl = line - nl - 4;
        put(p, &at, name);
        put(p, &at, ": ");
        memset(p + at, 'v', vl);
        at += vl;
        put(p, &at, "\r\n");
        left -= line;
    }
    put(p, &at, "\r\n");
    assert_int_equal(at, total);
    *n = at;
    return p;
}

/* That request twice, pipelined (each head is counted from its own first
 * byte), whole and cut in a few places, must give want_prefix twice. */
static void check_head(const char *method, const char *target, size_t total,
                       size_t nlines, const char *want_prefix)
{
    size_t n;
    char *one = make_head_req(method, target, total, nlines, &n);
    char *in = own(malloc(2 * n));
    size_t cuts[2];

    memcpy(in, one, n);
    memcpy(in + n, one, n);
    release(one);
    char *log = run_whole(in, 2 * n, NULL);
    size_t wl = strlen(want_prefix);
    if (strncmp(log, want_prefix, wl) != 0)
        fail_msg("%s head of %zu bytes in %zu header lines: got %.60s, want "
                 "%s",
                 method, total, nlines, log, want_prefix);
    if (want_prefix[0] != 'E') { /* and the second one */
        const char *second = strchr(log, '\n');
        assert_non_null(second);
        if (strncmp(second + 1, want_prefix, wl) != 0)
            fail_msg("second %s head of %zu bytes: got %.60s, want %s", method,
                     total, second + 1, want_prefix);
    }
    for (size_t k = 20; k < 2 * n; k += 1013) {
        cuts[0] = k;
        cuts[1] = k + 7 < 2 * n ? k + 7 : 2 * n;
        char *lk = run_cuts(in, 2 * n, cuts, 2, 0, NULL);
        assert_string_equal(lk, log);
        release(lk);
    }
    release(log);
    release(in);
}

static void test_head_limit(void **state)
{
    static const char fine[] = "GET 1.1 keep /h origin=[vvv";
    static const char fine_opt[] = "OPTIONS 1.1 keep /h origin=[vvv";
    static const char fine_long[] = "GET 1.1 keep /aaaa";

    (void)state;
    check_head("GET", "/h", HTTPREQ_MAX_HEAD - 1, 1, fine);
    check_head("GET", "/h", HTTPREQ_MAX_HEAD, 1, fine);
    check_head("GET", "/h", HTTPREQ_MAX_HEAD + 1, 1, "ERROR HEAD\n");
    check_head("GET", "/h", HTTPREQ_MAX_HEAD, 7, fine);
    check_head("GET", "/h", HTTPREQ_MAX_HEAD + 1, 7, "ERROR HEAD\n");
    check_head("GET", "/h", HTTPREQ_MAX_HEAD, 50, fine);
    check_head("GET", "/h", HTTPREQ_MAX_HEAD + 1, 50, "ERROR HEAD\n");
    check_head("GET", "/h", 4 * HTTPREQ_MAX_HEAD, 3, "ERROR HEAD\n");
    /* the method's length counts */
    check_head("OPTIONS", "/h", HTTPREQ_MAX_HEAD, 2, fine_opt);
    check_head("OPTIONS", "/h", HTTPREQ_MAX_HEAD + 1, 2, "ERROR HEAD\n");
    /* and the target's: a long URL leaves less room to the headers */
    char target[4001];
    memset(target, 'a', sizeof target - 1);
    target[0] = '/';
    target[sizeof target - 1] = '\0';
    check_head("GET", target, HTTPREQ_MAX_HEAD, 3, fine_long);
    check_head("GET", target, HTTPREQ_MAX_HEAD + 1, 3, "ERROR HEAD\n");
}

static void check_nheaders(size_t nlines, const char *want)
{
    char *in = own(malloc(64 + 8 * nlines));
    size_t n = 0;

    n += (size_t)sprintf(in, "GET / HTTP/1.1\r\n");
    for (size_t i = 0; i + 1 < nlines; i++)
        n += (size_t)sprintf(in + n, "X: %zu\r\n", i % 10);
    n += (size_t)sprintf(in + n, "Origin: o\r\n\r\n");
    char *log = run_every_split(in, n);
    if (strcmp(log, want) != 0)
        fail_msg("%zu header lines: got %s, want %s", nlines, log, want);
    release(log);
    release(in);
}

static void test_header_count(void **state)
{
    (void)state;
    check_nheaders(HTTPREQ_MAX_HEADERS - 1, "GET 1.1 keep / origin=[o]\n");
    check_nheaders(HTTPREQ_MAX_HEADERS, "GET 1.1 keep / origin=[o]\n");
    check_nheaders(HTTPREQ_MAX_HEADERS + 1, "ERROR HEAD\n");
}

/* ---- httpreq_pending ---- */

static void test_pending(void **state)
{
    rec *r = rec_new();

    (void)state;
    assert_int_equal(httpreq_pending(r->hp), 0);
    assert_int_equal(feed_once(r, S("\r\n")), 2);
    assert_int_equal(httpreq_pending(r->hp), 0); /* no request begun */
    assert_int_equal(feed_once(r, S("G")), 1);
    assert_int_equal(httpreq_pending(r->hp), 1);
    assert_int_equal(feed_once(r, S("ET /a HT")), 8);
    assert_int_equal(httpreq_pending(r->hp), 1);
    assert_int_equal(feed_once(r, S("TP/1.1\r\nHost: x\r\n")), 17);
    assert_int_equal(httpreq_pending(r->hp), 1);
    assert_int_equal(r->n, 0);
    assert_int_equal(feed_once(r, S("\r")), 1);
    assert_int_equal(httpreq_pending(r->hp), 1);
    assert_int_equal(feed_once(r, S("\n")), 1);
    assert_int_equal(httpreq_pending(r->hp), 0);
    assert_int_equal(r->n, 1);
    /* the next one begins */
    assert_int_equal(feed_once(r, S("GET /b")), 6);
    assert_int_equal(httpreq_pending(r->hp), 1);
    assert_int_equal(feed_once(r, S(" HTTP/1.1\r\n\r\n")), 13);
    assert_int_equal(httpreq_pending(r->hp), 0);
    assert_string_equal(r->log.data, "GET 1.1 keep /a\nGET 1.1 keep /b\n");
    /* an error mid-head: nothing pending after it */
    assert_int_equal(feed_once(r, S("GET /c HTTP/1.1\r\nX: y\r\n")), 23);
    assert_int_equal(httpreq_pending(r->hp), 1);
    feed_once(r, S("Bad\x01Name: z\r\n\r\n"));
    assert_int_equal(r->errors, 1);
    check_stopped(r);
    rec_free(r);
}

#define UNIT(fn) cmocka_unit_test_teardown(fn, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        UNIT(test_simple),
        UNIT(test_pair_every_split),
        UNIT(test_pause_pipelined),
        UNIT(test_three_every_split),
        UNIT(test_targets),
        UNIT(test_absolute_no_path),
        UNIT(test_keep_alive),
        UNIT(test_kept_headers),
        UNIT(test_repeated_interleaved),
        UNIT(test_value_whitespace),
        UNIT(test_long_value_split),
        UNIT(test_errors),
        UNIT(test_nothing_after_error),
        UNIT(test_url_limit),
        UNIT(test_head_limit),
        UNIT(test_header_count),
        UNIT(test_pending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
