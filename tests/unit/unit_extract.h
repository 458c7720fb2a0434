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
