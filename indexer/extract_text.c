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

void extract_title(const char *s, size_t n, buf_t *o)
{
    size_t cut;

    buf_reset(o);
    extract_normalise(s, n, o, 1);
    if (o->failed || o->len <= EXTRACT_MAX_TITLE)
        return;
    cut = EXTRACT_MAX_TITLE;
    while (cut > 0 && ((unsigned char)o->data[cut] & 0xC0) == 0x80)
        cut--;
    while (cut > 0 && o->data[cut - 1] == ' ')
        cut--;
    buf_truncate(o, cut); /* clears failed: it is 0 here */
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

/* The first non-blank line after the opening fence must be a key so that
 * a Markdown thematic break followed by a setext heading is not mistaken
 * for a front matter. */
size_t extract_front_matter(const char *s, size_t n, buf_t *title, buf_t *url,
                            int *unlisted)
{
    const char *t = NULL, *u = NULL;
    size_t tl = 0, ul = 0, pos, next, len, k;
    int seen_key = 0, draft = -1, published = -1;

    if (n == 0)
        return 0;
    len = extract_line(s, n, &next);
    if (!fm_fence(s, len, 0) || next >= n)
        return 0;
    for (pos = next; pos < n && pos <= FM_MAX; pos += next) {
        const char *l = s + pos, *v;
        size_t vl;

        len = extract_line(l, n - pos, &next);
        if (fm_fence(l, len, 1)) {
            if (t != NULL)
                buf_append(title, t, tl);
            if (u != NULL)
                buf_append(url, u, ul);
            /* either key can keep the page out, whatever the other says */
            *unlisted = draft == 1 || published == 0;
            return pos + next;
        }
        v = l;
        vl = len;
        extract_trim(&v, &vl);
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
        extract_trim(&v, &vl);
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
