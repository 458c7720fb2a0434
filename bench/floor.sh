#!/usr/bin/env bash
# How fast can any indexer writing through Xapian be? For each small corpus,
# alternately: omindex's full run; xapian_floor writing omindex's own term
# set (one commit, then a commit every 87/88 documents as we batch); and
# xapian_floor writing cglu-index's term set the way cglu-index writes it
# (transactions of ~1 MB, replace by unique term). xapian_floor loads every
# document into memory first and times only Xapian's work (bench/README.md).
# Usage: bench/floor.sh BIN_DIR FLOOR_BINARY [REPS]   (REPS 1-5, default 3)
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
[ $# -ge 2 ] && [ $# -le 3 ] || die "usage: $0 BIN_DIR FLOOR_BINARY [REPS]"
cd "$(dirname "$0")/.."
bin=$1
floor=$2
reps=${3:-3}
[[ $reps =~ ^[1-5]$ ]] || die "REPS must be 1 to 5"
[ -x "$floor" ] || die "$floor is missing: run make"
out=bench/out/floor
mkdir -p "$out"
for rep in $(seq "$reps"); do
    for c in man-fr gimp-fr; do
        data=${CGLU_BENCH_DATA:-bench/data}/$c
        [ -d "$data" ] || die "corpus $data is missing: run bench/corpus.sh --small"
        # about 1 MB of input per batch, as cglu-index's --batch-size
        read -r n bytes < <(find "$data" -type f -printf '%s\n' |
            awk '{ s += $1; n++ } END { print n + 0, s + 0 }')
        every=$((n * 1000000 / (bytes > 0 ? bytes : 1)))
        [ "$every" -ge 1 ] || every=1
        echo "== $c, run $rep (commit every $every documents in the batched runs)"
        bash bench/omindex.sh "$data" "$out/omindex-$c"
        echo "xapian_floor, omindex's terms, one commit: $("$floor" --replace Q "$out/omindex-$c" "$out/tmp" | tail -n 1)"
        echo "xapian_floor, omindex's terms, batched: $("$floor" --replace Q --commit-every "$every" "$out/omindex-$c" "$out/tmp" | tail -n 1)"
        bash bench/index.sh "$bin" "$data" "$out/cglu-$c"
        echo "xapian_floor, cglu-index's terms, batched: $("$floor" --transaction --commit-every "$every" --replace U "$out/cglu-$c" "$out/tmp" | tail -n 1)"
    done
done
rm -rf "${out:?}/tmp"
