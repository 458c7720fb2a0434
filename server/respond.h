/* respond: the HTTP front end's responses (http.c is its only caller):
 * the status line and headers (Date, Content-Length, caching, ETag, CORS,
 * the page's security headers, Connection), error bodies (the line
 * protocol's JSON error object; the search page for its own errors), 304s
 * and ETags. Loop thread only. Responses are built in the server's
 * buffers and queued on the connection in request order: nothing to free.
 */
#ifndef CGLU_SERVER_RESPOND_H
#define CGLU_SERVER_RESPOND_H

#include <stddef.h>
#include <stdint.h>

#include "server/server_int.h"

#define RESPOND_ALLOW "GET, HEAD, OPTIONS" /* the methods served */
#define RESPOND_HEAD_MAX 2048              /* the headers of one response */
#define RESPOND_ECHO_MAX 64 /* bytes of a client's text in a message */
#define RESPOND_TAG_MAX 64  /* W/"id-revision-hash" */

/* One response: its body is copied when it is built. */
typedef struct http_resp {
    int status;
    const char *type; /* Content-Type; NULL: no body (204, 304) */
    const char *body;
    size_t len;
    const char *etag;  /* NULL: none */
    int keep;          /* may be kept max_age seconds (else no-store) */
    int html;          /* the page's security headers */
    const char *extra; /* more header lines, each ending in CRLF */
} http_resp;

/* The status of an error answer with code e (docs/HTTP.md's table). */
int respond_status_of(json_err e);

/* Append the response r to the request h to out. */
buf_status respond_build(server *s, const slot_http *h, const http_resp *r,
                         buf_t *out);

/* Build r and queue it behind c's pending answers; count it (metrics, and
 * the errors figure from 400 on). h->close: the connection's last. */
void respond_send(conn *c, const slot_http *h, const http_resp *r);

/* An error answer with status: the JSON error object of e and msg (the
 * page's own errors: the page itself). extra: more header lines, or NULL. */
void respond_error(conn *c, const slot_http *h, int status, json_err e,
                   const char *msg, size_t msg_len, const char *extra);

/* The same, with the message prefix + "p[0..len)" (at most
 * RESPOND_ECHO_MAX bytes of it; json escapes it). */
void respond_echo(conn *c, const slot_http *h, int status, json_err e,
                  const char *prefix, const char *p, size_t len);

/* The request as the engine sees it, and which representation: the hash
 * in its ETag. */
uint64_t respond_key_hash(const slot_http *h, const engine_request *er);

/* A weak tag of index_id, revision and hash. */
void respond_etag(uint64_t index_id, uint64_t revision, uint64_t hash,
                  char out[RESPOND_TAG_MAX]);

/* The tag of an answer of the index the watch sees now. */
void respond_index_etag(const server *s, uint64_t hash,
                        char out[RESPOND_TAG_MAX]);

/* If-None-Match v[0..n) holds tag (weak comparison), or "*" when star. */
int respond_etag_match(const char *v, size_t n, const char *tag, int star);

void respond_not_modified(conn *c, const slot_http *h, const char *tag);

/* A body that depends on nothing but the build (assets, the empty page):
 * its ETag is its content's hash, and If-None-Match gets a 304. */
void respond_static(conn *c, const slot_http *h, const httpreq *r,
                    const http_resp *body);

#endif
