/* test_extract_limits: the extractor's entry point at its limits: formats
 * by name, the size limit, binary sniffing, the title cut, bad arguments,
 * messages, garbage and pathological input, and metadata in bulk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/unit_util.h"
#include "tests/unit/unit_extract.h"
#include "indexer/extract.h"

static void test_format_of(void **state)
{
    static const struct {
        const char *path;
        extract_format fmt;
    } t[] = {
        {"a.txt", EXTRACT_FMT_TEXT},      {"A.TxT", EXTRACT_FMT_TEXT},
        {"d/x.md", EXTRACT_FMT_MARKDOWN}, {"x.Markdown", EXTRACT_FMT_MARKDOWN},
        {"x.html", EXTRACT_FMT_HTML},     {"x.HTM", EXTRACT_FMT_HTML},
        {"x.tar.html", EXTRACT_FMT_HTML}, {"x.html.bak", EXTRACT_FMT_NONE},
        {"x.xhtml", EXTRACT_FMT_NONE},    {"d.txt/x", EXTRACT_FMT_NONE},
        {".txt", EXTRACT_FMT_NONE},       {"x.", EXTRACT_FMT_NONE},
        {"", EXTRACT_FMT_NONE},
    };
    size_t k;

    (void)state;
    for (k = 0; k < sizeof t / sizeof t[0]; k++)
        if (extract_format_of(t[k].path) != t[k].fmt)
            fail_msg("%s: format %d, want %d", t[k].path,
                     extract_format_of(t[k].path), t[k].fmt);
    assert_int_equal(extract_format_of(NULL), EXTRACT_FMT_NONE);
}

static void test_too_large(void **state)
{
    extract_doc d;
    char err[64];
    size_t n = EXTRACT_MAX_SIZE + 1;
    char *big = malloc(n);

    (void)state;
    assert_non_null(big);
    memset(big, 'a', n);
    assert_int_equal(extract_document("a.txt", big, n, 0, &d, err, sizeof err),
                     EXTRACT_SKIP_TOO_LARGE);
    assert_string_equal(err, "larger than 50 MB");
    assert_null(d.text);
    /* exactly at the limit is fine */
    assert_int_equal(
        extract_document("a.txt", big, n - 1, 0, &d, err, sizeof err),
        EXTRACT_OK);
    assert_int_equal(d.text_len, n - 1);
    assert_int_equal(d.title_len, EXTRACT_MAX_TITLE);
    extract_doc_free(&d);
    free(big);

    assert_int_equal(
        extract_document("a.md", "0123456789x", 11, 10, &d, err, sizeof err),
        EXTRACT_SKIP_TOO_LARGE);
    assert_string_equal(err, "larger than 10 bytes");
    /* the type is checked first: a huge .pdf is "unsupported", not large */
    assert_int_equal(
        extract_document("a.pdf", "0123456789x", 11, 10, &d, err, sizeof err),
        EXTRACT_SKIP_TYPE);
    assert_string_equal(extract_strerror(EXTRACT_SKIP_TOO_LARGE),
                        "larger than the size limit");
}

static void test_nul_after_sniff(void **state)
{
    size_t n = EXTRACT_SNIFF + 100;
    char *s = malloc(n);
    extract_doc d;

    (void)state;
    assert_non_null(s);
    memset(s, 'a', n);
    s[EXTRACT_SNIFF + 10] = '\0';
    assert_int_equal(extract_document("a.txt", s, n, 0, &d, NULL, 0),
                     EXTRACT_OK);
    unit_extract_check(&d);
    assert_int_equal(d.text_len, n); /* the NUL became a space */
    assert_int_equal(d.text[EXTRACT_SNIFF + 10], ' ');
    extract_doc_free(&d);
    /* the same NUL in the sniffed start makes it binary */
    s[EXTRACT_SNIFF + 10] = 'a';
    s[EXTRACT_SNIFF - 1] = '\0';
    assert_int_equal(extract_document("a.txt", s, n, 0, &d, NULL, 0),
                     EXTRACT_SKIP_BINARY);
    free(s);
}

static void test_title_cut(void **state)
{
    char s[1 + 150 * 2 + 20];
    extract_doc d;
    size_t k;

    (void)state;
    s[0] = 'a';
    for (k = 0; k < 150; k++)
        memcpy(s + 1 + 2 * k, "\xc3\xa9", 2);
    strcpy(s + 301, "\nreste");
    assert_int_equal(extract_document("a.txt", s, strlen(s), 0, &d, NULL, 0),
                     EXTRACT_OK);
    unit_extract_check(&d);
    /* byte 200 is inside the 100th 'é': cut before it */
    assert_int_equal(d.title_len, 199);
    assert_memory_equal(d.title, s, 199);
    extract_doc_free(&d);
}

static void test_bad_args(void **state)
{
    extract_doc d;
    char err[32];

    (void)state;
    assert_int_equal(extract_document(NULL, "x", 1, 0, &d, err, sizeof err),
                     EXTRACT_ERR_ARG);
    assert_null(d.text);
    assert_int_equal(extract_document("a.txt", NULL, 1, 0, &d, NULL, 0),
                     EXTRACT_ERR_ARG);
    assert_int_equal(extract_document("a.txt", "x", 1, 0, NULL, NULL, 0),
                     EXTRACT_ERR_ARG);
    extract_doc_free(NULL);
}

/* xorshift64*: the same "random" documents on every run. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1Du;
}

/* Garbage, truncated and hostile inputs: no crash (the sanitizer build
 * checks memory), a sane status, and the invariants when OK. */
static void test_garbage(void **state)
{
    static const char *const bits[] = {
        "<",
        ">",
        "</",
        "<p>",
        "</p>",
        "<div ",
        "<!--",
        "-->",
        "<script>",
        "</script",
        "&",
        "&#",
        "&#x",
        ";",
        "&amp",
        "&#xFFFFFFFF;",
        "\"",
        "'",
        "<title>",
        "<h1>",
        "[",
        "](",
        ")",
        "`",
        "```",
        "*",
        "_",
        "#",
        "---\n",
        "\n",
        " ",
        "é",
        "\xe9",
        "\xc3",
        "<br/>",
        "<a href='",
        "<meta name=description content=",
        "<link rel=canonical href=",
        "data-noindex",
        "~~",
        "|",
        "> ",
        "- ",
        "![",
        "<https://",
        "@",
        "\r",
        "\xef\xbb\xbf",
        "\\",
        "<![CDATA[",
        "lang: ",
        "date: 2024-02-29",
        "tags: [",
        "]",
        ",",
        "tags:\n",
        "  - ",
        "description: >\n  ",
        "<html lang=\"fr\">",
        "<time datetime=\"2024-05-03T10:00Z\">",
        "<meta name=keywords content=\"a, b",
        "<meta property=article:published_time content=",
        "<main>",
        "<aside>",
        "<header>",
    };
    static const char *const paths[] = {"g.html", "g.md", "g.txt"};
    const size_t nbits = sizeof bits / sizeof bits[0];
    uint64_t seed = 0x9E3779B97F4A7C15u;
    char doc[4096];
    extract_doc d;
    int round;

    (void)state;
    for (round = 0; round < 3000; round++) {
        size_t len = 0, k;
        int parts = (int)(rnd(&seed) % 60);
        extract_status st;
        for (k = 0; k < (size_t)parts; k++) {
            const char *b = bits[rnd(&seed) % nbits];
            size_t bl = strlen(b);
            if (len + bl >= sizeof doc)
                break;
            memcpy(doc + len, b, bl);
            len += bl;
        }
        if (len > 0 && rnd(&seed) % 4 == 0) /* truncate anywhere */
            len = (size_t)(rnd(&seed) % len);
        st = extract_document(paths[round % 3], doc, len, 0, &d, NULL, 0);
        assert_true(st == EXTRACT_OK || st == EXTRACT_SKIP_EMPTY ||
                    st == EXTRACT_SKIP_BINARY);
        if (st == EXTRACT_OK)
            unit_extract_check(&d);
        extract_doc_free(&d);
    }
}

/* Inputs that would be slow or deep with a naive parser. libxml2 stops at
 * 256 nested elements (its guard against deep documents): what came before
 * is kept, the rest is lost. */
static void test_pathological(void **state)
{
    static const struct {
        const char *path;
        const char *unit;
        size_t repeat;
        int tail_kept; /* "fin" after the repeats is in the text */
    } t[] = {
        {"deep.html", "<div>", 200000, 0},  {"deep.html", "<div>", 250, 1},
        {"deep.html", "<b><i>", 100000, 0}, {"br.md", "[", 200000, 1},
        {"tick.md", "a`", 200000, 1},       {"tag.md", "<a ", 100000, 1},
        {"amp.md", "&", 200000, 1},         {"star.md", "*a", 100000, 1},
        {"quote.md", ">", 200000, 1},       {"hash.md", "#", 200000, 1},
        {"link.md", "[a](", 100000, 1},     {"lt.html", "< ", 200000, 1},
    };
    extract_doc d;
    size_t k, r, ul;

    (void)state;
    for (k = 0; k < sizeof t / sizeof t[0]; k++) {
        char *s;
        size_t len = 0;
        extract_status st;
        ul = strlen(t[k].unit);
        s = malloc(ul * t[k].repeat + 32);
        assert_non_null(s);
        len = (size_t)sprintf(
            s, "%s",
            strstr(t[k].path, ".html") != NULL ? "<p>début</p>" : "début\n\n");
        for (r = 0; r < t[k].repeat; r++, len += ul)
            memcpy(s + len, t[k].unit, ul);
        memcpy(s + len, "fin", 4);
        st = extract_document(t[k].path, s, strlen(s), 0, &d, NULL, 0);
        if (st != EXTRACT_OK)
            fail_msg("%s x %zu: status %d", t[k].unit, t[k].repeat, st);
        unit_extract_check(&d);
        assert_string_equal(d.title, "début");
        if ((strstr(d.text, "fin") != NULL) != t[k].tail_kept)
            fail_msg("%s x %zu: tail %s", t[k].unit, t[k].repeat,
                     t[k].tail_kept ? "lost" : "kept");
        extract_doc_free(&d);
        free(s);
    }
}

static void test_strerror(void **state)
{
    (void)state;
    UNIT_MESSAGES(extract_strerror, {EXTRACT_SKIP_BINARY, "binary file"},
                  {EXTRACT_SKIP_EMPTY, "empty"},
                  {EXTRACT_SKIP_TYPE, "unsupported type"},
                  {EXTRACT_ERR_NOMEM, "out of memory"}, {99, "unknown status"});
}

/* One document of count sections, each a heading and a paragraph (printf
 * formats of the section's number); the caller frees it. */
static char *sections(const char *head_fmt, const char *para_fmt, size_t count)
{
    size_t cap = count * 64 + 64, n = 0, k;
    char *s = malloc(cap);

    assert_non_null(s);
    for (k = 1; k <= count; k++) {
        n += (size_t)snprintf(s + n, cap - n, head_fmt, k);
        n += (size_t)snprintf(s + n, cap - n, para_fmt, k);
    }
    return s;
}

/* Past EXTRACT_MAX_HEADINGS, headings are body text; the ranges never
 * change the text: a document of h2s (##) extracts to the same text as
 * the same document of h4s (####), which are no headings. */
static void test_heading_limit(void **state)
{
    static const struct {
        const char *path, *head, *minor, *para;
    } t[] = {
        {"a.html", "<h2>titre%zu</h2>", "<h4>titre%zu</h4>", "<p>corps%zu</p>"},
        {"a.md", "## titre%zu\n\n", "#### titre%zu\n\n", "corps%zu\n\n"},
    };
    const size_t count = EXTRACT_MAX_HEADINGS + 5;

    (void)state;
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        char *h = sections(t[k].head, t[k].para, count);
        char *m = sections(t[k].minor, t[k].para, count);
        extract_doc dh, dm;
        char want[32];

        assert_int_equal(
            extract_document(t[k].path, h, strlen(h), 0, &dh, NULL, 0),
            EXTRACT_OK);
        assert_int_equal(
            extract_document(t[k].path, m, strlen(m), 0, &dm, NULL, 0),
            EXTRACT_OK);
        unit_extract_check(&dh);
        unit_extract_check(&dm);
        assert_string_equal(dh.text, dm.text);
        assert_int_equal(dm.nheadings, 0);
        assert_int_equal(dh.nheadings, EXTRACT_MAX_HEADINGS);
        for (size_t i = 0; i < dh.nheadings; i++) {
            const extract_range *r = &dh.headings[i];
            int n = snprintf(want, sizeof want, "titre%zu", i + 1);
            assert_int_equal(r->end - r->start, n);
            assert_memory_equal(dh.text + r->start, want, (size_t)n);
        }
        snprintf(want, sizeof want, "titre%zu", count); /* still text */
        assert_non_null(strstr(dh.text, want));
        /* the lead: after the first heading, its paragraph */
        assert_memory_equal(dh.text + dh.lead.start, "corps1", 6);
        assert_int_equal(dh.lead.end - dh.lead.start, 6);
        extract_doc_free(&dh);
        extract_doc_free(&dm);
        free(h);
        free(m);
    }
}

/* Metadata in bulk: a keyword list of a million items, a page of
 * 100000 article:tag metas, front matter lists up to and past FM_MAX
 * (64 KiB): fast, within the limits, and a front matter that does not
 * close in time gives no tags. */
static void test_meta_bulk(void **state)
{
    const size_t big = 1000000;
    char *s = malloc(big * 40 + 64);
    extract_doc d;
    size_t n, k;

    (void)state;
    assert_non_null(s);
    n = (size_t)sprintf(s, "<meta name=keywords content=\"");
    for (k = 0; k < big; k++, n += 2)
        memcpy(s + n, "a,", 2);
    n += (size_t)sprintf(s + n, "\"><p>x</p>");
    assert_int_equal(extract_document("a.html", s, n, 0, &d, NULL, 0),
                     EXTRACT_OK);
    unit_extract_check(&d);
    assert_int_equal(d.ntags, 1);
    extract_doc_free(&d);

    for (n = 0, k = 0; k < big / 10; k++)
        n += (size_t)sprintf(s + n, "<meta property=article:tag content=t%zu>",
                             k);
    n += (size_t)sprintf(s + n, "<p>x</p>");
    assert_int_equal(extract_document("a.html", s, n, 0, &d, NULL, 0),
                     EXTRACT_OK);
    unit_extract_check(&d);
    assert_int_equal(d.ntags, EXTRACT_MAX_TAGS);
    extract_doc_free(&d);

    /* 5000 list lines (about 50 KB), block and flow: within FM_MAX */
    for (int form = 0; form < 2; form++) {
        n = (size_t)sprintf(s, "---\ntags:%s\n", form ? " [" : "");
        for (k = 0; k < 5000; k++)
            n += (size_t)sprintf(s + n, form ? "  t%04zu,\n" : "  - t%04zu\n",
                                 k);
        n += (size_t)sprintf(s + n, "---\nx\n");
        assert_int_equal(extract_document("a.md", s, n, 0, &d, NULL, 0),
                         EXTRACT_OK);
        unit_extract_check(&d);
        assert_int_equal(d.ntags, EXTRACT_MAX_TAGS);
        assert_string_equal(d.text, "x");
        extract_doc_free(&d);
    }
    /* 10000 lines: past FM_MAX, so no front matter and no tags */
    n = (size_t)sprintf(s, "---\ntags:\n");
    for (k = 0; k < 10000; k++)
        n += (size_t)sprintf(s + n, "  - t%04zu\n", k);
    n += (size_t)sprintf(s + n, "---\nx\n");
    assert_int_equal(extract_document("a.txt", s, n, 0, &d, NULL, 0),
                     EXTRACT_OK);
    unit_extract_check(&d);
    assert_int_equal(d.ntags, 0);
    assert_string_equal(d.title, "---");
    extract_doc_free(&d);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_of),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_nul_after_sniff),
        cmocka_unit_test(test_title_cut),
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_pathological),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_heading_limit),
        cmocka_unit_test(test_meta_bulk),
    };
    return cmocka_run_group_tests(tests, unit_extract_setup,
                                  unit_extract_teardown);
}
