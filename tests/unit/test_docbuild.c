/* test_docbuild: documents as schema.h lays them out, and spelling words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit_util.h"
#include "common/analyze.h"
#include "common/buf.h"
#include "common/doctext.h"
#include "common/schema.h"
#include "common/titlekey.h"
#include "common/xapian_c.h"
#include "indexer/docbuild.h"
#include "indexer/spell.h"
#include "search/rank.h"

typedef struct {
    unit_db u; /* the folder, the database path, messages: first */
    analyzer *a;
    xc_db *w; /* writer on u.db */
} fixture;

static int setup(void **state)
{
    fixture *f = unit_db_new(sizeof *f);

    *state = f;
    if (f == NULL || unit_db_create(&f->u, &f->w) != 0)
        return -1;
    if (analyze_new("french", &f->a, f->u.err, sizeof f->u.err) != ANALYZE_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;

    xc_close(f->w);
    analyze_free(f->a);
    return unit_db_free(&f->u);
}

/* The input every test starts from. */
static docbuild_input sample(void)
{
    docbuild_input in;
    memset(&in, 0, sizeof in);
    in.id = "fr/guide/\xc3\xa9lus.md";
    in.relpath = "guide/\xc3\xa9lus.md";
    in.title = "\xc3\x89lus locaux";
    in.title_len = strlen(in.title);
    in.url = "https://ex.org/guide/\xc3\xa9lus";
    in.text = "Les gouvernements locaux de 2024 coop\xc3\xa8rent.";
    in.text_len = strlen(in.text);
    in.root = "/srv/cglu";
    in.mtime = 1700000000;
    in.mtime_nsec = 123456789;
    in.size = 4096;
    in.hash = 0xdeadbeefull;
    return in;
}

/* Build in with analyzer a, store it under its Q term (written to idterm)
 * and commit. */
static void store_in(fixture *f, analyzer *a, const docbuild_input *in,
                     buf_t *words, char *idterm)
{
    xc_doc *doc = NULL;
    assert_int_equal(
        docbuild_make(a, in, words, &doc, f->u.err, sizeof f->u.err),
        DOCBUILD_OK);
    assert_non_null(doc);
    schema_term(SCHEMA_P_ID, in->id, strlen(in->id), idterm);
    assert_int_equal(xc_replace(f->w, idterm, doc), XC_OK);
    assert_int_equal(xc_commit(f->w), XC_OK);
    xc_doc_free(doc);
}

/* store_in with the fixture's French analyzer. */
static void store(fixture *f, const docbuild_input *in, buf_t *words,
                  char *idterm)
{
    store_in(f, f->a, in, words, idterm);
}

/* Every term of the index, each followed by '\n'. */
static int add_term(const char *t, size_t len, uint32_t tf, void *ctx)
{
    buf_t *b = ctx;
    (void)tf;
    if (buf_append(b, t, len) != BUF_OK || buf_putc(b, '\n') != BUF_OK)
        return 1;
    return 0;
}

static void all_terms(xc_db *db, const char *prefix, buf_t *b)
{
    buf_init(b, 1 << 20);
    assert_int_equal(xc_allterms(db, prefix, add_term, b), XC_OK);
    assert_int_equal(b->failed, 0);
}

static uint32_t tf(xc_db *db, const char *term)
{
    uint32_t n = 99;
    assert_int_equal(xc_termfreq(db, term, &n), XC_OK);
    return n;
}

static uint64_t doc_length(xc_db *db)
{
    uint32_t dc = 0, last = 0;
    uint64_t total = 0;
    assert_int_equal(xc_stats(db, &dc, &total, &last), XC_OK);
    assert_int_equal(dc, 1);
    return total;
}

/* A stored document read back: its data (NULL unless asked for) and its
 * values. */
typedef struct stored {
    char *data;
    size_t len;
    char *v[SCHEMA_NVALUES];
    char *text; /* the text store's text, decoded (common/doctext) */
    size_t text_len;
} stored;

static void fetch(fixture *f, const char *idterm, int with_data, stored *d)
{
    size_t vlens[SCHEMA_NVALUES];
    uint32_t docid;
    d->data = NULL;
    d->len = 0;
    assert_int_equal(
        xc_get_doc(f->w, idterm, &docid, with_data ? &d->data : NULL,
                   with_data ? &d->len : NULL, d->v, vlens, SCHEMA_NVALUES),
        XC_OK);
    assert_int_equal(doctext_load(f->w, docid, d->v[SCHEMA_V_TEXT],
                                  vlens[SCHEMA_V_TEXT], &d->text, &d->text_len),
                     TEXTSTORE_OK);
}

static void stored_free(stored *d)
{
    free(d->data);
    free(d->text);
    for (unsigned i = 0; i < SCHEMA_NVALUES; i++)
        free(d->v[i]);
}

/* Number of documents matching a phrase (or near, window > 0) of terms. */
static size_t hits(xc_db *db, xc_qop op, uint32_t window, const char *t1,
                   const char *t2)
{
    xc_query *kids[2] = {xc_query_term(t1, strlen(t1), 1),
                         xc_query_term(t2, strlen(t2), 1)};
    xc_query *q = xc_query_combine(op, kids, 2, window);
    xc_mset *m = NULL;
    assert_non_null(q);
    assert_int_equal(xc_search(db, q, 0, 10, &m), XC_OK);
    size_t n = xc_mset_size(m);
    xc_mset_free(m);
    xc_query_free(q);
    return n;
}

/* Data is id '\0' title '\0' url '\0' lang '\0' date '\0' section '\0'
 * tags '\0' description; values are mtime, size, hash, root, text and
 * lang; terms are Z (stem, positions), E (exact), F (fold|exact, accented
 * words only), T (title stems), each after the language code, L (the
 * language), Q (id), U (root/relpath), R (root). No metadata given: no S
 * or K term, no date, section or tags value, their fields empty. */
static void test_layout(void **state)
{
    fixture *f = *state;
    docbuild_input in = sample();
    char idterm[SCHEMA_TERM_MAX + 1];
    buf_t terms;

    store(f, &in, NULL, idterm);
    assert_string_equal(idterm, "Qfr/guide/\xc3\xa9lus.md");

    all_terms(f->w, "", &terms);
    /* the title's key: its words' stems as a set (common/titlekey) */
    titlekey k;
    char key[TITLEKEY_TERM_SIZE], terms_want[1024];
    titlekey_init(&k);
    titlekey_add(&k, "local", 5, 0);
    titlekey_add(&k, "elu", 3, 0);
    assert_int_equal(titlekey_term(&k, ~0u, key), TITLEKEY_TERM_SIZE - 1);
    snprintf(terms_want, sizeof terms_want,
             "Efr2024\n"
             "Efrcoop\xc3\xa8rent\n"
             "Efrde\n"
             "Efrgouvernements\n"
             "Efrles\n"
             "Efrlocaux\n"
             "Efr\xc3\xa9lus\n"
             "Ffrcooperent|coop\xc3\xa8rent\n"
             "Ffrelus|\xc3\xa9lus\n"
             "Lfr\n"
             "Qfr/guide/\xc3\xa9lus.md\n"
             "R/srv/cglu\n"
             "Tfrelu\n"
             "Tfrlocal\n"
             "U/srv/cglu/guide/\xc3\xa9lus.md\n"
             "%s\n" /* the title's key */
             "Zfr2024\n"
             "Zfrcoop\n" /* coopèrent's accented stem */
             "Zfrcooperent\n"
             "Zfrde\n"
             "Zfrelu\n"
             "Zfrgouvern\n"
             "Zfrle\n"
             "Zfrlocal\n",
             key);
    assert_string_equal(terms.data, terms_want);
    buf_free(&terms);
    assert_int_equal(tf(f->w, "U/srv/cglu/guide/\xc3\xa9lus.md"), 1);

    /* wdf: a title word counts RANK_TITLE_WDF in Z, E and F and 1 in T,
     * a body word 1; Q, U, R and L count 0. Title: élus 5+5+5+1, locaux
     * 5+5+1; body: les, gouvernements, locaux, de, 2024 2 each,
     * coopèrent 4 (Z twice: its two stems); the title key 1. */
    assert_int_equal(RANK_TITLE_WDF, 5);
    assert_int_equal(doc_length(f->w), 16 + 11 + 5 * 2 + 4 + 1);

    stored d;
    fetch(f, idterm, 1, &d);
    static const char want[] = "fr/guide/\xc3\xa9lus.md\0"
                               "\xc3\x89lus locaux\0"
                               "https://ex.org/guide/\xc3\xa9lus\0"
                               "fr\0" /* the analyzer's language */
                               "\0"   /* no date */
                               "\0"   /* no section */
                               "\0";  /* no tags, then no description */
    assert_int_equal(d.len, sizeof want - 1);
    assert_memory_equal(d.data, want, sizeof want); /* and the terminator */
    assert_string_equal(d.v[SCHEMA_V_MTIME], "1700000000.123456789");
    assert_string_equal(d.v[SCHEMA_V_SIZE], "4096");
    assert_string_equal(d.v[SCHEMA_V_HASH], "00000000deadbeef");
    assert_string_equal(d.v[SCHEMA_V_ROOT], "/srv/cglu");
    assert_string_equal(d.text, in.text);
    assert_string_equal(d.v[SCHEMA_V_LANG], "fr");
    assert_string_equal(d.v[SCHEMA_V_DATE], "");
    assert_string_equal(d.v[SCHEMA_V_SECTION], "");
    assert_string_equal(d.v[SCHEMA_V_TAGS], "");
    stored_free(&d);
}

static void test_positions(void **state)
{
    fixture *f = *state;
    docbuild_input in = sample();
    char idterm[SCHEMA_TERM_MAX + 1];

    store(f, &in, NULL, idterm);
    /* title words, then body words, each in order */
    assert_int_equal(hits(f->w, XC_Q_PHRASE, 0, "Zfrelu", "Zfrlocal"), 1);
    assert_int_equal(hits(f->w, XC_Q_PHRASE, 0, "Zfrlocal", "Zfrelu"), 0);
    assert_int_equal(hits(f->w, XC_Q_PHRASE, 0, "Zfrle", "Zfrgouvern"), 1);
    assert_int_equal(hits(f->w, XC_Q_PHRASE, 0, "Zfrgouvern", "Zfrlocal"), 1);
    assert_int_equal(hits(f->w, XC_Q_PHRASE, 0, "Zfr2024", "Zfrcooperent"), 1);
    /* the accented stem sits at the same position */
    assert_int_equal(hits(f->w, XC_Q_PHRASE, 0, "Zfr2024", "Zfrcoop"), 1);
    assert_int_equal(hits(f->w, XC_Q_PHRASE, 0, "Zfrde", "Zfrgouvern"), 0);
    /* a phrase never spans the title and the body: a wide gap between */
    assert_int_equal(hits(f->w, XC_Q_PHRASE, 0, "Zfrlocal", "Zfrle"), 0);
    assert_int_equal(hits(f->w, XC_Q_NEAR, 64, "Zfrelu", "Zfrle"), 0);
    assert_int_equal(hits(f->w, XC_Q_NEAR, 200, "Zfrelu", "Zfrle"), 1);
    assert_int_equal(hits(f->w, XC_Q_NEAR, 200, "Zfrelu", "Zfrcooperent"), 1);
}

/* Spelling words: exact forms, title then body, one per occurrence, each
 * NUL-terminated; no stop words, no words under 3 bytes, no numbers. */
static void test_words(void **state)
{
    fixture *f = *state;
    docbuild_input in = sample();
    char idterm[SCHEMA_TERM_MAX + 1];
    buf_t words;

    buf_init(&words, 4096);
    store(f, &in, &words, idterm);
    static const char want[] = "\xc3\xa9lus\0locaux\0gouvernements\0locaux\0"
                               "coop\xc3\xa8rent";
    assert_int_equal(words.len, sizeof want);
    assert_memory_equal(words.data, want, sizeof want);
    assert_int_equal(words.failed, 0);

    in.title = "Le \xc3\xa9t\xc3\xa9 \xc3\xa7"
               "a x86";
    in.title_len = strlen(in.title);
    in.text = "ab abc 12345 123a \xc3\xa7"
              "a au-dessus";
    in.text_len = strlen(in.text);
    buf_reset(&words);
    store(f, &in, &words, idterm);
    static const char want2[] = "\xc3\xa7"
                                "a\0x86\0abc\0"
                                "123a\0\xc3\xa7"
                                "a\0dessus";
    assert_int_equal(words.len, sizeof want2);
    assert_memory_equal(words.data, want2, sizeof want2);

    /* the same terms with or without words */
    buf_t with, without;
    all_terms(f->w, "", &with);
    store(f, &in, NULL, idterm);
    all_terms(f->w, "", &without);
    assert_string_equal(with.data, without.data);
    buf_free(&with);
    buf_free(&without);
    buf_free(&words);
}

static void test_empty_fields(void **state)
{
    fixture *f = *state;
    docbuild_input in = sample();
    char idterm[SCHEMA_TERM_MAX + 1];
    buf_t words, terms;

    in.id = "a";
    in.relpath = "a";
    in.title = "";
    in.title_len = 0;
    in.url = "";
    in.text = "";
    in.text_len = 0;
    in.mtime = 0;
    in.mtime_nsec = 0;
    in.size = UINT64_MAX;
    in.hash = 0;
    buf_init(&words, 4096);
    store(f, &in, &words, idterm);
    assert_int_equal(words.len, 0);
    all_terms(f->w, "", &terms);
    assert_string_equal(terms.data, "Lfr\nQa\nR/srv/cglu\nU/srv/cglu/a\n");
    buf_free(&terms);
    assert_int_equal(doc_length(f->w), 0);

    stored d;
    fetch(f, "Qa", 1, &d);
    /* a, no title, no url, fr, then no date, section, tags, description */
    assert_int_equal(d.len, 10);
    assert_memory_equal(d.data, "a\0\0\0fr\0\0\0\0", 11);
    assert_string_equal(d.v[SCHEMA_V_MTIME], "0.000000000");
    assert_string_equal(d.v[SCHEMA_V_SIZE], "18446744073709551615");
    assert_string_equal(d.v[SCHEMA_V_HASH], "0000000000000000");
    assert_string_equal(d.text, "");
    stored_free(&d);

    /* the other extreme of the numbers */
    in.hash = UINT64_MAX;
    in.size = 0;
    in.mtime = INT64_MAX;
    in.mtime_nsec = 999999999;
    store(f, &in, NULL, idterm);
    fetch(f, "Qa", 0, &d);
    assert_string_equal(d.v[SCHEMA_V_MTIME], "9223372036854775807.999999999");
    assert_string_equal(d.v[SCHEMA_V_SIZE], "0");
    assert_string_equal(d.v[SCHEMA_V_HASH], "ffffffffffffffff");
    stored_free(&d);
    buf_free(&words);
}

/* Invalid UTF-8 separates words; the text value keeps the bytes. */
static void test_invalid_utf8(void **state)
{
    fixture *f = *state;
    docbuild_input in = sample();
    char idterm[SCHEMA_TERM_MAX + 1];
    buf_t terms;
    static const char text[] = "alpha\xff"
                               "omega\xc3 gamma\x80\xfe"
                               "delta \xc3";

    in.title = "titre\xe2\x82";
    in.title_len = strlen(in.title);
    in.text = text;
    in.text_len = sizeof text - 1;
    store(f, &in, NULL, idterm);
    all_terms(f->w, "E", &terms);
    assert_string_equal(terms.data,
                        "Efralpha\nEfrdelta\nEfrgamma\nEfromega\nEfrtitre\n");
    buf_free(&terms);
    stored d;
    fetch(f, idterm, 0, &d);
    assert_memory_equal(d.text, text, sizeof text);
    stored_free(&d);
}

/* Ids and roots past Xapian's term limit are cut and hashed as
 * schema_term() says; the data and values keep them whole. */
static void test_long_id_and_root(void **state)
{
    fixture *f = *state;
    docbuild_input in = sample();
    char id[401], root[301], q[SCHEMA_TERM_MAX + 1];
    char u[SCHEMA_TERM_MAX + 1], r[SCHEMA_TERM_MAX + 1];
    char idterm[SCHEMA_TERM_MAX + 1];

    memset(id, 'i', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    memcpy(id + 230, "\xc3\xa9", 2);
    memset(root, 'r', sizeof root - 1);
    root[0] = '/';
    root[sizeof root - 1] = '\0';
    in.id = id;
    in.relpath = id + 100;
    in.root = root;
    store(f, &in, NULL, idterm);
    assert_int_equal(schema_term(SCHEMA_P_ID, id, strlen(id), q),
                     SCHEMA_TERM_MAX);
    assert_string_equal(idterm, q);
    schema_uid(root, id + 100, u);
    schema_term(SCHEMA_P_ROOT, root, strlen(root), r);
    assert_int_equal(tf(f->w, q), 1);
    assert_int_equal(tf(f->w, u), 1);
    assert_int_equal(tf(f->w, r), 1);

    buf_t terms;
    all_terms(f->w, "", &terms);
    size_t n = 0;
    for (char *p = terms.data, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
        assert_true((size_t)(nl - p) <= SCHEMA_TERM_MAX);
        n++;
    }
    assert_int_equal(n, 24);
    buf_free(&terms);

    stored d;
    fetch(f, q, 1, &d);
    assert_string_equal(d.data, id);
    assert_int_equal(d.len, 400 + 1 + in.title_len + 1 + strlen(in.url) + 1 +
                                strlen("fr") + 4);
    assert_string_equal(d.v[SCHEMA_V_ROOT], root);
    stored_free(&d);
}

/* A words buffer that reaches its limit fails the build: no document, and
 * err says which. */
static void test_words_limit(void **state)
{
    fixture *f = *state;
    docbuild_input in = sample();
    buf_t words;
    xc_doc *doc = (xc_doc *)&words; /* must be reset to NULL */
    char err[128];

    buf_init(&words, 6); /* "élus\0" fits, "locaux\0" does not */
    assert_int_equal(docbuild_make(f->a, &in, &words, &doc, err, sizeof err),
                     DOCBUILD_ERR_NOMEM);
    assert_null(doc);
    assert_string_equal(err,
                        "cannot build document fr/guide/\xc3\xa9lus.md: out of "
                        "memory");
    assert_int_equal(words.failed, 1);

    /* err may be NULL or empty; a short err is cut, still terminated */
    buf_reset(&words);
    doc = (xc_doc *)&words;
    assert_int_equal(docbuild_make(f->a, &in, &words, &doc, NULL, 0),
                     DOCBUILD_ERR_NOMEM);
    assert_null(doc);
    buf_reset(&words);
    err[0] = 'x';
    assert_int_equal(docbuild_make(f->a, &in, &words, &doc, err, 0),
                     DOCBUILD_ERR_NOMEM);
    assert_int_equal(err[0], 'x');
    buf_reset(&words);
    memset(err, 'x', sizeof err);
    assert_int_equal(docbuild_make(f->a, &in, &words, &doc, err, 10),
                     DOCBUILD_ERR_NOMEM);
    assert_string_equal(err, "cannot bu");
    assert_int_equal(err[10], 'x');
    buf_free(&words);

    /* room for every word: the same input builds */
    buf_init(&words, 45);
    assert_int_equal(docbuild_make(f->a, &in, &words, &doc, err, sizeof err),
                     DOCBUILD_OK);
    assert_non_null(doc);
    assert_int_equal(words.len, 45);
    xc_doc_free(doc);
    buf_free(&words);
}

static void test_spell_words(void **state)
{
    fixture *f = *state;
    spell_table *sp = NULL;

    assert_int_equal(spell_new(&sp), SPELL_OK);
    static const char w[] = "maison\0raison\0maison\0maison";
    assert_int_equal(docbuild_spell_words(sp, w, sizeof w), DOCBUILD_OK);
    assert_int_equal(spell_count(sp), 2);
    assert_int_equal(docbuild_spell_words(sp, w, 0), DOCBUILD_OK);
    assert_int_equal(spell_count(sp), 2);
    assert_int_equal(spell_flush(sp, f->w), SPELL_OK);
    assert_int_equal(xc_commit(f->w), XC_OK);
    /* "saison" is one edit from both: the more frequent one wins */
    unit_suggest(f->w, "saison", 2, "maison");
    /* +1 per occurrence: maison 3, raison 1 */
    static const char m[] = "maison";
    assert_int_equal(spell_add(sp, m, 6, -1), SPELL_OK);
    assert_int_equal(spell_flush(sp, f->w), SPELL_OK);
    unit_suggest(f->w, "saison", 2, "maison"); /* 2 against 1 */
    assert_int_equal(spell_add(sp, m, 6, -2), SPELL_OK);
    assert_int_equal(spell_flush(sp, f->w), SPELL_OK);
    unit_suggest(f->w, "saison", 2, "raison"); /* maison is gone */

    /* the words a build gathers, fed to the table */
    docbuild_input in = sample();
    char idterm[SCHEMA_TERM_MAX + 1];
    buf_t words;
    buf_init(&words, 4096);
    store(f, &in, &words, idterm);
    assert_int_equal(docbuild_spell_words(sp, words.data, words.len),
                     DOCBUILD_OK);
    assert_int_equal(spell_count(sp), 4);
    assert_int_equal(spell_flush(sp, f->w), SPELL_OK);
    unit_suggest(f->w, "gouvernemants", 2, "gouvernements");
    unit_suggest(f->w, "lcaux", 2, "locaux");
    unit_suggest(f->w, "coop\xc3\xa8rant", 2, "coop\xc3\xa8rent");

    /* the old text taken off with -1 cancels what it added */
    assert_int_equal(docbuild_spell_text(f->a, in.title, in.title_len, sp, -1),
                     DOCBUILD_OK);
    assert_int_equal(docbuild_spell_text(f->a, in.text, in.text_len, sp, -1),
                     DOCBUILD_OK);
    assert_int_equal(spell_count(sp), 4);
    assert_int_equal(spell_flush(sp, f->w), SPELL_OK);
    assert_int_equal(spell_count(sp), 0);
    unit_suggest(f->w, "gouvernemants", 2, "");
    unit_suggest(f->w, "lcaux", 2, "");
    unit_suggest(f->w, "coop\xc3\xa8rant", 2, "");
    buf_free(&words);
    spell_free(sp);
}

static void test_spell_text(void **state)
{
    fixture *f = *state;
    spell_table *sp = NULL;

    assert_int_equal(spell_new(&sp), SPELL_OK);
    assert_int_equal(docbuild_spell_text(f->a, "", 0, sp, 1), DOCBUILD_OK);
    assert_int_equal(spell_count(sp), 0);
    /* stop words, short words and numbers are not spelling words */
    static const char t[] = "Le la de \xc3\xa9t\xc3\xa9 ab 2024 12 a";
    assert_int_equal(docbuild_spell_text(f->a, t, sizeof t - 1, sp, 1),
                     DOCBUILD_OK);
    assert_int_equal(spell_count(sp), 0);
    /* any bytes: NUL and invalid UTF-8 separate words; only len is read */
    static const char b[] = "abc\0def\xff"
                            "ghi\xc3 jkl";
    assert_int_equal(docbuild_spell_text(f->a, b, 11, sp, 1), DOCBUILD_OK);
    assert_int_equal(spell_count(sp), 3);
    assert_int_equal(docbuild_spell_text(f->a, b, sizeof b - 1, sp, 1),
                     DOCBUILD_OK);
    assert_int_equal(spell_count(sp), 4);
    spell_free(sp);

    /* delta per occurrence: 2 occurrences x 2 */
    assert_int_equal(spell_new(&sp), SPELL_OK);
    static const char g[] = "Gouvernement, GOUVERNEMENT.";
    assert_int_equal(docbuild_spell_text(f->a, g, sizeof g - 1, sp, 2),
                     DOCBUILD_OK);
    assert_int_equal(spell_count(sp), 1);
    assert_int_equal(spell_flush(sp, f->w), SPELL_OK);
    unit_suggest(f->w, "gouvernemant", 2, "gouvernement");
    assert_int_equal(docbuild_spell_text(f->a, g, 12, sp, -3), DOCBUILD_OK);
    assert_int_equal(spell_flush(sp, f->w), SPELL_OK);
    unit_suggest(f->w, "gouvernemant", 2, "gouvernement"); /* 4 - 3 left */
    assert_int_equal(docbuild_spell_text(f->a, g, 12, sp, -1), DOCBUILD_OK);
    assert_int_equal(spell_flush(sp, f->w), SPELL_OK);
    unit_suggest(f->w, "gouvernemant", 2, "");
    spell_free(sp);
}

/* Sum of the wdf of every term of text indexed with ranges h[0..nh) as
 * headings and lead as the lead (an empty title adds nothing). */
static uint64_t body_length(fixture *f, const char *text,
                            const extract_range *h, size_t nh,
                            extract_range lead)
{
    docbuild_input in = sample();
    char idterm[SCHEMA_TERM_MAX + 1];

    in.title = "";
    in.title_len = 0;
    in.text = text;
    in.text_len = strlen(text);
    in.headings = h;
    in.nheadings = nh;
    in.lead = lead;
    store(f, &in, NULL, idterm);
    return doc_length(f->w);
}

/* A heading's words weigh RANK_HEADING_WDF, the lead's RANK_LEAD_WDF, the
 * rest of the body 1, in every term of a word (Z, both stems, E, F). */
static void test_field_wdf(void **state)
{
    fixture *f = *state;
    const extract_range none = {0, 0};
    extract_range word = {0, 5};

    /* at 1 the fields would weigh as the body (and this test prove nothing) */
    assert_true(RANK_HEADING_WDF > 1 && RANK_LEAD_WDF > 1);

    /* guide: Zfrguid and Efrguide */
    assert_int_equal(body_length(f, "guide", NULL, 0, none), 2);
    assert_int_equal(body_length(f, "guide", &word, 1, none),
                     2 * RANK_HEADING_WDF);
    assert_int_equal(body_length(f, "guide", NULL, 0, word), 2 * RANK_LEAD_WDF);
    /* heading before lead where both hold a word */
    assert_int_equal(body_length(f, "guide", &word, 1, word),
                     2 * RANK_HEADING_WDF);
    /* élus: its Z, E and F terms alike */
    word.end = strlen("\xc3\xa9lus");
    uint64_t elus = body_length(f, "\xc3\xa9lus", NULL, 0, none);
    assert_true(elus >= 3);
    assert_int_equal(body_length(f, "\xc3\xa9lus", &word, 1, none),
                     elus * RANK_HEADING_WDF);
    assert_int_equal(body_length(f, "\xc3\xa9lus", NULL, 0, word),
                     elus * RANK_LEAD_WDF);

    /* a whole text: headings, lead and body by the offsets of words */
    static const char *const part[] = {"Guide pratique",
                                       "Les \xc3\xa9lus "
                                       "d\xc3\xa9"
                                       "cident.",
                                       "Annexe budg\xc3\xa9taire", "fin"};
    uint64_t base[4];
    char text[256];
    extract_range h[2], lead;
    size_t n = 0;
    for (size_t k = 0; k < 4; k++) {
        base[k] = body_length(f, part[k], NULL, 0, none);
        assert_true(base[k] > 0);
        if (k > 0)
            n += (size_t)sprintf(text + n, "\n\n");
        if (k == 0 || k == 2)
            h[k / 2] = (extract_range){n, n + strlen(part[k])};
        if (k == 1)
            lead = (extract_range){n, n + strlen(part[k])};
        n += (size_t)sprintf(text + n, "%s", part[k]);
    }
    assert_int_equal(body_length(f, text, NULL, 0, none),
                     base[0] + base[1] + base[2] + base[3]);
    assert_int_equal(body_length(f, text, h, 2, lead),
                     RANK_HEADING_WDF * (base[0] + base[2]) +
                         RANK_LEAD_WDF * base[1] + base[3]);
}

/* The metadata every test of it starts from: a section with blanks and
 * capitals, tags of which two have one key, a date, a description. */
static const char *const meta_tags[] = {"UCLG", "uclg", "Local Governments"};

static docbuild_input with_meta(void)
{
    docbuild_input in = sample();
    in.section = "  Local News ";
    in.tags = meta_tags;
    in.ntags = sizeof meta_tags / sizeof *meta_tags;
    in.date = "2024-05-17";
    in.description = "A short summary.";
    return in;
}

/* An English document: its word terms carry "en", its L term and lang
 * value say "en"; the section and tags are indexed by their keys (S and
 * K terms, no weight; tags deduplicated by key, in the document's order
 * in their value); the date is a value; the data ends with the metadata
 * fields in schema.h's order. */
static void test_metadata_english(void **state)
{
    fixture *f = *state;
    analyzer *en = NULL;
    docbuild_input in = with_meta();
    char idterm[SCHEMA_TERM_MAX + 1];
    buf_t terms;

    assert_int_equal(analyze_new("english", &en, NULL, 0), ANALYZE_OK);
    in.id = "en/news.md";
    in.relpath = "news.md";
    in.title = "Local News";
    in.title_len = strlen(in.title);
    in.url = "/en/news";
    in.text = "Cities cooperate.";
    in.text_len = strlen(in.text);
    store_in(f, en, &in, NULL, idterm);

    titlekey k;
    char key[TITLEKEY_TERM_SIZE], terms_want[1024];
    titlekey_init(&k);
    titlekey_add(&k, "local", 5, 0);
    titlekey_add(&k, "news", 4, 0);
    assert_int_equal(titlekey_term(&k, ~0u, key), TITLEKEY_TERM_SIZE - 1);
    snprintf(terms_want, sizeof terms_want,
             "Eencities\n"
             "Eencooperate\n"
             "Eenlocal\n"
             "Eennews\n"
             "Klocal governments\n"
             "Kuclg\n"
             "Len\n"
             "Qen/news.md\n"
             "R/srv/cglu\n"
             "Slocal news\n"
             "Tenlocal\n"
             "Tennews\n"
             "U/srv/cglu/news.md\n"
             "%s\n" /* the title's key */
             "Zenciti\n"
             "Zencooper\n"
             "Zenlocal\n"
             "Zennews\n",
             key);
    all_terms(f->w, "", &terms);
    assert_string_equal(terms.data, terms_want);
    buf_free(&terms);
    /* boolean terms: no weight (title 5 + 5 + 1 per word, body 2 each,
     * the title key 1) */
    assert_int_equal(doc_length(f->w), 2 * 11 + 2 * 2 + 1);
    assert_int_equal(tf(f->w, "Len"), 1);
    assert_int_equal(tf(f->w, "Lfr"), 0);

    stored d;
    fetch(f, idterm, 1, &d);
    static const char want[] = "en/news.md\0"
                               "Local News\0"
                               "/en/news\0"
                               "en\0"
                               "2024-05-17\0"
                               "local news\0"
                               "uclg\x1f"
                               "local governments\0"
                               "A short summary.";
    assert_int_equal(d.len, sizeof want - 1);
    assert_memory_equal(d.data, want, sizeof want);
    assert_string_equal(d.v[SCHEMA_V_LANG], "en");
    assert_string_equal(d.v[SCHEMA_V_DATE], "2024-05-17");
    assert_string_equal(d.v[SCHEMA_V_SECTION], "local news");
    assert_string_equal(d.v[SCHEMA_V_TAGS], "uclg\x1f"
                                            "local governments");
    assert_int_equal(SCHEMA_TAG_SEP, '\x1f');
    stored_free(&d);
    analyze_free(en);
}

/* The same metadata on a French document: Lfr, and the same S and K
 * terms (keys do not depend on the language). */
static void test_metadata_french(void **state)
{
    fixture *f = *state;
    docbuild_input in = with_meta();
    char idterm[SCHEMA_TERM_MAX + 1];
    buf_t terms;

    store(f, &in, NULL, idterm);
    all_terms(f->w, "L", &terms);
    assert_string_equal(terms.data, "Lfr\n");
    buf_free(&terms);
    all_terms(f->w, "S", &terms);
    assert_string_equal(terms.data, "Slocal news\n");
    buf_free(&terms);
    all_terms(f->w, "K", &terms);
    assert_string_equal(terms.data, "Klocal governments\nKuclg\n");
    buf_free(&terms);
    /* no word term of another language */
    all_terms(f->w, "Zen", &terms);
    assert_int_equal(terms.len, 0);
    buf_free(&terms);

    stored d;
    fetch(f, idterm, 1, &d);
    static const char tail[] = "https://ex.org/guide/\xc3\xa9lus\0"
                               "fr\0"
                               "2024-05-17\0"
                               "local news\0"
                               "uclg\x1f"
                               "local governments\0"
                               "A short summary.";
    assert_true(d.len >= sizeof tail - 1);
    assert_memory_equal(d.data + d.len - (sizeof tail - 1), tail, sizeof tail);
    assert_string_equal(d.v[SCHEMA_V_LANG], "fr");
    assert_string_equal(d.v[SCHEMA_V_DATE], "2024-05-17");
    assert_string_equal(d.v[SCHEMA_V_SECTION], "local news");
    stored_free(&d);
}

/* Keys as schema_key makes them: casefolded, NFKC, blanks collapsed;
 * a section or tag with no key left is none; empty strings are no
 * metadata; at most DOCBUILD_MAX_TAGS tags. */
static void test_metadata_keys(void **state)
{
    fixture *f = *state;
    docbuild_input in = sample();
    char idterm[SCHEMA_TERM_MAX + 1];
    buf_t terms;
    stored d;

    /* blank section, blank and empty tags, empty date and description */
    static const char *const blank[] = {"  ", "", "\t\n"};
    in.section = " \t ";
    in.tags = blank;
    in.ntags = 3;
    in.date = "";
    in.description = "";
    store(f, &in, NULL, idterm);
    all_terms(f->w, "S", &terms);
    assert_int_equal(terms.len, 0);
    buf_free(&terms);
    all_terms(f->w, "K", &terms);
    assert_int_equal(terms.len, 0);
    buf_free(&terms);
    fetch(f, idterm, 1, &d);
    static const char empty_tail[] = "\xc3\xa9lus\0fr\0\0\0\0";
    assert_memory_equal(d.data + d.len - (sizeof empty_tail - 1), empty_tail,
                        sizeof empty_tail);
    assert_string_equal(d.v[SCHEMA_V_DATE], "");
    assert_string_equal(d.v[SCHEMA_V_SECTION], "");
    assert_string_equal(d.v[SCHEMA_V_TAGS], "");
    stored_free(&d);

    /* accents kept, case folded, a compatibility form (the ligature fi)
     * normalised, a blank tag skipped between two kept ones */
    static const char *const odd[] = {"\xc3\x89LUS  Locaux", "  ",
                                      "\xef\xac\x81nances", "Finances"};
    in.section = "R\xc3\xa9gions\tet  Villes";
    in.tags = odd;
    in.ntags = 4;
    store(f, &in, NULL, idterm);
    all_terms(f->w, "S", &terms);
    assert_string_equal(terms.data, "Sr\xc3\xa9gions et villes\n");
    buf_free(&terms);
    all_terms(f->w, "K", &terms);
    assert_string_equal(terms.data, "Kfinances\nK\xc3\xa9lus locaux\n");
    buf_free(&terms);
    fetch(f, idterm, 0, &d);
    assert_string_equal(d.v[SCHEMA_V_SECTION], "r\xc3\xa9gions et villes");
    assert_string_equal(d.v[SCHEMA_V_TAGS], "\xc3\xa9lus locaux\x1f"
                                            "finances");
    stored_free(&d);

    /* more tags than a document keeps: the first DOCBUILD_MAX_TAGS */
    char names[DOCBUILD_MAX_TAGS + 8][8];
    const char *many[DOCBUILD_MAX_TAGS + 8];
    for (size_t i = 0; i < DOCBUILD_MAX_TAGS + 8; i++) {
        snprintf(names[i], sizeof names[i], "t%02zu", i);
        many[i] = names[i];
    }
    in.tags = many;
    in.ntags = DOCBUILD_MAX_TAGS + 8;
    store(f, &in, NULL, idterm);
    all_terms(f->w, "K", &terms);
    size_t n = 0;
    for (char *p = terms.data; (p = strchr(p, '\n')) != NULL; p++)
        n++;
    assert_int_equal(n, DOCBUILD_MAX_TAGS);
    char last[16];
    snprintf(last, sizeof last, "Kt%02d\n", DOCBUILD_MAX_TAGS - 1);
    assert_non_null(strstr(terms.data, last));
    snprintf(last, sizeof last, "Kt%02d\n", DOCBUILD_MAX_TAGS);
    assert_null(strstr(terms.data, last));
    buf_free(&terms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        UNIT_TEST_FIXTURE(test_layout),
        UNIT_TEST_FIXTURE(test_positions),
        UNIT_TEST_FIXTURE(test_words),
        UNIT_TEST_FIXTURE(test_empty_fields),
        UNIT_TEST_FIXTURE(test_invalid_utf8),
        UNIT_TEST_FIXTURE(test_long_id_and_root),
        UNIT_TEST_FIXTURE(test_words_limit),
        UNIT_TEST_FIXTURE(test_spell_words),
        UNIT_TEST_FIXTURE(test_spell_text),
        UNIT_TEST_FIXTURE(test_field_wdf),
        UNIT_TEST_FIXTURE(test_metadata_english),
        UNIT_TEST_FIXTURE(test_metadata_french),
        UNIT_TEST_FIXTURE(test_metadata_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
