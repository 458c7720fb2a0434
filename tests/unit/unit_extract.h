/* unit_extract: what test_extract and test_extract_limits share (header
 * only): the promises of every extracted document (its metadata too), and
 * libxml2's set-up around a group of tests. */
#ifndef CGLU_TESTS_UNIT_EXTRACT_H
#define CGLU_TESTS_UNIT_EXTRACT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "indexer/extract.h"
#include "tests/unit/ref_utf8.h"

/* A metadata string: the length it says, valid UTF-8, one line, trimmed,
 * within max. */
static inline void unit_extract_field(const char *s, size_t n, size_t max)
{
    assert_non_null(s);
    assert_int_equal(strlen(s), n); /* no NUL inside */
    assert_true(ref_utf8_valid(s, n));
    assert_true(n <= max);
    assert_null(strchr(s, '\n'));
    assert_null(strchr(s, '\t'));
    assert_true(n == 0 || (s[0] != ' ' && s[n - 1] != ' '));
}

/* The metadata promises: fields within their limits, a date that is
 * "" or YYYY-MM-DD, and ntags tags that fill tags_len exactly. */
static inline void unit_extract_check_meta(const extract_doc *d)
{
    const char *p;
    size_t k, used = 0;

    unit_extract_field(d->lang, d->lang_len, EXTRACT_MAX_LANG);
    unit_extract_field(d->section, d->section_len, EXTRACT_MAX_SECTION);
    unit_extract_field(d->description, d->description_len,
                       EXTRACT_MAX_DESCRIPTION);
    assert_true(d->date[0] == '\0' || strlen(d->date) == 10);
    for (k = 0; d->date[0] != '\0' && k < 10; k++)
        assert_true(k == 4 || k == 7 ? d->date[k] == '-'
                                     : d->date[k] >= '0' && d->date[k] <= '9');
    assert_non_null(d->tags);
    assert_true(d->ntags <= EXTRACT_MAX_TAGS);
    for (p = d->tags, k = 0; k < d->ntags; k++) {
        size_t n = strlen(p);
        assert_true(n > 0 && used + n < d->tags_len);
        unit_extract_field(p, n, EXTRACT_MAX_TAG);
        used += n + 1;
        p += n + 1;
    }
    assert_int_equal(used, d->tags_len);
}

/* What every successful extraction promises (extract.h). */
static inline void unit_extract_check(const extract_doc *d)
{
    size_t k;

    assert_non_null(d->title);
    assert_non_null(d->url);
    assert_non_null(d->text);
    assert_int_equal(strlen(d->title), d->title_len);
    assert_int_equal(strlen(d->url), d->url_len);
    assert_int_equal(strlen(d->text), d->text_len); /* no NUL inside */
    assert_true(ref_utf8_valid(d->title, d->title_len));
    assert_true(ref_utf8_valid(d->url, d->url_len));
    assert_true(ref_utf8_valid(d->text, d->text_len));
    assert_true(d->title_len <= EXTRACT_MAX_TITLE);
    assert_null(strchr(d->title, '\n'));
    assert_true(d->text_len > 0 || d->title_len > 0);
    assert_null(strstr(d->text, "\n\n\n"));
    assert_null(strstr(d->text, " \n"));
    assert_null(strstr(d->text, "\n "));
    assert_null(strstr(d->text, "  "));
    assert_null(strchr(d->text, '\t'));
    assert_null(strchr(d->text, '\r'));
    if (d->text_len > 0) {
        assert_true(d->text[0] != ' ' && d->text[0] != '\n');
        k = d->text_len - 1;
        assert_true(d->text[k] != ' ' && d->text[k] != '\n');
    }
    /* headings: in the text, in order, without overlap, not empty, each
     * from a word's first byte to a word's last; the lead likewise, or
     * empty, and never inside a heading */
    assert_true(d->nheadings <= EXTRACT_MAX_HEADINGS);
    for (k = 0; k < d->nheadings; k++) {
        const extract_range *r = &d->headings[k];
        assert_true(r->start < r->end && r->end <= d->text_len);
        assert_true(k == 0 || d->headings[k - 1].end < r->start);
        assert_true(d->text[r->start] != ' ' && d->text[r->start] != '\n');
        assert_true(d->text[r->end - 1] != ' ' && d->text[r->end - 1] != '\n');
        assert_true(d->lead.start >= r->end || d->lead.end <= r->start ||
                    d->lead.start == d->lead.end);
    }
    assert_true(d->lead.start <= d->lead.end && d->lead.end <= d->text_len);
    if (d->lead.start < d->lead.end) {
        assert_true(d->text[d->lead.start] != ' ' &&
                    d->text[d->lead.start] != '\n');
        assert_true(d->text[d->lead.end - 1] != ' ' &&
                    d->text[d->lead.end - 1] != '\n');
    }
    unit_extract_check_meta(d);
}

/* cmocka group setup and teardown: libxml2's parser is set up once, from
 * the main thread, before any test runs (extract.h). */
static inline int unit_extract_setup(void **state)
{
    (void)state;
    extract_init();
    return 0;
}

static inline int unit_extract_teardown(void **state)
{
    (void)state;
    extract_cleanup();
    return 0;
}

#endif
