/* rank: every constant that decides the order of hits, in one place, each
 * with why it has its value. Header only: the query builder (search/query),
 * the Xapian weighting (search/engine) and, for the title weight, which is
 * written into the index, the indexer's document builder read it. Changing
 * RANK_TITLE_WDF needs a rebuild of existing indexes; the others take
 * effect at the daemon's next start. */
#ifndef CGLU_SEARCH_RANK_H
#define CGLU_SEARCH_RANK_H

/* Within-document frequency of each title occurrence (a body word: 1).
 * BM25 saturates term frequency, so 5 lifts a title match well above a
 * passing mention in the body without letting a title word drown a page
 * that is about the query in its text. */
#define RANK_TITLE_WDF 5

/* Weight factor of the exact form (E term) added to each plain query word:
 * "élus" ranks documents spelling "élus" above those spelling "elus", but
 * only as a tie-breaker (half a match), never above a better stem match. */
#define RANK_EXACT_BOOST 0.5

/* Words of the query found near each other rank higher: an optional
 * NEAR-like group over the plain words, whose window is their number plus
 * this slack, so the stop words the query dropped ("conseil de la ville")
 * may sit between them. */
#define RANK_PROXIMITY_SLACK 2

/* BM25 (Xapian's BM25Weight): k1 term-frequency saturation, k2 the
 * query-length correction (0: off), k3 query-term frequency saturation,
 * b document-length normalisation, and the smallest normalised document
 * length. These are Xapian's defaults, which suit short web pages; they are
 * stated here so that tuning happens in one place. b = 0.5 (rather than
 * Lucene's 0.75) penalises long pages less: a long reference page is often
 * what a visitor looks for. */
#define RANK_BM25_K1 1.0
#define RANK_BM25_K2 0.0
#define RANK_BM25_K3 1.0
#define RANK_BM25_B 0.5
#define RANK_BM25_MIN_NORMLEN 0.5

#endif
