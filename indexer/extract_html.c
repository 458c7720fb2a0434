/* extract_html: the text, title, description, canonical url, language,
 * keywords and date of an HTML page, from libxml2's SAX events, for the
 * extractor. */
#include "indexer/extract_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h> /* xmlCreateMemoryParserCtxt, as
                                      htmlReadMemory() starts */
#include <libxml/tree.h>

enum { K_INLINE = 0, K_SKIP, K_BANNER, K_LINE, K_PARA, K_PRE };

/* Sorted by name for bsearch. K_BANNER: header/footer, skipped unless they
 * belong to an article or section (their own header holds its heading). */
static const struct html_kind {
    const char *name;
    int kind;
} html_kinds[] = {
    {"address", K_PARA},    {"article", K_PARA},    {"aside", K_PARA},
    {"audio", K_SKIP},      {"blockquote", K_PARA}, {"body", K_PARA},
    {"br", K_LINE},         {"canvas", K_SKIP},     {"caption", K_LINE},
    {"center", K_PARA},     {"dd", K_LINE},         {"details", K_PARA},
    {"dialog", K_PARA},     {"div", K_PARA},        {"dl", K_PARA},
    {"dt", K_LINE},         {"embed", K_SKIP},      {"fieldset", K_PARA},
    {"figcaption", K_PARA}, {"figure", K_PARA},     {"footer", K_BANNER},
    {"form", K_PARA},       {"h1", K_PARA},         {"h2", K_PARA},
    {"h3", K_PARA},         {"h4", K_PARA},         {"h5", K_PARA},
    {"h6", K_PARA},         {"head", K_SKIP},       {"header", K_BANNER},
    {"hr", K_PARA},         {"iframe", K_SKIP},     {"legend", K_LINE},
    {"li", K_LINE},         {"main", K_PARA},       {"nav", K_SKIP},
    {"noscript", K_SKIP},   {"object", K_SKIP},     {"ol", K_PARA},
    {"option", K_LINE},     {"p", K_PARA},          {"pre", K_PRE},
    {"script", K_SKIP},     {"section", K_PARA},    {"style", K_SKIP},
    {"summary", K_PARA},    {"svg", K_SKIP},        {"table", K_PARA},
    {"td", K_LINE},         {"template", K_SKIP},   {"th", K_LINE},
    {"title", K_SKIP},      {"tr", K_LINE},         {"ul", K_PARA},
    {"video", K_SKIP},
};

static int kind_cmp(const void *key, const void *elt)
{
    return strcmp(key, ((const struct html_kind *)elt)->name);
}

/* Kind of an element by its (lowercase) name. */
static int html_kind(const xmlChar *name)
{
    const struct html_kind *k;

    if (name == NULL)
        return K_INLINE;
    k = bsearch(name, html_kinds, sizeof html_kinds / sizeof html_kinds[0],
                sizeof html_kinds[0], kind_cmp);
    return k != NULL ? k->kind : K_INLINE;
}

typedef struct html_ctx {
    buf_t *out;
    int pre;   /* depth of <pre> being written: newlines are kept */
    int space; /* whitespace seen since the last word */
} html_ctx;

/* End the current line (nl 1) or paragraph (nl 2). */
static void html_break(html_ctx *c, int nl)
{
    size_t have = 0;

    c->space = 0;
    while (have < (size_t)nl && have < c->out->len &&
           c->out->data[c->out->len - 1 - have] == '\n')
        have++;
    if (c->out->len > 0 && have < (size_t)nl)
        buf_append(c->out, "\n\n", (size_t)nl - have);
}

static int html_blank(unsigned c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Append t[0..n) with whitespace collapsed (kept as newlines in <pre>).
 * The parser delivers text in pieces; the state in c makes the result the
 * same whatever the cut. */
static void html_text(html_ctx *c, const unsigned char *t, size_t n)
{
    buf_t *o = c->out;
    size_t i = 0, k;

    while (i < n) {
        if (html_blank(t[i])) {
            if (c->pre && t[i] == '\n')
                buf_putc(o, '\n');
            else
                c->space = 1;
            i++;
            continue;
        }
        if (c->space && o->len > 0 && o->data[o->len - 1] != '\n')
            buf_putc(o, ' ');
        c->space = 0;
        for (k = i + 1; k < n && !html_blank(t[k]); k++)
            ;
        buf_append(o, t + i, k - i);
        i = k;
    }
}

/* 1 when the list s (tokens separated by commas or blanks, as robots
 * directives are) holds token, case-insensitively. */
static int has_token(const xmlChar *s, const char *token)
{
    const char *p = (const char *)s;
    size_t tl = strlen(token);

    while (*p != '\0') {
        size_t k = strcspn(p, ", \t\r\n");
        if (k == tl && strncasecmp(p, token, tl) == 0)
            return 1;
        p += k;
        p += strspn(p, ", \t\r\n");
    }
    return 0;
}

/* rel="canonical" (rel is a space-separated list of tokens). */
static int rel_canonical(const xmlChar *rel)
{
    const char *s = (const char *)rel;

    while (*s != '\0') {
        size_t k;
        while (*s == ' ' || *s == '\t' || *s == '\n')
            s++;
        for (k = 0; s[k] != '\0' && s[k] != ' ' && s[k] != '\t' && s[k] != '\n';
             k++)
            ;
        if (k == 9 && strncasecmp(s, "canonical", 9) == 0)
            return 1;
        s += k;
    }
    return 0;
}

/* ---- HTML: streaming walk over libxml2's SAX events ----
 *
 * libxml2's tree builder is driven by these same events, so walking them
 * in order is walking the tree it would have built, without its memory
 * (about 22 bytes per byte of input). Two walks run side by side, each
 * with its own skip depth: the body walk (text, blocks, skipped elements)
 * and the meta walk (<title>, first <h1>, <meta> and <link> tags). The
 * <time> that dates the page is looked for along the body walk. */

/* Per open element: what its start changed, undone at its end. */
enum {
    E_BODY_SKIP = 1 << 0, /* counted in body_skip */
    E_META_SKIP = 1 << 1, /* counted in meta_skip */
    E_CAP = 1 << 2,       /* counted in cap_depth (inside a capture) */
    E_CAP_SKIP = 1 << 3,  /* counted in cap_skip */
    E_SECTION = 1 << 4,   /* counted in sections */
    E_ADOPTED = 1 << 5,   /* opened after the root closed: the root's
                             skips were added for it */
    E_HEADING = 1 << 6,   /* an h1-h3 of the body walk, its start in
                             heading_start */
    E_MAIN = 1 << 7,      /* counted in mains */
    E_ASIDE = 1 << 8,     /* counted in asides */
    E_BANNER = 1 << 9,    /* counted in banners */
};

typedef struct html_elt {
    uint16_t flags;
    uint8_t kind; /* K_LINE, K_PARA or K_PRE when the body walk wrote its
                     start; else K_INLINE */
} html_elt;

typedef struct html_sax {
    htmlParserCtxtPtr ctxt;
    html_ctx body;
    buf_t *title, *h1, *desc, *canon;
    int *noindex; /* <meta name="robots" content="noindex"> seen */
    extract_html_meta *meta;
    html_elt *stack; /* owned, freed by extract_html */
    size_t depth, scap;
    size_t body_skip;     /* open elements the body walk skips (0: writing) */
    size_t meta_skip;     /* open elements the meta walk skips */
    size_t cap_depth;     /* open elements of the <title>/<h1> captured */
    size_t cap_skip;      /* open script/style/data-noindex in the capture */
    buf_t *cap;           /* the buffer being captured into */
    int cap_text;         /* text since the capture's last node boundary */
    size_t sections;      /* open article/section/main/aside */
    size_t heading_start; /* offset in the body text of the open h1-h3 */
    int in_heading;       /* an h1-h3 is open: one inside is part of it */
    extract_heads *heads;
    int root_seen; /* the first root element was opened */
    uint8_t root;  /* its E_BODY_SKIP, E_META_SKIP and E_SECTION */
    int have_title, have_h1;
    /* Where a <time> is: open main/article, aside, header/footer. */
    size_t mains, asides, banners;
    int has_main; /* a main or article outside asides was opened */
    char main_time[EXTRACT_DATE_SIZE]; /* first day in a main/article */
    char body_time[EXTRACT_DATE_SIZE]; /* first day outside banners */
    int failed; /* out of memory: the caller reports it */
} html_sax;

/* Value of attribute name in a SAX attribute list; *present tells a
 * missing attribute from one without a value (which reads as ""). */
static const xmlChar *sax_attr(const xmlChar **atts, const char *name,
                               int *present)
{
    size_t k;

    *present = 0;
    for (k = 0; atts != NULL && atts[k] != NULL; k += 2)
        if (strcmp((const char *)atts[k], name) == 0) {
            *present = 1;
            return atts[k + 1] != NULL ? atts[k + 1] : (const xmlChar *)"";
        }
    return NULL;
}

/* A node boundary inside a capture: the DOM walk put a space after each
 * text node, so text on either side of a tag or comment stays apart. */
static void cap_boundary(html_sax *h)
{
    if (h->cap_depth > 0 && h->cap_text) {
        buf_putc(h->cap, ' ');
        h->cap_text = 0;
    }
}

/* Add each item of the comma-separated list s to tags. */
static void comma_list(const char *s, extract_tags *tags)
{
    while (*s != '\0') {
        size_t k = strcspn(s, ",");
        extract_tags_add(tags, s, k);
        s += k;
        s += *s == ',';
    }
}

/* Append the first non-blank item of the comma-separated list s to o. */
static void comma_first(const char *s, buf_t *o)
{
    while (*s != '\0') {
        size_t k = strcspn(s, ",");
        const char *v = s;
        size_t vl = k;
        extract_trim(&v, &vl);
        if (vl > 0) {
            buf_append(o, v, vl);
            return;
        }
        s += k;
        s += *s == ',';
    }
}

/* A <meta>: description, robots, keywords, content-language, and
 * article:tag and article:published_time (a property, or a name on some
 * sites). */
static void meta_tag(html_sax *h, const xmlChar **atts)
{
    extract_html_meta *m = h->meta;
    const char *name, *prop, *equiv, *content;
    int present;

    name = (const char *)sax_attr(atts, "name", &present);
    prop = (const char *)sax_attr(atts, "property", &present);
    equiv = (const char *)sax_attr(atts, "http-equiv", &present);
    content = (const char *)sax_attr(atts, "content", &present);
    if (content == NULL)
        return;
    if (prop == NULL)
        prop = name;
    if (name != NULL && strcasecmp(name, "description") == 0) {
        if (h->desc->len == 0)
            buf_append(h->desc, content, strlen(content));
    } else if (name != NULL && strcasecmp(name, "robots") == 0) {
        if (has_token((const xmlChar *)content, "noindex") ||
            has_token((const xmlChar *)content, "none"))
            *h->noindex = 1;
    } else if (name != NULL && strcasecmp(name, "keywords") == 0) {
        comma_list(content, &m->tags);
    } else if (prop != NULL && strcasecmp(prop, "article:tag") == 0) {
        extract_tags_add(&m->tags, content, strlen(content));
    } else if (prop != NULL &&
               strcasecmp(prop, "article:published_time") == 0) {
        if (m->pubdate[0] == '\0')
            extract_date(content, strlen(content), m->pubdate);
    } else if (equiv != NULL && strcasecmp(equiv, "content-language") == 0) {
        if (m->clang.len == 0)
            comma_first(content, &m->clang);
    }
}

/* Root <html>: its lang, else its xml:lang (when not blank). */
static void root_lang(html_sax *h, const xmlChar **atts)
{
    static const char *const names[] = {"lang", "xml:lang"};
    int present;

    for (size_t k = 0; k < 2; k++) {
        const char *v = (const char *)sax_attr(atts, names[k], &present);
        size_t vl = v != NULL ? strlen(v) : 0;
        const char *t = v;
        extract_trim(&t, &vl);
        if (vl > 0) {
            buf_append(&h->meta->lang, t, vl);
            return;
        }
    }
}

/* The body walk's <time> (not skipped, not in an aside): its datetime,
 * when a day, is the first of the main content or of the body outside
 * banners. */
static void time_tag(html_sax *h, const xmlChar **atts)
{
    char day[EXTRACT_DATE_SIZE];
    const char *v;
    int present;

    v = (const char *)sax_attr(atts, "datetime", &present);
    if (v == NULL || !extract_date(v, strlen(v), day))
        return;
    if (h->mains > 0 && h->main_time[0] == '\0')
        memcpy(h->main_time, day, sizeof day);
    if (h->banners == 0 && h->body_time[0] == '\0')
        memcpy(h->body_time, day, sizeof day);
}

/* The meta walk's part of an element start. */
static void meta_start(html_sax *h, html_elt *e, const xmlChar *name,
                       const xmlChar **atts, int noindex)
{
    const char *n = (const char *)name;
    const xmlChar *v;
    int present;

    if (h->cap_depth > 0) { /* inside <title>/<h1>: only text counts */
        e->flags |= E_CAP;
        h->cap_depth++;
        if (h->cap_skip > 0 || strcmp(n, "script") == 0 ||
            strcmp(n, "style") == 0 || noindex) {
            e->flags |= E_CAP_SKIP;
            h->cap_skip++;
        }
        return;
    }
    if (h->meta_skip > 0 || strcmp(n, "script") == 0 ||
        strcmp(n, "style") == 0 || strcmp(n, "template") == 0 || noindex) {
        e->flags |= E_META_SKIP;
        h->meta_skip++;
    } else if (strcmp(n, "title") == 0 && !h->have_title) {
        h->have_title = 1;
        h->cap = h->title;
    } else if (strcmp(n, "h1") == 0 && !h->have_h1) {
        h->have_h1 = 1;
        h->cap = h->h1;
    } else if (strcmp(n, "meta") == 0) {
        meta_tag(h, atts);
        return;
    } else if (strcmp(n, "link") == 0) {
        v = sax_attr(atts, "rel", &present);
        if (v != NULL && rel_canonical(v) && h->canon->len == 0 &&
            (v = sax_attr(atts, "href", &present)))
            buf_append(h->canon, v, strlen((const char *)v));
        return;
    } else {
        return;
    }
    if (!(e->flags & E_META_SKIP)) { /* a capture starts here */
        e->flags |= E_CAP;
        h->cap_depth = 1;
        h->cap_text = 0;
    }
}

/* h1, h2 or h3: the headings that weigh in ranking (h4-h6 mark minor
 * points, often in long reference pages). */
static int ranked_heading(const xmlChar *name)
{
    return name[0] == 'h' && name[1] >= '1' && name[1] <= '3' &&
           name[2] == '\0';
}

/* The body walk's part of an element start. */
static void body_start(html_sax *h, html_elt *e, const xmlChar *name, int kind,
                       int noindex)
{
    if (h->body_skip > 0 || kind == K_SKIP || noindex ||
        (kind == K_BANNER && h->sections == 0)) {
        e->flags |= E_BODY_SKIP;
        h->body_skip++;
        return;
    }
    if (kind == K_LINE)
        html_break(&h->body, 1);
    else if (kind == K_PARA || kind == K_PRE)
        html_break(&h->body, 2);
    if (kind == K_PRE)
        h->body.pre++;
    e->kind = (uint8_t)kind;
    if (!h->in_heading && ranked_heading(name)) {
        e->flags |= E_HEADING;
        h->in_heading = 1;
        h->heading_start = h->body.out->len;
    }
}

static void sax_start(void *ud, const xmlChar *name, const xmlChar **atts)
{
    html_sax *h = ud;
    html_elt *e;
    int kind, noindex;

    if (h->failed || name == NULL)
        return;
    cap_boundary(h);
    /* libxml2's tree builder halts the parser past xmlParserMaxDepth (256)
     * open elements, its guard against deep documents; so do we, so that
     * the text is the one the tree gave, and the stack stays small. */
    if (h->depth > xmlParserMaxDepth) {
        xmlStopParser(h->ctxt);
        return;
    }
    if (h->depth == h->scap) {
        size_t cap = h->scap ? h->scap * 2 : 64;
        html_elt *s = realloc(h->stack, cap * sizeof *s);
        if (s == NULL) {
            h->failed = 1;
            xmlStopParser(h->ctxt);
            return;
        }
        h->stack = s;
        h->scap = cap;
    }
    kind = html_kind(name);
    sax_attr(atts, "data-noindex", &noindex);
    if (h->depth == 0 && !h->root_seen &&
        strcmp((const char *)name, "html") == 0)
        root_lang(h, atts);
    e = &h->stack[h->depth++];
    e->flags = 0;
    e->kind = K_INLINE;
    if (h->depth == 1 && h->root_seen) {
        /* libxml2 reopens <html> for content after </html>, and its tree
         * builder hangs that under the first root: so it inherits what
         * the root's skips hid (<html data-noindex> hides it all). */
        e->flags |= E_ADOPTED;
        h->body_skip += (h->root & E_BODY_SKIP) != 0;
        h->meta_skip += (h->root & E_META_SKIP) != 0;
        h->sections += (h->root & E_SECTION) != 0;
    }
    meta_start(h, e, name, atts, noindex);
    body_start(h, e, name, kind, noindex);
    if (strcmp((const char *)name, "article") == 0 ||
        strcmp((const char *)name, "section") == 0 ||
        strcmp((const char *)name, "main") == 0 ||
        strcmp((const char *)name, "aside") == 0) {
        e->flags |= E_SECTION;
        h->sections++;
    }
    if (strcmp((const char *)name, "main") == 0 ||
        strcmp((const char *)name, "article") == 0) {
        e->flags |= E_MAIN;
        h->mains++;
        if (h->body_skip == 0 && h->asides == 0)
            h->has_main = 1;
    } else if (strcmp((const char *)name, "aside") == 0) {
        e->flags |= E_ASIDE;
        h->asides++;
    } else if (kind == K_BANNER) {
        e->flags |= E_BANNER;
        h->banners++;
    } else if (strcmp((const char *)name, "time") == 0 && h->body_skip == 0 &&
               h->asides == 0) {
        time_tag(h, atts);
    }
    if (h->depth == 1 && !h->root_seen) {
        h->root_seen = 1;
        h->root = e->flags & (E_BODY_SKIP | E_META_SKIP | E_SECTION);
    }
}

static void sax_end(void *ud, const xmlChar *name)
{
    html_sax *h = ud;
    html_elt *e;

    (void)name; /* libxml2 closes elements in order, implied ones too */
    if (h->failed)
        return;
    if (h->depth == 0)
        return;
    e = &h->stack[--h->depth];
    if (e->flags & E_HEADING) { /* before the break that ends it */
        extract_heads_add(h->heads, h->body.out, h->heading_start,
                          h->body.out->len);
        h->in_heading = 0;
    }
    if (e->flags & E_BODY_SKIP) {
        h->body_skip--;
    } else if (e->kind == K_LINE) {
        html_break(&h->body, 1);
    } else if (e->kind == K_PARA || e->kind == K_PRE) {
        html_break(&h->body, 2);
        if (e->kind == K_PRE)
            h->body.pre--;
    }
    if (e->flags & E_META_SKIP)
        h->meta_skip--;
    if (e->flags & E_CAP_SKIP)
        h->cap_skip--;
    if (e->flags & E_CAP) {
        h->cap_depth--;
        h->cap_text = h->cap_depth > 0 && h->cap_text;
    }
    if (e->flags & E_SECTION)
        h->sections--;
    h->mains -= (e->flags & E_MAIN) != 0;
    h->asides -= (e->flags & E_ASIDE) != 0;
    h->banners -= (e->flags & E_BANNER) != 0;
    if (e->flags & E_ADOPTED) {
        h->body_skip -= (h->root & E_BODY_SKIP) != 0;
        h->meta_skip -= (h->root & E_META_SKIP) != 0;
        h->sections -= (h->root & E_SECTION) != 0;
    }
    cap_boundary(h);
}

static void sax_text(void *ud, const xmlChar *t, int n)
{
    html_sax *h = ud;

    /* Text outside any element has no parent in a tree: dropped. */
    if (h->failed || n <= 0 || h->depth == 0)
        return;
    if (h->body_skip == 0)
        html_text(&h->body, t, (size_t)n);
    if (h->cap_depth > 0 && h->cap_skip == 0) {
        buf_append(h->cap, t, (size_t)n);
        h->cap_text = 1;
    }
}

/* Raw text of <script> and <style>: skipped with its element, but it
 * separates the text around it. */
static void sax_cdata(void *ud, const xmlChar *t, int n)
{
    html_sax *h = ud;

    (void)t;
    (void)n;
    if (h->failed)
        return;
    cap_boundary(h);
}

static void sax_comment(void *ud, const xmlChar *t)
{
    (void)t;
    cap_boundary(ud); /* a comment splits text nodes */
}

static void sax_pi(void *ud, const xmlChar *target, const xmlChar *data)
{
    html_sax *h = ud;

    (void)target;
    (void)data;
    cap_boundary(h);
}

/* The parser is set up as htmlReadMemory() sets it up, with our handlers
 * in place of its tree builder. */
extract_status extract_html(const char *s, size_t n, buf_t *raw,
                            extract_html_meta *meta)
{
    int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
               HTML_PARSE_NONET |
               HTML_PARSE_IGNORE_ENC; /* the bytes are UTF-8 by now,
                                         whatever <meta charset> says */
    xmlSAXHandlerV1 sax;
    xmlParserCtxtPtr ctxt;
    xmlCharEncodingHandlerPtr utf8;
    html_sax h;

    memset(&h, 0, sizeof h);
    h.body.out = raw;
    h.title = &meta->title;
    h.h1 = &meta->h1;
    h.desc = &meta->desc;
    h.canon = &meta->canon;
    h.noindex = &meta->noindex;
    h.heads = &meta->heads;
    h.meta = meta;
    memset(&sax, 0, sizeof sax);
    sax.startElement = sax_start;
    sax.endElement = sax_end;
    sax.characters = sax_text;
    sax.cdataBlock = sax_cdata;
    sax.comment = sax_comment;
    sax.processingInstruction = sax_pi;
    sax.initialized = 1;
    ctxt = xmlCreateMemoryParserCtxt(s, (int)n);
    if (ctxt == NULL || ctxt->sax == NULL) {
        h.failed = 1;
        goto out;
    }
    memcpy(ctxt->sax, &sax, sizeof sax);
    ctxt->userData = &h;
    h.ctxt = ctxt;
    htmlCtxtUseOptions(ctxt, opts);
    ctxt->html = 1;
    utf8 = xmlFindCharEncodingHandler("UTF-8");
    if (utf8 != NULL) { /* else libxml2 would guess: keep its default */
        xmlSwitchToEncoding(ctxt, utf8);
        xmlFree((xmlChar *)ctxt->input->encoding);
        ctxt->input->encoding = xmlStrdup((const xmlChar *)"UTF-8");
    }
    htmlParseDocument(ctxt);
    memcpy(meta->timedate, h.has_main ? h.main_time : h.body_time,
           EXTRACT_DATE_SIZE);
    /* libxml2 stops quietly when it runs out of memory: not a whole text */
    if (ctxt->errNo == XML_ERR_NO_MEMORY)
        h.failed = 1;
    if (ctxt->myDoc != NULL) /* no handler builds one; be sure */
        xmlFreeDoc(ctxt->myDoc);
    ctxt->myDoc = NULL;
out:
    if (ctxt != NULL)
        htmlFreeParserCtxt(ctxt);
    free(h.stack);
    if (h.failed || raw->failed || meta->title.failed || meta->h1.failed ||
        meta->desc.failed || meta->canon.failed || meta->lang.failed ||
        meta->clang.failed || meta->tags.list.failed)
        return EXTRACT_ERR_NOMEM;
    return EXTRACT_OK;
}
