/* conn: one client connection: reading and framing its lines, pausing
 * when it holds too much (backpressure) and resuming, writing its answers
 * in request order, lingering after QUIT, idle timeouts. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "server/server_int.h"

#define LINGER_MS 2000 /* after QUIT: wait this long for the FIN */
#define KEEP_CAP 65536 /* output memory an idle connection keeps */
/* A plain number macro as a string literal, for messages built at compile
 * time (PROTO_MAX_LINE in the line_too_long answer). */
#define STR_(x) #x
#define STR(x) STR_(x)

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b);

void conn_peer_name(conn *c, char *out, size_t n)
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
    free(c->hp);
    free(c);
    s->nconn--;
    server_maybe_done(s);
}

void conn_unref(conn *c)
{
    if (--c->refs == 0)
        conn_free(c);
}

void conn_on_close(uv_handle_t *h)
{
    conn_unref(h->data);
}

/* Close now; the memory goes when the close callback has run and no work
 * item of the connection is in flight (uv_close does not cancel them). */
void conn_close(conn *c)
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
    uv_close((uv_handle_t *)&c->tcp, conn_on_close);
}

void conn_read_stop(conn *c)
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

void conn_read_start(conn *c)
{
    if (c->reading || c->closing)
        return;
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
        conn_close(c);
        return;
    }
    c->reading = 1;
}

void conn_mark_dirty(conn *c)
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
void conn_reply(conn *c, const char *p, size_t n)
{
    server *s = c->s;
    slot *sl;

    if (c->head == NULL) {
        if (buf_append(&c->out, p, n) != BUF_OK)
            goto nomem;
        conn_mark_dirty(c);
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
    server_warn(s, WARN_NOMEM, "out of memory: connection closed");
    conn_close(c);
}

void conn_reply_error(conn *c, json_err e, const char *msg, size_t msg_len,
                      const char *extra_key, const char *extra,
                      size_t extra_len)
{
    static const char too_long[] = "answer too long";
    buf_t *b = &c->s->scratch;

    c->s->errors++;
    buf_reset(b);
    if (json_error_line(b, e, msg, msg_len, extra_key, extra, extra_len) !=
        BUF_OK) /* scratch holds 2 * 8 KB: never, but never a half line */
        json_error_line(b, JSON_ERR_INTERNAL, too_long, sizeof too_long - 1,
                        NULL, NULL, 0);
    conn_reply(c, b->data, b->len);
}

void conn_reply_msg(conn *c, json_err e, const char *msg)
{
    conn_reply_error(c, e, msg, strlen(msg), NULL, NULL, 0);
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

int conn_after_request(conn *c)
{
    if (c->quit || c->closing)
        return PROTO_PAUSE;
    if (over_limits(c)) {
        c->paused = 1; /* backpressure: resumed by conn_resume() */
        return PROTO_PAUSE;
    }
    return PROTO_CONTINUE;
}

static int on_line(void *arg, proto_event ev, const char *line, size_t len)
{
    conn *c = arg;

    if (ev == PROTO_EV_TOO_LONG) {
        c->s->requests++;
        c->s->met.line++;
        conn_reply_msg(c, JSON_ERR_LINE_TOO_LONG,
                       "request line longer than " STR(
                           PROTO_MAX_LINE) " bytes: ignored up to its end");
    } else {
        dispatch_line(c, line, len);
    }
    return conn_after_request(c);
}

/* The requests in p[0..n), in the connection's protocol: the bytes used. */
static size_t conn_parse(conn *c, const char *p, size_t n)
{
    return c->http ? http_feed(c, p, n) : proto_feed(&c->fr, p, n, on_line, c);
}

/* Frame p[0..n); what a pause leaves over is kept in c->pend, and reading
 * stops until the client's queue and output drain. */
static void conn_feed(conn *c, const char *p, size_t n)
{
    size_t used = conn_parse(c, p, n);
    char *keep;

    if (c->closing)
        return;
    if (c->quit) {
        conn_read_stop(c); /* what follows QUIT is dropped */
        return;
    }
    if (!c->paused)
        return;
    conn_read_stop(c);
    if (used == n)
        return;
    keep = malloc(n - used);
    if (keep == NULL) {
        server_warn(c->s, WARN_NOMEM, "out of memory: connection closed");
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
        size_t used = conn_parse(c, c->pend + c->pend_off, left);
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
    conn_read_start(c);
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
void conn_maybe_finish(conn *c)
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
        conn_read_start(c); /* on_read discards and closes at EOF */
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
        conn_mark_dirty(c);
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
void conn_flush(conn *c)
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
            server_warn(c->s, WARN_NOMEM, "out of memory: connection closed");
            conn_close(c);
            return;
        }
        slot_free(sl);
    }
    conn_write(c);
    conn_resume(c);
    conn_maybe_finish(c);
}

/* Write the answers of the connections marked dirty. */
static void flush_dirty(server *s)
{
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

/* Just before the loop polls. Answers made since the last check (a paused
 * client resumed by a write's callback, in the pending phase) go out now,
 * not after a poll that may block until the next timer; then the poll
 * phase opens, in which the loop may keep a search for itself. */
void conn_on_prepare(uv_prepare_t *h)
{
    server *s = h->data;

    flush_dirty(s);
    s->turn_open = 1;
}

/* After the poll phase: the search the loop kept, then every answer of
 * the turn, one write per connection. */
void conn_on_check(uv_check_t *h)
{
    server *s = h->data;

    s->turn_open = 0;
    dispatch_turn_end(s);
    flush_dirty(s);
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
        conn_read_stop(c);
        conn_maybe_finish(c);
        return;
    }
    c->last_ms = uv_now(&c->s->loop);
    if (c->lingering)
        return;
    conn_feed(c, b->base, (size_t)nread);
}

void conn_on_sweep(uv_timer_t *t)
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
        else if (c->http)
            http_sweep(c, now);
    }
}
