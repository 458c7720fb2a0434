/* engine: the search engine every front end calls. A typed request
 * (what to do, the text, numbers already checked against the bounds below)
 * goes in; a typed result comes out, which search/render turns into the
 * JSON answer. Nothing here knows a protocol, a socket or libuv: the line
 * protocol, HTTP, benchmarks and tests all call the same functions.
 *
 * One engine_ctx per thread: it holds its own Xapian reader and analyzer
 * and is used by one thread at a time. */
#ifndef CGLU_SEARCH_ENGINE_H
#define CGLU_SEARCH_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/lang.h"
#include "search/filter.h"

/* Bounds of a request's numbers; front ends check them (and name them in
 * their errors) before a request reaches the engine. */
#define ENGINE_LIMIT_DEFAULT 10
#define ENGINE_LIMIT_MAX 100
#define ENGINE_OFFSET_MAX 10000
#define ENGINE_SNIPPET_DEFAULT 200 /* characters; 0: no snippet */
#define ENGINE_SNIPPET_MAX 1000
#define ENGINE_SUGGEST_DEFAULT 10
#define ENGINE_SUGGEST_MAX 50
/* Values of one facet in an answer, the most frequent first. */
#define ENGINE_FACET_MAX 50
/* Languages one index holds at most: every one common/lang knows. */
#define ENGINE_MAX_LANGS LANG_MAX
#define ENGINE_MAX_SHARDS 64 /* shards STATS lists */
/* Longest error message a result carries (Xapian's are cut there). */
#define ENGINE_MESSAGE_MAX 512
/* The message of JSON_ERR_TOO_LARGE: the result, or its rendering, passed
 * the byte limit its caller set (the daemon's is max_output / 4). */
#define ENGINE_TOO_LARGE_MSG                                                   \
    "the answer is larger than the daemon's limit for one answer (a "          \
    "quarter of --max-output)"

typedef enum {
    ENGINE_OK = 0,
    ENGINE_ERR_MISSING,      /* no index at that path */
    ENGINE_ERR_INCOMPATIBLE, /* other analyzer version, layout or language */
    ENGINE_ERR_OPEN,         /* any other failure to open */
    ENGINE_ERR_NOMEM,
} engine_status;

typedef enum {
    ENGINE_SEARCH = 0, /* ranked hits of text */
    ENGINE_SUGGEST,    /* completions of the last word of text */
    ENGINE_DOC,        /* the document whose id is text */
    ENGINE_STATS,      /* figures of the index */
} engine_op;

/* The request: text points into the caller's memory and is read only
 * during engine_run(). Numbers within the bounds above (engine_run()
 * clamps what is out of them); a front end fills in the defaults. */
typedef struct engine_request {
    engine_op op;
    const char *text; /* query, prefix or document id; any bytes */
    size_t text_len;
    uint32_t limit;   /* SEARCH, SUGGEST */
    uint32_t offset;  /* SEARCH */
    uint32_t snippet; /* SEARCH: target characters, 0 for none */
    filter filter;    /* SEARCH: language, section, tags, dates, order,
                         facets (all empty: none) */
} engine_request;

/* Bytes store[off .. off + len) of the result that holds it. */
typedef struct engine_span {
    size_t off, len;
} engine_span;

typedef struct engine_hit {
    uint64_t rank; /* 1-based, offset included */
    double score;
    engine_span id, title, url;
    engine_span snippet; /* has_snippet: highlighted, HTML-escaped, or
                            the description when the text holds no
                            word of the query */
    int has_snippet;
    /* The document's metadata; an empty span when it has none. tags are
     * joined by SCHEMA_TAG_SEP. */
    engine_span lang, date, section, tags;
} engine_hit;

/* A value and how many documents have it (facets, STATS' languages). */
typedef struct engine_count {
    engine_span value;
    uint64_t count;
} engine_count;

/* One facet's counts over every match (filter.facets asked for it). */
typedef struct engine_facet {
    int on;
    engine_count v[ENGINE_FACET_MAX];
    size_t n;
} engine_facet;

/* What engine_run() found. The caller owns it: engine_result_init() once,
 * reuse it for any number of requests, engine_result_free() at the end.
 * Spans point into store, valid until the next engine_run(). */
typedef struct engine_result {
    engine_op op;
    json_err error; /* meaningful when !ok */
    int ok;
    char message[ENGINE_MESSAGE_MAX]; /* !ok: why, one line */
    uint64_t revision; /* index revision the answer was computed on */
    int current;       /* 0 when a due reopen failed: revision may be old */
    int partial; /* an index of remote shards answered without a shard that
                    is down (engine_set_partial) */
    buf_t store; /* the bytes spans point to */
    int full;    /* a copy into store failed (its limit): the result is the
                    error JSON_ERR_TOO_LARGE; sticky, unlike store.failed */

    /* SEARCH */
    engine_span query; /* the text as sent */
    uint64_t total;    /* estimated matches */
    uint32_t offset, limit;
    int relaxed; /* no document held every word: any word matched */
    int has_suggestion;
    engine_span suggestion; /* "did you mean" */
    int has_corrected;      /* the hits answer this text, not query's */
    engine_span corrected;  /* the query with unknown words corrected */
    engine_hit hits[ENGINE_LIMIT_MAX];
    size_t nhits;
    /* by FILTER_FACET_* bit order: lang, section, tag */
    engine_facet facets[FILTER_NFACETS];
    double took_ms;

    /* SUGGEST */
    engine_span prefix;
    engine_span words[ENGINE_SUGGEST_MAX];
    size_t nwords;

    /* DOC: id, title, url, text, and the metadata as hits have it */
    engine_span doc_id, doc_title, doc_url, doc_text;
    engine_span doc_lang, doc_date, doc_section, doc_tags;

    /* STATS */
    uint64_t documents, terms;
    int64_t index_age_s;                  /* -1: build time unknown */
    engine_count langs[ENGINE_MAX_LANGS]; /* documents per language code */
    size_t nlangs;
    /* an index of several shards (docs/SCALING.md): each one's figures,
     * the first ENGINE_MAX_SHARDS; nshards 0 for a plain index */
    struct {
        uint64_t revision;
        uint32_t documents;
        int remote, up;
        engine_span name; /* "HOST:PORT", a stub's path, or empty */
        engine_span why;  /* a down shard's last failure */
    } shards[ENGINE_MAX_SHARDS];
    size_t nshards;
} engine_result;

/* max_bytes bounds store: a result that would need more is the error
 * JSON_ERR_TOO_LARGE. */
void engine_result_init(engine_result *r, size_t max_bytes);
void engine_result_free(engine_result *r); /* the store; r itself is yours */

typedef struct engine_ctx engine_ctx;

/* Tune the process's heap for the engine's allocations, once at start
 * before any thread: Xapian copies out values and blocks of tens of KB per
 * hit, which glibc would mmap and unmap each time (page faults took about
 * 12 % of the daemon's CPU under load; docs/BENCHMARKS.md). Blocks under
 * ENGINE_HEAP_REUSE bytes are reused from the heap instead. */
#define ENGINE_HEAP_REUSE (4 << 20)
void engine_heap_tune(void);

/* Check that db_path holds an index this build can serve. err gets one
 * line ("no index at var/cglu.db: run cglu-index DIR first", ...). */
engine_status engine_check(const char *db_path, char *err, size_t errlen);

/* Open a context. On success *out is set, freed with engine_close();
 * on failure *out is NULL and err says why. */
engine_status engine_open(const char *db_path, engine_ctx **out, char *err,
                          size_t errlen);
void engine_close(engine_ctx *ctx); /* NULL allowed */

/* An index with remote shards (docs/SCALING.md): when on, a request that
 * meets a shard that is down is answered by the other shards, the result
 * saying partial; when off (the default), it fails with
 * JSON_ERR_SHARD_UNAVAILABLE naming the shard. */
void engine_set_partial(engine_ctx *ctx, int on);
/* 1 when ctx's index has remote shards: every request may wait on the
 * network (up to the remote timeout). */
int engine_has_remote(engine_ctx *ctx);

/* Ask the context to reopen the index before its next request (SIGHUP).
 * Thread-safe: may be called from any thread. Contexts also look for a
 * newer committed revision by themselves at most every 100 ms. */
void engine_request_reopen(engine_ctx *ctx);

/* The revision ctx serves now (from the thread that uses ctx). */
uint64_t engine_revision(engine_ctx *ctx);

/* Run req into *res (initialised by engine_result_init()). Always sets
 * res->ok; on failure res->error and res->message say why. */
void engine_run(engine_ctx *ctx, const engine_request *req, engine_result *res);

#endif
