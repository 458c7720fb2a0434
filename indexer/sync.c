/* sync: the indexer's main loop — walk, compare, extract, analyse, write. */
#include "indexer/sync.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/analyze.h"
#include "common/buf.h"
#include "common/schema.h"
#include "common/xapian_c.h"
#include "indexer/docbuild.h"
#include "indexer/extract.h"
#include "indexer/siteurl.h"
#include "indexer/spell.h"
#include "indexer/walk.h"

#define PIDFILE "cglu-index.pid"
/* Xapian buffers about 11 MB of changes per MB of input; 1 MB batches keep
 * the indexer near 24 MB of RSS and cost no measurable speed (1, 2, 4 and 8
 * MB all index man-fr in 1.5 s). */
#define DEFAULT_BATCH ((size_t)1 << 20)
/* Per-folder metadata: key prefix, then the folder's hash and what. */
#define META_ROOT "cglu.root."
#define META_ID ".idprefix"     /* what ids of its documents start with */
#define META_URL ".baseurl"     /* --base-url in force for it ("" none) */
#define META_PENDING ".pending" /* "1": its documents must be read again */

/* Bytes of a built id or url: a relpath is at most WALK_MAX_DEPTH + 1
 * names of 255 bytes, 3 bytes each once percent-encoded. */
#define ID_URL_MAX (SITEURL_MAX_BASE + 3 * 256 * (WALK_MAX_DEPTH + 1) + 1)

/* What a log line is: errors are always shown, warnings unless -q, notes
 * only with -v. */
typedef enum { L_ERROR, L_WARN, L_NOTE } level;

typedef struct run {
    const sync_options *opt;
    sync_report *rep;
    analyzer *an;
    xc_db *db; /* writer, or reader in a dry run (NULL: no index yet) */
    spell_table *spell;
    char **roots;            /* realpath of each folder */
    const char *const *args; /* each folder as given, for messages */
    size_t nroots;
    char **idprefix; /* per folder: "" (one folder) or "name/" */
    char **base;     /* per folder: base url in force, "" none */
    int *refresh;    /* per folder: ids or urls change, re-read them all */
    size_t kept;     /* documents kept under entries that could not be read */
    char **others;   /* folders of the index not in this run (realpaths) */
    size_t nothers;
    int *other_pending; /* per other folder: its ids change at its next run */
    char *given_base;   /* --base-url in its normal form; NULL: not given */
    int meta_changed;   /* folder settings to write even if no document is */
    int rules_change;   /* the index's pages were read by older rules */
    walk_list *lists;
    char **present; /* unique terms that stay in the index (malloc'd),
                       sorted before the deletion pass */
    size_t npresent, cappresent;
    size_t batch; /* input bytes since the last commit */
    size_t done, total;
    double t0, last_bar;
    int pidfile;    /* 1 when we wrote the pid file */
    int rebuild;    /* --rebuild, or finishing an interrupted one */
    size_t touched; /* unchanged files whose new mtime was recorded */
    int bar_shown;
} run;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void logf_(run *r, level lv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void logf_(run *r, level lv, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    if (!r->opt->log || (lv == L_WARN && r->opt->quiet) ||
        (lv == L_NOTE && !r->opt->verbose))
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
    char *copy = strdup(id);
    if (!copy)
        return -1;
    r->present[r->npresent++] = copy;
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

/* Read the stored document of term: its data (id\0title\0url, into *data)
 * and text (into *text), both malloc'd. 0, or -1 when unreadable. */
static int read_stored(run *r, const char *term, char **data, size_t *dlen,
                       char **text)
{
    char *vals[SCHEMA_NVALUES] = {0};
    *text = NULL;
    if (xc_get_by_id(r->db, term, data, dlen, vals, SCHEMA_NVALUES) != XC_OK)
        return -1;
    *text = vals[SCHEMA_V_TEXT];
    for (int i = 0; i < SCHEMA_NVALUES; i++)
        if (i != SCHEMA_V_TEXT)
            free(vals[i]);
    return 0;
}

/* Subtract the spelling words of a stored document (its title, in data
 * id\0title\0url, and its text). 0, or -1 when out of memory. */
static int unspell(run *r, const char *data, size_t len, const char *text)
{
    const char *end = data + len;
    const char *title = memchr(data, '\0', len);
    if (title) {
        title++;
        const char *url = memchr(title, '\0', (size_t)(end - title));
        size_t tl = url ? (size_t)(url - title) : (size_t)(end - title);
        if (docbuild_spell_text(r->an, title, tl, r->spell, -1) != DOCBUILD_OK)
            return -1;
    }
    if (text && docbuild_spell_text(r->an, text, strlen(text), r->spell, -1) !=
                    DOCBUILD_OK)
        return -1;
    return 0;
}

static size_t batch_max(const run *r)
{
    return r->opt->batch_bytes ? r->opt->batch_bytes : DEFAULT_BATCH;
}

static int write_meta(run *r, int final, char *err, size_t errlen);

/* Every committed revision carries the analyzer's metadata, so that an
 * index interrupted after a batch is still recognised by the next run. */
static int commit_batch(run *r, char *err, size_t errlen)
{
    if (write_meta(r, 0, err, errlen) != 0)
        return -1;
    if (spell_flush(r->spell, r->db) != SPELL_OK || xc_commit(r->db) != XC_OK ||
        xc_begin(r->db) != XC_OK) {
        snprintf(err, errlen, "%s", xc_errmsg(r->db));
        return -1;
    }
    r->batch = 0;
    return 0;
}

typedef enum { F_UNCHANGED, F_ADDED, F_UPDATED, F_SKIPPED, F_FAILED } fate;

/* One file that must be read: the worker thread reads, extracts and
 * builds it; the main thread, which alone touches the database, writes it
 * in walk order. */
typedef struct item {
    const walk_entry *e;
    const char *root;
    const char *idprefix; /* the folder's (run.idprefix) */
    const char *base;     /* the folder's base url (run.base), "" none */
    int refresh;          /* found, but its id or url changes: re-read */
    int found;            /* a document with this id is in the index */
    int rebuilt;          /* found, but rebuilt: counted as added */
    int touched;          /* same bytes, new mtime: only values are updated */
    size_t pidx;          /* its entry in run.present */
    char oldhash[24];     /* its content hash (found only) */
    /* Filled by the worker: */
    int done;
    int fate;      /* fate, or -1: fatal (out of memory) */
    xc_doc *doc;   /* to write (F_ADDED / F_UPDATED, not in dry runs) */
    buf_t words;   /* spelling words of the new text */
    size_t bytes;  /* file size read */
    char msg[300]; /* log line for the main thread ("" for none) */
    level msg_level;
} item;

/* The pipeline between the two threads: items[next_done] is the next the
 * worker fills; the main thread consumes items[consumed]; the worker stays
 * at most WINDOW items and AHEAD_BYTES of input ahead (but always one), so
 * that memory stays bounded whatever the file sizes. The bytes are the
 * bound that matters: a built document holds about 10 times its input in
 * Xapian's structures, and a commit (tens of ms) must not stall the
 * worker, which needs a few hundred KB of lead to cover one. 512 KB took
 * gimp-fr from 0.80 s to 0.69 s (16 items: the worker stopped at every
 * commit) and costs 5 MB of RSS on man-fr (27 -> 32 MB); 1 MB gained
 * nothing more and cost 11 MB. */
#define WINDOW 256
#define AHEAD_BYTES ((uint64_t)512 << 10)
typedef struct pipe_ {
    run *r;
    item *items;
    size_t n;
    size_t consumed;
    uint64_t ahead; /* input bytes of built items not yet consumed */
    int cancel;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    analyzer *an; /* the worker's own analyzer */
    char *buf;    /* the worker's file buffer */
    size_t bufcap;
} pipe_;

/* Read the whole file into *buf; 0 on success, else errno. */
static int read_file(char **buf, size_t *cap, const char *path, size_t *len)
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
    if (want + 1 > *cap) {
        char *b = realloc(*buf, want + 1);
        if (!b) {
            e = ENOMEM;
            goto out;
        }
        *buf = b;
        *cap = want + 1;
    }
    while (*len < want) {
        ssize_t n = read(fd, *buf + *len, want - *len);
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

/* Worker side: everything that needs no database. */
static void build_item(pipe_ *p, item *it)
{
    const sync_options *opt = p->r->opt;
    const walk_entry *e = it->e;
    extract_doc doc = {0};
    char why[256];
    size_t len;
    size_t maxsz = opt->max_file_size ? opt->max_file_size : EXTRACT_MAX_SIZE;

    buf_t id, url;

    /* room for any path the walk gives (64 levels of 255-byte names, each
     * byte encoded as 3) and the longest base url */
    buf_init(&id, ID_URL_MAX);
    buf_init(&url, ID_URL_MAX);
    it->msg[0] = '\0';
    it->msg_level = L_NOTE;
    int eno = read_file(&p->buf, &p->bufcap, e->path, &len);
    if (eno) {
        snprintf(it->msg, sizeof it->msg, "failed %s: %s", e->relpath,
                 strerror(eno));
        it->msg_level = L_ERROR;
        it->fate = F_FAILED;
        return;
    }
    it->bytes = len;
    uint64_t hash = schema_hash(p->buf, len);
    char hx[24];
    snprintf(hx, sizeof hx, "%016" PRIx64, hash);
    if (it->found && !it->refresh && strcmp(it->oldhash, hx) == 0) {
        it->fate = F_UNCHANGED; /* touched, same bytes */
        it->touched = 1;
        return;
    }
    extract_status xs =
        extract_document(e->relpath, p->buf, len, maxsz, &doc, why, sizeof why);
    if (xs == EXTRACT_ERR_NOMEM) {
        it->fate = -1;
        goto out;
    }
    if (xs != EXTRACT_OK) {
        snprintf(it->msg, sizeof it->msg, "skipped %s: %s", e->relpath, why);
        /* a draft is skipped on purpose: no need to say so every run */
        it->msg_level = xs == EXTRACT_SKIP_UNLISTED ? L_NOTE : L_WARN;
        it->fate = F_SKIPPED;
        goto out;
    }
    it->fate = it->found && !it->rebuilt ? F_UPDATED : F_ADDED;
    if (doc.recoded)
        snprintf(it->msg, sizeof it->msg,
                 "note %s: not UTF-8, read as Windows-1252", e->relpath);
    if (opt->dry_run) {
        snprintf(it->msg, sizeof it->msg, "%s %s (dry run)",
                 it->found ? "would update" : "would add", e->relpath);
        it->msg_level = L_WARN;
        goto out;
    }
    /* the id: unique across the folders of the index; the url: the page's
     * own, else the base url and the id (with several folders, their
     * names are the site's folders: fr/, en/) */
    buf_puts(&id, it->idprefix);
    buf_puts(&id, e->relpath);
    if (!doc.url_own && it->base[0] != '\0')
        siteurl_join(it->base, id.data, &url);
    else
        buf_append(&url, doc.url, doc.url_len);
    if (id.failed || url.failed) {
        it->fate = -1;
        goto out;
    }
    docbuild_input in = {
        .id = id.data,
        .relpath = e->relpath,
        .title = doc.title,
        .title_len = doc.title_len,
        .url = url.data,
        .text = doc.text,
        .text_len = doc.text_len,
        .root = it->root,
        .mtime = (int64_t)e->mtime,
        .mtime_nsec = e->mtime_nsec,
        .size = (uint64_t)e->size,
        .hash = hash,
    };
    docbuild_status ds =
        docbuild_make(p->an, &in, &it->words, &it->doc, why, sizeof why);
    if (ds == DOCBUILD_ERR_NOMEM) {
        it->fate = -1;
    } else if (ds != DOCBUILD_OK) {
        snprintf(it->msg, sizeof it->msg, "failed %s: %s", e->relpath, why);
        it->msg_level = L_ERROR;
        it->fate = F_FAILED;
    }
out:
    buf_free(&id);
    buf_free(&url);
    extract_doc_free(&doc);
}

static void *worker_main(void *arg)
{
    pipe_ *p = arg;
    for (size_t i = 0; i < p->n; i++) {
        pthread_mutex_lock(&p->mu);
        while (!p->cancel && (i >= p->consumed + WINDOW ||
                              (i > p->consumed && p->ahead >= AHEAD_BYTES)))
            pthread_cond_wait(&p->cv, &p->mu);
        p->ahead += (uint64_t)p->items[i].e->size;
        int cancel = p->cancel;
        pthread_mutex_unlock(&p->mu);
        if (cancel)
            break;
        build_item(p, &p->items[i]);
        pthread_mutex_lock(&p->mu);
        p->items[i].done = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

/* Main side, before the worker: decide from the index alone whether a
 * file must be read. Returns its fate, F_ADDED for "must be read", or -1
 * on a fatal index error. */
static int classify(run *r, size_t ri, const walk_entry *e, item *it, char *err,
                    size_t errlen)
{
    const char *root = r->roots[ri];
    char idterm[SCHEMA_TERM_MAX + 1];
    char *vals[4] = {0};
    int result = F_ADDED;
    size_t maxsz =
        r->opt->max_file_size ? r->opt->max_file_size : EXTRACT_MAX_SIZE;

    if (extract_format_of(e->relpath) == EXTRACT_FMT_NONE) {
        /* images, stylesheets: expected in a site's folder, counted only */
        logf_(r, L_NOTE, "skipped %s: %s", e->relpath,
              extract_strerror(EXTRACT_SKIP_TYPE));
        return F_SKIPPED;
    }
    if ((uint64_t)e->size > (uint64_t)maxsz) {
        logf_(r, L_WARN, "skipped %s: larger than %zu MB", e->relpath,
              maxsz >> 20);
        return F_SKIPPED;
    }
    it->e = e;
    it->root = root;
    it->idprefix = r->idprefix[ri];
    it->base = r->base[ri];
    if (!r->db)
        return F_ADDED;
    schema_uid(root, e->relpath, idterm);
    xc_status st = xc_get_by_id(r->db, idterm, NULL, NULL, vals, 4);
    if (st == XC_ERR_NOTFOUND)
        return F_ADDED;
    if (st != XC_OK) {
        snprintf(err, errlen, "%s", xc_errmsg(r->db));
        return -1;
    }
    char mt[32], sz[32];
    schema_mtime((int64_t)e->mtime, e->mtime_nsec, mt);
    snprintf(sz, sizeof sz, "%" PRIu64, (uint64_t)e->size);
    it->found = 1;
    if (r->rebuild) {
        it->rebuilt = 1; /* no hash: read and replace it whatever */
    } else if (r->refresh[ri]) {
        it->refresh = 1; /* same file, but a new id or url: read it */
    } else {
        snprintf(it->oldhash, sizeof it->oldhash, "%s", vals[SCHEMA_V_HASH]);
        if (strcmp(vals[SCHEMA_V_MTIME], mt) == 0 &&
            strcmp(vals[SCHEMA_V_SIZE], sz) == 0)
            result = F_UNCHANGED;
    }
    for (int i = 0; i < 4; i++)
        free(vals[i]);
    return result;
}

/* Main side, after the worker: write one built item. Returns its fate or
 * -1 on a fatal error. */
static int write_item(run *r, item *it, char *err, size_t errlen)
{
    char idterm[SCHEMA_TERM_MAX + 1];
    char *old = NULL;
    size_t oldlen = 0;
    const walk_entry *e = it->e;

    r->rep->bytes += it->bytes;
    r->batch += it->bytes;
    if (it->msg[0])
        logf_(r, it->msg_level, "%s", it->msg);
    if (it->fate < 0) {
        snprintf(err, errlen, "out of memory on %s", e->relpath);
        return -1;
    }
    if (it->touched && !r->opt->dry_run) {
        /* Record the new mtime, so that later runs do not read it again. */
        char mt[32], sz[32];
        static const unsigned slots[] = {SCHEMA_V_MTIME, SCHEMA_V_SIZE};
        const char *vals[] = {mt, sz};
        schema_mtime((int64_t)e->mtime, e->mtime_nsec, mt);
        snprintf(sz, sizeof sz, "%" PRIu64, (uint64_t)e->size);
        schema_uid(it->root, e->relpath, idterm);
        if (xc_set_values(r->db, idterm, slots, vals, 2) != XC_OK) {
            snprintf(err, errlen, "%s", xc_errmsg(r->db));
            return -1;
        }
        r->touched++;
    }
    if (!it->doc)
        return it->fate;
    schema_uid(it->root, e->relpath, idterm);
    char *oldtext = NULL;
    int oom = it->found &&
              read_stored(r, idterm, &old, &oldlen, &oldtext) == 0 &&
              unspell(r, old, oldlen, oldtext) != 0;
    free(old);
    free(oldtext);
    if (oom) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (docbuild_spell_words(r->spell, it->words.data, it->words.len) !=
        DOCBUILD_OK) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (xc_replace(r->db, idterm, it->doc) != XC_OK) {
        snprintf(err, errlen, "%s", xc_errmsg(r->db));
        return -1;
    }
    logf_(r, L_NOTE, "%s %s", it->found ? "updated" : "added", e->relpath);
    return it->fate;
}

static void count_fate(sync_report *rep, int f)
{
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
}

static int stopped(const run *r)
{
    return r->opt->stop && *r->opt->stop;
}

/* Index every walked file: classify on this thread, read/extract/build on
 * a worker thread, write here in walk order. 0, -1 fatal, 1 interrupted. */
static int index_files(run *r, char *err, size_t errlen)
{
    pipe_ p = {0};
    pthread_t th;
    int started = 0, rc = -1;
    char msg[256];

    p.r = r;
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    if (r->total && !(p.items = calloc(r->total, sizeof *p.items))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (analyze_new(analyze_lang(r->an), &p.an, msg, sizeof msg) !=
        ANALYZE_OK) {
        snprintf(err, errlen, "%s", msg);
        goto out;
    }
    /* Pass 1: what must be read. */
    for (size_t i = 0; i < r->nroots; i++) {
        for (size_t k = 0; k < r->lists[i].count; k++) {
            const walk_entry *e = &r->lists[i].items[k];
            item *it = &p.items[p.n];
            int f = classify(r, i, e, it, err, errlen);
            if (f < 0)
                goto out;
            char uid[SCHEMA_TERM_MAX + 1];
            schema_uid(r->roots[i], e->relpath, uid);
            it->pidx = r->npresent;
            if (f != F_SKIPPED && add_present(r, uid) != 0) {
                snprintf(err, errlen, "out of memory");
                goto out;
            }
            if (f == F_ADDED) {
                buf_init(&it->words, (size_t)256 << 20);
                p.n++;
            } else {
                memset(it, 0, sizeof *it);
                count_fate(r->rep, f);
                r->done++;
            }
        }
    }
    if (pthread_create(&th, NULL, worker_main, &p) != 0) {
        snprintf(err, errlen, "cannot start a thread");
        goto out;
    }
    started = 1;
    /* Pass 2: write in order. A file that failed keeps its previous
     * version (it stays "present"); a skipped one is deleted later. */
    for (size_t i = 0; i < p.n; i++) {
        item *it = &p.items[i];
        pthread_mutex_lock(&p.mu);
        while (!it->done)
            pthread_cond_wait(&p.cv, &p.mu);
        pthread_mutex_unlock(&p.mu);
        if (stopped(r)) {
            rc = 1;
            goto out;
        }
        int f = write_item(r, it, err, errlen);
        xc_doc_free(it->doc);
        it->doc = NULL;
        buf_free(&it->words);
        if (f < 0)
            goto out;
        count_fate(r->rep, f);
        if (f == F_SKIPPED) {
            /* no longer in the index: the deletion pass removes it */
            free(r->present[it->pidx]);
            r->present[it->pidx] = NULL;
        }
        r->done++;
        progress(r, 0);
        pthread_mutex_lock(&p.mu);
        p.consumed = i + 1;
        p.ahead -= (uint64_t)it->e->size;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        if (!r->opt->dry_run && r->batch >= batch_max(r) &&
            commit_batch(r, err, errlen) != 0)
            goto out;
    }
    rc = stopped(r) ? 1 : 0;
out:
    if (started) {
        pthread_mutex_lock(&p.mu);
        p.cancel = 1;
        pthread_cond_broadcast(&p.cv);
        pthread_mutex_unlock(&p.mu);
        pthread_join(th, NULL);
    }
    for (size_t i = 0; p.items && i < p.n; i++) {
        xc_doc_free(p.items[i].doc);
        buf_free(&p.items[i].words);
    }
    free(p.items);
    free(p.buf);
    analyze_free(p.an);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    return rc;
}

typedef struct {
    run *r;
    char **ids;
    size_t n, cap;
    int oom;
} gone_ctx;

/* 1 when the document of unique term uid (U + folder + '/' + relpath)
 * lived under an entry of its folder that could not be read this run: it
 * may still be there, so it is not deleted. A term too long to hold its
 * path (cut and hashed) is kept when its folder had any such entry. */
static int under_unreadable(const run *r, const char *uid)
{
    size_t pl = strlen(SCHEMA_P_UID);
    size_t ul = strlen(uid);
    int hashed =
        ul >= SCHEMA_TERM_MAX - SCHEMA_CUT_TAIL && strchr(uid, '#') != NULL;

    for (size_t i = 0; i < r->nroots; i++) {
        const walk_list *l = &r->lists[i];
        size_t rl = strlen(r->roots[i]);
        if (l->nunreadable == 0 || strncmp(uid + pl, r->roots[i], rl) != 0 ||
            uid[pl + rl] != '/')
            continue;
        if (hashed)
            return 1;
        const char *rel = uid + pl + rl + 1;
        for (size_t k = 0; k < l->nunreadable; k++) {
            size_t n = strlen(l->unreadable[k]);
            if (n == 0) /* the folder itself */
                return 1;
            if (strncmp(rel, l->unreadable[k], n) == 0 &&
                (rel[n] == '\0' || rel[n] == '/'))
                return 1;
        }
    }
    return 0;
}

static int collect_gone(const char *term, size_t len, uint32_t tf, void *ctx)
{
    gone_ctx *g = ctx;
    (void)tf;
    char *id = strndup(term, len);
    if (!id) {
        g->oom = 1;
        return 1;
    }
    if (is_present(g->r, id)) {
        free(id);
        return 0;
    }
    if (under_unreadable(g->r, id)) {
        g->r->kept++;
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
    size_t kept = 0; /* drop the entries of skipped files */
    for (size_t i = 0; i < r->npresent; i++)
        if (r->present[i])
            r->present[kept++] = r->present[i];
    r->npresent = kept;
    qsort(r->present, r->npresent, sizeof *r->present, cmp_str);
    /* A rebuild starts from an empty index: documents of every folder
     * not given go too. Otherwise only our folders' documents are ours. */
    for (size_t k = 0; k < (r->rebuild ? 1 : r->nroots); k++) {
        char prefix[SCHEMA_TERM_MAX + 1];
        size_t pl = r->rebuild ? schema_term(SCHEMA_P_UID, "", 0, prefix)
                               : schema_uid(r->roots[k], "", prefix);
        if (pl >= SCHEMA_TERM_MAX - SCHEMA_CUT_TAIL)
            continue; /* a folder name too long to scan by prefix */
        if (xc_allterms(r->db, prefix, collect_gone, &g) != XC_OK) {
            snprintf(err, errlen, "%s", xc_errmsg(r->db));
            goto out;
        }
    }
    if (g.oom) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < g.n; i++) {
        char *data = NULL, *text = NULL;
        size_t dl = 0;
        const char *term = g.ids[i];
        int bad = read_stored(r, term, &data, &dl, &text) != 0;
        if (!bad && r->opt->dry_run) {
            logf_(r, L_WARN, "would delete %s (dry run)", data); /* id\0.. */
        } else if (!bad) {
            bad = unspell(r, data, dl, text) != 0 ||
                  xc_delete(r->db, term) != XC_OK;
            if (!bad)
                logf_(r, L_NOTE, "deleted %s", data);
        }
        /* Deleting costs about what indexing the text did: batch it too. */
        r->batch += dl + (text ? strlen(text) : 0);
        free(data);
        free(text);
        if (bad) {
            snprintf(err, errlen, "cannot delete %s from %s: %s", term,
                     r->opt->db_path, xc_errmsg(r->db));
            goto out;
        }
        r->rep->deleted++;
        if (!r->opt->dry_run && r->batch >= batch_max(r) &&
            commit_batch(r, err, errlen) != 0)
            goto out;
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

/* 1 when path is a folder that a killed first run left behind: Xapian's
 * table files (and our pid file) but no version file, so no revision was
 * ever committed and nothing can be lost by creating it again. Any other
 * name in it, and it is left alone. */
static int interrupted_creation(const char *path)
{
    static const char *const own[] = {"flintlock", PIDFILE};
    char vf[PATH_MAX];
    struct stat st;
    struct dirent *de;
    int only_ours = 1;
    DIR *d;

    if (snprintf(vf, sizeof vf, "%s/iamglass", path) >= (int)sizeof vf ||
        stat(vf, &st) == 0 || errno != ENOENT)
        return 0;
    d = opendir(path);
    if (d == NULL)
        return 0;
    /* readdir_r is deprecated; readdir is safe on a DIR of our own */
    // cppcheck-suppress readdirCalled
    while (only_ours && (de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        size_t l = strlen(n);
        int ok = strcmp(n, ".") == 0 || strcmp(n, "..") == 0 ||
                 (l > 6 && strcmp(n + l - 6, ".glass") == 0);
        for (size_t k = 0; k < sizeof own / sizeof *own && !ok; k++)
            ok = strcmp(n, own[k]) == 0;
        only_ours = ok;
    }
    closedir(d);
    return only_ours;
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
    if (xs == XC_ERR_OPEN && interrupted_creation(r->opt->db_path)) {
        logf_(r, L_WARN,
              "index %s: its first run was interrupted before "
              "any commit: created again",
              r->opt->db_path);
        xs = xc_open_write(r->opt->db_path, 1, &r->db, msg, sizeof msg);
    }
    if (xs == XC_ERR_LOCK) {
        char pf[PATH_MAX + 32], pid[32] = "unknown";
        pidfile_path(r, pf, sizeof pf);
        FILE *f = fopen(pf, "r");
        if (f) {
            if (fscanf(f, "%31s", pid) != 1)
                strcpy(pid, "unknown");
            fclose(f);
        }
        /* Xapian says "lock" for any failure to take it; only contention
         * is another indexer, the rest (read-only, missing folder) is
         * Xapian's own reason. */
        if (strstr(msg, "already locked"))
            snprintf(err, errlen,
                     "index %s is locked by another cglu-index (pid %s)",
                     r->opt->db_path, pid);
        else
            snprintf(err, errlen, "%s", msg);
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
    char *ver = NULL, *lang = NULL, *fmt = NULL;
    uint32_t n = 0;
    int rc = -1;
    if (!r->db || r->opt->rebuild)
        return 0;
    if (xc_doccount(r->db, &n) != XC_OK ||
        xc_metadata_get(r->db, SCHEMA_M_ANALYZER, &ver) != XC_OK ||
        xc_metadata_get(r->db, SCHEMA_M_LANG, &lang) != XC_OK ||
        xc_metadata_get(r->db, SCHEMA_M_FORMAT, &fmt) != XC_OK) {
        snprintf(err, errlen, "%s", xc_errmsg(r->db));
        goto out;
    }
    if (n > 0 && strcmp(fmt, SCHEMA_FORMAT) != 0) {
        snprintf(err, errlen,
                 "index %s has layout \"%s\"; this is \"%s\": rerun with "
                 "--rebuild",
                 r->opt->db_path, fmt, SCHEMA_FORMAT);
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
    free(fmt);
    return rc;
}

/* The metadata key of folder root (a realpath) for what (META_ID, ...):
 * its hash, since keys have a length limit and paths do not. */
static void root_key(const char *root, const char *what, char key[64])
{
    snprintf(key, 64, META_ROOT "%016" PRIx64 "%s",
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

/* Usage errors of the folders given, before the index is touched: the
 * same folder twice, or one inside another (its files would get two ids). */
static int check_roots(const run *r, char *err, size_t errlen)
{
    for (size_t i = 0; i < r->nroots; i++)
        for (size_t j = 0; j < r->nroots; j++) {
            if (i == j || !r->roots[i] || !r->roots[j])
                continue; /* every root is set by now; the analyzer can't
                             tell */
            size_t n = strlen(r->roots[j]);
            if (strcmp(r->roots[i], r->roots[j]) == 0) {
                snprintf(err, errlen, "folder %s given twice (as %s and %s)",
                         r->roots[i], r->args[j], r->args[i]);
                return -1;
            }
            if (strncmp(r->roots[i], r->roots[j], n) == 0 &&
                (r->roots[i][n] == '/' || n == 1)) {
                snprintf(err, errlen,
                         "folder %s is inside folder %s: give only one of "
                         "them",
                         r->args[i], r->args[j]);
                return -1;
            }
        }
    return 0;
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
    run *r;
    int oom;
} roots_ctx;

/* xc_allterms callback over R terms: folders of the index not in the run. */
static int collect_root(const char *term, size_t len, uint32_t tf, void *ctx)
{
    roots_ctx *c = ctx;
    run *r = c->r;
    size_t pl = strlen(SCHEMA_P_ROOT);
    (void)tf;
    if (len <= pl || len >= SCHEMA_TERM_MAX - SCHEMA_CUT_TAIL)
        return 0; /* a path cut and hashed: not recoverable, left out */
    for (size_t i = 0; i < r->nroots; i++)
        if (strlen(r->roots[i]) == len - pl &&
            memcmp(r->roots[i], term + pl, len - pl) == 0)
            return 0;
    if (r->nothers % 16 == 0) {
        char **g = realloc(r->others, (r->nothers + 16) * sizeof *g);
        if (!g) {
            c->oom = 1;
            return 1;
        }
        r->others = g;
    }
    if (!(r->others[r->nothers] = strndup(term + pl, len - pl))) {
        c->oom = 1;
        return 1;
    }
    r->nothers++;
    return 0;
}

/* 1 when the index holds documents of folder root. */
static int folder_known(run *r, const char *root)
{
    char term[SCHEMA_TERM_MAX + 1];
    uint32_t n = 0;

    if (!r->db)
        return 0;
    schema_term(SCHEMA_P_ROOT, root, strlen(root), term);
    return xc_termfreq(r->db, term, &n) == XC_OK && n > 0;
}

/* A per-folder metadata value ("" when absent); NULL on an index error. */
static char *folder_meta(run *r, const char *root, const char *what)
{
    char key[64], *v = NULL;

    root_key(root, what, key);
    if (!r->db)
        return strdup("");
    return xc_metadata_get(r->db, key, &v) == XC_OK ? v : NULL;
}

/* Per folder: its id prefix among every folder the index will hold (the
 * run's and the others already in it), the base url in force (given,
 * else kept in the index), and whether its documents must be read again:
 * their id or url changes, an earlier run that changed them was
 * interrupted, or the extraction rules changed since they were read. A
 * folder of the index that is not in the run and whose prefix changes is
 * marked, so that its own next run moves its ids. -1 with err set on an
 * index error. */
static int folder_settings(run *r, char *err, size_t errlen)
{
    const char *given = r->given_base;
    char *rules = NULL, **all = NULL, **pre = NULL;
    int rc = -1;
    size_t nall = 0;
    uint32_t ndocs = 0;

    if (r->db && !r->rebuild) { /* a rebuild drops the other folders */
        roots_ctx c = {r, 0};
        if (xc_allterms(r->db, SCHEMA_P_ROOT, collect_root, &c) != XC_OK)
            goto xerr;
        if (c.oom)
            goto nomem;
    }
    r->other_pending = calloc(r->nothers + 1, sizeof *r->other_pending);
    if (!r->other_pending)
        goto nomem;
    if (r->db && (xc_doccount(r->db, &ndocs) != XC_OK ||
                  xc_metadata_get(r->db, SCHEMA_M_EXTRACT, &rules) != XC_OK))
        goto xerr;
    /* an index of older rules holds pages they let in (drafts) */
    int rules_change = ndocs > 0 && strcmp(rules, EXTRACT_RULES) != 0;
    r->rules_change = rules_change;
    if (rules_change)
        logf_(r, L_WARN,
              "pages are now extracted by other rules (drafts and "
              "noindex pages left out): every page is read again");
    nall = r->nroots + r->nothers;
    all = calloc(nall, sizeof *all);
    pre = calloc(nall, sizeof *pre);
    if (!all || !pre)
        goto nomem;
    memcpy(all, r->roots, r->nroots * sizeof *all);
    if (r->nothers) /* others is NULL when there are none */
        memcpy(all + r->nroots, r->others, r->nothers * sizeof *all);
    if (make_prefixes(all, nall, pre) != 0)
        goto nomem;
    for (size_t i = 0; i < nall; i++) {
        int mine = i < r->nroots;
        char *kid = folder_meta(r, all[i], META_ID);
        char *kurl = folder_meta(r, all[i], META_URL);
        char *pend = folder_meta(r, all[i], META_PENDING);
        if (!kid || !kurl || !pend) {
            free(kid);
            free(kurl);
            free(pend);
            goto xerr;
        }
        int id_changes = strcmp(pre[i], kid) != 0;
        if (mine) {
            r->idprefix[i] = pre[i];
            pre[i] = NULL;
            r->base[i] = strdup(given ? given : kurl);
            if (!r->base[i]) {
                free(kid);
                free(kurl);
                free(pend);
                goto nomem;
            }
            int url_changes = strcmp(r->base[i], kurl) != 0;
            r->refresh[i] = url_changes || id_changes || rules_change ||
                            strcmp(pend, "1") == 0;
            if (url_changes && folder_known(r, all[i]))
                logf_(r, L_WARN,
                      "base url of %s changes from %s to %s: its pages are "
                      "read again",
                      r->args[i], kurl[0] ? kurl : "none",
                      r->base[i][0] ? r->base[i] : "none");
            if (id_changes && kid[0] != '\0')
                logf_(r, L_WARN,
                      "ids of %s now start with \"%s\" (were \"%s\"): its "
                      "pages are read again",
                      r->args[i], r->idprefix[i], kid);
            r->meta_changed |= r->refresh[i];
        } else if (id_changes || rules_change) {
            r->other_pending[i - r->nroots] = 1;
            r->meta_changed = 1;
            if (id_changes)
                logf_(r, L_WARN,
                      "ids of %s will start with \"%s\" from its next run "
                      "(now \"%s\"): another folder joined the index",
                      all[i], pre[i], kid);
        }
        free(kid);
        free(kurl);
        free(pend);
    }
    rc = 0;
    goto out;
nomem:
    snprintf(err, errlen, "out of memory");
    goto out;
xerr:
    snprintf(err, errlen, "%s", xc_errmsg(r->db));
out:
    for (size_t i = 0; pre && i < nall; i++)
        free(pre[i]);
    free(pre);
    free(all);
    free(rules);
    return rc;
}

/* final: the run is complete (an unfinished rebuild stays marked, so that
 * the next run finishes it). */
static int write_meta(run *r, int final, char *err, size_t errlen)
{
    char num[32];
    uint32_t n = 0;
    xc_status st = xc_metadata_set(r->db, SCHEMA_M_ANALYZER, ANALYZE_VERSION);
    if (st == XC_OK)
        st = xc_metadata_set(r->db, SCHEMA_M_LANG, analyze_lang(r->an));
    if (st == XC_OK)
        st = xc_metadata_set(r->db, SCHEMA_M_FORMAT, SCHEMA_FORMAT);
    /* a rebuild that kept documents it could not read is not done: the
     * next run goes on with it */
    if (st == XC_OK)
        st = xc_metadata_set(r->db, SCHEMA_M_REBUILD,
                             r->rebuild && (!final || r->kept) ? "1" : "");
    snprintf(num, sizeof num, "%lld", (long long)time(NULL));
    if (st == XC_OK)
        st = xc_metadata_set(r->db, SCHEMA_M_BUILT, num);
    /* Per folder: while a run that changes ids or urls is under way, its
     * folders are marked, so that an interrupted run is redone whole; the
     * new values are written when it completes. */
    for (size_t i = 0; st == XC_OK && i < r->nroots; i++) {
        char key[64];
        root_key(r->roots[i], META_PENDING, key);
        if (!final) {
            if (r->refresh[i])
                st = xc_metadata_set(r->db, key, "1");
            continue;
        }
        st = xc_metadata_set(r->db, key, "");
        root_key(r->roots[i], META_ID, key);
        if (st == XC_OK)
            st = xc_metadata_set(r->db, key, r->idprefix[i]);
        root_key(r->roots[i], META_URL, key);
        if (st == XC_OK)
            st = xc_metadata_set(r->db, key, r->base[i]);
    }
    for (size_t i = 0; final && st == XC_OK && i < r->nothers; i++) {
        char key[64];
        root_key(r->others[i], META_PENDING, key);
        if (r->other_pending[i])
            st = xc_metadata_set(r->db, key, "1");
    }
    /* every page in the index was read by these rules: at once when the
     * index had none of older ones, else once all were read again */
    if ((final || !r->rules_change) && st == XC_OK)
        st = xc_metadata_set(r->db, SCHEMA_M_EXTRACT, EXTRACT_RULES);
    if (st == XC_OK)
        st = xc_doccount(r->db, &n);
    snprintf(num, sizeof num, "%u", n);
    if (st == XC_OK)
        st = xc_metadata_set(r->db, SCHEMA_M_DOCCOUNT, num);
    if (st != XC_OK) {
        snprintf(err, errlen, "%s", xc_errmsg(r->db));
        return -1;
    }
    return 0;
}

/* 1 when an earlier --rebuild was interrupted after a batch. */
static int rebuild_pending(run *r)
{
    char *v = NULL;
    int pending = xc_metadata_get(r->db, SCHEMA_M_REBUILD, &v) == XC_OK &&
                  strcmp(v, "1") == 0;
    free(v);
    return pending;
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
    r.args = roots;
    /* a bad --base-url is a usage error: said before any walk */
    if (opt->base_url != NULL) {
        char why[128] = "out of memory"; /* kept when that is the reason */
        if (siteurl_base(opt->base_url, &r.given_base, why, sizeof why) !=
            SITEURL_OK) {
            snprintf(err, errlen, "--base-url %s: %s", opt->base_url, why);
            goto out;
        }
    }
    if (spell_new(&r.spell) != SPELL_OK ||
        !(r.roots = calloc(nroots, sizeof *r.roots)) ||
        !(r.idprefix = calloc(nroots, sizeof *r.idprefix)) ||
        !(r.base = calloc(nroots, sizeof *r.base)) ||
        !(r.refresh = calloc(nroots, sizeof *r.refresh)) ||
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
        walk_options wo = {.follow_links = opt->follow_links};
        if (walk_tree_opts(r.roots[i], &wo, &r.lists[i], msg, sizeof msg) !=
            WALK_OK) {
            snprintf(err, errlen, "%s", msg);
            goto out;
        }
        r.total += r.lists[i].count;
    }
    if (check_roots(&r, err, errlen) != 0)
        goto out;
    rep->files = r.total;
    /* links that lead outside a folder: never followed unless asked */
    for (size_t i = 0; i < nroots; i++) {
        for (size_t k = 0; k < r.lists[i].noutside; k++)
            logf_(&r, L_WARN, "skipped %s: leads outside %s",
                  r.lists[i].outside[k], roots[i]);
        rep->files += r.lists[i].noutside;
        rep->skipped += r.lists[i].noutside;
    }
    if (open_index(&r, err, errlen) != 0 || check_compat(&r, err, errlen) != 0)
        goto out;
    /* A rebuild re-reads and replaces every document and deletes the rest,
     * in batches like any run: every committed revision holds each
     * document in its old or its new form, never a half-empty index. */
    r.rebuild = opt->rebuild || (r.db && rebuild_pending(&r));
    if (r.rebuild && !opt->rebuild)
        logf_(&r, L_WARN, "finishing an interrupted --rebuild");
    if (folder_settings(&r, err, errlen) != 0)
        goto out;
    if (!opt->dry_run && xc_begin(r.db) != XC_OK) {
        snprintf(err, errlen, "%s", xc_errmsg(r.db));
        goto out;
    }
    if (opt->dry_run && opt->rebuild) {
        xc_close(r.db); /* a rebuild adds everything */
        r.db = NULL;
    }
    int ir = index_files(&r, err, errlen);
    if (ir < 0)
        goto out;
    if (ir > 0)
        goto interrupted;
    if (stopped(&r))
        goto interrupted;
    /* An entry that could not be read (a broken link, a loop, a folder
     * without permission) keeps the documents that lived under it: they
     * may still be there. Every other vanished document is deleted. */
    for (size_t i = 0; i < nroots; i++) {
        const walk_list *l = &r.lists[i];
        rep->files += l->errors; /* an entry, counted with the files */
        rep->failed += l->errors;
        for (size_t k = 0; k < l->nmessages; k++)
            logf_(&r, L_ERROR, "failed %s", l->messages[k]);
        if (l->errors > l->nmessages)
            logf_(&r, L_ERROR,
                  "failed: %zu more entries of %s could not be "
                  "read",
                  l->errors - l->nmessages, roots[i]);
    }
    if (delete_gone(&r, err, errlen) != 0)
        goto out;
    if (r.kept)
        logf_(&r, L_WARN,
              "kept %zu document%s under entries that could not "
              "be read%s",
              r.kept, r.kept == 1 ? "" : "s",
              r.rebuild ? "; the next run goes on with the rebuild" : "");
    if (!opt->dry_run) {
        int changed = rep->added || rep->updated || rep->deleted || r.rebuild ||
                      r.touched || r.meta_changed;
        if (changed && (spell_flush(r.spell, r.db) != SPELL_OK ||
                        write_meta(&r, 1, err, errlen) != 0))
            goto out;
        /* Nothing changed: cancel, so that no new revision is written. */
        xc_status cs = changed ? xc_commit(r.db) : xc_cancel(r.db);
        if (cs != XC_OK) {
            snprintf(err, errlen, "%s", xc_errmsg(r.db));
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
    for (size_t i = 0; i < nroots && r.idprefix; i++)
        free(r.idprefix[i]);
    for (size_t i = 0; i < nroots && r.base; i++)
        free(r.base[i]);
    free(r.lists);
    free(r.roots);
    free(r.idprefix);
    free(r.base);
    free(r.refresh);
    free(r.given_base);
    for (size_t i = 0; i < r.nothers; i++)
        free(r.others[i]);
    free(r.others);
    free(r.other_pending);
    for (size_t i = 0; i < r.npresent; i++)
        free(r.present[i]);
    free(r.present);
    spell_free(r.spell);
    analyze_free(r.an);
    rep->seconds = now() - r.t0;
    return status;
}
