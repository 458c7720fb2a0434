#!/usr/bin/env python3
"""Several languages in one index, metadata, filters, facets and sorting,
end to end through the real cglu-index and cglu-searchd: the language
rules in their order (front matter, <html lang>, content-language, the
--lang-path folder rule, --lang), each language stemmed by its own rules,
a query searched in every language unless lang= names one, each filter
and its bad values (line protocol and HTTP alike), facets counted over
every match, date sorting, the description as snippet, STATS and SUGGEST
per language, synonyms per language."""
import json
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import fixture, run_all  # noqa: E402
from daemon import Daemon, HttpDaemon, run_indexer  # noqa: E402

FILES = {
    # front matter lang:, date, tags, section
    "fr/villes.md": """---
title: Les villes
lang: fr
date: 2025-01-10
tags: [UCLG, villes]
section: actualites
---
# Les villes

Les villes et les gouvernements locaux travaillent ensemble.
""",
    # no declaration: the en/ folder (--lang-path) says English
    "en/cities.md": """---
title: Cities
date: 2025-03-01T09:30:00Z
tags:
  - uclg
  - cities
---
# Cities

Cities and local governments work together; every city counts. UCLG
speaks for them.
""",
    # <html lang>, article:published_time, keywords
    "es/gobiernos.html": """<!DOCTYPE html><html lang="es-ES"><head>
<title>Gobiernos locales</title>
<meta property="article:published_time" content="2025-02-01T08:00:00+01:00">
<meta name="keywords" content="Gobiernos, uclg">
</head><body><main><h1>Gobiernos locales</h1>
<p>Los gobiernos locales y las ciudades del mundo.</p></main></body></html>
""",
    # content-language only; first folder misc is its section
    "misc/logement.html": """<!DOCTYPE html><html><head>
<meta http-equiv="content-language" content="en-GB">
<title>Housing</title></head><body>
<p>Housing policy for every city and its people.</p></body></html>
""",
    # nothing declared: --lang
    "plain.txt": "Le logement\n\nLe logement des villes et des quartiers.\n",
    # an unknown tag: noted, then the rules go on
    "inconnu.md": "---\ntitle: Klingon\nlang: tlh-Latn\n---\nqapla villes\n",
    # its text holds no query word: the description is the snippet
    "zanzibar.md": """---
title: Zanzibar plan
lang: en
description: A plan for the island, in one line.
---
Nothing about it in the body.
""",
}


class Site:
    """The files above in a temp folder, indexed (with args) into db."""

    def __init__(self, *args, synonyms=None):
        self.tmp = tempfile.mkdtemp(prefix="cglu-lang-")
        self.src = os.path.join(self.tmp, "site")
        for rel, text in FILES.items():
            path = os.path.join(self.src, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        if synonyms:
            with open(os.path.join(self.src, ".synonyms"), "w") as f:
                f.write(synonyms)
        self.db = os.path.join(self.tmp, "db")
        self.p = run_indexer(["--db", self.db] + list(args) + [self.src])

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


@fixture
def shared_site():
    s = Site("--lang-path", "--lang", "fr",
             synonyms="CGLU, UCLG, Cités et Gouvernements Locaux Unis\n")
    try:
        with Daemon(s.db) as d, d.conn() as c:
            s.d, s.c = d, c
            yield s
    finally:
        s.close()


def search(c, line):
    r = c.req("SEARCH " + line)
    assert r["ok"], (line, r)
    return r


def ids(c, line):
    return [h["id"] for h in search(c, "limit=50 " + line)["hits"]]


def doc(c, id_):
    r = c.req("DOC " + id_)
    assert r["ok"], r
    return r


def test_language_rules_in_order():
    site = shared_site()
    c = site.c
    want = {"fr/villes.md": "fr", "en/cities.md": "en",
            "es/gobiernos.html": "es", "misc/logement.html": "en",
            "plain.txt": "fr", "inconnu.md": "fr", "zanzibar.md": "en"}
    for id_, lang in want.items():
        assert doc(c, id_)["lang"] == lang, (id_, doc(c, id_))
    # the unknown tag is said, once, with what was done instead
    assert "inconnu.md: unknown language \"tlh-Latn\", indexed as french" \
        in site.p.err, site.p.err


def test_path_rule_and_default_are_options():
    # without --lang-path en/ is a folder like any; --lang es for the rest
    s = Site("--lang", "es")
    try:
        with Daemon(s.db) as d, d.conn() as c:
            assert doc(c, "en/cities.md")["lang"] == "es"
            assert doc(c, "plain.txt")["lang"] == "es"
            assert doc(c, "fr/villes.md")["lang"] == "fr"  # declared
            assert doc(c, "en/cities.md")["section"] == "en"
    finally:
        s.close()
    p = run_indexer(["--lang", "klingon", "/nonexistent"], rc=2)
    assert "--lang klingon: unknown language" in p.err, p.err


def test_each_language_its_stemmer():
    site = shared_site()
    c = site.c
    # English: city / cities; the English stop word "the" is no barrier
    assert "en/cities.md" in ids(c, "lang=en city")
    assert "en/cities.md" in ids(c, "lang=en the cities")
    # Spanish: "gobierno local" meets "gobiernos locales" (esplural)
    r = search(c, "lang=es gobierno local")
    assert [h["id"] for h in r["hits"]] == ["es/gobiernos.html"], r
    assert not r.get("relaxed"), r
    snip = r["hits"][0]["snippet"]
    assert "<mark>gobiernos</mark> <mark>locales</mark>" in snip, snip
    # French keeps its own: villes / ville
    assert "fr/villes.md" in ids(c, "lang=fr ville")


def test_query_in_every_language():
    site = shared_site()
    c = site.c
    # no lang=: "city" is analysed in French, English and Spanish
    got = ids(c, "city")
    assert "en/cities.md" in got and "misc/logement.html" in got, got
    r = search(c, "gobierno local")
    assert r["hits"][0]["id"] == "es/gobiernos.html", r
    # each hit says its language
    for h in search(c, "limit=50 villes")["hits"]:
        assert h["lang"] in ("fr", "en", "es"), h
    # lang= keeps that language's documents only
    assert ids(c, "lang=fr city") == []
    assert set(ids(c, "lang=en villes")) == set()
    assert ids(c, "lang=english city") == ids(c, "lang=en city")


def test_filters():
    site = shared_site()
    c = site.c
    every = "limit=50 "
    assert sorted(ids(c, "tag=uclg ville OR city OR gobierno")) == \
        ["en/cities.md", "es/gobiernos.html", "fr/villes.md"]
    # a comma list is any of the tags; tags are compared by their key
    assert sorted(ids(c, "tag=VILLES,Cities ville OR city")) == \
        ["en/cities.md", "fr/villes.md"]
    assert ids(c, "section=actualites villes") == ["fr/villes.md"]
    assert ids(c, "section=misc city") == ["misc/logement.html"]
    # dates: inclusive bounds, from a date with a time of day
    q = "ville OR city OR gobierno"
    assert sorted(ids(c, "after=2025-02-01 " + q)) == \
        ["en/cities.md", "es/gobiernos.html"]
    assert ids(c, "before=2025-01-31 " + q) == ["fr/villes.md"]
    assert ids(c, "after=2025-02-02 before=2025-02-28 " + q) == []
    assert ids(c, "after=2025-03-01 before=2025-03-01 " + q) == \
        ["en/cities.md"]
    # a tag with a space: percent-encoded on the line protocol
    assert ids(c, "tag=local%20governments city") == []
    r = search(c, every + "city")
    assert all("date" not in h for h in r["hits"]
               if h["id"] == "misc/logement.html"), r


def test_bad_filter_values():
    site = shared_site()
    c = site.c
    bad = {
        "lang=xx": "option lang takes a language code or name",
        "after=2025-02-30": "option after takes a date YYYY-MM-DD",
        "before=yesterday": "option before takes a date YYYY-MM-DD",
        "sort=newest": "option sort takes relevance or date",
        "facets=lang,author": "option facets takes a comma list of lang, "
                              "section, tag",
        "tag=a,,b": "option tag takes a comma list of 1 to 8 tags",
        "section=": "option section takes a section name",
        "tag=%zz": "option tag: bad %-escape",
    }
    for opt, msg in bad.items():
        r = c.req("SEARCH %s villes" % opt)
        assert not r["ok"] and r["error"] == "bad_request", (opt, r)
        assert r["message"].startswith(msg), (opt, r)
    r = c.req("SUGGEST lang=zz gob")
    assert r["error"] == "bad_request" and "lang" in r["message"], r
    # the index is unharmed
    assert search(c, "villes")["total"] > 0


def test_facets_count_every_match():
    site = shared_site()
    c = site.c
    q = "ville OR city OR gobierno OR logement"
    full = search(c, "limit=50 " + q)
    r = search(c, "limit=1 facets=lang,section,tag " + q)
    assert len(r["hits"]) == 1 and r["total"] == full["total"], r
    f = r["facets"]
    assert set(f) == {"lang", "section", "tag"}, f
    # over every match, not the one hit shown
    assert sum(f["lang"].values()) == full["total"], (f, full["total"])
    for lang, n in f["lang"].items():
        assert search(c, "limit=50 lang=%s %s" % (lang, q))["total"] == n
    assert f["tag"]["uclg"] == 3, f
    assert f["section"]["actualites"] == 1 and f["section"]["misc"] == 1, f
    # most frequent first
    counts = list(f["tag"].values())
    assert counts == sorted(counts, reverse=True), f
    # facets with a filter count within it; none asked: no member
    r = search(c, "lang=en facets=lang " + q)
    assert list(r["facets"]["lang"]) == ["en"], r
    assert "facets" not in search(c, q)


def test_sort_by_date():
    site = shared_site()
    c = site.c
    q = "limit=50 sort=date ville OR city OR gobierno OR logement OR plan"
    hits = search(c, q)["hits"]
    dated = [h["date"] for h in hits if "date" in h]
    assert dated == sorted(dated, reverse=True) and len(dated) == 3, hits
    # the undated ones come last
    seen_undated = False
    for h in hits:
        seen_undated |= "date" not in h
        assert not (seen_undated and "date" in h), hits
    assert [h["id"] for h in hits[:3]] == \
        ["en/cities.md", "es/gobiernos.html", "fr/villes.md"], hits
    r = search(c, "sort=RELEVANCE villes")
    assert r["ok"]


def test_hit_metadata_and_description():
    site = shared_site()
    c = site.c
    h = search(c, "lang=en cities")["hits"][0]
    assert h["id"] == "en/cities.md"
    assert h["date"] == "2025-03-01" and h["tags"] == ["uclg", "cities"], h
    assert "section" not in h, h  # en/ is its language, not a section
    # matched by its title only: the description stands in for the text
    z = search(c, "zanzibar")["hits"][0]
    assert z["snippet"] == "A plan for the island, in one line.", z
    d = doc(c, "es/gobiernos.html")
    assert d["date"] == "2025-02-01" and d["tags"] == ["gobiernos",
                                                        "uclg"], d


def test_stats_and_suggest_per_language():
    site = shared_site()
    c = site.c
    st = c.req("STATS")
    assert st["languages"] == {"en": 3, "es": 1, "fr": 3}, st
    assert "gobiernos" in c.req("SUGGEST lang=es gob")["suggestions"]
    assert c.req("SUGGEST lang=en gob")["suggestions"] == []
    assert "gobiernos" in c.req("SUGGEST gob")["suggestions"]
    # an English stop word is never offered in English
    assert "the" not in c.req("SUGGEST lang=en th")["suggestions"]
    # did-you-mean and typo tolerance stay within the language asked for
    r = search(c, "lang=en citiez")
    assert r.get("corrected") == "cities" and r["total"] == 2, r
    r = search(c, "lang=en logemnt")
    assert "corrected" not in r and "suggestion" not in r, r
    r = search(c, "logemnt")
    assert r.get("corrected") == "logement", r


def test_synonyms_per_language():
    site = shared_site()
    c = site.c
    # the English page says UCLG only; the group is analysed in English too
    assert "en/cities.md" in ids(c, "lang=en cglu")
    assert "en/cities.md" in ids(c, "cglu")


def test_http_parameters():
    site = shared_site()
    with HttpDaemon(site.db) as d:
        base = "http://127.0.0.1:%d/search?" % d.http_port

        def get(**params):
            url = base + urllib.parse.urlencode(params)
            try:
                with urllib.request.urlopen(url, timeout=30) as r:
                    return r.status, json.loads(r.read())
            except urllib.error.HTTPError as e:
                return e.code, json.loads(e.read())

        st, r = get(q="ville OR city", lang="en", facets="lang,tag",
                    tag="local governments,uclg", sort="date")
        assert st == 200 and [h["id"] for h in r["hits"]] == \
            ["en/cities.md"], r
        assert r["facets"]["lang"] == {"en": 1}, r
        # the same answer as the line protocol
        line = site.c.req("SEARCH lang=en facets=lang,tag "
                          "tag=local%20governments,uclg sort=date "
                          "ville OR city")
        line.pop("took_ms")
        r.pop("took_ms")
        assert r == line, (r, line)
        st, r = get(q="x", after="2025-02-30")
        assert st == 400 and r["error"] == "bad_request", r
        assert r["message"].startswith("option after takes a date"), r


def test_lang_path_change_reads_every_page():
    s = Site("--lang", "fr")
    try:
        with Daemon(s.db) as d, d.conn() as c:
            assert doc(c, "en/cities.md")["lang"] == "fr"
        p = run_indexer(["--db", s.db, "--lang-path", s.src])
        assert "--lang-path is on, and was not: every page is read again" \
            in p.err, p.err
        with Daemon(s.db) as d, d.conn() as c:
            assert doc(c, "en/cities.md")["lang"] == "en"
            assert "section" not in doc(c, "en/cities.md")
        p = run_indexer(["--db", s.db, s.src])
        assert "--lang-path is off" in p.err, p.err
        with Daemon(s.db) as d, d.conn() as c:
            assert doc(c, "en/cities.md")["lang"] == "fr"
    finally:
        s.close()


if __name__ == "__main__":
    run_all(globals())
