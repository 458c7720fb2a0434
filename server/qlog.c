/* qlog: the query log (--log-queries FILE): one JSON line per search,
 * from either protocol, so that a site owner sees what visitors look for
 * and what finds nothing ("zero_hits"). The client's address only with
 * --log-addresses. One write(2) per line on an O_APPEND descriptor: lines
 * never mix, and SIGHUP reopens the path after logrotate moved it. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/errmsg.h"
#include "common/json.h"
#include "server/server_int.h"

/* Room for the fixed members and the address. The query is at most a
 * request line (8 KB), and JSON escapes a byte in at most 6. */
#define QLOG_FIXED 512

static int open_path(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int qlog_open(server *s, char *err, size_t n)
{
    s->qlog_fd = -1;
    if (s->qlog_path == NULL)
        return 0;
    s->qlog_fd = open_path(s->qlog_path);
    if (s->qlog_fd < 0) {
        errmsg_set(err, n, "cannot open the query log %s: %s", s->qlog_path,
                   strerror(errno));
        return -1;
    }
    return 0;
}

void qlog_reopen(server *s)
{
    int fd;

    if (s->qlog_path == NULL)
        return;
    fd = open_path(s->qlog_path);
    if (fd < 0) {
        /* keep writing to the old file rather than lose lines */
        server_logf(s, SERVER_LOG_WARN, "cannot reopen the query log %s: %s",
                    s->qlog_path, strerror(errno));
        return;
    }
    if (s->qlog_fd >= 0)
        close(s->qlog_fd);
    s->qlog_fd = fd;
}

void qlog_close(server *s)
{
    if (s->qlog_fd >= 0)
        close(s->qlog_fd);
    s->qlog_fd = -1;
}

void qlog_search(server *s, conn *c, const char *q, size_t len, uint64_t total,
                 double took_ms)
{
    buf_t b;
    struct timespec ts;
    struct tm tm;
    char when[40];

    if (s->qlog_fd < 0)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    buf_init(&b, QLOG_FIXED + 6 * len);
    buf_printf(&b, "{\"time\":\"%s.%03ldZ\",\"query\":", when,
               ts.tv_nsec / 1000000);
    if (json_str(&b, q, len) != BUF_OK)
        b.failed = 1; /* json_str cuts itself back: never a hole */
    buf_printf(&b, ",\"total\":%llu,\"took_ms\":", (unsigned long long)total);
    json_double(&b, took_ms, 3);
    buf_printf(&b, ",\"zero_hits\":%s", total == 0 ? "true" : "false");
    if (s->log_addresses) {
        char who[80];
        size_t n;
        conn_peer_name(c, who, sizeof who);
        /* the address without its port: "1.2.3.4", "::1" */
        n = strrchr(who, ':') != NULL ? (size_t)(strrchr(who, ':') - who)
                                      : strlen(who);
        buf_puts(&b, ",\"addr\":");
        if (n >= 2 && who[0] == '[' && who[n - 1] == ']')
            json_str(&b, who + 1, n - 2);
        else
            json_str(&b, who, n);
    }
    buf_puts(&b, "}\n");
    if (!b.failed && write(s->qlog_fd, b.data, b.len) < 0)
        server_warn(s, WARN_QLOG, "cannot write the query log");
    buf_free(&b);
}
