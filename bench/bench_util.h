/* bench_util: the sort helper and the file reader of the C benchmarks
 * (their clock is common/clock.h's). */
#ifndef CGLU_BENCH_UTIL_H
#define CGLU_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* qsort() comparator of doubles, ascending. */
static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Append the content of the file at path to *text (*len bytes so far,
 * NUL-terminated after a read), reading no chunk that would take *len past
 * max. 0; -1 when the file cannot be opened; -2 out of memory (*text and
 * *len hold what was read before). */
static inline int bench_read_file(const char *path, char **text, size_t *len,
                                  size_t max)
{
    FILE *f = fopen(path, "rb");
    char chunk[65536];
    size_t k;

    if (!f)
        return -1;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0 && *len + k <= max) {
        char *t = realloc(*text, *len + k + 1);
        if (!t) {
            fclose(f);
            return -2;
        }
        *text = t;
        memcpy(*text + *len, chunk, k);
        *len += k;
        (*text)[*len] = '\0';
    }
    int bad = ferror(f); /* a read error is not an end of file */
    fclose(f);
    return bad ? -1 : 0;
}

#endif
