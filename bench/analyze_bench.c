/* analyze_bench: throughput of common/analyze on real text, one core.
 * Usage: analyze_bench FILE...  (prints the median of 7 timed passes) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "common/analyze.h"
#include "common/clock.h"

#define PASSES 7
#define MIN_BYTES (32u << 20) /* each pass analyses at least this much */

int main(int argc, char **argv)
{
    char *text = NULL;
    size_t len = 0;
    analyzer *a = NULL;
    char err[256];
    int rc = 2;

    if (argc < 2) {
        fprintf(stderr, "usage: analyze_bench FILE...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        int st = bench_read_file(argv[i], &text, &len, SIZE_MAX);
        if (st == -1)
            fprintf(stderr, "analyze_bench: cannot open %s\n", argv[i]);
        if (st != 0)
            goto out;
    }
    if (len == 0) {
        fprintf(stderr, "analyze_bench: no input\n");
        goto out;
    }
    if (analyze_new("french", &a, err, sizeof err) != ANALYZE_OK) {
        fprintf(stderr, "analyze_bench: %s\n", err);
        goto out;
    }
    unsigned reps = (unsigned)(MIN_BYTES / len) + 1;
    double mbs[PASSES];
    unsigned long tokens = 0;
    for (int p = 0; p < PASSES; p++) {
        double t0 = clock_now();
        tokens = 0;
        for (unsigned r = 0; r < reps; r++) {
            analyze_token tok;
            analyze_begin(a, text, len, 1);
            while (analyze_next(a, &tok) == 1)
                tokens++;
        }
        mbs[p] = (double)len * reps / (clock_now() - t0) / 1e6;
    }
    qsort(mbs, PASSES, sizeof *mbs, bench_cmp_double);
    printf("analyze: %.1f MB of input x %u, %lu tokens per pass; median "
           "%.1f MB/s (min %.1f, max %.1f) on one core\n",
           (double)len / 1e6, reps, tokens, mbs[PASSES / 2], mbs[0],
           mbs[PASSES - 1]);
    rc = 0;
out:
    analyze_free(a);
    free(text);
    return rc;
}
