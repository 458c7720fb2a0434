#!/bin/sh
# The search page and widget in a real browser: index a small corpus made
# here (25 pages sharing a word for 3 pages of results, a word to misspell,
# hostile titles, urls and sections, 11 pages in three languages with sections and
# dates), start cglu-searchd with --http on 127.0.0.1,
# run test.js (Debian's chromium, driven by puppeteer-core), stop the
# daemon, and close with one line "N passed, N failed".
# Usage: tests/browser/run.sh [--screenshots DIR]
#   CGLU_BIN  the programs (default bin/); CHROMIUM the browser
#   (default /usr/bin/chromium). --screenshots DIR writes
#   search-page.png and search-page-phone.png there (docs/ keeps them);
#   without it they go to the temporary folder and are thrown away.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BIN=${CGLU_BIN:-$root/bin}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
export CHROMIUM
shots=""
if [ "${1:-}" = "--screenshots" ] && [ -n "${2:-}" ]; then
    mkdir -p "$2" && shots=$(cd "$2" && pwd)
fi

fail() { # a set-up failure: the suite counts it as one
    echo "browser: $*" >&2
    echo "0 passed, 1 failed"
    exit 1
}
[ -x "$CHROMIUM" ] || fail "no $CHROMIUM (scripts/deps.sh installs chromium)"
command -v node >/dev/null 2>&1 || fail "no node (scripts/deps.sh installs it)"
[ -d "$here/node_modules/puppeteer-core" ] ||
    fail "no tests/browser/node_modules (scripts/deps.sh runs npm ci there)"
[ -x "$BIN/cglu-index" ] && [ -x "$BIN/cglu-searchd" ] ||
    fail "no cglu-index or cglu-searchd in $BIN"

tmp=$(mktemp -d /tmp/cglu-browser.XXXXXX) || fail "mktemp failed"
pid=""
stop() { # SIGTERM, then at most 10 s before SIGKILL
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    n=0
    while kill -0 "$pid" 2>/dev/null && [ $n -lt 100 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "browser: cglu-searchd did not stop within 10 s" >&2
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    st=$?
    pid=""
    return $st
}
trap 'stop; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# ---- the corpus ----
site="$tmp/site"
mkdir "$site"
i=1
while [ $i -le 25 ]; do
    n=$(printf '%02d' $i)
    case $((i % 3)) in
    0) extra="La gouvernance locale et les gouvernements locaux y sont décrits." ;;
    1) extra="Les gouvernements locaux partagent leurs pratiques." ;;
    *) extra="Une gouvernance ouverte associe les habitants." ;;
    esac
    cat >"$site/fiche-$n.txt" <<EOF
---
title: Fiche $n : coopération entre villes
url: https://example.org/fiches/$n
---
La coopération décentralisée relie la ville numéro $n à ses partenaires. $extra
Chaque projet de coopération est suivi par un comité de jumelage.
EOF
    i=$((i + 1))
done
cat >"$site/piege-1.txt" <<'EOF'
---
title: <img src=x onerror=alert(1)>
url: javascript:alert(2)
section: <script>alert(6)</script> "citée" & 'x'
---
Un piège pour le navigateur : <script>alert(3)</script> et <b>gras</b>.
EOF
cat >"$site/piege-2.txt" <<'EOF'
---
title: "><script>alert(4)</script> & 'guillemets'
url: https://example.org/a"onmouseover="alert(5)
section: Pièges
---
Un second piège, avec une url qui voudrait sortir de son attribut.
EOF
# Velloria, a town in three languages: 5 French, 3 English and 3 Spanish
# pages with sections and dates (one undated), for the language and
# section chips and the date sort (the pièges have a hostile section).
mkdir "$site/velloria"
page() { # FILE LANG DATE SECTION TITLE TEXT
    {
        echo "---"
        echo "title: $5"
        echo "url: https://example.org/velloria/$1"
        echo "lang: $2"
        [ -n "$3" ] && echo "date: $3"
        echo "section: $4"
        echo "---"
        echo "$6"
    } >"$site/velloria/$1.txt"
}
page fr-ville fr 2024-03-01 about "Velloria, la ville et ses quartiers" \
    "Velloria est une ville portuaire de taille moyenne, connue pour ses marchés."
page fr-conseil fr 2025-03-14 mission "Velloria : le conseil municipal" \
    "Le conseil municipal de Velloria se réunit chaque mois en séance publique."
page fr-plan fr 2024-11-20 action "Velloria : le plan pour les quais" \
    "Velloria rénove ses quais et ouvre une promenade le long du port."
page fr-marche fr 2023-05-05 action "Velloria : le marché couvert" \
    "Le marché couvert de Velloria ouvre ses portes tous les matins."
page fr-histoire fr "" about "Velloria, une histoire" \
    "L'histoire de Velloria commence avec son port et ses pêcheurs."
page en-city en 2025-01-10 about "Velloria, a port city" \
    "Velloria is a mid-sized port city known for its markets."
page en-council en 2024-06-01 mission "Velloria: the city council" \
    "The Velloria city council meets every month in a public session."
page en-quays en 2023-12-24 action "Velloria: a plan for the quays" \
    "Velloria is renovating its quays and opening a walk along the harbour."
page es-ciudad es 2024-09-09 about "Velloria, ciudad portuaria" \
    "Velloria es una ciudad portuaria mediana, conocida por sus mercados."
page es-consejo es 2022-02-02 mission "Velloria: el concejo municipal" \
    "El concejo municipal de Velloria se reúne cada mes en sesión pública."
page es-muelles es 2025-02-02 action "Velloria: un plan para los muelles" \
    "Velloria renueva sus muelles y abre un paseo junto al puerto."
"$BIN/cglu-index" -q --db "$tmp/db" "$site" >"$tmp/index.log" 2>&1 ||
    { cat "$tmp/index.log" >&2; fail "cglu-index failed"; }

# ---- the daemon: its second stderr line is "http on HOST:PORT" ----
"$BIN/cglu-searchd" --db "$tmp/db" --listen 127.0.0.1:0 \
    --http 127.0.0.1:0 2>"$tmp/searchd.log" &
pid=$!
http=""
n=0
while [ $n -lt 100 ]; do # 10 s
    http=$(sed -n '2{s/^http on //p;}' "$tmp/searchd.log")
    [ -n "$http" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
    n=$((n + 1))
done
if [ -z "$http" ]; then
    cat "$tmp/searchd.log" >&2
    fail "cglu-searchd gave no \"http on HOST:PORT\" line within 10 s"
fi

timeout 300 node "$here/test.js" "http://$http/" "${shots:-$tmp}" \
    >"$tmp/test.log" 2>&1
rc=$?
cat "$tmp/test.log"
stop || { echo "browser: cglu-searchd exited $? on SIGTERM" >&2; rc=1; }
if grep -q '^error: ' "$tmp/searchd.log"; then
    echo "browser: the daemon logged errors:" >&2
    grep '^error: ' "$tmp/searchd.log" >&2
fi

line=$(sed -n "s/^browser tests: \([0-9]* passed, [0-9]* failed\)$/\1/p" "$tmp/test.log" | tail -n 1)
p=${line%% passed*}
f=${line#*passed, }
f=${f%% failed*}
p=${p:-0}
f=${f:-0}
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "browser: test.js exited $rc without a failure count" >&2
    f=1
fi
echo "$p passed, $f failed"
[ "$f" -eq 0 ] && [ "$p" -gt 0 ]
