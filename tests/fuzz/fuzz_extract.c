/* fuzz_extract: libFuzzer target for text extraction (.txt, .md, .html,
 * Windows-1252 recoding, front matter and metadata); the first byte picks
 * the file name. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "indexer/extract.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    extract_init(); /* once, as the indexer's main thread does */
    return 0;
}

/* One of the strings: NUL-terminated at its length, no NUL inside, valid
 * UTF-8. */
static void check_str(const char *s, size_t n)
{
    FUZZ_CHECK(s != NULL);
    FUZZ_CHECK(s[n] == '\0' && memchr(s, '\0', n) == NULL);
    FUZZ_CHECK(ref_utf8_valid(s, n));
}

/* A metadata string (and a tag): a string, one line, trimmed, within
 * max. */
static void check_field(const char *s, size_t n, size_t max)
{
    check_str(s, n);
    FUZZ_CHECK(n <= max);
    FUZZ_CHECK(memchr(s, '\n', n) == NULL && memchr(s, '\t', n) == NULL);
    FUZZ_CHECK(n == 0 || (s[0] != ' ' && s[n - 1] != ' '));
}

/* A real calendar day "YYYY-MM-DD" of years 1-9999, or "". */
static void check_date(const char *d)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
    int y, m, day;

    FUZZ_CHECK(memchr(d, '\0', EXTRACT_DATE_SIZE) != NULL);
    if (d[0] == '\0')
        return;
    FUZZ_CHECK(strlen(d) == 10 && d[4] == '-' && d[7] == '-');
    for (int k = 0; k < 10; k++)
        FUZZ_CHECK(k == 4 || k == 7 || (d[k] >= '0' && d[k] <= '9'));
    y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 +
        (d[3] - '0');
    m = (d[5] - '0') * 10 + (d[6] - '0');
    day = (d[8] - '0') * 10 + (d[9] - '0');
    FUZZ_CHECK(y >= 1 && m >= 1 && m <= 12 && day >= 1 && day <= mdays[m - 1]);
    FUZZ_CHECK(m != 2 || day != 29 ||
               (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
}

/* ntags distinct (ASCII case-insensitively), non-empty tags filling
 * tags_len exactly, each within its limit. */
static void check_tags(const extract_doc *d)
{
    const char *p = d->tags, *q;
    size_t k, j, used = 0;

    FUZZ_CHECK(d->tags != NULL && d->ntags <= EXTRACT_MAX_TAGS);
    FUZZ_CHECK(d->tags[d->tags_len] == '\0');
    for (k = 0; k < d->ntags; k++) {
        size_t n = strnlen(p, d->tags_len - used);
        FUZZ_CHECK(n > 0 && used + n < d->tags_len);
        check_field(p, n, EXTRACT_MAX_TAG);
        for (q = d->tags, j = 0; j < k; j++, q += strlen(q) + 1)
            FUZZ_CHECK(strlen(q) != n || strncasecmp(q, p, n) != 0);
        used += n + 1;
        p += n + 1;
    }
    FUZZ_CHECK(used == d->tags_len);
}

static void check_doc(const extract_doc *d, extract_format fmt)
{
    check_str(d->title, d->title_len);
    check_str(d->url, d->url_len);
    check_str(d->text, d->text_len);
    FUZZ_CHECK(d->format == fmt);
    FUZZ_CHECK(d->recoded == 0 || d->recoded == 1);
    FUZZ_CHECK(d->url_own == 0 || d->url_own == 1);
    /* title: one line, cut to its limit */
    FUZZ_CHECK(d->title_len <= EXTRACT_MAX_TITLE);
    FUZZ_CHECK(memchr(d->title, '\n', d->title_len) == NULL);
    /* url: a front matter or canonical one within its limit, or the
     * (short) relpath */
    FUZZ_CHECK(d->url_len > 0 && d->url_len <= EXTRACT_MAX_URL);
    /* text: "" only when the title is not */
    FUZZ_CHECK(d->text_len > 0 || d->title_len > 0);
    /* paragraphs separated by exactly one blank line, lines trimmed */
    FUZZ_CHECK(strstr(d->text, "\n\n\n") == NULL);
    FUZZ_CHECK(strstr(d->text, " \n") == NULL);
    FUZZ_CHECK(strstr(d->text, "\n ") == NULL);
    if (d->text_len) {
        FUZZ_CHECK(d->text[0] != ' ' && d->text[0] != '\n');
        FUZZ_CHECK(d->text[d->text_len - 1] != ' ' &&
                   d->text[d->text_len - 1] != '\n');
    }
    /* metadata: one line, within limits, a real day, distinct tags */
    check_field(d->lang, d->lang_len, EXTRACT_MAX_LANG);
    check_field(d->section, d->section_len, EXTRACT_MAX_SECTION);
    check_field(d->description, d->description_len, EXTRACT_MAX_DESCRIPTION);
    check_date(d->date);
    check_tags(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"doc.txt", "notes/doc.md",
                                        "site/page.html", "a b/é.markdown"};
    static const extract_format fmts[] = {
        EXTRACT_FMT_TEXT, EXTRACT_FMT_MARKDOWN, EXTRACT_FMT_HTML,
        EXTRACT_FMT_MARKDOWN};
    extract_doc doc;
    char err[128];

    if (size < 1)
        return 0;
    const char *relpath = names[data[0] & 3];
    extract_format fmt = fmts[data[0] & 3];
    /* bit 2: a size limit the input may pass */
    size_t max_size = (data[0] & 4) ? 64 : 0;
    size_t n = size - 1;
    /* an exact-size copy: ASan then sees any read past the input */
    char *bytes = malloc(n ? n : 1);

    FUZZ_CHECK(bytes != NULL);
    if (n)
        memcpy(bytes, data + 1, n);
    FUZZ_CHECK(extract_format_of(relpath) == fmt);
    err[0] = '\0';
    extract_status st =
        extract_document(relpath, bytes, n, max_size, &doc, err, sizeof err);
    if (st == EXTRACT_OK) {
        FUZZ_CHECK(max_size == 0 || n <= max_size);
        check_doc(&doc, fmt);
    } else {
        /* a skip or an error leaves *out zeroed and says why */
        FUZZ_CHECK(doc.title == NULL && doc.url == NULL && doc.text == NULL);
        FUZZ_CHECK(doc.lang == NULL && doc.tags == NULL &&
                   doc.section == NULL && doc.description == NULL &&
                   doc.date[0] == '\0');
        FUZZ_CHECK(st == EXTRACT_SKIP_EMPTY || st == EXTRACT_SKIP_BINARY ||
                   st == EXTRACT_SKIP_TOO_LARGE ||
                   st == EXTRACT_SKIP_UNLISTED || st == EXTRACT_ERR_NOMEM);
        FUZZ_CHECK(st != EXTRACT_SKIP_TOO_LARGE || n > max_size);
        FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);
    }
    extract_doc_free(&doc);
    extract_doc_free(&doc); /* documented as harmless */
    free(bytes);
    return 0;
}
