/* pool: the daemon's worker threads, in place of libuv's shared pool.
 *
 * Each thread owns one context (the caller's: a search engine and its
 * result) for its life, so no context is taken or given back per job.
 * Jobs wait in one FIFO; a thread that finishes one takes the next without
 * sleeping, and the loop wakes a thread only when one is idle. Finished
 * jobs go on one list that the loop takes whole at one wake-up: one
 * eventfd write (uv_async_send, which coalesces) for every job finished
 * since the loop last looked.
 *
 * The loop may lower how many threads take jobs (pool_set_active): the
 * others park after their current job. The daemon does so while the loop
 * thread searches itself, so that no more threads search than cores.
 *
 * Threads: pool_new, pool_submit, pool_set_active, pool_close run on the
 * loop thread; the run function on the workers; the done function on the
 * loop thread. */
#ifndef CGLU_SERVER_POOL_H
#define CGLU_SERVER_POOL_H

#include <uv.h>

/* Threads a pool may have (the daemon's --threads bound). */
#define POOL_MAX_THREADS 256

/* A job: the caller embeds it in its own struct. */
typedef struct pool_job {
    struct pool_job *next;
} pool_job;

/* Worker thread: run job with this thread's context. */
typedef void (*pool_run_fn)(void *ctx, pool_job *job);
/* Loop thread: job is finished (jobs finish in any order). */
typedef void (*pool_done_fn)(void *ud, pool_job *job);

typedef struct pool pool;

/* Start n threads (1..POOL_MAX_THREADS) on loop, thread i with ctxs[i];
 * all of them active. Returns 0, or a libuv error: then no thread runs.
 * Either way *out, unless NULL (out of memory, or n out of bounds), is
 * for pool_free() once the loop has closed its handles. */
int pool_new(uv_loop_t *loop, unsigned n, void *const *ctxs, pool_run_fn run,
             pool_done_fn done, void *ud, pool **out);

/* Queue job (not queued already); a thread runs it as soon as one may. */
void pool_submit(pool *p, pool_job *job);

/* Let n threads (clamped to 1..their count) take jobs from now on. */
void pool_set_active(pool *p, unsigned n);

/* Stop: only when no job is queued or running (the caller counts them).
 * Closes the loop's handle; the threads end. Then pool_free(), once the
 * loop has run the close. NULL allowed. */
void pool_close(pool *p);

/* Join the threads and free p, once the loop has closed its handle
 * (pool_close, or a uv_walk closing every handle) and run the close. NULL
 * allowed. */
void pool_free(pool *p);

#endif
