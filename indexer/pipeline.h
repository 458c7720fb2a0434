/* pipeline: read, extract and build documents on a worker thread ahead of
 * the writer, which takes them back in the order they were queued. Only
 * the writer touches the database; the worker needs none. */
#ifndef CGLU_INDEXER_PIPELINE_H
#define CGLU_INDEXER_PIPELINE_H

#include <stddef.h>

#include "common/buf.h"
#include "common/lang.h"
#include "common/xapian_c.h"
#include "indexer/runlog.h"
#include "indexer/walk.h"

typedef enum {
    PIPELINE_OK = 0,
    PIPELINE_ERR_NOMEM,  /* out of memory */
    PIPELINE_ERR_THREAD, /* the worker thread could not start */
} pipeline_status;

/* What became of a file; the writer uses the same words for the files it
 * decides about without reading them. */
typedef enum {
    PIPELINE_FATAL = -1, /* out of memory: the run stops */
    PIPELINE_UNCHANGED,
    PIPELINE_ADDED,
    PIPELINE_UPDATED,
    PIPELINE_SKIPPED,
    PIPELINE_FAILED,
} pipeline_fate;

/* One file to read. The strings it points to belong to the writer and
 * must outlive the pipeline. */
typedef struct pipeline_item {
    /* Set by the writer before it queues the item: */
    const walk_entry *e;
    const char *root;     /* realpath of its folder */
    const char *idprefix; /* what ids of the folder start with */
    const char *base;     /* base url of the folder, "" none */
    int refresh;          /* found, but its id or url changes: re-read */
    int found;            /* a document with this id is in the index */
    int rebuilt;          /* found, but rebuilt: counted as added */
    char oldhash[24];     /* its content hash (found only) */
    size_t pidx;          /* the writer's own (unused here) */
    /* Set by the worker: */
    int taken;              /* a builder has it (the pipeline's lock) */
    int helped;             /* built by another writer's thread */
    int done;               /* built (the pipeline's, under its lock) */
    pipeline_fate fate;     /* what became of it */
    int touched;            /* same bytes, new mtime: update values only */
    xc_doc *doc;            /* to write (ADDED/UPDATED, not dry runs);
                               the pipeline's: see pipeline_release */
    buf_t words;            /* spelling words of the new text (same) */
    uint64_t spell_sum;     /* docbuild_spell_sum of the new page */
    size_t bytes;           /* bytes of the file read */
    char msg[300];          /* a log line for the writer, "" none */
    runlog_level msg_level; /* and its level */
} pipeline_item;

typedef struct pipeline pipeline;

/* A board where the pipelines of one run's writers (shards, parts) that
 * build inline offer their last unbuilt items: a writer whose own pages
 * are written builds another's from the back (pipeline_help), which then
 * only writes them. Shards split the pages by a hash of their ids, not by
 * size (man-fr's two shards hold 2.75 and 2.29 MB): without help the
 * longer one set the run's time. What helpers built and the owner has not
 * written is at most PIPELINE_HELP_AHEAD bytes of input per pipeline (a
 * built page holds about 10 times its input): a page that would pass it
 * is left to its owner, the helper looking at most PIPELINE_HELP_SCAN
 * pages further back for one that fits. */
typedef struct pipeline_board pipeline_board;
#define PIPELINE_HELP_AHEAD ((uint64_t)2 << 20)
#define PIPELINE_HELP_SCAN 64

/* An empty board, or NULL when out of memory; free it with
 * pipeline_board_free once every pipeline on it is freed and every
 * pipeline_help has returned. */
pipeline_board *pipeline_board_new(void);
void pipeline_board_free(pipeline_board *b); /* NULL allowed */
/* Build items of the pipelines on b, each time the last one nobody took,
 * with analyzers of this call's own, until none is left to take (or out
 * of memory: the owners build what is left). */
void pipeline_help(pipeline_board *b);

/* A pipeline for at most cap items whose worker analyses each document in
 * its language (indexer/docmeta's rules: lang for those that declare none,
 * lang_path for the folder rule), skips files over max_file_size bytes
 * (0: EXTRACT_MAX_SIZE), and builds no document when dry_run. With
 * inline_build there is no worker thread: pipeline_next builds each item
 * on the writer's thread (for runs that already keep every core busy with
 * writers: two threads a writer would only take turns); then, with board,
 * pipeline_start offers its items there (pipeline_help). On failure *out
 * is NULL and err says why. */
pipeline_status pipeline_new(size_t cap, const lang_info *lang, int lang_path,
                             size_t max_file_size, int dry_run,
                             int inline_build, pipeline_board *board,
                             pipeline **out, char *err, size_t errlen);

/* The next free item, zeroed, for the writer to fill; it is queued only by
 * pipeline_queue (else the next call hands it out again). NULL when cap
 * items are queued. */
pipeline_item *pipeline_slot(pipeline *p);
/* Queue the item pipeline_slot gave. Every item is queued before
 * pipeline_start. */
void pipeline_queue(pipeline *p);

/* Start the worker (none inline). It stays at most a window of items and a
 * bound of input bytes ahead of the writer, so memory stays bounded. */
pipeline_status pipeline_start(pipeline *p, char *err, size_t errlen);

/* The next item in queue order once built, waiting for it; NULL when every
 * queued item was taken. Valid until pipeline_free. */
pipeline_item *pipeline_next(pipeline *p);
/* The writer is done with it: its document and words are freed (the rest
 * of it stays readable) and the worker may go further ahead. */
void pipeline_release(pipeline *p, pipeline_item *it);

/* Stop the worker (waiting for the file it is on), take the pipeline off
 * its board (waiting for the helpers' builds in flight) and free
 * everything, documents not taken included. NULL allowed. */
void pipeline_free(pipeline *p);

#endif
