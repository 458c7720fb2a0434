/* sync: one indexer run, the bookkeeping around the pipeline: walk, open
 * and check the index, decide per file, write in batches, delete what is
 * gone, keep the metadata, report. */
#include "indexer/sync.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/analyze.h"
#include "common/lang.h"
#include "common/langset.h"
#include "common/clock.h"
#include "common/index_meta.h"
#include "common/doctext.h"
#include "common/schema.h"
#include "common/cli.h"
#include "common/xapian_c.h"
#include "indexer/batch.h"
#include "indexer/compact.h"
#include "indexer/docbuild.h"
#include "indexer/feed.h"
#include "indexer/feeddoc.h"
#include "indexer/extract.h"
#include "indexer/folders.h"
#include "indexer/merge.h"
#include "indexer/pipeline.h"
#include "indexer/runlog.h"
#include "indexer/siteurl.h"
#include "indexer/spell.h"
#include "indexer/synonyms.h"
#include "indexer/walk.h"

#define PIDFILE "cglu-index.pid"
/* Languages of one index at most: every one common/lang knows. */
#define SYNC_MAX_LANGS LANG_MAX

typedef struct run {
    const sync_options *opt;
    sync_report *rep;
    runlog log;
    langset *langs;         /* analyzers of the documents' languages */
    const lang_info *deflt; /* --lang */
    xc_db *db; /* writer, or reader in a dry run (NULL: no index yet) */
    index_meta_info meta; /* what the index recorded (zeroed: no index) */
    spell_table *spell;
    folders f;        /* the run's folders and their settings */
    walk_list *lists; /* per folder: its files */
    size_t kept;      /* documents kept under entries that could not be read */
    char *given_base; /* --base-url in its normal form; NULL: not given */
    int rules_change; /* the index's pages were read by older rules */
    /* --rebuild over another layout or analyzer: the feed's documents go
     * too (no run can read them again without the feed) */
    int layout_change;
    /* an unfinished folders' rebuild this run leaves to a folder run (a
     * feed alone cannot finish it): the index keeps saying so */
    int rebuild_pending;
    char **present; /* unique terms that stay in the index (malloc'd),
                       sorted before the deletion pass */
    size_t npresent, cappresent;
    batch batch;     /* the open transaction's bounds and size */
    size_t ncommits; /* batches committed before the run's last */
    size_t done, total;
    size_t shared_files;   /* done, as added to opt->shared */
    uint64_t shared_bytes; /* rep->bytes, as added to opt->shared */
    int pidfile;           /* 1 when we wrote the pid file */
    int rebuild;           /* --rebuild, or finishing an interrupted one */
    size_t touched;        /* unchanged files whose new mtime was recorded */
    /* The groups of the run's synonym files, analysed in each language of
     * the index's documents: [0] the default language's, read first. */
    synonyms *syns[SYNC_MAX_LANGS];
    const lang_info *syn_langs[SYNC_MAX_LANGS]; /* [0] unused */
    size_t nsyns;
    int syn_keep;        /* a folder's .synonyms could not be read: the index's
                            synonym table is left as it was */
    unsigned changesets; /* kept for replicas (sync_options) */
    int changesets_changed; /* differs from what the index said */
} run;

unsigned sync_shard_of(const char *uid, unsigned nshards)
{
    uint64_t h = schema_hash(uid, strlen(uid)); /* FNV-1a 64 */
    return nshards > 1 ? (unsigned)(h % nshards) : 0;
}

/* 1 when this run is one shard of several (sync_options.shard). */
static int sharded(const run *r)
{
    return r->opt->nshards > 1;
}

/* 1 when this run says and counts the walk's own warnings: every shard
 * walks the same folders, one speaks for them. */
static int walk_speaker(const run *r)
{
    return (!sharded(r) || r->opt->shard == 0) && !r->opt->part;
}

typedef struct {
    const char *root;
    unsigned shard, nshards;
} shard_filter;

static int in_shard(const walk_entry *e, void *ctx)
{
    const shard_filter *sf = ctx;
    char uid[SCHEMA_TERM_MAX + 1];
    schema_uid(sf->root, e->relpath, uid);
    return sync_shard_of(uid, sf->nshards) == sf->shard;
}

/* The split of a merged build's pages between its parts (sync_options
 * walked). */
typedef struct {
    uint64_t load[SYNC_MAX_WRITERS]; /* bytes each part has so far */
    unsigned part, nparts;
} part_split;

static int in_part(const walk_entry *e, void *ctx)
{
    part_split *ps = ctx;
    unsigned best = 0;
    for (unsigned k = 1; k < ps->nparts; k++)
        if (ps->load[k] < ps->load[best])
            best = k;
    ps->load[best] += (uint64_t)e->size + 1; /* empty files spread too */
    return best == ps->part;
}

static void progress(run *r, int final)
{
    sync_progress *sp = r->opt->shared;
    if (sp) { /* what this run did since its last call */
        atomic_fetch_add(&sp->files, r->done - r->shared_files);
        atomic_fetch_add(&sp->bytes, r->rep->bytes - r->shared_bytes);
        r->shared_files = r->done;
        r->shared_bytes = r->rep->bytes;
    }
    runlog_progress(&r->log, r->done, r->total, r->rep->bytes, final);
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
    /* none seen (a run of feed deletions): no list to look in */
    return r->npresent > 0 && bsearch(&id, r->present, r->npresent,
                                      sizeof *r->present, cmp_str) != NULL;
}

/* Read the stored document of term: its data (id\0title\0url, into *data)
 * and text (into *text), both malloc'd, and its language (*lang). 0, or -1
 * when unreadable. */
static int read_stored(run *r, const char *term, char **data, size_t *dlen,
                       char **text, const lang_info **lang)
{
    char *vals[SCHEMA_NVALUES] = {0};
    size_t vlens[SCHEMA_NVALUES] = {0}, tlen;
    uint32_t docid;
    int ret = -1;
    *text = NULL;
    if (xc_get_doc(r->db, term, &docid, data, dlen, vals, vlens,
                   SCHEMA_NVALUES) != XC_OK)
        return -1;
    if (doctext_load(r->db, docid, vals[SCHEMA_V_TEXT], vlens[SCHEMA_V_TEXT],
                     text, &tlen) != TEXTSTORE_OK) {
        free(*data);
        *data = NULL;
        goto out;
    }
    const char *code = vals[SCHEMA_V_LANG] ? vals[SCHEMA_V_LANG] : "";
    *lang = lang_find(code, strlen(code));
    if (!*lang)
        *lang = r->deflt;
    ret = 0;
out:
    for (int i = 0; i < SCHEMA_NVALUES; i++)
        free(vals[i]);
    return ret;
}

/* The title of a stored document's data (id\0title\0url...) into *title
 * and *tl; 0 when it has none. */
static int stored_title(const char *data, size_t len, const char **title,
                        size_t *tl)
{
    const char *end = data + len;
    const char *t = memchr(data, '\0', len);
    if (!t)
        return 0;
    t++;
    const char *url = memchr(t, '\0', (size_t)(end - t));
    *title = t;
    *tl = url ? (size_t)(url - t) : (size_t)(end - t);
    return 1;
}

/* docbuild_spell_sum of a stored document. */
static uint64_t stored_spell_sum(const char *data, size_t len, const char *text,
                                 const lang_info *lang)
{
    const char *title = "";
    size_t tl = 0;
    stored_title(data, len, &title, &tl);
    return docbuild_spell_sum(lang->name, title, tl, text ? text : "",
                              text ? strlen(text) : 0);
}

/* Subtract the spelling words of a stored document of language lang (its
 * title, in data id\0title\0url, and its text). 0, or -1 when out of
 * memory. */
static int unspell(run *r, const char *data, size_t len, const char *text,
                   const lang_info *lang)
{
    const char *title;
    size_t tl;
    analyzer *an = langset_get(r->langs, lang, NULL, 0);
    if (!an)
        return -1;
    if (stored_title(data, len, &title, &tl) &&
        docbuild_spell_text(an, title, tl, r->spell, -1) != DOCBUILD_OK)
        return -1;
    if (text && docbuild_spell_text(an, text, strlen(text), r->spell, -1) !=
                    DOCBUILD_OK)
        return -1;
    return 0;
}

/* Compaction after this run: a full build (an index empty at the start,
 * or a rebuild), unless the options say otherwise. */
static int want_compact(const run *r)
{
    switch (r->opt->compact) {
    case SYNC_COMPACT_ALWAYS:
        return 1;
    case SYNC_COMPACT_NEVER:
        return 0;
    }
    return r->meta.doccount == 0 || r->rebuild;
}

/* Compact the committed index in place (indexer/compact). A failure
 * leaves the index as built, which serves the same answers: a warning,
 * not an error. r->db is closed: the run writes nothing after it. */
static void compact_index(run *r)
{
    char msg[PATH_MAX + 256];
    double t0 = clock_now();
    compact_status cs = compact_swap(r->db, r->opt->db_path, msg, sizeof msg);
    r->pidfile = 0; /* it went with the folder compacted away */
    xc_close(r->db);
    r->db = NULL;
    if (cs != COMPACT_OK)
        runlog_printf(&r->log, RUNLOG_WARN, "index not compacted: %s", msg);
    else if (msg[0])
        runlog_printf(&r->log, RUNLOG_WARN, "%s", msg);
    else
        runlog_printf(&r->log, RUNLOG_NOTE, "index compacted in %.2f s",
                      clock_now() - t0);
}

/* A new batch under the run's bounds, from now. */
static void begin_batch(run *r)
{
    batch_limits lim = {.memory = r->opt->batch_memory,
                        .input = r->opt->batch_bytes,
                        .age = r->opt->batch_seconds};
    batch_begin(&r->batch, &lim, clock_now());
}

static int write_meta(run *r, int final, char *err, size_t errlen);

/* Every committed revision carries the analyzer's metadata, so that an
 * index interrupted after a batch is still recognised by the next run. */
static int commit_batch(run *r, batch_reason why, char *err, size_t errlen)
{
    double age = clock_now() - r->batch.t0;
    if (write_meta(r, 0, err, errlen) != 0)
        return -1;
    if (spell_flush(r->spell, r->db) != SPELL_OK || xc_commit(r->db) != XC_OK ||
        xc_begin(r->db) != XC_OK) {
        snprintf(err, errlen, "%s", xc_errmsg(r->db));
        return -1;
    }
    r->ncommits++;
    /* MB as the options count them (2^20 bytes) */
    runlog_printf(&r->log, RUNLOG_NOTE,
                  "committed batch %zu (%s): %zu documents, %.1f MB of "
                  "input, %.1f MB of memory, %.1f s old",
                  r->ncommits, batch_reason_name(why), r->batch.docs,
                  (double)r->batch.input / (1 << 20),
                  (double)r->batch.memory / (1 << 20), age);
    begin_batch(r);
    return 0;
}

/* After each document: commit when the open batch is full (memory,
 * input) or old. 0, or -1 with err set. */
static int maybe_commit(run *r, char *err, size_t errlen)
{
    if (r->opt->dry_run)
        return 0;
    batch_reason why = batch_check(&r->batch, clock_now());
    return why == BATCH_OPEN ? 0 : commit_batch(r, why, err, errlen);
}

/* Whether this run builds its documents on its own thread: one of several
 * writers (shards, parts) at least as many as the cores, which they keep
 * busy; a worker thread each would only take turns with them (and cost its
 * own analyzers and read-ahead). */
static int inline_build(const run *r)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return sharded(r) && cores > 0 && r->opt->nshards >= (unsigned long)cores;
}

/* Before the pipeline: decide from the index alone whether a file must be
 * read. Returns its fate, PIPELINE_ADDED for "must be read", or
 * PIPELINE_FATAL on an index error (err set). */
static int classify(run *r, size_t ri, const walk_entry *e, pipeline_item *it,
                    char *err, size_t errlen)
{
    const char *root = r->f.roots[ri];
    char idterm[SCHEMA_TERM_MAX + 1];
    char *vals[4] = {0};
    int result = PIPELINE_ADDED;
    size_t maxsz =
        r->opt->max_file_size ? r->opt->max_file_size : EXTRACT_MAX_SIZE;

    if (extract_format_of(e->relpath) == EXTRACT_FMT_NONE) {
        /* images, stylesheets: expected in a site's folder, counted only */
        runlog_printf(&r->log, RUNLOG_NOTE, "skipped %s: %s", e->relpath,
                      extract_strerror(EXTRACT_SKIP_TYPE));
        return PIPELINE_SKIPPED;
    }
    if ((uint64_t)e->size > (uint64_t)maxsz) {
        runlog_printf(&r->log, RUNLOG_WARN, "skipped %s: larger than %zu MB",
                      e->relpath, maxsz >> 20);
        return PIPELINE_SKIPPED;
    }
    it->e = e;
    it->root = root;
    it->idprefix = r->f.idprefix[ri];
    it->base = r->f.base[ri];
    if (!r->db)
        return PIPELINE_ADDED;
    schema_uid(root, e->relpath, idterm);
    xc_status st = xc_get_by_id(r->db, idterm, NULL, NULL, vals, 4);
    if (st == XC_ERR_NOTFOUND)
        return PIPELINE_ADDED;
    if (st != XC_OK) {
        snprintf(err, errlen, "%s", xc_errmsg(r->db));
        return PIPELINE_FATAL;
    }
    char mt[32], sz[32];
    schema_mtime((int64_t)e->mtime, e->mtime_nsec, mt);
    snprintf(sz, sizeof sz, "%" PRIu64, (uint64_t)e->size);
    it->found = 1;
    if (r->rebuild) {
        it->rebuilt = 1; /* no hash: read and replace it whatever */
    } else if (r->f.refresh[ri]) {
        it->refresh = 1; /* same file, but a new id or url: read it */
    } else {
        snprintf(it->oldhash, sizeof it->oldhash, "%s", vals[SCHEMA_V_HASH]);
        if (strcmp(vals[SCHEMA_V_MTIME], mt) == 0 &&
            strcmp(vals[SCHEMA_V_SIZE], sz) == 0)
            result = PIPELINE_UNCHANGED;
    }
    for (int i = 0; i < 4; i++)
        free(vals[i]);
    return result;
}

/* After the pipeline: write one built item. Returns its fate, or
 * PIPELINE_FATAL with err set. */
static int write_item(run *r, pipeline_item *it, char *err, size_t errlen)
{
    char idterm[SCHEMA_TERM_MAX + 1];
    char *old = NULL;
    size_t oldlen = 0;
    const walk_entry *e = it->e;

    r->rep->bytes += it->bytes;
    batch_add(&r->batch, it->bytes);
    if (it->msg[0])
        runlog_printf(&r->log, it->msg_level, "%s", it->msg);
    if (it->fate == PIPELINE_FATAL) {
        snprintf(err, errlen, "out of memory on %s", e->relpath);
        return PIPELINE_FATAL;
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
            return PIPELINE_FATAL;
        }
        r->touched++;
    }
    if (!it->doc)
        return it->fate;
    schema_uid(it->root, e->relpath, idterm);
    char *oldtext = NULL;
    const lang_info *oldlang = NULL;
    /* the same language, title and text: the same words go and come back */
    int same = 0, oom = 0;
    if (it->found &&
        read_stored(r, idterm, &old, &oldlen, &oldtext, &oldlang) == 0) {
        same = stored_spell_sum(old, oldlen, oldtext, oldlang) == it->spell_sum;
        oom = !same && unspell(r, old, oldlen, oldtext, oldlang) != 0;
    }
    free(old);
    free(oldtext);
    if (oom) {
        snprintf(err, errlen, "out of memory");
        return PIPELINE_FATAL;
    }
    if (!same && docbuild_spell_words(r->spell, it->words.data,
                                      it->words.len) != DOCBUILD_OK) {
        snprintf(err, errlen, "out of memory");
        return PIPELINE_FATAL;
    }
    if (xc_replace(r->db, idterm, it->doc) != XC_OK) {
        snprintf(err, errlen, "%s", xc_errmsg(r->db));
        return PIPELINE_FATAL;
    }
    runlog_printf(&r->log, RUNLOG_NOTE, "%s %s",
                  it->found ? "updated" : "added", e->relpath);
    return it->fate;
}

static void count_fate(sync_report *rep, int f)
{
    switch ((pipeline_fate)f) {
    case PIPELINE_FATAL:
        break;
    case PIPELINE_UNCHANGED:
        rep->unchanged++;
        break;
    case PIPELINE_ADDED:
        rep->added++;
        break;
    case PIPELINE_UPDATED:
        rep->updated++;
        break;
    case PIPELINE_SKIPPED:
        rep->skipped++;
        break;
    case PIPELINE_FAILED:
        rep->failed++;
        break;
    }
}

static int stopped(const run *r)
{
    return r->opt->stop && *r->opt->stop;
}

static int first_term(const char *term, size_t len, uint32_t tf, void *ctx)
{
    (void)term;
    (void)len;
    (void)tf;
    *(int *)ctx = 1;
    return 1;
}

/* Whether this run is a full build by several writers, merged
 * (indexer/merge): a folders' run into one database, from nothing or
 * --rebuild, and nothing in the index that a build from nothing would
 * lose (a feed's documents; pages under entries this run cannot read).
 * 1 or 0 (a note says why not, when writers were asked for), -1 with err
 * set when the index cannot be read. */
static int want_merge(run *r, char *err, size_t errlen)
{
    const sync_options *o = r->opt;
    if (o->writers < 2 || o->part || o->dry_run || sharded(r) || o->feed ||
        r->f.n == 0 || o->compact == SYNC_COMPACT_NEVER ||
        (r->meta.doccount > 0 && !r->rebuild))
        return 0;
    if (r->meta.doccount == 0)
        return 1;
    char feedp[SCHEMA_TERM_MAX + 1];
    int feed = 0;
    schema_uid(FEEDDOC_ROOT, "", feedp);
    if (xc_allterms(r->db, feedp, first_term, &feed) != XC_OK) {
        snprintf(err, errlen, "%s", xc_errmsg(r->db));
        return -1;
    }
    if (feed) {
        runlog_printf(&r->log, RUNLOG_NOTE,
                      "one writer: the index holds a feed's documents, "
                      "which a build from nothing would lose");
        return 0;
    }
    for (size_t i = 0; i < r->f.n; i++)
        if (r->lists[i].nunreadable > 0) {
            runlog_printf(&r->log, RUNLOG_NOTE,
                          "one writer: entries of %s cannot be read, and "
                          "the pages under them are kept",
                          r->f.args[i]);
            return 0;
        }
    return 1;
}

/* Say and count the entries the walk could not read (as failed files). */
static void report_walk_errors(run *r, const char *const *given)
{
    for (size_t i = 0; i < r->f.n && walk_speaker(r); i++) {
        const walk_list *l = &r->lists[i];
        r->rep->files += l->errors; /* an entry, counted with the files */
        r->rep->failed += l->errors;
        for (size_t k = 0; k < l->nmessages; k++)
            runlog_printf(&r->log, RUNLOG_ERROR, "failed %s", l->messages[k]);
        if (l->errors > l->nmessages)
            runlog_printf(&r->log, RUNLOG_ERROR,
                          "failed: %zu more entries of %s could not be "
                          "read",
                          l->errors - l->nmessages, given[i]);
    }
}

/* Index every walked file: classify on this thread, read/extract/build in
 * the pipeline, write here in walk order. 0, -1 fatal, 1 interrupted. */
static int index_files(run *r, char *err, size_t errlen)
{
    pipeline *p = NULL;
    pipeline_item *it;
    int rc = -1;

    if (pipeline_new(r->total, r->deflt, r->opt->lang_path,
                     r->opt->max_file_size, r->opt->dry_run, inline_build(r),
                     r->opt->board, &p, err, errlen) != PIPELINE_OK)
        return -1;
    /* Pass 1: what must be read. */
    for (size_t i = 0; i < r->f.n; i++) {
        for (size_t k = 0; k < r->lists[i].count; k++) {
            const walk_entry *e = &r->lists[i].items[k];
            it = pipeline_slot(p); /* never NULL: total counts every entry */
            if (!it) {
                snprintf(err, errlen, "out of memory");
                goto out;
            }
            int f = classify(r, i, e, it, err, errlen);
            if (f == PIPELINE_FATAL)
                goto out;
            char uid[SCHEMA_TERM_MAX + 1];
            schema_uid(r->f.roots[i], e->relpath, uid);
            it->pidx = r->npresent;
            if (f != PIPELINE_SKIPPED && add_present(r, uid) != 0) {
                snprintf(err, errlen, "out of memory");
                goto out;
            }
            if (f == PIPELINE_ADDED) {
                pipeline_queue(p);
            } else {
                count_fate(r->rep, f);
                r->done++;
            }
        }
    }
    /* the batch begins with its first document: the time pass 1 took and
     * the pipeline's own lists are not its */
    begin_batch(r);
    if (pipeline_start(p, err, errlen) != PIPELINE_OK)
        goto out;
    /* Pass 2: write in order. A file that failed keeps its previous
     * version (it stays "present"); a skipped one is deleted later. */
    while ((it = pipeline_next(p)) != NULL) {
        if (stopped(r)) {
            rc = 1;
            goto out;
        }
        int f = write_item(r, it, err, errlen);
        pipeline_release(p, it);
        if (f == PIPELINE_FATAL)
            goto out;
        count_fate(r->rep, f);
        if (f == PIPELINE_SKIPPED) {
            /* no longer in the index: the deletion pass removes it */
            free(r->present[it->pidx]);
            r->present[it->pidx] = NULL;
        }
        r->done++;
        progress(r, 0);
        if (maybe_commit(r, err, errlen) != 0)
            goto out;
    }
    rc = stopped(r) ? 1 : 0;
out:
    pipeline_free(p);
    return rc;
}

typedef struct {
    run *r;
    char **ids;
    size_t n, cap;
    int oom;
} gone_ctx;

/* Delete the feed document of uid (present: its old words unspelled).
 * 0, or -1 with err set. */
static int feed_delete(run *r, const char *uid, const char *id, char *err,
                       size_t errlen)
{
    char *data = NULL, *text = NULL;
    size_t dl = 0;
    const lang_info *lang = NULL;
    int rc = 0;
    if (read_stored(r, uid, &data, &dl, &text, &lang) != 0) {
        uint32_t tf = 1;
        if (xc_termfreq(r->db, uid, &tf) == XC_OK && tf == 0)
            return 0; /* not in the index: nothing to do */
        snprintf(err, errlen, "cannot read %s from %s: %s", id, r->opt->db_path,
                 xc_errmsg(r->db));
        return -1;
    }
    if (r->opt->dry_run) {
        runlog_printf(&r->log, RUNLOG_WARN, "would delete %s (dry run)", id);
    } else if (unspell(r, data, dl, text, lang) != 0 ||
               xc_delete(r->db, uid) != XC_OK) {
        snprintf(err, errlen, "cannot delete %s from %s: %s", id,
                 r->opt->db_path, xc_errmsg(r->db));
        rc = -1;
    } else {
        runlog_printf(&r->log, RUNLOG_NOTE, "deleted %s", id);
    }
    if (rc == 0)
        r->rep->deleted++;
    batch_add(&r->batch, dl + (text ? strlen(text) : 0));
    free(data);
    free(text);
    return rc;
}

/* One entry of the feed: added, replaced, deleted, or left alone when its
 * content hash is the index's. 0, -1 fatal (err set). */
static int feed_entry_index(run *r, const feed_entry *e, char *err,
                            size_t errlen)
{
    char uid[SCHEMA_TERM_MAX + 1], hx[24], msg[300];
    char *vals[SCHEMA_V_HASH + 1] = {0};
    int found = 0, rc = -1;
    xc_doc *doc = NULL;
    buf_t words;

    buf_init(&words, BUF_MAX_LIMIT);
    schema_uid(FEEDDOC_ROOT, e->id, uid);
    if (!e->deleted && add_present(r, uid) != 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (e->deleted) {
        rc = r->db ? feed_delete(r, uid, e->id, err, errlen) : 0;
        goto out;
    }
    r->rep->files++;
    r->rep->bytes += e->body_len;
    batch_add(&r->batch, e->body_len);
    if (r->db) {
        xc_status st =
            xc_get_by_id(r->db, uid, NULL, NULL, vals, SCHEMA_V_HASH + 1);
        if (st != XC_OK && st != XC_ERR_NOTFOUND) {
            snprintf(err, errlen, "%s", xc_errmsg(r->db));
            goto out;
        }
        found = st == XC_OK;
        /* an id a file's page has: DOC and hits could not tell them apart */
        char qterm[SCHEMA_TERM_MAX + 1];
        uint32_t tf = 0;
        schema_term(SCHEMA_P_ID, e->id, e->id_len, qterm);
        if (xc_termfreq(r->db, qterm, &tf) != XC_OK) {
            snprintf(err, errlen, "%s", xc_errmsg(r->db));
            goto out;
        }
        if (tf > (uint32_t)found) {
            runlog_printf(&r->log, RUNLOG_ERROR,
                          "failed %s (%s line %zu): a page of the indexed "
                          "folders has that id: a feed entry needs another",
                          e->id, r->opt->feed, e->line);
            r->rep->failed++;
            rc = 0;
            goto out;
        }
    }
    snprintf(hx, sizeof hx, "%016" PRIx64, feeddoc_hash(e));
    if (found && !r->rebuild && !r->rules_change &&
        strcmp(vals[SCHEMA_V_HASH], hx) == 0) {
        r->rep->unchanged++;
        rc = 0;
        goto out;
    }
    char unknown[LANG_MAX_TAG + 1];
    feeddoc_status fs = feeddoc_build(e, r->langs, r->deflt, &doc, &words,
                                      unknown, sizeof unknown, msg, sizeof msg);
    if (unknown[0])
        runlog_printf(&r->log, RUNLOG_WARN,
                      "%s: unknown language \"%s\", indexed as %s", e->id,
                      unknown, r->deflt->name);
    if (fs == FEEDDOC_ERR_NOMEM) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (fs != FEEDDOC_OK) {
        /* an entry with nothing to index is no longer a document */
        runlog_printf(&r->log, fs == FEEDDOC_SKIP ? RUNLOG_WARN : RUNLOG_ERROR,
                      "%s %s (%s line %zu): %s",
                      fs == FEEDDOC_SKIP ? "skipped" : "failed", e->id,
                      r->opt->feed, e->line, msg);
        if (fs == FEEDDOC_SKIP)
            r->rep->skipped++;
        else
            r->rep->failed++;
        rc = found && r->db ? feed_delete(r, uid, e->id, err, errlen) : 0;
        goto out;
    }
    if (r->opt->dry_run) {
        runlog_printf(&r->log, RUNLOG_WARN, "%s %s (dry run)",
                      found ? "would update" : "would add", e->id);
    } else {
        char *old = NULL, *oldtext = NULL;
        size_t oldlen = 0;
        const lang_info *oldlang = NULL;
        int oom = found &&
                  read_stored(r, uid, &old, &oldlen, &oldtext, &oldlang) == 0 &&
                  unspell(r, old, oldlen, oldtext, oldlang) != 0;
        free(old);
        free(oldtext);
        if (oom || docbuild_spell_words(r->spell, words.data, words.len) !=
                       DOCBUILD_OK) {
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        if (xc_replace(r->db, uid, doc) != XC_OK) {
            snprintf(err, errlen, "%s", xc_errmsg(r->db));
            goto out;
        }
        runlog_printf(&r->log, RUNLOG_NOTE, "%s %s",
                      found ? "updated" : "added", e->id);
    }
    if (found && !r->rebuild)
        r->rep->updated++;
    else
        r->rep->added++;
    rc = 0;
out:
    for (int i = 0; i <= SCHEMA_V_HASH; i++)
        free(vals[i]);
    xc_doc_free(doc);
    buf_free(&words);
    return rc;
}

/* --feed FILE: every line an entry (indexer/feed). A refused line is said
 * with its number and counted as failed; the others are indexed. 0, -1
 * fatal, 1 interrupted. */
static int index_feed(run *r, char *err, size_t errlen)
{
    char msg[512];
    int rc = -1;
    feed_reader *fr = NULL;
    feed_entry e;

    if (!r->opt->feed)
        return 0;
    if (feed_open(r->opt->feed, &fr, msg, sizeof msg) != FEED_OK) {
        snprintf(err, errlen, "--feed: %s", msg);
        return -1;
    }
    for (;;) {
        if (stopped(r)) {
            rc = 1;
            break;
        }
        feed_status fs = feed_next(fr, &e, msg, sizeof msg);
        if (fs == FEED_END) {
            rc = 0;
            break;
        }
        if (fs == FEED_BAD) {
            runlog_printf(&r->log, RUNLOG_ERROR, "%s: %s",
                          strcmp(r->opt->feed, "-") ? r->opt->feed
                                                    : "standard input",
                          msg);
            r->rep->files++;
            r->rep->failed++;
            continue;
        }
        if (fs != FEED_OK) {
            snprintf(err, errlen, "--feed: %s", msg);
            break;
        }
        int bad = feed_entry_index(r, &e, err, errlen) != 0;
        feed_entry_free(&e);
        if (bad)
            break;
        if (maybe_commit(r, err, errlen) != 0)
            break;
    }
    feed_close(fr);
    return rc;
}

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

    for (size_t i = 0; i < r->f.n; i++) {
        const walk_list *l = &r->lists[i];
        size_t rl = strlen(r->f.roots[i]);
        if (l->nunreadable == 0 || strncmp(uid + pl, r->f.roots[i], rl) != 0 ||
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
    if (r->npresent > 0)
        qsort(r->present, r->npresent, sizeof *r->present, cmp_str);
    /* Which documents are this run's to delete when it has not seen
     * them: its folders' (a rebuild with folders: every folder's, the
     * given ones or not, "U/..." as roots are absolute paths); the feed's
     * only in a rebuild with a feed, or when the layout changed (no run
     * can rebuild them without the feed). A folder run never deletes a
     * feed's document otherwise, nor a feed run a folder's. */
    char prefix[SCHEMA_TERM_MAX + 1];
    size_t nscan = 0;
    const char *scan[2];
    char feedp[SCHEMA_TERM_MAX + 1];
    schema_uid(FEEDDOC_ROOT, "", feedp);
    if (r->rebuild && r->f.n > 0)
        scan[nscan++] = SCHEMA_P_UID "/";
    if ((r->rebuild && r->opt->feed) || r->layout_change)
        scan[nscan++] = feedp;
    for (size_t k = 0; k < nscan; k++)
        if (xc_allterms(r->db, scan[k], collect_gone, &g) != XC_OK) {
            snprintf(err, errlen, "%s", xc_errmsg(r->db));
            goto out;
        }
    for (size_t k = 0; !(r->rebuild && r->f.n > 0) && k < r->f.n; k++) {
        size_t pl = schema_uid(r->f.roots[k], "", prefix);
        if (pl >= SCHEMA_TERM_MAX - SCHEMA_CUT_TAIL)
            continue; /* a folder name too long to scan by prefix */
        if (xc_allterms(r->db, prefix, collect_gone, &g) != XC_OK) {
            snprintf(err, errlen, "%s", xc_errmsg(r->db));
            goto out;
        }
    }
    size_t nfeed = 0, fl = strlen(feedp);
    for (size_t i = 0; i < g.n; i++)
        nfeed += strncmp(g.ids[i], feedp, fl) == 0;
    if (r->layout_change && !r->opt->feed && nfeed > 0)
        runlog_printf(&r->log, RUNLOG_WARN,
                      "the index's layout changed: its %zu feed document%s "
                      "go too; push the feed again (--feed)",
                      nfeed, nfeed == 1 ? "" : "s");
    if (g.oom) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < g.n; i++) {
        char *data = NULL, *text = NULL;
        size_t dl = 0;
        const char *term = g.ids[i];
        const lang_info *lang = NULL;
        int bad = read_stored(r, term, &data, &dl, &text, &lang) != 0;
        if (!bad && r->opt->dry_run) {
            runlog_printf(&r->log, RUNLOG_WARN, "would delete %s (dry run)",
                          data); /* id\0.. */
        } else if (!bad) {
            bad = unspell(r, data, dl, text, lang) != 0 ||
                  xc_delete(r->db, term) != XC_OK;
            if (!bad)
                runlog_printf(&r->log, RUNLOG_NOTE, "deleted %s", data);
        }
        /* Deleting costs about what indexing the text did: batch it too. */
        batch_add(&r->batch, dl + (text ? strlen(text) : 0));
        free(data);
        free(text);
        if (bad) {
            snprintf(err, errlen, "cannot delete %s from %s: %s", term,
                     r->opt->db_path, xc_errmsg(r->db));
            goto out;
        }
        r->rep->deleted++;
        if (maybe_commit(r, err, errlen) != 0)
            goto out;
    }
    rc = 0;
out:
    for (size_t i = 0; i < g.n; i++)
        free(g.ids[i]);
    free(g.ids);
    return rc;
}

static void syn_report(const char *msg, void *ctx)
{
    run *r = ctx;
    if (walk_speaker(r)) /* every shard reads the same files */
        runlog_printf(&r->log, RUNLOG_ERROR, "%s", msg);
}

/* Read each folder's .synonyms (none is fine) and every --synonyms FILE
 * into set. With report (the default language's set, read first): a
 * refused line is said and counted, the rest kept; a folder's file that
 * cannot be read leaves the index's table as it was (syn_keep), a FILE
 * given that cannot be read is fatal (-1 with err set). Without: the same
 * files again for another language, silently. */
static int read_synonyms_into(run *r, synonyms *set, int report,
                              const char *const *given, char *err,
                              size_t errlen)
{
    char path[PATH_MAX], name[PATH_MAX], msg[512];
    size_t nbad = 0;
    synonyms_status st;
    synonyms_report_fn fn = report ? syn_report : NULL;
    size_t *bad = report ? &nbad : NULL;

    for (size_t i = 0; i < r->f.n; i++) {
        snprintf(path, sizeof path, "%s/%s", r->f.roots[i], SYNONYMS_FILE);
        snprintf(name, sizeof name, "%s%s%s", given[i],
                 given[i][0] && given[i][strlen(given[i]) - 1] == '/' ? ""
                                                                      : "/",
                 SYNONYMS_FILE);
        st = synonyms_read(set, path, name, 1, fn, r, bad, msg, sizeof msg);
        if (st == SYNONYMS_ERR_READ && report) {
            if (walk_speaker(r))
                runlog_printf(&r->log, RUNLOG_ERROR,
                              "%s; the index keeps its synonyms", msg);
            r->syn_keep = 1;
            nbad++;
        } else if (st != SYNONYMS_OK && st != SYNONYMS_ERR_READ) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    for (size_t i = 0; i < r->opt->nsynonym_files; i++) {
        const char *f = r->opt->synonym_files[i];
        st = synonyms_read(set, f, f, 0, fn, r, bad, msg, sizeof msg);
        if (st == SYNONYMS_ERR_READ) {
            snprintf(err, errlen, "--synonyms: %s", msg);
            return -1;
        }
        if (st != SYNONYMS_OK) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    if (report)
        r->rep->bad_synonyms = nbad;
    return 0;
}

/* The run's synonym files in the default language (said and counted). */
static int read_synonyms(run *r, const char *const *given, char *err,
                         size_t errlen)
{
    analyzer *an = langset_get(r->langs, r->deflt, NULL, 0);
    if (!an || synonyms_new(an, &r->syns[0]) != SYNONYMS_OK) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->nsyns = 1;
    return read_synonyms_into(r, r->syns[0], 1, given, err, errlen);
}

static int note_lang(const char *term, size_t len, uint32_t tf, void *ctx)
{
    run *r = ctx;
    const lang_info *l = len > 1 ? lang_find(term + 1, len - 1) : NULL;
    (void)tf;
    if (l && l != r->deflt && r->nsyns < SYNC_MAX_LANGS)
        r->syn_langs[r->nsyns++] = l; /* its set is made by the caller */
    return 0;
}

/* The same files in every other language the index's documents are in
 * (its L terms, this run's changes included): a query analysed in a
 * language looks its words up among that language's keys. 0, or -1 with
 * err set. */
static int synonyms_other_langs(run *r, const char *const *given, char *err,
                                size_t errlen)
{
    size_t first = r->nsyns;
    if (!r->db || r->syn_keep)
        return 0;
    if (xc_allterms(r->db, SCHEMA_P_LANG, note_lang, r) != XC_OK) {
        snprintf(err, errlen, "%s", xc_errmsg(r->db));
        return -1;
    }
    for (size_t i = first; i < r->nsyns; i++) {
        analyzer *an = langset_get(r->langs, r->syn_langs[i], NULL, 0);
        r->syns[i] = NULL;
        if (!an || synonyms_new(an, &r->syns[i]) != SYNONYMS_OK) {
            r->nsyns = i;
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (read_synonyms_into(r, r->syns[i], 0, given, err, errlen) != 0) {
            r->nsyns = i + 1;
            return -1;
        }
    }
    return 0;
}

/* Whether the index's synonym table differs from the run's files (*differ),
 * after saying so in a dry run. 0, or -1 with err set. */
static int synonyms_differ(run *r, int *differ, char *err, size_t errlen)
{
    int same = 1;
    *differ = 0;
    if (r->syn_keep || !r->db)
        return 0;
    synonyms_status st = synonyms_same_all((const synonyms *const *)r->syns,
                                           r->nsyns, r->db, &same);
    if (st != SYNONYMS_OK) {
        snprintf(err, errlen, "%s",
                 st == SYNONYMS_ERR_DB ? xc_errmsg(r->db) : "out of memory");
        return -1;
    }
    *differ = !same;
    if (*differ && r->opt->dry_run)
        runlog_printf(&r->log, RUNLOG_WARN,
                      "would replace the synonyms: %zu groups (dry run)",
                      synonyms_ngroups(r->syns[0]));
    return 0;
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
 * ever committed and nothing can be lost by creating it again. Glass
 * writes the version file as v.tmp and renames it: a kill between the two
 * leaves v.tmp (seen under ASan, where the window is wider). Any other
 * name in it, and it is left alone. */
static int interrupted_creation(const char *path)
{
    static const char *const own[] = {"flintlock", "v.tmp", PIDFILE};
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

unsigned sync_stored_changesets(const char *path)
{
    xc_db *db = NULL;
    char *v = NULL, msg[256];
    unsigned long long n = 0;
    if (xc_open_read(path, &db, msg, sizeof msg) == XC_OK &&
        xc_metadata_get(db, SCHEMA_M_CHANGESETS, &v) == XC_OK && v &&
        cli_uint(v, 0, XC_MAX_CHANGESETS, 0, &n) != 0)
        n = 0;
    free(v);
    xc_close(db);
    return (unsigned)n;
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
    /* before the writer opens: Xapian reads it then; a part keeps none
     * (merge_build set Xapian's environment before its threads) */
    unsigned was = r->opt->part ? r->opt->changesets
                                : sync_stored_changesets(r->opt->db_path);
    r->changesets = r->opt->changesets_given ? r->opt->changesets : was;
    r->changesets_changed = r->changesets != was;
    if (!r->opt->part)
        xc_set_max_changesets(r->changesets);
    int flags = r->opt->part ? XC_WRITE_NOSYNC : 0;
    xc_status xs =
        xc_open_write(r->opt->db_path, flags, &r->db, msg, sizeof msg);
    if (xs == XC_ERR_OPEN && interrupted_creation(r->opt->db_path)) {
        runlog_printf(&r->log, RUNLOG_WARN,
                      "index %s: its first run was interrupted before "
                      "any commit: created again",
                      r->opt->db_path);
        xs = xc_open_write(r->opt->db_path, flags | XC_WRITE_TRUNCATE, &r->db,
                           msg, sizeof msg);
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
    /* a merged build killed before its exchange left its parts: the lock
     * is ours, so no build of them is under way */
    if (!r->opt->part)
        merge_clean(r->opt->db_path, &r->log);
    return 0;
}

/* Refuse to mix analyzers: documents made by another layout, analyzer
 * version or language must be rebuilt, or their terms would not match new
 * queries (common/index_meta's rule: an index without documents takes
 * any). --rebuild replaces them all, so it needs no check; the metadata is
 * read in every case. */
static int check_index(run *r, char *err, size_t errlen)
{
    char why[512];
    const char *path = r->opt->db_path;

    if (!r->db)
        return 0;
    index_meta_status st =
        index_meta_check(r->db, r->deflt->name, &r->meta, why, sizeof why);
    switch (st) {
    case INDEX_META_OK:
    case INDEX_META_EMPTY:
        return 0;
    case INDEX_META_ERR_FORMAT:
        if (r->opt->rebuild) {
            r->layout_change = r->meta.doccount > 0;
            return 0;
        }
        snprintf(err, errlen,
                 "index %s has layout \"%s\"; this is \"%s\": rerun with "
                 "--rebuild",
                 path, r->meta.format, SCHEMA_FORMAT);
        return -1;
    case INDEX_META_ERR_ANALYZER:
    case INDEX_META_ERR_LANG:
        if (r->opt->rebuild) {
            r->layout_change = r->meta.doccount > 0;
            return 0;
        }
        snprintf(err, errlen,
                 "index %s was built with analyzer \"%s\" for \"%s\"; this "
                 "is \"%s\" for \"%s\": rerun with --rebuild",
                 path, r->meta.analyzer, r->meta.lang, ANALYZE_VERSION,
                 r->deflt->name);
        return -1;
    default:
        snprintf(err, errlen, "%s", why);
        return -1;
    }
}

/* --lang-path decides pages' languages and sections: a folder run with
 * another setting than the index's reads every page again (as a change
 * of extraction rules does), so that no page keeps the old rule's. 0, or
 * -1 with err set. */
static int lang_path_changed(run *r, char *err, size_t errlen)
{
    char *was = NULL;
    if (!r->db || r->f.n == 0 || r->meta.doccount == 0)
        return 0;
    if (xc_metadata_get(r->db, SCHEMA_M_LANG_PATH, &was) != XC_OK) {
        snprintf(err, errlen, "%s", xc_errmsg(r->db));
        return -1;
    }
    int before = strcmp(was, "1") == 0;
    free(was);
    if (before != (r->opt->lang_path != 0) && !r->rules_change) {
        r->rules_change = 1;
        runlog_printf(
            &r->log, RUNLOG_WARN, "--lang-path is %s: every page is read again",
            r->opt->lang_path ? "on, and was not" : "off, and was on");
    }
    return 0;
}

/* final: the run is complete (an unfinished rebuild stays marked, so that
 * the next run finishes it). */
static int write_meta(run *r, int final, char *err, size_t errlen)
{
    char num[32];
    uint32_t n = 0;
    xc_status st = xc_metadata_set(r->db, SCHEMA_M_ANALYZER, ANALYZE_VERSION);
    if (st == XC_OK)
        st = xc_metadata_set(r->db, SCHEMA_M_LANG, r->deflt->name);
    if (st == XC_OK)
        st = xc_metadata_set(r->db, SCHEMA_M_FORMAT, SCHEMA_FORMAT);
    /* a rebuild that kept documents it could not read is not done: the
     * next run goes on with it */
    if (st == XC_OK)
        st = xc_metadata_set(
            r->db, SCHEMA_M_REBUILD,
            (r->rebuild && (!final || r->kept)) || r->rebuild_pending ? "1"
                                                                      : "");
    snprintf(num, sizeof num, "%lld", (long long)time(NULL));
    if (st == XC_OK)
        st = xc_metadata_set(r->db, SCHEMA_M_BUILT, num);
    if (st == XC_OK)
        st = folders_write_meta(&r->f, r->db, final);
    /* every page in the index was read by these rules: at once when the
     * index had none of older ones, else once all were read again */
    if ((final || !r->rules_change) && st == XC_OK)
        st = xc_metadata_set(r->db, SCHEMA_M_EXTRACT, EXTRACT_RULES);
    /* the folders' setting (a feed has no folders to name a language) */
    if ((final || !r->rules_change) && r->f.n > 0 && st == XC_OK)
        st = xc_metadata_set(r->db, SCHEMA_M_LANG_PATH,
                             r->opt->lang_path ? "1" : "0");
    snprintf(num, sizeof num, "%u", r->changesets);
    if (st == XC_OK)
        st = xc_metadata_set(r->db, SCHEMA_M_CHANGESETS, num);
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

sync_status sync_run(const sync_options *opt, const char *const *roots,
                     size_t nroots, sync_report *rep, char *err, size_t errlen)
{
    run r = {0};
    sync_status status = SYNC_ERR_FATAL;
    char msg[512];

    memset(rep, 0, sizeof *rep);
    r.opt = opt;
    r.rep = rep;
    r.log.fn = opt->log;
    r.log.ctx = opt->log_ctx;
    r.log.quiet = opt->quiet;
    r.log.verbose = opt->verbose;
    r.log.progress = opt->progress;
    r.log.t0 = clock_now();
    err[0] = '\0';
    r.deflt =
        opt->lang ? lang_find(opt->lang, strlen(opt->lang)) : lang_default();
    if (!r.deflt) {
        snprintf(err, errlen, "unknown language \"%s\"", opt->lang);
        goto out;
    }
    if (!(r.langs = langset_new(ANALYZE_CACHE_INDEX))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (sharded(&r) && (opt->feed || opt->shard >= opt->nshards ||
                        opt->nshards > SYNC_MAX_SHARDS)) {
        snprintf(err, errlen, "%s",
                 opt->feed ? "--feed cannot write an index of several shards"
                           : "bad shard number");
        goto out;
    }
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
        folders_init(&r.f, roots, nroots) != FOLDERS_OK ||
        !(r.lists = calloc(nroots ? nroots : 1, sizeof *r.lists))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    /* Walk every folder before touching the index: a bad folder is a
     * usage error that must leave the index alone. */
    part_split split = {.part = opt->shard, .nparts = opt->nshards};
    if (opt->walked && (!opt->part || opt->nshards > SYNC_MAX_WRITERS)) {
        snprintf(err, errlen, "bad part number");
        goto out;
    }
    for (size_t i = 0; i < nroots; i++) {
        r.f.roots[i] = realpath(roots[i], NULL);
        if (!r.f.roots[i]) {
            snprintf(err, errlen, "cannot read folder %s: %s", roots[i],
                     strerror(errno));
            goto out;
        }
        if (opt->walked) { /* a part: its share of the build's walk */
            if (walk_list_pick(&opt->walked[i], in_part, &split, &r.lists[i]) !=
                WALK_OK) {
                snprintf(err, errlen, "out of memory");
                goto out;
            }
            r.total += r.lists[i].count;
            continue;
        }
        walk_options wo = {.follow_links = opt->follow_links};
        if (walk_tree_opts(r.f.roots[i], &wo, &r.lists[i], msg, sizeof msg) !=
            WALK_OK) {
            snprintf(err, errlen, "%s", msg);
            goto out;
        }
        /* Another shard's files are not this run's at all: not counted,
         * read, nor present (its delete pass sees its own documents). */
        if (sharded(&r)) {
            shard_filter sf = {r.f.roots[i], opt->shard, opt->nshards};
            walk_list_keep(&r.lists[i], in_shard, &sf);
        }
        r.total += r.lists[i].count;
    }
    if (folders_check(&r.f, err, errlen) != FOLDERS_OK)
        goto out;
    /* synonym files too: an unreadable --synonyms FILE is a usage error */
    if (read_synonyms(&r, roots, err, errlen) != 0)
        goto out;
    /* a feed alone names no synonym file: the index keeps its table */
    if (nroots == 0 && opt->nsynonym_files == 0)
        r.syn_keep = 1;
    rep->files = r.total;
    /* links that lead outside a folder: never followed unless asked */
    for (size_t i = 0; i < nroots && walk_speaker(&r); i++) {
        for (size_t k = 0; k < r.lists[i].noutside; k++)
            runlog_printf(&r.log, RUNLOG_WARN, "skipped %s: leads outside %s",
                          r.lists[i].outside[k], roots[i]);
        rep->files += r.lists[i].noutside;
        rep->skipped += r.lists[i].noutside;
    }
    if (open_index(&r, err, errlen) != 0 || check_index(&r, err, errlen) != 0)
        goto out;
    /* A rebuild re-reads and replaces every document and deletes the rest,
     * in batches like any run: every committed revision holds each
     * document in its old or its new form, never a half-empty index. */
    /* a feed alone rebuilds its own documents only: a folders' rebuild
     * left unfinished waits for a folder run */
    r.rebuild = opt->rebuild || (r.meta.rebuilding && nroots > 0);
    r.rebuild_pending = r.meta.rebuilding && !r.rebuild;
    if (r.rebuild && !opt->rebuild)
        runlog_printf(&r.log, RUNLOG_WARN,
                      "finishing an interrupted --rebuild");
    /* an index of older rules holds pages they let in (drafts) */
    r.rules_change =
        r.meta.doccount > 0 && strcmp(r.meta.extract, EXTRACT_RULES) != 0;
    if (r.rules_change)
        runlog_printf(&r.log, RUNLOG_WARN,
                      "pages are now extracted by other rules (issue #14: "
                      "languages, dates, tags): every page is read again");
    if (lang_path_changed(&r, err, errlen) != 0)
        goto out;
    int merge = want_merge(&r, err, errlen);
    if (merge < 0)
        goto out;
    if (merge) {
        merge_input mi = {opt,   r.db,   r.meta.doccount, r.changesets,
                          roots, nroots, r.lists};
        merge_status ms = merge_build(&mi, &r.log, rep, err, errlen);
        if (ms == MERGE_INTERRUPTED) {
            status = SYNC_ERR_INTERRUPTED;
            goto out;
        }
        if (ms == MERGE_ERR)
            goto out;
        if (ms == MERGE_OK) {
            r.pidfile = 0; /* it went with the old index's folder */
            xc_close(r.db);
            r.db = NULL;
            report_walk_errors(&r, roots);
            r.done = r.total; /* the parts' files: the bar's last look */
            progress(&r, 1);
            status = rep->failed || rep->bad_synonyms ? SYNC_PARTIAL : SYNC_OK;
            goto out;
        }
        /* MERGE_ONE_WRITER: the index as it was, built below */
    }
    if (folders_settle(&r.f, r.db, r.rebuild, r.rules_change, r.given_base,
                       &r.log, err, errlen) != FOLDERS_OK)
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
    if (ir == 0)
        ir = index_feed(&r, err, errlen);
    if (ir < 0)
        goto out;
    if (ir > 0)
        goto interrupted;
    if (stopped(&r))
        goto interrupted;
    /* An entry that could not be read (a broken link, a loop, a folder
     * without permission) keeps the documents that lived under it: they
     * may still be there. Every other vanished document is deleted. */
    report_walk_errors(&r, roots);
    if (delete_gone(&r, err, errlen) != 0)
        goto out;
    if (r.kept)
        runlog_printf(&r.log, RUNLOG_WARN,
                      "kept %zu document%s under entries that could not "
                      "be read%s",
                      r.kept, r.kept == 1 ? "" : "s",
                      r.rebuild ? "; the next run goes on with the rebuild"
                                : "");
    int syn_differ;
    if (synonyms_other_langs(&r, roots, err, errlen) != 0 ||
        synonyms_differ(&r, &syn_differ, err, errlen) != 0)
        goto out;
    if (!opt->dry_run) {
        /* The synonym table is replaced in the run's last commit, with the
         * documents: a run where only the synonyms changed commits too, so
         * that the daemon reopens on a new revision. */
        if (syn_differ) {
            if (synonyms_store_all((const synonyms *const *)r.syns, r.nsyns,
                                   r.db) != SYNONYMS_OK) {
                snprintf(err, errlen, "%s", xc_errmsg(r.db));
                goto out;
            }
            runlog_printf(&r.log, RUNLOG_NOTE, "synonyms replaced: %zu groups",
                          synonyms_ngroups(r.syns[0]));
        }
        int changed = rep->added || rep->updated || rep->deleted || r.rebuild ||
                      r.touched || r.f.meta_changed || syn_differ ||
                      r.changesets_changed;
        if (changed && (spell_flush(r.spell, r.db) != SPELL_OK ||
                        write_meta(&r, 1, err, errlen) != 0))
            goto out;
        /* Nothing changed: cancel, so that no new revision is written. */
        xc_status cs = changed ? xc_commit(r.db) : xc_cancel(r.db);
        if (cs != XC_OK) {
            snprintf(err, errlen, "%s", xc_errmsg(r.db));
            goto out;
        }
        if (changed && want_compact(&r))
            compact_index(&r);
    }
    progress(&r, 1);
    status = rep->failed || rep->bad_synonyms ? SYNC_PARTIAL : SYNC_OK;
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
    free(r.lists);
    folders_free(&r.f);
    index_meta_info_free(&r.meta);
    free(r.given_base);
    for (size_t i = 0; i < r.npresent; i++)
        free(r.present[i]);
    free(r.present);
    spell_free(r.spell);
    for (size_t i = 0; i < r.nsyns; i++)
        synonyms_free(r.syns[i]);
    langset_free(r.langs);
    rep->seconds = clock_now() - r.log.t0;
    return status;
}
