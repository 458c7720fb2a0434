/* schema: how documents are laid out in the Xapian index, shared by the
 * indexer (writes it) and the daemon (reads it). */
#ifndef CGLU_COMMON_SCHEMA_H
#define CGLU_COMMON_SCHEMA_H

/* Term prefixes (Xapian convention: capital letters). */
#define SCHEMA_P_ID "Q" /* Q + document id (relative path): DOC lookup */
#define SCHEMA_P_UID                                                           \
    "U" /* U + folder + '/' + relative path: the unique                        \
           key (two folders may hold the same names) */
/* Z + the document's language code (two letters, common/lang) + stem of
 * the folded word, with positions, body and title (title with higher wdf);
 * and at the same position Z + code + the folded stem of the accented word
 * where that differs (analyze_token.astem), so that Snowball's
 * accent-dependent rules still join words. The code keeps the stems of two
 * languages apart ("Zenpain" is English, "Zfrpain" French). */
#define SCHEMA_P_STEM "Z"
/* E + language code + exact lowercased form (accents kept) */
#define SCHEMA_P_EXACT "E"
/* F + language code + fold + '|' + exact form, only for words whose fold
 * differs from the exact form (accented words): prefix search expands over
 * F and E; completion shows the exact form */
#define SCHEMA_P_FOLD "F"
#define SCHEMA_FOLD_SEP '|'
/* T + language code + stem of a title word: title:word */
#define SCHEMA_P_TITLE "T"
/* Bytes of the language code after Z and T (lang_info.code). */
#define SCHEMA_LANG_CODE_LEN 2
#define SCHEMA_P_LANG "L"    /* L + language code: lang= filter */
#define SCHEMA_P_SECTION "S" /* S + section, casefolded: section= */
#define SCHEMA_P_TAG "K"     /* K + one tag, casefolded: tag= */
#define SCHEMA_P_ROOT "R"    /* R + root folder the document came from */
/* X + 16 hex digits: the set of the title's words (common/titlekey), for
 * the exactness rule of search/rank.h. */
#define SCHEMA_P_TITLEKEY "X"
/* Synonym table (Xapian's): keys are a language code, SCHEMA_SYNONYM_
 * LANG_SEP and an entry analysed in that language (its stems joined by one
 * space: "en:unit citi"); values are analysed entries of the same language
 * without the code (indexer/synonyms). An entry has at most this many
 * words: the indexer refuses longer entries and a query looks up spans of
 * at most as many words (search/query). */
#define SCHEMA_SYNONYM_LANG_SEP ':'
#define SCHEMA_SYNONYM_MAX_WORDS 6

/* Title words are weighted by RANK_TITLE_WDF (search/rank.h). */

/* Value slots. */
#define SCHEMA_V_MTIME 0 /* "seconds.nanoseconds" since the epoch */
#define SCHEMA_V_SIZE 1  /* decimal bytes of the source file */
#define SCHEMA_V_HASH 2  /* hex 64-bit FNV-1a of the file contents */
#define SCHEMA_V_ROOT 3  /* absolute path of the folder it came from */
/* The extracted plain text snippets are cut from, as common/textstore lays
 * it out: this value is its head (length, position table, block 0); block
 * k >= 1 is the value of SCHEMA_V_TEXT_BLOCK + k - 1. Values, not data:
 * Xapian zlib-compresses data whole, values are read one by one, so a
 * snippet reads only the blocks of its window. */
#define SCHEMA_V_TEXT 4
#define SCHEMA_V_LANG 5    /* language code ("fr"): hits, facets */
#define SCHEMA_V_DATE 6    /* "YYYY-MM-DD" or unset: sort, after/before */
#define SCHEMA_V_SECTION 7 /* section, casefolded, or unset */
/* tags, casefolded, in the document's order, joined by SCHEMA_TAG_SEP */
#define SCHEMA_V_TAGS 8
#define SCHEMA_NVALUES 9
/* The text's blocks after the first, one slot each (common/textstore). */
#define SCHEMA_V_TEXT_BLOCK 16
/* Separates tags in SCHEMA_V_TAGS: a control byte no tag holds. */
#define SCHEMA_TAG_SEP '\x1f'

/* Document data: id '\0' title '\0' url '\0' language code '\0' date '\0'
 * section key '\0' tag keys joined by SCHEMA_TAG_SEP '\0' description
 * (a hit's snippet when its text holds no query word); every field may be
 * empty. Hits read them from the data the match fetches anyway (no value
 * read per hit); the text is in SCHEMA_V_TEXT and its blocks. */

/* Metadata keys. */
#define SCHEMA_M_ANALYZER "cglu.analyzer" /* ANALYZE_VERSION */
/* the language of documents that declare none (cglu-index --lang) */
#define SCHEMA_M_LANG "cglu.lang"         /* e.g. "french" */
#define SCHEMA_M_BUILT "cglu.built"       /* seconds since the epoch */
#define SCHEMA_M_DOCCOUNT "cglu.doccount" /* decimal */
#define SCHEMA_M_FORMAT "cglu.format"     /* SCHEMA_FORMAT */
#define SCHEMA_M_REBUILD                                                       \
    "cglu.rebuild" /* "1" while a rebuild is                                   \
                      unfinished */
#define SCHEMA_M_EXTRACT                                                       \
    "cglu.extract" /* EXTRACT_RULES of the last                                \
                      complete run */
#define SCHEMA_M_LANG_PATH                                                     \
    "cglu.langpath" /* "1": the last folder run had --lang-path */
#define SCHEMA_M_CHANGESETS                                                    \
    "cglu.changesets" /* decimal: --changesets of the last run */
/* decimal: the revision each commit makes, set by the commit itself:
 * what a reader of a remote shard (which Xapian gives no revision) sees */
#define SCHEMA_M_REVISION "cglu.revision"
/* A sharded index's dictionary: PATH/SCHEMA_DICTIONARY, a database of the
 * shards' spelling words and synonyms only, which Xapian's remote protocol
 * does not carry (docs/SCALING.md); its metadata SCHEMA_M_DICT_OF says
 * which shard revisions it was made from. */
#define SCHEMA_DICTIONARY "dictionary"
#define SCHEMA_M_DICT_OF "cglu.dict_of"
/* Bump when the layout above changes: both programs refuse another one. */
#define SCHEMA_FORMAT "5" /* 5: the text in blocks (common/textstore) */

/* Xapian refuses terms over 245 bytes; longer ids and roots are cut and
 * followed by a hash so they stay unique. */
#define SCHEMA_TERM_MAX 240
/* What ends a cut term: '#' and 16 hex digits of the hash. */
#define SCHEMA_CUT_TAIL 17

#include <stddef.h>
#include <stdint.h>

/* 64-bit FNV-1a of bytes: the content hash kept in SCHEMA_V_HASH, and what
 * makes cut terms unique. */
uint64_t schema_hash(const char *bytes, size_t len);
/* The same hash continued over more bytes: schema_hash(a + b) is
 * schema_hash_more(schema_hash(a), b). */
uint64_t schema_hash_more(uint64_t h, const char *bytes, size_t len);

/* Write prefix + s[0..n) into out (SCHEMA_TERM_MAX + 1 bytes), NUL-
 * terminated; returns its length. Over the limit: the first bytes of s
 * (cut on a UTF-8 boundary), '#', and 16 hex digits of s's hash. */
size_t schema_term(const char *prefix, const char *s, size_t n, char *out);

/* The SCHEMA_V_MTIME value of a file: "seconds.nanoseconds", so that an
 * edit within the same second is still seen. out holds 32 bytes. */
void schema_mtime(int64_t sec, long nsec, char *out);

/* The unique key term of a document: schema_term("U", root "/" relpath). */
size_t schema_uid(const char *root, const char *relpath, char *out);

/* A section's or tag's key, what S and K terms and the section and tags
 * values hold, and what section= and tag= are compared with: NFKC,
 * casefolded (accents kept), runs of blanks one space, no blank at either
 * end, cut at SCHEMA_KEY_MAX bytes on a character boundary. */
#define SCHEMA_KEY_MAX 64
/* The key of s[0..n) (any bytes: invalid UTF-8 is dropped) into out
 * (SCHEMA_KEY_MAX + 1 bytes, NUL-terminated); returns its length, 0 when
 * nothing is left (or out of memory). */
size_t schema_key(const char *s, size_t n, char *out);

#define SCHEMA_DEFAULT_DB "var/cglu.db"
#define SCHEMA_DEFAULT_PORT 7878

#endif
