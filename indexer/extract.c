/* extract: turn the bytes of one .txt, .md or .html file into title, url and
 * plain UTF-8 text for the indexer. */
#include "indexer/extract.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h> /* xmlCreateMemoryParserCtxt, as
                                      htmlReadMemory() starts */
#include <libxml/tree.h>

#define BUF_MAX ((size_t)1 << 30) /* no work buffer grows past 1 GiB */
#define FM_MAX 65536              /* a front matter must close within this */
/* Look-ahead for a link text, link target, code span or tag: bounding it
 * keeps a line of ten thousand '[' linear instead of quadratic. */
#define MD_SCAN_MAX 1024
#define MD_DEPTH_MAX 8 /* nested link texts ([[[a](b)](c)](d)) */

/* ---- growable byte buffer ---- */

/* Invariant: p is NULL or NUL-terminated at len. Once an allocation fails
 * (or BUF_MAX is reached) failed stays set and further writes are no-ops,
 * so callers check once at the end. */
typedef struct buf {
    char *p;
    size_t len, cap;
    int failed;
} buf;

static int buf_reserve(buf *b, size_t n)
{
    size_t need, cap;
    char *p;

    if (b->failed)
        return 0;
    if (n < b->cap - b->len) /* room for n bytes and the NUL */
        return 1;
    if (n >= BUF_MAX - b->len)
        goto fail;
    need = b->len + n + 1;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    p = realloc(b->p, cap);
    if (p == NULL)
        goto fail;
    b->p = p;
    b->cap = cap;
    return 1;
fail:
    b->failed = 1;
    return 0;
}

static void buf_put(buf *b, const void *s, size_t n)
{
    if (n == 0 || !buf_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_putc(buf *b, char c)
{
    if (!buf_reserve(b, 1))
        return;
    b->p[b->len++] = c;
    b->p[b->len] = '\0';
}

static void buf_put_cp(buf *b, uint32_t cp)
{
    char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_put(b, u, n);
}

static void buf_reset(buf *b)
{
    b->len = 0;
    if (b->p != NULL)
        b->p[0] = '\0';
}

/* Hand the string over (never NULL: "" when nothing was written). */
static char *buf_take(buf *b, size_t *len)
{
    char *p;

    if (b->p == NULL && buf_reserve(b, 0))
        b->p[0] = '\0';
    p = b->p;
    *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

/* ---- encodings ---- */

/* Windows-1252 0x80..0x9F; the five undefined bytes give U+FFFD. */
static const uint16_t cp1252_hi[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
    0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

/* Length of the well-formed UTF-8 sequence at s[0..n) (no overlongs, no
 * surrogates, nothing past U+10FFFF), 0 when there is none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];

    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    if (c < 0xE0)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
            return 0;
        return 3;
    }
    if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
        (s[3] & 0xC0) != 0x80)
        return 0;
    if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
        return 0;
    return 4;
}

static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0, k;

    while (i < n) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        k = utf8_seq(s + i, n - i);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

/* Append s as UTF-8: copied when utf8, else decoded as Windows-1252. NUL
 * bytes (only possible past the sniffed start) become spaces. */
static void decode(const unsigned char *s, size_t n, int utf8, buf *o)
{
    size_t i = 0, j;

    if (utf8) {
        while (i < n) {
            const unsigned char *z = memchr(s + i, 0, n - i);
            j = z != NULL ? (size_t)(z - s) : n;
            buf_put(o, s + i, j - i);
            if (z != NULL)
                buf_putc(o, ' ');
            i = j + 1;
        }
        return;
    }
    buf_reserve(o, n + n / 2); /* most bytes are ASCII: one allocation */
    for (i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c == 0)
            buf_putc(o, ' ');
        else if (c < 0x80)
            buf_putc(o, (char)c);
        else if (c < 0xA0)
            buf_put_cp(o, cp1252_hi[c - 0x80]);
        else
            buf_put_cp(o, c);
    }
}

/* A NUL byte, or more than 1 in 16 control bytes, in the first
 * EXTRACT_SNIFF bytes. Random binary data is about 11% control bytes and
 * nearly always has a NUL; text has almost none. */
static int looks_binary(const unsigned char *s, size_t n)
{
    size_t m = n < EXTRACT_SNIFF ? n : EXTRACT_SNIFF, ctrl = 0, i;

    if (memchr(s, 0, m) != NULL)
        return 1;
    for (i = 0; i < m; i++) {
        unsigned c = s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' &&
             c != '\v') ||
            c == 0x7F)
            ctrl++;
    }
    return ctrl * 16 > m;
}

/* ---- whitespace normalisation ---- */

/* Append s[0..n) (valid UTF-8) to o: runs of spaces, tabs, control
 * characters and no-break spaces become one space, lines are trimmed, at
 * most one blank line is kept in a row and none at either end. With
 * one_line, line breaks are spaces too. */
static void normalise(const char *s, size_t n, buf *o, int one_line)
{
    const unsigned char *u = (const unsigned char *)s;
    int space = 0, nl = 0;
    size_t i = 0, j;

    while (i < n) {
        unsigned c = u[i];
        size_t skip = 1;
        int brk = 0; /* 0: content, 1: space, 2: newline, 3: paragraph */

        if (c == '\n' || c == '\r') {
            brk = 2;
            if (c == '\r' && i + 1 < n && u[i + 1] == '\n')
                skip = 2;
        } else if (c <= ' ' || c == 0x7F) {
            brk = 1;
        } else if (c == 0xC2 && i + 1 < n && u[i + 1] >= 0x80 &&
                   u[i + 1] <= 0xA0) {
            brk = 1; /* C1 controls and U+00A0 */
            skip = 2;
        } else if (c == 0xE2 && i + 2 < n && u[i + 1] == 0x80 &&
                   (u[i + 2] == 0xA8 || u[i + 2] == 0xA9)) {
            brk = u[i + 2] == 0xA8 ? 2 : 3; /* U+2028, U+2029 */
            skip = 3;
        } else if (c == 0xEF && i + 2 < n && u[i + 1] == 0xBB &&
                   u[i + 2] == 0xBF) {
            i += 3; /* a stray U+FEFF is invisible: drop it */
            continue;
        }
        if (brk == 1 || (brk && one_line)) {
            space = 1;
        } else if (brk) {
            nl += brk - 1;
            space = 0;
        } else {
            if (o->len > 0) {
                if (nl > 0)
                    buf_put(o, "\n\n", nl > 1 ? 2 : 1);
                else if (space)
                    buf_putc(o, ' ');
            }
            nl = space = 0;
            /* copy the run of plain bytes in one go */
            for (j = i + 1; j < n && u[j] > ' ' && u[j] != 0x7F &&
                            u[j] != 0xC2 && u[j] != 0xE2 && u[j] != 0xEF;
                 j++)
                ;
            buf_put(o, s + i, j - i);
            i = j;
            continue;
        }
        i += skip;
    }
}

/* Normalise s into a one-line title cut at EXTRACT_MAX_TITLE bytes on a
 * character boundary. */
static void make_title(const char *s, size_t n, buf *o)
{
    size_t cut;

    buf_reset(o);
    normalise(s, n, o, 1);
    if (o->failed || o->len <= EXTRACT_MAX_TITLE)
        return;
    cut = EXTRACT_MAX_TITLE;
    while (cut > 0 && ((unsigned char)o->p[cut] & 0xC0) == 0x80)
        cut--;
    while (cut > 0 && o->p[cut - 1] == ' ')
        cut--;
    o->len = cut;
    o->p[cut] = '\0';
}

/* ---- front matter ---- */

/* Length of the line at s[0..n) without its line end; *next is the offset
 * of the following line. */
static size_t line_at(const char *s, size_t n, size_t *next)
{
    const char *nl = memchr(s, '\n', n);
    size_t len = nl != NULL ? (size_t)(nl - s) : n;

    *next = nl != NULL ? len + 1 : n;
    if (len > 0 && s[len - 1] == '\r')
        len--;
    return len;
}

static int is_hspace(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_hspace(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_hspace((*s)[*n - 1]))
        (*n)--;
}

static int fm_fence(const char *s, size_t n, int closing)
{
    trim(&s, &n);
    return n == 3 &&
           (memcmp(s, "---", 3) == 0 || (closing && memcmp(s, "...", 3) == 0));
}

/* "key:" at column 0 with key made of letters, digits, '_' and '-'. */
static size_t fm_key(const char *s, size_t n)
{
    size_t k = 0;

    while (k < n &&
           (((s[k] | 0x20) >= 'a' && (s[k] | 0x20) <= 'z') ||
            (s[k] >= '0' && s[k] <= '9') || s[k] == '_' || s[k] == '-'))
        k++;
    return k > 0 && k < n && s[k] == ':' ? k : 0;
}

/* A YAML boolean: 1 true, 0 false, -1 anything else. A comment after it
 * (" # ...") does not count; quotes are already off. */
static int fm_bool(const char *v, size_t n)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};

    for (size_t i = 1; i < n; i++)
        if (v[i] == '#' && is_hspace(v[i - 1])) {
            n = i;
            break;
        }
    while (n > 0 && is_hspace(v[n - 1]))
        n--;

    for (size_t i = 0; i < 3; i++) {
        if (n == strlen(yes[i]) && strncasecmp(v, yes[i], n) == 0)
            return 1;
        if (n == strlen(no[i]) && strncasecmp(v, no[i], n) == 0)
            return 0;
    }
    return -1;
}

/* When s starts with a front matter block (--- / key: value lines / ---),
 * put its title and url values in title and url and return the offset of
 * what follows; else return 0. The first non-blank line must be a key so
 * that a Markdown thematic break followed by a setext heading is not
 * mistaken for one. */
static size_t front_matter(const char *s, size_t n, buf *title, buf *url,
                           int *unlisted)
{
    const char *t = NULL, *u = NULL;
    size_t tl = 0, ul = 0, pos, next, len, k;
    int seen_key = 0, draft = -1, published = -1;

    if (n == 0)
        return 0;
    len = line_at(s, n, &next);
    if (!fm_fence(s, len, 0) || next >= n)
        return 0;
    for (pos = next; pos < n && pos <= FM_MAX; pos += next) {
        const char *l = s + pos, *v;
        size_t vl;

        len = line_at(l, n - pos, &next);
        if (fm_fence(l, len, 1)) {
            if (t != NULL)
                buf_put(title, t, tl);
            if (u != NULL)
                buf_put(url, u, ul);
            /* either key can keep the page out, whatever the other says */
            *unlisted = draft == 1 || published == 0;
            return pos + next;
        }
        v = l;
        vl = len;
        trim(&v, &vl);
        if (vl == 0 || v[0] == '#')
            continue;
        k = fm_key(l, len);
        if (!seen_key && k == 0)
            return 0;
        seen_key = 1;
        if (k != 5 && k != 3 && k != 9)
            continue;
        v = l + k + 1;
        vl = len - k - 1;
        trim(&v, &vl);
        if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
            v++;
            vl -= 2;
        }
        if (k == 5 && strncasecmp(l, "title", 5) == 0) {
            t = v;
            tl = vl;
        } else if (k == 3 && strncasecmp(l, "url", 3) == 0) {
            u = v;
            ul = vl;
        } else if (k == 5 && strncasecmp(l, "draft", 5) == 0) {
            draft = fm_bool(v, vl); /* the last one counts */
        } else if (k == 9 && strncasecmp(l, "published", 9) == 0) {
            published = fm_bool(v, vl);
        }
    }
    return 0;
}

/* ---- Markdown ---- */

typedef struct md {
    buf *out;
    buf *heading; /* text of the first non-empty heading */
    char fence;   /* '`' or '~' inside a fenced code block, else 0 */
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
static size_t md_code(buf *o, const char *s, size_t n, size_t i)
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
            buf_put(o, c, cl);
            return j + r;
        }
        j += q;
    }
    buf_put(o, s + i, r);
    return i + r;
}

/* Link or image at s[i] == '[': its text, and the index after it; 0 when
 * this is not [text](target) nor [text][ref]. */
static size_t md_link(md *m, const char *s, size_t n, size_t i, int depth)
{
    size_t lim = min_sz(n, i + MD_SCAN_MAX), k, e, nest = 0, end;

    for (k = i + 1; k < lim; k++) {
        if (s[k] == '\\')
            k++;
        else if (s[k] == '[')
            nest++;
        else if (s[k] == ']' && nest-- == 0)
            break;
    }
    if (k >= lim || k + 1 >= n)
        return 0;
    if (s[k + 1] == '(') {
        lim = min_sz(n, k + 2 + MD_SCAN_MAX);
        for (nest = 0, e = k + 2; e < lim; e++) {
            if (s[e] == '\\')
                e++;
            else if (s[e] == '(')
                nest++;
            else if (s[e] == ')' && nest-- == 0)
                break;
        }
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
        buf_put(m->out, s + i + 1, k - i - 1);
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
                buf_put(m->out, s + i + 1, e - i - 1);
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
            buf_put(m->out, s + i + 1, e - i - 1);
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
         (j == n || s[j] == '>' || s[j] == '/' || is_hspace(s[j]))) ||
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

static uint32_t fix_cp(uint32_t cp)
{
    if (cp >= 0x80 && cp < 0xA0)
        return cp1252_hi[cp - 0x80]; /* as HTML5 does for &#150; */
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
        return 0xFFFD;
    return cp;
}

/* '&' at s[i]: a named (HTML 4 table of libxml2, plus &apos;), decimal or
 * hex character reference, else a plain '&'. */
static size_t md_entity(buf *o, const char *s, size_t n, size_t i)
{
    size_t j = i + 1, d0, lim = min_sz(n, i + 40);
    uint32_t cp = 0;

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
            cp = cp * (hex ? 16 : 10) + v;
        }
        if (j == d0 || j >= lim || s[j] != ';')
            goto literal;
        cp = fix_cp(cp);
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
    buf_put_cp(o, cp);
    return j + 1;
literal:
    buf_putc(o, '&');
    return i + 1;
}

/* A run of '*', '_' or '~~' at s[i]: dropped when it can open or close
 * emphasis (CommonMark's flanking rules), so "2 * 3" and snake_case stay. */
static size_t md_delim(buf *o, const char *s, size_t n, size_t i)
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
        buf_put(o, s + i, r);
    return i + r;
}

/* Inline markup of one line (or link text): what a reader would see. */
static void md_inline(md *m, const char *s, size_t n, int depth, int table)
{
    buf *o = m->out;
    size_t i = 0, j, k;

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
        buf_put(o, s + i, j - i);
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
        case '!':
            if (i + 1 < n && s[i + 1] == '[' &&
                (k = md_link(m, s, n, i + 1, depth)) != 0) {
                i = k;
            } else {
                buf_putc(o, '!');
                i++;
            }
            break;
        case '[':
            if ((k = md_link(m, s, n, i, depth)) != 0) {
                i = k;
            } else {
                buf_putc(o, '[');
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
        if (!is_hspace(m->out->p[k]) && m->out->p[k] != '\n') {
            buf_put(m->heading, m->out->p + start, m->out->len - start);
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
        else if (!is_hspace(s[k]))
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
    buf *o = m->out;
    const char *p = l;
    size_t n = len, k, r;
    int item = 0, was_para;

    if (m->skip_close != NULL) {
        if (contains_ci(l, len, m->skip_close))
            m->skip_close = NULL;
        return;
    }
    if (m->fence) {
        trim(&p, &n);
        for (r = 0; r < n && p[r] == m->fence; r++)
            ;
        if (r >= m->fence_len && r == n) {
            m->fence = 0;
            buf_putc(o, '\n');
        } else {
            buf_put(o, l, len);
            buf_putc(o, '\n');
        }
        return;
    }
    was_para = m->prev_para;
    m->prev_para = 0;
    trim(&p, &n);
    while (n > 0 && p[0] == '>') { /* blockquote markers */
        p++;
        n--;
        trim(&p, &n);
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
        md_heading(m, m->para_start); /* setext underline */
        buf_putc(o, '\n');
        return;
    }
    if (thematic_break(p, n)) {
        buf_putc(o, '\n');
        return;
    }
    for (r = 0; r < n && r < 7 && p[r] == '#'; r++)
        ;
    if (r >= 1 && r <= 6 && (r == n || is_hspace(p[r]))) { /* ATX heading */
        const char *h = p + r;
        size_t hl = n - r, start;
        trim(&h, &hl);
        for (k = hl; k > 0 && h[k - 1] == '#'; k--)
            ;
        if (k == 0 || is_hspace(h[k - 1])) {
            hl = k;
            trim(&h, &hl);
        }
        buf_putc(o, '\n');
        start = o->len;
        md_inline(m, h, hl, 0, 0);
        md_heading(m, start);
        buf_put(o, "\n\n", 2);
        return;
    }
    if (p[0] == '[') { /* [label]: target is dropped, [^note]: text kept */
        const char *z = memchr(p, ']', min_sz(n, MD_SCAN_MAX));
        k = z != NULL ? (size_t)(z - p) : 0;
        if (k > 1 && k + 1 < n && p[k + 1] == ':') {
            const char *v = p + k + 2;
            size_t vl = n - k - 2;
            trim(&v, &vl);
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
        (n == 1 || is_hspace(p[1]))) { /* bullet; ordered numbers are kept */
        p++;
        n--;
        trim(&p, &n);
        if (n >= 3 && p[0] == '[' && p[2] == ']' &&
            (p[1] == ' ' || p[1] == 'x' || p[1] == 'X') &&
            (n == 3 || is_hspace(p[3]))) {
            p += 3;
            n -= 3;
            trim(&p, &n);
        }
        item = 1;
    }
    if (!item && !was_para) /* a paragraph may span lines */
        m->para_start = o->len;
    md_inline(m, p, n, 0, n > 0 && p[0] == '|');
    buf_putc(o, '\n');
    m->prev_para = !item;
}

/* Markdown to text; the first heading goes to heading. */
static void md_extract(const char *s, size_t n, buf *o, buf *heading)
{
    md m = {0};
    size_t pos = 0, next, len;

    m.out = o;
    m.heading = heading;
    for (pos = 0; pos < n; pos += next) {
        len = line_at(s + pos, n - pos, &next);
        md_line(&m, s + pos, len);
    }
}

/* ---- HTML ---- */

enum { K_INLINE = 0, K_SKIP, K_BANNER, K_LINE, K_PARA, K_PRE };

/* Sorted by name for bsearch. K_BANNER: header/footer, skipped unless they
 * belong to an article or section (their own header holds its heading). */
static const struct html_kind {
    const char *name;
    int kind;
} html_kinds[] = {
    {"address", K_PARA},    {"article", K_PARA},    {"aside", K_PARA},
    {"audio", K_SKIP},      {"blockquote", K_PARA}, {"body", K_PARA},
    {"br", K_LINE},         {"canvas", K_SKIP},     {"caption", K_LINE},
    {"center", K_PARA},     {"dd", K_LINE},         {"details", K_PARA},
    {"dialog", K_PARA},     {"div", K_PARA},        {"dl", K_PARA},
    {"dt", K_LINE},         {"embed", K_SKIP},      {"fieldset", K_PARA},
    {"figcaption", K_PARA}, {"figure", K_PARA},     {"footer", K_BANNER},
    {"form", K_PARA},       {"h1", K_PARA},         {"h2", K_PARA},
    {"h3", K_PARA},         {"h4", K_PARA},         {"h5", K_PARA},
    {"h6", K_PARA},         {"head", K_SKIP},       {"header", K_BANNER},
    {"hr", K_PARA},         {"iframe", K_SKIP},     {"legend", K_LINE},
    {"li", K_LINE},         {"main", K_PARA},       {"nav", K_SKIP},
    {"noscript", K_SKIP},   {"object", K_SKIP},     {"ol", K_PARA},
    {"option", K_LINE},     {"p", K_PARA},          {"pre", K_PRE},
    {"script", K_SKIP},     {"section", K_PARA},    {"style", K_SKIP},
    {"summary", K_PARA},    {"svg", K_SKIP},        {"table", K_PARA},
    {"td", K_LINE},         {"template", K_SKIP},   {"th", K_LINE},
    {"title", K_SKIP},      {"tr", K_LINE},         {"ul", K_PARA},
    {"video", K_SKIP},
};

static int kind_cmp(const void *key, const void *elt)
{
    return strcmp(key, ((const struct html_kind *)elt)->name);
}

/* Kind of an element by its (lowercase) name. */
static int html_kind(const xmlChar *name)
{
    const struct html_kind *k;

    if (name == NULL)
        return K_INLINE;
    k = bsearch(name, html_kinds, sizeof html_kinds / sizeof html_kinds[0],
                sizeof html_kinds[0], kind_cmp);
    return k != NULL ? k->kind : K_INLINE;
}

typedef struct html_ctx {
    buf *out;
    int pre;   /* depth of <pre> being written: newlines are kept */
    int space; /* whitespace seen since the last word */
} html_ctx;

/* End the current line (nl 1) or paragraph (nl 2). */
static void html_break(html_ctx *c, int nl)
{
    size_t have = 0;

    c->space = 0;
    while (have < (size_t)nl && have < c->out->len &&
           c->out->p[c->out->len - 1 - have] == '\n')
        have++;
    if (c->out->len > 0 && have < (size_t)nl)
        buf_put(c->out, "\n\n", (size_t)nl - have);
}

static int html_blank(unsigned c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Append t[0..n) with whitespace collapsed (kept as newlines in <pre>).
 * The parser delivers text in pieces; the state in c makes the result the
 * same whatever the cut. */
static void html_text(html_ctx *c, const unsigned char *t, size_t n)
{
    buf *o = c->out;
    size_t i = 0, k;

    while (i < n) {
        if (html_blank(t[i])) {
            if (c->pre && t[i] == '\n')
                buf_putc(o, '\n');
            else
                c->space = 1;
            i++;
            continue;
        }
        if (c->space && o->len > 0 && o->p[o->len - 1] != '\n')
            buf_putc(o, ' ');
        c->space = 0;
        for (k = i + 1; k < n && !html_blank(t[k]); k++)
            ;
        buf_put(o, t + i, k - i);
        i = k;
    }
}

/* 1 when the list s (tokens separated by commas or blanks, as robots
 * directives are) holds token, case-insensitively. */
static int has_token(const xmlChar *s, const char *token)
{
    const char *p = (const char *)s;
    size_t tl = strlen(token);

    while (*p != '\0') {
        size_t k = strcspn(p, ", \t\r\n");
        if (k == tl && strncasecmp(p, token, tl) == 0)
            return 1;
        p += k;
        p += strspn(p, ", \t\r\n");
    }
    return 0;
}

/* rel="canonical" (rel is a space-separated list of tokens). */
static int rel_canonical(const xmlChar *rel)
{
    const char *s = (const char *)rel;

    while (*s != '\0') {
        size_t k;
        while (*s == ' ' || *s == '\t' || *s == '\n')
            s++;
        for (k = 0; s[k] != '\0' && s[k] != ' ' && s[k] != '\t' && s[k] != '\n';
             k++)
            ;
        if (k == 9 && strncasecmp(s, "canonical", 9) == 0)
            return 1;
        s += k;
    }
    return 0;
}

/* ---- HTML: streaming walk over libxml2's SAX events ----
 *
 * libxml2's tree builder is driven by these same events, so walking them
 * in order is walking the tree it would have built, without its memory
 * (about 22 bytes per byte of input). Two walks run side by side, each
 * with its own skip depth: the body walk (text, blocks, skipped elements)
 * and the meta walk (<title>, first <h1>, description, canonical link). */

/* Per open element: what its start changed, undone at its end. */
enum {
    E_BODY_SKIP = 1 << 0, /* counted in body_skip */
    E_META_SKIP = 1 << 1, /* counted in meta_skip */
    E_CAP = 1 << 2,       /* counted in cap_depth (inside a capture) */
    E_CAP_SKIP = 1 << 3,  /* counted in cap_skip */
    E_SECTION = 1 << 4,   /* counted in sections */
    E_ADOPTED = 1 << 5,   /* opened after the root closed: the root's
                             skips were added for it */
};

typedef struct html_elt {
    uint8_t flags;
    uint8_t kind; /* K_LINE, K_PARA or K_PRE when the body walk wrote its
                     start; else K_INLINE */
} html_elt;

typedef struct html_sax {
    htmlParserCtxtPtr ctxt;
    html_ctx body;
    buf *title, *h1, *desc, *canon;
    int *noindex;    /* <meta name="robots" content="noindex"> seen */
    html_elt *stack; /* owned, freed by html_extract */
    size_t depth, scap;
    size_t body_skip; /* open elements the body walk skips (0: writing) */
    size_t meta_skip; /* open elements the meta walk skips */
    size_t cap_depth; /* open elements of the <title>/<h1> captured */
    size_t cap_skip;  /* open script/style/data-noindex in the capture */
    buf *cap;         /* the buffer being captured into */
    int cap_text;     /* text since the capture's last node boundary */
    size_t sections;  /* open article/section/main/aside */
    int root_seen;    /* the first root element was opened */
    uint8_t root;     /* its E_BODY_SKIP, E_META_SKIP and E_SECTION */
    int have_title, have_h1;
    int failed; /* out of memory: the caller reports it */
} html_sax;

/* Value of attribute name in a SAX attribute list; *present tells a
 * missing attribute from one without a value (which reads as ""). */
static const xmlChar *sax_attr(const xmlChar **atts, const char *name,
                               int *present)
{
    size_t k;

    *present = 0;
    for (k = 0; atts != NULL && atts[k] != NULL; k += 2)
        if (strcmp((const char *)atts[k], name) == 0) {
            *present = 1;
            return atts[k + 1] != NULL ? atts[k + 1] : (const xmlChar *)"";
        }
    return NULL;
}

/* A node boundary inside a capture: the DOM walk put a space after each
 * text node, so text on either side of a tag or comment stays apart. */
static void cap_boundary(html_sax *h)
{
    if (h->cap_depth > 0 && h->cap_text) {
        buf_putc(h->cap, ' ');
        h->cap_text = 0;
    }
}

/* The meta walk's part of an element start. */
static void meta_start(html_sax *h, html_elt *e, const xmlChar *name,
                       const xmlChar **atts, int noindex)
{
    const char *n = (const char *)name;
    const xmlChar *v;
    int present;

    if (h->cap_depth > 0) { /* inside <title>/<h1>: only text counts */
        e->flags |= E_CAP;
        h->cap_depth++;
        if (h->cap_skip > 0 || strcmp(n, "script") == 0 ||
            strcmp(n, "style") == 0 || noindex) {
            e->flags |= E_CAP_SKIP;
            h->cap_skip++;
        }
        return;
    }
    if (h->meta_skip > 0 || strcmp(n, "script") == 0 ||
        strcmp(n, "style") == 0 || strcmp(n, "template") == 0 || noindex) {
        e->flags |= E_META_SKIP;
        h->meta_skip++;
    } else if (strcmp(n, "title") == 0 && !h->have_title) {
        h->have_title = 1;
        h->cap = h->title;
    } else if (strcmp(n, "h1") == 0 && !h->have_h1) {
        h->have_h1 = 1;
        h->cap = h->h1;
    } else if (strcmp(n, "meta") == 0) {
        v = sax_attr(atts, "name", &present);
        if (v != NULL && strcasecmp((const char *)v, "description") == 0 &&
            h->desc->len == 0 && (v = sax_attr(atts, "content", &present)))
            buf_put(h->desc, v, strlen((const char *)v));
        else if (v != NULL && strcasecmp((const char *)v, "robots") == 0 &&
                 (v = sax_attr(atts, "content", &present)) != NULL &&
                 (has_token(v, "noindex") || has_token(v, "none")))
            *h->noindex = 1;
        return;
    } else if (strcmp(n, "link") == 0) {
        v = sax_attr(atts, "rel", &present);
        if (v != NULL && rel_canonical(v) && h->canon->len == 0 &&
            (v = sax_attr(atts, "href", &present)))
            buf_put(h->canon, v, strlen((const char *)v));
        return;
    } else {
        return;
    }
    if (!(e->flags & E_META_SKIP)) { /* a capture starts here */
        e->flags |= E_CAP;
        h->cap_depth = 1;
        h->cap_text = 0;
    }
}

/* The body walk's part of an element start. */
static void body_start(html_sax *h, html_elt *e, int kind, int noindex)
{
    if (h->body_skip > 0 || kind == K_SKIP || noindex ||
        (kind == K_BANNER && h->sections == 0)) {
        e->flags |= E_BODY_SKIP;
        h->body_skip++;
        return;
    }
    if (kind == K_LINE)
        html_break(&h->body, 1);
    else if (kind == K_PARA || kind == K_PRE)
        html_break(&h->body, 2);
    if (kind == K_PRE)
        h->body.pre++;
    e->kind = (uint8_t)kind;
}

static void sax_start(void *ud, const xmlChar *name, const xmlChar **atts)
{
    html_sax *h = ud;
    html_elt *e;
    int kind, noindex;

    if (h->failed || name == NULL)
        return;
    cap_boundary(h);
    /* libxml2's tree builder halts the parser past xmlParserMaxDepth (256)
     * open elements, its guard against deep documents; so do we, so that
     * the text is the one the tree gave, and the stack stays small. */
    if (h->depth > xmlParserMaxDepth) {
        xmlStopParser(h->ctxt);
        return;
    }
    if (h->depth == h->scap) {
        size_t cap = h->scap ? h->scap * 2 : 64;
        html_elt *s = realloc(h->stack, cap * sizeof *s);
        if (s == NULL) {
            h->failed = 1;
            xmlStopParser(h->ctxt);
            return;
        }
        h->stack = s;
        h->scap = cap;
    }
    kind = html_kind(name);
    sax_attr(atts, "data-noindex", &noindex);
    e = &h->stack[h->depth++];
    e->flags = 0;
    e->kind = K_INLINE;
    if (h->depth == 1 && h->root_seen) {
        /* libxml2 reopens <html> for content after </html>, and its tree
         * builder hangs that under the first root: so it inherits what
         * the root's skips hid (<html data-noindex> hides it all). */
        e->flags |= E_ADOPTED;
        h->body_skip += (h->root & E_BODY_SKIP) != 0;
        h->meta_skip += (h->root & E_META_SKIP) != 0;
        h->sections += (h->root & E_SECTION) != 0;
    }
    meta_start(h, e, name, atts, noindex);
    body_start(h, e, kind, noindex);
    if (strcmp((const char *)name, "article") == 0 ||
        strcmp((const char *)name, "section") == 0 ||
        strcmp((const char *)name, "main") == 0 ||
        strcmp((const char *)name, "aside") == 0) {
        e->flags |= E_SECTION;
        h->sections++;
    }
    if (h->depth == 1 && !h->root_seen) {
        h->root_seen = 1;
        h->root = e->flags & (E_BODY_SKIP | E_META_SKIP | E_SECTION);
    }
}

static void sax_end(void *ud, const xmlChar *name)
{
    html_sax *h = ud;
    html_elt *e;

    (void)name; /* libxml2 closes elements in order, implied ones too */
    if (h->failed)
        return;
    if (h->depth == 0)
        return;
    e = &h->stack[--h->depth];
    if (e->flags & E_BODY_SKIP) {
        h->body_skip--;
    } else if (e->kind == K_LINE) {
        html_break(&h->body, 1);
    } else if (e->kind == K_PARA || e->kind == K_PRE) {
        html_break(&h->body, 2);
        if (e->kind == K_PRE)
            h->body.pre--;
    }
    if (e->flags & E_META_SKIP)
        h->meta_skip--;
    if (e->flags & E_CAP_SKIP)
        h->cap_skip--;
    if (e->flags & E_CAP) {
        h->cap_depth--;
        h->cap_text = h->cap_depth > 0 && h->cap_text;
    }
    if (e->flags & E_SECTION)
        h->sections--;
    if (e->flags & E_ADOPTED) {
        h->body_skip -= (h->root & E_BODY_SKIP) != 0;
        h->meta_skip -= (h->root & E_META_SKIP) != 0;
        h->sections -= (h->root & E_SECTION) != 0;
    }
    cap_boundary(h);
}

static void sax_text(void *ud, const xmlChar *t, int n)
{
    html_sax *h = ud;

    /* Text outside any element has no parent in a tree: dropped. */
    if (h->failed || n <= 0 || h->depth == 0)
        return;
    if (h->body_skip == 0)
        html_text(&h->body, t, (size_t)n);
    if (h->cap_depth > 0 && h->cap_skip == 0) {
        buf_put(h->cap, t, (size_t)n);
        h->cap_text = 1;
    }
}

/* Raw text of <script> and <style>: skipped with its element, but it
 * separates the text around it. */
static void sax_cdata(void *ud, const xmlChar *t, int n)
{
    html_sax *h = ud;

    (void)t;
    (void)n;
    if (h->failed)
        return;
    cap_boundary(h);
}

static void sax_comment(void *ud, const xmlChar *t)
{
    (void)t;
    cap_boundary(ud); /* a comment splits text nodes */
}

static void sax_pi(void *ud, const xmlChar *target, const xmlChar *data)
{
    html_sax *h = ud;

    (void)target;
    (void)data;
    cap_boundary(h);
}

/* ---- public ---- */

void extract_init(void)
{
    xmlInitParser();
}

void extract_cleanup(void)
{
    xmlCleanupParser();
}

extract_format extract_format_of(const char *relpath)
{
    const char *base, *dot;

    if (relpath == NULL)
        return EXTRACT_FMT_NONE;
    base = strrchr(relpath, '/');
    base = base != NULL ? base + 1 : relpath;
    dot = strrchr(base, '.');
    if (dot == NULL || dot == base) /* ".md" is a hidden file, not a type */
        return EXTRACT_FMT_NONE;
    dot++;
    if (strcasecmp(dot, "txt") == 0)
        return EXTRACT_FMT_TEXT;
    if (strcasecmp(dot, "md") == 0 || strcasecmp(dot, "markdown") == 0)
        return EXTRACT_FMT_MARKDOWN;
    if (strcasecmp(dot, "html") == 0 || strcasecmp(dot, "htm") == 0)
        return EXTRACT_FMT_HTML;
    return EXTRACT_FMT_NONE;
}

const char *extract_strerror(extract_status st)
{
    switch (st) {
    case EXTRACT_OK:
        return "success";
    case EXTRACT_SKIP_TYPE:
        return "unsupported type";
    case EXTRACT_SKIP_EMPTY:
        return "empty";
    case EXTRACT_SKIP_BINARY:
        return "binary file";
    case EXTRACT_SKIP_UNLISTED:
        return "not for publication (draft, or noindex)";
    case EXTRACT_SKIP_TOO_LARGE:
        return "larger than the size limit";
    case EXTRACT_ERR_NOMEM:
        return "out of memory";
    case EXTRACT_ERR_ARG:
        return "invalid argument";
    }
    return "unknown status";
}

void extract_doc_free(extract_doc *doc)
{
    if (doc == NULL)
        return;
    free(doc->title);
    free(doc->url);
    free(doc->text);
    memset(doc, 0, sizeof *doc);
}

static void set_err(char *err, size_t errlen, extract_status st,
                    size_t max_size)
{
    if (err == NULL || errlen == 0)
        return;
    if (st == EXTRACT_SKIP_TOO_LARGE && max_size % (1024 * 1024) == 0)
        snprintf(err, errlen, "larger than %zu MB", max_size / 1024 / 1024);
    else if (st == EXTRACT_SKIP_TOO_LARGE)
        snprintf(err, errlen, "larger than %zu bytes", max_size);
    else
        snprintf(err, errlen, "%s",
                 st == EXTRACT_OK ? "" : extract_strerror(st));
}

/* Parse an HTML document (s is UTF-8 and NUL-terminated) and walk its
 * events. The parser is set up as htmlReadMemory() sets it up, with our
 * handlers in place of its tree builder; out of memory sets raw->failed. */
static void html_extract(const char *s, size_t n, buf *raw, buf *title, buf *h1,
                         buf *desc, buf *canon, int *noindex)
{
    int opts = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
               HTML_PARSE_NONET |
               HTML_PARSE_IGNORE_ENC; /* the bytes are UTF-8 by now,
                                         whatever <meta charset> says */
    xmlSAXHandlerV1 sax;
    xmlParserCtxtPtr ctxt;
    xmlCharEncodingHandlerPtr utf8;
    html_sax h;

    memset(&h, 0, sizeof h);
    h.body.out = raw;
    h.title = title;
    h.h1 = h1;
    h.desc = desc;
    h.canon = canon;
    h.noindex = noindex;
    memset(&sax, 0, sizeof sax);
    sax.startElement = sax_start;
    sax.endElement = sax_end;
    sax.characters = sax_text;
    sax.cdataBlock = sax_cdata;
    sax.comment = sax_comment;
    sax.processingInstruction = sax_pi;
    sax.initialized = 1;
    ctxt = xmlCreateMemoryParserCtxt(s, (int)n);
    if (ctxt == NULL || ctxt->sax == NULL)
        goto fail;
    memcpy(ctxt->sax, &sax, sizeof sax);
    ctxt->userData = &h;
    h.ctxt = ctxt;
    htmlCtxtUseOptions(ctxt, opts);
    ctxt->html = 1;
    utf8 = xmlFindCharEncodingHandler("UTF-8");
    if (utf8 != NULL) { /* else libxml2 would guess: keep its default */
        xmlSwitchToEncoding(ctxt, utf8);
        xmlFree((xmlChar *)ctxt->input->encoding);
        ctxt->input->encoding = xmlStrdup((const xmlChar *)"UTF-8");
    }
    htmlParseDocument(ctxt);
    /* libxml2 stops quietly when it runs out of memory: not a whole text */
    if (ctxt->errNo == XML_ERR_NO_MEMORY)
        h.failed = 1;
    if (ctxt->myDoc != NULL) /* no handler builds one; be sure */
        xmlFreeDoc(ctxt->myDoc);
    ctxt->myDoc = NULL;
    htmlFreeParserCtxt(ctxt);
    free(h.stack);
    if (h.failed)
        raw->failed = 1;
    return;
fail:
    if (ctxt != NULL)
        htmlFreeParserCtxt(ctxt);
    raw->failed = 1;
}

extract_status extract_document(const char *relpath, const char *bytes,
                                size_t len, size_t max_size, extract_doc *out,
                                char *err, size_t errlen)
{
    const unsigned char *u = (const unsigned char *)bytes;
    buf src = {0}, raw = {0}, text = {0}, fm_title = {0}, fm_url = {0};
    buf h_title = {0}, h1 = {0}, desc = {0}, canon = {0}, tbuf = {0};
    buf ubuf = {0};
    buf *title_src[4], *url_src[2];
    extract_status st = EXTRACT_OK;
    extract_format fmt;
    size_t body = 0, k;
    int utf8, unlisted = 0;

    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (relpath == NULL || (bytes == NULL && len > 0) || out == NULL) {
        st = EXTRACT_ERR_ARG;
        goto out;
    }
    if (max_size == 0)
        max_size = EXTRACT_MAX_SIZE;
    fmt = extract_format_of(relpath);
    if (fmt == EXTRACT_FMT_NONE) {
        st = EXTRACT_SKIP_TYPE;
        goto out;
    }
    /* libxml2 takes an int size, and recoding may grow the bytes 3 times */
    if (len > max_size || (fmt == EXTRACT_FMT_HTML && len > INT_MAX / 3)) {
        st = EXTRACT_SKIP_TOO_LARGE;
        if (max_size > INT_MAX / 3 && fmt == EXTRACT_FMT_HTML)
            max_size = INT_MAX / 3;
        goto out;
    }
    if (len == 0) {
        st = EXTRACT_SKIP_EMPTY;
        goto out;
    }
    if (looks_binary(u, len)) {
        st = EXTRACT_SKIP_BINARY;
        goto out;
    }
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        u += 3;
        len -= 3;
    }
    utf8 = utf8_valid(u, len);
    decode(u, len, utf8, &src);
    if (src.failed) {
        st = EXTRACT_ERR_NOMEM;
        goto out;
    }

    /* A file that was only a BOM decodes to nothing (src.p NULL). */
    const char *sp = src.p ? src.p : "";
    if (fmt != EXTRACT_FMT_HTML)
        body = front_matter(sp, src.len, &fm_title, &fm_url, &unlisted);
    if (fmt == EXTRACT_FMT_TEXT)
        normalise(sp + body, src.len - body, &text, 0);
    else if (fmt == EXTRACT_FMT_MARKDOWN)
        md_extract(sp + body, src.len - body, &raw, &h1);
    else if (src.len > 0)
        html_extract(src.p, src.len, &raw, &h_title, &h1, &desc, &canon,
                     &unlisted);
    if (fmt != EXTRACT_FMT_TEXT)
        normalise(raw.p, raw.len, &text, 0);
    if (desc.len > 0) { /* the description ends the text, once */
        buf_reset(&tbuf);
        normalise(desc.p, desc.len, &tbuf, 1);
        if (tbuf.len > 0 && (text.len == 0 || memmem(text.p, text.len, tbuf.p,
                                                     tbuf.len) == NULL)) {
            if (text.len > 0)
                buf_put(&text, "\n\n", 2);
            buf_put(&text, tbuf.p, tbuf.len);
        }
    }

    /* title: front matter, <title>, first <h1> or heading, first line */
    title_src[0] = &fm_title;
    title_src[1] = &h_title;
    title_src[2] = &h1;
    title_src[3] = &text;
    for (k = 0; k < 4; k++) {
        size_t tl = title_src[k]->len;
        if (k == 3 && text.p != NULL && memchr(text.p, '\n', tl) != NULL)
            tl = (size_t)((char *)memchr(text.p, '\n', tl) - text.p);
        make_title(title_src[k]->p, tl, &tbuf);
        if (tbuf.len > 0 || tbuf.failed)
            break;
    }

    /* url: front matter, canonical link, relative path */
    url_src[0] = &fm_url;
    url_src[1] = &canon;
    for (k = 0; k < 2; k++) {
        buf_reset(&ubuf);
        normalise(url_src[k]->p, url_src[k]->len, &ubuf, 1);
        if (ubuf.len > 0 && ubuf.len <= EXTRACT_MAX_URL)
            break;
    }
    if (k == 2) {
        size_t rl = strlen(relpath);
        buf_reset(&ubuf);
        decode((const unsigned char *)relpath, rl,
               utf8_valid((const unsigned char *)relpath, rl), &ubuf);
    }

    if (text.failed || tbuf.failed || ubuf.failed || raw.failed ||
        fm_title.failed || fm_url.failed || h_title.failed || h1.failed ||
        desc.failed || canon.failed) {
        st = EXTRACT_ERR_NOMEM;
        goto out;
    }
    if (unlisted) {
        st = EXTRACT_SKIP_UNLISTED;
        goto out;
    }
    if (text.len == 0 && tbuf.len == 0) {
        st = EXTRACT_SKIP_EMPTY;
        goto out;
    }
    out->title = buf_take(&tbuf, &out->title_len);
    out->url = buf_take(&ubuf, &out->url_len);
    out->text = buf_take(&text, &out->text_len);
    out->format = fmt;
    out->recoded = !utf8;
    out->url_own = k < 2;
    if (out->title == NULL || out->url == NULL || out->text == NULL) {
        extract_doc_free(out);
        st = EXTRACT_ERR_NOMEM;
    }
out:
    set_err(err, errlen, st, max_size);
    free(src.p);
    free(raw.p);
    free(text.p);
    free(fm_title.p);
    free(fm_url.p);
    free(h_title.p);
    free(h1.p);
    free(desc.p);
    free(canon.p);
    free(tbuf.p);
    free(ubuf.p);
    return st;
}
