/* test_render: the one writer of answers, from hand-made engine results:
 * each operation's JSON, the cut a cache keeps (up to took_ms) and the
 * cached answer rebuilt from it, error lines, and the too_large rule (a
 * line that does not fit is never sent with a hole in it). Also the verb
 * table: HELP's rows, options within their bounds, and their errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
/* jansson reads the answers back as a client would. */
#include <jansson.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/schema.h"
#include "search/engine.h"
#include "search/filter.h"
#include "search/render.h"
#include "server/proto.h"
#include "server/verbs.h"

static engine_span put(engine_result *r, const char *s)
{
    engine_span sp = {r->store.len, strlen(s)};
    assert_int_equal(buf_puts(&r->store, s), BUF_OK);
    return sp;
}

static void search_result(engine_result *r)
{
    engine_result_init(r, 1 << 16);
    r->op = ENGINE_SEARCH;
    r->ok = 1;
    r->query = put(r, "cités \"unies\"");
    r->total = 7;
    r->offset = 0;
    r->limit = 2;
    r->has_suggestion = 1;
    r->suggestion = put(r, "cites");
    r->nhits = 2;
    for (size_t i = 0; i < 2; i++) {
        engine_hit *h = &r->hits[i];
        h->rank = i + 1;
        h->score = 2.5 - (double)i;
        h->id = put(r, i ? "b.md" : "a.md");
        h->title = put(r, "Titre <b>");
        h->url = put(r, "/a");
        h->has_snippet = i == 0;
        h->snippet = put(r, "<mark>cités</mark>");
    }
    r->took_ms = 1.25;
}

/* r and out set up for one answer to op (4 KB each). */
static void start(engine_result *r, buf_t *out, engine_op op, int ok)
{
    engine_result_init(r, 4096);
    buf_init(out, 4096);
    r->op = op;
    r->ok = ok;
}

static void test_search_answer_and_cache_cut(void **state)
{
    engine_result r;
    render_info info;
    buf_t out;
    (void)state;

    search_result(&r);
    buf_init(&out, 1 << 16);
    buf_puts(&out, "previous line\n"); /* render appends */
    render_result(&r, NULL, &out, &info);
    const char *line = out.data + strlen("previous line\n");
    assert_string_equal(
        line, "{\"ok\":true,\"query\":\"cités \\\"unies\\\"\",\"total\":7,"
              "\"offset\":0,\"limit\":2,\"suggestion\":\"cites\",\"hits\":["
              "{\"rank\":1,\"id\":\"a.md\",\"title\":\"Titre <b>\",\"url\":"
              "\"/a\",\"score\":2.5000,\"snippet\":\"<mark>cités</mark>\"},"
              "{\"rank\":2,\"id\":\"b.md\",\"title\":\"Titre <b>\",\"url\":"
              "\"/a\",\"score\":1.5000}],\"took_ms\":1.250}\n");
    assert_true(info.ok);
    /* the cache keeps the answer up to and including "took_ms": */
    assert_true(info.keep > 0);
    assert_memory_equal(line + info.keep - strlen(",\"took_ms\":"),
                        ",\"took_ms\":", strlen(",\"took_ms\":"));
    buf_t again;
    buf_init(&again, 1 << 16);
    assert_int_equal(render_cached(&again, line, info.keep, 0.5), BUF_OK);
    assert_int_equal(again.len, info.keep + strlen("0.500,\"cached\":true}\n"));
    assert_string_equal(again.data + info.keep, "0.500,\"cached\":true}\n");
    buf_free(&again);
    buf_free(&out);
    engine_result_free(&r);
}

/* A SEARCH answer with a hit that has metadata, one that has none, and
 * facets: the exact line, valid JSON, and the cache cut still after
 * everything but the time. */
static void test_search_metadata_and_facets(void **state)
{
    engine_result r;
    render_info info;
    buf_t out;
    (void)state;

    search_result(&r);
    engine_hit *h = &r.hits[0];
    h->lang = put(&r, "fr");
    h->date = put(&r, "2024-05-17");
    h->section = put(&r, "local news");
    /* three tags: plain, with a quote, not ASCII */
    h->tags = put(&r, "uclg\x1f"
                      "say \"hi\"\x1f"
                      "\xc3\xa9lus locaux");
    assert_int_equal(SCHEMA_TAG_SEP, '\x1f');
    /* facets: lang and tag asked, section not */
    r.facets[0].on = 1;
    r.facets[0].v[0] = (engine_count){put(&r, "fr"), 6};
    r.facets[0].v[1] = (engine_count){put(&r, "en"), 2};
    r.facets[0].n = 2;
    r.facets[2].on = 1;
    r.facets[2].v[0] = (engine_count){put(&r, "uclg"), 3};
    r.facets[2].v[1] = (engine_count){put(&r, "\xc3\xa9lus \"x\""), 1};
    r.facets[2].n = 2;
    buf_init(&out, 1 << 16);
    render_result(&r, NULL, &out, &info);
    assert_string_equal(
        out.data,
        "{\"ok\":true,\"query\":\"cités \\\"unies\\\"\",\"total\":7,"
        "\"offset\":0,\"limit\":2,\"suggestion\":\"cites\",\"hits\":["
        "{\"rank\":1,\"id\":\"a.md\",\"title\":\"Titre <b>\",\"url\":"
        "\"/a\",\"score\":2.5000,\"snippet\":\"<mark>cités</mark>\","
        "\"lang\":\"fr\",\"date\":\"2024-05-17\",\"section\":\"local news\","
        "\"tags\":[\"uclg\",\"say \\\"hi\\\"\",\"\xc3\xa9lus locaux\"]},"
        "{\"rank\":2,\"id\":\"b.md\",\"title\":\"Titre <b>\",\"url\":"
        "\"/a\",\"score\":1.5000}],"
        "\"facets\":{\"lang\":{\"fr\":6,\"en\":2},"
        "\"tag\":{\"uclg\":3,\"\xc3\xa9lus \\\"x\\\"\":1}},"
        "\"took_ms\":1.250}\n");
    assert_true(info.ok);
    assert_memory_equal(out.data + info.keep - strlen(",\"took_ms\":"),
                        ",\"took_ms\":", strlen(",\"took_ms\":"));

    /* what a client reads of it */
    json_error_t jerr;
    json_t *root = json_loads(out.data, 0, &jerr);
    if (root == NULL)
        fail_msg("not JSON: %s at %d", jerr.text, jerr.position);
    json_t *hits = json_object_get(root, "hits");
    assert_int_equal(json_array_size(hits), 2);
    json_t *tags = json_object_get(json_array_get(hits, 0), "tags");
    assert_true(json_is_array(tags));
    assert_int_equal(json_array_size(tags), 3);
    assert_string_equal(json_string_value(json_array_get(tags, 1)),
                        "say \"hi\"");
    assert_string_equal(json_string_value(json_array_get(tags, 2)),
                        "\xc3\xa9lus locaux");
    static const char *const meta[] = {"lang", "date", "section", "tags"};
    for (size_t i = 0; i < 4; i++)
        assert_null(json_object_get(json_array_get(hits, 1), meta[i]));
    json_t *facets = json_object_get(root, "facets");
    assert_int_equal(json_object_size(facets), 2);
    assert_null(json_object_get(facets, "section"));
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(facets, "tag"), "\xc3\xa9lus \"x\"")),
                     1);
    json_decref(root);

    /* one tag; every facet asked, one of them without values; no hits */
    r.nhits = 1;
    h->tags = put(&r, "solo");
    h->lang.len = 0;
    h->date.len = 0;
    h->has_snippet = 0;
    r.facets[1].on = 1;
    r.facets[1].n = 0;
    buf_reset(&out);
    render_result(&r, NULL, &out, &info);
    assert_non_null(strstr(out.data, "\"score\":2.5000,\"section\":\"local "
                                     "news\",\"tags\":[\"solo\"]}]"));
    assert_non_null(strstr(out.data,
                           "],\"facets\":{\"lang\":{\"fr\":6,\"en\":2},"
                           "\"section\":{},\"tag\":{\"uclg\":3,"));
    root = json_loads(out.data, 0, &jerr);
    assert_non_null(root);
    json_decref(root);
    r.nhits = 0;
    buf_reset(&out);
    render_result(&r, NULL, &out, &info);
    assert_non_null(strstr(out.data, "\"hits\":[],\"facets\":{\"lang\":"));
    root = json_loads(out.data, 0, &jerr);
    assert_non_null(root);
    json_decref(root);

    /* no facet asked: no "facets" member */
    for (size_t k = 0; k < FILTER_NFACETS; k++)
        r.facets[k].on = 0;
    buf_reset(&out);
    render_result(&r, NULL, &out, &info);
    assert_null(strstr(out.data, "facets"));
    buf_free(&out);
    engine_result_free(&r);
}

static void test_other_answers(void **state)
{
    engine_result r;
    render_info info;
    render_figures f;
    buf_t out;
    (void)state;

    start(&r, &out, ENGINE_SUGGEST, 1);
    r.prefix = put(&r, "cit");
    r.words[0] = put(&r, "cités");
    r.words[1] = put(&r, "citoyens");
    r.nwords = 2;
    render_result(&r, NULL, &out, &info);
    assert_string_equal(out.data,
                        "{\"ok\":true,\"prefix\":\"cit\","
                        "\"suggestions\":[\"cités\",\"citoyens\"]}\n");
    assert_true(info.ok);
    assert_int_equal(info.keep, 0); /* only SEARCH answers are cut */

    buf_reset(&out);
    buf_reset(&r.store);
    r.op = ENGINE_DOC;
    r.doc_id = put(&r, "a.md");
    r.doc_title = put(&r, "T");
    r.doc_url = put(&r, "/a");
    r.doc_text = put(&r, "x\ny");
    render_result(&r, NULL, &out, NULL);
    assert_string_equal(out.data, "{\"ok\":true,\"id\":\"a.md\",\"title\":"
                                  "\"T\",\"url\":\"/a\",\"text\":\"x\\ny\"}\n");
    /* a document's metadata, as hits have it, before its text */
    buf_reset(&out);
    r.doc_lang = put(&r, "en");
    r.doc_date = put(&r, "2024-01-02");
    r.doc_section = put(&r, "local news");
    r.doc_tags = put(&r, "uclg\x1f\xc3\xa9lus");
    render_result(&r, NULL, &out, NULL);
    assert_string_equal(out.data,
                        "{\"ok\":true,\"id\":\"a.md\",\"title\":\"T\","
                        "\"url\":\"/a\",\"lang\":\"en\",\"date\":"
                        "\"2024-01-02\",\"section\":\"local news\",\"tags\":"
                        "[\"uclg\",\"\xc3\xa9lus\"],\"text\":\"x\\ny\"}\n");
    /* only what is known */
    buf_reset(&out);
    r.doc_lang.len = 0;
    r.doc_section.len = 0;
    render_result(&r, NULL, &out, NULL);
    assert_string_equal(out.data,
                        "{\"ok\":true,\"id\":\"a.md\",\"title\":\"T\","
                        "\"url\":\"/a\",\"date\":\"2024-01-02\",\"tags\":"
                        "[\"uclg\",\"\xc3\xa9lus\"],\"text\":\"x\\ny\"}\n");

    buf_reset(&out);
    r.op = ENGINE_STATS;
    r.documents = 3;
    r.terms = 40;
    r.revision = 9;
    r.index_age_s = -1;
    render_result(&r, NULL, &out, NULL);
    /* an index without documents has no language: an empty object */
    assert_string_equal(out.data, "{\"ok\":true,\"documents\":3,\"terms\":40,"
                                  "\"revision\":9,\"index_age_s\":-1,"
                                  "\"languages\":{}}\n");
    /* documents per language, in the engine's order */
    buf_reset(&out);
    r.langs[0] = (engine_count){put(&r, "fr"), 6};
    r.langs[1] = (engine_count){put(&r, "en"), 2};
    r.nlangs = 2;
    render_result(&r, NULL, &out, NULL);
    assert_string_equal(out.data, "{\"ok\":true,\"documents\":3,\"terms\":40,"
                                  "\"revision\":9,\"index_age_s\":-1,"
                                  "\"languages\":{\"fr\":6,\"en\":2}}\n");
    memset(&f, 0, sizeof f);
    f.requests = 5;
    f.cache_on = 1;
    f.cache_hits = 2;
    buf_reset(&out);
    render_result(&r, &f, &out, NULL);
    /* the server's figures come after the index's */
    assert_non_null(strstr(out.data, "\"index_age_s\":-1,\"languages\":{"
                                     "\"fr\":6,\"en\":2},\"uptime_s\":"));
    assert_non_null(strstr(out.data, ",\"requests\":5,"));
    assert_non_null(strstr(out.data, ",\"cache\":{\"entries\":0,\"bytes\":0,"
                                     "\"max_bytes\":0,\"hits\":2,"));
    buf_free(&out);
    engine_result_free(&r);
}

static void test_errors_and_too_large(void **state)
{
    engine_result r;
    render_info info;
    buf_t out;
    (void)state;

    start(&r, &out, ENGINE_DOC, 0);
    r.error = JSON_ERR_NOT_FOUND;
    snprintf(r.message, sizeof r.message, "no document with that id");
    render_result(&r, NULL, &out, &info);
    assert_string_equal(out.data, "{\"ok\":false,\"error\":\"not_found\","
                                  "\"message\":\"no document with that "
                                  "id\"}\n");
    assert_false(info.ok);
    engine_result_free(&r);

    /* An answer past out's limit: the whole line becomes too_large. */
    search_result(&r);
    buf_free(&out);
    buf_init(&out, 200);
    buf_puts(&out, "kept\n");
    render_result(&r, NULL, &out, &info);
    assert_false(info.ok);
    assert_int_equal(info.keep, 0);
    assert_true(strncmp(out.data, "kept\n{\"ok\":false,\"error\":\"too_large\"",
                        strlen("kept\n{\"ok\":false,\"error\":\"too_"
                               "large\"")) == 0);
    assert_int_equal(out.data[out.len - 1], '\n');
    buf_free(&out);
    engine_result_free(&r);

    /* Every code has its spelling; the extra member is escaped. */
    buf_init(&out, 4096);
    assert_int_equal(
        json_error_line(&out, JSON_ERR_UNKNOWN_VERB, "m", 1, "verb", "a\"b", 3),
        BUF_OK);
    assert_string_equal(out.data, "{\"ok\":false,\"error\":\"unknown_verb\","
                                  "\"message\":\"m\",\"verb\":\"a\\\"b\"}\n");
    assert_string_equal(json_err_code(JSON_ERR_BUSY), "busy");
    assert_string_equal(json_err_code(JSON_ERR_LINE_TOO_LONG), "line_too_long");
    buf_free(&out);
}

/* verbs_request on line, which must parse: 0 and *er, or -1 and msg. */
static int request(const char *line, engine_request *er, char *msg,
                   size_t msglen)
{
    proto_request req;

    assert_int_equal(proto_parse(line, strlen(line), &req), PROTO_OK);
    return verbs_request(verbs_of(req.verb), &req, er, msg, msglen);
}

static void test_verb_table(void **state)
{
    size_t n;
    const verb_def *all = verbs_all(&n);
    proto_request req;
    engine_request er;
    char msg[128];
    (void)state;

    assert_int_equal(n, 8);
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(verbs_of(all[i].verb), &all[i]);
        assert_ptr_equal(verbs_find(all[i].name, strlen(all[i].name)), &all[i]);
        assert_string_equal(proto_verb_name(all[i].verb), all[i].name);
    }
    assert_ptr_equal(verbs_find("search", 6), verbs_of(PROTO_V_SEARCH));
    assert_null(verbs_find("SEARCH\0", 7));
    assert_null(verbs_find("SEARC", 5));
    /* only PING, QUIT and AUTH are answered before AUTH */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(all[i].open, all[i].verb == PROTO_V_PING ||
                                          all[i].verb == PROTO_V_QUIT ||
                                          all[i].verb == PROTO_V_AUTH);

    assert_int_equal(request("SEARCH limit=100 offset=7 snippet=0 x a=b", &er,
                             msg, sizeof msg),
                     0);
    assert_int_equal(er.op, ENGINE_SEARCH);
    assert_int_equal(er.limit, ENGINE_LIMIT_MAX);
    assert_int_equal(er.offset, 7);
    assert_int_equal(er.snippet, 0);
    assert_int_equal(er.text_len, 5);
    assert_memory_equal(er.text, "x a=b", 5);

    assert_int_equal(request("SUGGEST cit", &er, msg, sizeof msg), 0);
    assert_int_equal(er.limit, ENGINE_SUGGEST_DEFAULT);

    assert_int_equal(request("SEARCH limit=101 x", &er, msg, sizeof msg), -1);
    assert_string_equal(msg, "option limit takes a whole number from 1 to 100");
    assert_int_equal(request("SUGGEST limit=x y", &er, msg, sizeof msg), -1);
    assert_string_equal(msg, "option limit takes a whole number from 1 to 50");
    /* filter options go into the request's filter, percent-decoded */
    assert_int_equal(request("SEARCH lang=French section=Local%20News "
                             "tag=UCLG,b after=2024-02-29 sort=DATE "
                             "facets=lang,tag x",
                             &er, msg, sizeof msg),
                     0);
    assert_string_equal(er.filter.lang, "fr");
    assert_string_equal(er.filter.section, "local news");
    assert_int_equal(er.filter.ntags, 2);
    assert_string_equal(er.filter.tags[0], "uclg");
    assert_string_equal(er.filter.after, "2024-02-29");
    assert_string_equal(er.filter.before, "");
    assert_int_equal(er.filter.sort, FILTER_SORT_DATE);
    assert_int_equal(er.filter.facets, FILTER_FACET_LANG | FILTER_FACET_TAG);
    assert_int_equal(er.limit, ENGINE_LIMIT_DEFAULT);
    assert_int_equal(request("SEARCH x", &er, msg, sizeof msg), 0);
    assert_true(filter_none(&er.filter));
    assert_int_equal(request("SEARCH lang=xx x", &er, msg, sizeof msg), -1);
    assert_string_equal(msg, "option lang takes a language code or name (fr, "
                             "en, es, french...)");
    assert_int_equal(
        request("SEARCH before=2023-02-29 x", &er, msg, sizeof msg), -1);
    assert_string_equal(msg, "option before takes a date YYYY-MM-DD");
    assert_int_equal(request("SEARCH tag=a%2C%2Cb x", &er, msg, sizeof msg),
                     -1);
    assert_string_equal(msg, "option tag takes a comma list of 1 to 8 tags");
    assert_int_equal(request("SEARCH section=%zz x", &er, msg, sizeof msg), -1);
    assert_string_equal(
        msg, "option section: bad %-escape or not UTF-8 once decoded");
    assert_int_equal(request("SUGGEST lang=en gov", &er, msg, sizeof msg), 0);
    assert_string_equal(er.filter.lang, "en");
    assert_int_equal(request("SUGGEST lang=x gov", &er, msg, sizeof msg), -1);

    /* DOC has no options: "a=b" is its argument */
    const char *line = "DOC a=b";
    assert_int_equal(proto_parse(line, strlen(line), &req), PROTO_OK);
    assert_int_equal(req.nopts, 0);
    assert_int_equal(req.arg_len, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_answer_and_cache_cut),
        cmocka_unit_test(test_search_metadata_and_facets),
        cmocka_unit_test(test_other_answers),
        cmocka_unit_test(test_errors_and_too_large),
        cmocka_unit_test(test_verb_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
