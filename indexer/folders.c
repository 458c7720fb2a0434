/* folders: id prefixes, base urls and re-read marks of the indexed
 * folders, kept in the index's metadata under one key per folder. */
#include "indexer/folders.h"

#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/schema.h"

/* Per-folder metadata: key prefix, then the folder's hash and what. */
#define META_ROOT "cglu.root."
#define META_ID ".idprefix"     /* what ids of its documents start with */
#define META_URL ".baseurl"     /* --base-url in force for it ("" none) */
#define META_PENDING ".pending" /* "1": its documents must be read again */
/* Bytes of such a key: the prefix, 16 hex digits, the longest what. */
#define META_KEY_MAX 64

folders_status folders_init(folders *f, const char *const *args, size_t n)
{
    memset(f, 0, sizeof *f);
    f->n = n;
    f->args = args;
    if (!(f->roots = calloc(n, sizeof *f->roots)) ||
        !(f->idprefix = calloc(n, sizeof *f->idprefix)) ||
        !(f->base = calloc(n, sizeof *f->base)) ||
        !(f->refresh = calloc(n, sizeof *f->refresh)))
        return FOLDERS_ERR_NOMEM;
    return FOLDERS_OK;
}

void folders_free(folders *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n && f->roots; i++)
        free(f->roots[i]);
    for (size_t i = 0; i < f->n && f->idprefix; i++)
        free(f->idprefix[i]);
    for (size_t i = 0; i < f->n && f->base; i++)
        free(f->base[i]);
    free(f->roots);
    free(f->idprefix);
    free(f->base);
    free(f->refresh);
    for (size_t i = 0; i < f->nothers; i++)
        free(f->others[i]);
    free(f->others);
    free(f->other_pending);
    memset(f, 0, sizeof *f);
}

/* The metadata key of folder root (a realpath) for what (META_ID, ...):
 * its hash, since keys have a length limit and paths do not. */
static void root_key(const char *root, const char *what, char key[META_KEY_MAX])
{
    snprintf(key, META_KEY_MAX, META_ROOT "%016" PRIx64 "%s",
             schema_hash(root, strlen(root)), what);
}

/* The last k names of path (all of it, without its leading '/', when it
 * has fewer), then '/': malloc'd, NULL out of memory. */
static char *path_tail(const char *path, int k)
{
    const char *p = path + strlen(path);
    int seen = 0;
    char *out;

    while (p > path && seen < k)
        if (*--p == '/')
            seen++;
    if (*p == '/')
        p++;
    return asprintf(&out, "%s/", p) < 0 ? NULL : out;
}

/* 1 when no prefix is another's, nor the start of another's (a prefix
 * "a/" and a prefix "a/site/" could give the same id). */
static int prefixes_apart(char *const *pre, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (i != j && strncmp(pre[j], pre[i], strlen(pre[i])) == 0)
                return 0;
    return 1;
}

folders_status folders_check(const folders *f, char *err, size_t errlen)
{
    for (size_t i = 0; i < f->n; i++)
        for (size_t j = 0; j < f->n; j++) {
            if (i == j || !f->roots[i] || !f->roots[j])
                continue; /* every root is set by now; the analyzer can't
                             tell */
            size_t n = strlen(f->roots[j]);
            if (strcmp(f->roots[i], f->roots[j]) == 0) {
                snprintf(err, errlen, "folder %s given twice (as %s and %s)",
                         f->roots[i], f->args[j], f->args[i]);
                return FOLDERS_ERR_USAGE;
            }
            if (strncmp(f->roots[i], f->roots[j], n) == 0 &&
                (f->roots[i][n] == '/' || n == 1)) {
                snprintf(err, errlen,
                         "folder %s is inside folder %s: give only one of "
                         "them",
                         f->args[i], f->args[j]);
                return FOLDERS_ERR_USAGE;
            }
        }
    return FOLDERS_OK;
}

/* Id prefixes of the folders paths[0..n) (realpaths, distinct) into
 * pre[0..n) (malloc'd): "" for a lone folder, as ids always were; else the
 * shortest tail of each path that no other path ends with ("fr/", "en/";
 * "a/site/", "b/site/"). When such tails could still make one id twice (a
 * prefix "a/" beside "a/site/"), every folder takes as many names as the
 * one that needs most. 0, or -1 out of memory. */
static int make_prefixes(char *const *paths, size_t n, char **pre)
{
    int kmax = 1;

    for (size_t i = 0; i < n; i++)
        pre[i] = NULL;
    if (n == 1)
        return (pre[0] = strdup("")) ? 0 : -1;
    for (size_t i = 0; i < n; i++) {
        /* distinct paths differ at the latest once one is used whole */
        for (int k = 1;; k++) {
            char *mine = path_tail(paths[i], k);
            int alike = 0;
            if (!mine)
                return -1;
            for (size_t j = 0; j < n && !alike; j++) {
                char *other = j == i ? NULL : path_tail(paths[j], k);
                if (j != i && !other) {
                    free(mine);
                    return -1;
                }
                alike = other && strcmp(mine, other) == 0;
                free(other);
            }
            if (!alike || k >= PATH_MAX) {
                pre[i] = mine;
                kmax = k > kmax ? k : kmax;
                break;
            }
            free(mine);
        }
    }
    if (prefixes_apart(pre, n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        free(pre[i]);
        if (!(pre[i] = path_tail(paths[i], kmax)))
            return -1;
    }
    return 0;
}

typedef struct {
    folders *f;
    int oom;
} roots_ctx;

/* xc_allterms callback over R terms: folders of the index not in the run. */
static int collect_root(const char *term, size_t len, uint32_t tf, void *ctx)
{
    roots_ctx *c = ctx;
    folders *f = c->f;
    size_t pl = strlen(SCHEMA_P_ROOT);
    (void)tf;
    if (len <= pl || len >= SCHEMA_TERM_MAX - SCHEMA_CUT_TAIL)
        return 0; /* a path cut and hashed: not recoverable, left out */
    if (term[pl] != '/')
        return 0; /* not a folder (an absolute path): the feed's documents
                     (indexer/feeddoc) have ids of their own */
    for (size_t i = 0; i < f->n; i++)
        if (strlen(f->roots[i]) == len - pl &&
            memcmp(f->roots[i], term + pl, len - pl) == 0)
            return 0;
    if (f->nothers % 16 == 0) {
        char **g = realloc(f->others, (f->nothers + 16) * sizeof *g);
        if (!g) {
            c->oom = 1;
            return 1;
        }
        f->others = g;
    }
    if (!(f->others[f->nothers] = strndup(term + pl, len - pl))) {
        c->oom = 1;
        return 1;
    }
    f->nothers++;
    return 0;
}

/* 1 when the index holds documents of folder root. */
static int folder_known(xc_db *db, const char *root)
{
    char term[SCHEMA_TERM_MAX + 1];
    uint32_t n = 0;

    if (!db)
        return 0;
    schema_term(SCHEMA_P_ROOT, root, strlen(root), term);
    return xc_termfreq(db, term, &n) == XC_OK && n > 0;
}

/* A per-folder metadata value ("" when absent); NULL on an index error. */
static char *folder_meta(xc_db *db, const char *root, const char *what)
{
    char key[META_KEY_MAX], *v = NULL;

    root_key(root, what, key);
    if (!db)
        return strdup("");
    return xc_metadata_get(db, key, &v) == XC_OK ? v : NULL;
}

folders_status folders_settle(folders *f, xc_db *db, int rebuild,
                              int rules_change, const char *given_base,
                              runlog *log, char *err, size_t errlen)
{
    char **all = NULL, **pre = NULL;
    folders_status st = FOLDERS_ERR_INDEX;
    size_t nall = 0;

    if (db && !rebuild) { /* a rebuild drops the other folders */
        roots_ctx c = {f, 0};
        if (xc_allterms(db, SCHEMA_P_ROOT, collect_root, &c) != XC_OK)
            goto xerr;
        if (c.oom)
            goto nomem;
    }
    f->other_pending = calloc(f->nothers + 1, sizeof *f->other_pending);
    if (!f->other_pending)
        goto nomem;
    nall = f->n + f->nothers;
    all = calloc(nall, sizeof *all);
    pre = calloc(nall, sizeof *pre);
    if (!all || !pre)
        goto nomem;
    memcpy(all, f->roots, f->n * sizeof *all);
    if (f->nothers) /* others is NULL when there are none */
        memcpy(all + f->n, f->others, f->nothers * sizeof *all);
    if (make_prefixes(all, nall, pre) != 0)
        goto nomem;
    for (size_t i = 0; i < nall; i++) {
        int mine = i < f->n;
        char *kid = folder_meta(db, all[i], META_ID);
        char *kurl = folder_meta(db, all[i], META_URL);
        char *pend = folder_meta(db, all[i], META_PENDING);
        if (!kid || !kurl || !pend) {
            free(kid);
            free(kurl);
            free(pend);
            goto xerr;
        }
        int id_changes = strcmp(pre[i], kid) != 0;
        if (mine) {
            f->idprefix[i] = pre[i];
            pre[i] = NULL;
            f->base[i] = strdup(given_base ? given_base : kurl);
            if (!f->base[i]) {
                free(kid);
                free(kurl);
                free(pend);
                goto nomem;
            }
            int url_changes = strcmp(f->base[i], kurl) != 0;
            f->refresh[i] = url_changes || id_changes || rules_change ||
                            strcmp(pend, "1") == 0;
            if (url_changes && folder_known(db, all[i]))
                runlog_printf(log, RUNLOG_WARN,
                              "base url of %s changes from %s to %s: its "
                              "pages are read again",
                              f->args[i], kurl[0] ? kurl : "none",
                              f->base[i][0] ? f->base[i] : "none");
            if (id_changes && kid[0] != '\0')
                runlog_printf(log, RUNLOG_WARN,
                              "ids of %s now start with \"%s\" (were "
                              "\"%s\"): its pages are read again",
                              f->args[i], f->idprefix[i], kid);
            f->meta_changed |= f->refresh[i];
        } else if (id_changes || rules_change) {
            f->other_pending[i - f->n] = 1;
            f->meta_changed = 1;
            if (id_changes)
                runlog_printf(log, RUNLOG_WARN,
                              "ids of %s will start with \"%s\" from its "
                              "next run (now \"%s\"): another folder joined "
                              "the index",
                              all[i], pre[i], kid);
        }
        free(kid);
        free(kurl);
        free(pend);
    }
    st = FOLDERS_OK;
    goto out;
nomem:
    snprintf(err, errlen, "out of memory");
    st = FOLDERS_ERR_NOMEM;
    goto out;
xerr:
    snprintf(err, errlen, "%s", xc_errmsg(db));
out:
    for (size_t i = 0; pre && i < nall; i++)
        free(pre[i]);
    free(pre);
    free(all);
    return st;
}

xc_status folders_write_meta(const folders *f, xc_db *db, int final)
{
    xc_status st = XC_OK;

    /* While a run that changes ids or urls is under way, its folders are
     * marked, so that an interrupted run is redone whole; the new values
     * are written when it completes. */
    for (size_t i = 0; st == XC_OK && i < f->n; i++) {
        char key[META_KEY_MAX];
        root_key(f->roots[i], META_PENDING, key);
        if (!final) {
            if (f->refresh[i])
                st = xc_metadata_set(db, key, "1");
            continue;
        }
        st = xc_metadata_set(db, key, "");
        root_key(f->roots[i], META_ID, key);
        if (st == XC_OK)
            st = xc_metadata_set(db, key, f->idprefix[i]);
        root_key(f->roots[i], META_URL, key);
        if (st == XC_OK)
            st = xc_metadata_set(db, key, f->base[i]);
    }
    for (size_t i = 0; final && st == XC_OK && i < f->nothers; i++) {
        char key[META_KEY_MAX];
        root_key(f->others[i], META_PENDING, key);
        if (f->other_pending[i])
            st = xc_metadata_set(db, key, "1");
    }
    return st;
}
