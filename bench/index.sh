#!/usr/bin/env bash
# Index a corpus with cglu-index and report speed, memory and index size in
# the same form as bench/omindex.sh, then time a no-change rerun.
# Usage: bench/index.sh BIN_DIR CORPUS_DIR OUT_DB
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -eq 3 ] || die "usage: $0 BIN_DIR CORPUS_DIR OUT_DB"
bin=$1
corpus=$2
db=$3
[ -d "$corpus" ] || die "corpus directory '$corpus' does not exist"
name=$(basename "$corpus")
rm -rf "${db:?}"
mkdir -p "$(dirname "$db")"
read -r nfiles bytes < <(input_size "$corpus")
timefile=$(mktemp)
trap 'rm -f "$timefile"' EXIT
t0=$(date +%s.%N)
/usr/bin/time -v -o "$timefile" "$bin/cglu-index" -q --db "$db" "$corpus" ||
    die "cglu-index failed on $corpus"
t1=$(date +%s.%N)
"$bin/cglu-index" -q --db "$db" "$corpus" || die "rerun failed"
t2=$(date +%s.%N)
index_figures "$db" "$timefile"
awk -v n="$name" -v d="$docs" -v b="$bytes" -v t0="$t0" -v t1="$t1" -v t2="$t2" \
    -v r="$rss_kb" -v i="$index_bytes" 'BEGIN {
    s = t1 - t0; rr = t2 - t1
    printf "cglu-index %s: %d docs, %.1f MB in %.2f s = %.1f MB/s, %.0f docs/s, peak RSS %.1f MB, index %.1f MB, no-change rerun %.3f s (%.1f%%)\n",
        n, d, b / 1e6, s, b / 1e6 / s, d / s, r / 1024, i / 1e6, rr, 100 * rr / s }'
