/* pipeline: the indexer's producer/consumer pair: a worker thread reads,
 * extracts and builds documents while the main thread writes them. */
#include "indexer/pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/analyze.h"
#include "common/schema.h"
#include "common/langset.h"
#include "indexer/docbuild.h"
#include "indexer/docmeta.h"
#include "indexer/extract.h"
#include "indexer/siteurl.h"

/* Bytes of a built id or url: a relpath is at most WALK_MAX_DEPTH + 1
 * names of 255 bytes, 3 bytes each once percent-encoded. */
#define ID_URL_MAX (SITEURL_MAX_BASE + 3 * 256 * (WALK_MAX_DEPTH + 1) + 1)
/* A helper waits this long when nothing it may take fits yet. */
#define PIPELINE_HELP_WAIT_NS 1000000L
/* Bytes of the spelling words of one document. */
#define WORDS_MAX ((size_t)256 << 20)

/* items[i] is built once done; the writer consumes items[consumed]; the
 * worker stays at most WINDOW items and AHEAD_BYTES of input ahead (but
 * always one), so that memory stays bounded whatever the file sizes. The
 * bytes are the bound that matters: a built document holds about 10 times
 * its input in Xapian's structures, and a commit (tens of ms) must not
 * stall the worker, which needs a few hundred KB of lead to cover one.
 * 512 KB took gimp-fr from 0.80 s to 0.69 s (16 items: the worker stopped
 * at every commit) and costs 5 MB of RSS on man-fr (27 -> 32 MB); 1 MB
 * gained nothing more and cost 11 MB. */
#define WINDOW 256
#define AHEAD_BYTES ((uint64_t)512 << 10)

/* What building needs of its own: a thread's analyzers and file buffer. */
typedef struct {
    langset *langs;
    char *buf;
    size_t bufcap;
} builder;

struct pipeline_board {
    pthread_mutex_t mu; /* the list; taken before a pipeline's lock */
    pipeline *list;
};

struct pipeline {
    pipeline_item *items;
    size_t cap;
    size_t n;        /* queued */
    size_t next;     /* the next pipeline_next hands out */
    size_t consumed; /* released by the writer */
    uint64_t ahead;  /* input bytes of built items not yet consumed */
    int cancel;
    int started;
    int inline_build; /* no worker: pipeline_next builds on its caller */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    builder own;            /* the worker's (or the inline writer's) */
    const lang_info *deflt; /* of documents that declare no language */
    int lang_path;          /* a first folder may name the language */
    size_t max_file_size;
    int dry_run;
    /* on a board (inline only), under mu: items [back, n) are taken, and
     * helpers take from there back to next (take_last); helpers: their
     * builds in flight; helped: input bytes they built that the writer
     * has not released */
    pipeline_board *board;
    pipeline *board_next;
    int on_board;
    size_t back;
    int helpers;
    uint64_t helped;
};

/* Read the file into *buf, at most limit bytes; 0 on success, else errno. */
static int read_file(char **buf, size_t *cap, const char *path, size_t limit,
                     size_t *len)
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
    /* A file that grew past the cap since the walk saw it: limit bytes
     * are enough for the extractor to call it too large. */
    size_t want = (size_t)st.st_size < limit ? (size_t)st.st_size : limit;
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

/* Worker side: everything that needs no database; p's settings, b's
 * analyzers and buffer. */
static void build_item(const pipeline *p, builder *b, pipeline_item *it)
{
    const walk_entry *e = it->e;
    extract_doc doc = {0};
    char why[256];
    size_t len;
    size_t maxsz = p->max_file_size ? p->max_file_size : EXTRACT_MAX_SIZE;

    buf_t id, url;

    /* room for any path the walk gives (64 levels of 255-byte names, each
     * byte encoded as 3) and the longest base url */
    buf_init(&id, ID_URL_MAX);
    buf_init(&url, ID_URL_MAX);
    it->msg[0] = '\0';
    it->msg_level = RUNLOG_NOTE;
    int eno = read_file(&b->buf, &b->bufcap, e->path, maxsz + 1, &len);
    if (eno) {
        snprintf(it->msg, sizeof it->msg, "failed %s: %s", e->relpath,
                 strerror(eno));
        it->msg_level = RUNLOG_ERROR;
        it->fate = PIPELINE_FAILED;
        return;
    }
    it->bytes = len;
    uint64_t hash = schema_hash(b->buf, len);
    char hx[24];
    snprintf(hx, sizeof hx, "%016" PRIx64, hash);
    if (it->found && !it->refresh && strcmp(it->oldhash, hx) == 0) {
        it->fate = PIPELINE_UNCHANGED; /* touched, same bytes */
        it->touched = 1;
        return;
    }
    extract_status xs =
        extract_document(e->relpath, b->buf, len, maxsz, &doc, why, sizeof why);
    if (xs == EXTRACT_ERR_NOMEM) {
        it->fate = PIPELINE_FATAL;
        goto out;
    }
    if (xs != EXTRACT_OK) {
        snprintf(it->msg, sizeof it->msg, "skipped %s: %s", e->relpath, why);
        /* a draft is skipped on purpose: no need to say so every run */
        it->msg_level = xs == EXTRACT_SKIP_UNLISTED ? RUNLOG_NOTE : RUNLOG_WARN;
        it->fate = PIPELINE_SKIPPED;
        goto out;
    }
    it->fate = it->found && !it->rebuilt ? PIPELINE_UPDATED : PIPELINE_ADDED;
    if (doc.recoded)
        snprintf(it->msg, sizeof it->msg,
                 "note %s: not UTF-8, read as Windows-1252", e->relpath);
    if (p->dry_run) {
        snprintf(it->msg, sizeof it->msg, "%s %s (dry run)",
                 it->found ? "would update" : "would add", e->relpath);
        it->msg_level = RUNLOG_WARN;
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
        it->fate = PIPELINE_FATAL;
        goto out;
    }
    /* the language and section (docmeta's rules) and the tags as a list */
    int unknown;
    const lang_info *lang =
        docmeta_lang(doc.lang, e->relpath, p->lang_path, p->deflt, &unknown);
    if (unknown) { /* over the Windows-1252 note: this one matters more */
        snprintf(it->msg, sizeof it->msg,
                 "warning %s: unknown language \"%.40s\", indexed as %s",
                 e->relpath, doc.lang, lang->name);
        it->msg_level = RUNLOG_WARN;
    }
    analyzer *an = langset_get(b->langs, lang, why, sizeof why);
    if (!an) {
        it->fate = PIPELINE_FATAL;
        goto out;
    }
    char section[SCHEMA_KEY_MAX + 1];
    docmeta_section(doc.section, e->relpath, p->lang_path, section);
    const char *tags[DOCBUILD_MAX_TAGS];
    size_t ntags = 0;
    for (const char *t = doc.tags;
         t && ntags < doc.ntags && ntags < DOCBUILD_MAX_TAGS;
         t += strlen(t) + 1)
        tags[ntags++] = t;
    docbuild_input in = {
        .id = id.data,
        .relpath = e->relpath,
        .title = doc.title,
        .title_len = doc.title_len,
        .url = url.data,
        .text = doc.text,
        .text_len = doc.text_len,
        .headings = doc.headings,
        .nheadings = doc.nheadings,
        .lead = doc.lead,
        .date = doc.date,
        .section = section,
        .tags = tags,
        .ntags = ntags,
        .description = doc.description,
        .root = it->root,
        .mtime = (int64_t)e->mtime,
        .mtime_nsec = e->mtime_nsec,
        .size = (uint64_t)e->size,
        .hash = hash,
    };
    it->spell_sum = docbuild_spell_sum(lang->name, doc.title, doc.title_len,
                                       doc.text, doc.text_len);
    docbuild_status ds =
        docbuild_make(an, &in, &it->words, &it->doc, why, sizeof why);
    if (ds == DOCBUILD_ERR_NOMEM) {
        it->fate = PIPELINE_FATAL;
    } else if (ds != DOCBUILD_OK) {
        snprintf(it->msg, sizeof it->msg, "failed %s: %s", e->relpath, why);
        it->msg_level = RUNLOG_ERROR;
        it->fate = PIPELINE_FAILED;
    }
out:
    buf_free(&id);
    buf_free(&url);
    extract_doc_free(&doc);
}

static void *worker_main(void *arg)
{
    pipeline *p = arg;
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
        build_item(p, &p->own, &p->items[i]);
        pthread_mutex_lock(&p->mu);
        p->items[i].done = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

pipeline_status pipeline_new(size_t cap, const lang_info *lang, int lang_path,
                             size_t max_file_size, int dry_run,
                             int inline_build, pipeline_board *board,
                             pipeline **out, char *err, size_t errlen)
{
    pipeline_status st = PIPELINE_ERR_NOMEM;
    pipeline *p = calloc(1, sizeof *p);

    *out = NULL;
    if (!p)
        goto nomem;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->cap = cap;
    p->max_file_size = max_file_size;
    p->dry_run = dry_run;
    p->inline_build = inline_build;
    p->board = inline_build ? board : NULL;
    if (cap && !(p->items = calloc(cap, sizeof *p->items)))
        goto nomem;
    p->deflt = lang;
    p->lang_path = lang_path;
    if (!(p->own.langs = langset_new(ANALYZE_CACHE_INDEX)))
        goto nomem;
    *out = p;
    return PIPELINE_OK;
nomem:
    snprintf(err, errlen, "out of memory");
    pipeline_free(p);
    return st;
}

pipeline_item *pipeline_slot(pipeline *p)
{
    if (p->n >= p->cap)
        return NULL;
    pipeline_item *it = &p->items[p->n];
    memset(it, 0, sizeof *it);
    return it;
}

void pipeline_queue(pipeline *p)
{
    if (p->n >= p->cap)
        return;
    buf_init(&p->items[p->n].words, WORDS_MAX);
    p->n++;
}

pipeline_status pipeline_start(pipeline *p, char *err, size_t errlen)
{
    if (p->inline_build) {
        if (p->board && p->n > 0) {
            pthread_mutex_lock(&p->board->mu);
            p->back = p->n;
            p->board_next = p->board->list;
            p->board->list = p;
            p->on_board = 1;
            pthread_mutex_unlock(&p->board->mu);
        }
        return PIPELINE_OK;
    }
    if (pthread_create(&p->th, NULL, worker_main, p) != 0) {
        snprintf(err, errlen, "cannot start a thread");
        return PIPELINE_ERR_THREAD;
    }
    p->started = 1;
    return PIPELINE_OK;
}

pipeline_item *pipeline_next(pipeline *p)
{
    if (p->next >= p->n)
        return NULL;
    if (p->inline_build && !p->on_board) {
        pipeline_item *it = &p->items[p->next++];
        build_item(p, &p->own, it);
        it->done = 1;
        return it;
    }
    pthread_mutex_lock(&p->mu);
    pipeline_item *it = &p->items[p->next++];
    if (p->inline_build && !it->taken) { /* not a helper's: built here */
        it->taken = 1;
        pthread_mutex_unlock(&p->mu);
        build_item(p, &p->own, it);
        pthread_mutex_lock(&p->mu);
        it->done = 1;
    }
    while (!it->done)
        pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
    return it;
}

void pipeline_release(pipeline *p, pipeline_item *it)
{
    xc_doc_free(it->doc);
    it->doc = NULL;
    buf_free(&it->words);
    if (p->inline_build) {
        if (it->helped) {
            pthread_mutex_lock(&p->mu);
            p->helped -= (uint64_t)it->e->size;
            pthread_mutex_unlock(&p->mu);
        }
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->consumed = (size_t)(it - p->items) + 1;
    p->ahead -= (uint64_t)it->e->size;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void pipeline_free(pipeline *p)
{
    if (!p)
        return;
    if (p->on_board && p->board) { /* no helper takes more; those
                                      building finish */
        pthread_mutex_lock(&p->board->mu);
        pipeline **at = &p->board->list;
        while (*at != p)
            at = &(*at)->board_next;
        *at = p->board_next;
        pthread_mutex_unlock(&p->board->mu);
        pthread_mutex_lock(&p->mu);
        while (p->helpers > 0)
            pthread_cond_wait(&p->cv, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
    if (p->started) {
        pthread_mutex_lock(&p->mu);
        p->cancel = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->th, NULL);
    }
    for (size_t i = 0; p->items && i < p->n; i++) {
        xc_doc_free(p->items[i].doc);
        buf_free(&p->items[i].words);
    }
    free(p->items);
    free(p->own.buf);
    langset_free(p->own.langs);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

pipeline_board *pipeline_board_new(void)
{
    pipeline_board *b = calloc(1, sizeof *b);
    if (b && pthread_mutex_init(&b->mu, NULL) != 0) {
        free(b);
        b = NULL;
    }
    return b;
}

void pipeline_board_free(pipeline_board *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->mu);
    free(b);
}

/* The last item of a pipeline on b that nobody took, its writer has not
 * reached and fits under the bound on helped bytes (PIPELINE_HELP_SCAN
 * items looked at), marked taken by a helper (*owner gets its pipeline);
 * NULL when there is none (*left: some pipeline still has items nobody
 * took, which may fit once its writer has written those built for it). */
static pipeline_item *take_last(pipeline_board *b, pipeline **owner, int *left)
{
    pipeline_item *it = NULL;
    *left = 0;
    pthread_mutex_lock(&b->mu);
    for (pipeline *p = b->list; p && !it; p = p->board_next) {
        pthread_mutex_lock(&p->mu);
        while (p->back > p->next && p->items[p->back - 1].taken)
            p->back--;
        *left |= p->back > p->next;
        for (size_t i = p->back, seen = 0;
             i > p->next && seen < PIPELINE_HELP_SCAN; i--, seen++) {
            pipeline_item *c = &p->items[i - 1];
            if (c->taken ||
                p->helped + (uint64_t)c->e->size > PIPELINE_HELP_AHEAD)
                continue;
            it = c;
            it->taken = 1;
            it->helped = 1;
            p->helpers++;
            p->helped += (uint64_t)it->e->size;
            *owner = p;
            break;
        }
        pthread_mutex_unlock(&p->mu);
    }
    pthread_mutex_unlock(&b->mu);
    return it;
}

void pipeline_help(pipeline_board *b)
{
    if (!b)
        return;
    builder own = {langset_new(ANALYZE_CACHE_INDEX), NULL, 0};
    pipeline *p = NULL;
    pipeline_item *it;
    int left = 1;
    if (!own.langs)
        goto out;
    while ((it = take_last(b, &p, &left)) != NULL || left) {
        if (!it) { /* what it built waits for its writer: a moment */
            struct timespec ts = {0, PIPELINE_HELP_WAIT_NS};
            nanosleep(&ts, NULL);
            continue;
        }
        build_item(p, &own, it);
        pthread_mutex_lock(&p->mu);
        it->done = 1;
        p->helpers--;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
out:
    free(own.buf);
    langset_free(own.langs);
}
