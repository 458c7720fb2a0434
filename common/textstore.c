/* textstore: blocks of text compressed with LZ4 (HC) and a table from
 * word positions to byte offsets. Numbers are LEB128 varints. */
#include "common/textstore.h"

#include <lz4.h>
#include <lz4hc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* First byte of a head value: the layout's version. */
#define HEAD_MAGIC 0xC1
/* A stored block: the tag (4 bytes, little-endian, only in blocks 1..),
 * then MODE_RAW or MODE_LZ4, then its bytes. */
#define MODE_RAW 0
#define MODE_LZ4 1

const char *textstore_strerror(textstore_status st)
{
    switch (st) {
    case TEXTSTORE_OK:
        return "success";
    case TEXTSTORE_ERR_NOMEM:
        return "out of memory";
    case TEXTSTORE_ERR_FORMAT:
        return "stored text unreadable";
    case TEXTSTORE_ERR_STALE:
        return "stored text changed while read";
    case TEXTSTORE_ERR_FETCH:
        return "cannot read a block of stored text";
    case TEXTSTORE_ERR_LIMIT:
        return "text too long to store";
    }
    return "unknown error";
}

/* ---- varints ------------------------------------------------------------ */

static void put_varint(buf_t *b, uint64_t v)
{
    unsigned char t[10];
    size_t n = 0;
    while (v >= 0x80) {
        t[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    t[n++] = (unsigned char)v;
    buf_append(b, t, n);
}

/* 0 and *v on success, -1 when the bytes end or the number overflows. */
static int get_varint(const unsigned char **p, const unsigned char *end,
                      uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
        unsigned char c = *(*p)++;
        x |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

static int get_u32(const unsigned char **p, const unsigned char *end,
                   uint32_t *v)
{
    uint64_t x;
    if (get_varint(p, end, &x) != 0 || x > UINT32_MAX)
        return -1;
    *v = (uint32_t)x;
    return 0;
}

/* ---- writing ------------------------------------------------------------ */

/* Each thread's LZ4 HC state (256 KB), kept from block to block:
 * LZ4_compress_HC allocates one per call and clears it whole, and that
 * (an mmap, its page faults and the clearing, for 16 KB of text) was
 * most of a block's cost (perf, man-fr). Freed when the thread ends. */
static pthread_key_t hc_key;
static pthread_once_t hc_once = PTHREAD_ONCE_INIT;
static int hc_key_ok;

static void hc_free(void *p)
{
    LZ4_freeStreamHC(p);
}

static void hc_init(void)
{
    hc_key_ok = pthread_key_create(&hc_key, hc_free) == 0;
}

/* This thread's state, or NULL (out of memory: the caller compresses
 * with a state of its own). */
static LZ4_streamHC_t *hc_state(void)
{
    pthread_once(&hc_once, hc_init);
    if (!hc_key_ok)
        return NULL;
    LZ4_streamHC_t *hc = pthread_getspecific(hc_key);
    if (!hc && (hc = LZ4_createStreamHC()) != NULL &&
        pthread_setspecific(hc_key, hc) != 0) {
        LZ4_freeStreamHC(hc);
        hc = NULL;
    }
    return hc;
}

/* Append block text[0..n) compressed (or raw when that is not smaller). */
static textstore_status put_block(buf_t *b, const char *text, size_t n)
{
    int bound = LZ4_compressBound((int)n);
    if (buf_reserve(b, (size_t)bound + 1) != BUF_OK)
        return TEXTSTORE_ERR_NOMEM;
    char *dst = b->data + b->len + 1;
    LZ4_streamHC_t *hc = hc_state();
    int c;
    if (hc) { /* a block of its own: the reset forgets the one before */
        LZ4_resetStreamHC_fast(hc, TEXTSTORE_LZ4_LEVEL);
        c = LZ4_compress_HC_continue(hc, text, dst, (int)n, bound);
    } else {
        c = LZ4_compress_HC(text, dst, (int)n, bound, TEXTSTORE_LZ4_LEVEL);
    }
    if (c > 0 && (size_t)c < n) {
        b->data[b->len] = MODE_LZ4;
        b->len += 1 + (size_t)c;
    } else {
        b->data[b->len] = MODE_RAW;
        memcpy(b->data + b->len + 1, text, n);
        b->len += 1 + n;
    }
    b->data[b->len] = '\0';
    return TEXTSTORE_OK;
}

void textstore_enc_free(textstore_enc *e)
{
    if (!e)
        return;
    buf_free(&e->head);
    buf_free(&e->blocks);
    free(e->ends);
    e->ends = NULL;
    e->nextra = 0;
}

textstore_status textstore_encode(const char *text, size_t len,
                                  uint32_t first_pos, const uint32_t *checks,
                                  size_t nchecks, uint32_t tag,
                                  textstore_enc *out)
{
    textstore_status st = TEXTSTORE_ERR_NOMEM;
    size_t nblocks = (len + TEXTSTORE_BLOCK - 1) / TEXTSTORE_BLOCK;

    buf_init(&out->head, BUF_MAX_LIMIT);
    buf_init(&out->blocks, BUF_MAX_LIMIT);
    out->ends = NULL;
    out->nextra = 0;
    if (len > TEXTSTORE_MAX_TEXT || nchecks > UINT32_MAX) {
        st = TEXTSTORE_ERR_LIMIT;
        goto fail;
    }
    if (nblocks > 1 && !(out->ends = malloc((nblocks - 1) * sizeof *out->ends)))
        goto fail;

    buf_t *h = &out->head;
    buf_putc(h, (char)HEAD_MAGIC);
    put_varint(h, len);
    put_varint(h, TEXTSTORE_BLOCK);
    put_varint(h, tag);
    put_varint(h, first_pos);
    put_varint(h, TEXTSTORE_EVERY);
    put_varint(h, nchecks);
    for (size_t i = 0; i < nchecks; i++)
        put_varint(h, checks[i] - (i ? checks[i - 1] : 0));
    if (h->failed)
        goto fail;
    if (nblocks &&
        put_block(h, text, len < TEXTSTORE_BLOCK ? len : TEXTSTORE_BLOCK))
        goto fail;

    unsigned char t4[4] = {(unsigned char)tag, (unsigned char)(tag >> 8),
                           (unsigned char)(tag >> 16),
                           (unsigned char)(tag >> 24)};
    for (size_t k = 1; k < nblocks; k++) {
        size_t from = k * TEXTSTORE_BLOCK;
        size_t n = len - from < TEXTSTORE_BLOCK ? len - from : TEXTSTORE_BLOCK;
        if (buf_append(&out->blocks, t4, 4) != BUF_OK ||
            put_block(&out->blocks, text + from, n) != TEXTSTORE_OK)
            goto fail;
        out->ends[k - 1] = out->blocks.len;
    }
    out->nextra = nblocks > 1 ? nblocks - 1 : 0;
    return TEXTSTORE_OK;
fail:
    textstore_enc_free(out);
    return st;
}

/* ---- reading ------------------------------------------------------------ */

textstore_status textstore_open(textstore *ts, const char *head, size_t len,
                                textstore_fetch_fn fetch, void *ctx)
{
    const unsigned char *p = (const unsigned char *)head, *end = p + len;
    uint64_t tlen;
    memset(ts, 0, sizeof *ts);
    buf_init(&ts->raw, BUF_MAX_LIMIT);
    ts->fetch = fetch;
    ts->ctx = ctx;
    if (len == 0 || p[0] != HEAD_MAGIC)
        return TEXTSTORE_ERR_FORMAT;
    p++;
    if (get_varint(&p, end, &tlen) != 0 || tlen > TEXTSTORE_MAX_TEXT ||
        get_u32(&p, end, &ts->block) != 0 || ts->block == 0 ||
        ts->block > TEXTSTORE_BLOCK || get_u32(&p, end, &ts->tag) != 0 ||
        get_u32(&p, end, &ts->first_pos) != 0 ||
        get_u32(&p, end, &ts->every) != 0 || ts->every == 0 ||
        get_u32(&p, end, &ts->nchecks) != 0)
        return TEXTSTORE_ERR_FORMAT;
    ts->len = tlen;
    ts->nblocks = (uint32_t)((tlen + ts->block - 1) / ts->block);
    ts->checks = p;
    for (uint32_t i = 0; i < ts->nchecks; i++) {
        uint64_t d;
        if (get_varint(&p, end, &d) != 0)
            return TEXTSTORE_ERR_FORMAT;
    }
    ts->check_next = ts->checks;
    ts->head = (const unsigned char *)head;
    ts->head_end = end;
    ts->b0 = p;
    ts->b0len = (size_t)(end - p);
    if (ts->nblocks > 0 && ts->b0len < 1)
        return TEXTSTORE_ERR_FORMAT;
    return TEXTSTORE_OK;
}

textstore_status textstore_reopen(textstore *ts, const char *head, size_t len,
                                  textstore_fetch_fn fetch, void *ctx)
{
    /* its memory; what it decoded goes (open zeroes cache_used) */
    textstore kept = *ts;
    if ((size_t)kept.check_room * sizeof *kept.check_off > TEXTSTORE_KEEP) {
        free(kept.check_off);
        kept.check_off = NULL;
        kept.check_room = 0;
    }
    if (kept.raw.cap > TEXTSTORE_KEEP)
        buf_free(&kept.raw);
    textstore_status st = textstore_open(ts, head, len, fetch, ctx);
    memcpy(ts->cache, kept.cache, sizeof ts->cache);
    ts->check_off = kept.check_off;
    ts->check_room = kept.check_room;
    if (kept.raw.data) { /* a zeroed reader's raw has no maximum */
        ts->raw = kept.raw;
        buf_truncate(&ts->raw, 0);
    }
    return st;
}

void textstore_close(textstore *ts)
{
    for (int i = 0; i < TEXTSTORE_CACHE; i++) {
        free(ts->cache[i]);
        ts->cache[i] = NULL;
    }
    free(ts->check_off);
    ts->check_off = NULL;
    ts->check_room = 0;
    buf_free(&ts->raw);
}

/* Bytes of block k. */
static uint32_t block_len(const textstore *ts, uint32_t k)
{
    uint64_t from = (uint64_t)k * ts->block;
    return ts->len - from < ts->block ? (uint32_t)(ts->len - from) : ts->block;
}

/* Decode the first part bytes (at least) of stored block s[0..n) (mode
 * byte first), whose whole is want bytes, into dst (want bytes of room);
 * *got: how many are decoded. */
static textstore_status decode(const unsigned char *s, size_t n, char *dst,
                               uint32_t want, uint32_t part, uint32_t *got)
{
    if (n < 1)
        return TEXTSTORE_ERR_FORMAT;
    if (s[0] == MODE_RAW) {
        if (n - 1 != want)
            return TEXTSTORE_ERR_FORMAT;
        memcpy(dst, s + 1, want);
        *got = want;
        return TEXTSTORE_OK;
    }
    if (s[0] != MODE_LZ4 || n - 1 > (size_t)LZ4_MAX_INPUT_SIZE)
        return TEXTSTORE_ERR_FORMAT;
    int r;
    if (part < want) {
        r = LZ4_decompress_safe_partial((const char *)s + 1, dst, (int)(n - 1),
                                        (int)part, (int)want);
        if (r < (int)part)
            return TEXTSTORE_ERR_FORMAT;
    } else {
        r = LZ4_decompress_safe((const char *)s + 1, dst, (int)(n - 1),
                                (int)want);
        if (r != (int)want)
            return TEXTSTORE_ERR_FORMAT;
    }
    *got = (uint32_t)r;
    return TEXTSTORE_OK;
}

/* Block k decoded at least to byte need, from the cache or read and
 * decoded into it, only that far (in steps of TEXTSTORE_PART): a window
 * is a few KB of a block. */
static textstore_status get_block(textstore *ts, uint32_t k, uint32_t need,
                                  const char **out)
{
    int slot = 0, again = 0;
    for (int i = 0; i < TEXTSTORE_CACHE; i++) {
        if (ts->cache[i] && ts->cache_used[i] && ts->cache_k[i] == k) {
            if (ts->cache_len[i] < need) {
                slot = i; /* decoded again, further */
                again = 1;
                goto decode;
            }
            ts->cache_used[i] = ++ts->clock;
            *out = ts->cache[i];
            return TEXTSTORE_OK;
        }
    }
    /* an unused or invalid slot, else the least recently used */
    for (int i = 1; i < TEXTSTORE_CACHE; i++)
        if (ts->cache_used[i] < ts->cache_used[slot])
            slot = i;
decode:
    if (!ts->cache[slot] && !(ts->cache[slot] = malloc(TEXTSTORE_BLOCK)))
        return TEXTSTORE_ERR_NOMEM;
    uint32_t want = block_len(ts, k), got = 0;
    /* a first read decodes what it needs and a step more; a block asked
     * again for more is decoded whole (a partial decode starts over) */
    uint32_t part = again ? want : (need / TEXTSTORE_PART + 1) * TEXTSTORE_PART;
    ts->cache_used[slot] = 0; /* invalid until decoded */
    ts->cache_k[slot] = UINT32_MAX;
    textstore_status st;
    if (k == 0) {
        st = decode(ts->b0, ts->b0len, ts->cache[slot], want, part, &got);
    } else {
        buf_truncate(&ts->raw, 0);
        if (!ts->fetch || ts->fetch(ts->ctx, k, &ts->raw) != 0)
            return TEXTSTORE_ERR_FETCH;
        const unsigned char *r = (const unsigned char *)ts->raw.data;
        if (ts->raw.len < 5)
            return TEXTSTORE_ERR_FORMAT;
        uint32_t tag = (uint32_t)r[0] | (uint32_t)r[1] << 8 |
                       (uint32_t)r[2] << 16 | (uint32_t)r[3] << 24;
        if (tag != ts->tag)
            return TEXTSTORE_ERR_STALE;
        st = decode(r + 4, ts->raw.len - 4, ts->cache[slot], want, part, &got);
    }
    if (st != TEXTSTORE_OK)
        return st;
    ts->cache_k[slot] = k;
    ts->cache_len[slot] = got;
    ts->cache_used[slot] = ++ts->clock;
    *out = ts->cache[slot];
    return TEXTSTORE_OK;
}

textstore_status textstore_read(textstore *ts, uint64_t from, uint64_t to,
                                char *dst)
{
    if (to > ts->len)
        to = ts->len;
    while (from < to) {
        uint32_t k = (uint32_t)(from / ts->block);
        uint64_t base = (uint64_t)k * ts->block;
        uint64_t stop =
            base + block_len(ts, k) < to ? base + block_len(ts, k) : to;
        const char *b;
        textstore_status st = get_block(ts, k, (uint32_t)(stop - base), &b);
        if (st != TEXTSTORE_OK)
            return st;
        memcpy(dst, b + (from - base), (size_t)(stop - from));
        dst += stop - from;
        from = stop;
    }
    return TEXTSTORE_OK;
}

textstore_status textstore_read_all(textstore *ts, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    /* the head alone cannot show its length is true (up to
     * TEXTSTORE_MAX_TEXT): the last block it announces must be there and
     * of its length before that much is allocated. Read backwards, the
     * loop finds that block in the cache: no second fetch. */
    uint32_t last = ts->nblocks ? ts->nblocks - 1 : 0;
    if (last > 0) {
        const char *b;
        textstore_status st = get_block(ts, last, block_len(ts, last), &b);
        if (st != TEXTSTORE_OK)
            return st;
    }
    char *t = malloc((size_t)ts->len + 1);
    if (!t)
        return TEXTSTORE_ERR_NOMEM;
    /* whole blocks straight into the output (block 0 without the cache) */
    for (uint32_t k = ts->nblocks; k-- > 0;) {
        uint32_t want = block_len(ts, k);
        char *dst = t + (uint64_t)k * ts->block;
        textstore_status st;
        if (k == 0) {
            uint32_t got;
            st = decode(ts->b0, ts->b0len, dst, want, want, &got);
        } else {
            st = textstore_read(ts, (uint64_t)k * ts->block,
                                (uint64_t)k * ts->block + want, dst);
        }
        if (st != TEXTSTORE_OK) {
            free(t);
            return st;
        }
    }
    t[ts->len] = '\0';
    *out = t;
    *len = (size_t)ts->len;
    return TEXTSTORE_OK;
}

int textstore_entry(textstore *ts, uint32_t pos, uint32_t *epos, uint64_t *eoff)
{
    if (pos < ts->first_pos || ts->nchecks == 0)
        return 0;
    uint64_t i = (pos - ts->first_pos) / ts->every;
    if (i >= ts->nchecks)
        return 0;
    if (ts->check_room < ts->nchecks) { /* none yet, or a smaller table's */
        free(ts->check_off);
        ts->check_room = 0;
        if (!(ts->check_off = malloc(ts->nchecks * sizeof *ts->check_off)))
            return -1;
        ts->check_room = ts->nchecks;
    }
    while (ts->ndecoded <= i) {
        uint64_t d = 0;
        /* checked by textstore_open */
        get_varint(&ts->check_next, ts->head_end, &d);
        uint64_t prev = ts->ndecoded ? ts->check_off[ts->ndecoded - 1] : 0;
        uint64_t off = prev + d;
        ts->check_off[ts->ndecoded++] =
            off > UINT32_MAX ? UINT32_MAX : (uint32_t)off;
    }
    *epos = ts->first_pos + (uint32_t)i * ts->every;
    *eoff = ts->check_off[i];
    return 1;
}

uint32_t textstore_pos_end(const textstore *ts)
{
    uint64_t end = ts->first_pos + (uint64_t)ts->nchecks * ts->every;
    return end > UINT32_MAX ? UINT32_MAX : (uint32_t)end;
}
