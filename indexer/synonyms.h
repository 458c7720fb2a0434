/* synonyms: the synonym files of a run (a folder's .synonyms, --synonyms
 * FILE), parsed into groups of analysed entries and written to the index's
 * synonym table, which search/query expands queries with.
 *
 * File format: one group per line, entries separated by commas
 * ("CGLU, UCLG, Cités et Gouvernements Locaux Unis"); '#' starts a comment
 * (a whole line or after text); blank lines and empty entries are skipped;
 * a UTF-8 byte order mark at the start is allowed. Each entry is analysed
 * like documents and queries, in the set's language: the stems (fold-first,
 * analyze_token.stem) of its words joined by one space, stop words kept
 * (phrases keep them). Its key is that language's code, SCHEMA_SYNONYM_
 * LANG_SEP and those stems ("en:unit citi local govern"), as search/query
 * looks it up; the table maps the key of each entry of a group to the
 * others' stems without the code ("uclg"), the query's language being
 * known by then. A key in several groups gets them all (groups are not
 * merged further).
 *
 * Languages: an index may hold several (issue #14), so a run parses the
 * same files once per language present, into one set each, and the table
 * is the union of their pairs (synonyms_store_all); keys of different
 * languages never collide thanks to the code. A line may be refused in one
 * language and kept in another (an entry of English stop words only, "the
 * who", is refused in English and kept in French), so the caller reports
 * and counts refused lines from one set only, the default language's, and
 * passes NULL report and nbad for the others. */
#ifndef CGLU_INDEXER_SYNONYMS_H
#define CGLU_INDEXER_SYNONYMS_H

#include <stddef.h>

#include "common/analyze.h"
#include "common/schema.h"
#include "common/xapian_c.h"

typedef enum {
    SYNONYMS_OK = 0,
    SYNONYMS_ERR_READ,  /* a file cannot be read or is too large (err) */
    SYNONYMS_ERR_NOMEM, /* out of memory */
    SYNONYMS_ERR_DB,    /* the index failed (xc_errmsg of the db) */
} synonyms_status;

/* The file a folder's root may hold: hidden, so never a document. */
#define SYNONYMS_FILE ".synonyms"

/* Limits; a line past one is refused with a message naming it. */
#define SYNONYMS_MAX_FILE (1 << 20) /* bytes of a file: past it, unread */
#define SYNONYMS_MAX_LINE 4096      /* bytes of a line, its end excluded */
#define SYNONYMS_MAX_ENTRIES 16     /* distinct entries of one group */
/* Words of an entry: the schema's, the longest span a query looks up (a
 * longer entry could be found by no query). */
#define SYNONYMS_MAX_WORDS SCHEMA_SYNONYM_MAX_WORDS
/* Groups of a set (a run's files together, in one language): bounds the
 * table (at most SYNONYMS_MAX_ENTRIES * (SYNONYMS_MAX_ENTRIES - 1) pairs a
 * group, for each language). */
#define SYNONYMS_MAX_GROUPS 1000

/* The groups of a run's files. */
typedef struct synonyms synonyms;

/* One refused line, "NAME:LINE: message" (no newline); msg is valid
 * during the call only. */
typedef void (*synonyms_report_fn)(const char *msg, void *ctx);

/* An empty set whose entries are analysed with a (borrowed: it must
 * outlive the set; its stemming is switched on), in a's language
 * (analyze_language: its code starts the keys). *out is NULL on failure;
 * free with synonyms_free(). */
synonyms_status synonyms_new(analyzer *a, synonyms **out);
void synonyms_free(synonyms *s); /* NULL allowed */

/* Add the groups of text[0..len), a file's contents; name is what
 * messages call it. Each refused line is reported (report may be NULL) and
 * counted into *nbad (added to; may be NULL), and the others are kept: a
 * line that is not valid UTF-8 (or holds a NUL), longer than
 * SYNONYMS_MAX_LINE, with fewer than two different entries or more than
 * SYNONYMS_MAX_ENTRIES, an entry without words, of stop words only, of more
 * than SYNONYMS_MAX_WORDS words or whose key (its language code
 * included) is longer than XC_MAX_TERM bytes; past SYNONYMS_MAX_GROUPS
 * groups in s the rest of the text is refused at once (one message). With
 * report and nbad NULL nothing is said (the sets of the other languages,
 * see above). SYNONYMS_OK, or SYNONYMS_ERR_NOMEM. */
synonyms_status synonyms_parse(synonyms *s, const char *name, const char *text,
                               size_t len, synonyms_report_fn report, void *ctx,
                               size_t *nbad);

/* Read the file at path (at most SYNONYMS_MAX_FILE bytes) and parse it as
 * synonyms_parse does, name being what messages call it. A missing file
 * is SYNONYMS_OK with nothing added when missing_ok, else, like any other
 * failure to read, SYNONYMS_ERR_READ with one line in err. */
synonyms_status synonyms_read(synonyms *s, const char *path, const char *name,
                              int missing_ok, synonyms_report_fn report,
                              void *ctx, size_t *nbad, char *err,
                              size_t errlen);

/* Number of groups kept. */
size_t synonyms_ngroups(const synonyms *s);
/* The keys of group i (< synonyms_ngroups), prefixed with the language
 * code ("fr:cglu"), distinct, in the order of the line; *n gets their
 * number. Owned by s, valid until synonyms_free. */
const char *const *synonyms_group(const synonyms *s, size_t i, size_t *n);

/* *same = 1 when db's synonym table holds exactly the union of the pairs
 * of sets[0..n) (none NULL; sets may be NULL when n is 0, an empty table),
 * else 0: then a run that changed nothing else need not commit. */
synonyms_status synonyms_same_all(const synonyms *const *sets, size_t n,
                                  xc_db *db, int *same);
/* Replace db's whole synonym table by the union of the pairs of
 * sets[0..n) (as synonyms_same_all): db is a writer, the changes go into
 * its open transaction. Keys of a language no set is given for are gone. */
synonyms_status synonyms_store_all(const synonyms *const *sets, size_t n,
                                   xc_db *db);
/* The same for one set: the table holds s's language only. */
synonyms_status synonyms_same(const synonyms *s, xc_db *db, int *same);
synonyms_status synonyms_store(const synonyms *s, xc_db *db);

const char *synonyms_strerror(synonyms_status st);

#endif
