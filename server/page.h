/* page: the search page served at GET / (and GET /?q=...&page=N, with
 * lang=, section= and sort=), rendered by the daemon in HTML so that it
 * works without JavaScript.
 *
 * Who owns what: this module turns a query, its filters and the engine's
 * result into the page's bytes, and nothing else. The HTTP front end parses
 * q, page, lang, section and sort (and answers 400 for bad ones), runs
 * SEARCH q with limit PAGE_SIZE, offset (page - 1) * PAGE_SIZE, those
 * filters and facets=lang,section, calls page_render_filtered() and sends
 * the page with its headers (Content-Security-Policy, caching). The widget
 * (server/web/cglu-search.js and .css, embedded by scripts/embed.sh)
 * enhances the same markup in a browser, and builds it on other sites. */
#ifndef CGLU_SERVER_PAGE_H
#define CGLU_SERVER_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "search/engine.h"

#define PAGE_SIZE 10                                 /* hits per page */
#define PAGE_MAX (ENGINE_OFFSET_MAX / PAGE_SIZE + 1) /* last page allowed */

typedef struct page_query {
    const char *q; /* the visitor's query, decoded, valid UTF-8 */
    size_t q_len;  /* 0: no search */
    uint32_t page; /* 1-based, 1..PAGE_MAX */
} page_query;

/* Append the whole HTML page to out. res: NULL when there is no query; else
 * the engine's result of SEARCH q with limit PAGE_SIZE, offset
 * (page-1)*PAGE_SIZE and the default snippet; when !res->ok, the page shows
 * res->message as a clear error. Returns BUF_OK or the buf_status that
 * stopped it (out is then left as it was on entry). */
buf_status page_render(buf_t *out, const page_query *pq,
                       const engine_result *res);

/* The same with the search's filters f (NULL: none). Of f the page reads
 * lang, section and sort: they mark the current chips and the sort toggle
 * and every link of the page keeps them. With res->facets[] on for lang
 * and section (the front end asks for both), the page shows a row of
 * chips for each (a language or section and its count, each a link to the
 * query with it set, page 1) and the sort toggle; each hit gets a line
 * with its date, and its language when the results mix languages. */
buf_status page_render_filtered(buf_t *out, const page_query *pq,
                                const filter *f, const engine_result *res);

#endif
