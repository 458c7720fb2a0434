#!/usr/bin/env bash
# make bench: build the corpora (Debian packages), then measure the analyzer,
# the indexer against Xapian's omindex in the same run, parallel writers
# against one, omindex and Sphinx's indexer, the bytes a build
# writes, Xapian's own write cost, one search's CPU, and the daemon under
# load (cache off and on).
# Figures go to stdout; docs/BENCHMARKS.md records them with this command.
# Usage: bench/run.sh BUILD_DIR [--large]
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
if [ "${2:-}" = "--large" ]; then bash bench/corpus.sh; else bash bench/corpus.sh --small; fi
echo "== analyzer (one core)"
"$build/bench/analyze_bench" bench/data/man-fr/*.txt
corpora="man-fr gimp-fr"
[ "${2:-}" = "--large" ] && corpora="$corpora large-fr"
for c in $corpora; do
    echo "== indexer vs omindex on $c (3 runs each, alternating)"
    for i in 1 2 3; do
        bash bench/index.sh bin "bench/data/$c" "bench/out/cglu-$c"
        bash bench/omindex.sh "bench/data/$c" "bench/out/omindex-$c"
    done
done
echo "== parallel writers: --writers 1, merged --writers 2, --shards 2, omindex and Sphinx on man-fr (bench/shards_index.sh, 5 rounds)"
bash bench/shards_index.sh bin bench/data/man-fr 5
for c in $corpora; do
    echo "== bytes written by a build of $c and a no-change rerun (bench/written.sh, 3 runs)"
    for i in 1 2 3; do
        bash bench/written.sh bin "bench/data/$c" "bench/out/written-$c"
    done
done
echo "== Xapian's own write cost (bench/floor.sh, one repetition)"
bash bench/floor.sh bin "$build/bench/xapian_floor" 1
echo "== one search without the daemon (match_bench, one core)"
"$build/bench/match_bench" bench/out/cglu-man-fr bench/queries.txt 5
echo "== daemon under load (bench/search.sh)"
bash bench/search.sh bin "$build/bench/load_bench"
echo "== search cost against page size (bench/pages.sh: man-fr and large-fr)"
if [ -d "${CGLU_BENCH_DATA:-bench/data}/large-fr" ]; then
    bash bench/pages.sh bin
else
    CORPORA=man-fr bash bench/pages.sh bin
fi
echo "== HTTP against the line protocol (bench/http.sh, wrk and load_bench)"
bash bench/http.sh bin "$build/bench/load_bench"
echo "== daemon under abuse (bench/abuse.sh: latency recorded, not asserted)"
bash bench/abuse.sh bin 3
