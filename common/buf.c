/* buf: a growable byte buffer with an explicit maximum size. */
#include "common/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_MIN_CAP 64 /* first allocation: avoids tiny reallocs */

void buf_init(buf_t *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max > BUF_MAX_LIMIT ? BUF_MAX_LIMIT : max;
    b->failed = 0;
}

buf_status buf_reserve(buf_t *b, size_t extra)
{
    size_t max = b->max > BUF_MAX_LIMIT ? BUF_MAX_LIMIT : b->max;
    size_t need, cap;
    char *p;

    if (b->len > max || extra > max - b->len) {
        b->failed = 1;
        return BUF_ERR_LIMIT;
    }
    need = b->len + extra + 1; /* <= BUF_MAX_LIMIT + 1: no overflow */
    if (need <= b->cap)
        return BUF_OK;
    cap = b->cap ? b->cap : BUF_MIN_CAP;
    while (cap < need && cap <= max / 2)
        cap *= 2;
    if (cap < need || cap > max + 1)
        cap = max + 1; /* the last step lands on the limit */
    p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = 1;
        return BUF_ERR_NOMEM; /* old block is still valid and owned */
    }
    b->data = p;
    b->cap = cap;
    b->data[b->len] = '\0';
    return BUF_OK;
}

buf_status buf_append(buf_t *b, const void *p, size_t n)
{
    buf_status st;

    if (n == 0)
        return BUF_OK;
    st = buf_reserve(b, n);
    if (st != BUF_OK)
        return st;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return BUF_OK;
}

buf_status buf_puts(buf_t *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

buf_status buf_putc(buf_t *b, char c)
{
    return buf_append(b, &c, 1);
}

buf_status buf_vprintf(buf_t *b, const char *fmt, va_list ap)
{
    size_t room = b->cap - b->len; /* includes the terminator's byte */
    buf_status st;
    va_list cp;
    int n;

    /* First try in the free space; most calls fit and format only once. */
    va_copy(cp, ap);
    n = vsnprintf(b->cap ? b->data + b->len : NULL, b->cap ? room : 0, fmt, cp);
    va_end(cp);
    if (n < 0) {
        st = BUF_ERR_FORMAT;
        goto fail;
    }
    if (b->cap && (size_t)n < room) {
        b->len += (size_t)n;
        return BUF_OK;
    }
    st = buf_reserve(b, (size_t)n);
    if (st != BUF_OK)
        goto fail;
    va_copy(cp, ap);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, cp);
    va_end(cp);
    b->len += (size_t)n;
    return BUF_OK;
fail:
    b->failed = 1;
    if (b->cap) /* a truncated attempt may have overwritten the terminator */
        b->data[b->len] = '\0';
    return st;
}

buf_status buf_printf(buf_t *b, const char *fmt, ...)
{
    buf_status st;
    va_list ap;

    va_start(ap, fmt);
    st = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return st;
}

void buf_truncate(buf_t *b, size_t len)
{
    b->failed = 0;
    if (len >= b->len)
        return;
    b->len = len;
    b->data[len] = '\0'; /* len < old len implies cap > 0 */
}

void buf_reset(buf_t *b)
{
    b->failed = 0;
    b->len = 0;
    if (b->cap)
        b->data[0] = '\0';
}

char *buf_detach(buf_t *b, size_t *len)
{
    char *p = b->data;

    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
    return p;
}

void buf_free(buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = 0;
}

const char *buf_strerror(buf_status st)
{
    switch (st) {
    case BUF_OK:
        return "success";
    case BUF_ERR_LIMIT:
        return "buffer size limit reached";
    case BUF_ERR_NOMEM:
        return "out of memory";
    case BUF_ERR_FORMAT:
        return "formatting error";
    }
    return "unknown buffer error";
}
