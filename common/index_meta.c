/* index_meta: one rule for "can this program use this index", and a
 * revision watch that goes through the Xapian wrapper. */
#include "common/index_meta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/analyze.h"
#include "common/errmsg.h"
#include "common/schema.h"

struct index_meta_watch {
    char *path;
    xc_db *db;    /* NULL while the index cannot be opened */
    int readable; /* as of the last look */
    uint64_t rev; /* revision and UUID of the last look */
    char uuid[XC_UUID_LEN];
    index_meta_folder folder; /* the folder db was opened in */
};

const char *index_meta_strerror(index_meta_status st)
{
    switch (st) {
    case INDEX_META_OK:
        return "success";
    case INDEX_META_EMPTY:
        return "index without documents";
    case INDEX_META_ERR_FORMAT:
        return "index of another layout";
    case INDEX_META_ERR_ANALYZER:
        return "index built by another analyzer";
    case INDEX_META_ERR_LANG:
        return "index of another language";
    case INDEX_META_ERR_READ:
        return "cannot read index";
    case INDEX_META_ERR_NOMEM:
        return "out of memory";
    case INDEX_META_ERR_ARG:
        return "bad argument";
    }
    return "unknown status";
}

void index_meta_info_free(index_meta_info *info)
{
    if (!info)
        return;
    free(info->format);
    free(info->analyzer);
    free(info->lang);
    free(info->extract);
    info->format = info->analyzer = info->lang = info->extract = NULL;
}

index_meta_status index_meta_check(xc_db *db, const char *want_lang,
                                   index_meta_info *out, char *err,
                                   size_t errlen)
{
    index_meta_info mi = {0};
    index_meta_status st = INDEX_META_ERR_READ;
    char *rebuild = NULL;

    errmsg_set(err, errlen, "%s", "");
    if (out)
        memset(out, 0, sizeof *out);
    if (!db || !out) {
        errmsg_set(err, errlen, "no index handle or result given");
        return INDEX_META_ERR_ARG;
    }
    xc_status xs = xc_doccount(db, &mi.doccount);
    if (xs == XC_OK)
        xs = xc_metadata_get(db, SCHEMA_M_FORMAT, &mi.format);
    if (xs == XC_OK)
        xs = xc_metadata_get(db, SCHEMA_M_ANALYZER, &mi.analyzer);
    if (xs == XC_OK)
        xs = xc_metadata_get(db, SCHEMA_M_LANG, &mi.lang);
    if (xs == XC_OK)
        xs = xc_metadata_get(db, SCHEMA_M_EXTRACT, &mi.extract);
    if (xs == XC_OK)
        xs = xc_metadata_get(db, SCHEMA_M_REBUILD, &rebuild);
    if (xs != XC_OK) {
        st = xs == XC_ERR_NOMEM ? INDEX_META_ERR_NOMEM : INDEX_META_ERR_READ;
        errmsg_set(err, errlen, "%s", xc_errmsg(db));
        goto fail;
    }
    mi.revision = xc_revision(db);
    mi.rebuilding = strcmp(rebuild, "1") == 0;
    if (mi.doccount == 0) {
        st = INDEX_META_EMPTY;
        if (mi.lang[0] == '\0') {
            free(mi.lang);
            mi.lang = strdup(INDEX_META_DEFAULT_LANG);
            if (!mi.lang) {
                st = INDEX_META_ERR_NOMEM;
                errmsg_set(err, errlen, "out of memory");
                goto fail;
            }
        }
    } else if (strcmp(mi.format, SCHEMA_FORMAT) != 0) {
        st = INDEX_META_ERR_FORMAT;
        errmsg_set(err, errlen, "layout \"%s\", not \"%s\"", mi.format,
                   SCHEMA_FORMAT);
    } else if (strcmp(mi.analyzer, ANALYZE_VERSION) != 0) {
        st = INDEX_META_ERR_ANALYZER;
        errmsg_set(err, errlen, "analyzer \"%s\", not \"%s\"", mi.analyzer,
                   ANALYZE_VERSION);
    } else if (want_lang && strcmp(mi.lang, want_lang) != 0) {
        st = INDEX_META_ERR_LANG;
        errmsg_set(err, errlen, "language \"%s\", not \"%s\"", mi.lang,
                   want_lang);
    } else {
        st = INDEX_META_OK;
    }
    free(rebuild);
    *out = mi;
    return st;
fail:
    free(rebuild);
    index_meta_info_free(&mi);
    return st;
}

int index_meta_folder_id(const char *path, index_meta_folder *id)
{
    struct stat st;
    char stub[4096];
    memset(id, 0, sizeof *id);
    if (!path || stat(path, &st) != 0)
        return -1;
    id->dev = (uint64_t)st.st_dev;
    id->ino = (uint64_t)st.st_ino;
    /* a stub's list of shards, rewritten or edited, is another index */
    if (snprintf(stub, sizeof stub, "%s/XAPIANDB", path) < (int)sizeof stub &&
        stat(stub, &st) == 0) {
        id->stub_ino = (uint64_t)st.st_ino;
        id->stub_mtime_ns =
            (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    }
    return 0;
}

int index_meta_folder_same(const index_meta_folder *a,
                           const index_meta_folder *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->stub_ino == b->stub_ino &&
           a->stub_mtime_ns == b->stub_mtime_ns;
}

/* ---- revision watch ---------------------------------------------------- */

index_meta_status index_meta_watch_new(const char *path, index_meta_watch **out)
{
    index_meta_watch *w;

    if (!out)
        return INDEX_META_ERR_ARG;
    *out = NULL;
    if (!path || !*path)
        return INDEX_META_ERR_ARG;
    w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        return INDEX_META_ERR_NOMEM;
    }
    /* A first look, so that the next one compares with now; an index that
     * cannot be read yet is reported by the first poll that can. */
    index_meta_folder_id(path, &w->folder);
    if (xc_open_read(path, &w->db, NULL, 0) == XC_OK) {
        xc_set_partial(w->db, 1); /* a down shard is a state, not an end */
        w->rev = xc_revision(w->db);
        w->readable = xc_uuid(w->db, w->uuid) == XC_OK;
    }
    *out = w;
    return INDEX_META_OK;
}

void index_meta_watch_free(index_meta_watch *w)
{
    if (!w)
        return;
    xc_close(w->db);
    free(w->path);
    free(w);
}

xc_db *index_meta_watch_db(const index_meta_watch *w)
{
    return w ? w->db : NULL;
}

const char *index_meta_watch_uuid(const index_meta_watch *w)
{
    return w->readable ? w->uuid : "";
}

index_meta_status index_meta_watch_poll(index_meta_watch *w, int *changed,
                                        uint64_t *revision, char *err,
                                        size_t errlen)
{
    char uuid[XC_UUID_LEN];
    char msg[512];

    errmsg_set(err, errlen, "%s", "");
    if (changed)
        *changed = 0;
    if (revision)
        *revision = 0;
    if (!w || !changed || !revision) {
        errmsg_set(err, errlen, "no watch or result given");
        return INDEX_META_ERR_ARG;
    }
    /* The cheap path: Xapian's reopen reads the version file and returns
     * at once when the revision is the same. */
    index_meta_folder now;
    index_meta_folder_id(w->path, &now);
    int moved = 0; /* remote shards: one went or came back, a shard's or
                      the dictionary's database was replaced */
    if (w->db && index_meta_folder_same(&now, &w->folder) &&
        xc_reopen(w->db, &moved) == XC_OK && xc_uuid(w->db, uuid) == XC_OK &&
        strcmp(uuid, w->uuid) == 0) {
        uint64_t rev = xc_revision(w->db);
        *changed = rev != w->rev || moved;
        *revision = w->rev = rev;
        return INDEX_META_OK;
    }
    /* Gone, unreadable, or another database under the same path (whose
     * revision number may well be the same): a fresh handle, so that what
     * is compared is that database's. */
    xc_close(w->db);
    w->db = NULL;
    w->folder = now;
    if (xc_open_read(w->path, &w->db, msg, sizeof msg) == XC_OK)
        xc_set_partial(w->db, 1);
    if (!w->db || xc_uuid(w->db, uuid) != XC_OK) {
        if (w->db)
            snprintf(msg, sizeof msg, "%s", xc_errmsg(w->db));
        xc_close(w->db);
        w->db = NULL;
        *changed = w->readable;
        w->readable = 0;
        errmsg_set(err, errlen, "%s", msg);
        return INDEX_META_ERR_READ;
    }
    uint64_t rev = xc_revision(w->db);
    *changed = !w->readable || rev != w->rev || strcmp(uuid, w->uuid) != 0;
    w->readable = 1;
    w->rev = rev;
    memcpy(w->uuid, uuid, sizeof uuid);
    *revision = rev;
    return INDEX_META_OK;
}
