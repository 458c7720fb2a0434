/* errmsg: error messages into a caller-supplied buffer. */
#include "common/errmsg.h"

#include <stdio.h>

void errmsg_vset(char *err, size_t n, const char *fmt, va_list ap)
{
    if (err == NULL || n == 0)
        return;
    vsnprintf(err, n, fmt, ap);
}

void errmsg_set(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    errmsg_vset(err, n, fmt, ap);
    va_end(ap);
}
