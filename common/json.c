/* json: writers for JSON values into a buf_t; output is always valid
 * UTF-8 and valid JSON, whatever bytes come in. */
#include "common/json.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/utf8.h"

/* ASCII bytes copied as they are: printable, not '"' or '\'. */
static int plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR: E2 80 A8/A9. */
static int js_newline(const unsigned char *p, size_t seq)
{
    return seq == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
           (p[2] == 0xa8 || p[2] == 0xa9);
}

/* Escape for one byte below 0x80 that is not plain: a backslash and the
 * letter JSON names it by, else \u00XX. */
static buf_status escape_ascii(buf_t *b, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    static const char letter[0x80] = {
        ['"'] = '"',  ['\\'] = '\\', ['\b'] = 'b', ['\f'] = 'f',
        ['\n'] = 'n', ['\r'] = 'r',  ['\t'] = 't'};
    char s[2] = {'\\', letter[c]};
    char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

    return letter[c] ? buf_append(b, s, 2) : buf_append(b, u, sizeof u);
}

buf_status json_str(buf_t *b, const char *s, size_t len)
{
    const unsigned char *p, *end, *run;
    size_t start = b->len, seq = 0, bad = 0;
    buf_status st;

    if (len > BUF_MAX_LIMIT)
        return BUF_ERR_LIMIT;                /* and len + 2 below cannot wrap */
    p = (const unsigned char *)(s ? s : ""); /* NULL + 0 is undefined */
    end = p + len;
    /* The output is never shorter than the input plus quotes: reserving
     * that once makes the common case a single growth, and a string that
     * cannot fit fails before anything is written. */
    st = buf_reserve(b, len + 2);
    if (st != BUF_OK)
        return st;
    st = buf_putc(b, '"');
    while (st == BUF_OK && p < end) {
        /* Fast path: a run of plain ASCII and well-formed UTF-8 is copied
         * with one memcpy. */
        run = p;
        while (p < end) {
            if (plain(*p)) {
                p++;
                continue;
            }
            if (*p < 0x80)
                break;
            seq = utf8_decode(p, (size_t)(end - p), NULL, &bad);
            if (seq == 0 || js_newline(p, seq))
                break;
            p += seq;
        }
        st = buf_append(b, run, (size_t)(p - run));
        if (st != BUF_OK || p == end)
            break;
        if (*p < 0x80) {
            st = escape_ascii(b, *p);
            p++;
        } else if (seq == 0) {
            st = buf_append(b, UTF8_REPLACEMENT_STR,
                            sizeof UTF8_REPLACEMENT_STR - 1);
            p += bad;
        } else {
            st = buf_append(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
            p += 3;
        }
    }
    if (st == BUF_OK)
        st = buf_putc(b, '"');
    if (st != BUF_OK)
        buf_truncate(b, start);
    return st;
}

buf_status json_key(buf_t *b, const char *key)
{
    size_t start = b->len;
    buf_status st;

    st = json_str(b, key, strlen(key));
    if (st == BUF_OK)
        st = buf_putc(b, ':');
    if (st != BUF_OK)
        buf_truncate(b, start);
    return st;
}

buf_status json_int(buf_t *b, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v); /* locale-free */
    return buf_append(b, tmp, (size_t)n);
}

buf_status json_uint(buf_t *b, uint64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
    return buf_append(b, tmp, (size_t)n);
}

buf_status json_double(buf_t *b, double v, int decimals)
{
    static const uint64_t pow10[JSON_MAX_DECIMALS + 1] = {
        1,      10,      100,      1000,      10000,
        100000, 1000000, 10000000, 100000000, 1000000000};
    char tmp[400]; /* %.0f of DBL_MAX is 309 digits */
    size_t start = b->len;
    double a, ip;
    uint64_t scale, fq;
    buf_status st;
    int n, neg;

    if (decimals < 0)
        decimals = 0;
    if (decimals > JSON_MAX_DECIMALS)
        decimals = JSON_MAX_DECIMALS;
    if (!isfinite(v))
        v = 0;
    neg = v < 0;
    a = fabs(v);
    /* Integer and fraction are printed as integers, never with %f and a
     * precision: that would take the decimal point from LC_NUMERIC (a
     * comma in French). a - floor(a) is exact for doubles. */
    scale = pow10[decimals];
    ip = floor(a);
    fq = (uint64_t)llround((a - ip) * (double)scale);
    if (fq >= scale) { /* the fraction rounded up to a whole unit */
        ip += 1;
        fq -= scale;
    }
    if (ip == 0 && fq == 0)
        neg = 0; /* no "-0.00" */
    /* %.0f prints no decimal point, so the locale cannot change it. */
    n = snprintf(tmp, sizeof tmp, "%s%.0f", neg ? "-" : "", ip);
    st = buf_append(b, tmp, (size_t)n);
    if (st == BUF_OK && decimals > 0) {
        n = snprintf(tmp, sizeof tmp, ".%0*" PRIu64, decimals, fq);
        st = buf_append(b, tmp, (size_t)n);
    }
    if (st != BUF_OK)
        buf_truncate(b, start);
    return st;
}

buf_status json_bool(buf_t *b, int v)
{
    return v ? buf_append(b, "true", 4) : buf_append(b, "false", 5);
}

buf_status json_put_null(buf_t *b)
{
    return buf_append(b, "null", 4);
}

/* ---- Error answers ---- */

const char *json_err_code(json_err e)
{
    static const char *const codes[JSON_ERR_KINDS] = {
        [JSON_ERR_BAD_REQUEST] = "bad_request",
        [JSON_ERR_NOT_FOUND] = "not_found",
        [JSON_ERR_UNAUTHORIZED] = "unauthorized",
        [JSON_ERR_UNKNOWN_VERB] = "unknown_verb",
        [JSON_ERR_LINE_TOO_LONG] = "line_too_long",
        [JSON_ERR_BUSY] = "busy",
        [JSON_ERR_TOO_LARGE] = "too_large",
        [JSON_ERR_INTERNAL] = "internal",
        [JSON_ERR_METHOD] = "method_not_allowed",
        [JSON_ERR_REQUEST_TOO_LARGE] = "request_too_large",
        [JSON_ERR_SHARD_UNAVAILABLE] = "shard_unavailable",
    };
    return (unsigned)e < JSON_ERR_KINDS ? codes[e] : "internal";
}

buf_status json_error_line(buf_t *b, json_err e, const char *msg,
                           size_t msg_len, const char *extra_key,
                           const char *extra, size_t extra_len)
{
    size_t start = b->len;
    const char *code = json_err_code(e);
    buf_status st = buf_puts(b, "{\"ok\":false,\"error\":");

    if (st == BUF_OK)
        st = json_str(b, code, strlen(code));
    if (st == BUF_OK)
        st = buf_puts(b, ",\"message\":");
    if (st == BUF_OK)
        st = json_str(b, msg, msg_len);
    if (st == BUF_OK && extra_key != NULL) {
        st = buf_putc(b, ',');
        if (st == BUF_OK)
            st = json_key(b, extra_key);
        if (st == BUF_OK)
            st = json_str(b, extra, extra_len);
    }
    if (st == BUF_OK)
        st = buf_puts(b, "}\n");
    if (st != BUF_OK)
        buf_truncate(b, start);
    return st;
}

size_t json_skip_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i + 1;
    }
    return n;
}

size_t json_count_values(const char *s, size_t n, size_t max)
{
    size_t i = 0, count = 1;

    while (i < n && count <= max) {
        if (s[i] == '"') {
            i = json_skip_string(s, n, i);
            continue;
        }
        if (s[i] == ',' || s[i] == ':' || s[i] == '[' || s[i] == '{')
            count++;
        i++;
    }
    return count;
}
