/* textstore: a document's extracted text kept compressed in blocks that
 * decode alone, with a table from body word positions to byte offsets, so
 * that a snippet reads only the bytes around its window (search/snip).
 *
 * Layout (common/schema.h): the head value (SCHEMA_V_TEXT) holds the text's
 * length, its block size, a tag, the position table and block 0; block k
 * (k >= 1) is the value of slot SCHEMA_V_TEXT_BLOCK + k - 1. Each block is
 * the text's bytes [k * block, (k + 1) * block), LZ4-compressed (HC) when
 * that saves bytes, else stored as it is. */
#ifndef CGLU_COMMON_TEXTSTORE_H
#define CGLU_COMMON_TEXTSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Bytes of text per block: a snippet's window (a few KB) decodes one or
 * two of them, about 4 us each (docs/BENCHMARKS.md, issue #15). */
#define TEXTSTORE_BLOCK 16384
/* Body words between two entries of the position table: a position is
 * found by analysing at most this many words from its entry (a byte of
 * table per entry, mostly: 1.5 % of man-fr's text). */
#define TEXTSTORE_EVERY 8
/* A block is decoded only as far as a read needs, in steps of this. */
#define TEXTSTORE_PART 4096
/* LZ4 HC level: 2.22x on man-fr's text at 106 MB/s, against 1.96x for
 * plain LZ4 and 2.25x for level 9 at 58 MB/s (measured, issue #15). */
#define TEXTSTORE_LZ4_LEVEL 3
/* Largest text kept (LZ4's own limit on one input is 2 GB; blocks count
 * in 32 bits). */
#define TEXTSTORE_MAX_TEXT ((size_t)1 << 30)

typedef enum {
    TEXTSTORE_OK = 0,
    TEXTSTORE_ERR_NOMEM,
    TEXTSTORE_ERR_FORMAT, /* a value that is not a text store's */
    TEXTSTORE_ERR_STALE,  /* a block of another version of the document
                             (the index moved between two reads) */
    TEXTSTORE_ERR_FETCH,  /* the block reader failed */
    TEXTSTORE_ERR_LIMIT,  /* a text past TEXTSTORE_MAX_TEXT */
} textstore_status;

const char *textstore_strerror(textstore_status st);

/* ---- writing ----------------------------------------------------------- */

/* The values of one text. Owned by the caller: textstore_enc_free(). */
typedef struct textstore_enc {
    buf_t head;    /* the value of SCHEMA_V_TEXT */
    buf_t blocks;  /* blocks 1.. back to back, each a whole value */
    size_t *ends;  /* ends[k - 1]: end of block k in blocks.data */
    size_t nextra; /* blocks after block 0 (entries of ends) */
} textstore_enc;

/* Encode text[0..len). first_pos is the position of the body's first word
 * (docbuild numbers title words first); checks[i] is the byte offset of
 * the word at position first_pos + i * TEXTSTORE_EVERY, for nchecks
 * entries (increasing; the table may stop before the text ends: words past
 * it cannot be found by position). tag is written in every block, so a
 * reader never mixes two versions of a document (a hash of the text).
 * On failure *out is empty (safe to free). */
textstore_status textstore_encode(const char *text, size_t len,
                                  uint32_t first_pos, const uint32_t *checks,
                                  size_t nchecks, uint32_t tag,
                                  textstore_enc *out);
void textstore_enc_free(textstore_enc *e); /* NULL allowed */

/* ---- reading ----------------------------------------------------------- */

/* Append the value of block k (k >= 1) to into; 0, or -1 on failure. The
 * reader (search/engine, indexer/sync) reads it from the same document. */
typedef int (*textstore_fetch_fn)(void *ctx, uint32_t k, buf_t *into);

/* Decoded blocks kept by a reader (a window and the match before it). */
#define TEXTSTORE_CACHE 4
/* Bytes of position table, and of fetch buffer, a reader keeps across
 * textstore_reopen(): a larger one (a damaged or foreign value) is freed
 * instead. docbuild's tables stop at SNIP_MAX_SCAN bytes of text, at most
 * an entry per 16 bytes (8 words of a letter and a blank): 256 KB. */
#define TEXTSTORE_KEEP (256u << 10)

/* A reader over one head value (borrowed: it must outlive the reader's
 * reads). Zero it, then textstore_open() or textstore_reopen();
 * textstore_close() frees what it holds. */
typedef struct textstore {
    const unsigned char *head, *head_end;
    uint64_t len;                /* bytes of text */
    uint32_t block;              /* bytes per block */
    uint32_t nblocks;            /* blocks (0 for an empty text) */
    uint32_t tag;                /* every block carries it */
    uint32_t first_pos;          /* position of the body's first word */
    uint32_t every;              /* words between table entries */
    uint32_t nchecks;            /* table entries */
    const unsigned char *checks; /* the table, varint deltas */
    const unsigned char *b0;     /* block 0 as stored */
    size_t b0len;
    textstore_fetch_fn fetch;
    void *ctx;
    /* the table decoded so far */
    uint32_t *check_off;
    uint32_t check_room; /* entries check_off has room for */
    uint32_t ndecoded;
    const unsigned char *check_next;
    /* decoded blocks (TEXTSTORE_BLOCK bytes each), least recently used
     * first out */
    char *cache[TEXTSTORE_CACHE];
    uint32_t cache_k[TEXTSTORE_CACHE];
    uint32_t cache_len[TEXTSTORE_CACHE];
    uint64_t cache_used[TEXTSTORE_CACHE];
    uint64_t clock;
    buf_t raw; /* a fetched block */
} textstore;

/* Read the head value head[0..len); fetch reads the other blocks. */
textstore_status textstore_open(textstore *ts, const char *head, size_t len,
                                textstore_fetch_fn fetch, void *ctx);
/* textstore_open() on a reader that is zeroed or was opened before (and
 * not closed since): its memory (decoded blocks' room, the table's up to
 * TEXTSTORE_KEEP, the fetch buffer's) is kept for the new head, nothing
 * decoded for the old one is. A reader kept by a thread reads hit after
 * hit without allocating; textstore_close() frees it in the end. */
textstore_status textstore_reopen(textstore *ts, const char *head, size_t len,
                                  textstore_fetch_fn fetch, void *ctx);
void textstore_close(textstore *ts); /* a zeroed reader is fine */

/* Copy text bytes [from, to) (clipped to the text) into dst. */
textstore_status textstore_read(textstore *ts, uint64_t from, uint64_t to,
                                char *dst);

/* The whole text, malloc'd and NUL-terminated into *out (freed by the
 * caller), *len bytes; *out NULL on failure. The last block is read first:
 * a head announcing more text than its blocks hold fails before the text
 * is allocated. */
textstore_status textstore_read_all(textstore *ts, char **out, size_t *len);

/* The table entry at or before body position pos: the entry's position
 * and byte offset. 1 when found, 0 when pos is before the body or past the
 * table, -1 when out of memory. */
int textstore_entry(textstore *ts, uint32_t pos, uint32_t *epos,
                    uint64_t *eoff);

/* The first position past the table (every position the table reaches is
 * below it). */
uint32_t textstore_pos_end(const textstore *ts);

#endif
