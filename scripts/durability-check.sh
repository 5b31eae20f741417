#!/usr/bin/env bash
# Proves that every acknowledged write survives kill -9: see durability_check.py.
# Usage: scripts/durability-check.sh DATABASE_URL
set -euo pipefail
cd "$(dirname "$0")/.."
bin="$(swift build --show-bin-path)/smartgate"
python3 scripts/durability_check.py "$bin" "$1"
