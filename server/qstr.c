/* qstr: query strings (see qstr.h). */
#include "server/qstr.h"

#include <string.h>

#include "common/utf8.h"

void qstr_init(qstr_iter *it, const char *s, size_t len)
{
    it->p = s;
    it->end = s + len;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

qstr_status qstr_decode(const char *s, size_t len, int plus_space, char *out,
                        size_t cap, size_t *out_len)
{
    size_t i, n = 0;

    *out_len = 0;
    for (i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            if (len - i < 3)
                return QSTR_ERR_ESCAPE;
            int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
            if (hi < 0 || lo < 0)
                return QSTR_ERR_ESCAPE;
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        }
        if (c == '\0')
            return QSTR_ERR_NUL;
        if (n == cap)
            return QSTR_ERR_TOO_BIG;
        out[n++] = c;
    }
    if (!utf8_valid((const unsigned char *)out, n))
        return QSTR_ERR_UTF8;
    *out_len = n;
    return QSTR_OK;
}

qstr_status qstr_next(qstr_iter *it, char *name, size_t name_cap,
                      size_t *name_len, char *val, size_t val_cap,
                      size_t *val_len)
{
    const char *a, *amp, *eq;
    qstr_status st;

    *name_len = *val_len = 0;
    while (it->p < it->end && *it->p == '&')
        it->p++;
    if (it->p >= it->end)
        return QSTR_END;
    a = it->p;
    amp = memchr(a, '&', (size_t)(it->end - a));
    if (amp == NULL)
        amp = it->end;
    it->p = amp;
    eq = memchr(a, '=', (size_t)(amp - a));
    if (eq == NULL)
        eq = amp;
    st = qstr_decode(a, (size_t)(eq - a), 1, name, name_cap, name_len);
    if (st == QSTR_OK && eq < amp)
        st = qstr_decode(eq + 1, (size_t)(amp - eq - 1), 1, val, val_cap,
                         val_len);
    return st;
}

const char *qstr_strerror(qstr_status st)
{
    switch (st) {
    case QSTR_OK:
        return "ok";
    case QSTR_END:
        return "no more parameters";
    case QSTR_ERR_ESCAPE:
        return "bad percent-encoding (% must be followed by two hexadecimal "
               "digits)";
    case QSTR_ERR_UTF8:
        return "the decoded text is not UTF-8";
    case QSTR_ERR_NUL:
        return "a NUL byte (%00) is not allowed";
    case QSTR_ERR_TOO_BIG:
        return "too long";
    }
    return "unknown error";
}
