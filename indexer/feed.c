/* feed: JSON lines read one at a time (each bounded: a longer one is
 * skipped without being held), parsed by jansson and checked field by
 * field into feed_entry. */
#include "indexer/feed.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "common/json.h"
#include "common/errmsg.h"
#include "common/schema.h"
#include "common/utf8.h"
#include "indexer/docbuild.h"
#include "indexer/extract_int.h" /* extract_date: one rule for dates */

_Static_assert(FEED_MAX_TAGS == DOCBUILD_MAX_TAGS,
               "a feed refuses the tags the indexer would not keep");

/* First size of the line buffer; it doubles up to the line limit. */
#define LINE_START 4096
/* Bytes of a key quoted in a message: enough to recognise a typo. */
#define QUOTE_MAX 64
/* UTF-8 byte order mark, allowed at the start of a feed. */
#define BOM "\xEF\xBB\xBF"
/* Bytes of a message, "line N: " excluded. */
#define MSG_MAX 512

struct feed_reader {
    FILE *f;
    int own;    /* 1: feed_close closes f (feed_open opened it) */
    char *name; /* what read errors call the feed */
    char *line; /* the last line read, its end off: r->line[0..len) */
    size_t cap; /* bytes of line; at most max + 1 */
    size_t max; /* the line limit: FEED_MAX_LINE unless a test lowers it */
    size_t lineno;
    int bom;           /* 1 until the first bytes of the feed are seen */
    feed_status stuck; /* FEED_OK, or what every later call returns */
    char msg[MSG_MAX]; /* the message that goes with stuck */
};

/* The keys of an entry, in the order they are checked. */
enum field {
    F_ID,
    F_DELETED,
    F_TEXT,
    F_HTML,
    F_TITLE,
    F_URL,
    F_LANG,
    F_DATE,
    F_TAGS,
    F_SECTION,
    F_DESCRIPTION,
    NFIELDS
};

static const char *const field_name[NFIELDS] = {
    "id",   "deleted", "text", "html",    "title",      "url",
    "lang", "date",    "tags", "section", "description"};

/* A string jansson holds: s[0..n), NUL-terminated, no NUL inside. */
typedef struct str {
    const char *s;
    size_t n;
} str;

const char *feed_strerror(feed_status st)
{
    switch (st) {
    case FEED_OK:
        return "success";
    case FEED_END:
        return "end of the feed";
    case FEED_BAD:
        return "line refused";
    case FEED_ERR_READ:
        return "cannot read the feed";
    case FEED_ERR_NOMEM:
        return "out of memory";
    case FEED_ERR_ARG:
        return "invalid argument";
    }
    return "unknown error";
}

/* Make s printable in one line: control bytes and bytes that are not
 * well-formed UTF-8 (a path's, a key cut by the buffer's end) become '?'.
 * Messages quote the feed's keys and jansson's quotes of its bytes. */
static void clean(char *s)
{
    size_t n = s ? strlen(s) : 0, i = 0, k, badlen;
    int32_t cp;

    while (i < n) {
        k = utf8_decode((const unsigned char *)s + i, n - i, &cp, &badlen);
        if (k == 0) {
            memset(s + i, '?', badlen);
            i += badlen;
        } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            memset(s + i, '?', k);
            i += k;
        } else {
            i += k;
        }
    }
}

static void say(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    errmsg_vset(err, errlen, fmt, ap);
    va_end(ap);
    if (err != NULL && errlen > 0)
        clean(err);
}

static feed_status bad(const feed_reader *r, char *err, size_t errlen,
                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Refuse the current line: "line N: " and the message. */
static feed_status bad(const feed_reader *r, char *err, size_t errlen,
                       const char *fmt, ...)
{
    char what[MSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    errmsg_vset(what, sizeof what, fmt, ap);
    va_end(ap);
    say(err, errlen, "line %zu: %s", r->lineno, what);
    return FEED_BAD;
}

static feed_status stop(feed_reader *r, feed_status st, char *err,
                        size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The reader cannot go on: st and its message are kept for later calls. */
static feed_status stop(feed_reader *r, feed_status st, char *err,
                        size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    errmsg_vset(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    clean(r->msg);
    r->stuck = st;
    errmsg_set(err, errlen, "%s", r->msg);
    return st;
}

feed_status feed_open_file(FILE *f, const char *name, feed_reader **out,
                           char *err, size_t errlen)
{
    feed_reader *r = NULL;

    if (out != NULL)
        *out = NULL;
    if (f == NULL || name == NULL || out == NULL) {
        say(err, errlen, "feed_open_file: NULL argument");
        return FEED_ERR_ARG;
    }
    r = calloc(1, sizeof *r);
    if (r == NULL)
        goto nomem;
    r->max = FEED_MAX_LINE;
    r->cap = LINE_START;
    r->name = strdup(name);
    r->line = malloc(r->cap);
    if (r->name == NULL || r->line == NULL)
        goto nomem;
    r->f = f;
    r->bom = 1;
    *out = r;
    return FEED_OK;
nomem:
    feed_close(r); /* r->f is still NULL: f stays open */
    say(err, errlen, "out of memory");
    return FEED_ERR_NOMEM;
}

feed_status feed_open(const char *path, feed_reader **out, char *err,
                      size_t errlen)
{
    struct stat sb;
    feed_status st;
    FILE *f;

    if (out != NULL)
        *out = NULL;
    if (path == NULL || out == NULL) {
        say(err, errlen, "feed_open: NULL argument");
        return FEED_ERR_ARG;
    }
    if (strcmp(path, "-") == 0)
        return feed_open_file(stdin, "standard input", out, err, errlen);
    f = fopen(path, "re");
    if (f == NULL) {
        say(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return FEED_ERR_READ;
    }
    /* fopen opens a folder for reading; its first read would fail with a
     * less clear message */
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        fclose(f);
        say(err, errlen, "cannot read %s: it is a folder", path);
        return FEED_ERR_READ;
    }
    st = feed_open_file(f, path, out, err, errlen);
    if (st != FEED_OK) {
        fclose(f);
        return st;
    }
    (*out)->own = 1;
    return FEED_OK;
}

void feed_set_max_line(feed_reader *r, size_t max)
{
    if (r != NULL && max >= 1 && max <= FEED_MAX_LINE)
        r->max = max;
}

size_t feed_line(const feed_reader *r)
{
    return r != NULL ? r->lineno : 0;
}

void feed_close(feed_reader *r)
{
    if (r == NULL)
        return;
    if (r->own && r->f != NULL)
        fclose(r->f);
    free(r->name);
    free(r->line);
    free(r);
}

void feed_entry_free(feed_entry *e)
{
    if (e == NULL)
        return;
    free(e->id);
    free(e->title);
    free(e->url);
    free(e->body);
    free(e->lang);
    free(e->tags);
    free(e->section);
    free(e->description);
    memset(e, 0, sizeof *e);
}

/* Read the next line into r->line[0..*len), its "\n" or "\r\n" off.
 * FEED_OK: a line, *too_long set when it passed the limit (then only its
 * start is kept, the rest is read and dropped); FEED_END: nothing is left;
 * FEED_ERR_READ, FEED_ERR_NOMEM (said). */
static feed_status read_line(feed_reader *r, size_t *len, int *too_long,
                             char *err, size_t errlen)
{
    /* one byte more than the limit: the CR of a CRLF is only known to be
     * one when the \n comes */
    size_t n = 0, keep = r->max + 1;
    int c, any = 0;

    *too_long = 0;
    while ((c = getc_unlocked(r->f)) != EOF) {
        any = 1;
        if (c == '\n')
            break;
        if (n >= keep) {
            *too_long = 1;
            continue;
        }
        if (n == r->cap) { /* then cap < keep: it grows */
            size_t cap = r->cap > 0 ? r->cap * 2 : LINE_START;
            if (cap > keep)
                cap = keep;
            char *p = realloc(r->line, cap);
            if (p == NULL)
                return stop(r, FEED_ERR_NOMEM, err, errlen,
                            "out of memory (line %zu)", r->lineno + 1);
            r->line = p;
            r->cap = cap;
        }
        r->line[n++] = (char)c;
        if (r->bom && n == 3) {
            r->bom = 0;
            if (memcmp(r->line, BOM, 3) == 0)
                n = 0;
        }
    }
    if (ferror(r->f))
        return stop(r, FEED_ERR_READ, err, errlen,
                    "cannot read %s (line %zu): %s", r->name, r->lineno + 1,
                    strerror(errno));
    r->bom = 0;
    if (!any)
        return FEED_END;
    r->lineno++;
    if (!*too_long && n > 0 && r->line[n - 1] == '\r')
        n--;
    if (n > r->max)
        *too_long = 1;
    *len = n;
    return FEED_OK;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* A type error on key name: null gets its own hint, since a producer's
 * "no value" is more often null than a missing key. */
static feed_status wrong_type(const feed_reader *r, const char *name,
                              const json_t *v, const char *what, char *err,
                              size_t errlen)
{
    if (json_is_null(v))
        return bad(r, err, errlen,
                   "%s: must be %s, not null (leave the key out instead)", name,
                   what);
    return bad(r, err, errlen, "%s: must be %s", name, what);
}

/* v as a string into *out, or FEED_BAD naming name (*out is "" then). */
static feed_status want_string(const feed_reader *r, const char *name,
                               const json_t *v, str *out, char *err,
                               size_t errlen)
{
    out->s = "";
    out->n = 0;
    if (!json_is_string(v))
        return wrong_type(r, name, v, "a string", err, errlen);
    out->s = json_string_value(v);
    out->n = json_string_length(v);
    /* jansson passes "\u0000" on (JSON_ALLOW_NUL) so that the message can
     * name the field, rather than its own "\u0000 is not allowed" */
    if (memchr(out->s, '\0', out->n) != NULL)
        return bad(r, err, errlen, "%s: must not hold NUL (\\u0000)", name);
    /* jansson decodes only well-formed UTF-8; checked again because every
     * string of an entry promises it */
    if (!utf8_valid((const unsigned char *)out->s, out->n))
        return bad(r, err, errlen, "%s: must be valid UTF-8", name);
    return FEED_OK;
}

/* 1 when s[0..n) (valid UTF-8) holds a C0 or C1 control or DEL. */
static int has_control(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;

    for (size_t i = 0; i < n; i++) {
        if (u[i] < 0x20 || u[i] == 0x7F)
            return 1;
        /* U+0080-U+009F are C2 80 to C2 9F */
        if (u[i] == 0xC2 && i + 1 < n && u[i + 1] <= 0x9F)
            return 1;
    }
    return 0;
}

/* key[0..n) quoted in a message: cut at QUOTE_MAX bytes ("..." added),
 * NULs as '?' (say cleans the rest). */
static void quote_key(const char *key, size_t n, char *q, size_t qlen)
{
    size_t k = n <= QUOTE_MAX ? n : QUOTE_MAX;

    if (k > qlen - 4)
        k = qlen - 4;
    for (size_t i = 0; i < k; i++) {
        q[i] = key[i];
        if (q[i] == '\0')
            q[i] = '?';
    }
    strcpy(q + k, k < n ? "..." : "");
}

/* *dst = a malloc'd copy of s; 0, or -1 when out of memory. */
static int dup_str(str s, char **dst, size_t *dlen)
{
    *dst = malloc(s.n + 1);
    if (*dst == NULL)
        return -1;
    if (s.n > 0)
        memcpy(*dst, s.s, s.n);
    (*dst)[s.n] = '\0';
    *dlen = s.n;
    return 0;
}

/* The hash of e's content: its kind, then each field with its NUL, then
 * the tags with theirs. No field holds a NUL and their number is fixed,
 * so the bytes hashed tell every entry apart (the tags come last, each
 * ended). */
static uint64_t entry_hash(const feed_entry *e)
{
    const char *kind = e->deleted ? "D" : e->html ? "H" : "T";
    uint64_t h = schema_hash(kind, 2);

    if (e->deleted)
        return h;
    h = schema_hash_more(h, e->title, e->title_len + 1);
    h = schema_hash_more(h, e->url, e->url_len + 1);
    h = schema_hash_more(h, e->body, e->body_len + 1);
    h = schema_hash_more(h, e->lang, e->lang_len + 1);
    h = schema_hash_more(h, e->date, strlen(e->date) + 1);
    h = schema_hash_more(h, e->section, e->section_len + 1);
    h = schema_hash_more(h, e->description, e->description_len + 1);
    return schema_hash_more(h, e->tags, e->tags_len);
}

/* The tags array v, checked, into e->tags (malloc'd). */
static feed_status take_tags(const feed_reader *r, const json_t *v,
                             feed_entry *e, char *err, size_t errlen)
{
    size_t n = 0, len = 0, i;
    char name[32];
    str t;
    feed_status st;

    if (v != NULL && !json_is_array(v))
        return wrong_type(r, "tags", v, "an array of strings", err, errlen);
    if (v != NULL)
        n = json_array_size(v);
    if (n > FEED_MAX_TAGS)
        return bad(r, err, errlen, "tags: %zu of them, at most %d allowed", n,
                   FEED_MAX_TAGS);
    for (i = 0; i < n; i++) {
        snprintf(name, sizeof name, "tags[%zu]", i);
        st = want_string(r, name, json_array_get(v, i), &t, err, errlen);
        if (st != FEED_OK)
            return st;
        if (t.n == 0)
            return bad(r, err, errlen, "%s: must not be empty", name);
        len += t.n + 1;
    }
    e->tags = malloc(len + 1);
    if (e->tags == NULL)
        return FEED_ERR_NOMEM;
    for (i = 0; i < n; i++) {
        const json_t *x = json_array_get(v, i);
        memcpy(e->tags + e->tags_len, json_string_value(x),
               json_string_length(x) + 1);
        e->tags_len += json_string_length(x) + 1;
    }
    e->tags[len] = '\0';
    e->ntags = n;
    return FEED_OK;
}

/* Check the parsed line root (an object) and fill e. */
static feed_status take_entry(const feed_reader *r, json_t *root, feed_entry *e,
                              char *err, size_t errlen)
{
    json_t *f[NFIELDS] = {0}, *v;
    str s[NFIELDS] = {{"", 0}};
    const char *key;
    char q[QUOTE_MAX + 4];
    size_t klen;
    feed_status st;
    int k;

    json_object_keylen_foreach(root, key, klen, v)
    {
        for (k = 0; k < NFIELDS; k++)
            if (strlen(field_name[k]) == klen &&
                memcmp(field_name[k], key, klen) == 0)
                break;
        if (k == NFIELDS) {
            quote_key(key, klen, q, sizeof q);
            return bad(r, err, errlen,
                       "unknown key \"%s\" (an entry has id, text or html, "
                       "title, url, lang, date, tags, section and "
                       "description; a deletion id and deleted)",
                       q);
        }
        f[k] = v;
    }

    if (f[F_ID] == NULL)
        return bad(r, err, errlen, "id: missing (a non-empty string)");
    if ((st = want_string(r, "id", f[F_ID], &s[F_ID], err, errlen)) != FEED_OK)
        return st;
    if (s[F_ID].n == 0)
        return bad(r, err, errlen, "id: must not be empty");
    if (s[F_ID].n > FEED_MAX_ID)
        return bad(r, err, errlen, "id: longer than %d bytes", FEED_MAX_ID);
    if (has_control(s[F_ID].s, s[F_ID].n))
        return bad(r, err, errlen, "id: must not hold control characters");

    if (f[F_DELETED] != NULL && !json_is_boolean(f[F_DELETED]))
        return wrong_type(r, "deleted", f[F_DELETED], "true or false", err,
                          errlen);
    e->deleted = json_is_true(f[F_DELETED]);
    if (e->deleted) {
        for (k = F_DELETED + 1; k < NFIELDS; k++)
            if (f[k] != NULL)
                return bad(r, err, errlen,
                           "%s: not allowed in a deletion (\"deleted\": "
                           "true takes only \"id\")",
                           field_name[k]);
    } else {
        if (f[F_TEXT] != NULL && f[F_HTML] != NULL)
            return bad(r, err, errlen,
                       "text, html: one of them only, not both");
        if (f[F_TEXT] == NULL && f[F_HTML] == NULL)
            return bad(r, err, errlen,
                       "text or html: one of them is required (or "
                       "\"deleted\": true)");
        for (k = F_TEXT; k < NFIELDS; k++) {
            if (k == F_TAGS || f[k] == NULL)
                continue;
            st = want_string(r, field_name[k], f[k], &s[k], err, errlen);
            if (st != FEED_OK)
                return st;
        }
        if (s[F_DATE].n > 0 && !extract_date(s[F_DATE].s, s[F_DATE].n, e->date))
            return bad(r, err, errlen,
                       "date: must be a calendar date YYYY-MM-DD, alone or "
                       "with a time after T or a space");
        if ((st = take_tags(r, f[F_TAGS], e, err, errlen)) != FEED_OK)
            return st;
        e->html = f[F_HTML] != NULL;
    }

    if (e->tags == NULL && (e->tags = calloc(1, 1)) == NULL)
        return FEED_ERR_NOMEM;
    if (dup_str(s[F_ID], &e->id, &e->id_len) != 0 ||
        dup_str(s[F_TITLE], &e->title, &e->title_len) != 0 ||
        dup_str(s[F_URL], &e->url, &e->url_len) != 0 ||
        dup_str(e->html ? s[F_HTML] : s[F_TEXT], &e->body, &e->body_len) != 0 ||
        dup_str(s[F_LANG], &e->lang, &e->lang_len) != 0 ||
        dup_str(s[F_SECTION], &e->section, &e->section_len) != 0 ||
        dup_str(s[F_DESCRIPTION], &e->description, &e->description_len) != 0)
        return FEED_ERR_NOMEM;
    e->line = r->lineno;
    e->hash = entry_hash(e);
    return FEED_OK;
}

/* Parse line s[0..n) into e. */
static feed_status parse_line(feed_reader *r, const char *s, size_t n,
                              feed_entry *e, char *err, size_t errlen)
{
    /* A key twice could be read two ways: refused. Without JSON_DECODE_ANY
     * jansson takes only an object or an array. NUL is let through to
     * be refused by want_string with the field's name. */
    const size_t flags = JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL;
    json_error_t je;
    json_t *root = NULL;
    feed_status st;

    if (json_count_values(s, n, FEED_MAX_VALUES) > FEED_MAX_VALUES)
        return bad(r, err, errlen,
                   "more than %d keys and values: not a feed entry",
                   FEED_MAX_VALUES);
    root = json_loadb(s, n, flags, &je);
    if (root == NULL) {
        if (json_error_code(&je) == json_error_out_of_memory)
            return stop(r, FEED_ERR_NOMEM, err, errlen,
                        "out of memory (line %zu)", r->lineno);
        return bad(r, err, errlen, "not valid JSON: %s (at byte %d)", je.text,
                   je.position);
    }
    if (!json_is_object(root)) {
        st = bad(r, err, errlen, "not a JSON object but an array");
        goto done;
    }
    st = take_entry(r, root, e, err, errlen);
    if (st == FEED_ERR_NOMEM)
        st = stop(r, FEED_ERR_NOMEM, err, errlen, "out of memory (line %zu)",
                  r->lineno);
done:
    json_decref(root);
    return st;
}

feed_status feed_next(feed_reader *r, feed_entry *e, char *err, size_t errlen)
{
    size_t len = 0;
    int too_long;
    feed_status st;

    if (e != NULL)
        memset(e, 0, sizeof *e);
    if (r == NULL || e == NULL) {
        say(err, errlen, "feed_next: NULL argument");
        return FEED_ERR_ARG;
    }
    if (r->stuck != FEED_OK) {
        errmsg_set(err, errlen, "%s", r->msg);
        return r->stuck;
    }
    do {
        st = read_line(r, &len, &too_long, err, errlen);
        if (st == FEED_END)
            return stop(r, FEED_END, err, errlen, "end of the feed");
        if (st != FEED_OK)
            return st;
        if (too_long)
            return bad(r, err, errlen, "longer than %zu bytes", r->max);
    } while (is_blank(r->line, len));
    /* feeds joined with cat keep the BOMs of the later ones: say so */
    if (len >= 3 && memcmp(r->line, BOM, 3) == 0)
        return bad(r, err, errlen,
                   "a byte order mark (U+FEFF) is only allowed at the start "
                   "of the feed");
    st = parse_line(r, r->line, len, e, err, errlen);
    if (st != FEED_OK)
        feed_entry_free(e);
    return st;
}
