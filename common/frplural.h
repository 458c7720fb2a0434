/* frplural: French plural and feminine endings that Snowball's French
 * stemmer does not join, rewritten to the form it does join, before it
 * runs. A light step after J. Savoy's French stemmer (as Lucene's French
 * light stemmer describes it), written from that description: a table of
 * irregular plurals plus a few ending rules. Used by the analyzer for
 * documents and queries alike, so a rule only has to map both members of a
 * pair onto one string; what that string is does not matter. */
#ifndef CGLU_COMMON_FRPLURAL_H
#define CGLU_COMMON_FRPLURAL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest growth of a word by frplural_norm, in bytes ("yeux" -> "oeil"
 * keeps its length; "-aux" -> "-ail" too): out needs n + this + 1. */
#define FRPLURAL_GROWTH 2

/* Rewrite word w[0..n) (lowercase UTF-8, accents kept or not) whose fold
 * (marks stripped, lowercase) is fold[0..fold_n) into out (at least
 * n + FRPLURAL_GROWTH + 1 bytes), NUL-terminated; returns its length.
 * Rules are chosen on the fold and only change an ASCII ending that the
 * word and its fold share, so the accented form and the folded form of a
 * word are rewritten alike; when they do not share it the word is copied
 * unchanged. Nothing is allocated. */
size_t frplural_norm(const char *w, size_t n, const char *fold, size_t fold_n,
                     char *out);

/* The fold of an irregular plural whose first letters differ from those of
 * its singular's stem ("oeil" -> "yeux", "ail" -> "aulx", "bail" ->
 * "baux"), for callers that look for a stem's words by their first letters
 * (the snippet builder); NULL when there is none. A static string. */
const char *frplural_odd_plural(const char *stem, size_t len);

#ifdef __cplusplus
}
#endif
#endif
