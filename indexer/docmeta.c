/* docmeta: language and section rules. */
#include "indexer/docmeta.h"

#include <string.h>

/* The first folder of relpath: *len bytes at the start, 0 when relpath is
 * a file at the root. */
static size_t first_folder(const char *relpath)
{
    const char *slash = relpath ? strchr(relpath, '/') : NULL;
    return slash ? (size_t)(slash - relpath) : 0;
}

const lang_info *docmeta_lang(const char *declared, const char *relpath,
                              int lang_path, const lang_info *deflt,
                              int *unknown)
{
    const lang_info *l = NULL;
    *unknown = 0;
    if (declared && declared[0]) {
        l = lang_find(declared, strlen(declared));
        if (l)
            return l;
        *unknown = 1;
    }
    size_t n = first_folder(relpath);
    if (lang_path && n > 0 && (l = lang_find(relpath, n)) != NULL)
        return l;
    return deflt;
}

void docmeta_section(const char *declared, const char *relpath, int lang_path,
                     char *out)
{
    const char *s = declared ? declared : "";
    size_t n = strlen(s);
    if (n == 0 && relpath) {
        s = relpath;
        n = first_folder(s);
        if (n > 0 && lang_path && lang_find(s, n)) {
            s += n + 1; /* a language folder: the next one is the section */
            n = first_folder(s);
        }
    }
    if (n > SCHEMA_KEY_MAX) {
        n = SCHEMA_KEY_MAX;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--; /* not in the middle of a character */
    }
    memcpy(out, s, n);
    out[n] = '\0';
}
