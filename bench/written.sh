#!/usr/bin/env bash
# Bytes a cglu-index build writes (issue #15): build a corpus into a fresh
# index, then rerun it with nothing changed, and report for each the bytes
# written (the kernel's count of the process's file system output, GNU
# time's %O in 512-byte blocks: pages dirtied, each counted once between
# two of Xapian's fsyncs), the index's size, their ratio, peak RSS and time.
# Usage: bench/written.sh BIN_DIR CORPUS_DIR OUT_DB [cglu-index options...]
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -ge 3 ] || die "usage: $0 BIN_DIR CORPUS_DIR OUT_DB [cglu-index options...]"
bin=$1
corpus=$2
db=$3
shift 3
[ -d "$corpus" ] || die "corpus directory '$corpus' does not exist"
[ -x "$bin/cglu-index" ] || die "no $bin/cglu-index"
name=$(basename "$corpus")
rm -rf "${db:?}"
mkdir -p "$(dirname "$db")"
read -r _ bytes < <(input_size "$corpus")
timefile=$(mktemp)
trap 'rm -f "$timefile"' EXIT

# run ARGS...: cglu-index under GNU time; sets out_bytes, rss_kb, secs.
run() {
    sync # earlier dirty pages are not this run's to wait for
    /usr/bin/time -o "$timefile" -f '%O %M %e' "$bin/cglu-index" -q \
        --db "$db" "$@" "$corpus" || die "cglu-index failed on $corpus"
    read -r blocks rss_kb secs <"$timefile"
    out_bytes=$((blocks * 512))
}

run "$@"
w1=$out_bytes r1=$rss_kb s1=$secs
index_bytes=$(du -sb "$db" | cut -f1)
run "$@"
awk -v n="$name" -v b="$bytes" -v w1="$w1" -v r1="$r1" -v s1="$s1" \
    -v i="$index_bytes" -v w2="$out_bytes" -v r2="$rss_kb" -v s2="$secs" \
    -v opts="$*" 'BEGIN {
    printf "written %s%s: build %.1f MB written, index %.1f MB (%.2fx), peak RSS %.1f MB, %.2f s = %.1f MB/s; no-change rerun %.0f KB written, peak RSS %.1f MB, %.2f s\n",
        n, opts == "" ? "" : " (" opts ")", w1 / 1e6, i / 1e6, w1 / i,
        r1 / 1024, s1, b / 1e6 / s1, w2 / 1024, r2 / 1024, s2 }'
