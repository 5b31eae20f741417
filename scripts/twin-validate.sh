#!/usr/bin/env bash
# Validates TwinKit's simulation engine against SimPy on the same model:
#   1. hourly-day: `smartgate simulate --model hourly-day` (seed 1) and SimPy's implementation
#      in scripts/twin_reference.py (seed 2, an independent stream), REPLICATIONS days each;
#      passes when the two means differ by no more than sqrt(h_swift² + h_simpy²), the two
#      95 % intervals' combined half-width;
#   2. mm1: a quick sanity check that TwinKit's M/M/1 (λ 0.9, μ 1) over 200,000 customers has
#      a mean time in system within 10 ± 10 % (the strict 2 % check over 1,000,000 customers
#      is a Swift test).
# Exits 1 on any failure.
#
# Usage: scripts/twin-validate.sh       (after `swift build --product smartgate`; builds it if missing)
# Env:   SMARTGATE_BIN (default .build/debug/smartgate), REPLICATIONS (400)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

replications="${REPLICATIONS:-400}"
simpy_version=4.1.1
bin="${SMARTGATE_BIN:-$root/.build/debug/smartgate}"
[[ "$bin" = /* ]] || bin="$root/$bin"
if [[ ! -x "$bin" ]]; then
    [[ -z ${SMARTGATE_BIN:-} ]] || { echo "twin-validate: no executable $bin" >&2; exit 1; }
    echo "== swift build --product smartgate"
    swift build --product smartgate
fi

# --- SimPy in a private venv (reused when it already has the right version)
venv="$root/.build/twin-venv"
if ! "$venv/bin/python" -c "import sys, importlib.metadata as md; sys.exit(md.version('simpy') != '$simpy_version')" 2>/dev/null; then
    echo "== installing simpy==$simpy_version into $venv"
    mkdir -p "$root/.build"
    [[ -x $venv/bin/python ]] || python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "simpy==$simpy_version"
fi

echo "== TwinKit vs SimPy: hourly-day, $replications replications each; TwinKit mm1 sanity (200000 customers)"
swift_day="$("$bin" simulate --model hourly-day --replications "$replications" --seed 1 --json)"
simpy_day="$("$venv/bin/python" scripts/twin_reference.py --model hourly-day --replications "$replications" --seed 2)"
swift_mm1="$("$bin" simulate --model mm1 --customers 200000 --seed 1 --json)"

"$venv/bin/python" - "$swift_day" "$simpy_day" "$swift_mm1" <<'EOF'
import json, math, sys

def last_json(text):
    # the one JSON object the command printed (its last line starting with "{")
    lines = [l for l in text.splitlines() if l.strip().startswith("{")]
    if not lines:
        sys.exit(f"twin-validate: no JSON object in output:\n{text}")
    return json.loads(lines[-1])

swift, simpy, mm1 = (last_json(a) for a in sys.argv[1:4])
ms, hs = swift["meanTimeInSystemMinutes"], swift["halfWidth"]
mp, hp = simpy["meanTimeInSystemMinutes"], simpy["halfWidth"]
diff, allowed = abs(ms - mp), math.hypot(hs, hp)
day_ok = diff <= allowed
print(f"hourly-day ({swift['replications']} vs {simpy['replications']} replications): "
      f"TwinKit {ms:.3f} ± {hs:.3f} min ({swift['served']} served), "
      f"SimPy {mp:.3f} ± {hp:.3f} min ({simpy['served']} served); "
      f"|diff| {diff:.3f} {'≤' if day_ok else '>'} {allowed:.3f}: {'PASS' if day_ok else 'FAIL'}")
w = mm1["meanTimeInSystem"]
mm1_ok = 9.0 <= w <= 11.0
print(f"mm1 ({mm1['customers']} customers): TwinKit mean time in system {w:.3f} (expected 10 ± 10 %), "
      f"{mm1['customersPerSecond']:,.0f} customers/s: {'PASS' if mm1_ok else 'FAIL'}")
sys.exit(0 if day_ok and mm1_ok else 1)
EOF
