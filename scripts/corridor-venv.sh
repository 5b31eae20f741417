#!/usr/bin/env bash
# OR-Tools and SimPy in a private venv for the corridor's benchmark and replay check (CI
# machines start empty; an existing venv with the right versions is reused). Prints the
# venv's python on stdout; everything else goes to stderr.
#
# Usage: PY="$(bash scripts/corridor-venv.sh)"
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ORTOOLS_VERSION=9.11.4210     # has cp311 manylinux wheels; pulls numpy, protobuf, absl-py
SIMPY_VERSION=4.1.1
VENV="$ROOT/.build/corridor-bench-venv"
if ! "$VENV/bin/python" - "$ORTOOLS_VERSION" "$SIMPY_VERSION" 2>/dev/null <<'PYEOF'
import sys, importlib.metadata as md
sys.exit(md.version("ortools") != sys.argv[1] or md.version("simpy") != sys.argv[2])
PYEOF
then
    echo "== installing ortools==$ORTOOLS_VERSION simpy==$SIMPY_VERSION into $VENV" >&2
    mkdir -p "$ROOT/.build"
    [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "ortools==$ORTOOLS_VERSION" "simpy==$SIMPY_VERSION" >&2
fi
echo "$VENV/bin/python"
