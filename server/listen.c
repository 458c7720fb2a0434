/* listen: the listening socket: accepting clients, refusing them with
 * "busy" past --max-connections, retrying after out of memory, and noticing
 * the file descriptor limit. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errmsg.h"
#include "common/json.h"
#include "server/server_int.h"

#define LISTEN_BACKLOG 1024 /* the kernel clamps it to somaxconn */
#define MAX_REJECTS 64      /* "busy" lines being written at once */
#define ACCEPT_RETRY_MS 100 /* out of memory at accept: try again then */

/* A client refused with "busy". */
typedef struct reject {
    uv_tcp_t tcp;
    uv_write_t wreq;
    server *s;
} reject;

static void on_connection(uv_stream_t *l, int status);

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

static void on_accept_retry(uv_timer_t *t)
{
    server *s = t->data;

    if (!s->stopping && s->retry_l != NULL)
        on_connection(s->retry_l, 0);
}

/* libuv stops watching the listener until the pending connection is
 * accepted: without memory for it, try again a little later. */
static void accept_later(server *s, uv_stream_t *l)
{
    s->retry_l = l;
    server_warn(s, WARN_NOMEM, "out of memory at accept: retrying");
    uv_timer_start(&s->accept_retry, on_accept_retry, ACCEPT_RETRY_MS, 0);
}

/* uv_accept() failing leaves the listener unwatched (libuv 1.44):
 * listening again re-arms it. */
static void accept_failed(server *s, uv_stream_t *l, int rc)
{
    char what[128];

    snprintf(what, sizeof what, "accept failed: %s", uv_strerror(rc));
    server_warn(s, WARN_ACCEPT, what);
    uv_listen(l, LISTEN_BACKLOG, on_connection);
}

static void refuse(server *s, uv_stream_t *l)
{
    reject *r = malloc(sizeof *r);
    uv_buf_t b;
    char what[128];
    int rc;

    if (r == NULL) {
        accept_later(s, l);
        return;
    }
    uv_tcp_init(&s->loop, &r->tcp);
    r->tcp.data = r->wreq.data = r;
    r->s = s;
    s->nrejects++;
    rc = uv_accept(l, (uv_stream_t *)&r->tcp);
    if (rc != 0) {
        uv_close((uv_handle_t *)&r->tcp, on_reject_close);
        accept_failed(s, l, rc);
        return;
    }
    snprintf(what, sizeof what, "busy: %llu connections open, refusing more",
             (unsigned long long)s->conn_open);
    server_warn(s, WARN_BUSY, what);
    /* Bounded: in a flood, the surplus is closed without a word. */
    b = l == (uv_stream_t *)&s->listener
            ? uv_buf_init(s->busy.data, (unsigned)s->busy.len)
            : uv_buf_init(s->http_busy.data, (unsigned)s->http_busy.len);
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
    server_warn(s, WARN_ACCEPT, what);
}

static void on_connection(uv_stream_t *l, int status)
{
    server *s = l->data;
    conn *c;
    int rc;

    if (status < 0) { /* EMFILE & co: libuv already dropped that one */
        char what[128];
        snprintf(what, sizeof what, "accept failed: %s", uv_strerror(status));
        server_warn(s, WARN_ACCEPT, what);
        return;
    }
    if (s->stopping)
        return;
    if (s->conn_open >= s->max_conn) {
        refuse(s, l);
        return;
    }
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        accept_later(s, l);
        return;
    }
    c->s = s;
    c->refs = 1; /* the handle */
    c->authed = s->password == NULL;
    buf_init(&c->out, BUF_MAX_LIMIT); /* bounded by the limits above */
    buf_init(&c->wout, BUF_MAX_LIMIT);
    proto_framer_init(&c->fr);
    if (l == (uv_stream_t *)&s->http_listener) {
        c->http = 1;
        c->authed = 1; /* HTTP checks each request's Authorization */
        c->hp = malloc(sizeof *c->hp);
        if (c->hp == NULL) {
            free(c);
            accept_later(s, l);
            return;
        }
        httpreq_init(c->hp);
    }
    uv_tcp_init(&s->loop, &c->tcp);
    c->tcp.data = c;
    s->nconn++;
    rc = uv_accept(l, (uv_stream_t *)&c->tcp);
    if (rc != 0) {
        c->closing = 1;
        uv_close((uv_handle_t *)&c->tcp, conn_on_close);
        accept_failed(s, l, rc);
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
    conn_read_start(c);
}

/* Bind and listen on host:port with tcp; addr gets the real address. */
static server_status listen_on(server *s, uv_tcp_t *tcp, const char *host,
                               unsigned cport, char *addr, size_t addrlen,
                               char *err, size_t n)
{
    struct sockaddr_storage ss;
    int len = sizeof ss, rc, v6 = strchr(host, ':') != NULL;
    char ip[48]; /* INET6_ADDRSTRLEN is 46 */
    unsigned port;

    if (v6)
        rc = uv_ip6_addr(host, (int)cport, (struct sockaddr_in6 *)&ss);
    else
        rc = uv_ip4_addr(host, (int)cport, (struct sockaddr_in *)&ss);
    if (rc != 0) {
        errmsg_set(err, n,
                   "bad listen address %s: an IPv4 or IPv6 address is "
                   "needed",
                   host);
        return SERVER_ERR_LISTEN;
    }
    uv_tcp_init(&s->loop, tcp);
    tcp->data = s;
    rc = uv_tcp_bind(tcp, (struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)tcp, LISTEN_BACKLOG, on_connection);
    if (rc == 0)
        rc = uv_tcp_getsockname(tcp, (struct sockaddr *)&ss, &len);
    if (rc != 0) {
        errmsg_set(err, n, "cannot listen on %s%s%s:%u: %s", v6 ? "[" : "",
                   host, v6 ? "]" : "", cport, uv_strerror(rc));
        return SERVER_ERR_LISTEN;
    }
    if (v6) {
        uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        snprintf(addr, addrlen, "[%s]:%u", ip, port);
    } else {
        uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        snprintf(addr, addrlen, "%s:%u", ip, port);
    }
    return SERVER_OK;
}

server_status listen_start(server *s, const server_config *cfg, char *err,
                           size_t n)
{
    static const char busy[] = "too many connections: try again later";
    server_status st;

    /* The one answer to a refused client, written as is to each. */
    buf_init(&s->busy, 256);
    if (json_error_line(&s->busy, JSON_ERR_BUSY, busy, sizeof busy - 1, NULL,
                        NULL, 0) != BUF_OK) {
        errmsg_set(err, n, "out of memory");
        return SERVER_ERR_NOMEM;
    }
    st = listen_on(s, &s->listener, cfg->host, cfg->port, s->addr,
                   sizeof s->addr, err, n);
    if (st != SERVER_OK || cfg->http_host == NULL)
        return st;
    st = listen_on(s, &s->http_listener, cfg->http_host, cfg->http_port,
                   s->http_addr, sizeof s->http_addr, err, n);
    if (st == SERVER_OK)
        s->http_on = 1;
    else
        uv_close((uv_handle_t *)&s->http_listener, NULL);
    return st;
}
