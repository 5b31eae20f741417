#!/usr/bin/env bash
# The corridor's dispatch against the exact model, in CI: SmartGate's schedules on seeded
# four-orders, contended-small and contended-day instances are fixed inside the CP-SAT
# model (scripts/corridor_cpsat.py), which must find them feasible and finish every order
# when SmartGate did; the brute-force optima of the four-order instances must equal CP-SAT's;
# no policy may beat CP-SAT's bound, leave an order unfinished or break a safety rule.
# Short CP-SAT time limits: the gaps it prints are not the benchmark's (bench-corridor.sh).
# Exits non-zero on any failure (corridor_cpsat.py's exit status).
#
# Usage: scripts/corridor-replay-check.sh    (builds smartgate-bench in debug if missing)
# Env:   SMARTGATE_BENCH_BIN (default .build/debug/smartgate-bench), INSTANCES (3 per class)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
bench="${SMARTGATE_BENCH_BIN:-$root/.build/debug/smartgate-bench}"
if [[ ! -x $bench ]]; then
    echo "== swift build --product smartgate-bench"
    swift build --product smartgate-bench
fi
py="$(bash scripts/corridor-venv.sh)"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
"$bench" corridor-quality --dir "$dir" --seed 1 --instances "${INSTANCES:-3}" --classes four-orders,contended-small,contended-day
"$bench" corridor-bruteforce --dir "$dir"
"$py" scripts/corridor_cpsat.py "$dir" --time-limit 10 --time-limit-large 20 --workers 2
