/* compact: after a full build, the index rewritten by Xapian's compaction
 * and put in place of the built one in one step, so that a reader opening
 * the path finds the old directory or the new one, never a mix or none. */
#ifndef CGLU_INDEXER_COMPACT_H
#define CGLU_INDEXER_COMPACT_H

#include <stddef.h>

#include "common/xapian_c.h"

/* Where the compacted copy is written: the index's path + this. A copy
 * left by a run that was killed is removed by the next compaction. */
#define COMPACT_SUFFIX ".compact"

typedef enum {
    COMPACT_OK = 0,
    COMPACT_UNSUPPORTED, /* the file system cannot exchange two folders:
                            the index stays as built (err says why) */
    COMPACT_ERR,         /* compaction failed: the index stays as built */
} compact_status;

/* Compact db (a writer, committed, open at path) into path COMPACT_SUFFIX,
 * exchange the two folders (renameat2 RENAME_EXCHANGE) and remove the old
 * one. db then reads a deleted folder: the caller closes it and writes
 * nothing more. err gets why on failure, and on COMPACT_OK a warning when
 * the old folder could not be removed ("" otherwise). */
compact_status compact_swap(xc_db *db, const char *path, char *err,
                            size_t errlen);

/* The path of path's compacted copy into out (n bytes): path
 * COMPACT_SUFFIX. 0, or -1 when it does not fit. */
int compact_tmp_path(const char *path, char *out, size_t n);

/* Put the committed database in folder tmp in place of folder path in one
 * step (renameat2 RENAME_EXCHANGE), then remove the old one (now at tmp).
 * Statuses and err as compact_swap's; on failure tmp is removed and path
 * left as it was. */
compact_status compact_exchange(const char *path, const char *tmp, char *err,
                                size_t errlen);

/* Remove folder path and what it holds (symlinks not followed): 0 when it
 * is gone (or was not), -1 with errno set. */
int compact_remove_tree(const char *path);

#endif
