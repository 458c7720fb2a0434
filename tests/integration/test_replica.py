#!/usr/bin/env python3
"""Replicas on Xapian's own replication (issue #16, docs/SCALING.md):
cglu-index keeps changesets (--changesets N, kept by later runs),
xapian-replicate-server serves the master's folder on 127.0.0.1, and
xapian-replicate brings a copy up to date from them (or by a full copy); a
cglu-searchd serving the copy answers a change made on the master once
the copy has it, without one failed request while it is applied."""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ROOT, fixture, prog, run_all  # noqa: E402
from daemon import free_port, index_into as index  # noqa: E402
from daemon import TIMEOUT, Daemon, db_info, wait_until  # noqa: E402

INDEXER = os.path.abspath(prog("cglu-index"))
CORPUS = os.path.join(ROOT, "corpus")
HOST = "127.0.0.1"
# Seconds a daemon may take to serve what the copy holds: its promise is
# one second (the watch looks every 100 ms); the rest is room for a busy
# machine. The time taken is printed.
FRESH_S = 5


def changesets(db):
    return sorted(int(n[7:]) for n in os.listdir(db)
                  if re.fullmatch(r"changes\d+", n))


@fixture
def tmp():
    d = tempfile.mkdtemp(prefix="cglu-replica-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def master(tmp, *args):
    """A copy of corpus/ indexed into tmp/masters/NAME/cglu.db with args:
    (source folder, parent of the master's folder, its folder)."""
    src = tempfile.mkdtemp(dir=tmp)
    shutil.copytree(CORPUS, src, dirs_exist_ok=True)
    parent = tempfile.mkdtemp(dir=tmp)
    db = os.path.join(parent, "cglu.db")
    index(src, db, *args)
    return src, parent, db


def test_changesets_kept_by_later_runs():
    """The number given once is kept: later runs without the option keep
    writing changesets (Xapian keeps at most that many); a run that only
    changes the number commits it."""
    src, _, db = master(tmp(), "--changesets", "3")
    last = 0
    for i in range(5):
        with open(os.path.join(src, "zz-%d.txt" % i), "w") as f:
            f.write("Page %d\n\nUn texte de plus.\n" % i)
        index(src, db)  # no option: the index's number
        kept = changesets(db)
        assert kept and kept[-1] > last and len(kept) <= 3, (i, kept)
        last = kept[-1]
    rev = db_info(db)[0]
    index(src, db, "--changesets", "0")  # nothing else changes
    assert db_info(db)[0] == rev + 1
    with open(os.path.join(src, "zz-last.txt"), "w") as f:
        f.write("Dernier\n\nUn texte encore.\n")
    index(src, db)
    assert db_info(db)[0] == rev + 2
    assert max(changesets(db)) <= last + 1, changesets(db)
    index(src, db)  # a rerun with no change writes none either
    assert db_info(db)[0] == rev + 2


def test_bad_changesets_refused():
    src = tempfile.mkdtemp(dir=tmp())
    db = src + "-db"
    for bad in ("-1", "100001", "x", ""):
        p = subprocess.run([INDEXER, "--db", db, "--changesets", bad, src],
                           capture_output=True, text=True, timeout=TIMEOUT)
        assert p.returncode == 2, (bad, p.returncode, p.stderr)
        assert p.stderr.count("\n") == 1 and "--changesets" in p.stderr, \
            p.stderr
    assert not os.path.exists(db)


class Load(threading.Thread):
    """SEARCH requests on a connection until stopped: every answer must be
    ok."""

    def __init__(self, d):
        super().__init__(daemon=True)
        self.c = d.conn()
        self.stop = threading.Event()
        self.n = 0
        self.bad = []

    def run(self):
        words = ["cglu", "gouvernements locaux", "villes", "démocratie"]
        while not self.stop.is_set() and self.n < 200000:
            a = self.c.req("SEARCH limit=5 " + words[self.n % len(words)])
            if a.get("ok") is not True:
                self.bad.append(a)
            self.n += 1

    def finish(self):
        self.stop.set()
        self.join(TIMEOUT)
        self.c.close()
        assert not self.is_alive()
        return self.n, self.bad


def replicate(port, copy, *args, wait=0):
    """One xapian-replicate run into copy; its report. wait: seconds to
    retry while the server is not listening yet."""
    deadline = time.monotonic() + wait
    while True:
        p = subprocess.run(["xapian-replicate", "-h", HOST, "-p", str(port),
                            "-m", "cglu.db", "-o", "-r", "0", "-t", "10",
                            "-v"] + list(args) + [copy],
                           capture_output=True, text=True, timeout=120)
        if p.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout + p.stderr


def test_replica_serves_the_masters_changes():
    t = tmp()
    src, parent, db = master(t, "--changesets", "10")
    port = free_port()
    server = subprocess.Popen(["xapian-replicate-server", "-I", HOST,
                               "-p", str(port), parent],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        copy = os.path.join(t, "replica", "cglu.db")
        os.makedirs(os.path.dirname(copy))
        assert "1 copies" in replicate(port, copy, wait=10)
        with Daemon(copy, check_exit=True, check_log=True) as d, \
                d.conn() as c:
            assert c.req("SEARCH xylophonique")["total"] == 0
            load = Load(d)
            load.start()
            # a change on the master, sent as a changeset
            with open(os.path.join(src, "zz-xylo.txt"), "w") as f:
                f.write("Xylo\n\nUn texte xylophonique.\n")
            index(src, db)
            out = replicate(port, copy)
            assert re.search(r"0 copies, [1-9]\d* changesets", out), out
            t0 = time.monotonic()
            assert wait_until(
                lambda: c.req("SEARCH xylophonique")["total"] == 1, FRESH_S)
            took1 = time.monotonic() - t0
            # a full copy (a compacted rebuild on the master is one too)
            with open(os.path.join(src, "zz-marimba.txt"), "w") as f:
                f.write("Marimba\n\nUn texte marimbaphonique.\n")
            index(src, db)
            out = replicate(port, copy, "-f")
            assert re.search(r"[1-9]\d* copies", out), out
            t0 = time.monotonic()
            assert wait_until(
                lambda: c.req("SEARCH marimbaphonique")["total"] == 1,
                FRESH_S)
            took2 = time.monotonic() - t0
            a = c.req("SEARCH limit=1 marimbaphonique")
            assert "<mark>marimbaphonique</mark>" in a["hits"][0]["snippet"]
            n, bad = load.finish()
            assert n > 0 and not bad, (n, bad[:3])
            print("     served after a changeset in %.2f s, after a full "
                  "copy in %.2f s; %d searches meanwhile, none failed"
                  % (took1, took2, n))
    finally:
        server.kill()  # it may not stop on SIGTERM while it serves
        server.wait(TIMEOUT)


if __name__ == "__main__":
    run_all(globals())
