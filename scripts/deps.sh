#!/bin/sh
# Install the Debian packages cglu-search builds and tests with (--ci: and
# the fuzzing and lint tools); quiet and a no-op when all are there.
set -eu
PKGS="build-essential pkg-config libxapian-dev xapian-tools libstemmer-dev libutf8proc-dev libuv1-dev libxml2-dev libjansson-dev libhttp-parser-dev libcmocka-dev python3 php-cli"
# --ci: also what CI's fuzzing and static checks use.
if [ "${1:-}" = "--ci" ]; then
    PKGS="$PKGS clang libclang-rt-14-dev clang-tidy cppcheck valgrind wrk"
fi
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps.sh: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
