/* test_frplural: French plurals and feminines that must meet (the 158
 * pairs of fr_pairs.h, as typed and without accents), the accented stem,
 * and frplural's rules one by one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/frplural.h"
#include "tests/unit/fr_pairs.h"
#include "tests/unit/unit_util.h"

typedef struct {
    char fold[ANALYZE_MAX_WORD + 1];
    char stem[ANALYZE_MAX_STEM + 1];
    char astem[ANALYZE_MAX_STEM + 1];
} forms;

static void analyse(const char *text, forms *f)
{
    analyze_token t;
    analyze_begin(unit_fr, text, strlen(text), 1);
    if (analyze_next(unit_fr, &t) != 1)
        fail_msg("no token in \"%s\"", text);
    snprintf(f->fold, sizeof f->fold, "%s", t.fold);
    snprintf(f->stem, sizeof f->stem, "%s", t.stem);
    snprintf(f->astem, sizeof f->astem, "%s", t.astem);
}

/* What the index does: a query word matches a document word when one of
 * its stems is one of the document word's. */
static int meet(const forms *q, const forms *d)
{
    return !strcmp(q->stem, d->stem) || !strcmp(q->stem, d->astem) ||
           !strcmp(q->astem, d->stem) || !strcmp(q->astem, d->astem);
}

static void test_pairs_meet(void **state)
{
    (void)state;
    size_t n = sizeof fr_pairs / sizeof *fr_pairs, bad = 0;
    assert_true(n >= 150);
    for (size_t i = 0; i < n; i++) {
        forms a, b, ua, ub;
        analyse(fr_pairs[i][0], &a);
        analyse(fr_pairs[i][1], &b);
        /* typed without accents, each still finds the other */
        analyse(a.fold, &ua);
        analyse(b.fold, &ub);
        if (!meet(&a, &b) || !meet(&b, &a) || !meet(&ua, &b) ||
            !meet(&ub, &a)) {
            print_message("%s (%s/%s) and %s (%s/%s) do not meet\n",
                          fr_pairs[i][0], a.stem, a.astem, fr_pairs[i][1],
                          b.stem, b.astem);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* Words that must stay apart: the rules stop where they would merge. */
static void test_apart(void **state)
{
    (void)state;
    static const char *const apart[][2] = {
        {"mois", "moi"},       /* keep_s: moi is a stop word */
        {"fois", "foi"},       /* keep_s */
        {"heureux", "heureu"}, /* -eux adjectives keep their x */
        {"jaloux", "jalou"},   /* -oux outside the seven nouns too */
        {"noyau", "noyal"},    /* noyaux is the table's, not -aux -> -al */
        {"chat", "chien"},
    };
    for (size_t i = 0; i < sizeof apart / sizeof *apart; i++) {
        forms a, b;
        analyse(apart[i][0], &a);
        analyse(apart[i][1], &b);
        if (meet(&a, &b))
            fail_msg("%s and %s meet (%s, %s)", apart[i][0], apart[i][1],
                     a.stem, b.stem);
    }
}

/* The accented stem: Snowball's rules that need the accent. */
static void test_accented_stem(void **state)
{
    (void)state;
    forms f;
    analyse("coopèrent", &f);
    assert_string_equal(f.stem, "cooperent"); /* folded first */
    assert_string_equal(f.astem, "coop");     /* -èrent is a verb ending */
    analyse("Intégrée", &f);
    assert_string_equal(f.stem, "integr");
    assert_string_equal(f.astem, "integr");
    analyse("integree", &f); /* -ee(s) -> -e before Snowball */
    assert_string_equal(f.stem, "integr");
    analyse("gouvernements", &f); /* no accent: one stem */
    assert_string_equal(f.astem, f.stem);
    analyse("yeux", &f);
    assert_string_equal(f.stem, "oeil");
    /* a stem that folds to nothing (only a mark left): the plain stem */
    analyse("\xcc\x8cs", &f);
    assert_string_equal(f.stem, "s");
    assert_string_equal(f.astem, "s");
    /* with stemming off both are the fold */
    analyze_set_stemming(unit_fr, 0);
    analyse("Élus", &f);
    analyze_set_stemming(unit_fr, 1);
    assert_string_equal(f.stem, "elus");
    assert_string_equal(f.astem, "elus");
}

static void norm(const char *w, const char *fold, const char *want)
{
    char out[ANALYZE_MAX_WORD + FRPLURAL_GROWTH + 1];
    size_t n = frplural_norm(w, strlen(w), fold, strlen(fold), out);
    assert_int_equal(n, strlen(out));
    if (strcmp(out, want) != 0)
        fail_msg("frplural_norm(%s, %s) = %s, want %s", w, fold, out, want);
}

static void test_rules(void **state)
{
    (void)state;
    norm("travaux", "travaux", "travail");
    norm("émaux", "emaux", "émail"); /* the shared ending is rewritten */
    norm("aïeux", "aieux", "aïeul");
    norm("yeux", "yeux", "oeil");
    norm("aulx", "aulx", "ail");
    norm("noyaux", "noyaux", "noyau");
    norm("jeux", "jeux", "jeu");
    norm("bijoux", "bijoux", "bijou");
    norm("chevaux", "chevaux", "chevaux"); /* Snowball's own -aux */
    norm("heureux", "heureux", "heureux");
    norm("élus", "elus", "élu");
    norm("unis", "unis", "uni");
    norm("bus", "bus", "bus"); /* too short for a rule */
    norm("mois", "mois", "mois");
    norm("integree", "integree", "integre");
    norm("intégrée", "integree", "intégré"); /* only the shared e */
    norm("premieres", "premieres", "premier");
    norm("première", "premiere", "premièr");
    norm("chat", "chat", "chat");
    norm("", "", "");
    /* every irregular of the table is found (the table is sorted) */
    static const char *const irr[] = {
        "aloyaux", "aveux",     "baux",    "boyaux",  "cailloux", "cheveux",
        "choux",   "cieux",     "coraux",  "dieux",   "enjeux",   "epieux",
        "essieux", "esquimaux", "etaux",   "feux",    "genoux",   "gruaux",
        "hiboux",  "hoyaux",    "ideaux",  "joujoux", "joyaux",   "lieux",
        "milieux", "moyeux",    "neveux",  "poux",    "preaux",   "soupiraux",
        "tuyaux",  "vantaux",   "ventaux", "vitraux", "voeux",    "desaveux",
    };
    for (size_t i = 0; i < sizeof irr / sizeof *irr; i++) {
        char out[ANALYZE_MAX_WORD + FRPLURAL_GROWTH + 1];
        size_t n = strlen(irr[i]);
        if (frplural_norm(irr[i], n, irr[i], n, out) == n &&
            strcmp(out, irr[i]) == 0)
            fail_msg("%s is not rewritten", irr[i]);
    }
    assert_string_equal(frplural_odd_plural("oeil", 4), "yeux");
    assert_null(frplural_odd_plural("oei", 3));
    assert_null(frplural_odd_plural("travail", 7));
}

/* Other languages get no French rule. */
static void test_not_french(void **state)
{
    (void)state;
    analyzer *en = NULL;
    analyze_token t;
    assert_int_equal(analyze_new("english", &en, NULL, 0), ANALYZE_OK);
    analyze_begin(en, "bijoux", 6, 1);
    assert_int_equal(analyze_next(en, &t), 1);
    assert_string_equal(t.stem, "bijoux");
    analyze_free(en);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs_meet),    cmocka_unit_test(test_apart),
        cmocka_unit_test(test_accented_stem), cmocka_unit_test(test_rules),
        cmocka_unit_test(test_not_french),
    };
    return cmocka_run_group_tests(tests, unit_fr_setup, unit_fr_teardown);
}
