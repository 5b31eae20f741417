#!/usr/bin/env bash
# TwinKit benchmark (not a test; scripts/twin-validate.sh is the test):
#   1. engine speed: the same M/M/1 model (λ 0.9, μ 1, FIFO, one server) in SimPy
#      (scripts/twin_reference.py) and in TwinKit (`smartgate simulate --model mm1`), CUSTOMERS
#      customers each, plus TwinKit with 10 x CUSTOMERS; REPEAT runs each, medians in a markdown
#      table. Customers/s is the fair ratio (same model); events/s is shown too, but SimPy
#      counts six events per customer and TwinKit two;
#   2. scenario: `smartgate simulate --scenario kim-thanh --mode both`, DAYS days x REPLICATIONS
#      replications x 2 modes, wall time per simulated day;
#   3. the issue's full study (30 days x 20 replications, capacity ramp, tornado): wall time.
# The output is meant to be pasted into BENCHMARKS.md.
#
# Usage: scripts/bench-twin.sh
# Env:   CUSTOMERS (200000) REPEAT (3) DAYS (7) REPLICATIONS (10)
#        SKIP_BUILD=1 to use an existing release binary; SMARTGATE_BIN (absolute or from the repo
#        root; default .build/release/smartgate; setting it also skips the build)
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
CUSTOMERS="${CUSTOMERS:-200000}"
REPEAT="${REPEAT:-3}"
DAYS="${DAYS:-7}"
REPLICATIONS="${REPLICATIONS:-10}"
SIMPY_VERSION=4.1.1
VENV="$ROOT/.build/twin-venv"
BIN="${SMARTGATE_BIN:-$ROOT/.build/release/smartgate}"
[[ "$BIN" = /* ]] || BIN="$ROOT/$BIN"
[[ -n ${SMARTGATE_BIN:-} ]] && SKIP_BUILD=1
W="$ROOT/.build/twin-bench"
mkdir -p "$W"

# --- SimPy in the venv twin-validate.sh uses (reused when it already has the right version)
if ! "$VENV/bin/python" -c "import sys, importlib.metadata as md; sys.exit(md.version('simpy') != '$SIMPY_VERSION')" 2>/dev/null; then
    echo "== installing simpy==$SIMPY_VERSION into $VENV"
    [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "simpy==$SIMPY_VERSION"
fi
PY="$VENV/bin/python"

# --- smartgate, release build
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    echo "== swift build -c release --product smartgate"
    swift build -c release --product smartgate
fi
[[ -x $BIN ]] || { echo "no smartgate binary at $BIN" >&2; exit 1; }

echo "## TwinKit benchmark"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); nproc: $(nproc); $(uname -srm)"
echo "- Python $("$PY" -c 'import platform; print(platform.python_version())'), SimPy $SIMPY_VERSION; smartgate: $BIN"
echo "- commands (each run $REPEAT times, medians):"
BIG=$((CUSTOMERS * 10))
cmd_simpy=("$PY" scripts/twin_reference.py --model mm1 --customers "$CUSTOMERS" --seed 1)
cmd_twin=("$BIN" simulate --model mm1 --customers "$CUSTOMERS" --seed 1 --json)
cmd_twin_big=("$BIN" simulate --model mm1 --customers "$BIG" --seed 1 --json)
for c in "${cmd_simpy[*]}" "${cmd_twin[*]}" "${cmd_twin_big[*]}"; do
    echo "  - \`${c//$ROOT\//}\`"
done

# --- 1. engine speed: one JSON line per run, tagged with the engine
: >"$W/mm1.jsonl"
run() {   # engine, command...
    local engine=$1; shift
    local out
    out="$("$@" | grep '^[[:space:]]*{' | tail -n 1)"
    [[ -n $out ]] || { echo "no JSON from: $*" >&2; exit 1; }
    echo "{\"engine\": \"$engine\", \"result\": $out}" >>"$W/mm1.jsonl"
}
for _ in $(seq "$REPEAT"); do
    run SimPy "${cmd_simpy[@]}"
    run TwinKit "${cmd_twin[@]}"
    run TwinKit "${cmd_twin_big[@]}"
done
echo
"$PY" - "$W/mm1.jsonl" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
groups = {}
for r in rows:
    groups.setdefault((r["engine"], r["result"]["customers"]), []).append(r["result"])
med = lambda rs, k: statistics.median(r[k] for r in rs)
print("| engine | customers | events | seconds | events/s | customers/s | mean time in system |")
print("|---|---:|---:|---:|---:|---:|---:|")
summary = {}
for (engine, customers), rs in groups.items():
    s = {k: med(rs, k) for k in ("events", "seconds", "eventsPerSecond", "customersPerSecond", "meanTimeInSystem")}
    summary[(engine, customers)] = s
    print(f"| {engine} | {customers:,} | {s['events']:,.0f} | {s['seconds']:.3f} | {s['eventsPerSecond']:,.0f} | "
          f"{s['customersPerSecond']:,.0f} | {s['meanTimeInSystem']:.3f} |")
(simpy_customers, simpy), = [(c, v) for (e, c), v in summary.items() if e == "SimPy"]
print()
for (engine, customers), s in summary.items():
    if engine == "TwinKit":
        print(f"- TwinKit ÷ SimPy (TwinKit at {customers:,} customers, SimPy at {simpy_customers:,}): "
              f"{s['customersPerSecond'] / simpy['customersPerSecond']:.1f}x in customers/s (same model: the fair ratio), "
              f"{s['eventsPerSecond'] / simpy['eventsPerSecond']:.1f}x in events/s (SimPy counts "
              f"{simpy['events'] / simpy_customers:.0f} events per customer, TwinKit {s['events'] / customers:.0f})")
EOF

# --- 2. scenario: seconds per simulated day
# Fixed replications, no ramp, no tornado: the simulated days are exactly days x replications x 2.
cmd_scenario=("$BIN" simulate --scenario kim-thanh --mode both --days "$DAYS" --replications "$REPLICATIONS"
              --max-replications "$REPLICATIONS" --seed 1 --json --no-capacity --no-sensitivity)
echo
echo "- scenario: \`${cmd_scenario[*]//$ROOT\//}\`"
t0=$(date +%s.%N)
"${cmd_scenario[@]}" >"$W/scenario.json"
t1=$(date +%s.%N)
"$PY" - "$t0" "$t1" "$DAYS" "$REPLICATIONS" <<'EOF'
import sys
t0, t1, days, reps = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
wall = t1 - t0
simulated = days * reps * 2
print(f"- kim-thanh, both modes: wall {wall:.2f} s for {days} days x {reps} replications x 2 modes "
      f"= {simulated} simulated days: {wall / simulated * 1000:.1f} ms per simulated day")
EOF

# --- 3. the issue's command, everything on (adaptive replications, capacity ramp, tornado): how long a board member waits
cmd_full=("$BIN" simulate --scenario kim-thanh --mode both --days 30 --replications 20 --seed 1
          --report "$W/twin-report.html" --csv "$W/twin")
echo "- full study: \`${cmd_full[*]//$ROOT\//}\`"
t0=$(date +%s.%N)
"${cmd_full[@]}" >"$W/full.txt"
t1=$(date +%s.%N)
"$PY" -c "import sys; print(f'- full study: {float(sys.argv[2]) - float(sys.argv[1]):.1f} s wall on $(nproc) cores')" "$t0" "$t1"
echo "- results: $W/mm1.jsonl, $W/scenario.json, $W/full.txt, $W/twin-report.html"
