/* verbs: the protocol's verb table (see verbs.h). */
#include "server/verbs.h"

#include <stdio.h>
#include <string.h>

#include "server/qstr.h"

#define FILTER_OPT(name)                                                       \
    {                                                                          \
        name, 0, 0, 0, 0, 1                                                    \
    }

static const verb_opt search_opts[] = {
    {"limit", ENGINE_LIMIT_DEFAULT, 1, ENGINE_LIMIT_MAX,
     offsetof(engine_request, limit), 0},
    {"offset", 0, 0, ENGINE_OFFSET_MAX, offsetof(engine_request, offset), 0},
    {"snippet", ENGINE_SNIPPET_DEFAULT, 0, ENGINE_SNIPPET_MAX,
     offsetof(engine_request, snippet), 0},
    FILTER_OPT("lang"),
    FILTER_OPT("section"),
    FILTER_OPT("tag"),
    FILTER_OPT("after"),
    FILTER_OPT("before"),
    FILTER_OPT("sort"),
    FILTER_OPT("facets"),
};

static const verb_opt suggest_opts[] = {
    {"limit", ENGINE_SUGGEST_DEFAULT, 1, ENGINE_SUGGEST_MAX,
     offsetof(engine_request, limit), 0},
    FILTER_OPT("lang"),
};

#define OPTS(a) (a), sizeof(a) / sizeof((a)[0])

static const verb_def verbs[] = {
    {"SEARCH", PROTO_V_SEARCH,
     "SEARCH [limit=N] [offset=N] [snippet=N] [lang=L] [section=S] "
     "[tag=T,...] [after=YYYY-MM-DD] [before=YYYY-MM-DD] "
     "[sort=relevance|date] [facets=lang,section,tag] [--] QUERY",
     "ranked documents matching QUERY", 0, 1, ENGINE_SEARCH, 1,
     OPTS(search_opts)},
    {"SUGGEST", PROTO_V_SUGGEST, "SUGGEST [limit=N] [lang=L] PREFIX",
     "completions of PREFIX", 0, 1, ENGINE_SUGGEST, 0, OPTS(suggest_opts)},
    {"DOC", PROTO_V_DOC, "DOC ID", "one document, with its text", 0, 1,
     ENGINE_DOC, 0, NULL, 0},
    {"STATS", PROTO_V_STATS, "STATS", "index and server figures", 0, 1,
     ENGINE_STATS, 0, NULL, 0},
    {"PING", PROTO_V_PING, "PING", "liveness check", 1, 0, ENGINE_SEARCH, 0,
     NULL, 0},
    {"HELP", PROTO_V_HELP, "HELP", "this list", 0, 0, ENGINE_SEARCH, 0, NULL,
     0},
    {"QUIT", PROTO_V_QUIT, "QUIT", "close the connection", 1, 0, ENGINE_SEARCH,
     0, NULL, 0},
    {"AUTH", PROTO_V_AUTH, "AUTH PASSWORD",
     "authenticate when the server asks for it", 1, 0, ENGINE_SEARCH, 0, NULL,
     0},
};

#define NVERBS (sizeof verbs / sizeof verbs[0])

const verb_def *verbs_find(const char *name, size_t len)
{
    for (size_t i = 0; i < NVERBS; i++)
        if (proto_eq_nocase(name, len, verbs[i].name))
            return &verbs[i];
    return NULL;
}

const verb_def *verbs_of(proto_verb v)
{
    for (size_t i = 0; i < NVERBS; i++)
        if (verbs[i].verb == v)
            return &verbs[i];
    return NULL;
}

const verb_def *verbs_all(size_t *n)
{
    *n = NVERBS;
    return verbs;
}

/* The filter option o of the line, when given: percent-decoded (a value
 * is one word on the line), then read by filter_set. 0, or -1 with msg. */
static int filter_opt(const verb_opt *o, const proto_request *req,
                      engine_request *out, char *msg, size_t msglen)
{
    char val[PROTO_MAX_LINE];
    size_t vlen;
    for (size_t k = 0; k < req->nopts; k++) {
        const proto_opt *p = &req->opts[k];
        if (!proto_eq_nocase(p->key, p->key_len, o->name))
            continue;
        if (qstr_decode(p->val, p->val_len, 0, val, sizeof val, &vlen) !=
            QSTR_OK) {
            snprintf(msg, msglen,
                     "option %s: bad %%-escape or not UTF-8 once decoded",
                     o->name);
            return -1;
        }
        return verbs_opt_set(o, val, vlen, out, msg, msglen);
    }
    return 0;
}

int verbs_request(const verb_def *d, const proto_request *req,
                  engine_request *out, char *msg, size_t msglen)
{
    /* Every number a verb takes is one of its options, whose default the
     * loop below fills in (no call into the engine: the parser's fuzzer
     * links this table alone). */
    *out = (engine_request){
        .op = d->op, .text = req->arg, .text_len = req->arg_len};
    for (size_t i = 0; i < d->nopts; i++) {
        const verb_opt *o = &d->opts[i];
        uint64_t v;
        if (o->filter) {
            if (filter_opt(o, req, out, msg, msglen) != 0)
                return -1;
            continue;
        }
        if (proto_opt_uint(req, o->name, o->def, o->min, o->max, &v) !=
            PROTO_OK) {
            verbs_opt_error(o, msg, msglen);
            return -1;
        }
        uint32_t v32 = (uint32_t)v;
        memcpy((char *)out + o->field, &v32, sizeof v32);
    }
    return 0;
}

void verbs_opt_error(const verb_opt *o, char *msg, size_t msglen)
{
    snprintf(msg, msglen, "option %s takes a whole number from %u to %u",
             o->name, (unsigned)o->min, (unsigned)o->max);
}

const verb_opt *verbs_opt_find(const verb_def *d, const char *name, size_t len)
{
    for (size_t i = 0; i < d->nopts; i++)
        if (proto_eq_nocase(name, len, d->opts[i].name))
            return &d->opts[i];
    return NULL;
}

void verbs_defaults(const verb_def *d, engine_request *out)
{
    *out = (engine_request){.op = d->op};
    for (size_t i = 0; i < d->nopts; i++)
        if (!d->opts[i].filter)
            memcpy((char *)out + d->opts[i].field, &d->opts[i].def,
                   sizeof d->opts[i].def);
}

int verbs_opt_set(const verb_opt *o, const char *val, size_t len,
                  engine_request *out, char *msg, size_t msglen)
{
    uint64_t v;

    if (o->filter)
        return filter_set(&out->filter, o->name, strlen(o->name), val, len, msg,
                          msglen) == FILTER_OK
                   ? 0
                   : -1;
    if (proto_uint(val, len, o->min, o->max, &v) != PROTO_OK) {
        verbs_opt_error(o, msg, msglen);
        return -1;
    }
    uint32_t v32 = (uint32_t)v;
    memcpy((char *)out + o->field, &v32, sizeof v32);
    return 0;
}
