/* jsonread: a small, bounded JSON reader (RFC 8259) that tokenizes a
 * document in place, for clients reading the daemon's answers. */
#include "common/jsonread.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MIN_TOKS 32

typedef struct parser {
    const char *p;
    size_t len, pos;
    jsonread_doc *d;
    size_t max;
    jsonread_status st;
} parser;

static int fail(parser *ps, jsonread_status st)
{
    if (ps->st == JSONREAD_OK) {
        ps->st = st;
        ps->d->err_pos = ps->pos;
    }
    return -1;
}

static void skip_ws(parser *ps)
{
    while (ps->pos < ps->len) {
        char c = ps->p[ps->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        ps->pos++;
    }
}

/* Next byte, or -1 at the end of the text. */
static int peek(const parser *ps)
{
    return ps->pos < ps->len ? (unsigned char)ps->p[ps->pos] : -1;
}

/* A new token of type t starting here; its index, or JSONREAD_NONE. */
static size_t push(parser *ps, jsonread_type t)
{
    jsonread_doc *d = ps->d;
    jsonread_tok *k;

    if (d->ntoks >= ps->max) {
        fail(ps, JSONREAD_ERR_LIMIT);
        return JSONREAD_NONE;
    }
    if (d->ntoks == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : MIN_TOKS;
        if (cap > ps->max)
            cap = ps->max;
        k = realloc(d->toks, cap * sizeof *k);
        if (k == NULL) {
            fail(ps, JSONREAD_ERR_NOMEM);
            return JSONREAD_NONE;
        }
        d->toks = k;
        d->cap = cap;
    }
    k = &d->toks[d->ntoks];
    k->type = t;
    k->start = ps->pos;
    k->len = 0;
    k->next = d->ntoks + 1;
    k->count = 0;
    return d->ntoks++;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Four hex digits at s (which has at least 4 bytes), or -1. */
static long hex4(const char *s)
{
    long v = 0;
    int i, h;

    for (i = 0; i < 4; i++) {
        h = hexval((unsigned char)s[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* ps->pos is on the opening quote. */
static int string(parser *ps)
{
    size_t t = push(ps, JSONREAD_STRING), start;

    if (t == JSONREAD_NONE)
        return -1;
    start = ++ps->pos;
    for (;;) {
        int c = peek(ps);
        long u;

        if (c < 0x20) /* also the end of input (-1) */
            return fail(ps, JSONREAD_ERR_SYNTAX);
        if (c == '"')
            break;
        if (c != '\\') {
            ps->pos++;
            continue;
        }
        ps->pos++;
        c = peek(ps);
        if (c < 0 || strchr("\"\\/bfnrtu", c) == NULL || c == 0)
            return fail(ps, JSONREAD_ERR_SYNTAX);
        ps->pos++;
        if (c != 'u')
            continue;
        if (ps->len - ps->pos < 4 || (u = hex4(ps->p + ps->pos)) < 0)
            return fail(ps, JSONREAD_ERR_SYNTAX);
        ps->pos += 4;
        if (u >= 0xDC00 && u <= 0xDFFF) /* a lone low surrogate */
            return fail(ps, JSONREAD_ERR_SYNTAX);
        if (u >= 0xD800 && u <= 0xDBFF) { /* must pair with a low one */
            if (ps->len - ps->pos < 6 || ps->p[ps->pos] != '\\' ||
                ps->p[ps->pos + 1] != 'u' ||
                (u = hex4(ps->p + ps->pos + 2)) < 0xDC00 || u > 0xDFFF)
                return fail(ps, JSONREAD_ERR_SYNTAX);
            ps->pos += 6;
        }
    }
    ps->d->toks[t].start = start;
    ps->d->toks[t].len = ps->pos - start;
    ps->pos++; /* the closing quote */
    return 0;
}

static int digits(parser *ps)
{
    size_t from = ps->pos;

    while (peek(ps) >= '0' && peek(ps) <= '9')
        ps->pos++;
    return ps->pos > from ? 0 : -1;
}

static int number(parser *ps)
{
    size_t t = push(ps, JSONREAD_NUMBER);

    if (t == JSONREAD_NONE)
        return -1;
    if (peek(ps) == '-')
        ps->pos++;
    if (peek(ps) == '0')
        ps->pos++; /* no leading zeros: "01" ends at "0" and fails later */
    else if (digits(ps) != 0)
        return fail(ps, JSONREAD_ERR_SYNTAX);
    if (peek(ps) == '.') {
        ps->pos++;
        if (digits(ps) != 0)
            return fail(ps, JSONREAD_ERR_SYNTAX);
    }
    if (peek(ps) == 'e' || peek(ps) == 'E') {
        ps->pos++;
        if (peek(ps) == '+' || peek(ps) == '-')
            ps->pos++;
        if (digits(ps) != 0)
            return fail(ps, JSONREAD_ERR_SYNTAX);
    }
    ps->d->toks[t].len = ps->pos - ps->d->toks[t].start;
    return 0;
}

static int literal(parser *ps, const char *word, jsonread_type type)
{
    size_t n = strlen(word), t;

    if (ps->len - ps->pos < n || memcmp(ps->p + ps->pos, word, n) != 0)
        return fail(ps, JSONREAD_ERR_SYNTAX);
    t = push(ps, type);
    if (t == JSONREAD_NONE)
        return -1;
    ps->pos += n;
    ps->d->toks[t].len = n;
    return 0;
}

static int value(parser *ps, int depth);

/* An array or an object; ps->pos is on its opening bracket. */
static int container(parser *ps, int depth, int is_obj)
{
    size_t t = push(ps, is_obj ? JSONREAD_OBJECT : JSONREAD_ARRAY), count = 0;
    char close = is_obj ? '}' : ']';

    if (t == JSONREAD_NONE)
        return -1;
    if (depth >= JSONREAD_MAX_DEPTH)
        return fail(ps, JSONREAD_ERR_DEPTH);
    ps->pos++;
    skip_ws(ps);
    if (peek(ps) == close) {
        ps->pos++;
    } else {
        for (;;) {
            skip_ws(ps);
            if (is_obj) {
                if (peek(ps) != '"' || string(ps) != 0)
                    return fail(ps, JSONREAD_ERR_SYNTAX);
                skip_ws(ps);
                if (peek(ps) != ':')
                    return fail(ps, JSONREAD_ERR_SYNTAX);
                ps->pos++;
            }
            if (value(ps, depth + 1) != 0)
                return -1;
            count++;
            skip_ws(ps);
            if (peek(ps) == ',') {
                ps->pos++;
                continue;
            }
            if (peek(ps) != close)
                return fail(ps, JSONREAD_ERR_SYNTAX);
            ps->pos++;
            break;
        }
    }
    ps->d->toks[t].count = count;
    ps->d->toks[t].next = ps->d->ntoks;
    ps->d->toks[t].len = ps->pos - ps->d->toks[t].start;
    return 0;
}

static int value(parser *ps, int depth)
{
    int c;

    skip_ws(ps);
    c = peek(ps);
    switch (c) {
    case '{':
        return container(ps, depth, 1);
    case '[':
        return container(ps, depth, 0);
    case '"':
        return string(ps);
    case 't':
        return literal(ps, "true", JSONREAD_TRUE);
    case 'f':
        return literal(ps, "false", JSONREAD_FALSE);
    case 'n':
        return literal(ps, "null", JSONREAD_NULL);
    default:
        if (c == '-' || (c >= '0' && c <= '9'))
            return number(ps);
        return fail(ps, JSONREAD_ERR_SYNTAX);
    }
}

jsonread_status jsonread_parse(jsonread_doc *d, const char *text, size_t len,
                               size_t max_tokens)
{
    parser ps = {text ? text : "", len, 0, d, max_tokens, JSONREAD_OK};

    d->text = ps.p;
    d->toks = NULL;
    d->ntoks = d->cap = 0;
    d->err_pos = 0;
    if (value(&ps, 0) == 0) {
        skip_ws(&ps);
        if (ps.pos != len)
            fail(&ps, JSONREAD_ERR_SYNTAX); /* something after the value */
    }
    if (ps.st != JSONREAD_OK) {
        free(d->toks);
        d->toks = NULL;
        d->ntoks = d->cap = 0;
    }
    return ps.st;
}

void jsonread_free(jsonread_doc *d)
{
    if (d == NULL)
        return;
    free(d->toks);
    d->toks = NULL;
    d->ntoks = d->cap = 0;
}

jsonread_type jsonread_typeof(const jsonread_doc *d, size_t i)
{
    return d->toks[i].type;
}

size_t jsonread_first(const jsonread_doc *d, size_t parent)
{
    if (parent >= d->ntoks || d->toks[parent].count == 0)
        return JSONREAD_NONE;
    return parent + 1;
}

size_t jsonread_next(const jsonread_doc *d, size_t parent, size_t i)
{
    size_t n;

    if (parent >= d->ntoks || i >= d->ntoks)
        return JSONREAD_NONE;
    n = d->toks[i].next;
    return n < d->toks[parent].next ? n : JSONREAD_NONE;
}

size_t jsonread_at(const jsonread_doc *d, size_t arr, size_t n)
{
    size_t i;

    if (arr >= d->ntoks || d->toks[arr].type != JSONREAD_ARRAY ||
        n >= d->toks[arr].count)
        return JSONREAD_NONE;
    for (i = arr + 1; n > 0; n--)
        i = d->toks[i].next;
    return i;
}

/* Decode one character of a validated string body s[*i..end) into out:
 * returns its byte count (1 to 4) and advances *i. */
static size_t decode_one(const char *s, size_t *i, char out[4])
{
    unsigned long u;
    char c = s[*i];

    if (c != '\\') {
        out[0] = c;
        (*i)++;
        return 1;
    }
    c = s[*i + 1];
    *i += 2;
    switch (c) {
    case 'b':
        out[0] = '\b';
        return 1;
    case 'f':
        out[0] = '\f';
        return 1;
    case 'n':
        out[0] = '\n';
        return 1;
    case 'r':
        out[0] = '\r';
        return 1;
    case 't':
        out[0] = '\t';
        return 1;
    case 'u':
        break;
    default: /* '"', '\\', '/' */
        out[0] = c;
        return 1;
    }
    u = (unsigned long)hex4(s + *i);
    *i += 4;
    if (u >= 0xD800 && u <= 0xDBFF) { /* paired: checked by string() */
        unsigned long lo = (unsigned long)hex4(s + *i + 2);
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
        *i += 6;
    }
    if (u < 0x80) {
        out[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        out[0] = (char)(0xC0 | (u >> 6));
        out[1] = (char)(0x80 | (u & 0x3F));
        return 2;
    }
    if (u < 0x10000) {
        out[0] = (char)(0xE0 | (u >> 12));
        out[1] = (char)(0x80 | ((u >> 6) & 0x3F));
        out[2] = (char)(0x80 | (u & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (u >> 18));
    out[1] = (char)(0x80 | ((u >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((u >> 6) & 0x3F));
    out[3] = (char)(0x80 | (u & 0x3F));
    return 4;
}

/* String token t equals the C string key once decoded. */
static int key_equal(const jsonread_doc *d, const jsonread_tok *t,
                     const char *key)
{
    const char *s = d->text + t->start;
    size_t i = 0, k = 0, n;
    char u[4];

    if (memchr(s, '\\', t->len) == NULL)
        return strlen(key) == t->len && memcmp(s, key, t->len) == 0;
    while (i < t->len) {
        n = decode_one(s, &i, u);
        if (strncmp(key + k, u, n) != 0 || memchr(u, '\0', n) != NULL)
            return 0;
        k += n;
    }
    return key[k] == '\0';
}

size_t jsonread_get(const jsonread_doc *d, size_t obj, const char *key)
{
    size_t i;

    if (obj >= d->ntoks || d->toks[obj].type != JSONREAD_OBJECT)
        return JSONREAD_NONE;
    /* Children alternate key and value; a key is a string, so its
     * value is the next token, and the value's subtree ends at next. */
    for (i = obj + 1; i < d->toks[obj].next; i = d->toks[i + 1].next)
        if (key_equal(d, &d->toks[i], key))
            return i + 1;
    return JSONREAD_NONE;
}

jsonread_status jsonread_string(const jsonread_doc *d, size_t i, buf_t *out)
{
    const jsonread_tok *t;
    const char *s;
    size_t k = 0, n, start = out->len;
    char u[4];

    if (i >= d->ntoks || d->toks[i].type != JSONREAD_STRING)
        return JSONREAD_ERR_TYPE;
    t = &d->toks[i];
    s = d->text + t->start;
    if (buf_reserve(out, t->len) != BUF_OK) /* decoding never grows */
        return JSONREAD_ERR_LIMIT;
    while (k < t->len) {
        n = decode_one(s, &k, u);
        if (buf_append(out, u, n) != BUF_OK) {
            buf_truncate(out, start);
            return JSONREAD_ERR_LIMIT;
        }
    }
    return JSONREAD_OK;
}

jsonread_status jsonread_number(const jsonread_doc *d, size_t i, double *out)
{
    const char *s, *end;
    uint64_t m = 0;
    long exp10 = 0, e = 0;
    int neg = 0, eneg = 0, ndig = 0;

    *out = 0;
    if (i >= d->ntoks || d->toks[i].type != JSONREAD_NUMBER)
        return JSONREAD_ERR_TYPE;
    s = d->text + d->toks[i].start;
    end = s + d->toks[i].len;
    /* The grammar was checked: digits are gathered by hand so that the
     * result does not depend on LC_NUMERIC as strtod's does. Past 19
     * significant digits the rest only scales the value. */
    if (*s == '-')
        neg = 1, s++;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        if (ndig < 19) {
            m = m * 10 + (uint64_t)(*s - '0');
            ndig += m > 0;
        } else {
            exp10++;
        }
    }
    if (s < end && *s == '.')
        for (s++; s < end && *s >= '0' && *s <= '9'; s++)
            if (ndig < 19) {
                m = m * 10 + (uint64_t)(*s - '0');
                ndig += m > 0;
                exp10--;
            }
    if (s < end && (*s == 'e' || *s == 'E')) {
        s++;
        if (*s == '-' || *s == '+')
            eneg = *s++ == '-';
        for (; s < end; s++)
            if (e < 100000)
                e = e * 10 + (*s - '0');
    }
    exp10 += eneg ? -e : e;
    if (m == 0)
        *out = 0;
    else if (exp10 < 0)
        *out = (double)m / pow(10, (double)-exp10);
    else
        *out = (double)m * pow(10, (double)exp10);
    if (neg)
        *out = -*out;
    return JSONREAD_OK;
}

jsonread_status jsonread_bool(const jsonread_doc *d, size_t i, int *out)
{
    *out = 0;
    if (i >= d->ntoks)
        return JSONREAD_ERR_TYPE;
    if (d->toks[i].type == JSONREAD_TRUE)
        *out = 1;
    else if (d->toks[i].type != JSONREAD_FALSE)
        return JSONREAD_ERR_TYPE;
    return JSONREAD_OK;
}

const char *jsonread_strerror(jsonread_status st)
{
    switch (st) {
    case JSONREAD_OK:
        return "success";
    case JSONREAD_ERR_SYNTAX:
        return "not valid JSON";
    case JSONREAD_ERR_DEPTH:
        return "JSON nested too deep";
    case JSONREAD_ERR_LIMIT:
        return "JSON too large";
    case JSONREAD_ERR_NOMEM:
        return "out of memory";
    case JSONREAD_ERR_TYPE:
        return "JSON value of another type";
    }
    return "unknown JSON error";
}
