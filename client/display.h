/* display: cglu-search's readable output of the daemon's answers. Nothing
 * the server sends can drive the terminal: control characters are
 * replaced before they are written. */
#ifndef CGLU_CLIENT_DISPLAY_H
#define CGLU_CLIENT_DISPLAY_H

#include <stddef.h>
#include <stdio.h>

#include "client/answer.h"

/* Each writes one answer (a->root, parsed by answer_parse()) to f; the
 * caller checks ferror(f). Members that are absent or of another type
 * than expected are left out. A hit of SEARCH, and DOC after its title
 * and url, get a line of what is known of the page: "2025-01-29  lang:
 * fr  section: about  tags: a, b". SEARCH's "facets" follow the hits
 * after an empty line, one line each: "lang: fr 6, en 3". tty: <mark> in
 * snippets becomes bold (else it is dropped). */
void display_search(FILE *f, const answer *a, int tty);
void display_suggest(FILE *f, const answer *a);
void display_doc(FILE *f, const answer *a);
/* Every member but "ok" as "key: value", numbers and nested objects as
 * the server wrote them, but "languages" as the facets are ("languages:
 * en 3, fr 6"). */
void display_stats(FILE *f, const answer *a);
/* "PROG: CODE: MESSAGE\n" for an answer whose "ok" is not true (CODE is
 * "error" when the answer has none). */
void display_error(FILE *f, const char *prog, const answer *a);

/* Write s[0..n) with C0 and C1 controls and DEL as '?'; "\n" and "\t"
 * are kept when keep_nl, else become spaces like "\r". */
void display_clean(FILE *f, const char *s, size_t n, int keep_nl);

/* An HTML snippet as the daemon escapes it: <mark> and </mark> become
 * bold on and off when tty (else nothing), the entities it writes (&amp;
 * &lt; &gt; &quot; &#39;, and &apos; &nbsp;) are decoded, and the rest
 * goes through display_clean() (line breaks become spaces). */
void display_html(FILE *f, const char *s, size_t n, int tty);

#endif
