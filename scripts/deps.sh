#!/bin/sh
# Install the Debian packages cglu-search builds and tests with (--ci: and
# the fuzzing and lint tools), and the browser tests' npm packages
# (tests/browser/); quiet and a no-op when all are there.
set -eu
PKGS="build-essential pkg-config libxapian-dev xapian-tools libstemmer-dev libutf8proc-dev libuv1-dev libxml2-dev libjansson-dev libhttp-parser-dev liblz4-dev libcmocka-dev python3 php-cli chromium"
# --ci: also what CI's fuzzing and static checks use.
if [ "${1:-}" = "--ci" ]; then
    PKGS="$PKGS clang libclang-rt-14-dev clang-tidy cppcheck valgrind wrk"
fi
# Node.js drives the browser tests: Debian's, unless a node is there already.
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "deps.sh: installing:$missing" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# puppeteer-core, as tests/browser/package-lock.json pins it (it drives
# Debian's chromium: no browser is downloaded). Again when the lock changed.
browser="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
if [ ! -d "$browser/node_modules/puppeteer-core" ] ||
    [ "$browser/package-lock.json" -nt "$browser/node_modules/.package-lock.json" ]; then
    echo "deps.sh: npm ci in tests/browser" >&2
    (cd "$browser" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
