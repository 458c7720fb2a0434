#!/usr/bin/env python3
"""Make the known-item query sets of bench/'s corpora (docs/RELEVANCE.md).

Usage: bench/eval/gen_queries.py [--data DIR] [--out DIR] [--check]

For each page of man-fr (the description of its NAME line) and gimp-fr
(its <title>, else its first <h1>, without the section number), three
kinds of queries whose expected answer is that page:

  typed       the title, lower-cased, punctuation a visitor would not type
              dropped
  unaccented  the same without accents (only when the title has some)
  partial     two content words of the title in the other order, plus one
              change: an elided article added (l'/d') or removed, or one
              word's number changed by a simple -s/-x rule

Pages are skipped when their title is generic ("Introduction"), shared by
several pages (ambiguous), too short or English; a partial query that two
pages would both produce is dropped. The choices are made by a random
generator seeded with SEED and the page's id, so the output is the same on
every run and one page's queries do not depend on the others.

Writes OUT/man-fr.tsv and OUT/gimp-fr.tsv: kind, query, expected id, note
(what the partial variant did), tab-separated, sorted, with a header line;
and OUT/skipped.tsv: the pages and partial queries left out, and why.
--check writes nothing and exits 1 when the files differ from what the
corpora give today. Python 3 standard library only.
"""

import argparse
import collections
import html.parser
import os
import random
import re
import sys
import unicodedata

SEED = 13  # issue #13; change it and the whole set changes
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# French words that carry no topic: never chosen as a partial query's words.
STOP = set("""
a à au aux avec ce ces cet cette chez comme dans de des du elle elles en
entre est et être il ils je la le les leur leurs lui ma mais me même mes
moi mon ne ni nos notre nous on ou où par pas peu plus pour qu que quel
quelle quelles quels qui sa sans se ses si son sont sous sur ta te tes
toi ton tous tout toute toutes tu un une vos votre vous y ci là non
afin ainsi après avant lors dont quoi selon via etc autre autres vers
chaque plusieurs deux trois quatre cinq six sept huit neuf dix cent mille
""".split())

# Words before which the next word is a noun (or its adjective): only those
# words get their number changed, so that verbs are not pluralised.
DETERMINERS = set("""
le la les l un une des de du d au aux ce ces cet cette son sa ses leur
leurs mon ma mes notre nos votre vos chaque plusieurs
""".split())

ELISIONS = ("l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu",
            "puisqu", "quoiqu")

EN_WORDS = set("""
the of and to in is for with you your this that are be by from how on
using it as at an or can will
""".split())
FR_WORDS = set("""
le la les de des du et un une en pour dans sur avec par est sont vous
qui que au aux ce cette l d vers sous
""".split())

# Titles that name no page in particular (compared without accents).
GENERIC = {
    "introduction", "generalites", "index", "glossaire", "bibliographie",
    "preface", "options", "activation", "exemple", "exemples",
    "description", "sommaire", "aide", "annexes", "parametres", "reglages",
    "apercu", "remerciements", "licence", "table des matieres",
}

SECTION_NUMBER = re.compile(
    r"^(?:(?:chapitre|partie|annexe|chapter|part|appendix)\s+[0-9A-Za-z]+\.\s*"
    r"|[0-9]+(?:\.[0-9]+)*\.?\s+)", re.IGNORECASE)
NAME_SEP = re.compile(r"\s+(?:-|–|—|‐|\\-)\s+")


def fold(s):
    """Lower-case without accents (œ/æ spelt out)."""
    s = s.lower().replace("œ", "oe").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFD", s)
                   if unicodedata.category(c) != "Mn")


def as_typed(title):
    """The title as a visitor types it: lower case, ASCII apostrophes,
    only letters, digits, apostrophes and inner hyphens kept."""
    s = unicodedata.normalize("NFC", title).lower()
    s = s.replace("’", "'").replace("‘", "'").replace("‐", "-")
    s = re.sub(r"[^\w'\- ]+", " ", s).replace("_", " ")
    words = []
    for w in s.split():
        w = w.strip("-'")
        if w:
            words.append(w)
    return " ".join(words)


def tokens(typed):
    """(elision, word) pairs of a typed title: "l'image" -> ("l'", "image")."""
    out = []
    for w in typed.split():
        el = ""
        if "'" in w:
            head, _, rest = w.partition("'")
            if head in ELISIONS and rest:
                el, w = head + "'", rest
        out.append((el, w))
    return out


def is_content(word):
    return (len(word) >= 3 and word not in STOP and any(c.isalpha() for c in word)
            and "'" not in word)


def number_change(word):
    """The other number of a noun by a simple -s/-x rule, or None."""
    if not word.isalpha() or len(word) < 4:
        return None
    if word.endswith(("eaux", "eux", "oux")):
        return word[:-1]
    if word.endswith(("aux", "al", "ail", "x", "z", "ss", "us")):
        return None  # -al/-ail/-aux and invariable words: not a simple rule
    if word.endswith("s"):
        return word[:-1]
    if word.endswith(("au", "eu")):
        return word + "x"
    return word + "s"


def partial(page_id, corpus, typed):
    """One partial query for a title, and what was changed; None if the
    title has fewer than two content words."""
    rng = random.Random(f"{SEED}/{corpus}/{page_id}")
    toks = tokens(typed)
    content = [i for i, (_, w) in enumerate(toks) if is_content(w)]
    # a word repeated in the title counts once
    seen, uniq = set(), []
    for i in content:
        if fold(toks[i][1]) not in seen:
            seen.add(fold(toks[i][1]))
            uniq.append(i)
    if len(uniq) < 2:
        return None
    i, j = sorted(rng.sample(uniq, 2))
    pair = {i: list(toks[i]), j: list(toks[j])}

    options = []
    with_el = [k for k in (i, j) if toks[k][0]]
    def noun_like(k):  # after an article or determiner in the title
        return toks[k][0] in ("l'", "d'") or (k > 0 and toks[k - 1][1] in DETERMINERS)

    # an article goes before a noun, not before an infinitive (-er, -ir);
    # no h-words (h aspiré: "la hauteur"); nouns first when there are some
    vowel = [k for k in (i, j) if not toks[k][0] and toks[k][1].isalpha()
             and fold(toks[k][1])[0] in "aeiou"
             and not toks[k][1].endswith(("er", "ir"))]
    vowel = [k for k in vowel if noun_like(k)] or vowel
    nums = [k for k in (i, j) if noun_like(k) and not toks[k][1].endswith(("er", "ir"))
            and number_change(toks[k][1])]
    if with_el:
        options.append("elision-")
    if vowel:
        options.append("elision+")
    if nums:
        options.append("number")
    change = rng.choice(options) if options else "order"
    if change == "elision-":
        k = rng.choice(with_el)
        note = f"order, elision removed ({pair[k][0]}{pair[k][1]})"
        pair[k][0] = ""
    elif change == "elision+":
        k = rng.choice(vowel)
        pair[k][0] = rng.choice(("l'", "d'"))
        note = f"order, elision added ({pair[k][0]})"
    elif change == "number":
        k = rng.choice(nums)
        new = number_change(pair[k][1])
        note = f"order, number ({pair[k][1]} -> {new})"
        pair[k][1] = new
        if pair[k][0] == "l'" and new.endswith(("s", "x")):
            pair[k][0] = ""  # no "l'" before a plural
    else:
        note = "order only"
    query = " ".join(el + w for el, w in (pair[j], pair[i]))
    return query, note


def man_title(path):
    """The description of the NAME line of a rendered man page."""
    lines = []
    with open(path, encoding="utf-8", errors="replace") as f:
        inside = False
        for line in f:
            line = line.rstrip("\n")
            if re.match(r"^(NOM|NAME)\s*$", line):
                inside = True
                continue
            if inside:
                if line and not line[0].isspace():
                    break
                if not line.strip():
                    if lines:
                        break
                    continue
                lines.append(line.strip())
    text = " ".join(" ".join(lines).split())
    parts = NAME_SEP.split(text, maxsplit=1)
    if len(parts) < 2:
        return None
    # several names on one line ("a, b - desc") share the description;
    # a second "name - desc" line after the first is dropped
    desc = parts[1]
    second = NAME_SEP.search(desc)
    if second:
        desc = desc[:second.start()].rsplit(" ", 1)[0]
    return desc


class _Titles(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.h1, self.text = None, None, []
        self._cap, self._buf = None, []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "title" and self.title is None and self._cap is None:
            self._cap, self._buf = "title", []
        elif tag == "h1" and self.h1 is None and self._cap is None:
            self._cap, self._buf = "h1", []

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if tag == self._cap:
            setattr(self, tag, " ".join("".join(self._buf).split()))
            self._cap = None

    def handle_data(self, data):
        if self._cap:
            self._buf.append(data)
        elif not self._skip:
            self.text.append(data)


def html_title(path):
    """(title, is_english) of an HTML page: <title>, else the first <h1>,
    without its section number; English when the page's text holds more
    English than French function words."""
    p = _Titles()
    with open(path, encoding="utf-8", errors="replace") as f:
        p.feed(f.read())
    p.close()
    words = re.findall(r"\w+", " ".join(p.text).lower())
    body_en = sum(w in EN_WORDS for w in words) > sum(w in FR_WORDS for w in words)
    cands = [t for t in (p.title, p.h1) if t]
    for t in cands:
        t = SECTION_NUMBER.sub("", t).strip()
        if t and fold(as_typed(t)) not in GENERIC:
            return t, english_title(t, body_en)
    t = SECTION_NUMBER.sub("", cands[0]).strip() if cands else None
    return t, english_title(t or "", body_en)


def english_title(title, body_en):
    """An English title: more English than French function words; or, on a
    page whose text is mostly English (GIMP's untranslated pages), a title
    with neither an accent nor a French function word ("Lens Blur")."""
    words = set(re.findall(r"\w+", title.lower()))
    en, fr = len(words & EN_WORDS), len(words & FR_WORDS)
    if en > fr:
        return True
    return body_en and fr == 0 and fold(title) == title.lower()


def titles(corpus, folder):
    """{id: (title, skip reason or None)} for one corpus."""
    out = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith(".") or not os.path.isfile(path):
            continue
        if corpus == "man-fr" and name.endswith(".txt"):
            t = man_title(path)
            english = english_title(t or "", False)
        elif corpus == "gimp-fr" and name.endswith((".html", ".htm")):
            t, english = html_title(path)
        else:
            continue
        typed = as_typed(t or "")
        reason = None
        if not typed or sum(c.isalpha() for c in typed) < 3:
            reason = "no usable title"
        elif fold(typed) in GENERIC:
            reason = "generic title"
        elif english:
            reason = "English page"
        out[name] = (typed, reason)
    # a title shared by several pages names none of them
    by_title = collections.defaultdict(list)
    for pid, (typed, reason) in out.items():
        if reason is None:
            by_title[fold(typed)].append(pid)
    for pids in by_title.values():
        if len(pids) > 1:
            for pid in pids:
                out[pid] = (out[pid][0], f"ambiguous title ({len(pids)} pages)")
    return out


def build(corpus, folder):
    """(rows, skipped, stats) for one corpus; rows are (kind, query, id,
    note), skipped (corpus, id, title, reason)."""
    rows, skipped = [], []
    stats = collections.Counter()
    parts = collections.defaultdict(set)
    for pid, (typed, reason) in titles(corpus, folder).items():
        stats["pages"] += 1
        if reason:
            stats["skipped: " + reason.split(" (")[0]] += 1
            skipped.append((corpus, pid, typed, reason))
            continue
        rows.append(("typed", typed, pid, ""))
        plain = fold(typed)
        if plain != typed:
            rows.append(("unaccented", plain, pid, ""))
        p = partial(pid, corpus, typed)
        if p:
            rows.append(("partial", p[0], pid, p[1]))
            parts[fold(p[0])].add(pid)
    # the same partial query for two pages has no one answer
    clash = {q for q, pids in parts.items() if len(pids) > 1}
    kept = [r for r in rows if not (r[0] == "partial" and fold(r[1]) in clash)]
    for r in rows:
        if r[0] == "partial" and fold(r[1]) in clash:
            skipped.append((corpus, r[2], r[1],
                            "partial query shared with another page"))
    stats["partial dropped: same query for several pages"] = len(rows) - len(kept)
    order = {"typed": 0, "unaccented": 1, "partial": 2}
    kept.sort(key=lambda r: (order[r[0]], r[2], r[1]))
    for r in kept:
        stats["queries: " + r[0]] += 1
    skipped.sort()
    return kept, skipped, stats


def render(rows, header="# kind\tquery\texpected\tnote"):
    lines = [header]
    for r in rows:
        assert not any("\t" in x or "\n" in x for x in r)
        lines.append("\t".join(r))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.environ.get(
        "CGLU_BENCH_DATA", os.path.join(ROOT, "bench", "data")))
    ap.add_argument("--out", default=os.path.join(HERE, "queries"))
    ap.add_argument("--check", action="store_true",
                    help="compare with the files in --out, write nothing")
    a = ap.parse_args()
    status = 0
    outputs, all_skipped = [], []
    for corpus in ("man-fr", "gimp-fr"):
        folder = os.path.join(a.data, corpus)
        if not os.path.isdir(folder):
            sys.exit(f"gen_queries.py: {folder} is missing: run bench/corpus.sh --small")
        rows, skipped, stats = build(corpus, folder)
        all_skipped += skipped
        outputs.append((corpus + ".tsv", render(rows), len(rows)))
        print(f"{corpus}: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.items())))
    outputs.append(("skipped.tsv", render(all_skipped, "# corpus\tid\ttitle or query\treason"),
                    len(all_skipped)))
    for name, text, n in outputs:
        dest = os.path.join(a.out, name)
        if a.check:
            try:
                with open(dest, encoding="utf-8") as f:
                    same = f.read() == text
            except OSError:
                same = False
            print(f"  {dest}: {'same' if same else 'DIFFERS'}")
            status |= 0 if same else 1
        else:
            os.makedirs(a.out, exist_ok=True)
            with open(dest, "w", encoding="utf-8") as f:
                f.write(text)
            print(f"  {n} rows -> {dest}")
    return status


if __name__ == "__main__":
    sys.exit(main())
