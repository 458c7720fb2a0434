/* runlog: what cglu-index shows while it runs: log lines by level and the
 * progress bar, which share the last line of stderr, and the clock of both. */
#ifndef CGLU_INDEXER_RUNLOG_H
#define CGLU_INDEXER_RUNLOG_H

#include <stddef.h>
#include <stdint.h>

/* What a log line is: errors are always shown, warnings unless quiet,
 * notes only when verbose. */
typedef enum { RUNLOG_ERROR, RUNLOG_WARN, RUNLOG_NOTE } runlog_level;

/* Filled by the caller (fn, ctx, quiet, verbose, progress); the rest is
 * runlog's. Nothing in it is owned: it needs no freeing. */
typedef struct runlog {
    void (*fn)(const char *line, void *ctx); /* a sync_log_fn; NULL: none */
    void *ctx;
    int quiet;     /* drop warnings */
    int verbose;   /* show notes */
    int progress;  /* draw the progress bar on stderr */
    int bar_shown; /* the bar is on stderr's last line now */
    double t0;     /* clock_now() at the start of the run */
    double last_bar;
} runlog;

/* Seconds on the monotonic clock. */

/* Format one line (cut at 1 KB) and hand it to l->fn, after wiping the
 * progress bar, unless its level is filtered out. */
void runlog_printf(runlog *l, runlog_level lv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Hand line to l->fn (when set) after wiping the bar, whatever its level:
 * a line the caller's own rules let through (another run's, filtered by
 * that run's levels). */
void runlog_line(runlog *l, const char *line);

/* Redraw the bar (at most every 0.1 s unless final): done of total files,
 * bytes read so far for the rate. final wipes it for good. */
void runlog_progress(runlog *l, size_t done, size_t total, uint64_t bytes,
                     int final);

#endif
