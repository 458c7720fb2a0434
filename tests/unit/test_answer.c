/* test_answer: reading cglu-searchd's answer lines with jansson (what a
 * broken or hostile server may send: every truncation, bad JSON, too
 * many values, too deep; the server's errors; raw value text). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/unit_util.h"
#include "client/answer.h"

#define S(x) x, sizeof(x) - 1 /* literal with its length, NULs included */

/* A real SEARCH answer of the daemon. */
static const char search_answer[] =
    "{\"ok\":true,\"query\":\"gouvernements locaux\",\"total\":2,"
    "\"offset\":0,\"limit\":10,\"hits\":[{\"rank\":1,\"id\":\"a.txt\","
    "\"title\":\"\\u00c0 propos\",\"url\":\"http://x/a\",\"score\":12.5,"
    "\"snippet\":\"les <mark>gouvernements</mark> &amp; l&#39;co\"},"
    "{\"rank\":2,\"id\":\"b.txt\",\"title\":\"Mission\",\"url\":null,"
    "\"score\":-1e-3,\"snippet\":\"\"}],\"relaxed\":false,"
    "\"took_ms\":0.421}\n";

/* err holds a one-line message of printable ASCII. */
static void check_err(const char *err)
{
    size_t i;

    assert_true(err[0] != '\0');
    for (i = 0; err[i] != '\0'; i++)
        if ((unsigned char)err[i] < 0x20 || (unsigned char)err[i] >= 0x7F)
            fail_msg("byte 0x%02x in the message \"%s\"", (unsigned char)err[i],
                     err);
}

static answer_status parse(answer *a, const char *text, size_t len, char *err)
{
    answer_status st;

    err[0] = '\0';
    st = answer_parse(a, text, len, err, 256);
    if (st == ANSWER_ERR_BAD || st == ANSWER_ERR_NOMEM) {
        assert_null(a->root); /* nothing to free */
        check_err(err);
    } else {
        assert_non_null(a->root);
    }
    return st;
}

static void test_search_answer(void **state)
{
    answer a;
    char err[256];
    json_t *hits;

    (void)state;
    assert_int_equal(parse(&a, S(search_answer), err), ANSWER_OK);
    assert_string_equal(json_string_value(json_object_get(a.root, "query")),
                        "gouvernements locaux");
    hits = json_object_get(a.root, "hits");
    assert_int_equal(json_array_size(hits), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(hits, 0), "title")),
        "\xc3\x80 propos");
    assert_true(json_is_null(json_object_get(json_array_get(hits, 1), "url")));
    assert_float_equal(json_number_value(json_object_get(a.root, "took_ms")),
                       0.421, 1e-12);
    answer_free(&a);
    assert_null(a.root);
    answer_free(&a); /* twice, and NULL: harmless */
    answer_free(NULL);
    /* Without its "\n", and with "\r\n". */
    assert_int_equal(parse(&a, search_answer, sizeof search_answer - 2, err),
                     ANSWER_OK);
    answer_free(&a);
    assert_int_equal(parse(&a, S("{\"ok\":true}\r\n"), err), ANSWER_OK);
    answer_free(&a);
}

/* A connection cut anywhere: every proper prefix is a bad answer. */
static void test_truncations(void **state)
{
    size_t n, len = sizeof search_answer - 2; /* without the "\n" */
    char err[256];
    answer a;

    (void)state;
    for (n = 0; n < len; n++)
        if (parse(&a, search_answer, n, err) != ANSWER_ERR_BAD)
            fail_msg("prefix of %zu bytes accepted", n);
    assert_int_equal(parse(&a, search_answer, len, err), ANSWER_OK);
    answer_free(&a);
}

/* Not one JSON object (or one the client could read two ways). */
static const struct {
    const char *text;
    size_t len;
    const char *err; /* in the message */
} bad[] = {
    {S(""), "expected"},
    {S("\n"), "expected"},
    {S("42\n"), "expected"},
    {S("\"ok\"\n"), "expected"},
    {S("[{\"ok\":true}]\n"), "not an object"},
    {S("{\"ok\":true,x}\n"), "byte 12"},
    {S("{\"ok\":true} x\n"), "end of file expected"},
    {S("{\"ok\":true}{}\n"), "end of file expected"},
    {S("{\"ok\":true,}"), "byte"},
    {S("{\"ok\" true}"), "':' expected"},
    {S("{'ok':true}"), "byte"},
    {S("{\"ok\":True}"), "invalid token"},
    {S("{\"ok\":true,\"n\":01}"), "byte"},
    {S("{\"ok\":true,\"n\":+1}"), "byte"},
    {S("{\"ok\":true,\"n\":1.}"), "byte"},
    {S("{\"ok\":true,\"n\":0x10}"), "byte"},
    {S("{\"ok\":true,\"s\":\"a\nb\"}"), "unexpected newline"},
    {S("{\"ok\":true,\"s\":\"a\x01\"}"), "control character"},
    {S("{\"ok\":true,\"s\":\"a\0b\"}"), "control character"},
    {S("{\"ok\":true,\"s\":\"\\x\"}"), "invalid escape"},
    {S("{\"ok\":true,\"s\":\"\\u12g4\"}"), "invalid escape"},
    {S("{\"ok\":true,\"s\":\"\\ud800\"}"), "invalid Unicode"},
    {S("{\"ok\":true,\"s\":\"\\udc00\"}"), "invalid Unicode"},
    {S("{\"ok\":true,\"s\":\"caf\xe9\"}"), "unable to decode byte 0xe9"},
    {S("{\"ok\":true,\"ok\":false}"), "duplicate object key"},
    {S("{\"ok\":true,\"a\\u0000\":1}"), "NUL byte in object key"},
    {S("{\"ok\":true,\"n\":123456789012345678901234567890}"), "too big"},
    {S("{\"ok\":true,\"n\":1e999}"), "overflow"},
    {S("{\"ok\":true,\"s\":\"abc"), "premature end of input"},
    {S("{\"ok\":true}\0"), "end of file expected"},
    /* The server's bytes in a message are made printable. */
    {S("{\"ok\":true,\x1b[2J}"), "near '?'"},
};

static void test_bad(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256];
        answer a;
        if (parse(&a, bad[i].text, bad[i].len, err) != ANSWER_ERR_BAD)
            fail_msg("case %zu accepted", i);
        if (strstr(err, bad[i].err) == NULL)
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, bad[i].err);
    }
    assert_int_equal(answer_parse(&(answer){0}, NULL, 0, NULL, 0),
                     ANSWER_ERR_BAD); /* err may be NULL */
}

/* Strings as the daemon's writer sends them: escapes, NUL, U+2028. */
static void test_strings(void **state)
{
    char err[256];
    answer a;
    json_t *s;

    (void)state;
    assert_int_equal(
        parse(&a,
              S("{\"ok\":true,\"s\":\"\\\"q\\\\ \\/\\b\\f\\n\\r\\t\\u0000"
                "\\u00e9\\u20ac\\ud83d\\ude00\\u2028\xc3\xa9\"}"),
              err),
        ANSWER_OK);
    s = json_object_get(a.root, "s");
    assert_int_equal(json_string_length(s), 25);
    assert_memory_equal(json_string_value(s),
                        "\"q\\ /\b\f\n\r\t\0\xc3\xa9\xe2\x82\xac"
                        "\xf0\x9f\x98\x80\xe2\x80\xa8\xc3\xa9",
                        25);
    answer_free(&a);
}

static void test_server_error(void **state)
{
    const char *code, *msg;
    size_t clen, mlen;
    char err[256];
    answer a;

    (void)state;
    assert_int_equal(parse(&a,
                           S("{\"ok\":false,\"error\":\"not_found\","
                             "\"message\":\"no document a\\u0000b\"}\n"),
                           err),
                     ANSWER_ERR_SERVER);
    answer_error(&a, &code, &clen, &msg, &mlen);
    assert_string_equal(code, "not_found");
    assert_int_equal(clen, 9);
    assert_int_equal(mlen, 15);
    assert_memory_equal(msg, "no document a\0b", 15);
    answer_free(&a);
    /* "ok" absent or not true is an error too; members may be missing. */
    assert_int_equal(parse(&a, S("{\"message\":7}"), err), ANSWER_ERR_SERVER);
    answer_error(&a, &code, &clen, &msg, &mlen);
    assert_null(code);
    assert_int_equal(clen, 0);
    assert_null(msg);
    assert_int_equal(mlen, 0);
    answer_free(&a);
    assert_int_equal(parse(&a, S("{\"ok\":1}"), err), ANSWER_ERR_SERVER);
    answer_free(&a);
}

/* A document text of many megabytes is one string: few values. */
static void test_long_string(void **state)
{
    size_t n = 8u << 20, len;
    char *text = malloc(n + 64), err[256];
    answer a;

    (void)state;
    assert_non_null(text);
    len = (size_t)sprintf(text, "{\"ok\":true,\"text\":\"");
    memset(text + len, ',', n); /* commas in strings are not values */
    len += n;
    len += (size_t)sprintf(text + len, "\"}\n");
    assert_int_equal(parse(&a, text, len, err), ANSWER_OK);
    assert_int_equal(json_string_length(json_object_get(a.root, "text")), n);
    answer_free(&a);
    free(text);
}

/* {"ok":true,"a":[0,0,...]} with k zeros: k + 5 keys and values. */
static char *zeros(size_t k, size_t *len)
{
    char *text = malloc(2 * k + 32);
    size_t i, n;

    assert_non_null(text);
    n = (size_t)sprintf(text, "{\"ok\":true,\"a\":[");
    for (i = 0; i < k; i++) {
        text[n++] = '0';
        text[n++] = ',';
    }
    n--; /* the last comma */
    n += (size_t)sprintf(text + n, "]}\n");
    *len = n;
    return text;
}

static void test_value_limit(void **state)
{
    size_t len;
    char *text, err[256];
    answer a;

    (void)state;
    text = zeros(ANSWER_MAX_VALUES - 5, &len);
    assert_int_equal(parse(&a, text, len, err), ANSWER_OK);
    assert_int_equal(json_array_size(json_object_get(a.root, "a")),
                     ANSWER_MAX_VALUES - 5);
    answer_free(&a);
    free(text);
    text = zeros(ANSWER_MAX_VALUES - 4, &len);
    assert_int_equal(parse(&a, text, len, err), ANSWER_ERR_BAD);
    assert_string_equal(err, "more than 1000000 keys and values");
    free(text);
}

/* Nesting is bounded by jansson (2048 levels): deeper is a bad answer,
 * refused before the stack is at risk. */
static void test_depth(void **state)
{
    size_t depth = 5000, len;
    char *text = malloc(2 * depth + 32), err[256];
    answer a;

    (void)state;
    assert_non_null(text);
    len = (size_t)sprintf(text, "{\"ok\":true,\"a\":");
    memset(text + len, '[', depth);
    memset(text + len + depth, ']', depth);
    len += 2 * depth;
    text[len++] = '}';
    assert_int_equal(parse(&a, text, len, err), ANSWER_ERR_BAD);
    assert_non_null(strstr(err, "depth"));
    free(text);
}

/* The raw text of each member's value, as the server wrote it. */
static void test_spans(void **state)
{
    static const char line[] =
        " { \"ok\" : true , \"a\" : 0.000,\"b\":\"x,y}\\\"\" , \"c\" : "
        "[ 1 , {\"d\":\"]\"} ] ,\"e\":{\"f\":[]},\"g\":-1e3 , \"h\":null}\r\n";
    static const char *const want[] = {
        "true",       "0.000", "\"x,y}\\\"\"", "[ 1 , {\"d\":\"]\"} ]",
        "{\"f\":[]}", "-1e3",  "null"};
    size_t pos = 0, k = 0;
    answer_span sp;
    char err[256];
    answer a;

    (void)state;
    assert_int_equal(parse(&a, S(line), err), ANSWER_OK);
    while (answer_next_span(&a, &pos, &sp)) {
        assert_true(k < sizeof want / sizeof want[0]);
        if (sp.len != strlen(want[k]) ||
            memcmp(line + sp.start, want[k], sp.len) != 0)
            fail_msg("member %zu: \"%.*s\", want \"%s\"", k, (int)sp.len,
                     line + sp.start, want[k]);
        k++;
    }
    assert_int_equal(k, sizeof want / sizeof want[0]);
    assert_int_equal(answer_next_span(&a, &pos, &sp), 0); /* stays done */
    answer_free(&a);
    assert_int_equal(parse(&a, S("{}"), err), ANSWER_ERR_SERVER);
    pos = 0;
    assert_int_equal(answer_next_span(&a, &pos, &sp), 0);
    answer_free(&a);
    pos = 0;
    assert_int_equal(answer_next_span(&a, &pos, &sp), 0); /* freed */
}

/* A hit's page: members of another type are absent, tags strings only. */
static void test_meta(void **state)
{
    static const char line[] =
        "{\"ok\":true,\"hits\":[{\"lang\":\"fr\",\"date\":\"2025-01-29\","
        "\"section\":\"a\\u0000b\",\"tags\":[\"uclg\",1,null,\"x\\u001by\","
        "[\"z\"],\"\"]},{\"lang\":3,\"date\":null,\"section\":[],\"tags\":"
        "\"uclg\"}]}";
    const char *s;
    size_t pos = 0, len;
    answer_meta m;
    char err[256];
    answer a;
    json_t *hits;

    (void)state;
    assert_int_equal(parse(&a, S(line), err), ANSWER_OK);
    hits = json_object_get(a.root, "hits");
    answer_meta_read(json_array_get(hits, 0), &m);
    assert_memory_equal(m.lang, "fr", 3);
    assert_int_equal(m.lang_len, 2);
    assert_string_equal(m.date, "2025-01-29");
    assert_int_equal(m.date_len, 10);
    assert_int_equal(m.section_len, 3);
    assert_memory_equal(m.section, "a\0b", 3);
    assert_true(answer_tag_next(&m, &pos, &s, &len));
    assert_int_equal(len, 4);
    assert_memory_equal(s, "uclg", 4);
    assert_true(answer_tag_next(&m, &pos, &s, &len)); /* 1, null skipped */
    assert_int_equal(len, 3);
    assert_memory_equal(s, "x\x1by", 3);
    assert_true(answer_tag_next(&m, &pos, &s, &len)); /* ["z"] skipped */
    assert_int_equal(len, 0);
    assert_false(answer_tag_next(&m, &pos, &s, &len));
    assert_false(answer_tag_next(&m, &pos, &s, &len)); /* stays done */
    answer_meta_read(json_array_get(hits, 1), &m);
    assert_null(m.lang);
    assert_null(m.date);
    assert_null(m.section);
    assert_int_equal(m.lang_len + m.date_len + m.section_len, 0);
    assert_null(m.tags);
    pos = 0;
    assert_false(answer_tag_next(&m, &pos, &s, &len));
    answer_meta_read(NULL, &m); /* no hit, or not an object */
    assert_null(m.lang);
    answer_meta_read(hits, &m);
    assert_null(m.tags);
    answer_free(&a);
}

/* Counts in the server's order; only whole numbers from 0 up. */
static void test_counts(void **state)
{
    static const char line[] =
        "{\"ok\":true,\"facets\":{\"lang\":{\"fr\":6,\"en\":3,\"n\":null,"
        "\"neg\":-1,\"r\":1.5,\"s\":\"2\",\"zero\":0,\"big\":"
        "9007199254740993}},\"empty\":{},\"arr\":[1]}";
    static const struct {
        const char *key;
        json_int_t count;
    } want[] = {{"fr", 6}, {"en", 3}, {"zero", 0}, {"big", 9007199254740993}};
    const char *key;
    json_int_t n;
    void *it = NULL;
    size_t k = 0;
    char err[256];
    answer a;

    (void)state;
    assert_int_equal(parse(&a, S(line), err), ANSWER_OK);
    while (answer_count_next(
        json_object_get(json_object_get(a.root, "facets"), "lang"), &it, &key,
        &n)) {
        assert_true(k < sizeof want / sizeof want[0]);
        assert_string_equal(key, want[k].key);
        assert_true(n == want[k].count);
        k++;
    }
    assert_int_equal(k, sizeof want / sizeof want[0]);
    assert_null(it);
    assert_false(
        answer_count_next(json_object_get(a.root, "empty"), &it, &key, &n));
    assert_false(
        answer_count_next(json_object_get(a.root, "arr"), &it, &key, &n));
    assert_false(answer_count_next(NULL, &it, &key, &n));
    answer_free(&a);
}

static void test_strerror(void **state)
{
    (void)state;
    UNIT_MESSAGES(answer_strerror, {ANSWER_OK, "success"},
                  {ANSWER_ERR_NOMEM, "out of memory"},
                  {99, "unknown answer status"});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_answer),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_server_error),
        cmocka_unit_test(test_long_string),
        cmocka_unit_test(test_value_limit),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_spans),
        cmocka_unit_test(test_meta),
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
