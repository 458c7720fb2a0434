/* passfile: the password file of --password-file, read by the daemon
 * (cglu-searchd) and the client (cglu-search) under one rule. */
#ifndef CGLU_COMMON_PASSFILE_H
#define CGLU_COMMON_PASSFILE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest password, in bytes (the daemon's SERVER_MAX_PASSWORD). */
#define PASSFILE_MAX 1024
/* Longest file: the password and a "\r\n". A longer file is refused
 * whatever it holds, so that nothing past the password goes unread. */
#define PASSFILE_MAX_FILE (PASSFILE_MAX + 2)

typedef enum {
    PASSFILE_OK = 0,
    PASSFILE_ERR_READ,  /* cannot open or read the file */
    PASSFILE_ERR_SIZE,  /* empty, or longer than the limits above */
    PASSFILE_ERR_LINE,  /* a "\r" or "\n" inside: more than one line */
    PASSFILE_ERR_SPACE, /* starts or ends with a space or tab */
    PASSFILE_ERR_NOMEM,
} passfile_status;

/* The rule: the password is the file's content less its trailing "\r"
 * and "\n" bytes (any run of them). It must then be 1 to PASSFILE_MAX
 * bytes, hold no "\r" or "\n" (AUTH sends it on one line) and neither
 * start nor end with a space or tab (AUTH's argument is trimmed, so such a
 * password could never match). Other bytes, NUL included, are taken as
 * they are. The file is read to its end, so a pipe (/dev/stdin) works.
 *
 * On success *pw is a malloc'd copy of the password, NUL-terminated,
 * *len its length, and *world_readable is 1 when the file's mode lets
 * every user read it (the caller warns: the file is read all the same).
 * The caller frees *pw with passfile_free(). On failure *pw is NULL, *len
 * and *world_readable 0, and err (when not NULL) holds a one-line message
 * naming path, e.g. "password file pw must hold one line of 1 to 1024
 * bytes"; the bytes read are wiped. */
passfile_status passfile_read(const char *path, char **pw, size_t *len,
                              int *world_readable, char *err, size_t errlen);

/* Wipe pw[0..len) and free it; NULL is allowed. */
void passfile_free(char *pw, size_t len);

/* "cannot read the file"...; static storage. */
const char *passfile_strerror(passfile_status st);

#ifdef __cplusplus
}
#endif
#endif
