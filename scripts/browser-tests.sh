#!/usr/bin/env bash
# Runs the pages in a real Chromium against a demo server on loopback (scripts/browser_tests.py):
# sign-in, a declaration's inline errors, the three languages, a live decision arriving,
# a refused role, axe-core on every page, screenshots of every page in every language at a
# laptop and a phone width (kept in $SCREENSHOT_DIR, default artifacts/screenshots). The demo
# runs as a pair (Vietnam on one port, China on the next), so the link's pages have trucks.
# Installs Debian's chromium and chromium-driver (and CJK fonts, so Chinese screenshots
# show characters) when missing, and Selenium with axe-core from PyPI into .build/.
#
# Usage: scripts/browser-tests.sh        (after `swift build --product smartgate`)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
bin="${SMARTGATE_BIN:-$root/.build/debug/smartgate}"
shots="${SCREENSHOT_DIR:-$root/artifacts/screenshots}"
[[ -x "$bin" ]] || { echo "browser-tests: no executable $bin; run swift build --product smartgate first" >&2; exit 1; }

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! fc-list 2>/dev/null | grep -i "noto sans cjk" >/dev/null; then
    echo "-- Installing chromium, chromium-driver and fonts-noto-cjk from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
fi
venv="$root/.build/browser-venv"
if ! "$venv/bin/python" -c "import selenium, axe_selenium_python" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "selenium==4.27.1" "axe-selenium-python==2.1.6"
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
    local status=$?
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    if [[ $status -ne 0 ]]; then echo "browser-tests: kept $work (demo.log)" >&2; tail -n 30 "$work/demo.log" >&2 || true; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Two free neighbouring ports: Vietnam's and China's.
port="$(python3 -c '
import socket
while True:
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    try:
        b = socket.socket(); b.bind(("127.0.0.1", p + 1)); b.close(); a.close(); print(p); break
    except OSError:
        a.close()
')"
# The demo's own accounts, lanes and traffic (a truck a second, so a live decision comes soon).
env -u DATABASE_URL "$bin" demo --pair --port "$port" --database "sqlite://$work/demo.sqlite" --seconds-per-truck 1 >"$work/demo.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && curl -fs "http://127.0.0.1:$((port + 1))/health" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { echo "browser-tests: the demo server stopped" >&2; exit 1; }
    sleep 0.5
done
mkdir -p "$shots"
"$venv/bin/python" scripts/browser_tests.py "http://127.0.0.1:$port" "$shots" "http://127.0.0.1:$((port + 1))"
echo "browser-tests: screenshots in $shots"
