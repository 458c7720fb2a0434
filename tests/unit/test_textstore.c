/* textstore: blocks decode alone and give the text back byte for byte; the
 * position table finds words; a block of another version, a failed fetch
 * and damaged values are errors, never wrong text; and a snippet of a long
 * text reads only the blocks of its window (search/snip). */
#include <stdlib.h>
#include <string.h>

#include "common/textstore.h"
#include "search/snip.h"
#include "unit_util.h"

/* The values of one encoded text, as a document would hold them. */
typedef struct stored {
    textstore_enc enc;
    int fetches; /* blocks asked for */
    int fail;    /* fetch fails */
    int bad_tag; /* fetched blocks carry another tag */
} stored;

static int fetch(void *ctx, uint32_t k, buf_t *into)
{
    stored *s = ctx;
    s->fetches++;
    if (s->fail || k == 0 || k > s->enc.nextra)
        return -1;
    size_t from = k > 1 ? s->enc.ends[k - 2] : 0;
    if (buf_append(into, s->enc.blocks.data + from,
                   s->enc.ends[k - 1] - from) != BUF_OK)
        return -1;
    if (s->bad_tag)
        into->data[into->len - (s->enc.ends[k - 1] - from)] ^= 1;
    return 0;
}

/* A text of n bytes: French words, accents, blanks, and some bytes that
 * are not UTF-8, seeded. */
static char *make_text(size_t n, unsigned seed)
{
    static const char *const w[] = {"gouvernement ", "élus ", "région\n",
                                    "ville ",        "\xff ", "cœur  "};
    char *t = malloc(n + 1);
    size_t i = 0;
    srand(seed);
    while (i < n) {
        const char *s = w[rand() % 6];
        size_t l = strlen(s);
        if (l > n - i)
            l = n - i;
        memcpy(t + i, s, l);
        i += l;
    }
    t[n] = '\0';
    return t;
}

static void encode(stored *s, const char *text, size_t n)
{
    memset(s, 0, sizeof *s);
    assert_int_equal(textstore_encode(text, n, 10, NULL, 0, 0xC0FFEE, &s->enc),
                     TEXTSTORE_OK);
}

static void test_round_trip(void **state)
{
    (void)state;
    const size_t sizes[] = {0,
                            1,
                            100,
                            TEXTSTORE_BLOCK - 1,
                            TEXTSTORE_BLOCK,
                            TEXTSTORE_BLOCK + 1,
                            5 * TEXTSTORE_BLOCK + 77};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        char *text = make_text(sizes[k], (unsigned)k);
        stored s;
        textstore ts;
        encode(&s, text, sizes[k]);
        assert_int_equal(s.enc.nextra,
                         sizes[k] ? (sizes[k] - 1) / TEXTSTORE_BLOCK : 0);
        /* compressed: a repetitive text takes far less */
        if (sizes[k] > 1000)
            assert_true(s.enc.head.len + s.enc.blocks.len < sizes[k] / 2);
        assert_int_equal(
            textstore_open(&ts, s.enc.head.data, s.enc.head.len, fetch, &s),
            TEXTSTORE_OK);
        assert_int_equal(ts.len, sizes[k]);
        char *all;
        size_t len;
        assert_int_equal(textstore_read_all(&ts, &all, &len), TEXTSTORE_OK);
        assert_int_equal(len, sizes[k]);
        assert_memory_equal(all, text, len + 1);
        free(all);
        /* ranges across blocks, in any order, parts of blocks first */
        srand(7);
        for (int r = 0; r < 200 && sizes[k]; r++) {
            size_t a = (size_t)rand() % sizes[k], b = (size_t)rand() % 3000;
            size_t e = a + b < sizes[k] ? a + b : sizes[k];
            char buf[3000];
            assert_int_equal(textstore_read(&ts, a, a + b, buf), TEXTSTORE_OK);
            assert_memory_equal(buf, text + a, e - a);
        }
        textstore_close(&ts);
        textstore_enc_free(&s.enc);
        free(text);
    }
}

static void test_positions(void **state)
{
    (void)state;
    const char *text = "un deux trois quatre cinq six sept huit neuf dix";
    uint32_t checks[] = {0, 3, 9}; /* words 0, 1, 2 of the table */
    stored s = {0};
    textstore ts;
    assert_int_equal(
        textstore_encode(text, strlen(text), 70, checks, 3, 1, &s.enc),
        TEXTSTORE_OK);
    assert_int_equal(
        textstore_open(&ts, s.enc.head.data, s.enc.head.len, fetch, &s),
        TEXTSTORE_OK);
    uint32_t epos;
    uint64_t eoff;
    assert_int_equal(textstore_entry(&ts, 69, &epos, &eoff), 0); /* title */
    assert_int_equal(textstore_entry(&ts, 70, &epos, &eoff), 1);
    assert_true(epos == 70 && eoff == 0);
    assert_int_equal(
        textstore_entry(&ts, 70 + TEXTSTORE_EVERY + 1, &epos, &eoff), 1);
    assert_true(epos == 70 + TEXTSTORE_EVERY && eoff == 3);
    assert_int_equal(
        textstore_entry(&ts, 70 + 2 * TEXTSTORE_EVERY, &epos, &eoff), 1);
    assert_true(eoff == 9);
    assert_int_equal(textstore_pos_end(&ts), 70 + 3 * TEXTSTORE_EVERY);
    assert_int_equal(
        textstore_entry(&ts, 70 + 3 * TEXTSTORE_EVERY, &epos, &eoff),
        0); /* past the table */
    textstore_close(&ts);
    textstore_enc_free(&s.enc);
}

static void test_errors(void **state)
{
    (void)state;
    char *text = make_text(3 * TEXTSTORE_BLOCK, 3);
    stored s;
    textstore ts;
    char buf[64];
    encode(&s, text, 3 * TEXTSTORE_BLOCK);
    assert_int_equal(
        textstore_open(&ts, s.enc.head.data, s.enc.head.len, fetch, &s),
        TEXTSTORE_OK);
    s.bad_tag = 1; /* a block of another version of the document */
    assert_int_equal(
        textstore_read(&ts, TEXTSTORE_BLOCK, TEXTSTORE_BLOCK + 10, buf),
        TEXTSTORE_ERR_STALE);
    s.bad_tag = 0;
    s.fail = 1;
    assert_int_equal(
        textstore_read(&ts, 2 * TEXTSTORE_BLOCK, 2 * TEXTSTORE_BLOCK + 10, buf),
        TEXTSTORE_ERR_FETCH);
    s.fail = 0;
    assert_int_equal(
        textstore_read(&ts, 2 * TEXTSTORE_BLOCK, 2 * TEXTSTORE_BLOCK + 10, buf),
        TEXTSTORE_OK);
    assert_memory_equal(buf, text + 2 * TEXTSTORE_BLOCK, 10);
    textstore_close(&ts);

    /* damaged heads: every prefix, and bytes changed, are refused or read
     * as a text of the right length, never past the value */
    for (size_t n = 0; n < s.enc.head.len; n++)
        if (n < 8) {
            assert_int_not_equal(
                textstore_open(&ts, s.enc.head.data, n, fetch, &s),
                TEXTSTORE_OK);
            textstore_close(&ts);
        }
    char *bad = malloc(s.enc.head.len);
    for (size_t i = 0; i < s.enc.head.len; i += 7) {
        memcpy(bad, s.enc.head.data, s.enc.head.len);
        bad[i] ^= 0x5A;
        if (textstore_open(&ts, bad, s.enc.head.len, fetch, &s) ==
            TEXTSTORE_OK) {
            char *all;
            size_t len;
            if (textstore_read_all(&ts, &all, &len) == TEXTSTORE_OK) {
                assert_int_equal(len, ts.len);
                free(all);
            }
        }
        textstore_close(&ts);
    }
    free(bad);
    UNIT_MESSAGES(textstore_strerror, {TEXTSTORE_OK, "success"},
                  {TEXTSTORE_ERR_NOMEM, "out of memory"},
                  {TEXTSTORE_ERR_FORMAT, "stored text unreadable"},
                  {TEXTSTORE_ERR_STALE, "stored text changed while read"},
                  {TEXTSTORE_ERR_FETCH, "cannot read a block of stored text"},
                  {TEXTSTORE_ERR_LIMIT, "text too long to store"},
                  {99, "unknown error"});
    textstore_enc_free(&s.enc);
    free(text);
}

/* head[0..n) with its length (the varint after the magic byte) replaced by
 * tlen, into out. */
static void set_len(const char *head, size_t n, uint64_t tlen, buf_t *out)
{
    size_t i = 1;
    while (i < n && (head[i] & 0x80))
        i++;
    buf_init(out, BUF_MAX_LIMIT);
    buf_putc(out, head[0]);
    for (; tlen >= 0x80; tlen >>= 7)
        buf_putc(out, (char)(tlen | 0x80));
    buf_putc(out, (char)tlen);
    assert_int_equal(buf_append(out, head + i + 1, n - i - 1), BUF_OK);
}

/* A damaged head announcing more text than its blocks hold is refused by
 * its last block, read first, before the text is allocated (up to
 * TEXTSTORE_MAX_TEXT) or any other block is read. */
static void test_head_longer_than_blocks(void **state)
{
    (void)state;
    const size_t n = 2 * TEXTSTORE_BLOCK + TEXTSTORE_BLOCK / 2;
    const struct {
        uint64_t len;
        textstore_status st;
    } cases[] = {
        {TEXTSTORE_MAX_TEXT, TEXTSTORE_ERR_FETCH},   /* blocks not there */
        {3 * TEXTSTORE_BLOCK, TEXTSTORE_ERR_FORMAT}, /* the last is short */
    };
    char *text = make_text(n, 5);
    stored s;
    encode(&s, text, n);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        buf_t head;
        textstore ts;
        char *all;
        size_t len;
        set_len(s.enc.head.data, s.enc.head.len, cases[c].len, &head);
        assert_int_equal(textstore_open(&ts, head.data, head.len, fetch, &s),
                         TEXTSTORE_OK);
        assert_int_equal(ts.len, cases[c].len);
        s.fetches = 0;
        assert_int_equal(textstore_read_all(&ts, &all, &len), cases[c].st);
        assert_null(all);
        assert_int_equal(s.fetches, 1);
        textstore_close(&ts);
        buf_free(&head);
    }
    textstore_enc_free(&s.enc);
    free(text);
}

/* A reader reopened over another text keeps its memory, and reads the new
 * text only: no block or table entry of the old one. */
static void test_reopen(void **state)
{
    (void)state;
    const size_t n = 3 * TEXTSTORE_BLOCK;
    char *ta = make_text(n, 11), *tb = make_text(n, 12);
    uint32_t ca[] = {0, 5, 9}, cb[] = {0, 7, 13};
    stored a = {0}, b = {0};
    textstore ts = {0};
    char buf[100];
    uint32_t epos;
    uint64_t eoff;
    assert_int_equal(textstore_encode(ta, n, 10, ca, 3, 1, &a.enc),
                     TEXTSTORE_OK);
    assert_int_equal(textstore_encode(tb, n, 10, cb, 3, 2, &b.enc),
                     TEXTSTORE_OK);
    assert_int_equal(
        textstore_reopen(&ts, a.enc.head.data, a.enc.head.len, fetch, &a),
        TEXTSTORE_OK);
    for (int k = 0; k < 3; k++) /* every block of a in the cache */
        assert_int_equal(textstore_read(&ts, (uint64_t)k * TEXTSTORE_BLOCK,
                                        (uint64_t)k * TEXTSTORE_BLOCK + 100,
                                        buf),
                         TEXTSTORE_OK);
    assert_int_equal(
        textstore_entry(&ts, 10 + 2 * TEXTSTORE_EVERY, &epos, &eoff), 1);
    assert_int_equal(eoff, 9);
    char *block0 = ts.cache[0];
    uint32_t *table = ts.check_off;
    assert_int_equal(
        textstore_reopen(&ts, b.enc.head.data, b.enc.head.len, fetch, &b),
        TEXTSTORE_OK);
    assert_ptr_equal(ts.cache[0], block0); /* kept, not freed */
    for (int k = 0; k < 3; k++) {
        uint64_t at = (uint64_t)k * TEXTSTORE_BLOCK + 50;
        assert_int_equal(textstore_read(&ts, at, at + 100, buf), TEXTSTORE_OK);
        assert_memory_equal(buf, tb + at, 100);
    }
    assert_int_equal(
        textstore_entry(&ts, 10 + 2 * TEXTSTORE_EVERY, &epos, &eoff), 1);
    assert_int_equal(eoff, 13);
    assert_ptr_equal(ts.check_off, table);
    char *all;
    size_t len;
    assert_int_equal(textstore_read_all(&ts, &all, &len), TEXTSTORE_OK);
    assert_int_equal(len, n);
    assert_memory_equal(all, tb, n);
    free(all);
    textstore_close(&ts);
    textstore_enc_free(&a.enc);
    textstore_enc_free(&b.enc);
    free(ta);
    free(tb);
}

/* A snippet of a 1.2 MB text around a word at 700 KB reads the blocks of
 * its window only, and is the whole text's snippet. */
static void test_snippet_reads_its_window(void **state)
{
    (void)state;
    analyzer *a;
    assert_int_equal(analyze_new("fr", &a, NULL, 0), ANALYZE_OK);
    size_t n = 1200000, at = 700000;
    char *text = make_text(n, 5);
    memcpy(text + at, " ornithorynque ", 15);
    /* the table and the word's position, as docbuild makes them */
    buf_t checks;
    buf_init(&checks, BUF_MAX_LIMIT);
    analyze_token tok;
    uint32_t first = 100, pos = 0;
    analyze_begin(a, text, n, first);
    while (analyze_next(a, &tok) == 1) {
        if ((tok.position - first) % TEXTSTORE_EVERY == 0 &&
            tok.offset < SNIP_MAX_SCAN) {
            uint32_t off = (uint32_t)tok.offset;
            buf_append(&checks, &off, sizeof off);
        }
        if (tok.fold_len == 13 && memcmp(tok.fold, "ornithorynque", 13) == 0)
            pos = tok.position;
    }
    assert_true(pos > 0);
    stored s = {0};
    assert_int_equal(textstore_encode(text, n, first,
                                      (const uint32_t *)checks.data,
                                      checks.len / 4, 9, &s.enc),
                     TEXTSTORE_OK);
    textstore ts;
    assert_int_equal(
        textstore_open(&ts, s.enc.head.data, s.enc.head.len, fetch, &s),
        TEXTSTORE_OK);
    char *stems[] = {"ornithorynqu"};
    const uint32_t *plist[] = {&pos};
    size_t npos[] = {1};
    snip_terms st = {stems, 1, NULL, 0};
    snip_positions pp = {plist, npos};
    buf_t got, want;
    buf_init(&got, 1 << 16);
    buf_init(&want, 1 << 16);
    assert_int_equal(snip_build_stored(a, &ts, &st, &pp, 200, NULL, &got),
                     SNIP_OK);
    assert_true(s.fetches <= 2);
    assert_int_equal(snip_build(a, text, n, &st, 200, &want), SNIP_OK);
    assert_string_equal(got.data, want.data);
    assert_non_null(strstr(got.data, "<mark>ornithorynque</mark>"));
    textstore_close(&ts);
    textstore_enc_free(&s.enc);
    buf_free(&got);
    buf_free(&want);
    buf_free(&checks);
    free(text);
    analyze_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_head_longer_than_blocks),
        cmocka_unit_test(test_reopen),
        cmocka_unit_test(test_snippet_reads_its_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
