#!/usr/bin/env python3
"""Integration tests for cglu-searchd and cglu-search: the real daemon on
an index of corpus/ built by cglu-index, driven over TCP on 127.0.0.1.
Every loop is bounded in count and time; every daemon is stopped with
SIGTERM and must exit 0 (so a leak under ASan fails the test)."""
import atexit
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import fixture, run_all, prog, ROOT  # noqa: E402
from daemon import (  # noqa: E402
    HOST, TIMEOUT, Daemon, asan_env, ping_each, send_until_blocked,
    wait_until, FakeServer, corpus_ids, build_index, remove_db)

# Absolute: CGLU_BIN may be relative and commands run elsewhere.
DAEMON = os.path.abspath(prog("cglu-searchd"))
CLIENT = os.path.abspath(prog("cglu-search"))
INDEXER = os.path.abspath(prog("cglu-index"))
CORPUS = os.path.join(ROOT, "corpus")
PROTOCOL_MD = os.path.join(ROOT, "docs", "PROTOCOL.md")
MAX_LINE = 8192
SEARCH_KEYS = {"ok", "query", "total", "offset", "limit", "took_ms", "hits"}
HIT_KEYS = {"rank", "id", "title", "url", "score", "snippet"}
# a hit's metadata, each only when the page has it (every corpus page has
# all four)
HIT_META_KEYS = {"lang", "date", "section", "tags"}
STATS_KEYS = {"ok", "documents", "terms", "revision", "index_age_s",
              "languages", "uptime_s", "connections_open", "connections_total",
              "requests", "errors", "output_blocked_bytes", "latency_p50_ms",
              "latency_p99_ms", "cache"}
CACHE_KEYS = {"entries", "bytes", "max_bytes", "hits", "misses", "evictions"}
VERBS = ["SEARCH", "SUGGEST", "DOC", "STATS", "PING", "HELP", "QUIT", "AUTH"]

_tmp = tempfile.mkdtemp(prefix="cglu-daemon-")
atexit.register(shutil.rmtree, _tmp, True)


@fixture
def index():
    """The index of corpus/, built once for all tests (none writes it)."""
    db = os.path.join(_tmp, "db")
    p = subprocess.run([INDEXER, "--db", db, CORPUS],
                       capture_output=True, timeout=120)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    yield db


def corpus_size():
    return len(corpus_ids())


def check_meta(h):
    """The metadata of a corpus page's hit or DOC answer: all four."""
    assert re.fullmatch(r"[a-z]{2}", h["lang"]), h
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", h["date"]), h
    assert isinstance(h["section"], str) and h["section"], h
    assert isinstance(h["tags"], list) and h["tags"], h
    assert all(isinstance(t, str) and t for t in h["tags"]), h


# ---- a daemon and its clients ------------------------------------------

def searchd(*args, db=None, **kw):
    """The shared Daemon on the corpus index (or db), its exit checked at
    the end of a with block: status 0, no sanitizer report, a log that
    ends with "info: stopped" and whose every line is well formed."""
    return Daemon(db or index(), *args, check_exit=True, check_log=True,
                  **kw)


def is_error(ans, code):
    assert ans["ok"] is False, ans
    assert ans["error"] == code, ans
    assert isinstance(ans["message"], str) and ans["message"], ans
    return ans


def first_id(c):
    ans = c.req("SEARCH gouvernements")
    assert ans["ok"] and ans["hits"], ans
    return ans["hits"][0]["id"]


# ---- verbs -------------------------------------------------------------

def test_ping_help_quit():
    with searchd() as d, d.conn() as c:
        assert c.req("PING") == {"ok": True, "pong": True}
        assert c.req("  ping\t") == {"ok": True, "pong": True}
        h = c.req("HELP")
        assert h["ok"] is True
        assert [v["verb"] for v in h["verbs"]] == VERBS
        assert all(v["usage"].startswith(v["verb"]) for v in h["verbs"])
        assert "limit=N" in h["verbs"][0]["usage"]
        assert h["max_line"] == MAX_LINE
        assert c.req("QUIT") == {"ok": True, "bye": True}
        assert c.closed(5)


def test_search():
    with searchd() as d, d.conn() as c:
        a = c.req("SEARCH gouvernements locaux")
        assert a["ok"] is True and SEARCH_KEYS <= set(a), a
        assert a["query"] == "gouvernements locaux"
        assert a["total"] >= 2 and a["offset"] == 0 and a["limit"] == 10
        assert [h["rank"] for h in a["hits"]] == \
            list(range(1, len(a["hits"]) + 1))
        for h in a["hits"]:
            assert set(h) == HIT_KEYS | HIT_META_KEYS, h
            check_meta(h)
            assert h["lang"] == "fr", h
        assert any("<mark>" in h["snippet"] for h in a["hits"])
        scores = [h["score"] for h in a["hits"]]
        assert scores == sorted(scores, reverse=True)
        one = c.req("SEARCH limit=1 gouvernements locaux")
        assert len(one["hits"]) == 1 and one["limit"] == 1
        assert one["hits"][0]["id"] == a["hits"][0]["id"]
        second = c.req("SEARCH limit=1 offset=1 gouvernements locaux")
        assert second["offset"] == 1
        assert second["hits"][0]["rank"] == 2
        assert second["hits"][0]["id"] == a["hits"][1]["id"]
        bare = c.req("SEARCH snippet=0 gouvernements")
        assert "snippet" not in bare["hits"][0]
        assert set(bare["hits"][0]) == HIT_KEYS - {"snippet"} | \
            HIT_META_KEYS, bare
        none = c.req("SEARCH zzqxwvkj")
        assert none["ok"] is True and none["total"] == 0 and not none["hits"]


def test_search_relaxed_and_phrase():
    with searchd() as d, d.conn() as c:
        # No document holds both: the any-word results, flagged relaxed.
        a = c.req("SEARCH barcelone zzqxwvkj")
        assert a["ok"] is True and a.get("relaxed") is True, a
        assert a["total"] >= 1
        p = c.req('SEARCH "gouvernements locaux"')
        assert p["ok"] is True and p["total"] >= 1
        t = c.req("SEARCH title:mission")
        assert t["ok"] is True and t["total"] >= 1, t
        n = c.req("SEARCH gouvernements -barcelone")
        full = c.req("SEARCH gouvernements")
        assert n["total"] < full["total"], (n, full)


def test_suggest():
    with searchd() as d, d.conn() as c:
        a = c.req("SUGGEST gouv")
        assert a["ok"] is True
        assert a["suggestions"], a
        assert all(s.startswith("gouv") for s in a["suggestions"]), a
        b = c.req("SUGGEST limit=1 gouv")
        assert len(b["suggestions"]) == 1
        # stop words are never offered, however frequent (issue #13)
        for prefix in ("l", "d", "le", "de", "u", "e", "a", "p", "s"):
            got = c.req("SUGGEST limit=50 " + prefix)["suggestions"]
            assert not set(got) & {"la", "les", "le", "leur", "de", "des",
                                   "du", "un", "une", "et", "en", "est",
                                   "à", "au", "aux", "par", "pour", "sur",
                                   "son", "ses", "sa", "dans"}, (prefix, got)
        assert "locaux" in c.req("SUGGEST l")["suggestions"]


def test_typo_tolerance():
    """Words unknown to the index are corrected when nothing holds every
    word: one edit for a word of up to 5 letters, two beyond; punctuation
    and spacing kept as typed; the answer says "corrected" and keeps the
    query as sent (issue #13)."""
    with searchd() as d, d.conn() as c:
        # "fait" is two edits from "faire": not a typo of it
        a = c.req("SEARCH snippet=0 que fait CGLU ?")
        assert "suggestion" not in a and "corrected" not in a, a
        a = c.req("SEARCH snippet=0 gouvernemnts   locaux ?")
        assert a["corrected"] == "gouvernements   locaux ?", a
        assert a["query"] == "gouvernemnts   locaux ?"
        assert "suggestion" not in a and "relaxed" not in a, a
        want = c.req("SEARCH snippet=0 gouvernements locaux")
        assert [h["id"] for h in a["hits"]] == [h["id"] for h in want["hits"]]
        assert a["total"] == want["total"] > 0
        a = c.req("SEARCH snippet=0 démocratei")  # 10 letters: 2 edits
        assert a["corrected"] == "démocratie" and a["total"] > 0, a
        # the snippet marks the corrected word
        a = c.req("SEARCH limit=1 snippet=80 gouvernemnts")
        assert "<mark>" in a["hits"][0]["snippet"], a
        # with a word nothing knows: the corrected words, relaxed
        a = c.req("SEARCH snippet=0 gouvernemnts zzqxwvkj")
        assert a["corrected"] == "gouvernements zzqxwvkj", a
        assert a.get("relaxed") is True and a["total"] > 0, a
        # something holds the query: nothing is corrected, only offered
        a = c.req("SEARCH snippet=0 gouvernemnts OR barcelone")
        assert "corrected" not in a and a["total"] > 0, a
        assert a["suggestion"] == "gouvernements OR barcelone", a
        # a word in quotes is searched as typed
        a = c.req('SEARCH snippet=0 "gouvernemnts"')
        assert a["total"] == 0 and "corrected" not in a, a
        is_error(c.req("SUGGEST limit=0 gouv"), "bad_request")
        is_error(c.req("SUGGEST offset=1 gouv"), "bad_request")


def test_doc():
    with searchd() as d, d.conn() as c:
        ident = first_id(c)
        a = c.req("DOC " + ident)
        assert a["ok"] is True and a["id"] == ident
        # the metadata (every corpus page has all four) before the text
        assert list(a) == ["ok", "id", "title", "url", "lang", "date",
                           "section", "tags", "text"], a
        check_meta(a)
        assert a["lang"] == "fr", a
        b = c.req("DOC en/01-about.txt")
        assert b["ok"] is True and b["lang"] == "en", b
        assert len(a["text"]) > 100
        e = is_error(c.req("DOC no/such/document.txt"), "not_found")
        assert "document" in e["message"]
        is_error(c.req("DOC"), "bad_request")
        is_error(c.req(b"DOC " + ident.encode() + b"\0x"), "not_found")


def test_stats():
    with searchd() as d, d.conn() as c, d.conn() as c2:
        c2.req("PING")
        c.req("SEARCH gouvernements")
        a = c.req("STATS")
        assert set(a) == STATS_KEYS, a
        assert a["documents"] == corpus_size()
        # documents per language, right after index_age_s
        keys = list(a)
        assert keys[keys.index("index_age_s") + 1] == "languages", keys
        assert a["languages"] == {"en": 3, "es": 3, "fr": 6}, a
        assert a["terms"] > 100
        assert a["connections_open"] == 2 and a["connections_total"] == 2
        assert a["requests"] == 3 and a["errors"] == 0
        assert a["latency_p99_ms"] >= a["latency_p50_ms"] > 0
        assert 0 <= a["uptime_s"] < 600 and a["index_age_s"] >= 0
        c.req("BOGUS")
        b = c.req("STATS")
        assert b["requests"] == 5 and b["errors"] == 1, b


# ---- errors and framing ------------------------------------------------

def test_errors():
    with searchd() as d, d.conn() as c:
        e = is_error(c.req("FROB x y"), "unknown_verb")
        assert e["verb"] == "FROB" and "FROB" in e["message"]
        for line, key in [("SEARCH foo=1 x", "foo"),
                          ("SEARCH limit=1 LIMIT=2 x", "LIMIT"),
                          ("SEARCH limit=abc x", "limit"),
                          ("SEARCH limit=0 x", "limit"),
                          ("SEARCH limit=100000 x", "limit"),
                          ("SEARCH offset=-1 x", "offset"),
                          ("SEARCH snippet=9999999 x", "snippet"),
                          ("SEARCH " + " ".join("limit%s=1" % ("_" * i)
                                                for i in range(9)) + " x",
                           "limit")]:
            e = is_error(c.req(line), "bad_request")
            assert key in e["message"], (line, e)
        # "=" in a DOC id or an AUTH token is no option.
        is_error(c.req("DOC a=b"), "not_found")
        # Empty lines get no answer at all.
        c.send("\n\r\n   \n\t\n")
        assert c.req("PING") == {"ok": True, "pong": True}


def test_line_too_long():
    with searchd() as d, d.conn() as c:
        c.send("SEARCH " + "a" * 9000 + "\nPING\n")
        is_error(c.json(), "line_too_long")
        assert c.json() == {"ok": True, "pong": True}
        # In pieces, and far longer: one answer, the rest ignored.
        c.send("X" * 5000)
        c.send("Y" * 100000)
        c.send("Z\nPING\n")
        is_error(c.json(), "line_too_long")
        assert c.json()["pong"] is True
        # Exactly the limit is accepted (with or without "\r").
        q = "SEARCH " + "b" * (MAX_LINE - 7)
        assert len(q) == MAX_LINE
        assert c.req(q)["ok"] is True
        assert c.req(q + "\r")["ok"] is True
        is_error(c.req(q + "c"), "line_too_long")


def test_garbage_bytes():
    with searchd() as d, d.conn() as c:
        samples = [b"\xff\xfe\x00BAD", b"\x00", b"\xc3(", b"\xe2\x80\xa8X",
                   b"PIN\x00G", b"\x1b[31mRED", b'"}{\\', b"\xed\xa0\x80Z",
                   b"\xf4\x90\x80\x80"]
        for s in samples:
            e = is_error(c.req(s + b" arg\xff"), "unknown_verb")
            assert isinstance(e["verb"], str)
        a = c.req(b"SEARCH gouv\xff\xfe\x00rnements \xc3\xa9\x80")
        assert a["ok"] is True and isinstance(a["query"], str)
        a = c.req(b"SUGGEST \xff\x00")
        assert a["ok"] is True
        is_error(c.req(b"DOC \x00\xff"), "not_found")
        big = is_error(c.req(b"\xff" * 8000), "unknown_verb")
        assert len(big["verb"]) <= 64
        assert c.req("PING")["pong"] is True


def test_random_input():
    """Seeded random bytes built from protocol pieces, in random chunks:
    every answer is valid JSON, then a sentinel is answered."""
    pieces = [b"SEARCH ", b"SUGGEST ", b"DOC ", b"STATS", b"PING", b"HELP",
              b"AUTH ", b"limit=", b"offset=", b"snippet=", b"1", b"99",
              b"=", b" ", b"\t", b"\n", b"\r\n", b"\r", b"\x00", b"\xff",
              b"\xc3", b"\xa9", b'"', b"-", b"*", b"title:", b"OR",
              b"gouv", b"locaux", b"x" * 3000, b"\\"]
    rng = random.Random(1)
    data = b"".join(rng.choice(pieces) for _ in range(30000))
    with searchd() as d, d.conn() as c:
        pos = 0
        while pos < len(data):
            n = rng.randint(1, 4096)
            c.send(data[pos:pos + n])
            pos += n
        c.send(b"\nSEARCH limit=1 zzsentinel42\n")
        for count in range(len(data)):  # bounded: at most a line each
            a = c.json()
            assert a["ok"] in (True, False)
            if not a["ok"]:
                assert a["error"] in ("bad_request", "unknown_verb",
                                      "line_too_long", "not_found"), a
            if a.get("query") == "zzsentinel42":
                break
        assert count > 100
        assert c.req("PING")["pong"] is True


def test_pipelining_1000():
    with searchd() as d, d.conn() as c:
        reqs, want = [], []
        for i in range(1000):
            if i % 3 == 0:
                reqs.append("SEARCH limit=1 gouvernements q%d" % i)
                want.append(("search", "gouvernements q%d" % i))
            elif i % 3 == 1:
                reqs.append("PING")
                want.append(("ping", None))
            else:
                reqs.append("DOC missing-%d" % i)
                want.append(("doc", None))
        c.send("".join(r + "\n" for r in reqs))  # one write
        for i, (kind, q) in enumerate(want):
            a = c.json()
            if kind == "search":
                assert a["ok"] is True and a["query"] == q, (i, a)
            elif kind == "ping":
                assert a == {"ok": True, "pong": True}, (i, a)
            else:
                is_error(a, "not_found")
        assert c.req("PING")["pong"] is True


def test_backpressure_keeps_order():
    """Tiny limits: reading pauses and resumes many times, in order."""
    with searchd("--max-queue", "2", "--max-output", "1024") as d, \
            d.conn() as c:
        n = 400
        c.send("".join("SEARCH limit=100 gouvernements q%d\nPING\n" % i
                       for i in range(n)))
        for i in range(n):
            a = c.json()
            assert a["query"] == "gouvernements q%d" % i, (i, a)
            assert c.json()["pong"] is True


def test_slow_client_bytes():
    with searchd() as d, d.conn() as c:
        for b in b"PING\r\nSEARCH limit=1 mission\n":
            c.send(bytes([b]))
        assert c.json()["pong"] is True
        assert c.json()["query"] == "mission"


def test_quit_discards_the_rest():
    with searchd() as d, d.conn() as c:
        c.send("PING\nQUIT\nPING\nSEARCH x\n")
        assert c.json()["pong"] is True
        assert c.json()["bye"] is True
        assert c.closed(5)
        assert c.buf == b""


def test_half_close_gets_answers():
    with searchd() as d, d.conn() as c:
        c.send("SEARCH limit=1 gouvernements\nPING\nPING")  # last: no "\n"
        c.sock.shutdown(socket.SHUT_WR)
        assert c.json()["ok"] is True
        assert c.json()["pong"] is True
        assert c.closed(5)
        assert c.buf == b""


# ---- authentication ----------------------------------------------------

def test_auth():
    pw = os.path.join(_tmp, "pw")
    with open(pw, "w") as f:
        f.write("s3cret=\n")
    os.chmod(pw, 0o600)
    with searchd("--password-file", pw) as d:
        with d.conn() as c:
            assert c.req("PING")["pong"] is True
            for line in ("SEARCH x", "HELP", "STATS", "DOC a", "FROB",
                         "SEARCH foo=1 x"):
                is_error(c.req(line), "unauthorized")
            is_error(c.req("AUTH wrong"), "unauthorized")
            is_error(c.req("AUTH s3cret"), "unauthorized")
            is_error(c.req("AUTH s3cret=x"), "unauthorized")
            is_error(c.req("AUTH"), "unauthorized")
            assert c.req("AUTH s3cret=") == {"ok": True, "auth": True}
            assert c.req("SEARCH gouvernements")["ok"] is True
            assert c.req("HELP")["ok"] is True
        with d.conn() as c:  # per connection; a cached answer too
            is_error(c.req("STATS"), "unauthorized")
            is_error(c.req("SEARCH gouvernements"), "unauthorized")
            assert c.req("QUIT")["bye"] is True
        p = client(d, "gouvernements", rc=1)
        assert "unauthorized" in p.stderr
        p = client(d, "--password-file", pw, "gouvernements")
        assert "1." in p.stdout
        d.wait_log(r"^warn: AUTH failed from 127\.0\.0\.1:\d+")
    with searchd() as d, d.conn() as c:  # no password: AUTH is a no-op
        assert c.req("AUTH anything")["ok"] is True
        assert c.req("STATS")["ok"] is True


def password_file(name, data, mode=0o600):
    """A password file in _tmp holding data (bytes), with mode."""
    path = os.path.join(_tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)
    return path


def test_password_file_two_lines_refused():
    """common/passfile's rule: more than one line is refused, by the client
    before it connects and by the daemon before it listens."""
    pw = password_file("pw-two-lines", b"a\nb\n")
    with Listener() as ls:
        p = client(None, "--password-file", pw, "x", rc=2, port=ls.port)
        line = one_line(p.stderr)
        assert "password file" in line and pw in line, line
        assert "one line" in line, line
        assert p.stdout == ""
        assert ls.nobody_came(), "the client connected with a bad file"
    p = run_daemon("--db", index(), "--listen", HOST + ":0",
                   "--password-file", pw)
    assert p.returncode == 2, p
    line = one_line(p.stderr.decode())
    assert line.startswith("error: password file ") and pw in line, line
    assert "one line" in line, line


def test_password_file_crlf():
    """A trailing "\r\n" is no part of the password, for both."""
    pw = password_file("pw-crlf", b"s3cret\r\n")
    with searchd("--password-file", pw) as d:
        with d.conn() as c:
            is_error(c.req("STATS"), "unauthorized")
            assert c.req("AUTH s3cret") == {"ok": True, "auth": True}
            assert c.req("STATS")["ok"] is True
        p = client(d, "--password-file", pw, "gouvernements")
        assert re.search(r"^\s+1\. \S", p.stdout, re.M), p.stdout
        assert p.stderr == "", p.stderr  # 0600: no warning
        p = client(d, "--password-file", pw, "--json", "--stats")
        assert json.loads(p.stdout)["ok"] is True
        p = client(d, "gouvernements", rc=1)
        assert "unauthorized" in p.stderr


def test_password_file_world_readable_warns():
    """A file every user may read is used all the same, with one warning
    line: the client's on its stderr, the daemon's in its log."""
    pw = password_file("pw-0644", b"s3cret\n", 0o644)
    with searchd("--password-file", pw) as d:
        d.wait_log(r"^warn: password file %s is readable by every user$"
                   % re.escape(pw))
        p = client(d, "--password-file", pw, "gouvernements")
        assert re.search(r"^\s+1\. \S", p.stdout, re.M), p.stdout
        assert one_line(p.stderr) == (
            "cglu-search: warning: password file %s is readable by every "
            "user" % pw), p.stderr


# ---- limits ------------------------------------------------------------

def test_busy():
    with searchd("--max-connections", "2") as d:
        c1, c2 = d.conn(), d.conn()
        assert c1.req("PING")["pong"] and c2.req("PING")["pong"]
        with d.conn() as c3:
            is_error(c3.json(), "busy")
            assert c3.closed(5)
        c1.close()

        def fresh_ok():
            with d.conn() as c:
                return c.req("PING").get("pong") is True
        # The server sees c1 go asynchronously: retry a few times.
        assert wait_until(lambda: _try(fresh_ok), 5)
        c2.close()
        d.wait_log(r"^warn: busy")


def _try(fn):
    try:
        return fn()
    except (AssertionError, OSError, ValueError):
        return False


def test_500_connections():
    n = 500
    with searchd() as d:
        socks = []
        try:
            for _ in range(n):
                socks.append(socket.create_connection((HOST, d.port),
                                                      timeout=TIMEOUT))
            t0 = time.monotonic()
            done = ping_each(socks)
            took = time.monotonic() - t0
            assert done == n, "%d of %d answered" % (done, n)
            with d.conn() as c:
                st = c.req("STATS")
                assert st["connections_open"] == n + 1, st
            print("     500 concurrent PINGs answered in %.0f ms" %
                  (took * 1000))
        finally:
            for s in socks:
                s.close()


def test_disconnect_mid_response():
    with searchd() as d:
        for linger in (False, True):
            c = d.conn()
            c.send("".join("SEARCH limit=100 gouvernements %d\n" % i
                           for i in range(300)))
            c.sock.recv(10)  # the first answers have started
            if linger:  # RST instead of FIN
                c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                  struct.pack("ii", 1, 0))
            c.close()
        with d.conn() as c:  # still serving
            assert c.req("PING")["pong"] is True

        def only_one():
            with d.conn() as c:
                return c.req("STATS")["connections_open"] == 1
        assert wait_until(only_one, 10)


def test_client_that_never_reads():
    # A small ASan quarantine, so that RSS shows what is really held.
    with searchd("--max-output", "65536", "--max-queue", "16",
                 env=asan_env(4)) as d:
        c = d.conn()
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        rss0 = d.rss_mb() * 1024  # KB
        line = b"SEARCH limit=100 gouvernements locaux\n"
        chunk = line * 1000
        sent, blocked = send_until_blocked(c, lambda k: chunk, 1000,
                                           20)  # 39 MB at most
        assert blocked, "sent %d requests without backpressure" % (
            sent * 1000)
        with d.conn() as c2:  # others are served meanwhile
            assert c2.req("PING")["pong"] is True
        grown = d.rss_mb() * 1024 - rss0
        assert grown < 64 * 1024, "daemon grew by %d KB" % grown
        c.close()

        def only_one():
            with d.conn() as c3:
                return c3.req("STATS")["connections_open"] == 1
        assert wait_until(only_one, 10)


def test_idle_timeout():
    with searchd("--idle-timeout", "1") as d:
        idle, busy = d.conn(), d.conn()
        assert idle.req("PING")["pong"] is True
        # traffic on busy every 0.25 s until idle is closed (at most 40
        # rounds): the timeout is a timer of the daemon's, so only its
        # lower bound is the daemon's to keep; how late a loaded machine
        # runs it is not
        t0, closed_at = time.monotonic(), None
        for _ in range(40):
            assert busy.req("PING")["pong"] is True
            time.sleep(0.25)
            if idle.closed(0.001):
                closed_at = time.monotonic() - t0
                break
        assert closed_at is not None, "idle connection still open"
        assert closed_at >= 0.9, closed_at
        assert busy.req("PING")["pong"] is True  # still open
        assert busy.closed(4)
        idle.close()
        busy.close()


def test_fd_exhaustion():
    """Clients past RLIMIT_NOFILE: logged, dropped, no spin, no crash."""
    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48))
    with searchd("--threads", "1", preexec=low_limit) as d:
        socks = []
        try:
            for _ in range(80):
                socks.append(socket.create_connection((HOST, d.port),
                                                      timeout=TIMEOUT))
            d.wait_log(r"^warn: accept: file descriptor limit reached")
            cpu0 = cpu_seconds(d.proc.pid)
            time.sleep(1)
            assert cpu_seconds(d.proc.pid) - cpu0 < 0.5, "spinning"
            served = dropped = 0
            for s in socks:  # each one answered or closed, none hangs
                try:
                    s.sendall(b"PING\n")
                    s.settimeout(5)
                    got = s.recv(100)
                except (ConnectionResetError, BrokenPipeError):
                    got = b""
                if got:
                    assert json.loads(got)["pong"] is True
                    served += 1
                else:
                    dropped += 1
            assert served >= 10 and dropped >= 10, (served, dropped)
        finally:
            for s in socks:
                s.close()

        def ping():
            with d.conn(timeout=2) as c:
                return c.req("PING")["pong"] is True
        assert wait_until(lambda: _try(ping), 10)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---- signals and start-up ----------------------------------------------

def test_sighup_reopens():
    with searchd() as d, d.conn() as c:
        d.proc.send_signal(signal.SIGHUP)
        d.wait_log(r"^info: SIGHUP")
        assert c.req("PING")["pong"] is True
        assert c.req("SEARCH gouvernements")["total"] >= 1
        with d.conn() as c2:
            assert c2.req("STATS")["ok"] is True


def test_sigterm_finishes_in_flight():
    d = searchd()
    c = d.conn()
    c.send("".join("SEARCH limit=100 gouvernements %d\n" % i
                   for i in range(200)))
    assert c.json()["query"] == "gouvernements 0"  # requests are read
    d.proc.send_signal(signal.SIGTERM)
    got = 1
    while True:
        try:
            a = c.json()
        except (AssertionError, ConnectionResetError):
            break  # closed
        assert a["query"] == "gouvernements %d" % got, a
        got += 1
    assert c.buf == b"", c.buf[:100]
    assert got >= 1
    assert d.proc.wait(timeout=TIMEOUT) == 0, d.text()
    log = d.log()
    assert "info: SIGTERM: stopping" in log and log[-1] == "info: stopped"
    assert "Sanitizer" not in d.text()
    with socket.socket() as s:  # nobody listens any more
        s.settimeout(2)
        assert s.connect_ex((HOST, d.port)) != 0
    c.close()


def stuck_client(d):
    """A client with answers pending that it never reads. Returns once the
    daemon says (STATS output_blocked_bytes) that the kernel refuses more
    of its answers: from then on it holds output for that client for good,
    whatever the timing of the sends and the size of the socket buffers."""
    c = d.conn()
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.sock.settimeout(1)
    k = 0

    def blocked():
        with d.conn() as probe:
            return probe.req("STATS")["output_blocked_bytes"] > 0
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        stopped = False
        try:
            # all different: none is a cache hit
            c.sock.sendall(b"".join(b"SEARCH limit=100 gouvernements locaux "
                                    b"%d\n" % (k * 1000 + i)
                                    for i in range(1000)))
        except socket.timeout:
            stopped = True  # the daemon stopped reading from us
        k += 1
        if k >= 200 or ((stopped or k % 10 == 0) and blocked()):
            break
    assert wait_until(blocked, TIMEOUT), "no answer is waiting for the client"
    return c


def test_sigterm_cuts_stuck_clients():
    # One signal: the grace period (5 s, a timer of the daemon's), then
    # the client is cut. No upper bound on the time: that is the machine's.
    d = searchd("--max-output", "65536")
    c = stuck_client(d)
    t0 = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    assert d.proc.wait(timeout=TIMEOUT) == 0, d.text()
    took1 = time.monotonic() - t0
    assert took1 >= 4.9, took1
    assert any(line.startswith("warn: closing 1 connections now")
               for line in d.log()), d.text()
    assert d.log()[-1] == "info: stopped"
    assert "Sanitizer" not in d.text()
    c.close()
    # Two signals: the second cuts at once, within the grace period.
    d = searchd("--max-output", "65536")
    c = stuck_client(d)
    t0 = time.monotonic()
    d.proc.send_signal(signal.SIGTERM)
    d.wait_log(r"^info: shutting down")
    assert d.proc.poll() is None, "did not wait for the stuck client"
    d.proc.send_signal(signal.SIGTERM)
    assert d.proc.wait(timeout=TIMEOUT) == 0, d.text()
    took2 = time.monotonic() - t0
    assert any(line.startswith("warn: closing 1 connections now")
               for line in d.log()), d.text()
    assert d.log()[-1] == "info: stopped"
    print("     one signal: cut after %.2f s; two: after %.2f s"
          % (took1, took2))
    c.close()


def indexed_copy():
    """A copy of corpus/ and its own index: (folder, db)."""
    src = tempfile.mkdtemp(dir=_tmp)
    shutil.copytree(CORPUS, src, dirs_exist_ok=True)  # en/, es/ too
    db = src + "-db"
    subprocess.run([INDEXER, "--db", db, src], check=True,
                   capture_output=True, timeout=120)
    return src, db


def test_sighup_sees_a_new_revision():
    src, db = indexed_copy()
    with searchd(db=db) as d, d.conn() as c:
        assert c.req("SEARCH xylophonique")["total"] == 0
        with open(os.path.join(src, "07-nouveau.txt"), "w") as f:
            f.write("Nouveau\n\nUn document xylophonique tout neuf.\n")
        subprocess.run([INDEXER, "--db", db, src], check=True,
                       capture_output=True, timeout=120)
        d.proc.send_signal(signal.SIGHUP)
        d.wait_log(r"^info: SIGHUP")
        assert wait_until(
            lambda: c.req("SEARCH xylophonique")["total"] == 1, TIMEOUT)
        assert c.req("STATS")["documents"] == corpus_size() + 1


# ---- the answer cache --------------------------------------------------

def test_answer_cache():
    """A repeated SEARCH is answered from the cache: the same answer but
    for took_ms and "cached":true. Other options or other bytes (past a
    NUL too) are other queries; errors are never cached; STATS counts."""
    with searchd() as d, d.conn() as c:
        a = c.req("SEARCH limit=3 gouvernements locaux")
        assert "cached" not in a and len(a["hits"]) == 3, a
        b = c.req("SEARCH limit=3 gouvernements locaux")
        assert b.pop("cached") is True, b
        assert list(b)[-1] == "took_ms" and b["took_ms"] >= 0, b
        del a["took_ms"], b["took_ms"]
        assert a == b
        assert "cached" in c.req("search limit=3 gouvernements locaux")
        assert "cached" not in c.req("SEARCH limit=4 gouvernements locaux")
        assert "cached" not in c.req("SEARCH limit=3 gouvernements  locaux")
        assert "cached" not in c.req(b"SEARCH villes\0a")
        y = c.req(b"SEARCH villes\0b")
        assert "cached" not in y and y["query"] == "villes\u0000b", y
        for _ in range(2):
            is_error(c.req("SEARCH limit=0 villes"), "bad_request")
        # hits pipelined behind misses (answered by a worker, later) keep
        # their places in the answer order
        for i in range(3):
            c.req("SEARCH limit=%d villes" % (i + 1))
        c.send("".join("SEARCH limit=%d villes%s\n"
                       % (1 + i % 3, " cités" if i % 20 == 10 else "")
                       for i in range(60)))
        for i in range(60):
            r = c.json()
            assert r["limit"] == 1 + i % 3, (i, r)
            assert r["query"].endswith("cités") == (i % 20 == 10), (i, r)
            assert ("cached" in r) == (i % 20 != 10), (i, r)
        st = c.req("STATS")
        f = st["cache"]
        assert set(f) == CACHE_KEYS, f
        assert f["hits"] == 2 + 57, f
        assert f["entries"] == 11 and f["evictions"] == 0, f
        assert 0 < f["bytes"] <= f["max_bytes"] == 8 << 20, f
        assert st["errors"] == 2, st


def test_cache_size_option_and_sighup():
    with searchd("--cache-size", "0") as d, d.conn() as c:
        for _ in range(3):
            assert "cached" not in c.req("SEARCH gouvernements")
        assert "cache" not in c.req("STATS")
    with searchd("--cache-size", "64K") as d, d.conn() as c:
        for i in range(200):  # about 1 KB each: the budget holds
            c.req("SEARCH limit=2 snippet=300 villes %d" % i)
        f = c.req("STATS")["cache"]
        assert f["max_bytes"] == 65536 and f["bytes"] <= 65536, f
        assert f["evictions"] > 100 and f["entries"] < 100, f
        assert "cached" in c.req("SEARCH limit=2 snippet=300 villes 199")
        d.proc.send_signal(signal.SIGHUP)
        d.wait_log(r"^info: SIGHUP")
        assert "cached" not in c.req("SEARCH limit=2 snippet=300 villes 199")
        assert c.req("STATS")["cache"]["entries"] == 1


def test_cache_cleared_by_a_commit():
    """No SIGHUP: a commit is seen through the index's version file and
    the cached answer is gone within a second."""
    src, db = indexed_copy()
    with searchd(db=db) as d, d.conn() as c:
        assert c.req("SEARCH marimbaphone")["total"] == 0
        assert c.req("SEARCH marimbaphone")["cached"] is True
        with open(os.path.join(src, "08-marimba.txt"), "w") as f:
            f.write("Marimba\n\nUn document marimbaphone.\n")
        subprocess.run([INDEXER, "-q", "--db", db, src], check=True,
                       timeout=120)
        # the daemon looks every 100 ms; a loaded machine may run it late,
        # so the wait is bounded wide and the delay printed
        t0 = time.monotonic()
        assert wait_until(
            lambda: c.req("SEARCH marimbaphone")["total"] == 1, TIMEOUT), \
            "stale answer after %d s" % TIMEOUT
        print("     fresh answer %.0f ms after the commit"
              % ((time.monotonic() - t0) * 1000))
        assert "cached" not in c.req("STATS")  # STATS is never cached
        # cached again once answers come from the new revision
        assert wait_until(
            lambda: "cached" in c.req("SEARCH marimbaphone"), 2)


def test_compacted_rebuild_while_serving():
    """A rebuild ends by compacting the index into another folder put in
    place of the served one (issue #15): answers never fail, and the
    daemon serves the new folder within a bounded wait, though its
    revision number may be the old one's."""
    src, db = indexed_copy()
    with searchd(db=db) as d, d.conn() as c:
        assert c.req("SEARCH xylophonique")["total"] == 0
        with open(os.path.join(src, "09-xylo.txt"), "w") as f:
            f.write("Xylo\n\nUn texte xylophonique.\n")
        p = subprocess.Popen([INDEXER, "-q", "--rebuild", "--db", db, src])
        n = 0
        while p.poll() is None and n < 5000:
            assert c.req("SEARCH cglu")["ok"] is True
            n += 1
        assert p.wait(timeout=120) == 0
        assert not os.path.exists(db + ".compact")
        assert wait_until(
            lambda: c.req("SEARCH xylophonique")["total"] == 1, TIMEOUT)
        a = c.req("SEARCH limit=1 xylophonique")
        assert "<mark>xylophonique</mark>" in a["hits"][0]["snippet"], a
        assert c.req("DOC 09-xylo.txt")["text"].endswith(
            "Un texte xylophonique.")


def test_doc_and_snippet_of_a_long_page():
    """A page of many blocks: DOC gives its whole text back, a snippet is
    cut around a word near its end (past SNIP_MAX_SCAN none is looked
    for: the excerpt is then the page's start)."""
    src = tempfile.mkdtemp(prefix="cglu-long-")
    try:
        body = "".join("Paragraphe %d sur les gouvernements locaux.\n" % i
                       for i in range(30000))
        text = body[:700000] + "Le mot ornithorynque est ici.\n" + \
            body[700000:] + "Enfin tamanoir.\n"
        with open(os.path.join(src, "long.txt"), "w") as f:
            f.write("Long\n\n" + text)
        db = build_index(src)
        # an answer may take a quarter of --max-output
        with searchd("--max-output", "16M", db=db) as d, d.conn() as c:
            a = c.req("DOC long.txt")
            assert a["text"] == ("Long\n\n" + text).rstrip("\n"), \
                len(a["text"])
            s = c.req("SEARCH ornithorynque")["hits"][0]["snippet"]
            assert "<mark>ornithorynque</mark>" in s and s.startswith("…"), s
            s = c.req("SEARCH tamanoir")["hits"][0]["snippet"]
            assert s.startswith("Long Paragraphe 0 sur"), s
        remove_db(db)
    finally:
        shutil.rmtree(src, ignore_errors=True)


def test_maps_and_system_calls_give_the_same_answers():
    """The index read from memory maps (the default, common/mapread) and
    with a system call per block (--no-map) answer the same, byte for
    byte but the time taken: searches with snippets, filters and facets,
    a relaxed and a corrected query, prefixes, suggestions, a document."""
    lines = []
    for q in ("gouvernements locaux", "cglu", "villes durables",
              "\"gouvernements locaux\"", "gouv*", "démocratie locale",
              "xylophone", "autonomie financière", "-cglu villes",
              "gouvernemnts", "cities", "ciudades"):
        lines.append("SEARCH " + q)
        lines.append("SEARCH limit=3 offset=1 snippet=80 " + q)
        lines.append("SEARCH snippet=0 facets=lang,section,tag " + q)
        lines.append("SEARCH lang=fr sort=date " + q)
    lines += ["SUGGEST gouv", "SUGGEST lang=en cit", "DOC " + corpus_ids()[0]]
    answers = []
    for args in ((), ("--no-map",)):
        with searchd(*args) as d, d.conn() as c:
            answers.append(c.answers(lines))
    assert any(a.get("hits") for a in answers[0])
    for line, x, y in zip(lines, answers[0], answers[1]):
        assert x == y, (line, x, y)
    # the daemon defines the reads it maps; the indexer and the client,
    # which never map, keep the C library's
    for name, mapped in (("cglu-searchd", True), ("cglu-index", False),
                         ("cglu-search", False)):
        out = subprocess.run(["nm", "-D", "--defined-only", prog(name)],
                             capture_output=True, text=True, check=True,
                             timeout=TIMEOUT).stdout
        defined = set(re.findall(r" T (open|close|pread)$", out, re.M))
        assert defined == ({"open", "close", "pread"} if mapped else set()), \
            (name, defined)


def test_cache_fresh_while_workers_are_busy():
    """A commit clears the cache even while the worker is busy with a
    queue of searches: the watch does not wait for a worker, so a query
    sent a second after the commit gets the new answer (late, behind the
    queue), never the old cached one."""
    src, db = indexed_copy()
    for i in range(300):  # enough text for slow searches
        with open(os.path.join(src, "gen%03d.txt" % i), "w") as f:
            f.write("Page %d\n\n" % i + " ".join(
                "gouvernement%d local%d ville%d région%d monde%d"
                % (j, j % 7, j % 11, j % 13, (i * j) % 17)
                for j in range(200)) + "\n")
    subprocess.run([INDEXER, "-q", "--db", db, src], check=True, timeout=120)
    slow = "SEARCH limit=100 snippet=1000 gou* loc* vil* rég* mon* page %d"
    # a search the loop never runs itself (its snippets are too long,
    # server/dispatch.c): it waits behind the worker's queue
    fresh = "SEARCH snippet=1000 marimbaphone"
    # a cache large enough to keep the stale answer among the flood's
    with searchd("--threads", "1", "--cache-size", "512M", db=db) as d, \
            d.conn(timeout=120) as c:
        t0 = time.monotonic()
        for i in range(5):
            assert c.req(slow % -i)["total"] > 0
        each = (time.monotonic() - t0) / 5
        # about 12 s of work queued for the worker (the first searches,
        # timed cold, overstate the later ones, and the reindex below takes
        # a few seconds on a busy machine): a connection gets at most 7
        # searches running or queued at once (the rest waits in its
        # socket), so the queue is spread over enough connections
        nconn = max(1, min(300, int(12 / each / 7) + 1))
        assert c.req(fresh)["total"] == 0
        assert c.req(fresh)["cached"] is True
        flood = [d.conn(timeout=120) for _ in range(nconn)]
        for k, f in enumerate(flood):
            f.send("".join(slow % (k * 1000 + i) + "\n" for i in range(7)))
        time.sleep(0.3)
        with open(os.path.join(src, "08-marimba.txt"), "w") as f:
            f.write("Marimba\n\nUn document marimbaphone.\n")
        subprocess.run([INDEXER, "-q", "--db", db, src], check=True,
                       timeout=120)
        time.sleep(1.0)
        t0 = time.monotonic()
        r = c.req(fresh)
        waited = time.monotonic() - t0
        assert r["total"] == 1 and "cached" not in r, r
        print("     one slow search %.1f ms; the fresh answer waited %.2f s "
              "behind the queue" % (each * 1e3, waited))
        assert waited > 0.2, "the queue was gone: nothing was tested"
        for f in flood:
            f.close()


def test_sigint_idle_exit_0():
    d = searchd()
    assert d.stop(signal.SIGINT) == 0, d.text()
    assert d.log()[-1] == "info: stopped"


def run_daemon(*args, timeout=TIMEOUT):
    return subprocess.run([DAEMON] + list(args), capture_output=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def test_missing_index_exit_2():
    p = run_daemon("--db", os.path.join(_tmp, "nowhere"),
                   "--listen", HOST + ":0")
    assert p.returncode == 2
    lines = p.stderr.decode().split("\n")
    assert len(lines) == 2 and lines[1] == "", lines
    assert lines[0].startswith("error: ") and "nowhere" in lines[0], lines
    empty = os.path.join(_tmp, "empty-dir")
    os.makedirs(empty, exist_ok=True)
    p = run_daemon("--db", empty, "--listen", HOST + ":0")
    assert p.returncode == 2, p
    assert len(p.stderr.decode().split("\n")) == 2, p.stderr


def test_bad_options_exit_2():
    for args in (["--threads", "0"], ["--threads", "x"],
                 ["--listen", "localhost"], ["--listen", "1.2.3.4:99999"],
                 ["--listen", "nohost:80"], ["--max-connections", "-1"],
                 ["--idle-timeout", "1s"], ["--max-output", "12"],
                 ["--max-queue", ""], ["--frobnicate"], ["extra"],
                 ["--cache-size", "-1"], ["--cache-size", "5000M"],
                 ["--cache-size", "1G"], ["--cache-size", "1K"],
                 ["--password-file", os.path.join(_tmp, "none")]):
        p = run_daemon("--db", index(), *args)
        assert p.returncode == 2, (args, p)
        lines = p.stderr.decode().split("\n")
        assert len(lines) == 2 and lines[0].startswith("error: "), \
            (args, lines)
    p = run_daemon("--help")
    assert p.returncode == 0 and b"--max-connections" in p.stdout
    p = run_daemon("--version")
    assert p.returncode == 0 and p.stdout.startswith(b"cglu-searchd ")


def test_address_in_use_exit_1():
    with searchd() as d:
        p = run_daemon("--db", index(), "--listen", "%s:%d" % (HOST, d.port))
        assert p.returncode == 1, p
        assert b"address already in use" in p.stderr.lower()


# ---- the client --------------------------------------------------------

def client(d, *args, rc=0, port=None):
    p = subprocess.run([CLIENT, "--host", "%s:%d" % (HOST, port or d.port)]
                       + list(args), capture_output=True, timeout=TIMEOUT,
                       text=True, stdin=subprocess.DEVNULL)
    assert p.returncode == rc, (args, p.returncode, p.stdout, p.stderr)
    return p


def test_client():
    with searchd() as d:
        p = client(d, "gouvernements", "locaux")
        assert re.search(r"^\d+ results? ", p.stdout, re.M), p.stdout
        assert re.search(r"^\s+1\. \S", p.stdout, re.M), p.stdout
        assert "<mark>" not in p.stdout and "\x1b" not in p.stdout
        assert "&amp;" not in p.stdout and "&#" not in p.stdout
        p = client(d, "--json", "--limit", "2", "gouvernements")
        a = json.loads(p.stdout)
        assert a["ok"] is True and len(a["hits"]) == 2
        assert p.stdout.count("\n") == 1
        ident = a["hits"][0]["id"]
        p = client(d, "--doc", ident)
        assert p.stdout.startswith(a["hits"][0]["title"] + "\n")
        p = client(d, "--doc", "no-such-doc", rc=1)
        assert "not_found" in p.stderr and p.stdout == ""
        p = client(d, "--suggest", "gouv")
        assert p.stdout and all(w.startswith("gouv")
                                for w in p.stdout.split())
        p = client(d, "--stats")
        assert re.search(r"^documents: %d$" % corpus_size(), p.stdout, re.M)
        p = client(d, "zzqxwvkj")
        assert "no results" in p.stdout
        p = client(d, "gouvernemnts")
        assert 'showing results for: "gouvernements"' in p.stdout
        # a query that ends in "?" keeps one (it once read "??")
        p = client(d, "gouvernemnts OR barcelone ?")
        assert 'did you mean: "gouvernements OR barcelone ?"\n' in p.stdout
        p = client(d, "barcelone", "zzqxwvkj")
        assert "no document holds every word" in p.stdout
        assert re.search(r"^\s+1\. ", p.stdout, re.M)
        p = client(d, "--limit", "1000", "x", rc=1)  # the server's cap
        assert "bad_request" in p.stderr
        # Newlines in a query cannot smuggle a second request.
        p = client(d, "--json", "gouvernements\nSTATS")
        assert json.loads(p.stdout)["query"] == "gouvernements STATS"
        client(d, rc=2)  # no query
        client(d, "--stats", "--doc", "x", rc=2)
        client(d, "--limit", "0", "x", rc=2)
    free = socket.socket()
    free.bind((HOST, 0))
    port = free.getsockname()[1]
    free.close()  # nobody listens there now
    p = client(None, "x", rc=2, port=port)
    assert p.stderr.count("\n") == 1 and "cannot connect" in p.stderr


def test_client_tty_bold():
    """On a terminal <mark> becomes bold (checked through a pty)."""
    import pty
    with searchd() as d:
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(CLIENT, [CLIENT, "--host", "%s:%d" % (HOST, d.port),
                              "gouvernements"])
        out = b""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        _, status = os.waitpid(pid, 0)
        os.close(fd)
        assert os.WEXITSTATUS(status) == 0, out
        assert b"\x1b[1m" in out and b"<mark>" not in out, out


def one_line(text):
    """text is exactly one line ending in "\n": that line."""
    assert text.endswith("\n") and text.count("\n") == 1, repr(text)
    return text[:-1]


class Listener:
    """A socket listening on 127.0.0.1, port 0, that never accepts: tells
    whether a client connected (the kernel queues the connection)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]

    def nobody_came(self):
        self.sock.setblocking(False)
        try:
            conn, _ = self.sock.accept()
        except BlockingIOError:
            return True
        conn.close()
        return False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()
        return False


def test_client_bad_answers():
    """Anything but one JSON object is a bad answer: exit 1 and one line
    on stderr; so is a server that closes without answering."""
    for answer in (b'{"ok":true\n', b"[1]\n", b"x\n"):
        with FakeServer(answer) as fs:
            p = client(None, "x", rc=1, port=fs.port)
        assert fs.request == b"SEARCH x\n", fs.request
        line = one_line(p.stderr)
        assert line.startswith("cglu-search: ") and "bad answer" in line, \
            (answer, line)
        assert p.stdout == "", (answer, p.stdout)
    with FakeServer(None) as fs:
        p = client(None, "x", rc=1, port=fs.port)
    assert fs.request == b"SEARCH x\n", fs.request
    line = one_line(p.stderr)
    assert "closed the connection without answering" in line, line
    assert p.stdout == ""
    # the same server and client, a good answer: exit 0
    with FakeServer(b'{"ok":true,"pong":true}\n') as fs:
        p = client(None, "--json", "x", port=fs.port)
    assert p.stdout == '{"ok":true,"pong":true}\n' and p.stderr == "", p


def test_client_limit_refused():
    """--limit takes digits only, 1 to 10000, refused before connecting."""
    for bad in (" 5", "0", "5 ", "+5", "-5", "", "0x5", "10001"):
        with Listener() as ls:
            p = client(None, "--limit", bad, "x", rc=2, port=ls.port)
            line = one_line(p.stderr)
            assert "--limit" in line, (bad, line)
            assert ls.nobody_came(), "--limit %r: the client connected" % bad
        assert p.stdout == ""
    for good in ("5", "10000"):
        with FakeServer(b'{"ok":true,"pong":true}\n') as fs:
            client(None, "--limit", good, "x", port=fs.port)
        assert fs.request == b"SEARCH limit=%s x\n" % good.encode(), \
            fs.request


# ---- docs/PROTOCOL.md --------------------------------------------------

def protocol_examples():
    """Blocks of "> request" / "< answer" lines in fenced code blocks."""
    with open(PROTOCOL_MD, encoding="utf-8") as f:
        text = f.read()
    examples = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
        lines = block.split("\n")
        if not any(line.startswith("> ") for line in lines):
            continue
        ex = []
        for line in lines:
            if line.startswith("> "):
                ex.append([line[2:], []])
            elif line.startswith("< "):
                assert ex, "answer before a request in:\n" + block
                ex[-1][1].append(json.loads(line[2:]))
        examples.append(ex)
    return examples


def same_shape(want, got, where):
    """Same ok, same error code, the same keys; hits compared likewise."""
    assert got.get("ok") == want.get("ok"), (where, want, got)
    assert got.get("error") == want.get("error"), (where, want, got)
    assert set(got) == set(want), (where, sorted(want), sorted(got))
    for k in ("pong", "bye", "auth", "relaxed"):
        if k in want:
            assert got[k] == want[k], (where, k)
    if "hits" in want:
        assert bool(got["hits"]) == bool(want["hits"]), where
        if want["hits"]:
            assert set(got["hits"][0]) == set(want["hits"][0]), where
    if "suggestions" in want:
        assert bool(got["suggestions"]) == bool(want["suggestions"]), where


def test_protocol_examples():
    examples = protocol_examples()
    assert len(examples) >= 5, "too few examples in docs/PROTOCOL.md"
    pw = os.path.join(_tmp, "doc-pw")
    with open(pw, "w") as f:
        f.write("s3cret\n")
    os.chmod(pw, 0o600)
    checked = 0
    for n, ex in enumerate(examples):
        needs_pw = any(req.startswith("AUTH ") for req, _ in ex)
        args = ("--password-file", pw) if needs_pw else ()
        with searchd(*args) as d, d.conn() as c:
            for req, answers in ex:
                c.send(req + "\n")
                for want in answers:
                    same_shape(want, c.json(), "example %d: %s" % (n, req))
                    checked += 1
            if ex[-1][0].upper() == "QUIT":
                assert c.closed(5) and c.buf == b""
            else:
                assert c.req("PING")["pong"] is True  # nothing left over
    assert checked >= 10


# ---- figures -----------------------------------------------------------

def test_latency_figures():
    """Not a benchmark (bench/search.sh is): prints round-trip times and
    checks that 10,000 pipelined PINGs all come back."""
    with searchd() as d, d.conn() as c:
        def timed(line, n):
            t = []
            for _ in range(n):
                t0 = time.perf_counter()
                assert c.req(line)["ok"] is True
                t.append((time.perf_counter() - t0) * 1000)
            t.sort()
            return t[len(t) // 2], t[int(len(t) * 0.99) - 1]
        ping = timed("PING", 2000)
        search = timed("SEARCH gouvernements locaux", 500)
        t0 = time.perf_counter()
        c.send("PING\n" * 10000)
        for _ in range(10000):
            c.line()
        pipelined = 10000 / (time.perf_counter() - t0)
        print("     PING p50 %.3f ms p99 %.3f ms; SEARCH p50 %.3f ms "
              "p99 %.3f ms; pipelined PING %.0f/s"
              % (ping + search + (pipelined,)))


if __name__ == "__main__":
    run_all(dict(globals()))
