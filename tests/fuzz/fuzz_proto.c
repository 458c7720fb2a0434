/* fuzz_proto: libFuzzer target for the line framer and request parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/proto.h"
#include "tests/fuzz/fuzz_util.h"

/* The events of one run, serialised (tag, length, bytes), so that the
 * three ways of feeding the same input can be compared: framing must not
 * depend on how the bytes were cut into reads or on pauses. */
typedef struct evlog {
    unsigned char *p;
    size_t len, cap;
} evlog;

typedef struct run {
    proto_framer *f;
    evlog log;
    const char *chunk; /* data of the proto_feed() call in progress */
    size_t chunk_len;
    uint64_t rng;    /* decides on pauses (run B) */
    int pause_all;   /* run C: pause on every event */
    int pause_maybe; /* run B: pause when rng says so */
    int parse;       /* run A: parse the lines (the others frame alike) */
    int paused;      /* the callback returned PROTO_PAUSE in this call */
    int paused_line; /* ... on a PROTO_EV_LINE */
} run;

static uint64_t next_rand(uint64_t *s)
{
    /* xorshift64: deterministic per input, so a crash reproduces */
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void log_add(evlog *l, unsigned char tag, const char *s, size_t n)
{
    size_t need = l->len + 1 + sizeof n + n;

    if (need > l->cap) {
        size_t cap = l->cap ? l->cap : 256;
        while (cap < need)
            cap *= 2;
        unsigned char *p = realloc(l->p, cap);
        FUZZ_CHECK(p != NULL); /* the harness's own memory, not a finding */
        l->p = p;
        l->cap = cap;
    }
    l->p[l->len++] = tag;
    memcpy(l->p + l->len, &n, sizeof n);
    l->len += sizeof n;
    if (n)
        memcpy(l->p + l->len, s, n);
    l->len += n;
}

/* A blank of the protocol: space or tab. */
static int blank(char c)
{
    return memchr(" \t", c, 2) != NULL;
}

/* What proto_opt_uint(req, key, def, 0, UINT64_MAX) must answer, written
 * independently: the first option whose key matches, all digits, at most
 * UINT64_MAX. */
static proto_status ref_opt_uint(const proto_request *req, const char *key,
                                 uint64_t def, uint64_t *out)
{
    size_t kl = strlen(key);

    *out = 0;
    for (size_t i = 0; i < req->nopts; i++) {
        const proto_opt *o = &req->opts[i];
        size_t j = 0;
        if (o->key_len != kl)
            continue;
        /* key is lowercase letters: | 0x20 folds just A-Z onto them */
        while (j < kl && (o->key[j] | 0x20) == key[j])
            j++;
        if (j < kl)
            continue;
        if (o->val_len == 0)
            return PROTO_ERR_OPT_VALUE;
        for (j = 0; j < o->val_len; j++)
            if (o->val[j] < '0' || o->val[j] > '9')
                return PROTO_ERR_OPT_VALUE;
        /* compare digit strings: no arithmetic to get wrong the same way */
        static const char max[] = "18446744073709551615";
        j = 0;
        while (j + 1 < o->val_len && o->val[j] == '0')
            j++;
        size_t nd = o->val_len - j;
        if (nd > sizeof max - 1 ||
            (nd == sizeof max - 1 && memcmp(o->val + j, max, nd) > 0))
            return PROTO_ERR_OPT_RANGE;
        uint64_t v = 0;
        for (; j < o->val_len; j++)
            v = v * 10 + (uint64_t)(o->val[j] - '0');
        *out = v;
        return PROTO_OK;
    }
    *out = def;
    return PROTO_OK;
}

/* proto_parse and proto_opt_uint on one framed line: every pointer of the
 * request must stay inside the line. */
static void check_parse(const char *line, size_t len)
{
    proto_request req;
    proto_status st = proto_parse(line, len, &req);
    uint64_t v, want;

    FUZZ_CHECK(req.arg != NULL);
    FUZZ_CHECK(fuzz_inside(req.arg, req.arg_len, line, len));
    FUZZ_CHECK(req.arg_len == 0 ||
               (!blank(req.arg[0]) && !blank(req.arg[req.arg_len - 1])));
    FUZZ_CHECK(fuzz_inside(req.verb_text, req.verb_len, line, len));
    FUZZ_CHECK((req.verb == PROTO_V_EMPTY) == (req.verb_len == 0));
    FUZZ_CHECK(req.nopts <= PROTO_MAX_OPTS);
    for (size_t i = 0; i < req.nopts; i++) {
        const proto_opt *o = &req.opts[i];
        FUZZ_CHECK(o->key_len > 0);
        FUZZ_CHECK(fuzz_inside(o->key, o->key_len, line, len));
        FUZZ_CHECK(fuzz_inside(o->val, o->val_len, line, len));
        FUZZ_CHECK(o->val == o->key + o->key_len + 1); /* after the "=" */
    }
    if (st == PROTO_OK || st == PROTO_ERR_VERB) {
        FUZZ_CHECK(req.bad == NULL && req.bad_len == 0);
    } else {
        FUZZ_CHECK(req.bad != NULL && req.bad_len > 0);
        FUZZ_CHECK(fuzz_inside(req.bad, req.bad_len, line, len));
    }
    FUZZ_CHECK(proto_strerror(st) != NULL);
    FUZZ_CHECK(proto_verb_name(req.verb) != NULL);
    if (st != PROTO_OK)
        return;
    /* the server's ranges, and a reference parse of the same option */
    st = proto_opt_uint(&req, "limit", 10, 1, 100, &v);
    FUZZ_CHECK(st == PROTO_OK ? v >= 1 && v <= 100 : v == 0);
    st = proto_opt_uint(&req, "OFFSET", 7, 0, UINT64_MAX, &v);
    FUZZ_CHECK(st == ref_opt_uint(&req, "offset", 7, &want));
    FUZZ_CHECK(v == want);
}

static int on_event(void *ctx, proto_event ev, const char *line, size_t len)
{
    run *r = ctx;
    proto_framer *f = r->f;

    /* nothing may follow a pause within the same call */
    FUZZ_CHECK(!r->paused);
    if (ev == PROTO_EV_TOO_LONG) {
        FUZZ_CHECK(line == NULL && len == 0);
        log_add(&r->log, 'T', NULL, 0);
    } else {
        FUZZ_CHECK(ev == PROTO_EV_LINE);
        FUZZ_CHECK(line != NULL);
        FUZZ_CHECK(len <= PROTO_MAX_LINE);
        /* zero copy from the caller's data, or the framer's own buffer */
        FUZZ_CHECK(fuzz_inside(line, len, r->chunk, r->chunk_len) ||
                   fuzz_inside(line, len, f->buf, sizeof f->buf));
        FUZZ_CHECK(memchr(line, '\n', len) == NULL);
        log_add(&r->log, 'L', line, len);
        if (r->parse)
            check_parse(line, len);
    }
    if (r->pause_all || (r->pause_maybe && next_rand(&r->rng) % 3 == 0)) {
        r->paused = 1;
        r->paused_line = ev == PROTO_EV_LINE;
        return PROTO_PAUSE;
    }
    return PROTO_CONTINUE;
}

/* Feed chunk[0..n) until it is used up, resuming after each pause as a
 * server does. The chunk is a malloc'd copy of exactly n bytes so that
 * ASan sees any read past it. */
static void feed_chunk(run *r, const uint8_t *data, size_t n)
{
    char *chunk = malloc(n ? n : 1);
    size_t at = 0;

    FUZZ_CHECK(chunk != NULL);
    if (n)
        memcpy(chunk, data, n);
    do {
        r->chunk = chunk + at;
        r->chunk_len = n - at;
        r->paused = 0;
        size_t used = proto_feed(r->f, r->chunk, r->chunk_len, on_event, r);
        FUZZ_CHECK(used <= r->chunk_len);
        if (!r->paused) {
            FUZZ_CHECK(used == r->chunk_len);
        } else if (used < r->chunk_len) {
            /* a pause stops right after the "\n" of the paused event */
            FUZZ_CHECK(used > 0 && r->chunk[used - 1] == '\n');
        }
        FUZZ_CHECK(proto_framer_pending(r->f) <= PROTO_MAX_LINE + 1);
        at += used;
    } while (at < n);
    free(chunk);
}

static proto_framer framer;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run r[3];
    size_t pending[3];
    uint64_t h = 1469598103934665603ULL; /* FNV-1a of the input */

    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211ULL;
    memset(r, 0, sizeof r);
    for (int k = 0; k < 3; k++)
        r[k].f = &framer;

    /* A: the whole input in one read, never pausing (the reference) */
    proto_framer_init(&framer);
    r[0].parse = 1;
    feed_chunk(&r[0], data, size);
    pending[0] = proto_framer_pending(&framer);

    /* B: reads cut at input-derived points, pipelined lines with pauses */
    proto_framer_init(&framer);
    r[1].rng = h | 1;
    r[1].pause_maybe = 1;
    for (size_t at = 0; at < size;) {
        uint64_t x = next_rand(&r[1].rng);
        /* mostly short reads, sometimes one that spans many lines */
        size_t n =
            x % 8 == 0 ? (size_t)(x >> 8) % 20000 : (size_t)(x >> 8) % 64;
        n = n == 0 ? 1 : n;
        if (n > size - at)
            n = size - at;
        feed_chunk(&r[1], data + at, n);
        at += n;
    }
    pending[1] = proto_framer_pending(&framer);

    /* C: one byte at a time (slowloris), pausing on every event */
    proto_framer_init(&framer);
    r[2].pause_all = 1;
    for (size_t at = 0; at < size; at++)
        feed_chunk(&r[2], data + at, 1);
    pending[2] = proto_framer_pending(&framer);

    for (int k = 1; k < 3; k++) {
        FUZZ_CHECK(r[k].log.len == r[0].log.len);
        FUZZ_CHECK(r[0].log.len == 0 ||
                   memcmp(r[k].log.p, r[0].log.p, r[0].log.len) == 0);
        FUZZ_CHECK(pending[k] == pending[0]);
    }
    for (int k = 0; k < 3; k++)
        free(r[k].log.p);
    return 0;
}
