/* assets: the files of server/web/ (the search page's script, style sheet
 * and template), built into the daemon by scripts/embed.sh so that it
 * serves them with nothing to install beside it. Static data: nothing to
 * free. */
#ifndef CGLU_SERVER_ASSETS_H
#define CGLU_SERVER_ASSETS_H

#include <stddef.h>

typedef struct web_asset {
    const char *path; /* "/cglu-search.js": "/" and the file's name */
    const char *type; /* its Content-Type */
    const unsigned char *data;
    size_t len; /* data holds len bytes, then a NUL */
} web_asset;

extern const web_asset web_assets[];
extern const size_t web_nassets;

/* The asset whose path is path[0..len), or NULL. */
const web_asset *assets_find(const char *path, size_t len);

#endif
