/* folders: the folders of one indexer run and what the index keeps for
 * each (the prefix of its ids, its base url, whether its documents must be
 * read again), together with the folders of the index not in the run. */
#ifndef CGLU_INDEXER_FOLDERS_H
#define CGLU_INDEXER_FOLDERS_H

#include <stddef.h>

#include "common/xapian_c.h"
#include "indexer/runlog.h"

typedef enum {
    FOLDERS_OK = 0,
    FOLDERS_ERR_USAGE, /* the same folder twice, or one inside another */
    FOLDERS_ERR_NOMEM, /* out of memory */
    FOLDERS_ERR_INDEX, /* the index could not be read (err says why) */
} folders_status;

/* Every array has n entries, is malloc'd with its strings and freed by
 * folders_free; args is the caller's. */
typedef struct folders {
    size_t n;                /* folders of the run */
    const char *const *args; /* each folder as given, for messages */
    char **roots;            /* realpath of each: set by the caller */
    char **idprefix;         /* what its ids start with: "" (one folder in
                                the index) or "name/" */
    char **base;             /* base url in force, "" none */
    int *refresh;            /* its ids or urls change: read it all again */
    char **others;           /* folders of the index not in the run
                                (realpaths; nothers of them) */
    size_t nothers;
    int *other_pending; /* per other folder: its ids change at its next run */
    int meta_changed;   /* settings to write even if no document changes */
} folders;

/* Zero f and allocate its per-folder arrays for the n folders args (kept,
 * not copied). */
folders_status folders_init(folders *f, const char *const *args, size_t n);
void folders_free(folders *f); /* NULL allowed; f is zeroed */

/* Usage errors of the folders (every root set), before the index is
 * touched: the same folder twice, or one inside another (its files would
 * get two ids). FOLDERS_ERR_USAGE with err set. */
folders_status folders_check(const folders *f, char *err, size_t errlen);

/* Settle each folder against db (NULL: no index yet): its id prefix among
 * every folder the index will hold (the run's, and the others already in
 * it unless rebuild drops them), the base url in force (given_base when
 * not NULL, else the one the index keeps), and whether its documents must
 * be read again: their id or url changes, an earlier run that changed
 * them was interrupted, or rules_change (the extraction rules changed
 * since they were read). A folder of the index not in the run whose prefix
 * changes is marked, so that its own next run moves its ids. Warnings go
 * to log. */
folders_status folders_settle(folders *f, xc_db *db, int rebuild,
                              int rules_change, const char *given_base,
                              runlog *log, char *err, size_t errlen);

/* Write the folders' metadata into db's open transaction. Not final (a
 * batch of a run under way): only mark the folders being read again, so
 * that an interrupted run is redone whole. final: their new id prefix and
 * base url, and the marks of other folders whose ids change. */
xc_status folders_write_meta(const folders *f, xc_db *db, int final);

#endif
