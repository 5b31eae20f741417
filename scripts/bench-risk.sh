#!/usr/bin/env bash
# Compares SmartGate's pure-Swift risk models with scikit-learn on the same data, in one run:
# same synthetic history, same chronological 80/20 split, same feature matrix (exported by
# `smartgate risk features`), so the AUC and timing columns are comparable.
#
# Usage: scripts/bench-risk.sh [WORKDIR]          (default WORKDIR: .build/risk-bench)
# Env:   SMARTGATE_BIN        (default .build/release/smartgate; must already be built)
#        SMARTGATE_BENCH_BIN  (default .build/release/smartgate-bench; optional: without its
#                             `risk` mode the Swift scoring-throughput figure is skipped)
#        COUNT (200000), SEED (7), OMP_NUM_THREADS (passed through to sklearn's fit if set)
set -euo pipefail
started=$SECONDS

# Resolve caller-given relative paths against the caller's directory before moving to the repo.
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SG="$(abspath "${SMARTGATE_BIN:-$ROOT/.build/release/smartgate}")"
BENCH="$(abspath "${SMARTGATE_BENCH_BIN:-$ROOT/.build/release/smartgate-bench}")"
W="$(abspath "${1:-$ROOT/.build/risk-bench}")"
COUNT="${COUNT:-200000}"
SEED="${SEED:-7}"
HOLDOUT=0.2                   # train = oldest 80 %, test = newest 20 %
SKLEARN_VERSION=1.5.2         # has cp311 wheels; pulls numpy, scipy, joblib, threadpoolctl
VENV="$ROOT/.build/risk-bench-venv"
cd "$ROOT"

[[ -x $SG ]] || { echo "no smartgate binary at $SG: build it with 'swift build -c release --product smartgate' or set SMARTGATE_BIN" >&2; exit 1; }
mkdir -p "$W"

# --- scikit-learn in a private venv (CI machines start empty; reuse it when it is already right)
if ! "$VENV/bin/python" -c "import sklearn, sys; sys.exit(sklearn.__version__ != '$SKLEARN_VERSION')" 2>/dev/null; then
    echo "== installing scikit-learn==$SKLEARN_VERSION into $VENV"
    [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "scikit-learn==$SKLEARN_VERSION"
fi
PY="$VENV/bin/python"
echo "== $("$PY" -m pip --version | cut -d' ' -f1-2), $("$PY" -m pip show scikit-learn 2>/dev/null | grep -m1 '^Version' | sed 's/Version: /scikit-learn /')"

# Pull one number out of a command's output or stop with the output shown (a format change
# should fail loudly, not produce an empty table cell).
need() { # need NAME VALUE OUTPUT
    [[ -n $2 ]] && { printf '%s\n' "$2"; return; }
    printf 'could not parse %s from:\n%s\n' "$1" "$3" >&2
    exit 1
}

# --- SmartGate: history, both kinds of model, their evaluation on the newest 20 %
echo "== generating $COUNT trips (seed $SEED)"
"$SG" risk generate --count "$COUNT" --seed "$SEED" --output "$W/history.csv"

declare -A train_s auc prec rate
for kind in bt lr; do
    kind_flag=(); [[ $kind == lr ]] && kind_flag=(--kind logistic)
    echo "== training $kind"
    out="$("$SG" risk train --input "$W/history.csv" --holdout "$HOLDOUT" "${kind_flag[@]}" --output "$W/$kind.json")"
    echo "$out"
    # "trained bt-... on 160000 trips in 3.47 s: wrote ..."
    train_s[$kind]="$(need "$kind training seconds" "$(sed -nE 's/^trained .* in ([0-9.]+) s:.*/\1/p' <<<"$out")" "$out")"

    out="$("$SG" risk evaluate --model "$W/$kind.json" --input "$W/history.csv" --holdout "$HOLDOUT")"
    echo "$out" | sed -n '1,5p'
    auc[$kind]="$(need "$kind AUC" "$(awk '$1 == "AUC" { print $2 }' <<<"$out")" "$out")"
    prec[$kind]="$(need "$kind precision" "$(awk '$1 == "precision" { print $2 }' <<<"$out")" "$out")"
    rate[$kind]="$(need "$kind inspection rate" "$(awk '$1 == "inspection" && $2 == "rate" { print $3 }' <<<"$out")" "$out")"
done

# --- The exact feature matrices the models see, for sklearn (norms come from the training part)
echo "== exporting feature matrices"
"$SG" risk features --model "$W/bt.json" --input "$W/history.csv" --holdout "$HOLDOUT" --output "$W/train.csv"
"$SG" risk features --model "$W/bt.json" --input "$W/history.csv" --holdout "$HOLDOUT" --test --output "$W/test.csv"

# --- scikit-learn on the same rows; precision is taken at the trees' inspection rate
echo "== scikit-learn (OMP_NUM_THREADS=${OMP_NUM_THREADS:-unset}; $(getconf _NPROCESSORS_ONLN) cores)"
"$PY" scripts/bench_risk.py fit "$W" --inspection-rate "$(awk -v r="${rate[bt]}" 'BEGIN { print r / 100 }')"

# --- Swift scoring throughput (optional: the bench's `risk` mode may not be built yet)
declare -A scores
note=""
for kind in bt lr; do
    scores[$kind]=null
    if [[ ! -x $BENCH ]]; then
        note="Swift scoring not measured: no bench binary at $BENCH (swift build -c release --product smartgate-bench)."
        continue
    fi
    echo "== Swift scoring, $kind (5 s)"
    # A bench without the risk mode exits non-zero (or crashes): keep going, say so below.
    out="$(timeout 120 "$BENCH" risk --model "$W/$kind.json" --input "$W/history.csv" --seconds 5 2>&1)" || true
    n="$(sed -nE 's/.*risk scoring: ([0-9][0-9,_.]*) scores\/s.*/\1/p' <<<"$out" | head -n1 | tr -d ',_')"
    if [[ -n $n ]]; then
        scores[$kind]=$n
        grep -m1 'risk scoring:' <<<"$out"
    else
        note="Swift scoring not measured: $BENCH printed no 'risk scoring:' line (risk mode not built yet?); its first line: $(head -n1 <<<"$out")"
    fi
done
[[ -n $note ]] && echo "!! $note"

# --- Hand SmartGate's numbers to the table renderer
cat >"$W/swift.json" <<EOF
{
  "models": {
    "SmartGate boosted trees": {"auc": ${auc[bt]}, "train_seconds": ${train_s[bt]}, "precision_pct": ${prec[bt]}, "inspection_rate_pct": ${rate[bt]}, "scores_per_s": ${scores[bt]}},
    "SmartGate logistic": {"auc": ${auc[lr]}, "train_seconds": ${train_s[lr]}, "precision_pct": ${prec[lr]}, "inspection_rate_pct": ${rate[lr]}, "scores_per_s": ${scores[lr]}}
  },
  "note": $("$PY" -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$note")
}
EOF

echo
echo "## Risk models: SmartGate vs scikit-learn ($COUNT trips, seed $SEED, holdout $HOLDOUT)"
echo
"$PY" scripts/bench_risk.py table "$W"
echo
echo "total runtime $((SECONDS - started)) s; work dir $W"
