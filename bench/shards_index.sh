#!/usr/bin/env bash
# Parallel writers against one, omindex and Sphinx 2.2's indexer, in one run
# (issue #16): a full build of CORPUS_DIR by
#   w1      cglu-index --rebuild --writers 1  (one writer, then compaction)
#   merged  cglu-index --rebuild --writers 2  (two parts, merged into one)
#   shards  cglu-index --rebuild --shards 2   (two databases and a stub)
#   omindex bench/omindex.sh (Xapian's omindex, its own flags)
#   sphinx  indexer --all of Debian's sphinxsearch (Sphinx 2.2)
# and, when BEFORE_BIN names another build's bin folder, its merged and
# shards runs too (merged0, shards0: a change measured against the tree
# before it, in the same run);
# ROUNDS times each, alternating in that order; prints each run's wall
# time, CPU time (user + system) and peak RSS, then per variant the medians,
# MB/s and the ratio of omindex's median wall time to its own.
#
# With FIRST=1 the cglu-index runs are first builds instead: each index is
# removed (not timed) and built from nothing, as omindex and Sphinx build.
#
# Usage: bench/shards_index.sh BIN_DIR CORPUS_DIR [ROUNDS]   (ROUNDS: 5)
# Output under bench/out/shards-NAME/. MB = 10^6 bytes of the corpus's
# .txt/.html/.htm files. The cglu-index runs rebuild an index of their own
# form made before the first round (not timed). Sphinx reads the corpus as
# one xmlpipe2 stream written before the rounds by bench/sphinx_source.py
# (each file's bytes as a "content" field, HTML stripped by the index's
# html_strip, French stemming by libstemmer, positions kept as by default):
# only `indexer --all` is timed, so Sphinx neither walks the folder nor
# opens a file per document, which the others do inside their time.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

if [ $# -lt 2 ] || [ $# -gt 3 ]; then die "usage: $0 BIN_DIR CORPUS_DIR [ROUNDS]"; fi
bin=$(cd "$1" && pwd)
corpus=$2
rounds=${3:-5}
[ -d "$corpus" ] || die "corpus directory '$corpus' does not exist"
[ -x "$bin/cglu-index" ] || die "no $bin/cglu-index (make first)"
case $rounds in '' | *[!0-9]*) die "ROUNDS must be a number" ;; esac
[ "$rounds" -ge 1 ] || die "ROUNDS must be at least 1"
corpus=$(cd "$corpus" && pwd)
name=$(basename "$corpus")
here=$(cd "$(dirname "$0")" && pwd)
out=$here/out/shards-$name

# Debian's sphinxsearch gives `indexer` (omindex.sh installs its own).
if ! command -v indexer >/dev/null 2>&1; then
    [ "$(id -u)" -eq 0 ] || die "missing package sphinxsearch (run as root or install it)"
    echo "shards_index.sh: installing sphinxsearch" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends sphinxsearch >/dev/null 2>&1 || {
        apt-get update -q >/dev/null 2>&1 || die "apt-get update failed"
        apt-get install -y -q --no-install-recommends sphinxsearch >/dev/null 2>&1 ||
            die "apt-get install sphinxsearch failed"
    }
fi
command -v /usr/bin/time >/dev/null || die "missing /usr/bin/time (package time)"

rm -rf "${out:?}"
mkdir -p "$out"
read -r nfiles bytes < <(input_size "$corpus")
[ "$nfiles" -gt 0 ] || die "no .txt/.html/.htm files under $corpus"

# Sphinx's source and configuration (not timed).
python3 "$here/sphinx_source.py" "$corpus" "$out/sphinx.xml" >/dev/null
mkdir -p "$out/sphinx"
cat >"$out/sphinx.conf" <<EOF
source corpus
{
    type = xmlpipe2
    xmlpipe_command = cat $out/sphinx.xml
    xmlpipe_fixup_utf8 = 1
}
index corpus
{
    source = corpus
    path = $out/sphinx/corpus
    morphology = libstemmer_french
    html_strip = 1
    min_word_len = 1
}
indexer
{
    mem_limit = 128M
}
EOF

# The indexes the cglu-index runs rebuild.
"$bin/cglu-index" -q --writers 1 --db "$out/w1" "$corpus"
"$bin/cglu-index" -q --writers 2 --db "$out/merged" "$corpus"
"$bin/cglu-index" -q --shards 2 --db "$out/shards" "$corpus"
variants="w1 merged shards omindex sphinx"
if [ -n "${BEFORE_BIN:-}" ]; then
    before=$(cd "$BEFORE_BIN" && pwd)
    [ -x "$before/cglu-index" ] || die "no $before/cglu-index"
    "$before/cglu-index" -q --writers 2 --db "$out/merged0" "$corpus"
    "$before/cglu-index" -q --shards 2 --db "$out/shards0" "$corpus"
    variants="$variants merged0 shards0"
fi

timefile=$out/time.txt
results=$out/runs.txt
: >"$results"

# measure VARIANT CMD...: run CMD under /usr/bin/time -v, append "VARIANT
# WALL CPU RSS_KB" to the results and print it.
measure() {
    local variant=$1 t0 t1 cpu rss
    shift
    t0=$(date +%s.%N)
    /usr/bin/time -v -o "$timefile" "$@" >"$out/$variant.log" 2>&1 ||
        { tail -n 5 "$out/$variant.log" >&2; die "$variant failed"; }
    t1=$(date +%s.%N)
    cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$timefile")
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$timefile")
    awk -v v="$variant" -v t0="$t0" -v t1="$t1" -v c="$cpu" -v r="$rss" \
        'BEGIN { printf "%s %.3f %s %s\n", v, t1 - t0, c, r }' | tee -a "$results"
}

echo "== $name ($([ "${FIRST:-0}" = 1 ] && echo "first builds" || echo "rebuilds")): $nfiles files, $(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB; $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "variant wall_s cpu_s peak_rss_kb"
# build VARIANT BIN OPTION...: one timed cglu-index run of VARIANT's index,
# a --rebuild, or with FIRST=1 a first build (the index removed before).
build() {
    local variant=$1 b=$2
    shift 2
    if [ "${FIRST:-0}" = 1 ]; then
        rm -rf "${out:?}/$variant"
        measure "$variant" "$b/cglu-index" -q "$@" --db "$out/$variant" "$corpus"
    else
        measure "$variant" "$b/cglu-index" -q --rebuild "$@" --db "$out/$variant" "$corpus"
    fi
}
for _ in $(seq "$rounds"); do
    build w1 "$bin" --writers 1
    build merged "$bin" --writers 2
    build shards "$bin" --shards 2
    # omindex.sh times omindex alone and prints its own line: its wall time,
    # CPU and RSS are read from that line
    line=$(bash "$here/omindex.sh" "$corpus" "$out/omindex")
    echo "$line" | awk '{
        for (i = 1; i <= NF; i++) {
            if ($i == "in") wall = $(i + 1)
            if ($i == "RSS") rss = $(i + 1) * 1e6 / 1024
            if ($i == "cpu") cpu = $(i + 1)
        }
        printf "omindex %s %s %.0f\n", wall, cpu, rss }' | tee -a "$results"
    rm -rf "${out:?}/sphinx"
    mkdir -p "$out/sphinx"
    measure sphinx indexer --config "$out/sphinx.conf" --all
    if [ -n "${before:-}" ]; then
        build merged0 "$before" --writers 2
        build shards0 "$before" --shards 2
    fi
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Medians, MB/s, and the ratio to omindex.
awk -v bytes="$bytes" -v rounds="$rounds" -v variants="$variants" '
function median(a, n,    i, j, t) {
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ n[$1]++; w[$1, n[$1]] = $2; c[$1, n[$1]] = $3; r[$1, n[$1]] = $4 }
# the ratios within each round (its runs a second apart): steadier than a ratio
# of medians on a machine whose speed moves between rounds
$1 == "w1" { w1 = $2 }
$1 == "merged" && w1 { nm++; rm[nm] = w1 / $2 }
$1 == "shards" && w1 { ns++; rs[ns] = w1 / $2 }
END {
    nv = split(variants, order, " ")
    for (k = 1; k <= nv; k++) {
        v = order[k]
        for (i = 1; i <= n[v]; i++) { ww[i] = w[v, i]; cc[i] = c[v, i]; rr[i] = r[v, i] }
        mw[v] = median(ww, n[v]); mc[v] = median(cc, n[v]); mr[v] = median(rr, n[v])
    }
    printf "== medians of %d rounds\n", rounds
    printf "%-8s %8s %8s %8s %12s %10s\n", "variant", "wall_s", "MB/s", "cpu_s", "peak_RSS_MB", "x_omindex"
    for (k = 1; k <= nv; k++) {
        v = order[k]
        printf "%-8s %8.2f %8.1f %8.2f %12.1f %10.2f\n", v, mw[v], bytes / 1e6 / mw[v],
            mc[v], mr[v] / 1024, mw["omindex"] / mw[v]
    }
    printf "merged / w1: %.2fx, shards / w1: %.2fx (wall, higher is faster)\n",
        mw["w1"] / mw["merged"], mw["w1"] / mw["shards"]
    printf "median of the ratios within rounds: merged / w1 %.2fx, shards / w1 %.2fx\n",
        median(rm, nm), median(rs, ns)
    if ("shards0" in mw)
        printf "against BEFORE_BIN: merged %.2fx, shards %.2fx\n",
            mw["merged0"] / mw["merged"], mw["shards0"] / mw["shards"]
}' "$results"
