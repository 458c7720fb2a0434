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

/* What every link of the page keeps: the query and the page's filters. */
typedef struct page_link {
    const char *q;
    size_t qlen;
    const char *lang, *section; /* "" none; lang a code, section a key */
    size_t lang_len, section_len;
    int date; /* sort=date */
} page_link;

/* The href of page `page` of l: "?q=Q", then "&amp;lang=L",
 * "&amp;section=S", "&amp;sort=date" when set, "&amp;page=N" past page 1.
 * cglu-search.js writes the same (href()). */
static void put_href(page_w *w, const page_link *l, uint32_t page)
{
    lit(w, "?q=");
    put_enc(w, l->q, l->qlen);
    if (l->lang_len) {
        lit(w, "&amp;lang=");
        put_enc(w, l->lang, l->lang_len);
    }
    if (l->section_len) {
        lit(w, "&amp;section=");
        put_enc(w, l->section, l->section_len);
    }
    if (l->date)
        lit(w, "&amp;sort=date");
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

/* The French name of a language code, or NULL: the page's chips show it,
 * else the code (cglu-search.js: LANGS). */
static const char *lang_name(const char *s, size_t n)
{
    static const char *const names[][2] = {
        {"fr", "Français"}, {"en", "English"}, {"es", "Español"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i][0]) == n && memcmp(names[i][0], s, n) == 0)
            return names[i][1];
    return NULL;
}

static void put_lang(page_w *w, const char *s, size_t n)
{
    const char *name = lang_name(s, n);

    if (name)
        lit(w, name);
    else
        text(w, s, n);
}

/* 1 when s[0..n) is a code a lang attribute may carry other than the
 * page's own: two or three ASCII lowercase letters, not "fr". */
static int other_lang(const char *s, size_t n)
{
    if (n < 2 || n > 3 || (n == 2 && memcmp(s, "fr", 2) == 0))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 'a' || s[i] > 'z')
            return 0;
    return 1;
}

/* ' lang="xx"' on a hit's title and snippet in another language than the
 * page's, so that a screen reader reads them in theirs. */
static void put_lang_attr(page_w *w, const char *s, size_t n)
{
    if (!other_lang(s, n))
        return;
    lit(w, " lang=\"");
    raw(w, s, n);
    lit(w, "\"");
}

/* A date as French writes it, "14 mars 2025" ("1er" for the first day),
 * in a <time>; anything but a date YYYY-MM-DD as text. cglu-search.js
 * writes the same (day()). */
static void put_date(page_w *w, const char *s, size_t n)
{
    static const char *const months[] = {
        "janvier", "février", "mars",      "avril",   "mai",      "juin",
        "juillet", "août",    "septembre", "octobre", "novembre", "décembre"};
    int ok = n == 10 && s[4] == '-' && s[7] == '-';

    for (size_t i = 0; ok && i < n; i++)
        ok = i == 4 || i == 7 || (s[i] >= '0' && s[i] <= '9');
    int m = ok ? (s[5] - '0') * 10 + (s[6] - '0') : 0;
    int d = ok ? (s[8] - '0') * 10 + (s[9] - '0') : 0;
    if (m < 1 || m > 12 || d < 1 || d > 31) {
        text(w, s, n);
        return;
    }
    lit(w, "<time datetime=\"");
    raw(w, s, n);
    lit(w, "\">");
    put_uint(w, (uint64_t)d);
    if (d == 1)
        lit(w, "er");
    lit(w, " ");
    lit(w, months[m - 1]);
    lit(w, " ");
    raw(w, s, 4);
    lit(w, "</time>");
}

/* The hit's date, and its language when the results mix languages. */
static void put_meta(page_w *w, const engine_result *res, const engine_hit *h,
                     int mixed)
{
    int lang = mixed && h->lang.len;

    if (!h->date.len && !lang)
        return;
    lit(w, "<p class=\"cglu-meta\">");
    if (h->date.len)
        put_date(w, at(res, h->date), h->date.len);
    if (h->date.len && lang)
        lit(w, " · ");
    if (lang) {
        lit(w, "<span class=\"cglu-lang\">");
        text(w, at(res, h->lang), h->lang.len);
        lit(w, "</span>");
    }
    lit(w, "</p>");
}

static void put_hit(page_w *w, const engine_result *res, const engine_hit *h,
                    int mixed)
{
    const char *url = at(res, h->url);
    int link = safe_url(url, h->url.len);
    engine_span title = h->title.len ? h->title : h->id;

    lit(w, "<li><h2");
    put_lang_attr(w, at(res, h->lang), h->lang.len);
    lit(w, ">");
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
    put_meta(w, res, h, mixed);
    if (h->has_snippet && h->snippet.len) {
        lit(w, "<p class=\"cglu-snippet\"");
        put_lang_attr(w, at(res, h->lang), h->lang.len);
        lit(w, ">");
        put_text(w, at(res, h->snippet), h->snippet.len, 1);
        lit(w, "</p>");
    }
    lit(w, "</li>\n");
}

/* Précédent / Page N sur M / Suivant. last: the last page the total allows
 * (at most PAGE_MAX); a page past it (the total is an estimate, or a link
 * was edited) gets a way back. */
static void put_pages(page_w *w, const page_link *l, uint32_t page,
                      uint32_t last)
{
    if (last <= 1 && page <= 1)
        return;
    lit(w, "<nav class=\"cglu-pages\" aria-label=\"Pages de résultats\">");
    if (page > 1) {
        lit(w, "<a class=\"cglu-prev\" rel=\"prev\" href=\"");
        put_href(w, l, page - 1 < last ? page - 1 : last);
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
        put_href(w, l, page + 1);
        lit(w, "\">Suivant ›</a>");
    }
    lit(w, "</nav>\n");
}

/* A chip: the current one a span marked aria-current, any other a link to
 * page 1 of `to`. chip_end() closes it after its label, with its count
 * when there is one. */
static void chip_begin(page_w *w, const page_link *to, int current)
{
    if (current) {
        lit(w, "<li><span class=\"cglu-chip cglu-current\" "
               "aria-current=\"true\">");
        return;
    }
    lit(w, "<li><a class=\"cglu-chip\" href=\"");
    put_href(w, to, 1);
    lit(w, "\">");
}

static void chip_end(page_w *w, int current, int counted, uint64_t n)
{
    if (counted) {
        lit(w, " <span class=\"cglu-count\">");
        put_count(w, n);
        lit(w, "</span>");
    }
    lit(w, current ? "</span></li>" : "</a></li>");
}

/* The facets a page shows, by FILTER_FACET_* bit order (lang, section). */
#define PAGE_NROWS 2

/* 1 when facet k's row is shown: a value is chosen, or the facet splits
 * the results (a single value that every match has chooses nothing). */
static int row_shown(const engine_result *res, const page_link *cur, int k)
{
    const engine_facet *f = &res->facets[k];
    size_t n = f->on ? f->n : 0;

    if (k ? cur->section_len : cur->lang_len)
        return 1;
    return n > 1 || (n == 1 && f->v[0].count < res->total);
}

/* The chips of facet k (0 lang, 1 section): "all" and each value with its
 * count, most frequent first. The engine counts matches of the current
 * filters, so with a value chosen its facet holds that value only: "all"
 * then goes without a count (no second search for it). */
static void put_row(page_w *w, const engine_result *res, const page_link *cur,
                    int k)
{
    const engine_facet *f = &res->facets[k];
    size_t n = f->on ? f->n : 0;
    const char *act = k ? cur->section : cur->lang;
    size_t alen = k ? cur->section_len : cur->lang_len;
    page_link to = *cur;
    int seen = 0;

    lit(w, k ? "<ul class=\"cglu-chips cglu-sections\" "
               "aria-label=\"Rubriques\">"
             : "<ul class=\"cglu-chips cglu-langs\" aria-label=\"Langues\">");
    if (k)
        to.section_len = 0;
    else
        to.lang_len = 0;
    chip_begin(w, &to, !alen);
    lit(w, k ? "Toutes les rubriques" : "Toutes les langues");
    chip_end(w, !alen, !alen, res->total);
    for (size_t i = 0; i < n && i < ENGINE_FACET_MAX; i++) {
        const char *v = at(res, f->v[i].value);
        size_t vlen = f->v[i].value.len;
        int is = alen == vlen && memcmp(act, v, vlen) == 0;
        if (vlen == 0)
            continue; /* no link can ask for it */
        seen |= is;
        if (k) {
            to.section = v;
            to.section_len = vlen;
        } else {
            to.lang = v;
            to.lang_len = vlen;
        }
        chip_begin(w, &to, is);
        if (k)
            text(w, v, vlen);
        else
            put_lang(w, v, vlen);
        chip_end(w, is, 1, f->v[i].count);
    }
    if (alen && !seen) { /* chosen, and no match has it */
        chip_begin(w, cur, 1);
        if (k)
            text(w, act, alen);
        else
            put_lang(w, act, alen);
        chip_end(w, 1, 0, 0);
    }
    lit(w, "</ul>\n");
}

/* "Trier par : pertinence · date", the current order not a link. */
static void put_sort(page_w *w, const page_link *cur)
{
    page_link to = *cur;

    lit(w, "<p class=\"cglu-sort\">Trier par\u00A0: ");
    for (int date = 0; date < 2; date++) {
        to.date = date;
        if (date)
            lit(w, " · ");
        if (cur->date == date) {
            lit(w, "<span class=\"cglu-current\" aria-current=\"true\">");
        } else {
            lit(w, "<a href=\"");
            put_href(w, &to, 1);
            lit(w, "\">");
        }
        lit(w, date ? "date" : "pertinence");
        lit(w, cur->date == date ? "</span>" : "</a>");
    }
    lit(w, "</p>\n");
}

/* The chips and the sort toggle, under the status line and its notes,
 * above the hits: shown when there are results, or a filter to take
 * back. */
static void put_filters(page_w *w, const engine_result *res,
                        const page_link *cur)
{
    int rows[PAGE_NROWS], sort = res->total > 1 || cur->date;

    for (int k = 0; k < PAGE_NROWS; k++)
        rows[k] = row_shown(res, cur, k);
    if (!rows[0] && !rows[1] && !sort)
        return;
    lit(w, "<div class=\"cglu-filters\">\n");
    for (int k = 0; k < PAGE_NROWS; k++)
        if (rows[k])
            put_row(w, res, cur, k);
    if (sort)
        put_sort(w, cur);
    lit(w, "</div>\n");
}

static void put_results(page_w *w, const page_link *cur,
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
    /* hits name their language when the matches have several */
    int mixed = res->facets[0].on && res->facets[0].n > 1;

    if (res->total == 0) {
        lit(w, " data-none>Aucun résultat pour «\u00A0");
        text(w, cur->q, cur->qlen);
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
        page_link to = *cur;
        to.q = at(res, res->suggestion);
        to.qlen = res->suggestion.len;
        lit(w, "<p class=\"cglu-dym\">Essayez avec\u00A0: <a href=\"");
        put_href(w, &to, 1);
        lit(w, "\">");
        text(w, to.q, to.qlen);
        lit(w, "</a></p>\n");
    }
    /* the status and what it says of the query, then what narrows it */
    if (res->total > 0 || cur->lang_len || cur->section_len || cur->date)
        put_filters(w, res, cur);
    if (res->nhits) {
        lit(w, "<ol class=\"cglu-hits\" start=\"");
        put_uint(w, res->hits[0].rank);
        lit(w, "\">\n");
        for (size_t i = 0; i < res->nhits && i < ENGINE_LIMIT_MAX; i++)
            put_hit(w, res, &res->hits[i], mixed);
        lit(w, "</ol>\n");
    } else if (res->total > 0) {
        lit(w, "<p class=\"cglu-empty\">Pas de résultats sur cette "
               "page.</p>\n");
    }
    put_pages(w, cur, page, last);
}

buf_status page_render_filtered(buf_t *out, const page_query *pq,
                                const filter *f, const engine_result *res)
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
        page_link cur = {q, qlen, "", "", 0, 0, 0};
        if (f) {
            cur.lang = f->lang;
            cur.lang_len = strnlen(f->lang, sizeof f->lang);
            cur.section = f->section;
            cur.section_len = strnlen(f->section, sizeof f->section);
            cur.date = f->sort == FILTER_SORT_DATE;
        }
        put_results(&w, &cur, res, page);
    } else {
        lit(&w, "></p>\n");
    }
    lit(&w, "</div>\n</div>\n</main>\n</body>\n</html>\n");
    if (w.st != BUF_OK)
        buf_truncate(out, start);
    return w.st;
}

buf_status page_render(buf_t *out, const page_query *pq,
                       const engine_result *res)
{
    return page_render_filtered(out, pq, NULL, res);
}
