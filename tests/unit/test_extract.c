/* test_extract: what each kind of file extracts to (plain text, encodings,
 * skips, Markdown, HTML: one table), the same from several threads, drafts
 * and noindex pages, the url's origin, heading and lead ranges, and the
 * metadata (language, date, tags, section, description). Limits and hostile
 * input: test_extract_limits.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>

#include "tests/unit/unit_extract.h"
#include "indexer/extract.h"

typedef struct ecase {
    const char *name;
    const char *relpath;
    const char *in; /* NULL: long_canonical_doc() */
    size_t len;     /* 0: strlen(in) */
    extract_status st;
    const char *err;   /* expected message of a skip */
    const char *title; /* NULL: not checked */
    const char *url;   /* NULL: not checked */
    const char *text;  /* exact text, NULL: not checked */
    int recoded;
    const char *has[8]; /* substrings the text must contain */
} ecase;

/* Fields left out of a row are zero: EXTRACT_OK, not recoded, and nothing
 * checked. */
static const ecase cases[] = {
    /* ---- plain text ---- */
    {.name = "txt plain",
     .relpath = "docs/a.txt",
     .in = "Bonjour le monde\nDeuxième ligne\n",
     .title = "Bonjour le monde",
     .url = "docs/a.txt",
     .text = "Bonjour le monde\nDeuxième ligne"},
    {.name = "txt whitespace",
     .relpath = "a.txt",
     .in = "\n\n  a   b  \n\n\n\n  c\t\td  \r\n\r\ne\rf\xc2\xa0g\n\n",
     .title = "a b",
     .text = "a b\n\nc d\n\ne\nf g"},
    {.name = "txt front matter",
     .relpath = "a.txt",
     .in = "---\ntitle: 'Mon titre'\nurl: \"https://ex.fr/a\"\nauthor: x\n---\n"
           "Corps du texte.\n",
     .title = "Mon titre",
     .url = "https://ex.fr/a",
     .text = "Corps du texte."},
    {.name = "txt front matter crlf",
     .relpath = "a.TXT",
     .in = "---\r\nTitle: Titre CRLF\r\n---\r\nTexte\r\n",
     .title = "Titre CRLF",
     .url = "a.TXT",
     .text = "Texte"},
    {.name = "txt unclosed front matter is text",
     .relpath = "a.txt",
     .in = "---\ntitle: x\ntexte\n",
     .title = "---",
     .url = "a.txt",
     .text = "---\ntitle: x\ntexte"},
    {.name = "txt title cut to first line",
     .relpath = "a.txt",
     .in = "   \n  Première ligne non vide  \nsuite\n",
     .title = "Première ligne non vide",
     .has = {"suite"}},
    {.name = "txt relpath not utf8",
     .relpath = "caf\xe9.txt",
     .in = "x",
     .title = "x",
     .url = "caf\xc3\xa9.txt",
     .text = "x"},

    /* ---- encodings ---- */
    {.name = "cp1252 fallback",
     .relpath = "a.txt",
     .in = "\xe9t\xe9 \x9cuvre",
     .title = "été œuvre",
     .text = "été œuvre",
     .recoded = 1},
    {.name = "cp1252 0x80-0x9f",
     .relpath = "a.txt",
     .in = "\x80 \x85 \x96 \x97 \x92 \x93x\x94 \x8c",
     .text = "€ … – — ’ “x” Œ",
     .recoded = 1},
    {.name = "cp1252 undefined byte",
     .relpath = "a.txt",
     .in = "a\x81z \xff",
     .text = "a\xef\xbf\xbdz ÿ",
     .recoded = 1},
    {.name = "overlong utf8 is not utf8",
     .relpath = "a.txt",
     .in = "\xc0\xaf",
     .text = "À¯",
     .recoded = 1},
    {.name = "utf8 kept",
     .relpath = "a.txt",
     .in = "Ça coûte 5 € — ok 😀",
     .text = "Ça coûte 5 € — ok 😀"},
    /* the first and last code point of each length, either side of the
     * surrogates, and the last one */
    {.name = "utf8 boundaries kept",
     .relpath = "a.txt",
     .in = "x\xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xf0\x90\x80\x80 "
           "\xf4\x8f\xbf\xbf",
     .text =
         "x\xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xf0\x90\x80\x80 "
         "\xf4\x8f\xbf\xbf"},
    {.name = "surrogate is not utf8",
     .relpath = "a.txt",
     .in = "caf\xc3\xa9 \xed\xa0\x80",
     .text = "cafÃ© í €",
     .recoded = 1},
    {.name = "past U+10FFFF is not utf8",
     .relpath = "a.txt",
     .in = "caf\xc3\xa9 \xf4\x90\x80\x80",
     .text = "cafÃ© ô\xef\xbf\xbd€€",
     .recoded = 1},
    {.name = "overlong 3-byte utf8 is not utf8",
     .relpath = "a.txt",
     .in = "caf\xc3\xa9 \xe0\x9f\xbf",
     .text = "cafÃ© àŸ¿",
     .recoded = 1},
    {.name = "overlong 4-byte utf8 is not utf8",
     .relpath = "a.txt",
     .in = "caf\xc3\xa9 \xf0\x8f\xbf\xbf",
     .text = "cafÃ© ð\xef\xbf\xbd¿¿",
     .recoded = 1},
    {.name = "utf8 cut at the end is not utf8",
     .relpath = "a.txt",
     .in = "caf\xc3",
     .text = "cafÃ",
     .recoded = 1},
    {.name = "bom stripped",
     .relpath = "a.txt",
     .in = "\xef\xbb\xbfTitre\ncorps",
     .title = "Titre",
     .text = "Titre\ncorps"},
    {.name = "bom then front matter",
     .relpath = "a.md",
     .in = "\xef\xbb\xbf---\ntitle: Avec BOM\n---\n# Autre\n",
     .title = "Avec BOM",
     .text = "Autre"},
    {.name = "html cp1252",
     .relpath = "a.html",
     .in = "<p>\xe9t\xe9</p><p>\x9cuvre</p>",
     .text = "été\n\nœuvre",
     .recoded = 1},
    {.name = "html meta charset ignored",
     .relpath = "a.html",
     .in = "<html><head><meta charset=\"iso-8859-1\"><title>Été</title></head>"
           "<body><p>déjà</p></body></html>",
     .title = "Été",
     .text = "déjà"},

    /* ---- skips ---- */
    {.name = "binary nul",
     .relpath = "a.txt",
     .in = "abc\0def",
     .len = 7,
     .st = EXTRACT_SKIP_BINARY,
     .err = "binary file"},
    {.name = "binary controls",
     .relpath = "a.md",
     .in = "\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11 text",
     .st = EXTRACT_SKIP_BINARY,
     .err = "binary file"},
    {.name = "empty",
     .relpath = "a.txt",
     .in = "",
     .st = EXTRACT_SKIP_EMPTY,
     .err = "empty"},
    {.name = "whitespace only",
     .relpath = "a.txt",
     .in = " \n\t\r\n  \n",
     .st = EXTRACT_SKIP_EMPTY,
     .err = "empty"},
    {.name = "bom only",
     .relpath = "a.txt",
     .in = "\xef\xbb\xbf",
     .st = EXTRACT_SKIP_EMPTY,
     .err = "empty"},
    {.name = "html markup only",
     .relpath = "a.html",
     .in = "<html><head><script>x()</script></head><body> <br> </body></html>",
     .st = EXTRACT_SKIP_EMPTY,
     .err = "empty"},
    {.name = "md front matter only, no title",
     .relpath = "a.md",
     .in = "---\nauthor: x\n---\n\n",
     .st = EXTRACT_SKIP_EMPTY,
     .err = "empty"},
    {.name = "unsupported pdf",
     .relpath = "a.pdf",
     .in = "%PDF-1.4",
     .st = EXTRACT_SKIP_TYPE,
     .err = "unsupported type"},
    {.name = "no extension",
     .relpath = "dir.md/README",
     .in = "x",
     .st = EXTRACT_SKIP_TYPE,
     .err = "unsupported type"},
    {.name = "hidden name is not a type",
     .relpath = "d/.md",
     .in = "x",
     .st = EXTRACT_SKIP_TYPE,
     .err = "unsupported type"},

    /* ---- Markdown ---- */
    {.name = "md full",
     .relpath = "notes/n.md",
     .in = "# Le *Titre* #\n"
           "Un **gras**, un _italique_ et `du_code` ici.\n"
           "Un [lien](http://x.fr/a_(b) \"t\") et ![une image](i.png).\n"
           "\n"
           "```c\n"
           "int main(void) { return **p; } /* [x](y) */\n"
           "```\n"
           "Fin.\n",
     .title = "Le Titre",
     .url = "notes/n.md",
     .text = "Le Titre\n\nUn gras, un italique et du_code ici.\n"
             "Un lien et une image.\n\n"
             "int main(void) { return **p; } /* [x](y) */\n\nFin."},
    {.name = "md setext title and text",
     .relpath = "a.md",
     .in = "Titre souligné\n==============\n\nTexte.\nSous titre\n---\nsuite\n",
     .title = "Titre souligné",
     .text = "Titre souligné\n\nTexte.\nSous titre\n\nsuite"},
    {.name = "md thematic break is not front matter",
     .relpath = "a.md",
     .in = "---\nParagraphe\n---\n",
     .title = "Paragraphe",
     .text = "Paragraphe"},
    {.name = "md front matter title wins",
     .relpath = "a.md",
     .in = "---\ntitle: Du front matter\nurl: /a/b\n---\n# Heading\nTexte\n",
     .title = "Du front matter",
     .url = "/a/b",
     .text = "Heading\n\nTexte"},
    {.name = "md lists quotes refs",
     .relpath = "a.md",
     .in = "> citation *ici*\n"
           "> > imbriquée\n"
           "- puce un\n"
           "* puce deux\n"
           "+ puce trois\n"
           "- [x] tâche faite\n"
           "1. premier\n"
           "Voir [la doc][ref] et <https://auto.fr/x?a=1> ou <moi@ex.fr>.\n"
           "[ref]: https://doc.fr \"Doc\"\n"
           "[^1]: Une note.\n",
     .title = "citation ici",
     .text = "citation ici\nimbriquée\npuce un\npuce deux\npuce trois\ntâche "
             "faite\n"
             "1. premier\nVoir la doc et https://auto.fr/x?a=1 ou moi@ex.fr.\n"
             "Une note."},
    {.name = "md html and entities",
     .relpath = "a.md",
     .in = "a<br>b <span>c</span>d <!-- caché\nencore caché -->e\n"
           "&eacute;t&eacute; &amp; &#233; &#x153;uvre &nope; &#xD800; &#0;\n"
           "<script>\nalert(1)\n</script>\n"
           "2 * 3 et snake_case et \\*échappé\\* ~~barré~~ ~5\n",
     .text = "a b cd\ne\nété & é œuvre &nope; \xef\xbf\xbd \xef\xbf\xbd\n"
             "2 * 3 et snake_case et *échappé* barré ~5"},
    /* references to the last code point, past it, to C1 controls (read as
     * Windows-1252, as HTML5 does), to a surrogate and past 6 digits */
    {.name = "md character references at the edges",
     .relpath = "a.md",
     .in = "&#x10FFFF; &#x110000; &#x9C; &#128512; &#xDFFF; &#xE000; &#x80; "
           "&#x81; &#9999999; &#xFFFFFF;",
     .text = "\xf4\x8f\xbf\xbf \xef\xbf\xbd œ 😀 \xef\xbf\xbd \xee\x80\x80 € "
             "\xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd"},
    {.name = "md table",
     .relpath = "a.md",
     .in = "| Nom | Ville |\n|-----|:-----:|\n| Anne | Lyon |\n",
     .title = "Nom Ville",
     .text = "Nom Ville\nAnne Lyon"},
    {.name = "md tilde fence",
     .relpath = "a.md",
     .in = "~~~\n# pas un titre\n~~~~\nTitre? non\n",
     .title = "# pas un titre",
     .text = "# pas un titre\n\nTitre? non"},
    {.name = "md unclosed constructs",
     .relpath = "a.md",
     .in = "[a](b `c **d <e &f",
     .text = "[a](b `c d <e &f"},

    /* ---- HTML ---- */
    {.name = "html full",
     .relpath = "site/page.html",
     .in = "<!DOCTYPE html><html><head><meta charset=utf-8>\n"
           "<title>  Le   titre &amp; co </title>\n"
           "<meta name=\"Description\" content=\"Une  description utile.\">\n"
           "<link rel=\"alternate canonical\" href=\" https://ex.fr/page \">\n"
           "<style>body { color: red }</style><script>var secret1;</script>\n"
           "</head><body><header>entête du site</header>\n"
           "<nav><a href=/>menu</a></nav>\n"
           "<h1>Grand titre</h1><p>Premier &eacute;t&eacute; &amp; "
           "&lt;b&gt;</p>\n"
           "<div data-noindex>pub cachée</div><noscript>sans js</noscript>\n"
           "<template><p>modèle</p></template><script>secret2()</script>\n"
           "<p>Deux<br>lignes</p><footer>pied de page</footer></body></html>",
     .title = "Le titre & co",
     .url = "https://ex.fr/page",
     .text = "Grand titre\n\nPremier été & <b>\n\nDeux\nlignes\n\n"
             "Une description utile."},
    {.name = "html blocks separate words",
     .relpath = "a.htm",
     .in =
         "<p>a</p><p>b</p><div>c</div><div>d</div><ul><li>e</li><li>f</li></ul>"
         "<table><tr><td>g</td><td>h</td></tr><tr><th>i</th></tr></table>"
         "<h2>j</h2><blockquote>k</blockquote><section>l</section>"
         "<article>m</article><dl><dt>n</dt><dd>o</dd></dl>p<br>q",
     .title = "a",
     .url = "a.htm",
     .text = "a\n\nb\n\nc\n\nd\n\ne\nf\n\ng\nh\ni\n\nj\n\nk\n\nl\n\nm\n\nn\no\n"
             "\np\nq"},
    {.name = "html inline elements glue like a browser",
     .relpath = "a.html",
     .in = "<p><b>mot</b>suivant <em>un</em> <span>deux</span>\n  trois</p>",
     .text = "motsuivant un deux trois"},
    {.name = "html title falls back to h1",
     .relpath = "a.html",
     .in = "<body><p>intro</p><h1> Le <i>vrai</i>\ntitre "
           "</h1><h1>autre</h1></body>",
     .title = "Le vrai titre",
     .url = "a.html",
     .has = {"intro"}},
    {.name = "html title falls back to first line",
     .relpath = "a.html",
     .in = "<body><div> Ligne une </div><div>deux</div></body>",
     .title = "Ligne une",
     .text = "Ligne une\n\ndeux"},
    {.name = "html description not repeated",
     .relpath = "a.html",
     .in =
         "<head><meta name=description content=\"Déjà  dans le corps\"></head>"
         "<body><p>Texte. Déjà dans le corps.</p></body>",
     .text = "Texte. Déjà dans le corps."},
    {.name = "html article header is content",
     .relpath = "a.html",
     .in = "<body><header>bannière</header><article><header><h1>Sujet</h1>"
           "</header><p>corps</p><footer>signé</footer></article>"
           "<footer>copyright</footer></body>",
     .title = "Sujet",
     .text = "Sujet\n\ncorps\n\nsigné"},
    {.name = "html pre keeps lines",
     .relpath = "a.html",
     .in = "<pre>ligne 1\n  ligne 2</pre>x",
     .text = "ligne 1\nligne 2\n\nx"},
    {.name = "html noindex nested and comments",
     .relpath = "a.html",
     .in = "<div>garde <span data-noindex=\"\">jette <b>aussi</b></span>ceci"
           "<!-- commentaire --></div><svg><text>vectoriel</text></svg>",
     .text = "garde ceci"},
    /* Blank text between inline elements separates words, as in a
     * browser (a streaming walk once dropped it: "loi1voir"). */
    {.name = "html blank between inline elements",
     .relpath = "a.html",
     .in = "<p>la loi<sup>1</sup> <a href=\"#n1\">voir</a> la note</p>"
           "<p>mot<img src=a.png> <b>suivant</b></p>"
           "<ul><li><label>Nom</label><input> <span>obligatoire</span></ul>"
           "<p>Publié le<time> <b>3 mai</b></time></p>",
     .text = "la loi1 voir la note\n\nmot suivant\n\nNom obligatoire\n\n"
             "Publié le 3 mai"},
    {.name = "html blank after an HTML 4.01 doctype",
     .relpath = "a.html",
     .in = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\">"
           "<html><body>a<img> <b>b</b>&#32;<i>c</i></body></html>",
     .text = "a b c"},
    {.name = "html data-noindex inside the title heading",
     .relpath = "a.html",
     .in = "<h1>Titre <span data-noindex>caché</span>visible</h1><p>corps</p>",
     .title = "Titre visible"},
    {.name = "html truncated",
     .relpath = "a.html",
     .in = "<html><head><title>Coupé</title></head><body><p>début <b>gras",
     .title = "Coupé",
     .text = "début gras"},
    {.name = "html unclosed script swallows the rest",
     .relpath = "a.html",
     .in = "<p>avant</p><script>var a = '<p>après</p>';",
     .text = "avant"},
    {.name = "html long canonical ignored",
     .relpath = "x/a.html",
     .url = "x/a.html",
     .has = {"corps"}},
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
    unit_extract_check(&d);
    if (c->title != NULL && strcmp(d.title, c->title) != 0)
        fail_msg("%s: title [%s], want [%s]", c->name, d.title, c->title);
    if (c->url != NULL && strcmp(d.url, c->url) != 0)
        fail_msg("%s: url [%s], want [%s]", c->name, d.url, c->url);
    if (c->text != NULL && strcmp(d.text, c->text) != 0)
        fail_msg("%s: text [%s], want [%s]", c->name, d.text, c->text);
    for (k = 0; k < 8 && c->has[k] != NULL; k++)
        if (strstr(d.text, c->has[k]) == NULL)
            fail_msg("%s: text [%s] lacks [%s]", c->name, d.text, c->has[k]);
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

/* ---- heading and lead ranges ---- */

typedef struct rcase {
    const char *name, *relpath, *in;
    const char *text;     /* exact: the ranges never change it */
    const char *heads[5]; /* the headings' text, in order */
    const char *lead;     /* "": none */
} rcase;

static const rcase rcases[] = {
    {.name = "html h1-h3, not h4, nested markup, nav and script",
     .relpath = "a.html",
     .in = "<html><head><title>Page</title></head><body>"
           "<nav><h2>Menu</h2></nav>"
           "<h1>Grand <em>titre</em></h1>"
           "<p>Premier  paragraphe <b>ici</b>.</p><p>Second.</p>"
           "<h2>Section <a href=\"#s\">deux</a></h2><p>Corps.</p>"
           "<h3>Sous-section</h3><h4>Petit</h4><p>Fin.</p>"
           "<script>document.write('<h2>non</h2>')</script>"
           "<h2 data-noindex>Cach\xc3\xa9</h2><h2> </h2></body></html>",
     .text = "Grand titre\n\nPremier paragraphe ici.\n\nSecond.\n\n"
             "Section deux\n\nCorps.\n\nSous-section\n\nPetit\n\nFin.",
     .heads = {"Grand titre", "Section deux", "Sous-section"},
     .lead = "Premier paragraphe ici."},
    {.name = "html navigation before the first heading is not the lead",
     .relpath = "a.html",
     .in = "<title>T</title><div>Accueil &gt; Guide</div>"
           "<h2>Le guide</h2><p>Ce guide explique.</p>",
     .text = "Accueil > Guide\n\nLe guide\n\nCe guide explique.",
     .heads = {"Le guide"},
     .lead = "Ce guide explique."},
    {.name = "html without heading: the first paragraph",
     .relpath = "a.html",
     .in = "<title>T</title><p>Un <i>deux</i> trois.</p><p>Quatre.</p>",
     .text = "Un deux trois.\n\nQuatre.",
     .lead = "Un deux trois."},
    {.name = "html h1 of a banner: the title's, not in the text",
     .relpath = "a.html",
     .in = "<header><h1>Site</h1></header><p>Texte.</p>",
     .text = "Texte.",
     .lead = "Texte."},
    {.name = "html heading only, lead from the description",
     .relpath = "a.html",
     .in = "<meta name=\"description\" content=\"Ce que fait la page\">"
           "<h1>Seul</h1>",
     .text = "Seul\n\nCe que fait la page",
     .heads = {"Seul"},
     .lead = "Ce que fait la page"},
    {.name = "md front matter, ATX h1-h3, not h4",
     .relpath = "a.md",
     .in = "---\ntitle: Doc\n---\n# Titre #\n\nLe premier paragraphe\n"
           "sur *deux* lignes.\n\n## Deux ##\ntexte\n\n### Trois\n\n"
           "#### Quatre\n\nfin\n",
     .text = "Titre\n\nLe premier paragraphe\nsur deux lignes.\n\nDeux\n\n"
             "texte\n\nTrois\n\nQuatre\n\nfin",
     .heads = {"Titre", "Deux", "Trois"},
     .lead = "Le premier paragraphe\nsur deux lignes."},
    {.name = "md setext",
     .relpath = "a.md",
     .in = "Grand\ntitre\n=====\n\nIntro **forte**.\n\nSous\n----\nx\n",
     .text = "Grand\ntitre\n\nIntro forte.\n\nSous\n\nx",
     .heads = {"Grand\ntitre", "Sous"},
     .lead = "Intro forte."},
    {.name = "md without heading: after the title's line",
     .relpath = "a.md",
     .in = "Premi\xc3\xa8re ligne\nsuite du paragraphe\n\nautre\n",
     .text = "Premi\xc3\xa8re ligne\nsuite du paragraphe\n\nautre",
     .lead = "suite du paragraphe"},
    {.name = "md code and list are not headings",
     .relpath = "a.md",
     .in = "```\n# pas un titre\n```\n\n- # item\n\ntexte\n",
     .text = "# pas un titre\n\n# item\n\ntexte",
     .lead = "# item"},
    {.name = "txt: the words after the title's line, across paragraphs",
     .relpath = "ls.1.txt",
     .in = "LS(1)    Commandes    LS(1)\n\nNOM\n       ls - afficher le "
           "contenu\n\nSYNOPSIS\n       ls [OPTION]...\n",
     .text = "LS(1) Commandes LS(1)\n\nNOM\nls - afficher le contenu\n\n"
             "SYNOPSIS\nls [OPTION]...",
     .lead = "NOM\nls - afficher le contenu\n\nSYNOPSIS\nls [OPTION]..."},
    {.name = "txt front matter title: the lead starts the text",
     .relpath = "a.txt",
     .in = "---\ntitle: T\n---\nCorps ici.\n",
     .text = "Corps ici.",
     .lead = "Corps ici."},
    {.name = "txt short: a title line only",
     .relpath = "a.txt",
     .in = "Seul\n",
     .text = "Seul",
     .lead = ""},
};

/* r's bytes of d's text are want. */
static void range_is(const char *name, const extract_doc *d,
                     const extract_range *r, const char *want)
{
    size_t n = r->end - r->start;

    if (n != strlen(want) || memcmp(d->text + r->start, want, n) != 0)
        fail_msg("%s: range [%.*s], want [%s]", name, (int)n,
                 d->text + r->start, want);
}

static void test_ranges(void **state)
{
    extract_doc d;

    (void)state;
    for (size_t k = 0; k < sizeof rcases / sizeof rcases[0]; k++) {
        const rcase *c = &rcases[k];
        size_t h = 0;

        if (extract_document(c->relpath, c->in, strlen(c->in), 0, &d, NULL,
                             0) != EXTRACT_OK)
            fail_msg("%s: not extracted", c->name);
        unit_extract_check(&d);
        if (strcmp(d.text, c->text) != 0)
            fail_msg("%s: text [%s], want [%s]", c->name, d.text, c->text);
        while (h < 5 && c->heads[h] != NULL)
            h++;
        if (d.nheadings != h)
            fail_msg("%s: %zu headings, want %zu", c->name, d.nheadings, h);
        for (h = 0; h < d.nheadings; h++)
            range_is(c->name, &d, &d.headings[h], c->heads[h]);
        range_is(c->name, &d, &d.lead, c->lead);
        extract_doc_free(&d);
        assert_int_equal(d.nheadings, 0);
    }
}

/* A plain text's lead stops after EXTRACT_LEAD_WORDS words; a shorter
 * text is all lead; an HTML paragraph is cut the same way. */
static void test_lead_words(void **state)
{
    char in[2048], want[2048];
    size_t n, w, wn = 0;
    extract_doc d;

    (void)state;
    n = (size_t)sprintf(in, "Titre\n");
    for (w = 1; w <= EXTRACT_LEAD_WORDS + 10; w++) {
        n += (size_t)sprintf(in + n, "mot%zu%s", w, w % 7 ? " " : "\n\n");
        if (w > EXTRACT_LEAD_WORDS)
            continue;
        if (w > 1) /* the separator the text has before word w */
            wn += (size_t)sprintf(want + wn, "%s", w % 7 == 1 ? "\n\n" : " ");
        wn += (size_t)sprintf(want + wn, "mot%zu", w);
    }
    assert_int_equal(extract_document("a.txt", in, n, 0, &d, NULL, 0),
                     EXTRACT_OK);
    unit_extract_check(&d);
    range_is("txt 40 words", &d, &d.lead, want);
    extract_doc_free(&d);

    assert_int_equal(extract_document("a.txt", "T\nun deux", 9, 0, &d, NULL, 0),
                     EXTRACT_OK);
    range_is("txt short", &d, &d.lead, "un deux");
    extract_doc_free(&d);

    n = (size_t)sprintf(in, "<h1>T</h1><p>");
    wn = 0;
    for (w = 1; w <= EXTRACT_LEAD_WORDS + 10; w++) {
        n += (size_t)sprintf(in + n, "mot%zu ", w);
        if (w <= EXTRACT_LEAD_WORDS)
            wn += (size_t)sprintf(want + wn, "%smot%zu", w == 1 ? "" : " ", w);
    }
    n += (size_t)sprintf(in + n, "</p>");
    assert_int_equal(extract_document("a.html", in, n, 0, &d, NULL, 0),
                     EXTRACT_OK);
    unit_extract_check(&d);
    range_is("html 40 words", &d, &d.lead, want);
    extract_doc_free(&d);
}

/* ---- metadata: language, date, tags, section, description ---- */

typedef struct mcase {
    const char *name, *relpath, *in;
    /* exact values; NULL: "" (absent) */
    const char *lang, *date, *section, *desc;
    const char *tags[8]; /* exact, in order */
    const char *text;    /* NULL: not checked */
} mcase;

static const mcase mcases[] = {
    /* ---- front matter ---- */
    {.name = "md front matter, every key",
     .relpath = "a.md",
     .in = "---\ntitle: T\nlang: fr\ndate: 2024-05-03\ntags: [a, \"b c\"]\n"
           "keywords: d, 'e, f'\nsection: Guides\ndescription: Une page.\n"
           "---\n# Titre\n\ncorps\n",
     .lang = "fr",
     .date = "2024-05-03",
     .section = "Guides",
     .desc = "Une page.",
     .tags = {"a", "b c", "d", "e, f"},
     .text = "Titre\n\ncorps"},
    {.name = "txt front matter, quoted values and comments",
     .relpath = "a.txt",
     .in = "---\nlanguage: \"en-GB\"   # British\nsection: 'Le blog' # x\n"
           "date: \"2024-05-03 10:00\"\ntags: c#, f# # langages\n---\nTexte\n",
     .lang = "en-GB",
     .date = "2024-05-03",
     .section = "Le blog",
     .tags = {"c#", "f#"},
     .text = "Texte"},
    {.name = "lang: over language:, in either order",
     .relpath = "a.md",
     .in = "---\nlang: de\nlanguage: Spanish\n---\nx\n",
     .lang = "de"},
    {.name = "language: alone, as written",
     .relpath = "a.md",
     .in = "---\nlanguage: Spanish\nlang:\n---\nx\n",
     .lang = "Spanish"},
    {.name = "front matter block lists, merged and deduplicated",
     .relpath = "a.md",
     .in = "---\ntags:\n  - un\n  - \"deux trois\"  # commentaire\n\n"
           "  # une note\n- quatre\n  -\nkeywords:\n- Un\n- cinq\n"
           "title: T\n---\ncorps\n",
     .tags = {"un", "deux trois", "quatre", "cinq"},
     .text = "corps"},
    {.name = "front matter flow list over several lines",
     .relpath = "a.md",
     .in = "---\ntags: [a,\n  'b, c',\n  d]\nsection: s\n---\nx\n",
     .section = "s",
     .tags = {"a", "b, c", "d"}},
    {.name = "front matter with only a list: still a front matter",
     .relpath = "a.md",
     .in = "---\ntags:\n  - a\n---\n# H\n",
     .tags = {"a"},
     .text = "H"},
    {.name = "a list first is no front matter",
     .relpath = "a.md",
     .in = "---\n- a\ntags: b\n---\ncorps\n",
     .text = "a\ntags: b\n\ncorps"},
    {.name = "unclosed front matter: no tags",
     .relpath = "a.txt",
     .in = "---\ntags: a, b\nlang: fr\n",
     .text = "---\ntags: a, b\nlang: fr"},
    {.name = "front matter description over lines",
     .relpath = "a.md",
     .in = "---\ndescription: >-\n  Ligne une,\n\n  ligne   deux.\ntitle: T\n"
           "---\nx\n",
     .desc = "Ligne une, ligne deux."},
    {.name = "front matter description, plain continuation and quotes",
     .relpath = "a.md",
     .in = "---\ndescription: \"Un\n   deux\" # c\n---\nx\n",
     .desc = "Un deux"},
    {.name = "front matter values are one line, trimmed",
     .relpath = "a.md",
     .in = "---\nsection:  \"  a \t b  \"\ntags: [\"  x \t y \"]\n---\nz\n",
     .section = "a b",
     .tags = {"x y"}},
    {.name = "front matter description over the html one (none in md)",
     .relpath = "a.md",
     .in = "---\ndescription: du front matter\n---\n"
           "<meta name=\"description\" content=\"non\">\n\ncorps\n",
     .desc = "du front matter"},
    {.name = "cp1252 front matter",
     .relpath = "a.txt",
     .in = "---\ntags: caf\xe9, \x9cuvre\nsection: \xe9t\xe9\n"
           "description: d\xe9j\xe0 vu\nlang: fran\xe7\x61is\n---\nx\n",
     .lang = "français",
     .section = "été",
     .desc = "déjà vu",
     .tags = {"café", "œuvre"}},

    /* ---- HTML ---- */
    {.name = "html lang over content-language",
     .relpath = "a.html",
     .in = "<!DOCTYPE html><html lang=\"fr-CA\"><head>"
           "<meta http-equiv=\"Content-Language\" content=\"de, en\">"
           "</head><body><p>x</p></body></html>",
     .lang = "fr-CA"},
    {.name = "html xml:lang",
     .relpath = "a.html",
     .in = "<html lang=\" \" xml:lang=\"nl\"><p>x</p></html>",
     .lang = "nl"},
    {.name = "html content-language: the first tag",
     .relpath = "a.html",
     .in = "<html><head><meta http-equiv=\"content-language\" "
           "content=\" , de-AT, en\"></head><p>x</p></html>",
     .lang = "de-AT"},
    {.name = "html lang of a nested html is not the page's",
     .relpath = "a.html",
     .in = "<p>x</p><div lang=\"it\"><html lang=\"es\">y</html></div>"},
    {.name = "html keywords and article:tag",
     .relpath = "a.html",
     .in = "<head><meta name=\"keywords\" content=\"a, B , ,b,  c   d,\">"
           "<meta property=\"article:tag\" content=\"A\">"
           "<meta property=\"article:tag\" content=\"e, f\">"
           "<meta name=\"Keywords\" content=\"g\"></head><p>x</p>",
     .tags = {"a", "B", "c d", "e, f", "g"}},
    {.name = "html keywords in a template are not the page's",
     .relpath = "a.html",
     .in = "<template><meta name=\"keywords\" content=\"t\"></template>"
           "<p>x</p>"},
    {.name = "html description fallback, one line",
     .relpath = "a.html",
     .in = "<meta name=\"description\" content=\"  Une\n  description.  \">"
           "<p>corps</p>",
     .desc = "Une description.",
     .text = "corps\n\nUne description."},
    {.name = "html published_time over time",
     .relpath = "a.html",
     .in = "<head><meta property=\"article:published_time\" "
           "content=\"2024-05-03T23:30:00-05:00\"></head><body><main>"
           "<time datetime=\"2020-01-01\">1er janvier</time></main></body>",
     .date = "2024-05-03"},
    {.name = "html published_time by name, a bad one skipped",
     .relpath = "a.html",
     .in = "<meta property=\"article:published_time\" content=\"hier\">"
           "<meta name=\"article:published_time\" content=\"2023-12-31\">"
           "<p>x</p>",
     .date = "2023-12-31"},
    {.name = "html time in main, not in nav, header, footer or before",
     .relpath = "a.html",
     .in = "<body><header><time datetime=\"2001-01-01\">a</time></header>"
           "<nav><time datetime=\"2002-01-01\">b</time></nav>"
           "<p><time datetime=\"2003-01-01\">c</time></p>"
           "<main><aside><time datetime=\"2004-01-01\">d</time></aside>"
           "<time datetime=\"PT2H\">e</time>"
           "<time datetime=\"2005-06-07T08:09\">f</time>"
           "<time datetime=\"2006-01-01\">g</time></main>"
           "<footer><time datetime=\"2007-01-01\">h</time></footer></body>",
     .date = "2005-06-07"},
    {.name = "html time in the article's header",
     .relpath = "a.html",
     .in = "<body><header><time datetime=\"2001-01-01\">a</time></header>"
           "<article><header><h1>T</h1><time datetime=\" 2024-02-29 \">b"
           "</time></header><p>corps</p></article></body>",
     .date = "2024-02-29"},
    {.name = "html time without main: the body's, outside banners",
     .relpath = "a.html",
     .in = "<body><header><time datetime=\"2001-01-01\">a</time></header>"
           "<section><header><time datetime=\"2002-01-01\">b</time></header>"
           "</section><aside><time datetime=\"2003-01-01\">c</time></aside>"
           "<div><time>2004-01-01</time><time datetime=\"2024-05-03\">d</time>"
           "</div><footer><time datetime=\"2005-01-01\">e</time></footer>"
           "</body>",
     .date = "2024-05-03"},
    {.name = "html main without time: no date from outside it",
     .relpath = "a.html",
     .in = "<body><div><time datetime=\"2024-05-03\">d</time></div>"
           "<main><p>corps</p></main></body>"},
    {.name = "html article in an aside does not make the main content",
     .relpath = "a.html",
     .in = "<body><p><time datetime=\"2024-05-03\">d</time></p><aside>"
           "<article><time datetime=\"2001-01-01\">a</time></article></aside>"
           "</body>",
     .date = "2024-05-03"},
    {.name = "html time in a data-noindex block ignored",
     .relpath = "a.html",
     .in = "<main><div data-noindex><time datetime=\"2001-01-01\">a</time>"
           "</div><time datetime=\"2002-02-02\">b</time></main>",
     .date = "2002-02-02"},
    {.name = "html cp1252 metadata",
     .relpath = "a.html",
     .in = "<html lang=\"fr\"><head><meta name=keywords content=\"caf\xe9, "
           "\x93\xe9t\xe9\x94\"><meta name=description content=\"d\xe9j\xe0\">"
           "</head><p>x</p></html>",
     .lang = "fr",
     .desc = "déjà",
     .tags = {"café", "“été”"}},

    /* ---- absent ---- */
    {.name = "nothing declared: all empty",
     .relpath = "a.txt",
     .in = "Titre\ncorps\n"},
    {.name = "front matter without metadata keys: all empty",
     .relpath = "a.md",
     .in = "---\ntitle: T\nauthor: x\ntags:\nlang: \"\"\ndate:\n---\nx\n"},
    {.name = "html without metadata: all empty",
     .relpath = "a.html",
     .in = "<html><head><title>T</title></head><body><p>x</p></body></html>"},
};

/* d's tags are want[0..], in order, and no more. */
static void tags_are(const char *name, const extract_doc *d,
                     const char *const *want, size_t max)
{
    const char *p = d->tags;
    size_t k;

    for (k = 0; k < max && want[k] != NULL; k++) {
        if (k >= d->ntags)
            fail_msg("%s: %zu tags, want [%s] too", name, d->ntags, want[k]);
        if (strcmp(p, want[k]) != 0)
            fail_msg("%s: tag %zu [%s], want [%s]", name, k, p, want[k]);
        p += strlen(p) + 1;
    }
    if (d->ntags != k)
        fail_msg("%s: %zu tags, want %zu", name, d->ntags, k);
}

static void field_is(const char *name, const char *what, const char *got,
                     const char *want)
{
    if (strcmp(got, want != NULL ? want : "") != 0)
        fail_msg("%s: %s [%s], want [%s]", name, what, got,
                 want != NULL ? want : "");
}

static void test_metadata(void **state)
{
    extract_doc d;
    char err[128];

    (void)state;
    for (size_t k = 0; k < sizeof mcases / sizeof mcases[0]; k++) {
        const mcase *c = &mcases[k];
        extract_status st = extract_document(c->relpath, c->in, strlen(c->in),
                                             0, &d, err, sizeof err);
        if (st != EXTRACT_OK)
            fail_msg("%s: status %d (%s)", c->name, st, err);
        unit_extract_check(&d);
        field_is(c->name, "lang", d.lang, c->lang);
        field_is(c->name, "date", d.date, c->date);
        field_is(c->name, "section", d.section, c->section);
        field_is(c->name, "description", d.description, c->desc);
        tags_are(c->name, &d, c->tags, 8);
        if (c->text != NULL)
            field_is(c->name, "text", d.text, c->text);
        extract_doc_free(&d);
        assert_null(d.lang);
        assert_null(d.tags);
        assert_int_equal(d.date[0], '\0');
        extract_doc_free(&d); /* twice is harmless */
    }
}

/* Each date form, in front matter and in <time>; only a real day of
 * years 1-9999 counts, and it is kept as written. */
static void test_dates(void **state)
{
    static const struct {
        const char *in, *want; /* want NULL: no date */
    } t[] = {
        {"2024-05-03", "2024-05-03"},
        {"2024-05-03T10:00:00Z", "2024-05-03"},
        {"2024-05-03t10:00z", "2024-05-03"},
        {"2024-05-03 10:00", "2024-05-03"},
        {"2024-05-03T10:00:00+02:00", "2024-05-03"},
        {"2024-05-03T23:59:59.999-11:00", "2024-05-03"},
        {"2024-05-03T00:30+0530", "2024-05-03"},
        {"2024-05-03T00:30+05", "2024-05-03"},
        {"2001-12-14 21:59:43.10 -5", "2001-12-14"}, /* YAML's example */
        {"2024-12-31T23:59:60Z", "2024-12-31"},      /* leap second */
        {"2000-02-29", "2000-02-29"},
        {"0001-01-01", "0001-01-01"},
        {"9999-12-31", "9999-12-31"},
        {"2024-02-30", NULL},
        {"2023-02-29", NULL},
        {"1900-02-29", NULL},
        {"2024-04-31", NULL},
        {"2024-13-01", NULL},
        {"2024-00-10", NULL},
        {"2024-01-00", NULL},
        {"0000-01-01", NULL},
        {"2024-5-3", NULL},
        {"24-05-03", NULL},
        {"2024/05/03", NULL},
        {"2024-05", NULL},
        {"2024-W18", NULL},
        {"10:00", NULL},
        {"2024-05-03x", NULL},
        {"2024-05-03T", NULL},
        {"2024-05-03T10", NULL},
        {"2024-05-03T24:00", NULL},
        {"2024-05-03T10:60", NULL},
        {"2024-05-03T10:00:00Z extra", NULL},
        {"2024-05-03T10:00+02:", NULL},
        {"2024-05-03T10:00:00.Z", NULL},
        {"+2024-05-03", NULL},
        {"", NULL},
    };
    char in[256];
    extract_doc d;

    (void)state;
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++) {
        const char *want = t[k].want != NULL ? t[k].want : "";
        int n;

        /* front matter, bare and quoted */
        for (int q = 0; q < 2; q++) {
            n = snprintf(in, sizeof in, "---\ndate: %s%s%s\n---\nx\n",
                         q ? "'" : "", t[k].in, q ? "'" : "");
            assert_int_equal(
                extract_document("a.md", in, (size_t)n, 0, &d, NULL, 0),
                EXTRACT_OK);
            if (strcmp(d.date, want) != 0)
                fail_msg("front matter [%s]: date [%s], want [%s]", t[k].in,
                         d.date, want);
            extract_doc_free(&d);
        }
        /* the datetime of a <time> */
        n = snprintf(in, sizeof in, "<p><time datetime=\"%s\">x</time></p>",
                     t[k].in);
        assert_int_equal(
            extract_document("a.html", in, (size_t)n, 0, &d, NULL, 0),
            EXTRACT_OK);
        if (strcmp(d.date, want) != 0)
            fail_msg("<time> [%s]: date [%s], want [%s]", t[k].in, d.date,
                     want);
        extract_doc_free(&d);
    }
}

/* The first EXTRACT_MAX_TAGS distinct tags are kept; a long tag is cut
 * on a character boundary; deduplication is on the cut tag. */
static void test_tag_limits(void **state)
{
    char in[8192], want[EXTRACT_MAX_TAG + 1];
    const char *p;
    extract_doc d;
    size_t n, k;

    (void)state;
    /* 33 tags in each list form: the first 32 */
    for (int form = 0; form < 4; form++) {
        static const char *const head[] = {"---\ntags: [",
                                           "---\ntags: ", "---\ntags:\n",
                                           "<meta name="
                                           "keywords "
                                           "content=\""};
        n = (size_t)sprintf(in, "%s", head[form]);
        for (k = 1; k <= EXTRACT_MAX_TAGS + 1; k++)
            n +=
                (size_t)sprintf(in + n, form == 2 ? "  - t%zu\n" : "t%zu, ", k);
        n += (size_t)sprintf(in + n, "%s",
                             form == 0   ? "]\n---\nx\n"
                             : form == 3 ? "\"><p>x</p>"
                                         : "\n---\nx\n");
        assert_int_equal(extract_document(form == 3 ? "a.html" : "a.md", in, n,
                                          0, &d, NULL, 0),
                         EXTRACT_OK);
        unit_extract_check(&d);
        assert_int_equal(d.ntags, EXTRACT_MAX_TAGS);
        for (p = d.tags, k = 1; k <= d.ntags; k++, p += strlen(p) + 1) {
            snprintf(want, sizeof want, "t%zu", k);
            assert_string_equal(p, want);
        }
        extract_doc_free(&d);
    }

    /* a 101-byte tag: "a" and 50 é; byte 64 is inside the 32nd é */
    n = (size_t)sprintf(in, "---\ntags: [x, a");
    for (k = 0; k < 50; k++)
        n += (size_t)sprintf(in + n, "\xc3\xa9");
    /* the same cut, with another ending, is the same tag */
    n += (size_t)sprintf(in + n, ", A");
    for (k = 0; k < 40; k++)
        n += (size_t)sprintf(in + n, "\xc3\xa9");
    n += (size_t)sprintf(in + n, "z, y]\n---\nx\n");
    assert_int_equal(extract_document("a.md", in, n, 0, &d, NULL, 0),
                     EXTRACT_OK);
    unit_extract_check(&d);
    assert_int_equal(d.ntags, 3);
    p = d.tags + 2;
    assert_int_equal(strlen(p), EXTRACT_MAX_TAG - 1);
    assert_memory_equal(p, in + strlen("---\ntags: [x, "), EXTRACT_MAX_TAG - 1);
    assert_string_equal(p + strlen(p) + 1, "y");
    extract_doc_free(&d);
}

/* Long values are cut: the description and section on a character
 * boundary, the language after its last whole subtag. */
static void test_meta_limits(void **state)
{
    char in[4096];
    extract_doc d;
    size_t n, k;

    (void)state;
    n = (size_t)sprintf(in, "---\ndescription: a");
    for (k = 0; k < 200; k++)
        n += (size_t)sprintf(in + n, "\xc3\xa9");
    n += (size_t)sprintf(in + n, "\nsection: ");
    for (k = 0; k < 40; k++)
        n += (size_t)sprintf(in + n, "\xe2\x82\xac"); /* € */
    n += (size_t)sprintf(in + n, "\nlang: en-GB-oxendict-x-abcdefgh-"
                                 "ijklmnopqr\n---\nx\n");
    assert_int_equal(extract_document("a.md", in, n, 0, &d, NULL, 0),
                     EXTRACT_OK);
    unit_extract_check(&d);
    /* byte 300 starts an é (a, then pairs): the cut is there */
    assert_int_equal(d.description_len, 299);
    /* 64 = 21 € and one byte: cut after 21 */
    assert_int_equal(d.section_len, 63);
    assert_string_equal(d.lang, "en-GB-oxendict-x-abcdefgh");
    extract_doc_free(&d);

    /* a language without subtags is cut on a character boundary */
    n = (size_t)sprintf(in, "<html lang=\"");
    for (k = 0; k < 40; k++)
        n += (size_t)sprintf(in + n, "x");
    n += (size_t)sprintf(in + n, "\"><p>x</p>");
    assert_int_equal(extract_document("a.html", in, n, 0, &d, NULL, 0),
                     EXTRACT_OK);
    unit_extract_check(&d);
    assert_int_equal(d.lang_len, EXTRACT_MAX_LANG);
    extract_doc_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),      cmocka_unit_test(test_unlisted),
        cmocka_unit_test(test_url_own),    cmocka_unit_test(test_threads),
        cmocka_unit_test(test_ranges),     cmocka_unit_test(test_lead_words),
        cmocka_unit_test(test_metadata),   cmocka_unit_test(test_dates),
        cmocka_unit_test(test_tag_limits), cmocka_unit_test(test_meta_limits),
    };
    return cmocka_run_group_tests(tests, unit_extract_setup,
                                  unit_extract_teardown);
}
