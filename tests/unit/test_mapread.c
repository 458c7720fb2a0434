/* test_mapread: reads of table files from memory maps give the bytes a
 * system call gives, for the files mapread takes (read-only NAME.glass)
 * and only those, past a grown file's map, after a descriptor is reused,
 * and on a file truncated under its map; and a Xapian index reads through
 * them. The tests run in order: the first one before mapread_enable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/mapread.h"
#include "common/xapian_c.h"
#include "tests/unit/unit_util.h"

#define PAGE 4096

/* Write n bytes of pattern seed to dir/name; fails the test otherwise. */
static void make_file(const char *dir, const char *name, size_t n,
                      unsigned seed, char *path, size_t pathlen)
{
    snprintf(path, pathlen, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)(i * 31 + seed);
        assert_int_equal(write(fd, &c, 1), 1);
    }
    assert_int_equal(close(fd), 0);
}

/* 1 when buf[0..n) is pattern seed from offset off. */
static int is_pattern(const unsigned char *buf, size_t n, size_t off,
                      unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (buf[i] != (unsigned char)((off + i) * 31 + seed))
            return 0;
    return 1;
}

/* Open path read-only, check that n bytes at off are pattern seed, close;
 * the descriptor it had. */
static int read_pattern(const char *path, size_t n, size_t off, unsigned seed)
{
    unsigned char buf[PAGE];
    assert_true(n <= sizeof buf);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, buf, n, (off_t)off), (ssize_t)n);
    assert_true(is_pattern(buf, n, off, seed));
    assert_int_equal(close(fd), 0);
    return fd;
}

static mapread_stats now(void)
{
    mapread_stats s;
    mapread_get_stats(&s);
    return s;
}

static void test_nothing_mapped_until_enabled(void **state)
{
    unit_db *u = *state;
    char path[256];
    make_file(u->dir, "a.glass", 3 * PAGE, 1, path, sizeof path);
    read_pattern(path, 100, 10, 1);
    mapread_stats s = now();
    assert_int_equal(s.maps, 0);
    assert_int_equal(s.hits, 0);
}

static void test_tables_only_same_bytes(void **state)
{
    unit_db *u = *state;
    char table[256], other[256];
    unsigned char buf[2 * PAGE];
    assert_int_equal(mapread_enable(), 0);
    make_file(u->dir, "b.glass", 3 * PAGE, 2, table, sizeof table);
    make_file(u->dir, "b.txt", 3 * PAGE, 3, other, sizeof other);

    mapread_stats s0 = now();
    int fd = open(table, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(now().maps, s0.maps + 1);
    /* inside the map: a copy, byte for byte */
    assert_int_equal(pread(fd, buf, sizeof buf, PAGE - 5), sizeof buf);
    assert_true(is_pattern(buf, sizeof buf, PAGE - 5, 2));
    assert_int_equal(now().hits, s0.hits + 1);
    /* across the end: the system call's short read */
    assert_int_equal(pread(fd, buf, sizeof buf, 2 * PAGE), PAGE);
    assert_true(is_pattern(buf, PAGE, 2 * PAGE, 2));
    assert_int_equal(pread(fd, buf, 10, 3 * PAGE), 0);
    assert_int_equal(pread(fd, buf, 10, -1), -1);
    assert_int_equal(close(fd), 0);

    /* a file of another name, and a table opened for writing: unmapped */
    s0 = now();
    fd = open(other, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, buf, 100, 7), 100);
    assert_true(is_pattern(buf, 100, 7, 3));
    assert_int_equal(close(fd), 0);
    fd = open(table, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, buf, 100, 7), 100);
    assert_true(is_pattern(buf, 100, 7, 2));
    assert_int_equal(close(fd), 0);
    mapread_stats s1 = now();
    assert_int_equal(s1.maps, s0.maps);
    assert_int_equal(s1.hits, s0.hits);
}

static void test_grown_file_reads_past_its_map(void **state)
{
    unit_db *u = *state;
    char path[256];
    unsigned char buf[PAGE];
    make_file(u->dir, "c.glass", PAGE, 4, path, sizeof path);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    /* the writer appends a block after the reader opened the file */
    int w = open(path, O_WRONLY | O_APPEND);
    assert_true(w >= 0);
    for (size_t i = PAGE; i < 2 * PAGE; i++) {
        unsigned char c = (unsigned char)(i * 31 + 4);
        assert_int_equal(write(w, &c, 1), 1);
    }
    assert_int_equal(close(w), 0);
    mapread_stats s0 = now();
    assert_int_equal(pread(fd, buf, PAGE, PAGE), PAGE);
    assert_true(is_pattern(buf, PAGE, PAGE, 4));
    assert_int_equal(now().misses, s0.misses + 1);
    assert_int_equal(close(fd), 0);
}

static void test_reused_descriptor_reads_its_own_file(void **state)
{
    unit_db *u = *state;
    char p1[256], p2[256];
    make_file(u->dir, "d.glass", 2 * PAGE, 5, p1, sizeof p1);
    make_file(u->dir, "e.glass", 2 * PAGE, 6, p2, sizeof p2);
    int fd = read_pattern(p1, 200, 300, 5);
    /* the lowest free number: the same, read through e's own map */
    assert_int_equal(read_pattern(p2, 200, 300, 6), fd);
}

static void test_descriptor_replaced_other_ways(void **state)
{
    unit_db *u = *state;
    char t1[256], t2[256];
    unsigned char buf[100];
    make_file(u->dir, "g.glass", 2 * PAGE, 8, t1, sizeof t1);
    make_file(u->dir, "g.txt", 2 * PAGE, 9, t2, sizeof t2);
    /* dup2 onto a mapped descriptor: it reads the other file */
    int fd = open(t1, O_RDONLY), other = open(t2, O_RDONLY);
    assert_true(fd >= 0 && other >= 0);
    assert_int_equal(dup2(other, fd), fd);
    assert_int_equal(pread(fd, buf, sizeof buf, 50), sizeof buf);
    assert_true(is_pattern(buf, sizeof buf, 50, 9));
    assert_int_equal(close(fd), 0);
    assert_int_equal(close(other), 0);
    /* closed by close_range, not close(): the number's next file is read,
     * not the old map */
    fd = open(t1, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(syscall(SYS_close_range, fd, fd, 0), 0);
    assert_int_equal(open(t2, O_RDONLY), fd);
    assert_int_equal(pread(fd, buf, sizeof buf, 70), sizeof buf);
    assert_true(is_pattern(buf, sizeof buf, 70, 9));
    assert_int_equal(close(fd), 0);
}

static void test_truncated_file_falls_back(void **state)
{
    unit_db *u = *state;
    char path[256];
    unsigned char buf[100];
    /* cmocka puts its own SIGBUS handler around each test: ours again */
    assert_int_equal(mapread_enable(), 0);
    make_file(u->dir, "f.glass", 3 * PAGE, 7, path, sizeof path);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(truncate(path, PAGE), 0);
    mapread_stats s0 = now();
    /* the map's pages past the new end fault (SIGBUS): the system call
     * answers instead, and the file is not read through its map again */
    assert_int_equal(pread(fd, buf, sizeof buf, 2 * PAGE), 0);
    assert_int_equal(now().fallback, s0.fallback + 1);
    assert_int_equal(pread(fd, buf, sizeof buf, 10), sizeof buf);
    assert_true(is_pattern(buf, sizeof buf, 10, 7));
    assert_int_equal(now().hits, s0.hits);
    assert_int_equal(close(fd), 0);
}

static void test_xapian_reads_through_maps(void **state)
{
    unit_db *u = *state;
    xc_db *w = unit_open_write(u), *r;
    for (int i = 0; i < 200; i++) {
        char id[32], data[32];
        xc_doc *d = NULL;
        snprintf(id, sizeof id, "Q%d", i);
        snprintf(data, sizeof data, "doc %d", i);
        assert_int_equal(xc_doc_new(&d), XC_OK);
        assert_int_equal(xc_doc_add_term(d, id, strlen(id), 0), XC_OK);
        assert_int_equal(xc_doc_add_posting(d, "ville", 5, 1, 1 + i % 7),
                         XC_OK);
        if (i % 3 == 0)
            assert_int_equal(xc_doc_add_posting(d, "region", 6, 2, 1), XC_OK);
        assert_int_equal(xc_doc_set_data(d, data, strlen(data)), XC_OK);
        assert_int_equal(xc_replace(w, id, d), XC_OK);
        xc_doc_free(d);
    }
    assert_int_equal(xc_commit(w), XC_OK);
    mapread_stats s0 = now();
    r = unit_open_read(u);
    assert_true(now().maps > s0.maps);
    xc_query *q = xc_query_term("region", 6, 1);
    xc_mset *m = NULL;
    assert_int_equal(xc_search(r, q, 0, 100, &m), XC_OK);
    /* i = 0, 3, ... 198: 67 documents, the same weight each */
    assert_int_equal(xc_mset_size(m), 67);
    for (size_t k = 0; k < xc_mset_size(m); k++) {
        uint32_t id;
        double wt;
        const char *d;
        size_t dl;
        xc_mset_item(m, k, &id, &wt, &d, &dl);
        assert_int_equal((id - 1) % 3, 0);
        char want[32];
        snprintf(want, sizeof want, "doc %u", id - 1);
        assert_int_equal(dl, strlen(want));
        assert_memory_equal(d, want, dl);
    }
    assert_true(now().hits > s0.hits);
    xc_mset_free(m);
    xc_query_free(q);
    xc_close(r);
    xc_close(w);
}

int main(void)
{
    /* one folder for all: the order matters (mapread_enable is for the
     * process) */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_mapped_until_enabled),
        cmocka_unit_test(test_tables_only_same_bytes),
        cmocka_unit_test(test_grown_file_reads_past_its_map),
        cmocka_unit_test(test_reused_descriptor_reads_its_own_file),
        cmocka_unit_test(test_descriptor_replaced_other_ways),
        cmocka_unit_test(test_truncated_file_falls_back),
        cmocka_unit_test(test_xapian_reads_through_maps),
    };
    return cmocka_run_group_tests(tests, unit_db_setup, unit_db_teardown);
}
