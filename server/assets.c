/* assets: look-up in the generated table (see assets.h). */
#include "server/assets.h"

#include <string.h>

const web_asset *assets_find(const char *path, size_t len)
{
    for (size_t i = 0; i < web_nassets; i++)
        if (strlen(web_assets[i].path) == len &&
            memcmp(web_assets[i].path, path, len) == 0)
            return &web_assets[i];
    return NULL;
}
