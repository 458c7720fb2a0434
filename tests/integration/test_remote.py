#!/usr/bin/env python3
"""Remote shards (issue #16, docs/SCALING.md): cglu-searchd --db over a
stub listing "remote 127.0.0.1:PORT" shards, each served by Xapian's
xapian-tcpsrv (started here, on loopback), answers as one index and as
the same shards read locally; a shard that is killed under load is named
in every failed answer (shard_unavailable), the daemon keeps serving and
searches it again once it is back, logging both; --allow-partial answers
from the other shard, saying "partial":true; a shard too slow for
--remote-timeout is named the same way; a commit to a shard is served
within the freshness promise; STATS and /health show each shard."""
import http.client
import json
import os
import re
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
from daemon import free_port, index_into as index  # noqa: E402
from daemon import HOST, TIMEOUT, Daemon, HttpDaemon, wait_until  # noqa: E402
from test_shard_index import query_lines, same_answers  # noqa: E402

CORPUS = os.path.join(ROOT, "corpus")
FRESH_S = 5  # the daemon's promise is 1 s; the rest, a busy machine
LOAD_CONNS = 8
LOAD_MAX = 1000000  # requests of one load connection, at most
LOAD_S = 60  # and seconds


class ShardServer:
    """xapian-tcpsrv serving folder on 127.0.0.1:port (a free one when
    None), listening when the constructor returns."""

    def __init__(self, folder, port=None):
        self.folder, self.port = folder, port or free_port()
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["xapian-tcpsrv", "--interface", HOST, "--port", str(self.port),
             "--quiet", self.folder],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)

        def listening():
            assert self.proc.poll() is None, "xapian-tcpsrv exited"
            try:
                socket.create_connection((HOST, self.port), 1).close()
                return True
            except OSError:
                return False
        assert wait_until(listening), "xapian-tcpsrv not listening"

    def kill(self):
        """SIGKILL to the server and the children it forked for each
        connection: the shard's machine is gone."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(TIMEOUT)

    @property
    def name(self):
        return "%s:%d" % (HOST, self.port)


def write_stub(folder, lines):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "XAPIANDB"), "w") as f:
        f.write("".join(line + "\n" for line in lines))


@fixture
def cluster():
    """(a copy of the corpus, one index of it, the same pages in 2 local
    shards, a stub of those shards served remotely, the shard servers)."""
    t = tempfile.mkdtemp(prefix="cglu-remote-")
    src = os.path.join(t, "site")
    shutil.copytree(CORPUS, src)
    one, local = os.path.join(t, "one.db"), os.path.join(t, "local.db")
    index(src, one)
    index(src, local, "--shards", "2")
    servers = [ShardServer(os.path.join(local, "shard-%02d" % k))
               for k in range(2)]
    remote = os.path.join(t, "remote.db")
    write_stub(remote, ["remote " + s.name for s in servers])
    # Xapian's remote protocol carries no spelling words nor synonyms: the
    # daemon reads them from the index's dictionary, copied beside the stub
    # (docs/SCALING.md)
    shutil.copytree(os.path.join(local, "dictionary"),
                    os.path.join(remote, "dictionary"))
    yield src, one, local, remote, servers
    for s in servers:
        s.kill()
    shutil.rmtree(t, ignore_errors=True)


def answers(db, lines, *args):
    with Daemon(db, *args, check_exit=True, check_log=True) as d, \
            d.conn() as c:
        return c.answers(lines)


def test_same_answers_one_index_local_and_remote_shards():
    _, one, local, remote, _ = cluster()
    lines = query_lines()
    want = answers(one, lines)
    assert sum(len(x.get("hits", [])) for x in want) > 50
    same_answers(want, answers(local, lines), lines)
    got = answers(remote, lines)
    same_answers(want, got, lines)
    # the snippets were cut from the remote shards' stored text
    assert any("<mark>" in h.get("snippet", "")
               for a in got for h in a.get("hits", []))


def test_stats_and_health_show_each_remote_shard():
    _, _, _, remote, servers = cluster()
    with HttpDaemon(remote, check_log=True) as d, d.conn() as c:
        st = c.req("STATS")
        assert st["ok"] is True and st["documents"] == 12, st
        assert [s["name"] for s in st["shards"]] == [s.name for s in servers]
        for s in st["shards"]:
            assert s["remote"] is True and s["state"] == "up", s
            # the revision the indexer committed, read from the shard
            assert s["revision"] >= 1, s
        assert sum(s["documents"] for s in st["shards"]) == 12
        assert st["revision"] == sum(s["revision"] for s in st["shards"])
        h = http.client.HTTPConnection(HOST, d.http_port, timeout=TIMEOUT)
        h.request("GET", "/health")
        r = h.getresponse()
        body = json.loads(r.read())
        assert r.status == 200 and body["shards"] == st["shards"], body


class Load(threading.Thread):
    """SEARCH requests on a connection until stopped, LOAD_MAX or LOAD_S
    (answers from the cache come fast): each answer is ok or
    shard_unavailable."""

    def __init__(self, d):
        super().__init__(daemon=True)
        self.c = d.conn()
        self.stop = threading.Event()
        self.ok = self.down = 0
        self.bad = []

    def run(self):
        words = ["cglu", "gouvernements locaux", "villes", "cities"]
        n = 0
        end = time.monotonic() + LOAD_S
        while not self.stop.is_set() and n < LOAD_MAX and \
                time.monotonic() < end:
            a = self.c.req("SEARCH limit=5 snippet=60 " + words[n % 4])
            n += 1
            if a.get("ok") is True:
                self.ok += 1
            elif a.get("error") == "shard_unavailable":
                self.down += 1
                self.last = a["message"]
            else:
                self.bad.append(a)

    def finish(self):
        self.stop.set()
        self.join(TIMEOUT)
        self.c.close()
        assert not self.is_alive()


def test_shard_killed_under_load_is_named_then_back():
    _, _, _, remote, servers = cluster()
    dead = servers[1]
    try:
        with Daemon(remote, check_exit=True, check_log=True) as d:
            loads = [Load(d) for _ in range(LOAD_CONNS)]
            for x in loads:
                x.start()
            assert wait_until(lambda: all(x.ok > 5 for x in loads))
            dead.kill()
            assert wait_until(lambda: all(x.down > 0 for x in loads)), \
                [(x.ok, x.down, x.bad[:1]) for x in loads]
            d.wait_log(r"^warn: shard %s is unavailable: "
                       % re.escape(dead.name))
            with d.conn() as c:
                a = c.req("SEARCH cglu")
                assert a["ok"] is False and \
                    a["error"] == "shard_unavailable", a
                assert dead.name in a["message"], a
                st = c.req("STATS")  # the index's state: never refused
                assert st["ok"] is True, st
                assert [s["state"] for s in st["shards"]] == ["up", "down"]
                assert st["shards"][1]["error"], st
            dead.start()  # the same port again
            d.wait_log(r"^warn: shard %s is back$" % re.escape(dead.name))
            with d.conn() as c:
                assert wait_until(
                    lambda: c.req("SEARCH cglu").get("ok") is True,
                    timeout=FRESH_S)
            for x in loads:
                x.finish()
            for x in loads:
                assert not x.bad, x.bad[:3]
                assert dead.name in x.last, x.last
            # every connection got answers again after the return
            with d.conn() as c:
                assert c.req("STATS")["shards"][1]["state"] == "up"
            assert d.proc.poll() is None
    finally:
        if dead.proc.poll() is not None:
            dead.start()


def test_allow_partial_answers_from_the_other_shard():
    _, _, _, remote, servers = cluster()
    dead = servers[0]
    try:
        with Daemon(remote, "--allow-partial", check_exit=True,
                    check_log=True) as d, d.conn() as c:
            whole = c.req("SEARCH limit=20 cglu")
            assert whole["ok"] is True and "partial" not in whole, whole
            dead.kill()
            assert wait_until(
                lambda: c.req("SEARCH limit=20 cglu").get("partial") is True)
            part = c.req("SEARCH limit=20 cglu")
            assert part["ok"] is True and part["partial"] is True, part
            assert 0 < part["total"] < whole["total"], (part, whole)
            ids = {h["id"] for h in part["hits"]}
            assert ids < {h["id"] for h in whole["hits"]}, ids
            dead.start()
            assert wait_until(
                lambda: "partial" not in c.req("SEARCH limit=20 cglu"),
                timeout=FRESH_S)
            # the partial answer was not cached: the whole one is back
            again = c.req("SEARCH limit=20 cglu")
            diff = [k for k in set(again) | set(whole)
                    if k not in ("took_ms", "cached") and
                    again.get(k) != whole.get(k)]
            assert not diff, (diff, again, whole)
    finally:
        if dead.proc.poll() is not None:
            dead.start()


class Silent(threading.Thread):
    """A TCP server that accepts connections and never answers: a shard
    too slow for any timeout."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []

    def run(self):
        while True:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def test_slow_shard_is_named_after_the_remote_timeout():
    _, _, _, _, servers = cluster()
    silent = Silent()
    silent.start()
    t = tempfile.mkdtemp(prefix="cglu-remote-")
    try:
        stub = os.path.join(t, "slow.db")
        write_stub(stub, ["remote " + servers[0].name,
                          "remote %s:%d" % (HOST, silent.port)])
        with Daemon(stub, "--remote-timeout", "1000", "--threads", "1",
                    check_exit=True, check_log=True) as d, d.conn() as c:
            t0 = time.monotonic()
            a = c.req("SEARCH cglu")
            took = time.monotonic() - t0
            assert a["ok"] is False and a["error"] == "shard_unavailable", a
            assert "%s:%d" % (HOST, silent.port) in a["message"], a
            # a shard found down is not waited for again by each request
            # (only the watch tries it, from its own thread): 10 requests
            # take less than one timeout, where they would take ten
            t1 = time.monotonic()
            for _ in range(10):
                a = c.req("SEARCH cglu")
                assert a["error"] == "shard_unavailable", a
            later = time.monotonic() - t1
            assert later < 1.0, later
            print("  a shard silent for 1 s: named in %.2f s, then 10 "
                  "requests in %.3f s" % (took, later))
    finally:
        silent.close()
        shutil.rmtree(t, ignore_errors=True)


def test_commit_to_a_remote_shard_is_served_fresh():
    src, _, local, remote, _ = cluster()
    with Daemon(remote, check_exit=True, check_log=True) as d, d.conn() as c:
        assert c.req("SEARCH xylophonique")["total"] == 0  # cached now
        with open(os.path.join(src, "zz-xylo.txt"), "w") as f:
            f.write("Xylo\n\nUn texte xylophonique.\n")
        try:
            index(src, local)  # the stub's N: the shard the page hashes to
            t0 = time.monotonic()
            assert wait_until(
                lambda: c.req("SEARCH xylophonique")["total"] == 1,
                timeout=FRESH_S)
            print("  served %.2f s after the commit"
                  % (time.monotonic() - t0))
        finally:
            os.remove(os.path.join(src, "zz-xylo.txt"))
            index(src, local)


def test_bad_stub_and_timeout_are_refused():
    t = tempfile.mkdtemp(prefix="cglu-remote-")
    try:
        # XC_MAX_STUB_SHARDS (1,024) lines and one more: refused before
        # any connection is tried
        many = ["remote 127.0.0.1:%d" % (1 + k) for k in range(1025)]
        for lines, why in ((["remote nowhere"], "HOST:PORT"),
                           (["remote 127.0.0.1:99999"], "HOST:PORT"),
                           (["tcp 127.0.0.1:1"], "unknown database type"),
                           (["remote [::1]:7000"], "IPv4 only"),
                           (many, "line 1025: \"127.0.0.1:1025\" is one "
                            "shard too many: a stub lists at most 1024")):
            line = lines[-1]
            stub = os.path.join(t, "bad.db")
            write_stub(stub, lines)
            p = subprocess.run([prog("cglu-searchd"), "--db", stub,
                                "--listen", HOST + ":0"],
                               capture_output=True, text=True,
                               timeout=TIMEOUT)
            assert p.returncode == 2, (line, p.returncode, p.stderr)
            lines = p.stderr.strip().split("\n")
            assert len(lines) == 1 and why in lines[0], (line, p.stderr)
        for bad in ("0", "600001", "x"):
            p = subprocess.run([prog("cglu-searchd"), "--remote-timeout",
                                bad, "--db", t], capture_output=True,
                               text=True, timeout=TIMEOUT)
            assert p.returncode == 2 and "--remote-timeout" in p.stderr, \
                (bad, p.stderr)
    finally:
        shutil.rmtree(t, ignore_errors=True)


def test_health_with_a_shard_down():
    """/health: 503 shard_unavailable naming the down shard, or with
    --allow-partial 200 listing it down; partial answers are kept by no
    HTTP cache (Cache-Control: no-store, no ETag)."""
    _, _, _, remote, servers = cluster()
    dead = servers[1]
    try:
        dead.kill()
        for args, status in (((), 503), (("--allow-partial",), 200)):
            with HttpDaemon(remote, *args, check_log=True) as d:
                h = http.client.HTTPConnection(HOST, d.http_port,
                                               timeout=TIMEOUT)
                h.request("GET", "/health")
                r = h.getresponse()
                body = json.loads(r.read())
                assert r.status == status, (args, r.status, body)
                if status == 503:
                    assert body["error"] == "shard_unavailable", body
                    assert dead.name in body["message"], body
                    continue
                assert [s["state"] for s in body["shards"]] == \
                    ["up", "down"], body
                h.request("GET", "/search?q=cglu")
                r = h.getresponse()
                page = json.loads(r.read())
                assert r.status == 200 and page["partial"] is True, page
                assert r.getheader("Cache-Control") == "no-store"
                assert r.getheader("ETag") is None
    finally:
        if dead.proc.poll() is not None:
            dead.start()


def test_dictionary_put_in_place_is_read():
    """Without the dictionary beside the stub, a typo is not corrected
    (Xapian's remote protocol carries no spelling); one put in place
    while the daemon runs (copied, then renamed in) is read within the
    freshness promise."""
    _, _, local, _, servers = cluster()
    t = tempfile.mkdtemp(prefix="cglu-remote-")
    try:
        stub = os.path.join(t, "r.db")
        write_stub(stub, ["remote " + s.name for s in servers])
        with Daemon(stub, check_exit=True, check_log=True) as d, \
                d.conn() as c:
            a = c.req("SEARCH gouvernemnts")
            assert "corrected" not in a and a["total"] == 0, a
            shutil.copytree(os.path.join(local, "dictionary"),
                            os.path.join(stub, "dictionary.new"))
            os.rename(os.path.join(stub, "dictionary.new"),
                      os.path.join(stub, "dictionary"))
            assert wait_until(
                lambda: c.req("SEARCH gouvernemnts").get("corrected"),
                timeout=FRESH_S)
    finally:
        shutil.rmtree(t, ignore_errors=True)


def test_stub_file_with_remote_lines():
    """--db may name a stub file itself, as Xapian allows."""
    _, _, _, remote, servers = cluster()
    stub = os.path.join(remote, "XAPIANDB")
    with Daemon(stub, check_exit=True, check_log=True) as d, d.conn() as c:
        st = c.req("STATS")
        assert [s["name"] for s in st["shards"]] == [s.name for s in servers]
        assert c.req("SEARCH cglu")["total"] > 0


def test_a_silent_shard_is_waited_for_once_at_start():
    """A shard server that takes connections and never answers: the
    daemon's start waits its timeout once, not once per worker (its
    handles opened within a second of that failure take it as down), and
    it serves the other shard's pages, the silent one named down."""
    _, _, _, _, servers = cluster()
    silent = socket.socket()
    silent.bind((HOST, 0))
    silent.listen(64)
    silent.settimeout(0.2)
    port = silent.getsockname()[1]
    tries, held, stop = [], [], threading.Event()

    def take():
        while not stop.is_set():
            try:
                c, _ = silent.accept()
            except socket.timeout:
                continue
            tries.append(time.monotonic())
            held.append(c)  # kept open, never answered

    th = threading.Thread(target=take, daemon=True)
    th.start()
    t = tempfile.mkdtemp(prefix="cglu-remote-")
    try:
        stub = os.path.join(t, "stub.db")
        write_stub(stub, ["remote " + servers[0].name,
                          "remote %s:%d" % (HOST, port)])
        with Daemon(stub, "--remote-timeout", "1000", "--threads", "6",
                    "--allow-partial", check_exit=True) as d, d.conn() as c:
            started = len(tries)
            st = c.req("STATS")
            assert [s["state"] for s in st["shards"]] == ["up", "down"], st
            a = c.req("SEARCH snippet=0 gouvernements")
            assert a["ok"] and a.get("partial") is True and a["total"] > 0, a
        # the first handle's try, and perhaps the watch's retry a second
        # later; 8 handles each waiting would have made 8 tries
        assert 1 <= started <= 2, tries
    finally:
        stop.set()
        th.join(timeout=TIMEOUT)
        for c in held:
            c.close()
        silent.close()
        shutil.rmtree(t, ignore_errors=True)


if __name__ == "__main__":
    run_all(globals())
