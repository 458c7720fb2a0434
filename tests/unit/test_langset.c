/* test_langset: one analyzer per language, made once on demand, in that
 * language; languages outside common/lang's table are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/analyze.h"
#include "common/lang.h"
#include "common/langset.h"

static void test_one_per_language(void **state)
{
    char err[128] = "";
    (void)state;
    langset *s = langset_new(0);
    assert_non_null(s);

    const lang_info *fr = lang_find("fr", 2), *en = lang_find("en", 2);
    assert_non_null(fr);
    assert_non_null(en);
    analyzer *a = langset_get(s, fr, err, sizeof err);
    assert_non_null(a);
    assert_ptr_equal(analyze_language(a), fr);
    /* the same one the next time, another for another language */
    assert_ptr_equal(langset_get(s, fr, err, sizeof err), a);
    analyzer *b = langset_get(s, en, NULL, 0);
    assert_non_null(b);
    assert_ptr_not_equal(a, b);
    assert_string_equal(analyze_language(b)->code, "en");
    assert_ptr_equal(langset_get(s, fr, NULL, 0), a);

    /* every language of the table */
    for (size_t i = 0; i < lang_count(); i++) {
        const lang_info *l = lang_at(i);
        analyzer *x = langset_get(s, l, err, sizeof err);
        if (x == NULL)
            fail_msg("%s: %s", l->name, err);
        assert_ptr_equal(analyze_language(x), l);
        assert_ptr_equal(langset_get(s, l, NULL, 0), x);
    }
    langset_free(s);
}

/* A lang_info that is not the table's own (a copy) is unknown. */
static void test_unknown(void **state)
{
    char err[128] = "";
    (void)state;
    langset *s = langset_new(0);
    assert_non_null(s);
    lang_info copy = *lang_default();
    assert_null(langset_get(s, &copy, err, sizeof err));
    assert_string_equal(err, "unknown language");
    assert_null(langset_get(s, NULL, NULL, 0));
    /* a short err is cut, still terminated */
    memset(err, 'x', sizeof err);
    assert_null(langset_get(s, &copy, err, 5));
    assert_string_equal(err, "unkn");
    langset_free(s);
    langset_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_per_language),
        cmocka_unit_test(test_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
