/* test_page: the search page's HTML from hand-made engine results: the
 * page without a query, hostile titles, urls and queries escaped
 * (javascript: and other schemes never become links), snippet marks kept
 * and nothing else, invalid UTF-8, counts and times in French, pagination
 * edges, did-you-mean, the relaxed notice, errors, a page that does not
 * fit its buffer; the language and section chips and the sort toggle
 * (counts, links keeping the filters, the current one, rows hidden, hostile
 * values as text), dates in French and languages on hits. */
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

/* The page of q (page) with filters f and r. */
static const char *render_f(buf_t *out, const char *q, uint32_t page,
                            const filter *f, const engine_result *r)
{
    page_query pq = {q, strlen(q), page};
    buf_init(out, 1 << 20);
    assert_int_equal(page_render_filtered(out, &pq, f, r), BUF_OK);
    assert_non_null(out->data);
    return out->data;
}

/* Facet k of r (0 lang, 1 section) gets value v counted n times. */
static void facet(engine_result *r, int k, const char *v, uint64_t n)
{
    engine_facet *f = &r->facets[k];
    f->on = 1;
    f->v[f->n].value = put(r, v);
    f->v[f->n].count = n;
    f->n++;
}

/* The last hit of r gets a language, a date and a section ("" none). */
static void meta(engine_result *r, const char *lang, const char *date,
                 const char *section)
{
    engine_hit *h = &r->hits[r->nhits - 1];
    if (*lang)
        h->lang = put(r, lang);
    if (*date)
        h->date = put(r, date);
    if (*section)
        h->section = put(r, section);
}

/* A filter of the page's three parameters ("" none). */
static filter page_filter(const char *lang, const char *section, int date)
{
    filter f;
    memset(&f, 0, sizeof f);
    snprintf(f.lang, sizeof f.lang, "%s", lang);
    snprintf(f.section, sizeof f.section, "%s", section);
    f.sort = date ? FILTER_SORT_DATE : FILTER_SORT_RELEVANCE;
    f.facets = FILTER_FACET_LANG | FILTER_FACET_SECTION;
    return f;
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

/* Several languages and sections, no filter: every chip, the "all" ones
 * current with the total; hits say their date and language. */
static void test_chips(void **state)
{
    engine_result r;
    buf_t out;
    (void)state;

    result(&r, "cglu", 12);
    facet(&r, 0, "fr", 6);
    facet(&r, 0, "en", 3);
    facet(&r, 0, "de", 3); /* no French name: its code */
    facet(&r, 1, "about", 5);
    facet(&r, 1, "mission", 4);
    hit(&r, "About", "/en/about", "About <mark>UCLG</mark>");
    meta(&r, "en", "2025-03-14", "about");
    hit(&r, "À propos", "/a", "À propos de <mark>CGLU</mark>");
    meta(&r, "fr", "2025-01-01", "about");
    hit(&r, "Über", "/de", NULL);
    meta(&r, "de", "", "");
    hit(&r, "Sans rien", "/x", NULL);
    filter f = page_filter("", "", 0);
    const char *html = render_f(&out, "cglu", 1, &f, &r);

    HAS(html,
        "<p class=\"cglu-status\" role=\"status\">12 résultats (0,4 ms)</p>\n"
        "<div class=\"cglu-filters\">\n"
        "<ul class=\"cglu-chips cglu-langs\" aria-label=\"Langues\">"
        "<li><span class=\"cglu-chip cglu-current\" aria-current=\"true\">"
        "Toutes les langues <span class=\"cglu-count\">12</span></span></li>"
        "<li><a class=\"cglu-chip\" href=\"?q=cglu&amp;lang=fr\">Français "
        "<span class=\"cglu-count\">6</span></a></li>"
        "<li><a class=\"cglu-chip\" href=\"?q=cglu&amp;lang=en\">English "
        "<span class=\"cglu-count\">3</span></a></li>"
        "<li><a class=\"cglu-chip\" href=\"?q=cglu&amp;lang=de\">de "
        "<span class=\"cglu-count\">3</span></a></li></ul>\n"
        "<ul class=\"cglu-chips cglu-sections\" aria-label=\"Rubriques\">"
        "<li><span class=\"cglu-chip cglu-current\" aria-current=\"true\">"
        "Toutes les rubriques <span class=\"cglu-count\">12</span></span></li>"
        "<li><a class=\"cglu-chip\" href=\"?q=cglu&amp;section=about\">about "
        "<span class=\"cglu-count\">5</span></a></li>"
        "<li><a class=\"cglu-chip\" href=\"?q=cglu&amp;section=mission\">"
        "mission <span class=\"cglu-count\">4</span></a></li></ul>\n"
        "<p class=\"cglu-sort\">Trier par\u00A0: <span class=\"cglu-current\" "
        "aria-current=\"true\">pertinence</span> · "
        "<a href=\"?q=cglu&amp;sort=date\">date</a></p>\n"
        "</div>\n<ol class=\"cglu-hits\" start=\"1\">\n");
    /* a hit in another language than the page's says so to a screen
     * reader; the results mix languages: each hit names its own */
    HAS(html, "<li><h2 lang=\"en\"><a href=\"/en/about\">About</a></h2>"
              "<p class=\"cglu-url\">/en/about</p><p class=\"cglu-meta\">"
              "<time datetime=\"2025-03-14\">14 mars 2025</time> · "
              "<span class=\"cglu-lang\">en</span></p>"
              "<p class=\"cglu-snippet\" lang=\"en\">About "
              "<mark>UCLG</mark></p></li>");
    HAS(html, "<li><h2><a href=\"/a\">À propos</a></h2><p class=\"cglu-url\">"
              "/a</p><p class=\"cglu-meta\"><time datetime=\"2025-01-01\">"
              "1er janvier 2025</time> · <span class=\"cglu-lang\">fr</span>"
              "</p><p class=\"cglu-snippet\">");
    HAS(html, "<li><h2 lang=\"de\"><a href=\"/de\">Über</a></h2><p "
              "class=\"cglu-url\">/de</p><p class=\"cglu-meta\"><span "
              "class=\"cglu-lang\">de</span></p></li>");
    HAS(html, "<li><h2><a href=\"/x\">Sans rien</a></h2><p "
              "class=\"cglu-url\">/x</p></li>");
    buf_free(&out);
    engine_result_free(&r);
}

/* A language, a section and the date order chosen: the engine counted
 * their matches only, so "all" goes without a count; every link keeps the
 * other filters, chips and the toggle go back to page 1, pages and the
 * suggestion keep them all. */
static void test_chips_active(void **state)
{
    engine_result r;
    buf_t out;
    (void)state;

    result(&r, "gouvernance locale", 25);
    r.offset = 10;
    facet(&r, 0, "en", 25);
    facet(&r, 1, "local governments", 25);
    for (int i = 0; i < PAGE_SIZE; i++) {
        hit(&r, "Local", "/l", NULL);
        meta(&r, "en", "2024-08-09", "local governments");
    }
    r.has_suggestion = 1;
    r.suggestion = put(&r, "gouvernance locales");
    filter f = page_filter("en", "local governments", 1);
    const char *html = render_f(&out, "gouvernance locale", 2, &f, &r);

    HAS(html, "<ul class=\"cglu-chips cglu-langs\" aria-label=\"Langues\">"
              "<li><a class=\"cglu-chip\" href=\"?q=gouvernance+locale&amp;"
              "section=local+governments&amp;sort=date\">Toutes les langues"
              "</a></li><li><span class=\"cglu-chip cglu-current\" "
              "aria-current=\"true\">English <span class=\"cglu-count\">25"
              "</span></span></li></ul>\n");
    HAS(html, "<li><a class=\"cglu-chip\" href=\"?q=gouvernance+locale&amp;"
              "lang=en&amp;sort=date\">Toutes les rubriques</a></li><li><span "
              "class=\"cglu-chip cglu-current\" aria-current=\"true\">local "
              "governments <span class=\"cglu-count\">25</span></span></li>"
              "</ul>\n");
    HAS(html, "<p class=\"cglu-sort\">Trier par\u00A0: <a "
              "href=\"?q=gouvernance+locale&amp;lang=en&amp;section=local+"
              "governments\">pertinence</a> · <span class=\"cglu-current\" "
              "aria-current=\"true\">date</span></p>\n");
    HAS(html, "<a class=\"cglu-prev\" rel=\"prev\" href=\"?q=gouvernance+"
              "locale&amp;lang=en&amp;section=local+governments&amp;sort="
              "date\">‹ Précédent</a>");
    HAS(html, "<a class=\"cglu-next\" rel=\"next\" href=\"?q=gouvernance+"
              "locale&amp;lang=en&amp;section=local+governments&amp;sort="
              "date&amp;page=3\">Suivant ›</a>");
    HAS(html, "Essayez avec\u00A0: <a href=\"?q=gouvernance+locales&amp;"
              "lang=en&amp;section=local+governments&amp;sort=date\">");
    /* one language: hits do not name it, but still carry it */
    HAS(html, "<li><h2 lang=\"en\"><a href=\"/l\">Local</a></h2><p "
              "class=\"cglu-url\">/l</p><p class=\"cglu-meta\"><time "
              "datetime=\"2024-08-09\">9 août 2024</time></p></li>");
    HASNT(html, "cglu-lang\"");
    assert_int_equal(count(html, "aria-current"), 3);
    buf_free(&out);
    engine_result_free(&r);
}

/* A row is hidden when it would choose nothing: no value, or one value
 * every match has; it stays for one value some matches lack, and for a
 * chosen value. The sort toggle needs two results. */
static void test_chips_hidden(void **state)
{
    engine_result r;
    buf_t out;
    (void)state;

    result(&r, "x", 5); /* all French, no sections */
    facet(&r, 0, "fr", 5);
    r.facets[1].on = 1;
    hit(&r, "T", "/t", NULL);
    meta(&r, "fr", "", "");
    filter f = page_filter("", "", 0);
    const char *html = render_f(&out, "x", 1, &f, &r);
    HASNT(html, "cglu-chips");
    HASNT(html, "cglu-lang\""); /* one language: not said */
    HAS(html, "<div class=\"cglu-filters\">\n<p class=\"cglu-sort\">");
    buf_free(&out);

    facet(&r, 1, "about", 2); /* 2 of 5 */
    html = render_f(&out, "x", 1, &f, &r);
    HASNT(html, "cglu-langs");
    HAS(html, "<ul class=\"cglu-chips cglu-sections\" aria-label=\"Rubriques"
              "\"><li><span class=\"cglu-chip cglu-current\" aria-current=\""
              "true\">Toutes les rubriques <span class=\"cglu-count\">5</span>"
              "</span></li><li><a class=\"cglu-chip\" href=\"?q=x&amp;section"
              "=about\">about <span class=\"cglu-count\">2</span></a></li>"
              "</ul>");
    buf_free(&out);

    f = page_filter("fr", "", 0); /* chosen: the row stays */
    r.facets[1].n = 0;
    html = render_f(&out, "x", 1, &f, &r);
    HAS(html, "<li><a class=\"cglu-chip\" href=\"?q=x\">Toutes les langues"
              "</a></li><li><span class=\"cglu-chip cglu-current\" aria-"
              "current=\"true\">Français <span class=\"cglu-count\">5</span>"
              "</span></li></ul>");
    HASNT(html, "cglu-sections");
    buf_free(&out);
    engine_result_free(&r);

    result(&r, "x", 1); /* one result: nothing to choose or order */
    facet(&r, 0, "fr", 1);
    hit(&r, "T", "/t", NULL);
    f = page_filter("", "", 0);
    html = render_f(&out, "x", 1, &f, &r);
    HASNT(html, "cglu-filters");
    buf_free(&out);
    /* without facets (page_render) there are no chips either */
    html = render(&out, "x", 1, &r);
    HASNT(html, "cglu-filters");
    buf_free(&out);
    engine_result_free(&r);
}

/* No result with a filter: the chips that take it back stay, the chosen
 * value shown without a count (no facet has it); no sort toggle. */
static void test_chips_no_results(void **state)
{
    engine_result r;
    buf_t out;
    (void)state;

    result(&r, "barcelone", 0);
    r.facets[0].on = r.facets[1].on = 1;
    filter f = page_filter("es", "mission", 0);
    const char *html = render_f(&out, "barcelone", 1, &f, &r);
    HAS(html, "data-none>Aucun résultat pour «\u00A0barcelone\u00A0».</p>\n"
              "<div class=\"cglu-filters\">\n<ul class=\"cglu-chips "
              "cglu-langs\" aria-label=\"Langues\"><li><a class=\"cglu-chip\" "
              "href=\"?q=barcelone&amp;section=mission\">Toutes les langues"
              "</a></li><li><span class=\"cglu-chip cglu-current\" aria-"
              "current=\"true\">Español</span></li></ul>\n<ul class=\"cglu-"
              "chips cglu-sections\" aria-label=\"Rubriques\"><li><a class=\""
              "cglu-chip\" href=\"?q=barcelone&amp;lang=es\">Toutes les "
              "rubriques</a></li><li><span class=\"cglu-chip cglu-current\" "
              "aria-current=\"true\">mission</span></li></ul>\n</div>\n");
    HASNT(html, "cglu-sort");
    buf_free(&out);

    f = page_filter("", "", 0); /* and no filter: nothing */
    html = render_f(&out, "barcelone", 1, &f, &r);
    HASNT(html, "cglu-filters");
    buf_free(&out);
    engine_result_free(&r);
}

/* Facet values, dates and languages of the index are text: escaped in
 * labels, percent-encoded in links; a value that is no date stays text,
 * a code that is no code gets no lang attribute. */
static void test_chips_hostile(void **state)
{
    engine_result r;
    buf_t out;
    (void)state;

    result(&r, "x", 9);
    facet(&r, 0, "fr", 4);
    facet(&r, 0, "\"><x", 3);
    facet(&r, 0, "", 2); /* no link can ask for it: no chip */
    facet(&r, 1, "<script>alert(1)</script>", 4);
    facet(&r, 1, "a\"b'c&d", 3);
    hit(&r, "T", "/t", "s");
    meta(&r, "e\"n", "2025-13-01<b>", "");
    hit(&r, "U", "/u", NULL);
    meta(&r, "EN", "2025-02-30", "");
    filter f = page_filter("", "", 0);
    const char *html = render_f(&out, "x", 1, &f, &r);

    assert_int_equal(count(html, "<script"), 1); /* the page's own */
    HASNT(html, "<x");
    HASNT(html, "<b>");
    HAS(html, "<li><a class=\"cglu-chip\" href=\"?q=x&amp;lang=%22%3E%3Cx\">"
              "&quot;&gt;&lt;x <span class=\"cglu-count\">3</span></a></li>"
              "</ul>");
    HAS(html, "<li><a class=\"cglu-chip\" href=\"?q=x&amp;section=%3Cscript"
              "%3Ealert%281%29%3C%2Fscript%3E\">&lt;script&gt;alert(1)&lt;/"
              "script&gt; <span class=\"cglu-count\">4</span></a></li>");
    HAS(html, "<li><a class=\"cglu-chip\" href=\"?q=x&amp;section=a%22b%27c"
              "%26d\">a&quot;b&#39;c&amp;d <span class=\"cglu-count\">3"
              "</span></a></li>");
    assert_int_equal(count(html, "\"cglu-chip\""), 4); /* links */
    assert_int_equal(count(html, "\"cglu-chip cglu-current\""), 2);
    HAS(html, "<li><h2><a href=\"/t\">T</a></h2><p class=\"cglu-url\">/t</p>"
              "<p class=\"cglu-meta\">2025-13-01&lt;b&gt; · <span class=\""
              "cglu-lang\">e&quot;n</span></p><p class=\"cglu-snippet\">s</p>"
              "</li>");
    /* a day the calendar lacks is still the form YYYY-MM-DD: the index
     * keeps real dates only, the page just reads the digits */
    HAS(html, "<li><h2><a href=\"/u\">U</a></h2><p class=\"cglu-url\">/u</p>"
              "<p class=\"cglu-meta\"><time datetime=\"2025-02-30\">30 février"
              " 2025</time> · <span class=\"cglu-lang\">EN</span></p></li>");
    buf_free(&out);

    /* a chosen section with quotes and markup, as the filter holds it */
    f = page_filter("", "<script>\"q\"", 1);
    html = render_f(&out, "x", 1, &f, &r);
    HAS(html, "<li><span class=\"cglu-chip cglu-current\" aria-current=\""
              "true\">&lt;script&gt;&quot;q&quot;</span></li></ul>");
    HAS(html, "<a class=\"cglu-chip\" href=\"?q=x&amp;lang=fr&amp;section="
              "%3Cscript%3E%22q%22&amp;sort=date\">Français");
    assert_int_equal(count(html, "<script"), 1);
    buf_free(&out);
    engine_result_free(&r);
}

/* Dates in French: "1er" for the first day, no leading zero, every
 * month; anything else as it is. */
static void test_dates(void **state)
{
    static const struct {
        const char *date, *want;
    } rows[] = {
        {"2025-01-01", ">1er janvier 2025</time>"},
        {"2025-02-09", ">9 février 2025</time>"},
        {"2025-03-10", ">10 mars 2025</time>"},
        {"2025-04-11", ">11 avril 2025</time>"},
        {"2025-05-31", ">31 mai 2025</time>"},
        {"2025-06-02", ">2 juin 2025</time>"},
        {"2025-07-14", ">14 juillet 2025</time>"},
        {"2025-08-15", ">15 août 2025</time>"},
        {"2025-09-30", ">30 septembre 2025</time>"},
        {"2025-10-01", ">1er octobre 2025</time>"},
        {"2025-11-11", ">11 novembre 2025</time>"},
        {"0999-12-25", ">25 décembre 0999</time>"},
        {"2025-00-10", "<p class=\"cglu-meta\">2025-00-10</p>"},
        {"2025-01-00", "<p class=\"cglu-meta\">2025-01-00</p>"},
        {"2025-01-32", "<p class=\"cglu-meta\">2025-01-32</p>"},
        {"2025-1-01", "<p class=\"cglu-meta\">2025-1-01</p>"},
        {"20250101", "<p class=\"cglu-meta\">20250101</p>"},
        {"2025-01-0x", "<p class=\"cglu-meta\">2025-01-0x</p>"},
    };
    (void)state;

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        engine_result r;
        buf_t out;
        result(&r, "x", 1);
        hit(&r, "T", "/t", NULL);
        meta(&r, "fr", rows[i].date, "");
        const char *html = render(&out, "x", 1, &r);
        HAS(html, rows[i].want);
        buf_free(&out);
        engine_result_free(&r);
    }
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
        cmocka_unit_test(test_chips),
        cmocka_unit_test(test_chips_active),
        cmocka_unit_test(test_chips_hidden),
        cmocka_unit_test(test_chips_no_results),
        cmocka_unit_test(test_chips_hostile),
        cmocka_unit_test(test_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
