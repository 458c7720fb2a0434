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

#include "common/analyze.h"

typedef struct {
    char exact[ANALYZE_MAX_WORD + 1];
    char fold[ANALYZE_MAX_WORD + 1];
    char stem[ANALYZE_MAX_WORD * 2 + 1];
    int stopword;
} word;

static analyzer *fr;

static int setup(void **state)
{
    (void)state;
    return analyze_new("french", &fr, NULL, 0) == ANALYZE_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    analyze_free(fr);
    return 0;
}

/* Analyse text that must give exactly one token. */
static void one_word(const char *text, word *w)
{
    analyze_token t;
    analyze_begin(fr, text, strlen(text), 1);
    if (analyze_next(fr, &t) != 1)
        fail_msg("no token in \"%s\"", text);
    snprintf(w->exact, sizeof w->exact, "%s", t.exact);
    snprintf(w->fold, sizeof w->fold, "%s", t.fold);
    snprintf(w->stem, sizeof w->stem, "%s", t.stem);
    w->stopword = t.stopword;
    if (analyze_next(fr, &t) != 0)
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

static void test_matching_pairs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof match / sizeof *match; i++) {
        word a, b;
        one_word(match[i].a, &a);
        one_word(match[i].b, &b);
        if (strcmp(a.stem, b.stem) != 0)
            fail_msg("stems differ: %s→%s, %s→%s", match[i].a, a.stem,
                     match[i].b, b.stem);
        if (strcmp(a.fold, b.fold) != 0 && strcmp(a.stem, b.stem) != 0)
            fail_msg("folds differ: %s, %s", a.fold, b.fold);
        if ((strcmp(a.exact, b.exact) == 0) != match[i].same_exact)
            fail_msg("exact forms %s and %s should %s", a.exact, b.exact,
                     match[i].same_exact ? "be equal" : "differ");
    }
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
    for (size_t i = 0; i < sizeof nomatch / sizeof *nomatch; i++) {
        word a, b;
        one_word(nomatch[i].a, &a);
        one_word(nomatch[i].b, &b);
        if (strcmp(a.stem, b.stem) == 0)
            fail_msg("stems match: %s, %s → %s", nomatch[i].a, nomatch[i].b,
                     a.stem);
        if (strcmp(a.exact, b.exact) == 0)
            fail_msg("exact forms match: %s", a.exact);
    }
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
    analyze_begin(fr, text, strlen(text), 1);
    while (analyze_next(fr, &t) == 1) {
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
    assert_int_equal(analyze_position(fr), n + 1);
}

static void test_apostrophe_not_elision(void **state)
{
    (void)state;
    const char *text = "aujourd'hui l' l'";
    analyze_token t;
    const char *want[] = {"aujourd", "hui", "l", "l"};
    size_t n = 0;
    analyze_begin(fr, text, strlen(text), 1);
    while (analyze_next(fr, &t) == 1) {
        assert_true(n < 4);
        assert_string_equal(t.exact, want[n]);
        n++;
    }
    assert_int_equal(n, 4);
}

static void test_invalid_bytes_are_separators(void **state)
{
    (void)state;
    const char text[] = "ab\xff"
                        "cd\0ef\xc3"
                        "gh\xe2\x82"
                        "ij \xed\xa0\x80kl \xc3\xa9";
    const char *want[] = {"ab", "cd", "ef", "gh", "ij", "kl", "é"};
    analyze_token t;
    size_t n = 0;
    analyze_begin(fr, text, sizeof text - 1, 1);
    while (analyze_next(fr, &t) == 1) {
        assert_true(n < 7);
        assert_string_equal(t.exact, want[n]);
        n++;
    }
    assert_int_equal(n, 7);
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
        analyze_begin(fr, copy, cut, 1);
        while (analyze_next(fr, &t) == 1)
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
    analyze_begin(fr, text, strlen(text), 1);
    assert_int_equal(analyze_next(fr, &t), 1);
    assert_string_equal(t.exact, "mot");
    assert_int_equal(t.position, 1);
    assert_int_equal(analyze_next(fr, &t), 0);
}

static void test_empty_and_null(void **state)
{
    (void)state;
    analyze_token t;
    analyze_begin(fr, "", 0, 1);
    assert_int_equal(analyze_next(fr, &t), 0);
    analyze_begin(fr, NULL, 10, 1);
    assert_int_equal(analyze_next(fr, &t), 0);
    analyze_begin(fr, " ,;!? ", 6, 7);
    assert_int_equal(analyze_next(fr, &t), 0);
    assert_int_equal(analyze_position(fr), 7);
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
    assert_true(analyze_is_stopword(fr, "les", 3));
    assert_true(analyze_is_stopword(fr, "été", strlen("été")));
    assert_false(analyze_is_stopword(fr, "ville", 5));
    assert_false(analyze_is_stopword(fr, "", 0));
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
        analyze_begin(fr, buf, n, 1);
        while (analyze_next(fr, &t) == 1) {
            assert_true(t.offset + t.length <= n);
            assert_true(t.position > last);
            assert_true(t.exact_len <= ANALYZE_MAX_WORD);
            last = t.position;
        }
    }
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
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
