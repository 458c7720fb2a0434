#!/usr/bin/env python3
"""Fan-out to N shards: does the slowest shard decide? (issue #16,
docs/SCALING.md, "Sizing").

Usage: bench/fanout.py BIN_DIR SHARDED_DB [QUERIES] [ROUNDS]

SHARDED_DB is an index of N shards (cglu-index --shards N: its shard-KK
folders). One cglu-searchd per shard (answer cache off, one worker
thread) and one over the whole stub answer every query of QUERIES
(default bench/queries.txt) with SEARCH limit=10 snippet=0, one shard
after the other, ROUNDS times (default 3; each query's best time is
kept, to leave the machine's noise out). Each answer's took_ms is the
engine's time for that query on that shard. Printed: the shards' own
p50/p95/p99; for each query the slowest shard's time, and its median over
the queries, which is what a fan-out to these N shards in parallel would
wait for; what independent shards would give (a shard's quantile
0.5^(1/N)); the correlation of the shards' times across queries; and the
whole stub's p50 (the N shards searched one after the other)."""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time


def quantile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


class Daemon:
    """cglu-searchd --db db on 127.0.0.1:0, its port read from its log."""

    def __init__(self, binary, db):
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [binary, "--db", db, "--listen", "127.0.0.1:0",
             "--cache-size", "0", "--threads", "1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=self.log)
        deadline = time.monotonic() + 30
        while True:
            self.log.seek(0)
            m = re.match(rb"listening on 127\.0\.0\.1:(\d+)\n",
                         self.log.read())
            if m:
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                sys.exit("fanout.py: cglu-searchd did not start on " + db)
            time.sleep(0.05)
        self.sock = socket.create_connection(("127.0.0.1", int(m.group(1))),
                                             timeout=30)
        self.f = self.sock.makefile("rwb")

    def took(self, query):
        self.f.write(("SEARCH limit=10 snippet=0 -- %s\n" % query).encode())
        self.f.flush()
        a = json.loads(self.f.readline())
        if not a.get("ok"):
            sys.exit("fanout.py: %r: %r" % (query, a))
        return a["took_ms"]

    def close(self):
        if getattr(self, "sock", None):
            self.sock.close()
        self.proc.terminate()
        self.proc.wait(30)


def main():
    if not 3 <= len(sys.argv) <= 5:
        sys.exit(__doc__.split("\n\n")[1])
    binary = os.path.join(sys.argv[1], "cglu-searchd")
    db = sys.argv[2]
    qfile = sys.argv[3] if len(sys.argv) > 3 else "bench/queries.txt"
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    shards = sorted(os.path.join(db, x) for x in os.listdir(db)
                    if x.startswith("shard-"))
    if len(shards) < 2:
        sys.exit("fanout.py: %s has fewer than 2 shards" % db)
    with open(qfile, encoding="utf-8") as f:
        queries = [q.strip() for q in f if q.strip()]
    daemons = [Daemon(binary, s) for s in shards] + [Daemon(binary, db)]
    try:
        best = [[float("inf")] * len(queries) for _ in daemons]
        for _ in range(rounds):
            for i, q in enumerate(queries):
                for k, d in enumerate(daemons):
                    best[k][i] = min(best[k][i], d.took(q))
    finally:
        for d in daemons:
            d.close()
    n = len(shards)
    per = best[:n]
    each = [t for times in per for t in times]
    slowest = [max(times[i] for times in per) for i in range(len(queries))]
    q = 0.5 ** (1 / n)
    print("%d shards of %s, %d queries, best of %d rounds (took_ms)"
          % (n, db, len(queries), rounds))
    print("a shard's search: p50 %.3f, p95 %.3f, p99 %.3f ms"
          % (quantile(each, 0.5), quantile(each, 0.95),
             quantile(each, 0.99)))
    print("the slowest of the %d shards, median over the queries: %.3f ms"
          % (n, statistics.median(slowest)))
    print("independent shards would give a shard's p%.1f: %.3f ms"
          % (100 * q, quantile(each, q)))
    cors = [statistics.correlation(per[a], per[b])
            for a in range(n) for b in range(a + 1, n)]
    print("correlation of two shards' times across the queries: %.2f "
          "(from %.2f to %.2f over the pairs)"
          % (statistics.mean(cors), min(cors), max(cors)))
    print("the whole stub (the shards one after the other): p50 %.3f ms"
          % statistics.median(best[n]))


if __name__ == "__main__":
    main()
