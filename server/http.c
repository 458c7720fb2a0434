/* http: the HTTP/1.1 front end (docs/HTTP.md). Requests come from
 * httpreq (http_parser + limits); each becomes the same typed engine
 * request the line protocol makes (the verb table's options and bounds),
 * goes through the same cache and workers in request order (dispatch.c,
 * conn.c), and its answer is the renderer's JSON line, byte for byte, in
 * an HTTP response. The search page, its assets, /health and /metrics are
 * HTTP's own. Loop thread only, except http_render() (worker). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/errmsg.h"
#include "common/json.h"
#include "server/assets.h"
#include "server/page.h"
#include "server/qstr.h"
#include "server/respond.h"
#include "server/server_int.h"
#include "server/verbs.h"

#define HTTP_KEEPALIVE_MS (HTTP_KEEPALIVE_S * 1000)
#define HTTP_HEAD_MS (HTTP_HEAD_S * 1000)
#define NAME_MAX_ 64 /* a parameter name we echo or compare */
#define CORS_MAX 126 /* origins of --http-cors (slot_http.cors) */
/* A plain number macro as a string literal, for messages built at compile
 * time. */
#define STR_(x) #x
#define STR(x) STR_(x)
#define NEED_AUTH "an Authorization: Bearer PASSWORD header is needed"
#define WWW_AUTH "WWW-Authenticate: Bearer realm=\"cglu-search\"\r\n"
/* The page when page_render() itself failed (out of memory). */
#define PAGE_FAILED                                                            \
    "<!DOCTYPE html><html lang=\"fr\"><title>Erreur</title><p>La page de "     \
    "résultats n'a pas pu être produite.</p></html>\n"

/* ---- Set-up ---- */

static void free_cors(server *s)
{
    for (size_t i = 0; i < s->ncors; i++)
        free(s->cors[i]);
    free(s->cors);
    s->cors = NULL;
    s->ncors = 0;
}

/* "*", "none" or "https://a.org,https://b.org" (blanks around commas and
 * trailing slashes ignored: an Origin never has one). */
static server_status parse_cors(server *s, const char *spec, char *err,
                                size_t n)
{
    const char *p = spec;

    if (spec == NULL || strcmp(spec, "*") == 0) {
        s->cors_any = 1;
        return SERVER_OK;
    }
    if (strcmp(spec, "none") == 0)
        return SERVER_OK;
    while (*p != '\0') {
        const char *e = strchr(p, ',');
        size_t len;
        char **grown;
        if (e == NULL)
            e = p + strlen(p);
        while (p < e && (*p == ' ' || *p == '\t'))
            p++;
        len = (size_t)(e - p);
        while (len > 0 &&
               (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '/'))
            len--;
        if (len == 0 || memchr(p, '*', len) != NULL ||
            (strncmp(p, "http://", 7) != 0 && strncmp(p, "https://", 8) != 0)) {
            errmsg_set(err, n,
                       "--http-cors: \"%.*s\" is not an origin (like "
                       "https://www.example.org), \"*\" or \"none\"",
                       (int)(len > RESPOND_ECHO_MAX ? RESPOND_ECHO_MAX : len),
                       p);
            return SERVER_ERR_CONFIG;
        }
        if (s->ncors == CORS_MAX) {
            errmsg_set(err, n, "--http-cors: at most %d origins", CORS_MAX);
            return SERVER_ERR_CONFIG;
        }
        grown = realloc(s->cors, (s->ncors + 1) * sizeof *grown);
        if (grown == NULL)
            return SERVER_ERR_NOMEM;
        s->cors = grown;
        s->cors[s->ncors] = strndup(p, len);
        if (s->cors[s->ncors] == NULL)
            return SERVER_ERR_NOMEM;
        s->ncors++;
        p = *e ? e + 1 : e;
    }
    return SERVER_OK;
}

server_status http_setup(server *s, const server_config *cfg, char *err,
                         size_t n)
{
    static const char busy[] = "too many connections: try again later";
    buf_t body;
    int bad = 0;
    server_status st;

    s->max_age = cfg->http_max_age;
    if (cfg->http_host == NULL)
        return SERVER_OK;
    st = parse_cors(s, cfg->http_cors, err, n);
    if (st != SERVER_OK)
        return st;
    s->hq_text = calloc(1, HTTPREQ_MAX_URL);
    s->hq_val = calloc(1, HTTPREQ_MAX_URL);
    if (s->hq_text == NULL || s->hq_val == NULL)
        return SERVER_ERR_NOMEM;
    buf_init(&s->http_out, s->max_answer + RESPOND_HEAD_MAX);
    /* The one answer to a refused client, written as is to each. */
    buf_init(&body, 256);
    buf_init(&s->http_busy, 1024);
    bad |= json_error_line(&body, JSON_ERR_BUSY, busy, sizeof busy - 1, NULL,
                           NULL, 0) != BUF_OK;
    bad |= buf_printf(&s->http_busy,
                      "HTTP/1.1 503 Service Unavailable\r\n"
                      "Content-Type: application/json; charset=utf-8\r\n"
                      "Content-Length: %zu\r\nCache-Control: no-store\r\n"
                      "Retry-After: 1\r\nX-Content-Type-Options: nosniff\r\n"
                      "Connection: close\r\n\r\n",
                      body.len) != BUF_OK;
    bad |= buf_append(&s->http_busy, body.data, body.len) != BUF_OK;
    buf_free(&body);
    return bad ? SERVER_ERR_NOMEM : SERVER_OK;
}

void http_teardown(server *s)
{
    free_cors(s);
    free(s->hq_text);
    free(s->hq_val);
    s->hq_text = s->hq_val = NULL;
    buf_free(&s->http_out);
    buf_free(&s->http_busy);
}

/* ---- Answers of the engine ---- */

void http_render(const slot *sl, const engine_result *res, buf_t *out,
                 render_info *ri)
{
    size_t start = out->len;

    switch (sl->http.endpoint) {
    case HTTP_EP_PAGE: {
        page_query pq = {sl->req.text, sl->req.text_len, sl->http.page};
        memset(ri, 0, sizeof *ri);
        ri->ok = res->ok;
        ri->error = res->error;
        ri->total = res->ok ? res->total : 0;
        ri->took_ms = res->ok ? res->took_ms : 0;
        if (page_render_filtered(out, &pq, &sl->req.filter, res) != BUF_OK) {
            buf_truncate(out, start);
            ri->ok = 0;
            ri->error = JSON_ERR_TOO_LARGE;
            buf_puts(out, PAGE_FAILED);
        }
        return;
    }
    case HTTP_EP_HEALTH:
        memset(ri, 0, sizeof *ri);
        ri->ok = res->ok && res->current;
        /* a down shard: searches fail, unless the daemon answers
         * without it (--allow-partial); the shards' states say which */
        if (ri->ok && res->partial && !sl->c->s->allow_partial) {
            char msg[ENGINE_MESSAGE_MAX] = "a shard of the index is down";
            for (size_t k = 0; k < res->nshards; k++)
                if (!res->shards[k].up) {
                    snprintf(msg, sizeof msg, "shard %.*s is unavailable: %.*s",
                             (int)res->shards[k].name.len,
                             res->store.data + res->shards[k].name.off,
                             (int)res->shards[k].why.len,
                             res->store.data + res->shards[k].why.off);
                    break;
                }
            ri->ok = 0;
            ri->error = JSON_ERR_SHARD_UNAVAILABLE;
            render_error(out, JSON_ERR_SHARD_UNAVAILABLE, msg);
            return;
        }
        if (ri->ok) {
            buf_printf(out,
                       "{\"ok\":true,\"revision\":%llu,\"index_age_s\":%lld,"
                       "\"documents\":%llu",
                       (unsigned long long)res->revision,
                       (long long)res->index_age_s,
                       (unsigned long long)res->documents);
            render_shards(out, res);
            buf_puts(out, "}\n");
        } else {
            ri->error = JSON_ERR_INTERNAL;
            render_error(out, JSON_ERR_INTERNAL,
                         res->ok ? "the index could not be reopened"
                                 : res->message);
        }
        return;
    case HTTP_EP_METRICS:
        memset(ri, 0, sizeof *ri);
        ri->ok = 1; /* cglu_index_up 0 says a failure */
        metrics_render_index(res, out);
        return;
    default:
        render_result(res, sl->req.op == ENGINE_STATS ? &sl->figures : NULL,
                      out, ri);
        return;
    }
}

/* Loop thread: sl->out holds the body; make it the whole response. */
void http_finish(conn *c, slot *sl)
{
    server *s = c->s;
    slot_http *h = &sl->http;
    char tag[RESPOND_TAG_MAX];
    http_resp r = {.status = 200, .type = "application/json; charset=utf-8"};
    buf_t body = sl->out;

    if (h->endpoint == HTTP_EP_METRICS) {
        /* the index's part came from the worker; the counters are the
         * loop's own, read now */
        render_figures f;
        server_figures(s, &f);
        if (metrics_render(&s->met, &f, &body) != BUF_OK) {
            buf_reset(&body);
            render_error(&body, JSON_ERR_TOO_LARGE, ENGINE_TOO_LARGE_MSG);
            sl->rinfo.ok = 0;
            sl->rinfo.error = JSON_ERR_TOO_LARGE;
            s->errors++; /* after_work_cb counted it as a success */
        } else {
            r.type = "text/plain; version=0.0.4; charset=utf-8";
        }
    }
    if (!sl->rinfo.ok) {
        r.status = h->endpoint == HTTP_EP_HEALTH
                       ? 503
                       : respond_status_of(sl->rinfo.error);
    } else if (h->endpoint == HTTP_EP_SEARCH ||
               h->endpoint == HTTP_EP_SUGGEST || h->endpoint == HTTP_EP_DOC ||
               h->endpoint == HTTP_EP_PAGE) {
        /* an answer without a down shard is kept by no cache */
        r.keep = !sl->partial;
        /* tagged only when computed on the revision the watch sees: a
         * tag must never name an answer of another revision */
        if (r.keep && s->watch_ok && sl->revision == s->watch_rev) {
            respond_index_etag(s, h->key_hash, tag);
            r.etag = tag;
        }
    }
    if (s->stopping)
        h->close = 1; /* the daemon closes it after this answer */
    if (h->endpoint == HTTP_EP_PAGE) { /* HTML, errors included */
        r.type = "text/html; charset=utf-8";
        r.html = 1;
    }
    r.body = body.data;
    r.len = body.len;
    sl->out = body; /* metrics may have grown it */
    buf_reset(&s->http_out);
    if (respond_build(s, h, &r, &s->http_out) != BUF_OK) {
        buf_reset(&sl->out);
        server_warn(s, WARN_NOMEM, "out of memory: connection closed");
        conn_close(c);
        return;
    }
    metrics_http(&s->met, (http_endpoint)h->endpoint, r.status);
    /* swap: the slot takes the response, the server keeps the body's
     * memory for its next response */
    buf_t t = sl->out;
    sl->out = s->http_out;
    s->http_out = t;
    s->http_out.max = sl->out.max;
    if (h->close)
        c->quit = 1;
}

/* ---- Requests ---- */

typedef struct route {
    const char *path;
    http_endpoint ep;
    const char *verb; /* the verb whose options the parameters are */
    const char *text; /* the parameter that is the verb's argument */
    int cacheable;    /* SEARCH: the answer cache */
} route;

static const route routes[] = {
    {"/search", HTTP_EP_SEARCH, "SEARCH", "q", 1},
    {"/suggest", HTTP_EP_SUGGEST, "SUGGEST", "q", 0},
    {"/doc", HTTP_EP_DOC, "DOC", "id", 0},
    {"/stats", HTTP_EP_STATS, "STATS", NULL, 0},
    {"/health", HTTP_EP_HEALTH, "STATS", NULL, 0},
    {"/metrics", HTTP_EP_METRICS, "STATS", NULL, 0},
    {"/", HTTP_EP_PAGE, "SEARCH", "q", 0},
};

static const route *route_of(const char *p, size_t n)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strlen(routes[i].path) == n && memcmp(routes[i].path, p, n) == 0)
            return &routes[i];
    return NULL;
}

static int eq(const char *p, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(p, lit, n) == 0;
}

/* CORS: -1 no header, 0 "*", k the k-th allowed origin. */
static signed char cors_of(const server *s, const httpreq *r)
{
    const char *o = r->hv[HTTPREQ_H_ORIGIN];
    size_t n = r->hv_len[HTTPREQ_H_ORIGIN];

    if (o == NULL)
        return s->cors_any ? 0 : -1;
    if (s->cors_any)
        return 0;
    for (size_t i = 0; i < s->ncors && i < 126; i++)
        if (eq(o, n, s->cors[i]))
            return (signed char)(i + 1);
    return -1;
}

/* Authorization: Bearer PASSWORD (scheme case-insensitive, RFC 9110). */
static int authorized(const server *s, const httpreq *r)
{
    const char *v = r->hv[HTTPREQ_H_AUTHORIZATION];
    size_t n = r->hv_len[HTTPREQ_H_AUTHORIZATION];

    if (s->password == NULL)
        return 1;
    if (v == NULL || n < 7 || !proto_eq_nocase(v, 6, "bearer") || v[6] != ' ')
        return 0;
    v += 7;
    n -= 7;
    while (n > 0 && *v == ' ') {
        v++;
        n--;
    }
    return dispatch_password_ok(s, v, n);
}

static void options(conn *c, const slot_http *h, const httpreq *r)
{
    char extra[256];

    if (h->cors >= 0 && r->hv[HTTPREQ_H_ACR_METHOD] != NULL)
        snprintf(extra, sizeof extra,
                 "Allow: " RESPOND_ALLOW "\r\n"
                 "Access-Control-Allow-Methods: " RESPOND_ALLOW "\r\n"
                 "Access-Control-Allow-Headers: Authorization\r\n"
                 "Access-Control-Max-Age: 86400\r\n");
    else
        snprintf(extra, sizeof extra, "Allow: " RESPOND_ALLOW "\r\n");
    http_resp rs = {.status = 204, .extra = extra};
    respond_send(c, h, &rs);
}

static void asset(conn *c, const slot_http *h, const httpreq *r,
                  const web_asset *a)
{
    http_resp rs = {.status = 200,
                    .type = a->type,
                    .body = (const char *)a->data,
                    .len = a->len};

    respond_static(c, h, r, &rs);
}

/* The page without a query: rendered here, on the loop (no index). */
static void empty_page(conn *c, const slot_http *h, const httpreq *r)
{
    server *s = c->s;
    page_query pq = {"", 0, 1};
    buf_t b;
    http_resp rs = {
        .status = 200, .type = "text/html; charset=utf-8", .html = 1};

    buf_init(&b, s->max_answer);
    if (page_render(&b, &pq, NULL) != BUF_OK) {
        buf_free(&b);
        http_reply_error(c, h, JSON_ERR_INTERNAL, "out of memory");
        return;
    }
    rs.body = b.data;
    rs.len = b.len;
    respond_static(c, h, r, &rs);
    buf_free(&b);
}

/* The line protocol's message for the same mistake: "unknown option for
 * SEARCH: \"sort\"", "option given twice for SEARCH: \"limit\"". */
static void bad_param(conn *c, const slot_http *h, proto_status st,
                      const verb_def *d, const char *name, size_t nlen)
{
    char pre[64];

    snprintf(pre, sizeof pre, "%s for %s: ", proto_strerror(st), d->name);
    respond_echo(c, h, 400, JSON_ERR_BAD_REQUEST, pre, name, nlen);
}

/* The verb's options the page reads: its filters (page.h), not the
 * numbers it sets itself, nor the facets it always asks for. */
static int page_opt(const verb_opt *o)
{
    return o->filter &&
           (strcmp(o->name, "lang") == 0 || strcmp(o->name, "section") == 0 ||
            strcmp(o->name, "sort") == 0);
}

/* Read r's query string into er (and h->page for the page). Returns 0, or
 * -1 after answering the error (for the page, the page itself shows it). */
static int read_params(conn *c, slot_http *h, const route *rt,
                       const verb_def *d, const httpreq *r, engine_request *er)
{
    server *s = c->s;
    char name[NAME_MAX_], msg[256];
    size_t nlen, vlen;
    qstr_iter it;
    qstr_status st;
    unsigned seen = 0; /* bit i: option i; bit 31: the text; bit 30: page */
    int page = h->endpoint == HTTP_EP_PAGE;

    verbs_defaults(d, er);
    er->text = s->hq_text;
    er->text_len = 0;
    if (page) {
        er->limit = PAGE_SIZE;
        h->page = 1;
    }
    qstr_init(&it, r->query, r->query ? r->query_len : 0);
    while ((st = qstr_next(&it, name, sizeof name, &nlen, s->hq_val,
                           HTTPREQ_MAX_URL, &vlen)) != QSTR_END) {
        const verb_opt *o = NULL;
        unsigned bit;
        if (st == QSTR_ERR_TOO_BIG && page)
            continue; /* a name the page does not know, long at that */
        if (st == QSTR_ERR_TOO_BIG) { /* values have the URL's room */
            char m2[128];
            snprintf(m2, sizeof m2,
                     "unknown option for %s: a name of more than %d bytes",
                     d->name, NAME_MAX_ - 1);
            respond_error(c, h, 400, JSON_ERR_BAD_REQUEST, m2, strlen(m2),
                          NULL);
            return -1;
        }
        if (st != QSTR_OK) {
            snprintf(msg, sizeof msg, "bad query string: %s",
                     qstr_strerror(st));
            respond_error(c, h, 400, JSON_ERR_BAD_REQUEST, msg, strlen(msg),
                          NULL);
            return -1;
        }
        if (rt->text != NULL && eq(name, nlen, rt->text)) {
            bit = 1u << 31;
            memcpy(s->hq_text, s->hq_val, vlen);
            er->text_len = vlen;
        } else if (page && eq(name, nlen, "page")) {
            uint64_t v;
            bit = 1u << 30;
            if (proto_uint(s->hq_val, vlen, 1, PAGE_MAX, &v) != PROTO_OK) {
                snprintf(msg, sizeof msg,
                         "parameter page takes a whole number from 1 to %d",
                         PAGE_MAX);
                respond_error(c, h, 400, JSON_ERR_BAD_REQUEST, msg, strlen(msg),
                              NULL);
                return -1;
            }
            h->page = (uint32_t)v;
        } else if ((o = verbs_opt_find(d, name, nlen)) != NULL &&
                   eq(name, nlen, o->name) && (!page || page_opt(o))) {
            bit = 1u << (o - d->opts);
            /* the page: an empty value is no filter (a form's "any") */
            if ((!page || vlen > 0) &&
                verbs_opt_set(o, s->hq_val, vlen, er, msg, sizeof msg) != 0) {
                respond_error(c, h, 400, JSON_ERR_BAD_REQUEST, msg, strlen(msg),
                              NULL);
                return -1;
            }
        } else if (page) {
            continue; /* a page's link may carry anything (utm_...) */
        } else {
            bad_param(c, h, PROTO_ERR_OPT_UNKNOWN, d, name, nlen);
            return -1;
        }
        if (seen & bit) {
            bad_param(c, h, PROTO_ERR_OPT_DUP, d, name, nlen);
            return -1;
        }
        seen |= bit;
    }
    if (page) {
        er->offset = (h->page - 1) * PAGE_SIZE;
        /* the chips' counts, over every match */
        er->filter.facets = FILTER_FACET_LANG | FILTER_FACET_SECTION;
    }
    return 0;
}

static void route_request(conn *c, slot_http *h, const httpreq *r)
{
    server *s = c->s;
    const route *rt = route_of(r->path, r->path_len);
    const web_asset *a = NULL;
    const verb_def *d;
    engine_request er = {0};

    if (rt == NULL)
        a = assets_find(r->path, r->path_len);
    h->endpoint = rt ? rt->ep : a ? HTTP_EP_ASSET : HTTP_EP_OTHER;
    if (rt == NULL && a == NULL && eq(r->path, r->path_len, "/favicon.ico")) {
        /* browsers ask for it on every visit: no icon, and no error */
        http_resp rs = {.status = 204, .keep = 1};
        h->endpoint = HTTP_EP_ASSET;
        respond_send(c, h, &rs);
        return;
    }
    if (rt == NULL && a == NULL) {
        respond_echo(c, h, 404, JSON_ERR_NOT_FOUND,
                     "no such endpoint: ", r->path, r->path_len);
        return;
    }
    if (r->method == HTTPREQ_OPTIONS) {
        options(c, h, r);
        return;
    }
    if (a != NULL) {
        asset(c, h, r, a);
        return;
    }
    /* The API needs the password before anything is read; the page only
     * once it is asked to search, /health never. */
    if (rt->ep != HTTP_EP_HEALTH && rt->ep != HTTP_EP_PAGE &&
        !authorized(s, r)) {
        respond_error(c, h, 401, JSON_ERR_UNAUTHORIZED, NEED_AUTH,
                      sizeof NEED_AUTH - 1, WWW_AUTH);
        return;
    }
    d = verbs_find(rt->verb, strlen(rt->verb));
    if (read_params(c, h, rt, d, r, &er) != 0)
        return;
    if (rt->ep == HTTP_EP_PAGE && er.text_len == 0) {
        empty_page(c, h, r);
        return;
    }
    if (rt->ep == HTTP_EP_PAGE && !authorized(s, r)) {
        respond_error(c, h, 401, JSON_ERR_UNAUTHORIZED, NEED_AUTH,
                      sizeof NEED_AUTH - 1, WWW_AUTH);
        return;
    }
    /* an answer behind the password: no shared cache may keep it */
    h->authed = s->password != NULL && rt->ep != HTTP_EP_HEALTH;
    h->key_hash = respond_key_hash(h, &er);
    if ((rt->ep == HTTP_EP_SEARCH || rt->ep == HTTP_EP_SUGGEST ||
         rt->ep == HTTP_EP_DOC || rt->ep == HTTP_EP_PAGE) &&
        s->watch_ok && r->hv[HTTPREQ_H_IF_NONE_MATCH] != NULL) {
        char tag[RESPOND_TAG_MAX];
        respond_index_etag(s, h->key_hash, tag);
        if (respond_etag_match(r->hv[HTTPREQ_H_IF_NONE_MATCH],
                               r->hv_len[HTTPREQ_H_IF_NONE_MATCH], tag, 0)) {
            respond_not_modified(c, h, tag);
            return;
        }
    }
    dispatch_engine(c, &er, rt->cacheable, h);
}

static void request_error(conn *c, slot_http *h, const httpreq *r)
{
    static const struct {
        httpreq_error e;
        int status;
        json_err je;
        const char *msg;
    } errs[] = {
        {HTTPREQ_BAD, 400, JSON_ERR_BAD_REQUEST, "malformed HTTP request"},
        {HTTPREQ_METHOD, 405, JSON_ERR_METHOD,
         "only GET, HEAD and OPTIONS are served"},
        {HTTPREQ_BODY, 413, JSON_ERR_REQUEST_TOO_LARGE,
         "a request body is never accepted"},
        {HTTPREQ_URL, 414, JSON_ERR_REQUEST_TOO_LARGE,
         "URL longer than " STR(HTTPREQ_MAX_URL) " bytes"},
        {HTTPREQ_HEAD, 431, JSON_ERR_REQUEST_TOO_LARGE,
         "request head over " STR(HTTPREQ_MAX_HEAD) " bytes or " STR(
             HTTPREQ_MAX_HEADERS) " header lines"},
        {HTTPREQ_VERSION, 505, JSON_ERR_BAD_REQUEST,
         "only HTTP/1.0 and HTTP/1.1 are served"},
    };

    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++)
        if (errs[i].e == r->error) {
            respond_error(c, h, errs[i].status, errs[i].je, errs[i].msg,
                          strlen(errs[i].msg),
                          errs[i].status == 405 ? "Allow: " RESPOND_ALLOW "\r\n"
                                                : NULL);
            return;
        }
}

static int on_request(void *ud, const httpreq *r)
{
    conn *c = ud;
    server *s = c->s;
    slot_http h = {.on = 1,
                   .endpoint = HTTP_EP_OTHER,
                   .head = r->method == HTTPREQ_HEAD_M,
                   .close = !r->keep_alive || r->error != HTTPREQ_FINE ||
                            s->stopping,
                   .v10 = r->major == 1 && r->minor == 0 && r->keep_alive,
                   .cors = cors_of(s, r)};

    c->head_ms = 0;
    s->requests++;
    if (r->error != HTTPREQ_FINE)
        request_error(c, &h, r);
    else
        route_request(c, &h, r);
    if (h.close)
        c->quit = 1; /* its answer is the last: what follows is not read */
    return conn_after_request(c) == PROTO_PAUSE;
}

size_t http_feed(conn *c, const char *p, size_t n)
{
    uint64_t now = uv_now(&c->s->loop);
    size_t used;

    /* Any byte starts the clock of a request head (blank lines before a
     * request included); each whole request stops it (on_request). */
    if (c->head_ms == 0 && n > 0)
        c->head_ms = now;
    used = httpreq_feed(c->hp, p, n, on_request, c);
    if (httpreq_pending(c->hp) && c->head_ms == 0)
        c->head_ms = now; /* a request ended and another began */
    return used;
}

/* Keep-alive idleness and slow request heads (slowloris). */
void http_sweep(conn *c, uint64_t now)
{
    if (c->closing || c->lingering || c->head != NULL || c->writing)
        return;
    if (c->head_ms != 0) {
        if (now - c->head_ms >= HTTP_HEAD_MS)
            conn_close(c);
    } else if (now - c->last_ms >= HTTP_KEEPALIVE_MS) {
        conn_close(c);
    }
}
