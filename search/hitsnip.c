/* hitsnip: positions from Xapian's position lists, blocks from the
 * document's values. */
#include "search/hitsnip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/doctext.h"
#include "common/schema.h"

snip_status hitsnip_build(hitsnip *hs, xc_db *db, uint32_t docid,
                          const char *head, size_t hlen, const lang_info *lang,
                          analyzer *an, const snip_terms *terms, size_t target,
                          buf_t *out)
{
    doctext_src src = {db, docid};
    textstore ts = {0};
    const uint32_t *pos[SNIP_MAX_TERMS];
    size_t npos[SNIP_MAX_TERMS] = {0};
    snip_positions pp = {pos, npos};
    snip_status ss = SNIP_ERR_TEXT;
    size_t nterms = 0;
    int prefixes = terms && terms->nprefixes > 0;

    if (hlen == 0)
        return SNIP_OK; /* a page without text */
    if (terms)
        nterms =
            terms->nstems < SNIP_MAX_TERMS ? terms->nstems : SNIP_MAX_TERMS;
    if (textstore_open(&ts, head, hlen, doctext_fetch, &src) != TEXTSTORE_OK)
        goto out;
    if (!prefixes && nterms > 0) {
        if (!hs->posbuf &&
            !(hs->posbuf = malloc((size_t)SNIP_MAX_TERMS * SNIP_MAX_MATCHES *
                                  sizeof *hs->posbuf))) {
            ss = SNIP_ERR_NOMEM;
            goto out;
        }
        /* the body's positions the text's table reaches: the others could
         * not be found in the text */
        char prefix[SCHEMA_LANG_CODE_LEN + 2], term[SCHEMA_TERM_MAX + 1];
        snprintf(prefix, sizeof prefix, "%s%s", SCHEMA_P_STEM, lang->code);
        uint32_t end = textstore_pos_end(&ts);
        for (size_t i = 0; i < nterms; i++) {
            uint32_t *p = hs->posbuf + i * SNIP_MAX_MATCHES;
            schema_term(prefix, terms->stems[i], strlen(terms->stems[i]), term);
            pos[i] = p;
            if (end > ts.first_pos &&
                xc_positions(db, docid, term, ts.first_pos, end - 1, p,
                             SNIP_MAX_MATCHES, &npos[i]) != XC_OK)
                goto out;
        }
    }
    ss = snip_build_stored(an, &ts, terms, prefixes ? NULL : &pp, target, out);
out:
    textstore_close(&ts);
    return ss;
}

void hitsnip_free(hitsnip *hs)
{
    free(hs->posbuf);
    hs->posbuf = NULL;
}
