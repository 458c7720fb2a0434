/* errmsg: the one writer of error messages into a caller's buffer. */
#ifndef CGLU_COMMON_ERRMSG_H
#define CGLU_COMMON_ERRMSG_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Format a one-line message into err[0..n), cut to fit and always
 * NUL-terminated. err may be NULL or n 0 (the caller wants no message):
 * nothing is written then. This is the errors-into-a-caller's-buffer
 * convention of every module (Redis's anetSetError). */
void errmsg_set(char *err, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void errmsg_vset(char *err, size_t n, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#ifdef __cplusplus
}
#endif
#endif
