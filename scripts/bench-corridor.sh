#!/usr/bin/env bash
# Corridor benchmark, in one run:
#   1. scale:   a simulated day (ORDERS orders, VEHICLES shuttles, HOURS h) end to end,
#               `smartgate-bench corridor-scale`, REPEAT times; wall time per day;
#   2. yardstick: SimPy simulating an M/M/1 queue with ORDERS x VEHICLES customers: raw
#               speed of a mainstream Python DES engine on a comparable amount of work.
#               NOT the same model; it only says whether the Swift day is fast in absolute terms;
#   3. quality: `smartgate-bench corridor-quality` writes INSTANCES small seeded instances and
#               SmartGate's dispatch of each; scripts/corridor_cpsat.py solves each exactly
#               with OR-Tools CP-SAT and reports SmartGate's gap to the optimum.
#
# Usage: scripts/bench-corridor.sh
# Env:   ORDERS (2000) VEHICLES (20) HOURS (24) SEED (1) REPEAT (3)
#        INSTANCES (20) CPSAT_TIME_LIMIT (120 s per instance) CPSAT_WORKERS (2)
#        SKIP_BUILD=1 to use an existing bench binary; SMARTGATE_BENCH_BIN (absolute or from the repo root; default
#        .build/release/smartgate-bench; setting it also skips the build)
set -euo pipefail
started=$SECONDS

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
ORDERS="${ORDERS:-2000}"
VEHICLES="${VEHICLES:-20}"
HOURS="${HOURS:-24}"
SEED="${SEED:-1}"
REPEAT="${REPEAT:-3}"
INSTANCES="${INSTANCES:-20}"
CPSAT_TIME_LIMIT="${CPSAT_TIME_LIMIT:-120}"   # 8-order instances took 12-42 s to prove on 2 cores
CPSAT_WORKERS="${CPSAT_WORKERS:-2}"
ORTOOLS_VERSION=9.11.4210     # has cp311 manylinux wheels; pulls numpy, protobuf, absl-py
SIMPY_VERSION=4.1.1
VENV="$ROOT/.build/corridor-bench-venv"
BENCH="${SMARTGATE_BENCH_BIN:-$ROOT/.build/release/smartgate-bench}"
[[ -n ${SMARTGATE_BENCH_BIN:-} ]] && SKIP_BUILD=1
QUALITY_DIR="$ROOT/.build/corridor-quality"
W="$ROOT/.build/corridor-bench"
mkdir -p "$W"

# --- OR-Tools and SimPy in a private venv (CI machines start empty; reuse it when it is right)
if ! "$VENV/bin/python" - "$ORTOOLS_VERSION" "$SIMPY_VERSION" 2>/dev/null <<'EOF'
import sys, importlib.metadata as md
sys.exit(md.version("ortools") != sys.argv[1] or md.version("simpy") != sys.argv[2])
EOF
then
    echo "== installing ortools==$ORTOOLS_VERSION simpy==$SIMPY_VERSION into $VENV"
    [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "ortools==$ORTOOLS_VERSION" "simpy==$SIMPY_VERSION"
fi
PY="$VENV/bin/python"
echo "== Python $("$PY" -c 'import platform; print(platform.python_version())'), ortools $ORTOOLS_VERSION, simpy $SIMPY_VERSION; $(getconf _NPROCESSORS_ONLN) cores"

# --- The Swift bench, release build
if [[ ${SKIP_BUILD:-0} != 1 ]]; then
    echo "== swift build -c release --product smartgate-bench"
    swift build -c release --product smartgate-bench
fi
[[ -x $BENCH ]] || { echo "no bench binary at $BENCH" >&2; exit 1; }

# --- 1. Scale: one JSON object per repetition
echo "== corridor-scale: $ORDERS orders, $VEHICLES vehicles, $HOURS h, seed $SEED, $REPEAT runs"
"$BENCH" corridor-scale --orders "$ORDERS" --vehicles "$VEHICLES" --hours "$HOURS" --seed "$SEED" --repeat "$REPEAT" \
    | tee "$W/scale.jsonl"

# --- 2. SimPy yardstick: ORDERS x VEHICLES customers
CUSTOMERS=$((ORDERS * VEHICLES))
echo "== SimPy M/M/1 reference: $CUSTOMERS customers ($ORDERS orders x $VEHICLES vehicles), $REPEAT runs"
"$PY" scripts/simpy_reference.py --customers "$CUSTOMERS" --repeat "$REPEAT" --seed "$SEED" | tee "$W/simpy.jsonl"

# --- 3. Quality against CP-SAT (a non-zero exit is reported in the summary, not fatal here)
echo "== corridor-quality: $INSTANCES instances into $QUALITY_DIR"
rm -rf "$QUALITY_DIR"
"$BENCH" corridor-quality --dir "$QUALITY_DIR" --instances "$INSTANCES" --seed "$SEED"
echo "== CP-SAT optimum per instance (time limit $CPSAT_TIME_LIMIT s, $CPSAT_WORKERS workers)"
cpsat_status=0
"$PY" scripts/corridor_cpsat.py "$QUALITY_DIR" --time-limit "$CPSAT_TIME_LIMIT" --workers "$CPSAT_WORKERS" \
    | tee "$W/quality.md" || cpsat_status=$?     # pipefail: this is the script's status (tee's is 0)

# --- Summary
echo
echo "## Corridor benchmark summary"
"$PY" - "$W/scale.jsonl" "$W/simpy.jsonl" "$QUALITY_DIR/comparison.json" <<'EOF'
import json, statistics, sys
scale = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
simpy = [json.loads(l) for l in open(sys.argv[2]) if l.strip().startswith("{")]
if not scale or not simpy:
    sys.exit("no scale or SimPy results to summarise")
day = statistics.median(r["wallSeconds"] for r in scale)
ref = statistics.median(r["wallSeconds"] for r in simpy)
s = scale[0]
print(f"- SmartGate corridor day ({s['orders']} orders, {s['vehicles']} vehicles, {s['hours']:g} h): "
      f"median wall {day:.2f} s over {len(scale)} runs; finished {s['finished']}, open {s['open']}, "
      f"violations {s['violations']}, crossings {s['crossings']}")
print(f"- SimPy M/M/1 reference ({simpy[0]['customers']} customers, {simpy[0]['events']} events): "
      f"median wall {ref:.2f} s, {statistics.median(r['eventsPerSecond'] for r in simpy):,.0f} events/s "
      f"(raw DES speed yardstick, not the same model): corridor day / SimPy = {day / ref:.2f}x")
try:
    c = json.load(open(sys.argv[3]))
except OSError:
    print("- CP-SAT comparison: no comparison.json written")
    sys.exit()
unproven = sum(not r["proven"] for r in c["instances"])
fmt = lambda x: "n/a" if x is None else f"{x:.2f} %"
print(f"- SmartGate vs CP-SAT optimum on {len(c['instances'])} instances: mean gap {fmt(c['meanGapPercent'])}, "
      f"worst {fmt(c['worstGapPercent'])} ({c['worstInstance']}); aims mean ≤ {c['aims']['meanGapPercent']:g} %, "
      f"worst ≤ {c['aims']['worstGapPercent']:g} %: {'met' if c['aims']['met'] else 'NOT met'}; "
      f"{unproven} not proven optimal")
for line in c["failures"] + c["mismatches"]:
    print(f"- !! {line}")
EOF
echo "- results: $W/scale.jsonl, $W/simpy.jsonl, $QUALITY_DIR/comparison.json"
echo "- total runtime $((SECONDS - started)) s"
exit "$cpsat_status"
