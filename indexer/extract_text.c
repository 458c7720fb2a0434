/* extract_text: plain text for the extractor: whitespace normalisation,
 * titles, and the front matter of .txt and .md files. */
#include "indexer/extract_int.h"

#include <string.h>
#include <strings.h>

#define FM_MAX 65536 /* a front matter must close within this */

/* ---- whitespace normalisation ---- */

/* Offset in the input of point k of r: start of r[k / 2] for even k, end
 * for odd k. */
static size_t range_point(const extract_range *r, size_t k)
{
    return k % 2 == 0 ? r[k / 2].start : r[k / 2].end;
}

/* The normaliser, moving the points of r[0..nr) as it passes them (see
 * extract_normalise_map). An end is known when reached, a start only when
 * the next text is written, after the separator, which the whitespace
 * still to come decides: points pend, pend + 2, ... < k wait for it. */
static void normalise(const char *s, size_t n, buf_t *o, int one_line,
                      extract_range *r, size_t nr)
{
    const unsigned char *u = (const unsigned char *)s;
    int space = 0, nl = 0;
    size_t i = 0, j, k = 0, npt = 2 * nr, pend = npt, q, stop;

    while (i < n) {
        unsigned c = u[i];
        size_t skip = 1;
        int brk = 0; /* 0: content, 1: space, 2: newline, 3: paragraph */

        for (; k < npt && range_point(r, k) <= i; k++) {
            if (k % 2 == 1)
                r[k / 2].end = o->len;
            else if (pend == npt)
                pend = k;
        }

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
                    buf_append(o, "\n\n", nl > 1 ? 2 : 1);
                else if (space)
                    buf_putc(o, ' ');
            }
            nl = space = 0;
            for (q = pend; q < k; q += 2)
                r[q / 2].start = o->len;
            pend = npt;
            /* copy the run of plain bytes in one go, up to the next point */
            stop = k < npt ? range_point(r, k) : n;
            for (j = i + 1; j < stop && u[j] > ' ' && u[j] != 0x7F &&
                            u[j] != 0xC2 && u[j] != 0xE2 && u[j] != 0xEF;
                 j++)
                ;
            buf_append(o, s + i, j - i);
            i = j;
            continue;
        }
        i += skip;
    }
    if (r == NULL)
        return; /* no ranges to move (nr is 0) */
    /* starts no text followed, and the points at or past the end */
    for (q = pend; q < k; q += 2)
        r[q / 2].start = o->len;
    for (q = k; q < npt; q++) {
        if (q % 2 == 1)
            r[q / 2].end = o->len;
        else
            r[q / 2].start = o->len;
    }
    for (q = 0; q < nr; q++)
        if (r[q].end < r[q].start)
            r[q].end = r[q].start;
}

void extract_normalise(const char *s, size_t n, buf_t *o, int one_line)
{
    normalise(s, n, o, one_line, NULL, 0);
}

void extract_normalise_map(const char *s, size_t n, buf_t *o, extract_range *r,
                           size_t nr)
{
    normalise(s, n, o, 0, r, nr);
}

void extract_cut(buf_t *o, size_t max)
{
    size_t cut;

    if (o->failed || o->len <= max)
        return;
    cut = max;
    while (cut > 0 && ((unsigned char)o->data[cut] & 0xC0) == 0x80)
        cut--;
    while (cut > 0 && o->data[cut - 1] == ' ')
        cut--;
    buf_truncate(o, cut); /* clears failed: it is 0 here */
}

void extract_field(const char *s, size_t n, buf_t *o, size_t max)
{
    buf_reset(o);
    extract_normalise(s, n, o, 1);
    extract_cut(o, max);
}

/* ---- metadata values ---- */

/* s[0..n) equals t[0..n) but for the case of ASCII letters (strncasecmp
 * may fold more under some locales). */
static int ascii_caseeq(const char *s, const char *t, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        unsigned char a = (unsigned char)s[k], b = (unsigned char)t[k];
        if (a >= 'A' && a <= 'Z')
            a += 'a' - 'A';
        if (b >= 'A' && b <= 'Z')
            b += 'a' - 'A';
        if (a != b)
            return 0;
    }
    return 1;
}

void extract_tags_add(extract_tags *t, const char *s, size_t n)
{
    const char *p;
    size_t k, pl;

    if (t->n == EXTRACT_MAX_TAGS) /* first: a long list costs no more */
        return;
    extract_field(s, n, &t->tmp, EXTRACT_MAX_TAG);
    if (t->tmp.failed) { /* tmp is reset by the next tag: tell list */
        t->list.failed = 1;
        return;
    }
    if (t->tmp.len == 0)
        return;
    for (p = t->list.data, k = 0; k < t->n; k++, p += pl + 1) {
        pl = strlen(p);
        if (pl == t->tmp.len && ascii_caseeq(p, t->tmp.data, pl))
            return;
    }
    /* with its terminator: data[len] is '\0' once data is allocated */
    if (buf_append(&t->list, t->tmp.data, t->tmp.len + 1) == BUF_OK)
        t->n++;
}

/* The count digits of s[at..n) as a number in *val; 0 when they are not
 * all there. */
static int digits(const char *s, size_t n, size_t at, size_t count, int *val)
{
    int v = 0;

    if (at > n || count > n - at)
        return 0;
    for (size_t k = at; k < at + count; k++) {
        if (s[k] < '0' || s[k] > '9')
            return 0;
        v = v * 10 + (s[k] - '0');
    }
    *val = v;
    return 1;
}

/* What may follow the day in ISO 8601 (and YAML): "" or [Tt ]HH:MM, then
 * :SS and a fraction, then a zone (Z, +HH, +HHMM, +HH:MM, or YAML's -5),
 * after blanks in YAML's form. */
static int iso_time(const char *s, size_t n)
{
    size_t i, k;
    int hh, mm, ss;

    if (n == 0)
        return 1;
    if (s[0] != 'T' && s[0] != 't' && s[0] != ' ')
        return 0;
    if (!digits(s, n, 1, 2, &hh) || hh > 23 || n < 4 || s[3] != ':' ||
        !digits(s, n, 4, 2, &mm) || mm > 59)
        return 0;
    i = 6;
    if (i < n && s[i] == ':') {
        if (!digits(s, n, i + 1, 2, &ss) || ss > 60) /* 60: leap second */
            return 0;
        i += 3;
        if (i < n && (s[i] == '.' || s[i] == ',')) {
            for (k = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
                ;
            if (i == k)
                return 0;
        }
    }
    while (i < n && s[i] == ' ')
        i++;
    if (i == n)
        return 1;
    if (s[i] == 'Z' || s[i] == 'z')
        return i + 1 == n;
    if (s[i] != '+' && s[i] != '-')
        return 0;
    for (k = ++i; i < n && i - k < 2 && s[i] >= '0' && s[i] <= '9'; i++)
        ;
    if (i == k)
        return 0;
    if (i < n && s[i] == ':')
        i++;
    else if (i == n)
        return 1;
    return digits(s, n, i, 2, &mm) && mm <= 59 && i + 2 == n;
}

int extract_date(const char *s, size_t n, char out[EXTRACT_DATE_SIZE])
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
    int y, m, d;

    while (n > 0 &&
           (extract_hspace(*s) || *s == '\n' || *s == '\r' || *s == '\f')) {
        s++;
        n--;
    }
    while (n > 0 && (extract_hspace(s[n - 1]) || s[n - 1] == '\n' ||
                     s[n - 1] == '\r' || s[n - 1] == '\f'))
        n--;
    if (!digits(s, n, 0, 4, &y) || n < 10 || s[4] != '-' ||
        !digits(s, n, 5, 2, &m) || s[7] != '-' || !digits(s, n, 8, 2, &d))
        return 0;
    if (y == 0 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
        (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
        return 0;
    if (!iso_time(s + 10, n - 10))
        return 0;
    memcpy(out, s, 10);
    out[10] = '\0';
    return 1;
}

/* ---- front matter ---- */

size_t extract_line(const char *s, size_t n, size_t *next)
{
    const char *nl = memchr(s, '\n', n);
    size_t len = nl != NULL ? (size_t)(nl - s) : n;

    *next = nl != NULL ? len + 1 : n;
    if (len > 0 && s[len - 1] == '\r')
        len--;
    return len;
}

void extract_trim(const char **s, size_t *n)
{
    while (*n > 0 && extract_hspace(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && extract_hspace((*s)[*n - 1]))
        (*n)--;
}

static int fm_fence(const char *s, size_t n, int closing)
{
    extract_trim(&s, &n);
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
        if (v[i] == '#' && extract_hspace(v[i - 1])) {
            n = i;
            break;
        }
    while (n > 0 && extract_hspace(v[n - 1]))
        n--;

    for (size_t i = 0; i < 3; i++) {
        if (n == strlen(yes[i]) && strncasecmp(v, yes[i], n) == 0)
            return 1;
        if (n == strlen(no[i]) && strncasecmp(v, no[i], n) == 0)
            return 0;
    }
    return -1;
}

/* The keys read (case-insensitively); the others are skipped. */
enum {
    FM_OTHER = 0,
    FM_TITLE,
    FM_URL,
    FM_DRAFT,
    FM_PUBLISHED,
    FM_LANG,
    FM_LANGUAGE,
    FM_DATE,
    FM_TAGS, /* also keywords */
    FM_SECTION,
    FM_DESC,
    FM_NKEYS,
    FM_FLOW = FM_NKEYS, /* a "[...]" list going on over the next lines */
};

static const struct fm_name {
    const char *name;
    int key;
} fm_names[] = {
    {"title", FM_TITLE},      {"url", FM_URL},
    {"draft", FM_DRAFT},      {"published", FM_PUBLISHED},
    {"lang", FM_LANG},        {"language", FM_LANGUAGE},
    {"date", FM_DATE},        {"tags", FM_TAGS},
    {"keywords", FM_TAGS},    {"section", FM_SECTION},
    {"description", FM_DESC},
};

static int fm_which(const char *key, size_t k)
{
    for (size_t i = 0; i < sizeof fm_names / sizeof fm_names[0]; i++)
        if (strlen(fm_names[i].name) == k &&
            strncasecmp(key, fm_names[i].name, k) == 0)
            return fm_names[i].key;
    return FM_OTHER;
}

/* A value seen: s[0..n) of the front matter, s NULL when not (yet). */
typedef struct fm_val {
    const char *s;
    size_t n;
} fm_val;

/* A one-line scalar (trimmed): what is inside its quotes when it starts
 * with one that closes, else what comes before a comment ("#" at the
 * start or after a blank). */
static void fm_scalar(const char **v, size_t *n)
{
    const char *s = *v, *q;
    size_t len = *n, k;

    if (len > 0 && (s[0] == '"' || s[0] == '\'') &&
        (q = memchr(s + 1, s[0], len - 1)) != NULL) {
        *v = s + 1;
        *n = (size_t)(q - s) - 1;
        return;
    }
    for (k = 0; k < len; k++)
        if (s[k] == '#' && (k == 0 || extract_hspace(s[k - 1])))
            break;
    *n = k;
    extract_trim(v, n);
}

/* A block scalar's header: | or >, then chomping and indentation
 * indicators (the text is on the lines that follow). */
static int fm_block_header(const char *v, size_t n)
{
    fm_scalar(&v, &n);
    if (n == 0 || (v[0] != '|' && v[0] != '>'))
        return 0;
    for (size_t k = 1; k < n; k++)
        if (v[k] != '+' && v[k] != '-' && (v[k] < '1' || v[k] > '9'))
            return 0;
    return 1;
}

/* Add the items of the list s[0..n) to t: separated by commas, each
 * quoted or not; a comment ends the line. In a flow sequence (flow), ']'
 * ends the list: return 1 when it did. */
static int fm_items(const char *s, size_t n, int flow, extract_tags *t)
{
    size_t i = 0, start, end;

    for (;;) {
        while (i < n && extract_hspace(s[i]))
            i++;
        if (i == n || (s[i] == '#' && (i == 0 || extract_hspace(s[i - 1]))))
            return 0;
        if (flow && s[i] == ']')
            return 1;
        if (s[i] == '"' || s[i] == '\'') {
            const char *q = memchr(s + i + 1, s[i], n - i - 1);
            start = i + 1;
            end = q != NULL ? (size_t)(q - s) : n;
            /* what follows the closing quote, up to the separator, is
             * not YAML: dropped */
            for (i = end; i < n && s[i] != ',' && !(flow && s[i] == ']'); i++)
                ;
        } else {
            for (start = i; i < n && s[i] != ',' && !(flow && s[i] == ']') &&
                            !(s[i] == '#' && extract_hspace(s[i - 1]));
                 i++)
                ;
            end = i;
        }
        extract_tags_add(t, s + start, end - start);
        if (i < n && s[i] == ',')
            i++;
    }
}

/* A line that goes on the value of key cont (FM_TAGS: a block list after
 * an empty value; FM_FLOW; FM_DESC), given trimmed as v[0..vl): 1 when it
 * did (and was taken), 0 when it is a line of its own. */
static int fm_more(int *cont, const char *l, size_t len, const char *v,
                   size_t vl, fm_val *desc, extract_tags *tags)
{
    if (*cont == FM_TAGS && v[0] == '-' && (vl == 1 || extract_hspace(v[1]))) {
        v++;
        vl--;
        extract_trim(&v, &vl);
        fm_scalar(&v, &vl);
        extract_tags_add(tags, v, vl);
        return 1;
    }
    if (*cont == FM_TAGS && extract_hspace(l[0]))
        return 1; /* an indented line of something else: skipped */
    if (*cont == FM_FLOW && fm_key(l, len) == 0) {
        if (fm_items(v, vl, 1, tags))
            *cont = FM_OTHER;
        return 1;
    }
    if (*cont == FM_DESC && extract_hspace(l[0])) {
        if (desc->n == 0) /* the text starts here (after | or >) */
            desc->s = v;
        desc->n = (size_t)(v + vl - desc->s);
        return 1;
    }
    return 0;
}

/* Append v to o when it was seen. */
static void fm_put(buf_t *o, const fm_val *v)
{
    if (v->s != NULL)
        buf_append(o, v->s, v->n);
}

/* The first non-blank line after the opening fence must be a key so that
 * a Markdown thematic break followed by a setext heading is not mistaken
 * for a front matter. Tags are added as they come, and taken back when
 * there is no front matter after all. */
size_t extract_front_matter(const char *s, size_t n, extract_fm *fm)
{
    fm_val val[FM_NKEYS] = {{NULL, 0}};
    char date[EXTRACT_DATE_SIZE] = "";
    size_t pos, next, len, k, ntags = fm->tags.n, tags_len = fm->tags.list.len;
    int seen_key = 0, draft = -1, published = -1, cont = FM_OTHER, key;

    if (n == 0)
        return 0;
    len = extract_line(s, n, &next);
    if (!fm_fence(s, len, 0) || next >= n)
        return 0;
    for (pos = next; pos < n && pos <= FM_MAX; pos += next) {
        const char *l = s + pos, *v, *q;
        size_t vl, ql;

        len = extract_line(l, n - pos, &next);
        if (fm_fence(l, len, 1)) {
            fm_put(&fm->title, &val[FM_TITLE]);
            fm_put(&fm->url, &val[FM_URL]);
            fm_put(&fm->lang, &val[val[FM_LANG].n > 0 ? FM_LANG : FM_LANGUAGE]);
            fm_put(&fm->section, &val[FM_SECTION]);
            v = val[FM_DESC].s;
            vl = val[FM_DESC].n;
            if (vl > 0 && (v[0] == '"' || v[0] == '\'')) { /* its quotes */
                for (k = vl - 1; k > 0 && v[k] != v[0]; k--)
                    ;
                if (k > 0) {
                    v++;
                    vl = k - 1;
                }
            }
            buf_append(&fm->desc, v, vl);
            memcpy(fm->date, date, sizeof date);
            /* either key can keep the page out, whatever the other says */
            fm->unlisted = draft == 1 || published == 0;
            return pos + next;
        }
        v = l;
        vl = len;
        extract_trim(&v, &vl);
        if (vl == 0 || v[0] == '#')
            continue;
        if (cont != FM_OTHER &&
            fm_more(&cont, l, len, v, vl, &val[FM_DESC], &fm->tags))
            continue;
        cont = FM_OTHER;
        k = fm_key(l, len);
        if (!seen_key && k == 0)
            goto none;
        seen_key = 1;
        key = fm_which(l, k);
        if (key == FM_OTHER)
            continue;
        v = l + k + 1;
        vl = len - k - 1;
        extract_trim(&v, &vl);
        q = v; /* title, url and the flags: without their quotes */
        ql = vl;
        if (ql >= 2 && (q[0] == '"' || q[0] == '\'') && q[ql - 1] == q[0]) {
            q++;
            ql -= 2;
        }
        switch (key) {
        case FM_TITLE:
        case FM_URL:
            val[key] = (fm_val){q, ql};
            break;
        case FM_DRAFT: /* the last one counts */
            draft = fm_bool(q, ql);
            break;
        case FM_PUBLISHED:
            published = fm_bool(q, ql);
            break;
        case FM_LANG:
        case FM_LANGUAGE:
        case FM_SECTION:
            fm_scalar(&v, &vl);
            val[key] = (fm_val){v, vl};
            break;
        case FM_DATE:
            fm_scalar(&v, &vl);
            if (!extract_date(v, vl, date))
                date[0] = '\0';
            break;
        case FM_TAGS:
            if (vl == 0 || v[0] == '#')
                cont = FM_TAGS;
            else if (v[0] == '[' && !fm_items(v + 1, vl - 1, 1, &fm->tags))
                cont = FM_FLOW;
            else if (v[0] != '[')
                fm_items(v, vl, 0, &fm->tags);
            break;
        case FM_DESC:
            val[key] = (fm_val){v, fm_block_header(v, vl) ? 0 : vl};
            cont = FM_DESC;
            break;
        }
    }
none:
    buf_truncate(&fm->tags.list, tags_len);
    fm->tags.n = ntags;
    return 0;
}
