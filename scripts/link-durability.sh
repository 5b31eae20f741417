#!/usr/bin/env bash
# The link across kill -9 of either side: see link_durability.py.
# Usage: scripts/link-durability.sh sqlite       (two SQLite files in a temporary folder)
#        scripts/link-durability.sh postgres     (two databases beside $DATABASE_URL's)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(swift build --show-bin-path)/smartgate"
case "${1:-sqlite}" in
    sqlite)
        dir="$(mktemp -d)"
        python3 scripts/link_durability.py "$bin" "sqlite://$dir/vn.sqlite" "sqlite://$dir/cn.sqlite" ;;
    postgres)
        : "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL server to create the two databases on}"
        for name in smartgate_link_vn smartgate_link_cn; do
            psql "$DATABASE_URL" -q -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name"
        done
        base="${DATABASE_URL%/*}"
        python3 scripts/link_durability.py "$bin" "$base/smartgate_link_vn" "$base/smartgate_link_cn" ;;
    *) echo "usage: $0 sqlite|postgres" >&2; exit 2 ;;
esac
