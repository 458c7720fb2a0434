/* fuzz_query: libFuzzer target for the query parser (text -> Xapian trees,
 * highlight stems and spelling words). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/analyze.h"
#include "common/xapian_c.h"
#include "search/query.h"
#include "tests/fuzz/fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return fuzz_init_french();
}

static void check_describe(const xc_query *q)
{
    char *d = xc_query_describe(q);

    FUZZ_CHECK(d != NULL);
    FUZZ_CHECK(strncmp(d, "Query(", 6) == 0);
    free(d);
}

/* A spelling word analysed again on its own must give the same forms: the
 * span query_parse reports is where "did you mean" will splice. */
static void check_word(const char *text, const query_word *w)
{
    analyze_token tok;

    FUZZ_CHECK(w->exact != NULL && w->fold != NULL);
    size_t el = strlen(w->exact), fl = strlen(w->fold);
    FUZZ_CHECK(el > 0 && el <= ANALYZE_MAX_WORD);
    FUZZ_CHECK(fl > 0 && fl <= ANALYZE_MAX_WORD);
    FUZZ_CHECK(ref_utf8_valid(w->exact, el));
    FUZZ_CHECK(ref_utf8_valid(w->fold, fl));
    analyze_begin(fuzz_fr, text + w->offset, w->length, 1);
    FUZZ_CHECK(analyze_next(fuzz_fr, &tok) == 1);
    FUZZ_CHECK(tok.offset == 0 && tok.length == w->length);
    FUZZ_CHECK(strcmp(tok.exact, w->exact) == 0);
    FUZZ_CHECK(strcmp(tok.fold, w->fold) == 0);
    FUZZ_CHECK(analyze_next(fuzz_fr, &tok) == 0);
}

static void check_list(char **list, size_t n, size_t maxlen)
{
    FUZZ_CHECK(n <= QUERY_MAX_TERMS);
    FUZZ_CHECK(n == 0 || list != NULL);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(list[i] != NULL);
        size_t l = strlen(list[i]);
        FUZZ_CHECK(l > 0 && l <= maxlen);
        FUZZ_CHECK(ref_utf8_valid(list[i], l));
        for (size_t j = 0; j < i; j++) /* documented as distinct */
            FUZZ_CHECK(strcmp(list[i], list[j]) != 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy: ASan then sees any read past the input */
    char *text = malloc(size ? size : 1);
    query_parsed q;

    FUZZ_CHECK(text != NULL);
    if (size)
        memcpy(text, data, size);
    query_status st = query_parse(fuzz_fr, text, size, &q);
    if (st != QUERY_OK) {
        /* only memory can fail, and then *out is zeroed */
        FUZZ_CHECK(st == QUERY_ERR_NOMEM);
        FUZZ_CHECK(q.strict == NULL && q.words == NULL && q.nwords == 0);
        free(text);
        return 0;
    }
    size_t read = size < QUERY_MAX_INPUT ? size : QUERY_MAX_INPUT;
    FUZZ_CHECK(q.strict != NULL);
    FUZZ_CHECK(q.truncated || size <= QUERY_MAX_INPUT);
    check_describe(q.strict);
    if (q.relaxed)
        check_describe(q.relaxed);
    /* stems come from the analyzer's stem buffer, folds are folds */
    check_list(q.stems, q.nstems, ANALYZE_MAX_WORD * 2);
    check_list(q.prefixes, q.nprefixes, ANALYZE_MAX_WORD);
    FUZZ_CHECK(q.nwords <= QUERY_MAX_TERMS);
    FUZZ_CHECK(q.nwords == 0 || q.words != NULL);
    FUZZ_CHECK(!q.empty || (q.nwords == 0 && q.nstems == 0 &&
                            q.nprefixes == 0 && q.relaxed == NULL));
    size_t at = 0;
    for (size_t i = 0; i < q.nwords; i++) {
        const query_word *w = &q.words[i];
        /* inside the part read, ascending and disjoint */
        FUZZ_CHECK(w->length > 0);
        FUZZ_CHECK(w->offset >= at && w->offset <= read &&
                   w->length <= read - w->offset);
        at = w->offset + w->length;
        check_word(text, w);
    }
    /* "did you mean" with nothing replaced gives the text back ... */
    char *same = query_replace_words(text, size, q.words, NULL, q.nwords);
    FUZZ_CHECK(same != NULL);
    FUZZ_CHECK(memcmp(same, text, size) == 0 && same[size] == '\0');
    free(same);
    /* ... and with every word replaced, the spans accepted as valid */
    if (q.nwords) {
        const char **repl = malloc(q.nwords * sizeof *repl);
        FUZZ_CHECK(repl != NULL);
        size_t want = size;
        for (size_t i = 0; i < q.nwords; i++) {
            repl[i] = "X";
            want = want - q.words[i].length + 1;
        }
        char *r = query_replace_words(text, size, q.words, repl, q.nwords);
        FUZZ_CHECK(r != NULL && strlen(r) <= want);
        free(r);
        free(repl);
    }
    query_parsed_free(&q);
    FUZZ_CHECK(q.strict == NULL && q.stems == NULL && q.nwords == 0);
    free(text);
    return 0;
}
