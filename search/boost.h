/* boost: the ranking rules that add weight to a query's matches without
 * changing which documents match: a title equal to the query's words, a
 * title holding all of them, a title the query covers (search/rank.h has
 * the weights and why). */
#ifndef CGLU_SEARCH_BOOST_H
#define CGLU_SEARCH_BOOST_H

#include "common/analyze.h"
#include "common/xapian_c.h"
#include "search/query.h"

typedef enum {
    BOOST_OK = 0,
    BOOST_ERR_NOMEM,
} boost_status;

/* The optional part to AND_MAYBE onto a query parsed from q's plain
 * words (q->words, their stems; a tells their stop words). *out is a new
 * query the caller frees (or hands to a combining node), NULL when the
 * query has no plain word (nothing to boost) or on failure. */
boost_status boost_build(const analyzer *a, const query_parsed *q,
                         xc_query **out);

/* query AND_MAYBE boost, taking both (either may be NULL: the other is
 * returned). NULL when out of memory. */
xc_query *boost_apply(xc_query *query, xc_query *boost);

#endif
