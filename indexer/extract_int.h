/* extract_int: what the parts of the extractor share (private to
 * indexer/extract*.c): extract.c picks the format and decodes the bytes,
 * extract_text.c normalises text and reads front matter, extract_md.c and
 * extract_html.c turn markup into text. Every writer appends to a buf_t
 * created with extract_buf_init() and ignores the status of each append:
 * a failed append sets the buffer's failed flag, and extract_document()
 * checks the flags before each buf_reset() and at the end (any failure
 * makes the document EXTRACT_ERR_NOMEM). */
#ifndef CGLU_INDEXER_EXTRACT_INT_H
#define CGLU_INDEXER_EXTRACT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "indexer/extract.h"

/* No work buffer reaches 1 GiB: its content stays below it, which bounds
 * the Windows-1252 recoding (up to 3 bytes out per byte in) and the
 * memory of one document whatever max_size the caller passes. */
#define EXTRACT_BUF_MAX (((size_t)1 << 30) - 1)

/* An empty work buffer with the EXTRACT_BUF_MAX limit. */
static inline void extract_buf_init(buf_t *b)
{
    buf_init(b, EXTRACT_BUF_MAX);
}

static inline int extract_hspace(char c)
{
    return c == ' ' || c == '\t';
}

/* The headings a writer finds, as offsets into its work buffer, until
 * extract_normalise_map() moves them to the text's. */
typedef struct extract_heads {
    extract_range r[EXTRACT_MAX_HEADINGS];
    size_t n;
} extract_heads;

/* Record b[start..end) as a heading: ignored past EXTRACT_MAX_HEADINGS, so
 * later headings stay body text, and when it has nothing but ASCII blanks
 * (an empty heading must not take a place). */
static inline void extract_heads_add(extract_heads *h, const buf_t *b,
                                     size_t start, size_t end)
{
    size_t k;

    if (h == NULL || h->n == EXTRACT_MAX_HEADINGS || end > b->len)
        return;
    for (k = start; k < end && (unsigned char)b->data[k] <= ' '; k++)
        ;
    if (k < end)
        h->r[h->n++] = (extract_range){start, end};
}

/* Tags being collected: n NUL-terminated tags back to back in list (the
 * form of extract_doc's tags); tmp is extract_tags_add's scratch. The
 * caller initialises both buffers with extract_buf_init() and frees them. */
typedef struct extract_tags {
    buf_t list;
    size_t n;
    buf_t tmp;
} extract_tags;

/* ---- extract.c ---- */

/* The code point of byte c read as Windows-1252: c itself, except for
 * 0x80-0x9F (the five bytes that have none give U+FFFD). */
int32_t extract_cp1252(unsigned char c);

/* Append the UTF-8 of cp, a scalar value (U+FFFD for anything else). */
void extract_put_cp(buf_t *o, int32_t cp);

/* ---- extract_text.c ---- */

/* Length of the line at s[0..n) without its line end ("\n" or "\r\n");
 * *next is the offset of the following line (n at the end). */
size_t extract_line(const char *s, size_t n, size_t *next);

/* Move *s and cut *n past leading and trailing spaces and tabs. */
void extract_trim(const char **s, size_t *n);

/* Append s[0..n) (valid UTF-8; s may be NULL when n == 0) to o: runs of
 * spaces, tabs, control characters and no-break spaces become one space,
 * lines are trimmed, at most one blank line is kept in a row and none at
 * either end. With one_line, line breaks are spaces too. */
void extract_normalise(const char *s, size_t n, buf_t *o, int one_line);

/* extract_normalise(s, n, o, 0) that also moves the ranges r[0..nr)
 * (offsets into s, in order, without overlap) onto the text written to o
 * (o empty before): a start to the first byte of text written at or after
 * it, an end to the end of the text written before it. A range left with
 * no text ends where it starts. */
void extract_normalise_map(const char *s, size_t n, buf_t *o, extract_range *r,
                           size_t nr);

/* Cut o to max bytes on a character boundary, and the blanks before the
 * cut (nothing when o failed). */
void extract_cut(buf_t *o, size_t max);

/* Empty o, then put s[0..n) there normalised to one line and cut at max
 * bytes on a character boundary (blanks before the cut go too). */
void extract_field(const char *s, size_t n, buf_t *o, size_t max);

/* Add the tag s[0..n) to t, normalised to one line and cut at
 * EXTRACT_MAX_TAG bytes on a character boundary; ignored when empty, when
 * t has it already (ASCII case-insensitively) or EXTRACT_MAX_TAGS tags. */
void extract_tags_add(extract_tags *t, const char *s, size_t n);

/* When s[0..n), trimmed of ASCII blanks, is an ISO 8601 day of a real
 * calendar date (YYYY-MM-DD, year 1-9999), alone or followed by a time
 * ("T10:00:00Z", " 10:00", "T10:00:00.5+02:00"), put "YYYY-MM-DD" in out
 * and return 1; else return 0 and leave out alone. */
int extract_date(const char *s, size_t n, char out[EXTRACT_DATE_SIZE]);

/* What a front matter says. The buffers get the values as written (quotes
 * off), for the caller to normalise; the caller initialises them with
 * extract_buf_init() (and tags' too) and frees them. */
typedef struct extract_fm {
    buf_t title;
    buf_t url;
    buf_t lang;    /* lang:, else language: */
    buf_t section; /* section: */
    buf_t desc;    /* description:, with its continuation lines */
    char date[EXTRACT_DATE_SIZE]; /* date: when it is a day, else "" */
    extract_tags tags;            /* tags: and keywords:, in order */
    int unlisted;                 /* draft: true or published: false */
} extract_fm;

/* When s[0..n) starts with a front matter block (--- / key: value lines /
 * ---), fill fm from it (tags are added to fm->tags) and return the
 * offset of what follows; else return 0 and change nothing. For each key,
 * the last one counts; tags: and keywords: lists are all merged. A list
 * is "[a, 'b c']" (it may go on over the next lines), "a, b", or the
 * lines "- a" that follow an empty value; description may go on over the
 * indented lines that follow (also after | or >). */
size_t extract_front_matter(const char *s, size_t n, extract_fm *fm);

/* ---- extract_md.c ---- */

/* Append the text of Markdown s[0..n) to o, the text of its first heading
 * that has some to heading, and where in o its h1-h3 are to heads. */
void extract_md(const char *s, size_t n, buf_t *o, buf_t *heading,
                extract_heads *heads);

/* ---- extract_html.c ---- */

/* What extract_html() finds beside the body text; the caller initialises
 * and frees the buffers. */
typedef struct extract_html_meta {
    buf_t title; /* text of the first <title> */
    buf_t h1;    /* text of the first <h1> */
    buf_t desc;  /* content of the first <meta name="description"> */
    buf_t canon; /* href of the first <link rel="canonical"> */
    int noindex; /* <meta name="robots" content="noindex"> (or "none") */
    extract_heads heads; /* the h1-h3 of the body text, in its offsets */
    buf_t lang;          /* lang (else xml:lang) of the root <html> */
    buf_t clang;         /* first tag of the first <meta http-equiv=
                            "content-language"> */
    extract_tags tags;   /* <meta name="keywords"> items and article:tag */
    /* first <meta property="article:published_time"> that is a day */
    char pubdate[EXTRACT_DATE_SIZE];
    /* first <time datetime> that is a day, of the main content (see
     * extract_document) */
    char timedate[EXTRACT_DATE_SIZE];
} extract_html_meta;

/* Parse the HTML document s[0..n) (UTF-8, NUL-terminated at n, n > 0 and
 * at most INT_MAX) with libxml2 and append its body text to raw, the rest
 * to meta. EXTRACT_OK, or EXTRACT_ERR_NOMEM when libxml2 or a buffer ran
 * out of memory (what was written is then incomplete). */
extract_status extract_html(const char *s, size_t n, buf_t *raw,
                            extract_html_meta *meta);

#endif
