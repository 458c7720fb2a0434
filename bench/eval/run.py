#!/usr/bin/env python3
"""Relevance of cglu-search against Xapian's QueryParser (docs/RELEVANCE.md).

Usage: bench/eval/run.py [--bin DIR] [--data DIR] [--out DIR]
                         [--before SUMMARY.tsv] [--examples N] [--jobs N]

For each corpus (bench/data/man-fr, bench/data/gimp-fr, and the shipped
corpus/), in one run:
  1. cglu-index OUT/cglu-NAME (incremental: an existing index is reused;
     one the indexer refuses, say of an older analyzer version, is rebuilt)
     and omindex OUT/omindex-NAME (bench/omindex.sh, only when missing or
     older than the corpus);
  2. every query of bench/eval/queries/NAME.tsv through cglu-searchd
     (127.0.0.1, port 0, --cache-size 0; SEARCH limit=10 snippet=0 over the
     line protocol) and through `quest -s french -m 10` (Xapian's
     QueryParser with its default flags and operator, BM25) over omindex's
     index, whose document data holds url=/ID;
  3. MRR@10 and success@10 per corpus x kind for both, a table on stdout
     with the goals of issue #13, the partial queries' MRR by the change
     made to them, the first few misses of cglu per cell;
     OUT/eval/results.tsv (every query, both ranks and first hits) and
     OUT/eval/summary.tsv (the table; give it to --before on a later run
     to see the change of every cell).
No network; every step has a timeout. Exits 0 when the run completed,
1 on a missing tool, a failed index or a daemon that does not answer.
Python 3 standard library only.
"""

import argparse
import collections
import concurrent.futures
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
KINDS_ORDER = ["typed", "unaccented", "partial", "title", "topic", "question", "mistake"]
K = 10  # the cut-off of MRR@K and success@K

# issue #13's goals: (corpus, kind) -> least cglu MRR@10; every cell of
# the bench corpora must also be ahead of Xapian by AHEAD.
AHEAD = 0.05
FLOORS = {("man-fr", "partial"): 0.62, ("gimp-fr", "partial"): 0.80}
GOAL_CORPORA = ("man-fr", "gimp-fr")


def die(msg):
    print(f"run.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def read_queries(path):
    """(kind, query, expected, note) rows of a query file."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) < 3 or not all(parts[:3]):
                die(f"{path}:{n}: want kind, query, expected id (tab-separated)")
            rows.append((parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else ""))
    return rows


def corpus_files(folder):
    out = []
    for dirpath, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        out += [os.path.join(dirpath, f) for f in files
                if not f.startswith(".") and f.endswith((".txt", ".html", ".htm", ".md"))]
    return out


# ---- indexes ----

def cglu_index(bindir, folder, db):
    """Brings OUT/cglu-NAME up to date; rebuilds it when refused."""
    cmd = [os.path.join(bindir, "cglu-index"), "-q", "--db", db, folder]
    t0 = time.monotonic()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if r.returncode == 2:  # fatal: e.g. an index of another analyzer version
        log(f"  cglu-index said: {r.stderr.strip()[:300]}; rebuilding {db}")
        r = subprocess.run(cmd[:1] + ["--rebuild"] + cmd[1:], capture_output=True,
                           text=True, timeout=600)
    if r.returncode == 1:  # some files failed, the rest is committed
        log(f"  warning: cglu-index: {r.stderr.strip()[:300]}")
    elif r.returncode != 0:
        die(f"cglu-index failed on {folder}: {r.stderr.strip()[:500]}")
    return time.monotonic() - t0


def omindex_index(folder, db):
    """Builds OUT/omindex-NAME with bench/omindex.sh unless it is there and
    newer than every file of the corpus."""
    stamp = os.path.join(db, "iamglass")
    if os.path.exists(stamp):
        newest = max((os.path.getmtime(f) for f in corpus_files(folder)), default=0)
        if os.path.getmtime(stamp) >= newest:
            return None
    t0 = time.monotonic()
    r = subprocess.run(["bash", os.path.join(ROOT, "bench", "omindex.sh"), folder, db],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        die(f"bench/omindex.sh failed on {folder}: {(r.stderr or r.stdout).strip()[:500]}")
    return time.monotonic() - t0


# ---- cglu-searchd ----

class Daemon:
    """cglu-searchd on 127.0.0.1:0 with the answer cache off."""

    def __init__(self, bindir, db):
        self.err = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(
            [os.path.join(bindir, "cglu-searchd"), "--db", db, "--listen", "127.0.0.1:0",
             "--cache-size", "0", "--idle-timeout", "0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.err)
        port = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.proc.poll() is None:
            self.err.seek(0)
            m = re.match(r"listening on 127\.0\.0\.1:(\d+)\n", self.err.readline())
            if m:
                port = int(m.group(1))
                break
            time.sleep(0.05)
        if port is None:
            self.err.seek(0)
            first = self.err.read()[:300]
            self.stop()
            die(f"cglu-searchd did not start on {db}: {first.strip()}")
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.rfile = self.sock.makefile("rb")

    def request(self, line):
        self.sock.sendall(line.encode("utf-8") + b"\n")
        answer = self.rfile.readline()
        if not answer:
            die("cglu-searchd closed the connection")
        return json.loads(answer)

    def search(self, query):
        """(ids of the top K, flags) for one query."""
        a = self.request(f"SEARCH limit={K} snippet=0 -- {query}")
        if not a.get("ok"):
            return [], "error:" + a.get("error", "?")
        flags = [f for f in ("relaxed", "suggestion") if f in a]
        return [h["id"] for h in a.get("hits", [])], ",".join(flags)

    def stop(self):
        try:
            self.sock.close()
        except Exception:  # noqa: BLE001 - closing on the way out
            pass
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


# ---- Xapian's QueryParser through quest ----

HIT = re.compile(r"^\d+: \[[-+0-9.eE]+\]$")


def quest(db, query):
    """(ids of the top K, flags) from quest over omindex's index."""
    try:
        r = subprocess.run(["quest", "-d", db, "-s", "french", "-m", str(K), "--", query],
                           capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return [], "error:timeout"
    out = r.stdout.decode("utf-8", "replace").split("\n")
    if r.returncode != 0:
        return [], "error:" + r.stderr.decode("utf-8", "replace").strip()[:60]
    ids, want_url = [], False
    for line in out:
        if HIT.match(line):
            want_url = True
        elif want_url and line.startswith("url="):
            ids.append(urllib.parse.unquote(line[4:]).lstrip("/"))
            want_url = False
    return ids[:K], ""


# ---- scores ----

def rank_of(expected, ids):
    """Rank of the expected page; "a|b": either is right, the better one
    counts (a page and its translation)."""
    ranks = [ids.index(e) + 1 for e in expected.split("|") if e in ids]
    return min(ranks) if ranks else 0


def cell(ranks):
    n = len(ranks)
    if n == 0:
        return 0.0, 0.0
    return (sum(1.0 / r for r in ranks if r) / n, sum(1 for r in ranks if r) / n)


def read_before(path):
    """{(corpus, kind): cglu MRR} of an earlier summary.tsv."""
    before = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) >= 5 and not line.startswith("#"):
                try:
                    before[(p[0], p[1])] = float(p[3])
                except ValueError:
                    pass
    return before


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "bin"),
                    help="folder of cglu-index and cglu-searchd (default bin/)")
    ap.add_argument("--data", default=os.environ.get(
        "CGLU_BENCH_DATA", os.path.join(ROOT, "bench", "data")))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "out"),
                    help="indexes and results (default bench/out/)")
    ap.add_argument("--queries", default=os.path.join(HERE, "queries"))
    ap.add_argument("--before", help="summary.tsv of an earlier run: show each cell's change")
    ap.add_argument("--examples", type=int, default=3,
                    help="misses of cglu to print per cell (default 3)")
    ap.add_argument("--jobs", type=int, default=max(2, os.cpu_count() or 2),
                    help="quest processes at once")
    a = ap.parse_args()
    t_start = time.monotonic()

    bindir = os.path.abspath(a.bin)
    for prog in ("cglu-index", "cglu-searchd"):
        if not os.access(os.path.join(bindir, prog), os.X_OK):
            die(f"{bindir}/{prog} is missing: build it (make, or make eval BIN=...)")
    if not shutil.which("quest"):
        die("quest is missing: apt-get install xapian-tools")
    corpora = [("man-fr", os.path.join(a.data, "man-fr")),
               ("gimp-fr", os.path.join(a.data, "gimp-fr")),
               ("cglu", os.path.join(ROOT, "corpus"))]
    for name, folder in corpora[:2]:
        if not os.path.isdir(folder):
            die(f"{folder} is missing: run bash bench/corpus.sh --small")
    os.makedirs(os.path.join(a.out, "eval"), exist_ok=True)

    results = []  # (corpus, kind, query, expected, cglu rank, xapian rank, cglu top, xapian top, flags, note)
    for name, folder in corpora:
        qfile = os.path.join(a.queries, name + ".tsv")
        queries = read_queries(qfile)
        folder = os.path.realpath(folder)
        db_c = os.path.join(a.out, "cglu-" + ("corpus" if name == "cglu" else name))
        db_x = os.path.join(a.out, "omindex-" + ("corpus" if name == "cglu" else name))
        t = cglu_index(bindir, folder, db_c)
        tx = omindex_index(folder, db_x)
        log(f"{name}: {len(queries)} queries; cglu-index {t:.2f} s"
            + (f", omindex {tx:.2f} s" if tx is not None else ", omindex index reused"))
        ids_on_disk = {os.path.relpath(f, folder) for f in corpus_files(folder)}
        missing = sorted({e for q in queries for e in q[2].split("|")}
                         - ids_on_disk)
        if missing:
            log(f"  warning: {len(missing)} expected ids are not in {folder} "
                f"(e.g. {missing[0]}): regenerate with bench/eval/gen_queries.py")

        t0 = time.monotonic()
        d = Daemon(bindir, db_c)
        try:
            cglu_ans = [d.search(q[1]) for q in queries]
        finally:
            d.stop()
        t1 = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
            xap_ans = list(ex.map(lambda q: quest(db_x, q[1]), queries))
        t2 = time.monotonic()
        errs = sum(1 for _, f in xap_ans if f.startswith("error"))
        log(f"  searched: cglu {t1 - t0:.1f} s, quest {t2 - t1:.1f} s"
            + (f" ({errs} quest errors)" if errs else ""))
        for q, (cids, cflags), (xids, xflags) in zip(queries, cglu_ans, xap_ans):
            kind, text, expected, note = q
            results.append((name, kind, text, expected, rank_of(expected, cids),
                            rank_of(expected, xids), cids[0] if cids else "",
                            xids[0] if xids else "", ";".join(x for x in (cflags, xflags) if x),
                            note))

    # ---- table ----
    cells = collections.OrderedDict()
    for r in results:
        cells.setdefault((r[0], r[1]), []).append(r)
    before = read_before(a.before) if a.before else {}

    def order(key):
        c, k = key
        ci = [n for n, _ in corpora].index(c)
        return (ci, KINDS_ORDER.index(k) if k in KINDS_ORDER else 9, k)

    head = (f"{'corpus':8} {'kind':11} {'n':>4}  {'MRR@10 cglu':>11} {'xapian':>7} {'Δ':>6}  "
            f"{'S@10 cglu':>9} {'xapian':>7}  goal")
    if before:
        head += "  (cglu MRR before → change)"
    lines = [head, "-" * len(head)]
    summary = ["# corpus\tkind\tn\tcglu_mrr10\txapian_mrr10\tcglu_s10\txapian_s10\tgoal\tmet"]
    all_by_corpus = collections.defaultdict(list)
    for key in sorted(cells, key=order):
        rows = cells[key]
        corpus, kind = key
        all_by_corpus[corpus] += rows
        cm, cs = cell([r[4] for r in rows])
        xm, xs = cell([r[5] for r in rows])
        if corpus in GOAL_CORPORA:
            goal = f"Δ≥{AHEAD:.2f}"
            ok = cm - xm >= AHEAD - 1e-9
            if key in FLOORS:
                goal += f", ≥{FLOORS[key]:.2f}"
                ok = ok and cm >= FLOORS[key] - 1e-9
            met = "met" if ok else "NOT met"
        else:
            goal, met = "(no goal)", ""
        line = (f"{corpus:8} {kind:11} {len(rows):4}  {cm:11.3f} {xm:7.3f} {cm - xm:+6.3f}  "
                f"{cs:9.3f} {xs:7.3f}  {goal} {met}".rstrip())
        if key in before:
            ch = round(cm, 4) - before[key]  # summary.tsv keeps 4 decimals
            if abs(ch) < 0.0005:
                ch = 0.0
            line += f"  ({before[key]:.3f} → {ch:+.3f}{' REGRESSED' if ch < 0 else ''})"
        lines.append(line)
        summary.append(f"{corpus}\t{kind}\t{len(rows)}\t{cm:.4f}\t{xm:.4f}\t{cs:.4f}\t{xs:.4f}"
                       f"\t{goal}\t{met}")
    for corpus in [n for n, _ in corpora]:
        rows = all_by_corpus.get(corpus, [])
        if rows:
            cm, cs = cell([r[4] for r in rows])
            xm, xs = cell([r[5] for r in rows])
            lines.append(f"{corpus:8} {'(all)':11} {len(rows):4}  {cm:11.3f} {xm:7.3f} "
                         f"{cm - xm:+6.3f}  {cs:9.3f} {xs:7.3f}")
    # partial queries by the change made to them (gen_queries.py's note)
    by_change = collections.OrderedDict()
    for r in sorted(results, key=lambda r: (r[0] != "man-fr", r[9])):
        if r[1] == "partial":
            by_change.setdefault((r[0], r[9].split(" (")[0]), []).append(r)
    if by_change:
        lines += ["", "partial queries by change: corpus, change, n, MRR@10 cglu / xapian"]
        for (corpus, change), rows in by_change.items():
            cm, _ = cell([r[4] for r in rows])
            xm, _ = cell([r[5] for r in rows])
            lines.append(f"  {corpus:8} {change:24} {len(rows):4}  {cm:.3f} / {xm:.3f}")
    print("\n".join(lines))

    # ---- a few misses of cglu per cell ----
    if a.examples > 0:
        print(f"\ncglu misses (expected page not first), {a.examples} per cell, "
              "fixed order (the first in the query file):")
        for key in sorted(cells, key=order):
            miss = [r for r in cells[key] if r[4] != 1][:a.examples]
            for r in miss:
                where = f"rank {r[4]}" if r[4] else "not in top 10"
                print(f"  {key[0]}/{key[1]}: {r[2]!r} → {r[3]} {where}; cglu 1st {r[6] or '-'}, "
                      f"xapian rank {r[5] or '-'}")

    res_path = os.path.join(a.out, "eval", "results.tsv")
    with open(res_path, "w", encoding="utf-8") as f:
        f.write("# corpus\tkind\tquery\texpected\tcglu_rank\txapian_rank\tcglu_first"
                "\txapian_first\tflags\tnote\n")
        for r in results:
            f.write("\t".join(str(x) for x in r) + "\n")
    sum_path = os.path.join(a.out, "eval", "summary.tsv")
    with open(sum_path, "w", encoding="utf-8") as f:
        f.write("\n".join(summary) + "\n")
    print(f"\n{len(results)} queries in {time.monotonic() - t_start:.1f} s; "
          f"every query: {res_path}; table: {sum_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
