#!/usr/bin/env bash
# Three SmartGates on one PostgreSQL behind HAProxy, with kill -9 of one and of the
# corridor's leader under traffic: see cluster_check.py.
# Usage: scripts/cluster-check.sh
# Env:   DATABASE_URL   the PostgreSQL server to make the database smartgate_cluster_check
#                       on (default: scripts/postgres-up.sh's smartgate_ci, started if needed)
#        SMARTGATE_BIN  (default: the debug build, `swift build --product smartgate`)
# HAProxy comes from Debian's packages if it is missing (scripts/haproxy-install.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/haproxy-install.sh
if [[ -z ${DATABASE_URL:-} ]]; then
    bash scripts/postgres-up.sh >/dev/null
    DATABASE_URL="postgres://smartgate:smartgate@127.0.0.1:5432/smartgate_ci"
fi
bin="${SMARTGATE_BIN:-$(swift build --show-bin-path)/smartgate}"
# A database of its own, new each run: the checks count what is in it.
name=smartgate_cluster_check
psql "$DATABASE_URL" -q -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name"
python3 scripts/cluster_check.py "$bin" "${DATABASE_URL%/*}/$name"
