/* dispatch: one request line, from the verb table's rules (AUTH, options
 * and their bounds, loop or worker) to its answer: answered on the loop,
 * from the answer cache, or by the engine and the renderer, on a worker or,
 * for one cheap search a loop turn, on the loop itself. Answers keep
 * request order (conn.c). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errmsg.h"
#include "common/json.h"
#include "server/pool.h"
#include "server/server_int.h"
#include "server/verbs.h"

#define ECHO_MAX 64 /* bytes of a client's verb or key echoed back */

/* A search the loop runs itself (see loop_may_run): what bounds its cost
 * is the posting lists of a few words and, for snippets, the position
 * lists and text-store blocks of at most LOOP_MAX_HITS pages
 * (docs/BENCHMARKS.md, issue #15: at most 1.8 ms on large-fr with
 * snippets, and 1.5 ms for 20 pages of 1.2 MB that hold the words on
 * every line). */
#define LOOP_MAX_TEXT 64     /* bytes of query text: a handful of words */
#define LOOP_MAX_HITS 20     /* offset + limit */
#define LOOP_MAX_SNIPPET 400 /* characters of each hit's snippet */
/* Words of a search with snippets: each word's stems are looked up in
 * each hit's position lists, so their number bounds that work too */
#define LOOP_MAX_SNIPPET_WORDS 8
/* After the loop's last search, one worker stays parked this long (see
 * pool_share): under a steady load of cheap searches the loop searches
 * every few hundred microseconds, and a worker woken and parked again
 * between two of them would cost two wake-ups for nothing. */
#define LOOP_HOLD_NS 2000000

/* A worker: one engine context and the result it fills, owned by one
 * thread of the pool (or by the loop) for the daemon's life. */
struct worker {
    engine_ctx *eng;
    engine_result res;
};

/* ---- Workers ---- */

static worker *worker_new(server *s, char *err, size_t errlen,
                          server_status *st)
{
    worker *w = calloc(1, sizeof *w);

    *st = SERVER_ERR_NOMEM;
    if (w == NULL)
        return NULL;
    engine_result_init(&w->res, s->max_answer);
    engine_status es = engine_open(s->db_path, &w->eng, err, errlen);
    if (es != ENGINE_OK) {
        *st = es == ENGINE_ERR_NOMEM ? SERVER_ERR_NOMEM : SERVER_ERR_INDEX;
        engine_result_free(&w->res);
        free(w);
        return NULL;
    }
    engine_set_partial(w->eng, s->allow_partial);
    uint64_t rev = engine_revision(w->eng);
    s->max_rev = rev > s->max_rev ? rev : s->max_rev;
    *st = SERVER_OK;
    return w;
}

static void worker_free(worker *w)
{
    if (w == NULL)
        return;
    engine_close(w->eng);
    engine_result_free(&w->res);
    free(w);
}

static void pool_run(void *ctx, pool_job *job);
static void pool_done(void *ud, pool_job *job);

server_status dispatch_workers_open(server *s, unsigned n, char *err,
                                    size_t errlen)
{
    server_status st;
    int rc;

    /* an array of worker pointers: sizeof of a pointer is meant */
    s->workers = calloc(n, sizeof *s->workers); // NOLINT
    if (s->workers == NULL)
        return SERVER_ERR_NOMEM;
    for (unsigned i = 0; i < n; i++) {
        worker *w = worker_new(s, err, errlen, &st);
        if (w == NULL)
            return st;
        s->workers[s->nworkers++] = w;
    }
    /* The loop's own: one more reader (about 1 MB) saves two thread
     * hand-offs on every search it runs. */
    s->loop_worker = worker_new(s, err, errlen, &st);
    if (s->loop_worker == NULL)
        return st;
    rc = pool_new(&s->loop, n, (void *const *)s->workers, pool_run, pool_done,
                  s, &s->pool);
    if (rc != 0) {
        errmsg_set(err, errlen, "cannot start %u worker threads: %s", n,
                   uv_strerror(rc));
        return rc == UV_ENOMEM ? SERVER_ERR_NOMEM : SERVER_ERR_LOOP;
    }
    s->pool_active = n;
    return SERVER_OK;
}

void dispatch_workers_stop(server *s)
{
    pool_close(s->pool);
}

/* The threads first (pool_free joins them), then their workers. */
void dispatch_workers_close(server *s)
{
    pool_free(s->pool);
    s->pool = NULL;
    for (unsigned i = 0; i < s->nworkers; i++)
        worker_free(s->workers[i]);
    worker_free(s->loop_worker);
    s->loop_worker = NULL;
    free(s->workers);
    s->workers = NULL;
    s->nworkers = 0;
}

void dispatch_workers_reopen(server *s)
{
    for (unsigned i = 0; i < s->nworkers; i++)
        engine_request_reopen(s->workers[i]->eng);
    if (s->loop_worker != NULL)
        engine_request_reopen(s->loop_worker->eng);
}

/* ---- Answer cache ---- */

/* The key of a request is the typed request itself: the numbers in
 * engine_request's order, the filter's canonical bytes, then the text (any
 * bytes). So "limit=10 x" and "x" share their answer, which is the same. */
size_t dispatch_request_key(const engine_request *r, char key[DISPATCH_KEY_MAX])
{
    uint32_t head[4] = {(uint32_t)r->op, r->limit, r->offset, r->snippet};
    size_t n = r->text_len < PROTO_MAX_LINE ? r->text_len : PROTO_MAX_LINE;

    memcpy(key, head, DISPATCH_KEY_HEAD);
    size_t f = filter_key(&r->filter, key + DISPATCH_KEY_HEAD);
    memcpy(key + DISPATCH_KEY_HEAD + f, r->text, n);
    return DISPATCH_KEY_HEAD + f + n;
}

/* A cached value: the answer's total (for the query log), then the
 * answer up to its took_ms. */
#define VAL_HEAD sizeof(uint64_t)

/* Keep a successful SEARCH answer up to its took_ms, the one part that
 * changes (render_info.keep). Failures only cost a later miss. */
static void cache_store(server *s, const slot *sl)
{
    char key[DISPATCH_KEY_MAX];
    char *val;

    if (s->cache == NULL || sl->rinfo.keep == 0)
        return;
    val = malloc(VAL_HEAD + sl->rinfo.keep);
    if (val == NULL)
        return;
    memcpy(val, &sl->rinfo.total, VAL_HEAD);
    memcpy(val + VAL_HEAD, sl->out.data, sl->rinfo.keep);
    cache_put(s->cache, key, dispatch_request_key(&sl->req, key), val,
              VAL_HEAD + sl->rinfo.keep, uv_now(&s->loop));
    free(val);
}

/* Answer a request from the cache when it holds it: 1 if answered. */
static int answer_from_cache(conn *c, const engine_request *req,
                             const slot_http *h)
{
    server *s = c->s;
    char key[DISPATCH_KEY_MAX];
    const char *val;
    size_t vlen;
    uint64_t t0 = uv_hrtime(), total;
    double took;

    if (s->cache == NULL || !s->watch_ok)
        return 0;
    if (!cache_get(s->cache, key, dispatch_request_key(req, key),
                   uv_now(&s->loop), &val, &vlen) ||
        vlen < VAL_HEAD)
        return 0;
    memcpy(&total, val, VAL_HEAD);
    buf_reset(&s->hit);
    took = (double)(uv_hrtime() - t0) / 1e6;
    if (render_cached(&s->hit, val + VAL_HEAD, vlen - VAL_HEAD, took) != BUF_OK)
        return 0; /* out of memory: the worker answers it */
    if (h != NULL)
        http_reply_cached(c, h, s->hit.data, s->hit.len);
    else
        conn_reply(c, s->hit.data, s->hit.len);
    if (h == NULL || (h->endpoint == HTTP_EP_SEARCH && !h->head))
        qlog_search(s, c, req->text, req->text_len, total, took);
    server_latency(s, t0);
    return 1;
}

/* ---- Work on the pool, or on the loop ---- */

/* Run sl's request on w: the engine, then the renderer. Any thread: w is
 * this thread's alone, and sl is not touched by the loop until its answer
 * is done. */
static void run_on(worker *w, slot *sl)
{
    engine_run(w->eng, &sl->req, &w->res);
    sl->revision = w->res.revision;
    sl->current = w->res.current;
    sl->partial = w->res.partial;
    if (sl->http.on)
        http_render(sl, &w->res, &sl->out, &sl->rinfo);
    else
        render_result(&w->res, sl->req.op == ENGINE_STATS ? &sl->figures : NULL,
                      &sl->out, &sl->rinfo);
}

static slot *slot_of(pool_job *job)
{
    return (slot *)(void *)((char *)job - offsetof(slot, job));
}

/* A worker thread, with its own worker. */
static void pool_run(void *ctx, pool_job *job)
{
    run_on(ctx, slot_of(job));
}

/* Loop thread: sl has run (an answer that the renderer could not finish
 * becomes an error); from here on it is the connection's, in its place in
 * the order. */
static void slot_finish(slot *sl)
{
    conn *c = sl->c;
    server *s = c->s;

    s->in_flight--;
    c->busy--;
    server_latency(s, sl->t0);
    if (sl->out.failed || sl->out.len == 0 ||
        sl->out.data[sl->out.len - 1] != '\n') {
        static const char msg[] = "request failed";
        buf_free(&sl->out);
        sl->out.max = BUF_MAX_LIMIT; /* a few bytes, whatever the cap */
        json_error_line(&sl->out, JSON_ERR_INTERNAL, msg, sizeof msg - 1, NULL,
                        NULL, 0);
        sl->rinfo.ok = 0;
        sl->rinfo.keep = 0;
        sl->rinfo.error = JSON_ERR_INTERNAL;
    }
    if (sl->revision > s->max_rev) {
        /* A worker met a newer revision before the watch did: the watch
         * looks now, so no ETag goes on naming the old revision once an
         * answer (say /health) has shown the new one. */
        uint64_t gen = s->cache_gen;
        uint64_t seen = s->max_rev;
        s->max_rev = sl->revision;
        watch_poll(s);
        if (seen > 0 && s->cache_gen == gen)
            watch_changed(s);
    }
    if (!sl->rinfo.ok)
        s->errors++;
    else if (sl->cacheable && sl->cache_gen == s->cache_gen && sl->current &&
             !sl->partial && sl->revision == s->max_rev && s->watch_ok)
        cache_store(s, sl);
    if (sl->rinfo.ok && sl->req.op == ENGINE_SEARCH &&
        (!sl->http.on ||
         (!sl->http.head && (sl->http.endpoint == HTTP_EP_SEARCH ||
                             sl->http.endpoint == HTTP_EP_PAGE))))
        qlog_search(s, c, sl->req.text, sl->req.text_len, sl->rinfo.total,
                    sl->rinfo.took_ms);
    if (sl->http.on && !c->closing)
        http_finish(c, sl);
    c->held += sl->out.len;
    sl->done = 1;
    conn_mark_dirty(c); /* no-op when closing: the slot goes with c */
    conn_unref(c);
}

/* Loop thread: a worker finished job. */
static void pool_done(void *ud, pool_job *job)
{
    server *s = ud;

    s->met.ran_worker++;
    slot_finish(slot_of(job));
}

/* An error answer in the request's own protocol. */
static void dispatch_error(conn *c, const slot_http *h, json_err e,
                           const char *msg)
{
    if (h != NULL)
        http_reply_error(c, h, e, msg);
    else
        conn_reply_msg(c, e, msg);
}

/* Whether the loop may run req itself once this turn's polled events are
 * handled: a SEARCH whose cost is bounded by a few words' posting lists and
 * few hits' snippets (no facets: they count every match; snippets of at
 * most LOOP_MAX_SNIPPET characters for at most LOOP_MAX_SNIPPET_WORDS
 * words, cut from the text store's blocks around the matches' positions; no
 * wildcard: an expansion may be huge, and a prefix's snippet scans up to 1 MB
 * of a page; a short text; few hits), and one a turn. Only requests read in the
 * poll phase: the check phase that runs it always follows, while a request
 * dispatched elsewhere (a paused client resumed) could wait for it across a
 * poll that blocks. So the loop is late for other clients by at most one such
 * search (under 2 ms at worst on large-fr) per poll. */
/* Blank-separated words of text[0..len). */
static size_t words_in(const char *text, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += text[i] != ' ' && text[i] != '\t' &&
             (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t');
    return n;
}

static int loop_may_run(const server *s, const engine_request *r,
                        const slot_http *h)
{
    /* remote shards: a search may wait on the network, never on the loop */
    if (s->loop_worker == NULL || s->turn_slot != NULL || !s->turn_open ||
        engine_has_remote(s->loop_worker->eng))
        return 0;
    if (r->op != ENGINE_SEARCH || r->filter.facets != 0 ||
        r->snippet > LOOP_MAX_SNIPPET || r->text_len > LOOP_MAX_TEXT ||
        r->offset + r->limit > LOOP_MAX_HITS)
        return 0;
    if (r->text_len > 0 && memchr(r->text, '*', r->text_len) != NULL)
        return 0;
    if (r->snippet > 0 &&
        words_in(r->text, r->text_len) > LOOP_MAX_SNIPPET_WORDS)
        return 0;
    return h == NULL || h->endpoint == HTTP_EP_SEARCH;
}

/* How many workers take requests: all of them, less one while the loop
 * searches too (it keeps a search this turn, or ran one in the last
 * LOOP_HOLD_NS), so that no more threads search at once than --threads: on
 * 2 cores, 2 workers and the loop searching together answered 13 % fewer
 * cheap searches a second than 1 worker and the loop (docs/BENCHMARKS.md,
 * issue #15). A parked worker finishes its request first. */
static void pool_share(server *s)
{
    unsigned n = s->nworkers;

    if (n > 1 && (s->turn_slot != NULL ||
                  (s->loop_search_ns != 0 &&
                   uv_hrtime() - s->loop_search_ns < LOOP_HOLD_NS)))
        n--;
    if (n != s->pool_active) {
        s->pool_active = n;
        pool_set_active(s->pool, n);
    }
}

/* sl waits for its answer behind c's earlier requests. */
static void slot_queue(conn *c, slot *sl)
{
    c->refs++;
    c->busy++;
    c->s->in_flight++;
    if (c->tail)
        c->tail->next = sl;
    else
        c->head = sl;
    c->tail = sl;
    c->nslots++;
}

/* Queue req for the engine: on the loop at the turn's end when it is cheap
 * and the loop's turn has none yet (no thread hand-off either way), else on
 * a worker; its answer takes its place in c's order. */
static void to_engine(conn *c, const engine_request *req, int cacheable,
                      const slot_http *h)
{
    server *s = c->s;
    slot *sl = malloc(sizeof *sl + req->text_len + 1);

    if (sl == NULL) {
        dispatch_error(c, h, JSON_ERR_INTERNAL, "out of memory");
        return;
    }
    memset(sl, 0, sizeof *sl);
    /* text may be NULL only when text_len is 0 */
    if (req->text_len > 0)
        memcpy(sl->text, req->text, req->text_len);
    sl->text[req->text_len] = '\0';
    sl->req = *req;
    sl->req.text = sl->text;
    buf_init(&sl->out, s->max_answer);
    sl->c = c;
    sl->t0 = uv_hrtime();
    sl->cacheable = cacheable;
    sl->cache_gen = s->cache_gen;
    if (h != NULL)
        sl->http = *h;
    /* STATS' answer shows the server's figures as they were at arrival
     * (/health and /metrics render their own) */
    if (req->op == ENGINE_STATS && (h == NULL || h->endpoint == HTTP_EP_STATS))
        server_figures(s, &sl->figures);
    slot_queue(c, sl);
    if (loop_may_run(s, req, h)) {
        s->turn_slot = sl;
        pool_share(s);
    } else {
        pool_submit(s->pool, &sl->job);
    }
}

/* The loop's turn has read what it polled: run the search it kept for
 * itself, before the turn's answers are written (conn_on_check), so that
 * its answer goes out in this turn. */
void dispatch_turn_end(server *s)
{
    slot *sl = s->turn_slot;

    if (sl == NULL) {
        if (s->pool_active != s->nworkers)
            pool_share(s); /* a worker parked: may it take requests? */
        return;
    }
    s->turn_slot = NULL;
    if (sl->c->closing) { /* nobody to answer: skip the search */
        s->in_flight--;
        sl->c->busy--;
        sl->done = 1;
        conn_unref(sl->c);
        pool_share(s);
        return;
    }
    s->met.ran_loop++;
    run_on(s->loop_worker, sl);
    s->loop_search_ns = uv_hrtime();
    slot_finish(sl);
}

void dispatch_engine(conn *c, const engine_request *req, int cacheable,
                     const slot_http *h)
{
    if (!cacheable || !answer_from_cache(c, req, h))
        to_engine(c, req, cacheable && c->s->cache != NULL, h);
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

int dispatch_password_ok(const server *s, const char *guess, size_t len)
{
    return s->password == NULL ||
           secret_equal(guess, len, s->password, s->password_len);
}

static void auth(conn *c, const proto_request *req)
{
    server *s = c->s;

    if (dispatch_password_ok(s, req->arg, req->arg_len)) {
        c->authed = 1;
        CONN_REPLY_LIT(c, "{\"ok\":true,\"auth\":true}\n");
    } else {
        char who[80], what[160];
        c->authed = 0;
        conn_reply_msg(c, JSON_ERR_UNAUTHORIZED, "wrong password");
        conn_peer_name(c, who, sizeof who);
        snprintf(what, sizeof what, "AUTH failed from %s", who);
        server_warn(s, WARN_AUTH, what);
    }
}

void dispatch_line(conn *c, const char *line, size_t len)
{
    server *s = c->s;
    proto_request req;
    proto_status st = proto_parse(line, len, &req);
    const verb_def *d = verbs_of(req.verb);
    engine_request er;
    char msg[256];
    size_t n;

    if (req.verb == PROTO_V_EMPTY)
        return; /* no answer: a human pressed Enter */
    s->requests++;
    s->met.line++;
    if (!c->authed && (d == NULL || !d->open)) {
        conn_reply_msg(c, JSON_ERR_UNAUTHORIZED, "AUTH PASSWORD first");
        return;
    }
    if (st == PROTO_ERR_VERB) {
        n = echo_msg(msg, sizeof msg, "unknown verb ", req.verb_text,
                     req.verb_len, ": HELP lists the verbs");
        conn_reply_error(c, JSON_ERR_UNKNOWN_VERB, msg, n, "verb",
                         req.verb_text,
                         req.verb_len > ECHO_MAX ? ECHO_MAX : req.verb_len);
        return;
    }
    if (st != PROTO_OK) {
        char pre[64];
        snprintf(pre, sizeof pre, "%s for %s: ", proto_strerror(st),
                 proto_verb_name(req.verb));
        n = echo_msg(msg, sizeof msg, pre, req.bad, req.bad_len, "");
        conn_reply_error(c, JSON_ERR_BAD_REQUEST, msg, n, NULL, NULL, 0);
        return;
    }
    if (d->on_worker) {
        if (verbs_request(d, &req, &er, msg, sizeof msg) != 0)
            conn_reply_msg(c, JSON_ERR_BAD_REQUEST, msg);
        else
            dispatch_engine(c, &er, d->cacheable, NULL);
        return;
    }
    switch (req.verb) {
    case PROTO_V_PING:
        CONN_REPLY_LIT(c, "{\"ok\":true,\"pong\":true}\n");
        break;
    case PROTO_V_HELP:
        conn_reply(c, s->help, s->help_len);
        break;
    case PROTO_V_QUIT:
        CONN_REPLY_LIT(c, "{\"ok\":true,\"bye\":true}\n");
        c->quit = 1;
        break;
    case PROTO_V_AUTH:
        auth(c, &req);
        break;
    default: /* a loop verb the table has and this switch lacks */
        conn_reply_msg(c, JSON_ERR_INTERNAL, "verb not handled");
        break;
    }
}

/* HELP's answer, from the verb table, built once. */
int dispatch_build_help(server *s)
{
    buf_t b;
    size_t i, n;
    const verb_def *v = verbs_all(&n);
    int bad = 0;

    buf_init(&b, 8192);
    bad |= buf_puts(&b, "{\"ok\":true,\"verbs\":[");
    for (i = 0; i < n; i++) {
        bad |= buf_puts(&b, i ? ",{" : "{");
        bad |= json_key(&b, "verb");
        bad |= json_str(&b, v[i].name, strlen(v[i].name));
        bad |= buf_putc(&b, ',');
        bad |= json_key(&b, "usage");
        bad |= json_str(&b, v[i].usage, strlen(v[i].usage));
        bad |= buf_putc(&b, ',');
        bad |= json_key(&b, "help");
        bad |= json_str(&b, v[i].help, strlen(v[i].help));
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
