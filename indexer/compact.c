/* compact: Xapian's compaction into a sibling folder, then an atomic
 * exchange of the two folders. Why: a database built by commits leaves
 * its B-tree blocks partly empty; compacted, man-fr's index is 20 % smaller
 * and large-fr's 17 % (docs/BENCHMARKS.md, issue #15). */
#include "indexer/compact.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/errmsg.h"

/* Open file descriptors nftw may use. */
#define COMPACT_FTW_FDS 16

static int remove_entry(const char *p, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return (flag == FTW_DP ? rmdir(p) : unlink(p)) == 0 || errno == ENOENT ? 0
                                                                           : -1;
}

int compact_remove_tree(const char *p)
{
    struct stat st;
    if (lstat(p, &st) != 0)
        return errno == ENOENT ? 0 : -1;
    return nftw(p, remove_entry, COMPACT_FTW_FDS, FTW_DEPTH | FTW_PHYS);
}

int compact_tmp_path(const char *path, char *out, size_t n)
{
    int w = snprintf(out, n, "%s%s", path, COMPACT_SUFFIX);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

compact_status compact_exchange(const char *path, const char *tmp, char *err,
                                size_t errlen)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) != 0) {
        int e = errno;
        compact_remove_tree(tmp);
        errmsg_set(err, errlen,
                   "cannot put the compacted index in place of "
                   "%s: %s",
                   path, strerror(e));
        return e == EINVAL || e == ENOSYS || e == EXDEV ? COMPACT_UNSUPPORTED
                                                        : COMPACT_ERR;
    }
    /* tmp now holds the index as built */
    errmsg_set(err, errlen, "%s", "");
    if (compact_remove_tree(tmp) != 0)
        errmsg_set(err, errlen, "compacted, but cannot remove %s: %s", tmp,
                   strerror(errno));
    return COMPACT_OK;
}

compact_status compact_swap(xc_db *db, const char *path, char *err,
                            size_t errlen)
{
    char tmp[PATH_MAX];
    if (compact_tmp_path(path, tmp, sizeof tmp) != 0) {
        errmsg_set(err, errlen, "cannot compact %s: path too long", path);
        return COMPACT_ERR;
    }
    if (compact_remove_tree(tmp) != 0) {
        errmsg_set(err, errlen, "cannot remove %s: %s", tmp, strerror(errno));
        return COMPACT_ERR;
    }
    if (xc_compact(db, tmp) != XC_OK) {
        errmsg_set(err, errlen, "%s", xc_errmsg(db));
        compact_remove_tree(tmp);
        return COMPACT_ERR;
    }
    return compact_exchange(path, tmp, err, errlen);
}
