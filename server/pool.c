/* pool: the daemon's worker threads (see pool.h): one FIFO of jobs, one
 * context per thread, finished jobs handed back to the loop in batches. */
#include "server/pool.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

/* One thread; its own condition variable, so that waking it never wakes a
 * parked thread instead (a shared one's signal could). */
typedef struct pool_thread {
    pool *p;
    unsigned id;
    void *ctx;
    uv_thread_t tid;
    uv_cond_t cond;
    int idle; /* waiting on cond, and nobody woke it yet */
} pool_thread;

struct pool {
    uv_mutex_t lock;       /* everything below but the immutable fields */
    pool_job *head, *tail; /* waiting, oldest first */
    pool_job *done;        /* finished, newest first */
    unsigned active;       /* threads 0..active-1 take jobs */
    int stop;

    uv_async_t async; /* wakes the loop for done */
    uv_loop_t *loop;
    pool_run_fn run;
    pool_done_fn on_done;
    void *ud;
    unsigned n, started, conds;
    int lock_ok, async_ok;
    pool_thread t[];
};

/* Wake the first idle thread allowed to take a job (lock held). */
static void wake_one(pool *p)
{
    for (unsigned i = 0; i < p->active; i++)
        if (p->t[i].idle) {
            p->t[i].idle = 0;
            uv_cond_signal(&p->t[i].cond);
            return;
        }
}

static void thread_main(void *arg)
{
    pool_thread *t = arg;
    pool *p = t->p;
    sigset_t all;
    pool_job *job;

    /* signals are the loop's (uv_signal): none lands on a worker */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    for (;;) {
        uv_mutex_lock(&p->lock);
        while (!p->stop && (p->head == NULL || t->id >= p->active)) {
            t->idle = 1;
            uv_cond_wait(&t->cond, &p->lock);
        }
        t->idle = 0;
        if (p->stop) {
            uv_mutex_unlock(&p->lock);
            return;
        }
        job = p->head;
        p->head = job->next;
        if (p->head == NULL)
            p->tail = NULL;
        uv_mutex_unlock(&p->lock);
        p->run(t->ctx, job);
        uv_mutex_lock(&p->lock);
        job->next = p->done;
        p->done = job;
        /* One eventfd write until the loop has looked (libuv coalesces).
         * Under the lock: the loop sees the job only after the send, so
         * the last job's send is over before the loop may close the
         * handle and its descriptor at shutdown. */
        uv_async_send(&p->async);
        uv_mutex_unlock(&p->lock);
    }
}

/* Loop thread: every job finished since the last look, oldest first. */
static void on_async(uv_async_t *h)
{
    pool *p = h->data;
    pool_job *job, *next, *rev = NULL;

    uv_mutex_lock(&p->lock);
    job = p->done;
    p->done = NULL;
    uv_mutex_unlock(&p->lock);
    for (; job != NULL; job = next) { /* newest first: reverse */
        next = job->next;
        job->next = rev;
        rev = job;
    }
    for (job = rev; job != NULL; job = next) {
        next = job->next;
        job->next = NULL;
        p->on_done(p->ud, job);
    }
}

/* Tell the threads to end (they finish the job they run). */
static void stop_threads(pool *p)
{
    uv_mutex_lock(&p->lock);
    p->stop = 1;
    for (unsigned i = 0; i < p->conds; i++)
        uv_cond_signal(&p->t[i].cond);
    uv_mutex_unlock(&p->lock);
}

int pool_new(uv_loop_t *loop, unsigned n, void *const *ctxs, pool_run_fn run,
             pool_done_fn done, void *ud, pool **out)
{
    pool *p;
    int rc;

    *out = NULL;
    if (n < 1 || n > POOL_MAX_THREADS)
        return UV_EINVAL;
    p = calloc(1, sizeof *p + n * sizeof p->t[0]);
    if (p == NULL)
        return UV_ENOMEM;
    p->loop = loop;
    p->run = run;
    p->on_done = done;
    p->ud = ud;
    p->n = n;
    p->active = n;
    rc = uv_mutex_init(&p->lock);
    if (rc != 0)
        goto fail;
    p->lock_ok = 1;
    for (; p->conds < n; p->conds++) {
        pool_thread *t = &p->t[p->conds];
        t->p = p;
        t->id = p->conds;
        t->ctx = ctxs[p->conds];
        rc = uv_cond_init(&t->cond);
        if (rc != 0)
            goto fail;
    }
    /* before the threads, which send to it after each job */
    rc = uv_async_init(loop, &p->async, on_async);
    if (rc != 0)
        goto fail;
    p->async.data = p;
    p->async_ok = 1;
    for (; p->started < n; p->started++) {
        rc = uv_thread_create(&p->t[p->started].tid, thread_main,
                              &p->t[p->started]);
        if (rc != 0)
            goto fail;
    }
    *out = p;
    return 0;
fail:
    if (p->lock_ok)
        stop_threads(p);
    for (unsigned i = 0; i < p->started; i++)
        uv_thread_join(&p->t[i].tid);
    p->started = 0;
    *out = p; /* its handle may be on the loop: freed after it closes */
    return rc;
}

void pool_submit(pool *p, pool_job *job)
{
    job->next = NULL;
    uv_mutex_lock(&p->lock);
    if (p->tail != NULL)
        p->tail->next = job;
    else
        p->head = job;
    p->tail = job;
    wake_one(p); /* none idle: a busy one takes it after its job */
    uv_mutex_unlock(&p->lock);
}

void pool_set_active(pool *p, unsigned n)
{
    n = n < 1 ? 1 : n > p->n ? p->n : n;
    uv_mutex_lock(&p->lock);
    if (n > p->active && p->head != NULL) {
        for (unsigned i = p->active; i < n; i++)
            if (p->t[i].idle) {
                p->t[i].idle = 0;
                uv_cond_signal(&p->t[i].cond);
            }
    }
    p->active = n;
    uv_mutex_unlock(&p->lock);
}

void pool_close(pool *p)
{
    if (p == NULL)
        return;
    stop_threads(p);
    if (p->async_ok && !uv_is_closing((uv_handle_t *)&p->async))
        uv_close((uv_handle_t *)&p->async, NULL);
}

void pool_free(pool *p)
{
    if (p == NULL)
        return;
    if (p->lock_ok)
        stop_threads(p);
    for (unsigned i = 0; i < p->started; i++)
        uv_thread_join(&p->t[i].tid);
    for (unsigned i = 0; i < p->conds; i++)
        uv_cond_destroy(&p->t[i].cond);
    if (p->lock_ok)
        uv_mutex_destroy(&p->lock);
    free(p);
}
