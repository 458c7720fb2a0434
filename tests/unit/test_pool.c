/* test_pool: the daemon's worker threads: every job runs once, on a thread
 * with its own context, and comes back to the loop once; parked threads
 * take no job; a lowered count rises again; closing ends the threads;
 * bad counts are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/pool.h"

#define NJOBS 2000
#define NTHREADS 4

typedef struct job {
    pool_job pj;        /* first: a pool_job * is a job * */
    int ran;            /* runs seen (by its thread) */
    int ctx;            /* the context that ran it */
    uv_thread_t thread; /* the thread that ran it */
    int done;           /* done callbacks seen (by the loop) */
} job;

typedef struct state {
    pool *p;
    job *jobs;
    int ndone;
    int want; /* close the pool after this many */
    int ctx[NTHREADS];
} state;

static uv_sem_t *gate;  /* when set: the first job waits for it */
static job *gated;      /* that job */
static int gate_opened; /* by the watchdog: the test failed */
static int held;        /* the gated job waits (atomic) */

static void run(void *ctx, pool_job *pj)
{
    job *j = (job *)pj;
    volatile unsigned x = 0;

    if (gate != NULL && j == gated) {
        __atomic_store_n(&held, 1, __ATOMIC_RELEASE);
        uv_sem_wait(gate);
    }
    for (int i = 0; i < 200; i++) /* a little work, for some overlap */
        x += (unsigned)i;
    j->ctx = *(int *)ctx;
    j->thread = uv_thread_self();
    j->ran++;
}

static void done(void *ud, pool_job *pj)
{
    state *st = ud;
    job *j = (job *)pj;

    assert_int_equal(j->ran, 1); /* its run happened before its done */
    j->done++;
    if (++st->ndone == st->want)
        pool_close(st->p);
    else if (gate != NULL && st->ndone == st->want - 1)
        uv_sem_post(gate); /* every job but the gated one is done */
}

static void start(state *st, uv_loop_t *loop, unsigned n)
{
    void *ctxs[NTHREADS];

    memset(st, 0, sizeof *st);
    assert_int_equal(uv_loop_init(loop), 0);
    for (unsigned i = 0; i < n; i++) {
        st->ctx[i] = (int)i;
        ctxs[i] = &st->ctx[i];
    }
    assert_int_equal(pool_new(loop, n, ctxs, run, done, st, &st->p), 0);
    assert_non_null(st->p);
    st->jobs = calloc(NJOBS, sizeof *st->jobs);
    assert_non_null(st->jobs);
}

static void close_left(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void finish(state *st, uv_loop_t *loop)
{
    /* the loop returns once the pool's handle is closed: every job done */
    assert_int_equal(uv_run(loop, UV_RUN_DEFAULT), 0);
    uv_walk(loop, close_left, NULL); /* an unreferenced watchdog */
    assert_int_equal(uv_run(loop, UV_RUN_DEFAULT), 0);
    assert_int_equal(st->ndone, st->want);
    pool_free(st->p);
    assert_int_equal(uv_loop_close(loop), 0);
}

/* NTHREADS threads, active of them taking jobs: run NJOBS jobs to the end
 * and check each ran and came back once, on a thread holding one context
 * for its life and no other thread's. seen[t]: the jobs context t ran. */
static void run_jobs(unsigned active, int seen[NTHREADS])
{
    uv_loop_t loop;
    state st;
    uv_thread_t owner[NTHREADS]; /* the thread of context t, once seen */

    start(&st, &loop, NTHREADS);
    pool_set_active(st.p, active);
    st.want = NJOBS;
    for (int i = 0; i < NJOBS; i++)
        pool_submit(st.p, &st.jobs[i].pj);
    finish(&st, &loop);
    memset(seen, 0, NTHREADS * sizeof *seen);
    for (int i = 0; i < NJOBS; i++) {
        job *j = &st.jobs[i];

        assert_int_equal(j->ran, 1);
        assert_int_equal(j->done, 1);
        assert_in_range(j->ctx, 0, NTHREADS - 1);
        if (seen[j->ctx]++ == 0)
            owner[j->ctx] = j->thread;
        else /* a context stays on its thread */
            assert_true(uv_thread_equal(&owner[j->ctx], &j->thread));
    }
    for (int t = 0; t < NTHREADS; t++) /* and a thread keeps its own */
        for (int u = t + 1; u < NTHREADS; u++)
            if (seen[t] > 0 && seen[u] > 0)
                assert_false(uv_thread_equal(&owner[t], &owner[u]));
    free(st.jobs);
}

static void test_every_job_once(void **state_)
{
    int seen[NTHREADS];

    (void)state_;
    run_jobs(NTHREADS, seen);
}

static void test_parked_threads_take_nothing(void **state_)
{
    int seen[NTHREADS];

    (void)state_;
    run_jobs(1, seen);
    assert_int_equal(seen[0], NJOBS); /* threads 1..3 parked */
}

/* One active thread, held by the first job; the others parked. Raising the
 * count must wake them, or no other job would ever run: a watchdog opens
 * the gate after 10 s and the test fails. */
static void on_raise(uv_timer_t *t)
{
    state *st = t->data;

    if (!__atomic_load_n(&held, __ATOMIC_ACQUIRE))
        return; /* thread 0 has not taken the gated job yet: again in 1 ms */
    pool_set_active(st->p, NTHREADS);
    uv_close((uv_handle_t *)t, NULL);
}

static void on_watchdog(uv_timer_t *t)
{
    gate_opened = 1;
    uv_sem_post(gate);
    uv_close((uv_handle_t *)t, NULL);
}

static void test_raised_count_wakes(void **state_)
{
    uv_loop_t loop;
    uv_timer_t raise, dog;
    uv_sem_t sem;
    state st;

    (void)state_;
    start(&st, &loop, NTHREADS);
    assert_int_equal(uv_sem_init(&sem, 0), 0);
    gate = &sem;
    gated = &st.jobs[0];
    gate_opened = 0;
    held = 0;
    pool_set_active(st.p, 0); /* clamped to 1 */
    st.want = NJOBS;
    for (int i = 0; i < NJOBS; i++)
        pool_submit(st.p, &st.jobs[i].pj);
    assert_int_equal(uv_timer_init(&loop, &raise), 0);
    assert_int_equal(uv_timer_init(&loop, &dog), 0);
    raise.data = dog.data = &st;
    assert_int_equal(uv_timer_start(&raise, on_raise, 1, 1), 0);
    assert_int_equal(uv_timer_start(&dog, on_watchdog, 10000, 0), 0);
    uv_unref((uv_handle_t *)&dog); /* the loop ends without it */
    finish(&st, &loop);
    gate = NULL;
    uv_sem_destroy(&sem);
    assert_false(gate_opened);
    for (int i = 1; i < NJOBS; i++) {
        assert_int_equal(st.jobs[i].done, 1);
        assert_int_not_equal(st.jobs[i].ctx, 0); /* thread 0 was held */
    }
    free(st.jobs);
}

static void test_close_idle(void **state_)
{
    uv_loop_t loop;
    state st;

    (void)state_;
    start(&st, &loop, 2);
    st.want = 0;
    pool_close(st.p); /* no job ever: the threads end, the loop too */
    finish(&st, &loop);
    pool_free(NULL);
    pool_close(NULL);
    free(st.jobs);
}

static void test_bad_counts(void **state_)
{
    uv_loop_t loop;
    pool *p = (pool *)&loop; /* overwritten */
    int ctx = 0;
    void *ctxs[1] = {&ctx};

    (void)state_;
    assert_int_equal(uv_loop_init(&loop), 0);
    assert_int_equal(pool_new(&loop, 0, ctxs, run, done, NULL, &p), UV_EINVAL);
    assert_null(p);
    assert_int_equal(
        pool_new(&loop, POOL_MAX_THREADS + 1, ctxs, run, done, NULL, &p),
        UV_EINVAL);
    assert_null(p);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_job_once),
        cmocka_unit_test(test_parked_threads_take_nothing),
        cmocka_unit_test(test_raised_count_wakes),
        cmocka_unit_test(test_close_idle),
        cmocka_unit_test(test_bad_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
