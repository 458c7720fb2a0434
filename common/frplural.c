/* frplural: plural and feminine endings Snowball's French stemmer leaves
 * apart, rewritten before it runs (the table and rules below; the pairs
 * they were checked on are in tests/unit/fr_pairs.h). */
#include "common/frplural.h"

#include <stdlib.h>
#include <string.h>

/* An irregular form: its fold, how many bytes of its ending to drop, and
 * what to put there. */
typedef struct irregular {
    const char *fold;
    unsigned char strip;
    const char *add;
} irregular;

/* Sorted by fold (bsearch). Snowball already turns -aux into -al
 * (chevaux, locaux, journaux) and -eaux into -eau (bateaux), so only the
 * plurals that do not follow those rules are listed:
 * - -ail nouns whose plural is -aux (travaux is not "traval");
 * - -au nouns whose plural is -aux (noyaux is not "noyal");
 * - -eu nouns with an -x plural: not a rule, because -eux is far more
 *   often a singular adjective (heureux, whose feminine Snowball joins);
 * - the seven -ou nouns with an -x plural (the others take -s);
 * - whole-word irregulars (yeux, cieux, aïeux, aulx). */
static const irregular irregulars[] = {
    {"aieux", 2, "ul"},     /* aïeux -> aïeul */
    {"aloyaux", 1, ""},     /* aloyau */
    {"aulx", 3, "il"},      /* ail */
    {"aveux", 1, ""},       /* aveu */
    {"baux", 2, "il"},      /* bail */
    {"bijoux", 1, ""},      /* bijou */
    {"boyaux", 1, ""},      /* boyau */
    {"cailloux", 1, ""},    /* caillou */
    {"cheveux", 1, ""},     /* cheveu */
    {"choux", 1, ""},       /* chou */
    {"cieux", 2, "l"},      /* ciel */
    {"coraux", 2, "il"},    /* corail */
    {"desaveux", 1, ""},    /* désaveu */
    {"dieux", 1, ""},       /* dieu */
    {"emaux", 2, "il"},     /* émail */
    {"enjeux", 1, ""},      /* enjeu */
    {"epieux", 1, ""},      /* épieu */
    {"esquimaux", 1, ""},   /* esquimau */
    {"essieux", 1, ""},     /* essieu */
    {"etaux", 1, ""},       /* étau */
    {"feux", 1, ""},        /* feu */
    {"genoux", 1, ""},      /* genou */
    {"gruaux", 1, ""},      /* gruau */
    {"hiboux", 1, ""},      /* hibou */
    {"hoyaux", 1, ""},      /* hoyau */
    {"ideaux", 2, "l"},     /* idéal (Snowball reads idea-ux as -eaux) */
    {"jeux", 1, ""},        /* jeu */
    {"joujoux", 1, ""},     /* joujou */
    {"joyaux", 1, ""},      /* joyau */
    {"lieux", 1, ""},       /* lieu */
    {"milieux", 1, ""},     /* milieu */
    {"moyeux", 1, ""},      /* moyeu */
    {"neveux", 1, ""},      /* neveu */
    {"noyaux", 1, ""},      /* noyau */
    {"poux", 1, ""},        /* pou */
    {"preaux", 1, ""},      /* préau */
    {"soupiraux", 2, "il"}, /* soupirail */
    {"travaux", 2, "il"},   /* travail */
    {"tuyaux", 1, ""},      /* tuyau */
    {"vantaux", 2, "il"},   /* vantail */
    {"ventaux", 2, "il"},   /* ventail */
    {"vitraux", 2, "il"},   /* vitrail */
    {"voeux", 1, ""},       /* vœu (the analyzer writes œ as oe) */
    {"yeux", 4, "oeil"},    /* œil */
};
#define N_IRREGULAR (sizeof irregulars / sizeof irregulars[0])

/* Words in -as/-is/-os/-us that keep their s: dropping it would join them
 * to a stop word or another common word (mois/moi, fois/foi). */
static const char *const keep_s[] = {"fois", "mois"};

/* Irregulars whose plural starts otherwise than their stem: the stem, and
 * the plural's fold. */
static const char *const odd[][2] = {
    {"ail", "aulx"},
    {"bail", "baux"},
    {"oeil", "yeux"},
};

/* Shortest fold an ending rule applies to: shorter words are function
 * words or abbreviations (pas, bus, os), where a rule would only merge
 * unrelated words. */
#define MIN_RULE_LEN 4

static int cmp_irregular(const void *key, const void *elt)
{
    return strcmp((const char *)key, ((const irregular *)elt)->fold);
}

static int ends_with(const char *s, size_t n, const char *tail)
{
    size_t t = strlen(tail);
    return n >= t && memcmp(s + n - t, tail, t) == 0;
}

/* Copy w into out with its last strip bytes replaced by add, when w ends
 * with the same strip bytes as fold (the ending is shared); else copy w. */
static size_t rewrite(const char *w, size_t n, const char *fold, size_t fold_n,
                      size_t strip, const char *add, char *out)
{
    memcpy(out, w, n);
    out[n] = '\0';
    if (strip > n || strip > fold_n ||
        memcmp(w + n - strip, fold + fold_n - strip, strip) != 0)
        return n;
    size_t a = strlen(add);
    memcpy(out + n - strip, add, a + 1);
    return n - strip + a;
}

size_t frplural_norm(const char *w, size_t n, const char *fold, size_t fold_n,
                     char *out)
{
    char key[16];
    const char *f = fold;
    size_t fn = fold_n;

    /* Every irregular ends in x and is shorter than key. */
    if (fn < sizeof key && fn && f[fn - 1] == 'x') {
        memcpy(key, f, fn);
        key[fn] = '\0';
        const irregular *ir = bsearch(key, irregulars, N_IRREGULAR,
                                      sizeof *irregulars, cmp_irregular);
        if (ir)
            return rewrite(w, n, f, fn, ir->strip, ir->add, out);
    }
    if (fn >= MIN_RULE_LEN + 1) {
        /* intégrée typed without accents: Snowball stems "integree" to
         * "integre" but "integre" (intégré) to "integr"; -ee(s) -> -e
         * joins them. On the accented form only the shared last e goes
         * (intégré), which Snowball stems as it stems intégrée. */
        if (ends_with(f, fn, "ees"))
            return rewrite(w, n, f, fn, 2, "", out);
        if (ends_with(f, fn, "ee"))
            return rewrite(w, n, f, fn, 1, "", out);
        /* première -> premier: Snowball stems "premiere" to "premier"
         * but "premier" to "premi" (its -ier rule needs R2). */
        if (ends_with(f, fn, "ieres"))
            return rewrite(w, n, f, fn, 2, "", out);
        if (ends_with(f, fn, "iere"))
            return rewrite(w, n, f, fn, 1, "", out);
    }
    /* Snowball drops a final s except after a, i, o, u, è and s (its
     * words in -as, -is, -os, -us may be singular: virus, avis). Dropping
     * it on both sides joins élus/élu, unis/uni, trous/trou, photos/photo
     * and turns a singular "virus" into "viru" in documents and queries
     * alike, which costs nothing. */
    if (fn >= MIN_RULE_LEN && f[fn - 1] == 's' && strchr("aiou", f[fn - 2])) {
        for (size_t i = 0; i < sizeof keep_s / sizeof *keep_s; i++)
            if (strlen(keep_s[i]) == fn && memcmp(keep_s[i], f, fn) == 0)
                return rewrite(w, n, f, fn, 0, "", out);
        return rewrite(w, n, f, fn, 1, "", out);
    }
    return rewrite(w, n, f, fn, 0, "", out);
}

const char *frplural_odd_plural(const char *stem, size_t len)
{
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++)
        if (strlen(odd[i][0]) == len && memcmp(odd[i][0], stem, len) == 0)
            return odd[i][1];
    return NULL;
}
