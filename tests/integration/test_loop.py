#!/usr/bin/env python3
"""The searches the daemon's loop runs itself (issue #15, server/dispatch.c):
a cheap SEARCH (snippets of at most 400 characters for at most 8 words,
no facets, no wildcard, a short text, at most 20 hits) read in the loop's poll phase runs on the loop thread at the end
of that turn, one a turn; every other engine request goes to a worker.
These tests assert behaviour, never times: the same answers whichever
thread ran them, request order kept with both kinds mixed, the expensive
kinds never on the loop, and a cheap search answered while the workers are
busy. Which thread ran a request is read from /metrics'
cglu_engine_runs_total{thread=...}."""
import http.client
import json
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import fixture, run_all  # noqa: E402
from daemon import (  # noqa: E402
    HOST, TIMEOUT, HttpDaemon, build_index, corpus_ids)

CHEAP = "SEARCH snippet=0 "  # what the loop may run
WORDS = ["gouvernements", "ville", "commune", "région", "coopération",
         "développement", "égalité", "culture", "paix", "villes durables"]
TOOK = re.compile(r'"took_ms":[0-9.]+')

_tmp = tempfile.mkdtemp(prefix="cglu-loop-")


@fixture
def index():
    """The index of corpus/, built once (no test writes it)."""
    yield build_index(db=os.path.join(_tmp, "db"))
    shutil.rmtree(_tmp, ignore_errors=True)


def daemon(*args):
    """A daemon without the answer cache (every search runs), with HTTP
    for /metrics."""
    return HttpDaemon(index(), "--cache-size", "0", *args)


def runs(d):
    """(loop, worker): engine requests run by each so far, not counting
    these readings of /metrics (each one a worker's run: the index's
    figures)."""
    d.metrics_reads = getattr(d, "metrics_reads", 0) + 1
    c = http.client.HTTPConnection(HOST, d.http_port, timeout=TIMEOUT)
    try:
        c.request("GET", "/metrics")
        r = c.getresponse()
        assert r.status == 200, r.status
        text = r.read().decode()
    finally:
        c.close()
    got = dict(re.findall(
        r'^cglu_engine_runs_total\{thread="(loop|worker)"\} (\d+)$', text,
        re.M))
    assert set(got) == {"loop", "worker"}, text
    return int(got["loop"]), int(got["worker"]) - d.metrics_reads


def delta(d, before):
    now = runs(d)
    return now[0] - before[0], now[1] - before[1]


def stable(line):
    """An answer line without its time."""
    return TOOK.sub('"took_ms":T', line)


def answers(c, n):
    return [c.line().decode() for _ in range(n)]


def test_same_answers_on_loop_and_worker():
    """A request alone on an idle daemon runs on the loop; sent after
    another cheap one in the same write, it runs on a worker (the loop's
    turn is taken). Both answers are the same, byte for byte but the
    time."""
    with daemon() as d, d.conn() as c:
        first = runs(d)
        heads = [CHEAP + o for o in ("", "limit=20 ", "offset=10 limit=10 ",
                                     "lang=fr ", "sort=date ")]
        heads += ["SEARCH ", "SEARCH snippet=400 limit=20 "]  # snippets
        for w in WORDS:
            for head in heads:
                line = head + w
                before = runs(d)
                c.send(line + "\n")
                alone = c.line().decode()
                assert delta(d, before) == (1, 0), (line, delta(d, before))
                c.send(CHEAP + "paix\n" + line + "\n")  # one write
                _, behind = answers(c, 2)
                assert json.loads(alone)["ok"] is True, alone
                assert stable(alone) == stable(behind), (line, alone, behind)
        loop, worker = delta(d, first)
        # every "alone" ran on the loop; the requests sent behind another
        # ran on a worker (unless a write was split in two reads)
        assert loop >= len(WORDS) * len(heads) and worker >= 1, (loop, worker)
        assert loop + worker == len(WORDS) * len(heads) * 3, (loop, worker)


def test_http_same_answer_on_loop():
    """HTTP's /search?snippet=0 is run on the loop too, and answers the
    line protocol's bytes."""
    with daemon() as d, d.conn() as c:
        for w in WORDS[:4]:
            before = runs(d)
            h = http.client.HTTPConnection(HOST, d.http_port, timeout=TIMEOUT)
            try:
                h.request("GET", "/search?snippet=0&q=" +
                          urllib.parse.quote_plus(w))
                r = h.getresponse()
                body = r.read().decode().rstrip("\n")
            finally:
                h.close()
            assert r.status == 200, (r.status, body)
            assert delta(d, before) == (1, 0), w
            c.send(CHEAP + "paix\n" + CHEAP + w + "\n")
            _, line = answers(c, 2)
            assert stable(body) == stable(line), (body, line)


def test_order_kept_with_loop_and_workers():
    """Pipelined mixes of loop searches, worker requests and loop answers
    (PING, HELP, errors), from several connections at once: every
    connection gets its answers in its own order."""
    ids = corpus_ids()
    kinds = [
        ("cheap", lambda r, w: CHEAP + w),
        ("cheap", lambda r, w: CHEAP + "limit=%d %s" % (r.randint(1, 20), w)),
        ("snip", lambda r, w: "SEARCH limit=3 " + w),
        ("facets", lambda r, w: "SEARCH snippet=0 facets=lang,section " + w),
        ("wild", lambda r, w: "SEARCH snippet=0 " + w[:3] + "*"),
        ("ping", lambda r, w: "PING"),
        ("suggest", lambda r, w: "SUGGEST " + w[:2]),
        ("doc", lambda r, w: "DOC " + r.choice(ids)),
        ("bad", lambda r, w: "SEARCH limit=0 " + w),
    ]
    failures = []

    def client(d, seed):
        r = random.Random(seed)
        try:
            with d.conn() as c:
                for _ in range(10):
                    want = []
                    for _ in range(r.randint(1, 12)):
                        kind, make = r.choice(kinds)
                        w = r.choice(WORDS)
                        want.append((kind, make(r, w), w))
                    c.send("".join(line + "\n" for _, line, _ in want))
                    for kind, line, w in want:
                        a = json.loads(c.line())
                        if kind in ("cheap", "snip", "facets"):
                            ok = a["ok"] is True and a["query"] == w
                        elif kind == "wild":
                            ok = a["ok"] is True and a["query"] == w[:3] + "*"
                        elif kind == "ping":
                            ok = a == {"ok": True, "pong": True}
                        elif kind == "suggest":
                            ok = a["ok"] is True and "suggestions" in a
                        elif kind == "doc":
                            ok = a["ok"] is True and a["id"] == line[4:]
                        else:
                            ok = a["ok"] is False and \
                                a["error"] == "bad_request"
                        if not ok:
                            failures.append((seed, line, a))
                            return
        except Exception as e:  # reported by the main thread
            failures.append((seed, repr(e)))

    with daemon("--threads", "2") as d:
        before = runs(d)
        ts = [threading.Thread(target=client, args=(d, s)) for s in range(6)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(TIMEOUT * 4)
        assert not any(t.is_alive() for t in ts), "a client hangs"
        assert not failures, failures[:3]
        loop, worker = delta(d, before)
        assert loop > 0 and worker > 0, (loop, worker)


def test_expensive_requests_never_on_loop():
    """Each of these runs on a worker even on an idle daemon: what the
    loop runs is bounded by its kind, not by luck."""
    long_text = " ".join(["ville"] * 11)  # 65 bytes
    assert len(long_text.encode()) == 65
    worker_only = [
        "SEARCH snippet=401 ville",
        "SEARCH a b c d e f g h ville",  # snippets for more than 8 words
        "SEARCH snippet=0 facets=lang ville",
        "SEARCH snippet=0 vil*",
        "SEARCH snippet=0 " + long_text,
        "SEARCH snippet=0 limit=21 ville",
        "SEARCH snippet=0 offset=11 limit=10 ville",
        "SUGGEST vil",
        "DOC " + corpus_ids()[0],
        "STATS",
    ]
    loop_ok = [  # the edges of the bounds
        "SEARCH snippet=0 " + long_text[:64],
        "SEARCH snippet=0 offset=10 limit=10 ville",
        "SEARCH snippet=0 limit=20 ville",
        "SEARCH ville",  # the default snippets: from the text store
        "SEARCH snippet=1 ville",
        "SEARCH snippet=400 limit=20 ville",
        "SEARCH a b c d e f g ville",
        "SEARCH snippet=0 a b c d e f g h i j ville",
    ]
    with daemon() as d, d.conn() as c:
        for line in worker_only:
            before = runs(d)
            assert c.req(line)["ok"] is True, line
            assert delta(d, before) == (0, 1), (line, delta(d, before))
        for line in loop_ok:
            before = runs(d)
            assert c.req(line)["ok"] is True, line
            assert delta(d, before) == (1, 0), (line, delta(d, before))
        for target in ("/?q=ville", "/search?snippet=401&q=ville",
                       "/search?snippet=0&facets=lang&q=ville", "/health"):
            before = runs(d)
            h = http.client.HTTPConnection(HOST, d.http_port, timeout=TIMEOUT)
            try:
                h.request("GET", target)
                r = h.getresponse()
                r.read()
            finally:
                h.close()
            assert r.status == 200, (target, r.status)
            assert delta(d, before) == (0, 1), (target, delta(d, before))


def test_one_loop_search_a_turn():
    """Cheap searches sent in one write are read in one turn: the loop runs
    one of them and the workers the others, so the loop stays free for
    other clients after one search."""
    with daemon("--threads", "2") as d, d.conn() as c:
        for n in (2, 8, 32):
            before = runs(d)
            c.send("".join("%s%s\n" % (CHEAP, WORDS[i % len(WORDS)])
                           for i in range(n)))
            got = [json.loads(x) for x in answers(c, n)]
            assert [a["query"] for a in got] == \
                [WORDS[i % len(WORDS)] for i in range(n)]
            loop, worker = delta(d, before)
            assert loop + worker == n and worker >= 1 and loop < n / 2 + 1, \
                (n, loop, worker)


def test_cheap_search_answered_while_workers_busy():
    """One worker kept busy by a flood of slow requests (snippets from
    every hit, not read by their client): a cheap search on another
    connection is answered by the loop while the flood still waits for
    answers, and so is a PING. Counted, not timed, as in test_faults'
    loop_free_while_busy."""
    slow = "SEARCH limit=100 snippet=1000 ville OR commune OR région"
    with daemon("--threads", "1") as d:
        with d.conn() as c:  # what one slow request costs here
            t0 = time.monotonic()
            for _ in range(5):
                assert c.req(slow)["ok"] is True
            each = (time.monotonic() - t0) / 5
        per = 16  # a connection's requests (its queue holds them)
        nconn = max(1, min(200, int(3.0 / (each * per)) + 1))
        flood = [d.conn() for _ in range(nconn)]
        try:
            for f in flood:
                f.send((slow + "\n") * per)
            before = runs(d)
            with d.conn() as c:
                a = c.req(CHEAP + "gouvernements")
                assert a["ok"] is True and a["query"] == "gouvernements"
                assert c.req("PING")["pong"] is True
            pending = 0
            for f in flood:
                f.received_now()
                pending += f.buf.count(b"\n") < per
            assert pending > 0, "the flood was done: nothing tested " \
                "(%d connections of %d requests)" % (nconn, per)
            assert delta(d, before)[0] >= 1
            for f in flood:  # then every answer comes, none lost
                for _ in range(per):
                    assert f.json()["ok"] is True
        finally:
            for f in flood:
                f.close()


def test_loop_search_sees_new_revision():
    """The loop's own engine reopens like the workers': after a commit the
    loop's answers show the new document."""
    src = tempfile.mkdtemp(dir=_tmp)
    word = "zorglubienne"
    with open(os.path.join(src, "a.txt"), "w") as f:
        f.write("Une page sur les villes.\n")
    db = build_index(src, src + "-db")
    with HttpDaemon(db, "--cache-size", "0") as d, d.conn() as c:
        assert c.req(CHEAP + word)["total"] == 0
        with open(os.path.join(src, "b.txt"), "w") as f:
            f.write("La page %s des villes.\n" % word)
        build_index(src, db)
        deadline = time.monotonic() + TIMEOUT
        before = runs(d)
        while c.req(CHEAP + word)["total"] != 1:
            assert time.monotonic() < deadline, "new revision not served"
            time.sleep(0.02)
        loop, worker = delta(d, before)
        assert loop >= 1 and worker == 0, (loop, worker)


def test_shutdown_with_loop_search_pending():
    """SIGTERM while cheap searches read by the daemon still wait: every
    one is answered and the daemon exits 0 (HttpDaemon checks the status
    and the log)."""
    words = WORDS[:6]  # fewer than a connection may run at once (8)
    with daemon() as d:
        conns = [d.conn() for _ in range(8)]
        for c in conns:
            c.send("".join("%s%s\n" % (CHEAP, w) for w in words))
        for c in conns:  # a first answer: its write was read whole
            a = c.json()
            assert a["ok"] is True and a["query"] == words[0], a
        d.send_signal(15)
        for c in conns:
            for w in words[1:]:
                a = c.json()
                assert a["ok"] is True and a["query"] == w, a
            c.close()
        assert d.proc.wait(TIMEOUT) == 0  # before the block's own SIGTERM


if __name__ == "__main__":
    run_all(dict(globals()))
