"""docs/INTEGRATION.md: its Python and PHP examples run against a real
daemon, and the document shows them exactly as they are in docs/examples.
Whatever a visitor types is searched for as it is: never read as an option
of the request, never a second request."""
import base64
import html
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, fixture, run_all  # noqa: E402
from daemon import Daemon, build_index, remove_db  # noqa: E402

EX = os.path.join(ROOT, "docs", "examples")


def load_example(address):
    """The example module, reading CGLU_SEARCHD=address when loaded (the
    environment is given back as it was: no test sees another's)."""
    old = os.environ.get("CGLU_SEARCHD")
    os.environ["CGLU_SEARCHD"] = address
    try:
        spec = importlib.util.spec_from_file_location(
            "search_site", os.path.join(EX, "search_site.py"))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
    finally:
        if old is None:
            del os.environ["CGLU_SEARCHD"]
        else:
            os.environ["CGLU_SEARCHD"] = old
    return mod


def call(app, query):
    return call_qs(app, "q=" + query)


def call_qs(app, query_string):
    environ = {"QUERY_STRING": query_string, "REQUEST_METHOD": "GET"}
    got = {}

    def start_response(status, headers):
        got["status"] = status
        got["headers"] = dict(headers)
    body = b"".join(app(environ, start_response)).decode("utf-8")
    return got["status"], body


def test_doc_shows_the_examples_verbatim():
    doc = open(os.path.join(ROOT, "docs", "INTEGRATION.md"), encoding="utf-8").read()
    for name, lang in (("search_site.py", "python"), ("search_site.php", "php")):
        code = open(os.path.join(EX, name), encoding="utf-8").read().rstrip("\n")
        assert "```%s\n%s\n```" % (lang, code) in doc, name


def test_python_example_against_daemon():
    db = build_index()
    try:
        with Daemon(db) as d:
            site = load_example(d.address)
            status, body = call(site.application, "gouvernement%20local")
            assert status == "200 OK", status
            assert "<mark>" in body and "</mark>" in body, body[:500]
            assert "Objectifs de CGLU" in body
            sock = site.client.sock
            status, body = call(site.application, "%C3%A9lus%20d%C3%A9mocratie")
            assert status == "200 OK"
            assert site.client.sock is sock, "connection was not reused"
            # Markup typed by the user comes back escaped, never raw.
            status, body = call(site.application, "%3Cscript%3Ealert(1)%3C/script%3E")
            assert "<script>alert" not in body and "&lt;script&gt;" in body
        # Daemon gone: a clean 503, not an exception.
        status, body = call(site.application, "cglu")
        assert status.startswith("503"), status
    finally:
        remove_db(db)


def test_php_example_against_daemon():
    php = shutil.which("php")
    assert php, "php-cli is not installed (scripts/deps.sh installs it)"
    db = build_index()
    try:
        with Daemon(db) as d:
            env = dict(os.environ, CGLU_SEARCHD=d.address)
            code = ('$_GET["q"] = "coopération internationale"; '
                    'include "%s";' % os.path.join(EX, "search_site.php"))
            out = subprocess.run([php, "-r", code], env=env, timeout=30,
                                 capture_output=True, check=True).stdout.decode()
            assert re.search(r"<mark>coopération</mark>", out), out[:800]
            assert "La mission de CGLU" in out
    finally:
        remove_db(db)


# ---- a visitor's text is only ever the query -------------------------

# What visitors type (decoded): words that look like the protocol's options
# or its end-of-options marker, and line breaks or NUL that would start a
# second request. Each must be searched for as it is.
TYPED = [
    "limit=5 cités",
    "offset=99999 x",
    "snippet=0 cités",
    "limit=5 OR cités",
    "offset=99999 OR cités",
    "snippet=0 OR cités",
    "limit= cités",
    "gouvernements=locaux",
    "-- cités",
    "a=b",
    "--",
    "-- limit=1",
    "limit=1 -- cités",
    "LIMIT=5 cités",
    "limit=5\tcités",
    "sort=date gouvernements",
    "limit=1 limit=2 limit=3 limit=4 limit=5 limit=6 limit=7 limit=8 limit=9",
    "\n PING",
    "cités\n PING",
    "x\nSTATS",
    "cités\r\nQUIT",
    "gouvernements\rDOC 02-mission.txt",
    "gouvernements\0limit=1",
    "locaux\n\nSEARCH limit=1 -- x",
]

# Query strings as a browser sends them, and the text they decode to.
RAW = [
    ("q=limit%3D5+cit%C3%A9s", "limit=5 cités"),
    ("q=x%0aSTATS", "x\nSTATS"),
    ("q=%0aSTATS", "\nSTATS"),
    ("q=cit%C3%A9s%0d%0aPING", "cités\r\nPING"),
    ("q=offset%3D99999%00x", "offset=99999\0x"),
]

CUT = "\x01JSON\x01"  # between the PHP page and the JSON the test prints


def searched_text(typed):
    """What the daemon must search for when a visitor typed typed: CR, LF
    and NUL are spaces, the ends trimmed (as the daemon trims)."""
    return re.sub("[\r\n\0]", " ", typed).strip(" \t")


def without_time(answer):
    """answer without what changes from one asking to the next: its time,
    and whether it came from the answer cache."""
    return {k: v for k, v in answer.items() if k not in ("took_ms", "cached")}


HIT = re.compile(r'<li><a href="([^"]*)">(.*?)</a><p>(.*?)</p></li>', re.S)


def page_results(body):
    """(total, [(url, title, snippet)]) shown by a results page (url and
    title unescaped; the snippet is the daemon's HTML as inserted)."""
    assert "La recherche a échoué" not in body, body[:800]
    m = re.search(r"<p>(\d+) résultat\(s\)</p>", body)
    assert m, body[:800]
    return int(m.group(1)), [(html.unescape(u), html.unescape(t), s)
                             for u, t, s in HIT.findall(body)]


def expected_results(answer):
    return answer["total"], [(h["url"], h["title"], h["snippet"])
                             for h in answer["hits"]]


@fixture
def served():
    """A daemon on an index of corpus/, for the tests that only read."""
    db = build_index()
    try:
        with Daemon(db) as d:
            yield d
    finally:
        remove_db(db)


def direct(d, texts):
    """{text: the daemon's answer to "SEARCH -- TEXT"}, sent by the test
    itself; each must be a search of exactly that text."""
    out = {}
    with d.conn() as c:
        for text in texts:
            a = c.req("SEARCH -- " + text)
            assert a["ok"] is True and a["query"] == text, (text, a)
            out[text] = a
    return out


def not_vacuous(want):
    """Option-like words, and words after a line break, found documents
    (with snippets): the comparisons are not all of empty pages."""
    for text in ("limit=5 OR cités", "offset=99999 OR cités",
                 "snippet=0 OR cités", "limit= cités",
                 "gouvernements=locaux", "cités  PING"):
        assert want[text]["total"] > 0, want[text]
        assert all(h.get("snippet") for h in want[text]["hits"]), want[text]


def requests_seen(d):
    """The daemon's request count (this STATS included)."""
    return d.stats()["requests"]


def test_python_example_no_option_injection():
    d = served()
    cases = [(urllib.parse.urlencode({"q": t}), t) for t in TYPED] + RAW
    want = direct(d, {searched_text(t.strip()) for _, t in cases})
    not_vacuous(want)
    site = load_example(d.address)
    before = requests_seen(d)
    for qs, typed in cases:
        text = searched_text(typed.strip())
        status, body = call_qs(site.application, qs)
        assert status == "200 OK", (qs, status)
        assert page_results(body) == expected_results(want[text]), (qs, body)
        # The client itself: the same answer, and the query echoed is the
        # visitor's whole text (so no option or line was taken out of it).
        got = site.client.search(typed)
        assert without_time(got) == without_time(want[text]), (typed, got)
    # One request per search, none smuggled in by a line break.
    assert requests_seen(d) == before + 2 * len(cases) + 1


def php_run(address, typed):
    """The PHP example with $_GET["q"] = typed: (its page, the JSON of
    cglu_search() on the page's query, its exit status and stderr)."""
    php = shutil.which("php")
    assert php, "php-cli is not installed (scripts/deps.sh installs it)"
    env = dict(os.environ, CGLU_SEARCHD=address,
               CGLU_TEST_Q=base64.b64encode(typed.encode()).decode())
    code = ('$_GET["q"] = base64_decode(getenv("CGLU_TEST_Q")); '
            'include "%s"; echo "%s", json_encode(cglu_search($q), '
            'JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);'
            % (os.path.join(EX, "search_site.php"),
               CUT.replace("\x01", "\\x01")))
    p = subprocess.run([php, "-r", code], env=env, timeout=30,
                       capture_output=True)
    page, _, answer = p.stdout.decode().partition(CUT)
    return page, answer, p.returncode, p.stderr.decode(errors="replace")


def test_php_example_no_option_injection():
    d = served()
    cases = TYPED + [t for _, t in RAW]
    trim = " \t\n\r\0\x0b"  # what PHP's trim() takes off
    want = direct(d, {searched_text(t.strip(trim)) for t in cases})
    not_vacuous(want)
    before = requests_seen(d)
    for typed in cases:
        text = searched_text(typed.strip(trim))
        page, answer, rc, err = php_run(d.address, typed)
        assert page_results(page) == expected_results(want[text]), (typed,
                                                                    page)
        assert rc == 0 and answer, (typed, rc, err[:800])
        answer = json.loads(answer)
        assert without_time(answer) == without_time(want[text]), (typed,
                                                                  answer)
    assert requests_seen(d) == before + 2 * len(cases) + 1


def test_php_example_query_not_a_string():
    """?q[]=x gives PHP an array: the page, not a fatal error."""
    php = shutil.which("php")
    assert php, "php-cli is not installed (scripts/deps.sh installs it)"
    code = ('$_GET["q"] = ["limit=1"]; include "%s";'
            % os.path.join(EX, "search_site.php"))
    p = subprocess.run([php, "-r", code], timeout=30, capture_output=True,
                       env=dict(os.environ, CGLU_SEARCHD="127.0.0.1:9"))
    out = p.stdout.decode()
    assert p.returncode == 0 and "<form>" in out, (out, p.stderr)
    assert "Fatal" not in out and "ne répond pas" not in out, out


run_all(globals())
