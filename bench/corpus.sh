#!/usr/bin/env bash
# Build cglu-search's French benchmark corpora (man-fr, gimp-fr, large-fr) from Debian documentation packages.
#
# Usage: bench/corpus.sh [--small]
#   --small   build only man-fr and gimp-fr
# Output goes to bench/data/ (or $CGLU_BENCH_DATA); it is git-ignored, never commit it.
#
# Packages are fetched with `apt-get download` and unpacked with `dpkg-deb -x`
# into bench/data/.pkg/ rather than installed: installing gimp-help-fr or
# libreoffice-help-fr would drag in a web browser and LibreOffice itself, and
# the unpacked tree is all we need. Each corpus is built in NAME.tmp and
# renamed into place, then stamped, so a rerun skips what is complete and an
# interrupted run leaves nothing half-built behind.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
DATA=${CGLU_BENCH_DATA:-$HERE/data}
DEBS=$DATA/.debs
PKG=$DATA/.pkg
STAMPS=$DATA/.stamps
JOBS=${JOBS:-2}
# Bump when the way a corpus is made changes, so stale corpora are rebuilt.
RECIPE=1
LARGE_MIN_BYTES=50000000

SMALL_PKGS="manpages-fr gimp-help-fr"
# French documentation packages of Debian 12 whose HTML/text is French (sizes
# checked with apt-cache show; about 120 MB downloaded for all of them).
LARGE_PKGS="lilypond-doc-html-fr libreoffice-help-fr debian-reference-fr developers-reference-fr
kicad-doc-fr debian-edu-doc-fr aptitude-doc-fr debian-faq-fr maint-guide-fr"

# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
log() { echo "corpus.sh: $*"; }

usage() {
    sed -n '4,6s/^# \{0,1\}//p' "$0"
}

small=0
for arg in "$@"; do
    case $arg in
    --small) small=1 ;;
    -h | --help)
        usage
        exit 0
        ;;
    *) die "unknown argument '$arg' (try --help)" ;;
    esac
done

t_start=$(date +%s.%N)

# Prints "N files, X.X MB" for the .txt/.htm(l) files under a directory (MB = 10^6 bytes).
figures() {
    input_size "$1" | awk '{ printf "%d files, %.1f MB\n", $1, $2 / 1e6 }'
}

# Installs the Debian packages providing the given commands when one is missing.
need_tools() {
    local missing="" cmd pkg
    for pair in "$@"; do
        cmd=${pair%%:*}
        pkg=${pair#*:}
        command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
    done
    [ -z "$missing" ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing packages:$missing (run as root or install them)"
    log "installing tools:$missing"
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing >"$DATA/apt-install.log" 2>&1 ||
        die "apt-get install$missing failed (see $DATA/apt-install.log)"
}

apt_updated=0
# Downloads and unpacks one package into $PKG/NAME unless that is already done.
fetch_pkg() {
    local name=$1 deb ver sandbox=()
    if [ -f "$PKG/$name/.version" ]; then
        return 0
    fi
    [ "$(id -u)" -eq 0 ] && sandbox=(-o APT::Sandbox::User=root)
    # shellcheck disable=SC2012 # package file names are plain
    deb=$(ls -t "$DEBS/${name}"_*.deb 2>/dev/null | head -n 1 || true)
    if [ -z "$deb" ]; then
        log "downloading $name"
        if ! (cd "$DEBS" && apt-get download -q "${sandbox[@]}" "$name" >>"$DATA/apt-download.log" 2>&1); then
            # A fresh machine has no package lists yet: refresh them once.
            if [ $apt_updated -ne 0 ] || [ "$(id -u)" -ne 0 ]; then
                die "apt-get download $name failed (see $DATA/apt-download.log)"
            fi
            log "apt-get update (package lists missing or stale)"
            apt-get update -q >>"$DATA/apt-download.log" 2>&1 || die "apt-get update failed"
            apt_updated=1
            (cd "$DEBS" && apt-get download -q "${sandbox[@]}" "$name" >>"$DATA/apt-download.log" 2>&1) ||
                die "apt-get download $name failed (see $DATA/apt-download.log)"
        fi
        # shellcheck disable=SC2012 # package file names are plain
    deb=$(ls -t "$DEBS/${name}"_*.deb 2>/dev/null | head -n 1 || true)
        [ -n "$deb" ] || die "apt-get download $name left no .deb in $DEBS"
    fi
    ver=$(dpkg-deb -f "$deb" Version) || die "cannot read $deb"
    log "unpacking $name $ver"
    rm -rf "$PKG/$name.tmp"
    dpkg-deb -x "$deb" "$PKG/$name.tmp" || die "dpkg-deb -x $deb failed"
    echo "$name $ver" >"$PKG/$name.tmp/.version"
    rm -rf "${PKG:?}/${name:?}"
    mv "$PKG/$name.tmp" "$PKG/$name"
}

# The stamp names the recipe and the package versions a corpus was built from.
stamp_text() {
    echo "recipe $RECIPE"
    for p in "$@"; do cat "$PKG/$p/.version"; done
}

# True when corpus $1 is complete and was built from packages $2...
is_built() {
    local corpus=$1
    shift
    [ -d "$DATA/$corpus" ] && [ -f "$STAMPS/$corpus" ] &&
        [ "$(stamp_text "$@")" = "$(cat "$STAMPS/$corpus")" ]
}

# Moves a finished NAME.tmp into place and stamps it.
finish() {
    local corpus=$1
    shift
    rm -rf "${DATA:?}/${corpus:?}"
    mv "$DATA/$corpus.tmp" "$DATA/$corpus"
    stamp_text "$@" >"$STAMPS/$corpus"
    log "$corpus: built, $(figures "$DATA/$corpus") in $DATA/$corpus"
}

# Renders man pages (arguments) to $OUTDIR/NAME.SECTION.txt; run by xargs.
# -rHY=0 turns hyphenation off so that words are not cut at line ends;
# col -bx removes backspace overstrikes (bold/underline) and tabs.
render_man() {
    local f base out
    for f in "$@"; do
        base=$(basename "$f" .gz)
        out=$OUTDIR/$base.txt
        if ! man -l -E UTF-8 "$f" 2>>"$OUTDIR.log" | col -bx >"$out"; then
            echo "corpus.sh: error: man -l $f failed (see $OUTDIR.log)" >&2
            exit 255
        fi
        if [ ! -s "$out" ]; then
            echo "corpus.sh: error: man -l $f rendered nothing" >&2
            exit 255
        fi
    done
}

build_man() {
    local src=$PKG/manpages-fr/usr/share/man/fr tmp=$DATA/man-fr.tmp n
    if is_built man-fr manpages-fr; then
        log "man-fr: up to date, $(figures "$DATA/man-fr")"
        return 0
    fi
    [ -d "$src" ] || die "manpages-fr has no $src"
    rm -rf "$tmp" "$tmp.log"
    mkdir -p "$tmp"
    # Symlinked aliases (getty -> agetty) would only duplicate pages: regular files only.
    n=$(find "$src" -type f -name '*.gz' | wc -l)
    log "man-fr: rendering $n pages with man -l ($JOBS jobs)"
    export OUTDIR=$tmp MANWIDTH=80 LC_ALL=C.UTF-8 MANROFFOPT="-rHY=0"
    unset MANOPT MANPAGER PAGER MAN_KEEP_FORMATTING
    export -f render_man
    find "$src" -type f -name '*.gz' -print0 |
        xargs -0 -n 16 -P "$JOBS" bash -c 'set -o pipefail; render_man "$@"' _ ||
        die "man-fr: rendering failed"
    unset OUTDIR MANWIDTH LC_ALL MANROFFOPT
    [ "$(find "$tmp" -name '*.txt' | wc -l)" -eq "$n" ] || die "man-fr: not every page was rendered"
    if grep -rlq $'[\b\033]' "$tmp"; then
        die "man-fr: overstrikes or escape sequences left in $(grep -rl $'[\b\033]' "$tmp" | head -n 1)"
    fi
    [ -s "$tmp.log" ] && log "man-fr: $(wc -l <"$tmp.log") groff/man warnings kept in $DATA/man-fr.log"
    mv -f "$tmp.log" "$DATA/man-fr.log" 2>/dev/null || true
    finish man-fr manpages-fr
}

# Hard-links (or copies, across file systems) the .html/.htm/.txt files under
# $1 into $2, keeping the relative tree; .html.gz/.txt.gz are decompressed.
# Sphinx's _sources/ (reStructuredText copies of the pages) is left out.
copy_docs() {
    local src=$1 dst=$2 f rel list
    mkdir -p "$dst"
    list=$(mktemp)
    (cd "$src" && find . -type f \( -name '*.html' -o -name '*.htm' -o -name '*.txt' \) \
        ! -path '*/_sources/*' -print0) >"$list"
    if ! (cd "$src" && xargs -0 -r cp --parents -l -t "$dst" <"$list" 2>/dev/null); then
        (cd "$src" && xargs -0 -r cp -f --parents -t "$dst" <"$list") || die "cannot copy from $src"
    fi
    rm -f "$list"
    while IFS= read -r -d '' f; do
        rel=${f%.gz}
        mkdir -p "$dst/$(dirname "$rel")"
        gzip -dc "$src/$f" >"$dst/$rel" || die "cannot decompress $src/$f"
    done < <(cd "$src" && find . -type f \( -name '*.html.gz' -o -name '*.htm.gz' -o -name '*.txt.gz' \) \
        ! -path '*/_sources/*' -print0)
}

build_gimp() {
    local src=$PKG/gimp-help-fr/usr/share/gimp/2.0/help/fr tmp=$DATA/gimp-fr.tmp
    if is_built gimp-fr gimp-help-fr; then
        log "gimp-fr: up to date, $(figures "$DATA/gimp-fr")"
        return 0
    fi
    [ -d "$src" ] || die "gimp-help-fr has no $src"
    log "gimp-fr: copying HTML pages from $src"
    rm -rf "$tmp"
    copy_docs "$src" "$tmp"
    finish gimp-fr gimp-help-fr
}

build_large() {
    local tmp=$DATA/large-fr.tmp p bytes
    # shellcheck disable=SC2086
    if is_built large-fr $SMALL_PKGS $LARGE_PKGS; then
        log "large-fr: up to date, $(figures "$DATA/large-fr")"
        return 0
    fi
    log "large-fr: gathering man-fr, gimp-fr and $(echo "$LARGE_PKGS" | wc -w) more packages"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    cp -al "$DATA/man-fr" "$tmp/man-fr" 2>/dev/null || cp -a "$DATA/man-fr" "$tmp/man-fr"
    cp -al "$DATA/gimp-fr" "$tmp/gimp-fr" 2>/dev/null || cp -a "$DATA/gimp-fr" "$tmp/gimp-fr"
    for p in $LARGE_PKGS; do
        copy_docs "$PKG/$p/usr/share" "$tmp/$p"
        log "large-fr:   $p: $(figures "$tmp/$p")"
    done
    bytes=$(find "$tmp" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
    [ "$bytes" -ge $LARGE_MIN_BYTES ] || die "large-fr: only $bytes bytes, want at least $LARGE_MIN_BYTES"
    # shellcheck disable=SC2086
    finish large-fr $SMALL_PKGS $LARGE_PKGS
}

mkdir -p "$DATA" "$DEBS" "$PKG" "$STAMPS" 2>/dev/null || die "cannot create $DATA"
need_tools apt-get:apt dpkg-deb:dpkg man:man-db groff:groff-base col:bsdextrautils gzip:gzip

pkgs=$SMALL_PKGS
[ $small -eq 1 ] || pkgs="$pkgs $LARGE_PKGS"
for p in $pkgs; do fetch_pkg "$p"; done

build_man
build_gimp
[ $small -eq 1 ] || build_large

log "done in $(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s; corpora in $DATA"
