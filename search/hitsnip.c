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
    textstore *ts = &hs->ts;
    const uint32_t *pos[SNIP_MAX_TERMS];
    size_t npos[SNIP_MAX_TERMS] = {0};
    snip_positions pp = {pos, npos};
    size_t nterms = 0;
    int prefixes = terms && terms->nprefixes > 0;

    if (hlen == 0)
        return SNIP_OK; /* a page without text */
    if (terms)
        nterms =
            terms->nstems < SNIP_MAX_TERMS ? terms->nstems : SNIP_MAX_TERMS;
    /* src lives until this call returns: ts reads no block after it */
    if (textstore_reopen(ts, head, hlen, doctext_fetch, &src) != TEXTSTORE_OK)
        return SNIP_ERR_TEXT;
    if (!prefixes && nterms > 0) {
        if (!hs->posbuf &&
            !(hs->posbuf = malloc((size_t)SNIP_MAX_TERMS * SNIP_MAX_MATCHES *
                                  sizeof *hs->posbuf)))
            return SNIP_ERR_NOMEM;
        /* the body's positions the text's table reaches: the others could
         * not be found in the text */
        char prefix[SCHEMA_LANG_CODE_LEN + 2], term[SCHEMA_TERM_MAX + 1];
        snprintf(prefix, sizeof prefix, "%s%s", SCHEMA_P_STEM, lang->code);
        uint32_t end = textstore_pos_end(ts);
        for (size_t i = 0; i < nterms; i++) {
            uint32_t *p = hs->posbuf + i * SNIP_MAX_MATCHES;
            schema_term(prefix, terms->stems[i], strlen(terms->stems[i]), term);
            pos[i] = p;
            if (end > ts->first_pos &&
                xc_positions(db, docid, term, ts->first_pos, end - 1, p,
                             SNIP_MAX_MATCHES, &npos[i]) != XC_OK)
                return SNIP_ERR_TEXT;
        }
    }
    return snip_build_stored(an, ts, terms, prefixes ? NULL : &pp, target,
                             &hs->scratch, out);
}

void hitsnip_free(hitsnip *hs)
{
    free(hs->posbuf);
    hs->posbuf = NULL;
    textstore_close(&hs->ts);
    snip_scratch_free(&hs->scratch);
}
