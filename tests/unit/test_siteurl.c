/* test_siteurl: --base-url checks and the urls built from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "indexer/siteurl.h"

static void test_base_accepted(void **state)
{
    static const char *const t[][2] = {
        {"https://cglu.org", "https://cglu.org/"},
        {"https://cglu.org/", "https://cglu.org/"},
        {"HTTP://cglu.org/fr/a-propos", "HTTP://cglu.org/fr/a-propos/"},
        {"https://cglu.org:8443/site/", "https://cglu.org:8443/site/"},
        {"/recherche", "/recherche/"},
        {"/", "/"},
        {"", ""},
    };
    char *out, err[128];

    (void)state;
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        if (siteurl_base(t[k][0], &out, err, sizeof err) != SITEURL_OK)
            fail_msg("%s: %s", t[k][0], err);
        assert_string_equal(out, t[k][1]);
        free(out);
    }
}

static void test_base_refused(void **state)
{
    static const char *const t[][2] = {
        {"ftp://cglu.org/", "must start with http://, https:// or /"},
        {"cglu.org/site", "must start with"},
        {"//cdn.example/x", "must start with"},
        {"javascript:alert(1)", "must start with"},
        {"https://", "has no host name"},
        {"https:///x", "has no host name"},
        {"https://cglu.org/a b", "a blank"},
        {"https://cglu.org/\x01", "a control character"},
        {"https://cglu.org/\"x", "a blank, a control character or one of"},
        {"https://cglu.org/<x>", "one of"},
        {"https://cglu.org/?q=1", "a query or a fragment"},
        {"https://cglu.org/#top", "a query or a fragment"},
    };
    char *out = (char *)"unset", err[128];

    (void)state;
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        err[0] = '\0';
        if (siteurl_base(t[k][0], &out, err, sizeof err) != SITEURL_ERR_INVALID)
            fail_msg("%s accepted", t[k][0]);
        assert_null(out);
        if (strstr(err, t[k][1]) == NULL)
            fail_msg("%s: %s, want %s", t[k][0], err, t[k][1]);
    }
    /* the limit, named once */
    char big[SITEURL_MAX_BASE + 2];
    memcpy(big, "https://e.org/", 14);
    memset(big + 14, 'a', sizeof big - 15);
    big[sizeof big - 1] = '\0';
    assert_int_equal(siteurl_base(big, &out, err, sizeof err),
                     SITEURL_ERR_INVALID);
    snprintf(big, sizeof big, "longer than %d bytes", SITEURL_MAX_BASE);
    assert_string_equal(err, big);
    assert_int_equal(siteurl_base(NULL, &out, NULL, 0), SITEURL_ERR_INVALID);
    assert_string_equal(siteurl_strerror(SITEURL_ERR_INVALID),
                        "invalid base url");
}

static void test_join(void **state)
{
    static const char *const t[][3] = {
        {"https://e.org/", "a.html", "https://e.org/a.html"},
        {"https://e.org/s/", "es/gobiernos locales.html",
         "https://e.org/s/es/gobiernos%20locales.html"},
        {"/r/", "fr/été.txt", "/r/fr/%C3%A9t%C3%A9.txt"},
        {"/", "100%?#&=+;.md", "/100%25%3F%23%26%3D%2B%3B.md"},
        {"/", "a-b_c.d~e/F9", "/a-b_c.d~e/F9"},
        {"/", "\xff\x01 x", "/%FF%01%20x"}, /* any bytes */
        {"/", "\"<'>", "/%22%3C%27%3E"},
    };
    buf_t b;

    (void)state;
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        buf_init(&b, 1024);
        buf_puts(&b, "[");
        assert_int_equal(siteurl_join(t[k][0], t[k][1], &b), SITEURL_OK);
        assert_string_equal(b.data + 1, t[k][2]);
        buf_free(&b);
    }
    /* past the buffer's limit: nothing appended, an error */
    buf_init(&b, 8);
    buf_puts(&b, "[");
    assert_int_equal(siteurl_join("/", "été été", &b), SITEURL_ERR_NOMEM);
    assert_int_equal(b.len, 1);
    assert_string_equal(b.data, "[");
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_accepted),
        cmocka_unit_test(test_base_refused),
        cmocka_unit_test(test_join),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
