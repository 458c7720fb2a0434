/* httpreq: HTTP/1.x requests read from a connection's bytes, one request at
 * a time, with Node.js's http_parser (Debian's libhttp-parser) and this
 * daemon's limits. Knows no socket and no libuv, so the fuzzer drives it
 * with any bytes split anywhere.
 *
 * The caller owns the httpreq_parser (httpreq_init() it; nothing inside is
 * allocated). A delivered httpreq points into the parser and is valid
 * until the next httpreq_feed(). */
#ifndef CGLU_SERVER_HTTPREQ_H
#define CGLU_SERVER_HTTPREQ_H

#include <stddef.h>

#include <http_parser.h>

/* Limits, named once: docs/HTTP.md and --help quote them. */
#define HTTPREQ_MAX_URL 8192    /* bytes of the request target */
#define HTTPREQ_MAX_HEAD 8192   /* request line and headers */
#define HTTPREQ_MAX_HEADERS 100 /* header lines */
#define HTTPREQ_NAME_KEPT 32    /* header names longer are never ours */
#define HTTP_KEEPALIVE_S 15     /* an idle kept-alive connection closes */
#define HTTP_HEAD_S 10          /* a request head's first byte to its end */

typedef enum {
    HTTPREQ_FINE = 0,
    HTTPREQ_BAD,     /* malformed: 400 */
    HTTPREQ_METHOD,  /* not GET, HEAD or OPTIONS: 405 */
    HTTPREQ_BODY,    /* a body (Content-Length > 0 or chunked): 413 */
    HTTPREQ_URL,     /* the URL passes HTTPREQ_MAX_URL: 414 */
    HTTPREQ_HEAD,    /* the head passes HTTPREQ_MAX_HEAD or _HEADERS: 431 */
    HTTPREQ_VERSION, /* not HTTP/1.x: 505 */
} httpreq_error;

typedef enum {
    HTTPREQ_GET,
    HTTPREQ_HEAD_M, /* HEAD */
    HTTPREQ_OPTIONS,
    HTTPREQ_OTHER,
} httpreq_method;

/* Bytes span[0..len) of the parser's buffer; len 0 and present 0 when the
 * header was not sent. */
typedef struct httpreq_span {
    size_t off, len;
    int present;
} httpreq_span;

enum {
    HTTPREQ_H_AUTHORIZATION,
    HTTPREQ_H_IF_NONE_MATCH,
    HTTPREQ_H_ORIGIN,
    HTTPREQ_H_ACR_METHOD, /* Access-Control-Request-Method */
    HTTPREQ_H_KEPT
};

/* One request, or the error that ends the connection's requests. */
typedef struct httpreq {
    httpreq_error error; /* not FINE: answer it, then close */
    httpreq_method method;
    unsigned major, minor;
    int keep_alive;   /* the client keeps the connection */
    const char *path; /* the target up to "?" (not decoded) */
    size_t path_len;
    const char *query; /* after "?", up to "#" (NULL: no "?") */
    size_t query_len;
    const char *hv[HTTPREQ_H_KEPT]; /* header values kept, or NULL */
    size_t hv_len[HTTPREQ_H_KEPT];
} httpreq;

typedef struct httpreq_parser {
    http_parser p;
    http_parser_settings settings;
    httpreq req;
    int ready;    /* req is complete, not yet delivered */
    int stopped;  /* an error was delivered: nothing more is read */
    int in_head;  /* between a request's first byte and its end */
    int cur;      /* header whose value is being read, or -1 */
    int in_value; /* the last callback was a value */
    size_t head_bytes;
    unsigned nheaders;
    char name[HTTPREQ_NAME_KEPT];
    size_t name_len;
    size_t url_len;
    httpreq_span kept[HTTPREQ_H_KEPT];
    size_t len; /* bytes used in buf */
    char buf[HTTPREQ_MAX_HEAD + HTTPREQ_MAX_URL];
} httpreq_parser;

void httpreq_init(httpreq_parser *hp);

/* 0: go on reading; 1: pause (httpreq_feed returns at once). */
typedef int (*httpreq_cb)(void *ud, const httpreq *req);

/* Read p[0..n): cb gets each whole request in order, then, if the bytes
 * are bad, one request whose error is set (after which the parser reads
 * nothing more). Returns the bytes used: less than n only when cb asked
 * to pause or after an error. */
size_t httpreq_feed(httpreq_parser *hp, const char *p, size_t n, httpreq_cb cb,
                    void *ud);

/* 1 while part of a request's head has arrived but not its end. */
int httpreq_pending(const httpreq_parser *hp);

#endif
