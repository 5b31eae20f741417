#!/usr/bin/env bash
# A three-instance SmartGate on this machine, to try: PostgreSQL, three `smartgate serve`
# on one database sharing one key file, and HAProxy in front of them (deploy/haproxy.cfg),
# all on loopback. Prints what to open and how to kill the corridor's leader to watch
# another instance take over; restarts a killed instance after a while; Ctrl-C stops
# everything it started (PostgreSQL keeps running: it may serve other things).
#
# Usage: scripts/cluster-up.sh [--demo]
#   --demo   also drive the demo's trucks through the balancer (`smartgate demo --drive`),
#            with its accounts (password smartgate-demo) and the corridor 30x faster
# Env:   SG_LB_PORT (8100), SG_PORT_1..3 (8101-8103), SG_STATS_PORT (8404)
#        DATABASE_URL   use this database as it is (default: a fresh smartgate_cluster on
#                       the PostgreSQL of scripts/postgres-up.sh, installed and started if needed)
#        SMARTGATE_BIN  (default .build/debug/smartgate, built if missing)
#        SG_RUN_DIR     logs and the key file (default: a new folder under /tmp)
#        SG_RESTART_AFTER  seconds before a killed instance is started again (15; 0: never)
# See docs/DEPLOYMENT.md for the layout in production.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

demo=false
for arg in "$@"; do
    case $arg in
        --demo) demo=true ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "cluster-up: unknown option $arg (try --help)" >&2; exit 2 ;;
    esac
done

export SG_LB_ADDR=127.0.0.1 SG_STATS_ADDR=127.0.0.1 SG_ADDR_1=127.0.0.1 SG_ADDR_2=127.0.0.1 SG_ADDR_3=127.0.0.1
export SG_LB_PORT="${SG_LB_PORT:-8100}" SG_STATS_PORT="${SG_STATS_PORT:-8404}"
export SG_PORT_1="${SG_PORT_1:-8101}" SG_PORT_2="${SG_PORT_2:-8102}" SG_PORT_3="${SG_PORT_3:-8103}"
ports=("$SG_PORT_1" "$SG_PORT_2" "$SG_PORT_3")
restart_after="${SG_RESTART_AFTER:-15}"
lb="http://127.0.0.1:$SG_LB_PORT"

# A port already taken would make one piece fail after the others started.
for port in "$SG_LB_PORT" "$SG_STATS_PORT" "${ports[@]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "cluster-up: port $port is in use; free it or choose others (SG_LB_PORT, SG_PORT_1..3, SG_STATS_PORT)" >&2
        exit 1
    fi
done

bin="${SMARTGATE_BIN:-$root/.build/debug/smartgate}"
[[ $bin = /* ]] || bin="$root/$bin"
if [[ ! -x $bin ]]; then
    echo "== Building smartgate (first run only; a few minutes)"
    swift build --product smartgate
fi

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
echo "== PostgreSQL"
if [[ -z ${DATABASE_URL:-} ]]; then
    as_root bash scripts/postgres-up.sh
    base="postgres://smartgate:smartgate@127.0.0.1:5432"
    # A fresh database each time, so the key file made below is the only one it has known.
    psql "$base/smartgate_ci" -q -c "DROP DATABASE IF EXISTS smartgate_cluster WITH (FORCE)" -c "CREATE DATABASE smartgate_cluster"
    database="$base/smartgate_cluster"
else
    database="$DATABASE_URL"
fi
unset DATABASE_URL # --database below is the only database

echo "== HAProxy"
bash scripts/haproxy-install.sh

run="${SG_RUN_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/smartgate-cluster.XXXXXX")}"
mkdir -p "$run"
# Every instance signs sessions and the audit head with the same keys: one file, made once
# before any instance starts (each would otherwise make its own).
export SMARTGATE_KEY_FILE="${SMARTGATE_KEY_FILE:-$run/keys.json}"
[[ -e $SMARTGATE_KEY_FILE ]] || LOG_LEVEL=warning "$bin" keys create --database "$database"
# Sign-in attempts are counted by the address HAProxy forwards, not by HAProxy's own.
export SMARTGATE_TRUSTED_PROXIES="${SMARTGATE_TRUSTED_PROXIES:-127.0.0.1}"
if $demo; then
    # What `smartgate demo` sets in its own server: shuttles cross within minutes, and the
    # demo's exporter books faster than a person may.
    export SMARTGATE_CORRIDOR_SPEED="${SMARTGATE_CORRIDOR_SPEED:-30}"
    export SMARTGATE_RATE_LIMIT_BOOKING="${SMARTGATE_RATE_LIMIT_BOOKING:-6000}"
fi

declare -a pids=() down_since=()
haproxy_pid="" demo_pid=""
cleanup() {
    trap - EXIT INT TERM
    echo
    echo "== Stopping"
    for pid in $demo_pid $haproxy_pid "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in $demo_pid $haproxy_pid "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    echo "stopped; logs and the key file in $run (PostgreSQL is still running)"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start_instance() { # start_instance N (1-3)
    local n=$1
    echo "--- started $(date +%T)" >>"$run/sg-$n.log"
    "$bin" serve --instance-id "sg-$n" --hostname 127.0.0.1 --port "${ports[n-1]}" --database "$database" >>"$run/sg-$n.log" 2>&1 &
    pids[n-1]=$!
    down_since[n-1]=""
}

echo "== Three instances (migrations run once, under a PostgreSQL advisory lock)"
for n in 1 2 3; do start_instance "$n"; done
healthy() { [[ $(curl -s -m 2 -o /dev/null -w '%{http_code}' "$1/health") == 200 ]]; }
for n in 1 2 3; do
    for _ in $(seq 1 240); do
        healthy "http://127.0.0.1:${ports[n-1]}" && break
        kill -0 "${pids[n-1]}" 2>/dev/null || { echo "cluster-up: sg-$n exited; its log:" >&2; tail -n 20 "$run/sg-$n.log" >&2; exit 1; }
        sleep 0.5
    done
    healthy "http://127.0.0.1:${ports[n-1]}" || { echo "cluster-up: sg-$n did not answer /health in 2 minutes; see $run/sg-$n.log" >&2; exit 1; }
done

echo "== HAProxy on $lb"
haproxy -db -f deploy/haproxy.cfg >>"$run/haproxy.log" 2>&1 &
haproxy_pid=$!
for _ in $(seq 1 20); do
    healthy "$lb" && break
    kill -0 "$haproxy_pid" 2>/dev/null || { echo "cluster-up: HAProxy exited:" >&2; cat "$run/haproxy.log" >&2; exit 1; }
    sleep 0.5
done
healthy "$lb" || { echo "cluster-up: $lb/health did not answer 200; see $run/haproxy.log" >&2; exit 1; }

# Who holds the corridor now: the instance whose /health/roles/corridor answers 200.
leader() {
    for n in 1 2 3; do
        if [[ $(curl -s -m 1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${ports[n-1]}/health/roles/corridor") == 200 ]]; then
            echo "$n"
            return
        fi
    done
}
sleep 1 # the first lease round
current="$(leader)"

cat <<EOF

SmartGate: three instances on one PostgreSQL behind HAProxy
  open            $lb/                  (the balancer: any instance; the corridor's leader for /corridor)
  balancer stats  http://127.0.0.1:$SG_STATS_PORT/         (the 'corridor' backend shows only the leader UP: that is right)
  instances       sg-1 http://127.0.0.1:${ports[0]} (pid ${pids[0]})   sg-2 http://127.0.0.1:${ports[1]} (pid ${pids[1]})   sg-3 http://127.0.0.1:${ports[2]} (pid ${pids[2]})
  database        ${database%%\?*}
  logs            $run (sg-1.log … sg-3.log, haproxy.log$($demo && echo ", demo.log"))

  Which roles each instance holds:   curl -s http://127.0.0.1:${ports[0]}/health
  Who runs the corridor (200 = it):  for p in ${ports[*]}; do curl -s http://127.0.0.1:\$p/health/roles/corridor; echo; done
EOF
if [[ -n $current ]]; then
    cat <<EOF

  Try a failover: the corridor runs on sg-$current now. In another terminal:
      kill -9 ${pids[current-1]}
  and watch here: another instance takes the corridor within a few seconds, HAProxy sends
  the corridor's requests there, and sg-$current comes back $( ((restart_after > 0)) && echo "after $restart_after s" || echo "only if you start it again").
EOF
fi
if $demo; then
    cat <<EOF

  Demo accounts (password smartgate-demo): admin@, customs@, exporter@, corridor@, board@ … @demo.smartgate.vn
  e.g. corridor@demo.smartgate.vn on $lb/corridor. The trucks follow (also in $run/demo.log).
EOF
else
    cat <<EOF

  No accounts yet. Make one (or start again with --demo for the demo's):
      SMARTGATE_KEY_FILE=$SMARTGATE_KEY_FILE $bin users create --email you@example.vn --role admin --database '$database'
EOF
fi
echo
echo "Ctrl-C stops everything."
echo

if $demo; then
    "$bin" demo --drive "$lb" --database "$database" > >(tee -a "$run/demo.log") 2>&1 &
    demo_pid=$!
fi

# Watch: say when an instance dies and when the corridor moves; start a dead one again.
while true; do
    sleep 1
    kill -0 "$haproxy_pid" 2>/dev/null || { echo "cluster-up: HAProxy exited; see $run/haproxy.log" >&2; exit 1; }
    for n in 1 2 3; do
        if ! kill -0 "${pids[n-1]}" 2>/dev/null; then
            if [[ -z ${down_since[n-1]} ]]; then
                down_since[n-1]=$SECONDS
                echo "$(date +%T)  sg-$n (pid ${pids[n-1]}) is down"
            elif ((restart_after > 0 && SECONDS - down_since[n-1] >= restart_after)); then
                start_instance "$n"
                echo "$(date +%T)  sg-$n started again (pid ${pids[n-1]})"
            fi
        fi
    done
    now="$(leader)"
    if [[ $now != "$current" ]]; then
        if [[ -n $now ]]; then
            echo "$(date +%T)  the corridor now runs on sg-$now$([[ -n $current ]] && echo " (was sg-$current)"); HAProxy follows within a second"
        else
            echo "$(date +%T)  no instance holds the corridor (a takeover is under way)"
        fi
        current="$now"
    fi
done
