#!/usr/bin/env python3
"""Exact optimum of SmartGate's corridor scheduling instances, with OR-Tools CP-SAT.

Usage: corridor_cpsat.py DIR [--time-limit 30] [--workers 2]

DIR holds instance-NN.json (a JSON-encoded `SchedulingInstance`) and smartgate.json, both
written by `smartgate-bench corridor-quality --dir DIR`. For every instance this builds
the model below, solves it, joins the result with SmartGate's sum of completion times,
prints a Markdown table and writes DIR/comparison.json.

The model is the problem the Swift simulation plays out:
  * each vehicle starts at time 0 at `vehicles[id]`; every order is ready at time 0;
  * an order is: empty leg (previous location -> order.from), load, loaded leg
    (order.from -> order.to), unload; its completion C is the end of the unload;
  * a leg a->b takes legs[a][b].before, then .span seconds on the single-vehicle span
    (span 0: the leg does not cross), then .after; a vehicle may wait only at the stop
    line before the span, so only the span start is free (>=), everything else is chained
    with equalities; a->a takes no time;
  * at most one vehicle on the span at a time (NoOverlap over all span intervals; an empty
    leg's interval is optional, present only when that arc is chosen);
  * each order is done by exactly one vehicle, in a sequence (one AddCircuit per vehicle);
  * minimise the sum of C over orders.
Redundant constraints (add_layers) only tighten the bound so that 8-order instances are
proven optimal in seconds rather than minutes; they remove no schedule.
Times are integers in tenths of a second; every input time is rounded *up* to the next
tenth (the generator's times are exact tenths, so nothing is normally rounded: the output
says so if something was).

Exit status: 0 when every SmartGate run finished all its orders with no safety violation;
2 when one did not; 3 when SmartGate beat a *proven* optimum by more than the rounding can
explain (the model no longer matches the simulation); 1 on bad input.
"""
import argparse
import glob
import json
import math
import os
import statistics
import sys
import time

from ortools.sat.python import cp_model

SCALE = 10                  # model time unit: 0.1 s
AIM_MEAN_GAP = 5.0          # per cent
AIM_WORST_GAP = 15.0        # per cent


class Ticks:
    """Converts seconds to model ticks (ceil), counting values that were not exact."""

    def __init__(self):
        self.rounded = 0

    def __call__(self, seconds):
        scaled = seconds * SCALE
        nearest = round(scaled)
        if abs(scaled - nearest) < 1e-6:     # 14.4 s * 10 is 143.99999999999997 in binary
            return int(nearest)
        self.rounded += 1
        return int(math.ceil(scaled))


def add_layers(m, arcs, n, work, setup, done, vid):
    """Redundant constraints for one vehicle that make CP-SAT's bound useful: without them
    it finds an 8-order optimum within seconds but needs minutes to prove it.

    On one vehicle, order i's empty leg and work delay i and every order after it, so
    sum(C) >= sum over the vehicle's orders of remaining(i) * (setup into i + work(i)),
    with equality when nobody waits for the span. remaining(i) (orders left on the vehicle,
    i included) is modelled as a layered network: z[a, i, q] = "arc a -> i is used and i has
    q orders left", q falling by one along the path and 1 at the last order. This repeats
    what the circuit says, but its LP relaxation is far stronger.

    On top of it, D[q] = completion time of the order with q left (0 if none), chained by
    D[q] >= D[q + 1] + (setup + work of the arc into layer q) and tied to the real C; the
    caller adds sum(D) == sum(C) over all vehicles. The chain lets waits found by
    propagation count once per order they delay, which is what closes the bound.

    `arcs` are this vehicle's circuit arcs (node 0 = home, order i = node i + 1); `work[i]`
    and `setup(a, i)` (nodes) are in ticks; `done[i]` is order i's completion variable.
    Returns ((coefficient, literal) terms of the remaining-weighted bound, [D[1..n]]).
    """
    into = {}       # (i, q) -> literals of arcs into order node i with q orders left
    out_of = {}     # (i, q) -> literals of arcs leaving order node i when it has q left
    terms = []      # (coefficient, literal) of the remaining-weighted bound
    layer_cost = {q: [] for q in range(1, n + 1)}   # setup + work of the arc into layer q
    for a, i, lit in arcs:
        if i == 0 or a == i:        # returns home and self-loops carry no cost
            continue
        # From home, i may have any count left; after order a, i has at most n - 1 left.
        layers = range(1, n + 1) if a == 0 else range(1, n)
        z = [m.NewBoolVar(f"z_{vid}_{a}_{i}_{q}") for q in layers]
        m.Add(sum(z) == lit)
        cost = setup(a, i) + work[i - 1]
        for q, zq in zip(layers, z):
            into.setdefault((i, q), []).append(zq)
            if a != 0:
                out_of.setdefault((a, q + 1), []).append(zq)
            terms.append((q * cost, zq))
            layer_cost[q].append(cost * zq)
    last = {a: lit for a, i, lit in arcs if i == 0 and a != 0}
    for i in range(1, n + 1):
        for q in range(1, n + 1):
            inflow = sum(into.get((i, q), []))
            outflow = last[i] if q == 1 else sum(out_of.get((i, q), []))
            m.Add(inflow == outflow)        # the count falls by exactly one per step

    latest = max(d.Proto().domain[-1] for d in done)
    D = [m.NewIntVar(0, latest, f"D_{vid}_{q}") for q in range(n + 1)]    # D[0] unused
    for q in range(1, n + 1):
        occupied = []
        for i in range(1, n + 1):
            if (i, q) not in into:
                continue
            here = m.NewBoolVar(f"layer_{vid}_{q}_order_{i}")
            m.Add(sum(into[(i, q)]) == here)
            m.Add(D[q] == done[i - 1]).OnlyEnforceIf(here)
            occupied.append(here)
        m.Add(D[q] == 0).OnlyEnforceIf([x.Not() for x in occupied])
        m.Add(D[q] >= (D[q + 1] if q < n else 0) + sum(layer_cost[q]))
    return terms, D[1:]


def build_model(inst, ticks):
    """Returns (model, completion variables). See the module docstring for the model."""
    orders = inst["orders"]
    vehicles = sorted(inst["vehicles"].items())          # [(vehicle id, home)], stable order
    legs = inst["legs"]
    load, unload = ticks(inst["loadSeconds"]), ticks(inst["unloadSeconds"])
    n = len(orders)

    # Every leg in ticks, converted once (so Ticks counts each rounded input value once).
    leg_ticks = {(a, b): (ticks(l["before"]), ticks(l["span"]), ticks(l["after"]))
                 for a, row in legs.items() for b, l in row.items()}

    def leg(a, b):
        """(before, span, after) in ticks; a leg to where the vehicle already is takes 0."""
        if a == b:
            return 0, 0, 0
        try:
            return leg_ticks[(a, b)]
        except KeyError:
            raise ValueError(f"instance has no leg {a} -> {b}") from None

    def total(l):
        return sum(l)

    loaded = [leg(o["from"], o["to"]) for o in orders]
    # Horizon: doing every order one after another on one vehicle, each with its longest
    # possible empty leg, is feasible (one vehicle never waits for the span); its sum of
    # completions bounds the optimal sum, hence every completion time of an optimal schedule.
    sources = [home for _, home in vehicles] + [o["to"] for o in orders]
    worst_empty = [max(total(leg(s, o["from"])) for s in sources) for o in orders]
    clock, horizon = 0, 0
    for i in range(n):
        clock += worst_empty[i] + load + total(loaded[i]) + unload
        horizon += clock

    def order_time(i):
        """Order i's own work, without its empty leg or any wait for the span."""
        return load + total(loaded[i]) + unload

    # Earliest possible completion of each order: its shortest empty leg, then its work.
    # In a schedule whose sum is at most `horizon`, order i completes by `horizon` less
    # the others' earliest completions. Small domains keep the big-M's of the enforced
    # (OnlyEnforceIf) constraints in the LP relaxation small.
    earliest = [min(total(leg(s, o["from"])) for s in sources if s != o["to"]) + order_time(i)
                for i, o in enumerate(orders)]
    latest = [horizon - (sum(earliest) - earliest[i]) for i in range(n)]

    m = cp_model.CpModel()
    arrive = [m.NewIntVar(0, latest[i] - order_time(i), f"arrive_{o['id']}")   # at order.from
              for i, o in enumerate(orders)]
    done = [m.NewIntVar(earliest[i], latest[i], f"C_{o['id']}") for i, o in enumerate(orders)]
    spans = []          # all span intervals, for the NoOverlap
    waits = []          # every wait at a stop line, as a linear expression

    # Loaded leg: load, drive to the stop line, maybe wait, cross, drive on, unload.
    for i, o in enumerate(orders):
        before, span, after = loaded[i]
        if span > 0:
            start = m.NewIntVar(0, latest[i] - unload - after - span, f"loaded_span_{o['id']}")
            m.Add(start >= arrive[i] + load + before)
            waits.append(start - arrive[i] - load - before)
            m.Add(done[i] == start + span + after + unload)
            spans.append(m.NewIntervalVar(start, span, start + span, f"loaded_iv_{o['id']}"))
        else:   # never happens with the generator (sources and destinations face each other)
            m.Add(done[i] == arrive[i] + load + before + after + unload)

    empty_wait = [m.NewIntVar(0, latest[i], f"empty_wait_{o['id']}") for i, o in enumerate(orders)]
    waits += empty_wait

    def empty_leg(lit, ready, a, i, name):
        """When `lit` holds, the vehicle leaves `a` at `ready` and reaches order i's source."""
        before, span, after = leg(a, orders[i]["from"])
        if span > 0:
            start = m.NewIntVar(0, max(0, latest[i] - order_time(i) - after - span), f"empty_span_{name}")
            m.Add(start == ready + before + empty_wait[i]).OnlyEnforceIf(lit)
            m.Add(arrive[i] == start + span + after).OnlyEnforceIf(lit)
            spans.append(m.NewOptionalIntervalVar(start, span, start + span, lit, f"empty_iv_{name}"))
        else:
            m.Add(arrive[i] == ready + before + after).OnlyEnforceIf(lit)
            m.Add(empty_wait[i] == 0).OnlyEnforceIf(lit)

    # Sequencing: one circuit per vehicle over node 0 (its home) and nodes 1..n (orders).
    # A self-loop on order node i means "vehicle k does not do order i"; a self-loop on 0
    # means "vehicle k does nothing".
    follows = {}        # (j, i) -> literals "order i right after order j" on some vehicle
    on_vehicle = [[] for _ in range(n)]
    bound_terms, layer_done = [], []
    for k, (vid, home) in enumerate(vehicles):
        arcs = [(0, 0, m.NewBoolVar(f"idle_{vid}"))]
        for i, o in enumerate(orders):
            skip = m.NewBoolVar(f"skip_{vid}_{o['id']}")
            arcs.append((i + 1, i + 1, skip))
            on_vehicle[i].append(skip.Not())
            first = m.NewBoolVar(f"first_{vid}_{o['id']}")
            arcs.append((0, i + 1, first))
            empty_leg(first, 0, home, i, f"{vid}_home_{o['id']}")
            arcs.append((i + 1, 0, m.NewBoolVar(f"last_{vid}_{o['id']}")))
            for j in range(n):
                if j != i:
                    lit = m.NewBoolVar(f"{vid}_{orders[j]['id']}_then_{o['id']}")
                    arcs.append((j + 1, i + 1, lit))
                    follows.setdefault((j, i), []).append(lit)
        m.AddCircuit(arcs)
        terms, layers = add_layers(
            m, arcs, n, [order_time(i) for i in range(n)],
            lambda a, i, home=home: total(leg(home if a == 0 else orders[a - 1]["to"], orders[i - 1]["from"])),
            done, vid)
        bound_terms += terms
        layer_done += layers
    for i in range(n):
        m.AddExactlyOne(on_vehicle[i])
    # Redundant: every stop-line wait delays at least its own order.
    m.Add(sum(done) >= sum(c * z for c, z in bound_terms) + sum(waits))
    m.Add(sum(done) == sum(layer_done))

    # The empty leg between two orders does not depend on the vehicle, so one optional span
    # interval per ordered pair, present when any vehicle does i right after j (at most one
    # can: j is on exactly one vehicle).
    for (j, i), lits in follows.items():
        after_j = m.NewBoolVar(f"{orders[j]['id']}_then_{orders[i]['id']}")
        m.Add(sum(lits) == after_j)
        empty_leg(after_j, done[j], orders[j]["to"], i, f"{orders[j]['id']}_then_{orders[i]['id']}")

    m.AddNoOverlap(spans)
    m.Minimize(sum(done))
    return m, done


def solve(path, time_limit, workers):
    with open(path) as f:
        inst = json.load(f)
    ticks = Ticks()
    model, done = build_model(inst, ticks)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    started = time.perf_counter()
    status = solver.Solve(model)
    wall = time.perf_counter() - started
    result = {
        "orders": len(inst["orders"]),
        "status": solver.StatusName(status),
        "proven": status == cp_model.OPTIMAL,
        "solveSeconds": round(wall, 3),
        "roundedTimes": ticks.rounded,
        "optimum": None, "bound": None, "completions": None,
    }
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        result["optimum"] = solver.ObjectiveValue() / SCALE
        result["bound"] = solver.BestObjectiveBound() / SCALE
        result["completions"] = {o["id"]: solver.Value(c) / SCALE for o, c in zip(inst["orders"], done)}
    return result


def fmt(x, digits=1):
    return "—" if x is None else f"{x:.{digits}f}"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dir")
    p.add_argument("--time-limit", type=float, default=30.0, help="seconds per instance (default 30)")
    p.add_argument("--workers", type=int, default=2, help="CP-SAT search workers (default 2)")
    args = p.parse_args()

    paths = sorted(glob.glob(os.path.join(args.dir, "instance-*.json")))
    if not paths:
        print(f"no instance-*.json in {args.dir}", file=sys.stderr)
        return 1
    try:
        with open(os.path.join(args.dir, "smartgate.json")) as f:
            smartgate = {r["instance"]: r for r in json.load(f)}
    except (OSError, ValueError) as e:
        print(f"cannot read {args.dir}/smartgate.json: {e}", file=sys.stderr)
        return 1

    rows, failures, mismatches = [], [], []
    for path in paths:
        name = os.path.basename(path)
        cp = solve(path, args.time_limit, args.workers)
        sg = smartgate.get(name)
        row = {"instance": name, **cp, "smartgate": None, "smartgateFinished": None,
               "smartgateViolations": None, "gapPercent": None}
        if sg is None:
            failures.append(f"{name}: missing from smartgate.json")
        else:
            row.update(smartgate=sg["sum"] if sg["sum"] >= 0 else None,
                       smartgateFinished=sg["finished"], smartgateViolations=sg["violations"],
                       smartgateCompletions=sg.get("completions"))
            if sg["violations"] > 0 or sg["finished"] < sg["orders"] or sg["orders"] != cp["orders"]:
                failures.append(f"{name}: SmartGate finished {sg['finished']}/{sg['orders']} orders "
                                f"(instance has {cp['orders']}), {sg['violations']} violations")
            if row["smartgate"] is not None and cp["optimum"]:
                row["gapPercent"] = (row["smartgate"] - cp["optimum"]) / cp["optimum"] * 100
                # Below a proven optimum means the model and the simulation disagree about
                # the problem. Allowed slack: float noise, plus what rounding up can add to a
                # completion (< 0.1 s per rounded input time) on every order.
                slack = 0.01 + 0.1 * cp["roundedTimes"] * cp["orders"]
                if cp["proven"] and row["smartgate"] < cp["optimum"] - slack:
                    mismatches.append(f"{name}: SmartGate {row['smartgate']:.1f} s < proven optimum {cp['optimum']:.1f} s")
        rows.append(row)
        print(f"{name}: {cp['orders']} orders, CP-SAT {cp['status']} {fmt(cp['optimum'])} s "
              f"(bound {fmt(cp['bound'])}) in {cp['solveSeconds']:.2f} s", file=sys.stderr)

    rounded = sum(r["roundedTimes"] for r in rows)
    print("| instance | orders | CP-SAT optimum (s) | proven | SmartGate (s) | gap % | CP-SAT solve s |")
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: |")
    for r in rows:
        if r["proven"]:
            proven = "yes"
        elif r["optimum"] is None:
            proven = f"not proven: {r['status']}, no solution"
        else:
            proven = f"not proven (bound {fmt(r['bound'])})"
        print(f"| {r['instance'].removesuffix('.json')} | {r['orders']} | {fmt(r['optimum'])} | {proven} | "
              f"{fmt(r['smartgate'])} | {fmt(r['gapPercent'], 2)} | {r['solveSeconds']:.2f} |")
    gaps = [r["gapPercent"] for r in rows if r["gapPercent"] is not None]
    mean_gap = statistics.fmean(gaps) if gaps else None
    worst = max((r for r in rows if r["gapPercent"] is not None), key=lambda r: r["gapPercent"], default=None)
    worst_gap = worst["gapPercent"] if worst else None
    print()
    print(f"mean gap: {fmt(mean_gap, 2)} % over {len(gaps)} of {len(rows)} instances")
    print(f"worst gap: {fmt(worst_gap, 2)} %" + (f" ({worst['instance']})" if worst else ""))
    met = gaps and mean_gap <= AIM_MEAN_GAP and worst_gap <= AIM_WORST_GAP
    print(f"aims: mean ≤ {AIM_MEAN_GAP:g} %, worst ≤ {AIM_WORST_GAP:g} % — {'met' if met else 'NOT met'}")
    unproven = sum(not r["proven"] for r in rows)
    print(f"time unit 0.1 s, input times rounded up to it ({rounded} input value(s) needed rounding); "
          f"{unproven} instance(s) not proven optimal within {args.time_limit:g} s "
          f"(their gap is against the best solution found, so it may understate the true gap)")
    for line in failures:
        print(f"FAIL {line}")
    for line in mismatches:
        print(f"MODEL MISMATCH {line}")

    summary = {
        "timeUnitSeconds": 1 / SCALE, "rounding": "ceil", "roundedTimes": rounded,
        "timeLimitSeconds": args.time_limit, "workers": args.workers,
        "meanGapPercent": mean_gap, "worstGapPercent": worst_gap,
        "worstInstance": worst["instance"] if worst else None,
        "aims": {"meanGapPercent": AIM_MEAN_GAP, "worstGapPercent": AIM_WORST_GAP, "met": bool(met)},
        "failures": failures, "mismatches": mismatches, "instances": rows,
    }
    with open(os.path.join(args.dir, "comparison.json"), "w") as f:
        json.dump(summary, f, indent=2, sort_keys=True)
        f.write("\n")
    if failures:
        return 2
    if mismatches:
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
