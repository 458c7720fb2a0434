/* test_metrics: the counters (by endpoint and status, unknown statuses
 * aside, histogram bucket edges) and the /metrics body, read back by a
 * Prometheus text-format (0.0.4) checker written here: HELP and TYPE
 * before each family's samples, label syntax, no duplicate series,
 * histogram buckets ascending and cumulative up to +Inf = count. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "search/engine.h"
#include "server/metrics.h"

/* ---- A Prometheus text checker ---- */

#define MAX_FAM 64
#define MAX_SERIES 512
#define NAME_MAX_LEN 128

typedef struct family {
    char name[NAME_MAX_LEN];
    char type[16]; /* "" until # TYPE */
    int help;
    int samples;
    int closed; /* another family's line came after its samples */
} family;

typedef struct series {
    char key[256]; /* name{labels} as written */
    double value;
} series;

typedef struct expo {
    family fam[MAX_FAM];
    int nfam;
    series ser[MAX_SERIES];
    int nser;
    int cur; /* family of the previous line, or -1 */
} expo;

static int name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == ':';
}

static int name_char(char c)
{
    return name_start(c) || (c >= '0' && c <= '9');
}

/* Length of the metric name at s, 0 if none. */
static size_t metric_name(const char *s)
{
    size_t i = 0;

    if (!name_start(s[0]))
        return 0;
    while (name_char(s[i]))
        i++;
    return i;
}

static int find_family(const expo *e, const char *name, size_t n)
{
    for (int i = 0; i < e->nfam; i++)
        if (strlen(e->fam[i].name) == n && memcmp(e->fam[i].name, name, n) == 0)
            return i;
    return -1;
}

/* The family a sample line of metric name[0..n) belongs to: itself, or
 * the histogram it is the _bucket, _sum or _count of. */
static int sample_family(const expo *e, const char *name, size_t n)
{
    static const char *const suffixes[] = {"_bucket", "_sum", "_count"};
    int f = find_family(e, name, n);

    if (f >= 0)
        return f;
    for (size_t k = 0; k < 3; k++) {
        size_t sl = strlen(suffixes[k]);
        if (n > sl && memcmp(name + n - sl, suffixes[k], sl) == 0) {
            f = find_family(e, name, n - sl);
            if (f >= 0 && strcmp(e->fam[f].type, "histogram") == 0)
                return f;
        }
    }
    return -1;
}

/* Switch to family f: the previous one is closed for good. */
static void enter(expo *e, int f, const char *line)
{
    if (e->cur != f && e->cur >= 0)
        e->fam[e->cur].closed = 1;
    if (e->fam[f].closed)
        fail_msg("family %s is split: %s", e->fam[f].name, line);
    e->cur = f;
}

static void parse_comment(expo *e, const char *line)
{
    int help = strncmp(line, "# HELP ", 7) == 0;
    int type = strncmp(line, "# TYPE ", 7) == 0;
    const char *p = line + 7;
    size_t n;

    if (!help && !type)
        fail_msg("unexpected comment line: %s", line);
    n = metric_name(p);
    if (n == 0 || n >= NAME_MAX_LEN || p[n] != ' ')
        fail_msg("bad metric name: %s", line);
    int f = find_family(e, p, n);
    if (f < 0) {
        assert_true(e->nfam < MAX_FAM);
        f = e->nfam++;
        memcpy(e->fam[f].name, p, n);
        e->fam[f].name[n] = '\0';
    }
    enter(e, f, line);
    family *fm = &e->fam[f];
    if (fm->samples > 0)
        fail_msg("%s after the samples of its family", line);
    p += n + 1;
    if (help) {
        if (fm->help)
            fail_msg("second HELP: %s", line);
        fm->help = 1;
        if (*p == '\0')
            fail_msg("empty HELP: %s", line);
        for (; *p; p++) /* only \\ and \n escapes in HELP */
            if (*p == '\\' && p[1] != '\\' && p[1] != 'n')
                fail_msg("bad escape in HELP: %s", line);
        return;
    }
    if (fm->type[0] != '\0')
        fail_msg("second TYPE: %s", line);
    if (strcmp(p, "counter") != 0 && strcmp(p, "gauge") != 0 &&
        strcmp(p, "histogram") != 0 && strcmp(p, "summary") != 0 &&
        strcmp(p, "untyped") != 0)
        fail_msg("bad TYPE: %s", line);
    snprintf(fm->type, sizeof fm->type, "%s", p);
}

/* Labels at *pp ("{a=\"x\",b=\"y\"}"): checked, *pp moved past them; le
 * receives the value of an "le" label (or stays unset). */
static void parse_labels(const char **pp, const char *line, char *le,
                         size_t le_cap)
{
    const char *p = *pp + 1;
    char names[8][NAME_MAX_LEN];
    int nnames = 0;

    for (;;) {
        size_t n = 0;
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              *p == '_'))
            fail_msg("bad label name: %s", line);
        while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
               (p[n] >= '0' && p[n] <= '9') || p[n] == '_')
            n++;
        if (n >= 2 && p[0] == '_' && p[1] == '_')
            fail_msg("reserved label name: %s", line);
        assert_true(n < NAME_MAX_LEN && nnames < 8);
        for (int k = 0; k < nnames; k++)
            if (strlen(names[k]) == n && memcmp(names[k], p, n) == 0)
                fail_msg("label given twice: %s", line);
        memcpy(names[nnames], p, n);
        names[nnames][n] = '\0';
        nnames++;
        int is_le = n == 2 && memcmp(p, "le", 2) == 0;
        p += n;
        if (p[0] != '=' || p[1] != '"')
            fail_msg("label without =\"value\": %s", line);
        p += 2;
        size_t vl = 0;
        char val[128];
        while (*p != '"') {
            if (*p == '\0')
                fail_msg("unterminated label value: %s", line);
            if (*p == '\\') {
                if (p[1] != '\\' && p[1] != '"' && p[1] != 'n')
                    fail_msg("bad escape in a label value: %s", line);
                p++;
            }
            if (vl + 1 < sizeof val)
                val[vl++] = *p;
            p++;
        }
        val[vl] = '\0';
        if (is_le)
            snprintf(le, le_cap, "%s", val);
        p++;
        if (*p == '}')
            break;
        if (*p != ',')
            fail_msg("labels not separated by a comma: %s", line);
        p++;
    }
    *pp = p + 1;
}

static double parse_value(const char *s, const char *line)
{
    char *end;
    double v;

    if (strcmp(s, "+Inf") == 0)
        return INFINITY;
    if (strcmp(s, "-Inf") == 0)
        return -INFINITY;
    if (strcmp(s, "NaN") == 0)
        return NAN;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || isinf(v) || isnan(v))
        fail_msg("bad sample value: %s", line);
    return v;
}

static void parse_sample(expo *e, const char *line)
{
    const char *p = line;
    char le[128] = "";
    size_t n = metric_name(p);

    if (n == 0)
        fail_msg("bad sample line: %s", line);
    int f = sample_family(e, p, n);
    if (f < 0)
        fail_msg("sample of a family without HELP/TYPE: %s", line);
    family *fm = &e->fam[f];
    if (!fm->help || fm->type[0] == '\0')
        fail_msg("sample before its HELP and TYPE: %s", line);
    enter(e, f, line);
    fm->samples++;
    p += n;
    if (*p == '{')
        parse_labels(&p, line, le, sizeof le);
    if (*p != ' ')
        fail_msg("no space before the value: %s", line);
    p++;
    if (strchr(p, ' ') != NULL)
        fail_msg("a timestamp or trailing text: %s", line);
    double v = parse_value(p, line);
    /* the series: everything before the value */
    size_t kl = (size_t)(p - 1 - line);
    assert_true(kl < sizeof e->ser[0].key && e->nser < MAX_SERIES);
    for (int k = 0; k < e->nser; k++)
        if (strlen(e->ser[k].key) == kl && memcmp(e->ser[k].key, line, kl) == 0)
            fail_msg("duplicate series: %s", line);
    memcpy(e->ser[e->nser].key, line, kl);
    e->ser[e->nser].key[kl] = '\0';
    e->ser[e->nser].value = v;
    e->nser++;
    if (strcmp(fm->type, "counter") == 0 && !(v >= 0))
        fail_msg("negative counter: %s", line);
    if (strcmp(fm->type, "histogram") == 0 && n > 7 &&
        memcmp(line + n - 7, "_bucket", 7) == 0 && le[0] == '\0')
        fail_msg("bucket without le: %s", line);
}

/* Check text[0..len) as an exposition; e receives what it holds. */
static void parse_expo(expo *e, const char *text, size_t len)
{
    char line[1024];
    size_t at = 0;

    memset(e, 0, sizeof *e);
    e->cur = -1;
    assert_true(len > 0);
    assert_int_equal(text[len - 1], '\n');
    assert_null(memchr(text, '\0', len));
    while (at < len) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t ll = (size_t)(nl - (text + at));
        assert_true(ll < sizeof line);
        memcpy(line, text + at, ll);
        line[ll] = '\0';
        at += ll + 1;
        if (ll == 0)
            fail_msg("empty line at byte %zu", at - 1);
        if (line[0] == '#')
            parse_comment(e, line);
        else
            parse_sample(e, line);
    }
    for (int f = 0; f < e->nfam; f++) {
        if (!e->fam[f].help || e->fam[f].type[0] == '\0')
            fail_msg("family %s lacks HELP or TYPE", e->fam[f].name);
    }
}

/* The value of series key ("name" or "name{labels}"); fails when absent. */
static double value_of(const expo *e, const char *key)
{
    for (int k = 0; k < e->nser; k++)
        if (strcmp(e->ser[k].key, key) == 0)
            return e->ser[k].value;
    fail_msg("no series %s", key);
    return 0;
}

static int has_series(const expo *e, const char *key)
{
    for (int k = 0; k < e->nser; k++)
        if (strcmp(e->ser[k].key, key) == 0)
            return 1;
    return 0;
}

static const family *family_of(const expo *e, const char *name)
{
    int f = find_family(e, name, strlen(name));

    return f >= 0 ? &e->fam[f] : NULL;
}

/* The histogram `name`: buckets in order, bounds ascending and ending in
 * +Inf, counts cumulative, +Inf == _count. Returns the bucket count and
 * their bounds and counts into le[], cnt[]. */
static int check_histogram(const expo *e, const char *name, double *le,
                           double *cnt, int cap)
{
    char pre[160];
    int nb = 0;
    size_t pl;

    snprintf(pre, sizeof pre, "%s_bucket{le=\"", name);
    pl = strlen(pre);
    for (int k = 0; k < e->nser; k++) {
        const char *key = e->ser[k].key;
        if (strncmp(key, pre, pl) != 0)
            continue;
        char b[64];
        size_t bl = strlen(key + pl);
        assert_true(bl >= 2 && bl < sizeof b);
        assert_string_equal(key + pl + bl - 2, "\"}");
        memcpy(b, key + pl, bl - 2);
        b[bl - 2] = '\0';
        assert_true(nb < cap);
        le[nb] = parse_value(b, key);
        cnt[nb] = e->ser[k].value;
        if (nb > 0) {
            if (!(le[nb] > le[nb - 1]))
                fail_msg("%s: bucket bounds not ascending at %s", name, key);
            if (cnt[nb] < cnt[nb - 1])
                fail_msg("%s: bucket counts decrease at %s", name, key);
        }
        nb++;
    }
    assert_true(nb >= 1);
    assert_true(isinf(le[nb - 1]) && le[nb - 1] > 0);
    snprintf(pre, sizeof pre, "%s_count", name);
    assert_true(cnt[nb - 1] == value_of(e, pre));
    snprintf(pre, sizeof pre, "%s_sum", name);
    (void)value_of(e, pre);
    return nb;
}

/* ---- metrics_http ---- */

static int code_index(int status)
{
    for (int i = 0; i < METRICS_NCODES; i++)
        if (metrics_codes[i] == status)
            return i;
    return -1;
}

static void test_codes_table(void **state)
{
    /* every status docs/HTTP.md names */
    static const int documented[] = {200, 204, 304, 400, 401, 404, 405,
                                     413, 414, 431, 500, 503, 505};

    (void)state;
    for (int i = 1; i < METRICS_NCODES; i++)
        assert_true(metrics_codes[i] > metrics_codes[i - 1]);
    for (size_t i = 0; i < sizeof documented / sizeof documented[0]; i++)
        if (code_index(documented[i]) < 0)
            fail_msg("status %d is not in metrics_codes", documented[i]);
    for (int ep = 0; ep < HTTP_EP_KINDS; ep++) {
        const char *n = metrics_endpoint_name((http_endpoint)ep);
        assert_non_null(n);
        assert_true(n[0] != '\0');
        for (int k = 0; k < ep; k++)
            assert_string_not_equal(n, metrics_endpoint_name((http_endpoint)k));
    }
    assert_string_equal(metrics_endpoint_name(HTTP_EP_SEARCH), "search");
    assert_string_equal(metrics_endpoint_name(HTTP_EP_PAGE), "page");
    assert_string_equal(metrics_endpoint_name(HTTP_EP_KINDS), "other");
    assert_string_equal(metrics_endpoint_name((http_endpoint)-1), "other");
}

static void test_http_counts(void **state)
{
    metrics m;

    (void)state;
    memset(&m, 0, sizeof m);
    for (int i = 0; i < 3; i++)
        metrics_http(&m, HTTP_EP_SEARCH, 200);
    metrics_http(&m, HTTP_EP_SEARCH, 304);
    metrics_http(&m, HTTP_EP_DOC, 404);
    metrics_http(&m, HTTP_EP_OTHER, 400);
    metrics_http(&m, HTTP_EP_METRICS, 505);
    metrics_http(&m, HTTP_EP_KINDS, 404);       /* out of range */
    metrics_http(&m, (http_endpoint)(-1), 404); /* out of range */
    metrics_http(&m, (http_endpoint)1000, 200); /* out of range */
    metrics_http(&m, HTTP_EP_SEARCH, 418);      /* unknown status */
    metrics_http(&m, HTTP_EP_SEARCH, 0);
    metrics_http(&m, HTTP_EP_SEARCH, -200);
    metrics_http(&m, HTTP_EP_SEARCH, 2000);

    assert_int_equal(m.http[HTTP_EP_SEARCH][code_index(200)], 3);
    assert_int_equal(m.http[HTTP_EP_SEARCH][code_index(304)], 1);
    assert_int_equal(m.http[HTTP_EP_DOC][code_index(404)], 1);
    assert_int_equal(m.http[HTTP_EP_OTHER][code_index(400)], 1);
    assert_int_equal(m.http[HTTP_EP_METRICS][code_index(505)], 1);
    assert_int_equal(m.http[HTTP_EP_OTHER][code_index(404)], 2);
    assert_int_equal(m.http[HTTP_EP_OTHER][code_index(200)], 1);
    assert_int_equal(m.http_other_code, 4);
    /* nothing else was counted */
    uint64_t total = 0;
    for (int e = 0; e < HTTP_EP_KINDS; e++)
        for (int i = 0; i < METRICS_NCODES; i++)
            total += m.http[e][i];
    assert_int_equal(total, 10);
    assert_int_equal(m.count, 0);
    assert_int_equal(m.line, 0);
}

/* ---- metrics_observe ---- */

static char *render(const metrics *m, const render_figures *f, size_t *len)
{
    buf_t b;

    buf_init(&b, 1 << 20);
    assert_int_equal(metrics_render(m, f, &b), BUF_OK);
    assert_int_equal(b.failed, 0);
    return buf_detach(&b, len);
}

/* The histogram's bounds, read from what an empty metrics renders. */
static int read_bounds(double *le, int cap)
{
    metrics m;
    render_figures f;
    double cnt[METRICS_NBUCKETS + 1] = {0};
    size_t len;
    expo *e = malloc(sizeof *e);

    assert_non_null(e);
    memset(&m, 0, sizeof m);
    memset(&f, 0, sizeof f);
    char *text = render(&m, &f, &len);
    parse_expo(e, text, len);
    int nb = check_histogram(e, "cglu_request_duration_seconds", le, cnt, cap);
    for (int i = 0; i < nb; i++)
        assert_true(cnt[i] == 0);
    free(text);
    free(e);
    return nb;
}

static void test_observe_edges(void **state)
{
    double le[METRICS_NBUCKETS + 1] = {0};
    metrics m;
    double sum = 0;
    uint64_t want[METRICS_NBUCKETS + 1] = {0};

    (void)state;
    assert_int_equal(read_bounds(le, METRICS_NBUCKETS + 1),
                     METRICS_NBUCKETS + 1);
    memset(&m, 0, sizeof m);
    /* a bucket holds what is <= its bound: the bound itself, and the next
     * double above it is in the next bucket */
    for (int i = 0; i < METRICS_NBUCKETS; i++) {
        metrics_observe(&m, le[i]);
        want[i]++;
        sum += le[i];
        double above = nextafter(le[i], INFINITY);
        metrics_observe(&m, above);
        want[i + 1]++;
        sum += above;
        double below = nextafter(le[i], 0);
        metrics_observe(&m, below);
        want[i]++;
        sum += below;
    }
    metrics_observe(&m, 0);
    want[0]++;
    metrics_observe(&m, 1e9);
    want[METRICS_NBUCKETS]++;
    sum += 1e9;
    for (int i = 0; i <= METRICS_NBUCKETS; i++)
        if (m.bucket[i] != want[i])
            fail_msg("bucket %d (le %g): %llu, want %llu", i, le[i],
                     (unsigned long long)m.bucket[i],
                     (unsigned long long)want[i]);
    assert_int_equal(m.count, 3 * METRICS_NBUCKETS + 2);
    assert_true(fabs(m.sum_s - sum) <= 1e-9 * sum);

    /* rendered: cumulative, +Inf == count */
    render_figures f;
    size_t len;
    double le2[METRICS_NBUCKETS + 1] = {0}, cnt[METRICS_NBUCKETS + 1] = {0};
    expo *e = malloc(sizeof *e);
    assert_non_null(e);
    memset(&f, 0, sizeof f);
    char *text = render(&m, &f, &len);
    parse_expo(e, text, len);
    int nb = check_histogram(e, "cglu_request_duration_seconds", le2, cnt,
                             METRICS_NBUCKETS + 1);
    assert_int_equal(nb, METRICS_NBUCKETS + 1);
    uint64_t cum = 0;
    for (int i = 0; i < nb; i++) {
        cum += want[i];
        assert_true(cnt[i] == (double)cum);
    }
    assert_true(value_of(e, "cglu_request_duration_seconds_count") ==
                (double)m.count);
    assert_true(fabs(value_of(e, "cglu_request_duration_seconds_sum") - sum) <
                1e-3);
    free(text);
    free(e);
}

/* ---- metrics_render ---- */

static void test_render(void **state)
{
    metrics m;
    render_figures f;
    size_t len;
    expo *e = malloc(sizeof *e);

    (void)state;
    assert_non_null(e);
    memset(&m, 0, sizeof m);
    memset(&f, 0, sizeof f);
    for (int ep = 0; ep < HTTP_EP_KINDS; ep++)
        for (int i = 0; i < METRICS_NCODES; i++)
            for (int k = 0; k <= (ep + i) % 3; k++)
                metrics_http(&m, (http_endpoint)ep, metrics_codes[i]);
    metrics_http(&m, HTTP_EP_SEARCH, 418);
    m.line = 42;
    m.ran_loop = 7;
    m.ran_worker = 8;
    metrics_observe(&m, 0.0003);
    metrics_observe(&m, 0.002);
    metrics_observe(&m, 7);
    f.uptime_s = 12.5;
    f.conn_open = 5;
    f.conn_total = 99;
    f.requests = 1000;
    f.errors = 17;
    f.output_blocked = 4096;
    f.cache_on = 1;
    f.cache_entries = 3;
    f.cache_bytes = 3000;
    f.cache_max_bytes = 1 << 20;
    f.cache_hits = 10;
    f.cache_misses = 20;
    f.cache_evictions = 2;

    char *text = render(&m, &f, &len);
    parse_expo(e, text, len);

    /* every endpoint x status counted above, with its count */
    for (int ep = 0; ep < HTTP_EP_KINDS; ep++)
        for (int i = 0; i < METRICS_NCODES; i++) {
            char key[128];
            snprintf(key, sizeof key,
                     "cglu_http_requests_total{endpoint=\"%s\",code=\"%d\"}",
                     metrics_endpoint_name((http_endpoint)ep),
                     metrics_codes[i]);
            assert_true(value_of(e, key) == (double)((ep + i) % 3 + 1));
        }
    assert_string_equal(family_of(e, "cglu_http_requests_total")->type,
                        "counter");
    assert_string_equal(family_of(e, "cglu_request_duration_seconds")->type,
                        "histogram");
    assert_true(value_of(e, "cglu_line_requests_total") == 42);
    assert_true(value_of(e, "cglu_engine_runs_total{thread=\"loop\"}") == 7);
    assert_true(value_of(e, "cglu_engine_runs_total{thread=\"worker\"}") == 8);
    assert_string_equal(family_of(e, "cglu_engine_runs_total")->type,
                        "counter");
    assert_true(value_of(e, "cglu_errors_total") == 17);
    assert_true(value_of(e, "cglu_connections_open") == 5);
    assert_true(value_of(e, "cglu_connections_total") == 99);
    assert_true(value_of(e, "cglu_output_blocked_bytes") == 4096);
    assert_true(value_of(e, "cglu_uptime_seconds") == 12.5);
    assert_true(value_of(e, "cglu_cache_hits_total") == 10);
    assert_true(value_of(e, "cglu_cache_misses_total") == 20);
    assert_true(value_of(e, "cglu_cache_evictions_total") == 2);
    assert_true(value_of(e, "cglu_cache_entries") == 3);
    assert_true(value_of(e, "cglu_cache_bytes") == 3000);
    assert_true(value_of(e, "cglu_request_duration_seconds_count") == 3);
    double le[METRICS_NBUCKETS + 1] = {0}, cnt[METRICS_NBUCKETS + 1] = {0};
    check_histogram(e, "cglu_request_duration_seconds", le, cnt,
                    METRICS_NBUCKETS + 1);
    for (int ff = 0; ff < e->nfam; ff++) {
        const family *fm = &e->fam[ff];
        /* counters are named _total (Prometheus' convention) */
        if (strcmp(fm->type, "counter") == 0) {
            size_t nl = strlen(fm->name);
            assert_true(nl > 6 && strcmp(fm->name + nl - 6, "_total") == 0);
        }
        assert_int_equal(strncmp(fm->name, "cglu_", 5), 0);
    }
    free(text);

    /* without the cache: no cache figures; no HTTP request yet: the family
     * is still declared, without samples */
    memset(&m, 0, sizeof m);
    f.cache_on = 0;
    text = render(&m, &f, &len);
    parse_expo(e, text, len);
    assert_null(family_of(e, "cglu_cache_hits_total"));
    assert_false(has_series(e, "cglu_cache_bytes"));
    assert_non_null(family_of(e, "cglu_http_requests_total"));
    assert_int_equal(family_of(e, "cglu_http_requests_total")->samples, 0);
    free(text);
    free(e);
}

/* The /metrics body is the index part then the counters (server/http.c):
 * together they are one exposition. */
static void test_render_index(void **state)
{
    engine_result *r = malloc(sizeof *r);
    expo *e = malloc(sizeof *e);
    metrics m;
    render_figures f;
    buf_t b;

    (void)state;
    assert_non_null(r);
    assert_non_null(e);
    memset(&m, 0, sizeof m);
    memset(&f, 0, sizeof f);
    f.cache_on = 1;
    metrics_http(&m, HTTP_EP_HEALTH, 503);

    /* ok, with an age */
    engine_result_init(r, 1 << 16);
    r->op = ENGINE_STATS;
    r->ok = 1;
    r->documents = 1234;
    r->terms = 99999;
    r->revision = 17;
    r->index_age_s = 3600;
    buf_init(&b, 1 << 20);
    assert_int_equal(metrics_render_index(r, &b), BUF_OK);
    assert_int_equal(metrics_render(&m, &f, &b), BUF_OK);
    parse_expo(e, b.data, b.len);
    assert_true(value_of(e, "cglu_index_up") == 1);
    assert_true(value_of(e, "cglu_index_documents") == 1234);
    assert_true(value_of(e, "cglu_index_revision") == 17);
    assert_true(value_of(e, "cglu_index_age_seconds") == 3600);
    assert_string_equal(family_of(e, "cglu_index_up")->type, "gauge");
    assert_true(value_of(e, "cglu_http_requests_total{endpoint=\"health\","
                            "code=\"503\"}") == 1);

    /* ok, build time unknown: no age */
    buf_reset(&b);
    r->index_age_s = -1;
    r->revision = UINT64_MAX;
    assert_int_equal(metrics_render_index(r, &b), BUF_OK);
    parse_expo(e, b.data, b.len);
    assert_null(family_of(e, "cglu_index_age_seconds"));
    assert_true(has_series(e, "cglu_index_revision"));
    assert_non_null(
        strstr(b.data, "cglu_index_revision 18446744073709551615\n"));

    /* failed: up 0, and nothing of an index it could not read */
    buf_reset(&b);
    r->ok = 0;
    r->error = JSON_ERR_INTERNAL;
    snprintf(r->message, sizeof r->message, "cannot open index");
    r->index_age_s = 5;
    assert_int_equal(metrics_render_index(r, &b), BUF_OK);
    assert_int_equal(metrics_render(&m, &f, &b), BUF_OK);
    parse_expo(e, b.data, b.len);
    assert_true(value_of(e, "cglu_index_up") == 0);
    assert_null(family_of(e, "cglu_index_documents"));
    assert_null(family_of(e, "cglu_index_revision"));
    assert_null(family_of(e, "cglu_index_age_seconds"));

    buf_free(&b);
    engine_result_free(r);
    free(r);
    free(e);
}

/* A buffer too small: the failure is reported, never a silent cut. */
static void test_render_limit(void **state)
{
    metrics m;
    render_figures f;
    engine_result *r = malloc(sizeof *r);
    buf_t b;
    size_t full;

    (void)state;
    assert_non_null(r);
    memset(&m, 0, sizeof m);
    memset(&f, 0, sizeof f);
    f.cache_on = 1;
    metrics_http(&m, HTTP_EP_SEARCH, 200);
    buf_init(&b, 1 << 20);
    assert_int_equal(metrics_render(&m, &f, &b), BUF_OK);
    full = b.len;
    buf_free(&b);
    for (size_t max = 0; max < full; max += 1 + max / 3) {
        buf_init(&b, max);
        assert_int_not_equal(metrics_render(&m, &f, &b), BUF_OK);
        assert_true(b.len <= max);
        buf_free(&b);
    }
    buf_init(&b, full);
    assert_int_equal(metrics_render(&m, &f, &b), BUF_OK);
    buf_free(&b);

    engine_result_init(r, 1 << 16);
    r->ok = 1;
    r->documents = 1;
    r->index_age_s = 1;
    buf_init(&b, 20);
    assert_int_not_equal(metrics_render_index(r, &b), BUF_OK);
    buf_free(&b);
    engine_result_free(r);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_table),
        cmocka_unit_test(test_http_counts),
        cmocka_unit_test(test_observe_edges),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_render_index),
        cmocka_unit_test(test_render_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
