/* test_snip: the excerpt builder: marks on inflected forms, escaping,
 * window choice, cuts (words, UTF-8, ellipses) and hostile text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/ref_utf8.h"
#include "tests/unit/unit_util.h"
#include "common/analyze.h"
#include "common/buf.h"
#include "search/query.h"
#include "search/snip.h"

/* Snippet of text[0..len) for the highlights of query; malloc'd. */
static char *snip_n(const char *query, const char *text, size_t len,
                    size_t target)
{
    query_parsed q;
    buf_t b;
    assert_int_equal(query_parse(unit_fr, query, strlen(query), &q), QUERY_OK);
    snip_terms t = {q.stems, q.nstems, q.prefixes, q.nprefixes};
    buf_init(&b, 1 << 20);
    assert_int_equal(snip_build(unit_fr, text, len, &t, target, &b), SNIP_OK);
    query_parsed_free(&q);
    char *s = buf_detach(&b, NULL);
    return s ? s : strdup("");
}

static char *snip(const char *query, const char *text, size_t target)
{
    return snip_n(query, text, strlen(text), target);
}

/* s (NUL-terminated) is well-formed UTF-8. */
static int valid_utf8(const char *s)
{
    return ref_utf8_valid(s, strlen(s));
}

/* Marks are balanced and never nested; returns how many. */
static size_t check_marks(const char *s)
{
    size_t n = 0;
    int open = 0;
    for (const char *p = s; (p = strchr(p, '<')) != NULL; p++) {
        if (strncmp(p, "<mark>", 6) == 0) {
            assert_false(open);
            open = 1;
            n++;
        } else if (strncmp(p, "</mark>", 7) == 0) {
            assert_true(open);
            open = 0;
        } else {
            fail_msg("raw '<' in \"%s\"", s);
        }
    }
    assert_false(open);
    return n;
}

/* Output back to text: marks and ellipses removed, entities decoded. */
static char *plain(const char *s)
{
    char *o = malloc(strlen(s) + 1), *q = o;
    assert_non_null(o);
    static const char *const ent[][2] = {
        {"&amp;", "&"}, {"&lt;", "<"},  {"&gt;", ">"},   {"&quot;", "\""},
        {"&#39;", "'"}, {"<mark>", ""}, {"</mark>", ""}, {"\xE2\x80\xA6", ""}};
    while (*s) {
        size_t i;
        for (i = 0; i < sizeof ent / sizeof *ent; i++)
            if (strncmp(s, ent[i][0], strlen(ent[i][0])) == 0)
                break;
        if (i < sizeof ent / sizeof *ent) {
            strcpy(q, ent[i][1]);
            q += strlen(ent[i][1]);
            s += strlen(ent[i][0]);
        } else {
            if (*s == '&' || *s == '>' || *s == '"' || *s == '\'')
                fail_msg("unescaped '%c'", *s);
            *q++ = *s++;
        }
    }
    *q = '\0';
    return o;
}

/* Characters of s (NUL-terminated). */
static size_t utf8_chars(const char *s)
{
    return ref_utf8_chars(s, strlen(s));
}

static int starts_with(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static int ends_with(const char *s, const char *p)
{
    size_t n = strlen(s), k = strlen(p);
    return n >= k && strcmp(s + n - k, p) == 0;
}

#define ELLIPSIS "\xE2\x80\xA6"

static const char *const french =
    "Le gouvernement local est l'échelon le plus proche des citoyens. "
    "Les élus municipaux gèrent l'état civil, les écoles et la voirie; "
    "ils représentent la commune auprès de l'État.\n\n"
    "Dans certains pays, les GOUVERNEMENTS régionaux disposent d'une "
    "autonomie législative, fiscale et budgétaire étendue. L'œuvre de la "
    "décentralisation a renforcé les collectivités territoriales « au "
    "plus près du terrain ».\n"
    "Les Gouvernements locaux coopèrent aussi à l'international : villes "
    "jumelées, réseaux de maires, programmes de développement durable. "
    "Cette coopération décentralisée concerne l'eau, l'énergie, la "
    "santé et l'éducation.";

/* ---- marks ------------------------------------------------------------- */

static void test_marks_inflected_forms(void **state)
{
    (void)state;
    const char *text = "Les Gouvernements, le GOUVERNEMENT et un "
                       "gouvernement; gouverner n'est pas gouvernail.";
    char *s = snip("gouvernement", text, 200);
    assert_non_null(strstr(s, "<mark>Gouvernements</mark>"));
    assert_non_null(strstr(s, "<mark>GOUVERNEMENT</mark>"));
    assert_non_null(strstr(s, "<mark>gouvernement</mark>;"));
    /* the whole text fits: no ellipsis */
    assert_false(starts_with(s, ELLIPSIS));
    assert_false(ends_with(s, ELLIPSIS));
    free(s);

    static const struct {
        const char *query, *text, *marked;
    } cases[] = {
        {"élus", "les ÉLUS et Élu", "<mark>ÉLUS</mark>"},
        {"elus", "les ÉLUS", "<mark>ÉLUS</mark>"},
        {"ÉLUS", "des élus", "<mark>élus</mark>"},
        {"autonomie", "l'Autonomie", "l&#39;<mark>Autonomie</mark>"},
        {"autonomie", "l’AUTONOMIE", "l’<mark>AUTONOMIE</mark>"},
        {"oeuvre", "L'ŒUVRE", "<mark>ŒUVRE</mark>"},
        {"œuvres", "des oeuvres", "<mark>oeuvres</mark>"},
        {"régional", "Régionaux", "<mark>Régionaux</mark>"},
        {"gouv*", "GOUVERNANCE", "<mark>GOUVERNANCE</mark>"},
        {"gouv*", "x gouv y", "<mark>gouv</mark>"},
        {"ecol*", "les Écoles", "<mark>Écoles</mark>"},
        {"soyez", "voyez et soyez", "<mark>soyez</mark>"},
        {"indicateur", "les indicateurs", "<mark>indicateurs</mark>"},
        {"fréquemment", "FREQUEMMENT", "<mark>FREQUEMMENT</mark>"},
        {"fichier", "ﬁchiers", "<mark>ﬁchiers</mark>"},
        {"\"de la\" justice", "de la justice", "<mark>justice</mark>"},
        {"le la", "le chat la", "<mark>le</mark> chat <mark>la</mark>"},
        {"2024", "en 2024.", "<mark>2024</mark>"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        s = snip(cases[i].query, cases[i].text, 200);
        if (!strstr(s, cases[i].marked))
            fail_msg("\"%s\" in \"%s\": got \"%s\"", cases[i].query,
                     cases[i].text, s);
        check_marks(s);
        free(s);
    }
    /* words that only share a beginning are not marked */
    s = snip("gouvernement", "gouvernail gouverneur gouvernemental", 200);
    assert_int_equal(check_marks(s), 0);
    free(s);
    /* stop words of a phrase light nothing up next to real words */
    s = snip("\"de la justice\"", "de la justice", 200);
    assert_string_equal(s, "de la <mark>justice</mark>");
    free(s);
}

/* Every Latin-1 letter (and œ, ß) starting a word: the fast path that
 * skips most words must agree with the analyzer. */
static void test_marks_latin1_initials(void **state)
{
    (void)state;
    for (unsigned cp = 0xC0; cp <= 0x153; cp++) {
        if (cp == 0xD7 || cp == 0xF7 || (cp > 0xFF && cp < 0x152))
            continue;
        char word[16], text[64];
        int n = 0;
        if (cp < 0x800) {
            word[n++] = (char)(0xC0 | (cp >> 6));
            word[n++] = (char)(0x80 | (cp & 0x3F));
        }
        strcpy(word + n, "ntrale");
        snprintf(text, sizeof text, "avant %s apres", word);
        /* query by the word itself (its stem) and by its prefix */
        analyze_token t;
        analyze_begin(unit_fr, word, strlen(word), 1);
        assert_int_equal(analyze_next(unit_fr, &t), 1);
        char pre[16];
        snprintf(pre, sizeof pre, "%.*s*", (int)(t.fold_len - 3), t.fold);
        const char *queries[] = {word, pre};
        for (int k = 0; k < 2; k++) {
            char *s = snip(queries[k], text, 200);
            char want[32];
            snprintf(want, sizeof want, "<mark>%s</mark>", word);
            if (!strstr(s, want))
                fail_msg("U+%04X, query \"%s\": \"%s\"", cp, queries[k], s);
            free(s);
        }
    }
}

/* ---- escaping and hostile text ----------------------------------------- */

static void test_escaping(void **state)
{
    (void)state;
    const char *text = "<script>alert(\"x\")</script> & 'co' <b>alert</b> "
                       "a<mark>b</mark>c";
    char *s = snip("alert", text, 200);
    assert_string_equal(s, "&lt;script&gt;<mark>alert</mark>(&quot;x&quot;)"
                           "&lt;/script&gt; &amp; &#39;co&#39; &lt;b&gt;"
                           "<mark>alert</mark>&lt;/b&gt; a&lt;mark&gt;b&lt;"
                           "/mark&gt;c");
    assert_int_equal(check_marks(s), 2);
    free(s);
    /* no match: still escaped */
    s = snip("zzz", text, 30);
    check_marks(s);
    assert_null(strstr(s, "<script"));
    free(plain(s));
    free(s);
}

static void test_hostile_text(void **state)
{
    (void)state;
    /* invalid UTF-8 comes out as U+FFFD; controls are dropped; blank runs
     * become one space */
    const char text[] = "abc \xff\xfe def\x01\x7f \xc3 gh\xc2\x85i \xe2\x82 "
                        "jkl\n\n\t  mno\xed\xa0\x80 \xf4\x90\x80\x80.";
    char *s = snip_n("def mno", text, sizeof text - 1, 200);
    assert_true(valid_utf8(s));
    assert_string_equal(s, "abc \xEF\xBF\xBD\xEF\xBF\xBD <mark>def</mark> "
                           "\xEF\xBF\xBD ghi \xEF\xBF\xBD\xEF\xBF\xBD jkl "
                           "<mark>mno</mark>\xEF\xBF\xBD\xEF\xBF\xBD"
                           "\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                           "\xEF\xBF\xBD.");
    free(s);
    /* NUL bytes inside the text */
    s = snip_n("chat", "le\0chat\0noir", 12, 200);
    assert_string_equal(s, "le<mark>chat</mark>noir");
    free(s);
    /* random bytes: always valid UTF-8, balanced marks */
    unsigned seed = 99;
    char buf[600];
    for (int round = 0; round < 500; round++) {
        for (size_t i = 0; i < sizeof buf; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) & 0xFF;
            static const char alpha[] = "chat mot\n<&'\xc3\xa9\xc3";
            buf[i] = r < 128 ? alpha[r % (sizeof alpha - 1)] : (char)r;
        }
        s = snip_n("chat", buf, sizeof buf, 1 + round % 300);
        assert_true(valid_utf8(s));
        check_marks(s);
        free(plain(s));
        free(s);
    }
}

/* ---- the window and its cuts ------------------------------------------- */

static void test_window_most_distinct(void **state)
{
    (void)state;
    char text[4096];
    int n = 0;
    n += sprintf(text + n, "Début. Le chat dort. ");
    for (int i = 0; i < 20; i++)
        n += sprintf(text + n, "Une phrase de remplissage sans rien. ");
    n += sprintf(text + n, "Le chien aboie. ");
    for (int i = 0; i < 20; i++)
        n += sprintf(text + n, "Une phrase de remplissage sans rien. ");
    n += sprintf(text + n, "Ici le chat, le chien et la souris jouent. ");
    for (int i = 0; i < 20; i++)
        n += sprintf(text + n, "Une phrase de remplissage sans rien. ");
    sprintf(text + n, "Le chat et le chat et le chat.");
    char *s = snip("chat chien souris", text, 120);
    assert_non_null(strstr(s, "<mark>chat</mark>, le <mark>chien</mark> et "
                              "la <mark>souris</mark>"));
    /* cut on both sides, starting at the sentence */
    assert_true(starts_with(s, ELLIPSIS "Ici le"));
    assert_true(ends_with(s, ELLIPSIS));
    free(s);
    /* one term: the earliest window that holds it (the scan stops one
     * window past the first window holding every term) */
    s = snip("chat", text, 60);
    assert_int_equal(check_marks(s), 1);
    assert_non_null(strstr(s, "Le <mark>chat</mark> dort."));
    free(s);
    /* denser windows win among those scanned */
    s = snip("chat", "Le chat et le chat. Le chat et le chat et le chat.", 30);
    assert_int_equal(check_marks(s), 3);
    free(s);
    s = snip("chien", text, 60);
    assert_true(starts_with(s, ELLIPSIS "Le <mark>chien</mark> aboie."));
    free(s);
}

static void test_ellipses_and_beginning(void **state)
{
    (void)state;
    /* the whole text fits: no ellipsis at all */
    char *s = snip("citoyens", french, 1000);
    assert_false(starts_with(s, ELLIPSIS));
    assert_false(ends_with(s, ELLIPSIS));
    free(s);
    /* no match: the beginning, cut at a word */
    s = snip("zzz", french, 50);
    assert_true(starts_with(s, "Le gouvernement local est"));
    assert_true(ends_with(s, ELLIPSIS));
    assert_int_equal(check_marks(s), 0);
    free(s);
    s = snip_n("zzz", "  \n\t ", 5, 50);
    assert_string_equal(s, "");
    free(s);
    /* no terms at all */
    buf_t b;
    buf_init(&b, 1024);
    assert_int_equal(snip_build(unit_fr, french, strlen(french), NULL, 20, &b),
                     SNIP_OK);
    assert_true(starts_with(b.data, "Le gouvernement"));
    buf_free(&b);
    /* a match late in the text: cut at the start only */
    s = snip("durable", french, 150);
    assert_true(starts_with(s, ELLIPSIS));
    assert_true(ends_with(s, "l&#39;éducation."));
    char *p = plain(s);
    assert_true(utf8_chars(p) >= 130); /* filled from before */
    free(p);
    free(s);
    /* a match at the start: cut at the end only */
    s = snip("gouvernement", french, 100);
    assert_true(starts_with(s, "Le <mark>gouvernement</mark> local"));
    assert_true(ends_with(s, ELLIPSIS));
    free(s);
}

/* Whitespace-collapsed copy of text. */
static char *collapse(const char *text)
{
    char *o = malloc(strlen(text) + 1), *q = o;
    int space = 0;
    assert_non_null(o);
    for (const char *p = text; *p; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t') {
            space = q > o;
            continue;
        }
        if (space)
            *q++ = ' ';
        space = 0;
        *q++ = *p;
    }
    *q = '\0';
    return o;
}

static int word_byte(unsigned char c)
{
    return c >= 0x80 || (c >= '0' && c <= '9') ||
           ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* For every target: valid UTF-8, balanced marks, the excerpt is a piece of
 * the text that starts and ends between words, about target long. */
static void test_every_target(void **state)
{
    (void)state;
    char *whole = collapse(french);
    const char *queries[] = {"gouvernement", "zzz", "coopération durable",
                             "état", "écol*"};
    for (size_t qi = 0; qi < sizeof queries / sizeof *queries; qi++) {
        for (size_t target = 1; target <= 300; target++) {
            char *s = snip(queries[qi], french, target);
            if (!valid_utf8(s))
                fail_msg("invalid UTF-8: \"%s\" at %zu", queries[qi], target);
            check_marks(s);
            char *p = plain(s);
            char *at = strstr(whole, p);
            if (!at || !*p)
                fail_msg("\"%s\" at %zu: \"%s\" not in the text", queries[qi],
                         target, p);
            size_t k = strlen(p);
            assert_false(at > whole && word_byte((unsigned char)at[-1]) &&
                         word_byte((unsigned char)p[0]));
            assert_false(word_byte((unsigned char)at[k]) &&
                         word_byte((unsigned char)p[k - 1]));
            /* about target: the longest word here is 17 characters */
            assert_true(utf8_chars(p) <= target + 17);
            if (target >= 40)
                assert_true(utf8_chars(p) + 40 >= target);
            assert_int_equal(starts_with(s, ELLIPSIS), at > whole);
            assert_int_equal(ends_with(s, ELLIPSIS), at[k] != '\0');
            free(p);
            free(s);
        }
    }
    free(whole);
}

static void test_target_clamped(void **state)
{
    (void)state;
    char *big = malloc(200000);
    size_t n = 0;
    assert_non_null(big);
    while (n + 100 < 200000)
        n += (size_t)sprintf(big + n, "mot%zu et gouvernement ", n % 97);
    char *a = snip("gouvernement", big, 5000);
    char *b = snip("gouvernement", big, SNIP_MAX_TARGET);
    assert_string_equal(a, b);
    char *p = plain(a);
    assert_true(utf8_chars(p) <= SNIP_MAX_TARGET);
    assert_true(utf8_chars(p) >= SNIP_MAX_TARGET - 30);
    free(p);
    free(a);
    free(b);
    a = snip("gouvernement", big, 0);
    b = snip("gouvernement", big, 1);
    assert_string_equal(a, b);
    assert_string_equal(a, ELLIPSIS "<mark>gouvernement</mark>" ELLIPSIS);
    free(a);
    free(b);
    free(big);
}

static void test_empty_and_limits(void **state)
{
    (void)state;
    buf_t b;
    buf_init(&b, 16);
    assert_int_equal(buf_puts(&b, "x"), BUF_OK);
    /* empty text: nothing appended */
    query_parsed q;
    assert_int_equal(query_parse(unit_fr, "chat", 4, &q), QUERY_OK);
    snip_terms t = {q.stems, q.nstems, q.prefixes, q.nprefixes};
    assert_int_equal(snip_build(unit_fr, "", 0, &t, 200, &b), SNIP_OK);
    assert_int_equal(snip_build(unit_fr, NULL, 5, &t, 200, &b), SNIP_OK);
    assert_int_equal(b.len, 1);
    /* a full buffer: an error and the buffer as it was */
    assert_int_equal(snip_build(unit_fr, french, strlen(french), &t, 200, &b),
                     SNIP_ERR_LIMIT);
    assert_int_equal(b.len, 1);
    assert_string_equal(b.data, "x");
    buf_free(&b);
    /* the analyzer stems again afterwards */
    analyze_token tok;
    analyze_begin(unit_fr, "gouvernements", 13, 1);
    assert_int_equal(analyze_next(unit_fr, &tok), 1);
    assert_string_equal(tok.stem, "gouvern");
    query_parsed_free(&q);
    /* more terms than SNIP_MAX_TERMS are ignored, not a failure */
    char *stems[SNIP_MAX_TERMS + 10];
    for (size_t i = 0; i < SNIP_MAX_TERMS + 10; i++)
        stems[i] = "chat";
    snip_terms many = {stems, SNIP_MAX_TERMS + 10, NULL, 0};
    buf_init(&b, 1024);
    assert_int_equal(snip_build(unit_fr, "le chat", 7, &many, 200, &b),
                     SNIP_OK);
    assert_string_equal(b.data, "le <mark>chat</mark>");
    buf_free(&b);
}

/* Thousands of matches in a long text: the collected ones are capped and
 * the result is still right. */
static void test_many_matches(void **state)
{
    (void)state;
    size_t cap = 300000, n = 0;
    char *big = malloc(cap);
    assert_non_null(big);
    while (n + 40 < cap)
        n += (size_t)sprintf(big + n, "chat chat chat. ");
    n += (size_t)sprintf(big + n, "chien");
    char *s = snip_n("chat", big, n, 50);
    assert_true(check_marks(s) >= 8);
    free(s);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_marks_inflected_forms),
        cmocka_unit_test(test_marks_latin1_initials),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_window_most_distinct),
        cmocka_unit_test(test_ellipses_and_beginning),
        cmocka_unit_test(test_every_target),
        cmocka_unit_test(test_target_clamped),
        cmocka_unit_test(test_empty_and_limits),
        cmocka_unit_test(test_many_matches),
    };
    return cmocka_run_group_tests(tests, unit_fr_setup, unit_fr_teardown);
}
