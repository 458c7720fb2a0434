/* test_pipeline: the help between writers' pipelines (pipeline_help): a
 * helper builds a pipeline's last items while its writer takes the first
 * ones; every item is built once, by one of them, as the writer alone
 * builds it; a pipeline freed early waits for the helper's build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/unit/unit_util.h"
#include "common/lang.h"
#include "indexer/pipeline.h"

#define NFILES 60

typedef struct {
    char dir[64], db[80];
    walk_entry e[NFILES];
    char path[NFILES][128];
} fixture;

/* NFILES pages of different lengths and words. */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(unit_tmpdir("test_pipeline", f->dir, sizeof f->dir, f->db,
                                 sizeof f->db),
                     0);
    char dir[sizeof f->dir]; /* a copy: GCC sees f->path and f->dir as
                                one object that snprintf could overlap */
    memcpy(dir, f->dir, sizeof dir);
    for (int i = 0; i < NFILES; i++) {
        snprintf(f->path[i], sizeof f->path[i], "%s/p%02d.txt", dir, i);
        FILE *fp = fopen(f->path[i], "w");
        assert_non_null(fp);
        fprintf(fp, "Page %d\n\n", i);
        for (int k = 0; k <= i * 3; k++)
            fprintf(fp, "Les villes%d et gouvernements locaux coopèrent %d. ",
                    i, k);
        fclose(fp);
        struct stat st;
        assert_int_equal(stat(f->path[i], &st), 0);
        f->e[i].path = f->path[i];
        f->e[i].relpath = strrchr(f->path[i], '/') + 1;
        f->e[i].size = st.st_size;
        f->e[i].mtime = st.st_mtime;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    unit_rmtree(f->dir);
    free(f);
    return 0;
}

/* A pipeline of every page, building inline, on board (may be NULL). */
static pipeline *make(fixture *f, pipeline_board *board)
{
    pipeline *p = NULL;
    char err[256];
    assert_int_equal(pipeline_new(NFILES, lang_default(), 0, 0, 0, 1, board, &p,
                                  err, sizeof err),
                     PIPELINE_OK);
    for (int i = 0; i < NFILES; i++) {
        pipeline_item *it = pipeline_slot(p);
        assert_non_null(it);
        it->e = &f->e[i];
        it->root = f->dir;
        it->idprefix = "";
        it->base = "";
        pipeline_queue(p);
    }
    assert_int_equal(pipeline_start(p, err, sizeof err), PIPELINE_OK);
    return p;
}

static void *helper_main(void *arg)
{
    pipeline_help(arg);
    return NULL;
}

/* A writer that takes its time (a commit, Xapian's writes). */
static void slow_writer(void)
{
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

static void test_help_builds_each_item_once(void **state)
{
    fixture *f = *state;
    uint64_t sums[NFILES] = {0};
    size_t words[NFILES] = {0};
    /* the writer alone */
    pipeline *p = make(f, NULL);
    pipeline_item *it;
    for (int i = 0; (it = pipeline_next(p)) != NULL; i++) {
        assert_true(i < NFILES);
        assert_int_equal(it->fate, PIPELINE_ADDED);
        assert_non_null(it->doc);
        assert_int_equal(it->helped, 0);
        sums[i] = it->spell_sum;
        words[i] = it->words.len;
        pipeline_release(p, it);
    }
    pipeline_free(p);

    /* with a helper on the board */
    pipeline_board *b = pipeline_board_new();
    assert_non_null(b);
    p = make(f, b);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, helper_main, b), 0);
    int n = 0, helped = 0;
    while ((it = pipeline_next(p)) != NULL) {
        assert_true(n < NFILES);
        assert_ptr_equal(it->e, &f->e[n]); /* queue order */
        assert_true(it->done && it->taken);
        assert_int_equal(it->fate, PIPELINE_ADDED);
        assert_non_null(it->doc);
        assert_true(it->spell_sum == sums[n]);
        assert_int_equal(it->words.len, words[n]);
        helped += it->helped;
        pipeline_release(p, it);
        slow_writer();
        n++;
    }
    assert_int_equal(n, NFILES);
    /* the helper took the last pages, the writer the first ones */
    assert_true(helped > 0 && helped < NFILES);
    assert_int_equal(pthread_join(th, NULL), 0);
    pipeline_free(p);
    /* nothing on the board: a helper returns at once */
    pipeline_help(b);
    pipeline_board_free(b);
}

/* The writer stops early (an error, a signal): freeing its pipeline waits
 * for the helper's build in flight and frees what the helper built. */
static void test_free_while_helped(void **state)
{
    fixture *f = *state;
    pipeline_board *b = pipeline_board_new();
    assert_non_null(b);
    pipeline *p = make(f, b);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, helper_main, b), 0);
    for (int i = 0; i < 3; i++) {
        pipeline_item *it = pipeline_next(p);
        assert_non_null(it);
        pipeline_release(p, it);
        slow_writer();
    }
    pipeline_free(p);
    assert_int_equal(pthread_join(th, NULL), 0);
    pipeline_board_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_builds_each_item_once),
        cmocka_unit_test(test_free_while_helped),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
