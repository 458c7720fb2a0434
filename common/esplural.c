/* esplural: Spanish regular plurals to the singular (see esplural.h). */
#include "common/esplural.h"

#include <string.h>

/* Words shorter than this (in bytes of their fold) are left alone: "mes",
 * "tres", "gas", "dos" end like plurals and are not. */
#define ESPLURAL_MIN 5

/* How many bytes to cut from the end of fold[0..n): 0 when it is not a
 * regular plural by these rules. */
static size_t plural_cut(const char *f, size_t n)
{
    if (n < ESPLURAL_MIN || f[n - 1] != 's')
        return 0;
    /* consonant + "es": "locales", "regiones", "ciudades", "mujeres",
     * "leyes", "relojes", "meses" (a stem ending in s) -> drop "es" */
    if (f[n - 2] == 'e' && strchr("lnrdjys", f[n - 3]))
        return 2;
    /* vowel + "s": "gobiernos", "casas", "clases", "paises" -> drop "s"
     * ("-is", "-us": "crisis", "virus" are singular) */
    if (strchr("aeo", f[n - 2]))
        return 1;
    return 0;
}

size_t esplural_norm(const char *w, size_t n, const char *fold, size_t fold_n,
                     char *out)
{
    size_t cut = plural_cut(fold, fold_n);
    /* the word must end with the same ASCII bytes as its fold */
    if (cut && (n < cut + 1 ||
                memcmp(w + n - cut - 1, fold + fold_n - cut - 1, cut + 1) != 0))
        cut = 0;
    memcpy(out, w, n - cut);
    out[n - cut] = '\0';
    return n - cut;
}
