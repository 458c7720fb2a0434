/* test_analyze: the French analyzer's matching table, tokenization,
 * offsets and robustness on hostile bytes. */
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

typedef struct {
    char exact[ANALYZE_MAX_WORD + 1];
    char fold[ANALYZE_MAX_WORD + 1];
    char stem[ANALYZE_MAX_WORD * 2 + 1];
    int stopword;
} word;

/* Analyse text that must give exactly one token. */
static void one_word(const char *text, word *w)
{
    analyze_token t;
    analyze_begin(unit_fr, text, strlen(text), 1);
    if (analyze_next(unit_fr, &t) != 1)
        fail_msg("no token in \"%s\"", text);
    snprintf(w->exact, sizeof w->exact, "%s", t.exact);
    snprintf(w->fold, sizeof w->fold, "%s", t.fold);
    snprintf(w->stem, sizeof w->stem, "%s", t.stem);
    w->stopword = t.stopword;
    if (analyze_next(unit_fr, &t) != 0)
        fail_msg("more than one token in \"%s\"", text);
}

/* Pairs that must match on the stem; same_exact says whether the exact
 * form (accents kept) must be equal too, or must differ. */
static const struct {
    const char *a, *b;
    int same_exact;
} match[] = {
    {"gouvernements", "gouvernement", 0},
    {"élus", "elus", 0},
    {"élus", "ÉLUS", 1},
    {"elus", "ÉLUS", 0},
    {"l'autonomie", "autonomie", 1},
    {"L’AUTONOMIE", "autonomie", 1},
    {"qu'elle", "elle", 1},
    {"œuvre", "oeuvre", 1},
    {"Œuvre", "OEUVRE", 1},
    {"régionaux", "regional", 0},
    {"régionale", "régional", 0},
    {"locaux", "local", 0},
    {"démocratique", "democratique", 0},
    {"coopération", "cooperation", 0},
    {"collectivités", "collectivites", 0},
    {"département", "departement", 0},
    {"Département", "DÉPARTEMENT", 1},
    {"développement", "developpements", 0},
    {"intérêts", "interet", 0},
    {"communauté", "communaute", 0},
    {"société", "societe", 0},
    {"décentralisation", "decentralisation", 0},
    {"citoyens", "citoyen", 0},
    {"villes", "ville", 0},
    {"mondiale", "mondial", 0},
    {"associations", "association", 0},
    {"efficaces", "efficace", 0},
    {"innovants", "innovant", 0},
    {"organisations", "organisation", 0},
    {"renforcer", "renforcement", 0},
    {"piliers", "pilier", 0},
    {"objectifs", "objectif", 0},
    {"d'appui", "appui", 1},
    {"d’appui", "APPUI", 1},
    {"l'influence", "influence", 1},
    {"jusqu'au", "au", 1},
    {"lorsqu'il", "il", 1},
    {"puisqu'on", "on", 1},
    {"quoiqu'elle", "elle", 1},
    {"s'engage", "engage", 1},
    {"n'est", "est", 1},
    {"j'ai", "ai", 1},
    {"m'appelle", "appelle", 1},
    {"t'aime", "aime", 1},
    {"c'est", "est", 1},
    {"ﬁnances", "finances", 1},    /* compatibility ligature */
    {"Ａｃｔｉｏｎ", "action", 1}, /* full-width forms */
    {"Straße", "strasse", 1},
    {"Cæsar", "caesar", 1},
    {"Barcelone", "BARCELONE", 1},
    {"e\xcc\x81lus", "élus", 1}, /* decomposed é composes back */
};

/* a and b, one word each, analysed alone: their stems match or not as
 * same_stem says, and so do their exact forms as same_exact says. */
static void check_pair(const char *a, const char *b, int same_stem,
                       int same_exact)
{
    word wa, wb;
    one_word(a, &wa);
    one_word(b, &wb);
    if ((strcmp(wa.stem, wb.stem) == 0) != same_stem)
        fail_msg("stems %s: %s→%s, %s→%s", same_stem ? "differ" : "match", a,
                 wa.stem, b, wb.stem);
    if (same_stem && strcmp(wa.fold, wb.fold) != 0 &&
        strcmp(wa.stem, wb.stem) != 0)
        fail_msg("folds differ: %s, %s", wa.fold, wb.fold);
    if ((strcmp(wa.exact, wb.exact) == 0) != same_exact)
        fail_msg("exact forms %s and %s should %s", wa.exact, wb.exact,
                 same_exact ? "be equal" : "differ");
}

static void test_matching_pairs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof match / sizeof *match; i++)
        check_pair(match[i].a, match[i].b, 1, match[i].same_exact);
    assert_true(sizeof match / sizeof *match >= 40);
}

static const struct {
    const char *a, *b;
} nomatch[] = {
    {"local", "loi"}, {"maire", "mer"},       {"action", "actif"},
    {"ville", "vie"}, {"sections", "sectes"}, {"gouvernement", "gouverneur"},
};

static void test_non_matching_pairs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof nomatch / sizeof *nomatch; i++)
        check_pair(nomatch[i].a, nomatch[i].b, 0, 0);
}

static void test_forms(void **state)
{
    (void)state;
    word w;
    one_word("Collectivités", &w);
    assert_string_equal(w.exact, "collectivités");
    assert_string_equal(w.fold, "collectivites");
    assert_string_equal(w.stem, "collectivit");
    one_word("DÉPARTEMENT", &w);
    assert_string_equal(w.exact, "département");
    assert_string_equal(w.stem, "depart");
}

static void test_positions_offsets_hyphens(void **state)
{
    (void)state;
    const char *text = "Le sous-développement, c'est-à-dire Porto-Novo.";
    static const struct {
        const char *exact, *orig;
        size_t off;
        int stop;
    } want[] = {
        {"le", "Le", 0, 1},
        {"sous", "sous", 3, 0},
        {"développement", "développement", 8, 0},
        {"est", "est", 26, 1},
        {"à", "à", 30, 1},
        {"dire", "dire", 33, 0},
        {"porto", "Porto", 38, 0},
        {"novo", "Novo", 44, 0},
    };
    analyze_token t;
    size_t n = 0;
    analyze_begin(unit_fr, text, strlen(text), 1);
    while (analyze_next(unit_fr, &t) == 1) {
        assert_true(n < sizeof want / sizeof *want);
        assert_string_equal(t.exact, want[n].exact);
        assert_int_equal(t.offset, want[n].off);
        assert_int_equal(t.position, n + 1);
        assert_int_equal(t.stopword, want[n].stop);
        assert_int_equal(t.length, strlen(want[n].orig));
        assert_memory_equal(text + t.offset, want[n].orig, t.length);
        n++;
    }
    assert_int_equal(n, sizeof want / sizeof *want);
    assert_int_equal(analyze_position(unit_fr), n + 1);
}

/* text[0..len) gives exactly the exact forms want[0..n), in order. */
static void expect_words(const char *text, size_t len, const char *const *want,
                         size_t n)
{
    analyze_token t;
    size_t k = 0;
    analyze_begin(unit_fr, text, len, 1);
    while (analyze_next(unit_fr, &t) == 1) {
        assert_true(k < n);
        assert_string_equal(t.exact, want[k]);
        k++;
    }
    assert_int_equal(k, n);
}

static void test_apostrophe_not_elision(void **state)
{
    (void)state;
    const char *text = "aujourd'hui l' l'";
    const char *const want[] = {"aujourd", "hui", "l", "l"};
    expect_words(text, strlen(text), want, 4);
}

static void test_invalid_bytes_are_separators(void **state)
{
    (void)state;
    const char text[] = "ab\xff"
                        "cd\0ef\xc3"
                        "gh\xe2\x82"
                        "ij \xed\xa0\x80kl \xc3\xa9";
    const char *const want[] = {"ab", "cd", "ef", "gh", "ij", "kl", "é"};
    expect_words(text, sizeof text - 1, want, 7);
}

static void test_truncated_sequence_at_end(void **state)
{
    (void)state;
    /* Each prefix of a multibyte word: never reads past len. */
    const char *w = "été€𝄞";
    size_t len = strlen(w);
    for (size_t cut = 0; cut <= len; cut++) {
        char *copy = malloc(cut ? cut : 1);
        assert_non_null(copy);
        memcpy(copy, w, cut);
        analyze_token t;
        analyze_begin(unit_fr, copy, cut, 1);
        while (analyze_next(unit_fr, &t) == 1)
            assert_true(t.offset + t.length <= cut);
        free(copy);
    }
}

static void test_long_words_skipped(void **state)
{
    (void)state;
    char text[400];
    memset(text, 'a', 300);
    memcpy(text + 300, " mot", 5);
    analyze_token t;
    analyze_begin(unit_fr, text, strlen(text), 1);
    assert_int_equal(analyze_next(unit_fr, &t), 1);
    assert_string_equal(t.exact, "mot");
    assert_int_equal(t.position, 1);
    assert_int_equal(analyze_next(unit_fr, &t), 0);
}

static void test_empty_and_null(void **state)
{
    (void)state;
    analyze_token t;
    analyze_begin(unit_fr, "", 0, 1);
    assert_int_equal(analyze_next(unit_fr, &t), 0);
    analyze_begin(unit_fr, NULL, 10, 1);
    assert_int_equal(analyze_next(unit_fr, &t), 0);
    analyze_begin(unit_fr, " ,;!? ", 6, 7);
    assert_int_equal(analyze_next(unit_fr, &t), 0);
    assert_int_equal(analyze_position(unit_fr), 7);
}

static void test_languages(void **state)
{
    (void)state;
    analyzer *en = NULL;
    char err[128];
    assert_int_equal(analyze_new("english", &en, err, sizeof err), ANALYZE_OK);
    assert_string_equal(analyze_lang(en), "english");
    analyze_token t;
    analyze_begin(en, "running l'eau", 13, 1);
    assert_int_equal(analyze_next(en, &t), 1);
    assert_string_equal(t.stem, "run");
    assert_int_equal(analyze_next(en, &t), 1); /* no French elision */
    assert_string_equal(t.exact, "l");
    analyze_free(en);

    analyzer *bad = (analyzer *)&bad;
    assert_int_equal(analyze_new("klingon", &bad, err, sizeof err),
                     ANALYZE_ERR_LANG);
    assert_null(bad);
    assert_non_null(strstr(err, "klingon"));
}

static void test_stopwords(void **state)
{
    (void)state;
    assert_true(analyze_is_stopword(unit_fr, "les", 3));
    assert_true(analyze_is_stopword(unit_fr, "été", strlen("été")));
    assert_false(analyze_is_stopword(unit_fr, "ville", 5));
    assert_false(analyze_is_stopword(unit_fr, "", 0));
    /* question words and pronouns added to Snowball's list (every word
     * of the list is found: it is sorted) */
    static const char *const added[] = {"où",      "quel", "quelle", "quels",
                                        "quelles", "dont", "leurs",  "ai",
                                        "à",       "fût",  "étions"};
    for (size_t i = 0; i < sizeof added / sizeof *added; i++)
        if (!analyze_is_stopword(unit_fr, added[i], strlen(added[i])))
            fail_msg("%s is not a stop word", added[i]);
    assert_false(analyze_is_stopword(unit_fr, "ou\xc3", 3));
}

/* Pseudo-random bytes: no crash, offsets in bounds, positions increase. */
static void test_random_bytes(void **state)
{
    (void)state;
    unsigned seed = 12345;
    char buf[512];
    for (int round = 0; round < 2000; round++) {
        size_t n = (size_t)(round % 511) + 1;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (char)(seed >> 16);
        }
        analyze_token t;
        uint32_t last = 0;
        analyze_begin(unit_fr, buf, n, 1);
        while (analyze_next(unit_fr, &t) == 1) {
            assert_true(t.offset + t.length <= n);
            assert_true(t.position > last);
            assert_true(t.exact_len <= ANALYZE_MAX_WORD);
            last = t.position;
        }
    }
}

/* The stems a second look gives (from the analyzer's stem cache, or after
 * another word took its slot) are the first look's, and those of another
 * analyzer reading the words backwards: more words than the cache has
 * slots, accented (the accented stem's own key) and longer than a key. */
#define CACHE_WORDS 12000
static void stems_of(analyzer *a, unsigned i, char *stem, char *astem)
{
    static const char *const base[] = {
        "gouvern",           "ville",
        "\xC3\xA9tud",       "r\xC3\xA9gion",
        "d\xC3\xA9velopp",   "coop\xC3\xA9r",
        "\xC3\x89t\xC3\xA9", "\xC5\x93uvr",
        "\xC3\xA9lect",      "anticonstitutionnellementanticonstitutionnel"};
    static const char *const tail[] = {
        "",    "s",   "ement",      "ations", "\xC3\xA9\x65s",
        "ait", "eux", "it\xC3\xA9s"};
    char text[160];
    analyze_token t;
    snprintf(text, sizeof text, "%s%c%c%s", base[i % 10], 'a' + (i / 10) % 26,
             'a' + (i / 260) % 26, tail[(i / 7) % 8]);
    analyze_begin(a, text, strlen(text), 1);
    assert_int_equal(analyze_next(a, &t), 1);
    snprintf(stem, ANALYZE_MAX_STEM + 1, "%.*s", (int)t.stem_len, t.stem);
    snprintf(astem, ANALYZE_MAX_STEM + 1, "%.*s", (int)t.astem_len, t.astem);
}

static void test_stem_cache(void **state)
{
    (void)state;
    char(*stem)[ANALYZE_MAX_STEM + 1] = calloc(CACHE_WORDS, sizeof *stem);
    char(*astem)[ANALYZE_MAX_STEM + 1] = calloc(CACHE_WORDS, sizeof *astem);
    char s[ANALYZE_MAX_STEM + 1], as[ANALYZE_MAX_STEM + 1];
    analyzer *b = NULL;
    assert_non_null(stem);
    assert_non_null(astem);
    assert_int_equal(analyze_new("fr", &b, NULL, 0), ANALYZE_OK);
    analyze_set_cache(b, 100); /* 64 slots: a word in every slot of many */
    for (unsigned i = 0; i < CACHE_WORDS; i++)
        stems_of(unit_fr, i, stem[i], astem[i]);
    for (unsigned round = 0; round < 2; round++)
        for (unsigned k = 0; k < CACHE_WORDS; k++) {
            unsigned i = round ? k : CACHE_WORDS - 1 - k;
            stems_of(round ? unit_fr : b, i, s, as);
            if (strcmp(s, stem[i]) != 0 || strcmp(as, astem[i]) != 0)
                fail_msg("word %u: stems %s/%s, then %s/%s", i, stem[i],
                         astem[i], s, as);
        }
    /* the accented stems' own keys were read: some differ from the plain
     * stem (an accent the stem keeps that folding takes away) */
    unsigned differ = 0;
    for (unsigned i = 0; i < CACHE_WORDS; i++)
        differ += strcmp(stem[i], astem[i]) != 0;
    assert_true(differ > 0);
    /* stop words: the flag a slot keeps is the word's */
    static const struct {
        const char *w;
        int stop;
    } sw[] = {{"le", 1},    {"Le", 1},   {"des", 1},
              {"ville", 0}, {"avec", 1}, {"\xC3\xA9t\xC3\xA9", 1},
              {"villes", 0}};
    for (unsigned round = 0; round < 3; round++)
        for (size_t k = 0; k < sizeof sw / sizeof *sw; k++) {
            analyze_token t;
            analyzer *x = round == 1 ? b : unit_fr;
            analyze_begin(x, sw[k].w, strlen(sw[k].w), 1);
            assert_int_equal(analyze_next(x, &t), 1);
            if (t.stopword != sw[k].stop)
                fail_msg("%s: stop word %d, want %d", sw[k].w, t.stopword,
                         sw[k].stop);
        }
    analyze_free(b);
    free(stem);
    free(astem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matching_pairs),
        cmocka_unit_test(test_non_matching_pairs),
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_positions_offsets_hyphens),
        cmocka_unit_test(test_apostrophe_not_elision),
        cmocka_unit_test(test_invalid_bytes_are_separators),
        cmocka_unit_test(test_truncated_sequence_at_end),
        cmocka_unit_test(test_long_words_skipped),
        cmocka_unit_test(test_empty_and_null),
        cmocka_unit_test(test_languages),
        cmocka_unit_test(test_stopwords),
        cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_stem_cache),
    };
    return cmocka_run_group_tests(tests, unit_fr_setup, unit_fr_teardown);
}
