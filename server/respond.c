/* respond: HTTP responses (see respond.h). */
#include "server/respond.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/json.h"
#include "common/schema.h"
#include "server/page.h"

#define CSP                                                                    \
    "default-src 'none'; script-src 'self'; style-src 'self'; "                \
    "connect-src 'self'; img-src 'self'; form-action 'self'; "                 \
    "base-uri 'none'; frame-ancestors 'self'"

static const char *reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Internal Server Error";
    }
}

int respond_status_of(json_err e)
{
    switch (e) {
    case JSON_ERR_BAD_REQUEST:
        return 400;
    case JSON_ERR_NOT_FOUND:
        return 404;
    case JSON_ERR_UNAUTHORIZED:
        return 401;
    case JSON_ERR_METHOD:
        return 405;
    case JSON_ERR_REQUEST_TOO_LARGE:
        return 413;
    case JSON_ERR_BUSY:
    case JSON_ERR_SHARD_UNAVAILABLE:
        return 503;
    default:
        return 500;
    }
}

/* RFC 9110's IMF-fixdate, made once a second. */
static const char *http_date(server *s)
{
    time_t now = time(NULL);

    if ((int64_t)now != s->http_date_s) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(s->http_date, sizeof s->http_date, "%a, %d %b %Y %H:%M:%S GMT",
                 &tm);
        s->http_date_s = (int64_t)now;
    }
    return s->http_date;
}

/* The response r to the request h, appended to out. */
buf_status respond_build(server *s, const slot_http *h, const http_resp *r,
                         buf_t *out)
{
    int bad = 0;

    bad |= buf_printf(out, "HTTP/1.1 %d %s\r\nDate: %s\r\n", r->status,
                      reason(r->status), http_date(s)) != BUF_OK;
    if (r->type != NULL)
        bad |= buf_printf(out, "Content-Type: %s\r\nContent-Length: %zu\r\n",
                          r->type, r->len) != BUF_OK;
    else if (r->status != 304 && r->status != 204) /* RFC 9110 8.6 */
        bad |= buf_puts(out, "Content-Length: 0\r\n") != BUF_OK;
    if (r->etag != NULL)
        bad |= buf_printf(out, "ETag: %s\r\n", r->etag) != BUF_OK;
    if (r->keep)
        bad |=
            buf_printf(out, "Cache-Control: %s, max-age=%u\r\n",
                       h->authed ? "private" : "public", s->max_age) != BUF_OK;
    else if (r->status != 204)
        bad |= buf_puts(out, "Cache-Control: no-store\r\n") != BUF_OK;
    if (h->cors == 0)
        bad |= buf_puts(out, "Access-Control-Allow-Origin: *\r\n") != BUF_OK;
    else if (h->cors > 0)
        bad |= buf_printf(out, "Access-Control-Allow-Origin: %s\r\n",
                          s->cors[h->cors - 1]) != BUF_OK;
    if (s->ncors > 0)
        bad |= buf_puts(out, "Vary: Origin\r\n") != BUF_OK;
    bad |= buf_puts(out, "X-Content-Type-Options: nosniff\r\n") != BUF_OK;
    if (r->html)
        bad |= buf_puts(out, "Content-Security-Policy: " CSP
                             "\r\nReferrer-Policy: no-referrer\r\n") != BUF_OK;
    if (r->extra != NULL)
        bad |= buf_puts(out, r->extra) != BUF_OK;
    if (h->close)
        bad |= buf_puts(out, "Connection: close\r\n") != BUF_OK;
    else if (h->v10)
        bad |= buf_puts(out, "Connection: keep-alive\r\n") != BUF_OK;
    bad |= buf_puts(out, "\r\n") != BUF_OK;
    if (r->type != NULL && !h->head)
        bad |= buf_append(out, r->body, r->len) != BUF_OK;
    return bad ? BUF_ERR_NOMEM : BUF_OK;
}

/* Build r and queue it in request order; count it. */
void respond_send(conn *c, const slot_http *h, const http_resp *r)
{
    server *s = c->s;

    buf_reset(&s->http_out);
    if (respond_build(s, h, r, &s->http_out) != BUF_OK) {
        server_warn(s, WARN_NOMEM, "out of memory: connection closed");
        conn_close(c);
        return;
    }
    metrics_http(&s->met, (http_endpoint)h->endpoint, r->status);
    if (r->status >= 400)
        s->errors++;
    conn_reply(c, s->http_out.data, s->http_out.len);
    if (h->close)
        c->quit = 1; /* conn.c: read no more, close once written */
}

/* The search page's own error: the page, with the message where the
 * results would be (a visitor's browser shows it). 0, or -1 when it could
 * not be made (then the JSON error goes out). */
static int page_error(conn *c, const slot_http *h, int status, json_err e,
                      const char *msg, size_t msg_len, const char *extra)
{
    engine_result *res = calloc(1, sizeof *res);
    page_query pq = {"", 0, 1};
    buf_t b;
    http_resp r = {.status = status,
                   .type = "text/html; charset=utf-8",
                   .html = 1,
                   .extra = extra};
    int rc = -1;

    buf_init(&b, c->s->max_answer);
    if (res == NULL)
        goto out;
    res->error = e;
    if (msg_len >= sizeof res->message)
        msg_len = sizeof res->message - 1;
    memcpy(res->message, msg, msg_len);
    if (page_render(&b, &pq, res) != BUF_OK)
        goto out;
    r.body = b.data;
    r.len = b.len;
    respond_send(c, h, &r);
    rc = 0;
out:
    buf_free(&b);
    free(res);
    return rc;
}

void respond_error(conn *c, const slot_http *h, int status, json_err e,
                   const char *msg, size_t msg_len, const char *extra)
{
    static const char too_long[] = "answer too long";
    buf_t *b = &c->s->scratch;
    http_resp r = {.status = status,
                   .type = "application/json; charset=utf-8",
                   .extra = extra};

    if (h->endpoint == HTTP_EP_PAGE &&
        page_error(c, h, status, e, msg, msg_len, extra) == 0)
        return;
    buf_reset(b);
    if (json_error_line(b, e, msg, msg_len, NULL, NULL, 0) != BUF_OK)
        json_error_line(b, JSON_ERR_INTERNAL, too_long, sizeof too_long - 1,
                        NULL, NULL, 0);
    r.body = b->data;
    r.len = b->len;
    respond_send(c, h, &r);
}

void http_reply_error(conn *c, const slot_http *h, json_err e, const char *msg)
{
    respond_error(c, h, respond_status_of(e), e, msg, strlen(msg), NULL);
}

/* "prefix" + up to RESPOND_ECHO_MAX bytes of p + "\"": json_str() escapes it.
 */
void respond_echo(conn *c, const slot_http *h, int status, json_err e,
                  const char *prefix, const char *p, size_t len)
{
    char msg[256];
    int k = snprintf(msg, sizeof msg, "%s\"%.*s\"", prefix,
                     (int)(len > RESPOND_ECHO_MAX ? RESPOND_ECHO_MAX : len), p);

    respond_error(c, h, status, e, msg,
                  k < 0                     ? 0
                  : (size_t)k >= sizeof msg ? sizeof msg - 1
                                            : (size_t)k,
                  NULL);
}

/* ---- ETags ---- */

/* The request as the engine sees it (its cache key), and which
 * representation: the endpoint and the page. */
uint64_t respond_key_hash(const slot_http *h, const engine_request *er)
{
    char key[DISPATCH_KEY_MAX], rep[1 + sizeof h->page];
    size_t n = dispatch_request_key(er, key);

    rep[0] = (char)h->endpoint;
    memcpy(rep + 1, &h->page, sizeof h->page);
    return schema_hash_more(schema_hash(key, n), rep, sizeof rep);
}

/* Weak: the bytes differ in took_ms, the meaning does not. The index's
 * identity (its UUID's hash) and revision, then the request's hash: a
 * rebuilt index, whose revisions start again, never reuses a tag. */
void respond_etag(uint64_t index_id, uint64_t revision, uint64_t hash,
                  char out[RESPOND_TAG_MAX])
{
    snprintf(out, RESPOND_TAG_MAX, "W/\"%016llx-%llx-%016llx\"",
             (unsigned long long)index_id, (unsigned long long)revision,
             (unsigned long long)hash);
}

/* The tag of an answer of the index the watch sees now. */
void respond_index_etag(const server *s, uint64_t hash,
                        char out[RESPOND_TAG_MAX])
{
    respond_etag(s->index_id, s->watch_rev, hash, out);
}

/* If-None-Match holds tag (weak comparison), or "*" when star counts: not
 * for answers of the index, which may turn out to be errors (RFC 9110
 * 13.1.2: "*" is false without a current representation). */
int respond_etag_match(const char *v, size_t n, const char *tag, int star)
{
    const char *end = v + n, *opaque = tag + 2; /* tag without W/ */
    size_t olen = strlen(opaque);

    while (v < end) {
        const char *e;
        while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
            v++;
        e = memchr(v, ',', (size_t)(end - v));
        if (e == NULL)
            e = end;
        size_t k = (size_t)(e - v);
        while (k > 0 && (v[k - 1] == ' ' || v[k - 1] == '\t'))
            k--;
        if (k == 1 && v[0] == '*' && star)
            return 1;
        if (k >= 2 && v[0] == 'W' && v[1] == '/') {
            v += 2;
            k -= 2;
        }
        if (k == olen && memcmp(v, opaque, k) == 0)
            return 1;
        v = e;
    }
    return 0;
}

void respond_not_modified(conn *c, const slot_http *h, const char *tag)
{
    http_resp r = {.status = 304, .etag = tag, .keep = 1};
    respond_send(c, h, &r);
}

void http_reply_cached(conn *c, const slot_http *h, const char *body, size_t n)
{
    char tag[RESPOND_TAG_MAX];
    http_resp r = {.status = 200,
                   .type = "application/json; charset=utf-8",
                   .body = body,
                   .len = n,
                   .etag = c->s->watch_ok ? tag : NULL,
                   .keep = 1};

    /* the cache holds answers of the current revision only (watch.c) */
    respond_index_etag(c->s, h->key_hash, tag);
    respond_send(c, h, &r);
}

/* A body that depends on nothing but the build (assets, the empty page):
 * its ETag is its content's hash; If-None-Match gets a 304. */
void respond_static(conn *c, const slot_http *h, const httpreq *r,
                    const http_resp *body)
{
    char tag[RESPOND_TAG_MAX];
    http_resp rs = *body;

    respond_etag(0, 0, schema_hash(rs.body, rs.len), tag);
    rs.etag = tag;
    rs.keep = 1;
    if (r->hv[HTTPREQ_H_IF_NONE_MATCH] != NULL &&
        respond_etag_match(r->hv[HTTPREQ_H_IF_NONE_MATCH],
                           r->hv_len[HTTPREQ_H_IF_NONE_MATCH], tag, 1)) {
        respond_not_modified(c, h, tag);
        return;
    }
    respond_send(c, h, &rs);
}
