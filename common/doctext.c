/* doctext: a text store's blocks are values of the same document. */
#include "common/doctext.h"

#include <stdlib.h>

#include "common/schema.h"

static int append(const char *s, size_t len, void *ctx)
{
    return buf_append(ctx, s, len) == BUF_OK ? 0 : 1;
}

int doctext_fetch(void *ctx, uint32_t k, buf_t *into)
{
    const doctext_src *src = ctx;
    if (k == 0 || k > UINT32_MAX - SCHEMA_V_TEXT_BLOCK)
        return -1;
    size_t before = into->len;
    if (xc_value_of(src->db, src->docid, SCHEMA_V_TEXT_BLOCK + k - 1, append,
                    into) != XC_OK ||
        into->failed)
        return -1;
    return into->len > before ? 0 : -1; /* a block is never empty */
}

textstore_status doctext_load(xc_db *db, uint32_t docid, const char *head,
                              size_t hlen, char **text, size_t *len)
{
    textstore ts;
    doctext_src src = {db, docid};
    *text = NULL;
    *len = 0;
    if (hlen == 0) {
        *text = calloc(1, 1);
        return *text ? TEXTSTORE_OK : TEXTSTORE_ERR_NOMEM;
    }
    textstore_status st = textstore_open(&ts, head, hlen, doctext_fetch, &src);
    if (st == TEXTSTORE_OK)
        st = textstore_read_all(&ts, text, len);
    textstore_close(&ts);
    return st;
}
