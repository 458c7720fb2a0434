/* test_query: the search text parser, by the trees it builds (Xapian's
 * descriptions), its limits on hostile input, and end to end on a small
 * index built the way the indexer lays documents out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/unit_util.h"
#include "common/analyze.h"
#include "common/schema.h"
#include "common/xapian_c.h"
#include "search/query.h"
#include "search/rank.h"
#include "indexer/synonyms.h"

/* Parse n bytes of text; fails the test unless QUERY_OK. */
static void parse_n(const char *text, size_t n, query_parsed *q)
{
    assert_int_equal(query_parse(unit_fr, text, n, q), QUERY_OK);
    assert_non_null(q->strict);
}

static void parse(const char *text, query_parsed *q)
{
    parse_n(text, strlen(text), q);
}

/* Parse text with db's synonyms (db NULL: none). */
static void parse_db(xc_db *db, const char *text, query_parsed *q)
{
    assert_int_equal(query_parse_db(unit_fr, db, text, strlen(text), q),
                     QUERY_OK);
    assert_non_null(q->strict);
}

/* Description of a tree, "(null)" for NULL; caller frees. */
static char *describe(const xc_query *q)
{
    char *d = q ? xc_query_describe(q) : strdup("(null)");
    assert_non_null(d);
    return d;
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* ---- trees ------------------------------------------------------------- */

/* A prefix expands over F terms (accented words) and E terms (others). */
#define PFX(f) "WILDCARD SYNONYM Ffr" f " OR WILDCARD SYNONYM Efr" f
#define W(stem, exact) "(Zfr" stem " AND_MAYBE 0.5 * Efr" exact ")"

static const struct {
    const char *text;
    const char *strict;
    const char *relaxed; /* NULL: no relaxed query */
    int empty;
} trees[] = {
    /* plain words: each Z+stem with its exact form as a bonus, ANDed,
     * adjacency as a bonus; relaxed ORs them */
    {"gouvernements locaux",
     "Query(((" W("gouvern", "gouvernements") " AND " W(
         "local", "locaux") ") AND_MAYBE (Zfrgouvern PHRASE 4 Zfrlocal)))",
     "Query(((" W("gouvern", "gouvernements") " OR " W(
         "local", "locaux") ") AND_MAYBE (Zfrgouvern PHRASE 4 Zfrlocal)))",
     0},
    {"élus", "Query(" W("elu", "élus") ")", NULL, 0},
    {"ÉLUS", "Query(" W("elu", "élus") ")", NULL, 0},
    {"L’Élu", "Query(" W("elu", "élu") ")", NULL, 0},
    {"l'autonomie", "Query(" W("autonom", "autonomie") ")", NULL, 0},
    {"Œuvre", "Query(" W("oeuvr", "oeuvre") ")", NULL, 0},
    /* stop words dropped next to real words, kept when alone */
    {"le chat", "Query(" W("chat", "chat") ")", NULL, 0},
    {"le la",
     "Query(((" W("le", "le") " AND " W(
         "la", "la") ") AND_MAYBE (Zfrle PHRASE 4 Zfrla)))",
     "Query(((" W("le", "le") " OR " W(
         "la", "la") ") AND_MAYBE (Zfrle PHRASE 4 Zfrla)))",
     0},
    {"\"le\"", "Query(" W("le", "le") ")", NULL, 0},
    /* phrases keep their stop words */
    {"\"ministère de la justice\"",
     "Query((Zfrminister PHRASE 4 Zfrde PHRASE 4 Zfrla PHRASE 4 Zfrjustic))",
     NULL, 0},
    {"«conseil municipal» élus",
     "Query(((Zfrconseil PHRASE 2 Zfrmunicipal) AND " W("elu", "élus") "))",
     NULL, 0},
    {"porto-novo", "Query((Zfrporto PHRASE 2 Zfrnovo))", NULL, 0},
    /* stop words joined by hyphens are stop words, not a phrase */
    {"qu'est-ce que cglu", "Query(" W("cglu", "cglu") ")", NULL, 0},
    /* an unbalanced quote runs to the end */
    {"chat \"foo bar",
     "Query((" W("chat", "chat") " AND (Zfrfoo PHRASE 2 Zfrbar)))", NULL, 0},
    /* exclusions */
    {"chat -chien", "Query((" W("chat", "chat") " AND_NOT Zfrchien))", NULL, 0},
    {"chat -\"chien noir\"",
     "Query((" W("chat", "chat") " AND_NOT (Zfrchien PHRASE 2 Zfrnoir)))", NULL,
     0},
    {"gouvernements -gouv*",
     "Query((" W("gouvern", "gouvernements") " AND_NOT (" PFX("gouv") ")))",
     NULL, 0},
    {"-title:foo bar", "Query((" W("bar", "bar") " AND_NOT Tfrfoo))", NULL, 0},
    /* OR binds two items; alone, leading or trailing it is nothing */
    {"chat OR chien souris",
     "Query(((" W("chat", "chat") " OR " W("chien", "chien") ") AND " W(
         "sour", "souris") "))",
     "Query(((" W("chat", "chat") " OR " W("chien", "chien") ") OR " W(
         "sour", "souris") "))",
     0},
    {"OR chat OR", "Query(" W("chat", "chat") ")", NULL, 0},
    {"chat OR -chien", "Query((" W("chat", "chat") " AND_NOT Zfrchien))", NULL,
     0},
    {"chat or chien",
     "Query(((" W("chat", "chat") " AND " W("or", "or") " AND " W(
         "chien", "chien") ") AND_MAYBE (Zfrchat PHRASE 5 Zfror PHRASE 5 "
                           "Zfrchien)))",
     "Query(((" W("chat", "chat") " OR " W("or", "or") " OR " W(
         "chien", "chien") ") AND_MAYBE (Zfrchat PHRASE 5 Zfror PHRASE 5 "
                           "Zfrchien)))",
     0},
    /* prefixes: 3 folded characters or more */
    {"gouv*", "Query((" PFX("gouv") "))", NULL, 0},
    {"Élé*", "Query((" PFX("ele") "))", NULL, 0},
    {"go*", "Query(" W("go", "go") ")", NULL, 0},
    {"gouv* local", "Query(((" PFX("gouv") ") AND " W("local", "local") "))",
     "Query(((" PFX("gouv") ") OR " W("local", "local") "))", 0},
    /* title: */
    {"title:justice chat", "Query((Tfrjustic AND " W("chat", "chat") "))", NULL,
     0},
    {"TITRE:\"porto-novo\"", "Query((Tfrporto AND Tfrnovo))", NULL, 0},
    /* lone operators and punctuation: nothing to search */
    {"OR", "Query()", NULL, 1},
    {"-", "Query()", NULL, 1},
    {"*", "Query()", NULL, 1},
    {"\"\"", "Query()", NULL, 1},
    {"title:", "Query()", NULL, 1},
    {"- OR * \"\" title: -- ***", "Query()", NULL, 1},
    {"!!! ,,, ... ?! «»", "Query()", NULL, 1},
    {"", "Query()", NULL, 1},
    {"-chien", "Query()", NULL, 1}, /* nothing positive */
};

static void test_trees(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof trees / sizeof *trees; i++) {
        query_parsed q;
        parse(trees[i].text, &q);
        char *s = describe(q.strict), *r = describe(q.relaxed);
        if (strcmp(s, trees[i].strict) != 0)
            fail_msg("\"%s\": strict\n  got  %s\n  want %s", trees[i].text, s,
                     trees[i].strict);
        const char *want_r = trees[i].relaxed ? trees[i].relaxed : "(null)";
        if (strcmp(r, want_r) != 0)
            fail_msg("\"%s\": relaxed\n  got  %s\n  want %s", trees[i].text, r,
                     want_r);
        if (q.empty != trees[i].empty)
            fail_msg("\"%s\": empty %d", trees[i].text, q.empty);
        assert_int_equal(q.truncated, 0);
        free(s);
        free(r);
        query_parsed_free(&q);
    }
}

/* A query word and a document word must give the same Z term. */
static void test_same_analysis_as_documents(void **state)
{
    static const char *const pairs[][2] = {
        {"ÉLUS", "élus"},
        {"elus", "Élus"},
        {"L'AUTONOMIE", "autonomie"},
        {"qu’elle", "elle"},
        {"oeuvre", "Œuvres"},
        {"Gouvernement", "gouvernements"},
        {"regionaux", "Régionaux"},
        {"ﬁchier", "fichier"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        analyze_token t;
        char want[160];
        analyze_begin(unit_fr, pairs[i][1], strlen(pairs[i][1]), 1);
        assert_int_equal(analyze_next(unit_fr, &t), 1);
        snprintf(want, sizeof want, "Query((Z%s%s AND_MAYBE",
                 analyze_language(unit_fr)->code, t.stem);
        query_parsed q;
        parse(pairs[i][0], &q);
        char *s = describe(q.strict);
        if (strncmp(s, want, strlen(want)) != 0)
            fail_msg("\"%s\" vs \"%s\": %s", pairs[i][0], pairs[i][1], s);
        free(s);
        query_parsed_free(&q);
    }
}

static void test_highlights_and_words(void **state)
{
    (void)state;
    const char *text = "l'autonomie \"de la Justice\" -chien gouv* "
                       "des gouvernemnts OR élus title:Porto";
    query_parsed q;
    parse(text, &q);
    /* stems of positive words, stop words and exclusions left out */
    static const char *const stems[] = {"autonom", "justic", "gouvernemnt",
                                        "elu", "porto"};
    assert_int_equal(q.nstems, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(q.stems[i], stems[i]);
    assert_int_equal(q.nprefixes, 1);
    assert_string_equal(q.prefixes[0], "gouv");
    /* plain words with their spans (after the elided l') */
    static const char *const words[] = {"autonomie", "gouvernemnts", "élus"};
    assert_int_equal(q.nwords, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(q.words[i].exact, words[i]);
        assert_int_equal(q.words[i].length, strlen(words[i]));
        assert_memory_equal(text + q.words[i].offset, words[i],
                            strlen(words[i]));
    }
    assert_string_equal(q.words[2].fold, "elus");

    const char *repl[] = {NULL, "gouvernements", "elus"};
    char *fixed = query_replace_words(text, strlen(text), q.words, repl, 3);
    assert_non_null(fixed);
    assert_string_equal(fixed, "l'autonomie \"de la Justice\" -chien gouv* "
                               "des gouvernements OR elus title:Porto");
    free(fixed);
    /* no replacement: the text itself */
    fixed = query_replace_words(text, strlen(text), q.words, NULL, 3);
    assert_non_null(fixed);
    assert_string_equal(fixed, text);
    free(fixed);
    /* spans out of order or out of range are refused */
    query_word bad[2] = {q.words[1], q.words[0]};
    assert_null(query_replace_words(text, strlen(text), bad, repl, 2));
    bad[0].offset = strlen(text);
    assert_null(query_replace_words(text, strlen(text), bad, repl, 1));
    query_parsed_free(&q);
    query_parsed_free(&q); /* zeroed: a second free is harmless */
}

/* ---- limits ------------------------------------------------------------ */

/* A distinct non-stop word for i, its own stem: "zorg" + consonants. */
static int word_for(char *out, size_t i)
{
    static const char cons[] = "bcdfghjklmnpqrvwz";
    char tail[16];
    size_t k = 0;
    do {
        tail[k++] = cons[i % (sizeof cons - 1)];
        i /= sizeof cons - 1;
    } while (i);
    tail[k] = '\0';
    return sprintf(out, "zorg%s", tail);
}

/* text[0..n) parses to a strict tree that holds needle exactly want times,
 * and the parse says it was cut. */
static void expect_cut(const char *text, size_t n, const char *needle,
                       size_t want)
{
    query_parsed q;
    parse_n(text, n, &q);
    char *s = describe(q.strict);
    assert_int_equal(count_of(s, needle), want);
    assert_int_equal(q.truncated, 1);
    free(s);
    query_parsed_free(&q);
}

static void test_many_words_bounded(void **state)
{
    (void)state;
    size_t cap = QUERY_MAX_INPUT * 2, n = 0;
    char *text = malloc(cap + 16);
    assert_non_null(text);
    for (size_t i = 0; n < cap; i++) {
        n += (size_t)word_for(text + n, i);
        text[n++] = ' ';
    }
    query_parsed q;
    parse_n(text, n, &q);
    char *s = describe(q.strict);
    assert_int_equal(count_of(s, " * Efr"), QUERY_MAX_TERMS);
    assert_int_equal(q.truncated, 1);
    assert_int_equal(q.nstems, QUERY_MAX_TERMS);
    assert_int_equal(q.nwords, QUERY_MAX_TERMS);
    free(s);
    query_parsed_free(&q);

    /* 200 phrases: QUERY_MAX_PHRASES of them */
    n = 0;
    for (size_t i = 0; i < 200; i++) {
        text[n++] = '"';
        n += (size_t)word_for(text + n, 2 * i);
        text[n++] = ' ';
        n += (size_t)word_for(text + n, 2 * i + 1);
        text[n++] = '"';
        text[n++] = ' ';
    }
    expect_cut(text, n, "PHRASE 2", QUERY_MAX_PHRASES);

    /* one phrase of 40 words is cut to QUERY_MAX_PHRASE_LEN */
    n = 0;
    text[n++] = '"';
    for (size_t i = 0; i < 40; i++) {
        n += (size_t)word_for(text + n, i);
        text[n++] = ' ';
    }
    expect_cut(text, n, "PHRASE 16 ", QUERY_MAX_PHRASE_LEN - 1);

    /* 100 exclusions: QUERY_MAX_EXCLUDED of them */
    n = (size_t)sprintf(text, "chat ");
    for (size_t i = 0; i < 100; i++) {
        text[n++] = '-';
        n += (size_t)word_for(text + n, i);
        text[n++] = ' ';
    }
    expect_cut(text, n, "Zfrzorg", QUERY_MAX_EXCLUDED);

    /* 5000 stop words: kept (nothing else), but bounded too */
    n = 0;
    for (size_t i = 0; i < 5000 && n < cap; i++)
        n += (size_t)sprintf(text + n, "le ");
    expect_cut(text, n, " * Efrle", QUERY_MAX_TERMS);

    /* one 16 KB chunk of hyphenated words */
    for (size_t i = 0; i < cap; i += 2) {
        text[i] = 'a';
        text[i + 1] = '-';
    }
    expect_cut(text, cap, "PHRASE 16 ", QUERY_MAX_PHRASE_LEN - 1);
    free(text);
}

static void test_hostile_bytes(void **state)
{
    (void)state;
    query_parsed q;
    /* NUL separates like a space */
    parse_n("chat\0chien", 10, &q);
    char *s = describe(q.strict);
    assert_non_null(strstr(s, "Zfrchat"));
    assert_non_null(strstr(s, "Zfrchien"));
    free(s);
    query_parsed_free(&q);
    /* invalid UTF-8 is a separator inside a word, ignored elsewhere */
    parse("\xff\xfe chat \xc3 \xe2\x80", &q);
    s = describe(q.strict);
    assert_string_equal(s, "Query(" W("chat", "chat") ")");
    free(s);
    query_parsed_free(&q);
    parse("\xc3\x28 \xed\xa0\x80 \xf8\x88\x80\x80\x80", &q);
    assert_int_equal(q.empty, 1); /* invalid sequences and "(": nothing */
    query_parsed_free(&q);

    /* random bytes from an alphabet of operators and odd characters */
    static const char *const parts[] = {"\"",
                                        "-",
                                        "*",
                                        "OR",
                                        " ",
                                        "title:",
                                        "le",
                                        "chat",
                                        "é",
                                        "\xff",
                                        "\0",
                                        "«",
                                        "»",
                                        "'",
                                        "porto-novo",
                                        "\xc3",
                                        "\xe2\x80\x9c",
                                        "gouv"};
    char text[256];
    unsigned seed = 12345;
    for (int round = 0; round < 3000; round++) {
        size_t n = 0;
        while (n < 200) {
            seed = seed * 1103515245u + 12345u;
            const char *p =
                parts[(seed >> 16) % (sizeof parts / sizeof *parts)];
            size_t k = *p ? strlen(p) : 1;
            memcpy(text + n, p, k);
            n += k;
        }
        parse_n(text, n, &q);
        s = describe(q.strict);
        free(s);
        for (size_t i = 0; i < q.nwords; i++) {
            assert_true(q.words[i].offset + q.words[i].length <= n);
            if (i)
                assert_true(q.words[i].offset >=
                            q.words[i - 1].offset + q.words[i - 1].length);
        }
        assert_int_equal(q.empty, q.nstems == 0 && q.nprefixes == 0);
        query_parsed_free(&q);
    }
}

/* ---- end to end on a small index --------------------------------------- */

/* Index one field with a as indexer/docbuild does: every word term
 * carries a's language code ("Zfr", "Een", ...). */
static void index_field(analyzer *a, xc_doc *doc, const char *text, int title)
{
    analyze_token t;
    char term[ANALYZE_MAX_WORD * 2 + 8];
    const char *code = analyze_language(a)->code;
    uint32_t wdf = title ? RANK_TITLE_WDF : 1;
    analyze_begin(a, text, strlen(text), analyze_position(a));
    while (analyze_next(a, &t) == 1) {
        int n = snprintf(term, sizeof term, "Z%s%s", code, t.stem);
        assert_int_equal(
            xc_doc_add_posting(doc, term, (size_t)n, t.position, wdf), XC_OK);
        n = snprintf(term, sizeof term, "E%s%s", code, t.exact);
        assert_int_equal(xc_doc_add_term(doc, term, (size_t)n, wdf), XC_OK);
        n = snprintf(term, sizeof term, "F%s%s", code, t.fold);
        assert_int_equal(xc_doc_add_term(doc, term, (size_t)n, wdf), XC_OK);
        if (title) {
            n = snprintf(term, sizeof term, "T%s%s", code, t.stem);
            assert_int_equal(xc_doc_add_term(doc, term, (size_t)n, 1), XC_OK);
        }
    }
}

/* A document of id in a's language; its data as schema.h lays it out
 * (id, title, url, language, date, section, tags, description). */
static void add_doc_in(analyzer *a, xc_db *db, const char *id,
                       const char *title, const char *text)
{
    xc_doc *doc;
    char idterm[SCHEMA_TERM_MAX + 1], data[1024];
    const char *code = analyze_language(a)->code;
    assert_int_equal(xc_doc_new(&doc), XC_OK);
    analyze_begin(a, NULL, 0, 1);
    index_field(a, doc, title, 1);
    analyze_begin(a, NULL, 0, analyze_position(a) + 64);
    index_field(a, doc, text, 0);
    size_t n = schema_term(SCHEMA_P_ID, id, strlen(id), idterm);
    assert_int_equal(xc_doc_add_term(doc, idterm, n, 0), XC_OK);
    int len = snprintf(data, sizeof data, "%s%c%s%c%c%s%c%c%c%c", id, 0, title,
                       0, 0, code, 0, 0, 0, 0);
    assert_int_equal(xc_doc_set_data(doc, data, (size_t)len), XC_OK);
    assert_int_equal(xc_replace(db, idterm, doc), XC_OK);
    xc_doc_free(doc);
}

static void add_doc(xc_db *db, const char *id, const char *title,
                    const char *text)
{
    add_doc_in(unit_fr, db, id, title, text);
}

/* Pairs equal for BM25 are added in the order a tie would not give. */
static const char *const docs[][3] = {
    {"plain", "Conseil", "les elus du conseil régional votent demain"},
    {"accent", "Conseil", "les élus du conseil régional votent demain"},
    {"apart", "Ville", "le conseil de la ville se réunit demain municipal"},
    {"adjacent", "Ville", "le conseil municipal de la ville se réunit demain"},
    {"budget", "Finances", "le budget prévisionnel des gouvernements locaux"},
    {"justice", "Justice", "un ministère pour les tribunaux du pays"},
};

/* Hits of text parsed with a on db (with its synonyms when syn), their
 * ids (the data's first field) joined by spaces into ids, in rank order;
 * strict, or relaxed when relaxed. */
static void run_in(analyzer *a, xc_db *db, int syn, const char *text,
                   int relaxed, char *ids, size_t cap)
{
    query_parsed q;
    xc_mset *m;
    assert_int_equal(query_parse_db(a, syn ? db : NULL, text, strlen(text), &q),
                     QUERY_OK);
    const xc_query *x = relaxed ? q.relaxed : q.strict;
    assert_non_null(x);
    assert_int_equal(xc_search(db, x, 0, 20, &m), XC_OK);
    ids[0] = '\0';
    for (size_t i = 0; i < xc_mset_size(m); i++) {
        uint32_t docid;
        double w;
        const char *data;
        size_t len;
        xc_mset_item(m, i, &docid, &w, &data, &len);
        size_t at = strlen(ids);
        snprintf(ids + at, cap - at, "%s%s", at ? " " : "", data);
    }
    xc_mset_free(m);
    query_parsed_free(&q);
}

/* run_in with the French analyzer of the group. */
static void run(xc_db *db, int syn, const char *text, int relaxed, char *ids,
                size_t cap)
{
    run_in(unit_fr, db, syn, text, relaxed, ids, cap);
}

static void test_end_to_end(void **state)
{
    (void)state;
    char dir[64], path[128], err[256], ids[512];
    xc_db *db;
    assert_int_equal(
        unit_tmpdir("test_query", dir, sizeof dir, path, sizeof path), 0);
    assert_int_equal(xc_open_write(path, 1, &db, err, sizeof err), XC_OK);
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
        add_doc(db, docs[i][0], docs[i][1], docs[i][2]);
    assert_int_equal(xc_commit(db), XC_OK);
    xc_close(db);
    assert_int_equal(xc_open_read(path, &db, err, sizeof err), XC_OK);

    static const struct {
        const char *query;
        int relaxed;
        const char *ids;
        const char *or_ids; /* the other order of a tie, or NULL */
    } cases[] = {
        /* the exact accent ranks first; without accents both match, and
         * the unaccented spelling is then the exact one */
        {"élus", 0, "accent plain", NULL},
        {"ÉLUS", 0, "accent plain", NULL},
        {"elus", 0, "plain accent", NULL},
        /* adjacent words rank first; the phrase only matches them */
        {"conseil municipal", 0, "adjacent apart", NULL},
        {"\"conseil municipal\"", 0, "adjacent", NULL},
        {"«Conseil Municipaux»", 0, "adjacent", NULL},
        {"conseil -municipal", 0, "accent plain", "plain accent"},
        {"conseil -\"conseil municipal\" -élus", 0, "apart", NULL},
        {"budg*", 0, "budget", NULL},
        {"gouvernement local", 0, "budget", NULL},
        {"title:justice", 0, "justice", NULL},
        {"title:ville municipal", 0, "adjacent apart", "apart adjacent"},
        {"budget tribunaux", 0, "", NULL},
        {"tribunal", 0, "justice", NULL},
        /* an empty query matches nothing */
        {"!!!", 0, "", NULL},
        {"budgets ministère", 1, "budget justice", "justice budget"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        run(db, 0, cases[i].query, cases[i].relaxed, ids, sizeof ids);
        if (strcmp(ids, cases[i].ids) != 0 &&
            (cases[i].or_ids == NULL || strcmp(ids, cases[i].or_ids) != 0))
            fail_msg("\"%s\": got \"%s\", want \"%s\"", cases[i].query, ids,
                     cases[i].ids);
    }
    xc_close(db);
    assert_int_equal(unit_rmtree(dir), 0);
}

/* ---- languages ----------------------------------------------------------- */

/* text parsed with a gives the strict tree want (relaxed: none). */
static void expect_tree(analyzer *a, const char *text, const char *want)
{
    query_parsed q;
    assert_int_equal(query_parse(a, text, strlen(text), &q), QUERY_OK);
    char *s = describe(q.strict);
    if (strcmp(s, want) != 0)
        fail_msg("\"%s\" (%s):\n got %s\nwant %s", text,
                 analyze_language(a)->code, s, want);
    free(s);
    query_parsed_free(&q);
}

/* Every term a query builds carries its analyzer's language code, the
 * one documents of that language are indexed with (common/schema.h). */
static void test_language_terms(void **state)
{
    analyzer *en = NULL;
    (void)state;
    assert_int_equal(analyze_new("english", &en, NULL, 0), ANALYZE_OK);
    assert_string_equal(analyze_language(en)->code, "en");
    assert_string_equal(analyze_language(unit_fr)->code, "fr");

    /* plain words: Z + "en" + English stem, E + "en" + exact form */
    expect_tree(en, "cities", "Query((Zenciti AND_MAYBE 0.5 * Eencities))");
    expect_tree(en, "local governments",
                "Query((((Zenlocal AND_MAYBE 0.5 * Eenlocal) AND "
                "(Zengovern AND_MAYBE 0.5 * Eengovernments)) AND_MAYBE "
                "(Zenlocal PHRASE 4 Zengovern)))");
    /* phrases, exclusions, title: and prefixes alike */
    expect_tree(en, "\"united cities\"", "Query((Zenunit PHRASE 2 Zenciti))");
    expect_tree(en, "cities -towns",
                "Query(((Zenciti AND_MAYBE 0.5 * Eencities) AND_NOT "
                "Zentown))");
    expect_tree(en, "title:cities", "Query(Tenciti)");
    expect_tree(en, "gouv*",
                "Query((WILDCARD SYNONYM Fengouv OR WILDCARD SYNONYM "
                "Eengouv))");
    expect_tree(unit_fr, "title:villes", "Query(Tfrvill)");
    expect_tree(unit_fr, "gouv*",
                "Query((WILDCARD SYNONYM Ffrgouv OR WILDCARD SYNONYM "
                "Efrgouv))");
    /* the same word, each language's stem and code */
    expect_tree(en, "nations", "Query((Zennation AND_MAYBE 0.5 * Eennations))");
    expect_tree(unit_fr, "nations",
                "Query((Zfrnation AND_MAYBE 0.5 * Efrnations))");
    analyze_free(en);
}

/* One index, two languages: a query finds the documents of its own
 * language only, and its highlights are that language's stems. */
static void test_languages_end_to_end(void **state)
{
    char dir[64], path[128], err[256], ids[512];
    analyzer *en = NULL;
    xc_db *db;
    (void)state;
    assert_int_equal(analyze_new("english", &en, NULL, 0), ANALYZE_OK);
    assert_int_equal(
        unit_tmpdir("test_query", dir, sizeof dir, path, sizeof path), 0);
    assert_int_equal(xc_open_write(path, 1, &db, err, sizeof err), XC_OK);
    add_doc_in(unit_fr, db, "fr", "Boulangerie", "le pain du matin");
    add_doc_in(en, db, "en", "Hospital", "the pain of the morning");
    add_doc_in(en, db, "en2", "Bakery", "pain and bread in the morning");
    assert_int_equal(xc_commit(db), XC_OK);
    xc_close(db);
    assert_int_equal(xc_open_read(path, &db, err, sizeof err), XC_OK);

    run_in(unit_fr, db, 0, "pain", 0, ids, sizeof ids);
    assert_string_equal(ids, "fr");
    run_in(en, db, 0, "\"the pain\"", 0, ids, sizeof ids);
    assert_string_equal(ids, "en");
    run_in(en, db, 0, "title:hospital", 0, ids, sizeof ids);
    assert_string_equal(ids, "en");
    run_in(unit_fr, db, 0, "title:hospital", 0, ids, sizeof ids);
    assert_string_equal(ids, "");
    run_in(en, db, 0, "bread", 0, ids, sizeof ids);
    assert_string_equal(ids, "en2");
    run_in(unit_fr, db, 0, "bread", 0, ids, sizeof ids);
    assert_string_equal(ids, "");
    run_in(unit_fr, db, 0, "mat*", 0, ids, sizeof ids);
    assert_string_equal(ids, "fr");
    run_in(en, db, 0, "morn*", 0, ids, sizeof ids);
    assert_true(strcmp(ids, "en en2") == 0 || strcmp(ids, "en2 en") == 0);
    run_in(en, db, 0, "mat*", 0, ids, sizeof ids);
    assert_string_equal(ids, "");

    query_parsed q;
    assert_int_equal(query_parse(en, "mornings", 8, &q), QUERY_OK);
    assert_int_equal(q.nstems, 1);
    assert_string_equal(q.stems[0], "morn");
    query_parsed_free(&q);
    xc_close(db);
    analyze_free(en);
    assert_int_equal(unit_rmtree(dir), 0);
}

/* ---- synonyms (query_parse_db) ------------------------------------------ */

/* The longest entry the indexer stores is the longest span looked up. */
_Static_assert(QUERY_MAX_SYNONYM_WORDS == SYNONYMS_MAX_WORDS,
               "query and indexer must agree on the words of an entry");

typedef struct syn_fixture {
    unit_db u;
    xc_db *r; /* reader on u.db, whose synonym table setup() filled */
} syn_fixture;

/* The synonym groups of the tests, as a .synonyms file says them. */
static const char syn_file[] =
    "CGLU, UCLG, Cités et Gouvernements Locaux Unis, United Cities and "
    "Local Governments\n"
    "conseil municipal, mairie\n"
    "municipal, communal\n"
    "vélo, bicyclette\n";

/* An index of docs (below) with the synonyms of text, read by *r. */
static void syn_index(syn_fixture *f, const char *text,
                      const char *const (*d)[3], size_t nd)
{
    xc_db *w = unit_open_write(&f->u);
    synonyms *s = NULL;
    size_t bad = 0;
    assert_int_equal(synonyms_new(unit_fr, &s), SYNONYMS_OK);
    assert_int_equal(
        synonyms_parse(s, "t", text, strlen(text), NULL, NULL, &bad),
        SYNONYMS_OK);
    assert_int_equal(bad, 0);
    assert_int_equal(xc_begin(w), XC_OK);
    for (size_t i = 0; i < nd; i++)
        add_doc(w, d[i][0], d[i][1], d[i][2]);
    assert_int_equal(synonyms_store(s, w), SYNONYMS_OK);
    assert_int_equal(xc_commit(w), XC_OK);
    synonyms_free(s);
    xc_close(w);
    xc_close(f->r);
    f->r = unit_open_read(&f->u);
}

static const char *const syn_docs[][3] = {
    {"fr", "À propos", "Cités et Gouvernements Locaux Unis défend les villes"},
    {"acro", "CGLU", "le réseau mondial des villes"},
    {"en", "About", "UCLG, the world organisation of cities"},
    {"mairie", "Mairie", "la mairie ouvre le lundi"},
    {"conseil", "Ville", "le conseil municipal vote le budget"},
    {"velo", "Transports", "une piste pour la bicyclette"},
    {"apart", "Villes", "un conseil de quartier, une police municipale"},
};

static int syn_setup(void **state)
{
    syn_fixture *f = unit_db_new(sizeof *f);
    *state = f;
    return f ? 0 : -1;
}

static int syn_teardown(void **state)
{
    syn_fixture *f = *state;
    xc_close(f->r);
    return unit_db_free(&f->u);
}

/* The trees and every output equal query_parse's. */
static void expect_as_without(xc_db *db, const char *text)
{
    query_parsed a, b;
    parse(text, &a);
    parse_db(db, text, &b);
    char *da = describe(a.strict), *db_ = describe(b.strict);
    char *ra = describe(a.relaxed), *rb = describe(b.relaxed);
    if (strcmp(da, db_) != 0 || strcmp(ra, rb) != 0)
        fail_msg("\"%s\": %s / %s, want %s / %s", text, db_, rb, da, ra);
    assert_int_equal(a.nstems, b.nstems);
    assert_int_equal(a.nwords, b.nwords);
    for (size_t i = 0; i < b.nwords; i++)
        assert_int_equal(b.words[i].synonym, 0);
    free(da);
    free(db_);
    free(ra);
    free(rb);
    query_parsed_free(&a);
    query_parsed_free(&b);
}

/* No db, or a db without synonyms: query_parse exactly. */
static void test_synonyms_none(void **state)
{
    syn_fixture *f = *state;
    static const char *const texts[] = {
        "uclg",   "gouvernements locaux", "conseil municipal -mairie",
        "\"le\"", "chat OR chien souris", "title:justice chat",
        "gouv*",
    };
    syn_index(f, "", syn_docs, sizeof syn_docs / sizeof *syn_docs);
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        expect_as_without(NULL, texts[i]);
        expect_as_without(f->r, texts[i]);
    }
}

/* Which items a span becomes, and which it does not. */
static void test_synonym_trees(void **state)
{
    syn_fixture *f = *state;
    syn_index(f, syn_file, syn_docs, sizeof syn_docs / sizeof *syn_docs);
    static const struct {
        const char *text;
        const char *strict;
    } cases[] = {
        /* one word: the word as usual OR each synonym */
        {"uclg", "Query(((Zfruclg SYNONYM Zfrcglu SYNONYM (Zfrcit PHRASE 5 "
                 "Zfret PHRASE 5 "
                 "Zfrgouvern PHRASE 5 Zfrlocal PHRASE 5 Zfruni) SYNONYM "
                 "(Zfrunited PHRASE 5 "
                 "Zfrcit PHRASE 5 Zfrand PHRASE 5 Zfrlocal PHRASE 5 "
                 "Zfrgovernment)) AND_MAYBE "
                 "0.5 * Efruclg))"},
        /* several words, stop words and case as typed: the phrase */
        {"cités ET gouvernements locaux unis",
         "Query(((Zfrcit PHRASE 5 Zfret PHRASE 5 Zfrgouvern PHRASE 5 Zfrlocal "
         "PHRASE 5 "
         "Zfruni) SYNONYM Zfrcglu SYNONYM Zfruclg SYNONYM (Zfrunited PHRASE 5 "
         "Zfrcit "
         "PHRASE 5 Zfrand PHRASE 5 Zfrlocal PHRASE 5 Zfrgovernment)))"},
        /* the longest span first: "conseil municipal", not "municipal" */
        {"conseil municipal",
         "Query(((Zfrconseil PHRASE 2 Zfrmunicipal) SYNONYM Zfrmair))"},
        {"municipal", "Query(((Zfrmunicipal SYNONYM Zfrcommunal) AND_MAYBE 0.5 "
                      "* Efrmunicipal))"},
        /* quoted, excluded, OR-joined: as typed */
        {"\"uclg\"", "Query(" W("uclg", "uclg") ")"},
        {"ville -uclg", "Query((" W("vill", "ville") " AND_NOT Zfruclg))"},
        {"uclg OR ville",
         "Query((" W("uclg", "uclg") " OR " W("vill", "ville") "))"},
        /* words not side by side in the text are no span */
        {"conseil -x municipal",
         "Query(((" W("conseil", "conseil") " AND ((Zfrmunicipal SYNONYM "
                                            "Zfrcommunal) AND_MAYBE 0.5 * "
                                            "Efrmunicipal)) AND_NOT Zfrx))"},
        /* stop words alone are never looked up */
        {"le", "Query(" W("le", "le") ")"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        query_parsed q;
        parse_db(f->r, cases[i].text, &q);
        char *d = describe(q.strict);
        if (strcmp(d, cases[i].strict) != 0)
            fail_msg("\"%s\":\n got %s\nwant %s", cases[i].text, d,
                     cases[i].strict);
        free(d);
        query_parsed_free(&q);
    }
}

/* Relaxing ORs a group like a word; highlights get the stems of the
 * one-word synonyms; the span's words are marked, so that spelling can
 * leave them alone. */
static void test_synonym_outputs(void **state)
{
    syn_fixture *f = *state;
    query_parsed q;
    syn_index(f, syn_file, syn_docs, sizeof syn_docs / sizeof *syn_docs);

    parse_db(f->r, "uclg vélo budget", &q);
    assert_non_null(q.relaxed);
    char *d = describe(q.relaxed);
    assert_non_null(strstr(d, "Zfrcglu"));
    assert_non_null(strstr(d, "Zfrbicyclet"));
    assert_int_equal(count_of(d, " AND "), 0); /* all ORed */
    free(d);
    static const char *const want[] = {"uclg", "cglu", "velo", "bicyclet",
                                       "budget"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        size_t k = 0;
        while (k < q.nstems && strcmp(q.stems[k], want[i]) != 0)
            k++;
        if (k == q.nstems)
            fail_msg("no stem %s", want[i]);
    }
    /* not the words of a synonym phrase: they would light up apart */
    assert_int_equal(q.nstems, sizeof want / sizeof *want);
    assert_int_equal(q.nwords, 3);
    assert_string_equal(q.words[0].exact, "uclg");
    assert_int_equal(q.words[0].synonym, 1);
    assert_string_equal(q.words[1].exact, "vélo");
    assert_int_equal(q.words[1].synonym, 1);
    assert_string_equal(q.words[2].exact, "budget");
    assert_int_equal(q.words[2].synonym, 0);
    query_parsed_free(&q);

    /* a span's stop words are no words; its others keep their spans */
    parse_db(f->r, "la Cités et Gouvernements Locaux Unis", &q);
    assert_int_equal(q.nwords, 4);
    assert_string_equal(q.words[0].exact, "cités");
    assert_int_equal(q.words[0].offset, 3);
    assert_string_equal(q.words[1].exact, "gouvernements");
    for (size_t i = 0; i < q.nwords; i++)
        assert_int_equal(q.words[i].synonym, 1);
    assert_null(q.relaxed); /* one group: nothing to relax */
    query_parsed_free(&q);
}

/* What a query finds with the synonyms of its words. */
static void test_synonyms_end_to_end(void **state)
{
    syn_fixture *f = *state;
    char ids[512];
    syn_index(f, syn_file, syn_docs, sizeof syn_docs / sizeof *syn_docs);
    static const struct {
        const char *query;
        const char *ids; /* sorted */
    } cases[] = {
        {"uclg", "acro en fr"},
        {"cglu", "acro en fr"},
        {"CGLU", "acro en fr"},
        {"united cities and local governments", "acro en fr"},
        {"cités et gouvernements locaux unis", "acro en fr"},
        {"vélo", "velo"},
        {"velos", "velo"},
        {"mairie", "conseil mairie"},
        {"conseil municipal", "conseil mairie"},
        /* the phrase, not the words apart */
        {"\"conseil municipal\"", "conseil"},
        {"municipale", "apart conseil"},
        {"uclg villes", "acro fr"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        run(f->r, 1, cases[i].query, 0, ids, sizeof ids);
        /* sort the ids: ranking is not what this checks */
        char *v[16], sorted[512] = "";
        size_t n = 0;
        for (char *save, *t = strtok_r(ids, " ", &save); t && n < 16;
             t = strtok_r(NULL, " ", &save))
            v[n++] = t;
        for (size_t a = 1; a < n; a++)
            for (size_t b = a; b > 0 && strcmp(v[b - 1], v[b]) > 0; b--) {
                char *tmp = v[b];
                v[b] = v[b - 1];
                v[b - 1] = tmp;
            }
        for (size_t k = 0; k < n; k++) {
            size_t at = strlen(sorted);
            snprintf(sorted + at, sizeof sorted - at, "%s%s", k ? " " : "",
                     v[k]);
        }
        if (strcmp(sorted, cases[i].ids) != 0)
            fail_msg("\"%s\": got \"%s\", want \"%s\"", cases[i].query, sorted,
                     cases[i].ids);
    }
}

/* Whatever the table holds, a query's expansion stays bounded: synonyms
 * per span, terms per query, and the tree's size with them. */
static void test_synonyms_bounded(void **state)
{
    syn_fixture *f = *state;
    /* each of 40 words has 15 synonyms of 6 words: unbounded, one query of
     * them would be 40 * 15 * 6 terms */
    size_t cap = 40 * 16 * 64 + 64;
    char *text = malloc(cap), *p = text;
    assert_non_null(text);
    for (int i = 0; i < 40; i++) {
        p += sprintf(p, "w%d", i);
        for (int k = 0; k < 15; k++)
            p += sprintf(p, ", s%d k%d a b c d", i, k);
        p += sprintf(p, "\n");
    }
    /* and one key with more synonyms than a span may use (in groups) */
    for (int g = 0; g < 4; g++) {
        p += sprintf(p, "big");
        for (int k = 0; k < 15; k++)
            p += sprintf(p, ", b%dx%d", g, k);
        p += sprintf(p, "\n");
    }
    syn_index(f, text, syn_docs, 1);
    free(text);

    query_parsed q;
    parse_db(f->r, "big", &q);
    char *d = describe(q.strict);
    assert_int_equal(count_of(d, "Zfrb"), QUERY_MAX_SYNONYMS + 1); /* + big */
    free(d);
    query_parsed_free(&q);

    char query[512] = "";
    for (int i = 0; i < 40; i++) {
        size_t at = strlen(query);
        snprintf(query + at, sizeof query - at, "w%d ", i);
    }
    parse_db(f->r, query, &q);
    assert_int_equal(q.truncated, 1); /* 40 words: past QUERY_MAX_TERMS */
    d = describe(q.strict);
    /* the words themselves, and at most QUERY_MAX_SYNONYM_TERMS more */
    size_t terms = count_of(d, "Zfrs") + count_of(d, "Zfrk") +
                   count_of(d, "Zfra") + count_of(d, "Zfrb") +
                   count_of(d, "Zfrc") + count_of(d, "Zfrd");
    assert_true(terms <= QUERY_MAX_SYNONYM_TERMS);
    assert_true(terms >= QUERY_MAX_SYNONYM_TERMS - 5); /* filled up */
    free(d);
    assert_true(q.nstems <= 2 * QUERY_MAX_TERMS + QUERY_MAX_SYNONYM_TERMS);
    query_parsed_free(&q);
}

/* Every key the indexer stored for a French set: "fr:" + stems. */
static int key_is_french(const char *k, size_t len, void *ctx)
{
    size_t *n = ctx;
    if (len < 4 || memcmp(k, "fr:", 3) != 0)
        fail_msg("synonym key \"%s\" without \"fr:\"", k);
    (*n)++;
    return 0;
}

/* Synonyms are looked up under the query language's keys: "fr:" + stems
 * for a French query, "en:" for an English one; a key of another language
 * or without a code is never used. */
static void test_synonym_keys_by_language(void **state)
{
    syn_fixture *f = *state;
    analyzer *en = NULL;
    size_t nkeys = 0;

    /* the indexer's set (French): every key is "fr:..." */
    syn_index(f, syn_file, syn_docs, 1);
    assert_int_equal(xc_synonym_keys(f->r, key_is_french, &nkeys), XC_OK);
    assert_true(nkeys >= 8);
    assert_int_equal(analyze_new("english", &en, NULL, 0), ANALYZE_OK);
    /* an English query finds none of them */
    query_parsed q;
    assert_int_equal(query_parse_db(en, f->r, "uclg", 4, &q), QUERY_OK);
    char *d = describe(q.strict);
    assert_string_equal(d, "Query((Zenuclg AND_MAYBE 0.5 * Eenuclg))");
    free(d);
    query_parsed_free(&q);

    /* a table seeded by hand: one key per language, one without a code */
    xc_db *w = unit_open_write(&f->u);
    assert_int_equal(xc_begin(w), XC_OK);
    assert_int_equal(xc_synonyms_clear(w), XC_OK);
    assert_int_equal(xc_synonym_add(w, "fr:velo", "bicyclet"), XC_OK);
    assert_int_equal(xc_synonym_add(w, "en:uclg", "cglu"), XC_OK);
    assert_int_equal(xc_synonym_add(w, "en:bike", "bicycl"), XC_OK);
    assert_int_equal(xc_synonym_add(w, "uclg", "nocode"), XC_OK);
    assert_int_equal(xc_synonym_add(w, "bike", "nocode"), XC_OK);
    assert_int_equal(xc_commit(w), XC_OK);
    xc_close(w);
    xc_close(f->r);
    f->r = unit_open_read(&f->u);

    static const struct {
        int english;
        const char *text;
        const char *strict;
    } cases[] = {
        {0, "v\xc3\xa9lo",
         "Query(((Zfrvelo SYNONYM Zfrbicyclet) AND_MAYBE 0.5 * "
         "Efrv\xc3\xa9lo))"},
        {0, "uclg", "Query(" W("uclg", "uclg") ")"},
        {0, "bike", "Query(" W("bik", "bike") ")"},
        {1, "uclg",
         "Query(((Zenuclg SYNONYM Zencglu) AND_MAYBE 0.5 * Eenuclg))"},
        {1, "bike",
         "Query(((Zenbike SYNONYM Zenbicycl) AND_MAYBE 0.5 * Eenbike))"},
        {1, "velo", "Query((Zenvelo AND_MAYBE 0.5 * Eenvelo))"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        analyzer *a = cases[i].english ? en : unit_fr;
        assert_int_equal(
            query_parse_db(a, f->r, cases[i].text, strlen(cases[i].text), &q),
            QUERY_OK);
        d = describe(q.strict);
        if (strcmp(d, cases[i].strict) != 0)
            fail_msg("\"%s\" (%s):\n got %s\nwant %s", cases[i].text,
                     analyze_language(a)->code, d, cases[i].strict);
        free(d);
        query_parsed_free(&q);
    }
    analyze_free(en);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trees),
        cmocka_unit_test(test_same_analysis_as_documents),
        cmocka_unit_test(test_highlights_and_words),
        cmocka_unit_test(test_many_words_bounded),
        cmocka_unit_test(test_hostile_bytes),
        cmocka_unit_test(test_end_to_end),
        cmocka_unit_test(test_language_terms),
        cmocka_unit_test(test_languages_end_to_end),
        cmocka_unit_test_setup_teardown(test_synonyms_none, syn_setup,
                                        syn_teardown),
        cmocka_unit_test_setup_teardown(test_synonym_trees, syn_setup,
                                        syn_teardown),
        cmocka_unit_test_setup_teardown(test_synonym_outputs, syn_setup,
                                        syn_teardown),
        cmocka_unit_test_setup_teardown(test_synonyms_end_to_end, syn_setup,
                                        syn_teardown),
        cmocka_unit_test_setup_teardown(test_synonyms_bounded, syn_setup,
                                        syn_teardown),
        cmocka_unit_test_setup_teardown(test_synonym_keys_by_language,
                                        syn_setup, syn_teardown),
    };
    return cmocka_run_group_tests(tests, unit_fr_setup, unit_fr_teardown);
}
