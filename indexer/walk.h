/* walk: list the regular files under a root folder, sorted, for the
 * indexer. */
#ifndef CGLU_INDEXER_WALK_H
#define CGLU_INDEXER_WALK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WALK_MAX_FILES 1000000 /* files, and also folders, per root */
#define WALK_MAX_DEPTH 64      /* folders below the root */
#define WALK_MAX_MESSAGES 16   /* error messages kept (all are counted) */

typedef enum {
    WALK_OK = 0,
    WALK_ERR_NOT_FOUND, /* the root does not exist */
    WALK_ERR_NOT_DIR,   /* the root is not a folder */
    WALK_ERR_ACCESS,    /* the root cannot be opened or read */
    WALK_ERR_TOO_MANY,  /* more than max_files files or folders */
    WALK_ERR_TOO_DEEP,  /* a folder deeper than max_depth below the root */
    WALK_ERR_NOMEM,     /* out of memory */
    WALK_ERR_ARG,       /* NULL root or out */
} walk_status;

typedef struct walk_entry {
    char *path;          /* root '/' relpath: what open() takes */
    const char *relpath; /* points inside path: "a/b.md", '/'-separated */
    int64_t size;        /* bytes (symlinks followed) */
    int64_t mtime;       /* seconds since the epoch */
    long mtime_nsec;     /* nanoseconds part of the mtime */
    dev_t dev;           /* of the file itself (symlinks followed) */
    ino_t ino;
} walk_entry;

/* Everything here is owned by the list and freed by walk_list_free(). */
typedef struct walk_list {
    walk_entry *items; /* sorted by relpath, byte order (strcmp) */
    size_t count;
    size_t cap;      /* allocated items (internal) */
    size_t errors;   /* entries that could not be stat'ed and folders that
                        could not be read: skipped, the walk went on */
    char **messages; /* the first WALK_MAX_MESSAGES of those errors, e.g.
                        "docs/x: cannot read folder: permission denied"
                        (the root as given when it is the root itself) */
    size_t nmessages;
    /* Relative paths of those entries (every one of them; "" for the root
     * itself): a document that lived under one may still be there, so it
     * must not be taken as deleted. */
    char **unreadable;
    size_t nunreadable;
    /* Relative paths of the symlinks not followed because they lead
     * outside the root (walk_options.follow_links off). */
    char **outside;
    size_t noutside;
} walk_list;

typedef struct walk_options {
    size_t max_files; /* files, and separately folders; 0: WALK_MAX_FILES */
    int max_depth;    /* folder depth; 0: WALK_MAX_DEPTH */
    int follow_links; /* follow symlinks that lead outside the root too */
} walk_options;

/* List the regular files under root (a folder). Names starting with '.'
 * are skipped, files and folders alike. A symlink is followed when its
 * target, all links resolved, lies inside the root (or opt->follow_links
 * is set); one that leads outside is listed in outside and not followed,
 * so that no file from elsewhere is ever published. A folder is entered
 * once (same dev and inode), so loops end and nothing is listed twice
 * (a link to a hidden name inside the root is skipped like the name)
 * through two folder links. Real folders win over links to them: a linked
 * folder is entered only after every real one was. Other file types
 * (fifos, sockets, devices) are ignored. A broken link, a link loop or an
 * unreadable folder is an error entry (errors, messages, unreadable) and
 * the walk goes on.
 * WALK_OK: *out holds the list (free it with walk_list_free()). Any other
 * status: *out is empty (items NULL, count 0) and, when err is not NULL, a
 * message is written there: "cannot read folder PATH: reason" for the
 * root, or which limit was passed. opt may be NULL (defaults). */
walk_status walk_tree_opts(const char *root, const walk_options *opt,
                           walk_list *out, char *err, size_t errlen);

/* walk_tree_opts with the default options. */
walk_status walk_tree(const char *root, walk_list *out, char *err,
                      size_t errlen);

/* walk_tree with other limits (0 means the default): max_files bounds the
 * files and, separately, the folders; max_depth the folder depth. */
walk_status walk_tree_limits(const char *root, size_t max_files, int max_depth,
                             walk_list *out, char *err, size_t errlen);

/* Keep the entries for which keep(entry, ctx) is 1, in their order; the
 * others are freed. The error, unreadable and outside lists stay. */
void walk_list_keep(walk_list *list, int (*keep)(const walk_entry *, void *),
                    void *ctx);

/* Copy into *dst the entries of src for which keep(entry, ctx) is 1, in
 * their order (keep sees every entry, in order); none of src's error,
 * unreadable and outside lists. WALK_OK, or WALK_ERR_NOMEM with *dst
 * empty. Free *dst with walk_list_free(). */
walk_status walk_list_pick(const walk_list *src,
                           int (*keep)(const walk_entry *, void *), void *ctx,
                           walk_list *dst);

/* Free everything the list holds and zero it (NULL is allowed). */
void walk_list_free(walk_list *list);

const char *walk_strerror(walk_status st);

#ifdef __cplusplus
}
#endif
#endif
