/* test_lang: the language table against libstemmer, tag lookup, the stop
 * lists, and analyzers of languages other than French. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libstemmer.h>
#include <stdio.h>
#include <string.h>

#include "common/analyze.h"
#include "common/lang.h"

static const lang_info *find(const char *s)
{
    return lang_find(s, strlen(s));
}

/* Every entry: found by code, name (any case) and ISO 639-2, and its
 * algorithm is one this libstemmer has. */
static void test_table(void **state)
{
    (void)state;
    assert_int_equal(lang_count(), 28);
    assert_null(lang_at(lang_count()));
    for (size_t i = 0; i < lang_count(); i++) {
        const lang_info *l = lang_at(i);
        char up[LANG_MAX_TAG + 1];
        assert_non_null(l);
        assert_int_equal(strlen(l->code), 2);
        assert_int_equal(strlen(l->iso3), 3);
        assert_ptr_equal(find(l->code), l);
        assert_ptr_equal(find(l->name), l);
        assert_ptr_equal(find(l->iso3), l);
        if (l->iso3b)
            assert_ptr_equal(find(l->iso3b), l);
        snprintf(up, sizeof up, "%s", l->name);
        for (char *p = up; *p; p++)
            *p = (char)(*p - 32);
        assert_ptr_equal(find(up), l);
        struct sb_stemmer *st = sb_stemmer_new(l->name, "UTF_8");
        if (!st)
            fail_msg("libstemmer has no %s", l->name);
        sb_stemmer_delete(st);
        if (i > 0 && strcmp(lang_at(i - 1)->name, l->name) >= 0)
            fail_msg("%s out of order", l->name);
    }
    assert_string_equal(lang_default()->code, "fr");
    assert_true(lang_default()->french);
}

/* The table is every language libstemmer offers ("porter" is English). */
static void test_all_of_libstemmer(void **state)
{
    (void)state;
    for (const char **p = sb_stemmer_list(); *p; p++)
        if (strcmp(*p, "porter") != 0 && !find(*p))
            fail_msg("%s is missing from the table", *p);
}

static void test_tags(void **state)
{
    (void)state;
    static const struct {
        const char *tag, *code;
    } ok[] = {
        {"fr", "fr"},      {"FR", "fr"},      {"French", "fr"},
        {"fr-FR", "fr"},   {"fr_CA", "fr"},   {"fra", "fr"},
        {"fre", "fr"},     {"en", "en"},      {"EN", "en"},
        {"en_GB", "en"},   {"en-US", "en"},   {"eng", "en"},
        {"english", "en"}, {"es", "es"},      {"es-419", "es"},
        {"spa", "es"},     {"Spanish", "es"}, {"sr-Latn-RS", "sr"},
        {"nb-NO", "no"},   {"ger", "de"},     {"de-DE-1996", "de"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        const lang_info *l = find(ok[i].tag);
        if (!l || strcmp(l->code, ok[i].code) != 0)
            fail_msg("%s: got %s, want %s", ok[i].tag, l ? l->code : "NULL",
                     ok[i].code);
    }
    /* length, not NUL, ends the tag */
    assert_ptr_equal(lang_find("fr-FR", 2), find("fr"));
}

static void test_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",        "f",    "porter", "klingon",      "zh",    "zh-Hant",
        "-fr",     "fr-",  "fr--FR", "fr FR",        "fr.FR", "en_US.UTF-8",
        "fr@euro", "fr-é", "é",      "fr-abcdefghi", "1fr",   "fr-FR-",
        "frenchy", "fren",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (find(bad[i]))
            fail_msg("\"%s\" accepted", bad[i]);
    assert_null(lang_find(NULL, 0));
    assert_null(lang_find("fr\0", 3));
    /* LANG_MAX_TAG bytes pass, one more does not: "fr-aaaa-aaaa-..." */
    char tag[LANG_MAX_TAG + 2] = "fr";
    for (size_t i = 2; i <= LANG_MAX_TAG; i++)
        tag[i] = (i - 2) % 5 == 0 ? '-' : 'a';
    assert_true(tag[LANG_MAX_TAG - 1] != '-' && tag[LANG_MAX_TAG] != '-');
    assert_non_null(lang_find(tag, LANG_MAX_TAG));
    assert_null(lang_find(tag, LANG_MAX_TAG + 1));
}

/* bsearch needs each list sorted by bytes; duplicates would hide a typo. */
static void test_stop_lists(void **state)
{
    (void)state;
    size_t with_list = 0;
    for (size_t i = 0; i < lang_count(); i++) {
        const lang_info *l = lang_at(i);
        assert_true((l->stop == NULL) == (l->nstop == 0));
        with_list += l->nstop > 0;
        for (size_t j = 0; l->stop && j < l->nstop; j++) {
            const char *w = l->stop[j];
            if (!*w || strchr(w, '\'') || strlen(w) > ANALYZE_MAX_WORD)
                fail_msg("%s: bad stop word \"%s\"", l->code, w);
            if (j > 0 && strcmp(l->stop[j - 1], w) >= 0)
                fail_msg("%s: \"%s\" then \"%s\"", l->code, l->stop[j - 1], w);
            assert_true(lang_is_stopword(l, w, strlen(w)));
        }
    }
    assert_int_equal(with_list, 3);
    assert_int_equal(find("en")->nstop, 124);
    assert_int_equal(find("es")->nstop, 308);
    assert_false(lang_is_stopword(NULL, "the", 3));
    assert_false(lang_is_stopword(find("en"), "", 0));
    assert_false(lang_is_stopword(find("en"), "th", 2));   /* prefix */
    assert_false(lang_is_stopword(find("en"), "thee", 4)); /* longer */
    assert_false(lang_is_stopword(find("de"), "der", 3));  /* no list */
}

static analyzer *open_lang(const char *lang)
{
    analyzer *a = NULL;
    char err[128];
    if (analyze_new(lang, &a, err, sizeof err) != ANALYZE_OK)
        fail_msg("%s", err);
    return a;
}

static int is_stop(const analyzer *a, const char *w)
{
    return analyze_is_stopword(a, w, strlen(w));
}

/* Stem of text, which must be one token. */
static void stem_of(analyzer *a, const char *text, char *out, size_t outlen)
{
    analyze_token t;
    analyze_begin(a, text, strlen(text), 1);
    if (analyze_next(a, &t) != 1)
        fail_msg("no token in \"%s\"", text);
    snprintf(out, outlen, "%s", t.stem);
    if (analyze_next(a, &t) != 0)
        fail_msg("more than one token in \"%s\"", text);
}

static void same_stem(analyzer *a, const char *x, const char *y)
{
    char sx[ANALYZE_MAX_STEM + 1], sy[ANALYZE_MAX_STEM + 1];
    stem_of(a, x, sx, sizeof sx);
    stem_of(a, y, sy, sizeof sy);
    if (strcmp(sx, sy) != 0)
        fail_msg("%s: %s -> %s, %s -> %s", analyze_lang(a), x, sx, y, sy);
}

static void test_analyzers(void **state)
{
    (void)state;
    analyzer *en = open_lang("en-GB");
    analyzer *es = open_lang("es");
    analyzer *fr = open_lang(NULL);

    assert_string_equal(analyze_lang(en), "english");
    assert_string_equal(analyze_language(en)->code, "en");
    assert_string_equal(analyze_lang(es), "spanish");
    assert_string_equal(analyze_lang(fr), "french");
    assert_ptr_equal(analyze_language(fr), lang_default());

    assert_true(is_stop(en, "the") && is_stop(en, "and") && is_stop(en, "of"));
    assert_false(is_stop(en, "city") || is_stop(en, "les"));
    assert_true(is_stop(es, "de") && is_stop(es, "la") && is_stop(es, "que") &&
                is_stop(es, "los") && is_stop(es, "él"));
    assert_false(is_stop(es, "gobierno") || is_stop(es, "the"));
    assert_false(is_stop(fr, "the"));
    assert_true(is_stop(fr, "les"));

    /* the token carries the flag too */
    analyze_token t;
    analyze_begin(en, "The", 3, 1);
    assert_int_equal(analyze_next(en, &t), 1);
    assert_true(t.stopword);

    /* elision is French only: "l'" stays a word in English */
    analyze_begin(en, "l'eau", 5, 1);
    assert_int_equal(analyze_next(en, &t), 1);
    assert_string_equal(t.exact, "l");
    assert_int_equal(analyze_next(en, &t), 1);
    assert_string_equal(t.exact, "eau");
    analyze_begin(fr, "l'eau", 5, 1);
    assert_int_equal(analyze_next(fr, &t), 1);
    assert_string_equal(t.exact, "eau");

    same_stem(en, "cities", "city");
    same_stem(es, "municipios", "municipio");
    same_stem(es, "políticas", "política");
    /* not "gobiernos"/"gobierno": Snowball takes "-nos" for an enclitic
     * pronoun after "-er" ("gobi" vs "gobiern"), and "ciudades"/"ciudad"
     * differ too ("ciudad" vs "ciud"): libstemmer 2.2.0's Spanish as is */
    analyze_free(en);
    analyze_free(es);
    analyze_free(fr);
}

static void test_new_rejects(void **state)
{
    (void)state;
    static const char *const bad[] = {"porter", "klingon", "", "fr_FR.UTF-8"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        analyzer *a = (analyzer *)&a;
        char err[128];
        assert_int_equal(analyze_new(bad[i], &a, err, sizeof err),
                         ANALYZE_ERR_LANG);
        assert_null(a);
        char want[64];
        snprintf(want, sizeof want, "\"%s\"", bad[i]);
        assert_non_null(strstr(err, want));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_all_of_libstemmer),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_stop_lists),
        cmocka_unit_test(test_analyzers),
        cmocka_unit_test(test_new_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
