/* sync: the indexer's main loop — walk, compare, extract, analyse, write. */
#include "indexer/sync.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/analyze.h"
#include "common/schema.h"
#include "common/xapian_c.h"
#include "indexer/docbuild.h"
#include "indexer/extract.h"
#include "indexer/spell.h"
#include "indexer/walk.h"

#define PIDFILE "cglu-index.pid"
/* Xapian buffers about 11 MB of changes per MB of input; 1 MB batches keep
 * the indexer near 24 MB of RSS and cost no measurable speed (1, 2, 4 and 8
 * MB all index man-fr in 1.5 s). */
#define DEFAULT_BATCH ((size_t)1 << 20)

typedef struct run {
    const sync_options *opt;
    sync_report *rep;
    analyzer *an;
    xc_db *db; /* writer, or reader in a dry run (NULL: no index yet) */
    spell_table *spell;
    char **roots; /* realpath of each folder */
    size_t nroots;
    walk_list *lists;
    char **present; /* ids that stay in the index, sorted at the end */
    size_t npresent, cappresent;
    char *buf; /* file contents, reused */
    size_t bufcap;
    size_t batch; /* input bytes since the last commit */
    size_t done, total;
    double t0, last_bar;
    int pidfile; /* 1 when we wrote the pid file */
    int bar_shown;
} run;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void logf_(run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void logf_(run *r, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    if (!r->opt->log)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (r->bar_shown) {
        fputs("\r\033[K", stderr);
        r->bar_shown = 0;
    }
    r->opt->log(line, r->opt->log_ctx);
}

static void progress(run *r, int final)
{
    if (!r->opt->progress)
        return;
    double t = now();
    if (!final && t - r->last_bar < 0.1)
        return;
    r->last_bar = t;
    double el = t - r->t0;
    double mbs = el > 0 ? (double)r->rep->bytes / el / 1e6 : 0;
    double eta = r->done ? el * (double)(r->total - r->done) / r->done : 0;
    int width = 30;
    int fill = r->total ? (int)((double)width * r->done / r->total) : width;
    fprintf(stderr, "\r\033[K[%.*s%*s] %zu/%zu files  %.1f MB/s  ETA %.0fs",
            fill, "##############################", width - fill, "", r->done,
            r->total, mbs, eta);
    r->bar_shown = 1;
    if (final) {
        fputs("\r\033[K", stderr);
        r->bar_shown = 0;
    }
}

static int add_present(run *r, const char *id)
{
    if (r->npresent == r->cappresent) {
        size_t cap = r->cappresent ? r->cappresent * 2 : 256;
        char **p = realloc(r->present, cap * sizeof *p);
        if (!p)
            return -1;
        r->present = p;
        r->cappresent = cap;
    }
    r->present[r->npresent++] = (char *)id; /* owned by the walk lists */
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_present(const run *r, const char *id)
{
    return bsearch(&id, r->present, r->npresent, sizeof *r->present, cmp_str) !=
           NULL;
}

static int is_our_root(const run *r, const char *root)
{
    for (size_t i = 0; i < r->nroots; i++)
        if (strcmp(r->roots[i], root) == 0)
            return 1;
    return 0;
}

/* Read the whole file into r->buf; 0 on success, else errno. */
static int read_file(run *r, const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    int e = 0;
    *len = 0;
    if (fd < 0)
        return errno;
    if (fstat(fd, &st) < 0) {
        e = errno;
        goto out;
    }
    size_t want = (size_t)st.st_size;
    if (want + 1 > r->bufcap) {
        char *b = realloc(r->buf, want + 1);
        if (!b) {
            e = ENOMEM;
            goto out;
        }
        r->buf = b;
        r->bufcap = want + 1;
    }
    while (*len < want) {
        ssize_t n = read(fd, r->buf + *len, want - *len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            e = errno;
            goto out;
        }
        if (n == 0)
            break; /* shrank while we read: index what is there */
        *len += (size_t)n;
    }
out:
    close(fd);
    return e;
}

/* Subtract the spelling words of a stored document (data: id\0title\0url\0
 * text). */
static int unspell(run *r, const char *data, size_t len)
{
    const char *end = data + len;
    const char *title = memchr(data, '\0', len);
    if (!title)
        return 0;
    title++;
    const char *url = memchr(title, '\0', (size_t)(end - title));
    if (!url)
        return 0;
    if (docbuild_spell_text(r->an, title, (size_t)(url - title), r->spell,
                            -1) != DOCBUILD_OK)
        return -1;
    const char *text = memchr(url + 1, '\0', (size_t)(end - url - 1));
    if (!text)
        return 0;
    text++;
    return docbuild_spell_text(r->an, text, (size_t)(end - text), r->spell,
                               -1) == DOCBUILD_OK
               ? 0
               : -1;
}

static int commit_batch(run *r, char *err, size_t errlen)
{
    if (spell_flush(r->spell, r->db) != SPELL_OK || xc_commit(r->db) != XC_OK ||
        xc_begin(r->db) != XC_OK) {
        snprintf(err, errlen, "cannot write index %s: %s", r->opt->db_path,
                 xc_errmsg(r->db));
        return -1;
    }
    r->batch = 0;
    return 0;
}

typedef enum { F_UNCHANGED, F_ADDED, F_UPDATED, F_SKIPPED, F_FAILED } fate;

/* Index one walked file. Returns its fate; -1 on a fatal index error. */
static int do_file(run *r, const char *root, const walk_entry *e, char *err,
                   size_t errlen)
{
    char idterm[SCHEMA_TERM_MAX + 1];
    char *old = NULL, *vals[4] = {0};
    size_t oldlen = 0, len;
    int found = 0, result = F_FAILED;
    extract_doc doc = {0};
    xc_doc *xd = NULL;
    char why[256];
    size_t maxsz =
        r->opt->max_file_size ? r->opt->max_file_size : EXTRACT_MAX_SIZE;

    schema_term(SCHEMA_P_ID, e->relpath, strlen(e->relpath), idterm);
    if (extract_format_of(e->relpath) == EXTRACT_FMT_NONE) {
        logf_(r, "skipped %s: %s", e->relpath,
              extract_strerror(EXTRACT_SKIP_TYPE));
        return F_SKIPPED;
    }
    if ((uint64_t)e->size > (uint64_t)maxsz) {
        logf_(r, "skipped %s: larger than %zu MB", e->relpath, maxsz >> 20);
        return F_SKIPPED;
    }
    if (r->db) {
        xc_status st = xc_get_by_id(r->db, idterm, NULL, NULL, vals, 4);
        if (st == XC_OK)
            found = 1;
        else if (st != XC_ERR_NOTFOUND) {
            snprintf(err, errlen, "cannot read index %s: %s", r->opt->db_path,
                     xc_errmsg(r->db));
            return -1;
        }
    }
    char mt[32], sz[32];
    snprintf(mt, sizeof mt, "%" PRId64, (int64_t)e->mtime);
    snprintf(sz, sizeof sz, "%" PRIu64, (uint64_t)e->size);
    if (found && strcmp(vals[SCHEMA_V_MTIME], mt) == 0 &&
        strcmp(vals[SCHEMA_V_SIZE], sz) == 0 &&
        strcmp(vals[SCHEMA_V_ROOT], root) == 0) {
        result = F_UNCHANGED;
        goto out;
    }
    int eno = read_file(r, e->path, &len);
    if (eno) {
        logf_(r, "failed %s: %s", e->relpath, strerror(eno));
        result = F_FAILED;
        goto out;
    }
    r->rep->bytes += len;
    r->batch += len;
    uint64_t hash = docbuild_hash(r->buf, len);
    char hx[32];
    snprintf(hx, sizeof hx, "%016" PRIx64, hash);
    if (found && strcmp(vals[SCHEMA_V_HASH], hx) == 0 &&
        strcmp(vals[SCHEMA_V_ROOT], root) == 0) {
        result = F_UNCHANGED; /* touched, same bytes */
        goto out;
    }
    extract_status xs =
        extract_document(e->relpath, r->buf, len, maxsz, &doc, why, sizeof why);
    if (xs == EXTRACT_ERR_NOMEM) {
        snprintf(err, errlen, "out of memory on %s", e->relpath);
        result = -1;
        goto out;
    }
    if (xs != EXTRACT_OK) {
        logf_(r, "skipped %s: %s", e->relpath, why);
        result = F_SKIPPED;
        goto out;
    }
    if (doc.recoded)
        logf_(r, "note %s: not UTF-8, read as Windows-1252", e->relpath);
    result = found ? F_UPDATED : F_ADDED;
    if (r->opt->dry_run) {
        logf_(r, "%s %s (dry run)", found ? "would update" : "would add",
              e->relpath);
        goto out;
    }
    if (found) {
        if (xc_get_by_id(r->db, idterm, &old, &oldlen, NULL, 0) == XC_OK &&
            unspell(r, old, oldlen) != 0) {
            snprintf(err, errlen, "out of memory");
            result = -1;
            goto out;
        }
    }
    docbuild_input in = {
        .id = e->relpath,
        .title = doc.title,
        .title_len = doc.title_len,
        .url = doc.url,
        .text = doc.text,
        .text_len = doc.text_len,
        .root = root,
        .mtime = (int64_t)e->mtime,
        .size = (uint64_t)e->size,
        .hash = hash,
    };
    if (docbuild_make(r->an, &in, r->spell, &xd, why, sizeof why) !=
        DOCBUILD_OK) {
        logf_(r, "failed %s: %s", e->relpath, why);
        result = F_FAILED;
        goto out;
    }
    if (xc_replace(r->db, idterm, xd) != XC_OK) {
        snprintf(err, errlen, "cannot write index %s: %s", r->opt->db_path,
                 xc_errmsg(r->db));
        result = -1;
        goto out;
    }
    if (r->opt->verbose)
        logf_(r, "%s %s", found ? "updated" : "added", e->relpath);
out:
    xc_doc_free(xd);
    extract_doc_free(&doc);
    free(old);
    for (int i = 0; i < 4; i++)
        free(vals[i]);
    return result;
}

typedef struct {
    run *r;
    char **ids;
    size_t n, cap;
    int oom;
} gone_ctx;

static int collect_gone(const char *term, size_t len, uint32_t tf, void *ctx)
{
    gone_ctx *g = ctx;
    (void)tf;
    char *id = strndup(term + strlen(SCHEMA_P_ID), len - strlen(SCHEMA_P_ID));
    if (!id) {
        g->oom = 1;
        return 1;
    }
    if (is_present(g->r, id)) {
        free(id);
        return 0;
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 64;
        char **p = realloc(g->ids, cap * sizeof *p);
        if (!p) {
            free(id);
            g->oom = 1;
            return 1;
        }
        g->ids = p;
        g->cap = cap;
    }
    g->ids[g->n++] = id;
    return 0;
}

/* Delete the documents of our folders whose files are gone. */
static int delete_gone(run *r, char *err, size_t errlen)
{
    gone_ctx g = {r, NULL, 0, 0, 0};
    int rc = -1;
    if (!r->db)
        return 0;
    qsort(r->present, r->npresent, sizeof *r->present, cmp_str);
    if (xc_allterms(r->db, SCHEMA_P_ID, collect_gone, &g) != XC_OK) {
        snprintf(err, errlen, "cannot read index %s: %s", r->opt->db_path,
                 xc_errmsg(r->db));
        goto out;
    }
    if (g.oom) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < g.n; i++) {
        char term[SCHEMA_TERM_MAX + 1], *data = NULL, *vals[4] = {0};
        size_t dl = 0;
        schema_term(SCHEMA_P_ID, g.ids[i], strlen(g.ids[i]), term);
        xc_status st = xc_get_by_id(r->db, term, &data, &dl, vals, 4);
        int ours = st == XC_OK && is_our_root(r, vals[SCHEMA_V_ROOT]);
        int bad = 0;
        if (ours && !r->opt->dry_run) {
            bad = unspell(r, data, dl) != 0 || xc_delete(r->db, term) != XC_OK;
            if (r->opt->verbose && !bad)
                logf_(r, "deleted %s", g.ids[i]);
        } else if (ours) {
            logf_(r, "would delete %s (dry run)", g.ids[i]);
        }
        free(data);
        for (int k = 0; k < 4; k++)
            free(vals[k]);
        if (bad) {
            snprintf(err, errlen, "cannot delete %s from %s: %s", g.ids[i],
                     r->opt->db_path, xc_errmsg(r->db));
            goto out;
        }
        if (ours)
            r->rep->deleted++;
    }
    rc = 0;
out:
    for (size_t i = 0; i < g.n; i++)
        free(g.ids[i]);
    free(g.ids);
    return rc;
}

/* mkdir -p of the index's parent folder. */
static int make_parent(const char *path)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        return ENAMETOOLONG;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
            return errno;
        *p = '/';
    }
    return 0;
}

static void pidfile_path(const run *r, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", r->opt->db_path, PIDFILE);
}

static int open_index(run *r, char *err, size_t errlen)
{
    char msg[512];
    struct stat st;
    if (r->opt->dry_run) {
        if (stat(r->opt->db_path, &st) < 0 && errno == ENOENT)
            return 0; /* nothing indexed yet: everything would be added */
        if (xc_open_read(r->opt->db_path, &r->db, msg, sizeof msg) != XC_OK) {
            snprintf(err, errlen, "%s", msg);
            return -1;
        }
        return 0;
    }
    int e = make_parent(r->opt->db_path);
    if (e) {
        snprintf(err, errlen, "cannot create index %s: %s", r->opt->db_path,
                 strerror(e));
        return -1;
    }
    xc_status xs = xc_open_write(r->opt->db_path, 0, &r->db, msg, sizeof msg);
    if (xs == XC_ERR_LOCK) {
        char pf[PATH_MAX + 32], pid[32] = "unknown";
        pidfile_path(r, pf, sizeof pf);
        FILE *f = fopen(pf, "r");
        if (f) {
            if (fscanf(f, "%31s", pid) != 1)
                strcpy(pid, "unknown");
            fclose(f);
        }
        snprintf(err, errlen,
                 "index %s is locked by another cglu-index (pid %s)",
                 r->opt->db_path, pid);
        return -1;
    }
    if (xs != XC_OK) {
        snprintf(err, errlen, "%s", msg);
        return -1;
    }
    char pf[PATH_MAX + 32];
    pidfile_path(r, pf, sizeof pf);
    FILE *f = fopen(pf, "w");
    if (f) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
        r->pidfile = 1;
    }
    return 0;
}

/* Refuse to mix analyzers: an index made by another version or language
 * must be rebuilt, or its terms would not match new queries. */
static int check_compat(run *r, char *err, size_t errlen)
{
    char *ver = NULL, *lang = NULL;
    uint32_t n = 0;
    int rc = -1;
    if (!r->db || r->opt->rebuild)
        return 0;
    if (xc_doccount(r->db, &n) != XC_OK ||
        xc_metadata_get(r->db, SCHEMA_M_ANALYZER, &ver) != XC_OK ||
        xc_metadata_get(r->db, SCHEMA_M_LANG, &lang) != XC_OK) {
        snprintf(err, errlen, "cannot read index %s: %s", r->opt->db_path,
                 xc_errmsg(r->db));
        goto out;
    }
    if (n > 0 && (strcmp(ver, ANALYZE_VERSION) != 0 ||
                  strcmp(lang, analyze_lang(r->an)) != 0)) {
        snprintf(err, errlen,
                 "index %s was built with analyzer \"%s\" for \"%s\"; this "
                 "is \"%s\" for \"%s\": rerun with --rebuild",
                 r->opt->db_path, ver, lang, ANALYZE_VERSION,
                 analyze_lang(r->an));
        goto out;
    }
    rc = 0;
out:
    free(ver);
    free(lang);
    return rc;
}

static int write_meta(run *r, char *err, size_t errlen)
{
    char num[32];
    uint32_t n = 0;
    xc_status st = xc_metadata_set(r->db, SCHEMA_M_ANALYZER, ANALYZE_VERSION);
    if (st == XC_OK)
        st = xc_metadata_set(r->db, SCHEMA_M_LANG, analyze_lang(r->an));
    snprintf(num, sizeof num, "%lld", (long long)time(NULL));
    if (st == XC_OK)
        st = xc_metadata_set(r->db, SCHEMA_M_BUILT, num);
    if (st == XC_OK)
        st = xc_doccount(r->db, &n);
    snprintf(num, sizeof num, "%u", n);
    if (st == XC_OK)
        st = xc_metadata_set(r->db, SCHEMA_M_DOCCOUNT, num);
    if (st != XC_OK) {
        snprintf(err, errlen, "cannot write index %s: %s", r->opt->db_path,
                 xc_errmsg(r->db));
        return -1;
    }
    return 0;
}

static int stopped(const run *r)
{
    return r->opt->stop && *r->opt->stop;
}

sync_status sync_run(const sync_options *opt, const char *const *roots,
                     size_t nroots, sync_report *rep, char *err, size_t errlen)
{
    run r = {0};
    sync_status status = SYNC_ERR_FATAL;
    char msg[512];

    memset(rep, 0, sizeof *rep);
    r.opt = opt;
    r.rep = rep;
    r.t0 = now();
    r.nroots = nroots;
    err[0] = '\0';
    if (analyze_new(opt->lang, &r.an, msg, sizeof msg) != ANALYZE_OK) {
        snprintf(err, errlen, "%s", msg);
        goto out;
    }
    if (spell_new(&r.spell) != SPELL_OK ||
        !(r.roots = calloc(nroots, sizeof *r.roots)) ||
        !(r.lists = calloc(nroots, sizeof *r.lists))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    /* Walk every folder before touching the index: a bad folder is a
     * usage error that must leave the index alone. */
    for (size_t i = 0; i < nroots; i++) {
        r.roots[i] = realpath(roots[i], NULL);
        if (!r.roots[i]) {
            snprintf(err, errlen, "cannot read folder %s: %s", roots[i],
                     strerror(errno));
            goto out;
        }
        if (walk_tree(r.roots[i], &r.lists[i], msg, sizeof msg) != WALK_OK) {
            snprintf(err, errlen, "%s", msg);
            goto out;
        }
        r.total += r.lists[i].count;
    }
    rep->files = r.total;
    if (open_index(&r, err, errlen) != 0 || check_compat(&r, err, errlen) != 0)
        goto out;
    if (!opt->dry_run && opt->rebuild) {
        /* Emptying happens inside the transaction: a crash keeps the old
         * revision. */
        if (xc_begin(r.db) != XC_OK || xc_delete_all(r.db) != XC_OK) {
            snprintf(err, errlen, "cannot write index %s: %s", opt->db_path,
                     xc_errmsg(r.db));
            goto out;
        }
    } else if (!opt->dry_run && xc_begin(r.db) != XC_OK) {
        snprintf(err, errlen, "cannot write index %s: %s", opt->db_path,
                 xc_errmsg(r.db));
        goto out;
    }
    if (opt->dry_run && opt->rebuild) {
        xc_close(r.db); /* a rebuild adds everything */
        r.db = NULL;
    }
    size_t batch_max = opt->batch_bytes ? opt->batch_bytes : DEFAULT_BATCH;
    for (size_t i = 0; i < nroots; i++) {
        for (size_t k = 0; k < r.lists[i].count; k++) {
            const walk_entry *e = &r.lists[i].items[k];
            if (stopped(&r))
                goto interrupted;
            int f = do_file(&r, r.roots[i], e, err, errlen);
            if (f < 0)
                goto out;
            switch ((fate)f) {
            case F_UNCHANGED:
                rep->unchanged++;
                break;
            case F_ADDED:
                rep->added++;
                break;
            case F_UPDATED:
                rep->updated++;
                break;
            case F_SKIPPED:
                rep->skipped++;
                break;
            case F_FAILED:
                rep->failed++;
                break;
            }
            /* A file that failed keeps its previous version. */
            if ((f != F_SKIPPED) && add_present(&r, e->relpath) != 0) {
                snprintf(err, errlen, "out of memory");
                goto out;
            }
            r.done++;
            progress(&r, 0);
            if (!opt->dry_run && r.batch >= batch_max &&
                commit_batch(&r, err, errlen) != 0)
                goto out;
        }
    }
    if (stopped(&r))
        goto interrupted;
    if (delete_gone(&r, err, errlen) != 0)
        goto out;
    if (!opt->dry_run) {
        int changed =
            rep->added || rep->updated || rep->deleted || opt->rebuild;
        if (changed && (spell_flush(r.spell, r.db) != SPELL_OK ||
                        write_meta(&r, err, errlen) != 0))
            goto out;
        /* Nothing changed: cancel, so that no new revision is written. */
        xc_status cs = changed ? xc_commit(r.db) : xc_cancel(r.db);
        if (cs != XC_OK) {
            snprintf(err, errlen, "cannot write index %s: %s", opt->db_path,
                     xc_errmsg(r.db));
            goto out;
        }
    }
    progress(&r, 1);
    status = rep->failed ? SYNC_PARTIAL : SYNC_OK;
    goto out;
interrupted:
    progress(&r, 1);
    snprintf(err, errlen,
             "interrupted: the open batch was cancelled; the index keeps its "
             "last committed revision");
    status = SYNC_ERR_INTERRUPTED;
out:
    if (status == SYNC_ERR_FATAL || status == SYNC_ERR_INTERRUPTED)
        progress(&r, 1);
    if (r.pidfile) {
        char pf[PATH_MAX + 32];
        pidfile_path(&r, pf, sizeof pf);
        unlink(pf);
    }
    xc_close(r.db); /* cancels an open transaction */
    for (size_t i = 0; i < nroots && r.lists; i++)
        walk_list_free(&r.lists[i]);
    for (size_t i = 0; i < nroots && r.roots; i++)
        free(r.roots[i]);
    free(r.lists);
    free(r.roots);
    free(r.present);
    free(r.buf);
    spell_free(r.spell);
    analyze_free(r.an);
    rep->seconds = now() - r.t0;
    return status;
}
