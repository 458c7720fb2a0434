/* test_feed: the JSON lines reader of cglu-index --feed: entries of text
 * and html with every field, deletions, each refusal with its message and
 * line number, blank lines, CRLF, a BOM, long lines, the content hash, and
 * feeds read from a file, a pipe and standard input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <unistd.h>

#include "tests/unit/unit_util.h"
#include "indexer/feed.h"

/* Bytes of a transcript of a whole feed (see run). */
#define SAID_MAX 16384

/* Read the feed text[0..n) to its end, with the line limit max (0: the
 * default), and write one line per call into out: "OK LINE ID" (a
 * deletion "DEL LINE ID") or the message of a refused line. */
static void run_n(const char *text, size_t n, size_t max, char *out,
                  size_t outlen)
{
    char err[512];
    feed_reader *r;
    feed_entry e;
    feed_status st;
    size_t used = 0, calls = 0;
    FILE *f = fmemopen((void *)text, n, "r");

    assert_non_null(f);
    assert_int_equal(feed_open_file(f, "test", &r, err, sizeof err), FEED_OK);
    if (max)
        feed_set_max_line(r, max);
    out[0] = '\0';
    while ((st = feed_next(r, &e, err, sizeof err)) != FEED_END) {
        assert_true(++calls < 1000);
        if (st == FEED_OK) {
            used += (size_t)snprintf(out + used, outlen - used, "%s %zu %s\n",
                                     e.deleted ? "DEL" : "OK", e.line, e.id);
            assert_int_equal(feed_line(r), e.line);
            feed_entry_free(&e);
        } else {
            assert_int_equal(st, FEED_BAD);
            assert_null(e.id);
            used += (size_t)snprintf(out + used, outlen - used, "%s\n", err);
        }
        assert_true(used < outlen);
    }
    /* the end stays the end */
    assert_int_equal(feed_next(r, &e, err, sizeof err), FEED_END);
    feed_close(r);
    fclose(f);
}

static void run(const char *text, char *out, size_t outlen)
{
    run_n(text, strlen(text), 0, out, outlen);
}

/* The one result of the one-line feed line: FEED_OK with *e filled (the
 * caller frees it), or FEED_BAD with the message in err. */
static feed_status one(const char *line, feed_entry *e, char *err,
                       size_t errlen)
{
    feed_reader *r;
    feed_status st;
    FILE *f = fmemopen((void *)line, strlen(line), "r");

    assert_non_null(f);
    assert_int_equal(feed_open_file(f, "test", &r, err, errlen), FEED_OK);
    st = feed_next(r, e, err, errlen);
    if (st == FEED_OK) {
        feed_entry next;
        assert_int_equal(feed_next(r, &next, err, errlen), FEED_END);
    }
    feed_close(r);
    fclose(f);
    return st;
}

/* line is refused with exactly want. */
static void refused(const char *line, const char *want)
{
    char err[512];
    feed_entry e;

    memset(&e, 0x5A, sizeof e);
    if (one(line, &e, err, sizeof err) != FEED_BAD)
        fail_msg("accepted: %s", line);
    if (strcmp(err, want) != 0)
        fail_msg("%s\n  said: %s\n  want: %s", line, err, want);
    /* zeroed on failure */
    assert_null(e.id);
    assert_null(e.body);
    assert_null(e.tags);
    assert_string_equal(e.date, "");
    assert_int_equal(e.hash, 0);
}

/* line is accepted; its hash. */
static uint64_t hash_of(const char *line)
{
    char err[512];
    feed_entry e;
    uint64_t h;

    if (one(line, &e, err, sizeof err) != FEED_OK)
        fail_msg("%s: %s", line, err);
    h = e.hash;
    feed_entry_free(&e);
    return h;
}

static void test_text_entry(void **state)
{
    char err[512];
    feed_entry e;
    const char *p;

    (void)state;
    assert_int_equal(
        one("{\"id\": \"faq/42\", \"title\": \"Qu'est-ce que CGLU ?\", "
            "\"url\": \"https://uclg.org/faq#42\", \"text\": \"Une "
            "organisation\\nmondiale.\", \"lang\": \"fr\", \"date\": "
            "\"2024-05-03\", \"tags\": [\"réseau\", \"villes\"], "
            "\"section\": \"faq\", \"description\": \"Qui sommes-nous\"}\n",
            &e, err, sizeof err),
        FEED_OK);
    assert_int_equal(e.line, 1);
    assert_string_equal(e.id, "faq/42");
    assert_int_equal(e.id_len, 6);
    assert_int_equal(e.deleted, 0);
    assert_string_equal(e.title, "Qu'est-ce que CGLU ?");
    assert_int_equal(e.title_len, strlen(e.title));
    assert_string_equal(e.url, "https://uclg.org/faq#42");
    assert_string_equal(e.body, "Une organisation\nmondiale.");
    assert_int_equal(e.body_len, strlen(e.body));
    assert_int_equal(e.html, 0);
    assert_string_equal(e.lang, "fr");
    assert_string_equal(e.date, "2024-05-03");
    assert_int_equal(e.ntags, 2);
    assert_int_equal(e.tags_len, strlen("réseau") + 1 + strlen("villes") + 1);
    p = e.tags;
    assert_string_equal(p, "réseau");
    p += strlen(p) + 1;
    assert_string_equal(p, "villes");
    assert_int_equal(e.tags[e.tags_len], '\0');
    assert_string_equal(e.section, "faq");
    assert_int_equal(e.section_len, 3);
    assert_string_equal(e.description, "Qui sommes-nous");
    assert_int_equal(e.description_len, strlen(e.description));
    assert_int_not_equal(e.hash, 0);
    feed_entry_free(&e);
    assert_null(e.id);
    feed_entry_free(&e); /* twice is harmless */
    feed_entry_free(NULL);
}

static void test_html_and_minimal(void **state)
{
    char err[512];
    feed_entry e;

    (void)state;
    assert_int_equal(
        one("{\"id\":\"p\",\"html\":\"<p>Bonjour</p>\"}", &e, err, sizeof err),
        FEED_OK);
    assert_string_equal(e.body, "<p>Bonjour</p>");
    assert_int_equal(e.html, 1);
    /* every absent string is "", never NULL */
    assert_string_equal(e.title, "");
    assert_string_equal(e.url, "");
    assert_string_equal(e.lang, "");
    assert_string_equal(e.date, "");
    assert_string_equal(e.section, "");
    assert_string_equal(e.description, "");
    assert_non_null(e.tags);
    assert_int_equal(e.ntags, 0);
    assert_int_equal(e.tags_len, 0);
    assert_int_equal(e.tags[0], '\0');
    feed_entry_free(&e);

    /* strings may be empty (not the id), the body too; "deleted": false
     * is as if absent; escapes and UTF-8 are decoded */
    assert_int_equal(one("{\"id\":\"\\u00e9t\\u00e9\",\"text\":\"\",\"title\":"
                         "\"\",\"deleted\":false,\"tags\":[],\"date\":\"\","
                         "\"url\":\"\\/a\\\"b\"}",
                         &e, err, sizeof err),
                     FEED_OK);
    assert_string_equal(e.id, "été");
    assert_string_equal(e.body, "");
    assert_int_equal(e.html, 0);
    assert_int_equal(e.deleted, 0);
    assert_string_equal(e.date, "");
    assert_string_equal(e.url, "/a\"b");
    feed_entry_free(&e);

    /* a long body, a long id (at the limit) */
    {
        size_t n = 100000;
        char *line = malloc(n + FEED_MAX_ID + 64);
        assert_non_null(line);
        strcpy(line, "{\"id\":\"");
        memset(line + 7, 'i', FEED_MAX_ID);
        strcpy(line + 7 + FEED_MAX_ID, "\",\"text\":\"");
        size_t at = strlen(line);
        memset(line + at, 'x', n);
        strcpy(line + at + n, "\"}");
        assert_int_equal(one(line, &e, err, sizeof err), FEED_OK);
        assert_int_equal(e.id_len, FEED_MAX_ID);
        assert_int_equal(e.body_len, n);
        feed_entry_free(&e);
        free(line);
    }
}

static void test_tags(void **state)
{
    char err[512], line[1024];
    feed_entry e;
    size_t at;

    (void)state;
    /* as written: order, case and duplicates kept (the indexer's
     * business) */
    assert_int_equal(one("{\"id\":\"t\",\"text\":\"x\",\"tags\":[\"B\",\"a\","
                         "\"B\",\" spaced \"]}",
                         &e, err, sizeof err),
                     FEED_OK);
    assert_int_equal(e.ntags, 4);
    assert_memory_equal(e.tags, "B\0a\0B\0 spaced \0", 16);
    assert_int_equal(e.tags_len, 15);
    feed_entry_free(&e);

    /* FEED_MAX_TAGS is allowed, one more is not */
    at = (size_t)sprintf(line, "{\"id\":\"t\",\"text\":\"x\",\"tags\":[");
    for (int i = 0; i < FEED_MAX_TAGS; i++)
        at += (size_t)sprintf(line + at, "%s\"t%d\"", i ? "," : "", i);
    strcpy(line + at, "]}");
    assert_int_equal(one(line, &e, err, sizeof err), FEED_OK);
    assert_int_equal(e.ntags, FEED_MAX_TAGS);
    feed_entry_free(&e);
    strcpy(line + at, ",\"t32\"]}");
    refused(line, "line 1: tags: 33 of them, at most 32 allowed");

    refused("{\"id\":\"t\",\"text\":\"x\",\"tags\":[\"a\",\"\"]}",
            "line 1: tags[1]: must not be empty");
    refused("{\"id\":\"t\",\"text\":\"x\",\"tags\":[\"a\",1]}",
            "line 1: tags[1]: must be a string");
    refused("{\"id\":\"t\",\"text\":\"x\",\"tags\":[[\"a\"]]}",
            "line 1: tags[0]: must be a string");
    refused("{\"id\":\"t\",\"text\":\"x\",\"tags\":\"a,b\"}",
            "line 1: tags: must be an array of strings");
    refused("{\"id\":\"t\",\"text\":\"x\",\"tags\":null}",
            "line 1: tags: must be an array of strings, not null (leave the "
            "key out instead)");
    refused("{\"id\":\"t\",\"text\":\"x\",\"tags\":[\"a\\u0000b\"]}",
            "line 1: tags[0]: must not hold NUL (\\u0000)");
}

static void test_dates(void **state)
{
    static const struct {
        const char *in, *day;
    } good[] = {
        {"2024-05-03", "2024-05-03"},
        {"2024-02-29", "2024-02-29"},
        {"2000-02-29", "2000-02-29"},
        {"0001-01-01", "0001-01-01"},
        {"9999-12-31", "9999-12-31"},
        {"2024-05-03T10:00", "2024-05-03"},
        {"2024-05-03T23:30:00-05:00", "2024-05-03"}, /* no zone shift */
        {"2024-05-03T10:00:00.123Z", "2024-05-03"},
        {"2024-05-03 10:00", "2024-05-03"},
        {"2024-05-03 10:00:00 +02:00", "2024-05-03"},
    };
    static const char *const wrong[] = {
        "2023-02-29", "1900-02-29",  "2024-13-01",  "2024-00-10",
        "2024-04-31", "0000-01-01",  "24-05-03",    "2024/05/03",
        "2024-5-3",   "2024-05-03X", "2024-05-03T", "2024-05-03T25:00",
        "03/05/2024", "yesterday",
    };
    char err[512], line[256], want[512];
    feed_entry e;

    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(line, sizeof line,
                 "{\"id\":\"d\",\"text\":\"x\",\"date\":\"%s\"}", good[i].in);
        if (one(line, &e, err, sizeof err) != FEED_OK)
            fail_msg("%s: %s", good[i].in, err);
        assert_string_equal(e.date, good[i].day);
        feed_entry_free(&e);
    }
    for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
        snprintf(line, sizeof line,
                 "{\"id\":\"d\",\"text\":\"x\",\"date\":\"%s\"}", wrong[i]);
        snprintf(want, sizeof want,
                 "line 1: date: must be a calendar date YYYY-MM-DD, alone "
                 "or with a time after T or a space");
        refused(line, want);
    }
    refused("{\"id\":\"d\",\"text\":\"x\",\"date\":20240503}",
            "line 1: date: must be a string");
}

static void test_deletions(void **state)
{
    char err[512];
    feed_entry e;

    (void)state;
    assert_int_equal(
        one("{\"id\": \"faq/42\", \"deleted\": true}", &e, err, sizeof err),
        FEED_OK);
    assert_int_equal(e.deleted, 1);
    assert_string_equal(e.id, "faq/42");
    /* every other string "", not NULL */
    assert_string_equal(e.title, "");
    assert_string_equal(e.url, "");
    assert_string_equal(e.body, "");
    assert_string_equal(e.lang, "");
    assert_string_equal(e.section, "");
    assert_string_equal(e.description, "");
    assert_string_equal(e.date, "");
    assert_non_null(e.tags);
    assert_int_equal(e.ntags, 0);
    assert_int_equal(e.html, 0);
    feed_entry_free(&e);
    /* key order does not matter */
    assert_int_equal(
        one("{\"deleted\":true,\"id\":\"x\"}", &e, err, sizeof err), FEED_OK);
    assert_int_equal(e.deleted, 1);
    feed_entry_free(&e);

    refused("{\"id\":\"x\",\"deleted\":true,\"text\":\"a\"}",
            "line 1: text: not allowed in a deletion (\"deleted\": true "
            "takes only \"id\")");
    refused("{\"id\":\"x\",\"deleted\":true,\"tags\":[]}",
            "line 1: tags: not allowed in a deletion (\"deleted\": true "
            "takes only \"id\")");
    refused("{\"id\":\"x\",\"deleted\":\"yes\"}",
            "line 1: deleted: must be true or false");
    refused("{\"id\":\"x\",\"deleted\":1}",
            "line 1: deleted: must be true or false");
    refused("{\"id\":\"x\",\"deleted\":null}",
            "line 1: deleted: must be true or false, not null (leave the "
            "key out instead)");
    /* false: an ordinary entry, which needs its body */
    refused("{\"id\":\"x\",\"deleted\":false}",
            "line 1: text or html: one of them is required (or \"deleted\": "
            "true)");
    refused("{\"deleted\":true}", "line 1: id: missing (a non-empty string)");
}

static void test_refusals(void **state)
{
    static const struct {
        const char *line, *want;
    } rows[] = {
        /* not one JSON object */
        {"[1,2]", "line 1: not a JSON object but an array"},
        {"\"id\"", "line 1: not valid JSON: '[' or '{' expected near "
                   "'\"id\"' (at byte 4)"},
        {"{\"id\":\"a\",\"text\":\"x\"} {}",
         "line 1: not valid JSON: end of file expected near '{' (at byte "
         "23)"},
        {"{\"id\":\"a\",\"text\":\"x\"", "line 1: not valid JSON: '}' "
                                         "expected near end of file (at "
                                         "byte 20)"},
        {"{\"id\":\"a\",\"text\":'x'}",
         "line 1: not valid JSON: invalid token near ''' (at byte 18)"},
        /* a key twice */
        {"{\"id\":\"a\",\"text\":\"x\",\"id\":\"b\"}",
         "line 1: not valid JSON: duplicate object key near '\"id\"' (at "
         "byte 25)"},
        /* id */
        {"{\"text\":\"x\"}", "line 1: id: missing (a non-empty string)"},
        {"{\"id\":42,\"text\":\"x\"}", "line 1: id: must be a string"},
        {"{\"id\":null,\"text\":\"x\"}",
         "line 1: id: must be a string, not null (leave the key out "
         "instead)"},
        {"{\"id\":\"\",\"text\":\"x\"}", "line 1: id: must not be empty"},
        {"{\"id\":\"a\\tb\",\"text\":\"x\"}",
         "line 1: id: must not hold control characters"},
        {"{\"id\":\"a\\u007f\",\"text\":\"x\"}",
         "line 1: id: must not hold control characters"},
        {"{\"id\":\"a\\u0085\",\"text\":\"x\"}",
         "line 1: id: must not hold control characters"},
        {"{\"id\":\"a\\u0000\",\"text\":\"x\"}",
         "line 1: id: must not hold NUL (\\u0000)"},
        /* body */
        {"{\"id\":\"a\"}", "line 1: text or html: one of them is required "
                           "(or \"deleted\": true)"},
        {"{\"id\":\"a\",\"text\":\"x\",\"html\":\"y\"}",
         "line 1: text, html: one of them only, not both"},
        {"{\"id\":\"a\",\"text\":[\"x\"]}", "line 1: text: must be a string"},
        {"{\"id\":\"a\",\"html\":{}}", "line 1: html: must be a string"},
        {"{\"id\":\"a\",\"text\":\"x\\u0000y\"}",
         "line 1: text: must not hold NUL (\\u0000)"},
        /* other strings */
        {"{\"id\":\"a\",\"text\":\"x\",\"title\":1.5}",
         "line 1: title: must be a string"},
        {"{\"id\":\"a\",\"text\":\"x\",\"title\":null}",
         "line 1: title: must be a string, not null (leave the key out "
         "instead)"},
        {"{\"id\":\"a\",\"text\":\"x\",\"url\":true}",
         "line 1: url: must be a string"},
        {"{\"id\":\"a\",\"text\":\"x\",\"lang\":[]}",
         "line 1: lang: must be a string"},
        {"{\"id\":\"a\",\"text\":\"x\",\"section\":{}}",
         "line 1: section: must be a string"},
        {"{\"id\":\"a\",\"text\":\"x\",\"description\":0}",
         "line 1: description: must be a string"},
        {"{\"id\":\"a\",\"text\":\"x\",\"title\":\"\\u0000\"}",
         "line 1: title: must not hold NUL (\\u0000)"},
        /* unknown keys, named (controls and long keys made printable) */
        {"{\"id\":\"a\",\"text\":\"x\",\"titel\":\"T\"}",
         "line 1: unknown key \"titel\" (an entry has id, text or html, "
         "title, url, lang, date, tags, section and description; a "
         "deletion id and deleted)"},
        {"{\"id\":\"a\",\"text\":\"x\",\"Title\":\"T\"}",
         "line 1: unknown key \"Title\" (an entry has id, text or html, "
         "title, url, lang, date, tags, section and description; a "
         "deletion id and deleted)"},
        {"{\"ti\\ntle\":\"T\"}",
         "line 1: unknown key \"ti?tle\" (an entry has id, text or html, "
         "title, url, lang, date, tags, section and description; a "
         "deletion id and deleted)"},
        {"{\"id\":\"a\",\"deleted\":true,\"reason\":\"x\"}",
         "line 1: unknown key \"reason\" (an entry has id, text or html, "
         "title, url, lang, date, tags, section and description; a "
         "deletion id and deleted)"},
        {"{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaa\":1}",
         "line 1: unknown key "
         "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.."
         ".\" (an entry has id, text or html, title, url, lang, date, tags, "
         "section and description; a deletion id and deleted)"},
        /* a NUL in a key: jansson's refusal */
        {"{\"id\":\"a\",\"text\":\"x\",\"title\\u0000\":\"T\"}",
         "line 1: not valid JSON: NUL byte in object key not supported near "
         "'\"title\\u0000\"' (at byte 34)"},
        /* invalid UTF-8: jansson's message, without the raw byte */
        {"{\"id\":\"a\",\"text\":\"\xff\"}",
         "line 1: not valid JSON: unable to decode byte 0xff near '\"' (at "
         "byte 18)"},
        /* a lone surrogate cannot be UTF-8 */
        {"{\"id\":\"a\",\"text\":\"\\ud800\"}",
         "line 1: not valid JSON: invalid Unicode '\\uD800' near "
         "'\"\\ud800\"' (at byte 25)"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        refused(rows[i].line, rows[i].want);

    /* nothing but an object's values counted: a line of a million values
     * is refused before jansson builds them */
    {
        size_t n = 2000000;
        char *line = malloc(n + 3);
        assert_non_null(line);
        line[0] = '[';
        for (size_t i = 1; i < n; i += 2) {
            line[i] = '0';
            line[i + 1] = ',';
        }
        strcpy(line + n - 1, "0]");
        refused(line, "line 1: more than 256 keys and values: not a feed "
                      "entry");
        free(line);
    }
}

/* Refused lines do not stop the feed; line numbers count every line. */
static void test_lines(void **state)
{
    char said[SAID_MAX];

    (void)state;
    run("{\"id\":\"a\",\"text\":\"1\"}\n"
        "{\"id\":\"b\"}\n"
        "\n"
        "  \t \n"
        "not json\n"
        "{\"id\":\"c\",\"deleted\":true}\n"
        "{\"id\":\"d\",\"titel\":\"x\",\"text\":\"\"}\n"
        "{\"id\":\"e\",\"html\":\"<p>\"}",
        said, sizeof said);
    assert_string_equal(
        said,
        "OK 1 a\n"
        "line 2: text or html: one of them is required (or "
        "\"deleted\": true)\n"
        "line 5: not valid JSON: '[' or '{' expected near 'not' (at byte 3)\n"
        "DEL 6 c\n"
        "line 7: unknown key \"titel\" (an entry has id, text or html, "
        "title, url, lang, date, tags, section and description; a "
        "deletion id and deleted)\n"
        "OK 8 e\n");

    /* an empty feed, blank lines only */
    run("", said, sizeof said);
    assert_string_equal(said, "");
    run("\n\r\n \t\r\n", said, sizeof said);
    assert_string_equal(said, "");
}

static void test_crlf_and_bom(void **state)
{
    char said[SAID_MAX];
    char err[512];
    feed_entry e;

    (void)state;
    run("\xEF\xBB\xBF{\"id\":\"a\",\"text\":\"x\"}\r\n"
        "\r\n"
        "{\"id\":\"b\",\"text\":\"y\r\"}\r\n"
        "{\"id\":\"c\",\"deleted\":true}\r\n",
        said, sizeof said);
    /* a raw CR inside a string is a control character JSON refuses */
    assert_string_equal(said,
                        "OK 1 a\n"
                        "line 3: not valid JSON: control character 0xd near "
                        "'\"y' (at byte 19)\n"
                        "DEL 4 c\n");

    /* a BOM alone on the first line is a blank line; a BOM elsewhere is
     * not allowed */
    run("\xEF\xBB\xBF\n{\"id\":\"a\",\"text\":\"x\"}\n"
        "\xEF\xBB\xBF{\"id\":\"b\",\"text\":\"x\"}\n",
        said, sizeof said);
    assert_string_equal(said, "OK 2 a\n"
                              "line 3: a byte order mark (U+FEFF) is only "
                              "allowed at the start of the feed\n");
    /* half a BOM, then the line */
    run("\xEF\xBB{}\n", said, sizeof said);
    assert_string_equal(said,
                        "line 1: not valid JSON: unable to decode byte 0xef "
                        "(at byte 0)\n");

    /* blanks and CR inside and around the object are JSON's whitespace */
    assert_int_equal(one("  {\"id\" :\t\"a\",\r\"text\": \"x\" }  \r\n", &e,
                         err, sizeof err),
                     FEED_OK);
    assert_string_equal(e.body, "x");
    feed_entry_free(&e);
}

/* A line past the limit is refused and skipped; the limit excludes the
 * line's end, CRLF's CR included. */
static void test_long_lines(void **state)
{
    char said[SAID_MAX], text[1024];
    const char *at64 = "{\"id\":\"a\",\"text\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxx"
                       "xxxxxxxxxxxxxxxxx\"}"; /* 64 bytes */

    (void)state;
    assert_int_equal(strlen(at64), 64);
    snprintf(text, sizeof text,
             "%s\n%sy\n%s\r\n"
             "{\"id\":\"b\",\"text\":\"after\"}\n"
             "%s\r\r\n"
             "%s",
             at64, at64, at64, at64, at64);
    run_n(text, strlen(text), 64, said, sizeof said);
    assert_string_equal(said, "OK 1 a\n"
                              "line 2: longer than 64 bytes\n"
                              "OK 3 a\n"
                              "OK 4 b\n"
                              "line 5: longer than 64 bytes\n"
                              "OK 6 a\n");

    /* much longer than the limit, at the end without a newline, and a
     * BOM that does not count */
    {
        size_t n = 1 << 20;
        char *big = malloc(n + 200);
        assert_non_null(big);
        strcpy(big, "\xEF\xBB\xBF");
        strcat(big, at64);
        strcat(big, "\n");
        size_t at = strlen(big);
        memset(big + at, ' ', n);
        run_n(big, at + n, 64, said, sizeof said);
        assert_string_equal(said, "OK 1 a\n"
                                  "line 2: longer than 64 bytes\n");
        free(big);
    }
    /* out-of-range limits are ignored: the default, FEED_MAX_LINE, stays */
    assert_true(FEED_MAX_LINE > EXTRACT_MAX_SIZE);
    snprintf(text, sizeof text, "%sy\n", at64);
    run_n(text, strlen(text), FEED_MAX_LINE + 1, said, sizeof said);
    assert_string_equal(said, "line 1: not valid JSON: end of file expected "
                              "near 'y' (at byte 65)\n");
}

/* Content hash: the same for the same content however written, different
 * when anything but the id changes. */
static void test_hash(void **state)
{
    static const char *const differ[] = {
        "{\"id\":\"a\",\"text\":\"body\"}",
        "{\"id\":\"a\",\"html\":\"body\"}",
        "{\"id\":\"a\",\"text\":\"body \"}",
        "{\"id\":\"a\",\"text\":\"body\",\"title\":\"\"}" /* = the first */,
        "{\"id\":\"a\",\"text\":\"body\",\"title\":\"t\"}",
        "{\"id\":\"a\",\"text\":\"body\",\"url\":\"t\"}",
        "{\"id\":\"a\",\"text\":\"body\",\"lang\":\"t\"}",
        "{\"id\":\"a\",\"text\":\"body\",\"section\":\"t\"}",
        "{\"id\":\"a\",\"text\":\"body\",\"description\":\"t\"}",
        "{\"id\":\"a\",\"text\":\"body\",\"tags\":[\"t\"]}",
        "{\"id\":\"a\",\"text\":\"body\",\"tags\":[\"t\",\"u\"]}",
        "{\"id\":\"a\",\"text\":\"body\",\"tags\":[\"tu\"]}",
        "{\"id\":\"a\",\"text\":\"body\",\"tags\":[\"u\",\"t\"]}",
        "{\"id\":\"a\",\"text\":\"body\",\"date\":\"2024-01-01\"}",
        "{\"id\":\"a\",\"text\":\"body\",\"date\":\"2024-01-02\"}",
        "{\"id\":\"a\",\"text\":\"bo\",\"title\":\"dy\"}",
        "{\"id\":\"a\",\"text\":\"\",\"title\":\"body\"}",
        "{\"id\":\"a\",\"text\":\"body\",\"title\":\"a\",\"url\":\"b\"}",
        "{\"id\":\"a\",\"text\":\"body\",\"title\":\"ab\"}",
        "{\"id\":\"a\",\"text\":\"body\",\"title\":\"\",\"url\":\"ab\"}",
        "{\"id\":\"a\",\"deleted\":true}",
        "{\"id\":\"a\",\"text\":\"\"}",
        "{\"id\":\"a\",\"html\":\"\"}",
    };
    uint64_t h[sizeof differ / sizeof differ[0]];

    (void)state;
    for (size_t i = 0; i < sizeof differ / sizeof differ[0]; i++)
        h[i] = hash_of(differ[i]);
    for (size_t i = 0; i < sizeof differ / sizeof differ[0]; i++)
        for (size_t j = i + 1; j < sizeof differ / sizeof differ[0]; j++)
            if (h[i] == h[j] && !(i == 0 && j == 3))
                fail_msg("same hash:\n  %s\n  %s", differ[i], differ[j]);
    /* an absent string is the empty string */
    assert_true(h[0] == h[3]);

    /* the same entry written otherwise: id, key order, blanks, escapes,
     * "deleted": false, the time after the day */
    const char *a = "{\"id\":\"x\",\"title\":\"Été\",\"text\":\"b\","
                    "\"date\":\"2024-01-01\",\"tags\":[\"k\"]}";
    const char *b = " { \"tags\" : [ \"k\" ], \"date\": \"2024-01-01T10:00Z\","
                    " \"text\": \"\\u0062\", \"deleted\": false, \"title\": "
                    "\"\\u00c9t\\u00e9\", \"id\": \"other\" }";
    assert_true(hash_of(a) == hash_of(b));
    /* deletions all hash the same: there is no content */
    assert_true(hash_of("{\"id\":\"x\",\"deleted\":true}") ==
                hash_of("{\"deleted\":true,\"id\":\"y\"}"));
}

/* A feed from a file, a missing file, a folder, a pipe and stdin. */
static void test_sources(void **state)
{
    char dir[64], path[128], err[512];
    const char *text = "{\"id\":\"a\",\"text\":\"x\"}\nbad\n"
                       "{\"id\":\"b\",\"deleted\":true}\n";
    feed_reader *r = (feed_reader *)1;
    feed_entry e;
    FILE *f;
    int fd[2], saved;

    (void)state;
    assert_int_equal(
        unit_tmpdir("test_feed", dir, sizeof dir, path, sizeof path), 0);
    snprintf(path, sizeof path, "%s/feed.jsonl", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);

    assert_int_equal(feed_open(path, &r, err, sizeof err), FEED_OK);
    assert_int_equal(feed_line(r), 0);
    assert_int_equal(feed_next(r, &e, err, sizeof err), FEED_OK);
    assert_string_equal(e.id, "a");
    feed_entry_free(&e);
    assert_int_equal(feed_next(r, &e, err, sizeof err), FEED_BAD);
    assert_string_equal(err, "line 2: not valid JSON: '[' or '{' expected "
                             "near 'bad' (at byte 3)");
    assert_int_equal(feed_line(r), 2);
    assert_int_equal(feed_next(r, &e, err, sizeof err), FEED_OK);
    assert_int_equal(e.deleted, 1);
    feed_entry_free(&e);
    assert_int_equal(feed_next(r, &e, NULL, 0), FEED_END);
    feed_close(r);

    /* missing, a folder */
    r = (feed_reader *)1;
    snprintf(path, sizeof path, "%s/missing.jsonl", dir);
    assert_int_equal(feed_open(path, &r, err, sizeof err), FEED_ERR_READ);
    assert_null(r);
    char want[512];
    snprintf(want, sizeof want, "cannot open %s: No such file or directory",
             path);
    assert_string_equal(err, want);
    r = (feed_reader *)1;
    assert_int_equal(feed_open(dir, &r, err, sizeof err), FEED_ERR_READ);
    assert_null(r);
    snprintf(want, sizeof want, "cannot read %s: it is a folder", dir);
    assert_string_equal(err, want);
    assert_int_equal(unit_rmtree(dir), 0);

    /* a pipe, written before it is read (the text fits its buffer) */
    assert_int_equal(pipe(fd), 0);
    assert_int_equal(write(fd[1], text, strlen(text)), (ssize_t)strlen(text));
    close(fd[1]);
    f = fdopen(fd[0], "r");
    assert_non_null(f);
    assert_int_equal(feed_open_file(f, "pipe", &r, err, sizeof err), FEED_OK);
    assert_int_equal(feed_next(r, &e, err, sizeof err), FEED_OK);
    feed_entry_free(&e);
    assert_int_equal(feed_next(r, &e, err, sizeof err), FEED_BAD);
    assert_int_equal(feed_next(r, &e, err, sizeof err), FEED_OK);
    feed_entry_free(&e);
    assert_int_equal(feed_next(r, &e, err, sizeof err), FEED_END);
    feed_close(r); /* borrowed: still open */
    assert_int_equal(fclose(f), 0);

    /* "-": standard input, left open by feed_close */
    assert_int_equal(pipe(fd), 0);
    assert_int_equal(write(fd[1], text, strlen(text)), (ssize_t)strlen(text));
    close(fd[1]);
    saved = dup(0);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd[0], 0), 0);
    close(fd[0]);
    clearerr(stdin);
    assert_int_equal(feed_open("-", &r, err, sizeof err), FEED_OK);
    assert_int_equal(feed_next(r, &e, err, sizeof err), FEED_OK);
    assert_string_equal(e.id, "a");
    feed_entry_free(&e);
    assert_int_equal(feed_next(r, &e, err, sizeof err), FEED_BAD);
    assert_int_equal(feed_next(r, &e, err, sizeof err), FEED_OK);
    feed_entry_free(&e);
    assert_int_equal(feed_next(r, &e, err, sizeof err), FEED_END);
    feed_close(r);
    assert_int_not_equal(fcntl(0, F_GETFD), -1);
    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
    clearerr(stdin);
}

/* A read error stops the reader; so does a NULL argument. */
static void test_errors(void **state)
{
    char err[512];
    feed_reader *r = (feed_reader *)1;
    feed_entry e;
    FILE *f;

    (void)state;
    /* a stream open for writing only cannot be read: EBADF */
    f = fopen("/dev/null", "w");
    assert_non_null(f);
    assert_int_equal(feed_open_file(f, "w-only", &r, err, sizeof err), FEED_OK);
    assert_int_equal(feed_next(r, &e, err, sizeof err), FEED_ERR_READ);
    assert_string_equal(err,
                        "cannot read w-only (line 1): Bad file descriptor");
    assert_null(e.id);
    err[0] = '\0';
    assert_int_equal(feed_next(r, &e, err, sizeof err), FEED_ERR_READ);
    assert_string_equal(err,
                        "cannot read w-only (line 1): Bad file descriptor");
    feed_close(r);
    fclose(f);

    r = (feed_reader *)1;
    assert_int_equal(feed_open(NULL, &r, err, sizeof err), FEED_ERR_ARG);
    assert_null(r);
    assert_int_equal(feed_open("-", NULL, err, sizeof err), FEED_ERR_ARG);
    assert_int_equal(feed_open_file(NULL, "x", &r, err, sizeof err),
                     FEED_ERR_ARG);
    assert_int_equal(feed_next(NULL, &e, err, sizeof err), FEED_ERR_ARG);
    assert_null(e.id);
    assert_int_equal(feed_line(NULL), 0);
    feed_close(NULL);
}

static void test_strerror(void **state)
{
    (void)state;
    UNIT_MESSAGES(feed_strerror, {FEED_OK, "success"},
                  {FEED_END, "end of the feed"}, {FEED_BAD, "line refused"},
                  {FEED_ERR_READ, "cannot read the feed"},
                  {FEED_ERR_NOMEM, "out of memory"},
                  {FEED_ERR_ARG, "invalid argument"}, {99, "unknown error"});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_entry),
        cmocka_unit_test(test_html_and_minimal),
        cmocka_unit_test(test_tags),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_deletions),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_crlf_and_bom),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_sources),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
