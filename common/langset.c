/* langset: analyzers by language, made on demand. */
#include "common/langset.h"

#include <stdio.h>
#include <stdlib.h>

struct langset {
    /* by lang_at() index: a language has one slot (a scan of the few
     * languages finds it) */
    analyzer **an;
    size_t n;
    size_t cache_words; /* 0: the analyzers' default */
};

langset *langset_new(size_t cache_words)
{
    langset *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cache_words = cache_words;
    s->n = lang_count();
    s->an = calloc(s->n ? s->n : 1, sizeof(analyzer *));
    if (!s->an) {
        free(s);
        return NULL;
    }
    return s;
}

void langset_free(langset *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        analyze_free(s->an[i]);
    free(s->an);
    free(s);
}

analyzer *langset_get(langset *s, const lang_info *l, char *err, size_t errlen)
{
    size_t i = 0;
    while (i < s->n && lang_at(i) != l)
        i++;
    if (i == s->n) {
        if (err && errlen)
            snprintf(err, errlen, "unknown language");
        return NULL;
    }
    if (!s->an[i]) {
        if (analyze_new(l->name, &s->an[i], err, errlen) != ANALYZE_OK)
            s->an[i] = NULL;
        else if (s->cache_words)
            analyze_set_cache(s->an[i], s->cache_words);
    }
    return s->an[i];
}
