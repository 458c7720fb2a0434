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
 * title, url, text or ranges): the indexer then reads every page again
 * once. 2: drafts and noindex pages left out; 3: heading and lead ranges. */
#define EXTRACT_RULES "3"
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

/* One extracted document. The three strings are malloc'd, NUL-terminated,
 * valid UTF-8 without NUL bytes, and owned by the struct: free them with
 * extract_doc_free(). */
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
 * EXTRACT_OK: *out is filled and the caller frees it with extract_doc_free().
 * Any other status: *out is zeroed (NULL strings) and, when err is not
 * NULL, a short reason is written there ("binary file", "empty", "larger
 * than 50 MB", "unsupported type", "out of memory"). */
extract_status extract_document(const char *relpath, const char *bytes,
                                size_t len, size_t max_size, extract_doc *out,
                                char *err, size_t errlen);

/* Free the strings of doc and zero it (NULL doc is allowed; freeing a
 * zeroed doc twice is harmless). */
void extract_doc_free(extract_doc *doc);

/* Short human reason for a status (static string). The too-large reason
 * here is generic; extract_document's err names the limit. */
const char *extract_strerror(extract_status st);

#ifdef __cplusplus
}
#endif
#endif
