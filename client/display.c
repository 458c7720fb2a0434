/* display: cglu-search's readable output of the daemon's answers. */
#include "client/display.h"

#include <string.h>

/* Longest error code printed: the daemon's are short words. */
#define CODE_MAX 63

void display_clean(FILE *f, const char *s, size_t n, int keep_nl)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || c == '\t' || c == '\r') {
            putc(keep_nl && c != '\r' ? c : ' ', f);
        } else if (c < 0x20 || c == 0x7F) {
            putc('?', f);
        } else if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
                   (unsigned char)s[i + 1] <= 0x9F) {
            putc('?', f); /* U+0080-U+009F */
            i++;
        } else {
            putc(c, f);
        }
    }
}

/* The entity at s[0..n) ("&amp;"...): its length, and its text in *text;
 * 0 when s starts no entity the daemon writes (search/snip.c). */
static size_t entity(const char *s, size_t n, const char **text)
{
    static const struct {
        const char *name, *text;
    } named[] = {{"&amp;", "&"},   {"&lt;", "<"},  {"&gt;", ">"},
                 {"&quot;", "\""}, {"&#39;", "'"}, {"&apos;", "'"},
                 {"&nbsp;", " "}};
    size_t i;

    for (i = 0; i < sizeof named / sizeof named[0]; i++) {
        size_t len = strlen(named[i].name);
        if (len <= n && memcmp(s, named[i].name, len) == 0) {
            *text = named[i].text;
            return len;
        }
    }
    return 0;
}

void display_html(FILE *f, const char *s, size_t n, int tty)
{
    size_t i = 0, start = 0, el;
    const char *ent;

    while (i < n) {
        if (s[i] == '<' && n - i >= 6 && memcmp(s + i, "<mark>", 6) == 0) {
            display_clean(f, s + start, i - start, 0);
            if (tty)
                fputs("\033[1m", f);
            i += 6;
            start = i;
        } else if (s[i] == '<' && n - i >= 7 &&
                   memcmp(s + i, "</mark>", 7) == 0) {
            display_clean(f, s + start, i - start, 0);
            if (tty)
                fputs("\033[0m", f);
            i += 7;
            start = i;
        } else if (s[i] == '&' && (el = entity(s + i, n - i, &ent)) > 0) {
            display_clean(f, s + start, i - start, 0);
            fputs(ent, f);
            i += el;
            start = i;
        } else {
            i++;
        }
    }
    display_clean(f, s + start, n - start, 0);
    if (tty)
        fputs("\033[0m", f); /* never leave the terminal bold */
}

/* The string member key of obj: 1 with *s and *len, or 0 when absent or
 * not a string. */
static int get_str(const json_t *obj, const char *key, const char **s,
                   size_t *len)
{
    const json_t *v = json_object_get(obj, key);

    if (!json_is_string(v))
        return 0;
    *s = json_string_value(v);
    *len = json_string_length(v);
    return 1;
}

static double get_num(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    return json_is_number(v) ? json_number_value(v) : 0;
}

static void member(FILE *f, const json_t *obj, const char *key,
                   const char *before, const char *after, int html, int tty)
{
    const char *s;
    size_t len;

    if (!get_str(obj, key, &s, &len))
        return;
    fputs(before, f);
    if (html)
        display_html(f, s, len, tty);
    else
        display_clean(f, s, len, 0);
    fputs(after, f);
}

/* Appends one labelled part of a meta line: sep, label, the text. */
static void part(FILE *f, const char **sep, const char *label, const char *s,
                 size_t len)
{
    if (s == NULL || len == 0)
        return;
    fputs(*sep, f);
    fputs(label, f);
    display_clean(f, s, len, 0);
    *sep = "  ";
}

/* What obj (a hit, a DOC answer) says of its page on one line after
 * indent, "2025-01-29  lang: fr  section: about  tags: a, b", each part
 * only when known; nothing at all when none is. */
static void meta_line(FILE *f, const json_t *obj, const char *indent)
{
    answer_meta m;
    const char *sep = "", *tag;
    size_t pos = 0, len;
    int tags;

    answer_meta_read(obj, &m);
    tags = answer_tag_next(&m, &pos, &tag, &len);
    if (!m.date_len && !m.lang_len && !m.section_len && !tags)
        return;
    fputs(indent, f);
    part(f, &sep, "", m.date, m.date_len);
    part(f, &sep, "lang: ", m.lang, m.lang_len);
    part(f, &sep, "section: ", m.section, m.section_len);
    if (tags) {
        fputs(sep, f);
        fputs("tags: ", f);
        display_clean(f, tag, len, 0);
        while (answer_tag_next(&m, &pos, &tag, &len)) {
            fputs(", ", f);
            display_clean(f, tag, len, 0);
        }
    }
    putc('\n', f);
}

/* "name: fr 6, en 3\n" of a count object, "name: (none)\n" when it has
 * no count. */
static void counts_line(FILE *f, const char *name, const json_t *obj)
{
    const char *key, *sep = " ";
    json_int_t n;
    void *it = NULL;

    display_clean(f, name, strlen(name), 0);
    putc(':', f);
    while (answer_count_next(obj, &it, &key, &n)) {
        fputs(sep, f);
        display_clean(f, key, strlen(key), 0);
        fprintf(f, " %" JSON_INTEGER_FORMAT, n);
        sep = ", ";
    }
    if (*sep == ' ')
        fputs(" (none)", f);
    putc('\n', f);
}

/* The "facets" of a SEARCH answer, one line each in the server's order
 * after an empty line; members that are not objects are left out. */
static void facets(FILE *f, const json_t *root)
{
    json_t *all = json_object_get(root, "facets"), *v;
    const char *name;
    int first = 1;

    if (!json_is_object(all))
        return;
    json_object_foreach(all, name, v)
    {
        if (!json_is_object(v))
            continue;
        if (first)
            putc('\n', f);
        first = 0;
        counts_line(f, name, v);
    }
}

void display_search(FILE *f, const answer *a, int tty)
{
    const json_t *root = a->root, *hits = json_object_get(root, "hits"), *h;
    double total = get_num(root, "total"), offset = get_num(root, "offset");
    size_t n = json_is_array(hits) ? json_array_size(hits) : 0, i, len;
    const char *s;

    if (get_str(root, "corrected", &s, &len) && len > 0) {
        fputs("showing results for: \"", f);
        display_clean(f, s, len, 0);
        fputs("\"\n", f);
    }
    /* quoted: a query that ends in "?" must not read "??" */
    if (get_str(root, "suggestion", &s, &len) && len > 0) {
        fputs("did you mean: \"", f);
        display_clean(f, s, len, 0);
        fputs("\"\n", f);
    }
    if (json_is_true(json_object_get(root, "relaxed")))
        fputs("no document holds every word: showing those with some\n", f);
    if (total == 0) {
        fputs("no results\n", f);
        return;
    }
    fprintf(f, "%.0f result%s", total, total == 1 ? "" : "s");
    if (n > 0 && (offset > 0 || (double)n < total))
        fprintf(f, ", %.0f to %.0f shown", offset + 1, offset + (double)n);
    fprintf(f, " (%.1f ms)\n", get_num(root, "took_ms"));
    for (i = 0; i < n; i++) {
        h = json_array_get(hits, i);
        fprintf(f, "\n%3.0f. ", get_num(h, "rank"));
        member(f, h, "title", "", "\n", 0, tty);
        member(f, h, "url", "     ", "\n", 0, tty);
        meta_line(f, h, "     ");
        member(f, h, "snippet", "     ", "\n", 1, tty);
    }
    facets(f, root);
}

void display_suggest(FILE *f, const answer *a)
{
    const json_t *arr = json_object_get(a->root, "suggestions"), *v;
    size_t i, n = json_is_array(arr) ? json_array_size(arr) : 0;

    for (i = 0; i < n; i++) {
        v = json_array_get(arr, i);
        if (!json_is_string(v))
            continue;
        display_clean(f, json_string_value(v), json_string_length(v), 0);
        putc('\n', f);
    }
}

void display_doc(FILE *f, const answer *a)
{
    const char *s;
    size_t len;

    member(f, a->root, "title", "", "\n", 0, 0);
    member(f, a->root, "url", "", "\n", 0, 0);
    meta_line(f, a->root, "");
    if (get_str(a->root, "text", &s, &len)) {
        putc('\n', f);
        display_clean(f, s, len, 1);
        if (len == 0 || s[len - 1] != '\n')
            putc('\n', f);
    }
}

void display_stats(FILE *f, const answer *a)
{
    const char *key;
    json_t *v;
    size_t pos = 0;
    answer_span sp;

    /* jansson keeps members in document order, as the spans come. */
    json_object_foreach(a->root, key, v)
    {
        if (!answer_next_span(a, &pos, &sp))
            break;
        if (strcmp(key, "ok") == 0)
            continue;
        if (strcmp(key, "languages") == 0 && json_is_object(v)) {
            counts_line(f, key, v);
            continue;
        }
        display_clean(f, key, strlen(key), 0);
        fputs(": ", f);
        if (json_is_string(v))
            display_clean(f, json_string_value(v), json_string_length(v), 0);
        else
            display_clean(f, a->text + sp.start, sp.len, 0);
        putc('\n', f);
    }
}

void display_error(FILE *f, const char *prog, const answer *a)
{
    const char *code, *msg;
    size_t code_len, msg_len;

    answer_error(a, &code, &code_len, &msg, &msg_len);
    if (code == NULL) {
        code = "error";
        code_len = 5;
    }
    fprintf(f, "%s: ", prog);
    display_clean(f, code, code_len > CODE_MAX ? CODE_MAX : code_len, 0);
    fputs(": ", f);
    if (msg != NULL)
        display_clean(f, msg, msg_len, 0);
    putc('\n', f);
}
