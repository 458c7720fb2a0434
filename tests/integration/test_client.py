#!/usr/bin/env python3
"""cglu-search's search options end to end: each of --lang, --section,
--tag, --after, --before, --sort, --facets (and --lang with --suggest)
reaches the real daemon serving an index of corpus/ and narrows, orders
or counts what is printed; the exact request line (values percent-encoded,
"--" before a query that looks like an option) seen by a fake server; the
server's message on a bad value (exit 1) and the usage errors (exit 2,
nothing sent); the page line of hits and DOC, the facets, STATS's
languages."""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import fixture, prog, run_all, ROOT  # noqa: E402
from daemon import HOST, TIMEOUT, Daemon, run_indexer, FakeServer  # noqa: E402

CLIENT = os.path.abspath(prog("cglu-search"))
CORPUS = os.path.join(ROOT, "corpus")
# a hit's page line: "     2025-04-02  lang: en  section: about  tags: a, b"
META = re.compile(r"^     (\d{4}-\d\d-\d\d)  lang: (\S+)  section: (.+?)  "
                  r"tags: (.+)$", re.M)
# a facet line after the hits: "lang: fr 6, en 3"
FACET = r"^%s: ((?:[^,\n]+ \d+)(?:, [^,\n]+ \d+)*)$"


@fixture
def served():
    """A daemon on an index of corpus/ (every page has a date, a language,
    a section and tags), for the tests that only search it."""
    tmp = tempfile.mkdtemp(prefix="cglu-client-")
    db = os.path.join(tmp, "db")
    try:
        run_indexer(["-q", "--db", db, CORPUS])
        with Daemon(db, check_exit=True, check_log=True) as d:
            yield d
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def client(*args, rc=0, port=None):
    """cglu-search --host (the shared daemon, or port) args; its exit
    status must be rc."""
    port = port or served().port
    p = subprocess.run([CLIENT, "--host", "%s:%d" % (HOST, port)]
                       + list(args), capture_output=True, timeout=TIMEOUT,
                       text=True, stdin=subprocess.DEVNULL)
    assert p.returncode == rc, (args, p.returncode, p.stdout, p.stderr)
    return p


def hits(out):
    """The page lines of the hits printed: [(date, lang, section, tags)]
    with tags a list, one per hit (each hit of corpus/ has one)."""
    n = len(re.findall(r"^ *\d+\. ", out, re.M))
    metas = [(m[0], m[1], m[2], m[3].split(", "))
             for m in META.findall(out)]
    assert len(metas) == n and n > 0, out
    return metas


def facet(out, name):
    """The counts of facet line name: [(value, count)]."""
    m = re.search(FACET % name, out, re.M)
    assert m, (name, out)
    return [(v, int(c)) for v, c in
            (re.fullmatch(r"(.+) (\d+)", x).groups()
             for x in m.group(1).split(", "))]


def sent(*args):
    """The request line cglu-search args sends (to a fake server)."""
    with FakeServer(b'{"ok":true,"total":0,"hits":[]}\n') as fs:
        client(*args, port=fs.port)
    return fs.request


# ---- each option reaches the server ------------------------------------

def test_lang():
    out = client("--lang", "en", "--limit", "20", "cities").stdout
    assert {lang for _, lang, _, _ in hits(out)} == {"en"}, out
    # without it the same query finds French pages too (cités)
    out = client("--limit", "20", "cities").stdout
    assert "fr" in {lang for _, lang, _, _ in hits(out)}, out
    out = client("--lang", "spanish", "--limit", "20", "cglu").stdout
    assert {lang for _, lang, _, _ in hits(out)} == {"es"}, out


def test_section():
    out = client("--section", "About", "--limit", "20", "cglu").stdout
    metas = hits(out)
    assert {s for _, _, s, _ in metas} == {"about"}, out
    assert len(metas) == 4, out


def test_tag():
    # a tag with a space, in other case: keys are compared
    out = client("--tag", "Local Governments", "--limit", "20",
                 "cglu").stdout
    metas = hits(out)
    assert all("local governments" in t for _, _, _, t in metas), out
    assert len(metas) == 3, out
    # repeated and a comma list alike: any of them
    out1 = client("--tag", "local governments", "--tag", "villes",
                  "--limit", "20", "cglu").stdout
    out2 = client("--tag", "local governments,villes", "--limit", "20",
                  "cglu").stdout
    assert out1.split("\n")[1:] == out2.split("\n")[1:]  # but took_ms
    metas = hits(out1)
    assert len(metas) == 4, out1
    assert all("local governments" in t or "villes" in t
               for _, _, _, t in metas), out1
    # "%" is a byte of the tag, never an escape: no such page, no error
    assert client("--tag", "50%", "cglu").stdout == "no results\n"


def test_dates():
    out = client("--after", "2025-03-01", "--before", "2025-06-12",
                 "--limit", "20", "cglu").stdout
    dates = [d for d, _, _, _ in hits(out)]
    assert len(dates) == 7 and all("2025-03-01" <= d <= "2025-06-12"
                                   for d in dates), out


def test_sort_date():
    out = client("--sort", "date", "--limit", "20", "cglu").stdout
    dates = [d for d, _, _, _ in hits(out)]
    assert len(dates) == 12 and dates == sorted(dates, reverse=True), out
    out = client("--sort", "relevance", "--limit", "20", "cglu").stdout
    dates = [d for d, _, _, _ in hits(out)]
    assert dates != sorted(dates, reverse=True), out  # the test means it


def test_facets():
    out = client("--facets", "lang,section,tag", "--limit", "1",
                 "cglu").stdout
    # after the hits, past an empty line, in the server's order
    tail = out.split("\n\n")[-1]
    assert re.match(r"lang: .*\nsection: .*\ntag: .*\n$", tail), out
    langs = facet(out, "lang")
    assert dict(langs) == {"fr": 6, "en": 3, "es": 3}, out
    assert langs[0] == ("fr", 6), out  # most frequent first
    assert sum(c for _, c in facet(out, "section")) == 12, out
    tags = facet(out, "tag")
    assert ("local governments", 3) in tags and tags[0] == ("uclg", 7), out
    # only those asked, and with filters: counted over the filtered pages
    out = client("--facets", "section", "--lang", "en", "cglu").stdout
    assert not re.search(r"^(lang|tag): ", out, re.M), out
    assert sum(c for _, c in facet(out, "section")) == 3, out
    # --json: the raw line, facets in it
    p = client("--json", "--facets", "lang", "cglu")
    assert p.stdout.count("\n") == 1 and '"facets":{"lang":{' in p.stdout


def test_suggest_lang():
    words = client("--suggest", "--lang", "en", "cit").stdout.split()
    assert "city" in words and "cités" not in words, words
    words = client("--suggest", "--lang", "fr", "cit").stdout.split()
    assert "cités" in words and "city" not in words, words


# ---- what is printed of the pages --------------------------------------

def test_doc_and_stats():
    p = client("--doc", "en/01-about.txt")
    assert p.stdout.startswith(
        "About UCLG\nhttps://www.uclg.org/en#about\n2025-04-02  lang: en  "
        "section: about  tags: uclg, organisation, cities, local "
        "governments\n\nAbout UCLG\n"), p.stdout
    p = client("--stats")
    assert re.search(r"^languages: en 3, es 3, fr 6$", p.stdout, re.M), \
        p.stdout


# ---- the request line --------------------------------------------------

def test_request_line():
    """Values percent-encoded (space, tab, "%", controls; commas and
    UTF-8 as they are), in one order whatever the command line's."""
    assert sent("--tag", "a b", "--sort", "date", "--tag", "50%,c\x01d",
                "--section", "x\ty", "--lang", "fr", "--after", "2025-01-01",
                "--before", "2025-12-31", "--facets", "lang,tag",
                "--limit", "5", "q", "r") == \
        b"SEARCH limit=5 lang=fr section=x%09y tag=a%20b,50%25,c%01d " \
        b"after=2025-01-01 before=2025-12-31 sort=date facets=lang,tag " \
        b"q r\n"
    assert sent("--lang", "en", "--lang", "fran\u00e7ais", "q") == \
        "SEARCH lang=fran\u00e7ais q\n".encode()  # the last one wins
    assert sent("--suggest", "--lang", "en", "cit") == \
        b"SUGGEST lang=en cit\n"
    # a query the server would read as an option goes after "--"
    assert sent("limit=5", "cités") == "SEARCH -- limit=5 cités\n".encode()
    assert sent("--tag", "a", "--", "--", "x") == b"SEARCH tag=a -- -- x\n"
    assert sent("--", "-word", "x") == b"SEARCH -word x\n"
    assert sent("", "a=b") == b"SEARCH --  a=b\n"
    # with the real server: the query as typed
    p = client("--json", "--lang", "fr", "limit=5", "cglu")
    assert '"query":"limit=5 cglu"' in p.stdout, p.stdout


# ---- errors ------------------------------------------------------------

def test_bad_values():
    """The server checks the values: its message, exit 1."""
    for args, msg in [
            (("--lang", "xx"), "option lang takes a language code or name "
             "(fr, en, es, french...)"),
            (("--sort", "newest"), "option sort takes relevance or date"),
            (("--after", "2025-02-30"), "option after takes a date "
             "YYYY-MM-DD"),
            (("--before", "yesterday"), "option before takes a date "
             "YYYY-MM-DD"),
            (("--facets", "colour"), "option facets takes a comma list of "
             "lang, section, tag"),
            (("--tag", "a,,b"), "option tag takes a comma list of 1 to 8 "
             "tags"),
            (("--tag", "1,2,3,4,5,6,7,8,9"), "option tag takes a comma "
             "list of 1 to 8 tags")]:
        p = client(*args, "cglu", rc=1)
        assert p.stderr == "cglu-search: bad_request: %s\n" % msg, \
            (args, p.stderr)
        assert p.stdout == "", (args, p.stdout)
    p = client("--suggest", "--lang", "xx", "cit", rc=1)
    assert p.stderr.startswith("cglu-search: bad_request: option lang "), \
        p.stderr


def test_usage_errors():
    """An empty value, or a search option where it means nothing: exit 2
    with one line, before connecting."""
    free = socket.socket()
    free.bind((HOST, 0))
    port = free.getsockname()[1]
    free.close()  # nobody listens there: connecting would say so
    cases = [(("--%s" % o, "", "x"), "--%s needs a value" % o)
             for o in ("lang", "section", "tag", "after", "before", "sort",
                       "facets")]
    cases += [
        (("--tag", "a", "--tag", "", "x"), "--tag needs a value"),
        (("--suggest", "--tag", "a", "x"), "--suggest takes no --tag"),
        (("--suggest", "--sort", "date", "x"), "--suggest takes no --sort"),
        (("--stats", "--lang", "en"), "--stats and --doc take no --lang"),
        (("--doc", "a", "--facets", "lang"),
         "--stats and --doc take no --facets"),
        (("--lang",), "unknown or incomplete option --lang")]
    for args, msg in cases:
        p = client(*args, rc=2, port=port)
        assert p.stderr.count("\n") == 1 and msg in p.stderr, (args, p)
        assert p.stdout == ""


def test_help():
    p = subprocess.run([CLIENT, "--help"], capture_output=True, text=True,
                       timeout=TIMEOUT)
    assert p.returncode == 0
    for o in ("--lang L", "--section S", "--tag T", "--after DATE",
              "--before DATE", "--sort relevance|date", "--facets LIST"):
        assert "\n  %s " % o in p.stdout, (o, p.stdout)
    assert p.stdout.startswith("usage: cglu-search [options] [--] QUERY")


if __name__ == "__main__":
    run_all(dict(globals()))
