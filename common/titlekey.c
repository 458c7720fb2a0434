/* titlekey: the term of a title's word set (an order-independent hash of
 * its sorted distinct stems). */
#include "common/titlekey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/schema.h"

void titlekey_init(titlekey *k)
{
    memset(k, 0, sizeof *k);
}

void titlekey_add(titlekey *k, const char *stem, size_t len, int stop)
{
    if (len == 0 || len > ANALYZE_MAX_STEM)
        return;
    for (size_t i = 0; i < k->n; i++)
        if (strlen(k->stems[i]) == len && memcmp(k->stems[i], stem, len) == 0) {
            k->stop[i] &= (unsigned char)(stop != 0);
            return;
        }
    if (k->n == TITLEKEY_MAX_WORDS) {
        k->overflow = 1;
        return;
    }
    memcpy(k->stems[k->n], stem, len);
    k->stems[k->n][len] = '\0';
    k->stop[k->n] = (unsigned char)(stop != 0);
    k->n++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

size_t titlekey_term(const titlekey *k, unsigned mask, char *out)
{
    const char *pick[TITLEKEY_MAX_WORDS];
    size_t n = 0, content = 0;

    out[0] = '\0';
    if (k->overflow)
        return 0;
    for (size_t i = 0; i < k->n; i++)
        content += (mask >> i & 1u) && !k->stop[i];
    for (size_t i = 0; i < k->n; i++)
        if ((mask >> i & 1u) && (!content || !k->stop[i]))
            pick[n++] = k->stems[i];
    if (n == 0)
        return 0;
    qsort(pick, n, sizeof *pick, cmp_str);
    uint64_t h = schema_hash("", 0);
    for (size_t i = 0; i < n; i++)
        h = schema_hash_more(h, pick[i], strlen(pick[i]) + 1); /* and NUL */
    return (size_t)snprintf(out, TITLEKEY_TERM_SIZE, "%s%016llx",
                            SCHEMA_P_TITLEKEY, (unsigned long long)h);
}
