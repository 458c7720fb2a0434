/* httpreq: HTTP/1.x request framing over http_parser (see httpreq.h).
 *
 * http_parser calls back with pieces of the URL and of header names and
 * values as they arrive, possibly split across reads: the URL and the
 * values of the few headers the daemon reads are copied into the parser's
 * own buffer, bounded by the limits. A request is delivered outside the
 * parser's callbacks: on_message_complete pauses the parser, and the
 * request goes to the caller once http_parser_execute() has returned. */
#include "server/httpreq.h"

#include <string.h>
#include <strings.h>

/* The headers kept, by lower-case name, in HTTPREQ_H_* order. */
static const char *const kept_names[HTTPREQ_H_KEPT] = {
    "authorization",
    "if-none-match",
    "origin",
    "access-control-request-method",
};

#define HEADER_OVERHEAD 4 /* ": " and CRLF of a header line */

static httpreq_parser *of(http_parser *p)
{
    return p->data;
}

/* Stop with e: the callback's non-zero return makes http_parser stop; the
 * request is delivered with its error by httpreq_feed(). */
static int fail(httpreq_parser *hp, httpreq_error e)
{
    if (hp->req.error == HTTPREQ_FINE)
        hp->req.error = e;
    return -1;
}

static int on_begin(http_parser *p)
{
    httpreq_parser *hp = of(p);

    memset(&hp->req, 0, sizeof hp->req);
    memset(hp->kept, 0, sizeof hp->kept);
    hp->in_head = 1;
    hp->cur = -1;
    hp->in_value = 0;
    hp->head_bytes = 0;
    hp->nheaders = 0;
    hp->name_len = 0;
    hp->url_len = 0;
    hp->len = 0;
    return 0;
}

static int count_head(httpreq_parser *hp, size_t n);

static int on_url(http_parser *p, const char *at, size_t n)
{
    httpreq_parser *hp = of(p);

    if (n > HTTPREQ_MAX_URL - hp->url_len)
        return fail(hp, HTTPREQ_URL);
    /* The request line counts in the head too (docs/HTTP.md): the method
     * is known before the URL; then " ", " HTTP/1.1", CRLF, and the CRLF
     * that ends the head. */
    if (hp->url_len == 0 &&
        count_head(hp, strlen(http_method_str(p->method)) + 1 + 9 + 2 + 2) != 0)
        return -1;
    if (count_head(hp, n) != 0)
        return -1;
    /* the URL comes first, so it is buf[0 .. url_len) */
    memcpy(hp->buf + hp->len, at, n);
    hp->len += n;
    hp->url_len += n;
    return 0;
}

static int count_head(httpreq_parser *hp, size_t n)
{
    if (n > HTTPREQ_MAX_HEAD - hp->head_bytes)
        return fail(hp, HTTPREQ_HEAD);
    hp->head_bytes += n;
    return 0;
}

static int on_field(http_parser *p, const char *at, size_t n)
{
    httpreq_parser *hp = of(p);

    if (hp->in_value || hp->nheaders == 0) { /* a new header line */
        if (hp->nheaders == HTTPREQ_MAX_HEADERS)
            return fail(hp, HTTPREQ_HEAD);
        hp->nheaders++;
        hp->in_value = 0;
        hp->name_len = 0;
        hp->cur = -1;
        if (count_head(hp, HEADER_OVERHEAD) != 0)
            return -1;
    }
    if (count_head(hp, n) != 0)
        return -1;
    /* http_parser lets a space into a name unless built strict; RFC 9112
     * 5.1 wants such a request refused */
    if (memchr(at, ' ', n) != NULL || memchr(at, '\t', n) != NULL)
        return fail(hp, HTTPREQ_BAD);
    if (n < sizeof hp->name - hp->name_len) {
        memcpy(hp->name + hp->name_len, at, n);
        hp->name_len += n;
    } else {
        hp->name_len = sizeof hp->name; /* too long to be one of ours */
    }
    return 0;
}

/* RFC 9110 5.5: a field value holds no control byte but HTAB. Debian's
 * http_parser does not look at a value's first byte. */
static int value_ok(const char *at, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)at[i];
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return 0;
    }
    return 1;
}

static int on_value(http_parser *p, const char *at, size_t n)
{
    httpreq_parser *hp = of(p);

    if (count_head(hp, n) != 0)
        return -1;
    if (!value_ok(at, n))
        return fail(hp, HTTPREQ_BAD);
    if (!hp->in_value) { /* the first piece of this value: whose is it? */
        hp->in_value = 1;
        hp->cur = -1;
        for (int i = 0; i < HTTPREQ_H_KEPT; i++)
            if (hp->name_len == strlen(kept_names[i]) &&
                strncasecmp(hp->name, kept_names[i], hp->name_len) == 0)
                hp->cur = i;
        if (hp->cur >= 0) {
            httpreq_span *k = &hp->kept[hp->cur];
            /* A header sent twice: its values joined by ", " (RFC 9110
             * 5.3), so a repeated Authorization never matches. */
            if (k->present) {
                if (k->off + k->len != hp->len) {
                    /* another header came between: move the value
                     * so far to the end, where this one continues it */
                    if (k->len + 2 > sizeof hp->buf - hp->len)
                        return fail(hp, HTTPREQ_HEAD);
                    memmove(hp->buf + hp->len, hp->buf + k->off, k->len);
                    k->off = hp->len;
                    hp->len += k->len;
                }
                if (2 > sizeof hp->buf - hp->len)
                    return fail(hp, HTTPREQ_HEAD);
                memcpy(hp->buf + hp->len, ", ", 2);
                hp->len += 2;
                k->len += 2;
            } else {
                k->present = 1;
                k->off = hp->len;
            }
        }
    }
    if (hp->cur >= 0) {
        /* head_bytes bounds the values, except for the moves above */
        if (n > sizeof hp->buf - hp->len)
            return fail(hp, HTTPREQ_HEAD);
        memcpy(hp->buf + hp->len, at, n);
        hp->len += n;
        hp->kept[hp->cur].len += n;
    }
    return 0;
}

static httpreq_method method_of(unsigned m)
{
    switch (m) {
    case HTTP_GET:
        return HTTPREQ_GET;
    case HTTP_HEAD:
        return HTTPREQ_HEAD_M;
    case HTTP_OPTIONS:
        return HTTPREQ_OPTIONS;
    default:
        return HTTPREQ_OTHER;
    }
}

/* Split buf[0..url_len) into path and query; an absolute-form target
 * ("http://host/path") keeps only its path. */
static void split_url(httpreq_parser *hp)
{
    httpreq *r = &hp->req;
    const char *u = hp->buf, *end = hp->buf + hp->url_len, *q, *h;

    if (hp->url_len > 0 && u[0] != '/') {
        /* "scheme://authority" ends at the first "/", "?" or "#" */
        const char *s = memchr(u, '/', hp->url_len);
        if (s != NULL && s + 1 < end && s[1] == '/') {
            const char *a = s + 2;
            while (a < end && *a != '/' && *a != '?' && *a != '#')
                a++;
            u = a;
        }
    }
    h = memchr(u, '#', (size_t)(end - u));
    if (h != NULL)
        end = h;
    q = memchr(u, '?', (size_t)(end - u));
    r->path = u;
    r->path_len = (size_t)((q ? q : end) - u);
    if (q != NULL) {
        r->query = q + 1;
        r->query_len = (size_t)(end - q - 1);
    }
}

static int on_headers_complete(http_parser *p)
{
    httpreq_parser *hp = of(p);
    httpreq *r = &hp->req;

    r->method = method_of(p->method);
    r->major = p->http_major;
    r->minor = p->http_minor;
    r->keep_alive = http_should_keep_alive(p);
    split_url(hp);
    for (int i = 0; i < HTTPREQ_H_KEPT; i++)
        if (hp->kept[i].present) {
            size_t n = hp->kept[i].len;
            r->hv[i] = hp->buf + hp->kept[i].off;
            /* http_parser drops the blanks before a value, not after */
            while (n > 0 && (r->hv[i][n - 1] == ' ' || r->hv[i][n - 1] == '\t'))
                n--;
            r->hv_len[i] = n;
        }
    if (r->major != 1)
        return fail(hp, HTTPREQ_VERSION);
    if (r->method == HTTPREQ_OTHER)
        return fail(hp, HTTPREQ_METHOD);
    if ((p->flags & F_CHUNKED) ||
        ((p->flags & F_CONTENTLENGTH) && p->content_length > 0))
        return fail(hp, HTTPREQ_BODY);
    if (p->upgrade) /* nothing is upgraded: answer, then close */
        r->keep_alive = 0;
    return 0;
}

static int on_complete(http_parser *p)
{
    httpreq_parser *hp = of(p);

    hp->ready = 1;
    hp->in_head = 0;
    http_parser_pause(p, 1); /* delivered by httpreq_feed() */
    return 0;
}

void httpreq_init(httpreq_parser *hp)
{
    memset(hp, 0, sizeof *hp);
    http_parser_init(&hp->p, HTTP_REQUEST);
    hp->p.data = hp;
    http_parser_settings_init(&hp->settings);
    hp->settings.on_message_begin = on_begin;
    hp->settings.on_url = on_url;
    hp->settings.on_header_field = on_field;
    hp->settings.on_header_value = on_value;
    hp->settings.on_headers_complete = on_headers_complete;
    hp->settings.on_message_complete = on_complete;
    hp->cur = -1;
}

int httpreq_pending(const httpreq_parser *hp)
{
    return hp->in_head && !hp->stopped;
}

/* A request the parser refused: deliver it with its error. The fields
 * read so far are kept; the method and version may be unknown. */
static void deliver_error(httpreq_parser *hp)
{
    httpreq *r = &hp->req;
    /* http_parser's method is known once this request's URL began */
    int url_began = hp->in_head && hp->url_len > 0;

    if (!hp->in_head) /* refused before its first byte was taken */
        memset(r, 0, sizeof *r);
    if (r->error == HTTPREQ_FINE)
        r->error = HTTPREQ_BAD;
    if (r->path == NULL) {
        r->path = "";
        /* http_parser's method is only known once the URL began: "H"
         * then garbage must not be answered as a HEAD (no body) */
        r->method = url_began ? method_of(hp->p.method) : HTTPREQ_GET;
    }
    r->keep_alive = 0;
    hp->stopped = 1;
    hp->in_head = 0;
}

size_t httpreq_feed(httpreq_parser *hp, const char *p, size_t n, httpreq_cb cb,
                    void *ud)
{
    size_t used = 0;

    while (!hp->stopped && used < n) {
        size_t k =
            http_parser_execute(&hp->p, &hp->settings, p + used, n - used);
        enum http_errno e = HTTP_PARSER_ERRNO(&hp->p);

        used += k;
        if (e == HPE_PAUSED && hp->ready) {
            int pause;
            hp->ready = 0;
            http_parser_pause(&hp->p, 0);
            pause = cb(ud, &hp->req);
            if (pause)
                break;
            continue;
        }
        if (e != HPE_OK) {
            deliver_error(hp);
            cb(ud, &hp->req);
            break;
        }
    }
    return used;
}
