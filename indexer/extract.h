/* extract: turn the bytes of one .txt, .md or .html file into title, url and
 * plain UTF-8 text for the indexer. */
#ifndef CGLU_INDEXER_EXTRACT_H
#define CGLU_INDEXER_EXTRACT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Default size limit (max_size == 0 means this). */
#define EXTRACT_MAX_SIZE ((size_t)50 * 1024 * 1024)
/* Titles are cut to this many bytes, on a UTF-8 character boundary. */
#define EXTRACT_MAX_TITLE 200
/* A front matter or canonical url longer than this is ignored (the relative
 * path is used instead): cutting a url would make it point elsewhere. */
#define EXTRACT_MAX_URL 2048
/* Bump when a page may now be extracted differently (skipped, another
 * title, url, text, ranges or metadata): the indexer then reads every page
 * again once. 2: drafts and noindex pages left out; 3: heading and lead
 * ranges; 4: language, date, tags, section, description. */
#define EXTRACT_RULES "4"
/* Bytes at the start of a file that are checked for NUL and control bytes. */
#define EXTRACT_SNIFF 8192
/* Headings kept per document; later ones are body text. A page is rarely
 * outlined by more (the GIMP manual's longest has about 40); past that it
 * is an index or a reference, whose many headings say little each. */
#define EXTRACT_MAX_HEADINGS 64
/* The lead is at most this many words (runs of non-blank bytes): the
 * issue's "first ~40 words" for plain text, and the bound on a long first
 * paragraph elsewhere, so that a page whose text is one block does not
 * make all of it the lead. */
#define EXTRACT_LEAD_WORDS 40
/* A language tag longer than this (BCP 47's recommended maximum) is cut
 * after its last whole subtag that fits: the primary one, which decides
 * the stemmer, stays. */
#define EXTRACT_MAX_LANG 35
/* Tags kept per document, the first ones; each cut to EXTRACT_MAX_TAG
 * bytes on a UTF-8 character boundary. A keyword list longer than that is
 * stuffing, not a description. */
#define EXTRACT_MAX_TAGS 32
#define EXTRACT_MAX_TAG 64
/* Sections are short names ("docs", "blog"); cut on a character boundary. */
#define EXTRACT_MAX_SECTION 64
/* Descriptions are cut to this many bytes on a character boundary: more
 * than a result shows (search engines show about 160 characters). */
#define EXTRACT_MAX_DESCRIPTION 300
/* Size of extract_doc's date: "YYYY-MM-DD" and its NUL. */
#define EXTRACT_DATE_SIZE 11

typedef enum {
    EXTRACT_OK = 0,
    EXTRACT_SKIP_TYPE,      /* extension is not .txt/.md/.markdown/.html/.htm */
    EXTRACT_SKIP_EMPTY,     /* nothing but whitespace (or markup) in it */
    EXTRACT_SKIP_BINARY,    /* NUL byte or many control bytes in the start */
    EXTRACT_SKIP_TOO_LARGE, /* len > max_size */
    EXTRACT_SKIP_UNLISTED,  /* front matter "draft: true" or "published:
                               false", or <meta name="robots"
                               content="noindex">: not to be published */
    EXTRACT_ERR_NOMEM,      /* out of memory */
    EXTRACT_ERR_ARG,        /* NULL relpath, bytes or out */
} extract_status;

typedef enum {
    EXTRACT_FMT_NONE = 0, /* unsupported: extract_document gives SKIP_TYPE */
    EXTRACT_FMT_TEXT,     /* .txt */
    EXTRACT_FMT_MARKDOWN, /* .md, .markdown */
    EXTRACT_FMT_HTML,     /* .html, .htm */
} extract_format;

/* Bytes text[start..end) of an extracted text; empty when start == end. */
typedef struct extract_range {
    size_t start;
    size_t end;
} extract_range;

/* One extracted document. The strings (title, url, text, lang, section,
 * description) are malloc'd, NUL-terminated, valid UTF-8 without NUL
 * bytes, never NULL after EXTRACT_OK ("" when absent), and owned by the
 * struct, as is tags: free them all with extract_doc_free(). The
 * metadata strings are normalised to one line (blanks collapsed, trimmed)
 * and cut to their limits. */
typedef struct extract_doc {
    char *title; /* one line, at most EXTRACT_MAX_TITLE bytes, may be "" */
    size_t title_len;
    char *url; /* front matter url, canonical link, else the relpath */
    size_t url_len;
    int url_own; /* 1: the url came from the document itself */
    char *text;  /* body text: lines trimmed, spaces collapsed, paragraphs
                    separated by exactly one blank line; may be "" when
                    the title is not */
    size_t text_len;
    /* Where the text says what it is about, for ranking: the headings
     * (HTML h1-h3, Markdown #, ## and ### and setext headings) that are in
     * the text, in order, without overlap, the first EXTRACT_MAX_HEADINGS;
     * each from the first to the last non-blank byte of its text. */
    extract_range headings[EXTRACT_MAX_HEADINGS];
    size_t nheadings;
    /* The lead, at most EXTRACT_LEAD_WORDS words: the first paragraph
     * that is not a heading, after the title's line when the title is the
     * text's first line, and in HTML after the first heading; in plain
     * text, the words after the title's line, across paragraphs. Empty
     * when there is none. */
    extract_range lead;
    extract_format format;
    int recoded; /* 1 when the bytes were not UTF-8 and were decoded as
                    Windows-1252 */
    /* The declared language tag, as written ("fr", "en-GB", "Spanish"),
     * not resolved: front matter lang: (else language:), else <html lang>
     * (else xml:lang), else the first tag of <meta http-equiv=
     * "content-language">; at most EXTRACT_MAX_LANG bytes, "" when none. */
    char *lang;
    size_t lang_len;
    /* The publication day, "YYYY-MM-DD", "" when none: front matter date:,
     * else <meta property="article:published_time">, else the first
     * <time datetime> of the main content (extract_document). Kept as
     * written, without time-zone shifting: "2024-05-03T23:30-05:00" is
     * 2024-05-03. Only a real calendar day of years 1-9999 counts. */
    char date[EXTRACT_DATE_SIZE];
    /* ntags tags (front matter tags: and keywords:, or HTML keywords and
     * article:tag), each NUL-terminated, back to back: tags_len bytes in
     * all, terminators included (and tags[tags_len] is a NUL too); walk
     * them with p += strlen(p) + 1. In order of first appearance,
     * deduplicated (ASCII case-insensitively), one line, non-empty, at
     * most EXTRACT_MAX_TAG bytes each and EXTRACT_MAX_TAGS in all. ""
     * (tags_len 0) when ntags is 0. */
    char *tags;
    size_t tags_len;
    size_t ntags;
    /* front matter section:, at most EXTRACT_MAX_SECTION bytes, "" when
     * none (the indexer then uses the first folder) */
    char *section;
    size_t section_len;
    /* front matter description:, else <meta name="description">; at most
     * EXTRACT_MAX_DESCRIPTION bytes, "" when none */
    char *description;
    size_t description_len;
} extract_doc;

/* Initialise libxml2's parser. Call once, from the main thread, before any
 * thread calls extract_document(); extract_document() itself is then
 * thread-safe (it keeps no state between calls). */
void extract_init(void);

/* Release libxml2's global state; call once at exit, after every thread is
 * done with extract_document() (optional: only leak checkers care). */
void extract_cleanup(void);

/* Format chosen by the extension of relpath (case-insensitive). Cheap: lets
 * a caller skip a file before reading it. */
extract_format extract_format_of(const char *relpath);

/* Extract bytes[0..len) of the file at relpath (relative to its root, '/'
 * separated: it picks the format and is the url fallback). max_size 0 means
 * EXTRACT_MAX_SIZE.
 * The <time> that dates an HTML page is the first whose datetime is a
 * date, inside <main> or <article> when the page has one (their header
 * and footer count, a nav or aside inside them does not), else anywhere
 * in the body outside nav, header, footer and aside: a page's banners and
 * sidebars date other pages.
 * EXTRACT_OK: *out is filled and the caller frees it with extract_doc_free().
 * Any other status: *out is zeroed (NULL strings, date "") and, when err is not
 * NULL, a short reason is written there ("binary file", "empty", "larger
 * than 50 MB", "unsupported type", "out of memory"). */
extract_status extract_document(const char *relpath, const char *bytes,
                                size_t len, size_t max_size, extract_doc *out,
                                char *err, size_t errlen);

/* Free the strings and tags of doc and zero it (NULL doc is allowed; freeing a
 * zeroed doc twice is harmless). */
void extract_doc_free(extract_doc *doc);

/* Short human reason for a status (static string). The too-large reason
 * here is generic; extract_document's err names the limit. */
const char *extract_strerror(extract_status st);

#ifdef __cplusplus
}
#endif
#endif
