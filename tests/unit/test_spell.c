/* test_spell: spelling deltas: counts, growth, limit, flush to Xapian. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit_util.h"
#include "common/xapian_c.h"
#include "indexer/spell.h"

typedef struct {
    unit_db u; /* the folder, the database path, messages: first */
    xc_db *w;  /* writer on u.db */
    spell_table *t;
} fixture;

static int setup(void **state)
{
    fixture *f = unit_db_new(sizeof *f);

    *state = f;
    if (f == NULL || unit_db_create(&f->u, &f->w) != 0)
        return -1;
    return spell_new(&f->t) == SPELL_OK ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;

    spell_free(f->t);
    xc_close(f->w);
    return unit_db_free(&f->u);
}

static spell_status add(spell_table *t, const char *w, int32_t delta)
{
    return spell_add(t, w, strlen(w), delta);
}

static void flush(fixture *f)
{
    assert_int_equal(spell_flush(f->t, f->w), SPELL_OK);
    assert_int_equal(spell_count(f->t), 0);
    assert_int_equal(xc_commit(f->w), XC_OK);
}

static void test_new_free(void **state)
{
    (void)state;
    spell_table *t = (spell_table *)&t;

    assert_int_equal(spell_new(&t), SPELL_OK);
    assert_non_null(t);
    assert_int_equal(spell_count(t), 0);
    spell_free(t);
    spell_free(NULL);
}

static void test_count(void **state)
{
    fixture *f = *state;
    spell_table *t = f->t;

    assert_int_equal(add(t, "maison", 1), SPELL_OK);
    assert_int_equal(add(t, "maison", 1), SPELL_OK);
    assert_int_equal(add(t, "maison", -5), SPELL_OK);
    assert_int_equal(spell_count(t), 1);
    assert_int_equal(add(t, "maisons", 1), SPELL_OK); /* longer */
    assert_int_equal(add(t, "mais", 1), SPELL_OK);    /* shorter */
    assert_int_equal(add(t, "Maison", 1), SPELL_OK);  /* bytes, not case */
    assert_int_equal(spell_count(t), 4);
    /* only word[0..len) is read */
    assert_int_equal(spell_add(t, "maisonnette", 6, 1), SPELL_OK);
    assert_int_equal(spell_add(t, "maisXXX", 4, 1), SPELL_OK);
    assert_int_equal(spell_count(t), 4);
    /* a NUL byte is part of the word; the empty word is a word */
    assert_int_equal(spell_add(t, "mais\0on", 7, 1), SPELL_OK);
    assert_int_equal(spell_add(t, "mais\0on", 5, 1), SPELL_OK);
    assert_int_equal(spell_add(t, "", 0, 1), SPELL_OK);
    assert_int_equal(spell_count(t), 7);
    /* UTF-8 and invalid UTF-8 are bytes like others */
    assert_int_equal(add(t, "\xc3\xa9lus", 1), SPELL_OK);
    assert_int_equal(add(t, "e\xcc\x81lus", 1), SPELL_OK);
    assert_int_equal(add(t, "\xff\xfe", 1), SPELL_OK);
    assert_int_equal(spell_count(t), 10);
    /* a zero delta still holds a distinct word */
    assert_int_equal(add(t, "z\xc3\xa9ro", 0), SPELL_OK);
    assert_int_equal(spell_count(t), 11);
}

/* Words of equal 32-bit FNV-1a hash stay apart, with their own deltas. */
static void test_hash_collisions(void **state)
{
    fixture *f = *state;
    spell_table *t = f->t;

    assert_int_equal(add(t, "costarring", 3), SPELL_OK);
    assert_int_equal(add(t, "liquid", 1), SPELL_OK); /* other length */
    assert_int_equal(add(t, "glbvs", 2), SPELL_OK);
    assert_int_equal(add(t, "yacxa", 1), SPELL_OK); /* same length */
    assert_int_equal(spell_count(t), 4);
    assert_int_equal(add(t, "liquid", 1), SPELL_OK);
    assert_int_equal(add(t, "yacxa", 1), SPELL_OK);
    assert_int_equal(spell_count(t), 4);
    flush(f);
    unit_suggest(f->w, "costaring", 2, "costarring");
    unit_suggest(f->w, "liqid", 2, "liquid");
    unit_suggest(f->w, "glbvz", 2, "glbvs");
    unit_suggest(f->w, "yacxe", 2, "yacxa");
    /* each word got its own total: removing them one by one */
    assert_int_equal(add(t, "costarring", -3), SPELL_OK);
    assert_int_equal(add(t, "yacxa", -2), SPELL_OK);
    flush(f);
    unit_suggest(f->w, "costaring", 2, "");
    unit_suggest(f->w, "yacxe", 2, "");
    unit_suggest(f->w, "liqid", 2, "liquid");
    unit_suggest(f->w, "glbvz", 2, "glbvs");
}

/* Many words: the table grows past its first size and every word is
 * still found (adding them again adds no word). */
static void test_growth(void **state)
{
    fixture *f = *state;
    spell_table *t = f->t;
    char w[32];
    enum { N = 20000 };

    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            int n = snprintf(w, sizeof w, "mot%d", i);
            assert_int_equal(spell_add(t, w, (size_t)n, 1), SPELL_OK);
        }
        assert_int_equal(spell_count(t), N);
    }
    /* a word longer than an arena block of 64 KiB, then short ones */
    size_t big = (64u << 10) + 100;
    char *long_word = malloc(big);
    assert_non_null(long_word);
    memset(long_word, 'x', big);
    assert_int_equal(spell_add(t, long_word, big, 1), SPELL_OK);
    assert_int_equal(spell_add(t, "court", 5, 1), SPELL_OK);
    assert_int_equal(spell_add(t, long_word, big, 1), SPELL_OK);
    assert_int_equal(spell_add(t, long_word, big - 1, 1), SPELL_OK);
    assert_int_equal(spell_count(t), N + 3);
    free(long_word); /* the table holds its own copies */
    assert_int_equal(spell_add(t, "mot0", 4, 1), SPELL_OK);
    assert_int_equal(spell_add(t, "mot19999", 8, 1), SPELL_OK);
    assert_int_equal(spell_add(t, "court", 5, 1), SPELL_OK);
    assert_int_equal(spell_count(t), N + 3);
}

/* The words are copied: the caller's buffer may change after the call. */
static void test_copied(void **state)
{
    fixture *f = *state;
    char w[] = "gouvernement";

    assert_int_equal(add(f->t, w, 2), SPELL_OK);
    memset(w, 'q', sizeof w - 1);
    assert_int_equal(spell_count(f->t), 1);
    flush(f);
    unit_suggest(f->w, "gouvernemant", 2, "gouvernement");
}

/* Deltas add up; positive ones add to the dictionary, negative ones take
 * from it, zero ones write nothing. */
static void test_flush_deltas(void **state)
{
    fixture *f = *state;
    spell_table *t = f->t;

    assert_int_equal(xc_spelling_add(f->w, "raison", 2), XC_OK);
    assert_int_equal(xc_commit(f->w), XC_OK);
    assert_int_equal(add(t, "maison", 4), SPELL_OK);
    assert_int_equal(add(t, "maison", -1), SPELL_OK);
    assert_int_equal(add(t, "vide", 1), SPELL_OK);
    assert_int_equal(add(t, "vide", -1), SPELL_OK); /* sums to zero */
    assert_int_equal(spell_count(t), 2);
    flush(f);
    /* "saison" is one edit from both: the more frequent wins */
    unit_suggest(f->w, "saison", 2, "maison"); /* 3 against 2 */
    unit_suggest(f->w, "vida", 2, "");
    assert_int_equal(add(t, "maison", -2), SPELL_OK);
    flush(f);
    unit_suggest(f->w, "saison", 2, "raison"); /* 1 against 2 */
    assert_int_equal(add(t, "raison", -2), SPELL_OK);
    assert_int_equal(add(t, "maison", 0), SPELL_OK);
    flush(f);
    unit_suggest(f->w, "saison", 2, "maison"); /* raison is gone */
    /* taking from a word the dictionary does not hold is no error */
    assert_int_equal(add(t, "absent", -3), SPELL_OK);
    flush(f);
    unit_suggest(f->w, "absant", 2, "");

    /* the emptied table is reused; an empty flush is fine */
    flush(f);
    assert_int_equal(add(t, "chemin", 1), SPELL_OK);
    assert_int_equal(spell_count(t), 1);
    flush(f);
    unit_suggest(f->w, "chemun", 2, "chemin");
}

/* Words Xapian refuses make the flush fail with SPELL_ERR_DB. */
static void test_flush_errors(void **state)
{
    fixture *f = *state;
    spell_table *t = f->t;
    char big[300];

    assert_int_equal(spell_add(t, "", 0, 1), SPELL_OK);
    assert_int_equal(spell_flush(t, f->w), SPELL_ERR_DB);
    assert_true(strlen(xc_errmsg(f->w)) > 0);
    spell_free(t);
    assert_int_equal(spell_new(&f->t), SPELL_OK);
    t = f->t;

    memset(big, 'a', sizeof big); /* past XC_MAX_TERM */
    assert_int_equal(spell_add(t, big, sizeof big, -1), SPELL_OK);
    assert_int_equal(spell_flush(t, f->w), SPELL_ERR_DB);
    spell_free(t);
    assert_int_equal(spell_new(&f->t), SPELL_OK);
    t = f->t;

    /* a read-only handle cannot take the words */
    assert_int_equal(xc_commit(f->w), XC_OK);
    xc_db *r = NULL;
    assert_int_equal(xc_open_read(f->u.db, &r, f->u.err, sizeof f->u.err),
                     XC_OK);
    assert_int_equal(add(t, "lecture", 1), SPELL_OK);
    assert_int_equal(spell_flush(t, r), SPELL_ERR_DB);
    spell_free(t);
    assert_int_equal(spell_new(&f->t), SPELL_OK);
    t = f->t;
    /* nothing to write: nothing can fail */
    assert_int_equal(add(t, "lecture", 1), SPELL_OK);
    assert_int_equal(add(t, "lecture", -1), SPELL_OK);
    assert_int_equal(spell_flush(t, r), SPELL_OK);
    assert_int_equal(spell_count(t), 0);
    xc_close(r);
}

/* SPELL_MAX_WORDS distinct words fit; one more is refused, while the words
 * held still take deltas. */
static void test_full(void **state)
{
    fixture *f = *state;
    spell_table *t = f->t;
    char w[16];

    for (uint32_t i = 0; i < SPELL_MAX_WORDS; i++) {
        int n = snprintf(w, sizeof w, "%x", i);
        if (spell_add(t, w, (size_t)n, 1) != SPELL_OK)
            fail_msg("word %u of %u refused", i, SPELL_MAX_WORDS);
    }
    assert_int_equal(spell_count(t), SPELL_MAX_WORDS);
    assert_int_equal(add(t, "one-more", 1), SPELL_ERR_FULL);
    assert_int_equal(add(t, "another", -1), SPELL_ERR_FULL);
    assert_int_equal(spell_count(t), SPELL_MAX_WORDS);
    assert_int_equal(add(t, "0", 1), SPELL_OK);
    assert_int_equal(add(t, "3fffff", -1), SPELL_OK);
    assert_int_equal(spell_count(t), SPELL_MAX_WORDS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_free),
        UNIT_TEST_FIXTURE(test_count),
        UNIT_TEST_FIXTURE(test_hash_collisions),
        UNIT_TEST_FIXTURE(test_growth),
        UNIT_TEST_FIXTURE(test_copied),
        UNIT_TEST_FIXTURE(test_flush_deltas),
        UNIT_TEST_FIXTURE(test_flush_errors),
        UNIT_TEST_FIXTURE(test_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
