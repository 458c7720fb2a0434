/* query: a forgiving parser from search text to Xapian query trees; every
 * word goes through the same analyzer as the documents. */
#include "search/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lang.h"
#include "common/schema.h"
#include "search/rank.h"

/* prefix letter + language code + stem + NUL */
#define TERM_MAX (ANALYZE_MAX_STEM + SCHEMA_LANG_CODE_LEN + 2)
/* Positive tokens kept: QUERY_MAX_TERMS that count, and as many plain stop
 * words, which only count when the query has nothing else. */
#define MAX_TOKS (QUERY_MAX_TERMS * 2)
#define MAX_ITEMS MAX_TOKS

typedef struct qtok {
    char stem[ANALYZE_MAX_STEM + 1];
    char astem[ANALYZE_MAX_STEM + 1]; /* analyze_token.astem */
    char exact[ANALYZE_MAX_WORD + 1];
    char fold[ANALYZE_MAX_WORD + 1];
    size_t offset, length; /* span in the query text */
    int stop;
} qtok;

/* IT_SYNONYM: a span of plain words the synonym table knows, with its
 * synonyms (query_parse_db). */
typedef enum { IT_WORD, IT_PHRASE, IT_PREFIX, IT_TITLE, IT_SYNONYM } item_kind;

typedef struct qitem {
    item_kind kind;
    int stop;     /* a plain stop word: dropped when anything else is kept */
    int quoted;   /* a one-word "phrase": kept, not offered for spelling */
    int or_prev;  /* joined by OR to the item before it */
    size_t first; /* its tokens: toks[first .. first + n) */
    size_t n;
    size_t span;      /* number of the text span it came from (adjacency) */
    size_t syn_first; /* IT_SYNONYM: synval[syn_first .. + syn_n) */
    size_t syn_n;
} qitem;

typedef struct pstate {
    analyzer *a;
    /* Z, T, E and F with the analyzer's language code: "Zfr", ... */
    char zp[SCHEMA_LANG_CODE_LEN + 2], tp[SCHEMA_LANG_CODE_LEN + 2];
    char ep[SCHEMA_LANG_CODE_LEN + 2], fp[SCHEMA_LANG_CODE_LEN + 2];
    const char *text;
    size_t len;
    qtok toks[MAX_TOKS];
    size_t ntoks;
    qitem items[MAX_ITEMS];
    size_t nitems;
    size_t used;      /* counted positive tokens (<= QUERY_MAX_TERMS) */
    size_t stop_used; /* plain stop word items (<= QUERY_MAX_TERMS) */
    size_t phrases;
    /* Exclusions, built twice: once for strict, once for relaxed. */
    xc_query *excl[2][QUERY_MAX_EXCLUDED];
    size_t nexcl;
    int prev_positive; /* the last item seen was kept and positive */
    int pending_or;    /* an OR came after it */
    int truncated, stop_truncated, nomem;
    /* Tokens of the span being looked at, one more than a phrase holds to
     * notice when it is too long. */
    qtok scratch[QUERY_MAX_PHRASE_LEN + 1];
    size_t nscratch;
    int more;      /* the span had more tokens than scratch kept */
    size_t nspans; /* text spans seen, kept or not */
    /* Synonyms (query_parse_db): db NULL for none; the synonyms of the
     * spans found, each stems joined by one space (checked: at most
     * QUERY_MAX_SYNONYM_WORDS words of at most ANALYZE_MAX_STEM bytes);
     * each holds a term at least, so QUERY_MAX_SYNONYM_TERMS slots do. */
    xc_db *db;
    char synval[QUERY_MAX_SYNONYM_TERMS][XC_MAX_TERM + 1];
    size_t nsynval;
    size_t synterms; /* terms of synval (<= QUERY_MAX_SYNONYM_TERMS) */
    size_t lookups;  /* of the synonym table (<= QUERY_MAX_SYNONYM_LOOKUPS) */
} pstate;

const char *query_strerror(query_status st)
{
    switch (st) {
    case QUERY_OK:
        return "success";
    case QUERY_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown error";
}

/* ---- lexing ------------------------------------------------------------ */

/* Byte length of a separator at t[i] (ASCII space or control, NUL, and the
 * Unicode spaces French typing produces), 0 when none. */
static size_t space_len(const unsigned char *t, size_t n, size_t i)
{
    unsigned c = t[i];
    if (c <= 0x20 || c == 0x7F)
        return 1;
    if (c == 0xC2 && i + 1 < n && t[i + 1] == 0xA0)
        return 2; /* U+00A0 no-break space */
    if (c == 0xE2 && i + 2 < n && t[i + 1] == 0x80) {
        unsigned d = t[i + 2];
        if (d <= 0x8B || d == 0xAF || d == 0xA8 || d == 0xA9)
            return 3; /* U+2000..200B, U+202F, U+2028, U+2029 */
    }
    if (c == 0xE3 && i + 2 < n && t[i + 1] == 0x80 && t[i + 2] == 0x80)
        return 3; /* U+3000 ideographic space */
    return 0;
}

/* Byte length of a quotation mark at t[i] (" « » “ ” „), 0 when none. */
static size_t quote_len(const unsigned char *t, size_t n, size_t i)
{
    unsigned c = t[i];
    if (c == '"')
        return 1;
    if (c == 0xC2 && i + 1 < n && (t[i + 1] == 0xAB || t[i + 1] == 0xBB))
        return 2;
    if (c == 0xE2 && i + 2 < n && t[i + 1] == 0x80 && t[i + 2] >= 0x9C &&
        t[i + 2] <= 0x9E)
        return 3;
    return 0;
}

/* 1 when t[i..] starts with "title:" or "titre:" (any ASCII case). */
static int is_field(const unsigned char *t, size_t n, size_t i)
{
    static const char *const names[] = {"title:", "titre:"};
    if (n - i < 6)
        return 0;
    for (size_t k = 0; k < 2; k++) {
        size_t j = 0;
        for (; j < 6; j++) {
            unsigned c = t[i + j];
            if (c >= 'A' && c <= 'Z')
                c += 'a' - 'A';
            if (c != (unsigned char)names[k][j])
                break;
        }
        if (j == 6)
            return 1;
    }
    return 0;
}

/* Analyse text[s..e) into st->scratch (at most QUERY_MAX_PHRASE_LEN + 1
 * tokens: the analyzer stops there, so a huge span costs nothing more). */
static void analyse_span(pstate *st, size_t s, size_t e)
{
    analyze_token t;
    int r;

    st->nscratch = 0;
    st->more = 0;
    analyze_begin(st->a, st->text + s, e - s, 1);
    while ((r = analyze_next(st->a, &t)) == 1) {
        if (st->nscratch == QUERY_MAX_PHRASE_LEN) {
            st->more = 1;
            return;
        }
        /* the analyzer bounds these; a token past the buffers is dropped
         * rather than overflow them, should those bounds ever change */
        if (t.exact_len > ANALYZE_MAX_WORD || t.fold_len > ANALYZE_MAX_WORD ||
            t.stem_len > ANALYZE_MAX_STEM || t.astem_len > ANALYZE_MAX_STEM)
            continue;
        qtok *q = &st->scratch[st->nscratch++];
        memcpy(q->stem, t.stem, t.stem_len + 1);
        memcpy(q->astem, t.astem, t.astem_len + 1);
        memcpy(q->exact, t.exact, t.exact_len + 1);
        memcpy(q->fold, t.fold, t.fold_len + 1);
        q->offset = s + t.offset;
        q->length = t.length;
        q->stop = t.stopword;
    }
    if (r < 0)
        st->nomem = 1;
}

/* ---- query construction ----------------------------------------------- */

/* prefix (a letter, or a letter and a language code) + s. */
static xc_query *term_query(const char *prefix, const char *s)
{
    char term[TERM_MAX];
    int n = snprintf(term, sizeof term, "%s%s", prefix, s);
    if (n < 0 || (size_t)n >= sizeof term)
        return NULL; /* cannot happen: stems and codes are bounded */
    return xc_query_term(term, (size_t)n, 1);
}

/* combine() that leaves a single child alone (a clearer tree) and takes
 * ownership of children in every case. */
static xc_query *combine(xc_qop op, xc_query **q, size_t n, uint32_t window)
{
    if (n == 1 && op != XC_Q_PHRASE && op != XC_Q_NEAR)
        return q[0];
    return xc_query_combine(op, q, n, window);
}

/* Z terms of toks[0..n) in a PHRASE (window 0: adjacent) or NEAR-ish
 * ordered window. */
static xc_query *phrase_query(const pstate *st, const qtok *toks, size_t n,
                              uint32_t window)
{
    xc_query *sub[QUERY_MAX_TERMS];
    for (size_t i = 0; i < n; i++)
        sub[i] = term_query(st->zp, toks[i].stem);
    return xc_query_combine(XC_Q_PHRASE, sub, n, window);
}

/* AND of the T terms of toks[0..n), stop words left out unless they are
 * all there is (positions do not matter in a title filter). */
static xc_query *title_query(const pstate *st, const qtok *toks, size_t n)
{
    xc_query *sub[QUERY_MAX_PHRASE_LEN];
    size_t k = 0, nonstop = 0;
    for (size_t i = 0; i < n; i++)
        nonstop += !toks[i].stop;
    for (size_t i = 0; i < n; i++)
        if (!nonstop || !toks[i].stop)
            sub[k++] = term_query(st->tp, toks[i].stem);
    return combine(XC_Q_AND, sub, k, 0);
}

/* Z+stem, or either stem as one term when the accented word's differs. */
static xc_query *stem_query(const pstate *st, const qtok *t)
{
    xc_query *z = term_query(st->zp, t->stem);
    if (strcmp(t->stem, t->astem) == 0)
        return z;
    xc_query *forms[2] = {z, term_query(st->zp, t->astem)};
    return xc_query_combine(XC_Q_SYNONYM, forms, 2, 0);
}

/* q plus the exact form of t as a bonus (takes q). */
static xc_query *with_exact(const pstate *st, xc_query *q, const qtok *t)
{
    xc_query *sub[2] = {
        q, xc_query_scale(term_query(st->ep, t->exact), RANK_EXACT_BOOST)};
    return xc_query_combine(XC_Q_AND_MAYBE, sub, 2, 0);
}

/* A plain word: its stems, plus its exact form as a bonus. */
static xc_query *word_query(const pstate *st, const qtok *t)
{
    return with_exact(st, stem_query(st, t), t);
}

/* Words whose fold starts with the prefix: F terms hold the accented words
 * (fold|exact), E terms the others (their exact form is their fold). */
static xc_query *prefix_query(const pstate *st, const char *fold)
{
    char term[TERM_MAX];
    xc_query *sub[2];
    size_t n = strlen(fold), p = strlen(st->fp);
    memcpy(term, st->fp, p);
    memcpy(term + p, fold, n + 1);
    sub[0] = xc_query_wildcard(term, n + p, QUERY_MAX_EXPANSION);
    memcpy(term, st->ep, p);
    sub[1] = xc_query_wildcard(term, n + p, QUERY_MAX_EXPANSION);
    return combine(XC_Q_OR, sub, 2, 0);
}

/* A synonym: the Z term of its one word, or the phrase of its words'
 * (stop words included: they are indexed with positions). */
static xc_query *value_query(const pstate *st, const char *v)
{
    xc_query *sub[QUERY_MAX_SYNONYM_WORDS];
    char word[ANALYZE_MAX_STEM + 1];
    size_t n = 0;
    for (const char *p = v; *p && n < QUERY_MAX_SYNONYM_WORDS;) {
        size_t w = strcspn(p, " "); /* checked when kept: <= word's room */
        memcpy(word, p, w);
        word[w] = '\0';
        sub[n++] = term_query(st->zp, word);
        p += w + (p[w] == ' ');
    }
    return n == 1 ? sub[0] : xc_query_combine(XC_Q_PHRASE, sub, n, 0);
}

/* The span itself (a word, or its words as a phrase) and its synonyms as
 * one term (OP_SYNONYM): a page naming CGLU twice, once as UCLG, weighs as
 * one naming it twice, not as one holding two query words; a one-word span
 * keeps its exact-form bonus. */
static xc_query *synonym_query(const pstate *st, const qitem *it)
{
    xc_query *sub[QUERY_MAX_SYNONYMS + 1];
    const qtok *t = &st->toks[it->first];
    size_t n = 0;
    sub[n++] = it->n == 1 ? stem_query(st, t) : phrase_query(st, t, it->n, 0);
    for (size_t k = 0; k < it->syn_n; k++)
        sub[n++] = value_query(st, st->synval[it->syn_first + k]);
    xc_query *g = xc_query_combine(XC_Q_SYNONYM, sub, n, 0);
    return it->n == 1 ? with_exact(st, g, t) : g;
}

static xc_query *item_query(const pstate *st, const qitem *it)
{
    const qtok *t = &st->toks[it->first];
    switch (it->kind) {
    case IT_WORD:
        return word_query(st, t);
    case IT_PHRASE:
        return phrase_query(st, t, it->n, 0);
    case IT_PREFIX:
        return prefix_query(st, t->fold);
    case IT_TITLE:
        return title_query(st, t, it->n);
    case IT_SYNONYM:
        return synonym_query(st, it);
    }
    return NULL;
}

/* ---- items ------------------------------------------------------------- */

/* Number of code points of a valid UTF-8 string. */
static size_t utf8_count(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Record the scratch tokens as an excluded item (two copies). */
static void add_exclusion(pstate *st, item_kind kind)
{
    for (int r = 0; r < 2; r++) {
        xc_query *q;
        if (kind == IT_PREFIX)
            q = prefix_query(st, st->scratch[0].fold);
        else if (kind == IT_TITLE)
            q = title_query(st, st->scratch, st->nscratch);
        else if (st->nscratch == 1)
            q = term_query(st->zp, st->scratch[0].stem);
        else
            q = phrase_query(st, st->scratch, st->nscratch, 0);
        if (!q) {
            st->nomem = 1;
            if (r == 1)
                xc_query_free(st->excl[0][st->nexcl]);
            return;
        }
        st->excl[r][st->nexcl] = q;
    }
    st->nexcl++;
}

/* Record the scratch tokens as a positive item, when the limits allow. */
static void add_positive(pstate *st, item_kind kind, int quoted)
{
    size_t n = st->nscratch;
    int stop = kind == IT_WORD && !quoted && st->scratch[0].stop;
    int fits;

    if (stop)
        fits = st->stop_used < QUERY_MAX_TERMS;
    else
        fits = st->used + n <= QUERY_MAX_TERMS &&
               (kind != IT_PHRASE || st->phrases < QUERY_MAX_PHRASES);
    if (!fits) {
        if (stop)
            st->stop_truncated = 1;
        else
            st->truncated = 1;
        st->prev_positive = st->pending_or = 0;
        return;
    }
    qitem *it = &st->items[st->nitems++];
    it->kind = kind;
    it->stop = stop;
    it->quoted = quoted;
    it->or_prev = st->pending_or;
    it->first = st->ntoks;
    it->n = n;
    it->span = st->nspans;
    it->syn_first = it->syn_n = 0;
    memcpy(&st->toks[st->ntoks], st->scratch, n * sizeof *st->scratch);
    st->ntoks += n;
    if (stop)
        st->stop_used++;
    else
        st->used += n;
    st->phrases += kind == IT_PHRASE;
    st->prev_positive = 1;
    st->pending_or = 0;
}

/* 1 when every token of the span being looked at is a stop word. */
static int all_stop(const pstate *st)
{
    for (size_t i = 0; i < st->nscratch; i++)
        if (!st->scratch[i].stop)
            return 0;
    return 1;
}

/* One span of the query: a chunk between spaces, or a quoted phrase. */
static void add_span(pstate *st, size_t s, size_t e, int neg, int title,
                     int quoted)
{
    const char *t = st->text;
    item_kind kind = IT_WORD;

    st->nspans++; /* items of spans in a row are adjacent in the text */
    if (neg && st->nexcl >= QUERY_MAX_EXCLUDED) {
        st->truncated = 1;
        return;
    }
    /* gouv*: one word of 3+ folded characters, else a plain word */
    if (!quoted && !title && e > s && t[e - 1] == '*') {
        size_t p = e;
        while (p > s && t[p - 1] == '*')
            p--;
        analyse_span(st, s, p);
        if (st->nscratch == 1 && !st->more &&
            utf8_count(st->scratch[0].fold) >= 3)
            kind = IT_PREFIX;
    }
    if (kind != IT_PREFIX)
        analyse_span(st, s, e);
    if (st->nomem || st->nscratch == 0)
        return; /* punctuation, "", a lone * ... */
    if (st->more)
        st->truncated = 1; /* a phrase past QUERY_MAX_PHRASE_LEN */
    if (title)
        kind = IT_TITLE;
    else if (kind == IT_WORD && st->nscratch > 1)
        kind = IT_PHRASE; /* "ministère de la" or porto-novo */
    if (kind == IT_PHRASE && !quoted && !neg && all_stop(st)) {
        /* "est-ce", "c'est-à-dire": stop words joined by hyphens are
         * stop words, not a phrase a document must hold */
        size_t n = st->nscratch;
        qtok words[QUERY_MAX_PHRASE_LEN];
        memcpy(words, st->scratch, n * sizeof *words);
        for (size_t i = 0; i < n; i++) {
            st->scratch[0] = words[i];
            st->nscratch = 1;
            add_positive(st, IT_WORD, 0);
        }
        return;
    }
    if (neg) {
        add_exclusion(st, kind);
        st->prev_positive = st->pending_or = 0;
    } else {
        add_positive(st, kind, quoted);
    }
}

static void lex(pstate *st)
{
    const unsigned char *t = (const unsigned char *)st->text;
    size_t n = st->len, i = 0, k;

    while (i < n && !st->nomem) {
        if ((k = space_len(t, n, i))) {
            i += k;
            continue;
        }
        int neg = 0, title = 0;
        if (t[i] == '-') {
            i++;
            if (i >= n || space_len(t, n, i))
                continue; /* a lone "-" */
            neg = 1;
        }
        if (is_field(t, n, i)) {
            i += 6;
            if (i >= n || space_len(t, n, i))
                continue; /* a lone "title:" */
            title = 1;
        }
        if ((k = quote_len(t, n, i))) {
            size_t s = i + k, e = s, q = 0;
            while (e < n && !(q = quote_len(t, n, e)))
                e++;
            add_span(st, s, e, neg, title, 1);
            i = e < n ? e + q : n; /* unbalanced: runs to the end */
            continue;
        }
        size_t s = i;
        while (i < n && !space_len(t, n, i) && !quote_len(t, n, i))
            i++;
        if (!neg && !title && i - s == 2 && t[s] == 'O' && t[s + 1] == 'R') {
            /* an OR only joins two positive items; alone it is nothing */
            st->pending_or = st->prev_positive;
            continue;
        }
        add_span(st, s, i, neg, title, 0);
    }
}

/* ---- synonyms ---------------------------------------------------------- */

/* 1 when item i may be part of a synonym span: a plain word, not quoted,
 * joined by OR to neither neighbour. */
static int plain(const pstate *st, size_t i)
{
    const qitem *it = &st->items[i];
    return it->kind == IT_WORD && !it->quoted && !it->or_prev &&
           !(i + 1 < st->nitems && st->items[i + 1].or_prev);
}

static int any_key(const char *s, size_t len, void *ctx)
{
    (void)s;
    (void)len;
    *(int *)ctx = 1;
    return 1; /* one is enough */
}

typedef struct syn_ctx {
    pstate *st;
    size_t n; /* synonyms kept for the span */
} syn_ctx;

/* Keep synonym v[0..len) of the span looked up when it is well formed (an
 * index of ours holds nothing else, but a term buffer must never
 * overflow) and the bounds allow; stop at QUERY_MAX_SYNONYMS. */
static int keep_synonym(const char *v, size_t len, void *ctx)
{
    syn_ctx *c = ctx;
    pstate *st = c->st;
    size_t words = 1, w = 0;

    if (len == 0 || len > XC_MAX_TERM || memchr(v, '\0', len))
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (v[i] != ' ') {
            if (++w > ANALYZE_MAX_STEM)
                return 0;
        } else if (w == 0) {
            return 0; /* an empty word */
        } else {
            words++;
            w = 0;
        }
    }
    if (w == 0 || words > QUERY_MAX_SYNONYM_WORDS ||
        st->synterms + words > QUERY_MAX_SYNONYM_TERMS)
        return 0; /* a shorter one may still fit */
    memcpy(st->synval[st->nsynval], v, len);
    st->synval[st->nsynval][len] = '\0';
    st->nsynval++;
    st->synterms += words;
    return ++c->n == QUERY_MAX_SYNONYMS;
}

/* Look up the span of items[i .. i + len) (plain words) in the synonym
 * table: 1 when it has synonyms, kept at synval[*first .. + *n). */
static int lookup(pstate *st, size_t i, size_t len, size_t *first, size_t *n)
{
    char key[XC_MAX_TERM + 1];
    /* the language's keys (schema.h): "fr:" + stems */
    size_t base = (size_t)snprintf(key, sizeof key, "%s%c", st->zp + 1,
                                   SCHEMA_SYNONYM_LANG_SEP),
           klen = base, stops = 0;

    for (size_t k = 0; k < len; k++) {
        const qtok *t = &st->toks[st->items[i + k].first];
        size_t sl = strlen(t->stem);
        if (sl + (klen > base) > XC_MAX_TERM - klen)
            return 0; /* no key is that long */
        if (klen > base)
            key[klen++] = ' ';
        memcpy(key + klen, t->stem, sl);
        klen += sl;
        stops += t->stop;
    }
    key[klen] = '\0';
    /* stop words alone stay stop words (the indexer refuses such entries) */
    if (stops == len || st->lookups == QUERY_MAX_SYNONYM_LOOKUPS)
        return 0;
    st->lookups++;
    syn_ctx c = {st, 0};
    *first = st->nsynval;
    /* a table that cannot be read gives no synonyms: the search itself
     * reports the index's trouble */
    if (xc_synonyms_of(st->db, key, keep_synonym, &c) != XC_OK || c.n == 0)
        return 0;
    *n = c.n;
    return 1;
}

/* Replace each run of plain words the synonym table knows by one
 * IT_SYNONYM item, longest spans first, left to right. */
static void expand_synonyms(pstate *st)
{
    int any = 0;
    size_t out = 0;

    if (!st->db || xc_synonym_keys(st->db, any_key, &any) != XC_OK || !any)
        return; /* the common case costs one look at the table */
    for (size_t i = 0; i < st->nitems;) {
        size_t run = 0, found = 0, first = 0, n = 0;
        while (i + run < st->nitems && run < QUERY_MAX_SYNONYM_WORDS &&
               plain(st, i + run) &&
               (run == 0 ||
                st->items[i + run].span == st->items[i + run - 1].span + 1))
            run++;
        for (size_t len = run; len > 0 && !found; len--)
            if (lookup(st, i, len, &first, &n))
                found = len;
        if (!found) {
            st->items[out++] = st->items[i++];
            continue;
        }
        /* plain words are one token each: the span's tokens follow on */
        qitem g = st->items[i];
        g.kind = IT_SYNONYM;
        g.stop = 0;
        g.n = found;
        g.syn_first = first;
        g.syn_n = n;
        st->items[out++] = g;
        i += found;
    }
    st->nitems = out;
}

/* ---- assembly ---------------------------------------------------------- */

static int kept(const pstate *st, int use_stop, size_t i)
{
    return use_stop || !st->items[i].stop;
}

/* Build the strict (relaxed = 0) or relaxed tree into *out; the exclusions
 * of that copy are consumed. Returns 0, or -1 when out of memory. */
static int assemble(pstate *st, int use_stop, int relaxed, xc_query **out)
{
    xc_query *req[MAX_ITEMS + 1], *soft[MAX_ITEMS], *grp[MAX_ITEMS];
    size_t nreq = 0, nsoft = 0, nprox = 0;
    qtok prox[QUERY_MAX_TERMS];
    int rc = -1;
    xc_query *core = NULL;

    *out = NULL;
    for (size_t i = 0; i < st->nitems;) {
        if (!kept(st, use_stop, i)) {
            i++;
            continue;
        }
        size_t ng = 0, first = i;
        do {
            grp[ng] = item_query(st, &st->items[i]);
            if (!grp[ng]) {
                for (size_t k = 0; k < ng; k++)
                    xc_query_free(grp[k]);
                goto out;
            }
            ng++;
            i++;
        } while (i < st->nitems && kept(st, use_stop, i) &&
                 st->items[i].or_prev);
        xc_query *g = combine(XC_Q_OR, grp, ng, 0);
        if (!g)
            goto out;
        const qitem *it = &st->items[first];
        int is_soft = ng > 1 || it->kind == IT_WORD || it->kind == IT_PREFIX ||
                      it->kind == IT_SYNONYM;
        if (relaxed && is_soft)
            soft[nsoft++] = g;
        else
            req[nreq++] = g;
        if (ng == 1 && it->kind == IT_WORD && nprox < QUERY_MAX_TERMS)
            prox[nprox++] = st->toks[it->first];
    }
    if (nsoft) {
        xc_query *o = combine(XC_Q_OR, soft, nsoft, 0);
        nsoft = 0;
        if (!o)
            goto out;
        req[nreq++] = o;
    }
    core = combine(XC_Q_AND, req, nreq, 0);
    nreq = 0;
    if (!core)
        goto out;
    if (nprox >= 2) {
        /* adjacent plain words rank higher; the window lets the stop
         * words the query dropped sit between them */
        xc_query *pair[2] = {
            core, phrase_query(st, prox, nprox,
                               (uint32_t)nprox + RANK_PROXIMITY_SLACK)};
        core = xc_query_combine(XC_Q_PROXIMITY, pair, 2, 0);
        if (!core)
            goto out;
    }
    if (st->nexcl) {
        xc_query *sub[QUERY_MAX_EXCLUDED + 1];
        sub[0] = core;
        /* sub and excl are arrays of query pointers: sizeof *sub is meant */
        // NOLINTNEXTLINE(bugprone-sizeof-expression)
        memcpy(sub + 1, st->excl[relaxed], st->nexcl * sizeof *sub);
        memset(st->excl[relaxed], 0, sizeof st->excl[relaxed]);
        core = xc_query_combine(XC_Q_AND_NOT, sub, st->nexcl + 1, 0);
        if (!core)
            goto out;
    }
    *out = core;
    core = NULL;
    rc = 0;
out:
    for (size_t k = 0; k < nreq; k++)
        xc_query_free(req[k]);
    for (size_t k = 0; k < nsoft; k++)
        xc_query_free(soft[k]);
    xc_query_free(core);
    return rc;
}

/* Number of groups that relaxing would OR together. */
static size_t soft_groups(const pstate *st, int use_stop)
{
    size_t n = 0;
    for (size_t i = 0; i < st->nitems;) {
        if (!kept(st, use_stop, i)) {
            i++;
            continue;
        }
        size_t first = i++;
        size_t ng = 1;
        while (i < st->nitems && kept(st, use_stop, i) &&
               st->items[i].or_prev) {
            i++;
            ng++;
        }
        item_kind k = st->items[first].kind;
        n += ng > 1 || k == IT_WORD || k == IT_PREFIX || k == IT_SYNONYM;
    }
    return n;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Append s to list[0..*n) unless present; -1 when out of memory. */
static int add_distinct(char **list, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        /* list[0..*n) were all set below; the analyzer loses track */
        // NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker)
        if (strcmp(list[i], s) == 0)
            return 0;
    if (!(list[*n] = dup_str(s)))
        return -1;
    (*n)++;
    return 0;
}

/* The stems of the one-word synonyms of it (stop words left out: they
 * would light up every "et" of a snippet) into out->stems. Those of
 * several words are left out: snip marks words, not phrases, so the words
 * of "gouvernements locaux" would light up wherever they stand, apart
 * too, and outweigh the query's own word in choosing the window. */
static int collect_synonyms(const pstate *st, const qitem *it,
                            query_parsed *out)
{
    for (size_t k = 0; k < it->syn_n; k++) {
        const char *v = st->synval[it->syn_first + k];
        if (!strchr(v, ' ') && !analyze_is_stopword(st->a, v, strlen(v)) &&
            add_distinct(out->stems, &out->nstems, v))
            return -1;
    }
    return 0;
}

/* Highlight stems, prefixes and spelling words of the kept items. */
static int collect(const pstate *st, int use_stop, query_parsed *out)
{
    size_t nonstop = 0;
    for (size_t i = 0; i < st->nitems; i++) {
        const qitem *it = &st->items[i];
        if (kept(st, use_stop, i) && it->kind != IT_PREFIX)
            for (size_t k = 0; k < it->n; k++)
                nonstop += !st->toks[it->first + k].stop;
    }
    out->stems = calloc(2 * st->ntoks + st->synterms + 1, sizeof *out->stems);
    out->prefixes = calloc(st->nitems + 1, sizeof *out->prefixes);
    out->words = calloc(st->ntoks + 1, sizeof *out->words);
    if (!out->stems || !out->prefixes || !out->words)
        return -1;
    for (size_t i = 0; i < st->nitems; i++) {
        const qitem *it = &st->items[i];
        const qtok *t = &st->toks[it->first];
        if (!kept(st, use_stop, i))
            continue;
        if (it->kind == IT_PREFIX) {
            if (add_distinct(out->prefixes, &out->nprefixes, t->fold))
                return -1;
            continue;
        }
        /* stop words would light up every "de" of a snippet */
        for (size_t k = 0; k < it->n; k++)
            if ((!nonstop || !t[k].stop) &&
                (add_distinct(out->stems, &out->nstems, t[k].stem) ||
                 add_distinct(out->stems, &out->nstems, t[k].astem)))
                return -1;
        if (it->kind == IT_SYNONYM && collect_synonyms(st, it, out))
            return -1;
        for (size_t k = 0; k < it->n; k++) {
            /* a span's stop words are no words to correct */
            int syn = it->kind == IT_SYNONYM;
            if (!(it->kind == IT_WORD && !it->quoted) && !(syn && !t[k].stop))
                continue;
            query_word *w = &out->words[out->nwords];
            w->exact = dup_str(t[k].exact);
            w->fold = dup_str(t[k].fold);
            w->stem = dup_str(t[k].stem);
            w->offset = t[k].offset;
            w->length = t[k].length;
            w->synonym = syn;
            out->nwords++; /* counted now so that free() sees both */
            if (!w->exact || !w->fold || !w->stem)
                return -1;
        }
    }
    return 0;
}

query_status query_parse(analyzer *a, const char *text, size_t len,
                         query_parsed *out)
{
    return query_parse_db(a, NULL, text, len, out);
}

query_status query_parse_db(analyzer *a, xc_db *db, const char *text,
                            size_t len, query_parsed *out)
{
    pstate *st = NULL;
    query_status rc = QUERY_ERR_NOMEM;

    memset(out, 0, sizeof *out);
    st = calloc(1, sizeof *st);
    if (!st)
        goto out;
    st->a = a;
    st->db = db;
    snprintf(st->zp, sizeof st->zp, "%s%s", SCHEMA_P_STEM,
             analyze_language(a)->code);
    snprintf(st->tp, sizeof st->tp, "%s%s", SCHEMA_P_TITLE,
             analyze_language(a)->code);
    snprintf(st->ep, sizeof st->ep, "%s%s", SCHEMA_P_EXACT,
             analyze_language(a)->code);
    snprintf(st->fp, sizeof st->fp, "%s%s", SCHEMA_P_FOLD,
             analyze_language(a)->code);
    st->text = text ? text : "";
    st->len = text ? (len > QUERY_MAX_INPUT ? QUERY_MAX_INPUT : len) : 0;
    if (text && len > QUERY_MAX_INPUT)
        st->truncated = 1;
    analyze_set_stemming(a, 1);
    lex(st);
    if (st->nomem)
        goto out;
    expand_synonyms(st);

    size_t nonstop = 0, nstop = 0;
    for (size_t i = 0; i < st->nitems; i++) {
        nonstop += !st->items[i].stop;
        nstop += st->items[i].stop;
    }
    /* stop words are noise next to real words, but "to be or not to be"
     * style queries have nothing else */
    int use_stop = nonstop == 0 && nstop > 0;
    if (use_stop && st->stop_truncated)
        st->truncated = 1;
    out->truncated = st->truncated;
    if (nonstop + nstop == 0) {
        out->empty = 1;
        out->strict = xc_query_match_nothing();
        if (!out->strict)
            goto out;
    } else {
        if (assemble(st, use_stop, 0, &out->strict))
            goto out;
        if (soft_groups(st, use_stop) > 1 &&
            assemble(st, use_stop, 1, &out->relaxed))
            goto out;
    }
    if (collect(st, use_stop, out))
        goto out;
    rc = QUERY_OK;
out:
    if (st)
        for (int r = 0; r < 2; r++)
            for (size_t i = 0; i < st->nexcl; i++)
                xc_query_free(st->excl[r][i]); /* NULL once consumed */
    free(st);
    if (rc != QUERY_OK)
        query_parsed_free(out);
    return rc;
}

void query_parsed_free(query_parsed *q)
{
    if (!q)
        return;
    xc_query_free(q->strict);
    xc_query_free(q->relaxed);
    for (size_t i = 0; q->stems && i < q->nstems; i++)
        free(q->stems[i]);
    for (size_t i = 0; q->prefixes && i < q->nprefixes; i++)
        free(q->prefixes[i]);
    for (size_t i = 0; q->words && i < q->nwords; i++) {
        free(q->words[i].exact);
        free(q->words[i].fold);
        free(q->words[i].stem);
    }
    free(q->stems);
    free(q->prefixes);
    free(q->words);
    memset(q, 0, sizeof *q);
}

char *query_replace_words(const char *orig, size_t len, const query_word *words,
                          const char *const *repl, size_t n)
{
    size_t total = len, at = 0;
    for (size_t i = 0; i < n; i++) {
        const query_word *w = &words[i];
        if (w->offset < at || w->offset > len || w->length > len - w->offset)
            return NULL;
        at = w->offset + w->length;
        if (repl && repl[i]) {
            size_t r = strlen(repl[i]);
            if (r > ((size_t)-1) / 2 - total)
                return NULL;
            total = total - w->length + r;
        }
    }
    char *s = malloc(total + 1), *p = s;
    if (!s)
        return NULL;
    at = 0;
    for (size_t i = 0; i < n; i++) {
        if (!repl || !repl[i])
            continue;
        size_t r = strlen(repl[i]);
        memcpy(p, orig + at, words[i].offset - at);
        p += words[i].offset - at;
        memcpy(p, repl[i], r);
        p += r;
        at = words[i].offset + words[i].length;
    }
    memcpy(p, orig + at, len - at);
    p[len - at] = '\0';
    return s;
}
