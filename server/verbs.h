/* verbs: the one table of the line protocol's verbs. For each: its name,
 * usage and help text (HELP is built from them), its options with their
 * bounds (the parser allows only these keys; option errors name the
 * bounds), whether it is answered before AUTH, and whether it runs on the
 * event loop or on a worker with the index (and which engine operation).
 * Static data: nothing to free. */
#ifndef CGLU_SERVER_VERBS_H
#define CGLU_SERVER_VERBS_H

#include <stddef.h>
#include <stdint.h>

#include "search/engine.h"
#include "server/proto.h"

typedef struct verb_opt {
    const char *name; /* lower case; matched case-insensitively */
    uint32_t def, min, max;
    size_t field; /* offsetof() its uint32_t in engine_request */
    /* 1: not a number but a filter option (search/filter: lang, section,
     * tag, after, before, sort, facets), read by filter_set into
     * engine_request.filter; def, min, max and field unused. On the line
     * protocol its value is percent-decoded first (tag=local%20governments:
     * a value is one word there). */
    int filter;
} verb_opt;

typedef struct verb_def {
    const char *name; /* upper case, as proto_verb_name() returns it */
    proto_verb verb;
    const char *usage, *help;
    int open;      /* answered before AUTH */
    int on_worker; /* needs the index: runs on a worker thread, as op */
    engine_op op;
    int cacheable;        /* its answers may go to the answer cache */
    const verb_opt *opts; /* NULL: the rest of the line is the argument */
    size_t nopts;
} verb_def;

/* The verb named name[0..len) (ASCII case ignored), or NULL. */
const verb_def *verbs_find(const char *name, size_t len);

/* The entry of v, or NULL for PROTO_V_EMPTY and PROTO_V_UNKNOWN. */
const verb_def *verbs_of(proto_verb v);

/* Every verb, in HELP order: *n gets how many. */
const verb_def *verbs_all(size_t *n);

/* The engine request of req (a verb with d->on_worker), every option read
 * within its bounds. Returns 0, or -1 with msg set to the bad_request
 * message naming the option and its bounds. out points into req's line. */
int verbs_request(const verb_def *d, const proto_request *req,
                  engine_request *out, char *msg, size_t msglen);

/* The same rules for a front end that has its options one by one (HTTP's
 * query parameters). */
/* The option of d named name[0..len) (ASCII case ignored), or NULL. */
const verb_opt *verbs_opt_find(const verb_def *d, const char *name, size_t len);
/* *out: d's operation, no text, every option at its default. */
void verbs_defaults(const verb_def *d, engine_request *out);
/* Set o's field of *out from val[0..len): 0, or -1 with msg set to the
 * line protocol's message for a bad value of o. */
int verbs_opt_set(const verb_opt *o, const char *val, size_t len,
                  engine_request *out, char *msg, size_t msglen);
/* The bad_request message of a bad value of o. */
void verbs_opt_error(const verb_opt *o, char *msg, size_t msglen);

#endif
