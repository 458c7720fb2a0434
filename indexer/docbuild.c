/* docbuild: analysed terms and stored fields of one document. */
#include "indexer/docbuild.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/lang.h"
#include "common/schema.h"
#include "common/textstore.h"
#include "common/titlekey.h"
#include "search/rank.h"
#include "search/snip.h"

/* Gap between title and body positions so a phrase never spans both. */
#define TITLE_BODY_GAP 64
/* Bytes of the data's metadata fields: far more than their limits add up
 * to (a code, a date, a section and tags of SCHEMA_KEY_MAX, a
 * description cut by its source). */
#define DOCBUILD_MAX_TAIL ((size_t)64 * 1024)

/* A word worth suggesting: not a stop word, 3+ bytes, not only digits. */
static int spelling_word(const analyze_token *t)
{
    if (t->stopword || t->exact_len < 3)
        return 0;
    for (size_t i = 0; i < t->exact_len; i++)
        if (t->exact[i] < '0' || t->exact[i] > '9')
            return 1;
    return 0;
}

/* prefix (at most 3 bytes) + s into buf (sized ANALYZE_MAX_WORD * 3 + 8). */
static size_t prefixed(char *buf, const char *prefix, const char *s, size_t n)
{
    size_t p = strlen(prefix);
    memcpy(buf, prefix, p);
    memcpy(buf + p, s, n);
    buf[p + n] = '\0';
    return p + n;
}

/* wdf of a body word at byte offset off of the text: a heading's, the
 * lead's or 1. *k is the first heading not yet passed: offsets only grow
 * along a text, so the walk over the headings is linear. */
static uint32_t body_wdf(const docbuild_input *in, size_t off, size_t *k)
{
    while (*k < in->nheadings && in->headings[*k].end <= off)
        (*k)++;
    if (*k < in->nheadings && in->headings[*k].start <= off)
        return RANK_HEADING_WDF;
    if (off >= in->lead.start && off < in->lead.end)
        return RANK_LEAD_WDF;
    return 1;
}

/* Index one field's tokens: the title when body is NULL (title terms and
 * weight, and its words to key, which may be NULL), else body's text with
 * the weights of its headings and lead, and into checks (uint32_t byte
 * offsets) the offset of every TEXTSTORE_EVERY-th word, for the text
 * store's position table, up to SNIP_MAX_SCAN: snippets look no further. */
static docbuild_status add_field(analyzer *a, xc_doc *doc, const char *text,
                                 size_t len, const docbuild_input *body,
                                 buf_t *words, titlekey *key, buf_t *checks)
{
    char term[ANALYZE_MAX_WORD * 3 + 8];
    /* every word term carries the language (common/schema.h) */
    char zp[SCHEMA_LANG_CODE_LEN + 2], tp[SCHEMA_LANG_CODE_LEN + 2];
    char ep[SCHEMA_LANG_CODE_LEN + 2], fp[SCHEMA_LANG_CODE_LEN + 2];
    analyze_token t;
    int r, title = body == NULL;
    uint32_t wdf = RANK_TITLE_WDF;
    size_t head = 0;

    snprintf(zp, sizeof zp, "%s%s", SCHEMA_P_STEM, analyze_language(a)->code);
    snprintf(tp, sizeof tp, "%s%s", SCHEMA_P_TITLE, analyze_language(a)->code);
    snprintf(ep, sizeof ep, "%s%s", SCHEMA_P_EXACT, analyze_language(a)->code);
    snprintf(fp, sizeof fp, "%s%s", SCHEMA_P_FOLD, analyze_language(a)->code);
    uint32_t first = analyze_position(a);
    analyze_begin(a, text, len, first);
    while ((r = analyze_next(a, &t)) == 1) {
        if (!title)
            wdf = body_wdf(body, t.offset, &head);
        if (checks && (t.position - first) % TEXTSTORE_EVERY == 0 &&
            t.offset < SNIP_MAX_SCAN &&
            checks->len / sizeof(uint32_t) ==
                (t.position - first) / TEXTSTORE_EVERY) {
            uint32_t off = (uint32_t)t.offset;
            if (buf_append(checks, &off, sizeof off) != BUF_OK)
                return DOCBUILD_ERR_NOMEM;
        }
        size_t n = prefixed(term, zp, t.stem, t.stem_len);
        if (xc_doc_add_posting(doc, term, n, t.position, wdf) != XC_OK)
            return DOCBUILD_ERR_XAPIAN;
        /* The stem of the accented form where it differs (schema.h): a
         * query word matches either. */
        if (t.astem_len != t.stem_len ||
            memcmp(t.astem, t.stem, t.stem_len) != 0) {
            n = prefixed(term, zp, t.astem, t.astem_len);
            if (xc_doc_add_posting(doc, term, n, t.position, wdf) != XC_OK)
                return DOCBUILD_ERR_XAPIAN;
        }
        n = prefixed(term, ep, t.exact, t.exact_len);
        if (xc_doc_add_term(doc, term, n, wdf) != XC_OK)
            return DOCBUILD_ERR_XAPIAN;
        /* Folded form only where it differs (accented words): prefix
         * search expands over F and E terms together, which covers every
         * word once and saves a third of the terms. */
        if (t.fold_len != t.exact_len ||
            memcmp(t.fold, t.exact, t.exact_len) != 0) {
            n = prefixed(term, fp, t.fold, t.fold_len);
            term[n++] = SCHEMA_FOLD_SEP; /* + exact form, for completion */
            memcpy(term + n, t.exact, t.exact_len);
            n += t.exact_len;
            term[n] = '\0';
            if (xc_doc_add_term(doc, term, n, wdf) != XC_OK)
                return DOCBUILD_ERR_XAPIAN;
        }
        if (title) {
            if (key)
                titlekey_add(key, t.stem, t.stem_len, t.stopword);
            n = prefixed(term, tp, t.stem, t.stem_len);
            if (xc_doc_add_term(doc, term, n, 1) != XC_OK)
                return DOCBUILD_ERR_XAPIAN;
        }
        if (words && spelling_word(&t) &&
            buf_append(words, t.exact, t.exact_len + 1) != BUF_OK)
            return DOCBUILD_ERR_NOMEM;
    }
    return r < 0 ? DOCBUILD_ERR_NOMEM : DOCBUILD_OK;
}

uint64_t docbuild_spell_sum(const char *lang, const char *title,
                            size_t title_len, const char *text, size_t text_len)
{
    uint64_t h = schema_hash(lang, strlen(lang) + 1); /* its NUL too */
    h = schema_hash_more(h, title, title_len);
    h = schema_hash_more(h, "", 1);
    return schema_hash_more(h, text, text_len);
}

docbuild_status docbuild_spell_words(spell_table *spell, const char *words,
                                     size_t len)
{
    const char *p = words, *end = words + len;
    while (p < end) {
        size_t n = strlen(p); /* words are NUL-terminated, see add_field */
        if (spell_add(spell, p, n, 1) != SPELL_OK)
            return DOCBUILD_ERR_NOMEM;
        p += n + 1;
    }
    return DOCBUILD_OK;
}

docbuild_status docbuild_spell_text(analyzer *a, const char *text, size_t len,
                                    spell_table *spell, int32_t delta)
{
    analyze_token t;
    int r;
    analyze_begin(a, text, len, 1);
    while ((r = analyze_next(a, &t)) == 1)
        if (spelling_word(&t) &&
            spell_add(spell, t.exact, t.exact_len, delta) != SPELL_OK)
            return DOCBUILD_ERR_NOMEM;
    return r < 0 ? DOCBUILD_ERR_NOMEM : DOCBUILD_OK;
}

static docbuild_status set_value(xc_doc *doc, unsigned slot, const char *v)
{
    return xc_doc_set_value(doc, slot, v, strlen(v)) == XC_OK
               ? DOCBUILD_OK
               : DOCBUILD_ERR_XAPIAN;
}

/* A term prefix + key of s (schema_key), unless the key is empty. */
static docbuild_status add_key_term(xc_doc *doc, const char *prefix,
                                    const char *key, size_t kn)
{
    char term[SCHEMA_TERM_MAX + 1];
    if (kn == 0)
        return DOCBUILD_OK;
    size_t n = schema_term(prefix, key, kn, term);
    return xc_doc_add_term(doc, term, n, 0) == XC_OK ? DOCBUILD_OK
                                                     : DOCBUILD_ERR_XAPIAN;
}

/* Language, section, tags, date and description: the boolean terms of
 * the filters (no weight), the values of sorting and facets, and the
 * fields the document's data ends with (schema.h), into tail. */
static docbuild_status add_meta(analyzer *a, xc_doc *doc,
                                const docbuild_input *in, buf_t *tail)
{
    const char *code = analyze_language(a)->code;
    char key[SCHEMA_KEY_MAX + 1];
    char tags[(SCHEMA_KEY_MAX + 1) * DOCBUILD_MAX_TAGS];
    size_t kn, tn = 0;
    docbuild_status st;

    if ((st = add_key_term(doc, SCHEMA_P_LANG, code, strlen(code))) !=
            DOCBUILD_OK ||
        (st = set_value(doc, SCHEMA_V_LANG, code)) != DOCBUILD_OK)
        return st;
    char key_of_section[SCHEMA_KEY_MAX + 1];
    kn = in->section
             ? schema_key(in->section, strlen(in->section), key_of_section)
             : 0;
    if (kn && ((st = add_key_term(doc, SCHEMA_P_SECTION, key_of_section, kn)) !=
                   DOCBUILD_OK ||
               (st = set_value(doc, SCHEMA_V_SECTION, key_of_section)) !=
                   DOCBUILD_OK))
        return st;
    size_t kept = 0; /* distinct tags: blanks and repeats take no room */
    for (size_t i = 0; i < in->ntags && kept < DOCBUILD_MAX_TAGS; i++) {
        kn = schema_key(in->tags[i], strlen(in->tags[i]), key);
        if (kn == 0)
            continue;
        /* two tags with one key ("UCLG", "uclg") are one tag */
        int dup = 0;
        for (size_t p = 0; p < tn && !dup; p += strlen(tags + p) + 1)
            dup = strcmp(tags + p, key) == 0;
        if (dup)
            continue;
        if ((st = add_key_term(doc, SCHEMA_P_TAG, key, kn)) != DOCBUILD_OK)
            return st;
        memcpy(tags + tn, key, kn + 1);
        tn += kn + 1;
        kept++;
    }
    if (tn > 0) {
        for (size_t p = 0; p + 1 < tn; p++)
            if (tags[p] == '\0')
                tags[p] = SCHEMA_TAG_SEP;
        if (xc_doc_set_value(doc, SCHEMA_V_TAGS, tags, tn - 1) != XC_OK)
            return DOCBUILD_ERR_XAPIAN;
    }
    const char *date = in->date ? in->date : "";
    const char *desc = in->description ? in->description : "";
    if (date[0] && (st = set_value(doc, SCHEMA_V_DATE, date)) != DOCBUILD_OK)
        return st;
    buf_append(tail, code, strlen(code) + 1);
    buf_append(tail, date, strlen(date) + 1);
    if (in->section)
        buf_append(tail, key_of_section, strlen(key_of_section));
    buf_putc(tail, '\0');
    buf_append(tail, tags, tn ? tn - 1 : 0);
    buf_putc(tail, '\0');
    buf_append(tail, desc, strlen(desc));
    return tail->failed ? DOCBUILD_ERR_NOMEM : DOCBUILD_OK;
}

docbuild_status docbuild_make(analyzer *a, const docbuild_input *in,
                              buf_t *words, xc_doc **out, char *err,
                              size_t errlen)
{
    xc_doc *doc = NULL;
    docbuild_status st = DOCBUILD_ERR_NOMEM;
    char num[32];
    char *data = NULL;
    size_t idlen = strlen(in->id), urllen = strlen(in->url);
    buf_t tail;   /* the data's metadata fields (add_meta) */
    buf_t checks; /* the text store's position table (add_field) */
    textstore_enc enc = {0};
    buf_init(&tail, DOCBUILD_MAX_TAIL);
    buf_init(&checks, BUF_MAX_LIMIT);

    *out = NULL;
    if (xc_doc_new(&doc) != XC_OK)
        goto fail;

    /* Title first (positions 1..n), then the body after a gap. */
    titlekey key;
    titlekey_init(&key);
    analyze_begin(a, NULL, 0, 1);
    st = add_field(a, doc, in->title, in->title_len, NULL, words, &key, NULL);
    if (st != DOCBUILD_OK)
        goto fail;
    analyze_begin(a, NULL, 0, analyze_position(a) + TITLE_BODY_GAP);
    uint32_t body_first = analyze_position(a);
    st = add_field(a, doc, in->text, in->text_len, in, words, NULL, &checks);
    if (st != DOCBUILD_OK)
        goto fail;
    /* wdf 1: BM25 gives a term of wdf 0 no weight */
    char kterm[TITLEKEY_TERM_SIZE];
    size_t kn = titlekey_term(&key, ~0u, kterm);
    st = DOCBUILD_ERR_XAPIAN;
    if (kn && xc_doc_add_term(doc, kterm, kn, 1) != XC_OK)
        goto fail;

    char idterm[SCHEMA_TERM_MAX + 1];
    size_t n = schema_term(SCHEMA_P_ID, in->id, idlen, idterm);
    st = DOCBUILD_ERR_XAPIAN;
    if (xc_doc_add_term(doc, idterm, n, 0) != XC_OK)
        goto fail;
    /* The root term lets a later run find documents by folder. */
    n = schema_uid(in->root, in->relpath, idterm);
    if (xc_doc_add_term(doc, idterm, n, 0) != XC_OK)
        goto fail;
    n = schema_term(SCHEMA_P_ROOT, in->root, strlen(in->root), idterm);
    if (xc_doc_add_term(doc, idterm, n, 0) != XC_OK)
        goto fail;

    schema_mtime(in->mtime, in->mtime_nsec, num);
    if ((st = set_value(doc, SCHEMA_V_MTIME, num)) != DOCBUILD_OK)
        goto fail;
    snprintf(num, sizeof num, "%" PRIu64, in->size);
    if ((st = set_value(doc, SCHEMA_V_SIZE, num)) != DOCBUILD_OK)
        goto fail;
    snprintf(num, sizeof num, "%016" PRIx64, in->hash);
    if ((st = set_value(doc, SCHEMA_V_HASH, num)) != DOCBUILD_OK)
        goto fail;
    if ((st = set_value(doc, SCHEMA_V_ROOT, in->root)) != DOCBUILD_OK)
        goto fail;
    if ((st = add_meta(a, doc, in, &tail)) != DOCBUILD_OK)
        goto fail;

    /* The text in blocks (common/textstore), tagged with its hash so a
     * reader never mixes two versions of it. */
    textstore_status ts = textstore_encode(
        in->text, in->text_len, body_first, (const uint32_t *)checks.data,
        checks.len / sizeof(uint32_t),
        (uint32_t)schema_hash(in->text, in->text_len), &enc);
    if (ts != TEXTSTORE_OK) {
        st = ts == TEXTSTORE_ERR_NOMEM ? DOCBUILD_ERR_NOMEM
                                       : DOCBUILD_ERR_XAPIAN;
        goto fail;
    }
    st = DOCBUILD_ERR_XAPIAN;
    if (xc_doc_set_value(doc, SCHEMA_V_TEXT, enc.head.data, enc.head.len) !=
        XC_OK)
        goto fail;
    for (size_t k = 0; k < enc.nextra; k++) {
        size_t from = k ? enc.ends[k - 1] : 0;
        if (xc_doc_set_value(doc, SCHEMA_V_TEXT_BLOCK + (unsigned)k,
                             enc.blocks.data + from,
                             enc.ends[k] - from) != XC_OK)
            goto fail;
    }
    /* Data: id, title, url, then the metadata (schema.h). */
    size_t dlen = idlen + 1 + in->title_len + 1 + urllen + 1 + tail.len;
    st = DOCBUILD_ERR_NOMEM;
    data = malloc(dlen + 1);
    if (!data)
        goto fail;
    char *p = data;
    memcpy(p, in->id, idlen + 1);
    p += idlen + 1;
    memcpy(p, in->title, in->title_len);
    p += in->title_len;
    *p++ = '\0';
    memcpy(p, in->url, urllen + 1);
    p += urllen + 1;
    if (tail.len)
        memcpy(p, tail.data, tail.len);
    st = DOCBUILD_ERR_XAPIAN;
    if (xc_doc_set_data(doc, data, dlen) != XC_OK)
        goto fail;
    free(data);
    buf_free(&tail);
    buf_free(&checks);
    textstore_enc_free(&enc);
    *out = doc;
    return DOCBUILD_OK;
fail:
    if (err && errlen)
        snprintf(err, errlen, "cannot build document %s: %s", in->id,
                 st == DOCBUILD_ERR_NOMEM ? "out of memory" : "Xapian error");
    free(data);
    buf_free(&tail);
    buf_free(&checks);
    textstore_enc_free(&enc);
    xc_doc_free(doc);
    return st;
}
