/* analyze: tokenize, fold and stem UTF-8 text the same way for documents
 * and queries (French elisions, NFKC casefold, accents folded before
 * stemming; see docs/ARCHITECTURE.md for why). */
#include "common/analyze.h"

#include <libstemmer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "common/frplural.h"
#include "common/lang.h"
#include "common/utf8.h"

/* A word longer than this in the input cannot fold to ANALYZE_MAX_WORD
 * bytes or less in any realistic way; skip it before normalising. */
#define RAW_MAX (ANALYZE_MAX_WORD * 4)
/* Worst-case utf8proc compatibility decomposition is 18 code points per
 * input code point. */
#define CP_MAX (RAW_MAX * 18)

/* Stems of recent words, direct-mapped by a hash of the word: text
 * repeats a few thousand words, and Snowball with its plural step was
 * 14 % of an index build's CPU (perf, docs/BENCHMARKS.md); analyze.h
 * says how many. A key is the folded word, or for an accented stem the
 * exact word, a NUL and its fold; longer keys and stems are not kept. */
#define STEM_CACHE_KEY 32
#define STEM_CACHE_STEM 29
#define STOP_UNKNOWN 2

typedef struct {
    unsigned char key_len; /* 0: empty */
    unsigned char stem_len;
    unsigned char stop; /* a folded word's stop-word flag, or STOP_UNKNOWN */
    char key[STEM_CACHE_KEY];
    char stem[STEM_CACHE_STEM];
} stem_slot;

struct analyzer {
    struct sb_stemmer *stemmer;
    const lang_info *info; /* static: stop words, French steps */
    int french;            /* info->french: elisions, frplural */
    int stemming;
    const char *text;
    size_t len;
    size_t at;         /* next byte to scan */
    uint32_t position; /* position of the next token */
    utf8proc_int32_t cps[CP_MAX];
    char exact[CP_MAX * 4 + 1];
    char fold[CP_MAX * 4 + 1];
    char stem[ANALYZE_MAX_STEM + 1];
    char astem[ANALYZE_MAX_STEM + 1]; /* accented stem, folded */
    char pre[ANALYZE_MAX_WORD + FRPLURAL_GROWTH + 1]; /* frplural_norm's */
    stem_slot *cache; /* cache_slots of them, or NULL: none yet (or no
                         memory for one: every word is stemmed) */
    size_t cache_slots;
    stem_slot *last; /* the slot of the last folded word stemmed */
};

/* Elided French articles and conjunctions, lowercase ASCII. */
static const char *const french_elision[] = {
    "l", "d", "j",     "qu",     "n",      "s",      "t",
    "m", "c", "jusqu", "lorsqu", "puisqu", "quoiqu",
};

/* ASCII class: 1 for [0-9A-Za-z]. */
static unsigned char ascii_word[128];
static int tables_ready;

static void init_tables(void)
{
    if (tables_ready)
        return;
    for (int c = 0; c < 128; c++)
        ascii_word[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                        (c >= 'A' && c <= 'Z');
    tables_ready = 1; /* idempotent: racing threads write the same bytes */
}

const char *analyze_strerror(analyze_status st)
{
    switch (st) {
    case ANALYZE_OK:
        return "success";
    case ANALYZE_ERR_LANG:
        return "unknown stemming language";
    case ANALYZE_ERR_NOMEM:
        return "out of memory";
    }
    return "unknown error";
}

analyze_status analyze_new(const char *lang, analyzer **out, char *err,
                           size_t errlen)
{
    analyzer *a = NULL;
    analyze_status st = ANALYZE_OK;
    const lang_info *info =
        lang ? lang_find(lang, strlen(lang)) : lang_default();

    *out = NULL;
    init_tables();
    if (!info) {
        st = ANALYZE_ERR_LANG;
        goto fail;
    }
    a = calloc(1, sizeof *a);
    if (!a) {
        st = ANALYZE_ERR_NOMEM;
        goto fail;
    }
    /* NULL: out of memory, or a libstemmer older than the table's
     * (test_lang opens every entry); the latter is the likelier */
    a->stemmer = sb_stemmer_new(info->name, "UTF_8");
    if (!a->stemmer) {
        st = ANALYZE_ERR_LANG;
        goto fail;
    }
    a->info = info;
    a->stemming = 1;
    a->cache_slots = ANALYZE_CACHE_DEFAULT;
    a->french = info->french;
    *out = a;
    return ANALYZE_OK;
fail:
    if (err && errlen)
        snprintf(err, errlen, "analyzer for language \"%s\": %s",
                 lang ? lang : lang_default()->name, analyze_strerror(st));
    analyze_free(a);
    return st;
}

void analyze_free(analyzer *a)
{
    if (!a)
        return;
    if (a->stemmer)
        sb_stemmer_delete(a->stemmer);
    free(a->cache);
    free(a);
}

const char *analyze_lang(const analyzer *a)
{
    return a->info->name;
}

const lang_info *analyze_language(const analyzer *a)
{
    return a->info;
}

void analyze_begin(analyzer *a, const char *text, size_t len,
                   uint32_t first_position)
{
    a->text = text;
    a->len = text ? len : 0;
    a->at = 0;
    a->position = first_position;
}

uint32_t analyze_position(const analyzer *a)
{
    return a->position;
}

int analyze_is_word_cp(int32_t cp)
{
    if (cp < 128) /* no table: callable before any analyzer exists */
        return ((unsigned)cp - '0' < 10u) | (((unsigned)cp | 0x20) - 'a' < 26u);
    /* the common cases without a table lookup: Latin letters, combining
     * accents, general punctuation */
    if (cp >= 0xC0 && cp < 0x2B0)
        return cp != 0xD7 && cp != 0xF7;
    if (cp >= 0x300 && cp <= 0x36F)
        return 1;
    if (cp >= 0x2000 && cp <= 0x206F)
        return 0;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return 1;
    default:
        return 0;
    }
}

static int is_apostrophe(int32_t cp)
{
    return cp == '\'' || cp == 0x2019 || cp == 0x02BC;
}

/* 1 when the word s[0..n) is an elided French word (any case). */
static int is_elision(const char *s, size_t n)
{
    char low[8];
    if (n == 0 || n > 6)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80)
            return 0;
        low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    for (size_t i = 0; i < sizeof french_elision / sizeof *french_elision; i++)
        if (strlen(french_elision[i]) == n &&
            memcmp(french_elision[i], low, n) == 0)
            return 1;
    return 0;
}

/* Ligatures are typography, not accents: œ→oe, æ→ae in both forms. Both
 * are two bytes in UTF-8, as their expansions, so this works in place. */
static void expand_ligatures(char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned char c0 = (unsigned char)s[i], c1 = (unsigned char)s[i + 1];
        if (c0 == 0xC5 && c1 == 0x93) {
            s[i] = 'o';
            s[i + 1] = 'e';
        } else if (c0 == 0xC3 && c1 == 0xA6) {
            s[i] = 'a';
            s[i + 1] = 'e';
        }
    }
}

/* Normalise word w[0..n) into dst with utf8proc: returns the byte length,
 * or -1 when it does not fit (the word is skipped). */
static long normalise(analyzer *a, const char *w, size_t n, char *dst,
                      utf8proc_option_t extra)
{
    /* Same options for both steps, as utf8proc_map() does: decompose
     * fully (COMPOSE tells it to), then compose back. */
    utf8proc_option_t opt = UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                            UTF8PROC_COMPOSE | UTF8PROC_STABLE | extra;
    utf8proc_ssize_t m = utf8proc_decompose(
        (const utf8proc_uint8_t *)w, (utf8proc_ssize_t)n, a->cps, CP_MAX, opt);
    if (m < 0 || m > CP_MAX)
        return -1;
    /* reencode composes and writes UTF-8 over the code point buffer. */
    m = utf8proc_reencode(a->cps, m, opt);
    if (m < 0 || m > ANALYZE_MAX_WORD)
        return -1;
    memcpy(dst, a->cps, (size_t)m);
    dst[m] = '\0';
    expand_ligatures(dst, (size_t)m);
    return m;
}

int analyze_is_stopword(const analyzer *a, const char *word, size_t len)
{
    return lang_is_stopword(a->info, word, len);
}

void analyze_set_stemming(analyzer *a, int on)
{
    a->stemming = on;
}

void analyze_set_cache(analyzer *a, size_t words)
{
    if (a->cache)
        return;
    size_t n = ANALYZE_CACHE_MIN;
    while (n * 2 <= words && n * 2 <= ANALYZE_CACHE_MAX)
        n *= 2;
    a->cache_slots = n;
}

/* Snowball's stem of w[0..n) (whose fold is fold[0..fold_n)) into dst,
 * after its language's plural step (frplural, esplural); NULL when out of
 * memory (*len 1) or too long (*len 0). */
static const char *stem_into(analyzer *a, const char *w, size_t n,
                             const char *fold, size_t fold_n, char *dst,
                             size_t *len)
{
    *len = 0;
    if (n > ANALYZE_MAX_WORD)
        return NULL;
    if (a->info->plural) {
        n = a->info->plural(w, n, fold, fold_n, a->pre);
        w = a->pre;
    }
    const sb_symbol *s =
        sb_stemmer_stem(a->stemmer, (const sb_symbol *)w, (int)n);
    if (!s) {
        *len = 1; /* out of memory, as opposed to too long */
        return NULL;
    }
    int sl = sb_stemmer_length(a->stemmer);
    if (sl < 0 || (size_t)sl > ANALYZE_MAX_STEM)
        return NULL;
    memcpy(dst, s, (size_t)sl);
    dst[sl] = '\0';
    *len = (size_t)sl;
    return dst;
}

/* The cache slot of key w[0..n) (with "\0" fold[0..fold_n) after it
 * when fold is given) into key, its length into *key_len; NULL when the
 * key is too long to keep. */
static stem_slot *cache_slot(analyzer *a, const char *w, size_t n,
                             const char *fold, size_t fold_n, char *key,
                             size_t *key_len)
{
    size_t kn = fold ? n + 1 + fold_n : n;
    if (kn > STEM_CACHE_KEY || n == 0)
        return NULL;
    if (!a->cache && !(a->cache = calloc(a->cache_slots, sizeof *a->cache)))
        return NULL;
    memcpy(key, w, n);
    if (fold) {
        key[n] = '\0';
        memcpy(key + n + 1, fold, fold_n);
    }
    *key_len = kn;
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < kn; i++)
        h = (h ^ (unsigned char)key[i]) * 16777619u;
    return &a->cache[h & (a->cache_slots - 1)];
}

/* The stem kept in slot for key[0..kn) copied to dst: its length, or -1
 * when the slot holds another word. */
static long cache_get(const stem_slot *slot, const char *key, size_t kn,
                      char *dst)
{
    if (!slot || slot->key_len != kn || memcmp(slot->key, key, kn) != 0)
        return -1;
    memcpy(dst, slot->stem, slot->stem_len);
    dst[slot->stem_len] = '\0';
    return slot->stem_len;
}

/* Keep stem[0..len) for key[0..kn) in slot: 1, or 0 when not kept. */
static int cache_put(stem_slot *slot, const char *key, size_t kn,
                     const char *stem, size_t len)
{
    if (!slot || len > STEM_CACHE_STEM)
        return 0;
    memcpy(slot->key, key, kn);
    slot->key_len = (unsigned char)kn;
    slot->stop = STOP_UNKNOWN;
    memcpy(slot->stem, stem, len);
    slot->stem_len = (unsigned char)len;
    return 1;
}

/* stem_into for a folded word, through the cache. */
static const char *stem_fold(analyzer *a, const char *fold, size_t len,
                             char *dst, size_t *stem_len)
{
    char key[STEM_CACHE_KEY];
    size_t kn = 0;
    stem_slot *slot = cache_slot(a, fold, len, NULL, 0, key, &kn);
    long got = cache_get(slot, key, kn, dst);
    if (got >= 0) {
        *stem_len = (size_t)got;
        a->last = slot;
        return dst;
    }
    if (!stem_into(a, fold, len, fold, len, dst, stem_len))
        return NULL;
    a->last = cache_put(slot, key, kn, dst, *stem_len) ? slot : NULL;
    return dst;
}

const char *analyze_stem(analyzer *a, const char *fold, size_t len,
                         size_t *stem_len)
{
    return stem_fold(a, fold, len, a->stem, stem_len);
}

const char *analyze_astem(analyzer *a, const char *exact, size_t exact_len,
                          const char *fold, size_t fold_len, size_t *astem_len)
{
    if (exact_len == fold_len && memcmp(exact, fold, fold_len) == 0)
        return stem_fold(a, fold, fold_len, a->astem, astem_len);
    char key[STEM_CACHE_KEY];
    size_t kn = 0;
    stem_slot *slot = cache_slot(a, exact, exact_len, fold, fold_len, key, &kn);
    long got = cache_get(slot, key, kn, a->astem);
    if (got >= 0) {
        *astem_len = (size_t)got;
        return a->astem;
    }
    if (!stem_into(a, exact, exact_len, fold, fold_len, a->astem, astem_len))
        return NULL;
    /* fold the stem as a word is folded (in place: normalise reads its
     * input into a->cps before it writes) */
    long m = normalise(a, a->astem, *astem_len, a->astem, UTF8PROC_STRIPMARK);
    if (m <= 0) { /* nothing but marks ("\u030Cs" stems to "\u030C") */
        *astem_len = 0;
        return NULL;
    }
    *astem_len = (size_t)m;
    cache_put(slot, key, kn, a->astem, *astem_len);
    return a->astem;
}

/* Fill tok from the word text[start..end): 1 on success, 0 when skipped,
 * -1 out of memory. */
static int make_token(analyzer *a, size_t start, size_t end, int ascii,
                      analyze_token *tok)
{
    const char *w = a->text + start;
    size_t n = end - start;
    long en, fn;

    if (n > RAW_MAX)
        return 0;
    if (ascii) {
        if (n > ANALYZE_MAX_WORD)
            return 0;
        for (size_t i = 0; i < n; i++) {
            char c = w[i];
            a->exact[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        a->exact[n] = '\0';
        memcpy(a->fold, a->exact, n + 1);
        en = fn = (long)n;
    } else {
        en = normalise(a, w, n, a->exact, 0);
        fn = normalise(a, w, n, a->fold, UTF8PROC_STRIPMARK);
        if (en <= 0 || fn <= 0)
            return 0;
    }
    size_t sl = (size_t)fn, asl = (size_t)fn;
    const char *astem = a->stem;
    a->last = NULL;
    if (a->stemming) {
        if (!analyze_stem(a, a->fold, (size_t)fn, &sl))
            return sl ? -1 : 0;
        asl = sl;
        if (!ascii &&
            (en != fn || memcmp(a->exact, a->fold, (size_t)fn) != 0)) {
            astem = analyze_astem(a, a->exact, (size_t)en, a->fold, (size_t)fn,
                                  &asl);
            if (!astem && asl)
                return -1;
            if (!astem) { /* cannot be folded back: the plain stem serves */
                astem = a->stem;
                asl = sl;
            }
        }
    } else {
        memcpy(a->stem, a->fold, (size_t)fn + 1);
    }

    tok->exact = a->exact;
    tok->exact_len = (size_t)en;
    tok->fold = a->fold;
    tok->fold_len = (size_t)fn;
    tok->stem = a->stem;
    tok->stem_len = (size_t)sl;
    tok->astem = astem;
    tok->astem_len = asl;
    tok->offset = start;
    tok->length = n;
    tok->position = a->position++;
    /* stemming off is for callers after words' places (snippets), which
     * never ask: the look-up is a fifth of such a pass */
    if (!a->stemming) {
        tok->stopword = 0;
    } else if (a->last && en == fn &&
               memcmp(a->exact, a->fold, (size_t)fn) == 0) {
        /* the slot's key is this very word: its flag is kept there */
        if (a->last->stop == STOP_UNKNOWN)
            a->last->stop =
                analyze_is_stopword(a, a->exact, (size_t)en) ? 1 : 0;
        tok->stopword = a->last->stop;
    } else {
        tok->stopword = analyze_is_stopword(a, a->exact, (size_t)en);
    }
    return 1;
}

/* 1 when the non-ASCII word w[0..n) surely makes a token: only ASCII
 * and U+00C0..U+017F (Latin-1 and Latin Extended-A letters), whose case
 * fold is at most half as long again (ß ss, İ i̇, ŉ ʼn) and never folds to
 * nothing, and short enough that it stays under ANALYZE_MAX_WORD. Most
 * French words: they need no normalising to be placed. */
static int surely_token(const unsigned char *w, size_t n)
{
    if (n * 3 / 2 > ANALYZE_MAX_WORD)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (w[i] < 0x80)
            continue;
        if (w[i] < 0xC3 || w[i] > 0xC5 || i + 1 >= n)
            return 0;
        i++; /* the run holds word characters only: a valid pair */
    }
    return 1;
}

/* The next token; place_only: only its offset, length and position (the
 * forms are filled only when deciding whether the word is a token needs
 * them). */
static int next_token(analyzer *a, analyze_token *tok, int place_only)
{
    const unsigned char *t = (const unsigned char *)a->text;
    size_t len = a->len;

    while (a->at < len) {
        /* Skip separators. */
        size_t i = a->at;
        int32_t cp = 0;
        size_t k;
        while (i < len) {
            if (t[i] < 0x80) {
                if (ascii_word[t[i]])
                    break;
                i++;
                continue;
            }
            k = utf8_decode(t + i, len - i, &cp, NULL);
            if (k && analyze_is_word_cp(cp))
                break;
            i += k ? k : 1;
        }
        if (i >= len) {
            a->at = len;
            return 0;
        }
        /* Scan the word. */
        size_t start = i;
        int ascii = 1;
        for (;;) {
            while (i < len && t[i] < 0x80 && ascii_word[t[i]])
                i++;
            if (i >= len || t[i] < 0x80)
                break;
            k = utf8_decode(t + i, len - i, &cp, NULL);
            if (!k || !analyze_is_word_cp(cp))
                break;
            ascii = 0;
            i += k;
        }
        size_t end = i;
        a->at = end;
        /* French elision: "l'", "qu’" ... directly followed by a word. */
        if (a->french && end < len) {
            k = utf8_decode(t + end, len - end, &cp, NULL);
            if (k && is_apostrophe(cp) && end + k < len &&
                is_elision(a->text + start, end - start)) {
                int32_t next = 0;
                size_t k2 =
                    utf8_decode(t + end + k, len - end - k, &next, NULL);
                if (k2 && analyze_is_word_cp(next)) {
                    a->at = end + k;
                    continue;
                }
            }
        }
        if (place_only && end - start <= RAW_MAX &&
            (ascii ? end - start <= ANALYZE_MAX_WORD
                   : surely_token(t + start, end - start))) {
            memset(tok, 0, sizeof *tok);
            tok->offset = start;
            tok->length = end - start;
            tok->position = a->position++;
            return 1;
        }
        int r = make_token(a, start, end, ascii, tok);
        if (r != 0) {
            if (r < 0)
                a->at = len;
            return r;
        }
    }
    return 0;
}

int analyze_next(analyzer *a, analyze_token *tok)
{
    return next_token(a, tok, 0);
}

int analyze_next_place(analyzer *a, analyze_token *tok)
{
    return next_token(a, tok, 1);
}
