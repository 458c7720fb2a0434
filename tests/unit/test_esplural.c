/* test_esplural: Spanish singular/plural pairs that must meet through the
 * Spanish analyzer (as typed and without accents), words that must stay
 * as they are, and esplural's rules one by one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/analyze.h"
#include "common/esplural.h"

static analyzer *es;

/* Singular and plural, assembled by hand from common words of a city
 * site (every one a dictionary word); several are pairs Snowball's
 * Spanish stemmer leaves apart on its own. */
static const char *const pairs[][2] = {
    {"gobierno", "gobiernos"},
    {"ciudad", "ciudades"},
    {"local", "locales"},
    {"región", "regiones"},
    {"ley", "leyes"},
    {"país", "países"},
    {"casa", "casas"},
    {"mujer", "mujeres"},
    {"unido", "unidos"},
    {"misión", "misiones"},
    {"municipio", "municipios"},
    {"política", "políticas"},
    {"alcalde", "alcaldes"},
    {"alcaldesa", "alcaldesas"},
    {"servicio", "servicios"},
    {"ciudadano", "ciudadanos"},
    {"derecho", "derechos"},
    {"mes", "meses"},
    {"nación", "naciones"},
    {"organización", "organizaciones"},
    {"objetivo", "objetivos"},
    {"miembro", "miembros"},
    {"territorio", "territorios"},
    {"calle", "calles"},
    {"barrio", "barrios"},
    {"desarrollo", "desarrollos"},
    {"presupuesto", "presupuestos"},
    {"sección", "secciones"},
    {"autoridad", "autoridades"},
    {"comunidad", "comunidades"},
    {"red", "redes"},
    {"plan", "planes"},
    {"acción", "acciones"},
    {"interés", "intereses"},
    {"mundial", "mundiales"},
    {"regional", "regionales"},
    {"democracia", "democracias"},
    {"agenda", "agendas"},
    {"ciudadana", "ciudadanas"},
    {"gobernanza", "gobernanzas"},
};

static void stems(const char *w, char *stem, char *astem)
{
    analyze_token t;
    analyze_begin(es, w, strlen(w), 1);
    if (analyze_next(es, &t) != 1)
        fail_msg("no token in \"%s\"", w);
    snprintf(stem, ANALYZE_MAX_STEM + 1, "%s", t.stem);
    snprintf(astem, ANALYZE_MAX_STEM + 1, "%s", t.astem);
}

static int meet(const char *a, const char *b)
{
    char s1[ANALYZE_MAX_STEM + 1], a1[ANALYZE_MAX_STEM + 1];
    char s2[ANALYZE_MAX_STEM + 1], a2[ANALYZE_MAX_STEM + 1];
    stems(a, s1, a1);
    stems(b, s2, a2);
    return !strcmp(s1, s2) || !strcmp(s1, a2) || !strcmp(a1, s2) ||
           !strcmp(a1, a2);
}

static void test_pairs_meet(void **state)
{
    size_t n = sizeof pairs / sizeof *pairs, bad = 0;
    (void)state;
    for (size_t i = 0; i < n; i++) {
        analyze_token t;
        char fold[2][ANALYZE_MAX_WORD + 1];
        for (int k = 0; k < 2; k++) {
            analyze_begin(es, pairs[i][k], strlen(pairs[i][k]), 1);
            assert_int_equal(analyze_next(es, &t), 1);
            snprintf(fold[k], sizeof fold[k], "%s", t.fold);
        }
        /* as typed, and typed without accents */
        if (!meet(pairs[i][0], pairs[i][1]) || !meet(fold[0], pairs[i][1]) ||
            !meet(fold[1], pairs[i][0])) {
            print_message("%s and %s do not meet\n", pairs[i][0], pairs[i][1]);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_rules(void **state)
{
    char out[64];
    (void)state;
    /* consonant + es, vowel + s; accented words cut like their fold */
    assert_int_equal(esplural_norm("locales", 7, "locales", 7, out), 5);
    assert_string_equal(out, "local");
    esplural_norm("regiones", 8, "regiones", 8, out);
    assert_string_equal(out, "region");
    esplural_norm("países", 7, "paises", 6, out);
    assert_string_equal(out, "país"); /* s + es, like "meses" */
    esplural_norm("gobiernos", 9, "gobiernos", 9, out);
    assert_string_equal(out, "gobierno");
    /* left alone: short words, -is and -us, no final s */
    const char *const same[] = {"mes",   "tres",   "dos",   "crisis",
                                "virus", "ciudad", "local", "análisis"};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        size_t n = strlen(same[i]);
        assert_int_equal(esplural_norm(same[i], n, same[i], n, out), n);
        assert_string_equal(out, same[i]);
    }
}

static void test_only_spanish(void **state)
{
    analyzer *en;
    analyze_token t;
    (void)state;
    /* English keeps its own rules: "bases" is not cut to "bas" first */
    assert_int_equal(analyze_new("en", &en, NULL, 0), ANALYZE_OK);
    analyze_begin(en, "cases", 5, 1);
    assert_int_equal(analyze_next(en, &t), 1);
    assert_string_equal(t.stem, "case");
    analyze_free(en);
}

static int setup(void **state)
{
    (void)state;
    return analyze_new("es", &es, NULL, 0) == ANALYZE_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    analyze_free(es);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs_meet),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_only_spanish),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
