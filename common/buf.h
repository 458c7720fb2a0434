/* buf: a growable byte buffer with an explicit maximum size. */
#ifndef CGLU_COMMON_BUF_H
#define CGLU_COMMON_BUF_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Largest max accepted by buf_init(): keeps len + extra + 1 and the
 * doubling of the capacity free of overflow. */
#define BUF_MAX_LIMIT (((size_t)-1) / 2)

typedef enum {
    BUF_OK = 0,
    BUF_ERR_LIMIT,  /* the content would grow past buf->max */
    BUF_ERR_NOMEM,  /* out of memory */
    BUF_ERR_FORMAT, /* vsnprintf() failed (bad format or wide char) */
} buf_status;

/* The buffer owns data (malloc'd, freed by buf_free()). len bytes are in
 * use; when cap > 0, data[len] is always '\0' so data can be used as a C
 * string (it may also hold NUL bytes of its own). cap includes that
 * terminator, so len <= max and cap <= max + 1. A zeroed buf_t is a valid
 * empty buffer whose max is 0: call buf_init() to give it a real maximum.
 * Every function that fails leaves len and the content unchanged, and sets
 * failed: a writer of a record made of many appends (a JSON line) checks
 * failed once at the end instead of every call, and never ships a record
 * with a piece silently missing. */
typedef struct buf {
    char *data; /* NULL until the first growth */
    size_t len; /* bytes in use, terminator excluded */
    size_t cap; /* bytes allocated, terminator included */
    size_t max; /* largest len allowed */
    int failed; /* an append failed since the last init/reset/truncate */
} buf_t;

/* Empty buffer that may hold up to max bytes (clamped to BUF_MAX_LIMIT).
 * Allocates nothing. */
void buf_init(buf_t *b, size_t max);

/* Make room for extra more bytes (and the terminator) without writing
 * them: the capacity doubles until it is large enough, then is clamped to
 * max + 1. BUF_ERR_LIMIT when len + extra > max. */
buf_status buf_reserve(buf_t *b, size_t extra);

/* Append n bytes (any bytes, NUL included). p may be NULL when n == 0. */
buf_status buf_append(buf_t *b, const void *p, size_t n);
buf_status buf_puts(buf_t *b, const char *s); /* a C string, no NUL */
buf_status buf_putc(buf_t *b, char c);

/* printf-style append. The output is formatted by vsnprintf(), so numbers
 * follow LC_NUMERIC: use json_double() for locale-free decimals. On error
 * nothing is appended. */
buf_status buf_printf(buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
buf_status buf_vprintf(buf_t *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Cut the content back to len bytes (len > b->len is ignored): undoes
 * appends after a saved b->len, and clears failed. Keeps the memory. */
void buf_truncate(buf_t *b, size_t len);

/* Empty the buffer (and clear failed) but keep its memory. */
void buf_reset(buf_t *b);

/* Hand the memory over to the caller, who must free() it; *len (may be
 * NULL) receives the content length. The result is NUL-terminated, or NULL
 * when nothing was ever allocated. The buffer is left empty (same max). */
char *buf_detach(buf_t *b, size_t *len);

/* Free the memory; the buffer is left empty and reusable (same max). */
void buf_free(buf_t *b);

const char *buf_strerror(buf_status st);

#ifdef __cplusplus
}
#endif
#endif
