#!/usr/bin/env bash
# The daemon's latency under abuse: PING on fresh connections while slowloris
# clients, thousands of connections, a 100,000-deep pipeline and clients
# leaving mid-answer hit it, and the time of each query of death. The fault
# tests (tests/integration/test_faults.py) check that every probe is
# answered and every query handled; here the same scenarios run again with
# their times recorded (CGLU_FIGURES), never asserted: a test must not fail
# because the machine is busy. docs/RELIABILITY.md records the figures.
# Usage: bench/abuse.sh BIN_DIR [RUNS]   (RUNS of each scenario; median kept)
set -euo pipefail
bin=${1:-bin}
runs=${2:-3}
cd "$(dirname "$0")/.."
figures=$(mktemp)
trap 'rm -f "$figures"' EXIT
for i in $(seq 1 "$runs"); do
    for t in test_abusive_clients test_queries_of_death; do
        echo "== run $i: $t"
        CGLU_BIN=$(cd "$bin" && pwd) CGLU_FIGURES=$figures ONLY=$t \
            timeout 900 python3 tests/integration/test_faults.py |
            grep -E '^(ok|FAIL) |passed, [0-9]+ failed$'
    done
done
python3 - "$figures" "$runs" <<'PY'
import json, statistics, sys
from collections import defaultdict
rows = [json.loads(l) for l in open(sys.argv[1])]
ping = defaultdict(list)
query = defaultdict(list)
for r in rows:
    if r["kind"] == "ping":
        ping[r["what"]].append(r)
    elif r["kind"] == "query":
        query[r["what"]].append(r["worst_ms"])
med = lambda xs: statistics.median(xs)
print("== PING on a fresh connection during each abuse "
      "(median over %s runs of each run's figure, ms)" % sys.argv[2])
print("| abuse | p50 | p95 | max |")
print("|---|---|---|---|")
for what, rs in ping.items():
    print("| %s | %.2f | %.2f | %.2f |" % (what, med([r["p50"] for r in rs]),
          med([r["p95"] for r in rs]), med([r["max"] for r in rs])))
print("== queries of death: slowest answer of each run (median over runs, ms)")
print("| query | worst |")
print("|---|---|")
for what, xs in query.items():
    print("| %s | %.1f |" % (what, med(xs)))
PY
