/* test_synonyms: the synonym file parser (groups, comments, blanks,
 * multi-word entries, keys prefixed with the language code, refused lines
 * with their numbers, limits), files on disk, sets of two languages from
 * one text, and the table they write and compare on a real index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit_util.h"
#include "common/analyze.h"
#include "common/xapian_c.h"
#include "indexer/synonyms.h"

/* The English analyzer of the group, beside unit_fr. */
static analyzer *unit_en;

static int group_setup(void **state)
{
    if (unit_fr_setup(state) != 0)
        return -1;
    return analyze_new("en", &unit_en, NULL, 0) == ANALYZE_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    analyze_free(unit_en);
    return unit_fr_teardown(state);
}

/* The messages of refused lines, one per line. */
typedef struct said {
    char text[8192];
    size_t n;
} said;

static void keep_msg(const char *msg, void *ctx)
{
    said *s = ctx;
    size_t len = strlen(s->text);
    snprintf(s->text + len, sizeof s->text - len, "%s\n", msg);
    s->n++;
}

/* Parse text as the file "f.syn" into a new set; the refused lines are
 * said into *out and counted (must be nbad). Caller frees the set. */
static synonyms *parse_text(const char *text, said *out, size_t nbad)
{
    synonyms *s = NULL;
    size_t bad = 0;

    memset(out, 0, sizeof *out);
    assert_int_equal(synonyms_new(unit_fr, &s), SYNONYMS_OK);
    assert_int_equal(
        synonyms_parse(s, "f.syn", text, strlen(text), keep_msg, out, &bad),
        SYNONYMS_OK);
    if (bad != nbad || out->n != nbad)
        fail_msg("want %zu refused lines, got %zu (%zu said):\n%s", nbad, bad,
                 out->n, out->text);
    return s;
}

/* Group i of s must hold the keys of want, "|"-separated, in order. */
static void expect_group(const synonyms *s, size_t i, const char *want)
{
    char got[1024] = "";
    size_t n;
    const char *const *keys = synonyms_group(s, i, &n);
    for (size_t k = 0; k < n; k++) {
        size_t len = strlen(got);
        snprintf(got + len, sizeof got - len, "%s%s", k ? "|" : "", keys[k]);
    }
    if (strcmp(got, want) != 0)
        fail_msg("group %zu: got \"%s\", want \"%s\"", i, got, want);
}

static void expect_said(const said *s, const char *needle)
{
    if (!strstr(s->text, needle))
        fail_msg("no \"%s\" in:\n%s", needle, s->text);
}

static void test_groups(void **state)
{
    (void)state;
    said out;
    synonyms *s =
        parse_text("# the organisation\n"
                   "CGLU, UCLG, Cités et Gouvernements Locaux Unis\n"
                   "\n"
                   "   \t\n"
                   "  # an indented comment\n"
                   "élus, conseillers   # a comment after the text\n"
                   "a b c,d e,,  , \n"        /* empty entries skipped */
                   "CGLU, cglu, Cglu, UCLG\n" /* the same entry thrice: one */
                   "ville,cité\r\n"           /* Windows line end */
                   "rue, avenue",             /* no line end at all */
                   &out, 0);

    assert_int_equal(synonyms_ngroups(s), 6);
    expect_group(s, 0, "fr:cglu|fr:uclg|fr:cit et gouvern local uni");
    expect_group(s, 1, "fr:elu|fr:conseiller");
    expect_group(s, 2, "fr:a b c|fr:d e");
    expect_group(s, 3, "fr:cglu|fr:uclg");
    expect_group(s, 4, "fr:vill|fr:cit");
    expect_group(s, 5, "fr:ru|fr:avenu");
    synonyms_free(s);

    /* nothing at all, comments only, a byte order mark */
    s = parse_text("", &out, 0);
    assert_int_equal(synonyms_ngroups(s), 0);
    synonyms_free(s);
    s = parse_text("# only\n#comments\n\n,,,\n", &out, 0);
    assert_int_equal(synonyms_ngroups(s), 0);
    synonyms_free(s);
    s = parse_text("\xEF\xBB\xBF"
                   "CGLU, UCLG\n",
                   &out, 0);
    assert_int_equal(synonyms_ngroups(s), 1);
    expect_group(s, 0, "fr:cglu|fr:uclg");
    synonyms_free(s);
}

/* The key is the analyzer's: elisions dropped, accents folded, stems, one
 * space between words whatever the punctuation. */
static void test_keys_like_queries(void **state)
{
    (void)state;
    said out;
    synonyms *s = parse_text("l'Union  européenne, UE\n"
                             "Porto-Novo, capitale du Bénin\n",
                             &out, 0);
    assert_int_equal(synonyms_ngroups(s), 2);
    expect_group(s, 0, "fr:union europeen|fr:ue");
    expect_group(s, 1, "fr:porto novo|fr:capital du benin");
    synonyms_free(s);
}

static void test_refused_lines(void **state)
{
    (void)state;
    said out;
    synonyms *s = parse_text("CGLU, UCLG\n"                            /* 1 */
                             "seul\n"                                  /* 2 */
                             "CGLU, cglu\n"                            /* 3 */
                             "bien, \xC3\x28mal\n"                     /* 4 */
                             "!!!, CGLU\n"                             /* 5 */
                             "le, la\n"                                /* 6 */
                             "un deux trois quatre cinq six sept, x\n" /* 7 */
                             "ville, cité\n",                          /* 8 */
                             &out, 6);
    /* the good lines are kept */
    assert_int_equal(synonyms_ngroups(s), 2);
    expect_group(s, 0, "fr:cglu|fr:uclg");
    expect_group(s, 1, "fr:vill|fr:cit");
    expect_said(&out, "f.syn:2: a group needs two different entries");
    expect_said(&out, "f.syn:3: a group needs two different entries");
    expect_said(&out, "f.syn:4: not valid UTF-8");
    expect_said(&out, "f.syn:5: entry \"!!!\" has no word");
    expect_said(&out, "f.syn:6: entry \"le\" holds only stop words");
    expect_said(&out, "f.syn:7: entry \"un deux trois quatre cinq six sept\" "
                      "has more than 6 words");
    synonyms_free(s);

    /* a NUL byte, with the length given */
    synonyms *t = NULL;
    size_t bad = 0;
    static const char nul[] = "a\0b, c\nfa, fe\n";
    assert_int_equal(synonyms_new(unit_fr, &t), SYNONYMS_OK);
    assert_int_equal(
        synonyms_parse(t, "n", nul, sizeof nul - 1, NULL, NULL, &bad),
        SYNONYMS_OK);
    assert_int_equal(bad, 1);
    assert_int_equal(synonyms_ngroups(t), 1);
    expect_group(t, 0, "fr:fa|fr:fe");
    synonyms_free(t);
}

static void test_limits(void **state)
{
    (void)state;
    said out;
    char *text = malloc(SYNONYMS_MAX_GROUPS * 16 + SYNONYMS_MAX_LINE + 64);
    assert_non_null(text);

    /* a line just over the limit, then one at it */
    char *p = text;
    memset(p, 'a', SYNONYMS_MAX_LINE + 1);
    p[1] = ',';
    p += SYNONYMS_MAX_LINE + 1;
    *p++ = '\n';
    p += sprintf(p, "xx, yy\n");
    *p = '\0';
    synonyms *s = parse_text(text, &out, 1);
    expect_said(&out, "f.syn:1: line longer than 4096 bytes");
    assert_int_equal(synonyms_ngroups(s), 1);
    synonyms_free(s);

    /* entries: SYNONYMS_MAX_ENTRIES are fine, one more is not */
    p = text;
    for (int i = 0; i < SYNONYMS_MAX_ENTRIES; i++)
        p += sprintf(p, "%sw%d", i ? ", " : "", i);
    p += sprintf(p, "\n");
    for (int i = 0; i <= SYNONYMS_MAX_ENTRIES; i++)
        p += sprintf(p, "%sw%d", i ? ", " : "", i);
    p += sprintf(p, "\n");
    s = parse_text(text, &out, 1);
    expect_said(&out, "f.syn:2: more than 16 different entries");
    assert_int_equal(synonyms_ngroups(s), 1);
    size_t n;
    synonyms_group(s, 0, &n);
    assert_int_equal(n, SYNONYMS_MAX_ENTRIES);
    synonyms_free(s);

    /* an entry whose key is over XC_MAX_TERM bytes (6 words of 60) */
    p = text;
    for (int w = 0; w < SYNONYMS_MAX_WORDS; w++) {
        memset(p, 'a' + w, 60);
        p += 60;
        *p++ = ' ';
    }
    p += sprintf(p, ", court\n");
    s = parse_text(text, &out, 1);
    expect_said(&out, "is too long (its key takes more than 245 bytes)");
    synonyms_free(s);

    /* the code counts: "fr:" and 242 bytes of digits (stems of their own)
     * make XC_MAX_TERM, one digit more is too long */
    for (int over = 0; over <= 1; over++) {
        p = text;
        for (int w = 0; w < 4; w++) {
            int len = w < 3 ? 60 : 59 + over;
            memset(p, '0' + w, (size_t)len);
            p += len;
            *p++ = ' ';
        }
        p += sprintf(p, ", court\n");
        s = parse_text(text, &out, (size_t)over);
        assert_int_equal(synonyms_ngroups(s), (size_t)!over);
        if (!over) {
            size_t nk;
            const char *const *keys = synonyms_group(s, 0, &nk);
            assert_int_equal(strlen(keys[0]), XC_MAX_TERM);
            assert_memory_equal(keys[0], "fr:000", 6);
        }
        synonyms_free(s);
    }

    /* groups: the one past SYNONYMS_MAX_GROUPS stops the file, said once */
    p = text;
    for (int i = 0; i < SYNONYMS_MAX_GROUPS + 5; i++)
        p += sprintf(p, "g%d, h%d\n", i, i);
    s = parse_text(text, &out, 1);
    char want[64];
    snprintf(want, sizeof want, "f.syn:%d: more than %d groups",
             SYNONYMS_MAX_GROUPS + 1, SYNONYMS_MAX_GROUPS);
    expect_said(&out, want);
    assert_int_equal(synonyms_ngroups(s), SYNONYMS_MAX_GROUPS);
    synonyms_free(s);
    free(text);
}

/* Files on disk: the counts add up over files; a missing file is fine
 * only when said so; messages name the file. */
static void test_read_files(void **state)
{
    unit_db *u = *state;
    char path[256], err[256];
    said out = {0};
    size_t bad = 0;
    synonyms *s = NULL;

    snprintf(path, sizeof path, "%s/.synonyms", u->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("CGLU, UCLG\nseul\n", f);
    fclose(f);
    assert_int_equal(synonyms_new(unit_fr, &s), SYNONYMS_OK);
    assert_int_equal(synonyms_read(s, path, "docs/.synonyms", 0, keep_msg, &out,
                                   &bad, err, sizeof err),
                     SYNONYMS_OK);
    assert_int_equal(bad, 1);
    expect_said(&out, "docs/.synonyms:2: a group needs");
    assert_int_equal(synonyms_read(s, "/nonexistent/x", "x", 1, keep_msg, &out,
                                   &bad, err, sizeof err),
                     SYNONYMS_OK);
    assert_int_equal(synonyms_read(s, "/nonexistent/x", "x", 0, keep_msg, &out,
                                   &bad, err, sizeof err),
                     SYNONYMS_ERR_READ);
    assert_string_equal(err, "cannot read x: No such file or directory");
    /* a folder is no file */
    assert_int_equal(
        synonyms_read(s, u->dir, "d", 1, keep_msg, &out, &bad, err, sizeof err),
        SYNONYMS_ERR_READ);
    assert_non_null(strstr(err, "cannot read d: "));
    /* too large */
    f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i <= SYNONYMS_MAX_FILE / 16; i++)
        fputs("# a long file..\n", f);
    fclose(f);
    assert_int_equal(
        synonyms_read(s, path, "big", 0, keep_msg, &out, &bad, err, sizeof err),
        SYNONYMS_ERR_READ);
    assert_string_equal(err, "cannot read big: larger than 1 MB");
    assert_int_equal(synonyms_ngroups(s), 1);
    assert_int_equal(bad, 1);
    synonyms_free(s);
}

/* The synonyms of key in db, "|"-separated, into got. */
static int add_syn(const char *v, size_t len, void *ctx)
{
    char *got = ctx;
    size_t n = strlen(got);
    snprintf(got + n, 512 - n, "%s%.*s", n ? "|" : "", (int)len, v);
    return 0;
}

static void expect_synonyms(xc_db *db, const char *key, const char *want)
{
    char got[512] = "";
    assert_int_equal(xc_synonyms_of(db, key, add_syn, got), XC_OK);
    if (strcmp(got, want) != 0)
        fail_msg("synonyms of %s: got \"%s\", want \"%s\"", key, got, want);
}

/* store writes every pair, replaces what was there; same compares. */
static void test_store_and_same(void **state)
{
    unit_db *u = *state;
    said out;
    xc_db *w = unit_open_write(u);
    int same = -1;

    synonyms *s = parse_text("CGLU, UCLG, Cités et Gouvernements Locaux "
                             "Unis\nCGLU, réseau\n",
                             &out, 0);
    synonyms *empty = parse_text("", &out, 0);
    synonyms *other = parse_text("CGLU, UCLG\n", &out, 0);

    assert_int_equal(synonyms_same(empty, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 1); /* an empty table is an empty set */
    assert_int_equal(synonyms_same(s, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 0);
    assert_int_equal(xc_begin(w), XC_OK);
    assert_int_equal(synonyms_store(s, w), SYNONYMS_OK);
    assert_int_equal(xc_commit(w), XC_OK);
    expect_synonyms(w, "fr:cglu", "cit et gouvern local uni|reseau|uclg");
    expect_synonyms(w, "fr:uclg", "cglu|cit et gouvern local uni");
    expect_synonyms(w, "fr:reseau", "cglu");
    expect_synonyms(w, "cglu", ""); /* every key has its language */
    assert_int_equal(synonyms_same(s, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 1);
    assert_int_equal(synonyms_same(other, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 0);
    assert_int_equal(synonyms_same(empty, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 0);

    /* replaced whole: what the new set lacks is gone */
    assert_int_equal(xc_begin(w), XC_OK);
    assert_int_equal(synonyms_store(other, w), SYNONYMS_OK);
    assert_int_equal(xc_commit(w), XC_OK);
    expect_synonyms(w, "fr:cglu", "uclg");
    expect_synonyms(w, "fr:reseau", "");
    expect_synonyms(w, "fr:cit et gouvern local uni", "");
    assert_int_equal(synonyms_same(other, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 1);
    assert_int_equal(synonyms_same(s, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 0);

    /* a reader sees it too */
    xc_db *r = unit_open_read(u);
    assert_int_equal(synonyms_same(other, r, &same), SYNONYMS_OK);
    assert_int_equal(same, 1);
    xc_close(r);

    /* a reader cannot store */
    r = unit_open_read(u);
    assert_int_equal(synonyms_store(empty, r), SYNONYMS_ERR_DB);
    xc_close(r);
    synonyms_free(s);
    synonyms_free(empty);
    synonyms_free(other);
    xc_close(w);
}

/* One text parsed in two languages, as a run does for an index holding
 * both: the French set reports (the default language), the English one
 * is silent. */
static const char two_langs[] = "Cities, towns\n"
                                "United Cities and Local Governments, UCLG\n"
                                "the who, CGLU\n" /* English stop words */
                                "le la, CGLU\n";  /* French stop words */

static synonyms *parse_lang(analyzer *a, said *out, size_t nbad)
{
    synonyms *s = NULL;
    size_t bad = 0;

    if (out)
        memset(out, 0, sizeof *out);
    assert_int_equal(synonyms_new(a, &s), SYNONYMS_OK);
    assert_int_equal(synonyms_parse(s, "f.syn", two_langs, strlen(two_langs),
                                    out ? keep_msg : NULL, out,
                                    out ? &bad : NULL),
                     SYNONYMS_OK);
    if (out && (bad != nbad || out->n != nbad))
        fail_msg("want %zu refused lines, got %zu (%zu said):\n%s", nbad, bad,
                 out->n, out->text);
    return s;
}

static void test_languages(void **state)
{
    (void)state;
    said out;
    synonyms *fr = parse_lang(unit_fr, &out, 1);
    synonyms *en = parse_lang(unit_en, NULL, 0);

    /* each line refused in one language is kept in the other */
    expect_said(&out, "f.syn:4: entry \"le la\" holds only stop words");
    assert_int_equal(synonyms_ngroups(fr), 3);
    expect_group(fr, 0, "fr:cit|fr:town");
    expect_group(fr, 1, "fr:united cit and local government|fr:uclg");
    expect_group(fr, 2, "fr:the who|fr:cglu");
    assert_int_equal(synonyms_ngroups(en), 3);
    expect_group(en, 0, "en:citi|en:town");
    expect_group(en, 1, "en:unit citi and local govern|en:uclg");
    expect_group(en, 2, "en:le la|en:cglu");
    synonyms_free(fr);
    synonyms_free(en);
}

/* store_all writes the union with each language's keys, same_all compares
 * with the union, and a language no longer given is gone. */
static void test_store_all(void **state)
{
    unit_db *u = *state;
    xc_db *w = unit_open_write(u);
    int same = -1;
    synonyms *fr = parse_lang(unit_fr, NULL, 0);
    synonyms *en = parse_lang(unit_en, NULL, 0);
    const synonyms *both[] = {fr, en}, *fr_only[] = {fr}, *twice[] = {en, en};

    assert_int_equal(synonyms_same_all(NULL, 0, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 1);
    assert_int_equal(synonyms_same_all(both, 2, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 0);
    assert_int_equal(xc_begin(w), XC_OK);
    assert_int_equal(synonyms_store_all(both, 2, w), SYNONYMS_OK);
    assert_int_equal(xc_commit(w), XC_OK);
    /* values without the code */
    expect_synonyms(w, "en:citi", "town");
    expect_synonyms(w, "fr:cit", "town");
    expect_synonyms(w, "en:uclg", "unit citi and local govern");
    expect_synonyms(w, "fr:uclg", "united cit and local government");
    expect_synonyms(w, "en:cglu", "le la");
    expect_synonyms(w, "fr:cglu", "the who");
    expect_synonyms(w, "en:the who", "");
    expect_synonyms(w, "fr:le la", "");
    assert_int_equal(synonyms_same_all(both, 2, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 1);
    const synonyms *swapped[] = {en, fr}; /* order does not matter */
    assert_int_equal(synonyms_same_all(swapped, 2, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 1);
    assert_int_equal(synonyms_same_all(fr_only, 1, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 0);
    assert_int_equal(synonyms_same(en, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 0);
    assert_int_equal(synonyms_same_all(NULL, 0, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 0);

    /* English no longer given: its keys go, French stays */
    assert_int_equal(xc_begin(w), XC_OK);
    assert_int_equal(synonyms_store_all(fr_only, 1, w), SYNONYMS_OK);
    assert_int_equal(xc_commit(w), XC_OK);
    expect_synonyms(w, "en:citi", "");
    expect_synonyms(w, "en:cglu", "");
    expect_synonyms(w, "fr:cit", "town");
    assert_int_equal(synonyms_same_all(fr_only, 1, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 1);
    assert_int_equal(synonyms_same(fr, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 1);
    assert_int_equal(synonyms_same_all(both, 2, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 0);

    /* one language given twice is its pairs once */
    assert_int_equal(xc_begin(w), XC_OK);
    assert_int_equal(synonyms_store_all(twice, 2, w), SYNONYMS_OK);
    assert_int_equal(xc_commit(w), XC_OK);
    expect_synonyms(w, "fr:cit", "");
    expect_synonyms(w, "en:citi", "town");
    assert_int_equal(synonyms_same_all(twice, 2, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 1);
    assert_int_equal(synonyms_same(en, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 1);

    /* and nothing at all empties the table */
    assert_int_equal(xc_begin(w), XC_OK);
    assert_int_equal(synonyms_store_all(NULL, 0, w), SYNONYMS_OK);
    assert_int_equal(xc_commit(w), XC_OK);
    expect_synonyms(w, "en:citi", "");
    assert_int_equal(synonyms_same_all(NULL, 0, w, &same), SYNONYMS_OK);
    assert_int_equal(same, 1);
    synonyms_free(fr);
    synonyms_free(en);
    xc_close(w);
}

static void test_strerror(void **state)
{
    (void)state;
    UNIT_MESSAGES(synonyms_strerror, {SYNONYMS_OK, "success"},
                  {SYNONYMS_ERR_READ, "cannot read a synonyms file"},
                  {SYNONYMS_ERR_NOMEM, "out of memory"},
                  {SYNONYMS_ERR_DB, "index error"}, {99, "unknown error"});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_groups),
        cmocka_unit_test(test_keys_like_queries),
        cmocka_unit_test(test_refused_lines),
        cmocka_unit_test(test_limits),
        UNIT_TEST_ON_DB(test_read_files),
        UNIT_TEST_ON_DB(test_store_and_same),
        cmocka_unit_test(test_languages),
        UNIT_TEST_ON_DB(test_store_all),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
