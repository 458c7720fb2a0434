/* batch: when cglu-index commits. One batch is one Xapian transaction,
 * bounded by the memory it holds, the input it read (when asked) and its
 * age, so that a long run keeps memory stated and the daemon sees a new
 * revision every few seconds, while a build writes each B-tree block few
 * times. */
#ifndef CGLU_INDEXER_BATCH_H
#define CGLU_INDEXER_BATCH_H

#include <stddef.h>

/* The memory budget of a batch: heap bytes the open transaction may hold
 * (Xapian's buffered postings and positions, the spelling deltas) before
 * it is committed. Each commit rewrites the B-tree blocks of every term
 * the batch touched and leaves the old ones as free space, so fewer,
 * larger batches write less: with 64 MB a build of large-fr wrote 1.2x
 * its uncompacted index (1 MB batches of input wrote 11x, 16 MB of memory
 * 3x); a full build then compacts (indexer/compact), which writes the
 * compacted index once more, and 128 MB keeps the whole run at 2.7x the
 * final index (64 MB: 3.5x) for a peak RSS of about 195 MB on large-fr,
 * 75 MB on man-fr (docs/BENCHMARKS.md, "Fewer bytes written" and issue
 * #15's text store). The peak RSS is about the budget plus 20 MB (plain
 * text) to 65 MB (large-fr, whose pages of up to 7 MB are each built
 * whole before they join a batch). cglu-index --batch-memory. */
#define BATCH_DEFAULT_MEMORY ((size_t)128 << 20)
/* The age at which an open batch is committed, in seconds, so that a long
 * run's work shows in the index (and the daemon) this often even when
 * memory is far from its budget. cglu-index --batch-seconds. */
#define BATCH_DEFAULT_SECONDS 5
/* Largest --batch-seconds: an hour. */
#define BATCH_MAX_SECONDS 3600
/* The most heap a batch was seen to hold per byte of input: 11-15 on
 * man-fr's plain text, 4 on HTML, 2-3 on large-fr. It paces the looks at
 * the heap (batch_check) and bounds a batch when the heap cannot be read. */
#define BATCH_PER_INPUT 16
/* The least input between two looks at the heap, and what a document
 * counts for besides its input (a replaced value, a deletion). */
#define BATCH_SAMPLE_MIN ((size_t)64 << 10)
#define BATCH_DOC_BYTES ((size_t)1 << 10)

/* Why a batch is to be committed now; BATCH_OPEN: not yet. */
typedef enum {
    BATCH_OPEN = 0,
    BATCH_FULL_MEMORY, /* it holds its memory budget */
    BATCH_FULL_INPUT,  /* it read --batch-size of input */
    BATCH_FULL_AGE,    /* it is older than its age bound */
} batch_reason;

/* The bounds of one batch. */
typedef struct batch_limits {
    size_t memory; /* heap bytes; 0: BATCH_DEFAULT_MEMORY */
    size_t input;  /* bytes of input; 0: no bound on input */
    double age;    /* seconds; 0: BATCH_DEFAULT_SECONDS */
} batch_limits;

/* One open batch. Plain data: needs no freeing. */
typedef struct batch {
    batch_limits lim;
    size_t input;     /* input bytes since it began */
    size_t docs;      /* documents written or deleted since it began */
    size_t heap0;     /* heap in use when it began */
    size_t memory;    /* heap growth at the last look */
    size_t unsampled; /* input (and BATCH_DOC_BYTES a document) since the
                         last look */
    size_t step;      /* the next look when unsampled reaches this */
    double t0;        /* when it began (clock_now) */
} batch;

/* The decision alone (pure): memory first, then input, then age, against
 * lim (its zero fields mean their defaults). */
batch_reason batch_decide(const batch_limits *lim, size_t memory, size_t input,
                          double age);

/* A new batch under lim (copied) at time now: its heap baseline is
 * measured here, so call it once the previous batch is committed. */
void batch_begin(batch *b, const batch_limits *lim, double now);
/* One more document (written, replaced or deleted) of bytes of input. */
void batch_add(batch *b, size_t bytes);
/* Whether the batch is to be committed at time now: looks at the heap
 * when enough input went by since the last look to fill what is left of
 * the budget at BATCH_PER_INPUT (at least BATCH_SAMPLE_MIN), so that looks
 * are rare far from the budget and a batch passes it by about one
 * document, or BATCH_SAMPLE_MIN of input; then batch_decide. */
batch_reason batch_check(batch *b, double now);

/* Bytes of heap in use by the whole process, or 0 when this build cannot
 * tell (then batches are bounded by an estimate from their input, see
 * batch.c). */
size_t batch_heap_in_use(void);

/* "memory", "input", "age", or "open". */
const char *batch_reason_name(batch_reason r);

#endif
