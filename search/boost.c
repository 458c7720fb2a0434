/* boost: title exactness as extra weight on top of BM25 (X title-key
 * terms, common/titlekey; T title terms). */
#include "search/boost.h"

#include <stdio.h>
#include <string.h>

#include "common/lang.h"
#include "common/schema.h"
#include "common/titlekey.h"
#include "search/rank.h"

/* Optional parts at most: the exact key, the all-words title, and one key
 * per proper subset of the words. */
#define MAX_PARTS (2 + (1u << RANK_TITLE_COVER_MAX_WORDS))

/* Add the key term of k's words in mask, scaled by factor, to parts
 * (none when the mask gives no key). -1 when out of memory. */
static int add_key(const titlekey *k, unsigned mask, double factor,
                   xc_query **parts, size_t *np)
{
    char term[TITLEKEY_TERM_SIZE];
    size_t n = titlekey_term(k, mask, term);
    if (!n)
        return 0;
    if (!(parts[*np] = xc_query_scale(xc_query_term(term, n, 1), factor)))
        return -1;
    (*np)++;
    return 0;
}

boost_status boost_build(const analyzer *a, const query_parsed *q,
                         xc_query **out)
{
    titlekey k;
    xc_query *parts[MAX_PARTS], *t[TITLEKEY_MAX_WORDS];
    size_t np = 0, nt = 0;

    *out = NULL;
    titlekey_init(&k);
    for (size_t i = 0; i < q->nwords; i++) {
        const query_word *w = &q->words[i];
        titlekey_add(&k, w->stem, strlen(w->stem),
                     analyze_is_stopword(a, w->exact, strlen(w->exact)));
    }
    if (k.n == 0 || k.overflow)
        return BOOST_OK;

    /* 1. the title is the query (same words, any order and inflection) */
    if (add_key(&k, ~0u, RANK_TITLE_EXACT_BOOST, parts, &np))
        goto nomem;
    /* 2. the title holds every content word of the query */
    size_t content = 0;
    for (size_t i = 0; i < k.n; i++)
        content += !k.stop[i];
    for (size_t i = 0; i < k.n; i++) {
        char term[ANALYZE_MAX_STEM + SCHEMA_LANG_CODE_LEN + 2];
        if (content && k.stop[i])
            continue;
        /* T + the query's language: its stems are that language's */
        int n = snprintf(term, sizeof term, "%s%s%s", SCHEMA_P_TITLE,
                         analyze_language(a)->code, k.stems[i]);
        t[nt++] = xc_query_term(term, (size_t)n, 1);
    }
    if (nt) {
        xc_query *all = xc_query_combine(XC_Q_AND, t, nt, 0);
        if (!(parts[np] = xc_query_scale(all, RANK_TITLE_ALL_BOOST)))
            goto nomem;
        np++;
    }
    /* 3. the title is a part of the query ("flou gaussien gimp" covers
     * the title "Flou gaussien"): one key per proper subset of the words,
     * for short queries only (2^n keys) */
    if (k.n > 1 && k.n <= RANK_TITLE_COVER_MAX_WORDS)
        for (unsigned mask = 1; mask + 1 < (1u << k.n); mask++)
            if (add_key(&k, mask, RANK_TITLE_COVER_BOOST, parts, &np))
                goto nomem;
    if (np == 0)
        return BOOST_OK;
    *out = np == 1 ? parts[0] : xc_query_combine(XC_Q_OR, parts, np, 0);
    return *out ? BOOST_OK : BOOST_ERR_NOMEM;
nomem:
    for (size_t i = 0; i < np; i++)
        xc_query_free(parts[i]);
    return BOOST_ERR_NOMEM;
}

xc_query *boost_apply(xc_query *query, xc_query *boost)
{
    if (!boost)
        return query;
    if (!query) {
        xc_query_free(boost);
        return NULL;
    }
    xc_query *pair[2] = {query, boost};
    return xc_query_combine(XC_Q_AND_MAYBE, pair, 2, 0);
}
