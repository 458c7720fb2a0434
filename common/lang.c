/* lang: the language table (libstemmer algorithms of Debian 12's
 * libstemmer 2.2.0, "porter" left out: it is not a language) and tag
 * lookup. */
#include "common/lang.h"

#include "common/esplural.h"
#include "common/frplural.h"

#include <stdlib.h>
#include <string.h>

/* Longest BCP 47 subtag after the primary one ("419", "Latn", "1996"). */
#define SUBTAG_MAX 8

/* Snowball's French stop word list (snowball-website algorithms/french),
 * plus the question words and pronouns visitors type that it lacks (où,
 * quel, quelle, quels, quelles, dont, leurs): "quelle est la mission de
 * CGLU" must not require "quelle". Sorted by bytes (bsearch). */
static const char *const stop_fr[] = {
    "ai",      "aie",     "aient",    "aies",     "ait",    "as",
    "au",      "aura",    "aurai",    "auraient", "aurais", "aurait",
    "auras",   "aurez",   "auriez",   "aurions",  "aurons", "auront",
    "aux",     "avaient", "avais",    "avait",    "avec",   "avez",
    "aviez",   "avions",  "avons",    "ayant",    "ayante", "ayantes",
    "ayants",  "ayez",    "ayons",    "c",        "ce",     "ces",
    "d",       "dans",    "de",       "des",      "dont",   "du",
    "elle",    "en",      "es",       "est",      "et",     "eu",
    "eue",     "eues",    "eurent",   "eus",      "eusse",  "eussent",
    "eusses",  "eussiez", "eussions", "eut",      "eux",    "eûmes",
    "eût",     "eûtes",   "furent",   "fus",      "fusse",  "fussent",
    "fusses",  "fussiez", "fussions", "fut",      "fûmes",  "fût",
    "fûtes",   "il",      "ils",      "j",        "je",     "l",
    "la",      "le",      "les",      "leur",     "leurs",  "lui",
    "m",       "ma",      "mais",     "me",       "mes",    "moi",
    "mon",     "même",    "n",        "ne",       "nos",    "notre",
    "nous",    "on",      "ont",      "ou",       "où",     "par",
    "pas",     "pour",    "qu",       "que",      "quel",   "quelle",
    "quelles", "quels",   "qui",      "s",        "sa",     "se",
    "sera",    "serai",   "seraient", "serais",   "serait", "seras",
    "serez",   "seriez",  "serions",  "serons",   "seront", "ses",
    "soient",  "sois",    "soit",     "sommes",   "son",    "sont",
    "soyez",   "soyons",  "suis",     "sur",      "t",      "ta",
    "te",      "tes",     "toi",      "ton",      "tu",     "un",
    "une",     "vos",     "votre",    "vous",     "y",      "à",
    "étaient", "étais",   "était",    "étant",    "étante", "étantes",
    "étants",  "étiez",   "étions",   "été",      "étée",   "étées",
    "étés",    "êtes",
};

/* Snowball's English stop word list (snowball-website
 * algorithms/english/stop.txt), less its 50 contractions ("don't",
 * "i'm"...): the tokenizer splits at the apostrophe, so those never reach
 * the list whole. Sorted by bytes (bsearch). */
static const char *const stop_en[] = {
    "a",       "about",  "above",      "after",      "again",     "against",
    "all",     "am",     "an",         "and",        "any",       "are",
    "as",      "at",     "be",         "because",    "been",      "before",
    "being",   "below",  "between",    "both",       "but",       "by",
    "cannot",  "could",  "did",        "do",         "does",      "doing",
    "down",    "during", "each",       "few",        "for",       "from",
    "further", "had",    "has",        "have",       "having",    "he",
    "her",     "here",   "hers",       "herself",    "him",       "himself",
    "his",     "how",    "i",          "if",         "in",        "into",
    "is",      "it",     "its",        "itself",     "me",        "more",
    "most",    "my",     "myself",     "no",         "nor",       "not",
    "of",      "off",    "on",         "once",       "only",      "or",
    "other",   "ought",  "our",        "ours",       "ourselves", "out",
    "over",    "own",    "same",       "she",        "should",    "so",
    "some",    "such",   "than",       "that",       "the",       "their",
    "theirs",  "them",   "themselves", "then",       "there",     "these",
    "they",    "this",   "those",      "through",    "to",        "too",
    "under",   "until",  "up",         "very",       "was",       "we",
    "were",    "what",   "when",       "where",      "which",     "while",
    "who",     "whom",   "why",        "with",       "would",     "you",
    "your",    "yours",  "yourself",   "yourselves",
};

/* Snowball's Spanish stop word list (snowball-website
 * algorithms/spanish/stop.txt), complete. Sorted by bytes (bsearch). */
static const char *const stop_es[] = {
    "a",           "al",          "algo",         "algunas",
    "algunos",     "ante",        "antes",        "como",
    "con",         "contra",      "cual",         "cuando",
    "de",          "del",         "desde",        "donde",
    "durante",     "e",           "el",           "ella",
    "ellas",       "ellos",       "en",           "entre",
    "era",         "erais",       "eran",         "eras",
    "eres",        "es",          "esa",          "esas",
    "ese",         "eso",         "esos",         "esta",
    "estaba",      "estabais",    "estaban",      "estabas",
    "estad",       "estada",      "estadas",      "estado",
    "estados",     "estamos",     "estando",      "estar",
    "estaremos",   "estará",      "estarán",      "estarás",
    "estaré",      "estaréis",    "estaría",      "estaríais",
    "estaríamos",  "estarían",    "estarías",     "estas",
    "este",        "estemos",     "esto",         "estos",
    "estoy",       "estuve",      "estuviera",    "estuvierais",
    "estuvieran",  "estuvieras",  "estuvieron",   "estuviese",
    "estuvieseis", "estuviesen",  "estuvieses",   "estuvimos",
    "estuviste",   "estuvisteis", "estuviéramos", "estuviésemos",
    "estuvo",      "está",        "estábamos",    "estáis",
    "están",       "estás",       "esté",         "estéis",
    "estén",       "estés",       "fue",          "fuera",
    "fuerais",     "fueran",      "fueras",       "fueron",
    "fuese",       "fueseis",     "fuesen",       "fueses",
    "fui",         "fuimos",      "fuiste",       "fuisteis",
    "fuéramos",    "fuésemos",    "ha",           "habida",
    "habidas",     "habido",      "habidos",      "habiendo",
    "habremos",    "habrá",       "habrán",       "habrás",
    "habré",       "habréis",     "habría",       "habríais",
    "habríamos",   "habrían",     "habrías",      "habéis",
    "había",       "habíais",     "habíamos",     "habían",
    "habías",      "han",         "has",          "hasta",
    "hay",         "haya",        "hayamos",      "hayan",
    "hayas",       "hayáis",      "he",           "hemos",
    "hube",        "hubiera",     "hubierais",    "hubieran",
    "hubieras",    "hubieron",    "hubiese",      "hubieseis",
    "hubiesen",    "hubieses",    "hubimos",      "hubiste",
    "hubisteis",   "hubiéramos",  "hubiésemos",   "hubo",
    "la",          "las",         "le",           "les",
    "lo",          "los",         "me",           "mi",
    "mis",         "mucho",       "muchos",       "muy",
    "más",         "mí",          "mía",          "mías",
    "mío",         "míos",        "nada",         "ni",
    "no",          "nos",         "nosotras",     "nosotros",
    "nuestra",     "nuestras",    "nuestro",      "nuestros",
    "o",           "os",          "otra",         "otras",
    "otro",        "otros",       "para",         "pero",
    "poco",        "por",         "porque",       "que",
    "quien",       "quienes",     "qué",          "se",
    "sea",         "seamos",      "sean",         "seas",
    "seremos",     "será",        "serán",        "serás",
    "seré",        "seréis",      "sería",        "seríais",
    "seríamos",    "serían",      "serías",       "seáis",
    "sido",        "siendo",      "sin",          "sobre",
    "sois",        "somos",       "son",          "soy",
    "su",          "sus",         "suya",         "suyas",
    "suyo",        "suyos",       "sí",           "también",
    "tanto",       "te",          "tendremos",    "tendrá",
    "tendrán",     "tendrás",     "tendré",       "tendréis",
    "tendría",     "tendríais",   "tendríamos",   "tendrían",
    "tendrías",    "tened",       "tenemos",      "tenga",
    "tengamos",    "tengan",      "tengas",       "tengo",
    "tengáis",     "tenida",      "tenidas",      "tenido",
    "tenidos",     "teniendo",    "tenéis",       "tenía",
    "teníais",     "teníamos",    "tenían",       "tenías",
    "ti",          "tiene",       "tienen",       "tienes",
    "todo",        "todos",       "tu",           "tus",
    "tuve",        "tuviera",     "tuvierais",    "tuvieran",
    "tuvieras",    "tuvieron",    "tuviese",      "tuvieseis",
    "tuviesen",    "tuvieses",    "tuvimos",      "tuviste",
    "tuvisteis",   "tuviéramos",  "tuviésemos",   "tuvo",
    "tuya",        "tuyas",       "tuyo",         "tuyos",
    "tú",          "un",          "una",          "uno",
    "unos",        "vosotras",    "vosotros",     "vuestra",
    "vuestras",    "vuestro",     "vuestros",     "y",
    "ya",          "yo",          "él",           "éramos",
};

#define LIST(a) (a), (sizeof(a) / sizeof(a)[0])

/* By libstemmer name, as sb_stemmer_list() gives them. */
static const lang_info langs[] = {
    {"ar", "arabic", "ara", NULL, NULL, 0, 0, NULL},
    {"hy", "armenian", "hye", "arm", NULL, 0, 0, NULL},
    {"eu", "basque", "eus", "baq", NULL, 0, 0, NULL},
    {"ca", "catalan", "cat", NULL, NULL, 0, 0, NULL},
    {"da", "danish", "dan", NULL, NULL, 0, 0, NULL},
    {"nl", "dutch", "nld", "dut", NULL, 0, 0, NULL},
    {"en", "english", "eng", NULL, LIST(stop_en), 0, NULL},
    {"fi", "finnish", "fin", NULL, NULL, 0, 0, NULL},
    {"fr", "french", "fra", "fre", LIST(stop_fr), 1, frplural_norm},
    {"de", "german", "deu", "ger", NULL, 0, 0, NULL},
    {"el", "greek", "ell", "gre", NULL, 0, 0, NULL},
    {"hi", "hindi", "hin", NULL, NULL, 0, 0, NULL},
    {"hu", "hungarian", "hun", NULL, NULL, 0, 0, NULL},
    {"id", "indonesian", "ind", NULL, NULL, 0, 0, NULL},
    {"ga", "irish", "gle", NULL, NULL, 0, 0, NULL},
    {"it", "italian", "ita", NULL, NULL, 0, 0, NULL},
    {"lt", "lithuanian", "lit", NULL, NULL, 0, 0, NULL},
    {"ne", "nepali", "nep", NULL, NULL, 0, 0, NULL},
    {"no", "norwegian", "nor", NULL, NULL, 0, 0, NULL},
    {"pt", "portuguese", "por", NULL, NULL, 0, 0, NULL},
    {"ro", "romanian", "ron", "rum", NULL, 0, 0, NULL},
    {"ru", "russian", "rus", NULL, NULL, 0, 0, NULL},
    {"sr", "serbian", "srp", NULL, NULL, 0, 0, NULL},
    {"es", "spanish", "spa", NULL, LIST(stop_es), 0, esplural_norm},
    {"sv", "swedish", "swe", NULL, NULL, 0, 0, NULL},
    {"ta", "tamil", "tam", NULL, NULL, 0, 0, NULL},
    {"tr", "turkish", "tur", NULL, NULL, 0, 0, NULL},
    {"yi", "yiddish", "yid", NULL, NULL, 0, 0, NULL},
};
#define N_LANGS (sizeof langs / sizeof langs[0])
_Static_assert(N_LANGS <= LANG_MAX, "LANG_MAX is too small for the table");

/* Codes that name a language of the table under another code: Snowball's
 * Norwegian is Bokmål, which sites tag "nb" (html lang="nb-NO"). */
static const struct {
    const char *alias, *code;
} aliases[] = {
    {"nb", "no"},
    {"nob", "no"},
};

static int is_alpha(unsigned char c)
{
    return ((unsigned)c | 0x20) - 'a' < 26u;
}

static int is_digit(unsigned char c)
{
    return (unsigned)c - '0' < 10u;
}

/* 1 when s[0..n) equals the lowercase word w, ASCII case ignored. */
static int eq_nocase(const char *s, size_t n, const char *w)
{
    if (!w || strlen(w) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] | 0x20) != (unsigned char)w[i])
            return 0;
    return 1;
}

/* The language of primary subtag s[0..n) (letters only), or NULL. */
static const lang_info *find_primary(const char *s, size_t n)
{
    for (size_t i = 0; i < N_LANGS; i++) {
        const lang_info *l = &langs[i];
        if (eq_nocase(s, n, l->code) || eq_nocase(s, n, l->name) ||
            eq_nocase(s, n, l->iso3) || eq_nocase(s, n, l->iso3b))
            return l;
    }
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
        if (eq_nocase(s, n, aliases[i].alias))
            return find_primary(aliases[i].code, strlen(aliases[i].code));
    return NULL;
}

const lang_info *lang_find(const char *s, size_t n)
{
    size_t p = 0;

    if (!s || n == 0 || n > LANG_MAX_TAG)
        return NULL;
    while (p < n && is_alpha((unsigned char)s[p]))
        p++;
    if (p == 0 || (p < n && s[p] != '-' && s[p] != '_'))
        return NULL;
    /* the other subtags: only checked, "fr-FR" is French wherever */
    for (size_t i = p; i < n;) {
        size_t j = ++i; /* past the separator */
        while (j < n &&
               (is_alpha((unsigned char)s[j]) || is_digit((unsigned char)s[j])))
            j++;
        if (j == i || j - i > SUBTAG_MAX ||
            (j < n && s[j] != '-' && s[j] != '_'))
            return NULL;
        i = j;
    }
    return find_primary(s, p);
}

const lang_info *lang_default(void)
{
    return find_primary("fr", 2); /* a few compares; no index to keep */
}

size_t lang_count(void)
{
    return N_LANGS;
}

const lang_info *lang_at(size_t i)
{
    return i < N_LANGS ? &langs[i] : NULL;
}

typedef struct {
    const char *s;
    size_t n;
} word_key;

/* Byte order of strcmp, on a word that is not NUL-terminated. */
static int cmp_stop(const void *key, const void *elt)
{
    const word_key *k = key;
    const char *e = *(const char *const *)elt;
    size_t en = strlen(e);
    int c = memcmp(k->s, e, k->n < en ? k->n : en);
    if (c)
        return c;
    return k->n < en ? -1 : k->n > en;
}

int lang_is_stopword(const lang_info *l, const char *word, size_t len)
{
    word_key k = {word, len};
    if (!l || !l->nstop || len == 0)
        return 0;
    return bsearch(&k, l->stop, l->nstop, sizeof *l->stop, cmp_stop) != NULL;
}
