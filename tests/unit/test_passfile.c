/* test_passfile: the password file rule shared by cglu-searchd and
 * cglu-search (line ends, sizes, spaces, permissions, pipes). */
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

#include "common/passfile.h"
#include "tests/unit/unit_util.h"

#define S(x) x, sizeof(x) - 1 /* literal with its length, NULs included */

static char dir[256], path[300];

static int setup(void **state)
{
    char db[300];

    (void)state;
    return unit_tmpdir("test_passfile", dir, sizeof dir, db, sizeof db);
}

static int teardown(void **state)
{
    (void)state;
    return unit_rmtree(dir);
}

/* dir/pw holding data[0..n) with mode. */
static const char *write_file(const void *data, size_t n, mode_t mode)
{
    FILE *f;

    snprintf(path, sizeof path, "%s/pw", dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

/* Read what write_file() wrote: the status, and on success the password
 * must be want[0..want_len). On failure the out-parameters are cleared. */
static passfile_status read_back(const char *want, size_t want_len)
{
    char *pw = (char *)"x", err[512] = "";
    size_t len = 99;
    int loose = 7;
    passfile_status st =
        passfile_read(path, &pw, &len, &loose, err, sizeof err);

    if (st != PASSFILE_OK) {
        assert_null(pw);
        assert_int_equal(len, 0);
        assert_int_equal(loose, 0);
        assert_non_null(strstr(err, path)); /* the message names the file */
        assert_null(strchr(err, '\n'));
        return st;
    }
    assert_int_equal(len, want_len);
    assert_memory_equal(pw, want, want_len);
    assert_int_equal(pw[len], '\0');
    assert_int_equal(loose, 0); /* files here are 0600 */
    passfile_free(pw, len);
    return st;
}

static void test_line_ends(void **state)
{
    static const struct {
        const char *data;
        size_t n;
    } ok[] = {
        {S("s3cret")},         {S("s3cret\n")}, {S("s3cret\r\n")},
        {S("s3cret\n\n\r\n")}, {S("s3cret\r")},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        write_file(ok[i].data, ok[i].n, 0600);
        assert_int_equal(read_back(S("s3cret")), PASSFILE_OK);
    }
}

static void test_refused(void **state)
{
    static const struct {
        const char *data;
        size_t n;
        passfile_status st;
    } cases[] = {
        {S(""), PASSFILE_ERR_SIZE},
        {S("\n"), PASSFILE_ERR_SIZE},
        {S("\r\n\r\n"), PASSFILE_ERR_SIZE},
        {S("a\nb"), PASSFILE_ERR_LINE},
        {S("a\nb\n"), PASSFILE_ERR_LINE},
        {S("a\rb"), PASSFILE_ERR_LINE},
        {S(" secret"), PASSFILE_ERR_SPACE},
        {S("secret \n"), PASSFILE_ERR_SPACE},
        {S("\tsecret"), PASSFILE_ERR_SPACE},
        {S("secret\t\r\n"), PASSFILE_ERR_SPACE},
        {S(" "), PASSFILE_ERR_SPACE},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        passfile_status st;
        write_file(cases[i].data, cases[i].n, 0600);
        st = read_back(NULL, 0);
        if (st != cases[i].st)
            fail_msg("case %zu: status %d, expected %d", i, st, cases[i].st);
    }
}

/* Spaces inside, NUL and other bytes are the password's own. */
static void test_any_byte_inside(void **state)
{
    (void)state;
    write_file(S("a b\tc\n"), 0600);
    assert_int_equal(read_back(S("a b\tc")), PASSFILE_OK);
    write_file(S("a\0b\x01\xff=\n"), 0600);
    assert_int_equal(read_back(S("a\0b\x01\xff=")), PASSFILE_OK);
}

static void test_sizes(void **state)
{
    char big[PASSFILE_MAX_FILE + 8];

    (void)state;
    memset(big, 'x', sizeof big);
    write_file(big, PASSFILE_MAX, 0600);
    assert_int_equal(read_back(big, PASSFILE_MAX), PASSFILE_OK);
    big[PASSFILE_MAX] = '\r';
    big[PASSFILE_MAX + 1] = '\n';
    write_file(big, PASSFILE_MAX_FILE, 0600);
    assert_int_equal(read_back(big, PASSFILE_MAX), PASSFILE_OK);
    /* One byte too many, as password or as line end: the whole file is
     * bounded, nothing past the limit goes unread. */
    memset(big, 'x', sizeof big);
    write_file(big, PASSFILE_MAX + 1, 0600);
    assert_int_equal(read_back(NULL, 0), PASSFILE_ERR_SIZE);
    memset(big + PASSFILE_MAX, '\n', 3);
    write_file(big, PASSFILE_MAX + 3, 0600);
    assert_int_equal(read_back(NULL, 0), PASSFILE_ERR_SIZE);
    memcpy(big, "pw", 2);
    memset(big + 2, '\n', sizeof big - 2);
    write_file(big, sizeof big, 0600);
    assert_int_equal(read_back(NULL, 0), PASSFILE_ERR_SIZE);
}

static void test_world_readable(void **state)
{
    char *pw, err[512];
    size_t len;
    int loose;

    (void)state;
    write_file(S("s3cret\n"), 0644);
    assert_int_equal(passfile_read(path, &pw, &len, &loose, err, sizeof err),
                     PASSFILE_OK);
    assert_int_equal(loose, 1); /* read all the same: the caller warns */
    assert_string_equal(pw, "s3cret");
    passfile_free(pw, len);
    write_file(S("s3cret\n"), 0640);
    assert_int_equal(passfile_read(path, &pw, &len, &loose, NULL, 0),
                     PASSFILE_OK);
    assert_int_equal(loose, 0);
    passfile_free(pw, len);
    passfile_free(NULL, 0);
}

static void test_cannot_read(void **state)
{
    char *pw = (char *)"x", err[512], missing[300];
    size_t len = 9;
    int loose = 9;

    (void)state;
    snprintf(missing, sizeof missing, "%s/none", dir);
    assert_int_equal(passfile_read(missing, &pw, &len, &loose, err, sizeof err),
                     PASSFILE_ERR_READ);
    assert_null(pw);
    assert_int_equal(len, 0);
    assert_int_equal(loose, 0);
    assert_non_null(strstr(err, "cannot read password file"));
    assert_non_null(strstr(err, "No such file"));
    /* A folder opens but cannot be read. */
    assert_int_equal(passfile_read(dir, &pw, &len, &loose, err, sizeof err),
                     PASSFILE_ERR_READ);
    assert_non_null(strstr(err, "Is a directory"));
    assert_int_equal(passfile_read(missing, &pw, &len, &loose, NULL, 0),
                     PASSFILE_ERR_READ); /* err may be NULL */
}

/* A pipe (--password-file /dev/stdin, <(pass show x)) is read to its end,
 * the limit applying to it as to a file. */
static void test_pipe(void **state)
{
    char fdpath[64], *pw, big[PASSFILE_MAX_FILE + 1];
    size_t len;
    int p[2], loose;

    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(write(p[1], "from a pipe\n", 12), 12);
    close(p[1]);
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", p[0]);
    assert_int_equal(passfile_read(fdpath, &pw, &len, &loose, NULL, 0),
                     PASSFILE_OK);
    assert_string_equal(pw, "from a pipe");
    passfile_free(pw, len);
    close(p[0]);

    assert_int_equal(pipe(p), 0);
    memset(big, 'x', sizeof big);
    assert_int_equal(write(p[1], big, sizeof big), (ssize_t)sizeof big);
    close(p[1]);
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", p[0]);
    assert_int_equal(passfile_read(fdpath, &pw, &len, &loose, NULL, 0),
                     PASSFILE_ERR_SIZE);
    close(p[0]);
}

static void test_strerror(void **state)
{
    (void)state;
    assert_non_null(strstr(passfile_strerror(PASSFILE_ERR_SPACE), "space"));
    UNIT_MESSAGES(passfile_strerror, {PASSFILE_OK, "success"},
                  {99, "unknown passfile status"});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_any_byte_inside),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_world_readable),
        cmocka_unit_test(test_cannot_read),
        cmocka_unit_test(test_pipe),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
