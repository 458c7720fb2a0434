/* jsonread: a small, bounded JSON reader (RFC 8259) that tokenizes a
 * document in place, for clients reading the daemon's answers. */
#ifndef CGLU_COMMON_JSONREAD_H
#define CGLU_COMMON_JSONREAD_H

#include <stddef.h>

#include "common/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Deepest nesting of arrays and objects accepted. */
#define JSONREAD_MAX_DEPTH 64

/* "No such token": returned by the look-up functions. */
#define JSONREAD_NONE ((size_t)-1)

typedef enum {
    JSONREAD_OK = 0,
    JSONREAD_ERR_SYNTAX, /* not JSON: see err_pos */
    JSONREAD_ERR_DEPTH,  /* nested deeper than JSONREAD_MAX_DEPTH */
    JSONREAD_ERR_LIMIT,  /* more tokens than the caller's maximum */
    JSONREAD_ERR_NOMEM,
    JSONREAD_ERR_TYPE, /* a token of another type than asked */
} jsonread_status;

typedef enum {
    JSONREAD_NULL,
    JSONREAD_FALSE,
    JSONREAD_TRUE,
    JSONREAD_NUMBER,
    JSONREAD_STRING,
    JSONREAD_ARRAY,
    JSONREAD_OBJECT,
} jsonread_type;

/* One value, or one key of an object. Tokens are stored in document
 * order: the children of an array or object follow it, and next skips
 * over its whole subtree. In an object, children alternate key (a
 * STRING) and value. */
typedef struct jsonread_tok {
    jsonread_type type;
    size_t start, len; /* the token's bytes in the text; a STRING's
                          exclude the quotes (escapes not yet decoded) */
    size_t next;       /* index of the token after this subtree */
    size_t count;      /* ARRAY: elements; OBJECT: members; else 0 */
} jsonread_tok;

/* The document does not copy the text: it must outlive the document.
 * Zero it or call jsonread_parse() before use; jsonread_free() frees
 * toks. */
typedef struct jsonread_doc {
    const char *text;
    jsonread_tok *toks; /* ntoks tokens, toks[0] is the root */
    size_t ntoks, cap;
    size_t err_pos; /* on JSONREAD_ERR_SYNTAX: byte offset of the fault */
} jsonread_doc;

/* Parse text[0..len): exactly one JSON value, surrounded by optional
 * whitespace (a trailing "\n" is fine). At most max_tokens tokens (keys
 * count). Strings are checked (escapes, no raw control characters, \u
 * surrogates paired) but bytes >= 0x80 are not checked to be UTF-8.
 * Numbers follow the JSON grammar (no leading zeros, no "+", no hex).
 * On failure d holds no tokens (ntoks 0) and memory is freed. */
jsonread_status jsonread_parse(jsonread_doc *d, const char *text, size_t len,
                               size_t max_tokens);

void jsonread_free(jsonread_doc *d); /* d is left empty; NULL allowed */

/* Type of token i (i < d->ntoks). */
jsonread_type jsonread_typeof(const jsonread_doc *d, size_t i);

/* Value of the member key of object obj (the first one if repeated), or
 * JSONREAD_NONE when obj is not an object or has no such key. Keys are
 * compared after escape decoding. */
size_t jsonread_get(const jsonread_doc *d, size_t obj, const char *key);

/* Element n of array arr, or JSONREAD_NONE. O(n): to walk an array, use
 * jsonread_first() then jsonread_next(). */
size_t jsonread_at(const jsonread_doc *d, size_t arr, size_t n);

/* First child of an array or object (for an object, its first key), or
 * JSONREAD_NONE when empty or not a container; jsonread_next(): the
 * sibling after i inside parent, or JSONREAD_NONE after the last. */
size_t jsonread_first(const jsonread_doc *d, size_t parent);
size_t jsonread_next(const jsonread_doc *d, size_t parent, size_t i);

/* Append the decoded value of string token i to out (UTF-8; "\u0000"
 * gives a NUL byte). JSONREAD_ERR_TYPE when i is not a string,
 * JSONREAD_ERR_LIMIT when out is full (out cut back to its length). */
jsonread_status jsonread_string(const jsonread_doc *d, size_t i, buf_t *out);

/* Number token i as a double (locale-independent). JSONREAD_ERR_TYPE when
 * i is not a number; *out is 0 then. */
jsonread_status jsonread_number(const jsonread_doc *d, size_t i, double *out);

/* 1 for true, 0 for false; JSONREAD_ERR_TYPE for any other token. */
jsonread_status jsonread_bool(const jsonread_doc *d, size_t i, int *out);

const char *jsonread_strerror(jsonread_status st);

#ifdef __cplusplus
}
#endif
#endif
