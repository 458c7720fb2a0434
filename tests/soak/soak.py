#!/usr/bin/env python3
"""Soak test: cglu-searchd under N minutes of mixed load from several
client threads, with a re-index every minute (a plain run with a changed
file, then a --rebuild, alternately). Prints a line every minute and a
report at the end; exits 1 on any unexpected error, RSS growth or
descriptor leak (README.md). Standard library only; 127.0.0.1 only."""
import argparse
import collections
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from daemon import TIMEOUT, Conn, Daemon, asan_env  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REINDEX_EVERY = 60  # seconds
FIRST_REINDEX = 30  # seconds after the start (so a 2-minute run has two)
FD_SLACK = 2
MAX_ERRORS_KEPT = 20
MAX_IDS = 5000


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0,
                    help="duration of the load (default 10)")
    ap.add_argument("--corpus", default=None,
                    help="folder to index (default bench/data/man-fr, "
                    "built by bench/corpus.sh --small if missing)")
    ap.add_argument("--clients", type=int, default=4,
                    help="client threads (default 4)")
    ap.add_argument("--bin", default=os.environ.get("CGLU_BIN") or
                    os.path.join(ROOT, "bin"),
                    help="folder of cglu-index and cglu-searchd "
                    "(default $CGLU_BIN or bin/)")
    ap.add_argument("--rss-growth", type=float, default=20.0,
                    help="MB the daemon may grow after warm-up "
                    "(default 20)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if not 0 < a.minutes <= 24 * 60 or not 1 <= a.clients <= 64:
        ap.error("--minutes must be in (0, 1440], --clients in [1, 64]")
    return a


# ---- corpus and vocabulary ---------------------------------------------

def get_corpus(path):
    if path is None:
        path = os.path.join(ROOT, "bench", "data", "man-fr")
        if not os.path.isdir(path):
            print("soak: %s missing: running bench/corpus.sh --small" % path,
                  flush=True)
            subprocess.run(["bash", os.path.join(ROOT, "bench", "corpus.sh"),
                            "--small"], cwd=ROOT, check=True, timeout=1800)
    if not os.path.isdir(path):
        sys.exit("soak: no corpus folder %s" % path)
    return path


def unaccent(w):
    return "".join(c for c in unicodedata.normalize("NFD", w)
                   if unicodedata.category(c) != "Mn")


def vocabulary(folder, rnd, nfiles=200):
    """(words, phrases): frequent words of 4+ letters and pairs of
    neighbouring words from a sample of the corpus."""
    files = []
    for dirpath, dirs, names in os.walk(folder):
        dirs.sort()
        files += [os.path.join(dirpath, n) for n in sorted(names)
                  if re.search(r"\.(txt|md|html?)$", n, re.I)]
    rnd.shuffle(files)
    counts = collections.Counter()
    phrases = []
    for path in files[:nfiles]:
        with open(path, "rb") as f:
            text = f.read(200000).decode("utf-8", "replace")
        text = re.sub(r"<[^>]*>", " ", text)
        words = re.findall(r"[^\W\d_]{4,}", text.lower())
        counts.update(words)
        for i in range(0, max(0, len(words) - 1), 97):
            phrases.append("%s %s" % (words[i], words[i + 1]))
    words = [w for w, _ in counts.most_common(3000)][20:]
    if len(words) < 50:
        sys.exit("soak: corpus %s has too few words" % folder)
    return words, phrases[:2000] or words[:100]


# ---- shared state ------------------------------------------------------

class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.served = collections.Counter()  # answers by kind
        self.bad = collections.Counter()     # bad lines, by answer
        self.failed = 0                      # ok:false answers received
        self.errors = []                     # unexpected, first few kept
        self.nerrors = 0
        self.ids = []
        self.rebuild_until = 0.0  # DOC may miss ids until then
        self.stop = threading.Event()

    def error(self, what):
        with self.lock:
            self.nerrors += 1
            if len(self.errors) < MAX_ERRORS_KEPT:
                self.errors.append("%.1f s: %s" % (time.monotonic() - T0,
                                                    what))

    def add_ids(self, ids):
        with self.lock:
            for i in ids:
                if len(self.ids) < MAX_IDS:
                    self.ids.append(i)
                else:
                    self.ids[random.randrange(MAX_IDS)] = i

    def in_rebuild(self):
        return time.monotonic() < self.rebuild_until


T0 = time.monotonic()

# Deliberate bad lines and the answers each may get: an error code, or
# "ok" when the server is right to accept it.
BAD_LINES = [
    (b"FETCH quelque chose", {"unknown_verb"}),
    (b"X" * 9000, {"line_too_long"}),
    (b"SEARCH " + b"fichier " * 1200, {"line_too_long"}),
    (b"SEARCH \xff\xfe\xc3 caf\xe9 syst\xe8me", {"ok"}),
    (b"\xc3\x28 PING", {"unknown_verb"}),
    (b"\x00\x01\x02\x7f", {"unknown_verb"}),
    (b"SEARCH limit=500 fichier", {"bad_request"}),
    (b"SEARCH limit=1 limit=2 fichier", {"bad_request"}),
    (b"SEARCH sort=date fichier", {"bad_request"}),
    (b"SUGGEST limit=0 fic", {"bad_request"}),
    (b"DOC", {"bad_request"}),
    (b"DOC pas/de/document/ainsi.txt", {"not_found"}),
]


# ---- one client thread -------------------------------------------------

class Client(threading.Thread):
    def __init__(self, n, port, st, words, phrases, seed):
        super().__init__(daemon=True, name="client-%d" % n)
        self.port, self.st = port, st
        self.words, self.phrases = words, phrases
        self.rnd = random.Random(seed)
        self.conn = None
        self.start()

    # Requests: (line bytes, kind, check(answer) -> None or raise)
    def search(self):
        r, w = self.rnd, self.rnd.choice(self.words)
        form = r.randrange(9)
        q = [w, unaccent(w), "%s %s" % (w, r.choice(self.words)),
             '"%s"' % r.choice(self.phrases), w[:r.randint(3, 5)] + "*",
             "%s -%s" % (w, r.choice(self.words)),
             "%s OR %s" % (w, unaccent(r.choice(self.words))),
             "title:" + w, w.upper()][form]
        limit = r.choice([1, 5, 10, 20, 100])
        offset = r.choice([0, 0, 0, 5, 50])
        snippet = r.choice([0, 80, 200, 1000])
        line = "SEARCH limit=%d offset=%d snippet=%d %s" % (
            limit, offset, snippet, q)

        def check(a):
            assert a["ok"] is True and a["query"] == q, a
            hits = a["hits"]
            assert isinstance(a["total"], int) and len(hits) <= limit, a
            for k, h in enumerate(hits):
                assert h["rank"] == offset + k + 1 and h["id"], h
                assert ("snippet" in h) == (snippet > 0), h
            self.st.add_ids(h["id"] for h in hits[:3])
        return line.encode(), "search", check

    def suggest(self):
        w = self.rnd.choice(self.words)
        p = w[:self.rnd.randint(2, 6)]
        if self.rnd.random() < 0.5:
            p = unaccent(p)

        def check(a):
            assert a["ok"] is True and isinstance(a["suggestions"], list), a
        return ("SUGGEST limit=%d %s" % (self.rnd.randint(1, 50), p)
                ).encode(), "suggest", check

    def doc(self):
        with self.st.lock:
            ident = self.rnd.choice(self.st.ids) if self.st.ids else None
        if ident is None:
            return self.stats()

        def check(a):
            if a["ok"] is False and a["error"] == "not_found" and \
                    self.st.in_rebuild():
                return  # not re-added yet by the rebuild's batches
            assert a["ok"] is True and a["id"] == ident, (ident, a)
            assert isinstance(a["text"], str), a
        return ("DOC " + ident).encode("utf-8", "surrogateescape"), "doc", \
            check

    def stats(self):
        def check(a):
            assert a["ok"] is True and a["documents"] > 0, a
        return b"STATS", "stats", check

    def ping(self):
        def check(a):
            assert a == {"ok": True, "pong": True}, a
        return b"PING", "ping", check

    def bad(self):
        line, want = self.rnd.choice(BAD_LINES)

        def check(a):
            got = "ok" if a["ok"] is True else a["error"]
            assert got in want, (line[:60], a)
            if a["ok"] is False:
                assert isinstance(a["message"], str) and a["message"], a
        return line, "bad", check

    def pick(self):
        x = self.rnd.random()
        if x < 0.50:
            return self.search()
        if x < 0.65:
            return self.suggest()
        if x < 0.78:
            return self.doc()
        if x < 0.83:
            return self.stats()
        if x < 0.88:
            return self.ping()
        return self.bad()

    def reconnect(self, quit_first):
        if self.conn is not None:
            if quit_first:
                self.conn.send(b"QUIT\n")
                a = self.conn.json()
                assert a == {"ok": True, "bye": True}, a
                self.served("quit", a)
            self.conn.close()
        self.conn = Conn(self.port)

    def served(self, kind, a):
        with self.st.lock:
            if kind == "bad":
                self.st.bad[a.get("error", "ok")] += 1
            self.st.served[kind] += 1
            if a.get("ok") is False:
                self.st.failed += 1

    def batch(self, n):
        """n requests sent at once, answers read in order."""
        reqs = [self.pick() for _ in range(n)]
        self.conn.send(b"".join(r[0] + b"\n" for r in reqs))
        for line, kind, check in reqs:
            a = self.conn.json()
            self.served(kind, a)
            try:
                check(a)
            except (AssertionError, KeyError, TypeError) as e:
                self.st.error("%s %r -> %r" % (kind, line[:80], e))

    def run(self):
        while not self.st.stop.is_set():
            try:
                x = self.rnd.random()
                if self.conn is None or x < 0.01:
                    self.reconnect(quit_first=self.rnd.random() < 0.5)
                self.batch(1 if self.rnd.random() < 0.8 else
                           self.rnd.randint(2, 20))
            except (OSError, ValueError, ConnectionError,
                    AssertionError) as e:
                self.st.error("%s: connection: %r" % (self.name, e))
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                time.sleep(0.1)
        if self.conn is not None:
            self.conn.close()


# ---- re-indexing -------------------------------------------------------

def word_for(k):
    """A made-up word, unique per round, letters only."""
    s = ""
    k += 26
    while k:
        s, k = chr(ord("a") + k % 26) + s, k // 26
    return "soakmot" + s


def query_once(port, line):
    c = Conn(port)
    try:
        c.send(line.encode() + b"\n")
        return c.json()
    finally:
        c.close()


def reindex(rnd, k, args, st, daemon, corpus, db, ndocs):
    """Round k: even rounds change one file and run plainly, odd ones
    rebuild. Returns a description; errors go to st."""
    indexer = os.path.join(args.bin, "cglu-index")
    rebuild = k % 2 == 1
    word = word_for(k)
    if not rebuild:
        files = sorted(os.path.join(d, n) for d, _, ns in os.walk(corpus)
                       for n in ns if n.endswith(".txt"))
        path = rnd.choice(files) if files else None
        if path:
            with open(path, "a", encoding="utf-8") as f:
                f.write("\nAjout du soak : %s.\n" % word)
        else:
            word = None
    else:
        st.rebuild_until = float("inf")
    t0 = time.monotonic()
    p = subprocess.run([indexer, "-q", "--db", db] +
                       (["--rebuild"] if rebuild else []) + [corpus],
                       capture_output=True, timeout=1800)
    took = time.monotonic() - t0
    if rebuild:
        st.rebuild_until = time.monotonic() + 2.0  # readers' reopen lag
    if p.returncode not in (0, 1):
        st.error("cglu-index%s exit %d: %s" % (
            " --rebuild" if rebuild else "", p.returncode,
            p.stderr.decode(errors="replace").strip()))
        return "reindex failed"
    # The new revision must be served within 1 s.
    t1 = time.monotonic()
    while True:
        try:
            if rebuild:
                a = query_once(daemon.port, "STATS")
                ok = a["ok"] and a["documents"] == ndocs
            else:
                a = query_once(daemon.port, "SEARCH " + word)
                ok = a["ok"] and a["total"] >= 1
        except (OSError, ValueError, KeyError, AssertionError) as e:
            a, ok = repr(e), False
        lag = time.monotonic() - t1
        if ok or lag > 1.0:
            break
        time.sleep(0.01)
    if not ok:
        st.error("re-index not served 1 s after the indexer: %r" % (a,))
    return "%s %.1f s, served after %.0f ms" % (
        "rebuild" if rebuild else "changed file", took, lag * 1000)


# ---- main --------------------------------------------------------------

def main():
    global T0
    args = parse_args()
    rnd = random.Random(args.seed)
    src = get_corpus(args.corpus)
    work = tempfile.mkdtemp(prefix="cglu-soak-")
    daemon = None
    clients = []
    try:
        corpus = os.path.join(work, "corpus")
        shutil.copytree(src, corpus)  # re-index rounds change a file
        db = os.path.join(work, "db")
        t0 = time.monotonic()
        p = subprocess.run([os.path.join(args.bin, "cglu-index"), "-q",
                            "--db", db, corpus], capture_output=True,
                           timeout=1800)
        if p.returncode not in (0, 1):
            sys.exit("soak: cglu-index exit %d: %s" % (
                p.returncode, p.stderr.decode(errors="replace")))
        words, phrases = vocabulary(corpus, rnd)
        try:
            daemon = Daemon(db, binary=os.path.join(args.bin,
                                                    "cglu-searchd"),
                            env=asan_env(16))
        except AssertionError as e:
            sys.exit("soak: daemon did not start: %s" % e)
        ndocs = query_once(daemon.port, "STATS")["documents"]
        time.sleep(0.2)  # our STATS connection closed
        fd_start, rss_boot = daemon.nfds(), daemon.rss_mb()
        print("soak: %s: %d documents indexed in %.1f s; daemon pid %d on "
              "port %d; %d clients for %g min"
              % (src, ndocs, time.monotonic() - t0, daemon.proc.pid,
                 daemon.port, args.clients, args.minutes), flush=True)

        st = State()
        T0 = time.monotonic()
        duration = args.minutes * 60
        warmup = min(45.0, duration * 0.4)
        clients = [Client(i, daemon.port, st, words, phrases,
                          args.seed * 1000 + i) for i in range(args.clients)]
        rss_max, rss_warm, fd_max = rss_boot, None, fd_start
        next_reindex, next_report, rounds = FIRST_REINDEX, 60.0, 0
        last_served, notes = 0, []
        while True:
            el = time.monotonic() - T0
            if el >= duration:
                break
            if daemon.proc.poll() is not None:
                st.error("daemon died, exit %s" % daemon.proc.returncode)
                break
            rss = daemon.rss_mb()
            rss_max, fd_max = max(rss_max, rss), max(fd_max, daemon.nfds())
            if rss_warm is None and el >= warmup:
                rss_warm = rss
            if el >= next_reindex:
                notes.append(reindex(rnd, rounds, args, st, daemon, corpus,
                                     db, ndocs))
                rounds += 1
                next_reindex += REINDEX_EVERY
            if el >= next_report:
                with st.lock:
                    served = sum(st.served.values())
                    bad = sum(st.bad.values())
                print("[%4.1f min] %d answers (+%d, %.0f/s), %d unexpected "
                      "errors, %d bad lines, RSS %.1f MB (max %.1f), %d fds;"
                      " %s" % (el / 60, served, served - last_served,
                               (served - last_served) / 60.0, st.nerrors,
                               bad, rss, rss_max, daemon.nfds(),
                               "; ".join(notes) or "no re-index"),
                      flush=True)
                last_served, notes = served, []
                next_report += 60
            time.sleep(min(1.0, max(0.05, duration - el)))
        st.stop.set()
        for c in clients:
            c.join(TIMEOUT + 5)
            if c.is_alive():
                st.error("%s does not stop" % c.name)
        # Every client has closed: the daemon's descriptors come back (the
        # slack is judged after 5 s, not as soon as it is reached).
        deadline = time.monotonic() + 5
        while daemon.nfds() > fd_start and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        fd_end, rss_end = daemon.nfds(), daemon.rss_mb()
        stats = query_once(daemon.port, "STATS")
        rc = daemon.stop()
        log = daemon.text()
        daemon.close()
        daemon = None

        served = sum(st.served.values())
        bad = sum(st.bad.values())
        rss_warm = rss_warm if rss_warm is not None else rss_boot
        print("soak: %.1f min: %d answers (%s), %d deliberate bad lines "
              "(%s), %d unexpected errors" % (
                  (time.monotonic() - T0) / 60, served,
                  ", ".join("%s %d" % kv for kv in sorted(st.served.items())),
                  bad, ", ".join("%s %d" % kv
                                 for kv in sorted(st.bad.items())),
                  st.nerrors))
        print("soak: daemon RSS %.1f MB at start, %.1f after warm-up "
              "(%.0f s), %.1f at end, %.1f max; fds %d at start, %d at end "
              "(max %d); daemon counted %d errors, clients saw %d"
              % (rss_boot, rss_warm, warmup, rss_end, rss_max, fd_start,
                 fd_end, fd_max, stats["errors"], st.failed))
        fails = list(st.errors)
        if st.nerrors > len(st.errors):
            fails.append("... %d more" % (st.nerrors - len(st.errors)))
        if rss_end > rss_warm + args.rss_growth:
            fails.append("RSS grew from %.1f to %.1f MB (bound +%g)" % (
                rss_warm, rss_end, args.rss_growth))
        if fd_end > fd_start + FD_SLACK:
            fails.append("descriptors: %d at start, %d at end" % (fd_start,
                                                                 fd_end))
        if stats["errors"] != st.failed:
            fails.append("daemon counted %d errors, clients received %d" % (
                stats["errors"], st.failed))
        if rc != 0:
            fails.append("daemon exit %s on SIGTERM" % rc)
        if "Sanitizer" in log or "runtime error" in log:
            fails.append("sanitizer report in the daemon's log")
        if served == 0:
            fails.append("no request served")
        if notes:
            print("soak: last re-index: " + "; ".join(notes))
        for f in fails:
            print("soak: FAIL " + f)
        if fails:
            print("soak: daemon log tail:\n" + "\n".join(
                log.splitlines()[-10:]))
        print("soak: %s" % ("FAILED" if fails else "passed"))
        return 1 if fails else 0
    finally:
        if daemon is not None:
            daemon.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
