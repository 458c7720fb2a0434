/* feeddoc: a feed entry as a document (see feeddoc.h). */
#include "indexer/feeddoc.h"

#include <stdio.h>
#include <string.h>

#include "common/schema.h"
#include "indexer/docbuild.h"
#include "indexer/docmeta.h"
#include "indexer/extract.h"

/* A title or description given by the entry: one line, blanks
 * collapsed, cut at max bytes on a character boundary, as a page's (out
 * holds max + 1). */
static size_t clean_line(const char *s, char *out, size_t max)
{
    size_t n = 0;
    int space = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c == 0x7f) {
            space = n > 0;
            continue;
        }
        if (n + space + 1 > max)
            break;
        if (space)
            out[n++] = ' ';
        space = 0;
        out[n++] = (char)c;
    }
    /* not inside a character: back to the start of a cut one */
    size_t k = n;
    while (k > 0 && ((unsigned char)out[k - 1] & 0xC0) == 0x80)
        k--;
    if (k > 0 && ((unsigned char)out[k - 1] & 0x80)) {
        unsigned char lead = (unsigned char)out[k - 1];
        size_t len = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        if (n - (k - 1) < len)
            n = k - 1;
    }
    out[n] = '\0';
    return n;
}

uint64_t feeddoc_hash(const feed_entry *e)
{
    /* the extraction rules too: an entry pushed again after they changed
     * is read again, as every page is */
    return schema_hash_more(e->hash, EXTRACT_RULES, strlen(EXTRACT_RULES));
}

feeddoc_status feeddoc_build(const feed_entry *e, langset *langs,
                             const lang_info *deflt, xc_doc **out, buf_t *words,
                             char *unknown, size_t unknownlen, char *msg,
                             size_t msglen)
{
    extract_doc doc = {0};
    char why[256], title[EXTRACT_MAX_TITLE + 1];
    char desc[EXTRACT_MAX_DESCRIPTION + 1];
    feeddoc_status st = FEEDDOC_FAILED;
    int unknown_lang = 0;

    *out = NULL;
    if (unknown && unknownlen)
        unknown[0] = '\0';
    if (msg && msglen)
        msg[0] = '\0';
    /* the body as a page of its kind: the name picks the extractor */
    extract_status xs =
        extract_document(e->html ? "feed.html" : "feed.txt", e->body,
                         e->body_len, 0, &doc, why, sizeof why);
    if (xs == EXTRACT_ERR_NOMEM) {
        st = FEEDDOC_ERR_NOMEM;
        goto out;
    }
    if (xs != EXTRACT_OK) {
        if (msg)
            snprintf(msg, msglen, "%s", why);
        st = xs == EXTRACT_SKIP_EMPTY || xs == EXTRACT_SKIP_UNLISTED
                 ? FEEDDOC_SKIP
                 : FEEDDOC_FAILED;
        goto out;
    }
    /* what the entry says first, then what its body says */
    const char *lang_tag = e->lang[0] ? e->lang : doc.lang;
    const lang_info *lang =
        docmeta_lang(lang_tag, NULL, 0, deflt, &unknown_lang);
    if (unknown_lang && unknown && unknownlen)
        snprintf(unknown, unknownlen, "%s", lang_tag);
    analyzer *an = langset_get(langs, lang, why, sizeof why);
    if (!an) {
        st = FEEDDOC_ERR_NOMEM;
        goto out;
    }
    size_t tl =
        e->title[0] ? clean_line(e->title, title, EXTRACT_MAX_TITLE) : 0;
    if (e->description[0])
        clean_line(e->description, desc, EXTRACT_MAX_DESCRIPTION);
    const char *tags[DOCBUILD_MAX_TAGS];
    size_t ntags = 0;
    const char *tsrc = e->ntags ? e->tags : doc.tags;
    size_t tn = e->ntags ? e->ntags : doc.ntags;
    for (const char *t = tsrc; t && ntags < tn && ntags < DOCBUILD_MAX_TAGS;
         t += strlen(t) + 1)
        tags[ntags++] = t;
    /* a section from the entry, else its id's first segment ("faq/42"),
     * unless the id is an address ("https://site/x" names no section) */
    char section[SCHEMA_KEY_MAX + 1];
    size_t seg = strcspn(e->id, "/");
    int address = memchr(e->id, ':', seg) != NULL;
    docmeta_section(e->section, address ? NULL : e->id, 0, section);
    /* a url too long to be whole is no url (as a page's own) */
    const char *url = e->url[0] && e->url_len <= EXTRACT_MAX_URL ? e->url
                      : doc.url_own                              ? doc.url
                                                                 : e->id;
    docbuild_input in = {
        .id = e->id,
        .relpath = e->id,
        .title = tl ? title : doc.title,
        .title_len = tl ? tl : doc.title_len,
        .url = url,
        .text = doc.text,
        .text_len = doc.text_len,
        .headings = doc.headings,
        .nheadings = doc.nheadings,
        .lead = doc.lead,
        .date = e->date[0] ? e->date : doc.date,
        .section = section,
        .tags = tags,
        .ntags = ntags,
        .description = e->description[0] ? desc : doc.description,
        .root = FEEDDOC_ROOT,
        .mtime = 0,
        .mtime_nsec = 0,
        .size = e->body_len,
        .hash = feeddoc_hash(e),
    };
    docbuild_status ds = docbuild_make(an, &in, words, out, why, sizeof why);
    if (ds == DOCBUILD_ERR_NOMEM) {
        st = FEEDDOC_ERR_NOMEM;
    } else if (ds != DOCBUILD_OK) {
        if (msg)
            snprintf(msg, msglen, "%s", why);
    } else {
        st = FEEDDOC_OK;
    }
out:
    extract_doc_free(&doc);
    return st;
}
