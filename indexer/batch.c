/* batch: when cglu-index commits: the bounds of one transaction and how
 * the memory it holds is measured. */
#include "indexer/batch.h"

#include <stdint.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BATCH_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define BATCH_ASAN 1
#endif

#if defined(BATCH_ASAN)
/* AddressSanitizer's own allocator: glibc's arenas stay empty under it.
 * Declared here: GCC installs no <sanitizer/allocator_interface.h>. */
size_t __sanitizer_get_current_allocated_bytes(void);
#elif defined(__GLIBC__)
#include <malloc.h>
#if __GLIBC_PREREQ(2, 33)
#define BATCH_MALLINFO2 1
#endif
#endif

/* Why the heap rather than an estimate: Xapian's inverter keeps every
 * posting and position of the open transaction in std::map and
 * std::string nodes allocated by malloc, whose size per posting depends on
 * the term, the document and Xapian's version; glibc's mallinfo2() adds up
 * what is in use in every arena (the writer's, the pipeline worker's) and
 * in mmapped chunks, so it sees all of it and nothing is calibrated. The
 * batch's memory is the growth since it began (what its commit gives
 * back), so the run's own lists of files do not count. The cost:
 * mallinfo2() walks every free chunk of each arena under its lock, from
 * 0.03 ms to 0.8 ms a call here (freed postings make many chunks), hence
 * looks paced by the budget left (batch_check): 2 on a build of man-fr,
 * about 100 (45-85 ms, 0.4 % of its time) on one of large-fr
 * (docs/BENCHMARKS.md, "Fewer bytes written"). */
size_t batch_heap_in_use(void)
{
#if defined(BATCH_ASAN)
    return __sanitizer_get_current_allocated_bytes();
#elif defined(BATCH_MALLINFO2)
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return 0;
#endif
}

batch_reason batch_decide(const batch_limits *lim, size_t memory, size_t input,
                          double age)
{
    size_t mem_max = lim->memory ? lim->memory : BATCH_DEFAULT_MEMORY;
    double age_max = lim->age > 0 ? lim->age : BATCH_DEFAULT_SECONDS;

    if (memory >= mem_max)
        return BATCH_FULL_MEMORY;
    if (lim->input && input >= lim->input)
        return BATCH_FULL_INPUT;
    if (age >= age_max)
        return BATCH_FULL_AGE;
    return BATCH_OPEN;
}

/* The input to let go by before the next look: what could fill the rest
 * of the budget at BATCH_PER_INPUT, at least BATCH_SAMPLE_MIN. */
static size_t next_step(const batch *b)
{
    size_t max = b->lim.memory ? b->lim.memory : BATCH_DEFAULT_MEMORY;
    size_t step = max > b->memory ? (max - b->memory) / BATCH_PER_INPUT : 0;
    return step < BATCH_SAMPLE_MIN ? BATCH_SAMPLE_MIN : step;
}

void batch_begin(batch *b, const batch_limits *lim, double now)
{
    b->lim = *lim;
    b->input = 0;
    b->docs = 0;
    b->memory = 0;
    b->unsampled = 0;
    b->heap0 = batch_heap_in_use();
    b->t0 = now;
    b->step = next_step(b);
}

void batch_add(batch *b, size_t bytes)
{
    b->input += bytes;
    b->unsampled += bytes + BATCH_DOC_BYTES;
    b->docs++;
}

/* The memory the batch holds now. */
static size_t measure(const batch *b)
{
    size_t now = batch_heap_in_use();
    if (now == 0 && b->heap0 == 0) /* no way to read the heap */
        return b->input > SIZE_MAX / BATCH_PER_INPUT
                   ? SIZE_MAX
                   : b->input * BATCH_PER_INPUT;
    /* less than at the start: the worker's lead shrank, nothing held */
    return now > b->heap0 ? now - b->heap0 : 0;
}

batch_reason batch_check(batch *b, double now)
{
    if (b->unsampled >= b->step) {
        b->memory = measure(b);
        b->unsampled = 0;
        b->step = next_step(b);
    }
    return batch_decide(&b->lim, b->memory, b->input, now - b->t0);
}

const char *batch_reason_name(batch_reason r)
{
    switch (r) {
    case BATCH_OPEN:
        return "open";
    case BATCH_FULL_MEMORY:
        return "memory";
    case BATCH_FULL_INPUT:
        return "input";
    case BATCH_FULL_AGE:
        return "age";
    }
    return "open";
}
