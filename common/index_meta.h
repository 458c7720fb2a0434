/* index_meta: the one open-time check of an index, for the indexer and the
 * daemon alike (was it written in this layout, by this analyzer, in the
 * language wanted), and the watch of its committed revision. */
#ifndef CGLU_COMMON_INDEX_META_H
#define CGLU_COMMON_INDEX_META_H

#include <stddef.h>
#include <stdint.h>

#include "common/xapian_c.h"

/* The language of an index that records none (created, never filled), and
 * cglu-index's --lang when none is given. */
#define INDEX_META_DEFAULT_LANG "french"

typedef enum {
    INDEX_META_OK = 0,       /* documents of this layout and analyzer (and
                                language, when one was asked for) */
    INDEX_META_EMPTY,        /* no documents: whatever it records, any
                                analyzer may fill or serve it */
    INDEX_META_ERR_FORMAT,   /* documents of another layout (SCHEMA_FORMAT) */
    INDEX_META_ERR_ANALYZER, /* ... of another analyzer (ANALYZE_VERSION) */
    INDEX_META_ERR_LANG,     /* ... in another language than asked for */
    INDEX_META_ERR_READ,     /* the index cannot be read (err says why) */
    INDEX_META_ERR_NOMEM,    /* out of memory */
    INDEX_META_ERR_ARG,      /* NULL handle or out-parameter */
} index_meta_status;

/* A short fixed text for st ("index of another layout"); never NULL. */
const char *index_meta_strerror(index_meta_status st);

/* What an index records about itself (the metadata keys of
 * common/schema.h). The strings are malloc'd and freed by
 * index_meta_info_free; a caller may take one and set the field to NULL. */
typedef struct index_meta_info {
    char *format;      /* SCHEMA_M_FORMAT as recorded, "" when absent */
    char *analyzer;    /* SCHEMA_M_ANALYZER as recorded, "" when absent */
    char *lang;        /* the language of its documents: SCHEMA_M_LANG, or
                          INDEX_META_DEFAULT_LANG for an EMPTY index that
                          records none */
    char *extract;     /* SCHEMA_M_EXTRACT: extraction rules of the last
                          complete run, "" when absent */
    int rebuilding;    /* SCHEMA_M_REBUILD is "1": a --rebuild is unfinished */
    uint32_t doccount; /* documents, as Xapian counts them */
    uint64_t revision; /* the revision read (0 when unknown) */
} index_meta_info;

/* Free the strings of info and set them to NULL (info may be NULL, and so
 * may each string). */
void index_meta_info_free(index_meta_info *info);

/* Read what db records and check it against this build, in this order:
 * - no documents: INDEX_META_EMPTY, whatever is recorded (nothing in it
 *   was analysed, so nothing can be mixed; an index created but never
 *   filled is the usual case);
 * - layout other than SCHEMA_FORMAT: INDEX_META_ERR_FORMAT;
 * - analyzer other than ANALYZE_VERSION: INDEX_META_ERR_ANALYZER;
 * - want_lang given (the indexer's --lang) and the recorded language
 *   another: INDEX_META_ERR_LANG. want_lang NULL (the daemon) takes the
 *   index's language, which info->lang gives;
 * - else INDEX_META_OK.
 * Whether that language is one libstemmer knows is analyze_new's to say.
 * *out is filled for OK, EMPTY and the three mismatches (the caller's
 * message quotes it), and zeroed for the other statuses; free it with
 * index_meta_info_free in every case. err (may be NULL) gets one line for
 * every status but OK and EMPTY: the mismatch ('layout "1", not "2"') or
 * the wrapper's message, without advice: the caller says what to do. */
index_meta_status index_meta_check(xc_db *db, const char *want_lang,
                                   index_meta_info *out, char *err,
                                   size_t errlen);

/* The identity of the folder at path (device and inode number, and those
 * of its stub file and when it was written): a folder put in place of
 * another (a compaction's, indexer/compact), or a stub listing other
 * shards, changes it,
 * while its revision number may stay the same. Read it before opening the
 * index, so that a change in between is seen by the next look. 0, or -1
 * when path cannot be read (*id zeroed). */
typedef struct index_meta_folder {
    uint64_t dev, ino;
    /* a stub's (PATH/XAPIANDB): its list of shards changed (0: none) */
    uint64_t stub_ino;
    int64_t stub_mtime_ns;
} index_meta_folder;
int index_meta_folder_id(const char *path, index_meta_folder *id);
/* 1 when a and b are the same folder. */
int index_meta_folder_same(const index_meta_folder *a,
                           const index_meta_folder *b);

/* ---- revision watch ---------------------------------------------------- */

/* Whether a newer revision of an index was committed, seen through a
 * read-only handle of its own (not Xapian's private files). One thread at
 * a time; free with index_meta_watch_free. */
typedef struct index_meta_watch index_meta_watch;

/* A watch of the index at path (copied). The index may be missing or
 * unreadable now: the first poll that can read it reports a change. On
 * failure (INDEX_META_ERR_ARG, INDEX_META_ERR_NOMEM) *out is NULL. */
index_meta_status index_meta_watch_new(const char *path,
                                       index_meta_watch **out);
void index_meta_watch_free(index_meta_watch *w); /* NULL allowed */

/* The UUID of the database the last successful look saw ("" before one):
 * a rebuilt index has another, and may have the same revision number.
 * Valid until the next index_meta_watch_poll() or _free(). */
const char *index_meta_watch_uuid(const index_meta_watch *w);

/* The watch's own handle (NULL while the index cannot be opened), to ask
 * of its shards (xc_has_remote, xc_shard_get); it reads with partial
 * answers on, so a down remote shard is seen, not fatal. Valid until the
 * next index_meta_watch_poll() or _free(). */
xc_db *index_meta_watch_db(const index_meta_watch *w);

/* Look again. *changed is 1 when what a reader would now see differs from
 * the last look (or from index_meta_watch_new): a newer revision, another
 * database at the path (same revision number, other UUID), or the index
 * became unreadable or readable again. *revision is the revision now
 * committed (0 while unreadable). INDEX_META_OK, or INDEX_META_ERR_READ
 * while the index cannot be opened (err, may be NULL, says why).
 * Cost: when nothing changed, Xapian's reopen check: openat, 2 reads and
 * close of the index's small version file, 7 us a call (a stat() of it
 * took 1.8 us, a fresh open 45 us; 10,000 calls on a 2-CPU VM); a change
 * reopens the tables. */
index_meta_status index_meta_watch_poll(index_meta_watch *w, int *changed,
                                        uint64_t *revision, char *err,
                                        size_t errlen);

#endif
