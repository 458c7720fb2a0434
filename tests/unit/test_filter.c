/* test_filter: the options that narrow and order a search, table-driven:
 * every option's good values and what they become, its bad values and
 * their exact messages, names that are no filter, filter_none, and
 * filter_key (equal for equal filters, different when any field is). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/schema.h"
#include "search/filter.h"

#define MSG_LEN 256

/* Set name=val on *f: its status, msg written on FILTER_BAD. */
static filter_status set(filter *f, const char *name, const char *val,
                         char *msg)
{
    return filter_set(f, name, strlen(name), val, strlen(val), msg, MSG_LEN);
}

/* name=val on a zeroed filter must be FILTER_OK; the filter it gives. */
static filter good(const char *name, const char *val)
{
    filter f;
    char msg[MSG_LEN] = "";
    memset(&f, 0, sizeof f);
    if (set(&f, name, val, msg) != FILTER_OK)
        fail_msg("%s=%s: refused (%s)", name, val, msg);
    return f;
}

/* name=val must be FILTER_BAD with exactly want as its message. */
static void bad(const char *name, const char *val, const char *want)
{
    filter f;
    char msg[MSG_LEN] = "";
    memset(&f, 0, sizeof f);
    filter_status st = set(&f, name, val, msg);
    if (st != FILTER_BAD)
        fail_msg("%s=%s: status %d, want FILTER_BAD", name, val, (int)st);
    if (strcmp(msg, want) != 0)
        fail_msg("%s=%s: message \"%s\", want \"%s\"", name, val, msg, want);
}

#define LANG_MSG                                                               \
    "option lang takes a language code or name (fr, en, es, french...)"
#define TAG_MSG "option tag takes a comma list of 1 to 8 tags"
#define FACETS_MSG "option facets takes a comma list of lang, section, tag"

static void test_lang(void **state)
{
    static const struct {
        const char *val, *code;
    } ok[] = {
        {"fr", "fr"},    {"French", "fr"},  {"fr-FR", "fr"},
        {"FR", "fr"},    {"fra", "fr"},     {"en", "en"},
        {"en_GB", "en"}, {"english", "en"}, {"es-419", "es"},
    };
    static const char *const no[] = {"xx",      "",  "fr-",
                                     "klingon", "f", "en_US.UTF-8"};
    (void)state;
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        filter f = good("lang", ok[i].val);
        assert_string_equal(f.lang, ok[i].code);
        f.lang[0] = '\0'; /* nothing else set */
        assert_true(filter_none(&f));
    }
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        bad("lang", no[i], LANG_MSG);
    /* the message names the option as sent */
    bad("LANG", "xx",
        "option LANG takes a language code or name (fr, en, es, french...)");
}

static void test_section(void **state)
{
    (void)state;
    /* compared by its key: casefolded, blanks collapsed and trimmed */
    assert_string_equal(good("section", "  Local News ").section, "local news");
    assert_string_equal(good("section", "R\xc3\x89GIONS").section,
                        "r\xc3\xa9gions");
    assert_string_equal(good("Section", "a").section, "a");
    bad("section", "", "option section takes a section name");
    bad("section", " \t ", "option section takes a section name");
    /* a key is at most SCHEMA_KEY_MAX bytes */
    char longer[SCHEMA_KEY_MAX * 2 + 1];
    memset(longer, 'x', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(strlen(good("section", longer).section), SCHEMA_KEY_MAX);
}

static void test_tag(void **state)
{
    filter f;
    (void)state;
    f = good("tag", "UCLG");
    assert_int_equal(f.ntags, 1);
    assert_string_equal(f.tags[0], "uclg");
    /* a comma list, blanks around items dropped, in the order given */
    f = good("tag", "Local Governments, uclg ,x");
    assert_int_equal(f.ntags, 3);
    assert_string_equal(f.tags[0], "local governments");
    assert_string_equal(f.tags[1], "uclg");
    assert_string_equal(f.tags[2], "x");
    /* duplicates (by key) kept once, and do not count */
    f = good("tag", "a,A,a, a ,b");
    assert_int_equal(f.ntags, 2);
    assert_string_equal(f.tags[0], "a");
    assert_string_equal(f.tags[1], "b");
    assert_int_equal(FILTER_MAX_TAGS, 8);
    f = good("tag", "1,2,3,4,5,6,7,8");
    assert_int_equal(f.ntags, FILTER_MAX_TAGS);
    assert_string_equal(f.tags[7], "8");
    f = good("tag", "1,2,3,4,5,6,7,8,1,8");
    assert_int_equal(f.ntags, FILTER_MAX_TAGS);

    bad("tag", "1,2,3,4,5,6,7,8,9", TAG_MSG);
    bad("tag", "a,,b", TAG_MSG);
    bad("tag", "a,", TAG_MSG);
    bad("tag", ",a", TAG_MSG);
    bad("tag", "a, ,b", TAG_MSG);
    bad("tag", "", TAG_MSG);
    bad("tag", ",", TAG_MSG);

    /* set twice: the last list, whole */
    char msg[MSG_LEN];
    memset(&f, 0, sizeof f);
    assert_int_equal(set(&f, "tag", "a,b,c", msg), FILTER_OK);
    assert_int_equal(set(&f, "tag", "d", msg), FILTER_OK);
    assert_int_equal(f.ntags, 1);
    assert_string_equal(f.tags[0], "d");
    /* a bad list leaves the tags already set alone */
    assert_int_equal(set(&f, "tag", "e,,f", msg), FILTER_BAD);
    assert_int_equal(f.ntags, 1);
    assert_string_equal(f.tags[0], "d");
}

static void test_dates(void **state)
{
    static const char *const ok[] = {"2024-02-29", "2000-02-29", "2025-01-01",
                                     "2025-12-31", "0001-01-01", "9999-12-31",
                                     "2025-04-30"};
    static const char *const no[] = {
        "2023-02-29", "1900-02-29", "2025-13-01",  "2025-00-10",  "2025-01-00",
        "2025-01-32", "2025-04-31", "0000-01-01",  "2025-1-01",   "2025-01-1",
        "25-01-01",   "2025/01/01", "2025-01-01x", "2025-01-01 ", " 2025-01-01",
        "",           "2025-0a-01", "+025-01-01",  "2025-01--1"};
    static const char *const names[] = {"after", "before"};
    (void)state;
    for (size_t n = 0; n < 2; n++) {
        char want[64];
        snprintf(want, sizeof want, "option %s takes a date YYYY-MM-DD",
                 names[n]);
        for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
            filter f = good(names[n], ok[i]);
            assert_string_equal(n ? f.before : f.after, ok[i]);
            assert_string_equal(n ? f.after : f.before, "");
        }
        for (size_t i = 0; i < sizeof no / sizeof *no; i++)
            bad(names[n], no[i], want);
    }
}

static void test_sort(void **state)
{
    char msg[MSG_LEN];
    filter f;
    (void)state;
    assert_int_equal(good("sort", "date").sort, FILTER_SORT_DATE);
    assert_int_equal(good("sort", "DATE").sort, FILTER_SORT_DATE);
    assert_int_equal(good("SORT", "Date").sort, FILTER_SORT_DATE);
    assert_int_equal(good("sort", "relevance").sort, FILTER_SORT_RELEVANCE);
    assert_int_equal(good("sort", "Relevance").sort, FILTER_SORT_RELEVANCE);
    /* the last one given wins */
    memset(&f, 0, sizeof f);
    assert_int_equal(set(&f, "sort", "date", msg), FILTER_OK);
    assert_int_equal(set(&f, "sort", "relevance", msg), FILTER_OK);
    assert_int_equal(f.sort, FILTER_SORT_RELEVANCE);
    static const char *const no[] = {"", "newest", "dates", "date ",
                                     "relevance,date"};
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        bad("sort", no[i], "option sort takes relevance or date");
}

static void test_facets(void **state)
{
    static const struct {
        const char *val;
        unsigned bits;
    } ok[] = {
        {"lang", FILTER_FACET_LANG},
        {"section", FILTER_FACET_SECTION},
        {"tag", FILTER_FACET_TAG},
        {"tags", FILTER_FACET_TAG},
        {"LANG,Tag", FILTER_FACET_LANG | FILTER_FACET_TAG},
        {" lang , section ", FILTER_FACET_LANG | FILTER_FACET_SECTION},
        {"tag,lang,section",
         FILTER_FACET_LANG | FILTER_FACET_SECTION | FILTER_FACET_TAG},
        {"lang,lang", FILTER_FACET_LANG},
    };
    static const char *const no[] = {"",          "colour", "lang,colour",
                                     "lang,,tag", "lang,",  ",",
                                     "languages", "date"};
    (void)state;
    assert_int_equal(FILTER_NFACETS, 3);
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        assert_int_equal(good("facets", ok[i].val).facets, ok[i].bits);
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        bad("facets", no[i], FACETS_MSG);
    /* a bad list leaves the facets already set alone */
    char msg[MSG_LEN];
    filter f;
    memset(&f, 0, sizeof f);
    assert_int_equal(set(&f, "facets", "tag", msg), FILTER_OK);
    assert_int_equal(set(&f, "facets", "lang,colour", msg), FILTER_BAD);
    assert_int_equal(f.facets, FILTER_FACET_TAG);
}

/* Other names are the caller's: FILTER_UNKNOWN, nothing written. */
static void test_unknown_and_names(void **state)
{
    static const char *const other[] = {"limit", "offset", "langs", "tags",
                                        "",      "date",   "lang ", "q"};
    (void)state;
    for (size_t i = 0; i < sizeof other / sizeof *other; i++) {
        filter f, zero;
        char msg[MSG_LEN] = "untouched";
        memset(&f, 0, sizeof f);
        memset(&zero, 0, sizeof zero);
        assert_int_equal(set(&f, other[i], "fr", msg), FILTER_UNKNOWN);
        assert_string_equal(msg, "untouched");
        assert_memory_equal(&f, &zero, sizeof f);
    }
    /* name is read up to nlen only */
    filter f;
    char msg[MSG_LEN];
    memset(&f, 0, sizeof f);
    assert_int_equal(filter_set(&f, "language", 4, "en", 2, msg, sizeof msg),
                     FILTER_OK);
    assert_string_equal(f.lang, "en");
    assert_int_equal(filter_set(&f, "lang", 3, "en", 2, msg, sizeof msg),
                     FILTER_UNKNOWN);

    /* filter_names: every one is a filter option */
    static const char *const want[] = {"lang",   "section", "tag",   "after",
                                       "before", "sort",    "facets"};
    assert_int_equal(filter_nnames, sizeof want / sizeof *want);
    for (size_t i = 0; i < filter_nnames; i++) {
        assert_string_equal(filter_names[i], want[i]);
        memset(&f, 0, sizeof f);
        assert_int_not_equal(set(&f, filter_names[i], "x", msg),
                             FILTER_UNKNOWN);
    }
    /* a short msg is cut, still terminated */
    memset(&f, 0, sizeof f);
    memset(msg, 'z', sizeof msg);
    assert_int_equal(filter_set(&f, "sort", 4, "x", 1, msg, 10), FILTER_BAD);
    assert_string_equal(msg, "option so");
    assert_int_equal(msg[10], 'z');
}

/* Filters made of options in order, each "name=value". */
static filter make(const char *const *opts, size_t n)
{
    filter f;
    char msg[MSG_LEN];
    memset(&f, 0, sizeof f);
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(opts[i], '=');
        assert_non_null(eq);
        if (filter_set(&f, opts[i], (size_t)(eq - opts[i]), eq + 1,
                       strlen(eq + 1), msg, sizeof msg) != FILTER_OK)
            fail_msg("%s: %s", opts[i], msg);
    }
    return f;
}

#define MAKE(...)                                                              \
    make((const char *const[]){__VA_ARGS__},                                   \
         sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static void test_none(void **state)
{
    filter f;
    (void)state;
    memset(&f, 0, sizeof f);
    assert_true(filter_none(&f));
    /* sort=relevance is the default order: still none */
    assert_true(filter_none((f = MAKE("sort=relevance"), &f)));
    static const char *const one[] = {
        "lang=fr",           "section=news", "tag=a",     "after=2024-01-01",
        "before=2024-01-01", "sort=date",    "facets=tag"};
    for (size_t i = 0; i < sizeof one / sizeof *one; i++) {
        f = make(&one[i], 1);
        if (filter_none(&f))
            fail_msg("%s: filter_none", one[i]);
    }
}

/* The key of f, its length into *n. */
static void key_of(const filter *f, char *out, size_t *n)
{
    memset(out, 0x5a, FILTER_KEY_MAX + 16);
    *n = filter_key(f, out);
    assert_true(*n > 0 && *n <= FILTER_KEY_MAX);
    for (size_t i = *n; i < FILTER_KEY_MAX + 16; i++)
        assert_int_equal((unsigned char)out[i], 0x5a); /* nothing past n */
}

static int same_key(const filter *a, const filter *b)
{
    char ka[FILTER_KEY_MAX + 16], kb[FILTER_KEY_MAX + 16];
    size_t na, nb;
    key_of(a, ka, &na);
    key_of(b, kb, &nb);
    return na == nb && memcmp(ka, kb, na) == 0;
}

static void test_key(void **state)
{
    (void)state;
    /* equal filters, however they were written */
    filter a, b;
    a = MAKE("lang=fr", "section=Local News", "tag=UCLG,b", "after=2024-01-01",
             "before=2024-12-31", "sort=date", "facets=lang,tag");
    b = MAKE("facets=TAG, lang", "sort=DATE", "before=2024-12-31",
             "after=2024-01-01", "tag=uclg,B,b", "section=  local   news",
             "lang=French");
    assert_true(same_key(&a, &b));
    b = MAKE("lang=fr-FR", "section=LOCAL NEWS", "tag=uclg, b",
             "after=2024-01-01", "before=2024-12-31", "sort=date",
             "facets=tags,lang", "tag=uclg,b");
    assert_true(same_key(&a, &b));
    memset(&b, 0, sizeof b);
    filter c = MAKE("sort=relevance");
    assert_true(same_key(&b, &c));

    /* any field that differs: a different key */
    static const char *const base[] = {
        "lang=fr",           "section=news", "tag=a,b",    "after=2024-01-01",
        "before=2024-12-31", "sort=date",    "facets=lang"};
    static const char *const other[] = {
        "lang=en",          "section=old news",  "tag=a",
        "after=2024-01-02", "before=2024-12-30", "sort=relevance",
        "facets=lang,tag"};
    a = make(base, 7);
    for (size_t i = 0; i < 7; i++) {
        const char *opts[7];
        memcpy(opts, base, sizeof base);
        opts[i] = other[i];
        b = make(opts, 7);
        if (same_key(&a, &b))
            fail_msg("%s and %s: the same key", base[i], other[i]);
        /* and without that option at all */
        opts[i] = opts[6];
        b = make(opts, 6);
        if (same_key(&a, &b))
            fail_msg("%s and none: the same key", base[i]);
    }

    /* fields cannot run into each other */
    a = MAKE("section=a");
    b = MAKE("tag=a");
    assert_false(same_key(&a, &b));
    a = MAKE("tag=ab");
    b = MAKE("tag=a,b");
    assert_false(same_key(&a, &b));
    a = MAKE("after=2024-01-01");
    b = MAKE("before=2024-01-01");
    assert_false(same_key(&a, &b));
    a = MAKE("tag=a", "section=b");
    b = MAKE("tag=b", "section=a");
    assert_false(same_key(&a, &b));
    a = MAKE("facets=lang");
    b = MAKE("facets=section");
    assert_false(same_key(&a, &b));

    /* the longest filter fits in FILTER_KEY_MAX */
    /* tags longer than a key (cut to SCHEMA_KEY_MAX) */
    char tags[(SCHEMA_KEY_MAX + 11) * FILTER_MAX_TAGS + 8] = "tag=";
    for (int t = 0; t < FILTER_MAX_TAGS; t++) {
        size_t at = strlen(tags);
        memset(tags + at, 'a' + t, SCHEMA_KEY_MAX + 10);
        tags[at + SCHEMA_KEY_MAX + 10] = t + 1 < FILTER_MAX_TAGS ? ',' : '\0';
        tags[at + SCHEMA_KEY_MAX + 11] = '\0';
    }
    char section[SCHEMA_KEY_MAX + 32] = "section=";
    memset(section + 8, 's', SCHEMA_KEY_MAX + 10);
    section[8 + SCHEMA_KEY_MAX + 10] = '\0';
    const char *all[] = {"lang=fr",
                         section,
                         tags,
                         "after=2024-01-01",
                         "before=2024-12-31",
                         "sort=date",
                         "facets=lang,section,tag"};
    a = make(all, 7);
    assert_int_equal(a.ntags, FILTER_MAX_TAGS);
    assert_int_equal(strlen(a.tags[FILTER_MAX_TAGS - 1]), SCHEMA_KEY_MAX);
    assert_int_equal(strlen(a.section), SCHEMA_KEY_MAX);
    char k[FILTER_KEY_MAX + 16];
    size_t n;
    key_of(&a, k, &n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lang),
        cmocka_unit_test(test_section),
        cmocka_unit_test(test_tag),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_facets),
        cmocka_unit_test(test_unknown_and_names),
        cmocka_unit_test(test_none),
        cmocka_unit_test(test_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
