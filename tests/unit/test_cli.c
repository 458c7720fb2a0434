/* test_cli: the command-line value parsers shared by the programs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/cli.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uint),
        cmocka_unit_test(test_hostport),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
