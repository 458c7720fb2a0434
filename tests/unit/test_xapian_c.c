/* test_xapian_c: the C wrapper over Xapian on real databases, one fresh
 * temporary directory per test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit_util.h"
#include "common/xapian_c.h"

typedef unit_db fixture; /* a fresh folder per test: unit_util.h */

/* Index idterm (wdf 0) with data, words of text as positional terms from
 * 1, and the extra terms given (space-separated, no positions). */
static void put_doc_as(xc_db *w, const char *idterm, const char *data,
                       const char *text, const char *extra)
{
    char buf[256];
    xc_doc *d = NULL;
    uint32_t pos = 1;
    assert_int_equal(xc_doc_new(&d), XC_OK);
    assert_int_equal(xc_doc_add_term(d, idterm, strlen(idterm), 0), XC_OK);
    snprintf(buf, sizeof buf, "%s", text);
    for (char *save, *t = strtok_r(buf, " ", &save); t;
         t = strtok_r(NULL, " ", &save))
        assert_int_equal(xc_doc_add_posting(d, t, strlen(t), pos++, 1), XC_OK);
    snprintf(buf, sizeof buf, "%s", extra ? extra : "");
    for (char *save, *t = strtok_r(buf, " ", &save); t;
         t = strtok_r(NULL, " ", &save))
        assert_int_equal(xc_doc_add_term(d, t, strlen(t), 1), XC_OK);
    assert_int_equal(xc_doc_set_data(d, data, strlen(data)), XC_OK);
    assert_int_equal(xc_replace(w, idterm, d), XC_OK);
    xc_doc_free(d);
}

/* Index "Q"+id with data id (put_doc_as). */
static void put_doc(xc_db *w, const char *id, const char *text,
                    const char *extra)
{
    char idterm[64];
    snprintf(idterm, sizeof idterm, "Q%s", id);
    put_doc_as(w, idterm, id, text, extra);
}

/* Run q (freed here) and write the sorted data of every hit, comma
 * separated, into out. */
static void hits_of(xc_db *db, xc_query *q, char *out, size_t outlen)
{
    xc_mset *m = NULL;
    const char *ids[32];
    assert_non_null(q);
    if (xc_search(db, q, 0, 32, &m) != XC_OK)
        fail_msg("search: %s", xc_errmsg(db));
    xc_query_free(q);
    size_t n = xc_mset_size(m);
    assert_true(n <= 32);
    for (size_t i = 0; i < n; i++)
        xc_mset_item(m, i, NULL, NULL, &ids[i], NULL);
    for (size_t i = 1; i < n; i++) /* insertion sort: a handful of ids */
        for (size_t j = i; j > 0 && strcmp(ids[j - 1], ids[j]) > 0; j--) {
            const char *t = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = t;
        }
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(out);
        snprintf(out + used, outlen - used, "%s%s", i ? "," : "", ids[i]);
    }
    xc_mset_free(m);
}

static xc_query *term(const char *t)
{
    return xc_query_term(t, strlen(t), 1);
}

/* ---- round trip --------------------------------------------------------- */

static int collect_term(const char *t, size_t len, uint32_t tf, void *ctx)
{
    char *out = ctx;
    size_t used = strlen(out);
    snprintf(out + used, 256 - used, "%.*s:%u;", (int)len, t, tf);
    return 0;
}

static int stop_after_one(const char *t, size_t len, uint32_t tf, void *ctx)
{
    (void)t;
    (void)len;
    (void)tf;
    ++*(int *)ctx;
    return 1;
}

static void check_roundtrip(xc_db *db, const char *data, size_t data_len)
{
    char *got = NULL, *vals[3] = {NULL, NULL, NULL}, *meta = NULL;
    size_t len = 0;
    assert_int_equal(xc_get_by_id(db, "Qdoc1", &got, &len, vals, 3), XC_OK);
    assert_int_equal(len, data_len);
    assert_memory_equal(got, data, data_len);
    assert_int_equal(got[len], '\0');
    assert_string_equal(vals[0], "1700000000");
    assert_string_equal(vals[1], "42");
    assert_string_equal(vals[2], ""); /* unset slot */
    free(got);
    for (int i = 0; i < 3; i++)
        free(vals[i]);

    assert_int_equal(xc_metadata_get(db, "cglu.lang", &meta), XC_OK);
    assert_string_equal(meta, "french");
    free(meta);
    assert_int_equal(xc_metadata_get(db, "absent", &meta), XC_OK);
    assert_string_equal(meta, "");
    free(meta);

    xc_mset *m = NULL;
    xc_query *q = term("Zhello");
    assert_int_equal(xc_search(db, q, 0, 10, &m), XC_OK);
    xc_query_free(q);
    assert_int_equal(xc_mset_size(m), 1);
    assert_int_equal(xc_mset_estimated(m), 1);
    uint32_t docid = 0;
    double weight = -1;
    const char *hit = NULL;
    size_t hit_len = 0;
    xc_mset_item(m, 0, &docid, &weight, &hit, &hit_len);
    assert_int_equal(docid, 1);
    assert_true(weight > 0);
    assert_int_equal(hit_len, data_len);
    assert_memory_equal(hit, data, data_len);
    assert_int_equal(hit[hit_len], '\0');
    xc_mset_item(m, 1, &docid, &weight, &hit, &hit_len); /* out of range */
    assert_int_equal(docid, 0);
    assert_null(hit);
    xc_mset_free(m);

    uint32_t dc = 0, last = 0, tf = 0;
    uint64_t total = 0;
    assert_int_equal(xc_stats(db, &dc, &total, &last), XC_OK);
    assert_int_equal(dc, 1);
    assert_int_equal(total, 3); /* Zhello + 2 x Zworld; Q has wdf 0 */
    assert_int_equal(last, 1);
    assert_int_equal(xc_termfreq(db, "Zworld", &tf), XC_OK);
    assert_int_equal(tf, 1);
    assert_int_equal(xc_termfreq(db, "Znope", &tf), XC_OK);
    assert_int_equal(tf, 0);

    char terms[256] = "";
    assert_int_equal(xc_allterms(db, "Z", collect_term, terms), XC_OK);
    assert_string_equal(terms, "Zhello:1;Zworld:1;");
    int calls = 0;
    assert_int_equal(xc_allterms(db, "", stop_after_one, &calls), XC_OK);
    assert_int_equal(calls, 1);
}

static void test_roundtrip(void **state)
{
    fixture *f = *state;
    /* schema layout: id NUL title NUL url NUL text */
    static const char data[] = "doc1\0Titre\0/doc1.txt\0hello world world";
    size_t data_len = sizeof data - 1;
    xc_db *w = unit_open_write(f);
    xc_doc *d = NULL;
    assert_int_equal(xc_doc_new(&d), XC_OK);
    assert_int_equal(xc_doc_add_term(d, "Qdoc1", 5, 0), XC_OK);
    assert_int_equal(xc_doc_add_posting(d, "Zhello", 6, 1, 1), XC_OK);
    assert_int_equal(xc_doc_add_posting(d, "Zworld", 6, 2, 1), XC_OK);
    assert_int_equal(xc_doc_add_posting(d, "Zworld", 6, 3, 1), XC_OK);
    assert_int_equal(xc_doc_set_data(d, data, data_len), XC_OK);
    assert_int_equal(xc_doc_set_value(d, 0, "1700000000", 10), XC_OK);
    assert_int_equal(xc_doc_set_value(d, 1, "42", 2), XC_OK);
    assert_int_equal(xc_replace(w, "Qdoc1", d), XC_OK);
    xc_doc_free(d);
    assert_int_equal(xc_metadata_set(w, "cglu.lang", "french"), XC_OK);
    assert_int_equal(xc_commit(w), XC_OK);

    check_roundtrip(w, data, data_len);
    xc_db *r = unit_open_read(f);
    check_roundtrip(r, data, data_len);
    xc_close(r);
    xc_close(w);
}

/* ---- replace, delete, transactions -------------------------------------- */

static void test_replace_by_id(void **state)
{
    fixture *f = *state;
    xc_db *w = unit_open_write(f);
    put_doc(w, "one", "old words", NULL);
    assert_int_equal(xc_commit(w), XC_OK);
    /* same id, new content: the document is replaced, not added */
    put_doc_as(w, "Qone", "new data", "fresh", NULL);
    assert_int_equal(xc_commit(w), XC_OK);

    xc_db *r = unit_open_read(f);
    uint32_t n = 0;
    assert_int_equal(xc_doccount(r, &n), XC_OK);
    assert_int_equal(n, 1);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(xc_get_by_id(r, "Qone", &data, &len, NULL, 0), XC_OK);
    assert_string_equal(data, "new data");
    assert_int_equal(len, 8);
    free(data);
    char hits[64];
    hits_of(r, term("old"), hits, sizeof hits);
    assert_string_equal(hits, "");
    hits_of(r, term("fresh"), hits, sizeof hits);
    assert_string_equal(hits, "new data");
    xc_close(r);
    xc_close(w);
}

static void test_delete(void **state)
{
    fixture *f = *state;
    xc_db *w = unit_open_write(f);
    put_doc(w, "a", "alpha", NULL);
    put_doc(w, "b", "beta", NULL);
    assert_int_equal(xc_commit(w), XC_OK);
    assert_int_equal(xc_delete(w, "Qa"), XC_OK);
    assert_int_equal(xc_delete(w, "Qabsent"), XC_OK);
    assert_int_equal(xc_commit(w), XC_OK);

    uint32_t n = 0;
    assert_int_equal(xc_doccount(w, &n), XC_OK);
    assert_int_equal(n, 1);
    char *data = (char *)"sentinel", *vals[1] = {(char *)"sentinel"};
    size_t len = 99;
    assert_int_equal(xc_get_by_id(w, "Qa", &data, &len, vals, 1),
                     XC_ERR_NOTFOUND);
    assert_null(data);
    assert_null(vals[0]);
    assert_int_equal(len, 0);
    assert_non_null(strstr(xc_errmsg(w), "Qa"));
    assert_int_equal(xc_get_by_id(w, "Qb", &data, &len, NULL, 0), XC_OK);
    assert_string_equal(data, "b");
    free(data);
    xc_close(w);
}

static void test_transactions(void **state)
{
    fixture *f = *state;
    xc_db *w = unit_open_write(f);
    uint32_t n = 99;

    /* cancelled transaction: nothing lands */
    assert_int_equal(xc_begin(w), XC_OK);
    assert_int_equal(xc_begin(w), XC_ERR_ARG); /* no nesting */
    put_doc(w, "t1", "one", NULL);
    assert_int_equal(xc_cancel(w), XC_OK);
    assert_int_equal(xc_cancel(w), XC_OK); /* none open: no-op */
    assert_int_equal(xc_commit(w), XC_OK);
    assert_int_equal(xc_doccount(w, &n), XC_OK);
    assert_int_equal(n, 0);

    /* committed transaction */
    assert_int_equal(xc_begin(w), XC_OK);
    put_doc(w, "t2", "two", NULL);
    assert_int_equal(xc_commit(w), XC_OK);

    /* closing with a transaction open cancels it */
    assert_int_equal(xc_begin(w), XC_OK);
    put_doc(w, "t3", "three", NULL);
    xc_close(w);

    xc_db *r = unit_open_read(f);
    char hits[64];
    hits_of(r, term("two"), hits, sizeof hits);
    assert_string_equal(hits, "t2");
    assert_int_equal(xc_doccount(r, &n), XC_OK);
    assert_int_equal(n, 1);
    /* writer-only calls on a reader fail cleanly */
    assert_int_equal(xc_delete(r, "Qt2"), XC_ERR_ARG);
    assert_non_null(strstr(xc_errmsg(r), "read-only"));
    assert_int_equal(xc_begin(r), XC_ERR_ARG);
    xc_close(r);
}

/* ---- open failures ------------------------------------------------------ */

static void test_open_missing(void **state)
{
    fixture *f = *state;
    char path[160];
    xc_db *r = (xc_db *)&r; /* must come back NULL */
    snprintf(path, sizeof path, "%s/missing", f->dir);
    assert_int_equal(xc_open_read(path, &r, f->err, sizeof f->err),
                     XC_ERR_OPEN);
    assert_null(r);
    assert_non_null(strstr(f->err, "cannot open index"));
    assert_non_null(strstr(f->err, path));
    /* no error buffer at all: still no crash */
    assert_int_equal(xc_open_read(path, &r, NULL, 0), XC_ERR_OPEN);
    /* a tiny buffer is truncated, still terminated */
    char tiny[8];
    assert_int_equal(xc_open_read(path, &r, tiny, sizeof tiny), XC_ERR_OPEN);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
    assert_int_equal(xc_open_read(NULL, &r, f->err, sizeof f->err), XC_ERR_ARG);
    assert_int_equal(xc_open_write("", 0, &r, f->err, sizeof f->err),
                     XC_ERR_ARG);
    /* a writer cannot create a database under a missing directory */
    snprintf(path, sizeof path, "%s/no/such/dir", f->dir);
    assert_int_equal(xc_open_write(path, 0, &r, f->err, sizeof f->err),
                     XC_ERR_OPEN);
    assert_null(r);
    assert_non_null(strstr(f->err, path));
}

static void test_second_writer_locked(void **state)
{
    fixture *f = *state;
    xc_db *w = unit_open_write(f);
    xc_db *w2 = (xc_db *)&w2;
    assert_int_equal(xc_open_write(f->db, 0, &w2, f->err, sizeof f->err),
                     XC_ERR_LOCK);
    assert_null(w2);
    assert_non_null(strstr(f->err, "locked"));
    assert_non_null(strstr(f->err, f->db));
    /* truncating does not get around the lock either */
    assert_int_equal(xc_open_write(f->db, 1, &w2, f->err, sizeof f->err),
                     XC_ERR_LOCK);
    xc_close(w);
    w2 = unit_open_write(f); /* the lock went with the first writer */
    xc_close(w2);
}

/* A writer turns off Xapian's own flush every XAPIAN_FLUSH_THRESHOLD
 * documents, which would write inside a batch (xapian_c.cc), whatever the
 * environment said. */
static void test_flush_threshold_out_of_reach(void **state)
{
    fixture *f = *state;
    setenv("XAPIAN_FLUSH_THRESHOLD", "1", 1);
    xc_db *w = unit_open_write(f);
    assert_string_equal(getenv("XAPIAN_FLUSH_THRESHOLD"), "2000000000");
    xc_close(w);
}

static void test_corrupt_index(void **state)
{
    fixture *f = *state;
    xc_db *w = unit_open_write(f);
    put_doc(w, "x", "some words", NULL);
    assert_int_equal(xc_commit(w), XC_OK);
    xc_close(w);
    /* the version file is the first thing read: damage it */
    char path[160];
    snprintf(path, sizeof path, "%s/iamglass", f->db);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("this is not a glass version file", fp);
    fclose(fp);
    xc_db *r = (xc_db *)&r;
    xc_status st = xc_open_read(f->db, &r, f->err, sizeof f->err);
    assert_int_equal(st, XC_ERR_CORRUPT);
    assert_null(r);
    assert_non_null(strstr(f->err, f->db));
}

/* ---- queries ------------------------------------------------------------ */

static void index_small_corpus(fixture *f)
{
    xc_db *w = unit_open_write(f);
    put_doc(w, "d1", "a b c", "Fcat");
    put_doc(w, "d2", "c b a", "Fcat");
    put_doc(w, "d3", "a d", "Fcar Fcatalogue");
    put_doc(w, "d4", "a e", NULL);
    assert_int_equal(xc_commit(w), XC_OK);
    xc_close(w);
}

enum { COMBINE, WILDCARD };

static const struct {
    const char *name;
    int kind;
    xc_qop op;
    const char *terms[4]; /* WILDCARD: terms[0] is the prefix */
    uint32_t arg;         /* window, or max_expansion */
    const char *expect;   /* sorted ids of the hits */
} queries[] = {
    {"phrase a b", COMBINE, XC_Q_PHRASE, {"a", "b"}, 0, "d1"},
    {"phrase b a", COMBINE, XC_Q_PHRASE, {"b", "a"}, 0, "d2"},
    {"phrase a b c", COMBINE, XC_Q_PHRASE, {"a", "b", "c"}, 0, "d1"},
    {"phrase a c", COMBINE, XC_Q_PHRASE, {"a", "c"}, 0, ""},
    {"phrase a c, window 3", COMBINE, XC_Q_PHRASE, {"a", "c"}, 3, "d1"},
    {"near a c, window 3", COMBINE, XC_Q_NEAR, {"a", "c"}, 3, "d1,d2"},
    {"near a c, window 2", COMBINE, XC_Q_NEAR, {"a", "c"}, 2, ""},
    {"and a b", COMBINE, XC_Q_AND, {"a", "b"}, 0, "d1,d2"},
    {"or d e", COMBINE, XC_Q_OR, {"d", "e"}, 0, "d3,d4"},
    {"a and_not c d", COMBINE, XC_Q_AND_NOT, {"a", "c", "d"}, 0, "d4"},
    {"a and_not e", COMBINE, XC_Q_AND_NOT, {"a", "e"}, 0, "d1,d2,d3"},
    {"d and_maybe a", COMBINE, XC_Q_AND_MAYBE, {"d", "a"}, 0, "d3"},
    {"a filter d", COMBINE, XC_Q_FILTER, {"a", "d"}, 0, "d3"},
    {"and of nothing", COMBINE, XC_Q_AND, {NULL}, 0, ""},
    {"wildcard Fca", WILDCARD, XC_Q_OR, {"Fca"}, 0, "d1,d2,d3"},
    {"wildcard Fca, 10", WILDCARD, XC_Q_OR, {"Fca"}, 10, "d1,d2,d3"},
    /* one expansion: the most frequent term (Fcat, in 2 docs) is kept */
    {"wildcard Fca, 1", WILDCARD, XC_Q_OR, {"Fca"}, 1, "d1,d2"},
    {"wildcard Fcata", WILDCARD, XC_Q_OR, {"Fcata"}, 0, "d3"},
    {"wildcard Fx", WILDCARD, XC_Q_OR, {"Fx"}, 0, ""},
};

static void test_queries(void **state)
{
    fixture *f = *state;
    index_small_corpus(f);
    xc_db *r = unit_open_read(f);
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        xc_query *q;
        if (queries[i].kind == WILDCARD) {
            const char *p = queries[i].terms[0];
            q = xc_query_wildcard(p, strlen(p), queries[i].arg);
        } else {
            xc_query *kids[4];
            size_t n = 0;
            while (n < 4 && queries[i].terms[n]) {
                kids[n] = term(queries[i].terms[n]);
                n++;
            }
            q = xc_query_combine(queries[i].op, kids, n, queries[i].arg);
        }
        char hits[64];
        hits_of(r, q, hits, sizeof hits);
        if (strcmp(hits, queries[i].expect) != 0)
            fail_msg("%s: got \"%s\", want \"%s\"", queries[i].name, hits,
                     queries[i].expect);
    }
    xc_close(r);
}

static void test_query_nodes(void **state)
{
    fixture *f = *state;
    index_small_corpus(f);
    xc_db *r = unit_open_read(f);

    /* a NULL child voids the tree, and the other children are freed (the
     * sanitizer build checks for leaks) */
    xc_query *kids[2] = {term("a"), NULL};
    assert_null(xc_query_combine(XC_Q_AND, kids, 2, 0));
    xc_query *bad[1] = {term("a")};
    assert_null(xc_query_combine((xc_qop)99, bad, 1, 0));

    assert_null(xc_query_term("", 0, 1));
    assert_null(xc_query_term(NULL, 3, 1));
    char longterm[XC_MAX_TERM + 2];
    memset(longterm, 'x', sizeof longterm);
    assert_null(xc_query_term(longterm, sizeof longterm, 1));
    assert_null(xc_query_scale(term("a"), -1.0));

    xc_query *q = xc_query_scale(term("a"), 2.0);
    char *desc = xc_query_describe(q);
    assert_non_null(desc);
    assert_non_null(strstr(desc, "2 * a"));
    free(desc);
    /* scaled to zero: still matches, but weighs nothing */
    xc_mset *m = NULL;
    xc_query *z = xc_query_scale(term("d"), 0.0);
    assert_int_equal(xc_search(r, z, 0, 10, &m), XC_OK);
    assert_int_equal(xc_mset_size(m), 1);
    double wt = -1;
    xc_mset_item(m, 0, NULL, &wt, NULL, NULL);
    assert_true(wt == 0.0);
    xc_mset_free(m);
    xc_query_free(z);

    /* offset/limit and the estimate */
    assert_int_equal(xc_search(r, q, 1, 2, &m), XC_OK);
    assert_int_equal(xc_mset_size(m), 2);
    assert_int_equal(xc_mset_estimated(m), 4);
    xc_mset_free(m);
    assert_int_equal(xc_search(r, q, 0, XC_MAX_FETCH + 1, &m), XC_ERR_ARG);
    assert_null(m);
    xc_query_free(q);

    xc_query *none = xc_query_match_nothing();
    hits_of(r, none, (char[8]){0}, 8);
    xc_close(r);
}

/* ---- spelling ----------------------------------------------------------- */

static const struct {
    const char *word;
    unsigned max_edit;
    const char *want;
} spelling[] = {
    {"gouvernemant", 2, "gouvernement"},
    {"gouvrneur", 1, "gouverneur"},
    {"gouvernement", 2, ""}, /* already right: no correction */
    {"zzzzzz", 2, ""},
    {"commune", 2, ""}, /* removed again below */
};

static void test_spelling(void **state)
{
    fixture *f = *state;
    xc_db *w = unit_open_write(f);
    assert_int_equal(xc_spelling_add(w, "gouvernement", 3), XC_OK);
    assert_int_equal(xc_spelling_add(w, "gouverneur", 1), XC_OK);
    assert_int_equal(xc_spelling_add(w, "communes", 1), XC_OK);
    assert_int_equal(xc_spelling_remove(w, "communes", 1), XC_OK);
    assert_int_equal(xc_commit(w), XC_OK);
    xc_close(w);

    xc_db *r = unit_open_read(f);
    for (size_t i = 0; i < sizeof spelling / sizeof spelling[0]; i++)
        unit_suggest(r, spelling[i].word, spelling[i].max_edit,
                     spelling[i].want);
    char *s = (char *)"sentinel";
    assert_int_equal(xc_spelling_suggest(r, "x", XC_MAX_EDIT + 1, &s),
                     XC_ERR_ARG);
    assert_null(s);
    xc_close(r);
}

/* ---- readers and revisions ---------------------------------------------- */

static void test_reopen_sees_commit(void **state)
{
    fixture *f = *state;
    xc_db *w = unit_open_write(f);
    put_doc(w, "first", "un", NULL);
    assert_int_equal(xc_commit(w), XC_OK);
    xc_db *r = unit_open_read(f);
    uint64_t rev = xc_revision(r);
    assert_true(rev > 0);

    put_doc(w, "second", "deux", NULL);
    assert_int_equal(xc_commit(w), XC_OK);
    uint32_t n = 0;
    assert_int_equal(xc_doccount(r, &n), XC_OK);
    assert_int_equal(n, 1); /* a reader stays on its revision */

    int changed = -1;
    assert_int_equal(xc_reopen(r, &changed), XC_OK);
    assert_int_equal(changed, 1);
    assert_true(xc_revision(r) > rev);
    assert_int_equal(xc_doccount(r, &n), XC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(xc_reopen(r, &changed), XC_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(xc_reopen(r, NULL), XC_OK);
    xc_close(r);
    xc_close(w);
}

/* Enough documents, rewritten often enough, that the blocks of the
 * reader's revision are reused: its next read throws DatabaseModifiedError
 * inside the wrapper, which must reopen and rerun. */
#define MOD_DOCS 2000
#define MOD_ROUNDS 4

static void write_round(xc_db *w, int round)
{
    char id[32], text[128], idterm[32];
    for (int i = 0; i < MOD_DOCS; i++) {
        snprintf(id, sizeof id, "r%d-%d", round, i);
        snprintf(text, sizeof text, "shared word%d round%d filler%d", i % 97,
                 round, i);
        /* same id term per i across rounds, new data each round */
        snprintf(idterm, sizeof idterm, "Q%d", i);
        put_doc_as(w, idterm, id, text, NULL);
    }
    /* metadata and the spelling table change every round too */
    char v[32];
    snprintf(v, sizeof v, "v%d", round);
    assert_int_equal(xc_metadata_set(w, "k", v), XC_OK);
    if (round > 0) {
        snprintf(v, sizeof v, "mairie%d", round - 1);
        assert_int_equal(xc_spelling_remove(w, v, 1), XC_OK);
    }
    snprintf(v, sizeof v, "mairie%d", round);
    assert_int_equal(xc_spelling_add(w, v, 1), XC_OK);
    assert_int_equal(xc_commit(w), XC_OK);
}

static void test_modified_reader_retries(void **state)
{
    fixture *f = *state;
    xc_db *w = unit_open_write(f);
    write_round(w, 0);
    xc_db *r = unit_open_read(f);
    uint64_t rev0 = xc_revision(r);
    for (int round = 1; round <= MOD_ROUNDS; round++)
        write_round(w, round);
    assert_int_equal(xc_revision(r), rev0); /* not moved on its own */

    xc_mset *m = NULL;
    xc_query *q = term("shared");
    if (xc_search(r, q, 0, 50, &m) != XC_OK)
        fail_msg("search on a modified reader: %s", xc_errmsg(r));
    xc_query_free(q);
    /* the wrapper reopened: the reader is now on the newest revision and
     * every hit comes from it */
    assert_true(xc_revision(r) > rev0);
    assert_int_equal(xc_revision(r), xc_revision(w));
    assert_int_equal(xc_mset_size(m), 50);
    assert_int_equal(xc_mset_estimated(m), MOD_DOCS);
    char want[16];
    snprintf(want, sizeof want, "r%d-", MOD_ROUNDS);
    for (size_t i = 0; i < xc_mset_size(m); i++) {
        const char *data = NULL;
        xc_mset_item(m, i, NULL, NULL, &data, NULL);
        if (strncmp(data, want, strlen(want)) != 0)
            fail_msg("hit %zu has stale data \"%s\"", i, data);
    }
    xc_mset_free(m);
    xc_close(r);
    xc_close(w);
}

/* The other read calls retry the same way. Each row gets a reader left
 * MOD_ROUNDS commits behind, then must see the newest round. moves says
 * whether the call reads blocks (and so must have reopened): the
 * collection statistics are cached by the reader and stay readable. */
typedef void (*mod_check)(xc_db *r, int latest, int opened);

static void mod_get_by_id(xc_db *r, int latest, int opened)
{
    (void)opened;
    char *data = NULL, want[32];
    size_t len = 0;
    assert_int_equal(xc_get_by_id(r, "Q1999", &data, &len, NULL, 0), XC_OK);
    snprintf(want, sizeof want, "r%d-1999", latest);
    assert_string_equal(data, want);
    free(data);
}

static void mod_allterms(xc_db *r, int latest, int opened)
{
    (void)opened;
    char terms[256] = "", want[32];
    assert_int_equal(xc_allterms(r, "round", collect_term, terms), XC_OK);
    snprintf(want, sizeof want, "round%d:%d;", latest, MOD_DOCS);
    assert_string_equal(terms, want);
}

static void mod_termfreq(xc_db *r, int latest, int opened)
{
    (void)opened;
    char t[32];
    uint32_t tf = 0;
    snprintf(t, sizeof t, "round%d", latest);
    assert_int_equal(xc_termfreq(r, t, &tf), XC_OK);
    assert_int_equal(tf, MOD_DOCS);
}

static void mod_metadata(xc_db *r, int latest, int opened)
{
    (void)opened;
    char *v = NULL, want[32];
    assert_int_equal(xc_metadata_get(r, "k", &v), XC_OK);
    snprintf(want, sizeof want, "v%d", latest);
    assert_string_equal(v, want);
    free(v);
}

/* The small spelling table may keep its old blocks: then the reader
 * answers from its own revision, which is just as consistent. */
static void mod_spelling(xc_db *r, int latest, int opened)
{
    char *s = NULL, want[32];
    uint64_t rev = xc_revision(r);
    assert_int_equal(xc_spelling_suggest(r, "mairiexx", 2, &s), XC_OK);
    snprintf(want, sizeof want, "mairie%d",
             xc_revision(r) != rev ? latest : opened);
    assert_string_equal(s, want);
    free(s);
}

static void mod_stats(xc_db *r, int latest, int opened)
{
    uint32_t dc = 0, last = 0;
    uint64_t total = 0;
    (void)latest;
    (void)opened;
    assert_int_equal(xc_stats(r, &dc, &total, &last), XC_OK);
    assert_int_equal(dc, MOD_DOCS);
    assert_int_equal(total, 4 * MOD_DOCS);
}

static const struct {
    const char *name;
    mod_check check;
    int moves;
} mod_calls[] = {
    {"xc_get_by_id", mod_get_by_id, 1},
    {"xc_allterms", mod_allterms, 1},
    {"xc_termfreq", mod_termfreq, 1},
    {"xc_metadata_get", mod_metadata, 1},
    {"xc_spelling_suggest", mod_spelling, 0},
    {"xc_stats", mod_stats, 0},
};

static void test_modified_reader_other_calls(void **state)
{
    fixture *f = *state;
    xc_db *w = unit_open_write(f);
    int round = 0;
    write_round(w, round);
    for (size_t i = 0; i < sizeof mod_calls / sizeof mod_calls[0]; i++) {
        xc_db *r = unit_open_read(f);
        uint64_t rev0 = xc_revision(r);
        int opened = round;
        for (int k = 0; k < MOD_ROUNDS; k++)
            write_round(w, ++round);
        mod_calls[i].check(r, round, opened);
        if (mod_calls[i].moves && xc_revision(r) == rev0)
            fail_msg("%s did not reopen", mod_calls[i].name);
        xc_close(r);
    }
    xc_close(w);
}

/* A reader modified in the middle of xc_allterms: the rerun resumes after
 * the last term delivered, so the callback never sees a term twice. */
typedef struct {
    xc_db *w;
    int round;
    int count;
    char last[64];
    int out_of_order;
} walk;

static int walk_term(const char *t, size_t len, uint32_t tf, void *ctx)
{
    walk *k = ctx;
    char term[64];
    (void)tf;
    snprintf(term, sizeof term, "%.*s", (int)len, t);
    if (k->count > 0 && strcmp(k->last, term) >= 0)
        k->out_of_order++;
    snprintf(k->last, sizeof k->last, "%s", term);
    if (k->count++ == 0) /* after the first term: rewrite everything */
        for (int i = 0; i < MOD_ROUNDS; i++)
            write_round(k->w, ++k->round);
    return 0;
}

static void test_modified_during_allterms(void **state)
{
    fixture *f = *state;
    walk k = {.w = unit_open_write(f)};
    write_round(k.w, 0);
    xc_db *r = unit_open_read(f);
    uint64_t rev0 = xc_revision(r);
    assert_int_equal(xc_allterms(r, "", walk_term, &k), XC_OK);
    assert_true(xc_revision(r) > rev0); /* it did reopen */
    assert_int_equal(k.out_of_order, 0);
    /* the newest revision's terms: Q0..Q1999, filler0..filler1999,
     * word0..word96, shared and one roundN */
    assert_int_equal(k.count, 2 * MOD_DOCS + 97 + 2);
    xc_close(r);
    xc_close(k.w);
}

/* ---- arguments ---------------------------------------------------------- */

static void test_bad_arguments(void **state)
{
    fixture *f = *state;
    xc_db *w = unit_open_write(f);
    xc_doc *d = NULL;
    assert_int_equal(xc_doc_new(&d), XC_OK);
    assert_int_equal(xc_doc_add_term(d, "", 0, 1), XC_ERR_ARG);
    char longterm[XC_MAX_TERM + 1];
    memset(longterm, 't', sizeof longterm);
    assert_int_equal(xc_doc_add_term(d, longterm, XC_MAX_TERM, 1), XC_OK);
    assert_int_equal(xc_doc_add_term(d, longterm, XC_MAX_TERM + 1, 1),
                     XC_ERR_ARG);
    assert_int_equal(xc_doc_set_data(d, NULL, 3), XC_ERR_ARG);
    assert_int_equal(xc_replace(w, "", d), XC_ERR_ARG);
    assert_int_equal(xc_replace(w, "Qx", NULL), XC_ERR_ARG);
    xc_doc_free(d);
    assert_int_equal(xc_metadata_set(w, "", "v"), XC_ERR_ARG);
    assert_int_equal(xc_termfreq(w, NULL, &(uint32_t){0}), XC_ERR_ARG);
    assert_int_equal(xc_allterms(w, "", NULL, NULL), XC_ERR_ARG);
    assert_int_equal(xc_search(w, NULL, 0, 10, &(xc_mset *){NULL}), XC_ERR_ARG);
    assert_int_equal(xc_commit(NULL), XC_ERR_ARG);
    assert_string_equal(xc_errmsg(NULL), "no database handle");
    for (int st = XC_OK; st <= XC_ERR_XAPIAN; st++)
        assert_non_null(xc_strerror((xc_status)st));
    xc_close(NULL);
    xc_close(w);
}

/* ---- synonyms ---------------------------------------------------------- */

/* What a synonym walk saw, "|"-separated, and when to stop it. */
typedef struct seen {
    char text[512];
    int calls, stop_after; /* 0: never stop */
} seen;

static int see(const char *s, size_t len, void *ctx)
{
    seen *k = ctx;
    size_t n = strlen(k->text);
    assert_int_equal(strlen(s), len); /* NUL-terminated too */
    snprintf(k->text + n, sizeof k->text - n, "%s%s", n ? "|" : "", s);
    return ++k->calls == k->stop_after;
}

static void expect_syn(xc_db *db, const char *key, const char *want)
{
    seen k = {0};
    assert_int_equal(xc_synonyms_of(db, key, see, &k), XC_OK);
    if (strcmp(k.text, want) != 0)
        fail_msg("synonyms of %s: \"%s\", want \"%s\"", key, k.text, want);
}

static void expect_keys(xc_db *db, const char *want)
{
    seen k = {0};
    assert_int_equal(xc_synonym_keys(db, see, &k), XC_OK);
    if (strcmp(k.text, want) != 0)
        fail_msg("synonym keys: \"%s\", want \"%s\"", k.text, want);
}

/* Added, read back in byte order by writer and reader, cleared whole;
 * changes are the transaction's like any other. */
static void test_synonyms(void **state)
{
    fixture *f = *state;
    xc_db *w = unit_open_write(f);

    expect_keys(w, "");
    expect_syn(w, "cglu", "");
    assert_int_equal(xc_synonym_add(w, "cglu", "uclg"), XC_OK);
    assert_int_equal(xc_synonym_add(w, "cglu", "cit et gouvern local uni"),
                     XC_OK);
    assert_int_equal(xc_synonym_add(w, "cglu", "uclg"), XC_OK); /* once */
    assert_int_equal(xc_synonym_add(w, "uclg", "cglu"), XC_OK);
    assert_int_equal(xc_commit(w), XC_OK);
    expect_syn(w, "cglu", "cit et gouvern local uni|uclg");
    expect_keys(w, "cglu|uclg");

    xc_db *r = unit_open_read(f);
    expect_syn(r, "cglu", "cit et gouvern local uni|uclg");
    expect_syn(r, "uclg", "cglu");
    expect_syn(r, "other", "");
    expect_keys(r, "cglu|uclg");
    /* the callbacks stop when told */
    seen k = {.stop_after = 1};
    assert_int_equal(xc_synonyms_of(r, "cglu", see, &k), XC_OK);
    assert_string_equal(k.text, "cit et gouvern local uni");
    seen k2 = {.stop_after = 1};
    assert_int_equal(xc_synonym_keys(r, see, &k2), XC_OK);
    assert_string_equal(k2.text, "cglu");

    /* cleared inside a cancelled transaction: nothing happened */
    assert_int_equal(xc_begin(w), XC_OK);
    assert_int_equal(xc_synonyms_clear(w), XC_OK);
    assert_int_equal(xc_synonym_add(w, "ville", "cit"), XC_OK);
    assert_int_equal(xc_cancel(w), XC_OK);
    expect_keys(w, "cglu|uclg");
    /* committed: the reader sees the new table after a reopen */
    assert_int_equal(xc_begin(w), XC_OK);
    assert_int_equal(xc_synonyms_clear(w), XC_OK);
    assert_int_equal(xc_synonym_add(w, "ville", "cit"), XC_OK);
    assert_int_equal(xc_commit(w), XC_OK);
    expect_keys(w, "ville");
    int changed = 0;
    assert_int_equal(xc_reopen(r, &changed), XC_OK);
    assert_int_equal(changed, 1);
    expect_keys(r, "ville");
    expect_syn(r, "cglu", "");
    expect_syn(r, "ville", "cit");
    /* clearing an empty table is fine */
    assert_int_equal(xc_synonyms_clear(w), XC_OK);
    assert_int_equal(xc_synonyms_clear(w), XC_OK);
    assert_int_equal(xc_commit(w), XC_OK);
    expect_keys(w, "");

    /* a reader cannot write */
    assert_int_equal(xc_synonyms_clear(r), XC_ERR_ARG);
    assert_non_null(strstr(xc_errmsg(r), "opened read-only"));
    assert_int_equal(xc_synonym_add(r, "a", "b"), XC_ERR_ARG);
    xc_close(r);
    xc_close(w);
}

static void test_synonyms_bad_arguments(void **state)
{
    fixture *f = *state;
    xc_db *w = unit_open_write(f);
    char longkey[XC_MAX_TERM + 2];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0'; /* XC_MAX_TERM + 1 bytes */
    seen k = {0};

    assert_int_equal(xc_synonym_add(w, "", "v"), XC_ERR_ARG);
    assert_non_null(strstr(xc_errmsg(w), "xc_synonym_add needs"));
    assert_int_equal(xc_synonym_add(w, "k", ""), XC_ERR_ARG);
    assert_int_equal(xc_synonym_add(w, "k", NULL), XC_ERR_ARG);
    assert_int_equal(xc_synonym_add(w, NULL, "v"), XC_ERR_ARG);
    assert_int_equal(xc_synonym_add(w, longkey, "v"), XC_ERR_ARG);
    assert_int_equal(xc_synonym_add(w, "k", longkey), XC_ERR_ARG);
    longkey[XC_MAX_TERM] = '\0'; /* at the limit: fine */
    assert_int_equal(xc_synonym_add(w, longkey, longkey + 1), XC_OK);
    assert_int_equal(xc_synonyms_of(w, "", see, &k), XC_ERR_ARG);
    assert_int_equal(xc_synonyms_of(w, NULL, see, &k), XC_ERR_ARG);
    assert_int_equal(xc_synonyms_of(w, "k", NULL, &k), XC_ERR_ARG);
    assert_int_equal(xc_synonym_keys(w, NULL, &k), XC_ERR_ARG);
    assert_int_equal(xc_synonyms_clear(NULL), XC_ERR_ARG);
    assert_int_equal(xc_synonym_add(NULL, "k", "v"), XC_ERR_ARG);
    assert_int_equal(xc_synonyms_of(NULL, "k", see, &k), XC_ERR_ARG);
    assert_int_equal(xc_synonym_keys(NULL, see, &k), XC_ERR_ARG);
    assert_int_equal(k.calls, 0);
    xc_close(w);
}

/* The dictionary of a sharded index: every shard's spelling words (their
 * frequencies added) and every shard's synonyms; brought up to date in
 * place (words and synonyms that went are taken out) only when a shard
 * moved, and a reader open on it sees the change at its reopen. */
static void test_dictionary_of_shards(void **state)
{
    fixture *f = *state;
    char s0[160], s1[160], d[160];
    xc_db *w0, *w1, *r;
    uint64_t rev;
    int changed = 0;
    snprintf(s0, sizeof s0, "%s/d0", f->dir);
    snprintf(s1, sizeof s1, "%s/d1", f->dir);
    snprintf(d, sizeof d, "%s/dict", f->dir);
    assert_int_equal(xc_open_write(s0, 1, &w0, f->err, sizeof f->err), XC_OK);
    assert_int_equal(xc_open_write(s1, 1, &w1, f->err, sizeof f->err), XC_OK);
    assert_int_equal(xc_spelling_add(w0, "gouvernement", 3), XC_OK);
    assert_int_equal(xc_spelling_add(w1, "gouvernement", 2), XC_OK);
    assert_int_equal(xc_spelling_add(w1, "ciudad", 1), XC_OK);
    assert_int_equal(xc_synonym_add(w0, "cglu", "uclg"), XC_OK);
    assert_int_equal(xc_synonym_add(w1, "uclg", "cglu"), XC_OK);
    assert_int_equal(xc_commit(w0), XC_OK);
    assert_int_equal(xc_commit(w1), XC_OK);
    const char *srcs[2] = {s0, s1};
    int same = -1;
    assert_int_equal(
        xc_dictionary_build(srcs, 2, d, &same, f->err, sizeof f->err), XC_OK);
    assert_int_equal(same, 0);
    assert_int_equal(xc_open_read(d, &r, f->err, sizeof f->err), XC_OK);
    expect_syn(r, "cglu", "uclg");
    expect_syn(r, "uclg", "cglu");
    char *sugg = NULL;
    assert_int_equal(xc_spelling_suggest(r, "gouvernemnt", 2, &sugg), XC_OK);
    assert_string_equal(sugg, "gouvernement");
    free(sugg);
    assert_int_equal(xc_spelling_suggest(r, "ciudac", 1, &sugg), XC_OK);
    assert_string_equal(sugg, "ciudad");
    free(sugg);
    rev = xc_revision(r);
    /* the same revisions: nothing written */
    assert_int_equal(
        xc_dictionary_build(srcs, 2, d, &same, f->err, sizeof f->err), XC_OK);
    assert_int_equal(same, 1);
    assert_int_equal(xc_reopen(r, &changed), XC_OK);
    assert_int_equal(changed, 0);
    assert_true(xc_revision(r) == rev);
    /* a shard moved: a synonym more, a word fewer, a frequency lower */
    assert_int_equal(xc_synonyms_clear(w1), XC_OK);
    assert_int_equal(xc_synonym_add(w1, "ville", "cit"), XC_OK);
    assert_int_equal(xc_spelling_remove(w1, "ciudad", 1), XC_OK);
    assert_int_equal(xc_spelling_remove(w1, "gouvernement", 2), XC_OK);
    assert_int_equal(xc_commit(w1), XC_OK);
    assert_int_equal(
        xc_dictionary_build(srcs, 2, d, &same, f->err, sizeof f->err), XC_OK);
    assert_int_equal(same, 0);
    assert_int_equal(xc_reopen(r, &changed), XC_OK);
    assert_true(xc_revision(r) > rev);
    expect_syn(r, "ville", "cit");
    expect_syn(r, "cglu", "uclg");
    expect_syn(r, "uclg", "");
    assert_int_equal(xc_spelling_suggest(r, "ciudac", 1, &sugg), XC_OK);
    assert_string_equal(sugg, ""); /* none */
    free(sugg);
    assert_int_equal(xc_spelling_suggest(r, "gouvernemnt", 2, &sugg), XC_OK);
    assert_string_equal(sugg, "gouvernement");
    free(sugg);
    xc_close(r);
    /* nothing to make it from: an error, not a crash */
    assert_int_equal(
        xc_dictionary_build(srcs, 0, d, &same, f->err, sizeof f->err),
        XC_ERR_ARG);
    xc_close(w0);
    xc_close(w1);
}

/* A stub listing two databases reads as one: documents of both, its
 * revision the sum of theirs, a reopen that sees a commit to either (the
 * cheap way: XC_OK, not a failure the caller would answer by opening
 * afresh), each shard's figures; the UUID of both, hashed. */
static void test_shards_through_a_stub(void **state)
{
    fixture *f = *state;
    char s0[160], s1[160], stub[160], uuid[XC_UUID_LEN];
    xc_db *w0, *w1, *r;
    int changed = 0;
    snprintf(s0, sizeof s0, "%s/s0", f->dir);
    snprintf(s1, sizeof s1, "%s/s1", f->dir);
    snprintf(stub, sizeof stub, "%s/stub", f->dir);
    assert_int_equal(xc_open_write(s0, 1, &w0, f->err, sizeof f->err), XC_OK);
    assert_int_equal(xc_open_write(s1, 1, &w1, f->err, sizeof f->err), XC_OK);
    put_doc(w0, "a", "ville region", NULL);
    put_doc(w0, "b", "ville", NULL);
    put_doc(w1, "c", "region", NULL);
    assert_int_equal(xc_commit(w0), XC_OK);
    assert_int_equal(xc_commit(w1), XC_OK);
    FILE *sf = fopen(stub, "w");
    assert_non_null(sf);
    fputs("glass s0\nglass s1\n", sf); /* relative to the stub's folder */
    fclose(sf);
    assert_int_equal(xc_open_read(stub, &r, f->err, sizeof f->err), XC_OK);
    assert_int_equal(xc_nshards(r), 2);
    char got[128];
    hits_of(r, xc_query_term("region", 6, 1), got, sizeof got);
    assert_string_equal(got, "a,c");
    xc_shard_info si;
    assert_int_equal(xc_shard_get(r, 0, &si), XC_OK);
    assert_int_equal(si.documents, 2);
    assert_int_equal(si.up, 1);
    assert_int_equal(si.remote, 0);
    uint64_t r0 = si.revision;
    assert_int_equal(xc_shard_get(r, 1, &si), XC_OK);
    assert_int_equal(si.documents, 1);
    assert_int_equal(xc_revision(r), r0 + si.revision);
    assert_int_equal(xc_shard_get(r, 2, &si), XC_ERR_ARG);
    assert_int_equal(xc_has_remote(r), 0);
    assert_int_equal(xc_partial(r), 0);
    assert_int_equal(xc_uuid(r, uuid), XC_OK);
    assert_int_equal(strncmp(uuid, "h:", 2), 0);
    uint64_t before = xc_revision(r);
    put_doc(w1, "d", "region ville", NULL);
    assert_int_equal(xc_commit(w1), XC_OK);
    assert_int_equal(xc_reopen(r, &changed), XC_OK);
    assert_int_equal(changed, 1);
    assert_int_equal(xc_revision(r), before + 1);
    hits_of(r, xc_query_term("region", 6, 1), got, sizeof got);
    assert_string_equal(got, "a,c,d");
    assert_int_equal(xc_reopen(r, &changed), XC_OK);
    assert_int_equal(changed, 0);
    xc_close(r);
    xc_close(w0);
    xc_close(w1);
}

/* A metadata value, asserted readable; freed by the caller. */
static char *meta_of(xc_db *db, const char *key)
{
    char *v = NULL;
    assert_int_equal(xc_metadata_get(db, key, &v), XC_OK);
    return v;
}

static void expect_meta(xc_db *db, const char *key, const char *want)
{
    char *v = meta_of(db, key);
    if (strcmp(v, want) != 0)
        fail_msg("metadata %s: \"%s\", want \"%s\"", key, v, want);
    free(v);
}

/* Two databases merged into a third: the documents of both, renumbered
 * (the second's after the first's); a metadata key both hold keeps the
 * first's value, one only the second holds comes along; spelling
 * frequencies summed (gouvernement 1 + 2 beats gouverneur 2 for a word as
 * far from both); synonym lists united. xc_copy_meta copies a database's
 * metadata and synonyms into a writer. */
static void test_merge_parts(void **state)
{
    fixture *f = *state;
    char s0[160], s1[160], out[160], cp[160], got[128];
    const char *parts[2] = {s0, s1};
    xc_db *w0, *w1, *r, *c;
    uint32_t n = 0;
    snprintf(s0, sizeof s0, "%s/s0", f->dir);
    snprintf(s1, sizeof s1, "%s/s1", f->dir);
    snprintf(out, sizeof out, "%s/merged", f->dir);
    snprintf(cp, sizeof cp, "%s/copy", f->dir);
    assert_int_equal(xc_open_write(s0, XC_WRITE_TRUNCATE | XC_WRITE_NOSYNC, &w0,
                                   f->err, sizeof f->err),
                     XC_OK);
    assert_int_equal(xc_open_write(s1, XC_WRITE_TRUNCATE | XC_WRITE_NOSYNC, &w1,
                                   f->err, sizeof f->err),
                     XC_OK);
    put_doc(w0, "a", "ville region", NULL);
    put_doc(w0, "b", "ville", NULL);
    put_doc(w1, "c", "region ville", NULL);
    assert_int_equal(xc_metadata_set(w0, "k", "zero"), XC_OK);
    assert_int_equal(xc_metadata_set(w0, "only0", "x"), XC_OK);
    assert_int_equal(xc_metadata_set(w1, "k", "one"), XC_OK);
    assert_int_equal(xc_metadata_set(w1, "only1", "y"), XC_OK);
    assert_int_equal(xc_spelling_add(w0, "gouvernement", 1), XC_OK);
    assert_int_equal(xc_spelling_add(w1, "gouvernement", 2), XC_OK);
    assert_int_equal(xc_spelling_add(w1, "gouverneur", 2), XC_OK);
    assert_int_equal(xc_synonym_add(w0, "ville", "cite"), XC_OK);
    assert_int_equal(xc_synonym_add(w1, "ville", "commune"), XC_OK);
    assert_int_equal(xc_synonym_add(w1, "region", "territoire"), XC_OK);
    assert_int_equal(xc_commit(w0), XC_OK);
    assert_int_equal(xc_commit(w1), XC_OK);

    assert_int_equal(xc_merge(parts, 2, out, f->err, sizeof f->err), XC_OK);
    assert_int_equal(xc_open_read(out, &r, f->err, sizeof f->err), XC_OK);
    assert_int_equal(xc_doccount(r, &n), XC_OK);
    assert_int_equal(n, 3);
    hits_of(r, xc_query_term("ville", 5, 1), got, sizeof got);
    assert_string_equal(got, "a,b,c");
    uint32_t docid = 0;
    assert_int_equal(xc_get_doc(r, "Qc", &docid, NULL, NULL, NULL, NULL, 0),
                     XC_OK);
    assert_int_equal(docid, 3);
    expect_meta(r, "k", "zero");
    expect_meta(r, "only0", "x");
    expect_meta(r, "only1", "y");
    unit_suggest(r, "gouvernemeur", 2, "gouvernement");
    expect_syn(r, "ville", "cite|commune");
    expect_syn(r, "region", "territoire");

    /* the settings of one into a writer */
    assert_int_equal(
        xc_open_write(cp, XC_WRITE_TRUNCATE, &c, f->err, sizeof f->err), XC_OK);
    assert_int_equal(xc_copy_meta(w1, c), XC_OK);
    assert_int_equal(xc_commit(c), XC_OK);
    expect_meta(c, "k", "one");
    expect_meta(c, "only1", "y");
    expect_meta(c, "only0", "");
    expect_syn(c, "ville", "commune");
    assert_int_equal(xc_copy_meta(c, r), XC_ERR_ARG); /* r reads only */
    assert_int_equal(xc_copy_meta(NULL, c), XC_ERR_ARG);

    /* bad arguments; a part that is no database */
    assert_int_equal(xc_merge(parts, 0, cp, f->err, sizeof f->err), XC_ERR_ARG);
    const char *none[2] = {s0, f->dir};
    snprintf(out, sizeof out, "%s/merged2", f->dir);
    assert_int_equal(xc_merge(none, 2, out, f->err, sizeof f->err),
                     XC_ERR_OPEN);
    assert_non_null(strstr(f->err, "cannot merge into index"));
    xc_close(c);
    xc_close(r);
    xc_close(w0);
    xc_close(w1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        UNIT_TEST_ON_DB(test_roundtrip),
        UNIT_TEST_ON_DB(test_replace_by_id),
        UNIT_TEST_ON_DB(test_delete),
        UNIT_TEST_ON_DB(test_transactions),
        UNIT_TEST_ON_DB(test_open_missing),
        UNIT_TEST_ON_DB(test_second_writer_locked),
        UNIT_TEST_ON_DB(test_flush_threshold_out_of_reach),
        UNIT_TEST_ON_DB(test_corrupt_index),
        UNIT_TEST_ON_DB(test_queries),
        UNIT_TEST_ON_DB(test_query_nodes),
        UNIT_TEST_ON_DB(test_spelling),
        UNIT_TEST_ON_DB(test_reopen_sees_commit),
        UNIT_TEST_ON_DB(test_modified_reader_retries),
        UNIT_TEST_ON_DB(test_modified_reader_other_calls),
        UNIT_TEST_ON_DB(test_modified_during_allterms),
        UNIT_TEST_ON_DB(test_bad_arguments),
        UNIT_TEST_ON_DB(test_merge_parts),
        UNIT_TEST_ON_DB(test_synonyms),
        UNIT_TEST_ON_DB(test_synonyms_bad_arguments),
        UNIT_TEST_ON_DB(test_dictionary_of_shards),
        UNIT_TEST_ON_DB(test_shards_through_a_stub),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
