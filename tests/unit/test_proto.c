/* test_proto: the line framer (every split point, one byte at a time,
 * limits, pause/resume) and the request parser (table-driven). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/proto.h"

#define S(x) x, sizeof(x) - 1 /* literal with its length, NULs included */

/* ---- Recording framer events ---- */

#define REC_MAX_EV 2048
#define REC_ARENA (1 << 16)

typedef struct rec {
    proto_event ev[REC_MAX_EV];
    size_t off[REC_MAX_EV], len[REC_MAX_EV]; /* line copy in arena */
    size_t n;
    char *arena;
    size_t used;
    int pause;             /* return PROTO_PAUSE from every event */
    const char *data;      /* when set, zero copy is checked: */
    size_t data_len;       /* lines arriving whole point into data */
    size_t in_data, in_fb; /* lines pointing into data / framer buf */
    const proto_framer *f;
} rec;

static rec *rec_new(void)
{
    rec *r = calloc(1, sizeof *r);

    assert_non_null(r);
    r->arena = malloc(REC_ARENA);
    assert_non_null(r->arena);
    return r;
}

static void rec_free(rec *r)
{
    free(r->arena);
    free(r);
}

static int on_event(void *ctx, proto_event ev, const char *line, size_t len)
{
    rec *r = ctx;

    assert_true(r->n < REC_MAX_EV);
    assert_true(len <= PROTO_MAX_LINE);
    if (ev == PROTO_EV_TOO_LONG) {
        assert_null(line);
        assert_int_equal(len, 0);
    }
    if (ev == PROTO_EV_LINE && r->f != NULL) {
        if (r->data && line >= r->data && line < r->data + r->data_len)
            r->in_data++;
        else if (line >= r->f->buf && line < r->f->buf + sizeof r->f->buf)
            r->in_fb++;
        else
            fail_msg("line points neither into data nor into the framer");
    }
    assert_true(r->used + len <= REC_ARENA);
    if (len)
        memcpy(r->arena + r->used, line, len);
    r->ev[r->n] = ev;
    r->off[r->n] = r->used;
    r->len[r->n] = len;
    r->used += len;
    r->n++;
    return r->pause ? PROTO_PAUSE : PROTO_CONTINUE;
}

/* Feed data in full, resuming after pauses; returns the events. */
static void feed_all(proto_framer *f, const char *data, size_t len, rec *r)
{
    size_t done = 0, c;

    while (done < len) {
        c = proto_feed(f, data + done, len - done, on_event, r);
        assert_true(c > 0 && c <= len - done);
        if (c < len - done) /* paused: it stopped right after a "\n" */
            assert_int_equal(data[done + c - 1], '\n');
        done += c;
    }
}

/* A new recorder for f, which is (re)initialised; pause: the recorder
 * answers PROTO_PAUSE to every event. */
static rec *rec_start(proto_framer *f, int pause)
{
    rec *r = rec_new();

    proto_framer_init(f);
    r->pause = pause;
    return r;
}

static void rec_equal(const rec *a, const rec *b)
{
    size_t i;

    assert_int_equal(a->n, b->n);
    for (i = 0; i < a->n; i++) {
        assert_int_equal(a->ev[i], b->ev[i]);
        assert_int_equal(a->len[i], b->len[i]);
        assert_memory_equal(a->arena + a->off[i], b->arena + b->off[i],
                            a->len[i]);
    }
}

/* Expected event list: a line's text, or NULL for a too-long event. */
typedef struct want {
    const char *line;
    size_t len;
} want;

static void rec_matches(const rec *r, const want *w, size_t nw)
{
    size_t i;

    assert_int_equal(r->n, nw);
    for (i = 0; i < nw; i++) {
        if (w[i].line == NULL) {
            assert_int_equal(r->ev[i], PROTO_EV_TOO_LONG);
            continue;
        }
        assert_int_equal(r->ev[i], PROTO_EV_LINE);
        assert_int_equal(r->len[i], w[i].len);
        assert_memory_equal(r->arena + r->off[i], w[i].line, w[i].len);
    }
}

/* ---- Framer inputs ---- */

/* Small pipelined input: CRLF, empty lines, NUL, invalid UTF-8, a lone
 * "\r" kept inside, an unfinished last line. */
static const char small_in[] = "SEARCH limit=5 la ville\r\n"
                               "PING\n"
                               "\n"
                               "\r\n"
                               "DOC a\0b\xff\xfe\n"
                               "stats\r\r\n"
                               "a\rb\n"
                               " x \n"
                               "QUIT";
static const want small_want[] = {
    {S("SEARCH limit=5 la ville")}, {S("PING")},    {S("")},     {S("")},
    {S("DOC a\0b\xff\xfe")},        {S("stats\r")}, {S("a\rb")}, {S(" x ")},
};
#define NSMALL (sizeof small_want / sizeof small_want[0])

/* Input around the length limit; built at run time. */
static char *long_in;
static size_t long_len;
static want long_want[8];
static size_t nlong;

static void add_line(char c, size_t n, const char *tail, int expect_ok)
{
    memset(long_in + long_len, c, n);
    long_len += n;
    memcpy(long_in + long_len, tail, strlen(tail));
    long_len += strlen(tail);
    long_want[nlong].line = NULL;
    if (expect_ok) {
        long_want[nlong].line = long_in + long_len - strlen(tail) - n;
        long_want[nlong].len = n;
    }
    nlong++;
}

static int setup_long(void **state)
{
    (void)state;
    long_in = malloc(8 * 8200);
    if (long_in == NULL)
        return -1;
    long_len = nlong = 0;
    add_line('a', 8192, "\r\n", 1);   /* exactly the limit, CRLF */
    add_line('b', 8193, "\n", 0);     /* one byte too many */
    add_line('P', 4, "\n", 1);        /* the next line still works */
    add_line('c', 8192, "\rx\n", 0);  /* that "\r" is not trailing */
    add_line('d', 8191, "\r\r\n", 1); /* 8191 + "\r" kept = 8192 */
    long_want[nlong - 1].len = 8192;
    add_line('e', 8192, "\n", 1);     /* exactly the limit, LF */
    add_line('f', 8192, "\r\r\n", 0); /* 8193 with the kept "\r" */
    add_line('g', 0, "\n", 1);        /* empty line */
    return 0;
}

static int teardown_long(void **state)
{
    (void)state;
    free(long_in);
    return 0;
}

/* ---- Framer tests ---- */

static void test_framer_one_chunk(void **state)
{
    proto_framer f;
    rec *r = rec_start(&f, 0);

    (void)state;
    r->f = &f;
    r->data = small_in;
    r->data_len = sizeof small_in - 1;
    assert_int_equal(proto_feed(&f, S(small_in), on_event, r),
                     sizeof small_in - 1);
    rec_matches(r, small_want, NSMALL);
    assert_int_equal(r->in_data, NSMALL); /* every line was zero copy */
    assert_int_equal(proto_framer_pending(&f), 4); /* "QUIT" */
    assert_int_equal(proto_feed(&f, S("\n"), on_event, r), 1);
    assert_int_equal(r->n, NSMALL + 1);
    assert_int_equal(r->in_fb, 1); /* arrived in two pieces: copied */
    assert_memory_equal(r->arena + r->off[NSMALL], "QUIT", 4);
    assert_int_equal(proto_framer_pending(&f), 0);
    assert_int_equal(proto_feed(&f, NULL, 0, on_event, r), 0);
    assert_int_equal(r->n, NSMALL + 1);
    rec_free(r);
}

/* data[0..n) fed to a new framer in three pieces cut at i <= j, each taken
 * whole, gives the events w[0..nw) and leaves pending bytes held. */
static void check_split(const char *data, size_t n, size_t i, size_t j,
                        const want *w, size_t nw, size_t pending)
{
    proto_framer f;
    rec *r = rec_start(&f, 0);

    assert_int_equal(proto_feed(&f, data, i, on_event, r), i);
    assert_int_equal(proto_feed(&f, data + i, j - i, on_event, r), j - i);
    assert_int_equal(proto_feed(&f, data + j, n - j, on_event, r), n - j);
    rec_matches(r, w, nw);
    assert_int_equal(proto_framer_pending(&f), pending);
    rec_free(r);
}

/* Three chunks cut at every pair of positions give the same lines. */
static void test_framer_every_split(void **state)
{
    const size_t n = sizeof small_in - 1;
    size_t i, j;

    (void)state;
    for (i = 0; i <= n; i++)
        for (j = i; j <= n; j++)
            check_split(small_in, n, i, j, small_want, NSMALL, 4);
}

static void test_framer_one_byte(void **state)
{
    proto_framer f;
    rec *r = rec_start(&f, 0);
    size_t i;

    (void)state;
    for (i = 0; i < sizeof small_in - 1; i++)
        assert_int_equal(proto_feed(&f, small_in + i, 1, on_event, r), 1);
    rec_matches(r, small_want, NSMALL);
    rec_free(r);

    r = rec_start(&f, 0);
    for (i = 0; i < long_len; i++) {
        assert_int_equal(proto_feed(&f, long_in + i, 1, on_event, r), 1);
        assert_true(proto_framer_pending(&f) <= PROTO_MAX_LINE + 1);
    }
    rec_matches(r, long_want, nlong);
    rec_free(r);
}

/* Limit cases, split at every position (and whole). */
static void test_framer_limit_every_split(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i <= long_len; i++)
        check_split(long_in, long_len, i, long_len, long_want, nlong, 0);
}

/* A 1 MB line without "\n": one too-long event, nothing kept, whichever
 * way it arrives; the framer is a fixed-size struct with no pointer to
 * grow. Then the next line is framed normally. */
static void test_framer_huge_line(void **state)
{
    const size_t mb = 1 << 20;
    static const want after[] = {{NULL, 0}, {S("PING")}};
    char *big = malloc(mb);
    size_t chunk, i;

    (void)state;
    assert_non_null(big);
    memset(big, 'x', mb);
    assert_true(sizeof(proto_framer) <= PROTO_MAX_LINE + 1 + 32);
    for (chunk = 1; chunk <= mb; chunk *= 16) {
        proto_framer f;
        rec *r = rec_start(&f, 0);

        for (i = 0; i < mb; i += chunk) {
            assert_int_equal(proto_feed(&f, big + i, chunk, on_event, r),
                             chunk);
            assert_true(proto_framer_pending(&f) <= PROTO_MAX_LINE + 1);
        }
        assert_int_equal(r->n, 1); /* one event for the whole line */
        assert_int_equal(r->ev[0], PROTO_EV_TOO_LONG);
        assert_int_equal(proto_framer_pending(&f), 0);
        /* Another 1 MB of the same line: still no second event. */
        assert_int_equal(proto_feed(&f, big, mb, on_event, r), mb);
        assert_int_equal(proto_feed(&f, S("tail\nPING\n"), on_event, r), 10);
        rec_matches(r, after, 2);
        rec_free(r);
    }
    /* With its "\n" in the same chunk: one event, nothing to discard. */
    {
        proto_framer f;
        rec *r = rec_start(&f, 0);

        big[mb - 6] = '\n';
        memcpy(big + mb - 5, "PING\n", 5);
        assert_int_equal(proto_feed(&f, big, mb, on_event, r), mb);
        rec_matches(r, after, 2);
        rec_free(r);
    }
    free(big);
}

static void test_framer_pause(void **state)
{
    static const want w1[] = {{S("a")}, {S("bb")}, {S("ccc")}};
    static const want w2[] = {{S("abc")}, {S("d")}};
    static const want w3[] = {{NULL, 0}, {S("ok")}};
    static char over[9000 + 5];
    proto_framer f;
    rec *r;

    (void)state;
    /* Each pause stops right after the line's "\n". */
    r = rec_start(&f, 1);
    assert_int_equal(proto_feed(&f, S("a\nbb\nccc\n"), on_event, r), 2);
    assert_int_equal(proto_feed(&f, S("bb\nccc\n"), on_event, r), 3);
    assert_int_equal(proto_feed(&f, S("ccc\n"), on_event, r), 4);
    rec_matches(r, w1, 3);
    rec_free(r);

    /* Pause on a line that was held in the framer. */
    r = rec_start(&f, 1);
    assert_int_equal(proto_feed(&f, S("ab"), on_event, r), 2);
    assert_int_equal(proto_feed(&f, S("c\nd\n"), on_event, r), 2);
    assert_int_equal(r->n, 1);
    assert_int_equal(proto_framer_pending(&f), 0);
    assert_int_equal(proto_feed(&f, S("d\n"), on_event, r), 2);
    rec_matches(r, w2, 2);
    rec_free(r);

    /* Pause on a too-long line whose "\n" is in the data. */
    r = rec_start(&f, 1);
    memset(over, 'x', 9000);
    memcpy(over + 9000, "\nok\n", 4);
    assert_int_equal(proto_feed(&f, over, 9004, on_event, r), 9001);
    assert_int_equal(proto_feed(&f, over + 9001, 3, on_event, r), 3);
    rec_matches(r, w3, 2);
    rec_free(r);

    /* Too long without its "\n": all of data is dropped, the pause cannot
     * keep any; the rest of the line is dropped on the next feed. */
    r = rec_start(&f, 1);
    assert_int_equal(proto_feed(&f, over, 9000, on_event, r), 9000);
    assert_int_equal(r->n, 1);
    assert_int_equal(proto_feed(&f, S("yy\nok\n"), on_event, r), 6);
    rec_matches(r, w3, 2);
    rec_free(r);
}

/* Pausing on every line, with the input cut at every position, still
 * yields every line once, in order. */
static void test_framer_pause_every_split(void **state)
{
    const size_t n = sizeof small_in - 1;
    size_t i;

    (void)state;
    for (i = 0; i <= n; i++) {
        proto_framer f;
        rec *r = rec_start(&f, 1);

        feed_all(&f, small_in, i, r);
        feed_all(&f, small_in + i, n - i, r);
        rec_matches(r, small_want, NSMALL);
        rec_free(r);
    }
    for (i = 0; i <= long_len; i += 97) {
        proto_framer f;
        rec *r = rec_start(&f, 1), *all = rec_new();

        feed_all(&f, long_in, i, r);
        feed_all(&f, long_in + i, long_len - i, r);
        proto_framer_init(&f);
        assert_int_equal(proto_feed(&f, long_in, long_len, on_event, all),
                         long_len);
        rec_equal(r, all);
        rec_free(r);
        rec_free(all);
    }
}

/* 1000 pipelined requests in one feed, each parsed. */
static void test_framer_pipelined(void **state)
{
    char *in = malloc(1000 * 64);
    size_t len = 0, i;
    proto_framer f;
    rec *r = rec_start(&f, 0);

    (void)state;
    assert_non_null(in);
    for (i = 0; i < 1000; i++)
        len += (size_t)sprintf(in + len, "%s limit=%zu q%zu%s",
                               i % 2 ? "search" : "SEARCH", i % 100 + 1, i,
                               i % 3 ? "\n" : "\r\n");
    r->f = &f;
    r->data = in;
    r->data_len = len;
    assert_int_equal(proto_feed(&f, in, len, on_event, r), len);
    assert_int_equal(r->n, 1000);
    assert_int_equal(r->in_data, 1000);
    for (i = 0; i < 1000; i++) {
        proto_request req;
        uint64_t limit;
        char q[16];

        assert_int_equal(r->ev[i], PROTO_EV_LINE);
        assert_int_equal(proto_parse(r->arena + r->off[i], r->len[i], &req),
                         PROTO_OK);
        assert_int_equal(req.verb, PROTO_V_SEARCH);
        assert_int_equal(proto_opt_uint(&req, "limit", 10, 1, 100, &limit),
                         PROTO_OK);
        assert_int_equal(limit, i % 100 + 1);
        snprintf(q, sizeof q, "q%zu", i);
        assert_int_equal(req.arg_len, strlen(q));
        assert_memory_equal(req.arg, q, req.arg_len);
    }
    free(in);
    rec_free(r);
}

/* ---- Parser ---- */

static const struct pcase {
    const char *line;
    size_t len;
    proto_status st;
    proto_verb verb;
    const char *opts; /* expected options, "key=val" joined by spaces */
    const char *arg;
    size_t arg_len;
    const char *bad; /* expected offending key, or NULL */
} pcases[] = {
    /* verbs, any case, any spacing */
    {S("SEARCH la ville"), PROTO_OK, PROTO_V_SEARCH, "", S("la ville"), NULL},
    {S("search la ville"), PROTO_OK, PROTO_V_SEARCH, "", S("la ville"), NULL},
    {S("SeArCh x"), PROTO_OK, PROTO_V_SEARCH, "", S("x"), NULL},
    {S("suggest gouv"), PROTO_OK, PROTO_V_SUGGEST, "", S("gouv"), NULL},
    {S("Doc a/b.html"), PROTO_OK, PROTO_V_DOC, "", S("a/b.html"), NULL},
    {S("STATS"), PROTO_OK, PROTO_V_STATS, "", S(""), NULL},
    {S("ping   \t"), PROTO_OK, PROTO_V_PING, "", S(""), NULL},
    {S("help search"), PROTO_OK, PROTO_V_HELP, "", S("search"), NULL},
    {S("\t  QUIT"), PROTO_OK, PROTO_V_QUIT, "", S(""), NULL},
    {S("auth s3cret"), PROTO_OK, PROTO_V_AUTH, "", S("s3cret"), NULL},
    /* empty */
    {S(""), PROTO_OK, PROTO_V_EMPTY, "", S(""), NULL},
    {S(" \t  "), PROTO_OK, PROTO_V_EMPTY, "", S(""), NULL},
    /* unknown verbs */
    {S("FOO bar  baz "), PROTO_ERR_VERB, PROTO_V_UNKNOWN, "", S("bar  baz"),
     NULL},
    {S("SEARCHX a"), PROTO_ERR_VERB, PROTO_V_UNKNOWN, "", S("a"), NULL},
    {S("SEA a"), PROTO_ERR_VERB, PROTO_V_UNKNOWN, "", S("a"), NULL},
    {S("SE\0RCH a"), PROTO_ERR_VERB, PROTO_V_UNKNOWN, "", S("a"), NULL},
    {S("PING\0"), PROTO_ERR_VERB, PROTO_V_UNKNOWN, "", S(""), NULL},
    /* options */
    {S("SEARCH limit=5 offset=10 snippet=1 la ville"), PROTO_OK, PROTO_V_SEARCH,
     "limit=5 offset=10 snippet=1", S("la ville"), NULL},
    {S("SEARCH LIMIT=5 Offset=2 x"), PROTO_OK, PROTO_V_SEARCH,
     "LIMIT=5 Offset=2", S("x"), NULL},
    {S("SEARCH limit=5"), PROTO_OK, PROTO_V_SEARCH, "limit=5", S(""), NULL},
    {S("SEARCH  \t limit=5 \t "), PROTO_OK, PROTO_V_SEARCH, "limit=5", S(""),
     NULL},
    {S("SEARCH\tlimit=5\t\tfoo  bar \t"), PROTO_OK, PROTO_V_SEARCH, "limit=5",
     S("foo  bar"), NULL},
    {S("  search   limit=3   offset=0   x  "), PROTO_OK, PROTO_V_SEARCH,
     "limit=3 offset=0", S("x"), NULL},
    {S("SEARCH foo limit=5"), PROTO_OK, PROTO_V_SEARCH, "", S("foo limit=5"),
     NULL},
    {S("SEARCH x2=1 foo"), PROTO_OK, PROTO_V_SEARCH, "", S("x2=1 foo"), NULL},
    {S("SEARCH =5 foo"), PROTO_OK, PROTO_V_SEARCH, "", S("=5 foo"), NULL},
    {S("SEARCH limit= foo"), PROTO_OK, PROTO_V_SEARCH, "limit=", S("foo"),
     NULL},
    {S("SEARCH limit=a=b foo"), PROTO_OK, PROTO_V_SEARCH, "limit=a=b", S("foo"),
     NULL},
    {S("SUGGEST limit=3 ab"), PROTO_OK, PROTO_V_SUGGEST, "limit=3", S("ab"),
     NULL},
    {S("SEARCH foo=1 x"), PROTO_ERR_OPT_UNKNOWN, PROTO_V_SEARCH, "foo=1",
     S("x"), "foo"},
    {S("SEARCH limit=1 Snippet_len=2 x"), PROTO_ERR_OPT_UNKNOWN, PROTO_V_SEARCH,
     "limit=1 Snippet_len=2", S("x"), "Snippet_len"},
    {S("SUGGEST offset=1 x"), PROTO_ERR_OPT_UNKNOWN, PROTO_V_SUGGEST,
     "offset=1", S("x"), "offset"},
    {S("SEARCH limit=1 LIMIT=2 x"), PROTO_ERR_OPT_DUP, PROTO_V_SEARCH,
     "limit=1 LIMIT=2", S("x"), "LIMIT"},
    /* PROTO_MAX_OPTS (12) options are read, the 13th is too many */
    {S("SEARCH a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 j=10 k=11 l=12 q"),
     PROTO_ERR_OPT_UNKNOWN, PROTO_V_SEARCH,
     "a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 j=10 k=11 l=12", S("q"), "a"},
    {S("SEARCH a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 j=10 k=11 l=12 m=13 q"),
     PROTO_ERR_OPT_MANY, PROTO_V_SEARCH,
     "a=1 b=2 c=3 d=4 e=5 f=6 g=7 h=8 i=9 j=10 k=11 l=12", S("m=13 q"), "m"},
    /* every option SEARCH has, once each, fits */
    {S("SEARCH limit=1 offset=2 snippet=3 lang=fr section=News tag=a,b "
       "after=2024-01-01 before=2024-12-31 sort=date facets=lang,tag q"),
     PROTO_OK, PROTO_V_SEARCH,
     "limit=1 offset=2 snippet=3 lang=fr section=News tag=a,b "
     "after=2024-01-01 before=2024-12-31 sort=date facets=lang,tag",
     S("q"), NULL},
    /* the filters' names like any key: any case, once; values unchecked */
    {S("SEARCH LANG=xx Sort=nope x"), PROTO_OK, PROTO_V_SEARCH,
     "LANG=xx Sort=nope", S("x"), NULL},
    {S("SEARCH lang=fr Lang=en x"), PROTO_ERR_OPT_DUP, PROTO_V_SEARCH,
     "lang=fr Lang=en", S("x"), "Lang"},
    {S("SEARCH tags=a x"), PROTO_ERR_OPT_UNKNOWN, PROTO_V_SEARCH, "tags=a",
     S("x"), "tags"},
    /* SUGGEST takes lang, not the other filters */
    {S("SUGGEST lang=en limit=2 gov"), PROTO_OK, PROTO_V_SUGGEST,
     "lang=en limit=2", S("gov"), NULL},
    {S("SUGGEST section=a gov"), PROTO_ERR_OPT_UNKNOWN, PROTO_V_SUGGEST,
     "section=a", S("gov"), "section"},
    /* "--" ends the options */
    {S("SEARCH limit=5 -- limit=5 cit\xc3\xa9s"), PROTO_OK, PROTO_V_SEARCH,
     "limit=5", S("limit=5 cit\xc3\xa9s"), NULL},
    {S("SEARCH --  \t offset=1 x"), PROTO_OK, PROTO_V_SEARCH, "",
     S("offset=1 x"), NULL},
    {S("SEARCH -- -- x"), PROTO_OK, PROTO_V_SEARCH, "", S("-- x"), NULL},
    {S("SEARCH --"), PROTO_OK, PROTO_V_SEARCH, "", S(""), NULL},
    {S("SEARCH --x a=1"), PROTO_OK, PROTO_V_SEARCH, "", S("--x a=1"), NULL},
    {S("SUGGEST limit=2 -- a=b"), PROTO_OK, PROTO_V_SUGGEST, "limit=2",
     S("a=b"), NULL},
    {S("DOC -- a"), PROTO_OK, PROTO_V_DOC, "", S("-- a"), NULL},
    /* verbs without options take the whole rest as argument */
    {S("DOC a=b.txt"), PROTO_OK, PROTO_V_DOC, "", S("a=b.txt"), NULL},
    {S("AUTH abc=="), PROTO_OK, PROTO_V_AUTH, "", S("abc=="), NULL},
    {S("PING limit=5"), PROTO_OK, PROTO_V_PING, "", S("limit=5"), NULL},
    {S("DOC lang=fr"), PROTO_OK, PROTO_V_DOC, "", S("lang=fr"), NULL},
    /* any byte in the argument */
    {S("SEARCH a\0b \xff\xfe"), PROTO_OK, PROTO_V_SEARCH, "",
     S("a\0b \xff\xfe"), NULL},
    {S("SEARCH limit=2 \0"), PROTO_OK, PROTO_V_SEARCH, "limit=2", S("\0"),
     NULL},
    {S("SEARCH l'\xc3\xa9lu"), PROTO_OK, PROTO_V_SEARCH, "", S("l'\xc3\xa9lu"),
     NULL},
};

static void in_line(const char *p, size_t n, const char *line, size_t len)
{
    assert_non_null(p);
    assert_true(p >= line && p + n <= line + len);
}

static void test_parse_table(void **state)
{
    size_t i, k;

    (void)state;
    for (i = 0; i < sizeof pcases / sizeof pcases[0]; i++) {
        const struct pcase *c = &pcases[i];
        char opts[256] = "";
        proto_request req;
        proto_status st;

        /* Garbage first: proto_parse must set every field. */
        memset(&req, 0xa5, sizeof req);
        st = proto_parse(c->line, c->len, &req);
        if (st != c->st)
            fail_msg("case %zu: status %d, want %d", i, st, c->st);
        assert_int_equal(req.verb, c->verb);
        for (k = 0; k < req.nopts; k++) {
            const proto_opt *o = &req.opts[k];
            size_t l = strlen(opts);

            in_line(o->key, o->key_len, c->line, c->len);
            in_line(o->val, o->val_len, c->line, c->len);
            snprintf(opts + l, sizeof opts - l, "%s%.*s=%.*s", l ? " " : "",
                     (int)o->key_len, o->key, (int)o->val_len, o->val);
        }
        if (strcmp(opts, c->opts) != 0)
            fail_msg("case %zu: options '%s', want '%s'", i, opts, c->opts);
        in_line(req.arg, req.arg_len, c->line, c->len);
        if (req.arg_len != c->arg_len ||
            memcmp(req.arg, c->arg, c->arg_len) != 0)
            fail_msg("case %zu: argument '%.*s', want '%s'", i,
                     (int)req.arg_len, req.arg, c->arg);
        if (c->bad == NULL) {
            assert_null(req.bad);
            assert_int_equal(req.bad_len, 0);
        } else {
            in_line(req.bad, req.bad_len, c->line, c->len);
            assert_int_equal(req.bad_len, strlen(c->bad));
            assert_memory_equal(req.bad, c->bad, req.bad_len);
        }
        in_line(req.verb_text, req.verb_len, c->line, c->len);
    }
}

static void test_parse_verb_text(void **state)
{
    proto_request req;

    (void)state;
    assert_int_equal(proto_parse(S("  FROB\0x  arg"), &req), PROTO_ERR_VERB);
    assert_int_equal(req.verb_len, 6);
    assert_memory_equal(req.verb_text, "FROB\0x", 6);
    assert_int_equal(proto_parse(S("sUgGeSt x"), &req), PROTO_OK);
    assert_int_equal(req.verb_len, 7);
    assert_memory_equal(req.verb_text, "sUgGeSt", 7);
    assert_int_equal(proto_parse(NULL, 0, &req), PROTO_OK);
    assert_int_equal(req.verb, PROTO_V_EMPTY);
    assert_non_null(req.arg);
    assert_int_equal(req.arg_len, 0);
    /* The length is the line's end, not a NUL: bytes past it are unseen. */
    assert_int_equal(proto_parse("PING xyz", 4, &req), PROTO_OK);
    assert_int_equal(req.verb, PROTO_V_PING);
    assert_int_equal(req.arg_len, 0);
    assert_int_equal(proto_parse("SEARCH limit=12", 14, &req), PROTO_OK);
    assert_int_equal(req.opts[0].val_len, 1);
}

static const struct ucase {
    const char *line;
    const char *key;
    uint64_t def, min, max;
    proto_status st;
    uint64_t out;
} ucases[] = {
    {"SEARCH limit=5 x", "limit", 10, 1, 100, PROTO_OK, 5},
    {"SEARCH x", "limit", 10, 1, 100, PROTO_OK, 10},
    {"SEARCH limit=5 x", "offset", 0, 0, 1000, PROTO_OK, 0},
    {"SEARCH LIMIT=7 x", "limit", 10, 1, 100, PROTO_OK, 7},
    {"SEARCH limit=7 x", "LIMIT", 10, 1, 100, PROTO_OK, 7},
    {"SEARCH limit=007", "limit", 10, 1, 100, PROTO_OK, 7},
    {"SEARCH limit=1 x", "limit", 10, 1, 100, PROTO_OK, 1},
    {"SEARCH limit=100 x", "limit", 10, 1, 100, PROTO_OK, 100},
    {"SEARCH offset=18446744073709551615", "offset", 0, 0, UINT64_MAX, PROTO_OK,
     UINT64_MAX},
    {"SEARCH limit=abc x", "limit", 10, 1, 100, PROTO_ERR_OPT_VALUE, 0},
    {"SEARCH limit=-1 x", "limit", 10, 1, 100, PROTO_ERR_OPT_VALUE, 0},
    {"SEARCH limit=+1 x", "limit", 10, 1, 100, PROTO_ERR_OPT_VALUE, 0},
    {"SEARCH limit= x", "limit", 10, 1, 100, PROTO_ERR_OPT_VALUE, 0},
    {"SEARCH limit=1x x", "limit", 10, 1, 100, PROTO_ERR_OPT_VALUE, 0},
    {"SEARCH limit=0x10 x", "limit", 10, 1, 100, PROTO_ERR_OPT_VALUE, 0},
    {"SEARCH limit=1.5 x", "limit", 10, 1, 100, PROTO_ERR_OPT_VALUE, 0},
    {"SEARCH limit=99999999999999999999 x", "limit", 10, 1, 100,
     PROTO_ERR_OPT_RANGE, 0},
    {"SEARCH offset=18446744073709551616", "offset", 0, 0, UINT64_MAX,
     PROTO_ERR_OPT_RANGE, 0},
    {"SEARCH offset=99999999999999999999x", "offset", 0, 0, UINT64_MAX,
     PROTO_ERR_OPT_VALUE, 0},
    {"SEARCH limit=0 x", "limit", 10, 1, 100, PROTO_ERR_OPT_RANGE, 0},
    {"SEARCH limit=101 x", "limit", 10, 1, 100, PROTO_ERR_OPT_RANGE, 0},
};

static void test_opt_uint(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof ucases / sizeof ucases[0]; i++) {
        const struct ucase *c = &ucases[i];
        proto_request req;
        uint64_t out = 12345;
        proto_status st;

        assert_int_equal(proto_parse(c->line, strlen(c->line), &req), PROTO_OK);
        st = proto_opt_uint(&req, c->key, c->def, c->min, c->max, &out);
        if (st != c->st || out != c->out)
            fail_msg("case %zu (%s): status %d value %llu, want %d %llu", i,
                     c->line, st, (unsigned long long)out, c->st,
                     (unsigned long long)c->out);
    }
}

static void test_names(void **state)
{
    static const struct {
        const char *line;
        const char *name;
    } names[] = {
        {"search", "SEARCH"}, {"suggest", "SUGGEST"}, {"doc", "DOC"},
        {"stats", "STATS"},   {"ping", "PING"},       {"help", "HELP"},
        {"quit", "QUIT"},     {"auth", "AUTH"},       {"", ""},
        {"what", "?"},
    };
    proto_request req;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        proto_parse(names[i].line, strlen(names[i].line), &req);
        assert_string_equal(proto_verb_name(req.verb), names[i].name);
    }
    assert_string_equal(proto_strerror(PROTO_OK), "success");
    assert_string_equal(proto_strerror(PROTO_ERR_OPT_UNKNOWN),
                        "unknown option");
    assert_non_null(strstr(proto_strerror(PROTO_ERR_OPT_RANGE), "range"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_framer_one_chunk),
        cmocka_unit_test(test_framer_every_split),
        cmocka_unit_test(test_framer_one_byte),
        cmocka_unit_test(test_framer_limit_every_split),
        cmocka_unit_test(test_framer_huge_line),
        cmocka_unit_test(test_framer_pause),
        cmocka_unit_test(test_framer_pause_every_split),
        cmocka_unit_test(test_framer_pipelined),
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_verb_text),
        cmocka_unit_test(test_opt_uint),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, setup_long, teardown_long);
}
