/* fuzz_snip: libFuzzer target for the snippet builder. Input: one byte of
 * settings, a line of terms ("gouvern local élu* ..."; a trailing '*'
 * makes a prefix), then the document text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/analyze.h"
#include "common/buf.h"
#include "common/frplural.h"
#include "common/textstore.h"
#include "search/snip.h"
#include "tests/fuzz/fuzz_util.h"

#define TERMS_MAX 1024 /* bytes of the terms line looked at */
/* Words a terms line of under TERMS_MAX bytes can hold: each takes a byte
 * and a separating space. Well over SNIP_MAX_TERMS, so that snip_build's
 * "more terms are ignored" rule stays exercised. */
#define WORDS_MAX (TERMS_MAX / 2 + 1)
_Static_assert(WORDS_MAX > 2 * SNIP_MAX_TERMS,
               "the harness must be able to pass too many terms");
#define SMALL_MAX 64 /* output limit when the settings ask for one */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return fuzz_init_french();
}

/* Split line[0..n) at spaces into NUL-terminated copies: words ending in
 * '*' go (without it) to prefixes, the others to stems. stems and prefixes
 * hold WORDS_MAX entries each; n < TERMS_MAX keeps within them, and the
 * loop stops at their capacity all the same. */
static void split_terms(const char *line, size_t n, char **stems,
                        size_t *nstems, char **prefixes, size_t *nprefixes)
{
    size_t i = 0;

    *nstems = *nprefixes = 0;
    while (i < n && *nstems < WORDS_MAX && *nprefixes < WORDS_MAX) {
        while (i < n && line[i] == ' ')
            i++;
        size_t s = i;
        while (i < n && line[i] != ' ')
            i++;
        if (i == s)
            break;
        size_t e = i;
        int prefix = line[e - 1] == '*';
        e -= prefix;
        char *w = malloc(e - s + 1);
        FUZZ_CHECK(w != NULL);
        memcpy(w, line + s, e - s);
        w[e - s] = '\0';
        if (prefix)
            prefixes[(*nprefixes)++] = w;
        else
            stems[(*nstems)++] = w;
    }
}

static const char *const entities[] = {"&amp;", "&lt;", "&gt;", "&quot;",
                                       "&#39;"};

/* The excerpt s[0..n): valid UTF-8, HTML-escaped, marks balanced, not
 * nested and not empty, blanks collapsed, no controls; returns the number
 * of characters shown (entities count one, tags none). */
static size_t check_html(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, shown = 0;
    int in_mark = 0;

    FUZZ_CHECK(ref_utf8_valid(s, n));
    while (i < n) {
        unsigned c = u[i];
        if (c == '<') {
            if (!in_mark && n - i >= 6 && memcmp(s + i, "<mark>", 6) == 0) {
                FUZZ_CHECK(n - i > 6 && s[i + 6] != '<'); /* not empty */
                in_mark = 1;
                i += 6;
            } else {
                /* a "<" that is not the expected tag, or a nested mark */
                FUZZ_CHECK(in_mark && n - i >= 7 &&
                           memcmp(s + i, "</mark>", 7) == 0);
                in_mark = 0;
                i += 7;
            }
            continue;
        }
        if (c == '&') {
            size_t k = 0;
            for (; k < sizeof entities / sizeof *entities; k++) {
                size_t el = strlen(entities[k]);
                if (n - i >= el && memcmp(s + i, entities[k], el) == 0) {
                    i += el;
                    break;
                }
            }
            FUZZ_CHECK(k < sizeof entities / sizeof *entities);
            shown++;
            continue;
        }
        FUZZ_CHECK(c != '>' && c != '"' && c != '\'');
        /* blanks are single spaces, controls (C0, DEL, C1) dropped */
        FUZZ_CHECK(c >= 0x20 && c != 0x7F);
        FUZZ_CHECK(!(c == 0xC2 && u[i + 1] < 0xA0));
        FUZZ_CHECK(c != ' ' || (i + 1 < n && u[i + 1] != ' '));
        shown += (c & 0xC0) != 0x80;
        i++;
    }
    FUZZ_CHECK(!in_mark);
    return shown;
}

static int fetch_block(void *ctx, uint32_t k, buf_t *into)
{
    const textstore_enc *e = ctx;
    if (k == 0 || k > e->nextra)
        return -1;
    size_t from = k > 1 ? e->ends[k - 2] : 0;
    return buf_append(into, e->blocks.data + from, e->ends[k - 1] - from) ==
                   BUF_OK
               ? 0
               : -1;
}

/* 1 when word is dropped before an apostrophe (l', qu'): the index has
 * no position for it, the whole-text scan looks at it as a word. */
static int elided(const char *word)
{
    char buf[TERMS_MAX + 8];
    analyze_token tok;
    int n = snprintf(buf, sizeof buf, "%s'x", word);
    analyze_begin(fuzz_fr, buf, (size_t)n, 1);
    return analyze_next(fuzz_fr, &tok) == 1 && tok.offset > 0;
}

/* The same excerpt from the text stored as the index stores it (its
 * table and the stems' positions made as docbuild makes them): the whole
 * text's excerpt for the stems the text has (snip_build_stored's rules),
 * except where a stem has an odd plural (counted as its own term by the
 * whole-text scan) or is an elided article; valid HTML in any case. */
static void check_stored(const char *text, size_t len, char **stems,
                         size_t nstems, size_t target, size_t small)
{
    enum { FIRST = 70 };
    buf_t checks, out, want;
    uint32_t *pos[SNIP_MAX_TERMS];
    size_t npos[SNIP_MAX_TERMS] = {0}, nt = nstems;
    char *present[SNIP_MAX_TERMS];
    size_t np = 0;
    int odd = 0;
    analyze_token tok;
    int r;

    if (nt > SNIP_MAX_TERMS)
        nt = SNIP_MAX_TERMS;
    buf_init(&checks, BUF_MAX_LIMIT);
    for (size_t i = 0; i < nt; i++) {
        pos[i] = malloc(SNIP_MAX_MATCHES * sizeof **pos);
        FUZZ_CHECK(pos[i] != NULL);
        odd |= frplural_odd_plural(stems[i], strlen(stems[i])) != NULL ||
               elided(stems[i]);
    }
    analyze_begin(fuzz_fr, text, len, FIRST);
    while ((r = analyze_next(fuzz_fr, &tok)) == 1) {
        if ((tok.position - FIRST) % TEXTSTORE_EVERY == 0 &&
            tok.offset < SNIP_MAX_SCAN &&
            checks.len / 4 == (tok.position - FIRST) / TEXTSTORE_EVERY) {
            uint32_t off = (uint32_t)tok.offset;
            FUZZ_CHECK(buf_append(&checks, &off, 4) == BUF_OK);
        }
        for (size_t i = 0; i < nt; i++) {
            size_t sl = strlen(stems[i]);
            int hit =
                (tok.stem_len == sl && memcmp(tok.stem, stems[i], sl) == 0) ||
                (tok.astem_len == sl && memcmp(tok.astem, stems[i], sl) == 0);
            if (hit && npos[i] < SNIP_MAX_MATCHES)
                pos[i][npos[i]++] = tok.position;
        }
    }
    FUZZ_CHECK(r == 0);
    textstore_enc enc;
    FUZZ_CHECK(textstore_encode(text, len, FIRST, (const uint32_t *)checks.data,
                                checks.len / 4, 1, &enc) == TEXTSTORE_OK);
    /* kept across inputs, as a thread's hitsnip keeps them across hits:
     * nothing of one text may show in the next one's excerpt */
    static textstore ts;
    static snip_scratch scratch;
    FUZZ_CHECK(textstore_reopen(&ts, enc.head.data, enc.head.len, fetch_block,
                                &enc) == TEXTSTORE_OK);
    /* positions past the table cannot be placed: hitsnip asks for none */
    uint32_t end = textstore_pos_end(&ts);
    for (size_t i = 0; i < nt; i++) {
        size_t k = 0;
        while (k < npos[i] && pos[i][k] < end)
            k++;
        npos[i] = k;
        if (k)
            present[np++] = stems[i];
    }
    const uint32_t *cpos[SNIP_MAX_TERMS];
    for (size_t i = 0; i < nt; i++)
        cpos[i] = pos[i];
    snip_positions pp = {cpos, npos};
    snip_terms terms = {stems, nt, NULL, 0};
    buf_init(&out, small ? SMALL_MAX : 1u << 20);
    buf_init(&want, small ? SMALL_MAX : 1u << 20);
    snip_status st =
        snip_build_stored(fuzz_fr, &ts, &terms, &pp, target, &scratch, &out);
    FUZZ_CHECK(st == SNIP_OK || st == SNIP_ERR_LIMIT);
    if (st == SNIP_OK) {
        check_html(out.data ? out.data : "", out.len);
        snip_terms pt = {present, np, NULL, 0};
        if (!odd &&
            snip_build(fuzz_fr, text, len, &pt, target, &want) == SNIP_OK)
            FUZZ_CHECK(want.len == out.len &&
                       memcmp(want.data ? want.data : "",
                              out.data ? out.data : "", out.len) == 0);
    }
    textstore_enc_free(&enc);
    buf_free(&out);
    buf_free(&want);
    buf_free(&checks);
    for (size_t i = 0; i < nt; i++)
        free(pos[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *stems[WORDS_MAX], *prefixes[WORDS_MAX];
    size_t nstems, nprefixes;
    buf_t out;

    if (size < 1)
        return 0;
    size_t target = (size_t)(data[0] & 0x7F) * 8; /* 0: clamped to 1 */
    int small = data[0] >> 7;
    const char *rest = (const char *)data + 1;
    size_t n = size - 1;
    const char *nl = memchr(rest, '\n', n < TERMS_MAX ? n : TERMS_MAX);
    size_t tl = nl ? (size_t)(nl - rest) : 0;

    /* tl < TERMS_MAX: at most WORDS_MAX words, within the arrays */
    split_terms(rest, tl, stems, &nstems, prefixes, &nprefixes);
    snip_terms terms = {stems, nstems, prefixes, nprefixes};
    size_t skip = nl ? tl + 1 : 0;
    size_t len = n - skip;
    /* an exact-size copy: ASan then sees any read past the text */
    char *text = malloc(len ? len : 1);
    FUZZ_CHECK(text != NULL);
    if (len)
        memcpy(text, rest + skip, len);

    /* out already holds a byte: the excerpt is appended after it, and an
     * error must leave it as it was */
    buf_init(&out, small ? SMALL_MAX : 1u << 20);
    FUZZ_CHECK(buf_putc(&out, 'P') == BUF_OK);
    snip_status st = snip_build(
        fuzz_fr, text, len, nstems + nprefixes ? &terms : NULL, target, &out);
    if (st == SNIP_OK) {
        size_t t = target < 1 ? 1 : target;
        size_t shown = check_html(out.data + 1, out.len - 1);
        /* "about target characters": words are not cut, but a word is
         * at most a few hundred bytes */
        FUZZ_CHECK(shown <= 2 * t + 512);
    } else {
        FUZZ_CHECK(st == SNIP_ERR_LIMIT || st == SNIP_ERR_NOMEM);
        FUZZ_CHECK(st != SNIP_ERR_LIMIT || small);
        FUZZ_CHECK(out.len == 1 && out.data[0] == 'P' && out.data[1] == 0);
    }
    if (nprefixes == 0)
        check_stored(text, len, stems, nstems, target, small);
    /* the analyzer is handed back with stemming on */
    analyze_token tok;
    analyze_begin(fuzz_fr, "gouvernements", 13, 1);
    FUZZ_CHECK(analyze_next(fuzz_fr, &tok) == 1 &&
               strcmp(tok.stem, "gouvern") == 0);
    buf_free(&out);
    free(text);
    for (size_t i = 0; i < nstems; i++)
        free(stems[i]);
    for (size_t i = 0; i < nprefixes; i++)
        free(prefixes[i]);
    return 0;
}
