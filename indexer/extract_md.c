/* extract_md: Markdown to the text a reader sees (CommonMark's blocks and
 * inlines, as far as they decide what is text), for the extractor. */
#include "indexer/extract_int.h"

#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h> /* htmlEntityLookup: HTML 4's entities */

#include "common/utf8.h"

/* Look-ahead for a link text, link target, code span or tag: bounding it
 * keeps a line of ten thousand '[' linear instead of quadratic. */
#define MD_SCAN_MAX 1024
#define MD_DEPTH_MAX 8 /* nested link texts ([[[a](b)](c)](d)) */

typedef struct md {
    buf_t *out;
    buf_t *heading;       /* text of the first non-empty heading */
    extract_heads *heads; /* h1-h3 in out (ATX # to ###, setext) */
    char fence;           /* '`' or '~' inside a fenced code block, else 0 */
    size_t fence_len;
    int in_comment;         /* inside <!-- ... --> spanning lines */
    const char *skip_close; /* "</script" or "</style": dropping a block */
    int prev_para;          /* the previous line was paragraph text */
    size_t para_start;      /* offset in out of the current paragraph */
} md;

static const unsigned char md_special[256] = {
    ['\\'] = 1, ['`'] = 1, ['!'] = 1, ['['] = 1, ['<'] = 1,
    ['&'] = 1,  ['*'] = 1, ['_'] = 1, ['~'] = 1, ['|'] = 1};

static int is_apunct(unsigned c)
{
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) ||
           (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
}

static int is_alpha(unsigned c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static int is_digit(unsigned c)
{
    return c >= '0' && c <= '9';
}

static int is_alnum(unsigned c)
{
    return is_alpha(c) || is_digit(c);
}

static size_t min_sz(size_t a, size_t b)
{
    return a < b ? a : b;
}

static void md_inline(md *m, const char *s, size_t n, int depth, int table);

/* Code span at s[i] (a run of backticks): its content verbatim. */
static size_t md_code(buf_t *o, const char *s, size_t n, size_t i)
{
    size_t r = 0, j, q, lim;

    while (i + r < n && s[i + r] == '`')
        r++;
    lim = min_sz(n, i + r + MD_SCAN_MAX);
    for (j = i + r; j < lim;) {
        if (s[j] != '`') {
            j++;
            continue;
        }
        for (q = 0; j + q < n && s[j + q] == '`'; q++)
            ;
        if (q == r) {
            const char *c = s + i + r;
            size_t cl = j - i - r;
            if (cl >= 2 && c[0] == ' ' && c[cl - 1] == ' ') {
                c++;
                cl -= 2;
            }
            buf_append(o, c, cl);
            return j + r;
        }
        j += q;
    }
    buf_append(o, s + i, r);
    return i + r;
}

/* Index of the close that ends a group opened before s[from] (nested
 * open/close pairs and '\' escapes skipped); lim or more when none is
 * before lim. */
static size_t md_close(const char *s, size_t from, size_t lim, char open,
                       char close)
{
    size_t k, nest = 0;

    for (k = from; k < lim; k++) {
        if (s[k] == '\\')
            k++;
        else if (s[k] == open)
            nest++;
        else if (s[k] == close && nest-- == 0)
            break;
    }
    return k;
}

/* Link or image at s[i] == '[': its text, and the index after it; 0 when
 * this is not [text](target) nor [text][ref]. */
static size_t md_link(md *m, const char *s, size_t n, size_t i, int depth)
{
    size_t lim = min_sz(n, i + MD_SCAN_MAX), k, e, end;

    k = md_close(s, i + 1, lim, '[', ']');
    if (k >= lim || k + 1 >= n)
        return 0;
    if (s[k + 1] == '(') {
        lim = min_sz(n, k + 2 + MD_SCAN_MAX);
        e = md_close(s, k + 2, lim, '(', ')');
        if (e >= lim)
            return 0;
        end = e + 1;
    } else if (s[k + 1] == '[') {
        const char *z;
        lim = min_sz(n, k + 2 + MD_SCAN_MAX);
        z = k + 2 < lim ? memchr(s + k + 2, ']', lim - k - 2) : NULL;
        if (z == NULL)
            return 0;
        end = (size_t)(z - s) + 1;
    } else {
        return 0;
    }
    if (depth >= MD_DEPTH_MAX)
        buf_append(m->out, s + i + 1, k - i - 1);
    else
        md_inline(m, s + i + 1, k - i - 1, depth + 1, 0);
    return end;
}

/* Phrase elements: dropping their tags must not add a space. */
static int inline_tag(const char *s, size_t n)
{
    static const char *const names[] = {
        "a",    "abbr",   "b",   "cite", "code", "del", "dfn",  "em",
        "i",    "ins",    "kbd", "mark", "q",    "s",   "samp", "small",
        "span", "strong", "sub", "sup",  "time", "u",   "var"};
    size_t k;

    for (k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strlen(names[k]) == n && strncasecmp(names[k], s, n) == 0)
            return 1;
    return 0;
}

/* '<' at s[i]: comment start, autolink (kept), HTML tag (dropped) or a
 * plain '<'. Returns the index after what was consumed. */
static size_t md_angle(md *m, const char *s, size_t n, size_t i)
{
    size_t lim = min_sz(n, i + MD_SCAN_MAX), j = i + 1, e, name;

    if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
        m->in_comment = 1;
        return i + 4;
    }
    /* <scheme:address> */
    if (j < lim && is_alpha((unsigned char)s[j])) {
        while (j < lim && (is_alnum((unsigned char)s[j]) || s[j] == '+' ||
                           s[j] == '.' || s[j] == '-'))
            j++;
        if (j < lim && s[j] == ':' && j - i - 1 >= 2 && j - i - 1 <= 32) {
            for (e = j + 1; e < lim && s[e] != '>' && s[e] != '<' &&
                            (unsigned char)s[e] > ' ';
                 e++)
                ;
            if (e < lim && s[e] == '>') {
                buf_append(m->out, s + i + 1, e - i - 1);
                return e + 1;
            }
        }
    }
    /* <user@host> */
    for (j = i + 1; j < lim && (is_alnum((unsigned char)s[j]) ||
                                strchr(".!#$%&'*+/=?^_`{|}~-", s[j]));
         j++)
        ;
    if (j > i + 1 && j < lim && s[j] == '@') {
        for (e = j + 1; e < lim && (is_alnum((unsigned char)s[e]) ||
                                    s[e] == '.' || s[e] == '-');
             e++)
            ;
        if (e > j + 1 && e < lim && s[e] == '>') {
            buf_append(m->out, s + i + 1, e - i - 1);
            return e + 1;
        }
    }
    /* <tag ...>, </tag>, <!...>, <?...?> */
    j = i + 1;
    if (j < lim && s[j] == '/')
        j++;
    name = j;
    while (j < lim && is_alnum((unsigned char)s[j]))
        j++;
    if ((j > name && is_alpha((unsigned char)s[name]) &&
         (j == n || s[j] == '>' || s[j] == '/' || extract_hspace(s[j]))) ||
        (j == i + 1 && j < lim && (s[j] == '!' || s[j] == '?'))) {
        const char *z = memchr(s + j, '>', lim - j);
        if (z != NULL) {
            if (!inline_tag(s + name, j - name))
                buf_putc(m->out, ' ');
            return (size_t)(z - s) + 1;
        }
    }
    buf_putc(m->out, '<');
    return i + 1;
}

/* The character a reference stands for: NUL, surrogates and what is past
 * U+10FFFF give U+FFFD. */
static int32_t fix_cp(uint32_t v)
{
    if (v >= 0x80 && v < 0xA0)
        return extract_cp1252((unsigned char)v); /* as HTML5 does for &#150; */
    if (v == 0 || v > UTF8_MAX_CP || !utf8_scalar((int32_t)v))
        return UTF8_REPLACEMENT;
    return (int32_t)v;
}

/* '&' at s[i]: a named (HTML 4 table of libxml2, plus &apos;), decimal or
 * hex character reference, else a plain '&'. */
static size_t md_entity(buf_t *o, const char *s, size_t n, size_t i)
{
    size_t j = i + 1, d0, lim = min_sz(n, i + 40);
    uint32_t num = 0;
    int32_t cp;

    if (j < lim && s[j] == '#') {
        int hex = ++j < lim && (s[j] | 0x20) == 'x';
        j += hex;
        for (d0 = j; j < lim && j - d0 < (hex ? 6u : 7u); j++) {
            unsigned c = (unsigned char)s[j], v;
            if (is_digit(c))
                v = c - '0';
            else if (hex && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                v = (c | 0x20) - 'a' + 10;
            else
                break;
            num = num * (hex ? 16 : 10) + v;
        }
        if (j == d0 || j >= lim || s[j] != ';')
            goto literal;
        cp = fix_cp(num);
    } else {
        char name[40];
        const htmlEntityDesc *d;

        for (d0 = j; j < lim && is_alnum((unsigned char)s[j]); j++)
            ;
        if (j == d0 || j >= lim || s[j] != ';')
            goto literal;
        memcpy(name, s + d0, j - d0);
        name[j - d0] = '\0';
        if (strcmp(name, "apos") == 0) {
            cp = '\'';
        } else {
            d = htmlEntityLookup((const xmlChar *)name);
            if (d == NULL)
                goto literal;
            cp = fix_cp(d->value);
        }
    }
    extract_put_cp(o, cp);
    return j + 1;
literal:
    buf_putc(o, '&');
    return i + 1;
}

/* A run of '*', '_' or '~~' at s[i]: dropped when it can open or close
 * emphasis (CommonMark's flanking rules), so "2 * 3" and snake_case stay. */
static size_t md_delim(buf_t *o, const char *s, size_t n, size_t i)
{
    char c = s[i];
    size_t r = 0;
    unsigned prev, next;
    int pws, nws, ppu, npu, left, right, drop;

    while (i + r < n && s[i + r] == c)
        r++;
    prev = i > 0 ? (unsigned char)s[i - 1] : ' ';
    next = i + r < n ? (unsigned char)s[i + r] : ' ';
    pws = prev == ' ' || prev == '\t';
    nws = next == ' ' || next == '\t';
    ppu = is_apunct(prev);
    npu = is_apunct(next);
    left = !nws && (!npu || pws || ppu);
    right = !pws && (!ppu || nws || npu);
    if (c == '_')
        drop = (left && (!right || ppu)) || (right && (!left || npu));
    else
        drop = (left || right) && (c == '*' || r == 2);
    if (!drop)
        buf_append(o, s + i, r);
    return i + r;
}

/* Inline markup of one line (or link text): what a reader would see. */
static void md_inline(md *m, const char *s, size_t n, int depth, int table)
{
    buf_t *o = m->out;
    size_t i = 0, j, k, at;

    while (i < n) {
        if (m->in_comment) {
            const char *e = memmem(s + i, n - i, "-->", 3);
            if (e == NULL)
                return;
            i = (size_t)(e - s) + 3;
            m->in_comment = 0;
            continue;
        }
        for (j = i; j < n && !md_special[(unsigned char)s[j]]; j++)
            ;
        buf_append(o, s + i, j - i);
        if ((i = j) == n)
            break;
        switch (s[i]) {
        case '\\':
            if (i + 1 < n && is_apunct((unsigned char)s[i + 1])) {
                buf_putc(o, s[i + 1]); /* escaped punctuation */
                i += 2;
                break;
            }
            if (i + 1 < n) /* a trailing '\' is a hard line break */
                buf_putc(o, '\\');
            i++;
            break;
        case '`':
            i = md_code(o, s, n, i);
            break;
        case '!': /* an image "![alt](url)": its alt text, as a link's */
        case '[':
            at = s[i] == '!' ? i + 1 : i;
            if (at < n && s[at] == '[' &&
                (k = md_link(m, s, n, at, depth)) != 0) {
                i = k;
            } else {
                buf_putc(o, s[i]);
                i++;
            }
            break;
        case '<':
            i = md_angle(m, s, n, i);
            break;
        case '&':
            i = md_entity(o, s, n, i);
            break;
        case '|':
            buf_putc(o, table ? ' ' : '|');
            i++;
            break;
        default:
            i = md_delim(o, s, n, i);
            break;
        }
    }
}

/* Keep the first heading that has some text, for the title. */
static void md_heading(md *m, size_t start)
{
    size_t k;

    if (m->heading->len > 0)
        return;
    for (k = start; k < m->out->len; k++)
        if (!extract_hspace(m->out->data[k]) && m->out->data[k] != '\n') {
            buf_append(m->heading, m->out->data + start, m->out->len - start);
            return;
        }
}

/* Every character of s[0..n) is in set, and there is at least one. */
static int all_of(const char *s, size_t n, const char *set)
{
    size_t k;

    for (k = 0; k < n; k++)
        if (strchr(set, s[k]) == NULL)
            return 0;
    return n > 0;
}

/* ***, - - -, ___: three or more of one of them, spaces allowed. */
static int thematic_break(const char *s, size_t n)
{
    size_t k, count = 0;

    if (s[0] != '-' && s[0] != '*' && s[0] != '_')
        return 0;
    for (k = 0; k < n; k++) {
        if (s[k] == s[0])
            count++;
        else if (!extract_hspace(s[k]))
            return 0;
    }
    return count >= 3;
}

static int starts_ci(const char *s, size_t n, const char *prefix)
{
    size_t pl = strlen(prefix);
    return n >= pl && strncasecmp(s, prefix, pl) == 0;
}

static int contains_ci(const char *s, size_t n, const char *needle)
{
    size_t nl = strlen(needle), k;

    for (k = 0; k + nl <= n; k++)
        if (strncasecmp(s + k, needle, nl) == 0)
            return 1;
    return 0;
}

static void md_line(md *m, const char *l, size_t len)
{
    buf_t *o = m->out;
    const char *p = l;
    size_t n = len, k, r;
    int item = 0, was_para;

    if (m->skip_close != NULL) {
        if (contains_ci(l, len, m->skip_close))
            m->skip_close = NULL;
        return;
    }
    if (m->fence) {
        extract_trim(&p, &n);
        for (r = 0; r < n && p[r] == m->fence; r++)
            ;
        if (r >= m->fence_len && r == n) {
            m->fence = 0;
            buf_putc(o, '\n');
        } else {
            buf_append(o, l, len);
            buf_putc(o, '\n');
        }
        return;
    }
    was_para = m->prev_para;
    m->prev_para = 0;
    extract_trim(&p, &n);
    while (n > 0 && p[0] == '>') { /* blockquote markers */
        p++;
        n--;
        extract_trim(&p, &n);
    }
    if (n == 0) {
        buf_putc(o, '\n');
        return;
    }
    /* fenced code: the fence lines go, the code stays */
    for (r = 0; r < n && p[r] == p[0]; r++)
        ;
    if ((p[0] == '`' || p[0] == '~') && r >= 3 &&
        (p[0] == '~' || memchr(p + r, '`', n - r) == NULL)) {
        m->fence = p[0];
        m->fence_len = r;
        buf_putc(o, '\n');
        return;
    }
    if (starts_ci(p, n, "<script") || starts_ci(p, n, "<style")) {
        const char *close = p[2] == 'c' || p[2] == 'C' ? "</script" : "</style";
        if (!contains_ci(p, n, close))
            m->skip_close = close;
        return;
    }
    if (was_para && (all_of(p, n, "=") || all_of(p, n, "-"))) {
        md_heading(m, m->para_start); /* setext underline: h1 or h2 */
        extract_heads_add(m->heads, o, m->para_start, o->len);
        buf_putc(o, '\n');
        return;
    }
    if (thematic_break(p, n)) {
        buf_putc(o, '\n');
        return;
    }
    for (r = 0; r < n && r < 7 && p[r] == '#'; r++)
        ;
    if (r >= 1 && r <= 6 &&
        (r == n || extract_hspace(p[r]))) { /* ATX heading */
        const char *h = p + r;
        size_t hl = n - r, start;
        extract_trim(&h, &hl);
        for (k = hl; k > 0 && h[k - 1] == '#'; k--)
            ;
        if (k == 0 || extract_hspace(h[k - 1])) {
            hl = k;
            extract_trim(&h, &hl);
        }
        buf_putc(o, '\n');
        start = o->len;
        md_inline(m, h, hl, 0, 0);
        md_heading(m, start);
        if (r <= 3) /* h4-h6 are body text, as in HTML */
            extract_heads_add(m->heads, o, start, o->len);
        buf_append(o, "\n\n", 2);
        return;
    }
    if (p[0] == '[') { /* [label]: target is dropped, [^note]: text kept */
        const char *z = memchr(p, ']', min_sz(n, MD_SCAN_MAX));
        k = z != NULL ? (size_t)(z - p) : 0;
        if (k > 1 && k + 1 < n && p[k + 1] == ':') {
            const char *v = p + k + 2;
            size_t vl = n - k - 2;
            extract_trim(&v, &vl);
            if (p[1] == '^') {
                md_inline(m, v, vl, 0, 0);
                buf_putc(o, '\n');
                return;
            }
            if (vl > 0)
                return;
        }
    }
    if (memchr(p, '|', n) != NULL && memchr(p, '-', n) != NULL &&
        all_of(p, n, "|:- \t")) /* table delimiter row */
        return;
    if ((p[0] == '-' || p[0] == '*' || p[0] == '+') &&
        (n == 1 ||
         extract_hspace(p[1]))) { /* bullet; ordered numbers are kept */
        p++;
        n--;
        extract_trim(&p, &n);
        if (n >= 3 && p[0] == '[' && p[2] == ']' &&
            (p[1] == ' ' || p[1] == 'x' || p[1] == 'X') &&
            (n == 3 || extract_hspace(p[3]))) {
            p += 3;
            n -= 3;
            extract_trim(&p, &n);
        }
        item = 1;
    }
    if (!item && !was_para) /* a paragraph may span lines */
        m->para_start = o->len;
    md_inline(m, p, n, 0, n > 0 && p[0] == '|');
    buf_putc(o, '\n');
    m->prev_para = !item;
}

void extract_md(const char *s, size_t n, buf_t *o, buf_t *heading,
                extract_heads *heads)
{
    md m = {0};
    size_t pos = 0, next, len;

    m.out = o;
    m.heading = heading;
    m.heads = heads;
    for (pos = 0; pos < n; pos += next) {
        len = extract_line(s + pos, n - pos, &next);
        md_line(&m, s + pos, len);
    }
}
