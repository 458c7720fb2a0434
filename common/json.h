/* json: writers for JSON values into a buf_t; output is always valid
 * UTF-8 and valid JSON, whatever bytes come in. */
#ifndef CGLU_COMMON_JSON_H
#define CGLU_COMMON_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest number of decimals json_double() writes. */
#define JSON_MAX_DECIMALS 9

/* Every writer appends to b (the caller owns b and frees it) and returns
 * BUF_OK or the buf_status that stopped it (BUF_ERR_LIMIT when b->max is
 * reached, BUF_ERR_NOMEM). On failure nothing is appended: b is cut back
 * to its length on entry, so a caller can stop cleanly at a limit. No
 * separators are written: commas, braces and brackets are the caller's. */

/* s[0..len) (any bytes, NUL included; s may be NULL when len == 0) as a
 * quoted JSON string:
 * - '"' and '\' are escaped; \b \f \n \r \t use their short escapes, the
 *   other control characters (0x00-0x1F and 0x7F) are written \u00XX;
 * - U+2028 and U+2029 are written \u2028 and \u2029 (valid JSON, but line
 *   terminators in JavaScript source);
 * - ill-formed UTF-8 (stray continuation bytes, overlong forms, surrogates,
 *   code points past U+10FFFF, bytes C0, C1, F5-FF, a sequence cut short
 *   by another byte or by the end of s) becomes U+FFFD, one per maximal
 *   ill-formed subpart (the Unicode / WHATWG "substitution of maximal
 *   subparts" rule); well-formed UTF-8, 4-byte sequences included, is
 *   copied unchanged. */
buf_status json_str(buf_t *b, const char *s, size_t len);

/* "key": with key a C string escaped as by json_str(). */
buf_status json_key(buf_t *b, const char *key);

buf_status json_int(buf_t *b, int64_t v);   /* -12 */
buf_status json_uint(buf_t *b, uint64_t v); /* 12 */

/* v with exactly `decimals` digits after the point (clamped to
 * 0..JSON_MAX_DECIMALS; 0 writes no point), rounded half away from zero:
 * json_double(b, 2.5, 2) writes 2.50. The point is always '.', whatever
 * LC_NUMERIC says. NaN and infinities are written as 0 (JSON has no
 * spelling for them) and a value that rounds to zero never gets a '-'.
 * Large magnitudes are written in full (1e20 is 100000000000000000000). */
buf_status json_double(buf_t *b, double v, int decimals);

buf_status json_bool(buf_t *b, int v); /* true when v != 0, else false */
buf_status json_put_null(buf_t *b);

/* ---- Error answers ----
 * Every front end answers a failure with the same object,
 * {"ok":false,"error":CODE,"message":TEXT} (PROTOCOL.md lists the codes);
 * this is the one place that writes it. */
typedef enum {
    JSON_ERR_BAD_REQUEST = 0, /* a malformed or out-of-range request */
    JSON_ERR_NOT_FOUND,       /* DOC: no document with that id */
    JSON_ERR_UNAUTHORIZED,    /* AUTH first, or a wrong password */
    JSON_ERR_UNKNOWN_VERB,    /* not a verb of the protocol */
    JSON_ERR_LINE_TOO_LONG,   /* a request line past the protocol's limit */
    JSON_ERR_BUSY,            /* too many connections */
    JSON_ERR_TOO_LARGE,       /* the answer would pass the answer limit */
    JSON_ERR_INTERNAL,        /* out of memory, index failure */
    JSON_ERR_METHOD,          /* HTTP: a method other than GET, HEAD, OPTIONS */
    JSON_ERR_REQUEST_TOO_LARGE, /* HTTP: a body, a URL or a head too long */
    JSON_ERR_SHARD_UNAVAILABLE, /* a remote shard of the index is down */
    JSON_ERR_KINDS
} json_err;

/* The code's spelling in answers ("bad_request"); static storage. */
const char *json_err_code(json_err e);

/* Append one error line, ending in "\n", to b: msg[0..msg_len) (any bytes,
 * escaped), then, when extra_key is not NULL, the member
 * "extra_key":extra[0..extra_len). Returns as the writers above: on
 * failure nothing is appended. */
buf_status json_error_line(buf_t *b, json_err e, const char *msg,
                           size_t msg_len, const char *extra_key,
                           const char *extra, size_t extra_len);

/* Keys and values in the JSON text s[0..n), counted up to max + 1 before
 * a parser (libjansson) builds them: a ',', ':', '[' or '{' outside
 * strings comes before each but the first, so this bounds them (an empty
 * container counts once too often). jansson stops at the first fault and
 * until then ends strings where this scan does (an escape never ends
 * one), so it never builds more values than counted: a reader refuses a
 * text over its bound before it costs memory. */
size_t json_count_values(const char *s, size_t n, size_t max);

/* Index just past the JSON string whose opening quote is s[i] (n when it
 * does not end): an escape never ends it, as in jansson. */
size_t json_skip_string(const char *s, size_t n, size_t i);

#ifdef __cplusplus
}
#endif
#endif
