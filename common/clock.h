/* clock: the one monotonic clock of the programs, in seconds (header
 * only). Durations are measured with it: never affected by the system time
 * being set. */
#ifndef CGLU_COMMON_CLOCK_H
#define CGLU_COMMON_CLOCK_H

#include <time.h>

/* Seconds since an arbitrary point, monotonic. */
static inline double clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
