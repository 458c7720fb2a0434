/* fuzz_analyze: libFuzzer target for the French analyzer (tokens, folding,
 * stemming) on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/analyze.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return fuzz_init_french();
}

/* One token's forms: NUL-terminated at their length, bounded, and the
 * exact and folded forms valid UTF-8 (they become Xapian terms). */
static void check_forms(const analyze_token *t, int stemming)
{
    FUZZ_CHECK(t->exact && t->fold && t->stem);
    FUZZ_CHECK(t->exact_len > 0 && t->exact_len <= ANALYZE_MAX_WORD);
    FUZZ_CHECK(t->fold_len > 0 && t->fold_len <= ANALYZE_MAX_WORD);
    FUZZ_CHECK(t->stem_len <= ANALYZE_MAX_WORD * 2);
    FUZZ_CHECK(strlen(t->exact) == t->exact_len);
    FUZZ_CHECK(strlen(t->fold) == t->fold_len);
    FUZZ_CHECK(strlen(t->stem) == t->stem_len);
    FUZZ_CHECK(ref_utf8_valid(t->exact, t->exact_len));
    FUZZ_CHECK(ref_utf8_valid(t->fold, t->fold_len));
    FUZZ_CHECK(ref_utf8_valid(t->stem, t->stem_len));
    /* the accented stem is a Z term too: never empty when the stem is not */
    FUZZ_CHECK(t->astem != NULL && t->astem_len <= ANALYZE_MAX_STEM);
    FUZZ_CHECK(t->astem_len > 0 || t->stem_len == 0);
    FUZZ_CHECK(strlen(t->astem) == t->astem_len);
    FUZZ_CHECK(ref_utf8_valid(t->astem, t->astem_len));
    FUZZ_CHECK(t->stopword == 0 || t->stopword == 1);
    /* looked up only with stemming on (analyze.h) */
    FUZZ_CHECK(
        t->stopword ==
        (stemming && analyze_is_stopword(fuzz_fr, t->exact, t->exact_len)));
}

/* Tokenize text[0..len) twice, with and without stemming, starting at
 * position first: both passes must see the same words. */
static void run(const char *text, size_t len, uint32_t first)
{
    analyze_token t;
    /* spans of the first pass: a word takes at least one byte */
    size_t *spans = malloc((len + 1) * 2 * sizeof *spans);
    size_t end = 0, count = 0, sl;
    char stem[ANALYZE_MAX_WORD * 2 + 1];
    int r;

    FUZZ_CHECK(spans != NULL);
    analyze_set_stemming(fuzz_fr, 1);
    analyze_begin(fuzz_fr, text, len, first);
    FUZZ_CHECK(analyze_position(fuzz_fr) == first);
    while ((r = analyze_next(fuzz_fr, &t)) == 1) {
        check_forms(&t, 1);
        /* inside the input, in order, not overlapping */
        FUZZ_CHECK(t.length > 0);
        FUZZ_CHECK(t.offset >= end && t.offset <= len &&
                   t.length <= len - t.offset);
        end = t.offset + t.length;
        FUZZ_CHECK(count < len);
        spans[2 * count] = t.offset;
        spans[2 * count + 1] = t.length;
        FUZZ_CHECK(t.position == first + count); /* consecutive */
        count++;
        FUZZ_CHECK(analyze_position(fuzz_fr) == first + count);
        /* the stem is analyze_stem() of the fold (which reuses the
         * buffer t.stem points to: keep a copy) */
        memcpy(stem, t.stem, t.stem_len + 1);
        const char *s = analyze_stem(fuzz_fr, t.fold, t.fold_len, &sl);
        FUZZ_CHECK(s != NULL && sl == t.stem_len && strcmp(s, stem) == 0);
    }
    FUZZ_CHECK(r == 0);                         /* -1 is out of memory only */
    FUZZ_CHECK(analyze_next(fuzz_fr, &t) == 0); /* stays at the end */

    /* stemming off: the same tokens, stem == fold */
    analyze_set_stemming(fuzz_fr, 0);
    analyze_begin(fuzz_fr, text, len, first);
    for (size_t i = 0; i < count; i++) {
        FUZZ_CHECK(analyze_next(fuzz_fr, &t) == 1);
        check_forms(&t, 0);
        FUZZ_CHECK(t.offset == spans[2 * i] && t.length == spans[2 * i + 1]);
        FUZZ_CHECK(t.stem_len == t.fold_len &&
                   memcmp(t.stem, t.fold, t.fold_len) == 0);
    }
    FUZZ_CHECK(analyze_next(fuzz_fr, &t) == 0);
    /* placing words only (snippets): the same words, offsets, positions */
    analyze_begin(fuzz_fr, text, len, first);
    for (size_t i = 0; i < count; i++) {
        FUZZ_CHECK(analyze_next_place(fuzz_fr, &t) == 1);
        FUZZ_CHECK(t.offset == spans[2 * i] && t.length == spans[2 * i + 1]);
        FUZZ_CHECK(t.position == first + i);
    }
    FUZZ_CHECK(analyze_next_place(fuzz_fr, &t) == 0);
    analyze_set_stemming(fuzz_fr, 1);
    free(spans);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy: ASan then sees any read past the input */
    char *text = malloc(size ? size : 1);

    FUZZ_CHECK(text != NULL);
    if (size)
        memcpy(text, data, size);
    run(text, size, 1);
    /* positions near the top of the range, as a long document reaches:
     * a word takes at least a byte, so an input under 70000 bytes has
     * fewer than 70000 words and stays below UINT32_MAX */
    if (size < 70000)
        run(text, size, UINT32_MAX - 70000);
    free(text);
    return 0;
}
