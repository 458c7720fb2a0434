/* runlog: log lines and the progress bar of cglu-index. */
#include "indexer/runlog.h"

#include <stdarg.h>
#include <stdio.h>

#include "common/clock.h"

/* Bytes of a log line; longer ones are cut (messages name one file). */
#define RUNLOG_LINE_MAX 1024
/* Seconds between two redraws of the bar: more is flicker and cost. */
#define RUNLOG_BAR_EVERY 0.1
#define RUNLOG_BAR_WIDTH 30 /* as many as the '#' drawn from below */

void runlog_printf(runlog *l, runlog_level lv, const char *fmt, ...)
{
    char line[RUNLOG_LINE_MAX];
    va_list ap;
    if (!l->fn || (lv == RUNLOG_WARN && l->quiet) ||
        (lv == RUNLOG_NOTE && !l->verbose))
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    runlog_line(l, line);
}

void runlog_line(runlog *l, const char *line)
{
    if (!l->fn)
        return;
    if (l->bar_shown) {
        fputs("\r\033[K", stderr);
        l->bar_shown = 0;
    }
    l->fn(line, l->ctx);
}

void runlog_progress(runlog *l, size_t done, size_t total, uint64_t bytes,
                     int final)
{
    if (!l->progress)
        return;
    double t = clock_now();
    if (!final && t - l->last_bar < RUNLOG_BAR_EVERY)
        return;
    l->last_bar = t;
    double el = t - l->t0;
    double mbs = el > 0 ? (double)bytes / el / 1e6 : 0;
    double eta = done ? el * (double)(total - done) / done : 0;
    int width = RUNLOG_BAR_WIDTH;
    int fill = total ? (int)((double)width * done / total) : width;
    fprintf(stderr, "\r\033[K[%.*s%*s] %zu/%zu files  %.1f MB/s  ETA %.0fs",
            fill, "##############################", width - fill, "", done,
            total, mbs, eta);
    l->bar_shown = 1;
    if (final) {
        fputs("\r\033[K", stderr);
        l->bar_shown = 0;
    }
}
