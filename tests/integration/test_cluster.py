#!/usr/bin/env python3
"""scripts/cluster.sh (issue #16; docs/SCALING.md, "A local cluster"): a
master of two shards, a shard server per shard, a replica kept current and
two daemons, all on 127.0.0.1. Both daemons answer as one index of the
same pages; a page indexed on the master is served by both; a second
start is refused; stop, and a start that fails, leave no process."""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BIN, ROOT, fixture, run_all  # noqa: E402
from daemon import (HOST, Conn, Daemon, run_indexer,  # noqa: E402
                    same_answers, wait_until)

SCRIPT = os.path.join(ROOT, "scripts", "cluster.sh")
CORPUS = os.path.join(ROOT, "corpus")
# Seconds a page indexed on the master may take to be served: the
# replicas fetch every second (--interval 1), the daemon looks every
# 100 ms; the rest is room for a busy machine. The time taken is printed.
FRESH_S = 10
QUERIES = ["gouvernements locaux", "villes durables", "démocratie",
           "\"gouvernements locaux\"", "gouv*", "autonomie -cglu", "cities",
           "ciudades", "paix OR culture", "title:mission"]
# What Xapian's remote protocol alone would not answer as one index:
# synonyms (cglu's group in corpus/.synonyms: 8 pages of 12 without), a
# spelling correction (the front daemon reads the index's dictionary),
# facets (counted by the shard servers). Both daemons are asked them.
NOT_REMOTE = ["SEARCH cglu", "SEARCH limit=3 offset=2 snippet=80 cglu",
              "SEARCH gouvernemnts"] + [
    "SEARCH snippet=0 facets=lang,section,tag " + q for q in QUERIES]


def cluster(cmd, state, *args, rc=0, timeout=90):
    """scripts/cluster.sh CMD --state STATE --bin BIN ARGS; p.out, p.err
    its output. Its exit status is checked when rc is not None."""
    p = subprocess.run(["bash", SCRIPT, cmd, "--state", state, "--bin",
                        os.path.abspath(BIN)] + list(args),
                       capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    p.out, p.err = p.stdout, p.stderr
    if rc is not None:
        assert p.returncode == rc, "cluster.sh %s: exit %d, want %d\n%s%s" \
            % (cmd, p.returncode, rc, p.out, p.err)
    return p


def addresses(state):
    with open(os.path.join(state, "addresses")) as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f)


def port(addr):
    host, p = addr.rsplit(":", 1)
    assert host == HOST, addr
    return int(p)


def left_behind(state):
    """Live processes whose command line names the state folder."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open("/proc/%s/stat" % pid) as f:
                st = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue  # gone meanwhile
        if state in cmd and st != "Z" and "cluster.sh" not in cmd:
            found.append((int(pid), cmd))
    return found


def listeners(state):
    """The local addresses every live process of the cluster listens on,
    from /proc/net/tcp and tcp6 (every one must be 127.0.0.1)."""
    inodes = set()
    for pid, _ in left_behind(state):
        try:
            for fd in os.listdir("/proc/%d/fd" % pid):
                m = re.fullmatch(r"socket:\[(\d+)\]",
                                 os.readlink("/proc/%d/fd/%s" % (pid, fd)))
                if m:
                    inodes.add(m.group(1))
        except OSError:
            continue
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                x = line.split()
                if x[3] == "0A" and x[9] in inodes:
                    found.append(x[1])
    return found


def new_state():
    return tempfile.mkdtemp(prefix="cglu-cluster-")


@fixture
def running():
    """(state folder, the cluster's source folder, its addresses): a
    cluster started on a copy of the corpus."""
    state = new_state()
    src = os.path.join(state, "site")
    shutil.copytree(CORPUS, src)
    t0 = time.monotonic()
    p = cluster("start", os.path.join(state, "c"), src)
    print("     started in %.1f s" % (time.monotonic() - t0))
    assert "started under" in p.out, p.out
    yield os.path.join(state, "c"), src, addresses(os.path.join(state, "c"))
    cluster("stop", os.path.join(state, "c"), rc=None)
    shutil.rmtree(state, ignore_errors=True)


def test_everything_runs_on_loopback():
    state, _, addr = running()
    assert sorted(addr) == ["front_http", "front_line", "replica_1_http",
                            "replica_1_line", "replication", "shard_00",
                            "shard_01"], addr
    for a in addr.values():
        port(a)
    with open(os.path.join(state, "remote.db", "XAPIANDB")) as f:
        assert f.read() == "remote %s\nremote %s\n" % (addr["shard_00"],
                                                       addr["shard_01"])
    with open(os.path.join(state, "replica-1", "cglu.db", "XAPIANDB")) as f:
        assert f.read() == "auto shard-00\nauto shard-01\n"
    got = listeners(state)
    # 2 shard servers, the replication server, 2 daemons of 2 sockets
    assert len(got) == 7 and all(a.startswith("0100007F:") for a in got), \
        got
    p = cluster("status", state)
    assert p.out.count(" pid ") == 7 and "NOT RUNNING" not in p.out, p.out


def test_both_daemons_answer_as_one_index():
    """The front daemon (remote shards, with the index's dictionary beside
    its stub) and the replica's answer as one index of the same folder:
    synonyms, a corrected typo, facets and STATS' documents included."""
    state, src, addr = running()
    lines = []
    for q in QUERIES:
        lines += ["SEARCH " + q, "SEARCH limit=3 offset=2 snippet=80 " + q]
    lines += ["SUGGEST gouv", "DOC 02-mission.txt", "DOC en/01-about.txt"]
    more = NOT_REMOTE
    with tempfile.TemporaryDirectory(prefix="cglu-cluster-one-") as t:
        one = os.path.join(t, "one.db")
        run_indexer(["-q", "--db", one, src])
        with Daemon(one, check_exit=True) as d, d.conn() as c:
            want = c.answers(lines + more)
    with Conn(port(addr["front_line"])) as c:
        front = c.answers(lines + more)
    with Conn(port(addr["replica_1_line"])) as c:
        replica = c.answers(lines + more)
    assert sum(len(a.get("hits", [])) for a in front) > 40
    same_answers(want, front, lines + more)
    same_answers(want, replica, lines + more)


def test_a_change_on_the_master_is_served():
    state, src, addr = running()
    word = "xylophonique%d" % os.getpid()
    with open(os.path.join(src, "zz-%s.txt" % word), "w") as f:
        f.write("Xylo\n\nUn texte %s.\n" % word)
    p = cluster("index", state)
    assert "1 added" in p.out, p.out
    t0 = time.monotonic()
    took = {}
    with Conn(port(addr["replica_1_line"])) as r, \
            Conn(port(addr["front_line"])) as f:
        def served():
            for name, c in (("replica", r), ("front", f)):
                if name not in took and c.req("SEARCH " + word)["total"] == 1:
                    took[name] = time.monotonic() - t0
            return len(took) == 2
        assert wait_until(served, FRESH_S, 0.05), took
        a = r.req("SEARCH limit=1 " + word)
        assert "<mark>%s</mark>" % word in a["hits"][0]["snippet"], a
    print("     served by the replica's daemon after %.2f s, by the front "
          "one after %.2f s" % (took["replica"], took["front"]))


def test_second_start_refused():
    state, src, _ = running()
    p = cluster("start", state, src, rc=1)
    assert re.search(r"error: a cluster runs under \S+ already", p.err), \
        p.err
    assert "stopping" not in p.err, p.err  # nothing of the first stopped
    p = cluster("status", state)
    assert "NOT RUNNING" not in p.out, p.out


def test_stop_leaves_no_process():
    state = new_state()
    try:
        c = os.path.join(state, "c")
        cluster("start", c, CORPUS)
        addr = addresses(c)
        for name in ("front_line", "replica_1_line"):
            with Conn(port(addr[name])) as conn:
                conn.answers(["SEARCH " + q for q in QUERIES])
        procs = left_behind(c)
        assert len(procs) >= 7, procs
        t0 = time.monotonic()
        p = cluster("stop", c)
        assert p.out.strip().endswith("stopped"), p.out
        print("     stopped %d processes in %.1f s"
              % (len(procs), time.monotonic() - t0))
        assert not left_behind(c), left_behind(c)
        for name in ("front", "replica-1"):  # SIGTERM: a clean stop
            with open(os.path.join(c, "run", name + ".log")) as f:
                log = f.read()
            assert log.endswith("info: stopped\n"), log[-2000:]
            assert "Sanitizer" not in log and "runtime error" not in log, \
                log[-2000:]
        p = cluster("status", c, rc=1)
        assert "no cluster under" in p.out, p.out
        cluster("stop", c)  # again: nothing to do
        cluster("clean", c)
        assert not os.path.exists(c)
    finally:
        shutil.rmtree(state, ignore_errors=True)


def held_ports():
    """(base, socket): base and base+1 free, base+2 held by the socket
    (listening), so that --port-base base fails at its third port."""
    for _ in range(20):
        s = socket.socket()
        s.bind((HOST, 0))
        s.listen(1)
        base = s.getsockname()[1] - 2
        try:
            for q in (base, base + 1):
                with socket.socket() as t:
                    t.bind((HOST, q))
            return base, s
        except OSError:
            s.close()
    raise AssertionError("no three ports in a row")


def test_failed_start_stops_what_it_started():
    state = new_state()
    base, sock = held_ports()
    try:
        c = os.path.join(state, "c")
        p = cluster("start", c, "--port-base", str(base), CORPUS, rc=1)
        assert "%s:%d is in use" % (HOST, base + 2) in p.err, p.err
        assert "start failed: stopping what it started" in p.err, p.err
        assert not left_behind(c), left_behind(c)
        cluster("status", c, rc=1)
    finally:
        sock.close()
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    run_all(globals())
