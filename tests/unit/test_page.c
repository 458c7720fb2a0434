/* test_page: the search page's HTML from hand-made engine results: the
 * page without a query, hostile titles, urls and queries escaped
 * (javascript: and other schemes never become links), snippet marks kept
 * and nothing else, invalid UTF-8, counts and times in French, pagination
 * edges, did-you-mean, the relaxed notice, errors, and a page that does
 * not fit its buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "search/engine.h"
#include "server/page.h"

static engine_span put(engine_result *r, const char *s)
{
    engine_span sp = {r->store.len, strlen(s)};
    assert_int_equal(buf_puts(&r->store, s), BUF_OK);
    return sp;
}

/* r: an ok SEARCH result of total matches, no hits yet. */
static void result(engine_result *r, const char *q, uint64_t total)
{
    engine_result_init(r, 1 << 16);
    r->op = ENGINE_SEARCH;
    r->ok = 1;
    r->query = put(r, q);
    r->total = total;
    r->limit = PAGE_SIZE;
    r->took_ms = 0.4;
}

/* Add one hit to r (rank follows r->offset and the hits before it). */
static void hit(engine_result *r, const char *title, const char *url,
                const char *snippet)
{
    engine_hit *h = &r->hits[r->nhits];
    h->rank = r->offset + r->nhits + 1;
    h->score = 1.0;
    h->id = put(r, "doc.md");
    h->title = put(r, title);
    h->url = put(r, url);
    h->has_snippet = snippet != NULL;
    if (snippet)
        h->snippet = put(r, snippet);
    r->nhits++;
}

/* The page of q (page) and r, as a C string in out (freed by the caller
 * with buf_free). */
static const char *render(buf_t *out, const char *q, uint32_t page,
                          const engine_result *r)
{
    page_query pq = {q, strlen(q), page};
    buf_init(out, 1 << 20);
    assert_int_equal(page_render(out, &pq, r), BUF_OK);
    assert_non_null(out->data);
    return out->data;
}

#define HAS(html, s)                                                           \
    do {                                                                       \
        if (strstr((html), (s)) == NULL)                                       \
            fail_msg("missing: %s\n--- page ---\n%s", (s), (html));            \
    } while (0)
#define HASNT(html, s)                                                         \
    do {                                                                       \
        if (strstr((html), (s)) != NULL)                                       \
            fail_msg("unexpected: %s\n--- page ---\n%s", (s), (html));         \
    } while (0)

static size_t count(const char *html, const char *s)
{
    size_t n = 0;
    for (const char *p = strstr(html, s); p; p = strstr(p + 1, s))
        n++;
    return n;
}

static void test_no_query(void **state)
{
    buf_t out;
    (void)state;

    page_query pq = {NULL, 0, 1};
    buf_init(&out, 1 << 20);
    assert_int_equal(page_render(&out, &pq, NULL), BUF_OK);
    const char *html = out.data;
    assert_memory_equal(html, "<!DOCTYPE html>\n", 16);
    HAS(html, "<html lang=\"fr\">");
    HAS(html, "<meta charset=\"utf-8\">");
    HAS(html, "<meta name=\"viewport\" content=\"width=device-width, "
              "initial-scale=1\">");
    HAS(html, "<title>Recherche</title>");
    /* relative urls: the page works behind a proxy under /recherche/ */
    HAS(html, "<link rel=\"stylesheet\" href=\"cglu-search.css\">");
    HAS(html, "<script src=\"cglu-search.js\" defer></script>");
    HAS(html, "<div id=\"cglu-search\">");
    HAS(html, "<label class=\"cglu-label\" for=\"cglu-q\">");
    HAS(html, "type=\"search\" name=\"q\" value=\"\"");
    HAS(html, "<form class=\"cglu-form\" role=\"search\" method=\"get\">");
    HAS(html, "<p class=\"cglu-status\" role=\"status\"></p>");
    /* the CSP allows no inline script or style */
    assert_int_equal(count(html, "<script"), 1);
    HASNT(html, "<style");
    HASNT(html, "style=");
    HASNT(html, " on"); /* no event handler attributes */
    HASNT(html, "cglu-hits");
    HASNT(html, "cglu-pages");
    HASNT(html, "href=\"/"); /* no absolute path */
    HASNT(html, "action=");  /* the form goes to the page itself */
    assert_string_equal(html + out.len - 16, "</body>\n</html>\n");

    /* A result given with an empty query is not shown. */
    engine_result r;
    buf_t again;
    result(&r, "", 3);
    hit(&r, "T", "/t", NULL);
    render(&again, "", 1, &r);
    assert_string_equal(again.data, html);
    buf_free(&again);
    engine_result_free(&r);
    buf_free(&out);
}

static void test_hits_and_count(void **state)
{
    engine_result r;
    buf_t out;
    (void)state;

    result(&r, "cités unies", 12);
    hit(&r, "Cités & villes", "https://www.uclg.org/fr?a=1&b=2",
        "Les <mark>cités</mark> d&#39;abord &amp; <mark>unies</mark>…");
    hit(&r, "", "", NULL); /* no title, url or snippet */
    r.took_ms = 0.41;
    const char *html = render(&out, "cités unies", 1, &r);
    HAS(html, "<title>cités unies – Recherche</title>");
    HAS(html, "value=\"cités unies\"");
    HAS(html, "<p class=\"cglu-status\" role=\"status\">12 résultats "
              "(0,4 ms)</p>");
    HAS(html, "<ol class=\"cglu-hits\" start=\"1\">");
    HAS(html, "<li><h2><a "
              "href=\"https://www.uclg.org/fr?a=1&amp;b=2\">Cités &amp; "
              "villes</a></h2><p class=\"cglu-url\">https://www.uclg.org/"
              "fr?a=1&amp;b=2</p><p class=\"cglu-snippet\">Les "
              "<mark>cités</mark> d&#39;abord &amp; <mark>unies</mark>…</p>"
              "</li>");
    /* the title falls back to the id; no url: no link, no url line */
    HAS(html, "<li><h2>doc.md</h2>"
              "</li>");
    HAS(html, "<span class=\"cglu-pos\">Page 1 sur 2</span>");
    buf_free(&out);
    engine_result_free(&r);
}

static void test_count_and_time_format(void **state)
{
    static const struct {
        uint64_t total;
        double ms;
        const char *want;
    } rows[] = {
        {1, 0.04, "1 résultat (0,04 ms)</p>"},
        {2, 0.4, "2 résultats (0,4 ms)</p>"},
        {999, 2.549, "999 résultats (2,5 ms)</p>"},
        {1000, 9.96, "1\u202F000 résultats (10 ms)</p>"},
        {1234567, 123.4, "1\u202F234\u202F567 résultats (123 ms)</p>"},
        {10, 0, "10 résultats (0,00 ms)</p>"},
    };
    (void)state;

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        engine_result r;
        buf_t out;
        result(&r, "x", rows[i].total);
        r.took_ms = rows[i].ms;
        hit(&r, "T", "/t", NULL);
        const char *html = render(&out, "x", 1, &r);
        HAS(html, rows[i].want);
        buf_free(&out);
        engine_result_free(&r);
    }
}

static void test_hostile_text_is_escaped(void **state)
{
    engine_result r;
    buf_t out;
    (void)state;

    const char *q = "\"><script>alert('q')</script>";
    result(&r, q, 2);
    hit(&r, "<img src=x onerror=alert(1)>", "/a\"onmouseover=\"alert(2)", NULL);
    hit(&r, "<script>alert(3)</script>'\"&", "https://x.example/\"><b>", NULL);
    r.has_suggestion = 1;
    r.suggestion = put(&r, "<svg onload=alert(4)>");
    const char *html = render(&out, q, 1, &r);

    HASNT(html, "<script>");
    HASNT(html, "<img");
    HASNT(html, "<svg");
    HASNT(html, "<b>");
    HASNT(html, "\"onmouseover");
    assert_int_equal(count(html, "<script"), 1); /* the page's own */
    HAS(html, "<title>&quot;&gt;&lt;script&gt;alert(&#39;q&#39;)&lt;/script"
              "&gt; – Recherche</title>");
    HAS(html, "value=\"&quot;&gt;&lt;script&gt;alert(&#39;q&#39;)&lt;/"
              "script&gt;\"");
    HAS(html, "<a href=\"/a&quot;onmouseover=&quot;alert(2)\">&lt;img "
              "src=x onerror=alert(1)&gt;</a>");
    HAS(html, "&lt;script&gt;alert(3)&lt;/script&gt;&#39;&quot;&amp;</a>");
    HAS(html, "<p class=\"cglu-url\">https://x.example/&quot;&gt;&lt;b&gt;"
              "</p>");
    /* the suggestion: percent-encoded in its link, escaped as text */
    HAS(html, "<a href=\"?q=%3Csvg+onload%3Dalert%284%29%3E\">&lt;svg "
              "onload=alert(4)&gt;</a>");
    buf_free(&out);
    engine_result_free(&r);
}

static void test_only_http_and_relative_urls_are_links(void **state)
{
    static const struct {
        const char *url;
        int link;
    } rows[] = {
        {"http://a.example/", 1},
        {"HTTPS://a.example/x?y=1#z", 1},
        {"/docs/a.html", 1},
        {"docs/a.html", 1},
        {"a.html#x:y", 1},
        {"?p=a:b", 1},
        {"//a.example/x", 1},
        {"./a:b", 1},
        {"javascript:alert(1)", 0},
        {"JaVaScRiPt:alert(1)", 0},
        {" javascript:alert(1)", 0},
        {"java\tscript:alert(1)", 0},
        {"java\nscript:alert(1)", 0},
        {"\x01javascript:alert(1)", 0},
        {"vbscript:x", 0},
        {"data:text/html,<script>alert(1)</script>", 0},
        {"mailto:a@b.example", 0},
        {"http:/a", 0},
        {"https:a", 0},
        {"a:b/c", 0},
        {"", 0},
    };
    (void)state;

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        engine_result r;
        buf_t out;
        result(&r, "x", 1);
        hit(&r, "Titre", rows[i].url, NULL);
        const char *html = render(&out, "x", 1, &r);
        int link = strstr(html, "<h2><a href=") != NULL;
        if (link != rows[i].link)
            fail_msg("url %zu \"%s\": link %d, want %d\n%s", i, rows[i].url,
                     link, rows[i].link, html);
        HAS(html, rows[i].link ? ">Titre</a></h2>" : "<h2>Titre</h2>");
        HASNT(html, "href=\"javascript");
        HASNT(html, "href=\"data");
        buf_free(&out);
        engine_result_free(&r);
    }
}

static void test_snippet_keeps_only_marks(void **state)
{
    engine_result r;
    buf_t out;
    (void)state;

    result(&r, "x", 1);
    /* A snippet builder that broke its contract still cannot inject: */
    hit(&r, "T", "/t",
        "<mark>a</mark> <img src=x> </mark > <mark onclick=1> &lt;b&gt; <");
    const char *html = render(&out, "x", 1, &r);
    HAS(html, "<p class=\"cglu-snippet\"><mark>a</mark> &lt;img src=x&gt; "
              "&lt;/mark &gt; &lt;mark onclick=1&gt; &lt;b&gt; &lt;</p>");
    buf_free(&out);
    engine_result_free(&r);
}

static void test_invalid_utf8_and_controls(void **state)
{
    engine_result r;
    buf_t out;
    (void)state;

    result(&r, "x", 1);
    hit(&r, "a\xC3(b\xF0\x9F\x98\x80\xED\xA0\x80z\x01!", "/t",
        "s\xFF<mark>m</mark>\xE2\x82");
    const char *html = render(&out, "x", 1, &r);
    /* one U+FFFD per maximal ill-formed subpart, as the JSON writer (a
     * surrogate ED A0 80 is three) */
    HAS(html, ">a\uFFFD(b\U0001F600\uFFFD\uFFFD\uFFFDz\uFFFD!</a>");
    HAS(html, ">s\uFFFD<mark>m</mark>\uFFFD</p>");
    buf_free(&out);
    engine_result_free(&r);
}

/* The pagination of total matches seen on page (hits filled up to 10). */
static void pages(buf_t *out, uint64_t total, uint32_t page)
{
    engine_result r;
    result(&r, "élus & co", total);
    r.offset = (page - 1) * PAGE_SIZE;
    for (uint64_t i = r.offset; i < total && r.nhits < PAGE_SIZE; i++)
        hit(&r, "T", "/t", NULL);
    render(out, "élus & co", page, &r);
    engine_result_free(&r);
}

static void test_pagination(void **state)
{
    buf_t out;
    (void)state;

    pages(&out, 25, 1);
    HAS(out.data, "<ol class=\"cglu-hits\" start=\"1\">");
    HAS(out.data, "<nav class=\"cglu-pages\" aria-label=\"Pages de "
                  "résultats\"><span class=\"cglu-pos\">Page 1 sur 3</span>"
                  "<a class=\"cglu-next\" rel=\"next\" "
                  "href=\"?q=%C3%A9lus+%26+co&amp;page=2\">Suivant ›</a>"
                  "</nav>");
    HASNT(out.data, "cglu-prev");
    buf_free(&out);

    pages(&out, 25, 2); /* back to page 1: no page parameter */
    HAS(out.data, "<ol class=\"cglu-hits\" start=\"11\">");
    HAS(out.data, "<a class=\"cglu-prev\" rel=\"prev\" "
                  "href=\"?q=%C3%A9lus+%26+co\">‹ Précédent</a>"
                  "<span class=\"cglu-pos\">Page 2 sur 3</span>"
                  "<a class=\"cglu-next\" rel=\"next\" "
                  "href=\"?q=%C3%A9lus+%26+co&amp;page=3\">");
    buf_free(&out);

    pages(&out, 25, 3); /* the last page: no "suivant" */
    HAS(out.data, "href=\"?q=%C3%A9lus+%26+co&amp;page=2\">‹ Précédent</a>"
                  "<span class=\"cglu-pos\">Page 3 sur 3</span></nav>");
    HASNT(out.data, "cglu-next");
    buf_free(&out);

    pages(&out, 20, 2); /* exactly two full pages */
    HAS(out.data, "Page 2 sur 2</span></nav>");
    buf_free(&out);

    pages(&out, 10, 1); /* one page: no navigation */
    HASNT(out.data, "cglu-pages");
    buf_free(&out);

    pages(&out, 25, 7); /* past the end: a way back to the last page */
    HAS(out.data, "<p class=\"cglu-empty\">");
    HAS(out.data, "href=\"?q=%C3%A9lus+%26+co&amp;page=3\">‹ Précédent</a>"
                  "</nav>");
    HASNT(out.data, "cglu-pos");
    HASNT(out.data, "cglu-hits");
    buf_free(&out);

    /* a huge total: the pages stop where the engine's offset does */
    pages(&out, 1000000, 1);
    HAS(out.data, "Page 1 sur 1001</span>");
    buf_free(&out);
    pages(&out, 1000000, PAGE_MAX);
    HAS(out.data, "<ol class=\"cglu-hits\" start=\"10001\">");
    HAS(out.data, "&amp;page=1000\">‹ Précédent</a><span "
                  "class=\"cglu-pos\">Page 1001 sur 1001</span></nav>");
    buf_free(&out);

    /* page numbers out of 1..PAGE_MAX are clamped */
    engine_result r;
    result(&r, "x", 5);
    hit(&r, "T", "/t", NULL);
    render(&out, "x", 0, &r);
    HASNT(out.data, "cglu-pages");
    buf_free(&out);
    engine_result_free(&r);
}

/* Typo tolerance: the hits of the corrected query, said as text. */
static void test_corrected(void **state)
{
    engine_result r;
    buf_t out;
    (void)state;

    result(&r, "gouvernemnts <b>", 1);
    r.has_corrected = 1;
    r.corrected = put(&r, "gouvernements <b>");
    hit(&r, "Gouvernements", "/g", "les <mark>gouvernements</mark>");
    const char *html = render(&out, "gouvernemnts <b>", 1, &r);
    HAS(html, "<p class=\"cglu-dym\">Résultats pour\u00A0«\u00A0"
              "gouvernements &lt;b&gt;\u00A0»</p>");
    HAS(html, "cglu-hits");
    HASNT(html, "Essayez");
    buf_free(&out);
    engine_result_free(&r);
}

static void test_no_results_and_did_you_mean(void **state)
{
    engine_result r;
    buf_t out;
    (void)state;

    result(&r, "gouvernemnts locaux", 0);
    r.has_suggestion = 1;
    r.suggestion = put(&r, "gouvernements locaux");
    const char *html = render(&out, "gouvernemnts locaux", 1, &r);
    HAS(html, "<p class=\"cglu-status\" role=\"status\" data-none>Aucun "
              "résultat pour "
              "«\u00A0gouvernemnts locaux\u00A0».</p>");
    HAS(html, "<p class=\"cglu-dym\">Essayez avec\u00A0: <a "
              "href=\"?q=gouvernements+locaux\">gouvernements locaux</a></p>");
    HASNT(html, "cglu-hits");
    HASNT(html, "cglu-pages");
    HASNT(html, "cglu-notice");
    buf_free(&out);
    engine_result_free(&r);
}

static void test_relaxed(void **state)
{
    engine_result r;
    buf_t out;
    (void)state;

    result(&r, "barcelone zzqxwvkj", 2);
    r.relaxed = 1;
    hit(&r, "À propos", "/a", "<mark>Barcelone</mark>");
    hit(&r, "B", "/b", NULL);
    const char *html = render(&out, "barcelone zzqxwvkj", 1, &r);
    HAS(html, "2 résultats (0,4 ms)</p>\n<p class=\"cglu-notice\">Aucun "
              "document ne contient tous les mots\u00A0: résultats "
              "partiels</p>");
    buf_free(&out);
    engine_result_free(&r);

    /* relaxed and still nothing: only "no results" */
    result(&r, "zzqxwvkj", 0);
    r.relaxed = 1;
    html = render(&out, "zzqxwvkj", 1, &r);
    HASNT(html, "cglu-notice");
    HAS(html, "Aucun résultat pour");
    buf_free(&out);
    engine_result_free(&r);
}

static void test_error(void **state)
{
    engine_result r;
    buf_t out;
    (void)state;

    engine_result_init(&r, 4096);
    r.op = ENGINE_SEARCH;
    r.ok = 0;
    r.error = JSON_ERR_INTERNAL;
    snprintf(r.message, sizeof r.message, "%s",
             "index failed: <b>disk</b> & \"co\"");
    const char *html = render(&out, "x", 1, &r);
    HAS(html, "<p class=\"cglu-status\" role=\"status\"></p>\n"
              "<p class=\"cglu-error\" role=\"alert\">La recherche a "
              "échoué\u00A0: index failed: &lt;b&gt;disk&lt;/b&gt; &amp; "
              "&quot;co&quot;</p>");
    HASNT(html, "cglu-hits");
    HASNT(html, "résultat");
    buf_free(&out);
    engine_result_free(&r);
}

static void test_buffer_limit(void **state)
{
    engine_result r;
    buf_t out, big;
    (void)state;

    result(&r, "x", 30);
    for (int i = 0; i < PAGE_SIZE; i++)
        hit(&r, "Titre", "/t", "<mark>x</mark>");
    render(&big, "x", 2, &r);

    /* Every limit short of the whole page fails, and leaves out as it
     * was; the exact size succeeds. */
    page_query pq = {"x", 1, 2};
    for (size_t max = 0; max <= big.len + 8; max += max < 64 ? 1 : 97) {
        buf_init(&out, 4 + max);
        assert_int_equal(buf_puts(&out, "old\n"), BUF_OK);
        buf_status st = page_render(&out, &pq, &r);
        if (max < big.len) {
            assert_int_equal(st, BUF_ERR_LIMIT);
            assert_int_equal(out.len, 4);
            assert_string_equal(out.data, "old\n");
            assert_false(out.failed);
        } else {
            assert_int_equal(st, BUF_OK);
            assert_string_equal(out.data + 4, big.data);
        }
        buf_free(&out);
    }
    buf_init(&out, 4 + big.len);
    buf_puts(&out, "old\n");
    assert_int_equal(page_render(&out, &pq, &r), BUF_OK);
    assert_string_equal(out.data + 4, big.data);
    buf_free(&out);
    buf_free(&big);
    engine_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_query),
        cmocka_unit_test(test_hits_and_count),
        cmocka_unit_test(test_count_and_time_format),
        cmocka_unit_test(test_hostile_text_is_escaped),
        cmocka_unit_test(test_only_http_and_relative_urls_are_links),
        cmocka_unit_test(test_snippet_keeps_only_marks),
        cmocka_unit_test(test_invalid_utf8_and_controls),
        cmocka_unit_test(test_pagination),
        cmocka_unit_test(test_no_results_and_did_you_mean),
        cmocka_unit_test(test_corrected),
        cmocka_unit_test(test_relaxed),
        cmocka_unit_test(test_error),
        cmocka_unit_test(test_buffer_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
