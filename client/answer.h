/* answer: one answer line of cglu-searchd, read with jansson and checked
 * (one JSON object, "ok" true or the server's error, bounded size). */
#ifndef CGLU_CLIENT_ANSWER_H
#define CGLU_CLIENT_ANSWER_H

#include <stddef.h>

#include <jansson.h>

/* Most keys and values in one answer: jansson spends about 100 bytes on
 * each, so this bounds its memory (the line itself is bounded by the
 * caller). The daemon's largest answers hold about 1,500. */
#define ANSWER_MAX_VALUES 1000000

typedef enum {
    ANSWER_OK = 0,     /* {"ok":true,...} */
    ANSWER_ERR_SERVER, /* the server's error, "ok" not true: see
                          answer_error() */
    ANSWER_ERR_BAD,    /* not one JSON object, or too many values */
    ANSWER_ERR_NOMEM,
} answer_status;

/* root is jansson's tree of the line (the caller releases it with
 * answer_free()); text is the line itself, not copied: it must outlive
 * the answer, which answer_next_span() reads. */
typedef struct answer {
    json_t *root; /* an object; NULL after a failure */
    const char *text;
    size_t len;
} answer;

/* Raw text of one member's value: text[start..start + len). */
typedef struct answer_span {
    size_t start, len;
} answer_span;

/* Parse text[0..len), one answer line ("\n" included or not): exactly
 * one JSON object (RFC 8259, UTF-8; "\u0000" allowed in strings, not in
 * keys; a key twice is refused), at most ANSWER_MAX_VALUES keys and
 * values. ANSWER_OK and ANSWER_ERR_SERVER leave the tree in a->root;
 * ANSWER_ERR_BAD and ANSWER_ERR_NOMEM leave a->root NULL and write a
 * one-line message into err (when not NULL), printable ASCII only since
 * it may quote the server's bytes: "end of file expected near 'x' (byte
 * 12)". */
answer_status answer_parse(answer *a, const char *text, size_t len, char *err,
                           size_t errlen);

/* Release the tree; a is left empty. NULL allowed. */
void answer_free(answer *a);

/* The server's error of an answer whose "ok" is not true: its "error"
 * code (NULL when absent or not a string) and "message" (likewise), as
 * pointers into a->root with their lengths (a message may hold NUL). */
void answer_error(const answer *a, const char **code, size_t *code_len,
                  const char **msg, size_t *msg_len);

/* The raw text of the root's member values, one per call in document
 * order, which is jansson's iteration order (keys are unique): start with
 * *pos 0; each call sets *span and returns 1, or returns 0 after the
 * last member. For printing numbers as the server wrote them ("0.000",
 * where jansson's double would print "0.0"). */
int answer_next_span(const answer *a, size_t *pos, answer_span *span);

/* What a SEARCH hit or a DOC answer says of its page: each member only
 * when present with its type (else NULL and 0). The pointers are into
 * obj's tree: valid as long as it is. */
typedef struct answer_meta {
    const char *date, *lang, *section; /* "2025-01-29", "fr", "about" */
    size_t date_len, lang_len, section_len;
    const json_t *tags; /* the "tags" array, NULL when absent or not one */
} answer_meta;

/* Fill m from obj (a hit, or a DOC answer's root; NULL or not an object:
 * everything absent). */
void answer_meta_read(const json_t *obj, answer_meta *m);

/* The tags of m one per call, strings only (other values are skipped):
 * start with *pos 0; each call sets *s and *len (a tag may hold NUL) and
 * returns 1, or returns 0 after the last. */
int answer_tag_next(const answer_meta *m, size_t *pos, const char **s,
                    size_t *len);

/* The members of a count object (a facet of "facets", STATS "languages":
 * {"fr":6,"en":3}) one per call in document order, the server's (most
 * frequent first): start with *iter NULL; each call sets *key and *count
 * and returns 1, or returns 0 after the last. Members whose value is not
 * a whole number from 0 up are skipped; obj NULL or not an object has
 * none. */
int answer_count_next(const json_t *obj, void **iter, const char **key,
                      json_int_t *count);

const char *answer_strerror(answer_status st);

#endif
