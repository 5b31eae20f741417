#!/usr/bin/env bash
# Fuzzes the HTTP API with Schemathesis against a real server and fails on anything it
# finds: a 5xx, or a status, content type, header or body the OpenAPI document does not
# allow. The server runs on loopback with a throwaway SQLite database; Schemathesis reads
# the document the server serves and signs every request as its operation's `security`
# says (bearer token or X-Device-Key), once per role: a declarant (with a lane device
# key), an admin, and a customs officer at kim-thanh. Logout is never called (it would
# revoke the token mid-run). A run also fails if an operation the role may call never
# answered 2xx and answered mostly 401/403, so credentials that are not taken cannot pass
# unnoticed.
#
# Usage: scripts/fuzz-api.sh            (after `swift build --product smartgate`)
# Environment: SMARTGATE_BIN (default .build/debug/smartgate), FUZZ_SEED, FUZZ_MAX_EXAMPLES,
# FUZZ_CHECKS (Schemathesis check names, comma-separated), FUZZ_OPENAPI (a document file to
# use instead of the one the server serves).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

schemathesis_version=4.32.5
seed="${FUZZ_SEED:-20260311}"
max_examples="${FUZZ_MAX_EXAMPLES:-50}"
# No 5xx, and status, content type, headers and body as the document says.
checks="${FUZZ_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance}"
bin="${SMARTGATE_BIN:-$root/.build/debug/smartgate}"
[[ "$bin" = /* ]] || bin="$root/$bin"
[[ -x "$bin" ]] || { echo "fuzz-api: no executable $bin; run swift build --product smartgate first" >&2; exit 1; }
unset DATABASE_URL # --database below is the only database

work="$(mktemp -d)"
database="sqlite://$work/fuzz.sqlite" # sqlite:// + an absolute path: sqlite:///tmp/…/fuzz.sqlite
server_pid=""
cleanup() {
    local status=$?
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [[ $status -eq 0 ]]; then rm -rf "$work"; else echo "fuzz-api: kept $work (server.log, fuzz-*.log)" >&2; fi
}
trap cleanup EXIT

server_log_tail() {
    echo "---- server log: warnings and errors (last 40), then the last 40 lines of $work/server.log" >&2
    grep -E '^[^ ]+ (warning|error|critical) ' "$work/server.log" | tail -n 40 >&2 || true
    echo "----" >&2
    tail -n 40 "$work/server.log" >&2 || true
}

echo "-- Schemathesis $schemathesis_version"
venv="$root/.build/schemathesis-$schemathesis_version"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -qF "$schemathesis_version"; then
    rm -rf "$venv"
    mkdir -p "$root/.build"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$schemathesis_version"
fi
"$venv/bin/schemathesis" --version

echo "-- Database and credentials ($database)"
password="fuzz-$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
"$bin" migrate --yes --database "$database" >"$work/cli.log" 2>&1 || { cat "$work/cli.log" >&2; exit 1; }
create_user() { # EMAIL ROLE [OPTIONS…]
    local email="$1" role="$2"
    shift 2
    printf '%s\n' "$password" | "$bin" users create --email "$email" --role "$role" "$@" --password-stdin \
        --database "$database" >>"$work/cli.log" 2>&1 || { cat "$work/cli.log" >&2; exit 1; }
}
create_user declarant@fuzz.test declarant --enterprise 5300100269
create_user admin@fuzz.test admin
create_user customs@fuzz.test customs-officer --gate kim-thanh
create_user corridor@fuzz.test corridor-operator --gate kim-thanh
"$bin" devices create --lane kim-thanh-out-1 --name fuzz-camera --json --database "$database" >"$work/device.json" \
    2>>"$work/cli.log" || { cat "$work/cli.log" >&2; exit 1; }
device_key="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["key"])' "$work/device.json")"

echo "-- Server"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
# Live streams end after their first event, so a fuzzed feed answers at once.
SMARTGATE_RATE_LIMIT_USER=0 SMARTGATE_RATE_LIMIT_DEVICE=0 SMARTGATE_RATE_LIMIT_LOGIN=0 SMARTGATE_RATE_LIMIT_BOOKING=0 SMARTGATE_LIVE_STREAM_SECONDS=0 \
    "$bin" serve --hostname 127.0.0.1 --port "$port" --database "$database" >"$work/server.log" 2>&1 &
server_pid=$!
for ((i = 0; i < 120; i++)); do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/health")" == 200 ]]; then break; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "fuzz-api: the server exited before answering /health" >&2
        server_log_tail
        exit 1
    fi
    sleep 0.5
done
if [[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/health")" != 200 ]]; then
    echo "fuzz-api: $base/health did not answer 200 within 60 s" >&2
    server_log_tail
    exit 1
fi
echo "serving on $base"
if [[ -n "${FUZZ_OPENAPI:-}" ]]; then
    schema=("$(realpath "$FUZZ_OPENAPI")" --url "$base")
else
    schema=("$base/openapi.json")
fi

# call EXPECTED_STATUS METHOD PATH [CURL ARGS…]: the body goes to $work/response; exits on another status.
call() {
    local expected="$1" method="$2" path="$3" status
    shift 3
    status="$(curl -sS -o "$work/response" -w '%{http_code}' -X "$method" "$@" "$base$path")"
    if [[ "$status" != "$expected" ]]; then
        echo "fuzz-api: $method $path answered $status, expected $expected:" >&2
        cat "$work/response" >&2
        echo >&2
        server_log_tail
        exit 1
    fi
}
member() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$work/response" "$1"; }
declare -A tokens
for who in declarant admin customs corridor; do
    body="$(EMAIL="$who@fuzz.test" PASSWORD="$password" python3 -c \
        'import json, os; print(json.dumps({"email": os.environ["EMAIL"], "password": os.environ["PASSWORD"]}))')"
    call 200 POST /api/v1/auth/login -H 'Content-Type: application/json' --data "$body"
    tokens[$who]="$(member token)"
done
check_credentials() { # every credential works (before the runs) and is still valid (after them)
    local who
    for who in declarant admin customs corridor; do
        call 200 GET /api/v1/auth/me -H "Authorization: Bearer ${tokens[$who]}"
        echo "$who@fuzz.test: signed in as $(member role)"
    done
    call 200 GET /api/v1/gates -H "X-Device-Key: $device_key"
    echo "device key for kim-thanh-out-1: accepted"
}
check_credentials

# fuzz NAME TOKEN DEVICE_KEY|"" "OPERATIONS NOT RUN" "OPERATIONS WITH NO 2xx FOR THIS ROLE" [TAG] → 0 or 1
# With TAG, only that tag's operations run.
# Schemathesis's missing_auth warning fails the run when an operation never answered 2xx and
# answered mostly 401/403; the last argument names the operations where that is by design.
fuzz() {
    local name="$1" token="$2" key="$3" excluded="$4" unserved="$5" tag="${6:-}" config="$work/schemathesis-$1.toml" op
    # shellcheck disable=SC2016 # ${…} are placeholders Schemathesis fills from the environment
    {
        echo '[cache]'
        echo 'enabled = false'
        echo '[generation]'
        echo 'database = "none"'
        echo '[warnings]'
        echo 'fail-on = ["missing_auth"]'
        echo '[auth.openapi.bearerAuth]'
        echo 'bearer = "${FUZZ_TOKEN}"'
        if [[ -n "$key" ]]; then
            echo '[auth.openapi.deviceKey]'
            echo 'api_key = "${FUZZ_DEVICE_KEY}"'
        fi
        # Login answers 401 to made-up credentials; the others cannot succeed for this role.
        echo '[[operations]]'
        printf 'include-operation-id = ['
        # shellcheck disable=SC2086 # one operation id per word
        printf '"%s", ' login $unserved
        echo ']'
        echo 'warnings = { fail-on = false }'
    } >"$config"
    local args=(
        --config-file "$config" run "${schema[@]}"
        --checks "$checks"
        --max-examples "$max_examples" --seed "$seed" --request-timeout 30 --no-color
    )
    for op in $excluded; do args+=(--exclude-operation-id "$op"); done
    if [[ -n "$tag" ]]; then args+=(--include-tag "$tag"); fi
    echo
    echo "-- Schemathesis as $name (seed $seed, at most $max_examples examples per operation)"
    echo "$(basename "$venv")/bin/schemathesis ${args[*]}"
    # From $work: Hypothesis keeps a .hypothesis folder in the working directory.
    if (cd "$work" && FUZZ_TOKEN="$token" FUZZ_DEVICE_KEY="$key" "$venv/bin/schemathesis" "${args[@]}") \
        2>&1 | tee "$work/fuzz-$name.log"; then
        return 0
    fi
    echo "fuzz-api: Schemathesis found problems as $name (see above)" >&2
    return 1
}

failed=()
risk_ops="createRiskRule listRiskRules readRiskRule replaceRiskRule retireRiskRule riskModel"
inspection_ops="listInspections setDuty readInspection claimInspection releaseInspection recordInspectionOutcome"
corridor_writes="createTransportOrder withdrawTransportOrder pauseCorridor resumeCorridor"
corridor_ops="listCorridorVehicles listTransportOrders readTransportOrder corridorVehicleLink $corridor_writes"
# The link's inbox, outbox and ledger admit only a peer's signed request: every role gets 401
# there by design (the conformance suite and BorderLinkPairTests play the peer).
peer_ops="deliverLinkMessages pullLinkMessages linkLedger"
# Bookings are the declarant's; the calendar is written by the gate's operator and admins; the
# yard's readings need a yard camera's key (the fuzz key is a lane's: 403 by design).
booking_writes="createBooking moveBooking cancelBooking"
fuzz declarant "${tokens[declarant]}" "$device_key" "logout" \
    "listDecisions listAuditEntries auditHead linkStatus listArrivals writeSlotCalendar readYard postYardReading $peer_ops $risk_ops $inspection_ops $corridor_ops" || failed+=(declarant)
fuzz admin "${tokens[admin]}" "" "logout login postLaneReading postYardReading" \
    "createDeclaration amendDeclaration cancelDeclaration $booking_writes $peer_ops $inspection_ops $corridor_ops" || failed+=(admin)
# The officer's audit queries need an existing subject at kim-thanh: made-up ones are 404
# (so are made-up transport order ids).
fuzz customs-officer "${tokens[customs]}" "" "logout login postLaneReading postYardReading" \
    "createDeclaration amendDeclaration cancelDeclaration listAuditEntries readTransportOrder corridorVehicleLink writeSlotCalendar $booking_writes $peer_ops $corridor_writes" || failed+=(customs-officer)
# The corridor operator's own operations: made-up order ids are 404.
fuzz corridor-operator "${tokens[corridor]}" "" "logout login" \
    "readTransportOrder withdrawTransportOrder corridorVehicleLink" corridor || failed+=(corridor-operator)

echo
if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "fuzz-api: the server died during the runs" >&2
    server_log_tail
    exit 1
fi
echo "-- Credentials after the runs"
check_credentials
if ((${#failed[@]})); then
    echo "fuzz-api: FAILED as ${failed[*]}" >&2
    server_log_tail
    exit 1
fi
echo "fuzz-api: no server error and no response outside the OpenAPI document, as declarant, admin, customs officer and corridor operator"
