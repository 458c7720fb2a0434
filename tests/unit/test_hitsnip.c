/* hitsnip: the snippet of an indexed hit, from its stored blocks and its
 * terms' positions, against snip_build over the whole text (what snippets
 * were cut from before issue #15). Over the CGLU pages and pages made to
 * span many blocks and to pass SNIP_MAX_SCAN, for every query of
 * bench/queries.txt and a few more, each page's snippet is the whole
 * text's; where it is not, the difference is one of those that
 * snip_build_stored documents, checked by building the whole text's
 * snippet with those rules (only the terms the page's body has). */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "common/doctext.h"
#include "common/schema.h"
#include "common/textstore.h"
#include "indexer/docbuild.h"
#include "search/hitsnip.h"
#include "search/query.h"
#include "search/snip.h"
#include "unit_util.h"

/* Pages: the test's own, and the .txt files of folder $CGLU_HITSNIP_DIR
 * when it is set (bench/data/man-fr: docs/BENCHMARKS.md, issue #15). */
#define MAX_DOCS 1024
#define MAX_QUERIES 512
#define QUERY_FILE "bench/queries.txt"

typedef struct fixture {
    unit_db u;
    analyzer *a;
    xc_db *db;
    char **text; /* what each page's text is, MAX_DOCS of them */
    size_t *len;
    char (*id)[32];
    size_t ndocs;
    hitsnip hs; /* one for every snippet, as a thread's engine keeps it */
} fixture;

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    buf_t b;
    char chunk[65536];
    size_t n;
    buf_init(&b, 64u << 20);
    if (!f)
        return NULL;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    if (b.failed) {
        buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return b.data ? b.data : calloc(1, 1);
}

static void add_doc(fixture *f, const char *title, char *text, size_t len)
{
    docbuild_input in;
    xc_doc *doc = NULL;
    char idterm[SCHEMA_TERM_MAX + 1];
    size_t k = f->ndocs++;
    assert_true(k < MAX_DOCS);
    snprintf(f->id[k], sizeof f->id[k], "doc%zu", k);
    memset(&in, 0, sizeof in);
    in.id = f->id[k];
    in.relpath = f->id[k];
    in.title = title;
    in.title_len = strlen(title);
    in.url = "";
    in.text = text;
    in.text_len = len;
    in.root = "/srv";
    assert_int_equal(
        docbuild_make(f->a, &in, NULL, &doc, f->u.err, sizeof f->u.err),
        DOCBUILD_OK);
    schema_term(SCHEMA_P_ID, in.id, strlen(in.id), idterm);
    assert_int_equal(xc_replace(f->db, idterm, doc), XC_OK);
    xc_doc_free(doc);
    f->text[k] = text;
    f->len[k] = len;
}

/* n bytes of the CGLU pages over and over, each round told apart. */
static char *repeat(const char *src, size_t slen, size_t n, size_t *len)
{
    buf_t b;
    buf_init(&b, n + slen + 64);
    for (unsigned round = 0; b.len < n; round++) {
        buf_printf(&b, "\n\nPartie %u. ", round);
        buf_append(&b, src, slen);
    }
    assert_false(b.failed);
    *len = b.len;
    return b.data;
}

static int setup(void **state)
{
    fixture *f = unit_db_new(sizeof *f);
    if (!f || analyze_new("fr", &f->a, NULL, 0) != ANALYZE_OK ||
        unit_db_create(&f->u, &f->db) != 0 ||
        !(f->text = calloc(MAX_DOCS, sizeof *f->text)) ||
        !(f->len = calloc(MAX_DOCS, sizeof *f->len)) ||
        !(f->id = calloc(MAX_DOCS, sizeof *f->id)))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < f->ndocs; i++)
        free(f->text[i]);
    free(f->text);
    free(f->len);
    free(f->id);
    hitsnip_free(&f->hs);
    xc_close(f->db);
    analyze_free(f->a);
    return unit_db_free(&f->u);
}

/* The pages: the six French CGLU pages, all of them again and again
 * (300 KB: many blocks), past SNIP_MAX_SCAN (words that only come after
 * it), a word across a block's end, and odd text (long words, bad UTF-8,
 * elisions, blank runs, controls). */
static void build_pages(fixture *f)
{
    static const char *const pages[] = {"corpus/01-a-propos.txt",
                                        "corpus/02-mission.txt",
                                        "corpus/03-cglu-et-ses-sections.txt",
                                        "corpus/04-ce-que-nous-faisons.txt",
                                        "corpus/05-objectifs.txt",
                                        "corpus/06-plan-d-actions.txt"};
    buf_t all;
    buf_init(&all, 1u << 20);
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        size_t n;
        char *t = read_all(pages[i], &n);
        assert_non_null(t);
        buf_append(&all, t, n);
        buf_putc(&all, '\n');
        add_doc(f, pages[i], t, n);
    }
    size_t n;
    char *whole = repeat(all.data, all.len, 300000, &n);
    add_doc(f, "Tout", whole, n);
    /* past SNIP_MAX_SCAN: "zythum" only after it, "cglu" before too */
    char *big = repeat(all.data, all.len, SNIP_MAX_SCAN + 50000, &n);
    buf_t b;
    buf_init(&b, n + 64);
    buf_append(&b, big, n);
    buf_puts(&b, " zythum final");
    free(big);
    add_doc(f, "Grand", b.data, b.len);
    /* a word across the first block's end */
    buf_init(&b, 1u << 20);
    while (b.len < TEXTSTORE_BLOCK - 5)
        buf_puts(&b, "ab ");
    buf_puts(&b, "gouvernements locaux et régionaux ");
    while (b.len < 3 * TEXTSTORE_BLOCK)
        buf_puts(&b, "cd ");
    buf_puts(&b, "les villes et les régions");
    add_doc(f, "Bord", b.data, b.len);
    static const char odd[] =
        "L'État d'abord : l'homme, qu'il soit élu ou non.\n\n\n"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaa gouvernement \xff\xfe local\x01\x02 r\xc3\xa9gions "
        "                                                  "
        "jusqu'aux villes ; l\xe2\x80\x99"
        "action des élus.";
    char *o = malloc(sizeof odd);
    memcpy(o, odd, sizeof odd);
    add_doc(f, "Bizarre", o, sizeof odd - 1);
    buf_free(&all);
    const char *dir = getenv("CGLU_HITSNIP_DIR");
    struct dirent **names = NULL;
    int nn = dir ? scandir(dir, &names, NULL, alphasort) : 0;
    for (int i = 0; i < nn; i++) {
        size_t l = strlen(names[i]->d_name);
        if (f->ndocs < MAX_DOCS && l > 4 &&
            strcmp(names[i]->d_name + l - 4, ".txt") == 0) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
            char *t = read_all(path, &n);
            if (t && !memchr(t, '\0', n))
                add_doc(f, names[i]->d_name, t, n);
            else
                free(t);
        }
        free(names[i]);
    }
    free(names);
    assert_int_equal(xc_commit(f->db), XC_OK);
}

static int keep_value(const char *s, size_t len, void *ctx)
{
    return buf_append(ctx, s, len) == BUF_OK ? 0 : 1;
}

static int count_positions(xc_db *db, uint32_t docid, const lang_info *lang,
                           const char *stem, uint32_t lo)
{
    char prefix[8], term[SCHEMA_TERM_MAX + 1];
    uint32_t p[1];
    size_t n = 0;
    snprintf(prefix, sizeof prefix, "%s%s", SCHEMA_P_STEM, lang->code);
    schema_term(prefix, stem, strlen(stem), term);
    assert_int_equal(xc_positions(db, docid, term, lo, UINT32_MAX, p, 1, &n),
                     XC_OK);
    return n > 0;
}

typedef struct tally {
    size_t same, explained, pairs;
} tally;

/* Page k's snippet for query q, both ways, at target characters. */
static void compare(fixture *f, size_t k, const query_parsed *q, size_t target,
                    tally *t)
{
    char idterm[SCHEMA_TERM_MAX + 1];
    char *vals[SCHEMA_NVALUES];
    size_t vlens[SCHEMA_NVALUES];
    uint32_t docid;
    buf_t head, old, got, why;
    const lang_info *lang = analyze_language(f->a);

    schema_term(SCHEMA_P_ID, f->id[k], strlen(f->id[k]), idterm);
    assert_int_equal(xc_get_doc(f->db, idterm, &docid, NULL, NULL, vals, vlens,
                                SCHEMA_NVALUES),
                     XC_OK);
    buf_init(&head, 1u << 24);
    buf_init(&old, 1u << 20);
    buf_init(&got, 1u << 20);
    buf_init(&why, 1u << 20);
    assert_int_equal(
        xc_value_of(f->db, docid, SCHEMA_V_TEXT, keep_value, &head), XC_OK);
    snip_terms st = {q->stems, q->nstems, q->prefixes, q->nprefixes};
    assert_int_equal(snip_build(f->a, f->text[k], f->len[k], &st, target, &old),
                     SNIP_OK);
    assert_int_equal(hitsnip_build(&f->hs, f->db, docid, head.data, head.len,
                                   lang, f->a, &st, target, &got),
                     SNIP_OK);
    t->pairs++;
    if (old.len == got.len && memcmp(old.data, got.data, old.len) == 0) {
        t->same++;
    } else {
        /* the documented rules: only the terms the body has */
        textstore ts;
        assert_int_equal(textstore_open(&ts, head.data, head.len, NULL, NULL),
                         TEXTSTORE_OK);
        char *present[SNIP_MAX_TERMS];
        size_t np = 0;
        for (size_t i = 0; i < q->nstems && i < SNIP_MAX_TERMS; i++)
            if (count_positions(f->db, docid, lang, q->stems[i], ts.first_pos))
                present[np++] = q->stems[i];
        textstore_close(&ts);
        snip_terms ps = {present, np, q->prefixes, q->nprefixes};
        assert_int_equal(
            snip_build(f->a, f->text[k], f->len[k], &ps, target, &why),
            SNIP_OK);
        if (why.len != got.len || memcmp(why.data, got.data, why.len) != 0)
            fail_msg("page %s, stems %zu: whole text\n%s\nstored\n%s\n"
                     "whole text with the body's terms\n%s",
                     f->id[k], q->nstems, old.data, got.data, why.data);
        t->explained++;
    }
    buf_free(&head);
    buf_free(&old);
    buf_free(&got);
    buf_free(&why);
    for (int i = 0; i < SCHEMA_NVALUES; i++)
        free(vals[i]);
}

static void test_same_as_whole_text(void **state)
{
    fixture *f = *state;
    static const char *const extra[] = {
        "gouvernements locaux",  "zythum",
        "zythum cglu",           "gouv*",
        "villes régions",        "\"villes et régions\"",
        "élus action",           "homme état",
        "développement durable", "cités unies"};
    const char *queries[MAX_QUERIES];
    size_t nq = 0, qlen;
    char *qtext = read_all(QUERY_FILE, &qlen);
    assert_non_null(qtext);
    for (char *line = strtok(qtext, "\n"); line && nq < MAX_QUERIES;
         line = strtok(NULL, "\n"))
        if (*line)
            queries[nq++] = line;
    assert_true(nq > 300);
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        queries[nq++] = extra[i];

    build_pages(f);
    tally t = {0};
    for (size_t qi = 0; qi < nq; qi++) {
        query_parsed q;
        assert_int_equal(
            query_parse(f->a, queries[qi], strlen(queries[qi]), &q), QUERY_OK);
        for (size_t k = 0; k < f->ndocs; k++)
            compare(f, k, &q, SNIP_DEFAULT_TARGET, &t);
        if (qi % 40 == 0) /* the other ends of the target */
            for (size_t k = 0; k < f->ndocs; k++) {
                compare(f, k, &q, 1, &t);
                compare(f, k, &q, SNIP_MAX_TARGET, &t);
            }
        query_parsed_free(&q);
    }
    print_message("%zu snippets: %zu the same, %zu differ by the documented "
                  "rules\n",
                  t.pairs, t.same, t.explained);
    assert_true(t.same > t.pairs * 9 / 10);
    free(qtext);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        UNIT_TEST_FIXTURE(test_same_as_whole_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
