#!/usr/bin/env python3
"""Compare the snippets two daemons give (issue #15): every query of
bench/queries.txt, limit 10, answer cache off, on two indexes of the same
corpus. Prints how many hits have the same snippet and a few that differ.
Usage: bench/snipdiff.py OLD_SEARCHD OLD_DB NEW_SEARCHD NEW_DB"""
import json
import os
import socket
import subprocess
import sys

QUERIES = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "queries.txt")


def start(binary, db):
    p = subprocess.Popen([binary, "--db", db, "--listen", "127.0.0.1:0",
                          "--cache-size", "0"], stderr=subprocess.PIPE,
                         text=True)
    port = int(p.stderr.readline().strip().rsplit(":", 1)[1])
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    return p, s.makefile("rw", encoding="utf-8")


def search(f, text):
    f.write("SEARCH limit=10 " + text + "\n")
    f.flush()
    return json.loads(f.readline())


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    pa, fa = start(sys.argv[1], sys.argv[2])
    pb, fb = start(sys.argv[3], sys.argv[4])
    same = diff = order = 0
    shown = []
    try:
        for line in open(QUERIES, encoding="utf-8"):
            q = line.strip()
            if not q:
                continue
            a, b = search(fa, q), search(fb, q)
            ia = [h["id"] for h in a.get("hits", [])]
            ib = [h["id"] for h in b.get("hits", [])]
            order += ia != ib
            sb = {h["id"]: h.get("snippet") for h in b.get("hits", [])}
            for h in a.get("hits", []):
                if h["id"] not in sb:
                    continue
                if h.get("snippet") == sb[h["id"]]:
                    same += 1
                else:
                    diff += 1
                    if len(shown) < 5:
                        shown.append((q, h["id"], h.get("snippet"),
                                      sb[h["id"]]))
    finally:
        pa.terminate()
        pb.terminate()
    print("snippets: %d the same, %d differ; %d queries with other hits"
          % (same, diff, order))
    for q, ident, old, new in shown:
        print("%r %s\n  old: %s\n  new: %s" % (q, ident, old, new))


main()
