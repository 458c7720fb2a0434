/* fuzz_http: libFuzzer target for HTTP request framing (server/httpreq)
 * and the query-string decoder (server/qstr) run on what it delivers.
 *
 * Input: byte 0 picks how the reads are cut, byte 1 the pauses and the
 * decoding buffers' sizes; the rest is what a client sends. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/url.h"
#include "server/httpreq.h"
#include "server/qstr.h"
#include "tests/fuzz/fuzz_util.h"

/* The requests of one run, serialised, so that the three ways of feeding
 * the same bytes can be compared: requests must not depend on how the
 * bytes were cut into reads or on pauses. */
typedef struct evlog {
    unsigned char *p;
    size_t len, cap;
} evlog;

typedef struct run {
    httpreq_parser *hp;
    evlog log;
    uint64_t rng;    /* decides on pauses (run B) */
    int pause_all;   /* pause after every request */
    int pause_maybe; /* pause when rng says so */
    int decode;      /* run qstr over what is delivered (run A) */
    int paused;      /* the callback paused in this httpreq_feed() call */
    int errors;      /* requests delivered with an error */
    size_t name_cap, val_cap, path_cap;
} run;

static uint64_t next_rand(uint64_t *s)
{
    /* xorshift64: deterministic per input, so a crash reproduces */
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void log_add(evlog *l, const void *s, size_t n)
{
    size_t need = l->len + sizeof n + n;

    if (need > l->cap) {
        size_t cap = l->cap ? l->cap : 256;
        while (cap < need)
            cap *= 2;
        unsigned char *p = realloc(l->p, cap);
        FUZZ_CHECK(p != NULL); /* the harness's own memory, not a finding */
        l->p = p;
        l->cap = cap;
    }
    memcpy(l->p + l->len, &n, sizeof n);
    l->len += sizeof n;
    if (n)
        memcpy(l->p + l->len, s, n);
    l->len += n;
}

static void log_num(evlog *l, unsigned v)
{
    log_add(l, &v, sizeof v);
}

/* ---- qstr against a reference ---- */

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* What decoding s[0..n) must give, written apart from qstr.c: a bad
 * escape is kept as a literal "%" (so that the length before it is the
 * decoder's), and each error that applies is noted. */
typedef struct ref_dec {
    int bad_escape, nul;
    size_t len; /* decoded bytes (all of them) */
    char *out;  /* malloc'd, len bytes */
} ref_dec;

static void ref_decode(const char *s, size_t n, int plus, ref_dec *r)
{
    memset(r, 0, sizeof *r);
    r->out = malloc(n ? n : 1);
    FUZZ_CHECK(r->out != NULL);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (n - i >= 3 && hexval((unsigned char)s[i + 1]) >= 0 &&
                hexval((unsigned char)s[i + 2]) >= 0) {
                c = (unsigned char)(hexval((unsigned char)s[i + 1]) * 16 +
                                    hexval((unsigned char)s[i + 2]));
                i += 2;
            } else {
                r->bad_escape = 1;
            }
        } else if (c == '+' && plus) {
            c = ' ';
        }
        if (c == 0)
            r->nul = 1;
        r->out[r->len++] = (char)c;
    }
}

/* st and out[0..len) from qstr for s (cap bytes of room) against the
 * reference: OK exactly when nothing is wrong, with the same bytes;
 * otherwise an error that applies. */
static void check_against(qstr_status st, const char *out, size_t len,
                          const ref_dec *r, size_t cap)
{
    int utf8 = ref_utf8_valid(r->out, r->len);
    int clean = !r->bad_escape && !r->nul && r->len <= cap && utf8;

    if (clean) {
        FUZZ_CHECK(st == QSTR_OK);
        FUZZ_CHECK(len == r->len);
        FUZZ_CHECK(len == 0 || memcmp(out, r->out, len) == 0);
        /* valid UTF-8 without NUL: what the front end builds on */
        FUZZ_CHECK(ref_utf8_valid(out, len));
        FUZZ_CHECK(memchr(out, '\0', len) == NULL);
        return;
    }
    switch (st) {
    case QSTR_ERR_ESCAPE:
        FUZZ_CHECK(r->bad_escape);
        break;
    case QSTR_ERR_NUL:
        FUZZ_CHECK(r->nul);
        break;
    case QSTR_ERR_TOO_BIG:
        FUZZ_CHECK(r->len > cap);
        break;
    case QSTR_ERR_UTF8: /* checked last: nothing else was wrong */
        FUZZ_CHECK(!r->bad_escape && !r->nul && r->len <= cap && !utf8);
        break;
    default: /* OK or END where an error was due */
        FUZZ_CHECK(st != QSTR_OK && st != QSTR_END);
    }
    FUZZ_CHECK(qstr_strerror(st) != NULL);
}

/* url_encode (URL_COMPONENT and URL_FORM) of s[0..len) decodes back to it
 * through qstr_decode, the daemon's reader of its own links. */
static void check_roundtrip(const char *s, size_t len)
{
    static const url_mode modes[] = {URL_COMPONENT, URL_FORM};
    char *back = malloc(len ? len : 1);
    size_t back_len;

    FUZZ_CHECK(back != NULL);
    for (size_t m = 0; m < 2; m++) {
        buf_t enc;
        buf_init(&enc, 3 * len);
        FUZZ_CHECK(url_encode(&enc, s, len, modes[m]) == BUF_OK);
        for (size_t i = 0; i < enc.len; i++) /* unreserved bytes, escapes */
            FUZZ_CHECK(enc.data[i] != '\0' &&
                       strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrst"
                              "uvwxyz0123456789-._~%*+",
                              enc.data[i]) != NULL);
        FUZZ_CHECK(qstr_decode(enc.data ? enc.data : "", enc.len, 1, back, len,
                               &back_len) == QSTR_OK);
        FUZZ_CHECK(back_len == len && (len == 0 || memcmp(back, s, len) == 0));
        /* one byte short of room: refused, nothing left of the call */
        if (enc.len > 0) {
            buf_t small;
            buf_init(&small, enc.len - 1);
            FUZZ_CHECK(url_encode(&small, s, len, modes[m]) != BUF_OK &&
                       small.len == 0);
            buf_free(&small);
        }
        buf_free(&enc);
    }
    free(back);
}

/* Every parameter of the query: qstr_next against a reference split on
 * "&" (empty parts skipped) and the first "=". */
static void check_query(const run *r, const char *q, size_t qlen)
{
    char *name = malloc(r->name_cap ? r->name_cap : 1);
    char *val = malloc(r->val_cap ? r->val_cap : 1);
    qstr_iter it;
    size_t at = 0, calls = 0;

    FUZZ_CHECK(name != NULL && val != NULL);
    qstr_init(&it, q, qlen);
    for (;;) {
        size_t nl = 1, vl = 1;
        qstr_status st =
            qstr_next(&it, name, r->name_cap, &nl, val, r->val_cap, &vl);
        /* bounded: a parameter takes at least one byte */
        FUZZ_CHECK(++calls <= qlen + 1);
        while (at < qlen && q[at] == '&')
            at++;
        if (at == qlen) {
            FUZZ_CHECK(st == QSTR_END);
            FUZZ_CHECK(nl == 0 && vl == 0);
            break;
        }
        FUZZ_CHECK(st != QSTR_END);
        const char *part = q + at;
        const char *amp = memchr(part, '&', qlen - at);
        size_t plen = amp ? (size_t)(amp - part) : qlen - at;
        const char *eq = memchr(part, '=', plen);
        size_t nlen = eq ? (size_t)(eq - part) : plen;
        ref_dec rn, rv;
        ref_decode(part, nlen, 1, &rn);
        ref_decode(eq ? eq + 1 : part, eq ? plen - nlen - 1 : 0, 1, &rv);
        int name_clean = !rn.bad_escape && !rn.nul && rn.len <= r->name_cap &&
                         ref_utf8_valid(rn.out, rn.len);
        if (!name_clean) {
            check_against(st, name, nl, &rn, r->name_cap);
        } else {
            FUZZ_CHECK(st != QSTR_END);
            if (st == QSTR_OK) /* the name is right whatever follows */
                check_against(st, name, nl, &rn, r->name_cap);
            check_against(st, val, vl, &rv, r->val_cap);
        }
        if (st == QSTR_OK) {
            FUZZ_CHECK(nl <= r->name_cap && vl <= r->val_cap);
            check_roundtrip(val, vl);
        }
        free(rn.out);
        free(rv.out);
        at += plen;
    }
    size_t nl_end, vl_end; /* and it stays at the end */
    FUZZ_CHECK(qstr_next(&it, name, r->name_cap, &nl_end, val, r->val_cap,
                         &vl_end) == QSTR_END);
    free(name);
    free(val);
}

static void check_path(const run *r, const char *p, size_t n)
{
    char *out = malloc(r->path_cap ? r->path_cap : 1);
    size_t len = 1;
    ref_dec rd;

    FUZZ_CHECK(out != NULL);
    qstr_status st = qstr_decode(p, n, 0, out, r->path_cap, &len);
    ref_decode(p, n, 0, &rd);
    check_against(st, out, len, &rd, r->path_cap);
    if (st != QSTR_OK)
        FUZZ_CHECK(len == 0);
    free(rd.out);
    free(out);
}

/* ---- httpreq ---- */

/* 1 when s[0..n) holds one of the bytes of set. */
static int has_any(const char *s, size_t n, const char *set, size_t nset)
{
    for (size_t i = 0; i < n; i++)
        if (memchr(set, s[i], nset) != NULL)
            return 1;
    return 0;
}

static int on_req(void *ud, const httpreq *q)
{
    run *r = ud;
    const httpreq_parser *hp = r->hp;

    /* nothing after an error, nor after a pause within the same call */
    FUZZ_CHECK(r->errors == 0);
    FUZZ_CHECK(!r->paused);
    FUZZ_CHECK((unsigned)q->error <= HTTPREQ_VERSION);
    FUZZ_CHECK((unsigned)q->method <= HTTPREQ_OTHER);
    FUZZ_CHECK(q->path != NULL);
    /* A request both malformed and over a limit is refused as one or the
     * other depending on where the reads were cut: http_parser checks
     * bytes as they come, the limits are checked when it calls back
     * with a piece (at a token's end or a read's). Either is an answer
     * that closes the connection, so those three compare as one. */
    log_num(&r->log, q->error == HTTPREQ_HEAD || q->error == HTTPREQ_URL
                         ? (unsigned)HTTPREQ_BAD
                         : (unsigned)q->error);
    if (q->error != HTTPREQ_FINE) {
        FUZZ_CHECK(q->keep_alive == 0);
        r->errors++;
        return 0;
    }
    FUZZ_CHECK(q->major == 1);
    FUZZ_CHECK(q->method != HTTPREQ_OTHER);
    FUZZ_CHECK(q->keep_alive == 0 || q->keep_alive == 1);
    /* the path and query: zero copy out of the parser's URL, bounded */
    FUZZ_CHECK(fuzz_inside(q->path, q->path_len, hp->buf, sizeof hp->buf));
    FUZZ_CHECK(q->path_len <= HTTPREQ_MAX_URL);
    FUZZ_CHECK(!has_any(q->path, q->path_len, "?# \r\n", 6));
    if (q->query != NULL) {
        FUZZ_CHECK(q->query == q->path + q->path_len + 1);
        FUZZ_CHECK(
            fuzz_inside(q->query, q->query_len, hp->buf, sizeof hp->buf));
        FUZZ_CHECK(q->path_len + 1 + q->query_len <= HTTPREQ_MAX_URL);
        FUZZ_CHECK(!has_any(q->query, q->query_len, "# \r\n", 5));
    } else {
        FUZZ_CHECK(q->query_len == 0);
    }
    /* kept header values: in the buffer, bounded, and without CR, LF or
     * NUL (RFC 9110 5.5: a recipient rejects them or makes them spaces) */
    for (int i = 0; i < HTTPREQ_H_KEPT; i++) {
        if (q->hv[i] == NULL) {
            FUZZ_CHECK(q->hv_len[i] == 0);
            continue;
        }
        FUZZ_CHECK(
            fuzz_inside(q->hv[i], q->hv_len[i], hp->buf, sizeof hp->buf));
        FUZZ_CHECK(q->hv_len[i] <= HTTPREQ_MAX_HEAD);
        FUZZ_CHECK(!has_any(q->hv[i], q->hv_len[i], "\r\n", 3)); /* +NUL */
    }
    log_num(&r->log, (unsigned)q->method);
    log_num(&r->log, q->minor);
    log_num(&r->log, (unsigned)q->keep_alive);
    log_add(&r->log, q->path, q->path_len);
    log_num(&r->log, q->query != NULL);
    log_add(&r->log, q->query, q->query_len);
    for (int i = 0; i < HTTPREQ_H_KEPT; i++) {
        log_num(&r->log, q->hv[i] != NULL);
        log_add(&r->log, q->hv[i], q->hv_len[i]);
    }
    if (r->decode) {
        check_path(r, q->path, q->path_len);
        if (q->query != NULL)
            check_query(r, q->query, q->query_len);
    }
    if (r->pause_all || (r->pause_maybe && next_rand(&r->rng) % 3 == 0)) {
        r->paused = 1;
        return 1;
    }
    return 0;
}

/* Feed chunk[0..n) until it is used up or the parser has stopped,
 * resuming after each pause as the server does. The chunk is a malloc'd
 * copy of exactly n bytes so that ASan sees any read past it. */
static void feed_chunk(run *r, const uint8_t *data, size_t n)
{
    char *chunk = malloc(n ? n : 1);
    size_t at = 0;

    FUZZ_CHECK(chunk != NULL);
    if (n)
        memcpy(chunk, data, n);
    while (at < n) {
        int errors = r->errors;
        r->paused = 0;
        size_t used = httpreq_feed(r->hp, chunk + at, n - at, on_req, r);
        FUZZ_CHECK(used <= n - at);
        if (errors > 0)
            FUZZ_CHECK(used == 0 && r->errors == errors);
        else if (used < n - at)
            FUZZ_CHECK(r->paused || r->errors > 0);
        if (r->errors > 0)
            FUZZ_CHECK(!httpreq_pending(r->hp));
        if (r->errors > 0)
            break;
        FUZZ_CHECK(used > 0); /* a pause comes after a request's last byte */
        at += used;
    }
    free(chunk);
}

static httpreq_parser parser;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run r[3];
    int pending[3];
    uint64_t h = 1469598103934665603ULL; /* FNV-1a of the input */

    if (size < 2)
        return 0;
    uint8_t split = data[0], mode = data[1];
    data += 2;
    size -= 2;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211ULL;
    memset(r, 0, sizeof r);
    for (int k = 0; k < 3; k++) {
        r[k].hp = &parser;
        /* small buffers reach TOO_BIG; large ones decode everything */
        r[k].name_cap = mode & 1 ? 4 : 64;
        r[k].val_cap = mode & 2 ? 8 : HTTPREQ_MAX_URL;
        r[k].path_cap = mode & 4 ? 16 : HTTPREQ_MAX_URL;
    }

    /* A: the whole input in one read, never pausing (the reference) */
    httpreq_init(&parser);
    r[0].decode = 1;
    feed_chunk(&r[0], data, size);
    pending[0] = httpreq_pending(&parser);

    /* B: reads cut at input-derived points, pauses per byte 1 */
    httpreq_init(&parser);
    r[1].rng = (h ^ split) | 1;
    r[1].pause_all = (mode >> 3 & 3) == 1;
    r[1].pause_maybe = (mode >> 3 & 3) >= 2;
    for (size_t at = 0; at < size;) {
        uint64_t x = next_rand(&r[1].rng);
        size_t max;
        switch (split & 3) {
        case 0:
            max = 1 + (split >> 2); /* short reads: up to 64 bytes */
            break;
        case 1:
            max = 16;
            break;
        case 2:
            max = 1024;
            break;
        default: /* mostly short reads, sometimes a long one */
            max = x % 8 == 0 ? 20000 : 64;
            break;
        }
        size_t n = 1 + (size_t)(x >> 8) % max;
        if (n > size - at)
            n = size - at;
        feed_chunk(&r[1], data + at, n);
        at += n;
    }
    pending[1] = httpreq_pending(&parser);

    /* C: one byte at a time (slowloris), pausing after every request */
    httpreq_init(&parser);
    r[2].pause_all = 1;
    for (size_t at = 0; at < size; at++)
        feed_chunk(&r[2], data + at, 1);
    pending[2] = httpreq_pending(&parser);

    for (int k = 1; k < 3; k++) {
        FUZZ_CHECK(r[k].log.len == r[0].log.len);
        FUZZ_CHECK(r[0].log.len == 0 ||
                   memcmp(r[k].log.p, r[0].log.p, r[0].log.len) == 0);
        FUZZ_CHECK(pending[k] == pending[0]);
        FUZZ_CHECK(r[k].errors == r[0].errors);
    }
    for (int k = 0; k < 3; k++)
        free(r[k].log.p);
    return 0;
}
