/* page: the search page in HTML, from a query and the engine's result
 * (page.h). server/web/cglu-search.js builds the same markup in a browser:
 * a change of class names or structure here goes there too. */
#include "server/page.h"

#include <string.h>
#include <strings.h>

#include "common/json.h"
#include "common/url.h"
#include "common/utf8.h"

/* The writer of one page: every piece goes to b until one fails, then
 * nothing more is written and st says why. */
typedef struct page_w {
    buf_t *b;
    buf_status st;
} page_w;

static void raw(page_w *w, const char *s, size_t n)
{
    if (w->st == BUF_OK)
        w->st = buf_append(w->b, s, n);
}

static void lit(page_w *w, const char *s)
{
    raw(w, s, strlen(s));
}

static void put_uint(page_w *w, uint64_t v)
{
    if (w->st == BUF_OK)
        w->st = json_uint(w->b, v);
}

/* The bytes of span sp of res. */
static const char *at(const engine_result *res, engine_span sp)
{
    return res->store.data ? res->store.data + sp.off : "";
}

/* The entity of a byte HTML text and attribute values escape, or NULL. */
static const char *entity(unsigned char c)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    default:
        return NULL;
    }
}

/* A control character other than tab, LF and CR, or DEL: shown as U+FFFD
 * (the JSON answer escapes them; HTML has no way to show them). */
static int control(unsigned char c)
{
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
}

/* s[0..n) as HTML text or a quoted attribute value: & < > " ' escaped,
 * ill-formed UTF-8 (one U+FFFD per maximal subpart, as the JSON writer)
 * and control characters replaced. With marks, the snippet's <mark> and
 * </mark> are kept as tags and its entities as they are: any other < or >
 * is escaped, so nothing but a mark can become markup even if the
 * snippet builder's contract were broken. */
static void put_text(page_w *w, const char *s, size_t n, int marks)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    const unsigned char *end = p + n, *run = p;

    while (p < end && w->st == BUF_OK) {
        unsigned char c = *p;
        const char *e = entity(c);
        size_t seq, bad = 1, tag = 0;

        if (c >= 0x80) {
            seq = utf8_decode(p, (size_t)(end - p), NULL, &bad);
            if (seq) {
                p += seq;
                continue;
            }
        } else if (marks && c == '<') {
            size_t left = (size_t)(end - p);
            if (left >= 6 && memcmp(p, "<mark>", 6) == 0)
                tag = 6;
            else if (left >= 7 && memcmp(p, "</mark>", 7) == 0)
                tag = 7;
        } else if (marks && c == '&') {
            e = NULL; /* the snippet's own entities */
        }
        if (tag) {
            p += tag;
            continue;
        }
        if (!e && c < 0x80 && !control(c)) {
            p++;
            continue;
        }
        raw(w, (const char *)run, (size_t)(p - run));
        if (e)
            lit(w, e);
        else
            raw(w, UTF8_REPLACEMENT_STR, sizeof UTF8_REPLACEMENT_STR - 1);
        p += c < 0x80 ? 1 : bad;
        run = p;
    }
    raw(w, (const char *)run, (size_t)(p - run));
}

static void text(page_w *w, const char *s, size_t n)
{
    put_text(w, s, n, 0);
}

/* s[0..n) percent-encoded as the page's form sends it (URL_FORM), so a
 * link's query is the one the form or the script would make. */
static void put_enc(page_w *w, const char *s, size_t n)
{
    if (w->st == BUF_OK)
        w->st = url_encode(w->b, s, n, URL_FORM);
}

/* The href of page `page` of query q: "?q=Q", "&amp;page=N" past page 1. */
static void put_href(page_w *w, const char *q, size_t qlen, uint32_t page)
{
    lit(w, "?q=");
    put_enc(w, q, qlen);
    if (page > 1) {
        lit(w, "&amp;page=");
        put_uint(w, page);
    }
}

/* v with its thousands grouped by U+202F NARROW NO-BREAK SPACE, as French
 * writes them: 12 345. */
static void put_count(page_w *w, uint64_t v)
{
    char d[24];
    size_t n = 0;

    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n--) {
        raw(w, &d[n], 1);
        if (n && n % 3 == 0)
            lit(w, "\u202F");
    }
}

/* A time in milliseconds with a decimal comma: 2 decimals under 0.1 ms
 * (0,04), 1 under 10 (0,4; 2,5), none above (12). The widget does the
 * same (ms() in cglu-search.js). */
static void put_ms(page_w *w, double ms)
{
    int dec = ms < 0.095 ? 2 : ms < 9.95 ? 1 : 0;
    size_t start = w->b->len;

    if (w->st != BUF_OK)
        return;
    w->st = json_double(w->b, ms, dec);
    if (w->st != BUF_OK)
        return;
    char *dot = memchr(w->b->data + start, '.', w->b->len - start);
    if (dot)
        *dot = ',';
}

/* 1 when url may be an href: http: or https: (any case), or relative (no
 * scheme: no ':' before the first '/', '?' or '#'); never with a control
 * character or a space in it, which browsers strip or skip and which could
 * hide a scheme (" javascript:", "java\tscript:"). So javascript:, data:,
 * vbscript: and every other scheme stay text. */
static int safe_url(const char *s, size_t n)
{
    size_t i;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return 0;
    if ((n >= 7 && strncasecmp(s, "http://", 7) == 0) ||
        (n >= 8 && strncasecmp(s, "https://", 8) == 0))
        return 1;
    for (i = 0; i < n; i++) {
        if (s[i] == '/' || s[i] == '?' || s[i] == '#')
            return 1;
        if (s[i] == ':')
            return 0;
    }
    return 1;
}

/* The page up to the results: head, title, form (the query as its value). */
static void put_head(page_w *w, const char *q, size_t qlen)
{
    lit(w, "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n"
           "<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" "
           "content=\"width=device-width, initial-scale=1\">\n<title>");
    if (qlen) {
        text(w, q, qlen);
        lit(w, " – "); /* en dash */
    }
    lit(w, "Recherche</title>\n"
           "<link rel=\"stylesheet\" href=\"cglu-search.css\">\n"
           "<script src=\"cglu-search.js\" defer></script>\n"
           "</head>\n<body class=\"cglu-page\">\n<main>\n"
           "<h1>Recherche</h1>\n"
           "<div id=\"cglu-search\">\n"
           "<form class=\"cglu-form\" role=\"search\" method=\"get\">\n"
           "<label class=\"cglu-label\" for=\"cglu-q\">"
           "Rechercher dans les documents</label>\n"
           "<div class=\"cglu-box\"><input id=\"cglu-q\" class=\"cglu-input\""
           " type=\"search\" name=\"q\" value=\"");
    text(w, q, qlen);
    lit(w, "\" autocomplete=\"off\" spellcheck=\"false\">"
           "<button class=\"cglu-button\" type=\"submit\">Rechercher</button>"
           "</div>\n</form>\n<div class=\"cglu-results\">\n"
           "<p class=\"cglu-status\" role=\"status\"");
}

static void put_hit(page_w *w, const engine_result *res, const engine_hit *h)
{
    const char *url = at(res, h->url);
    int link = safe_url(url, h->url.len);
    engine_span title = h->title.len ? h->title : h->id;

    lit(w, "<li><h2>");
    if (link) {
        lit(w, "<a href=\"");
        text(w, url, h->url.len);
        lit(w, "\">");
    }
    if (title.len)
        text(w, at(res, title), title.len);
    else
        lit(w, "(sans titre)");
    lit(w, link ? "</a></h2>" : "</h2>");
    if (h->url.len) {
        lit(w, "<p class=\"cglu-url\">");
        text(w, url, h->url.len);
        lit(w, "</p>");
    }
    if (h->has_snippet && h->snippet.len) {
        lit(w, "<p class=\"cglu-snippet\">");
        put_text(w, at(res, h->snippet), h->snippet.len, 1);
        lit(w, "</p>");
    }
    lit(w, "</li>\n");
}

/* Précédent / Page N sur M / Suivant. last: the last page the total allows
 * (at most PAGE_MAX); a page past it (the total is an estimate, or a link
 * was edited) gets a way back. */
static void put_pages(page_w *w, const char *q, size_t qlen, uint32_t page,
                      uint32_t last)
{
    if (last <= 1 && page <= 1)
        return;
    lit(w, "<nav class=\"cglu-pages\" aria-label=\"Pages de résultats\">");
    if (page > 1) {
        lit(w, "<a class=\"cglu-prev\" rel=\"prev\" href=\"");
        put_href(w, q, qlen, page - 1 < last ? page - 1 : last);
        lit(w, "\">‹ Précédent</a>");
    }
    if (page <= last) {
        lit(w, "<span class=\"cglu-pos\">Page ");
        put_uint(w, page);
        lit(w, " sur ");
        put_uint(w, last);
        lit(w, "</span>");
    }
    if (page < last) {
        lit(w, "<a class=\"cglu-next\" rel=\"next\" href=\"");
        put_href(w, q, qlen, page + 1);
        lit(w, "\">Suivant ›</a>");
    }
    lit(w, "</nav>\n");
}

static void put_results(page_w *w, const page_query *pq,
                        const engine_result *res, uint32_t page)
{
    if (!res->ok) {
        lit(w, "></p>\n<p class=\"cglu-error\" role=\"alert\">"
               "La recherche a échoué\u00A0: ");
        text(w, res->message, strnlen(res->message, sizeof res->message));
        lit(w, "</p>\n");
        return;
    }
    uint64_t pages = (res->total + PAGE_SIZE - 1) / PAGE_SIZE;
    uint32_t last = pages > PAGE_MAX ? PAGE_MAX : pages ? (uint32_t)pages : 1;

    if (res->total == 0) {
        lit(w, " data-none>Aucun résultat pour «\u00A0");
        text(w, pq->q, pq->q_len);
        lit(w, "\u00A0».");
    } else {
        lit(w, ">");
        put_count(w, res->total);
        lit(w, res->total > 1 ? " résultats (" : " résultat (");
        put_ms(w, res->took_ms);
        lit(w, " ms)");
    }
    lit(w, "</p>\n");
    if (res->relaxed && res->total > 0)
        lit(w, "<p class=\"cglu-notice\">Aucun document ne contient tous les "
               "mots\u00A0: résultats partiels</p>\n");
    if (res->has_corrected && res->corrected.len) {
        lit(w, "<p class=\"cglu-dym\">Résultats pour\u00A0«\u00A0");
        text(w, at(res, res->corrected), res->corrected.len);
        lit(w, "\u00A0»</p>\n");
    }
    if (res->has_suggestion && res->suggestion.len) {
        const char *s = at(res, res->suggestion);
        lit(w, "<p class=\"cglu-dym\">Essayez avec\u00A0: <a href=\"");
        put_href(w, s, res->suggestion.len, 1);
        lit(w, "\">");
        text(w, s, res->suggestion.len);
        lit(w, "</a></p>\n");
    }
    if (res->nhits) {
        lit(w, "<ol class=\"cglu-hits\" start=\"");
        put_uint(w, res->hits[0].rank);
        lit(w, "\">\n");
        for (size_t i = 0; i < res->nhits && i < ENGINE_LIMIT_MAX; i++)
            put_hit(w, res, &res->hits[i]);
        lit(w, "</ol>\n");
    } else if (res->total > 0) {
        lit(w, "<p class=\"cglu-empty\">Pas de résultats sur cette "
               "page.</p>\n");
    }
    put_pages(w, pq->q, pq->q_len, page, last);
}

buf_status page_render(buf_t *out, const page_query *pq,
                       const engine_result *res)
{
    page_w w = {out, BUF_OK};
    size_t start = out->len;
    const char *q = pq && pq->q ? pq->q : "";
    size_t qlen = pq && pq->q ? pq->q_len : 0;
    uint32_t page = pq ? pq->page : 1;

    if (page < 1)
        page = 1;
    if (page > PAGE_MAX)
        page = PAGE_MAX;
    put_head(&w, q, qlen);
    if (res && (qlen || !res->ok)) {
        page_query shown = {q, qlen, page};
        put_results(&w, &shown, res, page);
    } else {
        lit(&w, "></p>\n");
    }
    lit(&w, "</div>\n</div>\n</main>\n</body>\n</html>\n");
    if (w.st != BUF_OK)
        buf_truncate(out, start);
    return w.st;
}
