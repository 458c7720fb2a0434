/* walk: list the regular files under a root folder, sorted, for the
 * indexer. */
#include "indexer/walk.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/errmsg.h"

typedef struct dir_id {
    dev_t dev;
    ino_t ino;
} dir_id;

/* A linked folder, entered after every real one (see walk.h). */
typedef struct deferred {
    char *path;
    int depth;
} deferred;

typedef struct walker {
    walk_list *list;
    const char *root;  /* as the caller gave it, for messages */
    size_t prefix_len; /* bytes of "root/" in every path */
    char *real;        /* the root, every link resolved */
    size_t max_files;
    int max_depth;
    int follow_links;
    dir_id *seen; /* open addressing set of folders entered; 0/0 free */
    size_t seen_cap, seen_count;
    deferred *later;
    size_t later_count, later_cap;
    char *err;
    size_t errlen;
} walker;

typedef struct name {
    char *s;
    unsigned char type; /* d_type */
} name;

/* strerror, thread-safe and starting lowercase ("no such file ..."). */
static const char *reason(int e, char *b, size_t n)
{
    const char *r = strerror_r(e, b, n);

    if (r != b) {
        snprintf(b, n, "%s", r);
        r = b;
    }
    if (b[0] >= 'A' && b[0] <= 'Z')
        b[0] = (char)(b[0] - 'A' + 'a');
    return r;
}

/* Room for one more item of size bytes in the array *arr (a pointer to a
 * pointer of any type) holding n of *cap: the capacity doubles, from first.
 * 0, or -1 out of memory with the array and *cap unchanged. */
static int grow(void *arr, size_t n, size_t *cap, size_t size, size_t first)
{
    void *old, *p;
    size_t c = *cap ? 2 * *cap : first;

    if (n < *cap)
        return 0;
    memcpy(&old, arr, sizeof old); /* the pointer, whatever its type */
    p = realloc(old, c * size);
    if (p == NULL)
        return -1;
    memcpy(arr, &p, sizeof p);
    *cap = c;
    // cppcheck-suppress memleak ; p is now *arr, stored by the memcpy above
    return 0;
}

/* Append a copy of s to *list (*n entries). 0, or -1 out of memory. */
static int push_str(char ***list, size_t *n, const char *s)
{
    char **grown, *copy;

    /* grow at powers of two: the capacity is implied by *n */
    if ((*n & (*n - 1)) == 0) {
        grown = realloc(*list, (*n ? 2 * *n : 1) * sizeof *grown);
        if (grown == NULL)
            return -1;
        *list = grown;
    }
    copy = strdup(s);
    if (copy == NULL)
        return -1;
    (*list)[(*n)++] = copy;
    return 0;
}

/* Count an entry that could not be read, remember its relative path (the
 * documents under it are not gone) and keep its message while there is
 * room. */
static walk_status note(walker *w, const char *what, const char *path, int e)
{
    walk_list *l = w->list;
    char rb[128], *msg;
    int n;

    /* the root itself (a read error on it): "" stands for everything */
    const char *rel = strlen(path) >= w->prefix_len ? path + w->prefix_len : "";

    l->errors++;
    if (push_str(&l->unreadable, &l->nunreadable, rel) != 0)
        return WALK_ERR_NOMEM; /* else a document could be deleted wrongly */
    if (l->nmessages >= WALK_MAX_MESSAGES)
        return WALK_OK;
    if (l->messages == NULL) {
        l->messages = calloc(WALK_MAX_MESSAGES, sizeof *l->messages);
        if (l->messages == NULL)
            return WALK_OK; /* the count is what matters */
    }
    n = asprintf(&msg, "%s: %s: %s", rel[0] ? rel : w->root, what,
                 reason(e, rb, sizeof rb));
    if (n >= 0)
        l->messages[l->nmessages++] = msg;
    return WALK_OK;
}

/* 1 when a name of the canonical path p below the folder real starts with
 * '.': a link must not publish what the walk itself hides. */
static int hidden_below(const char *p, const char *real)
{
    size_t n = strlen(real);

    for (p += n; *p != '\0'; p++)
        if (*p == '.' && p[-1] == '/')
            return 1;
    return 0;
}

/* 1 when the canonical path p is the folder real or lies below it. */
static int inside(const char *p, const char *real)
{
    size_t n = strlen(real);

    if (strncmp(p, real, n) != 0)
        return 0;
    return p[n] == '\0' || p[n] == '/' || (n > 0 && real[n - 1] == '/');
}

static size_t id_hash(dir_id id, size_t cap)
{
    uint64_t h = (uint64_t)id.dev * 0x9E3779B97F4A7C15u ^ (uint64_t)id.ino;

    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9u;
    h ^= h >> 32;
    return (size_t)h & (cap - 1);
}

static int id_free(dir_id id)
{
    return id.dev == 0 && id.ino == 0;
}

static int seen_has(const walker *w, dir_id id)
{
    size_t k;

    if (w->seen_cap == 0)
        return 0;
    for (k = id_hash(id, w->seen_cap); !id_free(w->seen[k]);
         k = (k + 1) & (w->seen_cap - 1))
        if (w->seen[k].dev == id.dev && w->seen[k].ino == id.ino)
            return 1;
    return 0;
}

static void seen_put(dir_id *set, size_t cap, dir_id id)
{
    size_t k = id_hash(id, cap);

    while (!id_free(set[k]))
        k = (k + 1) & (cap - 1);
    set[k] = id;
}

/* Record a folder as entered; the set stays at most half full. */
static walk_status seen_add(walker *w, dir_id id)
{
    if (id_free(id))
        id.ino = (ino_t)-1; /* 0/0 marks a free slot; no real folder has it */
    if (w->seen_count >= w->max_files) {
        errmsg_set(w->err, w->errlen, "too many folders in %s: more than %zu",
                   w->root, w->max_files);
        return WALK_ERR_TOO_MANY;
    }
    if (2 * (w->seen_count + 1) > w->seen_cap) {
        size_t cap = w->seen_cap ? 2 * w->seen_cap : 256, k;
        dir_id *set = calloc(cap, sizeof *set);
        if (set == NULL)
            return WALK_ERR_NOMEM;
        for (k = 0; k < w->seen_cap; k++)
            if (!id_free(w->seen[k]))
                seen_put(set, cap, w->seen[k]);
        free(w->seen);
        w->seen = set;
        w->seen_cap = cap;
    }
    seen_put(w->seen, w->seen_cap, id);
    w->seen_count++;
    return WALK_OK;
}

/* Takes ownership of path (freed here on failure). */
static walk_status add_file(walker *w, char *path, const struct stat *st)
{
    walk_list *l = w->list;
    walk_entry *e;

    if (l->count >= w->max_files) {
        free(path);
        errmsg_set(w->err, w->errlen, "too many files in %s: more than %zu",
                   w->root, w->max_files);
        return WALK_ERR_TOO_MANY;
    }
    if (grow(&l->items, l->count, &l->cap, sizeof *l->items, 64) != 0) {
        free(path);
        return WALK_ERR_NOMEM;
    }
    e = &l->items[l->count++];
    e->path = path;
    e->relpath = path + w->prefix_len;
    e->size = (int64_t)st->st_size;
    e->mtime = (int64_t)st->st_mtim.tv_sec;
    e->mtime_nsec = st->st_mtim.tv_nsec;
    e->dev = st->st_dev;
    e->ino = st->st_ino;
    return WALK_OK;
}

/* Takes ownership of path. */
static walk_status defer(walker *w, char *path, int depth)
{
    if (grow(&w->later, w->later_count, &w->later_cap, sizeof *w->later, 16) !=
        0) {
        free(path);
        return WALK_ERR_NOMEM;
    }
    w->later[w->later_count].path = path;
    w->later[w->later_count].depth = depth;
    w->later_count++;
    return WALK_OK;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(((const name *)a)->s, ((const name *)b)->s);
}

/* Visible names of folder path, sorted so that the walk is deterministic
 * (which of two paths to one folder is kept must not depend on readdir).
 * An unreadable folder is noted and gives no names. */
static walk_status read_names(walker *w, const char *path, name **out,
                              size_t *count)
{
    walk_status st = WALK_OK;
    name *names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    DIR *d;

    *out = NULL;
    *count = 0;
    d = opendir(path);
    if (d == NULL)
        return note(w, "cannot read folder", path, errno);
    for (;;) {
        errno = 0;
        /* readdir_r is deprecated; readdir is safe on a DIR of our own */
        // cppcheck-suppress readdirCalled
        de = readdir(d);
        if (de == NULL) {
            if (errno != 0)
                st = note(w, "cannot read folder", path, errno);
            break;
        }
        if (de->d_name[0] == '.') /* hidden, and "." and ".." */
            continue;
        if (grow(&names, n, &cap, sizeof *names, 32) != 0) {
            st = WALK_ERR_NOMEM;
            goto out;
        }
        names[n].s = strdup(de->d_name);
        if (names[n].s == NULL) {
            st = WALK_ERR_NOMEM;
            goto out;
        }
        names[n++].type = de->d_type;
    }
    if (n > 1)
        qsort(names, n, sizeof *names, name_cmp);
out:
    closedir(d);
    if (st != WALK_OK) {
        while (n > 0)
            free(names[--n].s);
        free(names);
        return st;
    }
    *out = names;
    *count = n;
    return WALK_OK;
}

/* Is the entry itself a symlink (not what it points to)? */
static int is_link(const char *path, unsigned char type)
{
    struct stat lst;

    if (type != DT_UNKNOWN)
        return type == DT_LNK;
    return lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode);
}

static walk_status walk_dir(walker *w, const char *dir, int depth)
{
    walk_status st = WALK_OK;
    name *names = NULL;
    size_t count = 0, k, dl = strlen(dir);

    st = read_names(w, dir, &names, &count);
    for (k = 0; k < count && st == WALK_OK; k++) {
        size_t nl = strlen(names[k].s);
        int slash = dir[dl - 1] == '/'; /* only the root "/" ends so */
        char *path = malloc(dl + nl + 2);
        struct stat sb;
        dir_id id;

        if (path == NULL) {
            st = WALK_ERR_NOMEM;
            break;
        }
        snprintf(path, dl + nl + 2, "%s%s%s", dir, slash ? "" : "/",
                 names[k].s);
        int link = is_link(path, names[k].type);
        if (link && !w->follow_links) {
            /* where it leads, every link on the way resolved */
            char *target = realpath(path, NULL);
            if (target == NULL) { /* broken, or a loop */
                st = note(w, "cannot follow link", path, errno);
                free(path);
                continue;
            }
            int in = inside(target, w->real);
            int hidden = in && hidden_below(target, w->real);
            free(target);
            if (hidden) {
                free(path);
                continue;
            }
            if (!in) {
                if (push_str(&w->list->outside, &w->list->noutside,
                             path + w->prefix_len) != 0)
                    st = WALK_ERR_NOMEM;
                free(path);
                continue;
            }
        }
        if (stat(path, &sb) != 0) {
            st = note(w, link ? "cannot follow link" : "cannot stat", path,
                      errno);
            free(path);
            continue;
        }
        if (S_ISREG(sb.st_mode)) {
            st = add_file(w, path, &sb);
            continue;
        }
        id.dev = sb.st_dev;
        id.ino = sb.st_ino;
        if (!S_ISDIR(sb.st_mode) || seen_has(w, id)) {
            free(path);
            continue;
        }
        if (depth + 1 > w->max_depth) {
            errmsg_set(w->err, w->errlen,
                       "folder %s is more than %d levels below %s", path,
                       w->max_depth, w->root);
            free(path);
            st = WALK_ERR_TOO_DEEP;
            break;
        }
        if (link) {
            st = defer(w, path, depth + 1);
            continue;
        }
        st = seen_add(w, id);
        if (st == WALK_OK)
            st = walk_dir(w, path, depth + 1);
        free(path);
    }
    for (k = 0; k < count; k++)
        free(names[k].s);
    free(names);
    return st;
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const walk_entry *)a)->relpath,
                  ((const walk_entry *)b)->relpath);
}

walk_status walk_tree(const char *root, walk_list *out, char *err,
                      size_t errlen)
{
    return walk_tree_opts(root, NULL, out, err, errlen);
}

walk_status walk_tree_limits(const char *root, size_t max_files, int max_depth,
                             walk_list *out, char *err, size_t errlen)
{
    walk_options o = {max_files, max_depth, 0};

    return walk_tree_opts(root, &o, out, err, errlen);
}

walk_status walk_tree_opts(const char *root, const walk_options *opt,
                           walk_list *out, char *err, size_t errlen)
{
    static const walk_options defaults = {0, 0, 0};
    walker w = {0};
    walk_status st = WALK_OK;
    char *top = NULL, rb[128];
    size_t rl, k;
    struct stat sb;
    dir_id id;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (root == NULL || out == NULL || root[0] == '\0') {
        st = WALK_ERR_ARG;
        errmsg_set(err, errlen, "no folder given");
        goto out;
    }
    if (opt == NULL)
        opt = &defaults;
    w.list = out;
    w.root = root;
    w.max_files = opt->max_files ? opt->max_files : WALK_MAX_FILES;
    w.max_depth = opt->max_depth > 0 ? opt->max_depth : WALK_MAX_DEPTH;
    w.follow_links = opt->follow_links;
    w.err = err;
    w.errlen = errlen;

    if (stat(root, &sb) != 0) {
        int e = errno;
        st = e == ENOENT || e == ENOTDIR ? WALK_ERR_NOT_FOUND : WALK_ERR_ACCESS;
        errmsg_set(err, errlen, "cannot read folder %s: %s", root,
                   reason(e, rb, sizeof rb));
        goto out;
    }
    if (!S_ISDIR(sb.st_mode)) {
        st = WALK_ERR_NOT_DIR;
        errmsg_set(err, errlen, "cannot read folder %s: %s", root,
                   reason(ENOTDIR, rb, sizeof rb));
        goto out;
    }
    /* the root's own listing must work: an empty result would otherwise
     * look like a folder with nothing in it */
    {
        DIR *d = opendir(root);
        if (d == NULL) {
            st = WALK_ERR_ACCESS;
            errmsg_set(err, errlen, "cannot read folder %s: %s", root,
                       reason(errno, rb, sizeof rb));
            goto out;
        }
        closedir(d);
    }
    /* "corpus//" and "corpus" give the same paths; "/" stays "/" */
    rl = strlen(root);
    while (rl > 1 && root[rl - 1] == '/')
        rl--;
    top = strndup(root, rl);
    if (top == NULL) {
        st = WALK_ERR_NOMEM;
        goto out;
    }
    w.prefix_len = rl + (top[rl - 1] == '/' ? 0 : 1);
    w.real = realpath(top, NULL);
    if (w.real == NULL) {
        st = errno == ENOMEM ? WALK_ERR_NOMEM : WALK_ERR_ACCESS;
        errmsg_set(err, errlen, "cannot read folder %s: %s", root,
                   reason(errno, rb, sizeof rb));
        goto out;
    }

    id.dev = sb.st_dev;
    id.ino = sb.st_ino;
    st = seen_add(&w, id);
    if (st == WALK_OK)
        st = walk_dir(&w, top, 0);
    /* linked folders, in the order found; walking them may add more */
    for (k = 0; k < w.later_count && st == WALK_OK; k++) {
        if (stat(w.later[k].path, &sb) != 0)
            continue; /* it was there a moment ago: nothing to list now */
        id.dev = sb.st_dev;
        id.ino = sb.st_ino;
        if (seen_has(&w, id))
            continue;
        st = seen_add(&w, id);
        if (st == WALK_OK)
            st = walk_dir(&w, w.later[k].path, w.later[k].depth);
    }
    if (st == WALK_OK && out->count > 1)
        qsort(out->items, out->count, sizeof *out->items, entry_cmp);
out:
    if (st == WALK_ERR_NOMEM)
        errmsg_set(err, errlen, "cannot list folder %s: out of memory", root);
    if (st != WALK_OK)
        walk_list_free(out);
    for (k = 0; k < w.later_count; k++)
        free(w.later[k].path);
    free(w.later);
    free(w.seen);
    free(w.real);
    free(top);
    return st;
}

void walk_list_keep(walk_list *list, int (*keep)(const walk_entry *, void *),
                    void *ctx)
{
    size_t n = 0;
    for (size_t k = 0; k < list->count; k++) {
        if (keep(&list->items[k], ctx))
            list->items[n++] = list->items[k];
        else
            free(list->items[k].path);
    }
    list->count = n;
}

walk_status walk_list_pick(const walk_list *src,
                           int (*keep)(const walk_entry *, void *), void *ctx,
                           walk_list *dst)
{
    memset(dst, 0, sizeof *dst);
    for (size_t k = 0; k < src->count; k++) {
        const walk_entry *e = &src->items[k];
        if (!keep(e, ctx))
            continue;
        if (dst->count == dst->cap) {
            size_t cap = dst->cap ? dst->cap * 2 : 64;
            walk_entry *items = realloc(dst->items, cap * sizeof *items);
            if (!items)
                goto nomem;
            dst->items = items;
            dst->cap = cap;
        }
        walk_entry *d = &dst->items[dst->count];
        *d = *e;
        if (!(d->path = strdup(e->path)))
            goto nomem;
        d->relpath = d->path + (e->relpath - e->path);
        dst->count++;
    }
    return WALK_OK;
nomem:
    walk_list_free(dst);
    return WALK_ERR_NOMEM;
}

void walk_list_free(walk_list *list)
{
    size_t k;

    if (list == NULL)
        return;
    for (k = 0; k < list->count; k++)
        free(list->items[k].path);
    free(list->items);
    for (k = 0; k < list->nmessages; k++)
        free(list->messages[k]);
    free(list->messages);
    for (k = 0; k < list->nunreadable; k++)
        free(list->unreadable[k]);
    free(list->unreadable);
    for (k = 0; k < list->noutside; k++)
        free(list->outside[k]);
    free(list->outside);
    memset(list, 0, sizeof *list);
}

const char *walk_strerror(walk_status st)
{
    switch (st) {
    case WALK_OK:
        return "success";
    case WALK_ERR_NOT_FOUND:
        return "no such folder";
    case WALK_ERR_NOT_DIR:
        return "not a folder";
    case WALK_ERR_ACCESS:
        return "cannot read folder";
    case WALK_ERR_TOO_MANY:
        return "too many files";
    case WALK_ERR_TOO_DEEP:
        return "folders nested too deep";
    case WALK_ERR_NOMEM:
        return "out of memory";
    case WALK_ERR_ARG:
        return "invalid argument";
    }
    return "unknown status";
}
