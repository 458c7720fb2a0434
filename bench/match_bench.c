/* match_bench: the CPU a search costs without the daemon around it.
 * Usage: match_bench [--no-map] DB QUERIES_FILE [ROUNDS]
 * The index is read from memory maps as the daemon reads it
 * (common/mapread), or with --no-map a system call per block.
 * One thread runs every query of the file (one a line) ROUNDS times
 * (default 5, at most 100) through the same steps as a daemon worker but
 * nothing else (no network, no JSON, no snippets): query_parse, then
 * Xapian's BM25 search of the top 10 (and of the relaxed query when the
 * strict one finds nothing), in three ways: hits' data only; hits' data
 * and whole stored text (what snippets are cut from); and the parse alone.
 * Then the engine itself (search/engine's engine_run, what a daemon worker
 * calls: title boosts, synonyms, typo tolerance included) without and with
 * snippets, with the three facets counted over every match, and sorted by
 * date. It prints the median and mean microseconds per query of each,
 * over the rounds' means: the floor under a SEARCH answered by one core,
 * and what the engine adds to it. Times are the thread's CPU time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench_util.h"
#include "common/analyze.h"
#include "common/mapread.h"
#include "common/schema.h"
#include "common/xapian_c.h"
#include "search/engine.h"
#include "search/query.h"

#define MAX_QUERIES 10000
#define MAX_ROUNDS 100

enum {
    PARSE_ONLY,
    DATA,
    TEXT,
    ENGINE,
    ENGINE_SNIP,
    ENGINE_FACETS,
    ENGINE_DATE,
    NMODES
};
static const char *const mode_name[NMODES] = {
    "query_parse alone",
    "parse + BM25 top 10, data",
    "parse + BM25 top 10, data + whole text",
    "engine_run SEARCH snippet=0",
    "engine_run SEARCH snippet=200",
    "engine_run snippet=0 facets=lang,section,tag",
    "engine_run snippet=0 sort=date"};
/* Seconds of CPU this thread has used: what a search costs, whatever else
 * the machine runs (a wall clock counts the time other processes took),
 * and what the daemon's figure (utime + stime) is compared with. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Bytes an engine result may hold, as the daemon's default answer limit. */
#define RESULT_MAX (1u << 20)

/* One SEARCH through the engine in mode (ENGINE and after); 0 on
 * success. */
static int engine_one(engine_ctx *e, engine_result *res, const char *q,
                      int mode)
{
    engine_request req = {.op = ENGINE_SEARCH,
                          .text = q,
                          .text_len = strlen(q),
                          .limit = 10,
                          .snippet = mode == ENGINE_SNIP ? 200 : 0};
    if (mode == ENGINE_FACETS)
        req.filter.facets =
            FILTER_FACET_LANG | FILTER_FACET_SECTION | FILTER_FACET_TAG;
    if (mode == ENGINE_DATE)
        req.filter.sort = FILTER_SORT_DATE;
    engine_run(e, &req, res);
    return res->ok ? 0 : -1;
}

/* One query the way search.c's do_search runs it; 0 on success. */
static int run_one(xc_db *db, analyzer *an, const char *q, int mode)
{
    static const unsigned text_slot[] = {SCHEMA_V_TEXT};
    query_parsed p;
    xc_mset *m = NULL;
    int rc = 0;

    if (query_parse(an, q, strlen(q), &p) != QUERY_OK)
        return -1;
    if (mode != PARSE_ONLY && !p.empty) {
        size_t ns = mode == TEXT ? 1 : 0;
        if (xc_search_values(db, p.strict, 0, 10, text_slot, ns, &m) != XC_OK)
            rc = -1;
        else if (xc_mset_estimated(m) == 0 && p.relaxed) {
            xc_mset_free(m);
            m = NULL;
            if (xc_search_values(db, p.relaxed, 0, 10, text_slot, ns, &m) !=
                XC_OK)
                rc = -1;
        }
        /* touch what a worker reads, so nothing is left lazy */
        for (size_t i = 0; rc == 0 && i < xc_mset_size(m); i++) {
            uint32_t id;
            double w;
            const char *d, *v;
            size_t dl, vl;
            xc_mset_item(m, i, &id, &w, &d, &dl);
            if (mode == TEXT)
                xc_mset_value(m, i, 0, &v, &vl);
        }
    }
    xc_mset_free(m);
    query_parsed_free(&p);
    return rc;
}

int main(int argc, char **argv)
{
    static char *queries[MAX_QUERIES];
    double per[NMODES][MAX_ROUNDS];
    size_t nq = 0, rounds = 5;
    char line[8192], err[512];
    xc_db *db = NULL;
    analyzer *an = NULL;
    engine_ctx *eng = NULL;
    engine_result res;
    FILE *f;
    int rc = 1;

    engine_heap_tune(); /* as the daemon does */
    if (argc > 1 && strcmp(argv[1], "--no-map") == 0) {
        argc--; /* Xapian's own reads, a system call per block */
        argv++;
    } else if (mapread_enable() != 0) {
        fprintf(stderr, "match_bench: cannot map the index\n");
        return 1;
    }
    engine_result_init(&res, RESULT_MAX); /* freed at out whatever happens */
    if (argc < 3 || argc > 4) {
        fprintf(stderr,
                "usage: match_bench [--no-map] DB QUERIES_FILE [ROUNDS]\n");
        return 2;
    }
    if (argc == 4) {
        rounds = strtoul(argv[3], NULL, 10);
        if (rounds < 1 || rounds > MAX_ROUNDS) {
            fprintf(stderr, "match_bench: ROUNDS must be 1 to %d\n",
                    MAX_ROUNDS);
            return 2;
        }
    }
    f = fopen(argv[2], "r");
    if (f == NULL) {
        perror(argv[2]);
        return 2;
    }
    while (nq < MAX_QUERIES && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] != '\0' && (queries[nq] = strdup(line)) != NULL)
            nq++;
    }
    fclose(f);
    if (nq == 0) {
        fprintf(stderr, "match_bench: no queries in %s\n", argv[2]);
        goto out;
    }
    if (xc_open_read(argv[1], &db, err, sizeof err) != XC_OK ||
        analyze_new("french", &an, err, sizeof err) != ANALYZE_OK) {
        fprintf(stderr, "match_bench: %s\n", err);
        goto out;
    }
    if (engine_open(argv[1], &eng, err, sizeof err) != ENGINE_OK) {
        fprintf(stderr, "match_bench: %s\n", err);
        goto out;
    }
    /* a warm index, as the daemon's after its warm-up */
    for (size_t i = 0; i < nq; i++) {
        run_one(db, an, queries[i], TEXT);
        engine_one(eng, &res, queries[i], ENGINE_SNIP);
    }
    for (size_t r = 0; r < rounds; r++)
        for (int mode = 0; mode < NMODES; mode++) {
            double t0 = cpu_now();
            for (size_t i = 0; i < nq; i++) {
                int bad = mode >= ENGINE
                              ? engine_one(eng, &res, queries[i], mode)
                              : run_one(db, an, queries[i], mode);
                if (bad) {
                    fprintf(stderr, "match_bench: search failed: %s\n",
                            mode >= ENGINE ? res.message : xc_errmsg(db));
                    goto out;
                }
            }
            per[mode][r] = (cpu_now() - t0) / (double)nq * 1e6;
        }
    printf("%zu queries x %zu rounds, one thread, index %s\n", nq, rounds,
           argv[1]);
    for (int mode = 0; mode < NMODES; mode++) {
        double sum = 0;
        for (size_t r = 0; r < rounds; r++)
            sum += per[mode][r];
        qsort(per[mode], rounds, sizeof per[mode][0], bench_cmp_double);
        printf("%-40s median %.1f us/query (mean %.1f)\n", mode_name[mode],
               per[mode][rounds / 2], sum / (double)rounds);
    }
    rc = 0;
out:
    engine_close(eng);
    engine_result_free(&res);
    xc_close(db);
    analyze_free(an);
    for (size_t i = 0; i < nq; i++)
        free(queries[i]);
    return rc;
}
