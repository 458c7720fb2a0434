/* unit_util: what several unit tests share (header only): a temporary
 * folder under /tmp with an index path in it, and its removal. */
#ifndef CGLU_TESTS_UNIT_UTIL_H
#define CGLU_TESTS_UNIT_UTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdtemp a folder /tmp/NAME.XXXXXX into dir, and dir/db into db. 0, or
 * -1 when the folder cannot be made. */
static inline int unit_tmpdir(const char *name, char *dir, size_t dirlen,
                              char *db, size_t dblen)
{
    snprintf(dir, dirlen, "/tmp/%s.XXXXXX", name);
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(db, dblen, "%s/db", dir);
    return 0;
}

static inline int unit_rm_entry(const char *path, const struct stat *sb,
                                int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* Remove dir and everything in it (links are removed, not followed). 0, or
 * -1 when something stays. */
static inline int unit_rmtree(const char *dir)
{
    return nftw(dir, unit_rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

#endif
