/* unit_extract: what test_extract and test_extract_limits share (header
 * only): the promises of every extracted document, and libxml2's set-up
 * around a group of tests. */
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
