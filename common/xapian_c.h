/* xapian_c: the C face of libxapian, the project's only C++ boundary.
 *
 * Rules: every function catches every C++ exception and returns a status;
 * out-parameters are set to NULL/0 on failure; the last error message of a
 * handle is kept on it (xc_errmsg) and, for opens, copied to err/errlen.
 * DatabaseModifiedError on a reader is answered inside the wrapper by
 * reopen() and a bounded rerun of the whole operation: callers never see it.
 * A handle is not thread-safe: use one xc_db per thread. */
#ifndef CGLU_COMMON_XAPIAN_C_H
#define CGLU_COMMON_XAPIAN_C_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    XC_OK = 0,
    XC_ERR_ARG,      /* bad argument (NULL, empty term, ...) */
    XC_ERR_NOMEM,    /* allocation failed */
    XC_ERR_OPEN,     /* database missing or cannot be opened/created */
    XC_ERR_LOCK,     /* database locked by another writer */
    XC_ERR_NOTFOUND, /* no such document / key */
    XC_ERR_CORRUPT,  /* database corrupt or of an unknown version */
    XC_ERR_MODIFIED, /* still modified after the bounded retries */
    XC_ERR_IO,       /* I/O error (disk full, read-only, ...) */
    XC_ERR_XAPIAN,   /* any other Xapian or C++ error */
    XC_ERR_SHARD,    /* a remote shard is down or too slow (the message
                        names it) */
} xc_status;

const char *xc_strerror(xc_status st);

/* Input limits, checked before Xapian sees the input: past them a call
 * fails with XC_ERR_ARG (a query constructor returns NULL). */
#define XC_MAX_PATH 4096   /* bytes of a database path */
#define XC_MAX_FETCH 10000 /* hits fetched by one xc_search */
/* Bytes of a term, id term, metadata key or spelling word: glass rejects
 * longer keys. */
#define XC_MAX_TERM 245
/* max_edit of xc_spelling_suggest: the cost of a suggestion grows fast. */
#define XC_MAX_EDIT 4

typedef struct xc_db xc_db;       /* database handle */
typedef struct xc_doc xc_doc;     /* document being built */
typedef struct xc_query xc_query; /* query tree node */
typedef struct xc_mset xc_mset;   /* search results */

/* ---- opening ---------------------------------------------------------- */

/* Open read-only. On failure *out is NULL and err gets a message. */
xc_status xc_open_read(const char *path, xc_db **out, char *err, size_t errlen);
/* xc_open_write's flags: */
#define XC_WRITE_TRUNCATE 1 /* empty the database (create it anew) */
#define XC_WRITE_NOSYNC                                                        \
    2 /* commits skip fsync (Xapian's DB_NO_SYNC):                             \
         for a scratch database that a crash may                               \
         leave unreadable, never one a reader uses */
/* Open for writing, creating it when missing, taking Xapian's write lock:
 * a second writer gets XC_ERR_LOCK. flags: 0 or XC_WRITE_* ORed.
 * Xapian's own flush every XAPIAN_FLUSH_THRESHOLD documents is turned off
 * (the caller's commits bound memory): this sets that variable in the
 * environment, so open writers before starting threads. */
xc_status xc_open_write(const char *path, int flags, xc_db **out, char *err,
                        size_t errlen);
/* Changesets the writers opened from now on keep beside the index, the
 * last n commits' (Xapian's XAPIAN_MAX_CHANGESETS, set in the environment
 * by xc_open_write whatever it said before: call before starting threads),
 * for xapian-replicate to send to replicas; 0 (the default): none. At most
 * XC_MAX_CHANGESETS. */
#define XC_MAX_CHANGESETS 100000
void xc_set_max_changesets(unsigned n);
/* Set now, in the calling thread, the environment xc_open_write sets
 * (flush threshold, xc_set_max_changesets' count), so that writers opened
 * later by several threads only read it: call before the threads start,
 * and set no other count in them. */
void xc_writer_env(void);
/* Close and free (NULL allowed). A writer's uncommitted changes are
 * discarded (an open transaction is cancelled). Note: outside a
 * transaction Xapian's close() commits pending changes itself, and a
 * failure of that commit cannot be reported here: call xc_commit first. */
void xc_close(xc_db *db);
/* Last error message on this handle; owned by the handle, valid until the
 * next call on it. Never NULL. */
const char *xc_errmsg(const xc_db *db);
/* The status of the last failed call on this handle (XC_OK when none
 * since xc_clear_error), and forgetting it (db may be NULL). */
xc_status xc_last_status(const xc_db *db);
void xc_clear_error(xc_db *db);

/* Reader: move to the newest committed revision; *changed (may be NULL)
 * is 1 when the revision moved. */
xc_status xc_reopen(xc_db *db, int *changed);
/* BM25 parameters of the searches on db from now on (Xapian's BM25Weight:
 * k1, k2, k3, b, min_normlen; the caller keeps them in range, e.g.
 * search/rank.h). Until called, Xapian's defaults. db may be NULL. */
void xc_set_bm25(xc_db *db, double k1, double k2, double k3, double b,
                 double min_normlen);
/* Revision number of the open database (0 when unknown). A database of
 * several shards (a stub file listing local databases, docs/SCALING.md)
 * has the sum of theirs (a remote shard's as xc_shard_info says): it grows
 * with every commit of any of them, which is all its callers compare. */
uint64_t xc_revision(xc_db *db);
/* Shards (sub-databases) of the index: 1 for a plain database; for a
 * stub with remote shards, every shard it lists, down ones included. */
size_t xc_nshards(xc_db *db);
/* Bytes of a shard's name and of its last failure, NULs included. */
#define XC_SHARD_NAME_LEN 280
#define XC_SHARD_WHY_LEN 256
typedef struct {
    char name[XC_SHARD_NAME_LEN]; /* "HOST:PORT" of a remote shard, the
                                     stub's path of a local one ("" when
                                     Xapian read the stub itself) */
    int remote;                   /* served by xapian-tcpsrv */
    int up;                       /* 0: down, left out of the searches */
    uint64_t revision;  /* a remote shard's: the one its indexer committed
                           (metadata SCHEMA_M_REVISION), as last seen */
    uint32_t documents; /* as last seen */
    char why[XC_SHARD_WHY_LEN]; /* a down shard's last failure */
} xc_shard_info;
/* What the handle knows of shard k (no network round trip). */
xc_status xc_shard_get(xc_db *db, size_t k, xc_shard_info *out);

/* ---- remote shards ------------------------------------------------------
 * A stub (PATH/XAPIANDB, or a stub file) listing "remote HOST:PORT" lines
 * (xapian-tcpsrv) beside "glass PATH" or "auto PATH" ones is opened shard
 * by shard here, each remote one with the timeout below, so that a shard
 * that is down or too slow is named: the read fails with XC_ERR_SHARD and
 * the shard is marked down; on a handle that allows partial answers, the
 * read runs again on the other shards and xc_partial() says so. A down
 * shard is tried again at most every XC_REMOTE_RETRY_MS (and by every
 * xc_reopen), and searched again once it answers. A stub without remote
 * lines is left to Xapian. */
#define XC_REMOTE_TIMEOUT_MS 2000 /* default of xc_set_remote_timeout */
#define XC_REMOTE_TIMEOUT_MAX 600000
#define XC_REMOTE_RETRY_MS 1000
/* Shards one stub with remote lines may list (each one is a connection per
 * open handle: a longer stub is refused when opened, naming the limit). */
#define XC_MAX_STUB_SHARDS 1024
/* Xapian's remote protocol carries neither spelling words nor synonyms:
 * for a stub with remote shards they are read from the database
 * SCHEMA_DICTIONARY in the stub's folder when there is one (none: no
 * spelling suggestions and no synonyms, as Xapian does). */
/* Bring the dictionary at path (created when missing) up to date, in
 * place and in one commit: the spelling words of the n databases at srcs
 * (their frequencies added up) and all their synonyms. Only differences
 * are written, and nothing at all when it was last made from these same
 * revisions of the same databases (then *same is 1). */
xc_status xc_dictionary_build(const char *const *srcs, size_t n,
                              const char *path, int *same, char *err,
                              size_t errlen);
/* Milliseconds a remote shard has to connect and to answer each message,
 * for handles opened from now on (1 to XC_REMOTE_TIMEOUT_MAX). */
void xc_set_remote_timeout(unsigned ms);
/* Make every down shard of db due for another try at the next
 * xc_reopen (which otherwise tries each one at most every
 * XC_REMOTE_RETRY_MS): when told it is back. */
void xc_retry_shards(xc_db *db);
/* Let reads on db go on without its down shards (0: they fail). */
void xc_set_partial(xc_db *db, int on);
/* 1 when some shard of db is down (reads leave it out), or a read since
 * xc_clear_error went on without one; else 0. */
int xc_partial(xc_db *db);
/* 1 when db reads a remote shard (every read may wait on a network). */
int xc_has_remote(xc_db *db);

/* Bytes of a database UUID string, its NUL included. */
#define XC_UUID_LEN 37
/* UUID of the database the handle reads, as of its last open or reopen,
 * into out (XC_UUID_LEN bytes; "" on failure); for several shards,
 * "h:" and a 64-bit hash of their UUIDs in hex. A reopen keeps the handle
 * even when the path now holds another database with the same revision
 * number: the UUID is what tells them apart. */
xc_status xc_uuid(xc_db *db, char out[XC_UUID_LEN]);

/* ---- writing (writer handles) ----------------------------------------- */

/* Write a compacted copy of db's last committed revision into the new
 * directory out (Xapian's compaction, full level, document ids kept): its
 * B-tree blocks are full, where a database built by commits leaves them
 * partly empty. A writer must have committed first. */
xc_status xc_compact(xc_db *db, const char *out);
/* Write into the new folder out one database holding the documents of the
 * committed databases paths[0..n) (1 to XC_MAX_MERGE), compacted (Xapian's
 * full level): document ids renumbered, those of paths[0] first, each
 * database's in its own order. Spelling frequencies are summed and synonym
 * lists united; a metadata key that several hold gets the first one's
 * value (Xapian's rule): the caller writes those that must differ. err
 * gets why on failure (out is then left for the caller to remove). */
#define XC_MAX_MERGE 64
xc_status xc_merge(const char *const *paths, size_t n, const char *out,
                   char *err, size_t errlen);
/* Copy every metadata key and the synonym table of from (any handle) into
 * writer to's open transaction or pending changes. The message of a
 * failure, reading or writing, is to's (xc_errmsg). */
xc_status xc_copy_meta(xc_db *from, xc_db *to);

xc_status xc_begin(xc_db *db);  /* begin a transaction (unflushed) */
xc_status xc_commit(xc_db *db); /* commit transaction or pending changes */
xc_status xc_cancel(xc_db *db); /* drop the open transaction */

/* A document: on success *out must be freed with xc_doc_free(). */
xc_status xc_doc_new(xc_doc **out);
void xc_doc_free(xc_doc *doc); /* NULL allowed */
xc_status xc_doc_add_posting(xc_doc *doc, const char *term, size_t len,
                             uint32_t pos, uint32_t wdfinc);
xc_status xc_doc_add_term(xc_doc *doc, const char *term, size_t len,
                          uint32_t wdfinc);
xc_status xc_doc_set_data(xc_doc *doc, const char *data, size_t len);
xc_status xc_doc_set_value(xc_doc *doc, unsigned slot, const char *v,
                           size_t len);

/* Replace the document whose unique id term is idterm (added if absent).
 * The doc keeps belonging to the caller. idterm should also be a term of
 * doc for later lookups. */
xc_status xc_replace(xc_db *db, const char *idterm, const xc_doc *doc);
/* Delete every document indexed by idterm (absent: XC_OK). */
xc_status xc_delete(xc_db *db, const char *idterm);

/* Set values slots[0..n) of the document of idterm to values[0..n)
 * (NUL-terminated), keeping its terms and data: cheaper than a rebuild of
 * the document. Absent: XC_ERR_NOTFOUND. */
xc_status xc_set_values(xc_db *db, const char *idterm, const unsigned *slots,
                        const char *const *values, size_t n);

xc_status xc_metadata_set(xc_db *db, const char *key, const char *value);
/* Add / remove a word of the spelling dictionary (freqinc occurrences). */
xc_status xc_spelling_add(xc_db *db, const char *word, uint32_t freqinc);
xc_status xc_spelling_remove(xc_db *db, const char *word, uint32_t freqdec);

/* Xapian's synonym table, which the query side expands words with
 * (indexer/synonyms.h says what its keys and values are). Changes go into
 * the open transaction like any other. Remove every key: */
xc_status xc_synonyms_clear(xc_db *db);
/* Add value as a synonym of key: both NUL-terminated, not empty, at most
 * XC_MAX_TERM bytes (else XC_ERR_ARG). Adding it twice keeps one. */
xc_status xc_synonym_add(xc_db *db, const char *key, const char *value);

/* ---- reading (any handle) --------------------------------------------- */

/* Metadata value; *out is malloc'd, NUL-terminated, freed by the caller
 * with free(); an absent key gives XC_OK with an empty string. */
xc_status xc_metadata_get(xc_db *db, const char *key, char **out);
xc_status xc_doccount(xc_db *db, uint32_t *out);
/* Number of distinct terms with the given prefix ("" for all) is costly;
 * this is the collection statistics Xapian keeps cheaply. */
xc_status xc_stats(xc_db *db, uint32_t *doccount, uint64_t *total_length,
                   uint32_t *lastdocid);
/* Term frequency (number of documents containing term). */
xc_status xc_termfreq(xc_db *db, const char *term, uint32_t *out);

/* A string handed to a callback: s[0..len) (NUL-terminated too), owned
 * by the caller of fn and valid during the call only. Non-zero stops. */
typedef int (*xc_str_fn)(const char *s, size_t len, void *ctx);

/* Look up the document of idterm: data may be NULL to read values only
 * (cheaper: the stored text is not read); *data (malloc'd, freed by the caller,
 * NUL-terminated, *len bytes) and, when values is not NULL, values
 * [0..nvalues) each malloc'd (freed by the caller; empty when unset).
 * Absent: XC_ERR_NOTFOUND. */
xc_status xc_get_by_id(xc_db *db, const char *idterm, char **data, size_t *len,
                       char **values, unsigned nvalues);
/* The same, with the document's id into *docid (0 on failure; for
 * xc_value_of() on the same document) and, when vlens is not NULL, each
 * value's length into vlens[0..nvalues) (values may hold NUL bytes). */
xc_status xc_get_doc(xc_db *db, const char *idterm, uint32_t *docid,
                     char **data, size_t *len, char **values, size_t *vlens,
                     unsigned nvalues);

/* Call fn(value, len, ctx) once with the value of slot of document docid
 * (empty when unset). Not repeated after the index moved: a read that
 * meets a newer revision fails (XC_ERR_XAPIAN), so that what a caller
 * read before from the same revision stays consistent with it. Absent
 * document: XC_ERR_NOTFOUND. */
xc_status xc_value_of(xc_db *db, uint32_t docid, unsigned slot, xc_str_fn fn,
                      void *ctx);

/* Positions of term in document docid within [lo, hi], ascending, at most
 * max of them into out; *n gets how many. A term the document lacks gives
 * none. Not repeated after the index moved (see xc_value_of). */
xc_status xc_positions(xc_db *db, uint32_t docid, const char *term, uint32_t lo,
                       uint32_t hi, uint32_t *out, size_t max, size_t *n);

/* Call fn(term, len, ctx) for every term starting with prefix, in byte
 * order, stopping early when fn returns non-zero. */
typedef int (*xc_term_fn)(const char *term, size_t len, uint32_t termfreq,
                          void *ctx);
xc_status xc_allterms(xc_db *db, const char *prefix, xc_term_fn fn, void *ctx);

/* Call fn for every synonym of key, in byte order, stopping early when fn
 * returns non-zero; a key without synonyms calls fn never and is XC_OK.
 * The synonyms are read whole before fn sees one, so a rerun after a
 * reopen never shows fn a synonym twice. */
xc_status xc_synonyms_of(xc_db *db, const char *key, xc_str_fn fn, void *ctx);
/* Call fn for every key of the synonym table, in byte order, stopping
 * early when fn returns non-zero (a rerun resumes after the last key). */
xc_status xc_synonym_keys(xc_db *db, xc_str_fn fn, void *ctx);

/* Best spelling correction of word from the spelling dictionary within
 * max_edit edits; *out is malloc'd ("" when none), freed by the caller. */
xc_status xc_spelling_suggest(xc_db *db, const char *word, unsigned max_edit,
                              char **out);

/* ---- queries ---------------------------------------------------------- */

typedef enum {
    XC_Q_AND,
    XC_Q_OR,
    XC_Q_AND_NOT,   /* first child minus the others */
    XC_Q_AND_MAYBE, /* first child, others only add weight */
    XC_Q_PHRASE,    /* children are terms, in order, adjacent */
    XC_Q_NEAR,      /* children are terms within window */
    XC_Q_FILTER,    /* first child, filtered by the others (no weight) */
    XC_Q_SYNONYM,   /* children are one word's forms: weighted as one term */
    /* As XC_Q_AND_MAYBE, for a positional bonus (the others are phrases or
     * NEARs): searched at the top of the tree, whatever wraps it (filters,
     * exclusions, other languages' branches): Xapian 1.4.22 misweighs such
     * a bonus under an AND or a FILTER (docs/BENCHMARKS.md, issue #15). */
    XC_Q_PROXIMITY,
} xc_qop;

/* Constructors return NULL when out of memory. Combining nodes take
 * ownership of their children (also on failure: they are freed). A tree is
 * freed with xc_query_free() on its root; NULL is allowed everywhere. */
xc_query *xc_query_term(const char *term, size_t len, uint32_t wqf);
/* Every term starting with prefix, ORed, expanding at most max_expansion
 * terms (the most frequent are kept; 0: no limit); no match when none. */
xc_query *xc_query_wildcard(const char *prefix, size_t len,
                            uint32_t max_expansion);
xc_query *xc_query_combine(xc_qop op, xc_query **children, size_t n,
                           uint32_t window);
/* A copy of q, freed on its own (cheap: the tree is shared, reference
 * counted); NULL when q is NULL or out of memory. */
xc_query *xc_query_copy(const xc_query *q);
/* Multiply the weight of q by factor (>= 0). */
xc_query *xc_query_scale(xc_query *q, double factor);
xc_query *xc_query_match_nothing(void);
/* Documents whose value in slot lies in [lo, hi] by bytes; lo or hi NULL:
 * no bound on that side (both NULL: every document with the value set). */
xc_query *xc_query_value_range(unsigned slot, const char *lo, const char *hi);
void xc_query_free(xc_query *q);
/* Readable description (Xapian's get_description); malloc'd, caller
 * frees; NULL when out of memory. For tests and logs. */
char *xc_query_describe(const xc_query *q);

/* Run q with BM25 and fetch [offset, offset+limit): the whole operation is
 * rerun after a reopen when the reader was modified underneath. On success
 * *out must be freed with xc_mset_free(). */
xc_status xc_search(xc_db *db, const xc_query *q, uint32_t offset,
                    uint32_t limit, xc_mset **out);
void xc_mset_free(xc_mset *m);
size_t xc_mset_size(const xc_mset *m);        /* hits fetched */
uint32_t xc_mset_estimated(const xc_mset *m); /* total matches est. */
/* Hit i (< size): docid, BM25 weight, and the document data (owned by the
 * mset, valid until xc_mset_free; data_len bytes, NUL-terminated). */
void xc_mset_item(const xc_mset *m, size_t i, uint32_t *docid, double *weight,
                  const char **data, size_t *data_len);

/* The same search, fetching for each hit the document data and the values
 * of slots[0..nslots) (values are stored uncompressed: keeping large text
 * in a value saves a zlib inflate of it per hit). */
xc_status xc_search_values(xc_db *db, const xc_query *q, uint32_t offset,
                           uint32_t limit, const unsigned *slots, size_t nslots,
                           xc_mset **out);
/* A search with everything a front end may ask for; xc_search_values is
 * this with offset, limit and slots only. Nothing here is taken over. */
typedef struct xc_search_opt {
    uint32_t offset, limit;
    const unsigned *slots; /* values fetched for each hit */
    size_t nslots;
    int sort_slot;       /* < 0: by weight; else by this value's bytes, ties
                            by weight */
    int sort_descending; /* with sort_slot: greatest value first (an unset
                            value, "", then comes last) */
    /* Slots whose values are counted over every match, not only the hits
     * fetched (the match then runs to its end: Xapian's check_at_least is
     * the document count); a value holding facet_sep is several values.
     * At most XC_MAX_FACETS slots and XC_MAX_FACET_VALUES distinct values
     * per slot (more are not counted; xc_mset_facet says so). */
    const unsigned *facets;
    size_t nfacets;
    char facet_sep; /* '\0': one value per slot */
    /* Matches counted exactly at least up to this many (Xapian's
     * check_at_least; past it the total is an estimate); 0: Xapian's own
     * estimate from the first hits. */
    uint32_t exact_total;
} xc_search_opt;

#define XC_MAX_FACETS 8
#define XC_MAX_FACET_VALUES 10000

xc_status xc_search_opt_run(xc_db *db, const xc_query *q,
                            const xc_search_opt *opt, xc_mset **out);

/* Counts of facet k (an index into opt->facets): fn(value, len, count,
 * ctx) for each distinct non-empty value, most frequent first (ties in
 * byte order), stopping early when fn returns non-zero. *truncated (may
 * be NULL) is 1 when some values went uncounted (XC_MAX_FACET_VALUES). */
typedef int (*xc_facet_fn)(const char *value, size_t len, uint32_t count,
                           void *ctx);
void xc_mset_facet(const xc_mset *m, size_t k, xc_facet_fn fn, void *ctx,
                   int *truncated);

/* Value k (an index into the slots given to xc_search_values) of hit i:
 * owned by the mset, NUL-terminated, valid until xc_mset_free; NULL and 0
 * when out of range. */
void xc_mset_value(const xc_mset *m, size_t i, size_t k, const char **v,
                   size_t *len);

#ifdef __cplusplus
}
#endif
#endif
