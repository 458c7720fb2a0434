/* test_cli: the command-line value parsers shared by the programs, their
 * option messages, --version line and descriptor limit. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cli.h"
#include "common/version.h"

static void test_uint(void **state)
{
    (void)state;
    unsigned long long v = 7;

    assert_int_equal(cli_uint("42", 0, 100, 0, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(cli_uint("0", 0, 100, 0, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(cli_uint("64K", 0, 1 << 30, 1, &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(cli_uint("2m", 0, 1 << 30, 1, &v), 0);
    assert_int_equal(v, 2 << 20);
    static const char *const bad[] = {
        "",   "-1",  "+1",  " 1", "1 ",
        "1x", "64K", "101", "1G", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 7;
        assert_int_equal(cli_uint(bad[i], 0, 100, 0, &v), -1);
        assert_int_equal(v, 0);
    }
    assert_int_equal(cli_uint("1K", 2048, 1 << 30, 1, &v), -1); /* < min */
    assert_int_equal(cli_uint("2048M", 0, 1 << 30, 1, &v), -1); /* > max */
    assert_int_equal(cli_uint("18446744073709551615M", 0, UINT64_MAX, 1, &v),
                     -1); /* overflow of the multiplication */
}

static void test_hostport(void **state)
{
    (void)state;
    char host[16];
    const char *port;
    int v6;

    assert_int_equal(
        cli_hostport("127.0.0.1:7878", host, sizeof host, &port, &v6), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_string_equal(port, "7878");
    assert_int_equal(v6, 0);
    assert_int_equal(cli_hostport("[::1]:80", host, sizeof host, &port, &v6),
                     0);
    assert_string_equal(host, "::1");
    assert_string_equal(port, "80");
    assert_int_equal(v6, 1);
    assert_int_equal(cli_hostport("[::1]", host, sizeof host, &port, &v6), 0);
    assert_null(port);
    assert_int_equal(cli_hostport("example.org", host, sizeof host, &port, &v6),
                     0);
    assert_string_equal(host, "example.org");
    assert_null(port);
    assert_int_equal(cli_hostport("h:", host, sizeof host, &port, &v6), 0);
    assert_string_equal(port, ""); /* the caller checks the port */
    static const char *const bad[] = {
        ":80", "[::1", "[::1]x", "[]:80", "", "a-host-name-too-long:1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cli_hostport(bad[i], host, sizeof host, &port, &v6),
                         -1);
}

static void test_uint_why(void **state)
{
    (void)state;
    char why[64];
    unsigned long long v;

    /* In range, both bounds included: NULL, *out set. */
    static const struct {
        const char *s;
        unsigned long long want;
    } good[] = {{"42", 42}, {"1", 1}, {"100", 100}, {"007", 7}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        v = 999;
        assert_null(cli_uint_why(good[i].s, 1, 100, &v, why, sizeof why));
        assert_int_equal(v, good[i].want);
    }
    /* Out of range, garbage, blanks, signs and suffixes (none taken, even
     * when max would hold the scaled value): why returned, *out 0. */
    static const char *const bad[] = {"0",    "101",
                                      "1000", "",
                                      "abc",  "12x",
                                      "x12",  "-5",
                                      "+5",   " 5",
                                      "5 ",   "\t5",
                                      "5\n",  "0x10",
                                      "1e3",  "1.0",
                                      "1K",   "1k",
                                      "1M",   "1m",
                                      "1G",   "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 7;
        memset(why, 'x', sizeof why);
        assert_ptr_equal(cli_uint_why(bad[i], 1, 100, &v, why, sizeof why),
                         why);
        assert_int_equal(v, 0);
        assert_string_equal(why, "wants a number from 1 to 100");
    }
    v = 7;
    assert_ptr_equal(cli_uint_why("1K", 0, 1 << 30, &v, why, sizeof why), why);
    assert_int_equal(v, 0);
    assert_string_equal(why, "wants a number from 0 to 1073741824");
    /* The whole unsigned long long range. */
    assert_null(cli_uint_why("18446744073709551615", 0, ULLONG_MAX, &v, why,
                             sizeof why));
    assert_true(v == ULLONG_MAX);
    assert_ptr_equal(cli_uint_why("18446744073709551616", 0, ULLONG_MAX, &v,
                                  why, sizeof why),
                     why);
    assert_int_equal(v, 0);
    assert_string_equal(why, "wants a number from 0 to 18446744073709551615");
    /* A small why: cut and NUL-terminated, the bytes after left alone. */
    memset(why, 'x', sizeof why);
    assert_ptr_equal(cli_uint_why("0", 1, 100, &v, why, 8), why);
    assert_string_equal(why, "wants a");
    assert_int_equal(why[8], 'x');
}

static void test_optname(void **state)
{
    (void)state;
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},
        {"threads", required_argument, NULL, 't'},
        {"max-conn", required_argument, NULL, 256},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const struct option none[] = {{NULL, 0, NULL, 0}};

    assert_ptr_equal(cli_optname(opts, 'p'), opts[0].name);
    assert_string_equal(cli_optname(opts, 'p'), "port");
    assert_string_equal(cli_optname(opts, 't'), "threads");
    assert_string_equal(cli_optname(opts, 256), "max-conn");
    assert_string_equal(cli_optname(opts, 'h'), "help"); /* the last one */
    /* No entry has val: "?", also for the terminator's own val 0. */
    assert_string_equal(cli_optname(opts, 'x'), "?");
    assert_string_equal(cli_optname(opts, 0), "?");
    assert_string_equal(cli_optname(opts, -1), "?");
    assert_string_equal(cli_optname(none, 'p'), "?");
    assert_string_equal(cli_optname(none, 0), "?");
}

/* What cli_version(prog) prints on stdout, into out[0..n), through a pipe
 * put on descriptor 1 for the call; its return value into *rc. No test
 * assertion runs while stdout is redirected. */
static void version_output(const char *prog, char *out, size_t n, int *rc)
{
    int fds[2], saved, moved;
    size_t len = 0;
    ssize_t r;

    assert_int_equal(pipe(fds), 0);
    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    moved = dup2(fds[1], STDOUT_FILENO);
    close(fds[1]);
    if (moved == STDOUT_FILENO) {
        *rc = cli_version(prog);
        fflush(stdout);
    }
    dup2(saved, STDOUT_FILENO); /* the pipe's last writer is gone: EOF */
    close(saved);
    assert_int_equal(moved, STDOUT_FILENO);
    while (len + 1 < n && (r = read(fds[0], out + len, n - 1 - len)) > 0)
        len += (size_t)r;
    out[len] = '\0';
    close(fds[0]);
}

static void test_version(void **state)
{
    (void)state;
    char out[256];
    int rc = -1;

    version_output("cglu-index", out, sizeof out, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "cglu-index " CGLU_VERSION "\n");
    rc = -1;
    version_output("cglu-searchd", out, sizeof out, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "cglu-searchd " CGLU_VERSION "\n");
}

/* The descriptor limits before test_fd_limit, put back after it. */
static struct rlimit fd_saved;

static int fd_save(void **state)
{
    (void)state;
    return getrlimit(RLIMIT_NOFILE, &fd_saved);
}

static int fd_restore(void **state)
{
    (void)state;
    return setrlimit(RLIMIT_NOFILE, &fd_saved);
}

static unsigned long long fd_soft(void)
{
    struct rlimit rl;

    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    return rl.rlim_cur;
}

static void test_fd_limit(void **state)
{
    (void)state;
    const unsigned long long soft = fd_saved.rlim_cur;
    const rlim_t hard = fd_saved.rlim_max;
    struct rlimit rl;

    /* At or below the soft limit: want back, the limit never lowered. */
    assert_true(cli_fd_limit(16) == 16);
    assert_true(fd_soft() == soft);
    assert_true(cli_fd_limit(soft) == soft);
    assert_true(fd_soft() == soft);
    assert_true(cli_fd_limit(0) == 0);
    assert_true(fd_soft() == soft);
    /* Raising: lower the soft limit first (allowed), then ask for more. */
    if (hard != RLIM_INFINITY && hard < 256) {
        print_message("hard limit %llu: raising not tested\n",
                      (unsigned long long)hard);
        return;
    }
    rl.rlim_cur = 128;
    rl.rlim_max = hard;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
    assert_true(cli_fd_limit(200) == 200);
    assert_true(fd_soft() == 200);
    assert_true(cli_fd_limit(150) == 150); /* below: not lowered to 150 */
    assert_true(fd_soft() == 200);
    assert_true(cli_fd_limit(200) == 200);
    assert_true(fd_soft() == 200);
    /* Beyond the hard limit: raised to it, and the hard limit returned. */
    if (hard != RLIM_INFINITY) {
        assert_true(cli_fd_limit((unsigned long long)hard + 1000) == hard);
        assert_true(fd_soft() == hard);
        assert_true(cli_fd_limit((unsigned long long)hard) == hard);
        assert_true(fd_soft() == hard);
    }
    assert_true(fd_soft() >= 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uint),
        cmocka_unit_test(test_hostport),
        cmocka_unit_test(test_uint_why),
        cmocka_unit_test(test_optname),
        cmocka_unit_test(test_version),
        cmocka_unit_test_setup_teardown(test_fd_limit, fd_save, fd_restore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
