#!/usr/bin/env python3
"""Integration tests for cglu-searchd --http, the HTTP front end; its
contract is docs/HTTP.md. The real daemon on an index of corpus/ built by
cglu-index, driven over raw sockets on 127.0.0.1 (port 0), so that every
byte sent is the test's own. Every wait is bounded in time; nothing asserts
speed: answers, their order, their headers, and bounded memory. Every
daemon is stopped with SIGTERM and must exit 0 with a well-formed log."""
import atexit
import calendar
import html
import html.parser
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, fixture, prog, run_all  # noqa: E402
from daemon import (  # noqa: E402
    HOST, TIMEOUT, Conn, ConnectionClosed, Daemon, HttpDaemon, asan_env,
    build_index, corpus_ids, run_indexer, send_until_blocked, wait_until)

DAEMON = os.path.abspath(prog("cglu-searchd"))
CORPUS = os.path.join(ROOT, "corpus")
WEB = os.path.join(ROOT, "server", "web")
MAX_URL = 8192       # bytes of a request target (414 past it)
MAX_HEAD = 8192      # bytes of a request head (431 past it)
MAX_HEADERS = 100    # header lines (431 past it)
HEAD_LIMIT_S = 10    # a head must arrive whole within this of its first byte
IDLE_S = 15          # a connection idle this long between requests is closed
ALLOW = "GET, HEAD, OPTIONS"
MAX_RESP_HEAD = 64 << 10
MAX_BODY = 64 << 20
STATS_KEYS = {"ok", "documents", "terms", "revision", "index_age_s",
              "languages", "uptime_s", "connections_open", "connections_total",
              "requests", "errors", "output_blocked_bytes", "latency_p50_ms",
              "latency_p99_ms", "cache"}
CACHE_KEYS = {"entries", "bytes", "max_bytes", "hits", "misses", "evictions"}
HEALTH_KEYS = {"ok", "revision", "index_age_s", "documents"}
LOG_KEYS = {"time", "query", "total", "took_ms", "zero_hits"}
PASSWORD = "s3cret"

_tmp = tempfile.mkdtemp(prefix="cglu-http-")
atexit.register(shutil.rmtree, _tmp, True)


@fixture
def index():
    """The index of corpus/, built once for all tests (none writes it)."""
    yield build_index(db=os.path.join(_tmp, "db"))


def corpus_size():
    return len(corpus_ids())


def indexed_copy():
    """A copy of corpus/ and its own index: (folder, db)."""
    src = tempfile.mkdtemp(dir=_tmp)
    shutil.copytree(CORPUS, src, dirs_exist_ok=True)  # en/, es/ too
    return src, build_index(src, src + "-db")


def password_file():
    path = os.path.join(_tmp, "pw")
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write(PASSWORD + "\n")
        os.chmod(path, 0o600)
    return path


# ---- the daemon, with HTTP ---------------------------------------------

def httpd(*args, db=None, **kw):
    """An HttpDaemon on the corpus index (or db)."""
    return HttpDaemon(db or index(), *args, **kw)


@fixture
def shared():
    """One daemon for the tests that only send requests and read answers."""
    with httpd() as d:
        yield d


# ---- a raw HTTP client -------------------------------------------------

def request(method, target, headers=(), version="HTTP/1.1", host=True):
    """The bytes of one request without a body; target and header values
    may be str (sent as UTF-8) or bytes (sent as they are)."""
    def b(s):
        return s if isinstance(s, bytes) else s.encode("utf-8")
    out = [b(method) + b" " + b(target) + b" " + b(version)]
    if host:
        out.append(b"Host: 127.0.0.1")
    out += [b(k) + b": " + b(v) for k, v in headers]
    return b"\r\n".join(out) + b"\r\n\r\n"


class Resp:
    """One parsed HTTP response."""

    def __init__(self, version, status, reason, headers):
        self.version, self.status, self.reason = version, status, reason
        self.headers = headers  # [(lower-case name, value)], in order
        self.body = b""

    def all(self, name):
        return [v for n, v in self.headers if n == name.lower()]

    def get(self, name):
        """The header's value (None when absent); given twice fails."""
        vals = self.all(name)
        assert len(vals) <= 1, "%s given %d times: %r" % (name, len(vals),
                                                          self)
        return vals[0] if vals else None

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def media_type(self):
        return (self.get("content-type") or "").split(";")[0].strip().lower()

    def cache_control(self):
        return {p.strip().lower()
                for p in (self.get("cache-control") or "").split(",")}

    def __repr__(self):
        return "<%d %r %r body %r>" % (self.status, self.reason,
                                       self.headers, self.body[:300])


def check_common(r, head=False):
    """What docs/HTTP.md promises of every answer: nosniff, and every
    error a JSON error object of the line protocol, not to be stored."""
    assert r.get("x-content-type-options") == "nosniff", r
    if r.status >= 400:
        assert "no-store" in r.cache_control(), r
    if r.status >= 400 and not head and r.media_type() == "text/html":
        # the search page shows its own errors as a page (docs/HTTP.md)
        assert b'class="cglu-error"' in r.body, r
    elif r.status >= 400 and not head:
        assert r.media_type() == "application/json", r
        e = r.json()
        assert e["ok"] is False, e
        assert isinstance(e["error"], str) and e["error"], e
        assert isinstance(e["message"], str) and e["message"], e


class Http(Conn):
    """One raw HTTP connection to the daemon: sends bytes as they are,
    reads and parses answers strictly (CRLF, a status line, well-formed
    headers, a Content-Length body). Every wait is bounded."""

    # __init__, send, closed, close and the context manager: Conn's

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionClosed("closed by the daemon, got %r"
                                   % self.buf[:300])
        self.buf += chunk

    def response(self, head=False):
        """The next answer; head: the answer to a HEAD (no body)."""
        while b"\r\n\r\n" not in self.buf:
            assert len(self.buf) < MAX_RESP_HEAD, self.buf[:300]
            self._fill()
        raw, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = raw.decode("latin-1").split("\r\n")
        m = re.fullmatch(r"(HTTP/1\.[01]) ([1-5]\d\d) ([^\r\n]*)", lines[0])
        assert m, "bad status line %r" % lines[0]
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            assert sep and re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+",
                                        name), "bad header line %r" % line
            headers.append((name.lower(), value.strip(" \t")))
        r = Resp(m.group(1), int(m.group(2)), m.group(3), headers)
        assert r.get("transfer-encoding") is None, r
        n = r.get("content-length")
        assert n is None or re.fullmatch(r"\d+", n), r
        if r.status == 204:
            assert n in (None, "0"), r
        elif not head and r.status != 304:
            assert n is not None, "no Content-Length: %r" % r
            assert int(n) <= MAX_BODY, r
            while len(self.buf) < int(n):
                self._fill()
            r.body, self.buf = self.buf[:int(n)], self.buf[int(n):]
        check_common(r, head)
        return r

    def get(self, target, headers=(), method="GET", version="HTTP/1.1"):
        """Send one request, return its answer."""
        self.send(request(method, target, headers, version))
        return self.response(head=(method == "HEAD"))


HttpDaemon.client = Http


def fetch(d, target, headers=(), method="GET", version="HTTP/1.1"):
    """One request on a connection of its own."""
    with d.http() as c:
        return c.get(target, headers, method, version)


def line_answer(c, text):
    """The line protocol's answer (bytes, no "\\n") to text on Conn c."""
    c.send(text.encode("utf-8") + b"\n")
    return c.line()


TOOK = re.compile(rb'"took_ms":[0-9.]+(,"cached":true)?')


def stable(answer):
    """An answer without what changes from one asking to the next: its
    time, and whether it came from the answer cache."""
    return TOOK.sub(b'"took_ms":T', answer)


def same_answer(r, line, where):
    """r's body is the line protocol's answer line, byte for byte (but for
    took_ms and "cached"); the line's "\\n" may end the body or not."""
    body = r.body[:-1] if r.body.endswith(b"\n") else r.body
    assert not body.endswith(b"\n"), (where, r)
    assert stable(body) == stable(line), "%s:\nhttp: %r\nline: %r" % (
        where, body, line)


def is_error(r, status, code):
    assert r.status == status, (status, r)
    if r.media_type() == "text/html":  # the page's error: checked above
        return None
    e = r.json()
    assert e["ok"] is False and e["error"] == code, (code, e)
    return e


def closing_error(c, status, code, head=False):
    """The next answer is status/code with Connection: close, then the
    daemon closes, sending nothing more."""
    r = c.response(head)
    if not head:
        is_error(r, status, code)
    assert r.status == status, r
    assert "close" in (r.get("connection") or "").lower(), r
    assert c.closed(), "still open after a %d" % status
    assert c.buf == b"", c.buf[:300]
    return r


def etag_ok(tag):
    return tag is not None and re.fullmatch(
        r'(W/)?"[\x21\x23-\x7e\x80-\xff]*"', tag)


# ---- start-up, the two listeners ---------------------------------------

def test_http_line_after_listening_line():
    with httpd() as d:
        log = d.log()
        assert re.fullmatch(r"listening on 127\.0\.0\.1:\d+", log[0]), log
        assert log[1] == "http on 127.0.0.1:%d" % d.http_port, log
        with d.conn() as c:  # the line protocol still works on its port
            assert c.req("PING") == {"ok": True, "pong": True}
            assert c.req("SEARCH gouvernements")["total"] >= 1
        r = fetch(d, "/health")
        assert r.status == 200 and r.json()["ok"] is True, r
    with Daemon(index(), check_exit=True) as d:  # no --http: no such line
        with d.conn() as c:
            assert c.req("PING")["pong"] is True
        assert not any(x.startswith("http on") for x in d.log()), d.log()


def run_daemon(*args):
    return subprocess.run([DAEMON, "--db", index(), "--listen", HOST + ":0"]
                          + list(args), capture_output=True, timeout=TIMEOUT,
                          stdin=subprocess.DEVNULL)


def test_bad_http_options_exit_2():
    for args in (["--http"], ["--http", "nonsense"],
                 ["--http", "127.0.0.1:99999"],
                 ["--http", HOST + ":0", "--http-max-age", "31536001"],
                 ["--http", HOST + ":0", "--http-max-age", "-1"],
                 ["--http", HOST + ":0", "--http-max-age", "abc"]):
        p = run_daemon(*args)
        err = p.stderr.decode(errors="replace")
        assert p.returncode == 2, (args, p.returncode, err)
        assert len(err.splitlines()) == 1, (args, err)


def test_http_address_in_use_exit_1():
    with socket.socket() as s:
        s.bind((HOST, 0))
        s.listen(1)
        p = run_daemon("--http", "%s:%d" % (HOST, s.getsockname()[1]))
        assert p.returncode == 1, (p.returncode, p.stderr)


def test_max_age_bounds_accepted():
    for age in ("0", "31536000"):
        with httpd("--http-max-age", age) as d:
            r = fetch(d, "/search?q=gouvernements")
            assert r.status == 200 and r.cache_control() == {
                "public", "max-age=" + age}, r


# ---- every endpoint: headers -------------------------------------------

JSON_OK = ("/search?q=gouvernements", "/suggest?q=gouv",
           "/doc?id=02-mission.txt")


def test_endpoint_headers():
    """Content-Type, Content-Length (checked by the parser), ETag,
    Cache-Control, nosniff everywhere, CSP and Referrer-Policy on HTML."""
    table = [  # target, media types, cacheable (ETag + public max-age)
        ("/search?q=gouvernements", ("application/json",), True),
        ("/suggest?q=gouv", ("application/json",), True),
        ("/doc?id=02-mission.txt", ("application/json",), True),
        ("/stats", ("application/json",), False),
        ("/health", ("application/json",), False),
        ("/metrics", ("text/plain",), False),
        ("/?q=gouvernements", ("text/html",), True),
        ("/", ("text/html",), True),
        ("/cglu-search.js", ("text/javascript", "application/javascript"),
         None),
        ("/cglu-search.css", ("text/css",), None),
    ]
    wrong = []  # every endpoint is tried: the failure lists them all
    with httpd() as d, d.http() as c:
        for target, types, cacheable in table:
            r = c.get(target)
            try:
                assert r.status == 200, r
                assert r.media_type() in types, r
                assert int(r.get("content-length")) == len(r.body) > 0
                charset = re.search(r"charset=([^;\s]+)",
                                    r.get("content-type"), re.I)
                assert charset is None or charset.group(1).lower() in (
                    "utf-8", '"utf-8"'), r
                if cacheable:
                    assert etag_ok(r.get("etag")), "ETag %r" % r.get("etag")
                    assert r.cache_control() == {"public", "max-age=60"}, (
                        "Cache-Control %r" % r.get("cache-control"))
                elif cacheable is False:
                    assert "no-store" in r.cache_control(), r
                if r.media_type() == "text/html":
                    check_html_headers(r)
                if r.media_type() == "application/json":
                    r.json()  # valid UTF-8 JSON
            except AssertionError as e:
                wrong.append("%s: %s" % (target, e))
    assert not wrong, "\n".join(wrong)


def check_html_headers(r):
    csp = r.get("content-security-policy")
    assert csp, r
    directives = {d.strip().split(" ", 1)[0].lower(): d.strip()
                  for d in csp.split(";") if d.strip()}
    script = directives.get("script-src", directives.get("default-src"))
    assert script, "CSP restricts no script: %r" % csp
    assert "'unsafe-inline'" not in script, csp
    assert r.get("referrer-policy") == "no-referrer", r
    assert "charset=utf-8" in r.get("content-type").lower().replace(
        '"', "") or re.search(rb"<meta charset=\"?utf-8", r.body, re.I), r


# ---- the same answers as the line protocol -----------------------------

def test_search_same_bytes_as_line_protocol():
    cases = [
        ("/search?q=gouvernements+locaux&limit=2",
         "SEARCH limit=2 -- gouvernements locaux"),
        ("/search?q=gouvernements%20locaux", "SEARCH -- gouvernements locaux"),
        ("/search?q=%C3%A9lus+d%C3%A9mocratie", "SEARCH -- élus démocratie"),
        ("/search?q=caf%c3%a9s+cit%c3%a9s", "SEARCH -- cafés cités"),
        ("/search?q=%22autonomie+locale%22&limit=1&snippet=80",
         'SEARCH limit=1 snippet=80 -- "autonomie locale"'),
        ("/search?snippet=80&limit=1&q=%22autonomie+locale%22",
         'SEARCH limit=1 snippet=80 -- "autonomie locale"'),
        ("/search?q=title%3Amission&snippet=0",
         "SEARCH snippet=0 -- title:mission"),
        ("/search?q=coop*&limit=1&offset=1",
         "SEARCH limit=1 offset=1 -- coop*"),
        ("/search?q=barcelone+zzqxwvkj", "SEARCH -- barcelone zzqxwvkj"),
        ("/search?q=gouvernemnts", "SEARCH -- gouvernemnts"),
        ("/search?q=-barcelone", "SEARCH -- -barcelone"),
        ("/search?q=barcelone+OR+innovation&limit=100&offset=0",
         "SEARCH limit=100 offset=0 -- barcelone OR innovation"),
        ("/search?q=%C2%AB+autonomie+locale+%C2%BB",
         "SEARCH -- « autonomie locale »"),
        ("/search?q=a%2Bb", "SEARCH -- a+b"),
        ("/search?q=x%09y", "SEARCH -- x\ty"),
        ("/search", "SEARCH"),
        ("/search?q=", "SEARCH"),
        ("/search?limit=3", "SEARCH limit=3"),
        # q is only ever the query: no parameter inside it
        ("/search?q=limit%3D5+x", "SEARCH -- limit=5 x"),
        ("/search?q=limit%3D5+OR+cit%C3%A9s", "SEARCH -- limit=5 OR cités"),
        ("/search?q=snippet%3D0+OR+cit%C3%A9s",
         "SEARCH -- snippet=0 OR cités"),
        ("/search?q=--", "SEARCH -- --"),
        ("/search?q=--+limit%3D1", "SEARCH -- -- limit=1"),
        ("/search?q=a%3Db%26limit%3D1", "SEARCH -- a=b&limit=1"),
        # the filters, facets and sorting (a space in a line value: %20)
        ("/search?q=gouvernements&lang=fr&sort=date&facets=lang,section,tag",
         "SEARCH lang=fr sort=date facets=lang,section,tag -- gouvernements"),
        ("/search?q=city+OR+ville&tag=local+governments,uclg&section=about",
         "SEARCH tag=local%20governments,uclg section=about -- "
         "city OR ville"),
        ("/search?q=gobierno+local&after=2025-05-01&before=2025-12-31"
         "&sort=relevance", "SEARCH after=2025-05-01 before=2025-12-31 "
         "sort=relevance -- gobierno local"),
        ("/search?q=q%3Dx&lang=en", "SEARCH lang=en -- q=x"),
    ]
    with httpd() as d, d.conn() as lc, d.http() as c:
        for target, line in cases:
            r = c.get(target)
            assert r.status == 200, (target, r)
            same_answer(r, line_answer(lc, line), target)
        # the injection cases found documents, with snippets: not vacuous
        r = c.get("/search?q=snippet%3D0+OR+cit%C3%A9s").json()
        assert r["total"] > 0 and all("snippet" in h for h in r["hits"]), r
        r = c.get("/search?q=limit%3D5+x").json()
        assert r["query"] == "limit=5 x" and r["limit"] == 10, r
        # and so did the filters, with their facets
        r = c.get("/search?q=gouvernements&lang=fr&sort=date"
                  "&facets=lang,section,tag").json()
        assert r["total"] > 0 and r["facets"]["lang"] == {
            "fr": r["total"]}, r
        r = c.get("/search?q=city+OR+ville&tag=local+governments,uclg"
                  "&section=about").json()
        assert r["total"] > 0 and all(h["section"] == "about"
                                      for h in r["hits"]), r


def test_line_breaks_in_q_are_text():
    """A newline decoded from q is part of the query, never a request."""
    with httpd() as d, d.conn() as lc, d.http() as c:
        for q, text in (("x%0aPING", "x\nPING"),
                        ("cit%C3%A9s%0d%0aSTATS", "cités\r\nSTATS"),
                        ("%0aSEARCH+gouvernements", "\nSEARCH gouvernements")):
            r = c.get("/search?q=" + q)
            assert r.status == 200, (q, r)
            a = r.json()
            assert a["query"] == text, (q, a)
            flat = json.loads(line_answer(
                lc, "SEARCH -- " + re.sub("[\r\n]", " ", text)))
            assert [h["id"] for h in a["hits"]] == \
                [h["id"] for h in flat["hits"]], (q, a, flat)
        assert c.get("/health").status == 200  # nothing else was answered


def test_suggest_and_doc_same_bytes_as_line_protocol():
    ok = [
        ("/suggest?q=gouv&limit=3", "SUGGEST limit=3 -- gouv"),
        ("/suggest?limit=3&q=democ", "SUGGEST limit=3 -- democ"),
        ("/suggest?q=gouvernements+lo", "SUGGEST -- gouvernements lo"),
        ("/suggest", "SUGGEST"),
        ("/suggest?q=limit%3D1", "SUGGEST -- limit=1"),
        ("/doc?id=02-mission.txt", "DOC 02-mission.txt"),
        ("/doc?id=02%2Dmission%2etxt", "DOC 02-mission.txt"),
    ]
    errors = [
        ("/doc?id=nope.txt", "DOC nope.txt", 404, "not_found"),
        ("/doc?id=limit%3D1", "DOC limit=1", 404, "not_found"),
        ("/doc?id=a%3Db+c", "DOC a=b c", 404, "not_found"),
        ("/doc", "DOC", 400, "bad_request"),
        ("/doc?id=", "DOC", 400, "bad_request"),
    ]
    with httpd() as d, d.conn() as lc, d.http() as c:
        for target, line in ok:
            r = c.get(target)
            assert r.status == 200, (target, r)
            same_answer(r, line_answer(lc, line), target)
        for target, line, status, code in errors:
            r = c.get(target)
            is_error(r, status, code)
            same_answer(r, line_answer(lc, line), target)
            assert r.get("etag") is None, r
        # a bad-parameter 400 or a 404 leaves the connection open
        assert c.get("/health").status == 200


def test_stats_shape():
    with httpd() as d, d.conn() as lc, d.http() as c:
        line = json.loads(line_answer(lc, "STATS"))
        r = c.get("/stats")
        assert r.status == 200, r
        a = r.json()
        assert set(a) == set(line) == STATS_KEYS, (a, line)
        assert set(a["cache"]) == set(line["cache"]) == CACHE_KEYS, a
        for k in ("documents", "terms", "revision"):
            assert a[k] == line[k], (k, a, line)
        for k in STATS_KEYS - {"ok", "cache", "languages"}:
            assert isinstance(a[k], (int, float)) and \
                type(a[k]) is type(line[k]), (k, a, line)
        assert a["documents"] == corpus_size()
        assert a["languages"] == line["languages"] == \
            {"en": 3, "es": 3, "fr": 6}, (a, line)


def test_health():
    with httpd() as d, d.conn() as lc:
        st = json.loads(line_answer(lc, "STATS"))
        r = fetch(d, "/health")
        assert r.status == 200, r
        a = r.json()
        assert set(a) == HEALTH_KEYS and a["ok"] is True, a
        assert a["revision"] == st["revision"] and isinstance(
            a["revision"], int), (a, st)
        assert a["documents"] == corpus_size(), a
        assert isinstance(a["index_age_s"], (int, float)), a
        assert "no-store" in r.cache_control(), r


def test_health_503_when_the_index_is_gone():
    src, db = indexed_copy()
    with httpd(db=db) as d, d.http() as c:
        assert c.get("/health").status == 200
        shutil.rmtree(db)
        d.send_signal(signal.SIGHUP)  # every reader must reopen it: it fails
        d.wait_log(r"^info: SIGHUP")
        assert wait_until(lambda: c.get("/health").status == 503, TIMEOUT)
        r = c.get("/health")
        e = is_error(r, 503, "internal")
        assert set(e) == {"ok", "error", "message"}, e
        build_index(src, db)  # back: healthy again
        d.send_signal(signal.SIGHUP)
        assert wait_until(lambda: c.get("/health").status == 200, TIMEOUT)
        assert c.get("/health").json()["documents"] == corpus_size()


def test_answer_too_large_500():
    """An answer over a quarter of --max-output (at least 64 KB): 500
    too_large, the line protocol's answer; the connection goes on."""
    src = tempfile.mkdtemp(dir=_tmp)
    with open(os.path.join(src, "grand.txt"), "w") as f:
        f.write("Grand document\n\n" + "commune budget ville " * 20000)
    db = build_index(src, src + "-db")
    with httpd("--max-output", "65536", db=db) as d, d.conn() as lc, \
            d.http() as c:
        r = c.get("/doc?id=grand.txt")
        is_error(r, 500, "too_large")
        same_answer(r, line_answer(lc, "DOC grand.txt"), "/doc")
        assert c.get("/search?q=commune").status == 200


def test_shared_answer_cache():
    """HTTP searches use the daemon's one answer cache."""
    with httpd() as d, d.conn() as lc:
        before = json.loads(line_answer(lc, "STATS"))["cache"]["hits"]
        for _ in range(3):
            assert fetch(d, "/search?q=villes+cache+partag%C3%A9"
                         ).status == 200
        after = json.loads(line_answer(lc, "STATS"))["cache"]["hits"]
        assert after >= before + 2, (before, after)


# ---- parameters ----------------------------------------------------------

def test_bad_parameters():
    """400 bad_request with the verb's own message (the line twin's answer,
    byte for byte); a bad parameter is no malformed request: the
    connection stays open."""
    twins = [
        ("/search?sorting=date&q=x", "SEARCH sorting=date x"),
        ("/search?sort=newest&q=x", "SEARCH sort=newest x"),
        ("/search?lang=xx&q=x", "SEARCH lang=xx x"),
        ("/search?after=2025-02-30&q=x", "SEARCH after=2025-02-30 x"),
        ("/search?facets=colour&q=x", "SEARCH facets=colour x"),
        ("/search?limit=500&q=cit%C3%A9s", "SEARCH limit=500 cités"),
        ("/search?limit=0&q=x", "SEARCH limit=0 x"),
        ("/search?limit=abc&q=x", "SEARCH limit=abc x"),
        ("/search?limit=&q=x", "SEARCH limit= x"),
        ("/search?limit=-1&q=x", "SEARCH limit=-1 x"),
        ("/search?limit=1&limit=2&q=x", "SEARCH limit=1 limit=2 x"),
        ("/search?offset=99999999999999999999&q=x",
         "SEARCH offset=99999999999999999999 x"),
        ("/search?snippet=9999999&q=x", "SEARCH snippet=9999999 x"),
        ("/search?q=x&snippet=1&snippet=1", "SEARCH snippet=1 snippet=1 x"),
        ("/suggest?limit=0&q=gouv", "SUGGEST limit=0 gouv"),
        ("/suggest?offset=1&q=gouv", "SUGGEST offset=1 gouv"),
    ]
    others = [  # no line twin: a 400 bad_request
        "/search?q=a&q=b", "/search?q=x&q=", "/doc?id=x&limit=1",
        "/doc?id=a&id=b", "/suggest?q=a&q=b", "/stats?foo=1",
        "/health?foo=1", "/search?q=x&foo",
    ]
    # the page ignores parameters it does not know (tracking tags), and
    # shows its own errors as a page
    pages = {"/?q=x&foo=1&utm_source=a": 200, "/?q=a&q=b": 400,
             "/?q=x&page=0": 400, "/?q=x&page=abc": 400, "/?q=%zz": 400}
    wrong = []  # every case is tried: the failure lists them all
    with httpd() as d, d.conn() as lc, d.http() as c:
        for target, line in twins:
            r = c.get(target)
            want = line_answer(lc, line)
            body = r.body.rstrip(b"\n")
            if r.status != 400 or stable(body) != stable(want):
                wrong.append("%s: %d %r, want 400 %r" % (target, r.status,
                                                         r.body, want))
        # the messages name the option (and what a known one takes)
        for target, ok in (
                ("/search?sorting=date&q=x", lambda m: '"sorting"' in m),
                ("/search?sort=newest&q=x", lambda m: m.startswith(
                    "option sort takes relevance or date"))):
            e = c.get(target).json()
            if not (e["error"] == "bad_request" and ok(e["message"])):
                wrong.append("%s: %r: not the message expected" % (
                    target, e))
        for target in others:
            r = c.get(target)
            if r.status != 400 or r.json().get("error") != "bad_request":
                wrong.append("%s: %d %r, want 400 bad_request" % (
                    target, r.status, r.body[:200]))
        for target, status in pages.items():
            r = c.get(target)
            if r.status != status or not (r.get("content-type") or
                                          "").startswith("text/html"):
                wrong.append("%s: %d %r, want %d and a page" % (
                    target, r.status, r.body[:200], status))
        assert c.get("/health").status == 200
    assert not wrong, "\n".join(wrong)


def test_bad_encoding_400():
    """Bad percent escapes, invalid UTF-8 and NUL after decoding: 400."""
    bad = ["%zz", "abc%", "abc%4", "%4g", "%ff", "caf%c3", "%c0%af",
           "%ed%a0%80", "%f4%90%80%80", "a%00b", "%00", "%e2%82"]
    with httpd() as d, d.http() as c:
        for q in bad:
            for target in ("/search?q=" + q, "/suggest?q=" + q,
                           "/doc?id=" + q, "/?q=" + q):
                is_error(c.get(target), 400, "bad_request")
        is_error(c.get("/search?q=x&limit=5%00"), 400, "bad_request")
        is_error(c.get("/search?q=x&limit=%zz"), 400, "bad_request")
        assert c.get("/health").status == 200


def test_unknown_paths_404():
    with httpd() as d, d.http() as c:
        for target in ("/nope", "/search/", "/Search", "//search",
                       "/search/x", "/doc/", "/doc/02-mission.txt",
                       "/cglu-search.jsx", "/health/", "/index.html",
                       "/../etc/passwd", "/%2e%2e/server/web/cglu-search.js"):
            r = c.get(target)
            is_error(r, 404, "not_found")
            assert r.get("etag") is None, r
        assert c.get("/health").status == 200


# ---- methods -------------------------------------------------------------

def test_head_same_headers_no_body():
    targets = ["/search?q=gouvernements", "/suggest?q=gouv",
               "/doc?id=02-mission.txt", "/health", "/", "/?q=gouvernements",
               "/cglu-search.js", "/cglu-search.css", "/nope",
               "/search?limit=0"]
    # answers holding a time (took_ms) may differ in length by its digits
    timed = ("/search?q=gouvernements", "/?q=gouvernements")

    def same(r, target):
        return sorted((n, v) for n, v in r.headers if n != "date" and not (
            n == "content-length" and target in timed))
    with httpd() as d, d.http() as c:
        for target in targets:
            c.get(target)  # a search's second answer comes from the cache
            g = c.get(target)
            h = c.get(target, method="HEAD")
            assert h.status == g.status, (target, g, h)
            assert same(h, target) == same(g, target), (target, g.headers,
                                                         h.headers)
            assert abs(int(h.get("content-length")) - len(g.body)) <= 8, (
                target, g, h)
        h = c.get("/stats", method="HEAD")
        assert h.status == 200 and h.get("content-length"), h
        # no body came: the next answer on the connection parses
        r = c.get("/health")
        assert r.status == 200 and r.json()["ok"] is True, r


def test_options_preflight():
    with httpd() as d, d.http() as c:
        r = c.get("/search", [("Origin", "https://a.org"),
                              ("Access-Control-Request-Method", "GET"),
                              ("Access-Control-Request-Headers",
                               "authorization")], method="OPTIONS")
        assert r.status == 204 and r.body == b"", r
        assert r.get("allow") == ALLOW, r
        assert r.get("access-control-allow-methods") == ALLOW, r
        assert r.get("access-control-allow-headers").lower() == \
            "authorization", r
        assert r.get("access-control-max-age") == "86400", r
        assert r.get("access-control-allow-origin") == "*", r
        # a plain OPTIONS: 204 with Allow
        r = c.get("/search", method="OPTIONS")
        assert r.status == 204 and r.get("allow") == ALLOW, r
        # the connection goes on
        assert c.get("/health").status == 200


def test_other_methods_405():
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        with shared().http() as c:
            c.send(request(method, "/search?q=x", [("Content-Length", "0")]))
            r = closing_error(c, 405, "method_not_allowed")
            assert r.get("allow") == ALLOW, r
    with shared().http() as c:  # pipelined: the rest is not answered
        c.send(request("GET", "/health") + request("DELETE", "/search") +
               request("GET", "/health"))
        assert c.response().status == 200
        closing_error(c, 405, "method_not_allowed")


# ---- CORS ----------------------------------------------------------------

def test_cors_default_star():
    d = shared()
    for target in JSON_OK + ("/stats",):
        r = fetch(d, target, [("Origin", "https://anywhere.example")])
        assert r.status == 200, r
        assert r.get("access-control-allow-origin") == "*", (target, r)


def test_cors_list():
    with httpd("--http-cors", "https://a.org,https://b.org") as d:
        for origin in ("https://a.org", "https://b.org"):
            r = fetch(d, "/search?q=x", [("Origin", origin)])
            assert r.get("access-control-allow-origin") == origin, r
            assert "origin" in [v.strip().lower() for x in r.all("vary")
                                for v in x.split(",")], r
            p = fetch(d, "/search", [("Origin", origin),
                                     ("Access-Control-Request-Method", "GET")],
                      method="OPTIONS")
            assert p.status == 204, p
            assert p.get("access-control-allow-origin") == origin, p
        for origin in ("https://c.org", "https://a.org.evil.example",
                       "http://a.org", "https://A.org:443", "null", "*"):
            r = fetch(d, "/search?q=x", [("Origin", origin)])
            assert r.status == 200, r
            assert r.get("access-control-allow-origin") is None, (origin, r)
            p = fetch(d, "/search", [("Origin", origin),
                                     ("Access-Control-Request-Method", "GET")],
                      method="OPTIONS")
            assert p.get("access-control-allow-origin") is None, (origin, p)


def test_cors_none():
    with httpd("--http-cors", "none") as d:
        r = fetch(d, "/search?q=x", [("Origin", "https://a.org")])
        assert r.status == 200, r
        assert r.get("access-control-allow-origin") is None, r


# ---- limits --------------------------------------------------------------

def test_body_413():
    d = shared()
    with d.http() as c:
        c.send(request("GET", "/search?q=x", [("Content-Length", "5")]) +
               b"hello" + request("GET", "/health"))
        closing_error(c, 413, "request_too_large")
    with d.http() as c:
        c.send(request("GET", "/search?q=x",
                       [("Transfer-Encoding", "chunked")]) +
               b"5\r\nhello\r\n0\r\n\r\n")
        closing_error(c, 413, "request_too_large")
    with d.http() as c:  # an empty body is no body
        r = c.get("/health", [("Content-Length", "0")])
        assert r.status == 200, r
        assert c.get("/health").status == 200


def test_url_414():
    d = shared()
    with d.http() as c:  # a long URL under the limits is served
        q = "a" * (MAX_URL - 200)
        r = c.get("/search?q=" + q)
        assert r.status == 200 and r.json()["query"] == q, r
    with d.http() as c:
        c.send(request("GET", "/search?q=" + "a" * (MAX_URL + 1)))
        closing_error(c, 414, "request_too_large")
    with d.http() as c:  # far longer, in pieces: answered, not buffered
        c.send(b"GET /search?q=")
        try:
            for _ in range(100):
                c.send(b"b" * 1024)
        except (BrokenPipeError, ConnectionResetError):
            pass  # it stopped reading: the answer is there to be read
        closing_error(c, 414, "request_too_large")


def test_head_431():
    d = shared()
    wrong = []  # every case is tried: the failure lists them all
    cases = [
        # one header over the limit by itself
        ("one big header", request("GET", "/health",
                                   [("X-Big", "x" * (MAX_HEAD + 800))])),
        # the URL under its limit, the head (request line and headers)
        # well over 8192 bytes
        ("long URL and a header", request(
            "GET", "/search?q=" + "a" * (MAX_URL - 200),
            [("X-Pad", "p" * 400)])),
        ("101 header lines and Host", request(
            "GET", "/health", [("X-H%d" % i, "v")
                               for i in range(MAX_HEADERS + 1)])),
    ]
    for what, req in cases:
        head = req.split(b"\r\n\r\n")[0]
        assert len(head) > MAX_HEAD + 200 or what.startswith("101"), what
        with d.http() as c:
            c.send(req)
            try:
                closing_error(c, 431, "request_too_large")
            except AssertionError as e:
                wrong.append("%s (%d-byte head): %s" % (what, len(head),
                                                        str(e)[:300]))
    with d.http() as c:  # 100 header lines, Host included: served
        r = c.get("/health", [("X-H%d" % i, "v")
                              for i in range(MAX_HEADERS - 1)])
        assert r.status == 200, r
    assert not wrong, "\n".join(wrong)


def test_busy_503():
    with httpd("--max-connections", "1") as d:
        lc = d.conn()
        assert lc.req("PING")["pong"] is True
        with d.http() as c:
            # the answer may come on connecting, or to the first request
            got = select.select([c.sock], [], [], 2)[0]
            if not got:
                try:
                    c.send(request("GET", "/health"))
                except (BrokenPipeError, ConnectionResetError):
                    pass
            closing_error(c, 503, "busy")
        lc.close()

        def http_ok():
            try:
                with d.http() as c:
                    return c.get("/health").status == 200
            except (AssertionError, OSError, ValueError):
                return False
        # the daemon sees lc go asynchronously
        assert wait_until(http_ok, 10)
        # an HTTP client counts against the limit too
        with d.http() as c:
            assert c.get("/health").status == 200  # kept alive
            with d.conn() as lc2:
                e = lc2.json()
                assert e["ok"] is False and e["error"] == "busy", e
                assert lc2.closed(5)


# ---- authentication ------------------------------------------------------

def test_password():
    bearer = [("Authorization", "Bearer " + PASSWORD)]
    with httpd("--password-file", password_file()) as d, d.http() as c:
        for target in JSON_OK + ("/stats", "/metrics", "/?q=gouvernements"):
            for headers in ([], [("Authorization", "Bearer wrong")],
                            [("Authorization", "Bearer " + PASSWORD + "x")],
                            [("Authorization", "Bearer")],
                            [("Authorization", "Basic czNjcmV0")],
                            [("Authorization", PASSWORD)]):
                r = c.get(target, headers)
                is_error(r, 401, "unauthorized")
                assert (r.get("www-authenticate") or "").startswith(
                    "Bearer"), r
            r = c.get(target, bearer)  # same connection: a 401 keeps it
            assert r.status == 200, (target, r)
        r = c.get("/search?q=gouvernements", bearer)
        assert r.cache_control() == {"private", "max-age=60"}, r
        tag = r.get("etag")
        # a cached answer's tag is no way around the password
        r = c.get("/search?q=gouvernements", [("If-None-Match", tag)])
        is_error(r, 401, "unauthorized")
        # open: the page without a query, its assets, /health, preflights
        for target in ("/", "/cglu-search.js", "/cglu-search.css", "/health"):
            assert c.get(target).status == 200, target
        r = c.get("/search", [("Origin", "https://a.org"),
                              ("Access-Control-Request-Method", "GET"),
                              ("Access-Control-Request-Headers",
                               "Authorization")], method="OPTIONS")
        assert r.status == 204, r
        with d.conn() as lc:  # the line protocol still wants AUTH
            e = lc.req("SEARCH gouvernements")
            assert e["error"] == "unauthorized", e
            assert lc.req("AUTH " + PASSWORD)["auth"] is True


# ---- caching ---------------------------------------------------------------

def test_etag_304():
    d = shared()
    with d.http() as c:
        tags = {}
        for target in JSON_OK + ("/?q=gouvernements", "/?q=locaux",
                                 "/search?q=gouvernements&limit=1",
                                 "/search?q=gouvernement",
                                 "/suggest?q=gouvernements",
                                 "/doc?id=05-objectifs.txt", "/"):
            r = c.get(target)
            assert r.status == 200, r
            tag = r.get("etag")
            assert etag_ok(tag), (target, r)
            tags[target] = tag
            assert c.get(target).get("etag") == tag, target  # stable
            n = c.get(target, [("If-None-Match", tag)])
            assert n.status == 304 and n.body == b"", (target, n)
            assert n.get("etag") == tag, n
            assert n.cache_control() == r.cache_control(), n
            for other in ('"nope"', 'W/"nope"'):
                assert c.get(target, [("If-None-Match", other)]
                             ).status == 200, (target, other)
            n = c.get(target, [("If-None-Match", '"nope", ' + tag)])
            assert n.status == 304, (target, n)
            # If-None-Match compares weakly (RFC 7232 3.2): W/ or not
            other = tag[2:] if tag.startswith("W/") else "W/" + tag
            n = c.get(target, [("If-None-Match", other)])
            assert n.status == 304, (target, other, n)
        # other requests of an endpoint, other tags
        for path in ("/search", "/suggest", "/doc", "/"):
            same = [t for k, t in tags.items() if k.split("?")[0] == path]
            assert len(set(same)) == len(same) > 1, (path, tags)
        assert c.get("/health").status == 200  # 304s kept the connection


def test_304_does_not_touch_the_index():
    """A 304 is answered from the tag alone: with the answer cache just
    emptied (SIGHUP, same revision), no search is made (no cache miss)."""
    with httpd() as d, d.conn() as lc, d.http() as c:
        target = "/search?q=zzsans+recherche"
        tag = c.get(target).get("etag")
        d.send_signal(signal.SIGHUP)
        d.wait_log(r"^info: SIGHUP")
        assert wait_until(lambda: json.loads(line_answer(lc, "STATS"))[
            "cache"]["entries"] == 0, TIMEOUT)
        misses = json.loads(line_answer(lc, "STATS"))["cache"]["misses"]
        for _ in range(5):
            r = c.get(target, [("If-None-Match", tag)])
            assert r.status == 304 and r.get("etag") == tag, r
        after = json.loads(line_answer(lc, "STATS"))["cache"]
        assert after["misses"] == misses and after["entries"] == 0, after


def test_etag_changes_after_reindex():
    src, db = indexed_copy()
    with httpd(db=db) as d, d.http() as c:
        target = "/search?q=gouvernements+xylophonique"
        r1 = c.get(target)
        rev1 = c.get("/health").json()["revision"]
        tag1 = r1.get("etag")
        assert c.get(target, [("If-None-Match", tag1)]).status == 304
        with open(os.path.join(src, "07-nouveau.txt"), "w") as f:
            f.write("Nouveau\n\nDes gouvernements xylophoniques.\n")
        run_indexer(["-q", "--db", db, src])
        assert wait_until(
            lambda: c.get("/health").json()["revision"] > rev1, TIMEOUT)
        r2 = c.get(target, [("If-None-Match", tag1)])
        assert r2.status == 200, r2
        tag2 = r2.get("etag")
        assert etag_ok(tag2) and tag2 != tag1, (tag1, tag2)
        assert "07-nouveau.txt" in [h["id"] for h in r2.json()["hits"]], r2
        assert c.get(target, [("If-None-Match", tag2)]).status == 304


def test_304_only_for_the_revision_now():
    """A revalidation right after a re-index, with no other request in
    between, is answered from the new revision (the tag names the index
    and revision the watch sees, not the last one a worker met)."""
    src, db = indexed_copy()
    with httpd(db=db) as d, d.http() as c:
        target = "/search?q=zanzibarxyz"
        r1 = c.get(target)
        tag1 = r1.get("etag")
        assert r1.json()["total"] == 0 and etag_ok(tag1), r1
        with open(os.path.join(src, "08-zanzibar.txt"), "w") as f:
            f.write("Zanzibar\n\nLe mot zanzibarxyz.\n")
        run_indexer(["-q", "--db", db, src])
        # only revalidations: the first one that is not a 304 is the new
        # answer, and no 304 ever came with the old answer's tag after it
        got = []
        wait_until(lambda: got.append(c.get(target, [(
            "If-None-Match", tag1)])) or got[-1].status == 200, TIMEOUT)
        assert got[-1].status == 200 and got[-1].json()["total"] == 1, got[-1]
        assert got[-1].get("etag") != tag1


def test_rebuilt_index_new_tags():
    """An index made anew (another UUID, revisions from 1 again) never
    answers 304 to a tag of the old one."""
    src, db = indexed_copy()
    with httpd(db=db) as d, d.http() as c:
        target = "/search?q=gouvernements"
        tag1 = c.get(target).get("etag")
        rev1 = c.get("/health").json()["revision"]
        shutil.rmtree(db)
        build_index(src, db)
        assert wait_until(lambda: c.get(target, [(
            "If-None-Match", tag1)]).status == 200, TIMEOUT)
        assert c.get("/health").json()["revision"] == rev1  # same number
        assert c.get(target).get("etag") != tag1


def test_star_is_no_match_for_answers():
    """If-None-Match: * is false when the answer is an error (RFC 9110
    13.1.2): the unknown document is a 404, not a 304."""
    d = shared()
    with d.http() as c:
        is_error(c.get("/doc?id=nope.txt", [("If-None-Match", "*")]), 404,
                 "not_found")
        assert c.get("/search?q=x", [("If-None-Match", "*")]).status == 200
        assert c.get("/cglu-search.js", [("If-None-Match", "*")]).status \
            == 304


def test_password_private_caching():
    bearer = [("Authorization", "Bearer " + PASSWORD)]
    with httpd("--password-file", password_file()) as d, d.http() as c:
        for target in JSON_OK + ("/?q=gouvernements",):
            r = c.get(target, bearer)
            assert r.status == 200 and "private" in r.cache_control(), \
                (target, r)
            r2 = c.get(target, bearer + [("If-None-Match", r.get("etag"))])
            assert r2.status == 304 and "private" in r2.cache_control(), r2
        for target in ("/", "/cglu-search.js"):
            assert "public" in c.get(target).cache_control(), target


def test_garbage_after_a_method_letter():
    """A malformed request that begins like HEAD is answered with a body
    (its 400 is no HEAD answer), then closed."""
    d = shared()
    for raw in (b"HXX / HTTP/1.1\r\n\r\n", b"H\x01\r\n\r\n",
                request("HEAD", "/health") + b"\x01garbage"):
        with d.http() as c:
            c.send(raw)
            if raw.startswith(b"HEAD"):
                assert c.response(head=True).status == 200
            closing_error(c, 400, "bad_request")


def test_bad_cors_list_exit_2():
    for spec in ("foo", "https://a.org,foo", "https://a.org,,"):
        p = run_daemon("--http", HOST + ":0", "--http-cors", spec)
        err = p.stderr.decode(errors="replace")
        assert p.returncode == 2, (spec, p.returncode, err)
        assert "--http-cors" in err and len(err.splitlines()) == 1, err


def test_query_log_long_control_query(tmp=None):
    """Every log line is JSON, even for a query that escapes to more
    than the daemon's first guess (a control byte is 6 bytes escaped)."""
    path = os.path.join(tempfile.mkdtemp(dir=_tmp), "q.log")
    with httpd("--log-queries", path) as d, d.conn() as lc, d.http() as c:
        lc.send(b"SEARCH " + b"\x01" * 3000 + b"\n")
        assert json.loads(lc.line())["ok"]
        assert c.get("/search?q=" + "%01" * 2700).status == 200
        assert wait_until(lambda: len(open(path, "rb").read().splitlines())
                          >= 2, TIMEOUT)
    lines = open(path, "rb").read().splitlines()
    for line in lines:
        e = json.loads(line)
        assert set(e["query"]) == {"\x01"}, e["query"][:20]


def test_blank_lines_do_not_keep_a_connection():
    """CRLFs before a request start the head's clock: sending one now
    and then does not hold a connection past the head limit."""
    d = shared()
    with d.http() as c:
        t0 = time.monotonic()
        closed = False
        while time.monotonic() - t0 < HEAD_LIMIT_S + 8:
            try:
                c.send(b"\r\n")
            except OSError:
                closed = True
                break
            if c.closed(2.0):
                closed = True
                break
        assert closed, "still open after %.1f s of blank lines" % (
            time.monotonic() - t0)


def test_http_max_age():
    with httpd("--http-max-age", "5") as d:
        for target in ("/stats", "/health", "/metrics", "/nope"):
            assert "no-store" in fetch(d, target).cache_control(), target
        for target in JSON_OK + ("/?q=gouvernements", "/"):
            r = fetch(d, target)
            assert r.cache_control() == {"public", "max-age=5"}, (target, r)


# ---- connections -----------------------------------------------------------

def test_keep_alive():
    d = shared()
    with d.http() as c:
        for i in range(10):
            r = c.get("/search?limit=1&q=gouvernements+%d" % i)
            assert r.status == 200 and r.json()["query"] == \
                "gouvernements %d" % i, r
            assert "close" not in (r.get("connection") or "").lower(), r
        assert not c.closed(0.2)


def test_pipelining_in_order():
    d = shared()
    reqs, want = [], []
    for i in range(20):
        if i % 5 == 3:
            reqs.append(request("GET", "/nope%d" % i))
            want.append((404, None))
        elif i % 7 == 6:
            reqs.append(request("HEAD", "/search?q=x%d" % i))
            want.append((200, "HEAD"))
        else:
            reqs.append(request("GET", "/search?limit=1&q=villes+%d" % i))
            want.append((200, "villes %d" % i))
    with d.http() as c:
        c.send(b"".join(reqs))
        for i, (status, query) in enumerate(want):
            r = c.response(head=(query == "HEAD"))
            assert r.status == status, (i, r)
            if query not in (None, "HEAD"):
                assert r.json()["query"] == query, (i, r)
        assert c.get("/health").status == 200


def test_pipelining_backpressure_keeps_order():
    """Tiny limits: reading pauses and resumes many times, in order."""
    with httpd("--max-queue", "2", "--max-output", "1024") as d, \
            d.http() as c:
        n = 200
        c.send(b"".join(request("GET", "/search?limit=100&q=gouvernements+q%d"
                                % i) + request("GET", "/health")
                        for i in range(n)))
        for i in range(n):
            assert c.response().json()["query"] == "gouvernements q%d" % i
            assert c.response().json()["ok"] is True


def test_http10():
    d = shared()
    with d.http() as c:
        c.send(b"GET /health HTTP/1.0\r\n\r\n")
        r = c.response()
        assert r.status == 200 and r.json()["ok"] is True, r
        assert c.closed(), "HTTP/1.0 without keep-alive kept open"
        assert c.buf == b""
    with d.http() as c:
        for _ in range(3):
            r = c.get("/health", [("Connection", "keep-alive")],
                      version="HTTP/1.0")
            assert r.status == 200, r
        c.send(b"GET /health HTTP/1.0\r\n\r\n")  # and then without
        assert c.response().status == 200
        assert c.closed()


def test_connection_close():
    """The answer to a request that closes the connection is the last one,
    whatever was pipelined behind it."""
    d = shared()
    wrong = []
    for first in (request("GET", "/search?q=x", [("Connection", "close")]),
                  b"GET /health HTTP/1.0\r\n\r\n",
                  request("GET", "/health", [("Connection", "close")],
                          version="HTTP/1.0")):
        with d.http() as c:
            c.send(first + request("GET", "/health"))
            r = c.response()
            assert r.status == 200, r
            if "close" not in (r.get("connection") or "").lower():
                wrong.append("%r: no Connection: close in %r" % (first, r))
            if not c.closed() or c.buf != b"":
                wrong.append("%r: then got %r" % (first, c.buf[:300]))
    assert not wrong, "\n".join(wrong)


def test_bad_version_505():
    d = shared()
    for version in ("HTTP/2.0", "HTTP/3.0", "HTTP/0.9"):
        with d.http() as c:
            c.send(request("GET", "/health", version=version))
            closing_error(c, 505, "bad_request")


def test_garbage_400():
    d = shared()
    samples = [
        b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(range(32)),
        b"hello world\r\n\r\n",
        b"\x00\x01\x02\xff\r\n\r\n",
        b"PING\n",
        b"GET /health HTTP/1.1\r\nHost\r\n\r\n",
        b"GET /health HTTP/1.1\r\nBad Header: x\r\n\r\n",
        b"GET /health HTTP/1.1\r\nX-A : x\r\n\r\n",  # RFC 7230 3.2.4
        b"GET /health HTTP/1.1\r\n: x\r\n\r\n",
        b"GET  HTTP/1.1\r\n\r\n",
        b"GET /health HTTP/1.1 extra\r\n\r\n",
        b"GET /he alth HTTP/1.1\r\n\r\n",
        b"GET /health HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        b"GET /health HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2"
        b"\r\n\r\n",
    ]
    wrong = []  # every sample is tried: the failure lists them all
    for s in samples:
        with d.http() as c:
            c.send(s)
            r = c.response()
            if r.status != 400 or r.json()["error"] != "bad_request" or \
                    "close" not in (r.get("connection") or "").lower() or \
                    not c.closed():
                wrong.append("%r: %r, want a 400 and closed" % (s, r))
    assert fetch(d, "/health").status == 200
    assert not wrong, "\n".join(wrong)


def test_nul_in_request():
    d = shared()
    for s in (b"GET /sea\x00rch HTTP/1.1\r\nHost: x\r\n\r\n",
              b"GET /search?q=a\x00b HTTP/1.1\r\nHost: x\r\n\r\n",
              b"GET /health HTTP/1.1\x00\r\nHost: x\r\n\r\n",
              b"\x00GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
              b"GET /health HTTP/1.1\r\nX-A: a\x00b\r\n\r\n",
              b"GET /health HTTP/1.1\r\nX-\x00: b\r\n\r\n"):
        with d.http() as c:
            c.send(s)
            closing_error(c, 400, "bad_request")


def test_request_split_at_every_byte():
    d = shared()
    one = request("GET", "/search?q=gouvernements&limit=1")
    with d.http() as c:
        whole = c.get("/search?q=gouvernements&limit=1")
    with d.http() as c:
        data = one + request("GET", "/suggest?q=gouv") + request(
            "HEAD", "/health")
        for i in range(len(data)):
            c.send(data[i:i + 1])
            time.sleep(0.002)
        r = c.response()
        assert r.status == 200, r
        assert stable(r.body) == stable(whole.body), (r, whole)
        assert c.response().json()["prefix"] == "gouv"
        assert c.response(head=True).status == 200
        assert c.get("/health").status == 200


def trickle(sock, data, gap, until_s):
    """Send data one byte every gap seconds (data is then repeated as
    filler if need be) until the daemon closes the connection or until_s
    seconds pass. Returns (seconds until closed or None, bytes received)."""
    t0 = time.monotonic()
    got, i = b"", 0
    while time.monotonic() - t0 < until_s:
        try:
            sock.sendall(data[i % len(data):i % len(data) + 1])
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - t0, got
        i += 1
        end = time.monotonic() + gap
        while time.monotonic() < end:
            r, _, _ = select.select([sock], [], [], max(0, end -
                                                        time.monotonic()))
            if not r:
                break
            try:
                chunk = sock.recv(1 << 16)
            except ConnectionResetError:
                return time.monotonic() - t0, got
            if not chunk:
                return time.monotonic() - t0, got
            got += chunk
    return None, got


def test_slow_clients_and_idle_connections():
    """A head trickled within the 10-s limit is served; one trickled past
    it is closed; a connection idle 15 s is closed; an active one is not."""
    out = {}
    with httpd() as d:
        slow, loris, idle, busy = d.http(), d.http(), d.http(), d.http()
        assert idle.get("/health").status == 200

        def run_slow():  # about 3 s for the whole head
            req = request("GET", "/health")
            for i in range(len(req)):
                slow.send(req[i:i + 1])
                time.sleep(3.0 / len(req))
            out["slow"] = slow.response().status

        def run_loris():
            loris.send(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            out["loris"] = trickle(loris.sock, b"X-Slow: abcdefgh\r\n", 0.5,
                                   HEAD_LIMIT_S + TIMEOUT)

        def run_idle():
            t0 = time.monotonic()
            out["idle"] = (idle.closed(IDLE_S + TIMEOUT),
                           time.monotonic() - t0, idle.buf)

        def run_busy():
            out["busy"] = []
            t0 = time.monotonic()
            while time.monotonic() - t0 < IDLE_S + 2:
                out["busy"].append(busy.get("/health").status)
                time.sleep(1)
        threads = [threading.Thread(target=f, daemon=True)
                   for f in (run_slow, run_loris, run_idle, run_busy)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(IDLE_S + 2 * TIMEOUT)
        assert not any(t.is_alive() for t in threads), out
        assert out["slow"] == 200, out
        when, got = out["loris"]
        assert when is not None, "a head trickled for %d s was not cut" % (
            HEAD_LIMIT_S + TIMEOUT)
        assert when >= HEAD_LIMIT_S - 0.5, "cut after %.1f s" % when
        assert got == b"" or re.match(rb"HTTP/1\.[01] 4\d\d ", got), got
        closed, after, _ = out["idle"]
        assert closed, "idle connection still open"
        assert after >= IDLE_S - 0.5, "idle connection cut after %.1f s" \
            % after
        assert out["busy"] and set(out["busy"]) == {200}, out["busy"]
        print("     slowloris cut after %.1f s, idle after %.1f s"
              % (when, after))
        for c in (slow, loris, idle, busy):
            c.close()


def test_client_that_never_reads():
    # A small ASan quarantine, so that RSS shows what is really held.
    with httpd("--max-output", "65536", "--max-queue", "16",
               env=asan_env(4)) as d:
        c = d.http()
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        rss0 = d.rss_mb() * 1024  # KB
        sent, blocked = send_until_blocked(c, lambda k: b"".join(request(
            "GET", "/search?limit=100&q=gouvernements+locaux+%d"
            % (k * 1000 + i)) for i in range(1000)), 500, TIMEOUT)  # 40 MB
        assert blocked, "sent %d requests without backpressure" % (
            sent * 1000)
        # others are served meanwhile, on both protocols
        assert fetch(d, "/search?q=gouvernements").status == 200
        with d.conn() as lc:
            assert lc.req("PING")["pong"] is True
        grown = d.rss_mb() * 1024 - rss0
        assert grown < 64 * 1024, "daemon grew by %d KB" % grown
        c.close()
        assert fetch(d, "/health").status == 200


def test_sigterm_with_http_clients():
    """Idle keep-alive clients do not hold the daemon: exit 0."""
    d = httpd()
    c = d.http()
    assert c.get("/health").status == 200
    c2 = d.http()
    c2.send(b"GET /hea")  # half a head
    assert d.stop() == 0 and not d.killed, d.text()
    assert d.log()[-1] == "info: stopped", d.log()
    assert "Sanitizer" not in d.text()
    c.close()
    c2.close()
    d.close()


# ---- metrics ---------------------------------------------------------------

SAMPLE = re.compile(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)'
                    r'(?: -?\d+)?')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')


def parse_metrics(text):
    """Prometheus text format 0.0.4: ({family: type}, [(name, labels,
    value)]); every sample after its family's TYPE line."""
    assert text.endswith("\n"), text[-100:]
    types, samples = {}, []
    for line in text.split("\n")[:-1]:
        if line.startswith("# TYPE "):
            name, typ = line[7:].split(" ")
            assert typ in ("counter", "gauge", "histogram", "summary",
                           "untyped"), line
            assert name not in types, "TYPE twice: " + line
            types[name] = typ
            continue
        if line.startswith("#") or line.strip() == "":
            continue  # HELP, other comments, empty lines: ignored
        m = SAMPLE.fullmatch(line)
        assert m, "bad sample line %r" % line
        name, rawlabels, value = m.groups()
        labels = {}
        if rawlabels:
            pairs = LABEL.findall(rawlabels)
            assert ",".join('%s="%s"' % p for p in pairs) in (
                rawlabels, rawlabels.rstrip(",")), line
            labels = dict(pairs)
        family = name
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and types.get(
                    name[:-len(suffix)]) in ("histogram", "summary"):
                family = name[:-len(suffix)]
        assert family in types, "no TYPE before " + line
        samples.append((name, labels, float(value)))
    return types, samples


def metric(samples, name, **labels):
    """The sum of name's samples whose labels hold labels."""
    return sum(v for n, lab, v in samples
               if n == name and all(lab.get(k) in want
                                    for k, want in labels.items()))


def metrics(c):
    r = c.get("/metrics")
    assert r.status == 200, r
    return parse_metrics(r.body.decode("utf-8"))


def test_metrics():
    with httpd() as d, d.http() as c, d.conn() as lc:
        r = c.get("/metrics")
        ctype = r.get("content-type").replace(" ", "").lower()
        assert ctype.startswith("text/plain;") and "version=0.0.4" in ctype, r
        assert "no-store" in r.cache_control(), r
        types, s0 = metrics(c)
        assert types.get("cglu_http_requests_total") == "counter", types
        assert types.get("cglu_request_duration_seconds") == "histogram", \
            types
        names = " ".join(types)
        for words in (("cache", "hit"), ("cache", "miss"), ("document",),
                      ("revision",), ("age",), ("connection",)):
            assert any(all(w in n for w in words) for n in types), (words,
                                                                  names)
        search = {"endpoint": ("search", "/search")}
        for i in range(3):
            assert c.get("/search?q=m%%C3%%A9triques+%d" % i).status == 200
        is_error(c.get("/search?limit=0"), 400, "bad_request")
        for i in range(2):
            assert line_answer(lc, "SEARCH ligne %d" % i).startswith(b'{"ok"')
        types, s1 = metrics(c)
        for code, n in (("200", 3), ("400", 1)):
            got = (metric(s1, "cglu_http_requests_total", code=(code,),
                          **search) -
                   metric(s0, "cglu_http_requests_total", code=(code,),
                          **search))
            assert got == n, (code, got, [x for x in s1
                                          if "requests" in x[0]])
        for _, lab, _ in [x for x in s1 if x[0] == "cglu_http_requests_total"]:
            assert {"endpoint", "code"} <= set(lab), lab
        # the histogram: cumulative buckets, +Inf is the count
        h = "cglu_request_duration_seconds"
        buckets = sorted(((float(lab["le"]), v) for n, lab, v in s1
                          if n == h + "_bucket"), key=lambda x: x[0])
        assert buckets and buckets[-1][0] == float("inf"), buckets
        assert all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])), \
            buckets
        count = metric(s1, h + "_count")
        assert buckets[-1][1] == count >= 3, (buckets, count)
        assert count - metric(s0, h + "_count") >= 3, "searches not timed"
        # line-protocol requests are counted by some counter of their own
        line_counters = [n for n, t in types.items() if t == "counter" and
                         ("line" in n or "proto" in n)]
        assert line_counters, names
        assert any(metric(s1, n) - metric(s0, n) >= 2
                   for n in line_counters), line_counters
        docs = [n for n in types if "document" in n]
        assert any(metric(s1, n) == corpus_size() for n in docs), docs


# ---- the query log ---------------------------------------------------------

def read_log(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return []
    assert text == "" or text.endswith("\n"), text[-200:]
    return [json.loads(x) for x in text.split("\n")[:-1]]


def check_log_line(e, query, total, addr=False):
    keys = LOG_KEYS | ({"addr"} if addr else set())
    assert set(e) == keys, e
    assert e["query"] == query and e["total"] == total, (e, query, total)
    assert e["zero_hits"] is (total == 0), e
    assert isinstance(e["took_ms"], (int, float)) and e["took_ms"] >= 0, e
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.\d{3}Z", e["time"])
    assert m, e
    t = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S"))
    assert abs(t - time.time()) < 600, (e, "not UTC now?")
    if addr:
        assert e["addr"] == "127.0.0.1", e


def test_log_queries():
    path = os.path.join(tempfile.mkdtemp(dir=_tmp), "queries.log")
    with httpd("--log-queries", path) as d, d.http() as c, d.conn() as lc:
        a = c.get("/search?q=%C3%A9lus+locaux").json()
        b = json.loads(line_answer(lc, "SEARCH zzqxwvkj"))
        page = c.get("/?q=gouvernements")
        assert page.status == 200, page
        g = c.get("/search?q=gouvernements").json()
        c.get("/suggest?q=gouv")      # none of these is a search:
        c.get("/doc?id=02-mission.txt")
        c.get("/stats")
        line_answer(lc, "SUGGEST gouv")
        line_answer(lc, "STATS")
        a2 = json.loads(line_answer(lc, "SEARCH élus locaux"))  # cached
        assert wait_until(lambda: len(read_log(path)) >= 5, TIMEOUT), \
            read_log(path)
        time.sleep(0.2)  # nothing more comes
        lines = read_log(path)
        assert len(lines) == 5, lines
        check_log_line(lines[0], "élus locaux", a["total"])
        check_log_line(lines[1], "zzqxwvkj", 0)
        check_log_line(lines[2], "gouvernements", g["total"])
        check_log_line(lines[3], "gouvernements", g["total"])
        check_log_line(lines[4], "élus locaux", a2["total"])
        # moved away (logrotate), then SIGHUP: a new file
        os.rename(path, path + ".1")
        d.send_signal(signal.SIGHUP)
        d.wait_log(r"^info: SIGHUP")
        assert wait_until(lambda: c.get("/health").status == 200, 5)
        c.get("/search?q=zzrotation")
        assert wait_until(lambda: len(read_log(path)) >= 1, TIMEOUT), \
            "no new log file after SIGHUP"
        check_log_line(read_log(path)[0], "zzrotation", 0)
        assert len(read_log(path + ".1")) == 5


def test_log_addresses():
    path = os.path.join(tempfile.mkdtemp(dir=_tmp), "queries.log")
    with httpd("--log-queries", path, "--log-addresses") as d, \
            d.http() as c, d.conn() as lc:
        a = c.get("/search?q=gouvernements").json()
        b = json.loads(line_answer(lc, "SEARCH zzqxwvkj"))
        assert wait_until(lambda: len(read_log(path)) >= 2, TIMEOUT)
        lines = read_log(path)
        check_log_line(lines[0], "gouvernements", a["total"], addr=True)
        check_log_line(lines[1], "zzqxwvkj", b["total"], addr=True)


# ---- the page and the widget ---------------------------------------------

class Markup(html.parser.HTMLParser):
    """The elements of a page: [(tag, {attr: value})], and the text inside
    <script> elements."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.script_text, self._in_script = [], "", False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.script_text += data


def check_no_inline_script(body):
    """No script in the page itself: every <script> has a src and no
    text, no on* attribute, no javascript: URL."""
    m = Markup(body.decode("utf-8"))
    assert m.script_text.strip() == "", "inline script: " + m.script_text
    for tag, attrs in m.tags:
        if tag == "script":
            assert attrs.get("src"), "inline script: %r" % attrs
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, attrs)
            assert not (value or "").strip().lower().startswith(
                "javascript:"), (tag, attrs)
    return m


def test_page():
    d = shared()
    with d.http() as c:
        r = c.get("/")
        assert r.status == 200 and r.media_type() == "text/html", r
        check_html_headers(r)
        assert re.search(rb"<html[^>]*\blang=\"?fr\b", r.body), r.body[:300]
        check_no_inline_script(r.body)
        assert b"<mark>" not in r.body
        a = c.get("/search?q=gouvernements").json()
        p = c.get("/?q=gouvernements")
        assert p.status == 200, p
        check_html_headers(p)
        check_no_inline_script(p.body)
        assert b"<mark>" in p.body, p.body[:2000]
        text = html.unescape(p.body.decode("utf-8"))
        pos = [text.find(h["title"]) for h in a["hits"]]
        assert -1 not in pos and pos == sorted(pos), (pos, a)
        # pages: the first is the default; past the results, none
        p1 = c.get("/?q=gouvernements&page=1")

        def untimed(body):  # the page may show the search's time
            return re.sub(rb"\d+(,\d+)? ms", b"", body)
        assert p1.status == 200 and untimed(p1.body) == untimed(p.body), (
            p1.body[:3000], p.body[:3000])
        p2 = c.get("/?q=gouvernements&page=2")
        assert p2.status == 200 and b"<mark>" not in p2.body, p2
        assert p2.get("etag") != p.get("etag"), (p2, p)
        for bad in ("abc", "", "-1", "1&page=2"):
            is_error(c.get("/?q=gouvernements&page=" + bad), 400,
                     "bad_request")
        for q, raw in (("%3Cscript%3Ealert(1)%3C%2Fscript%3E",
                        b"<script>alert(1)"),
                       ("%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E",
                        b"<img src=x onerror"),
                       ("%27%3E%3Cb%3Ebold", b"<b>bold")):
            p = c.get("/?q=" + q)
            assert p.status == 200, p
            assert raw not in p.body, (q, p.body[:2000])
            check_no_inline_script(p.body)


def test_assets():
    d = shared()
    with d.http() as c:
        for name, types in (("cglu-search.js", ("text/javascript",
                                                "application/javascript")),
                            ("cglu-search.css", ("text/css",))):
            r = c.get("/" + name)
            assert r.status == 200 and r.media_type() in types, r
            assert r.body, r
            path = os.path.join(WEB, name)
            if os.path.exists(path):
                with open(path, "rb") as f:
                    assert r.body == f.read(), name + " differs from " + path


run_all(globals())
