/* fuzz_util: checks shared by the libFuzzer targets, and the French
 * analyzer of those that tokenize (header only: each target is one
 * translation unit linked against libcglu.a). Well-formed UTF-8 is checked
 * with tests/unit/ref_utf8.h, the reference the unit tests use. */
#ifndef CGLU_TESTS_FUZZ_UTIL_H
#define CGLU_TESTS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/analyze.h"
#include "tests/unit/ref_utf8.h"

/* A broken invariant is a bug of the code under test: abort() so that
 * libFuzzer records the input as a crash, after saying which check failed
 * (the reproducer alone does not tell). */
#define FUZZ_CHECK(cond)                                                       \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,         \
                    __LINE__, #cond);                                          \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* 1 when [p, p + n) lies inside [base, base + len). Compares addresses as
 * integers: the pointers may belong to unrelated objects when the check
 * is about to fail. */
static inline int fuzz_inside(const void *p, size_t n, const void *base,
                              size_t len)
{
    uintptr_t a = (uintptr_t)p;
    uintptr_t b = (uintptr_t)base;

    return a >= b && a - b <= len && n <= len - (a - b);
}

/* One analyzer per thread in the programs: one here, made once by
 * fuzz_init_french() from LLVMFuzzerInitialize. */
static analyzer *fuzz_fr;

static inline int fuzz_init_french(void)
{
    FUZZ_CHECK(analyze_new("french", &fuzz_fr, NULL, 0) == ANALYZE_OK);
    return 0;
}

#endif
