/* rank: every constant that decides the order of hits, in one place, each
 * with why it has its value. Header only: the query builder (search/query),
 * the title boosts (search/boost), the Xapian weighting (search/engine)
 * and, for the field weights, which are written into the index, the
 * indexer's document builder read it. Changing RANK_TITLE_WDF,
 * RANK_HEADING_WDF or RANK_LEAD_WDF needs a rebuild of existing indexes;
 * the others take effect at the daemon's next start. */
#ifndef CGLU_SEARCH_RANK_H
#define CGLU_SEARCH_RANK_H

/* Within-document frequency of each title occurrence (a body word: 1).
 * BM25 saturates term frequency, so 5 lifts a title match well above a
 * passing mention in the body without letting a title word drown a page
 * that is about the query in its text. */
#define RANK_TITLE_WDF 5

/* Within-document frequency of each word of a heading (HTML h1-h3,
 * Markdown #-###) and of the lead (the first paragraph, or a plain text's
 * first words after its title line: indexer/extract.h), between a body
 * word's 1 and a title word's: a heading names what its section is about,
 * and the opening lines say what the page is (a man page's NAME line).
 * Measured (docs/RELEVANCE.md): 2 and 2 raise man-fr's partial queries
 * from 0.587 to 0.644 MRR and no cell falls; a lead of 3 gains more on
 * man-fr but puts a lead that merely mentions the words above the page
 * about them ("les actions de cglu"); headings at 3 or 4 lose a little
 * on gimp-fr's partial queries.
 * Written into the index, like the title's: a change needs a rebuild. */
#define RANK_HEADING_WDF 2
#define RANK_LEAD_WDF 2

/* Weight factor of the exact form (E term) added to each plain query word:
 * "élus" ranks documents spelling "élus" above those spelling "elus", but
 * only as a tie-breaker (half a match), never above a better stem match. */
#define RANK_EXACT_BOOST 0.5

/* A query searched in every language (no lang=): the pages of the
 * language it is written in come first. That language is the one whose
 * pages hold the most of the query's words as typed (E terms), the index's
 * default language among equals ("CGLU" is French on a French site,
 * "cities" English); the other languages' matches are weighted by this
 * factor. Without it, a name every language shares ranks the smallest
 * language first: each language's terms have their own statistics, so a
 * word in 3 Spanish pages out of 12 has a far higher IDF than in 6 French
 * ones (the shipped corpus: "CGLU" weighs 4.1 in a Spanish page, 1.9 in
 * the best French one). A quarter puts the query's language first for a
 * word every language shares, while another language's page that holds
 * every word still passes one of the query's language that holds few. */
#define RANK_OTHER_LANG 0.25

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
/* Title exactness (search/boost), on top of BM25 through title-key terms
 * (common/titlekey) and title terms, which are rare, so their BM25 weight
 * is high already (about the log of documents per title); the factors say
 * how far above an ordinary match they put a page.
 * - EXACT: the title has the query's words, no more, no fewer (any order,
 *   inflection, accents): "flou gaussien" puts "Flou gaussien" above
 *   "Flou gaussien sélectif". Strong: it is what a visitor typing a title
 *   means.
 * - ALL: the title holds every content word of the query: a page whose
 *   title is about the query beats one that mentions it.
 * - COVER: the title is part of the query ("flou gaussien gimp" and the
 *   title "Flou gaussien"); weaker than ALL. Short queries only: one key
 *   per subset of their words. */
#define RANK_TITLE_EXACT_BOOST 3.0
#define RANK_TITLE_ALL_BOOST 1.0
#define RANK_TITLE_COVER_BOOST 0.5
#define RANK_TITLE_COVER_MAX_WORDS 5

#define RANK_BM25_K1 1.0
#define RANK_BM25_K2 0.0
#define RANK_BM25_K3 1.0
#define RANK_BM25_B 0.5
#define RANK_BM25_MIN_NORMLEN 0.5

#endif
