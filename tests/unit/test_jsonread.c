/* test_jsonread: the bounded JSON reader (grammar, strings, numbers,
 * navigation, limits, every truncation of a real daemon answer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/jsonread.h"

#define S(x) x, sizeof(x) - 1 /* literal with its length, NULs included */

static const char answer[] =
    "{\"ok\":true,\"query\":\"gouvernements locaux\",\"total\":2,"
    "\"offset\":0,\"limit\":10,\"took_ms\":0.42,\"hits\":[{\"rank\":1,"
    "\"id\":\"a.txt\",\"title\":\"\\u00c0 propos\",\"url\":\"http://x/"
    "a\",\"score\":12.5,\"snippet\":\"les <mark>gouvernements</mark> "
    "&amp; co\"},{\"rank\":2,\"id\":\"b.txt\",\"title\":\"Mission\","
    "\"url\":null,\"score\":-1e-3,\"snippet\":\"\"}],\"relaxed\":false}\n";

/* ---- Grammar ---- */

static const struct {
    const char *text;
    size_t len;
    jsonread_status st;
    size_t ntoks; /* when OK */
} grammar[] = {
    {S("null"), JSONREAD_OK, 1},
    {S(" true\n"), JSONREAD_OK, 1},
    {S("false"), JSONREAD_OK, 1},
    {S("0"), JSONREAD_OK, 1},
    {S("-0.5e+10"), JSONREAD_OK, 1},
    {S("\"\""), JSONREAD_OK, 1},
    {S("[]"), JSONREAD_OK, 1},
    {S("{}"), JSONREAD_OK, 1},
    {S("[1,[2,[3]],{\"a\":{}}]"), JSONREAD_OK, 9},
    {S("{\"a\":1,\"b\":[true,null]}"), JSONREAD_OK, 7},
    {S("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\""), JSONREAD_OK, 1},
    {S("\"caf\xc3\xa9\""), JSONREAD_OK, 1},
    {S(""), JSONREAD_ERR_SYNTAX, 0},
    {S("   "), JSONREAD_ERR_SYNTAX, 0},
    {S("nul"), JSONREAD_ERR_SYNTAX, 0},
    {S("True"), JSONREAD_ERR_SYNTAX, 0},
    {S("01"), JSONREAD_ERR_SYNTAX, 0},
    {S("+1"), JSONREAD_ERR_SYNTAX, 0},
    {S("1."), JSONREAD_ERR_SYNTAX, 0},
    {S(".5"), JSONREAD_ERR_SYNTAX, 0},
    {S("1e"), JSONREAD_ERR_SYNTAX, 0},
    {S("-"), JSONREAD_ERR_SYNTAX, 0},
    {S("0x10"), JSONREAD_ERR_SYNTAX, 0},
    {S("[1,]"), JSONREAD_ERR_SYNTAX, 0},
    {S("[,1]"), JSONREAD_ERR_SYNTAX, 0},
    {S("{\"a\":1,}"), JSONREAD_ERR_SYNTAX, 0},
    {S("{\"a\" 1}"), JSONREAD_ERR_SYNTAX, 0},
    {S("{a:1}"), JSONREAD_ERR_SYNTAX, 0},
    {S("{\"a\":}"), JSONREAD_ERR_SYNTAX, 0},
    {S("[1 2]"), JSONREAD_ERR_SYNTAX, 0},
    {S("[1]]"), JSONREAD_ERR_SYNTAX, 0},
    {S("1 2"), JSONREAD_ERR_SYNTAX, 0},
    {S("\"abc"), JSONREAD_ERR_SYNTAX, 0},
    {S("\"a\nb\""), JSONREAD_ERR_SYNTAX, 0},
    {S("\"a\0b\""), JSONREAD_ERR_SYNTAX, 0},
    {S("\"\\x\""), JSONREAD_ERR_SYNTAX, 0},
    {S("\"\\u12\""), JSONREAD_ERR_SYNTAX, 0},
    {S("\"\\u12g4\""), JSONREAD_ERR_SYNTAX, 0},
    {S("\"\\ud800\""), JSONREAD_ERR_SYNTAX, 0},
    {S("\"\\ud800\\u0041\""), JSONREAD_ERR_SYNTAX, 0},
    {S("\"\\udc00\""), JSONREAD_ERR_SYNTAX, 0},
    {S("\"\\"), JSONREAD_ERR_SYNTAX, 0},
    {S("[1]\0"), JSONREAD_ERR_SYNTAX, 0},
    {S("'a'"), JSONREAD_ERR_SYNTAX, 0},
};

static void test_grammar(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof grammar / sizeof grammar[0]; i++) {
        jsonread_doc d;
        jsonread_status st =
            jsonread_parse(&d, grammar[i].text, grammar[i].len, 1000);
        if (st != grammar[i].st)
            fail_msg("case %zu (%s): status %d, expected %d", i,
                     grammar[i].text, st, grammar[i].st);
        if (st == JSONREAD_OK)
            assert_int_equal(d.ntoks, grammar[i].ntoks);
        else
            assert_int_equal(d.ntoks, 0);
        jsonread_free(&d);
    }
}

static void test_error_position(void **state)
{
    jsonread_doc d;

    (void)state;
    assert_int_equal(jsonread_parse(&d, S("{\"a\":[1,2,x]}"), 100),
                     JSONREAD_ERR_SYNTAX);
    assert_int_equal(d.err_pos, 10); /* on the x */
}

/* Every proper prefix of a daemon answer is refused, the whole accepted. */
static void test_truncations(void **state)
{
    size_t n, len = sizeof answer - 1;
    jsonread_doc d;

    (void)state;
    for (n = 0; n < len - 1; n++) { /* len - 1: without the "\n" */
        if (jsonread_parse(&d, answer, n, 1000) == JSONREAD_OK)
            fail_msg("prefix of %zu bytes accepted", n);
        assert_int_equal(d.ntoks, 0);
    }
    assert_int_equal(jsonread_parse(&d, answer, len - 1, 1000), JSONREAD_OK);
    jsonread_free(&d);
    assert_int_equal(jsonread_parse(&d, answer, len, 1000), JSONREAD_OK);
    jsonread_free(&d);
}

/* ---- Navigation ---- */

static const char *str_of(const jsonread_doc *d, size_t i, buf_t *b)
{
    buf_reset(b);
    assert_int_equal(jsonread_string(d, i, b), JSONREAD_OK);
    return b->data ? b->data : "";
}

static void test_navigation(void **state)
{
    jsonread_doc d;
    size_t hits, h, k, n = 0;
    double v;
    int ok;
    buf_t b;

    (void)state;
    buf_init(&b, 1024);
    assert_int_equal(jsonread_parse(&d, S(answer), 1000), JSONREAD_OK);
    assert_int_equal(jsonread_typeof(&d, 0), JSONREAD_OBJECT);
    assert_int_equal(d.toks[0].count, 8);
    assert_int_equal(jsonread_bool(&d, jsonread_get(&d, 0, "ok"), &ok),
                     JSONREAD_OK);
    assert_true(ok);
    assert_string_equal(str_of(&d, jsonread_get(&d, 0, "query"), &b),
                        "gouvernements locaux");
    assert_int_equal(jsonread_number(&d, jsonread_get(&d, 0, "took_ms"), &v),
                     JSONREAD_OK);
    assert_float_equal(v, 0.42, 1e-12);
    assert_int_equal(jsonread_get(&d, 0, "missing"), JSONREAD_NONE);
    assert_int_equal(jsonread_get(&d, 0, "ran"), JSONREAD_NONE);

    hits = jsonread_get(&d, 0, "hits");
    assert_int_equal(jsonread_typeof(&d, hits), JSONREAD_ARRAY);
    assert_int_equal(d.toks[hits].count, 2);
    for (h = jsonread_first(&d, hits); h != JSONREAD_NONE;
         h = jsonread_next(&d, hits, h))
        n++;
    assert_int_equal(n, 2);
    h = jsonread_at(&d, hits, 0);
    assert_string_equal(str_of(&d, jsonread_get(&d, h, "title"), &b),
                        "\xc3\x80 propos");
    h = jsonread_at(&d, hits, 1);
    assert_string_equal(str_of(&d, jsonread_get(&d, h, "id"), &b), "b.txt");
    k = jsonread_get(&d, h, "url");
    assert_int_equal(jsonread_typeof(&d, k), JSONREAD_NULL);
    assert_int_equal(jsonread_string(&d, k, &b), JSONREAD_ERR_TYPE);
    assert_int_equal(jsonread_number(&d, k, &v), JSONREAD_ERR_TYPE);
    assert_int_equal(jsonread_bool(&d, k, &ok), JSONREAD_ERR_TYPE);
    assert_int_equal(jsonread_number(&d, jsonread_get(&d, h, "score"), &v),
                     JSONREAD_OK);
    assert_float_equal(v, -0.001, 1e-15);
    assert_int_equal(jsonread_at(&d, hits, 2), JSONREAD_NONE);
    assert_int_equal(jsonread_at(&d, 0, 0), JSONREAD_NONE); /* not array */
    assert_int_equal(jsonread_get(&d, hits, "ok"), JSONREAD_NONE);
    /* "relaxed" comes after the hits subtree: next skipped over it. */
    assert_int_equal(jsonread_bool(&d, jsonread_get(&d, 0, "relaxed"), &ok),
                     JSONREAD_OK);
    assert_false(ok);
    jsonread_free(&d);
    buf_free(&b);
}

static void test_escaped_keys(void **state)
{
    jsonread_doc d;
    double v;

    (void)state;
    assert_int_equal(
        jsonread_parse(&d, S("{\"a\\u0062\":1,\"a\\u0000\":2,\"a\":3}"), 100),
        JSONREAD_OK);
    assert_int_equal(jsonread_number(&d, jsonread_get(&d, 0, "ab"), &v),
                     JSONREAD_OK);
    assert_float_equal(v, 1, 0);
    assert_int_equal(jsonread_number(&d, jsonread_get(&d, 0, "a"), &v),
                     JSONREAD_OK);
    assert_float_equal(v, 3, 0); /* "a\0" is not "a" */
    jsonread_free(&d);
}

/* ---- Strings ---- */

static const struct {
    const char *json;
    const char *want;
    size_t want_len;
} strings[] = {
    {"\"plain\"", S("plain")},
    {"\"\\\"q\\\\ \\/\"", S("\"q\\ /")},
    {"\"\\b\\f\\n\\r\\t\"", S("\b\f\n\r\t")},
    {"\"\\u0041\\u00e9\\u20ac\"", S("A\xc3\xa9\xe2\x82\xac")},
    {"\"\\ud83d\\ude00\"", S("\xf0\x9f\x98\x80")},
    {"\"\\uDBFF\\uDFFF\"", S("\xf4\x8f\xbf\xbf")},
    {"\"a\\u0000b\"", S("a\0b")},
    {"\"\xc3\xa9\"", S("\xc3\xa9")},
    {"\"\\u2028\"", S("\xe2\x80\xa8")},
};

static void test_strings(void **state)
{
    size_t i;
    buf_t b;

    (void)state;
    buf_init(&b, 64);
    for (i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        jsonread_doc d;
        assert_int_equal(
            jsonread_parse(&d, strings[i].json, strlen(strings[i].json), 10),
            JSONREAD_OK);
        buf_reset(&b);
        buf_puts(&b, ">");
        assert_int_equal(jsonread_string(&d, 0, &b), JSONREAD_OK);
        assert_int_equal(b.len, strings[i].want_len + 1);
        assert_memory_equal(b.data + 1, strings[i].want, strings[i].want_len);
        jsonread_free(&d);
    }
    buf_free(&b);
}

static void test_string_limit(void **state)
{
    jsonread_doc d;
    buf_t b;

    (void)state;
    buf_init(&b, 4);
    assert_int_equal(jsonread_parse(&d, S("\"abcdef\""), 10), JSONREAD_OK);
    buf_puts(&b, "x");
    assert_int_equal(jsonread_string(&d, 0, &b), JSONREAD_ERR_LIMIT);
    assert_int_equal(b.len, 1); /* cut back */
    assert_string_equal(b.data, "x");
    jsonread_free(&d);
    buf_free(&b);
}

/* ---- Numbers ---- */

static const struct {
    const char *json;
    double want, tol;
} numbers[] = {
    {"0", 0, 0},
    {"-0", 0, 0},
    {"7", 7, 0},
    {"-12", -12, 0},
    {"3.25", 3.25, 0},
    {"0.001", 0.001, 1e-18},
    {"1e3", 1000, 0},
    {"1E+3", 1000, 0},
    {"25e-1", 2.5, 1e-15},
    {"18446744073709551615", 18446744073709551615.0, 1e5},
    {"123456789012345678901234567890", 1.2345678901234568e29, 1e15},
    {"0.000000000000000000001234", 1.234e-21, 1e-33},
    {"1e-400", 0, 1e-300},
};

static void test_numbers(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        jsonread_doc d;
        double v = -1;
        assert_int_equal(
            jsonread_parse(&d, numbers[i].json, strlen(numbers[i].json), 10),
            JSONREAD_OK);
        assert_int_equal(jsonread_number(&d, 0, &v), JSONREAD_OK);
        if (!(v >= numbers[i].want - numbers[i].tol &&
              v <= numbers[i].want + numbers[i].tol))
            fail_msg("%s read as %.17g", numbers[i].json, v);
        jsonread_free(&d);
    }
}

/* ---- Limits ---- */

static void test_depth(void **state)
{
    char text[2 * (JSONREAD_MAX_DEPTH + 2)];
    size_t depth;

    (void)state;
    for (depth = JSONREAD_MAX_DEPTH; depth <= JSONREAD_MAX_DEPTH + 1; depth++) {
        jsonread_doc d;
        memset(text, '[', depth);
        memset(text + depth, ']', depth);
        assert_int_equal(jsonread_parse(&d, text, 2 * depth, 1000),
                         depth <= JSONREAD_MAX_DEPTH ? JSONREAD_OK
                                                     : JSONREAD_ERR_DEPTH);
        jsonread_free(&d);
    }
}

static void test_token_limit(void **state)
{
    jsonread_doc d;

    (void)state;
    /* 1 array + 3 numbers = 4 tokens; an object's keys count too. */
    assert_int_equal(jsonread_parse(&d, S("[1,2,3]"), 4), JSONREAD_OK);
    jsonread_free(&d);
    assert_int_equal(jsonread_parse(&d, S("[1,2,3]"), 3), JSONREAD_ERR_LIMIT);
    assert_int_equal(d.ntoks, 0);
    assert_int_equal(jsonread_parse(&d, S("{\"a\":1}"), 3), JSONREAD_OK);
    jsonread_free(&d);
    assert_int_equal(jsonread_parse(&d, S("{\"a\":1}"), 2), JSONREAD_ERR_LIMIT);
    jsonread_free(&d); /* harmless on an empty document */
    jsonread_free(NULL);
}

/* Many tokens: the array grows by doubling and subtrees stay linked. */
static void test_large(void **state)
{
    size_t n = 5000, i, len = 0, k;
    char *text = malloc(n * 8 + 2);
    jsonread_doc d;
    double v;

    (void)state;
    assert_non_null(text);
    text[len++] = '[';
    for (i = 0; i < n; i++)
        len += (size_t)sprintf(text + len, "%s[%zu]", i ? "," : "", i);
    text[len++] = ']';
    assert_int_equal(jsonread_parse(&d, text, len, 2 * n + 1), JSONREAD_OK);
    assert_int_equal(d.ntoks, 2 * n + 1);
    k = jsonread_at(&d, 0, 4321);
    assert_int_equal(jsonread_number(&d, jsonread_at(&d, k, 0), &v),
                     JSONREAD_OK);
    assert_float_equal(v, 4321, 0);
    jsonread_free(&d);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grammar),
        cmocka_unit_test(test_error_position),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_navigation),
        cmocka_unit_test(test_escaped_keys),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_string_limit),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_token_limit),
        cmocka_unit_test(test_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
