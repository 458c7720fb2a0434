/* url: percent-encoding (see url.h). */
#include "common/url.h"

static int kept(unsigned char c, url_mode mode)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')
        return 1;
    if (mode == URL_FORM)
        return c == '*';
    return c == '~' || (mode == URL_PATH && c == '/');
}

buf_status url_encode(buf_t *out, const char *s, size_t n, url_mode mode)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t start = out->len;
    buf_status st = BUF_OK;

    for (size_t i = 0; i < n && st == BUF_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if (kept(c, mode)) {
            st = buf_putc(out, (char)c);
        } else if (c == ' ' && mode == URL_FORM) {
            st = buf_putc(out, '+');
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            st = buf_append(out, e, 3);
        }
    }
    if (st != BUF_OK)
        buf_truncate(out, start);
    return st;
}
