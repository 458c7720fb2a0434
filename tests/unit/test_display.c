/* test_display: cglu-search's readable output (exact text of each kind
 * of answer; nothing from the server reaches the terminal as control). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/display.h"

#define S(x) x, sizeof(x) - 1 /* literal with its length, NULs included */

/* Output captured in memory: open, write, then check and close. */
typedef struct capture {
    FILE *f;
    char *text;
    size_t len;
} capture;

static FILE *cap_open(capture *c)
{
    c->text = NULL;
    c->len = 0;
    c->f = open_memstream(&c->text, &c->len);
    assert_non_null(c->f);
    return c->f;
}

/* What was written must be want[0..want_len). */
static void cap_check(capture *c, const char *want, size_t want_len)
{
    assert_int_equal(fclose(c->f), 0);
    if (c->len != want_len || memcmp(c->text, want, want_len) != 0)
        fail_msg("got \"%.*s\"\nwant \"%.*s\"", (int)c->len, c->text,
                 (int)want_len, want);
    free(c->text);
}

/* a parsed from the literal line (kept by the answer: static storage). */
static void load(answer *a, const char *line, size_t len)
{
    answer_status st = answer_parse(a, line, len, NULL, 0);

    assert_true(st == ANSWER_OK || st == ANSWER_ERR_SERVER);
}

static void test_clean(void **state)
{
    capture c;

    (void)state;
    display_clean(cap_open(&c), S("a\x1b[2Jb\x7f\xc2\x85\xc2\xa0\x01"), 0);
    cap_check(&c, S("a?[2Jb??\xc2\xa0?")); /* C0, DEL, C1 (U+0085) */
    display_clean(cap_open(&c), S("l1\nl2\tx\r\n\0"), 1);
    cap_check(&c, S("l1\nl2\tx \n?"));
    display_clean(cap_open(&c), S("l1\nl2\tx\r\n"), 0);
    cap_check(&c, S("l1 l2 x  "));
    display_clean(cap_open(&c), S("cut \xc2"), 0); /* lone lead byte */
    cap_check(&c, S("cut \xc2"));
}

static void test_html(void **state)
{
    static const char snip[] =
        "l&#39;<mark>eau</mark> &amp; &lt;b&gt; &quot;q&quot; &apos;"
        "&nbsp;&#233; &unknown; &amp \x1b<b>";
    capture c;

    (void)state;
    display_html(cap_open(&c), S(snip), 0);
    cap_check(&c, S("l'eau & <b> \"q\" ' &#233; &unknown; &amp ?<b>"));
    display_html(cap_open(&c), S(snip), 1);
    cap_check(&c, S("l'\033[1meau\033[0m & <b> \"q\" ' &#233; &unknown; "
                    "&amp ?<b>\033[0m"));
    /* A decoded entity starts no markup: "&lt;mark&gt;" stays text. */
    display_html(cap_open(&c), S("&lt;mark&gt;x"), 1);
    cap_check(&c, S("<mark>x\033[0m"));
}

static const char search_answer[] =
    "{\"ok\":true,\"query\":\"eau\",\"total\":12,\"offset\":0,\"limit\":2,"
    "\"hits\":[{\"rank\":1,\"id\":\"a.txt\",\"title\":\"L\\u0027eau\","
    "\"url\":\"http://x/a\",\"score\":1.5,\"snippet\":\"l&#39;<mark>eau"
    "</mark>\\nici\"},{\"rank\":2,\"id\":\"b.txt\",\"title\":\"B\\u001b\","
    "\"url\":null,\"score\":1}],\"took_ms\":0.421}\n";

/* How a test shows an answer: the display_* call, its other arguments
 * fixed. */
typedef void (*show_fn)(FILE *f, const answer *a);

static void show_search(FILE *f, const answer *a)
{
    display_search(f, a, 0);
}

static void show_error(FILE *f, const answer *a)
{
    display_error(f, "p", a);
}

static void show_error_prog(FILE *f, const answer *a)
{
    display_error(f, "cglu-search", a);
}

/* line[0..len) read, then shown: the output must be want[0..want_len). */
static void shows(show_fn show, const char *line, size_t len, const char *want,
                  size_t want_len)
{
    answer a;
    capture c;

    load(&a, line, len);
    show(cap_open(&c), &a);
    cap_check(&c, want, want_len);
    answer_free(&a);
}

static void test_search(void **state)
{
    (void)state;
    shows(show_search, S(search_answer),
          S("12 results, 1 to 2 shown (0.4 ms)\n"
            "\n  1. L'eau\n     http://x/a\n     l'eau ici\n"
            "\n  2. B?\n"));
    shows(show_search,
          S("{\"ok\":true,\"total\":0,\"hits\":[],\"suggestion\":"
            "\"gouvernements\",\"took_ms\":1}"),
          S("did you mean: \"gouvernements\"\nno results\n"));
    /* a suggestion that ends in "?" is quoted, never followed by "?" */
    shows(show_search,
          S("{\"ok\":true,\"total\":0,\"hits\":[],\"suggestion\":"
            "\"gouvernements locaux ?\",\"took_ms\":1}"),
          S("did you mean: \"gouvernements locaux ?\"\nno results\n"));
    shows(show_search,
          S("{\"ok\":true,\"total\":1,\"offset\":0,\"relaxed\":true,"
            "\"suggestion\":\"\",\"hits\":[{\"rank\":1,\"title\":\"T\"}],"
            "\"took_ms\":12.345}"),
          S("no document holds every word: showing those with some\n"
            "1 result (12.3 ms)\n\n  1. T\n"));
    shows(show_search,
          S("{\"ok\":true,\"total\":30,\"offset\":10,\"hits\":[{\"rank\":11,"
            "\"title\":\"T\"}],\"took_ms\":0}"),
          S("30 results, 11 to 11 shown (0.0 ms)\n\n 11. T\n"));
}

/* A hit's page line and the facets after the hits; what the server
 * sends there is escaped like any other text. */
static void test_search_meta(void **state)
{
    static const char line[] =
        "{\"ok\":true,\"total\":9,\"offset\":0,\"hits\":[{\"rank\":1,"
        "\"title\":\"T\",\"url\":\"u\",\"snippet\":\"s\",\"lang\":\"en\","
        "\"date\":\"2025-04-02\",\"section\":\"about\",\"tags\":[\"uclg\","
        "\"local governments\"]},{\"rank\":2,\"title\":\"U\",\"lang\":\"fr"
        "\"},{\"rank\":3,\"title\":\"V\",\"date\":\"\",\"lang\":7,"
        "\"tags\":[]},{\"rank\":4,\"title\":\"W\",\"tags\":[\"a\\u001b[2J"
        "\\nb\",3,\"\\u0085c\"]}],\"facets\":{\"lang\":{\"fr\":6,\"en\":3},"
        "\"section\":{},\"x\":5,\"tag\":{\"t\\u0007\":2,\"n\":null,\"m\":"
        "-1,\"r\":1.5,\"big\":123456789012}},\"took_ms\":1}";

    (void)state;
    shows(show_search, S(line),
          S("9 results, 1 to 4 shown (1.0 ms)\n"
            "\n  1. T\n     u\n     2025-04-02  lang: en  section: about  "
            "tags: uclg, local governments\n     s\n"
            "\n  2. U\n     lang: fr\n"
            "\n  3. V\n"
            "\n  4. W\n     tags: a?[2J b, ?c\n"
            "\nlang: fr 6, en 3\nsection: (none)\ntag: t? 2, big "
            "123456789012\n"));
    /* no facets without results; facets that are no object: no line */
    shows(show_search,
          S("{\"ok\":true,\"total\":0,\"hits\":[],\"facets\":{\"lang\":{}},"
            "\"took_ms\":1}"),
          S("no results\n"));
    shows(show_search,
          S("{\"ok\":true,\"total\":1,\"hits\":[{\"rank\":1,\"title\":"
            "\"T\"}],\"facets\":{\"lang\":[1]},\"took_ms\":1}"),
          S("1 result (1.0 ms)\n\n  1. T\n"));
}

static void test_suggest(void **state)
{
    (void)state;
    shows(display_suggest,
          S("{\"ok\":true,\"prefix\":\"gouv\",\"suggestions\":[\"gouv"
            "ernements\",3,\"gouv\\u0007\",\"\\u00e9\"]}"),
          S("gouvernements\ngouv?\n\xc3\xa9\n"));
}

static void test_doc(void **state)
{
    (void)state;
    shows(display_doc,
          S("{\"ok\":true,\"id\":\"a\",\"title\":\"T\\n1\",\"url\":\"u\","
            "\"text\":\"l1\\nl2\\r\\n\\ttab\\u001b\"}"),
          S("T 1\nu\n\nl1\nl2 \n\ttab?\n"));
    shows(display_doc, S("{\"ok\":true,\"title\":\"T\",\"text\":\"ends\\n\"}"),
          S("T\n\nends\n"));
    shows(display_doc,
          S("{\"ok\":true,\"id\":\"a\",\"title\":\"T\",\"url\":\"u\","
            "\"lang\":\"fr\",\"date\":\"2025-01-29\",\"section\":\"mi\\u009bs"
            "\",\"tags\":[\"uclg\"],\"text\":\"x\"}"),
          S("T\nu\n2025-01-29  lang: fr  section: mi?s  tags: uclg\n\nx\n"));
}

static void test_stats(void **state)
{
    static const char line[] =
        "{\"ok\":true,\"documents\":6,\"uptime_s\":0.9,\"latency_p50_ms\":"
        "0.000,\"s\":\"a\\u001bb\",\"cache\":{\"entries\":0, \"hit\":0.50}"
        ",\"n\":null,\"k\\u00e9\":[1 ,2]}\n";

    (void)state;
    shows(display_stats, S(line),
          S("documents: 6\nuptime_s: 0.9\nlatency_p50_ms: 0.000\n"
            "s: a?b\ncache: {\"entries\":0, \"hit\":0.50}\n"
            "n: null\nk\xc3\xa9: [1 ,2]\n"));
    /* languages as the facets are; not an object: as written */
    shows(display_stats,
          S("{\"ok\":true,\"documents\":12,\"languages\":{\"en\":3,"
            "\"e\\u001bs\":3,\"fr\":6},\"uptime_s\":1}"),
          S("documents: 12\nlanguages: en 3, e?s 3, fr 6\nuptime_s: 1\n"));
    shows(display_stats, S("{\"ok\":true,\"languages\":{},\"x\":1}"),
          S("languages: (none)\nx: 1\n"));
    shows(display_stats, S("{\"ok\":true,\"languages\":[\"en\"]}"),
          S("languages: [\"en\"]\n"));
}

static void test_error(void **state)
{
    char longer[200];

    (void)state;
    shows(show_error_prog,
          S("{\"ok\":false,\"error\":\"not_found\",\"message\":\"no "
            "document x\"}\n"),
          S("cglu-search: not_found: no document x\n"));
    shows(show_error, S("{\"message\":\"m\\u001b[31m\\nx\"}"),
          S("p: error: m?[31m x\n"));
    shows(show_error, S("{\"ok\":false,\"error\":\"e\"}"), S("p: e: \n"));
    /* A code is cut at 63 bytes. */
    snprintf(longer, sizeof longer, "{\"ok\":false,\"error\":\"%0100d\"}", 0);
    shows(show_error, longer, strlen(longer),
          S("p: 000000000000000000000000000000000000000000000000000000"
            "000000000: \n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),   cmocka_unit_test(test_html),
        cmocka_unit_test(test_search),  cmocka_unit_test(test_search_meta),
        cmocka_unit_test(test_suggest), cmocka_unit_test(test_doc),
        cmocka_unit_test(test_stats),   cmocka_unit_test(test_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
