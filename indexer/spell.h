/* spell: word frequency deltas for Xapian's spelling dictionary, gathered
 * over a batch and written with its commit. */
#ifndef CGLU_INDEXER_SPELL_H
#define CGLU_INDEXER_SPELL_H

#include <stddef.h>
#include <stdint.h>

#include "common/xapian_c.h"

typedef enum {
    SPELL_OK = 0,
    SPELL_ERR_NOMEM,
    SPELL_ERR_FULL, /* more distinct words than SPELL_MAX_WORDS */
    SPELL_ERR_DB,   /* writing to the index failed (see xc_errmsg) */
} spell_status;

/* A bound on memory: about 64 bytes per distinct word. */
#define SPELL_MAX_WORDS (4u << 20)

typedef struct spell_table spell_table;

/* New empty table; *out is NULL on failure. Free with spell_free(). */
spell_status spell_new(spell_table **out);
void spell_free(spell_table *t); /* NULL allowed */
/* Add delta (may be negative) to word[0..len) (copied). */
spell_status spell_add(spell_table *t, const char *word, size_t len,
                       int32_t delta);
/* Number of distinct words held. */
size_t spell_count(const spell_table *t);
/* Apply every non-zero delta to db's spelling dictionary, then empty the
 * table. */
spell_status spell_flush(spell_table *t, xc_db *db);

#endif
