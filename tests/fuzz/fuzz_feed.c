/* fuzz_feed: libFuzzer target for the JSON lines reader of cglu-index
 * --feed. Byte 0 picks the line limit (small ones reach the long-line
 * path), the rest is the feed. Every line that is not blank gets exactly
 * one answer, in order, with its number; a refused line's message names
 * it; an entry keeps every promise of indexer/feed.h, and written back as
 * JSON and read again it is the same entry with the same hash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "indexer/feed.h"
#include "tests/fuzz/fuzz_util.h"

/* Line limits byte 0 picks from. */
static const size_t limits[] = {16, 64, 256, 1024, FEED_MAX_LINE};
#define NLIMITS (sizeof limits / sizeof limits[0])

/* One line of the feed as the reader must see it: its bytes without the
 * "\n" or "\r\n" (and the first without a BOM). */
typedef struct ref_line {
    const char *s;
    size_t n;
} ref_line;

/* Split in[0..n) into lines (an unended last line counts when not
 * empty). Returns their number; lines[] gets them. */
static size_t ref_split(const char *in, size_t n, ref_line *lines)
{
    size_t count = 0, i = 0;

    while (i < n) {
        const char *nl = memchr(in + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - in) : n;
        ref_line l = {in + i, end - i};
        if (count == 0 && l.n >= 3 && memcmp(l.s, "\xEF\xBB\xBF", 3) == 0) {
            l.s += 3;
            l.n -= 3;
        }
        if (l.n > 0 && l.s[l.n - 1] == '\r')
            l.n--;
        lines[count++] = l;
        i = end + 1;
    }
    return count;
}

static int ref_blank(const ref_line *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->s[i] != ' ' && l->s[i] != '\t' && l->s[i] != '\r')
            return 0;
    return 1;
}

/* A string of an entry: non-NULL, NUL-terminated at its length, no NUL
 * inside, valid UTF-8. */
static void check_str(const char *s, size_t n)
{
    FUZZ_CHECK(s != NULL);
    FUZZ_CHECK(s[n] == '\0' && memchr(s, '\0', n) == NULL);
    FUZZ_CHECK(ref_utf8_valid(s, n));
}

/* A real calendar day "YYYY-MM-DD" of years 1-9999, or "". */
static void check_date(const char *d)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
    int y = 0, m, day;

    FUZZ_CHECK(memchr(d, '\0', FEED_DATE_SIZE) != NULL);
    if (d[0] == '\0')
        return;
    FUZZ_CHECK(strlen(d) == 10 && d[4] == '-' && d[7] == '-');
    for (int k = 0; k < 10; k++)
        FUZZ_CHECK(k == 4 || k == 7 || (d[k] >= '0' && d[k] <= '9'));
    for (int k = 0; k < 4; k++)
        y = y * 10 + (d[k] - '0');
    m = (d[5] - '0') * 10 + (d[6] - '0');
    day = (d[8] - '0') * 10 + (d[9] - '0');
    FUZZ_CHECK(y >= 1 && m >= 1 && m <= 12 && day >= 1 && day <= mdays[m - 1]);
    FUZZ_CHECK(!(m == 2 && day == 29) ||
               (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

/* Every promise of feed_entry. */
static void check_entry(const feed_entry *e)
{
    const unsigned char *id = (const unsigned char *)e->id;
    size_t total = 0;
    const char *p;

    check_str(e->id, e->id_len);
    FUZZ_CHECK(e->id_len >= 1 && e->id_len <= FEED_MAX_ID);
    for (size_t i = 0; i < e->id_len; i++) {
        FUZZ_CHECK(id[i] >= 0x20 && id[i] != 0x7F);
        FUZZ_CHECK(!(id[i] == 0xC2 && id[i + 1] <= 0x9F));
    }
    check_str(e->title, e->title_len);
    check_str(e->url, e->url_len);
    check_str(e->body, e->body_len);
    check_str(e->lang, e->lang_len);
    check_str(e->section, e->section_len);
    check_str(e->description, e->description_len);
    check_date(e->date);
    FUZZ_CHECK(e->deleted == 0 || e->deleted == 1);
    FUZZ_CHECK(e->html == 0 || e->html == 1);
    FUZZ_CHECK(e->tags != NULL && e->ntags <= FEED_MAX_TAGS);
    p = e->tags;
    for (size_t k = 0; k < e->ntags; k++) {
        size_t n = strlen(p);
        FUZZ_CHECK(n >= 1 && total + n + 1 <= e->tags_len);
        check_str(p, n);
        total += n + 1;
        p += n + 1;
    }
    FUZZ_CHECK(total == e->tags_len && e->tags[e->tags_len] == '\0');
    if (e->deleted)
        FUZZ_CHECK(e->html == 0 && e->title_len == 0 && e->url_len == 0 &&
                   e->body_len == 0 && e->lang_len == 0 && e->date[0] == '\0' &&
                   e->ntags == 0 && e->section_len == 0 &&
                   e->description_len == 0);
}

/* A zeroed entry (what every status but FEED_OK leaves). */
static void check_zeroed(const feed_entry *e)
{
    FUZZ_CHECK(e->line == 0 && e->id == NULL && e->id_len == 0 &&
               e->deleted == 0);
    FUZZ_CHECK(e->title == NULL && e->url == NULL && e->body == NULL &&
               e->lang == NULL && e->tags == NULL && e->section == NULL &&
               e->description == NULL);
    FUZZ_CHECK(e->title_len == 0 && e->url_len == 0 && e->body_len == 0 &&
               e->html == 0 && e->lang_len == 0 && e->date[0] == '\0' &&
               e->tags_len == 0 && e->ntags == 0 && e->section_len == 0 &&
               e->description_len == 0 && e->hash == 0);
}

static void put(json_t *o, const char *key, const char *s, size_t n)
{
    FUZZ_CHECK(json_object_set_new(o, key, json_stringn(s, n)) == 0);
}

/* e written back as one JSON line (malloc'd, the caller frees it). */
static char *write_back(const feed_entry *e)
{
    json_t *o = json_object(), *tags = json_array();
    char *line;

    FUZZ_CHECK(o != NULL && tags != NULL);
    put(o, "id", e->id, e->id_len);
    if (e->deleted) {
        FUZZ_CHECK(json_object_set_new(o, "deleted", json_true()) == 0);
        json_decref(tags);
    } else {
        put(o, e->html ? "html" : "text", e->body, e->body_len);
        put(o, "title", e->title, e->title_len);
        put(o, "url", e->url, e->url_len);
        put(o, "lang", e->lang, e->lang_len);
        put(o, "date", e->date, strlen(e->date));
        put(o, "section", e->section, e->section_len);
        put(o, "description", e->description, e->description_len);
        for (const char *p = e->tags; *p; p += strlen(p) + 1)
            FUZZ_CHECK(json_array_append_new(tags, json_string(p)) == 0);
        FUZZ_CHECK(json_object_set_new(o, "tags", tags) == 0);
    }
    line = json_dumps(o, JSON_COMPACT);
    FUZZ_CHECK(line != NULL && strchr(line, '\n') == NULL);
    json_decref(o);
    return line;
}

static int same_str(const char *a, size_t an, const char *b, size_t bn)
{
    return an == bn && memcmp(a, b, an) == 0;
}

/* Read line back: the same entry as e, with the same hash. */
static void check_round_trip(const feed_entry *e)
{
    char *line = write_back(e), err[512];
    FILE *f = fmemopen(line, strlen(line), "r");
    feed_reader *r;
    feed_entry b;
    feed_status st;

    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(feed_open_file(f, "back", &r, err, sizeof err) == FEED_OK);
    st = feed_next(r, &b, err, sizeof err);
    if (st != FEED_OK)
        fprintf(stderr, "written back: %s\nrefused: %s\n", line, err);
    FUZZ_CHECK(st == FEED_OK);
    FUZZ_CHECK(b.line == 1 && b.deleted == e->deleted && b.html == e->html);
    FUZZ_CHECK(same_str(b.id, b.id_len, e->id, e->id_len));
    FUZZ_CHECK(same_str(b.title, b.title_len, e->title, e->title_len));
    FUZZ_CHECK(same_str(b.url, b.url_len, e->url, e->url_len));
    FUZZ_CHECK(same_str(b.body, b.body_len, e->body, e->body_len));
    FUZZ_CHECK(same_str(b.lang, b.lang_len, e->lang, e->lang_len));
    FUZZ_CHECK(strcmp(b.date, e->date) == 0);
    FUZZ_CHECK(b.ntags == e->ntags &&
               same_str(b.tags, b.tags_len, e->tags, e->tags_len));
    FUZZ_CHECK(same_str(b.section, b.section_len, e->section, e->section_len));
    FUZZ_CHECK(same_str(b.description, b.description_len, e->description,
                        e->description_len));
    FUZZ_CHECK(b.hash == e->hash);
    feed_entry_free(&b);
    FUZZ_CHECK(feed_next(r, &b, err, sizeof err) == FEED_END);
    feed_close(r);
    fclose(f);
    free(line);
}

/* err is "line N: " and a message of printable UTF-8. */
static void check_message(const char *err, size_t lineno)
{
    char want[64];
    size_t n = strlen(err);

    snprintf(want, sizeof want, "line %zu: ", lineno);
    FUZZ_CHECK(strncmp(err, want, strlen(want)) == 0 && n > strlen(want));
    FUZZ_CHECK(ref_utf8_valid(err, n));
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK((unsigned char)err[i] >= 0x20 && err[i] != 0x7F);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    size_t max, n, nlines, k = 0;
    ref_line *lines;
    feed_reader *r;
    feed_entry e;
    feed_status st;
    char *in;
    FILE *f;

    if (size < 2) /* fmemopen needs a byte */
        return 0;
    max = limits[data[0] % NLIMITS];
    n = size - 1;
    /* an exact-size copy: ASan then sees any read past the input */
    in = malloc(n);
    lines = malloc((n + 1) * sizeof *lines);
    FUZZ_CHECK(in != NULL && lines != NULL);
    memcpy(in, data + 1, n);
    nlines = ref_split(in, n, lines);

    f = fmemopen(in, n, "r");
    FUZZ_CHECK(f != NULL);
    FUZZ_CHECK(feed_open_file(f, "fuzz", &r, err, sizeof err) == FEED_OK);
    feed_set_max_line(r, max);
    for (;;) {
        st = feed_next(r, &e, err, sizeof err);
        /* the next line that is not blank answers */
        while (k < nlines && ref_blank(&lines[k]) && lines[k].n <= max)
            k++;
        if (st == FEED_END) {
            FUZZ_CHECK(k == nlines);
            check_zeroed(&e);
            break;
        }
        FUZZ_CHECK(k < nlines && feed_line(r) == k + 1);
        if (st == FEED_OK) {
            FUZZ_CHECK(lines[k].n <= max && e.line == k + 1);
            check_entry(&e);
            check_round_trip(&e);
            feed_entry_free(&e);
        } else {
            FUZZ_CHECK(st == FEED_BAD);
            check_zeroed(&e);
            check_message(err, k + 1);
            if (lines[k].n > max) {
                char want[96];
                snprintf(want, sizeof want, "line %zu: longer than %zu bytes",
                         k + 1, max);
                FUZZ_CHECK(strcmp(err, want) == 0);
            }
        }
        k++;
    }
    FUZZ_CHECK(feed_next(r, &e, err, sizeof err) == FEED_END);
    feed_close(r);
    fclose(f);
    free(lines);
    free(in);
    return 0;
}
