/* cli: command-line values shared by the programs. */
#include "common/cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "common/version.h"

int cli_uint(const char *s, unsigned long long min, unsigned long long max,
             int scale, unsigned long long *out)
{
    unsigned long long v = 0, mul = 1;
    const char *p = s;

    *out = 0; /* also on failure */
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (v > (max - (unsigned)(*p - '0')) / 10)
            return -1;
        v = v * 10 + (unsigned)(*p - '0');
    }
    if (scale && (*p == 'k' || *p == 'K'))
        mul = 1024, p++;
    else if (scale && (*p == 'm' || *p == 'M'))
        mul = 1024 * 1024, p++;
    if (*p != '\0' || (v > 0 && mul > max / v) || v * mul < min ||
        v * mul > max)
        return -1;
    *out = v * mul;
    return 0;
}

const char *cli_uint_why(const char *s, unsigned long long min,
                         unsigned long long max, unsigned long long *out,
                         char *why, size_t n)
{
    if (cli_uint(s, min, max, 0, out) == 0)
        return NULL;
    snprintf(why, n, "wants a number from %llu to %llu", min, max);
    return why;
}

int cli_hostport(const char *s, char *host, size_t hn, const char **port,
                 int *v6)
{
    const char *h = s, *colon;
    size_t hl;

    *port = NULL;
    *v6 = *s == '[';
    if (*v6) {
        const char *close = strchr(s, ']');
        if (close == NULL || (close[1] != '\0' && close[1] != ':'))
            return -1;
        h = s + 1;
        hl = (size_t)(close - h);
        colon = close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = strrchr(s, ':');
        hl = colon ? (size_t)(colon - s) : strlen(s);
    }
    if (hl == 0 || hl >= hn)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    if (colon != NULL)
        *port = colon + 1;
    return 0;
}

const char *cli_optname(const struct option *opts, int val)
{
    for (; opts->name != NULL; opts++)
        if (opts->val == val)
            return opts->name;
    return "?";
}

unsigned long long cli_fd_limit(unsigned long long want)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
        return want;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want
                      ? (rlim_t)want
                      : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return want;
    return rl.rlim_cur;
}

int cli_version(const char *prog)
{
    printf("%s " CGLU_VERSION "\n", prog);
    return 0;
}
