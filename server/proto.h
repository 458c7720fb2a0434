/* proto: the line protocol's framer (bytes -> lines) and request parser
 * (line -> verb, options, argument); zero copy and incremental. */
#ifndef CGLU_SERVER_PROTO_H
#define CGLU_SERVER_PROTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest request line in bytes, the "\n" and an optional "\r" before it
 * excluded. */
#define PROTO_MAX_LINE 8192

/* ---- Framer ------------------------------------------------------------
 * A request is one line ending in "\n"; one "\r" right before the "\n" is
 * removed. Lines may hold any other byte (NUL, invalid UTF-8): they are
 * passed on with their length, never as C strings.
 *
 * The framer is a plain struct owned by the connection (embed it, no heap:
 * its size is fixed whatever the client sends). It keeps at most the
 * PROTO_MAX_LINE + 1 bytes of an unfinished line (+1 for a "\r" whose "\n"
 * has not arrived yet). Bytes already held are known to hold no "\n", so
 * each call scans only the new bytes: a client sending one byte at a time
 * costs O(1) per byte (slowloris). */

typedef enum {
    PROTO_EV_LINE,     /* line[0..len) is one request line */
    PROTO_EV_TOO_LONG, /* a line passed PROTO_MAX_LINE; line is NULL, len 0 */
} proto_event;

/* What the callback asks for. */
enum {
    PROTO_CONTINUE = 0, /* go on with the next line */
    PROTO_PAUSE = 1,    /* stop after this event (backpressure, QUIT) */
};

/* Called once per event, in input order. For PROTO_EV_LINE, line points
 * either into the data given to proto_feed() (a line that arrived whole:
 * zero copy) or into the framer's own buffer (a line that arrived in
 * pieces). Either way it stays valid until the next proto_feed() or
 * proto_framer_init() on the same framer, provided the caller keeps data
 * alive: copy what must live longer. The callback must not call
 * proto_feed() on the same framer. Returns PROTO_CONTINUE or PROTO_PAUSE
 * (any other value counts as PROTO_CONTINUE). */
typedef int (*proto_line_fn)(void *ctx, proto_event ev, const char *line,
                             size_t len);

typedef struct proto_framer {
    size_t len;  /* bytes of the unfinished line held in buf */
    int discard; /* 1 inside a too-long line: drop bytes until "\n" */
    char buf[PROTO_MAX_LINE + 1];
} proto_framer;

/* Start (or restart) a framer: no line held, not discarding. */
void proto_framer_init(proto_framer *f);

/* Feed data[0..len) (data may be NULL when len == 0; a libuv read buffer
 * can be passed as is) and call cb for each event it completes.
 *
 * Returns the number of bytes consumed:
 * - len when the callback never paused, or paused on an event that ended
 *   at the end of data. Every byte was used: complete lines were reported,
 *   the bytes of an unfinished line were copied into the framer (so data
 *   may be freed or reused now), the bytes of a too-long line dropped.
 * - fewer than len when the callback returned PROTO_PAUSE: the bytes
 *   consumed are exactly those up to and including the "\n" of the line
 *   it paused on. The framer holds nothing of the rest; to resume, call
 *   proto_feed() again with data + consumed and len - consumed (the caller
 *   keeps that tail, e.g. in its own buffer or by not freeing the libuv
 *   buffer yet), before any newer bytes. The caller knows it paused from
 *   its own callback: consumed == len does not tell.
 *
 * Too long lines: as soon as a line is known to be longer than
 * PROTO_MAX_LINE (with or without its "\n" received), the callback gets ONE
 * PROTO_EV_TOO_LONG; every byte up to and including the next "\n" is then
 * dropped without being stored, across as many calls as it takes, and the
 * line after it is framed normally. A pause on PROTO_EV_TOO_LONG is honoured
 * when the too-long line's "\n" was in data (consumed ends after it);
 * otherwise all of data belongs to the dropped line and len is returned. */
size_t proto_feed(proto_framer *f, const char *data, size_t len,
                  proto_line_fn cb, void *ctx);

/* Bytes of an unfinished line held by the framer (0 to PROTO_MAX_LINE + 1):
 * at end of file, a non-zero value means the last line had no "\n" (the
 * server drops it, like any incomplete request). */
size_t proto_framer_pending(const proto_framer *f);

/* ---- Parser ------------------------------------------------------------
 * Grammar of a line (whitespace is space or tab, any amount):
 *   line   = [ws] verb [ws option]... [ws argument] [ws]
 *   verb   = the first word, matched case-insensitively
 *   option = key "=" value: a word with an "=" whose key (before the first
 *            "=") is 1 or more of [A-Za-z_]; the value (possibly empty) is
 *            the rest of the word; keys are case-insensitive
 *   argument = everything after the options, trimmed; words after the
 *            first non-option word are argument even if they hold an "="
 * Options are parsed only for the verbs that have some, and only the keys
 * server/verbs.c's table lists for the verb (SEARCH: limit, offset,
 * snippet and the filters lang, section, tag, after, before, sort, facets;
 * SUGGEST: limit, lang). For the other verbs the whole rest of
 * the line is the argument: a DOC id or an AUTH token may hold "=" (base64
 * padding) and must not be mistaken for an option.
 * The argument may hold any byte, NUL included (lengths are used, never
 * strlen). A SEARCH whose query begins with a word like "a=b" must put
 * another word before it; there is no escape.
 *
 * An empty or all-whitespace line is PROTO_V_EMPTY with PROTO_OK: the
 * server ignores it without reply (as Redis does an empty inline command),
 * so a human at a telnet prompt may press Enter freely. */

/* options on one line: every option SEARCH has, each once */
#define PROTO_MAX_OPTS 12

typedef enum {
    PROTO_V_UNKNOWN = 0, /* verb_text holds what was sent */
    PROTO_V_EMPTY,
    PROTO_V_SEARCH,
    PROTO_V_SUGGEST,
    PROTO_V_DOC,
    PROTO_V_STATS,
    PROTO_V_PING,
    PROTO_V_HELP,
    PROTO_V_QUIT,
    PROTO_V_AUTH,
} proto_verb;

typedef enum {
    PROTO_OK = 0,
    PROTO_ERR_VERB,        /* unknown verb: see verb_text */
    PROTO_ERR_OPT_UNKNOWN, /* key not allowed for this verb: see bad */
    PROTO_ERR_OPT_DUP,     /* the same key twice: see bad */
    PROTO_ERR_OPT_MANY,    /* more than PROTO_MAX_OPTS options */
    PROTO_ERR_OPT_VALUE,   /* proto_opt_uint: not a decimal number */
    PROTO_ERR_OPT_RANGE,   /* proto_opt_uint: overflow or out of range */
} proto_status;

/* Pointer/length pairs into the parsed line, not NUL-terminated. */
typedef struct proto_opt {
    const char *key; /* as sent, case kept */
    size_t key_len;
    const char *val;
    size_t val_len; /* 0 for "limit=" */
} proto_opt;

/* Every pointer points into the line given to proto_parse(): the request
 * owns nothing and is valid as long as the line is. */
typedef struct proto_request {
    proto_verb verb;
    const char *verb_text; /* the verb as sent (any bytes: escape it) */
    size_t verb_len;
    proto_opt opts[PROTO_MAX_OPTS];
    size_t nopts;
    const char *arg; /* never NULL after proto_parse(); arg_len 0: none */
    size_t arg_len;
    const char *bad; /* the offending option key on PROTO_ERR_OPT_*, */
    size_t bad_len;  /* else NULL and 0 */
} proto_request;

/* Parse line[0..len) (line may be NULL when len == 0) into *req, which
 * is always fully set, even on error.
 * Returns PROTO_OK (verb may be PROTO_V_EMPTY), PROTO_ERR_VERB (verb is
 * PROTO_V_UNKNOWN; options are not parsed, arg is the rest of the line),
 * PROTO_ERR_OPT_UNKNOWN or PROTO_ERR_OPT_DUP (bad names the key; the
 * server answers bad_request naming it) or PROTO_ERR_OPT_MANY (bad is the
 * first extra key). */
proto_status proto_parse(const char *line, size_t len, proto_request *req);

/* Value of option key (case-insensitive) as an unsigned decimal in
 * [min, max]. Absent: *out = def and PROTO_OK. Present: only digits, at
 * least one (no sign, no space, leading zeros allowed), else
 * PROTO_ERR_OPT_VALUE; past UINT64_MAX or outside [min, max]:
 * PROTO_ERR_OPT_RANGE. On error *out is 0: the server answers
 * bad_request naming key. */
proto_status proto_opt_uint(const proto_request *req, const char *key,
                            uint64_t def, uint64_t min, uint64_t max,
                            uint64_t *out);

/* s[0..n) as a decimal number within [min, max], by proto_opt_uint()'s
 * rules (no sign, no blank, at least one digit). */
proto_status proto_uint(const char *s, size_t n, uint64_t min, uint64_t max,
                        uint64_t *out);

/* s[0..n) equals the C string name, ignoring ASCII case only (tolower()
 * would follow the locale: Turkish dotless i). A NUL byte in s never
 * matches: name has none and the lengths must agree. */
int proto_eq_nocase(const char *s, size_t n, const char *name);

/* Upper-case name of a verb ("SEARCH"; "" for PROTO_V_EMPTY, "?" for
 * PROTO_V_UNKNOWN); static storage. */
const char *proto_verb_name(proto_verb v);

/* Generic message for a status ("unknown option"); static storage. */
const char *proto_strerror(proto_status st);

#ifdef __cplusplus
}
#endif
#endif
