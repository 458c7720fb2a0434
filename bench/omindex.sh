#!/usr/bin/env bash
# Baseline for cglu-search's indexer: index a corpus with Xapian's omindex and report speed, memory and index size.
#
# Usage: bench/omindex.sh CORPUS_DIR OUT_DB
# Prints one summary line, e.g.
#   omindex man-fr: 435 docs, 5.0 MB in 1.58 s = 3.2 MB/s, 275 docs/s, peak RSS 21.3 MB, index 12.3 MB, cpu 1.50 s
# (cpu = user + system time of omindex).
# MB = 10^6 bytes; input is the size of the corpus's .txt/.html/.htm files.
# OUT_DB is created anew (an existing Xapian database there is replaced);
# omindex's own output goes to OUT_DB.log. The corpus is read from a warm
# page cache when it was just built or indexed: compare runs made alike.
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || die "usage: $0 CORPUS_DIR OUT_DB"
corpus=$1
db=$2
[ -d "$corpus" ] || die "corpus directory '$corpus' does not exist"
corpus=$(cd "$corpus" && pwd)
name=$(basename "$corpus")

# Installs the Debian packages providing the given commands when one is missing.
need_tools() {
    local missing="" cmd pkg pair
    for pair in "$@"; do
        cmd=${pair%%:*}
        pkg=${pair#*:}
        [ -x "$cmd" ] || command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
    done
    [ -z "$missing" ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing packages:$missing (run as root or install them)"
    echo "omindex.sh: installing$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    if ! apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1; then
        apt-get update -q >/dev/null 2>&1 || die "apt-get update failed"
        # shellcheck disable=SC2086
        apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 ||
            die "apt-get install$missing failed"
    fi
}
need_tools omindex:xapian-omega /usr/bin/time:time xapian-delve:xapian-tools

# Refuse to delete anything that is not a Xapian database.
if [ -e "$db" ]; then
    if [ -d "$db" ] && { [ -z "$(ls -A "$db")" ] || ls "$db"/iam* >/dev/null 2>&1; }; then
        rm -rf "${db:?}"
    else
        die "'$db' exists and is not a Xapian database; not replacing it"
    fi
fi
mkdir -p "$(dirname "$db")" || die "cannot create the parent of '$db'"

read -r nfiles bytes < <(input_size "$corpus")
[ "$nfiles" -gt 0 ] || die "no .txt/.html/.htm files under $corpus"

timefile=$(mktemp)
trap 'rm -f "$timefile"' EXIT
log=$db.log
# -M: decide types by extension, not libmagic; -e index: keep empty pages
# so the document count matches the file count; --url /: omindex needs a
# base URL, documents are then named /RELATIVE/PATH.
t0=$(date +%s.%N)
if ! /usr/bin/time -v -o "$timefile" omindex --db "$db" --url / --stemmer=french --overwrite \
    -Mtxt:text/plain -Mhtml:text/html -Mhtm:text/html -e index "$corpus" >"$log" 2>&1; then
    tail -n 5 "$log" >&2
    die "omindex failed on $corpus (full output in $log)"
fi
t1=$(date +%s.%N)

index_figures "$db" "$timefile"
cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$timefile")
[ -n "$docs" ] || die "cannot read the document count of $db"

awk -v name="$name" -v docs="$docs" -v bytes="$bytes" -v t0="$t0" -v t1="$t1" \
    -v rss="$rss_kb" -v idx="$index_bytes" -v cpu="$cpu" 'BEGIN {
    wall = t1 - t0
    if (wall <= 0) wall = 0.001
    printf "omindex %s: %d docs, %.1f MB in %.2f s = %.1f MB/s, %.0f docs/s, peak RSS %.1f MB, index %.1f MB, cpu %.2f s\n",
        name, docs, bytes / 1e6, wall, bytes / 1e6 / wall, docs / wall, rss * 1024 / 1e6, idx / 1e6, cpu
}'
if [ "$docs" -ne "$nfiles" ]; then
    echo "  note: $nfiles input files but $docs documents (see $log)"
fi
