#!/usr/bin/env bash
# Corridor benchmark, in one run:
#   1. scale:   a simulated day (ORDERS orders, VEHICLES shuttles, HOURS h) end to end,
#               `smartgate-bench corridor-scale`, REPEAT times; wall time per day;
#   2. yardstick: SimPy simulating an M/M/1 queue with ORDERS x VEHICLES customers: raw
#               speed of a mainstream Python DES engine on a comparable amount of work.
#               NOT the same model; it only says whether the Swift day is fast in absolute terms;
#   3. quality: `smartgate-bench corridor-quality` writes seeded instances of five classes (open,
#               four-orders, contended-small, contended-day, contended-charging; format v2) and
#               the result of SmartGate and three baseline dispatch policies on each, with
#               SmartGate's trace; `smartgate-bench corridor-bruteforce` solves the small ones by
#               enumeration; scripts/corridor_cpsat.py solves each with OR-Tools CP-SAT (optimum,
#               or best solution and bound), replays SmartGate's trace in its model, checks the
#               brute force, and reports every policy's gap per class.
#
# Usage: scripts/bench-corridor.sh
# Env:   ORDERS (2000) VEHICLES (20) HOURS (24) SEED (1) REPEAT (3)
#        INSTANCES (unset: the bench's own count per class; set: passed as --instances)
#        CPSAT_TIME_LIMIT (60 s per instance of <= 10 orders) CPSAT_TIME_LIMIT_LARGE (150 s above;
#        contended-charging gets 200 s, built into corridor_cpsat.py) CPSAT_WORKERS (2)
#        BRUTEFORCE (1; 0 skips the brute-force cross-check)
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
INSTANCES="${INSTANCES:-}"
CPSAT_TIME_LIMIT="${CPSAT_TIME_LIMIT:-60}"               # 8-order instances take 1-40 s to prove on 2 cores
CPSAT_TIME_LIMIT_LARGE="${CPSAT_TIME_LIMIT_LARGE:-150}"  # 40 and 120 orders: best solution and bound
BRUTEFORCE="${BRUTEFORCE:-1}"
CPSAT_WORKERS="${CPSAT_WORKERS:-2}"
BENCH="${SMARTGATE_BENCH_BIN:-$ROOT/.build/release/smartgate-bench}"
[[ -n ${SMARTGATE_BENCH_BIN:-} ]] && SKIP_BUILD=1
QUALITY_DIR="$ROOT/.build/corridor-quality"
W="$ROOT/.build/corridor-bench"
mkdir -p "$W"

# --- OR-Tools and SimPy in a private venv
PY="$(bash scripts/corridor-venv.sh)"
echo "== Python $("$PY" -c 'import platform, importlib.metadata as md; print(platform.python_version() + ", ortools " + md.version("ortools") + ", simpy " + md.version("simpy"))'); $(getconf _NPROCESSORS_ONLN) cores"

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
echo "== corridor-quality: instances of every class into $QUALITY_DIR"
rm -rf "$QUALITY_DIR"
"$BENCH" corridor-quality --dir "$QUALITY_DIR" --seed "$SEED" ${INSTANCES:+--instances "$INSTANCES"}
if [[ $BRUTEFORCE == 1 ]]; then
    echo "== corridor-bruteforce: small instances by enumeration"
    "$BENCH" corridor-bruteforce --dir "$QUALITY_DIR" \
        || { echo "!! corridor-bruteforce failed: no brute-force cross-check"; rm -f "$QUALITY_DIR/bruteforce.json"; }
fi
echo "== CP-SAT per instance (time limit $CPSAT_TIME_LIMIT s up to 10 orders, $CPSAT_TIME_LIMIT_LARGE s above, $CPSAT_WORKERS workers)"
cpsat_status=0
"$PY" scripts/corridor_cpsat.py "$QUALITY_DIR" --time-limit "$CPSAT_TIME_LIMIT" \
    --time-limit-large "$CPSAT_TIME_LIMIT_LARGE" --workers "$CPSAT_WORKERS" \
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
fmt = lambda x: "n/a" if x is None else f"{x:.2f} %"
met = lambda x: "met" if x else "NOT met"
for s in c["classes"]:
    p, n, sg = s["policies"], s["normalisedScore"], s["policies"]["smartgate"]
    aims = "" if s["aims"] is None else (f"; aims (mean ≤ {s['aims']['meanGapPercent']:g} %, worst ≤ "
                                         f"{s['aims']['worstGapPercent']:g} %, ahead of the best baseline): "
                                         f"{met(s['aims']['met'])}, against the bound {met(s['aims']['metAgainstBound'])}")
    score = "n/a" if n["mean"] is None else f"{n['mean']:.2f} / {n['worst']:.2f} (against {', '.join(n['against'])})"
    print(f"- {s['instanceClass']} ({s['instances']} instances, {s['orders'][0]}-{s['orders'][1]} orders, "
          f"{s['proven']} proven): SmartGate gap mean {fmt(sg['meanGapPercent'])}, worst {fmt(sg['worstGapPercent'])} "
          f"(to the bound {fmt(sg['meanGapToBoundPercent'])} / {fmt(sg['worstGapToBoundPercent'])}); "
          + ", ".join(f"{b} mean {fmt(p[b]['meanGapPercent'])}" for b in c["baselines"])
          + f"; normalised score mean / worst {score}; ahead of the best baseline ({s['bestBaseline']}): "
          f"{ {True: 'yes', False: 'no', None: 'n/a'}[s['smartgateAheadOfBestBaseline']] }{aims}; "
          f"replay ok {s['replay']['ok']}, failed {s['replay']['failed']}, skipped {s['replay']['skipped']}; "
          + (f"brute force agreed {s['bruteForce']['agreed']} of {s['bruteForce']['checked']}"
             if c["bruteForceRun"] else "brute force: not run"))
print(f"- aims on the contended classes: {met(c['aims']['met'])} "
      f"(against the bound: {met(c['aims']['metAgainstBound'])})")
for line in c["failures"] + c["mismatches"] + c["replayFailures"] + c["bruteForceDisagreements"]:
    print(f"- !! {line}")
EOF
echo "- results: $W/scale.jsonl, $W/simpy.jsonl, $QUALITY_DIR/comparison.json"
echo "- total runtime $((SECONDS - started)) s"
exit "$cpsat_status"
