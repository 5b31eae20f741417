#!/usr/bin/env bash
# Readings/s and decision p99 through HAProxy with 1, 2 and 3 SmartGate instances on one
# PostgreSQL, against the trivial route (GET /health) through the same balancer in the same
# run, and the time from a kill -9 of the corridor's leader to the new leader's first
# action: see bench_cluster.py. A benchmark, not a test: on 2 cores the instances, the
# balancer, PostgreSQL and the clients share the same two cores, so the point is what
# several instances cost and how fast a failover is, not a speed-up.
#
# Usage: scripts/bench-cluster.sh
# Env:   SMARTGATE_BIN  (default .build/release/smartgate: swift build -c release --product smartgate)
#        DATABASE_URL   the PostgreSQL server to make smartgate_cluster_bench on (default:
#                       scripts/postgres-up.sh's smartgate_ci, started if needed)
#        BENCH_SECONDS (10) per measurement, BENCH_CLIENTS (5), BENCH_FAILOVERS (3)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
bin="${SMARTGATE_BIN:-$root/.build/release/smartgate}"
[[ $bin = /* ]] || bin="$root/$bin"
[[ -x $bin ]] || { echo "bench-cluster: no smartgate binary at $bin: build it with 'swift build -c release --product smartgate' or set SMARTGATE_BIN" >&2; exit 1; }
bash scripts/haproxy-install.sh
if [[ -z ${DATABASE_URL:-} ]]; then
    bash scripts/postgres-up.sh >/dev/null
    DATABASE_URL="postgres://smartgate:smartgate@127.0.0.1:5432/smartgate_ci"
fi
name=smartgate_cluster_bench
psql "$DATABASE_URL" -q -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name"
echo "== $(nproc) cores; $(haproxy -v | head -n1 | cut -d' ' -f1-3); $(psql "$DATABASE_URL" -tAc 'SHOW server_version' | cut -d' ' -f1 | sed 's/^/PostgreSQL /')"
python3 scripts/bench_cluster.py "$bin" "${DATABASE_URL%/*}/$name" \
    --seconds "${BENCH_SECONDS:-10}" --clients "${BENCH_CLIENTS:-5}" --failovers "${BENCH_FAILOVERS:-3}"
