/* extract: turn the bytes of one .txt, .md or .html file into title, url and
 * plain UTF-8 text for the indexer. This file picks the format, sniffs
 * binary files, decodes (UTF-8, else Windows-1252) and assembles the
 * document; extract_text.c, extract_md.c and extract_html.c do the rest. */
#include "indexer/extract.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>

#include "common/buf.h"
#include "common/utf8.h"
#include "indexer/extract_int.h"

/* ---- encodings ---- */

/* Windows-1252 0x80..0x9F; the five undefined bytes give U+FFFD. */
static const uint16_t cp1252_hi[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
    0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

int32_t extract_cp1252(unsigned char c)
{
    return c >= 0x80 && c < 0xA0 ? cp1252_hi[c - 0x80] : c;
}

void extract_put_cp(buf_t *o, int32_t cp)
{
    char u[UTF8_MAX_SEQ];
    size_t n = utf8_encode(cp, u);

    if (n == 0) /* no caller passes one: they map those to U+FFFD first */
        n = utf8_encode(UTF8_REPLACEMENT, u);
    buf_append(o, u, n);
}

/* Append s as UTF-8: copied when utf8, else decoded as Windows-1252. NUL
 * bytes (only possible past the sniffed start) become spaces. */
static void decode(const unsigned char *s, size_t n, int utf8, buf_t *o)
{
    size_t i = 0, j;

    if (utf8) {
        while (i < n) {
            const unsigned char *z = memchr(s + i, 0, n - i);
            j = z != NULL ? (size_t)(z - s) : n;
            buf_append(o, s + i, j - i);
            if (z != NULL)
                buf_putc(o, ' ');
            i = j + 1;
        }
        return;
    }
    /* Most bytes are ASCII: one allocation. Past the limit, stop here: the
     * failed flag makes the document EXTRACT_ERR_NOMEM. */
    if (buf_reserve(o, n + n / 2) != BUF_OK)
        return;
    while (i < n) {
        for (j = i; j < n && s[j] != 0 && s[j] < 0x80; j++)
            ;
        buf_append(o, s + i, j - i); /* a run of ASCII in one go */
        if (j == n)
            break;
        if (s[j] == 0)
            buf_putc(o, ' ');
        else
            extract_put_cp(o, extract_cp1252(s[j]));
        i = j + 1;
    }
}

/* A NUL byte, or more than 1 in 16 control bytes, in the first
 * EXTRACT_SNIFF bytes. Random binary data is about 11% control bytes and
 * nearly always has a NUL; text has almost none. */
static int looks_binary(const unsigned char *s, size_t n)
{
    size_t m = n < EXTRACT_SNIFF ? n : EXTRACT_SNIFF, ctrl = 0, i;

    if (memchr(s, 0, m) != NULL)
        return 1;
    for (i = 0; i < m; i++) {
        unsigned c = s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' &&
             c != '\v') ||
            c == 0x7F)
            ctrl++;
    }
    return ctrl * 16 > m;
}

/* ---- public ---- */

void extract_init(void)
{
    xmlInitParser();
}

void extract_cleanup(void)
{
    xmlCleanupParser();
}

extract_format extract_format_of(const char *relpath)
{
    const char *base, *dot;

    if (relpath == NULL)
        return EXTRACT_FMT_NONE;
    base = strrchr(relpath, '/');
    base = base != NULL ? base + 1 : relpath;
    dot = strrchr(base, '.');
    if (dot == NULL || dot == base) /* ".md" is a hidden file, not a type */
        return EXTRACT_FMT_NONE;
    dot++;
    if (strcasecmp(dot, "txt") == 0)
        return EXTRACT_FMT_TEXT;
    if (strcasecmp(dot, "md") == 0 || strcasecmp(dot, "markdown") == 0)
        return EXTRACT_FMT_MARKDOWN;
    if (strcasecmp(dot, "html") == 0 || strcasecmp(dot, "htm") == 0)
        return EXTRACT_FMT_HTML;
    return EXTRACT_FMT_NONE;
}

const char *extract_strerror(extract_status st)
{
    switch (st) {
    case EXTRACT_OK:
        return "success";
    case EXTRACT_SKIP_TYPE:
        return "unsupported type";
    case EXTRACT_SKIP_EMPTY:
        return "empty";
    case EXTRACT_SKIP_BINARY:
        return "binary file";
    case EXTRACT_SKIP_UNLISTED:
        return "not for publication (draft, or noindex)";
    case EXTRACT_SKIP_TOO_LARGE:
        return "larger than the size limit";
    case EXTRACT_ERR_NOMEM:
        return "out of memory";
    case EXTRACT_ERR_ARG:
        return "invalid argument";
    }
    return "unknown status";
}

void extract_doc_free(extract_doc *doc)
{
    if (doc == NULL)
        return;
    free(doc->title);
    free(doc->url);
    free(doc->text);
    free(doc->lang);
    free(doc->tags);
    free(doc->section);
    free(doc->description);
    memset(doc, 0, sizeof *doc);
}

static void set_err(char *err, size_t errlen, extract_status st,
                    size_t max_size)
{
    if (err == NULL || errlen == 0)
        return;
    if (st == EXTRACT_SKIP_TOO_LARGE && max_size % (1024 * 1024) == 0)
        snprintf(err, errlen, "larger than %zu MB", max_size / 1024 / 1024);
    else if (st == EXTRACT_SKIP_TOO_LARGE)
        snprintf(err, errlen, "larger than %zu bytes", max_size);
    else
        snprintf(err, errlen, "%s",
                 st == EXTRACT_OK ? "" : extract_strerror(st));
}

/* A blank of the normalised text (it has no other). */
static int blank(char c)
{
    return c == ' ' || c == '\n';
}

/* The lead of t[0..n) (extract_doc says what it is), looked for from
 * offset from on: the first words not in a heading h[0..nh), up to the end
 * of their paragraph (to the end of the text when plain) or the next
 * heading, at most EXTRACT_LEAD_WORDS words. */
static extract_range find_lead(const char *t, size_t n, size_t from,
                               const extract_range *h, size_t nh, int plain)
{
    extract_range lead = {n, n};
    size_t pos = from, k = 0, words = 0, stop;
    const char *para;

    for (;;) {
        while (pos < n && blank(t[pos]))
            pos++;
        while (k < nh && h[k].end <= pos)
            k++;
        if (k == nh || pos < h[k].start)
            break;
        pos = h[k].end; /* inside a heading: the lead comes after it */
    }
    if (pos >= n)
        return lead;
    stop = k < nh ? h[k].start : n;
    para = plain ? NULL : memmem(t + pos, stop - pos, "\n\n", 2);
    if (para != NULL)
        stop = (size_t)(para - t);
    lead.start = lead.end = pos;
    while (pos < stop && words < EXTRACT_LEAD_WORDS) {
        while (pos < stop && !blank(t[pos]))
            pos++;
        lead.end = pos;
        words++;
        while (pos < stop && blank(t[pos]))
            pos++;
    }
    return lead;
}

/* Put the language tag s[0..n) in o, one line, cut after its last whole
 * subtag ('-' or '_' separated) within EXTRACT_MAX_LANG bytes, or on a
 * character boundary when its first subtag alone is longer. */
static void lang_field(const char *s, size_t n, buf_t *o)
{
    size_t cut;

    extract_field(s, n, o, EXTRACT_BUF_MAX);
    if (o->failed || o->len <= EXTRACT_MAX_LANG)
        return;
    for (cut = EXTRACT_MAX_LANG; cut > 0 && o->data[cut] != '-' &&
                                 o->data[cut] != '_' && o->data[cut] != ' ';
         cut--)
        ;
    while (cut > 0 && (o->data[cut - 1] == '-' || o->data[cut - 1] == '_' ||
                       o->data[cut - 1] == ' '))
        cut--;
    if (cut > 0)
        buf_truncate(o, cut);
    else
        extract_cut(o, EXTRACT_MAX_LANG);
}

/* Hand the content of b over as a malloc'd string, "" when nothing was
 * written; NULL when out of memory. */
static char *take(buf_t *b, size_t *len)
{
    *len = 0;
    if (b->data == NULL && buf_reserve(b, 0) != BUF_OK)
        return NULL;
    return buf_detach(b, len);
}

extract_status extract_document(const char *relpath, const char *bytes,
                                size_t len, size_t max_size, extract_doc *out,
                                char *err, size_t errlen)
{
    const unsigned char *u = (const unsigned char *)bytes;
    buf_t src, raw, text, tbuf, ubuf, lbuf, sbuf, dbuf;
    extract_fm fm;
    extract_html_meta hm;
    extract_tags *tags;
    buf_t *const bufs[] = {&src,        &raw,         &text,         &tbuf,
                           &ubuf,       &lbuf,        &sbuf,         &dbuf,
                           &fm.title,   &fm.url,      &fm.lang,      &fm.desc,
                           &fm.section, &fm.tags.tmp, &fm.tags.list, &hm.title,
                           &hm.h1,      &hm.desc,     &hm.canon,     &hm.lang,
                           &hm.clang,   &hm.tags.tmp, &hm.tags.list};
    const size_t nbufs = sizeof bufs / sizeof bufs[0];
    const buf_t *title_src[4], *url_src[2], *lang_src[3];
    const char *date;
    extract_status st = EXTRACT_OK;
    extract_format fmt;
    size_t body = 0, k, lead_from = 0;
    int utf8 = 1, unlisted = 0, url_own;
    const char *sp;

    memset(&fm, 0, sizeof fm);
    memset(&hm, 0, sizeof hm);
    for (k = 0; k < nbufs; k++)
        extract_buf_init(bufs[k]);
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (relpath == NULL || (bytes == NULL && len > 0) || out == NULL) {
        st = EXTRACT_ERR_ARG;
        goto out;
    }
    if (max_size == 0)
        max_size = EXTRACT_MAX_SIZE;
    fmt = extract_format_of(relpath);
    if (fmt == EXTRACT_FMT_NONE) {
        st = EXTRACT_SKIP_TYPE;
        goto out;
    }
    /* libxml2 takes an int size, and recoding may grow the bytes 3 times */
    if (len > max_size || (fmt == EXTRACT_FMT_HTML && len > INT_MAX / 3)) {
        st = EXTRACT_SKIP_TOO_LARGE;
        if (max_size > INT_MAX / 3 && fmt == EXTRACT_FMT_HTML)
            max_size = INT_MAX / 3;
        goto out;
    }
    if (len == 0) {
        st = EXTRACT_SKIP_EMPTY;
        goto out;
    }
    if (looks_binary(u, len)) {
        st = EXTRACT_SKIP_BINARY;
        goto out;
    }
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        u += 3;
        len -= 3;
    }
    utf8 = utf8_valid(u, len);
    decode(u, len, utf8, &src);
    if (src.failed)
        goto nomem;

    /* A file that was only a BOM decodes to nothing (src.data NULL). */
    sp = src.data != NULL ? src.data : "";
    if (fmt != EXTRACT_FMT_HTML)
        body = extract_front_matter(sp, src.len, &fm);
    unlisted = fm.unlisted;
    if (fmt == EXTRACT_FMT_TEXT) {
        extract_normalise(sp + body, src.len - body, &text, 0);
    } else if (fmt == EXTRACT_FMT_MARKDOWN) {
        extract_md(sp + body, src.len - body, &raw, &hm.h1, &hm.heads);
    } else if (src.len > 0) {
        if (extract_html(src.data, src.len, &raw, &hm) != EXTRACT_OK)
            goto nomem;
        unlisted = hm.noindex;
    }
    if (fmt != EXTRACT_FMT_TEXT)
        extract_normalise_map(raw.data, raw.len, &text, hm.heads.r, hm.heads.n);
    if (hm.desc.len > 0) { /* the description ends the text, once */
        extract_normalise(hm.desc.data, hm.desc.len, &tbuf, 1);
        if (tbuf.len > 0 &&
            (text.len == 0 ||
             memmem(text.data, text.len, tbuf.data, tbuf.len) == NULL)) {
            if (text.len > 0)
                buf_append(&text, "\n\n", 2);
            buf_append(&text, tbuf.data, tbuf.len);
        }
        if (tbuf.failed) /* before extract_field()'s reset clears it */
            goto nomem;
    }

    /* title: front matter, <title>, first <h1> or heading, first line */
    title_src[0] = &fm.title;
    title_src[1] = &hm.title;
    title_src[2] = &hm.h1;
    title_src[3] = &text;
    for (k = 0; k < 4; k++) {
        size_t tl = title_src[k]->len;
        if (k == 3 && text.data != NULL && memchr(text.data, '\n', tl) != NULL)
            tl = (size_t)((char *)memchr(text.data, '\n', tl) - text.data);
        lead_from = k == 3 ? tl : 0; /* the title's line is not the lead */
        extract_field(title_src[k]->data, tl, &tbuf, EXTRACT_MAX_TITLE);
        if (tbuf.len > 0 || tbuf.failed)
            break;
    }

    /* url: front matter, canonical link, relative path */
    url_src[0] = &fm.url;
    url_src[1] = &hm.canon;
    for (k = 0; k < 2; k++) {
        buf_reset(&ubuf);
        extract_normalise(url_src[k]->data, url_src[k]->len, &ubuf, 1);
        if (ubuf.failed) /* before the next reset clears it */
            goto nomem;
        if (ubuf.len > 0 && ubuf.len <= EXTRACT_MAX_URL)
            break;
    }
    if (k == 2) {
        size_t rl = strlen(relpath);
        buf_reset(&ubuf);
        decode((const unsigned char *)relpath, rl,
               utf8_valid((const unsigned char *)relpath, rl), &ubuf);
    }
    url_own = k < 2;

    /* lang: front matter, <html lang>, <meta http-equiv=content-language> */
    lang_src[0] = &fm.lang;
    lang_src[1] = &hm.lang;
    lang_src[2] = &hm.clang;
    for (k = 0; k < 3; k++) {
        lang_field(lang_src[k]->data, lang_src[k]->len, &lbuf);
        if (lbuf.len > 0 || lbuf.failed)
            break;
    }
    /* date: front matter, article:published_time, main content's <time> */
    date = fm.date[0] != '\0'      ? fm.date
           : hm.pubdate[0] != '\0' ? hm.pubdate
                                   : hm.timedate;
    /* tags: one source per format */
    tags = fmt == EXTRACT_FMT_HTML ? &hm.tags : &fm.tags;
    extract_field(fm.section.data, fm.section.len, &sbuf, EXTRACT_MAX_SECTION);
    /* description: front matter, <meta name="description"> */
    extract_field(fm.desc.data, fm.desc.len, &dbuf, EXTRACT_MAX_DESCRIPTION);
    if (dbuf.len == 0 && !dbuf.failed)
        extract_field(hm.desc.data, hm.desc.len, &dbuf,
                      EXTRACT_MAX_DESCRIPTION);

    for (k = 0; k < nbufs; k++)
        if (bufs[k]->failed)
            goto nomem;
    if (unlisted) {
        st = EXTRACT_SKIP_UNLISTED;
        goto out;
    }
    if (text.len == 0 && tbuf.len == 0) {
        st = EXTRACT_SKIP_EMPTY;
        goto out;
    }
    out->title = take(&tbuf, &out->title_len);
    out->url = take(&ubuf, &out->url_len);
    out->text = take(&text, &out->text_len);
    out->lang = take(&lbuf, &out->lang_len);
    out->tags = take(&tags->list, &out->tags_len);
    out->ntags = tags->n;
    out->section = take(&sbuf, &out->section_len);
    out->description = take(&dbuf, &out->description_len);
    memcpy(out->date, date, EXTRACT_DATE_SIZE);
    for (k = 0; k < hm.heads.n; k++) /* ranges the text left empty go */
        if (hm.heads.r[k].end > hm.heads.r[k].start)
            out->headings[out->nheadings++] = hm.heads.r[k];
    /* In HTML, what precedes the first heading is most often navigation
     * (breadcrumbs, DocBook's header table naming the parent chapter),
     * not what the page says first. */
    if (fmt == EXTRACT_FMT_HTML && out->nheadings > 0 &&
        lead_from < out->headings[0].end)
        lead_from = out->headings[0].end;
    out->lead =
        find_lead(out->text != NULL ? out->text : "", out->text_len, lead_from,
                  out->headings, out->nheadings, fmt == EXTRACT_FMT_TEXT);
    out->format = fmt;
    out->recoded = !utf8;
    out->url_own = url_own;
    if (out->title == NULL || out->url == NULL || out->text == NULL ||
        out->lang == NULL || out->tags == NULL || out->section == NULL ||
        out->description == NULL)
        goto nomem;
    goto out;
nomem:
    st = EXTRACT_ERR_NOMEM;
    extract_doc_free(out); /* a failed take() may leave the others */
out:
    set_err(err, errlen, st, max_size);
    for (k = 0; k < nbufs; k++)
        buf_free(bufs[k]);
    return st;
}
