#!/usr/bin/env python3
"""scikit-learn baseline for SmartGate's risk models (run by scripts/bench-risk.sh).

Two modes:
  bench_risk.py fit WORKDIR [--inspection-rate R]
      Fits LogisticRegression (+ StandardScaler) and HistGradientBoostingClassifier on
      WORKDIR/train.csv, scores WORKDIR/test.csv (both exported by `smartgate risk
      features`, so sklearn sees exactly SmartGate's feature matrix), prints a human
      table, writes WORKDIR/sklearn.json and prints that JSON object as the last line.
  bench_risk.py table WORKDIR
      Joins WORKDIR/swift.json (written by the shell script) with WORKDIR/sklearn.json
      and prints the final markdown comparison table.
"""
import argparse
import json
import os
import platform
import sys
import time

FEATURE_COUNT = 15          # `risk features` writes 15 feature columns, then `discrepancy`
BATCH_SECONDS = 3.0         # batch scoring loops at least this long for a stable rate
SINGLE_ROW_REPEATS = 2000   # a gate scores one declaration at a time
AUC_TARGET_GAP = 0.01       # SmartGate's trees should be within this of the best sklearn AUC
SWIFT_TARGET_RATE = 100_000 # scores/s on one core that SmartGate must sustain


def load(path):
    import numpy as np
    with open(path) as f:
        header = f.readline().strip().split(",")
    if len(header) != FEATURE_COUNT + 1 or header[-1] != "discrepancy":
        sys.exit(f"{path}: expected {FEATURE_COUNT} features then `discrepancy`, got {header}")
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    return header[:-1], data[:, :-1], data[:, -1].astype(int)


def precision_at_rate(y, scores, rate):
    """Precision when the top `rate` share of trips is inspected (same budget as SmartGate)."""
    import numpy as np
    k = max(1, int(round(rate * len(y))))
    top = np.argsort(-scores, kind="stable")[:k]
    return float(y[top].mean())


def scoring_rates(model, X):
    """Single-thread predict_proba throughput: whole test set in a loop, then one row at a time."""
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1):   # limits OpenMP (HGB) and BLAS (LR) alike
        model.predict_proba(X[:1000])   # warm-up
        rows, start = 0, time.perf_counter()
        while True:
            model.predict_proba(X)
            rows += len(X)
            elapsed = time.perf_counter() - start
            if elapsed >= BATCH_SECONDS:
                break
        batch = rows / elapsed
        start = time.perf_counter()
        for i in range(SINGLE_ROW_REPEATS):
            j = i % len(X)
            model.predict_proba(X[j:j + 1])
        single = SINGLE_ROW_REPEATS / (time.perf_counter() - start)
    return batch, single


def fit_threads():
    """What the fit actually runs with: OMP_NUM_THREADS if the shell set it, else every core."""
    from threadpoolctl import threadpool_info
    return {f"{p['user_api']}:{p['internal_api']}": p["num_threads"] for p in threadpool_info()}


def fit_mode(args):
    import numpy as np
    import sklearn
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    names, X_train, y_train = load(os.path.join(args.workdir, "train.csv"))
    _, X_test, y_test = load(os.path.join(args.workdir, "test.csv"))

    models = {
        "sklearn LogisticRegression": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
        "sklearn HistGradientBoosting": lambda: HistGradientBoostingClassifier(random_state=0),
    }
    results = {}
    for name, make in models.items():
        # Fit with the default thread count (all cores unless OMP_NUM_THREADS says otherwise).
        start = time.perf_counter()
        model = make().fit(X_train, y_train)
        fit_seconds = time.perf_counter() - start
        scores = model.predict_proba(X_test)[:, 1]
        batch, single = scoring_rates(model, X_test)
        results[name] = {
            "auc": float(roc_auc_score(y_test, scores)),
            "train_seconds": fit_seconds,
            "batch_rows_per_s": batch,
            "single_row_rows_per_s": single,
            "precision_at_rate": precision_at_rate(y_test, scores, args.inspection_rate),
        }
        if name.endswith("HistGradientBoosting"):
            results[name]["iterations"] = int(model.n_iter_)

    out = {
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "fit_threads": fit_threads(),
        "scoring_threads": 1,
        "train_rows": int(len(y_train)), "test_rows": int(len(y_test)),
        "train_positive_rate": float(y_train.mean()), "test_positive_rate": float(y_test.mean()),
        "features": names,
        "inspection_rate": args.inspection_rate,
        "models": results,
    }

    print(f"scikit-learn {out['sklearn_version']}, numpy {out['numpy_version']}, Python {out['python']}")
    print(f"machine: {out['cpu_count']} cores ({out['cpus_usable']} usable); "
          f"OMP_NUM_THREADS={out['omp_num_threads'] or 'unset'}; fit threads {out['fit_threads']}; scoring on 1 thread")
    print(f"train {out['train_rows']} rows, test {out['test_rows']} rows, {len(names)} features")
    print(f"{'model':30} {'AUC':>7} {'fit s':>7} {'batch rows/s':>13} {'1-row rows/s':>13} {'prec@' + format(args.inspection_rate, '.1%'):>11}")
    for name, r in results.items():
        print(f"{name:30} {r['auc']:7.4f} {r['train_seconds']:7.2f} {r['batch_rows_per_s']:13,.0f} "
              f"{r['single_row_rows_per_s']:13,.0f} {r['precision_at_rate']:11.1%}")
    with open(os.path.join(args.workdir, "sklearn.json"), "w") as f:
        json.dump(out, f, indent=2)
    print(json.dumps(out))


def fmt(value, spec, missing="—"):
    return missing if value is None else format(value, spec)


def table_mode(args):
    with open(os.path.join(args.workdir, "swift.json")) as f:
        swift = json.load(f)
    with open(os.path.join(args.workdir, "sklearn.json")) as f:
        sk = json.load(f)

    rows = {**swift["models"], **sk["models"]}
    fastest_sklearn = min(r["train_seconds"] for r in sk["models"].values())
    best_name, best = max(sk["models"].items(), key=lambda kv: kv[1]["auc"])
    trees = swift["models"]["SmartGate boosted trees"]
    gap = trees["auc"] - best["auc"]

    print(f"| model | test AUC | precision @ insp. rate | train s | × fastest sklearn | batch rows/s (1 thread) | single-row / Swift scores/s (1 core) | ≥ {SWIFT_TARGET_RATE:,}/s |")
    print("|---|---:|---:|---:|---:|---:|---:|:---:|")
    for name, r in rows.items():
        is_swift = name.startswith("SmartGate")
        one = r.get("scores_per_s") if is_swift else r.get("single_row_rows_per_s")
        if is_swift:
            target = "not measured" if one is None else ("yes" if one >= SWIFT_TARGET_RATE else "NO")
            prec = f"{fmt(r.get('precision_pct'), '.1f')} % @ {fmt(r.get('inspection_rate_pct'), '.1f')} %"
        else:
            target = "n/a"
            prec = f"{r['precision_at_rate'] * 100:.1f} % @ {sk['inspection_rate'] * 100:.1f} %"
        print(f"| {name} | {r['auc']:.4f} | {prec} | {r['train_seconds']:.2f} | "
              f"{r['train_seconds'] / fastest_sklearn:.1f}× | {fmt(r.get('batch_rows_per_s'), ',.0f')} | "
              f"{fmt(one, ',.0f', 'not measured' if is_swift else '—')} | {target} |")
    verdict = "within" if gap >= -AUC_TARGET_GAP else "NOT within"  # ahead of sklearn counts too
    print()
    print(f"AUC gap, SmartGate trees − best sklearn ({best_name}): {gap:+.4f} ({verdict} the {AUC_TARGET_GAP} aim)")
    print(f"Same data: {sk['train_rows']} train / {sk['test_rows']} test rows (chronological holdout), "
          f"{len(sk['features'])} SmartGate features. Machine: {sk['cpu_count']} cores; sklearn fit threads "
          f"{sk['fit_threads']} (OMP_NUM_THREADS={sk['omp_num_threads'] or 'unset'}); sklearn scoring on 1 thread.")
    print("Swift train seconds are what `risk train` reports; sklearn's are fit() only on the exported matrix. "
          "Swift scores/s include feature extraction (smartgate-bench risk).")
    if swift.get("note"):
        print(swift["note"])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    fit = sub.add_parser("fit")
    fit.add_argument("workdir")
    fit.add_argument("--inspection-rate", type=float, default=0.08,
                     help="share of test trips inspected for the precision figure (SmartGate's trees' rate)")
    table = sub.add_parser("table")
    table.add_argument("workdir")
    args = parser.parse_args()
    fit_mode(args) if args.mode == "fit" else table_mode(args)


if __name__ == "__main__":
    main()
