/* proto: the line protocol's framer (bytes -> lines) and request parser
 * (line -> verb, options, argument); zero copy and incremental. */
#include "server/proto.h"

#include <string.h>

#include "server/verbs.h"

/* ---- Framer ---- */

void proto_framer_init(proto_framer *f)
{
    f->len = 0;
    f->discard = 0;
}

size_t proto_framer_pending(const proto_framer *f)
{
    return f->len;
}

/* The partial line p[0..n) (no "\n" in it) was just received: can the
 * line it belongs to still fit? f->buf may end in a "\r" only if its "\n"
 * comes next, which is why it has one byte more than PROTO_MAX_LINE. */
static int partial_fits(const proto_framer *f, const char *p, size_t n)
{
    size_t room = sizeof f->buf - f->len;

    return n < room || (n == room && p[n - 1] == '\r');
}

size_t proto_feed(proto_framer *f, const char *data, size_t len,
                  proto_line_fn cb, void *ctx)
{
    size_t pos = 0;

    while (pos < len) {
        const char *p = data + pos, *nl, *line;
        size_t n = len - pos, seg, ll;
        int rc;

        /* Only the new bytes are scanned: what f->buf holds has no "\n". */
        nl = memchr(p, '\n', n);
        seg = nl ? (size_t)(nl - p) : n; /* bytes before the "\n" */
        if (f->discard) {
            if (nl == NULL)
                return len; /* still inside the too-long line: drop */
            f->discard = 0;
            pos += seg + 1;
            continue;
        }
        if (nl == NULL) {
            if (partial_fits(f, p, n)) {
                memcpy(f->buf + f->len, p, n);
                f->len += n;
            } else {
                /* All the rest of data is dropped: a pause changes
                 * nothing, so the callback's answer is not needed. */
                f->len = 0;
                f->discard = 1;
                cb(ctx, PROTO_EV_TOO_LONG, NULL, 0);
            }
            return len;
        }
        pos += seg + 1;
        if (f->len == 0) { /* arrived whole: no copy */
            line = p;
            ll = seg;
        } else if (seg <= sizeof f->buf - f->len) {
            memcpy(f->buf + f->len, p, seg);
            line = f->buf;
            ll = f->len + seg;
        } else {
            line = NULL; /* too long, and must not be copied */
            ll = 0;
        }
        f->len = 0;
        if (ll > 0 && line[ll - 1] == '\r')
            ll--;
        if (line == NULL || ll > PROTO_MAX_LINE)
            rc = cb(ctx, PROTO_EV_TOO_LONG, NULL, 0);
        else
            rc = cb(ctx, PROTO_EV_LINE, line, ll);
        if (rc == PROTO_PAUSE)
            return pos;
    }
    return len;
}

/* ---- Parser ---- */

static int is_ws(char c)
{
    return c == ' ' || c == '\t';
}

/* ASCII only: tolower() would follow the locale (Turkish dotless i). */
static char lower(char c)
{
    if (c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    return c;
}

int proto_eq_nocase(const char *s, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (name[i] == '\0' || lower(s[i]) != lower(name[i]))
            return 0;
    return name[n] == '\0';
}

static int eq_nocase2(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i;

    if (an != bn)
        return 0;
    for (i = 0; i < an; i++)
        if (lower(a[i]) != lower(b[i]))
            return 0;
    return 1;
}

static int is_key(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char c = lower(s[i]);
        if (!(c >= 'a' && c <= 'z') && c != '_')
            return 0;
    }
    return n > 0;
}

/* Set req->arg to p[0..end) without surrounding whitespace. */
static void set_arg(proto_request *req, const char *p, const char *end)
{
    while (p < end && is_ws(*p))
        p++;
    while (end > p && is_ws(end[-1]))
        end--;
    req->arg = p;
    req->arg_len = (size_t)(end - p);
}

static int key_allowed(const verb_def *d, const proto_opt *o)
{
    if (d->opts == NULL)
        return 0;
    for (size_t i = 0; i < d->nopts; i++)
        if (proto_eq_nocase(o->key, o->key_len, d->opts[i].name))
            return 1;
    return 0;
}

proto_status proto_parse(const char *line, size_t len, proto_request *req)
{
    const char *p = line ? line : "", *end = p + len, *w, *eq;
    const verb_def *d;
    size_t i, j;

    memset(req, 0, sizeof *req);
    while (p < end && is_ws(*p))
        p++;
    w = p;
    while (p < end && !is_ws(*p))
        p++;
    req->verb_text = w;
    req->verb_len = (size_t)(p - w);
    if (req->verb_len == 0) {
        req->verb = PROTO_V_EMPTY;
        req->arg = p;
        return PROTO_OK;
    }
    d = verbs_find(w, req->verb_len);
    if (d == NULL) {
        req->verb = PROTO_V_UNKNOWN;
        set_arg(req, p, end);
        return PROTO_ERR_VERB;
    }
    req->verb = d->verb;
    while (d->opts != NULL) { /* options, for the verbs that have some */
        while (p < end && is_ws(*p))
            p++;
        w = p;
        while (p < end && !is_ws(*p))
            p++;
        if (p - w == 2 && w[0] == '-' && w[1] == '-') {
            /* "--" ends the options: what follows is the argument even if
             * it looks like key=value (a visitor's text, as proxies send) */
            while (p < end && is_ws(*p))
                p++;
            break;
        }
        eq = memchr(w, '=', (size_t)(p - w));
        if (eq == NULL || !is_key(w, (size_t)(eq - w))) {
            p = w; /* first word of the argument */
            break;
        }
        if (req->nopts == PROTO_MAX_OPTS) {
            req->bad = w;
            req->bad_len = (size_t)(eq - w);
            set_arg(req, w, end);
            return PROTO_ERR_OPT_MANY;
        }
        req->opts[req->nopts++] =
            (proto_opt){w, (size_t)(eq - w), eq + 1, (size_t)(p - eq - 1)};
    }
    set_arg(req, p, end);
    for (i = 0; i < req->nopts; i++) {
        const proto_opt *o = &req->opts[i];
        proto_status st = PROTO_OK;

        if (!key_allowed(d, o))
            st = PROTO_ERR_OPT_UNKNOWN;
        for (j = 0; j < i && st == PROTO_OK; j++)
            if (eq_nocase2(o->key, o->key_len, req->opts[j].key,
                           req->opts[j].key_len))
                st = PROTO_ERR_OPT_DUP;
        if (st != PROTO_OK) {
            req->bad = o->key;
            req->bad_len = o->key_len;
            return st;
        }
    }
    return PROTO_OK;
}

proto_status proto_opt_uint(const proto_request *req, const char *key,
                            uint64_t def, uint64_t min, uint64_t max,
                            uint64_t *out)
{
    const proto_opt *o = NULL;
    size_t i;

    *out = 0;
    for (i = 0; i < req->nopts && o == NULL; i++)
        if (proto_eq_nocase(req->opts[i].key, req->opts[i].key_len, key))
            o = &req->opts[i];
    if (o == NULL) {
        *out = def;
        return PROTO_OK;
    }
    return proto_uint(o->val, o->val_len, min, max, out);
}

proto_status proto_uint(const char *s, size_t n, uint64_t min, uint64_t max,
                        uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    *out = 0;
    if (n == 0)
        return PROTO_ERR_OPT_VALUE;
    for (i = 0; i < n; i++)           /* garbage first: "9999...9x" is */
        if (s[i] < '0' || s[i] > '9') /* not a number at all */
            return PROTO_ERR_OPT_VALUE;
    for (i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return PROTO_ERR_OPT_RANGE;
        v = v * 10 + d;
    }
    if (v < min || v > max)
        return PROTO_ERR_OPT_RANGE;
    *out = v;
    return PROTO_OK;
}

const char *proto_verb_name(proto_verb v)
{
    const verb_def *d = verbs_of(v);

    if (v == PROTO_V_EMPTY)
        return "";
    return d != NULL ? d->name : "?";
}

const char *proto_strerror(proto_status st)
{
    switch (st) {
    case PROTO_OK:
        return "success";
    case PROTO_ERR_VERB:
        return "unknown command";
    case PROTO_ERR_OPT_UNKNOWN:
        return "unknown option";
    case PROTO_ERR_OPT_DUP:
        return "option given twice";
    case PROTO_ERR_OPT_MANY:
        return "too many options";
    case PROTO_ERR_OPT_VALUE:
        return "option value is not a decimal number";
    case PROTO_ERR_OPT_RANGE:
        return "option value out of range";
    }
    return "unknown protocol error";
}
