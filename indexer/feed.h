/* feed: documents without files (issue #14). cglu-index --feed FILE reads
 * JSON lines, one document per line, and this module reads and checks
 * them; the indexer's run (indexer/sync) indexes what it returns.
 *
 * A line is one JSON object (RFC 8259, UTF-8, no key twice):
 *   {"id": "faq/42", "title": "…", "url": "…", "text": "…" or "html": "…",
 *    "lang": "fr", "date": "2024-05-03", "tags": ["…", …],
 *    "section": "…", "description": "…"}
 * or a deletion: {"id": "faq/42", "deleted": true}.
 * - "id": required, a non-empty string of at most FEED_MAX_ID bytes without
 *   control characters (U+0000-U+001F, U+007F-U+009F).
 * - "deleted": a boolean; true makes a deletion, where no key other than
 *   "id" and "deleted" is allowed; false is the same as absent.
 * - Otherwise exactly one of "text" (plain text) and "html" (a page the
 *   indexer extracts), a string, possibly empty.
 * - "title", "url", "lang", "section", "description": optional strings, as
 *   written (the indexer cuts and resolves them as it does a file's).
 * - "date": optional, a real calendar day "YYYY-MM-DD" (years 1-9999),
 *   alone or followed by a time ("T10:00:00Z", " 10:00"), the same rule as
 *   a front matter's date (extract); the day is kept as written, without
 *   time-zone shifting. "" is the same as absent.
 * - "tags": optional, an array of at most FEED_MAX_TAGS non-empty strings.
 * - Any other key is refused (a typo such as "titel" is not dropped
 *   silently), and so is null for any key. Strings must not hold "\u0000".
 * Blank lines (spaces, tabs and CR only) are skipped, a UTF-8 byte order
 * mark at the very start is allowed, CRLF line ends too. */
#ifndef CGLU_INDEXER_FEED_H
#define CGLU_INDEXER_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "indexer/extract.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of a line, its end ("\n" or "\r\n") excluded: a body as large as
 * a file may be (EXTRACT_MAX_SIZE) and 1 MiB for the other fields and the
 * JSON around them (a body of many escapes needs more and is refused). A
 * longer line is refused and skipped to its end without being held. */
#define FEED_MAX_LINE (EXTRACT_MAX_SIZE + (size_t)1024 * 1024)
/* Bytes of an id: it names the document in results and in DOC. */
#define FEED_MAX_ID 1024
/* Tags of an entry: more is an error, not a cut. The indexer's
 * DOCBUILD_MAX_TAGS (feed.c checks they agree). */
#define FEED_MAX_TAGS 32
/* Keys and values of a line, counted before jansson builds them (about
 * 100 bytes each): an entry has at most 11 keys and FEED_MAX_TAGS tags,
 * so this only refuses lines that are no entry, before they cost memory. */
#define FEED_MAX_VALUES 256
/* Size of feed_entry's date: "YYYY-MM-DD" and its NUL. */
#define FEED_DATE_SIZE EXTRACT_DATE_SIZE

typedef enum {
    FEED_OK = 0,    /* an entry was read */
    FEED_END,       /* no more lines */
    FEED_BAD,       /* this line is refused (err says why); read on */
    FEED_ERR_READ,  /* the file cannot be opened or read (err says) */
    FEED_ERR_NOMEM, /* out of memory */
    FEED_ERR_ARG,   /* a NULL argument where one is required */
} feed_status;

/* A reader over one feed. */
typedef struct feed_reader feed_reader;

/* One entry. Every string is malloc'd, NUL-terminated at its length,
 * valid UTF-8 without NUL, never NULL after FEED_OK ("" when absent), and
 * owned by the struct: free them all with feed_entry_free(). */
typedef struct feed_entry {
    size_t line; /* its line number in the feed, from 1 */
    char *id;    /* non-empty, at most FEED_MAX_ID bytes, no controls */
    size_t id_len;
    int deleted; /* 1: a deletion; every other field is then "" (none) */
    char *title;
    size_t title_len;
    char *url;
    size_t url_len;
    char *body; /* the "text" or "html" string */
    size_t body_len;
    int html; /* 1: body is "html", to be extracted; 0: plain "text" */
    char *lang;
    size_t lang_len;
    char date[FEED_DATE_SIZE]; /* the day, "YYYY-MM-DD", "" when none */
    /* ntags tags, each NUL-terminated, back to back: tags_len bytes in
     * all, terminators included (tags[tags_len] is a NUL too); walk them
     * with p += strlen(p) + 1. As written and in order (not deduplicated),
     * each non-empty; "" (tags_len 0) when ntags is 0. */
    char *tags;
    size_t tags_len;
    size_t ntags;
    char *section;
    size_t section_len;
    char *description;
    size_t description_len;
    /* 64-bit hash (common/schema's FNV-1a) of everything but the id and
     * the line: which of text or html, every field and the tags, in a
     * layout where no two entries that differ hash the same bytes. An
     * entry pushed again unchanged, even written another way (key order,
     * blanks, escapes, a time after the date), hashes the same. */
    uint64_t hash;
} feed_entry;

/* Open the feed at path, or standard input when path is "-". On FEED_OK
 * *out is a reader to close with feed_close(); otherwise *out is NULL and
 * err (may be NULL) says why: FEED_ERR_READ ("cannot open PATH: ...", or
 * a folder), FEED_ERR_NOMEM, FEED_ERR_ARG. */
feed_status feed_open(const char *path, feed_reader **out, char *err,
                      size_t errlen);

/* A reader over f, which stays the caller's (borrowed: feed_close does not
 * close it; it must outlive the reader). name is what read errors call it
 * (copied). Results as feed_open's. */
feed_status feed_open_file(FILE *f, const char *name, feed_reader **out,
                           char *err, size_t errlen);

/* Read the next entry into *e.
 * FEED_OK: *e is filled; the caller frees it with feed_entry_free().
 * FEED_END: no line is left (again on each later call).
 * FEED_BAD: the line is refused, err says "line N: FIELD: what it must
 *   be" (a line longer than the limit: "line N: longer than ... bytes");
 *   the reader reads the following line on the next call.
 * FEED_ERR_READ, FEED_ERR_NOMEM: err says what failed; the reader is then
 *   good for feed_close() only (later calls return the same status).
 * On anything but FEED_OK *e is zeroed (NULL strings, date ""). err may
 * be NULL; messages hold no control characters. */
feed_status feed_next(feed_reader *r, feed_entry *e, char *err, size_t errlen);

/* Number of the last line read (0 before any): what FEED_BAD's message
 * names, for a caller that counts refused lines. */
size_t feed_line(const feed_reader *r);

/* For tests and the fuzzer: lower r's line limit to max bytes (1 to
 * FEED_MAX_LINE; other values are ignored), so that the long-line path
 * is reached with small inputs. Call before the first feed_next. */
void feed_set_max_line(feed_reader *r, size_t max);

/* Close the reader (and the file feed_open opened; never standard input
 * nor feed_open_file's f). NULL is allowed. */
void feed_close(feed_reader *r);

/* Free the strings of e and zero it (NULL allowed; twice is harmless). */
void feed_entry_free(feed_entry *e);

/* Short human text of a status (static string). */
const char *feed_strerror(feed_status st);

#ifdef __cplusplus
}
#endif
#endif
