/* answer: cglu-searchd's answer lines, read with jansson. jansson parses;
 * the scans below only count values before it builds them and find the
 * raw text of values it has accepted. */
#include "client/answer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "common/errmsg.h"

static void seterr(char *err, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* errmsg_set(), then every byte outside printable ASCII becomes '?':
 * jansson quotes the server's bytes. */
static void seterr(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    errmsg_vset(err, n, fmt, ap);
    va_end(ap);
    for (; err != NULL && n > 0 && *err != '\0'; err++)
        if ((unsigned char)*err < 0x20 || (unsigned char)*err >= 0x7F)
            *err = '?';
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n &&
           (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* Index just past the value that starts at s[i], in text jansson has
 * accepted: only strings and nesting need following. */
static size_t skip_value(const char *s, size_t n, size_t i)
{
    size_t depth = 0;

    while (i < n) {
        char c = s[i];
        if (c == '"') {
            i = json_skip_string(s, n, i);
            if (depth == 0)
                return i;
            continue;
        }
        if (c == '[' || c == '{') {
            depth++;
        } else if (c == ']' || c == '}') {
            if (depth == 0) /* the end of a number or literal */
                return i;
            if (--depth == 0)
                return i + 1;
        } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' ||
                                  c == '\n' || c == '\r')) {
            return i;
        }
        i++;
    }
    return n;
}

answer_status answer_parse(answer *a, const char *text, size_t len, char *err,
                           size_t errlen)
{
    /* A key twice could be read two ways: refused. NUL is the server's
     * way of passing a document's NUL bytes on. */
    const size_t flags = JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL;
    json_error_t je;

    a->root = NULL;
    a->text = text != NULL ? text : "";
    a->len = text != NULL ? len : 0;
    if (json_count_values(a->text, a->len, ANSWER_MAX_VALUES) >
        ANSWER_MAX_VALUES) {
        seterr(err, errlen, "more than %d keys and values", ANSWER_MAX_VALUES);
        return ANSWER_ERR_BAD;
    }
    a->root = json_loadb(a->text, a->len, flags, &je);
    if (a->root == NULL && (je.text[0] == '\0' ||
                            json_error_code(&je) == json_error_out_of_memory)) {
        seterr(err, errlen, "out of memory");
        return ANSWER_ERR_NOMEM;
    }
    if (a->root == NULL) {
        seterr(err, errlen, "%s (byte %d)", je.text, je.position);
        return ANSWER_ERR_BAD;
    }
    if (!json_is_object(a->root)) {
        answer_free(a);
        seterr(err, errlen, "not an object");
        return ANSWER_ERR_BAD;
    }
    if (!json_is_true(json_object_get(a->root, "ok")))
        return ANSWER_ERR_SERVER;
    return ANSWER_OK;
}

void answer_free(answer *a)
{
    if (a == NULL)
        return;
    json_decref(a->root);
    a->root = NULL;
}

void answer_error(const answer *a, const char **code, size_t *code_len,
                  const char **msg, size_t *msg_len)
{
    json_t *c = a->root ? json_object_get(a->root, "error") : NULL;
    json_t *m = a->root ? json_object_get(a->root, "message") : NULL;

    *code = json_is_string(c) ? json_string_value(c) : NULL;
    *code_len = json_is_string(c) ? json_string_length(c) : 0;
    *msg = json_is_string(m) ? json_string_value(m) : NULL;
    *msg_len = json_is_string(m) ? json_string_length(m) : 0;
}

int answer_next_span(const answer *a, size_t *pos, answer_span *span)
{
    const char *s = a->text;
    size_t n = a->len, i = *pos;

    if (a->root == NULL)
        return 0;
    if (i == 0) /* before the root's "{" */
        i = skip_ws(s, n, 0) + 1;
    i = skip_ws(s, n, i);
    if (i < n && s[i] == ',')
        i = skip_ws(s, n, i + 1);
    if (i >= n || s[i] != '"') { /* "}": no member left */
        *pos = n;
        return 0;
    }
    i = skip_ws(s, n, json_skip_string(s, n, i)); /* the key, then ":" */
    i = skip_ws(s, n, i + 1);
    span->start = i;
    span->len = skip_value(s, n, i) - i;
    *pos = i + span->len;
    return 1;
}

/* The string member key of obj into *s and *len; NULL and 0 when absent
 * or of another type. */
static void get_str(const json_t *obj, const char *key, const char **s,
                    size_t *len)
{
    const json_t *v = json_object_get(obj, key);

    *s = json_is_string(v) ? json_string_value(v) : NULL;
    *len = json_is_string(v) ? json_string_length(v) : 0;
}

void answer_meta_read(const json_t *obj, answer_meta *m)
{
    const json_t *tags;

    memset(m, 0, sizeof *m);
    if (!json_is_object(obj))
        return;
    get_str(obj, "date", &m->date, &m->date_len);
    get_str(obj, "lang", &m->lang, &m->lang_len);
    get_str(obj, "section", &m->section, &m->section_len);
    tags = json_object_get(obj, "tags");
    m->tags = json_is_array(tags) ? tags : NULL;
}

int answer_tag_next(const answer_meta *m, size_t *pos, const char **s,
                    size_t *len)
{
    size_t n = m->tags != NULL ? json_array_size(m->tags) : 0;

    while (*pos < n) {
        const json_t *v = json_array_get(m->tags, (*pos)++);
        if (json_is_string(v)) {
            *s = json_string_value(v);
            *len = json_string_length(v);
            return 1;
        }
    }
    return 0;
}

int answer_count_next(const json_t *obj, void **iter, const char **key,
                      json_int_t *count)
{
    /* jansson's iterator takes no const, but only reads here */
    json_t *o = (json_t *)obj;

    if (!json_is_object(o))
        return 0;
    *iter =
        *iter == NULL ? json_object_iter(o) : json_object_iter_next(o, *iter);
    for (; *iter != NULL; *iter = json_object_iter_next(o, *iter)) {
        const json_t *v = json_object_iter_value(*iter);
        if (json_is_integer(v) && json_integer_value(v) >= 0) {
            *key = json_object_iter_key(*iter);
            *count = json_integer_value(v);
            return 1;
        }
    }
    return 0;
}

const char *answer_strerror(answer_status st)
{
    switch (st) {
    case ANSWER_OK:
        return "success";
    case ANSWER_ERR_SERVER:
        return "the server answered an error";
    case ANSWER_ERR_BAD:
        return "not a valid answer";
    case ANSWER_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown answer status";
}
