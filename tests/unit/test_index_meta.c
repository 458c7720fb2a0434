/* test_index_meta: the one compatibility check of an index (new,
 * compatible, other analyzer, layout or language, emptied) and the
 * revision watch, on real databases in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit_util.h"
#include "common/analyze.h"
#include "common/index_meta.h"
#include "common/schema.h"
#include "common/xapian_c.h"

typedef unit_db fixture; /* a fresh folder per test: unit_util.h */

/* What cglu-index records, each value NULL to leave it unset. */
static void put_meta(xc_db *w, const char *format, const char *analyzer,
                     const char *lang)
{
    if (format)
        assert_int_equal(xc_metadata_set(w, SCHEMA_M_FORMAT, format), XC_OK);
    if (analyzer)
        assert_int_equal(xc_metadata_set(w, SCHEMA_M_ANALYZER, analyzer),
                         XC_OK);
    if (lang)
        assert_int_equal(xc_metadata_set(w, SCHEMA_M_LANG, lang), XC_OK);
}

static void put_doc(xc_db *w, const char *id)
{
    char term[64];
    xc_doc *d = NULL;
    snprintf(term, sizeof term, "%s%s", SCHEMA_P_UID, id);
    assert_int_equal(xc_doc_new(&d), XC_OK);
    assert_int_equal(xc_doc_add_term(d, term, strlen(term), 1), XC_OK);
    assert_int_equal(xc_replace(w, term, d), XC_OK);
    xc_doc_free(d);
}

/* Documents d0 .. d(ndocs - 1) and the metadata given (NULL: left as it
 * is) written to the index at f->db, made when missing, and committed. */
static void make_index(fixture *f, int ndocs, const char *format,
                       const char *analyzer, const char *lang)
{
    xc_db *w = unit_open_write(f);
    put_meta(w, format, analyzer, lang);
    for (int i = 0; i < ndocs; i++) {
        char id[16];
        snprintf(id, sizeof id, "d%d", i);
        put_doc(w, id);
    }
    assert_int_equal(xc_commit(w), XC_OK);
    xc_close(w);
}

/* index_meta_check on a fresh reader of f->db. */
static index_meta_status check(fixture *f, const char *want_lang,
                               index_meta_info *mi)
{
    xc_db *r = unit_open_read(f);
    index_meta_status st =
        index_meta_check(r, want_lang, mi, f->err, sizeof f->err);
    xc_close(r);
    return st;
}

/* index_meta_check on a fresh reader of f->db answers st (the info it
 * fills is dropped). */
static void expect(fixture *f, const char *want_lang, index_meta_status st)
{
    index_meta_info mi;

    assert_int_equal(check(f, want_lang, &mi), st);
    index_meta_info_free(&mi);
}

static void test_new_index(void **state)
{
    fixture *f = *state;
    index_meta_info mi;

    make_index(f, 0, NULL, NULL, NULL); /* created, never filled */
    assert_int_equal(check(f, "english", &mi), INDEX_META_EMPTY);
    assert_string_equal(f->err, "");
    assert_int_equal(mi.doccount, 0);
    assert_string_equal(mi.format, "");
    assert_string_equal(mi.analyzer, "");
    assert_string_equal(mi.extract, "");
    assert_int_equal(mi.rebuilding, 0);
    /* no language recorded: the default one, whatever was asked */
    assert_string_equal(mi.lang, INDEX_META_DEFAULT_LANG);
    index_meta_info_free(&mi);
    assert_null(mi.lang);
    index_meta_info_free(&mi); /* twice is harmless */

    /* a writer's handle answers the same */
    xc_db *w = unit_open_write(f);
    assert_int_equal(index_meta_check(w, NULL, &mi, NULL, 0), INDEX_META_EMPTY);
    index_meta_info_free(&mi);
    xc_close(w);
}

static void test_compatible(void **state)
{
    fixture *f = *state;
    index_meta_info mi;

    make_index(f, 3, SCHEMA_FORMAT, ANALYZE_VERSION, "french");
    xc_db *w = unit_open_write(f);
    assert_int_equal(xc_metadata_set(w, SCHEMA_M_EXTRACT, "2"), XC_OK);
    assert_int_equal(xc_metadata_set(w, SCHEMA_M_REBUILD, "1"), XC_OK);
    assert_int_equal(xc_commit(w), XC_OK);
    xc_close(w);

    assert_int_equal(check(f, "french", &mi), INDEX_META_OK);
    assert_string_equal(f->err, "");
    assert_int_equal(mi.doccount, 3);
    assert_string_equal(mi.format, SCHEMA_FORMAT);
    assert_string_equal(mi.analyzer, ANALYZE_VERSION);
    assert_string_equal(mi.lang, "french");
    assert_string_equal(mi.extract, "2");
    assert_int_equal(mi.rebuilding, 1);
    assert_true(mi.revision >= 2);
    /* the caller may take a string */
    char *lang = mi.lang;
    mi.lang = NULL;
    index_meta_info_free(&mi);
    assert_string_equal(lang, "french");
    free(lang);

    /* no language asked (the daemon): the index's */
    assert_int_equal(check(f, NULL, &mi), INDEX_META_OK);
    assert_string_equal(mi.lang, "french");
    index_meta_info_free(&mi);
}

static void test_other_analyzer(void **state)
{
    fixture *f = *state;
    index_meta_info mi;

    make_index(f, 1, SCHEMA_FORMAT, "cglu-analyze-0", "french");
    assert_int_equal(check(f, "french", &mi), INDEX_META_ERR_ANALYZER);
    assert_string_equal(mi.analyzer, "cglu-analyze-0"); /* for messages */
    assert_string_equal(mi.lang, "french");
    assert_non_null(strstr(f->err, "cglu-analyze-0"));
    assert_non_null(strstr(f->err, ANALYZE_VERSION));
    index_meta_info_free(&mi);
    /* the analyzer is checked before the language, and for the daemon */
    expect(f, "english", INDEX_META_ERR_ANALYZER);
    expect(f, NULL, INDEX_META_ERR_ANALYZER);
    /* an index of documents that records no analyzer is not ours */
    make_index(f, 0, NULL, "", NULL);
    expect(f, NULL, INDEX_META_ERR_ANALYZER);
}

static void test_other_format(void **state)
{
    fixture *f = *state;
    index_meta_info mi;

    /* the layout is checked first: the analyzer differs too */
    make_index(f, 2, "1", "cglu-analyze-0", "english");
    assert_int_equal(check(f, "french", &mi), INDEX_META_ERR_FORMAT);
    assert_string_equal(mi.format, "1");
    assert_non_null(strstr(f->err, "\"1\""));
    assert_non_null(strstr(f->err, "\"" SCHEMA_FORMAT "\""));
    index_meta_info_free(&mi);
    expect(f, NULL, INDEX_META_ERR_FORMAT);
    /* documents without any metadata: not of this layout */
    make_index(f, 0, "", "", "");
    assert_int_equal(check(f, NULL, &mi), INDEX_META_ERR_FORMAT);
    assert_string_equal(mi.format, "");
    index_meta_info_free(&mi);
}

static void test_other_language(void **state)
{
    fixture *f = *state;
    index_meta_info mi;

    make_index(f, 1, SCHEMA_FORMAT, ANALYZE_VERSION, "english");
    assert_int_equal(check(f, "french", &mi), INDEX_META_ERR_LANG);
    assert_string_equal(mi.lang, "english");
    assert_non_null(strstr(f->err, "english"));
    assert_non_null(strstr(f->err, "french"));
    index_meta_info_free(&mi);
    expect(f, "english", INDEX_META_OK);
    /* the daemon takes the index's language, whatever it is: whether
     * libstemmer knows it is analyze_new's to say */
    make_index(f, 0, NULL, NULL, "klingon");
    assert_int_equal(check(f, NULL, &mi), INDEX_META_OK);
    assert_string_equal(mi.lang, "klingon");
    index_meta_info_free(&mi);
}

static void test_emptied_index(void **state)
{
    fixture *f = *state;
    index_meta_info mi;

    /* documents of another layout, analyzer and language, all deleted */
    make_index(f, 2, "1", "cglu-analyze-0", "english");
    xc_db *w = unit_open_write(f);
    assert_int_equal(xc_delete(w, SCHEMA_P_UID "d0"), XC_OK);
    assert_int_equal(xc_delete(w, SCHEMA_P_UID "d1"), XC_OK);
    assert_int_equal(xc_commit(w), XC_OK);
    xc_close(w);
    /* nothing left was analysed: anyone may fill or serve it */
    assert_int_equal(check(f, "french", &mi), INDEX_META_EMPTY);
    assert_string_equal(f->err, "");
    assert_int_equal(mi.doccount, 0);
    assert_string_equal(mi.format, "1"); /* as recorded */
    assert_string_equal(mi.analyzer, "cglu-analyze-0");
    assert_string_equal(mi.lang, "english"); /* recorded: kept */
    index_meta_info_free(&mi);
    expect(f, NULL, INDEX_META_EMPTY);
}

static void test_bad_arguments(void **state)
{
    fixture *f = *state;
    index_meta_info mi;
    char err[64];

    memset(&mi, 0x5A, sizeof mi);
    assert_int_equal(index_meta_check(NULL, NULL, &mi, err, sizeof err),
                     INDEX_META_ERR_ARG);
    assert_null(mi.lang); /* zeroed: freeing is safe */
    assert_int_equal(mi.doccount, 0);
    assert_true(err[0] != '\0');
    index_meta_info_free(&mi);
    index_meta_info_free(NULL);
    make_index(f, 0, NULL, NULL, NULL);
    xc_db *w = unit_open_write(f);
    assert_int_equal(index_meta_check(w, NULL, NULL, NULL, 0),
                     INDEX_META_ERR_ARG);
    xc_close(w);
    for (int st = INDEX_META_OK; st <= INDEX_META_ERR_ARG; st++)
        assert_non_null(index_meta_strerror((index_meta_status)st));
    assert_string_equal(index_meta_strerror((index_meta_status)99),
                        "unknown status");
}

/* One look of the watch: its status, and *changed and *rev. */
static index_meta_status look(index_meta_watch *w, int *changed, uint64_t *rev,
                              fixture *f)
{
    return index_meta_watch_poll(w, changed, rev, f->err, sizeof f->err);
}

static void test_watch(void **state)
{
    fixture *f = *state;
    index_meta_watch *w = NULL;
    int changed = -1;
    uint64_t rev = 99, rev1;

    /* no index yet: unreadable, but nothing changed */
    assert_int_equal(index_meta_watch_new(f->db, &w), INDEX_META_OK);
    assert_int_equal(look(w, &changed, &rev, f), INDEX_META_ERR_READ);
    assert_int_equal(changed, 0);
    assert_int_equal(rev, 0);
    assert_true(f->err[0] != '\0');

    /* it appears */
    make_index(f, 1, SCHEMA_FORMAT, ANALYZE_VERSION, "french");
    assert_int_equal(look(w, &changed, &rev, f), INDEX_META_OK);
    assert_int_equal(changed, 1);
    assert_true(rev > 0);
    rev1 = rev;
    assert_int_equal(look(w, &changed, &rev, f), INDEX_META_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(rev, rev1);

    /* a commit */
    make_index(f, 2, NULL, NULL, NULL);
    assert_int_equal(look(w, &changed, &rev, f), INDEX_META_OK);
    assert_int_equal(changed, 1);
    assert_true(rev > rev1);
    rev1 = rev;
    /* a writer's open transaction is no new revision */
    xc_db *wr = unit_open_write(f);
    assert_int_equal(xc_begin(wr), XC_OK);
    put_doc(wr, "x");
    assert_int_equal(look(w, &changed, &rev, f), INDEX_META_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(xc_cancel(wr), XC_OK);
    xc_close(wr);

    /* another database in its place, at the very same revision */
    assert_int_equal(unit_rmtree(f->db), 0);
    for (uint64_t i = 0; i < rev1; i++)
        make_index(f, 1, NULL, NULL, NULL);
    assert_int_equal(look(w, &changed, &rev, f), INDEX_META_OK);
    assert_int_equal(rev, rev1);
    assert_int_equal(changed, 1);
    assert_int_equal(look(w, &changed, &rev, f), INDEX_META_OK);
    assert_int_equal(changed, 0);

    /* gone: one change, then nothing until it is back */
    assert_int_equal(unit_rmtree(f->db), 0);
    assert_int_equal(look(w, &changed, &rev, f), INDEX_META_ERR_READ);
    assert_int_equal(changed, 1);
    assert_int_equal(rev, 0);
    assert_int_equal(look(w, &changed, &rev, f), INDEX_META_ERR_READ);
    assert_int_equal(changed, 0);
    make_index(f, 1, NULL, NULL, NULL);
    assert_int_equal(look(w, &changed, &rev, f), INDEX_META_OK);
    assert_int_equal(changed, 1);
    index_meta_watch_free(w);

    /* a watch made on an existing index compares with that first look */
    assert_int_equal(index_meta_watch_new(f->db, &w), INDEX_META_OK);
    assert_int_equal(look(w, &changed, &rev, f), INDEX_META_OK);
    assert_int_equal(changed, 0);
    index_meta_watch_free(w);
    index_meta_watch_free(NULL);

    /* bad arguments */
    assert_int_equal(index_meta_watch_new(NULL, &w), INDEX_META_ERR_ARG);
    assert_null(w);
    assert_int_equal(index_meta_watch_new("", &w), INDEX_META_ERR_ARG);
    assert_int_equal(index_meta_watch_new(f->db, NULL), INDEX_META_ERR_ARG);
    assert_int_equal(look(NULL, &changed, &rev, f), INDEX_META_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        UNIT_TEST_ON_DB(test_new_index),
        UNIT_TEST_ON_DB(test_compatible),
        UNIT_TEST_ON_DB(test_other_analyzer),
        UNIT_TEST_ON_DB(test_other_format),
        UNIT_TEST_ON_DB(test_other_language),
        UNIT_TEST_ON_DB(test_emptied_index),
        UNIT_TEST_ON_DB(test_bad_arguments),
        UNIT_TEST_ON_DB(test_watch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
