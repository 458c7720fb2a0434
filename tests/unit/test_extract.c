/* test_extract: text, title and url extraction from .txt, .md and .html. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>

#include "indexer/extract.h"

/* Well-formed UTF-8 (no overlongs, surrogates or code points past
 * U+10FFFF), written independently of extract.c's own check. */
static int valid_utf8(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        uint32_t cp;
        size_t k, len;
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        if ((u[i] & 0xE0) == 0xC0) {
            len = 2;
            cp = u[i] & 0x1F;
        } else if ((u[i] & 0xF0) == 0xE0) {
            len = 3;
            cp = u[i] & 0x0F;
        } else if ((u[i] & 0xF8) == 0xF0) {
            len = 4;
            cp = u[i] & 0x07;
        } else {
            return 0;
        }
        if (i + len > n)
            return 0;
        for (k = 1; k < len; k++) {
            if ((u[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (u[i + k] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
            (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp < 0xE000))
            return 0;
        i += len;
    }
    return 1;
}

/* What every successful extraction promises (extract.h). */
static void check_invariants(const extract_doc *d)
{
    size_t k;

    assert_non_null(d->title);
    assert_non_null(d->url);
    assert_non_null(d->text);
    assert_int_equal(strlen(d->title), d->title_len);
    assert_int_equal(strlen(d->url), d->url_len);
    assert_int_equal(strlen(d->text), d->text_len); /* no NUL inside */
    assert_true(valid_utf8(d->title, d->title_len));
    assert_true(valid_utf8(d->url, d->url_len));
    assert_true(valid_utf8(d->text, d->text_len));
    assert_true(d->title_len <= EXTRACT_MAX_TITLE);
    assert_null(strchr(d->title, '\n'));
    assert_true(d->text_len > 0 || d->title_len > 0);
    assert_null(strstr(d->text, "\n\n\n"));
    assert_null(strstr(d->text, " \n"));
    assert_null(strstr(d->text, "\n "));
    assert_null(strstr(d->text, "  "));
    assert_null(strchr(d->text, '\t'));
    assert_null(strchr(d->text, '\r'));
    if (d->text_len > 0) {
        assert_true(d->text[0] != ' ' && d->text[0] != '\n');
        k = d->text_len - 1;
        assert_true(d->text[k] != ' ' && d->text[k] != '\n');
    }
}

typedef struct ecase {
    const char *name;
    const char *relpath;
    const char *in;
    size_t len; /* 0: strlen(in) */
    extract_status st;
    const char *err;   /* expected message of a skip */
    const char *title; /* NULL: not checked */
    const char *url;   /* NULL: not checked */
    const char *text;  /* exact text, NULL: not checked */
    int recoded;
    const char *has[8];   /* substrings the text must contain */
    const char *hasnt[8]; /* substrings the text must not contain */
} ecase;

static const ecase cases[] = {
    /* ---- plain text ---- */
    {"txt plain",
     "docs/a.txt",
     "Bonjour le monde\nDeuxième ligne\n",
     0,
     EXTRACT_OK,
     NULL,
     "Bonjour le monde",
     "docs/a.txt",
     "Bonjour le monde\nDeuxième ligne",
     0,
     {NULL},
     {NULL}},
    {"txt whitespace",
     "a.txt",
     "\n\n  a   b  \n\n\n\n  c\t\td  \r\n\r\ne\rf\xc2\xa0g\n\n",
     0,
     EXTRACT_OK,
     NULL,
     "a b",
     NULL,
     "a b\n\nc d\n\ne\nf g",
     0,
     {NULL},
     {NULL}},
    {"txt front matter",
     "a.txt",
     "---\ntitle: 'Mon titre'\nurl: \"https://ex.fr/a\"\nauthor: x\n---\n"
     "Corps du texte.\n",
     0,
     EXTRACT_OK,
     NULL,
     "Mon titre",
     "https://ex.fr/a",
     "Corps du texte.",
     0,
     {NULL},
     {NULL}},
    {"txt front matter crlf",
     "a.TXT",
     "---\r\nTitle: Titre CRLF\r\n---\r\nTexte\r\n",
     0,
     EXTRACT_OK,
     NULL,
     "Titre CRLF",
     "a.TXT",
     "Texte",
     0,
     {NULL},
     {NULL}},
    {"txt unclosed front matter is text",
     "a.txt",
     "---\ntitle: x\ntexte\n",
     0,
     EXTRACT_OK,
     NULL,
     "---",
     "a.txt",
     "---\ntitle: x\ntexte",
     0,
     {NULL},
     {NULL}},
    {"txt title cut to first line",
     "a.txt",
     "   \n  Première ligne non vide  \nsuite\n",
     0,
     EXTRACT_OK,
     NULL,
     "Première ligne non vide",
     NULL,
     NULL,
     0,
     {"suite"},
     {NULL}},
    {"txt relpath not utf8",
     "caf\xe9.txt",
     "x",
     0,
     EXTRACT_OK,
     NULL,
     "x",
     "caf\xc3\xa9.txt",
     "x",
     0,
     {NULL},
     {NULL}},

    /* ---- encodings ---- */
    {"cp1252 fallback",
     "a.txt",
     "\xe9t\xe9 \x9cuvre",
     0,
     EXTRACT_OK,
     NULL,
     "été œuvre",
     NULL,
     "été œuvre",
     1,
     {NULL},
     {NULL}},
    {"cp1252 0x80-0x9f",
     "a.txt",
     "\x80 \x85 \x96 \x97 \x92 \x93x\x94 \x8c",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "€ … – — ’ “x” Œ",
     1,
     {NULL},
     {NULL}},
    {"cp1252 undefined byte",
     "a.txt",
     "a\x81z \xff",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "a\xef\xbf\xbdz ÿ",
     1,
     {NULL},
     {NULL}},
    {"overlong utf8 is not utf8",
     "a.txt",
     "\xc0\xaf",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "À¯",
     1,
     {NULL},
     {NULL}},
    {"utf8 kept",
     "a.txt",
     "Ça coûte 5 € — ok 😀",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "Ça coûte 5 € — ok 😀",
     0,
     {NULL},
     {NULL}},
    /* the first and last code point of each length, either side of the
     * surrogates, and the last one */
    {"utf8 boundaries kept",
     "a.txt",
     "x\xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xf0\x90\x80\x80 "
     "\xf4\x8f\xbf\xbf",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "x\xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xf0\x90\x80\x80 "
     "\xf4\x8f\xbf\xbf",
     0,
     {NULL},
     {NULL}},
    {"surrogate is not utf8",
     "a.txt",
     "caf\xc3\xa9 \xed\xa0\x80",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "cafÃ© í €",
     1,
     {NULL},
     {NULL}},
    {"past U+10FFFF is not utf8",
     "a.txt",
     "caf\xc3\xa9 \xf4\x90\x80\x80",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "cafÃ© ô\xef\xbf\xbd€€",
     1,
     {NULL},
     {NULL}},
    {"overlong 3-byte utf8 is not utf8",
     "a.txt",
     "caf\xc3\xa9 \xe0\x9f\xbf",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "cafÃ© àŸ¿",
     1,
     {NULL},
     {NULL}},
    {"overlong 4-byte utf8 is not utf8",
     "a.txt",
     "caf\xc3\xa9 \xf0\x8f\xbf\xbf",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "cafÃ© ð\xef\xbf\xbd¿¿",
     1,
     {NULL},
     {NULL}},
    {"utf8 cut at the end is not utf8",
     "a.txt",
     "caf\xc3",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "cafÃ",
     1,
     {NULL},
     {NULL}},
    {"bom stripped",
     "a.txt",
     "\xef\xbb\xbfTitre\ncorps",
     0,
     EXTRACT_OK,
     NULL,
     "Titre",
     NULL,
     "Titre\ncorps",
     0,
     {NULL},
     {NULL}},
    {"bom then front matter",
     "a.md",
     "\xef\xbb\xbf---\ntitle: Avec BOM\n---\n# Autre\n",
     0,
     EXTRACT_OK,
     NULL,
     "Avec BOM",
     NULL,
     "Autre",
     0,
     {NULL},
     {NULL}},
    {"html cp1252",
     "a.html",
     "<p>\xe9t\xe9</p><p>\x9cuvre</p>",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "été\n\nœuvre",
     1,
     {NULL},
     {NULL}},
    {"html meta charset ignored",
     "a.html",
     "<html><head><meta charset=\"iso-8859-1\"><title>Été</title></head>"
     "<body><p>déjà</p></body></html>",
     0,
     EXTRACT_OK,
     NULL,
     "Été",
     NULL,
     "déjà",
     0,
     {NULL},
     {NULL}},

    /* ---- skips ---- */
    {"binary nul",
     "a.txt",
     "abc\0def",
     7,
     EXTRACT_SKIP_BINARY,
     "binary file",
     NULL,
     NULL,
     NULL,
     0,
     {NULL},
     {NULL}},
    {"binary controls",
     "a.md",
     "\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11 text",
     0,
     EXTRACT_SKIP_BINARY,
     "binary file",
     NULL,
     NULL,
     NULL,
     0,
     {NULL},
     {NULL}},
    {"empty",
     "a.txt",
     "",
     0,
     EXTRACT_SKIP_EMPTY,
     "empty",
     NULL,
     NULL,
     NULL,
     0,
     {NULL},
     {NULL}},
    {"whitespace only",
     "a.txt",
     " \n\t\r\n  \n",
     0,
     EXTRACT_SKIP_EMPTY,
     "empty",
     NULL,
     NULL,
     NULL,
     0,
     {NULL},
     {NULL}},
    {"bom only",
     "a.txt",
     "\xef\xbb\xbf",
     0,
     EXTRACT_SKIP_EMPTY,
     "empty",
     NULL,
     NULL,
     NULL,
     0,
     {NULL},
     {NULL}},
    {"html markup only",
     "a.html",
     "<html><head><script>x()</script></head><body> <br> </body></html>",
     0,
     EXTRACT_SKIP_EMPTY,
     "empty",
     NULL,
     NULL,
     NULL,
     0,
     {NULL},
     {NULL}},
    {"md front matter only, no title",
     "a.md",
     "---\nauthor: x\n---\n\n",
     0,
     EXTRACT_SKIP_EMPTY,
     "empty",
     NULL,
     NULL,
     NULL,
     0,
     {NULL},
     {NULL}},
    {"unsupported pdf",
     "a.pdf",
     "%PDF-1.4",
     0,
     EXTRACT_SKIP_TYPE,
     "unsupported type",
     NULL,
     NULL,
     NULL,
     0,
     {NULL},
     {NULL}},
    {"no extension",
     "dir.md/README",
     "x",
     0,
     EXTRACT_SKIP_TYPE,
     "unsupported type",
     NULL,
     NULL,
     NULL,
     0,
     {NULL},
     {NULL}},
    {"hidden name is not a type",
     "d/.md",
     "x",
     0,
     EXTRACT_SKIP_TYPE,
     "unsupported type",
     NULL,
     NULL,
     NULL,
     0,
     {NULL},
     {NULL}},

    /* ---- Markdown ---- */
    {"md full",
     "notes/n.md",
     "# Le *Titre* #\n"
     "Un **gras**, un _italique_ et `du_code` ici.\n"
     "Un [lien](http://x.fr/a_(b) \"t\") et ![une image](i.png).\n"
     "\n"
     "```c\n"
     "int main(void) { return **p; } /* [x](y) */\n"
     "```\n"
     "Fin.\n",
     0,
     EXTRACT_OK,
     NULL,
     "Le Titre",
     "notes/n.md",
     "Le Titre\n\nUn gras, un italique et du_code ici.\n"
     "Un lien et une image.\n\n"
     "int main(void) { return **p; } /* [x](y) */\n\nFin.",
     0,
     {NULL},
     {NULL}},
    {"md setext title and text",
     "a.md",
     "Titre souligné\n==============\n\nTexte.\nSous titre\n---\nsuite\n",
     0,
     EXTRACT_OK,
     NULL,
     "Titre souligné",
     NULL,
     "Titre souligné\n\nTexte.\nSous titre\n\nsuite",
     0,
     {NULL},
     {NULL}},
    {"md thematic break is not front matter",
     "a.md",
     "---\nParagraphe\n---\n",
     0,
     EXTRACT_OK,
     NULL,
     "Paragraphe",
     NULL,
     "Paragraphe",
     0,
     {NULL},
     {NULL}},
    {"md front matter title wins",
     "a.md",
     "---\ntitle: Du front matter\nurl: /a/b\n---\n# Heading\nTexte\n",
     0,
     EXTRACT_OK,
     NULL,
     "Du front matter",
     "/a/b",
     "Heading\n\nTexte",
     0,
     {NULL},
     {NULL}},
    {"md lists quotes refs",
     "a.md",
     "> citation *ici*\n"
     "> > imbriquée\n"
     "- puce un\n"
     "* puce deux\n"
     "+ puce trois\n"
     "- [x] tâche faite\n"
     "1. premier\n"
     "Voir [la doc][ref] et <https://auto.fr/x?a=1> ou <moi@ex.fr>.\n"
     "[ref]: https://doc.fr \"Doc\"\n"
     "[^1]: Une note.\n",
     0,
     EXTRACT_OK,
     NULL,
     "citation ici",
     NULL,
     "citation ici\nimbriquée\npuce un\npuce deux\npuce trois\ntâche faite\n"
     "1. premier\nVoir la doc et https://auto.fr/x?a=1 ou moi@ex.fr.\n"
     "Une note.",
     0,
     {NULL},
     {NULL}},
    {"md html and entities",
     "a.md",
     "a<br>b <span>c</span>d <!-- caché\nencore caché -->e\n"
     "&eacute;t&eacute; &amp; &#233; &#x153;uvre &nope; &#xD800; &#0;\n"
     "<script>\nalert(1)\n</script>\n"
     "2 * 3 et snake_case et \\*échappé\\* ~~barré~~ ~5\n",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "a b cd\ne\nété & é œuvre &nope; \xef\xbf\xbd \xef\xbf\xbd\n"
     "2 * 3 et snake_case et *échappé* barré ~5",
     0,
     {NULL},
     {NULL}},
    /* references to the last code point, past it, to C1 controls (read as
     * Windows-1252, as HTML5 does), to a surrogate and past 6 digits */
    {"md character references at the edges",
     "a.md",
     "&#x10FFFF; &#x110000; &#x9C; &#128512; &#xDFFF; &#xE000; &#x80; "
     "&#x81; &#9999999; &#xFFFFFF;",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "\xf4\x8f\xbf\xbf \xef\xbf\xbd œ 😀 \xef\xbf\xbd \xee\x80\x80 € "
     "\xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd",
     0,
     {NULL},
     {NULL}},
    {"md table",
     "a.md",
     "| Nom | Ville |\n|-----|:-----:|\n| Anne | Lyon |\n",
     0,
     EXTRACT_OK,
     NULL,
     "Nom Ville",
     NULL,
     "Nom Ville\nAnne Lyon",
     0,
     {NULL},
     {NULL}},
    {"md tilde fence",
     "a.md",
     "~~~\n# pas un titre\n~~~~\nTitre? non\n",
     0,
     EXTRACT_OK,
     NULL,
     "# pas un titre",
     NULL,
     "# pas un titre\n\nTitre? non",
     0,
     {NULL},
     {NULL}},
    {"md unclosed constructs",
     "a.md",
     "[a](b `c **d <e &f",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "[a](b `c d <e &f",
     0,
     {NULL},
     {NULL}},

    /* ---- HTML ---- */
    {"html full",
     "site/page.html",
     "<!DOCTYPE html><html><head><meta charset=utf-8>\n"
     "<title>  Le   titre &amp; co </title>\n"
     "<meta name=\"Description\" content=\"Une  description utile.\">\n"
     "<link rel=\"alternate canonical\" href=\" https://ex.fr/page \">\n"
     "<style>body { color: red }</style><script>var secret1;</script>\n"
     "</head><body><header>entête du site</header>\n"
     "<nav><a href=/>menu</a></nav>\n"
     "<h1>Grand titre</h1><p>Premier &eacute;t&eacute; &amp; &lt;b&gt;</p>\n"
     "<div data-noindex>pub cachée</div><noscript>sans js</noscript>\n"
     "<template><p>modèle</p></template><script>secret2()</script>\n"
     "<p>Deux<br>lignes</p><footer>pied de page</footer></body></html>",
     0,
     EXTRACT_OK,
     NULL,
     "Le titre & co",
     "https://ex.fr/page",
     "Grand titre\n\nPremier été & <b>\n\nDeux\nlignes\n\n"
     "Une description utile.",
     0,
     {NULL},
     {NULL}},
    {"html blocks separate words",
     "a.htm",
     "<p>a</p><p>b</p><div>c</div><div>d</div><ul><li>e</li><li>f</li></ul>"
     "<table><tr><td>g</td><td>h</td></tr><tr><th>i</th></tr></table>"
     "<h2>j</h2><blockquote>k</blockquote><section>l</section>"
     "<article>m</article><dl><dt>n</dt><dd>o</dd></dl>p<br>q",
     0,
     EXTRACT_OK,
     NULL,
     "a",
     "a.htm",
     "a\n\nb\n\nc\n\nd\n\ne\nf\n\ng\nh\ni\n\nj\n\nk\n\nl\n\nm\n\nn\no\n\np\nq",
     0,
     {NULL},
     {NULL}},
    {"html inline elements glue like a browser",
     "a.html",
     "<p><b>mot</b>suivant <em>un</em> <span>deux</span>\n  trois</p>",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "motsuivant un deux trois",
     0,
     {NULL},
     {NULL}},
    {"html title falls back to h1",
     "a.html",
     "<body><p>intro</p><h1> Le <i>vrai</i>\ntitre </h1><h1>autre</h1></body>",
     0,
     EXTRACT_OK,
     NULL,
     "Le vrai titre",
     "a.html",
     NULL,
     0,
     {"intro"},
     {NULL}},
    {"html title falls back to first line",
     "a.html",
     "<body><div> Ligne une </div><div>deux</div></body>",
     0,
     EXTRACT_OK,
     NULL,
     "Ligne une",
     NULL,
     "Ligne une\n\ndeux",
     0,
     {NULL},
     {NULL}},
    {"html description not repeated",
     "a.html",
     "<head><meta name=description content=\"Déjà  dans le corps\"></head>"
     "<body><p>Texte. Déjà dans le corps.</p></body>",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "Texte. Déjà dans le corps.",
     0,
     {NULL},
     {NULL}},
    {"html article header is content",
     "a.html",
     "<body><header>bannière</header><article><header><h1>Sujet</h1>"
     "</header><p>corps</p><footer>signé</footer></article>"
     "<footer>copyright</footer></body>",
     0,
     EXTRACT_OK,
     NULL,
     "Sujet",
     NULL,
     "Sujet\n\ncorps\n\nsigné",
     0,
     {NULL},
     {NULL}},
    {"html pre keeps lines",
     "a.html",
     "<pre>ligne 1\n  ligne 2</pre>x",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "ligne 1\nligne 2\n\nx",
     0,
     {NULL},
     {NULL}},
    {"html noindex nested and comments",
     "a.html",
     "<div>garde <span data-noindex=\"\">jette <b>aussi</b></span>ceci"
     "<!-- commentaire --></div><svg><text>vectoriel</text></svg>",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "garde ceci",
     0,
     {NULL},
     {NULL}},
    /* Blank text between inline elements separates words, as in a
     * browser (a streaming walk once dropped it: "loi1voir"). */
    {"html blank between inline elements",
     "a.html",
     "<p>la loi<sup>1</sup> <a href=\"#n1\">voir</a> la note</p>"
     "<p>mot<img src=a.png> <b>suivant</b></p>"
     "<ul><li><label>Nom</label><input> <span>obligatoire</span></ul>"
     "<p>Publié le<time> <b>3 mai</b></time></p>",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "la loi1 voir la note\n\nmot suivant\n\nNom obligatoire\n\n"
     "Publié le 3 mai",
     0,
     {NULL},
     {NULL}},
    {"html blank after an HTML 4.01 doctype",
     "a.html",
     "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">"
     "<html><body>a<img> <b>b</b>&#32;<i>c</i></body></html>",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "a b c",
     0,
     {NULL},
     {NULL}},
    {"html data-noindex inside the title heading",
     "a.html",
     "<h1>Titre <span data-noindex>caché</span>visible</h1><p>corps</p>",
     0,
     EXTRACT_OK,
     NULL,
     "Titre visible",
     NULL,
     NULL,
     0,
     {NULL},
     {NULL}},
    {"html truncated",
     "a.html",
     "<html><head><title>Coupé</title></head><body><p>début <b>gras",
     0,
     EXTRACT_OK,
     NULL,
     "Coupé",
     NULL,
     "début gras",
     0,
     {NULL},
     {NULL}},
    {"html unclosed script swallows the rest",
     "a.html",
     "<p>avant</p><script>var a = '<p>après</p>';",
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     NULL,
     "avant",
     0,
     {NULL},
     {NULL}},
    {"html long canonical ignored",
     "x/a.html",
     NULL,
     0,
     EXTRACT_OK,
     NULL,
     NULL,
     "x/a.html",
     NULL,
     0,
     {"corps"},
     {NULL}},
};

/* Built at run time: a canonical url one byte too long. */
static char *long_canonical_doc(void)
{
    size_t n = EXTRACT_MAX_URL + 1, k;
    char *s = malloc(n + 100);

    assert_non_null(s);
    k = (size_t)sprintf(s, "<link rel=canonical href=\"");
    memset(s + k, 'u', n);
    sprintf(s + k + n, "\"><p>corps</p>");
    return s;
}

static void run_case(const ecase *c)
{
    extract_doc d;
    char err[128] = "untouched";
    char *owned = NULL;
    const char *in = c->in;
    size_t len, k;
    extract_status st;

    if (in == NULL)
        in = owned = long_canonical_doc();
    len = c->len ? c->len : strlen(in);
    st = extract_document(c->relpath, in, len, 0, &d, err, sizeof err);
    if (st != c->st)
        fail_msg("%s: status %d (%s), want %d", c->name, st, err, c->st);
    if (st != EXTRACT_OK) {
        assert_null(d.title);
        assert_null(d.url);
        assert_null(d.text);
        if (c->err != NULL)
            assert_string_equal(err, c->err);
        free(owned);
        return;
    }
    assert_string_equal(err, "");
    check_invariants(&d);
    if (c->title != NULL && strcmp(d.title, c->title) != 0)
        fail_msg("%s: title [%s], want [%s]", c->name, d.title, c->title);
    if (c->url != NULL && strcmp(d.url, c->url) != 0)
        fail_msg("%s: url [%s], want [%s]", c->name, d.url, c->url);
    if (c->text != NULL && strcmp(d.text, c->text) != 0)
        fail_msg("%s: text [%s], want [%s]", c->name, d.text, c->text);
    for (k = 0; k < 8 && c->has[k] != NULL; k++)
        if (strstr(d.text, c->has[k]) == NULL)
            fail_msg("%s: text [%s] lacks [%s]", c->name, d.text, c->has[k]);
    for (k = 0; k < 8 && c->hasnt[k] != NULL; k++)
        if (strstr(d.text, c->hasnt[k]) != NULL)
            fail_msg("%s: text [%s] has [%s]", c->name, d.text, c->hasnt[k]);
    if (d.recoded != c->recoded)
        fail_msg("%s: recoded %d, want %d", c->name, d.recoded, c->recoded);
    extract_doc_free(&d);
    assert_null(d.text);
    extract_doc_free(&d); /* twice is harmless */
    free(owned);
}

static void test_cases(void **state)
{
    size_t k;

    (void)state;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++)
        run_case(&cases[k]);
}

static void test_format_of(void **state)
{
    static const struct {
        const char *path;
        extract_format fmt;
    } t[] = {
        {"a.txt", EXTRACT_FMT_TEXT},      {"A.TxT", EXTRACT_FMT_TEXT},
        {"d/x.md", EXTRACT_FMT_MARKDOWN}, {"x.Markdown", EXTRACT_FMT_MARKDOWN},
        {"x.html", EXTRACT_FMT_HTML},     {"x.HTM", EXTRACT_FMT_HTML},
        {"x.tar.html", EXTRACT_FMT_HTML}, {"x.html.bak", EXTRACT_FMT_NONE},
        {"x.xhtml", EXTRACT_FMT_NONE},    {"d.txt/x", EXTRACT_FMT_NONE},
        {".txt", EXTRACT_FMT_NONE},       {"x.", EXTRACT_FMT_NONE},
        {"", EXTRACT_FMT_NONE},
    };
    size_t k;

    (void)state;
    for (k = 0; k < sizeof t / sizeof t[0]; k++)
        if (extract_format_of(t[k].path) != t[k].fmt)
            fail_msg("%s: format %d, want %d", t[k].path,
                     extract_format_of(t[k].path), t[k].fmt);
    assert_int_equal(extract_format_of(NULL), EXTRACT_FMT_NONE);
}

static void test_too_large(void **state)
{
    extract_doc d;
    char err[64];
    size_t n = EXTRACT_MAX_SIZE + 1;
    char *big = malloc(n);

    (void)state;
    assert_non_null(big);
    memset(big, 'a', n);
    assert_int_equal(extract_document("a.txt", big, n, 0, &d, err, sizeof err),
                     EXTRACT_SKIP_TOO_LARGE);
    assert_string_equal(err, "larger than 50 MB");
    assert_null(d.text);
    /* exactly at the limit is fine */
    assert_int_equal(
        extract_document("a.txt", big, n - 1, 0, &d, err, sizeof err),
        EXTRACT_OK);
    assert_int_equal(d.text_len, n - 1);
    assert_int_equal(d.title_len, EXTRACT_MAX_TITLE);
    extract_doc_free(&d);
    free(big);

    assert_int_equal(
        extract_document("a.md", "0123456789x", 11, 10, &d, err, sizeof err),
        EXTRACT_SKIP_TOO_LARGE);
    assert_string_equal(err, "larger than 10 bytes");
    /* the type is checked first: a huge .pdf is "unsupported", not large */
    assert_int_equal(
        extract_document("a.pdf", "0123456789x", 11, 10, &d, err, sizeof err),
        EXTRACT_SKIP_TYPE);
    assert_string_equal(extract_strerror(EXTRACT_SKIP_TOO_LARGE),
                        "larger than the size limit");
}

static void test_nul_after_sniff(void **state)
{
    size_t n = EXTRACT_SNIFF + 100;
    char *s = malloc(n);
    extract_doc d;

    (void)state;
    assert_non_null(s);
    memset(s, 'a', n);
    s[EXTRACT_SNIFF + 10] = '\0';
    assert_int_equal(extract_document("a.txt", s, n, 0, &d, NULL, 0),
                     EXTRACT_OK);
    check_invariants(&d);
    assert_int_equal(d.text_len, n); /* the NUL became a space */
    assert_int_equal(d.text[EXTRACT_SNIFF + 10], ' ');
    extract_doc_free(&d);
    /* the same NUL in the sniffed start makes it binary */
    s[EXTRACT_SNIFF + 10] = 'a';
    s[EXTRACT_SNIFF - 1] = '\0';
    assert_int_equal(extract_document("a.txt", s, n, 0, &d, NULL, 0),
                     EXTRACT_SKIP_BINARY);
    free(s);
}

static void test_title_cut(void **state)
{
    char s[1 + 150 * 2 + 20];
    extract_doc d;
    size_t k;

    (void)state;
    s[0] = 'a';
    for (k = 0; k < 150; k++)
        memcpy(s + 1 + 2 * k, "\xc3\xa9", 2);
    strcpy(s + 301, "\nreste");
    assert_int_equal(extract_document("a.txt", s, strlen(s), 0, &d, NULL, 0),
                     EXTRACT_OK);
    check_invariants(&d);
    /* byte 200 is inside the 100th 'é': cut before it */
    assert_int_equal(d.title_len, 199);
    assert_memory_equal(d.title, s, 199);
    extract_doc_free(&d);
}

static void test_bad_args(void **state)
{
    extract_doc d;
    char err[32];

    (void)state;
    assert_int_equal(extract_document(NULL, "x", 1, 0, &d, err, sizeof err),
                     EXTRACT_ERR_ARG);
    assert_null(d.text);
    assert_int_equal(extract_document("a.txt", NULL, 1, 0, &d, NULL, 0),
                     EXTRACT_ERR_ARG);
    assert_int_equal(extract_document("a.txt", "x", 1, 0, NULL, NULL, 0),
                     EXTRACT_ERR_ARG);
    extract_doc_free(NULL);
}

/* xorshift64*: the same "random" documents on every run. */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1Du;
}

/* Garbage, truncated and hostile inputs: no crash (the sanitizer build
 * checks memory), a sane status, and the invariants when OK. */
static void test_garbage(void **state)
{
    static const char *const bits[] = {
        "<",
        ">",
        "</",
        "<p>",
        "</p>",
        "<div ",
        "<!--",
        "-->",
        "<script>",
        "</script",
        "&",
        "&#",
        "&#x",
        ";",
        "&amp",
        "&#xFFFFFFFF;",
        "\"",
        "'",
        "<title>",
        "<h1>",
        "[",
        "](",
        ")",
        "`",
        "```",
        "*",
        "_",
        "#",
        "---\n",
        "\n",
        " ",
        "é",
        "\xe9",
        "\xc3",
        "<br/>",
        "<a href='",
        "<meta name=description content=",
        "<link rel=canonical href=",
        "data-noindex",
        "~~",
        "|",
        "> ",
        "- ",
        "![",
        "<https://",
        "@",
        "\r",
        "\xef\xbb\xbf",
        "\\",
        "<![CDATA[",
    };
    static const char *const paths[] = {"g.html", "g.md", "g.txt"};
    const size_t nbits = sizeof bits / sizeof bits[0];
    uint64_t seed = 0x9E3779B97F4A7C15u;
    char doc[4096];
    extract_doc d;
    int round;

    (void)state;
    for (round = 0; round < 3000; round++) {
        size_t len = 0, k;
        int parts = (int)(rnd(&seed) % 60);
        extract_status st;
        for (k = 0; k < (size_t)parts; k++) {
            const char *b = bits[rnd(&seed) % nbits];
            size_t bl = strlen(b);
            if (len + bl >= sizeof doc)
                break;
            memcpy(doc + len, b, bl);
            len += bl;
        }
        if (len > 0 && rnd(&seed) % 4 == 0) /* truncate anywhere */
            len = (size_t)(rnd(&seed) % len);
        st = extract_document(paths[round % 3], doc, len, 0, &d, NULL, 0);
        assert_true(st == EXTRACT_OK || st == EXTRACT_SKIP_EMPTY ||
                    st == EXTRACT_SKIP_BINARY);
        if (st == EXTRACT_OK)
            check_invariants(&d);
        extract_doc_free(&d);
    }
}

/* Inputs that would be slow or deep with a naive parser. libxml2 stops at
 * 256 nested elements (its guard against deep documents): what came before
 * is kept, the rest is lost. */
static void test_pathological(void **state)
{
    static const struct {
        const char *path;
        const char *unit;
        size_t repeat;
        int tail_kept; /* "fin" after the repeats is in the text */
    } t[] = {
        {"deep.html", "<div>", 200000, 0},  {"deep.html", "<div>", 250, 1},
        {"deep.html", "<b><i>", 100000, 0}, {"br.md", "[", 200000, 1},
        {"tick.md", "a`", 200000, 1},       {"tag.md", "<a ", 100000, 1},
        {"amp.md", "&", 200000, 1},         {"star.md", "*a", 100000, 1},
        {"quote.md", ">", 200000, 1},       {"hash.md", "#", 200000, 1},
        {"link.md", "[a](", 100000, 1},     {"lt.html", "< ", 200000, 1},
    };
    extract_doc d;
    size_t k, r, ul;

    (void)state;
    for (k = 0; k < sizeof t / sizeof t[0]; k++) {
        char *s;
        size_t len = 0;
        extract_status st;
        ul = strlen(t[k].unit);
        s = malloc(ul * t[k].repeat + 32);
        assert_non_null(s);
        len = (size_t)sprintf(
            s, "%s",
            strstr(t[k].path, ".html") != NULL ? "<p>début</p>" : "début\n\n");
        for (r = 0; r < t[k].repeat; r++, len += ul)
            memcpy(s + len, t[k].unit, ul);
        memcpy(s + len, "fin", 4);
        st = extract_document(t[k].path, s, strlen(s), 0, &d, NULL, 0);
        if (st != EXTRACT_OK)
            fail_msg("%s x %zu: status %d", t[k].unit, t[k].repeat, st);
        check_invariants(&d);
        assert_string_equal(d.title, "début");
        if ((strstr(d.text, "fin") != NULL) != t[k].tail_kept)
            fail_msg("%s x %zu: tail %s", t[k].unit, t[k].repeat,
                     t[k].tail_kept ? "lost" : "kept");
        extract_doc_free(&d);
        free(s);
    }
}

/* extract_document keeps no state: threads get the same answers. */
typedef struct worker {
    const ecase *c;
    int mismatches;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    const ecase *c = w->c;
    extract_doc d;
    int k;

    for (k = 0; k < 200; k++) {
        if (extract_document(c->relpath, c->in, strlen(c->in), 0, &d, NULL,
                             0) != EXTRACT_OK ||
            strcmp(d.text, c->text) != 0 || strcmp(d.title, c->title) != 0)
            w->mismatches++;
        extract_doc_free(&d);
    }
    return NULL;
}

static void test_threads(void **state)
{
    pthread_t th[4];
    worker w[4];
    size_t k, pick[2] = {0, 0};
    int t;

    (void)state;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        if (strcmp(cases[k].name, "html full") == 0)
            pick[0] = k;
        if (strcmp(cases[k].name, "md full") == 0)
            pick[1] = k;
    }
    assert_true(pick[0] != 0 && pick[1] != 0);
    for (t = 0; t < 4; t++) {
        w[t].c = &cases[pick[t % 2]];
        w[t].mismatches = 0;
        assert_int_equal(pthread_create(&th[t], NULL, work, &w[t]), 0);
    }
    for (t = 0; t < 4; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        assert_int_equal(w[t].mismatches, 0);
    }
}

/* Pages not for publication are skipped, whatever else they hold; a
 * false flag or another value does not hide a page. */
static void test_unlisted(void **state)
{
    (void)state;
    static const struct {
        const char *relpath, *in;
        int hidden;
    } t[] = {
        {"a.md", "---\ndraft: true\n---\n# T\n\nx\n", 1},
        {"a.md", "---\ntitle: T\nDraft: YES\n---\nx\n", 1},
        {"a.txt", "---\npublished: false\n---\nx\n", 1},
        {"a.md", "---\npublished: 'off'\n---\nx\n", 1},
        {"a.md", "---\ndraft: false\n---\nx\n", 0},
        {"a.md", "---\ndraft: maybe\n---\nx\n", 0},
        {"a.md", "---\npublished: true\n---\nx\n", 0},
        {"a.md", "---\ndraft: true\ndraft: false\n---\nx\n", 0},
        {"a.md", "---\ndraft: true\npublished: true\n---\nx\n", 1},
        {"a.md", "---\npublished: false\ndraft: false\n---\nx\n", 1},
        {"a.md", "---\ndraft: true # wip\n---\nx\n", 1},
        {"a.md", "---\ndraft: \"true\"\n---\nx\n", 1},
        {"a.md", "---\ndraft: true#x\n---\nx\n", 0},
        {"a.md", "draft: true\n\nx\n", 0}, /* no front matter */
        {"a.html",
         "<head><meta name=\"ROBOTS\" content=\"noarchive,NoIndex\">"
         "</head><p>x</p>",
         1},
        {"a.html", "<meta name=\"robots\" content=\"index, follow\"><p>x</p>",
         0},
        {"a.html", "<meta name=\"robots\" content=\"none\"><p>x</p>", 1},
        {"a.html", "<meta name=\"robots\" content=\"noindexer\"><p>x</p>", 0},
        {"a.html", "<meta name=\"description\" content=\"noindex\"><p>x</p>",
         0},
    };
    extract_doc d;
    char err[128];

    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        extract_status st = extract_document(
            t[k].relpath, t[k].in, strlen(t[k].in), 0, &d, err, sizeof err);
        if (st != (t[k].hidden ? EXTRACT_SKIP_UNLISTED : EXTRACT_OK))
            fail_msg("case %zu: status %d (%s)", k, st, err);
        if (t[k].hidden) {
            assert_null(d.text);
            assert_string_equal(err, "not for publication (draft, or "
                                     "noindex)");
        }
        extract_doc_free(&d);
    }
}

/* url_own tells the page's own url from the relative-path fallback. */
static void test_url_own(void **state)
{
    static const struct {
        const char *relpath, *in, *url;
        int own;
    } t[] = {
        {"a/b.md", "---\nurl: /x/\n---\nx\n", "/x/", 1},
        {"a/b.md", "# T\n\nx\n", "a/b.md", 0},
        {"c.html", "<link rel=\"canonical\" href=\"https://e.org/c\"><p>x</p>",
         "https://e.org/c", 1},
        {"c.html", "<p>x</p>", "c.html", 0},
        {"d.txt", "x\n", "d.txt", 0},
    };
    extract_doc d;

    (void)state;
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        assert_int_equal(extract_document(t[k].relpath, t[k].in,
                                          strlen(t[k].in), 0, &d, NULL, 0),
                         EXTRACT_OK);
        assert_string_equal(d.url, t[k].url);
        assert_int_equal(d.url_own, t[k].own);
        extract_doc_free(&d);
    }
}

static void test_strerror(void **state)
{
    (void)state;
    assert_string_equal(extract_strerror(EXTRACT_SKIP_BINARY), "binary file");
    assert_string_equal(extract_strerror(EXTRACT_SKIP_EMPTY), "empty");
    assert_string_equal(extract_strerror(EXTRACT_SKIP_TYPE),
                        "unsupported type");
    assert_string_equal(extract_strerror(EXTRACT_ERR_NOMEM), "out of memory");
    assert_string_equal(extract_strerror((extract_status)99), "unknown status");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_format_of),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_nul_after_sniff),
        cmocka_unit_test(test_title_cut),
        cmocka_unit_test(test_bad_args),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_pathological),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_unlisted),
        cmocka_unit_test(test_url_own),
        cmocka_unit_test(test_threads),
    };
    int rc;

    extract_init();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    extract_cleanup();
    return rc;
}
