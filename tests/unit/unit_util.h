/* unit_util: what several unit tests share (header only): tests run with
 * a fixture, a status enum's messages, a temporary folder under /tmp with
 * an index path in it and its removal, the writer and reader on that
 * index, a spelling check, and the French analyzer of a test group. */
#ifndef CGLU_TESTS_UNIT_UTIL_H
#define CGLU_TESTS_UNIT_UTIL_H

#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/analyze.h"
#include "common/xapian_c.h"

/* A test run with its file's own setup() and teardown() around it. */
#define UNIT_TEST_FIXTURE(fn)                                                  \
    cmocka_unit_test_setup_teardown(fn, setup, teardown)
/* A test run on a fresh unit_db (below). */
#define UNIT_TEST_ON_DB(fn)                                                    \
    cmocka_unit_test_setup_teardown(fn, unit_db_setup, unit_db_teardown)

/* fn(st) is exactly want for each {st, want} row given: the messages of a
 * module's status enum, out-of-range values included. */
#define UNIT_MESSAGES(fn, ...)                                                 \
    do {                                                                       \
        static const struct {                                                  \
            int st;                                                            \
            const char *want;                                                  \
        } unit_rows_[] = {__VA_ARGS__};                                        \
        for (size_t unit_k_ = 0;                                               \
             unit_k_ < sizeof unit_rows_ / sizeof unit_rows_[0]; unit_k_++)    \
            assert_string_equal(fn(unit_rows_[unit_k_].st),                    \
                                unit_rows_[unit_k_].want);                     \
    } while (0)

/* mkdtemp a folder /tmp/NAME.XXXXXX into dir, and dir/db into db. 0, or
 * -1 when the folder cannot be made. */
static inline int unit_tmpdir(const char *name, char *dir, size_t dirlen,
                              char *db, size_t dblen)
{
    snprintf(dir, dirlen, "/tmp/%s.XXXXXX", name);
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(db, dblen, "%s/db", dir);
    return 0;
}

static inline int unit_rm_entry(const char *path, const struct stat *sb,
                                int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* Remove dir and everything in it (links are removed, not followed). 0, or
 * -1 when something stays. */
static inline int unit_rmtree(const char *dir)
{
    return nftw(dir, unit_rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* ---- a test's own index ---- */

/* The state of a test on a real database: a fresh temporary folder named
 * after the test program. A fixture with more in it starts with one. */
typedef struct unit_db {
    char dir[64];  /* mkdtemp directory, removed by unit_db_free */
    char db[128];  /* dir/db: the database path (not created) */
    char err[512]; /* messages of the calls that fail */
} unit_db;

/* A zeroed block of size bytes (at least sizeof(unit_db)) that starts with
 * a unit_db whose folder is made. NULL when it cannot be. */
static inline void *unit_db_new(size_t size)
{
    unit_db *u = calloc(1, size);

    if (u == NULL)
        return NULL;
    if (unit_tmpdir(program_invocation_short_name, u->dir, sizeof u->dir, u->db,
                    sizeof u->db) != 0) {
        free(u);
        return NULL;
    }
    return u;
}

/* Remove u's folder and free u. 0, or -1 when something stays. */
static inline int unit_db_free(unit_db *u)
{
    int rc = unit_rmtree(u->dir);

    free(u);
    return rc;
}

/* cmocka setup and teardown of a test whose state is a bare unit_db. */
static inline int unit_db_setup(void **state)
{
    *state = unit_db_new(sizeof(unit_db));
    return *state != NULL ? 0 : -1;
}

static inline int unit_db_teardown(void **state)
{
    return unit_db_free(*state);
}

/* A writer on a new empty database at u->db into *w: 0, or -1 with the
 * reason in u->err (for setups, which may not fail a test). */
static inline int unit_db_create(unit_db *u, xc_db **w)
{
    return xc_open_write(u->db, 1, w, u->err, sizeof u->err) == XC_OK ? 0 : -1;
}

/* A writer on u->db (created when missing); fails the test otherwise. */
static inline xc_db *unit_open_write(unit_db *u)
{
    xc_db *w = NULL;

    if (xc_open_write(u->db, 0, &w, u->err, sizeof u->err) != XC_OK)
        fail_msg("open_write %s: %s", u->db, u->err);
    return w;
}

/* A reader on u->db; fails the test otherwise. */
static inline xc_db *unit_open_read(unit_db *u)
{
    xc_db *r = NULL;

    if (xc_open_read(u->db, &r, u->err, sizeof u->err) != XC_OK)
        fail_msg("open_read %s: %s", u->db, u->err);
    return r;
}

/* The best correction of word within max_edit edits in db's spelling
 * dictionary must be want ("" when none). */
static inline void unit_suggest(xc_db *db, const char *word, unsigned max_edit,
                                const char *want)
{
    char *s = NULL;

    assert_int_equal(xc_spelling_suggest(db, word, max_edit, &s), XC_OK);
    assert_non_null(s);
    if (strcmp(s, want) != 0)
        fail_msg("suggest %s: got \"%s\", want \"%s\"", word, s, want);
    free(s);
}

/* ---- the French analyzer of a test group ---- */

static analyzer *unit_fr;

/* cmocka group setup and teardown that make and free unit_fr. */
static inline int unit_fr_setup(void **state)
{
    (void)state;
    return analyze_new("french", &unit_fr, NULL, 0) == ANALYZE_OK ? 0 : -1;
}

static inline int unit_fr_teardown(void **state)
{
    (void)state;
    analyze_free(unit_fr);
    return 0;
}

#endif
