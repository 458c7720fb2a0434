/* snip: pick and emit the excerpt of a hit. One pass over the bytes looks
 * only at words whose first folded letters could match (a word is stemmed
 * only then), a sliding window over the matches picks the region, and the
 * region is emitted HTML-escaped with its matches marked. */
#include "search/snip.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "common/frplural.h"
#include "common/utf8.h"

/* Leading folded bytes compared before a word is analysed (at most). The
 * French stemmer only rewrites the last two letters of what it keeps
 * ("indicateur" -> "indiqu", "fréquemment" -> "frequent") and turns y into
 * i ("soyez" -> "soi"), which keys fold too: so a word can only have stem
 * S when its fold starts with S less its last two bytes (checked on 4M
 * words of bench/data), and with at least min(|S|, 3) bytes of it. */
#define KEY_LEN 24
#define KEY_MIN 3
/* A word a "no match" excerpt may run past its end to stay whole. */
#define LONG_WORD 256
/* Bytes a whitespace run may take before it counts as a paragraph. */
#define SPACE_RUN_MAX 4096

typedef struct sterm {
    const char *s;
    size_t len;
    unsigned char key[KEY_LEN];
    size_t klen; /* bytes of key a word's fold must start with */
    int prefix;  /* 1: s is a fold prefix; 2: a whole fold; 0: a stem */
} sterm;

typedef struct smatch {
    uint32_t start, end;   /* bytes of the word */
    uint32_t cstart, cend; /* the same in characters (code points) */
    uint32_t id;           /* index of the term it matched */
} smatch;

typedef struct snip {
    analyzer *a;
    const unsigned char *t;
    size_t n;      /* text length */
    size_t target; /* characters */
    sterm terms[SNIP_MAX_TERMS];
    size_t nterms;
    unsigned char cand[256]; /* bytes that may start a matching word */
    size_t klen_max;         /* longest klen */
    smatch m[SNIP_MAX_MATCHES];
    size_t nm;
    size_t need;  /* distinct terms a window can hold at most */
    int lo_start; /* t[0] is the text's first byte (t may be a slice) */
    int hi_end;   /* t[n] is the text's end */
    /* a walk met a slice's edge that is not the text's: the excerpt might
     * differ from the whole text's (snip_build_stored reads a wider one) */
    int edge;
    int nomem;
} snip;

enum { CH_TEXT, CH_SPACE, CH_DROP, CH_BAD };

const char *snip_strerror(snip_status st)
{
    switch (st) {
    case SNIP_OK:
        return "success";
    case SNIP_ERR_NOMEM:
        return "out of memory";
    case SNIP_ERR_LIMIT:
        return "output buffer full";
    case SNIP_ERR_TEXT:
        return "stored text unreadable";
    }
    return "unknown error";
}

/* ---- characters -------------------------------------------------------- */

/* The analyzer's own rules (its decoder is common/utf8's), so that
 * snippets and the index agree on what a word is. */
#define is_word_cp analyze_is_word_cp

static int is_ascii_word(unsigned c)
{
    return (c - '0' < 10u) | ((c | 0x20) - 'a' < 26u);
}

/* Kind and byte length of the character at t[i]: invalid bytes are one
 * CH_BAD each (shown as U+FFFD), C0/C1 controls are dropped. */
static size_t step(const unsigned char *t, size_t n, size_t i, int *kind)
{
    unsigned c = t[i];
    if (c < 0x80) {
        if (c == ' ' || (c >= '\t' && c <= '\r'))
            *kind = CH_SPACE;
        else if (c < 0x20 || c == 0x7F)
            *kind = CH_DROP;
        else
            *kind = CH_TEXT;
        return 1;
    }
    int32_t cp;
    size_t k = utf8_decode(t + i, n - i, &cp, NULL);
    if (!k) {
        *kind = CH_BAD;
        return 1;
    }
    if (cp < 0xA0)
        *kind = CH_DROP;
    else if (cp == 0x2028 || cp == 0x2029)
        *kind = CH_SPACE;
    else
        *kind = CH_TEXT;
    return k;
}

/* Start of the character that ends at pos (> 0): a valid sequence, or the
 * single invalid byte before pos. */
static size_t prev_start(const unsigned char *t, size_t n, size_t pos)
{
    size_t j = pos - 1;
    int32_t cp;
    while (j > 0 && pos - j < 4 && (t[j] & 0xC0) == 0x80)
        j--;
    if (utf8_decode(t + j, n - j, &cp, NULL) == pos - j)
        return j;
    return pos - 1;
}

static int kind_at(const unsigned char *t, size_t n, size_t i)
{
    int kind;
    step(t, n, i, &kind);
    return kind;
}

static int word_at(const unsigned char *t, size_t n, size_t i)
{
    int32_t cp;
    size_t k = utf8_decode(t + i, n - i, &cp, NULL);
    return k && is_word_cp(cp);
}

/* End of the word whose characters run from i (all word characters). */
static size_t word_end(const unsigned char *t, size_t n, size_t i)
{
    while (i < n) {
        if (t[i] < 0x80) {
            if (!is_ascii_word(t[i]))
                break;
            i++;
            continue;
        }
        int32_t cp;
        size_t k = utf8_decode(t + i, n - i, &cp, NULL);
        if (!k || !is_word_cp(cp))
            break;
        i += k;
    }
    return i;
}

/* Code points in s[0..n) (invalid bytes are near enough): a word at a
 * time, eight bytes at a time, counting the non-continuation bytes. */
static size_t count_chars(const unsigned char *s, size_t n)
{
    size_t cont = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        /* continuation byte: bit 7 set and bit 6 clear */
        x = (x & ~(x << 1) & 0x8080808080808080ull) >> 7;
        cont += (size_t)((x * 0x0101010101010101ull) >> 56); /* byte sum */
    }
    for (; i < n; i++)
        cont += (s[i] & 0xC0) == 0x80;
    return n - cont;
}

/* ---- matching ---------------------------------------------------------- */

/* 1 for a byte that cannot end a word (ASCII other than [0-9A-Za-z]),
 * or may (non-ASCII, decided by decoding). */
static const unsigned char after_sep[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1,
    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Key byte: ASCII lowercase with y folded into i (see KEY_LEN). */
static unsigned char key_byte(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        c = (unsigned char)(c + 32);
    return c == 'y' ? 'i' : c;
}

/* Folded form of U+00C0..U+00FF (the analyzer's NFKC + casefold + strip
 * marks); NULL where it is not plain ASCII, which sends the word to the
 * analyzer. × and ÷ are not word characters, so never looked up. */
static const char *const latin1[64] = {
    "a", "a", "a", "a",  "a",  "a",  "ae", "c", "e", "e",  "e",  "e",  "i",
    "i", "i", "i", NULL, "n",  "o",  "o",  "o", "o", "o",  "",   NULL, "u",
    "u", "u", "u", "y",  NULL, "ss", "a",  "a", "a", "a",  "a",  "a",  "ae",
    "c", "e", "e", "e",  "e",  "i",  "i",  "i", "i", NULL, "n",  "o",  "o",
    "o", "o", "o", "",   NULL, "u",  "u",  "u", "u", "y",  NULL, "y",
};

/* Key of the word t[s..e): its first folded bytes (at most max) into kb,
 * returns how many, or -1 when a character needs the analyzer. */
static int fast_key(const unsigned char *t, size_t s, size_t e,
                    unsigned char *kb, size_t max)
{
    size_t kn = 0;
    while (kn < max && s < e) {
        unsigned c = t[s];
        const char *f;
        if (c < 0x80) {
            kb[kn++] = key_byte((unsigned char)c);
            s++;
            continue;
        }
        if (c == 0xC3 && s + 1 < e)
            f = latin1[t[s + 1] & 0x3F];
        else if (c == 0xC5 && s + 1 < e &&
                 (t[s + 1] == 0x92 || t[s + 1] == 0x93))
            f = "oe"; /* Œ œ: the analyzer expands the ligature */
        else
            return -1;
        if (!f)
            return -1;
        for (; *f && kn < max; f++)
            kb[kn++] = key_byte((unsigned char)*f);
        s += 2;
    }
    return (int)kn;
}

static int key_matches(const sterm *tm, const unsigned char *kb, size_t kn)
{
    if (kn < tm->klen)
        return 0;
    for (size_t i = 0; i < tm->klen; i++)
        if (kb[i] != tm->key[i])
            return 0;
    return 1;
}

static void add_term(snip *sn, const char *s, int prefix)
{
    size_t len = strlen(s);
    /* a plural that does not start like its stem (yeux: oeil) is found by
     * its own first letters, as a whole fold */
    const char *odd = prefix ? NULL : frplural_odd_plural(s, len);
    if (odd)
        add_term(sn, odd, 2);
    if (len == 0 || sn->nterms == SNIP_MAX_TERMS)
        return; /* an empty prefix would mark every word */
    sterm *tm = &sn->terms[sn->nterms++];
    tm->s = s;
    tm->len = len;
    tm->prefix = prefix;
    tm->klen = prefix || len <= 2 ? len : len - 2;
    if (tm->klen < KEY_MIN)
        tm->klen = len < KEY_MIN ? len : KEY_MIN;
    if (tm->klen > KEY_LEN)
        tm->klen = KEY_LEN;
    if (tm->klen > sn->klen_max)
        sn->klen_max = tm->klen;
    for (size_t i = 0; i < tm->klen; i++)
        tm->key[i] = key_byte((unsigned char)s[i]);
    /* Bytes that may start a word whose fold starts with key[0]. Other
     * lead bytes than C2 and C3 are rare in French: always looked at. */
    unsigned char b = tm->key[0];
    if (b >= 0x80) {
        memset(sn->cand + 0xC2, 1, 2);
        return;
    }
    sn->cand[b] = 1;
    if (b >= 'a' && b <= 'z')
        sn->cand[b - 32] = 1;
    if (b == 'i')
        sn->cand['y'] = sn->cand['Y'] = 1;
    if (strchr("aceinosu", b))
        sn->cand[0xC3] = 1; /* À..ÿ fold to these (and to non-ASCII) */
    if (strchr("ao123", b))
        sn->cand[0xC2] = 1; /* ª º ¹ ² ³ ¼ ½ ¾ */
}

/* Analyse the word t[s..e) and record it when it matches a term. */
static void check_word(snip *sn, size_t s, size_t e)
{
    analyze_token tok;
    int r;
    analyze_begin(sn->a, (const char *)sn->t + s, e - s, 1);
    r = analyze_next(sn->a, &tok);
    if (r < 0)
        sn->nomem = 1;
    if (r != 1)
        return; /* a word the analyzer skips (too long) */
    unsigned char kb[KEY_LEN];
    size_t kn = tok.fold_len < sn->klen_max ? tok.fold_len : sn->klen_max;
    for (size_t i = 0; i < kn; i++)
        kb[i] = key_byte((unsigned char)tok.fold[i]);
    const char *stem = NULL, *astem = NULL;
    size_t stem_len = 0, astem_len = 0;
    int accented = tok.exact_len != tok.fold_len ||
                   memcmp(tok.exact, tok.fold, tok.fold_len) != 0;
    for (size_t i = 0; i < sn->nterms; i++) {
        const sterm *tm = &sn->terms[i];
        if (!key_matches(tm, kb, kn))
            continue;
        int hit;
        if (tm->prefix) {
            hit = (tm->prefix == 1 ? tok.fold_len >= tm->len
                                   : tok.fold_len == tm->len) &&
                  memcmp(tok.fold, tm->s, tm->len) == 0;
        } else {
            if (!stem) {
                /* fold is in the analyzer's buffer, the stem elsewhere */
                stem = analyze_stem(sn->a, tok.fold, tok.fold_len, &stem_len);
                if (!stem) {
                    sn->nomem = stem_len != 0;
                    return;
                }
            }
            hit = stem_len == tm->len && memcmp(stem, tm->s, tm->len) == 0;
            if (!hit && accented) {
                /* the document word's other stem (analyze_token.astem) */
                if (!astem) {
                    astem = analyze_astem(sn->a, tok.exact, tok.exact_len,
                                          tok.fold, tok.fold_len, &astem_len);
                    if (!astem && astem_len) {
                        sn->nomem = 1;
                        return;
                    }
                    if (!astem) { /* none: the word's stem serves, as the
                                     analyzer's tokens do */
                        astem = stem;
                        astem_len = stem_len;
                    }
                }
                hit =
                    astem_len == tm->len && memcmp(astem, tm->s, tm->len) == 0;
            }
        }
        if (hit) {
            smatch *m = &sn->m[sn->nm++];
            m->start = (uint32_t)s;
            m->end = (uint32_t)e;
            m->id = (uint32_t)i;
            return;
        }
    }
}

/* 1 when the matches within target characters before match last (it
 * included) hold every term. */
static int full_window_ends_at(const snip *sn, size_t last)
{
    unsigned char seen[SNIP_MAX_TERMS] = {0};
    size_t distinct = 0;
    for (size_t j = last + 1; j-- > 0;) {
        const smatch *m = &sn->m[j];
        if (sn->m[last].cend - m->cstart > sn->target)
            break;
        if (!seen[m->id]) {
            seen[m->id] = 1;
            if (++distinct == sn->need)
                return 1;
        }
    }
    return 0;
}

/* The pass over the text: skip bytes that cannot start a candidate word,
 * skip the rest of words entered in the middle, check the others. */
static void scan(snip *sn)
{
    const unsigned char *t = sn->t;
    size_t n = sn->n < SNIP_MAX_SCAN ? sn->n : SNIP_MAX_SCAN, i = 0;

    /* a word start at 0 has no byte before it */
    int at0 = n > 0 && sn->cand[t[0]];
    size_t pos = 0, c = 0; /* character offset c of byte pos */
    size_t stop = n;       /* set once a window holds every term */
    while (sn->nm < SNIP_MAX_MATCHES && !sn->nomem && i < stop) {
        if (at0) {
            at0 = 0;
        } else {
            /* only candidate bytes after a separator byte stop here */
            if (i == 0)
                i = 1;
            const unsigned char *c = sn->cand;
            while (i + 4 <= n && !((c[t[i]] & after_sep[t[i - 1]]) |
                                   (c[t[i + 1]] & after_sep[t[i]]) |
                                   (c[t[i + 2]] & after_sep[t[i + 1]]) |
                                   (c[t[i + 3]] & after_sep[t[i + 2]])))
                i += 4;
            while (i < n && !(c[t[i]] & after_sep[t[i - 1]]))
                i++;
            if (i >= n)
                break;
        }
        size_t k = 1;
        if (t[i] >= 0x80) {
            int32_t cp;
            k = utf8_decode(t + i, n - i, &cp, NULL);
            if (!k || !is_word_cp(cp)) {
                i += k ? k : 1;
                continue;
            }
        }
        if (i > 0 && t[i - 1] >= 0x80 && word_at(t, n, prev_start(t, n, i))) {
            i = word_end(t, n, i + k); /* inside a word */
            continue;
        }
        size_t s = i;
        if (s >= stop)
            break; /* the skips above may pass the stop: a word past it is
                      out, as snip_build_stored's are */
        i = word_end(t, n, i + k);
        unsigned char kb[KEY_LEN];
        int kn = fast_key(t, s, i, kb, sn->klen_max);
        int maybe = kn < 0;
        for (size_t j = 0; !maybe && j < sn->nterms; j++)
            maybe = key_matches(&sn->terms[j], kb, (size_t)kn);
        size_t before = sn->nm;
        if (maybe)
            check_word(sn, s, i);
        if (sn->nm == before)
            continue;
        /* character offsets of the new match, for the window */
        smatch *m = &sn->m[sn->nm - 1];
        c += count_chars(t + pos, m->start - pos);
        m->cstart = (uint32_t)c;
        c += count_chars(t + m->start, m->end - m->start);
        m->cend = (uint32_t)c;
        pos = m->end;
        /* Once a window ending here holds every term, no later window can
         * hold more: scan one window further (for denser ties), then stop.
         * This keeps long documents from being read to the end. */
        if (stop == n && full_window_ends_at(sn, sn->nm - 1))
            stop = m->end + 4 * sn->target < n ? m->end + 4 * sn->target : n;
    }
}

/* Matches [*bi, *bj) of the best window: the most distinct terms, then the
 * most matches, then the earliest. Two pointers over the matches. */
static void best_window(const snip *sn, size_t *bi, size_t *bj)
{
    uint32_t cnt[SNIP_MAX_TERMS] = {0};
    size_t j = 0, distinct = 0, best_d = 0, best_c = 0;

    *bi = 0;
    *bj = 1;
    for (size_t i = 0; i < sn->nm; i++) {
        if (j <= i) { /* always hold match i, even when too long */
            j = i + 1;
            distinct += cnt[sn->m[i].id]++ == 0;
        }
        while (j < sn->nm && sn->m[j].cend - sn->m[i].cstart <= sn->target)
            distinct += cnt[sn->m[j++].id]++ == 0;
        if (distinct > best_d || (distinct == best_d && j - i > best_c)) {
            best_d = distinct;
            best_c = j - i;
            *bi = i;
            *bj = j;
        }
        distinct -= --cnt[sn->m[i].id] == 0;
    }
}

/* ---- the excerpt's bounds ---------------------------------------------- */

static size_t skip_blank(snip *sn, size_t p)
{
    int kind;
    while (p < sn->n) {
        size_t k = step(sn->t, sn->n, p, &kind);
        if (kind != CH_SPACE && kind != CH_DROP)
            return p;
        p += k;
    }
    sn->edge |= !sn->hi_end;
    return p;
}

/* 1 when text shows before p (any character that is not blank); before
 * a slice's first byte there is text. */
static int text_before(snip *sn, size_t p)
{
    while (p > 0) {
        p = prev_start(sn->t, sn->n, p);
        int kind = kind_at(sn->t, sn->n, p);
        if (kind == CH_TEXT || kind == CH_BAD)
            return 1;
    }
    sn->edge |= !sn->lo_start;
    return !sn->lo_start;
}

/* Count a character of kind met walking backwards: a run of blanks counts
 * one, dropped characters none. */
static inline void count_back(int kind, size_t *count, int *in_space)
{
    if (kind == CH_SPACE) {
        *count += !*in_space;
        *in_space = 1;
    } else if (kind != CH_DROP) {
        (*count)++;
        *in_space = 0;
    }
}

/* Position about nchars shown characters before pos (a run of blanks
 * counts one), never before 0. */
static size_t back_chars(snip *sn, size_t pos, size_t nchars)
{
    size_t count = 0, floor_bytes = nchars * 16 + 64;
    int in_space = 0;
    size_t from = pos;
    while (pos > 0 && count < nchars && from - pos < floor_bytes) {
        pos = prev_start(sn->t, sn->n, pos);
        count_back(kind_at(sn->t, sn->n, pos), &count, &in_space);
    }
    sn->edge |= pos == 0 && !sn->lo_start;
    return pos;
}

/* 1 when the non-blank character at p starts a sentence: the text start,
 * after a blank line, or after . ! ? … and blanks. */
static int sentence_start(snip *sn, size_t p)
{
    size_t q = p, nl = 0;
    int blanks = 0;
    while (q > 0 && p - q < SPACE_RUN_MAX) {
        size_t r = prev_start(sn->t, sn->n, q);
        int kind = kind_at(sn->t, sn->n, r);
        if (kind != CH_SPACE && kind != CH_DROP)
            break;
        nl += sn->t[r] == '\n';
        blanks = 1;
        q = r;
    }
    sn->edge |= q == 0 && !sn->lo_start;
    if (q == 0 || p - q >= SPACE_RUN_MAX)
        return 1;
    if (!blanks)
        return 0;
    if (nl >= 2)
        return 1;
    unsigned c = sn->t[q - 1];
    if (c == '.' || c == '!' || c == '?')
        return 1;
    return q >= 3 && memcmp(sn->t + q - 3, "\xE2\x80\xA6", 3) == 0;
}

/* The nearest sentence start at or before ms within limit shown
 * characters, or (size_t)-1. */
static size_t find_sentence(snip *sn, size_t ms, size_t limit)
{
    size_t pos = ms, count = 0, max_bytes = limit * 16 + 64;
    int in_space = 0;
    for (;;) {
        int kind = kind_at(sn->t, sn->n, pos);
        if ((kind == CH_TEXT || kind == CH_BAD) && sentence_start(sn, pos))
            return pos;
        sn->edge |= pos == 0 && !sn->lo_start;
        if (pos == 0 || count >= limit || ms - pos > max_bytes)
            return (size_t)-1;
        pos = prev_start(sn->t, sn->n, pos);
        count_back(kind_at(sn->t, sn->n, pos), &count, &in_space);
    }
}

/* First word start at or after p that follows a blank, at most limit. */
static size_t snap_start(snip *sn, size_t p, size_t limit)
{
    if (p == 0) {
        sn->edge |= !sn->lo_start;
        return skip_blank(sn, 0);
    }
    int kind = kind_at(sn->t, sn->n, prev_start(sn->t, sn->n, p));
    if (kind == CH_SPACE)
        return skip_blank(sn, p);
    while (p < limit) {
        size_t k = step(sn->t, sn->n, p, &kind);
        if (kind == CH_SPACE) {
            p = skip_blank(sn, p);
            return p < limit ? p : limit;
        }
        p += k;
    }
    return limit;
}

/* Byte position after target shown characters from start (trailing
 * blanks are never shown); *count gets how many fit, *at_end whether the
 * text ended first. */
static size_t forward_chars(snip *sn, size_t start, size_t *count, int *at_end)
{
    size_t pos = start, c = 0, max_bytes = sn->target * 16 + 1024;
    int pending = 0, kind;
    *at_end = 0;
    while (pos < sn->n && pos - start < max_bytes) {
        size_t k = step(sn->t, sn->n, pos, &kind);
        if (kind == CH_SPACE) {
            pending = 1;
        } else if (kind != CH_DROP) {
            if (c + (size_t)pending + 1 > sn->target)
                break;
            c += (size_t)pending + 1;
            pending = 0;
        }
        pos += k;
    }
    if (pos >= sn->n) {
        *at_end = sn->hi_end;
        sn->edge |= !sn->hi_end;
        pos = sn->n;
    }
    *count = c;
    return pos;
}

/* Cut at or before e without splitting a word: prefer a blank in the last
 * half, else any word boundary after floor; start < floor <= e. */
static size_t snap_end(snip *sn, size_t start, size_t floor, size_t e)
{
    const unsigned char *t = sn->t;
    size_t n = sn->n, p;
    if (kind_at(t, n, e) == CH_SPACE ||
        kind_at(t, n, prev_start(t, n, e)) == CH_SPACE)
        return e;
    size_t half = start + (e - start) / 2;
    for (p = e; p > floor && p > half;) {
        p = prev_start(t, n, p);
        if (kind_at(t, n, p) == CH_SPACE)
            return p;
    }
    for (p = e; p > floor; p = prev_start(t, n, p))
        if (!word_at(t, n, p) || !word_at(t, n, prev_start(t, n, p)))
            return p;
    return floor;
}

/* ---- output ------------------------------------------------------------ */

typedef struct emitter {
    buf_t *out;
    char b[1024];
    size_t len;
    buf_status st;
    int pending; /* a blank run waits for the next shown character */
} emitter;

static void flush(emitter *em)
{
    if (em->st == BUF_OK && em->len)
        em->st = buf_append(em->out, em->b, em->len);
    em->len = 0;
}

static void put(emitter *em, const char *s, size_t n)
{
    if (em->len + n > sizeof em->b)
        flush(em);
    memcpy(em->b + em->len, s, n); /* n is small: a character or a tag */
    em->len += n;
}

/* The bytes a snippet escapes for HTML, and their entities (n 0: the byte
 * is copied as it is). */
static const struct {
    char s[7];
    unsigned char n;
} entity[256] = {['&'] = {"&amp;", 5},
                 ['<'] = {"&lt;", 4},
                 ['>'] = {"&gt;", 4},
                 ['"'] = {"&quot;", 6},
                 ['\''] = {"&#39;", 5}};

/* 1 for the ASCII bytes emit_text copies as they are: printable, not
 * blank, no entity. */
static const unsigned char plain[256] = {
    ['!'] = 1,  ['#'] = 1, ['$'] = 1, ['%'] = 1, ['('] = 1, [')'] = 1,
    ['*'] = 1,  ['+'] = 1, [','] = 1, ['-'] = 1, ['.'] = 1, ['/'] = 1,
    ['0'] = 1,  ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1,  ['7'] = 1, ['8'] = 1, ['9'] = 1, [':'] = 1, [';'] = 1,
    ['='] = 1,  ['?'] = 1, ['@'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1,
    ['D'] = 1,  ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
    ['J'] = 1,  ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1,
    ['P'] = 1,  ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
    ['V'] = 1,  ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['['] = 1,
    ['\\'] = 1, [']'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['a'] = 1,
    ['b'] = 1,  ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
    ['h'] = 1,  ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1,
    ['n'] = 1,  ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,
    ['t'] = 1,  ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1,
    ['z'] = 1,  ['{'] = 1, ['|'] = 1, ['}'] = 1, ['~'] = 1};

/* Emit t[from..to): escaped, blanks collapsed, controls dropped. */
static void emit_text(emitter *em, const unsigned char *t, size_t n,
                      size_t from, size_t to)
{
    int kind;
    while (from < to) {
        /* a run of plain ASCII (letters, digits, punctuation that needs
         * no entity) is copied as it is: most of a French excerpt */
        size_t run = from;
        while (run < to && plain[t[run]])
            run++;
        if (run > from) {
            if (em->pending)
                put(em, " ", 1);
            em->pending = 0;
            for (size_t c = from; c < run; c += sizeof em->b / 2)
                put(em, (const char *)t + c,
                    run - c < sizeof em->b / 2 ? run - c : sizeof em->b / 2);
            from = run;
            continue;
        }
        size_t k = step(t, n, from, &kind);
        if (kind == CH_SPACE) {
            em->pending = 1;
        } else if (kind != CH_DROP) {
            if (em->pending)
                put(em, " ", 1);
            em->pending = 0;
            if (kind == CH_BAD)
                put(em, "\xEF\xBF\xBD", 3);
            else if (entity[t[from]].n)
                put(em, entity[t[from]].s, entity[t[from]].n);
            else
                put(em, (const char *)t + from, k);
        }
        from += k;
    }
}

static size_t clamp_target(size_t target)
{
    return target < 1 ? 1 : target > SNIP_MAX_TARGET ? SNIP_MAX_TARGET : target;
}

/* A snip over t[0..n), the whole text: no terms, no matches yet. */
static void snip_init(snip *sn, analyzer *a, const char *t, size_t n,
                      size_t target)
{
    sn->a = a;
    sn->t = (const unsigned char *)(t ? t : "");
    sn->n = t ? n : 0;
    if (sn->n > UINT32_MAX)
        sn->n = UINT32_MAX; /* offsets are 32-bit; the scan stops sooner */
    sn->target = clamp_target(target);
    sn->nterms = 0;
    sn->klen_max = 0;
    sn->nm = 0;
    sn->need = 0;
    sn->lo_start = 1;
    sn->hi_end = 1;
    sn->edge = 0;
    sn->nomem = 0;
    memset(sn->cand, 0, sizeof sn->cand);
}

/* The pass over the text for terms' words (stems and prefixes). */
static snip_status scan_terms(snip *sn, const snip_terms *terms)
{
    for (size_t i = 0; terms && i < terms->nstems; i++)
        add_term(sn, terms->stems[i], 0);
    for (size_t i = 0; terms && i < terms->nprefixes; i++)
        add_term(sn, terms->prefixes[i], 1);
    sn->need = sn->nterms;
    if (sn->nterms) {
        /* words starting with other letters may fold to anything */
        memset(sn->cand + 0xC4, 1, 0xF5 - 0xC4);
        analyze_set_stemming(sn->a, 0);
        scan(sn);
        analyze_set_stemming(sn->a, 1);
        if (sn->nomem)
            return SNIP_ERR_NOMEM;
    }
    return SNIP_OK;
}

/* The excerpt around the best window of sn's matches (or the text's start
 * without any), appended to out. */
static snip_status emit_excerpt(snip *sn, buf_t *out)
{
    size_t start, end, floor, bi = 0, bj = 0;
    size_t saved = out->len;

    if (sn->nm) {
        best_window(sn, &bi, &bj);
        const smatch *m0 = &sn->m[bi];
        size_t span = sn->m[bj - 1].cend - m0->cstart;
        size_t spare = sn->target > span ? sn->target - span : 0;
        size_t lim = sn->target / 3 < spare ? sn->target / 3 : spare;
        start = find_sentence(sn, m0->start, lim);
        if (start == (size_t)-1) {
            size_t lead =
                spare / 2 < sn->target / 4 ? spare / 2 : sn->target / 4;
            start = snap_start(sn, back_chars(sn, m0->start, lead), m0->start);
        }
        floor = m0->end;
    } else {
        start = skip_blank(sn, 0);
        floor = start;
    }
    if (start >= sn->n)
        return SNIP_OK; /* only blanks */

    size_t count;
    int at_end;
    end = forward_chars(sn, start, &count, &at_end);
    if (sn->edge)
        return SNIP_OK; /* a slice too short: its caller reads a wider one */
    if (at_end && count < sn->target && sn->nm && start > 0) {
        /* the excerpt reaches the end: show more before instead */
        size_t p = back_chars(sn, start, sn->target - count);
        start = snap_start(sn, p, start);
    }
    if (end <= floor) {
        end = floor; /* a matched word longer than the target */
    } else if (!at_end) {
        end = snap_end(sn, start, floor, end);
        if (end == floor && !sn->nm) {
            /* one word longer than the excerpt: keep it whole when it is
             * a word, else cut it on a character boundary */
            size_t w = word_end(sn->t, sn->n, end);
            sn->edge |= w == sn->n && !sn->hi_end;
            if (w > end && w - end <= LONG_WORD)
                end = w;
            else
                end = forward_chars(sn, start, &count, &at_end);
        }
    }

    emitter em = {.out = out, .len = 0, .st = BUF_OK, .pending = 0};
    if (text_before(sn, start))
        put(&em, "\xE2\x80\xA6", 3);
    size_t mi = bi;
    while (mi > 0 && sn->m[mi - 1].start >= start)
        mi--;
    size_t pos = start;
    for (; mi < sn->nm && sn->m[mi].start < end; mi++) {
        const smatch *m = &sn->m[mi];
        emit_text(&em, sn->t, sn->n, pos, m->start);
        if (em.pending)
            put(&em, " ", 1);
        em.pending = 0;
        put(&em, "<mark>", 6);
        emit_text(&em, sn->t, sn->n, m->start, m->end);
        put(&em, "</mark>", 7);
        pos = m->end;
    }
    emit_text(&em, sn->t, sn->n, pos, end);
    if (skip_blank(sn, end) < sn->n || !sn->hi_end)
        put(&em, "\xE2\x80\xA6", 3);
    flush(&em);
    if (em.st != BUF_OK) {
        buf_truncate(out, saved);
        return em.st == BUF_ERR_NOMEM ? SNIP_ERR_NOMEM : SNIP_ERR_LIMIT;
    }
    return SNIP_OK;
}

snip_status snip_build(analyzer *a, const char *text, size_t len,
                       const snip_terms *terms, size_t target, buf_t *out)
{
    snip sn_mem, *sn = &sn_mem;
    snip_init(sn, a, text, len, target);
    if (sn->n == 0)
        return SNIP_OK;
    snip_status st = scan_terms(sn, terms);
    return st != SNIP_OK ? st : emit_excerpt(sn, out);
}

/* ---- a stored text ------------------------------------------------------ */

/* Bytes an excerpt may reach before its first match: find_sentence's and
 * back_chars' walks (each at most target * 16 + 64 bytes, one after the
 * other when the excerpt meets the text's end), and sentence_start's walk
 * over blanks. A slice this wide shows what the whole text would. */
static size_t back_margin(size_t target)
{
    return 2 * (target * 16 + 64) + SPACE_RUN_MAX + 64;
}

/* Bytes an excerpt may reach after its first match's start:
 * forward_chars's walk, a long word kept whole, the blanks before "…". */
static size_t fwd_margin(size_t target)
{
    return target * 16 + 1024 + LONG_WORD * 4 + SPACE_RUN_MAX;
}

/* Body words a match may be resolved from its table entry or the last
 * match: the analyser runs over at most a window of this many bytes,
 * doubled while a longer one is needed, up to SNIP_MAX_SCAN. */
#define RESOLVE_BYTES 256

/* The prefix scan's slice, the largest a scratch is asked for but for a
 * widened one (emit_stored): kept between calls. */
_Static_assert(SNIP_MAX_SCAN + SNIP_MAX_TARGET * 16 + 1024 + LONG_WORD * 4 +
                       SPACE_RUN_MAX <=
                   SNIP_SCRATCH_KEEP,
               "the prefix scan's slice fits SNIP_SCRATCH_KEEP");

void snip_scratch_free(snip_scratch *s)
{
    free(s->data);
    s->data = NULL;
    s->room = 0;
}

/* Room for n bytes in s: its own, else grown (doubling, up to
 * SNIP_SCRATCH_KEEP unless n needs more: a hit after a larger one takes
 * what it had). NULL when out of memory. Nothing is copied over. */
static char *scratch_room(snip_scratch *s, size_t n)
{
    if (n == 0)
        n = 1;
    if (s->room < n) {
        size_t want =
            s->room < SNIP_SCRATCH_KEEP / 2 ? s->room * 2 : SNIP_SCRATCH_KEEP;
        if (want < n)
            want = n;
        free(s->data);
        s->room = 0;
        if (!(s->data = malloc(want)))
            return NULL;
        s->room = want;
    }
    return s->data;
}

/* Where the words of a stored text are: the reader, the bytes last read
 * (in scratch) and the last word resolved (a cursor the next one may
 * start from). */
typedef struct resolver {
    textstore *ts;
    analyzer *a;
    snip_scratch *scratch;
    const char *bytes; /* what read_scratch read */
    int has_cursor;
    uint32_t cpos; /* position of the cursor's word */
    uint64_t coff; /* its byte offset */
    textstore_status err;
} resolver;

/* The stored bytes [from, to) into r->bytes. 0, or -1 (r->err). */
static int read_scratch(resolver *r, uint64_t from, uint64_t to)
{
    char *b = scratch_room(r->scratch, (size_t)(to - from));
    if (!b) {
        r->err = TEXTSTORE_ERR_NOMEM;
        return -1;
    }
    r->bytes = b;
    textstore_status st = textstore_read(r->ts, from, to, b);
    if (st != TEXTSTORE_OK) {
        r->err = st;
        return -1;
    }
    return 0;
}

/* Byte range of the body word at position pos into [*s, *e); 1, or 0
 * when it is past the table or SNIP_MAX_SCAN, -1 on error (r->err or out
 * of memory). */
static int resolve(resolver *r, uint32_t pos, uint64_t *s, uint64_t *e)
{
    uint32_t epos;
    uint64_t eoff;
    int found = textstore_entry(r->ts, pos, &epos, &eoff);
    if (found < 0) {
        r->err = TEXTSTORE_ERR_NOMEM;
        return -1;
    }
    if (!found)
        return 0;
    if (r->has_cursor && r->cpos <= pos && r->cpos >= epos) {
        epos = r->cpos; /* nearer */
        eoff = r->coff;
    }
    for (size_t w = RESOLVE_BYTES;; w *= 2) {
        uint64_t to = eoff + w < r->ts->len ? eoff + w : r->ts->len;
        size_t n = (size_t)(to - eoff);
        if (read_scratch(r, eoff, to) != 0)
            return -1;
        analyze_token tok;
        int k;
        analyze_begin(r->a, r->bytes, n, epos);
        while ((k = analyze_next_place(r->a, &tok)) == 1 && tok.position < pos)
            ;
        if (k < 0) {
            r->err = TEXTSTORE_ERR_NOMEM;
            return -1;
        }
        /* a word that touches the window's end may go on past it */
        if (k == 1 && tok.position == pos &&
            (tok.offset + tok.length < n || to == r->ts->len)) {
            *s = eoff + tok.offset;
            *e = *s + tok.length;
            r->has_cursor = 1;
            r->cpos = pos;
            r->coff = *s;
            return 1;
        }
        if (to == r->ts->len || w >= SNIP_MAX_SCAN)
            return 0; /* not there: the table and the text disagree */
    }
}

/* Code points in the stored bytes [from, to). */
static int stored_chars(resolver *r, uint64_t from, uint64_t to, size_t *out)
{
    if (read_scratch(r, from, to) != 0)
        return -1;
    *out = count_chars((const unsigned char *)r->bytes, (size_t)(to - from));
    return 0;
}

/* The next match of the position lists, merged: the smallest position,
 * and of the terms holding it the first (as the scan's term order).
 * 0 when every list is done. */
static int next_position(const snip_positions *pp, size_t nterms, size_t *at,
                         uint32_t *pos, uint32_t *id)
{
    int any = 0;
    for (size_t i = 0; i < nterms; i++) {
        if (at[i] >= pp->npos[i])
            continue;
        uint32_t p = pp->pos[i][at[i]];
        if (!any || p < *pos) {
            *pos = p;
            *id = (uint32_t)i;
            any = 1;
        }
    }
    if (!any)
        return 0;
    for (size_t i = 0; i < nterms; i++) /* the same word in other lists */
        if (at[i] < pp->npos[i] && pp->pos[i][at[i]] == *pos)
            at[i]++;
    return 1;
}

/* Positions from one match to the next that a window can still join: from
 * a word's start to the next match's, every word between takes at least a
 * character and a blank, so past target / 2 words the gap is over target
 * characters. A match with no neighbour that near is a window of its own. */
static uint32_t link_words(size_t target)
{
    return (uint32_t)(target / 2 + 1);
}

/* Offset of a match not placed in the text (a window of its own). */
#define UNPLACED UINT64_MAX

/* The matches of a stored text from its terms' positions, with the scan's
 * rules (SNIP_MAX_MATCHES, SNIP_MAX_SCAN, and the stop one window after a
 * window holds every term the text has). A match near another (link_words)
 * is placed in the text (offsets into off, offend) and the characters
 * between them counted; the others are left UNPLACED and put more than a
 * window apart, which is what they are: placing them would decode their
 * blocks for nothing. After the stop every match is placed (the stop is in
 * bytes). */
static int matches_from_positions(snip *sn, resolver *r,
                                  const snip_positions *pp, uint32_t *where,
                                  uint64_t *off, uint64_t *offend)
{
    size_t at[SNIP_MAX_TERMS] = {0};
    uint32_t mpos[SNIP_MAX_MATCHES], mid[SNIP_MAX_MATCHES];
    size_t n = 0;
    while (n < SNIP_MAX_MATCHES &&
           next_position(pp, sn->nterms, at, &mpos[n], &mid[n]))
        n++;
    uint32_t link = link_words(sn->target);
    /* the table's last entry: a word past it may lie past SNIP_MAX_SCAN */
    uint32_t last = textstore_pos_end(r->ts) - r->ts->every;
    uint64_t stop = SNIP_MAX_SCAN, prev_end = UNPLACED;
    size_t c = 0;
    for (size_t j = 0; j < n; j++) {
        int near_prev = j > 0 && mpos[j] - mpos[j - 1] <= link;
        int near_next = j + 1 < n && mpos[j + 1] - mpos[j] <= link;
        int place =
            near_prev || near_next || stop != SNIP_MAX_SCAN || mpos[j] >= last;
        uint64_t s = UNPLACED, e = UNPLACED;
        if (place) {
            int k = resolve(r, mpos[j], &s, &e);
            if (k < 0)
                return -1;
            if (k == 0 || s >= stop)
                break;
        }
        if (sn->nm > 0) {
            size_t gap = sn->target + 1;
            if (place && near_prev && prev_end != UNPLACED &&
                s - prev_end <= 4 * ((uint64_t)sn->target + 1) &&
                stored_chars(r, prev_end, s, &gap) != 0)
                return -1;
            c += gap;
        }
        size_t w = 1;
        if (place && stored_chars(r, s, e, &w) != 0)
            return -1;
        smatch *m = &sn->m[sn->nm];
        where[sn->nm] = mpos[j];
        off[sn->nm] = s;
        offend[sn->nm] = e;
        m->cstart = (uint32_t)c;
        c += w;
        m->cend = (uint32_t)c;
        m->id = mid[j];
        sn->nm++;
        prev_end = e;
        if (stop == SNIP_MAX_SCAN && full_window_ends_at(sn, sn->nm - 1)) {
            if (e == UNPLACED) { /* a window of its own: place it now */
                int k = resolve(r, mpos[j], &s, &e);
                if (k < 0)
                    return -1;
                if (k == 0) {
                    sn->nm--;
                    break;
                }
                if (stored_chars(r, s, e, &w) != 0)
                    return -1;
                off[sn->nm - 1] = s;
                offend[sn->nm - 1] = e;
                m->cend = m->cstart + (uint32_t)w;
                c = m->cend;
                prev_end = e;
            }
            stop = e + 4 * sn->target < SNIP_MAX_SCAN ? e + 4 * sn->target
                                                      : SNIP_MAX_SCAN;
        }
    }
    return 0;
}

/* Place the matches of window [bi, bj) of sn that are UNPLACED (a window
 * of its own: bj is bi + 1), with their width in characters. 0, or -1 on
 * error. */
static int place_window(snip *sn, resolver *r, const uint32_t *where, size_t bi,
                        size_t bj, uint64_t *off, uint64_t *offend)
{
    for (size_t i = bi; i < bj; i++) {
        size_t w;
        if (off[i] != UNPLACED)
            continue;
        if (resolve(r, where[i], &off[i], &offend[i]) != 1 ||
            stored_chars(r, off[i], offend[i], &w) != 0)
            return -1;
        sn->m[i].cend = sn->m[i].cstart + (uint32_t)w;
    }
    return 0;
}

/* Bytes an excerpt usually reaches on either side (4 bytes a character
 * and a few blanks): a slice this wide is read first, the margins above
 * only when a walk met its edge (snip.edge). */
static size_t near_margin(size_t target)
{
    return 4 * target + 512;
}

/* The excerpt of the stored text's bytes [lo, hi) (read into scratch),
 * with the matches of sn whose offsets (off, offend) fall in it. */
static snip_status emit_slice(snip *sn, textstore *ts, snip_scratch *scratch,
                              uint64_t lo, uint64_t hi, const uint64_t *off,
                              const uint64_t *offend, buf_t *out)
{
    if (hi > ts->len)
        hi = ts->len;
    char *t = scratch_room(scratch, hi > lo ? (size_t)(hi - lo) : 0);
    if (!t)
        return SNIP_ERR_NOMEM;
    textstore_status ts_st = textstore_read(ts, lo, hi, t);
    if (ts_st != TEXTSTORE_OK)
        return ts_st == TEXTSTORE_ERR_NOMEM ? SNIP_ERR_NOMEM : SNIP_ERR_TEXT;
    size_t kept = 0;
    for (size_t i = 0; i < sn->nm; i++) {
        if (off[i] < lo || offend[i] > hi)
            continue;
        sn->m[kept] = sn->m[i];
        sn->m[kept].start = (uint32_t)(off[i] - lo);
        sn->m[kept].end = (uint32_t)(offend[i] - lo);
        kept++;
    }
    sn->nm = kept;
    sn->t = (const unsigned char *)t;
    sn->n = (size_t)(hi - lo);
    sn->lo_start = lo == 0;
    sn->hi_end = hi == ts->len;
    sn->edge = 0;
    return emit_excerpt(sn, out);
}

/* The excerpt around matches [bi, bj) of sn (the best window; none when
 * sn has no match): a near slice, else the widest one an excerpt's walks
 * reach in bytes, else (runs of blanks longer than that) twice as wide
 * until no walk meets an edge or the slice is the whole text: so the
 * excerpt is the whole text's. */
static snip_status emit_stored(snip *sn, textstore *ts, snip_scratch *scratch,
                               size_t bi, size_t bj, const uint64_t *off,
                               const uint64_t *offend, buf_t *out)
{
    smatch saved[SNIP_MAX_MATCHES];
    size_t nm = sn->nm, at = out->len;
    uint64_t m0 = nm ? off[bi] : 0, m1 = nm ? offend[bj - 1] : 0;
    uint64_t back = near_margin(sn->target), fwd = back;
    memcpy(saved, sn->m, nm * sizeof *saved);
    for (int round = 0;; round++) {
        uint64_t lo = m0 > back ? m0 - back : 0, hi = m1 + fwd;
        snip_status st = emit_slice(sn, ts, scratch, lo, hi, off, offend, out);
        if (st != SNIP_OK || !sn->edge || (lo == 0 && hi >= ts->len))
            return st;
        buf_truncate(out, at);
        memcpy(sn->m, saved, nm * sizeof *saved);
        sn->nm = nm;
        back = round ? back * 2 : back_margin(sn->target);
        fwd = round ? fwd * 2 : fwd_margin(sn->target);
    }
}

/* A prefix has no positions of its own: the scan of the text's first
 * SNIP_MAX_SCAN bytes (read into scratch), as for a text given whole. */
static snip_status emit_scanned(snip *sn, analyzer *a, textstore *ts,
                                const snip_terms *terms, size_t target,
                                snip_scratch *scratch, buf_t *out)
{
    uint64_t hi = SNIP_MAX_SCAN + fwd_margin(sn->target);
    if (hi > ts->len)
        hi = ts->len;
    char *t = scratch_room(scratch, (size_t)hi);
    if (!t)
        return SNIP_ERR_NOMEM;
    textstore_status ts_st = textstore_read(ts, 0, hi, t);
    if (ts_st != TEXTSTORE_OK)
        return ts_st == TEXTSTORE_ERR_NOMEM ? SNIP_ERR_NOMEM : SNIP_ERR_TEXT;
    snip_init(sn, a, t, (size_t)hi, target);
    sn->hi_end = hi == ts->len;
    snip_status st = scan_terms(sn, terms);
    return st != SNIP_OK ? st : emit_excerpt(sn, out);
}

/* The excerpt from the positions pp of terms' stems (read into
 * scratch). */
static snip_status emit_positioned(snip *sn, analyzer *a, textstore *ts,
                                   const snip_terms *terms,
                                   const snip_positions *pp,
                                   snip_scratch *scratch, buf_t *out)
{
    uint64_t off[SNIP_MAX_MATCHES], offend[SNIP_MAX_MATCHES];
    uint32_t where[SNIP_MAX_MATCHES];
    resolver r = {.ts = ts, .a = a, .scratch = scratch, .err = TEXTSTORE_OK};
    size_t bi = 0, bj = 0;

    sn->nterms = terms ? terms->nstems : 0;
    if (sn->nterms > SNIP_MAX_TERMS)
        sn->nterms = SNIP_MAX_TERMS;
    for (size_t i = 0; i < sn->nterms; i++)
        sn->need += pp->npos[i] > 0; /* the terms the text has */
    analyze_set_stemming(a, 0);
    int k = matches_from_positions(sn, &r, pp, where, off, offend);
    if (k == 0 && sn->nm) {
        best_window(sn, &bi, &bj);
        k = place_window(sn, &r, where, bi, bj, off, offend);
    }
    analyze_set_stemming(a, 1);
    if (k != 0)
        return r.err == TEXTSTORE_ERR_NOMEM ? SNIP_ERR_NOMEM : SNIP_ERR_TEXT;
    return emit_stored(sn, ts, scratch, bi, bj, off, offend, out);
}

snip_status snip_build_stored(analyzer *a, textstore *ts,
                              const snip_terms *terms, const snip_positions *pp,
                              size_t target, snip_scratch *scratch, buf_t *out)
{
    snip sn_mem, *sn = &sn_mem;
    snip_scratch own = {0};
    snip_status st;

    snip_init(sn, a, NULL, 0, target);
    if (ts->len == 0)
        return SNIP_OK;
    if (!scratch)
        scratch = &own;
    if (!pp || (terms && terms->nprefixes > 0))
        st = emit_scanned(sn, a, ts, terms, target, scratch, out);
    else
        st = emit_positioned(sn, a, ts, terms, pp, scratch, out);
    /* kept for the caller's next hit, unless its own or widened */
    if (scratch == &own || scratch->room > SNIP_SCRATCH_KEEP)
        snip_scratch_free(scratch);
    return st;
}
