/* snip_bench: time of one snippet (search/snip) on whole documents.
 * Usage: snip_bench [-q QUERY]... [-t TARGET] FILE...
 * For every file and query (default: a few 1-2 word queries) it builds the
 * snippet REPS times and keeps the mean; it prints the median, p90 and max
 * of those means in microseconds, over all pairs and over the pairs where
 * the document matched (the snippet holds a <mark>). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench_util.h"
#include "common/analyze.h"
#include "common/clock.h"
#include "common/buf.h"
#include "search/query.h"
#include "search/snip.h"

#define REPS 20
#define MAX_QUERIES 16
#define MAX_FILE (16u << 20)

static const char *const default_queries[] = {
    "fichier",     "processus signal", "option commande",
    "utilisateur", "système",          "configuration réseau",
};

/* The file's content (at most MAX_FILE bytes), "" when empty; NULL when
 * it cannot be read. */
static char *read_file(const char *path, size_t *len)
{
    char *text = NULL;

    *len = 0;
    if (bench_read_file(path, &text, len, MAX_FILE) != 0) {
        free(text);
        return NULL;
    }
    return text ? text : calloc(1, 1);
}

static void report(const char *what, double *v, size_t n)
{
    if (n == 0) {
        printf("%s: no samples\n", what);
        return;
    }
    qsort(v, n, sizeof *v, bench_cmp_double);
    printf("%s: %zu snippets, median %.1f us, p90 %.1f us, max %.1f us\n", what,
           n, v[n / 2], v[n * 9 / 10], v[n - 1]);
}

int main(int argc, char **argv)
{
    const char *queries[MAX_QUERIES];
    size_t nq = 0, target = SNIP_DEFAULT_TARGET;
    analyzer *a = NULL;
    query_parsed qp[MAX_QUERIES];
    double *all = NULL, *hit = NULL;
    size_t nall = 0, nhit = 0;
    buf_t out;
    char err[256];
    int rc = 2, i;

    memset(qp, 0, sizeof qp);
    buf_init(&out, 1u << 20);
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-q") == 0 && i + 1 < argc && nq < MAX_QUERIES)
            queries[nq++] = argv[++i];
        else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
            target = (size_t)strtoul(argv[++i], NULL, 10);
        else
            break;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: snip_bench [-q QUERY]... [-t TARGET] "
                        "FILE...\n");
        goto out;
    }
    if (nq == 0)
        for (; nq < sizeof default_queries / sizeof *default_queries; nq++)
            queries[nq] = default_queries[nq];
    if (analyze_new("french", &a, err, sizeof err) != ANALYZE_OK) {
        fprintf(stderr, "snip_bench: %s\n", err);
        goto out;
    }
    for (size_t q = 0; q < nq; q++)
        if (query_parse(a, queries[q], strlen(queries[q]), &qp[q]) != QUERY_OK)
            goto out;
    size_t nfiles = (size_t)(argc - i);
    all = malloc(nfiles * nq * sizeof *all);
    hit = malloc(nfiles * nq * sizeof *hit);
    if (!all || !hit)
        goto out;
    size_t bytes = 0;
    for (; i < argc; i++) {
        size_t len = 0;
        char *text = read_file(argv[i], &len);
        if (!text) {
            fprintf(stderr, "snip_bench: cannot read %s\n", argv[i]);
            goto out;
        }
        bytes += len;
        for (size_t q = 0; q < nq; q++) {
            snip_terms st = {qp[q].stems, qp[q].nstems, qp[q].prefixes,
                             qp[q].nprefixes};
            double t0 = clock_now();
            for (int r = 0; r < REPS; r++) {
                buf_reset(&out);
                if (snip_build(a, text, len, &st, target, &out) != SNIP_OK) {
                    fprintf(stderr, "snip_bench: snip_build failed\n");
                    free(text);
                    goto out;
                }
            }
            double us = (clock_now() - t0) / REPS * 1e6;
            all[nall++] = us;
            if (out.data && strstr(out.data, "<mark>"))
                hit[nhit++] = us;
        }
        free(text);
    }
    printf("snip_bench: %zu files, %.1f KB mean, %zu queries, target %zu\n",
           nfiles, (double)bytes / (double)nfiles / 1024.0, nq, target);
    report("all", all, nall);
    report("matched", hit, nhit);
    rc = 0;
out:
    for (size_t q = 0; q < nq; q++)
        query_parsed_free(&qp[q]);
    buf_free(&out);
    analyze_free(a);
    free(all);
    free(hit);
    return rc;
}
