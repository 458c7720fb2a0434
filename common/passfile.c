/* passfile: the password file shared by the daemon and the client. */
#include "common/passfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errmsg.h"

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

passfile_status passfile_read(const char *path, char **pw, size_t *len,
                              int *world_readable, char *err, size_t errlen)
{
    /* One byte more than the largest file tells a longer one apart. */
    const size_t cap = PASSFILE_MAX_FILE + 1;
    passfile_status rc = PASSFILE_OK;
    struct stat st;
    char *p = NULL;
    size_t n = 0;
    int fd, loose = 0;

    *pw = NULL;
    *len = 0;
    *world_readable = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        rc = PASSFILE_ERR_READ;
        errmsg_set(err, errlen, "cannot read password file %s: %s", path,
                   strerror(errno));
        goto out;
    }
    loose = fstat(fd, &st) == 0 && (st.st_mode & S_IROTH) != 0;
    p = malloc(cap);
    if (p == NULL) {
        rc = PASSFILE_ERR_NOMEM;
        errmsg_set(err, errlen, "out of memory");
        goto out;
    }
    while (n < cap) { /* to the end: a pipe may give it in pieces */
        ssize_t r = read(fd, p + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = PASSFILE_ERR_READ;
            errmsg_set(err, errlen, "cannot read password file %s: %s", path,
                       strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n < cap) /* else the file is longer than PASSFILE_MAX_FILE */
        while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
            n--;
    if (n == 0 || n > PASSFILE_MAX)
        rc = PASSFILE_ERR_SIZE;
    else if (memchr(p, '\n', n) != NULL || memchr(p, '\r', n) != NULL)
        rc = PASSFILE_ERR_LINE;
    else if (is_blank(p[0]) || is_blank(p[n - 1]))
        rc = PASSFILE_ERR_SPACE;
    if (rc == PASSFILE_ERR_SPACE)
        errmsg_set(err, errlen,
                   "password file %s: the password starts or ends with a space "
                   "or tab, which AUTH cannot send",
                   path);
    else if (rc != PASSFILE_OK)
        errmsg_set(err, errlen,
                   "password file %s must hold one line of 1 to %d bytes", path,
                   PASSFILE_MAX);
out:
    if (fd >= 0)
        close(fd);
    if (rc != PASSFILE_OK) {
        if (p != NULL)
            explicit_bzero(p, cap);
        free(p);
        return rc;
    }
    p[n] = '\0';
    *pw = p;
    *len = n;
    *world_readable = loose;
    return PASSFILE_OK;
}

void passfile_free(char *pw, size_t len)
{
    if (pw == NULL)
        return;
    explicit_bzero(pw, len);
    free(pw);
}

const char *passfile_strerror(passfile_status st)
{
    switch (st) {
    case PASSFILE_OK:
        return "success";
    case PASSFILE_ERR_READ:
        return "cannot read the password file";
    case PASSFILE_ERR_SIZE:
        return "the password is empty or too long";
    case PASSFILE_ERR_LINE:
        return "the password file holds more than one line";
    case PASSFILE_ERR_SPACE:
        return "the password starts or ends with a space or tab";
    case PASSFILE_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown passfile status";
}
