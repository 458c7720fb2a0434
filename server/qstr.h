/* qstr: an HTTP query string ("q=cit%C3%A9s&limit=5"), one parameter at a
 * time: "&" separates parameters, "+" is a space, "%XX" a byte. Decoded
 * names and values must be UTF-8 without NUL: anything else is an error,
 * never a guess. Pure functions: no allocation, nothing to free. */
#ifndef CGLU_SERVER_QSTR_H
#define CGLU_SERVER_QSTR_H

#include <stddef.h>

typedef enum {
    QSTR_OK = 0,
    QSTR_END,         /* no parameter left */
    QSTR_ERR_ESCAPE,  /* "%" not followed by two hexadecimal digits */
    QSTR_ERR_UTF8,    /* the decoded bytes are not UTF-8 */
    QSTR_ERR_NUL,     /* a decoded NUL byte */
    QSTR_ERR_TOO_BIG, /* the decoded name or value passes its buffer */
} qstr_status;

/* The parameters of s[0..len) (what follows "?", without any "#..."). */
typedef struct qstr_iter {
    const char *p, *end;
} qstr_iter;

void qstr_init(qstr_iter *it, const char *s, size_t len);

/* The next parameter: its decoded name into name[0..*name_len) (at most
 * name_cap bytes) and its value into val[0..*val_len) (at most val_cap).
 * "a" alone is the name a with an empty value; empty parts ("a=1&&b=2")
 * are skipped. Returns QSTR_OK, QSTR_END, or an error (the iterator then
 * stands after the bad parameter). */
qstr_status qstr_next(qstr_iter *it, char *name, size_t name_cap,
                      size_t *name_len, char *val, size_t val_cap,
                      size_t *val_len);

/* Decode s[0..len) (a path or one part of a query) into out[0..*out_len),
 * at most cap bytes; plus as space only if plus_space. */
qstr_status qstr_decode(const char *s, size_t len, int plus_space, char *out,
                        size_t cap, size_t *out_len);

const char *qstr_strerror(qstr_status st);

#endif
