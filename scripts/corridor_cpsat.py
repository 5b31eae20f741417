#!/usr/bin/env python3
"""SmartGate's corridor instances (format v2): CP-SAT against SmartGate and three baselines.

Usage: corridor_cpsat.py DIR [--time-limit 60] [--time-limit-large 150]
                             [--class-time-limit CLASS=SECONDS ...] [--workers 2]

DIR holds, all written by the Swift bench (`smartgate-bench corridor-quality --dir DIR`):
  * <class>-NN.json: one instance each (format smartgate-corridor-instance/2); the class is one
    of open, four-orders, contended-small, contended-day, contended-charging;
  * smartgate.json: per instance, the result of each policy (smartgate, fifo,
    earliest-completion, nearest-vehicle) and the trace of SmartGate's run;
  * bruteforce.json (optional, `smartgate-bench corridor-bruteforce --dir DIR`): the optimum
    of some small instances by enumeration.
For every instance this solves the model below, replays SmartGate's trace in it, compares every
policy with CP-SAT's optimum (or best solution and bound), prints Markdown tables per class and
a summary per class, and writes DIR/comparison.json.

The model (the Swift brute-force solver implements the same):
  * vehicle k starts at its home, free at time 0; each order is done by exactly one vehicle,
    and a vehicle does its orders in a sequence;
  * order i after location p (home or the previous order's destination), ready at t (0, or the
    previous order's completion): the vehicle leaves for it at d >= max(t, release_i) (nobody
    moves for an order before it exists); empty leg p -> from_i = (before b, span s, after a),
    nothing when p == from_i. s > 0: span start S_e >= d + b, arrival A = S_e + s + a; s == 0:
    A >= d + b + a. Waiting is allowed anywhere;
  * load start L >= A (>= release_i). The model is still offline: it knows every order from
    time 0 (it may keep a vehicle for an order to come, or order the span for it), while the
    dispatchers are online, so every gap includes the value of knowing the future;
  * loaded leg from_i -> to_i = (b', s', a'): s' > 0: span start S_l >= L + load + b',
    completion C = S_l + s' + a' + unload; s' == 0: C = L + load + b' + a' + unload;
  * one vehicle at a time on the span: NoOverlap over every span interval [S, S + s) and the
    instance's closed intervals [start, end) (closed windows, night breaks);
  * minimise sum_i weight_i (C_i - release_i) + lateWeight sum_i max(0, C_i - deadline_i).
    `priority` is not in the objective (the policies may use it).
Batteries are not modelled: on an instance with energyRelaxed true (its vehicles must charge
during the run) the model is a relaxation, its optimum a lower bound of the real problem's.

Formulations (`Model`), of the same model:
  * multiple circuit (any size): one AddMultipleCircuit, depot 0 -> start node of each vehicle
    (forced), start -> an order or back to the depot (idle vehicle), order -> order or -> depot;
    arcs that no schedule within the upper bound can use are left out;
  * per-vehicle circuits (up to 10 orders): one AddCircuit per vehicle (a self-loop: the vehicle
    skips the order) with add_layers' redundant constraints.
In both, an order's empty crossing is one optional interval, present when the arc chosen into
the order crosses, and both get valid lower-bound cuts (`add_cuts`). An instance of more than
10 orders gets the multiple circuit; one of up to 10 gets it for a fifth of its time limit (it
proves instances with releases at once), then, unless proven, the per-vehicle circuits for the
rest (they prove 8-order instances released at 0 in seconds, where the other does not). A
greedy schedule (`greedy`) and SmartGate's replayed schedule bound the objective from above,
which sizes every domain; the better of the two is the solver's hint.

Time limits, per instance: --time-limit (60 s) up to 10 orders, --time-limit-large (150 s)
above, --class-time-limit CLASS=SECONDS over both (built in: contended-charging=200). With the
bench's classes (open 10 instances, four-orders 6, contended-small 8, contended-day 3,
contended-charging 2) the run takes at most ~32 min on 2 workers, ~20 min when the small
instances are proven early, as they usually are.

Replay check: SmartGate's assignment and sequences (trace.sequences) are fixed in the model, so
is the span start of each order's empty and loaded crossing (trace.crossings); its other
crossings (to park or charge, not in the model) are fixed intervals on the span. It fails
("unfaithful") when the trace lacks a crossing the model's leg needs or an order's crossing was
made by another vehicle; it passes when the fixed schedule is feasible and each order's model
completion equals SmartGate's within the rounding slack. Skipped on energyRelaxed instances.

Times are integers in tenths of a second; input durations, releases and deadlines are rounded
up to the next tenth, closed intervals outwards (the generator's times are exact tenths, so
nothing is normally rounded: the output says so if something was). Weights are scaled to
integers (e.g. multiples of 0.5 are doubled); every value is reported in seconds.

Exit status, the first that applies: 1 bad input; 2 a policy left orders unfinished or had
safety violations, or an instance or policy is missing from smartgate.json; 3 a policy beat
CP-SAT's bound (a proven optimum or not) or its objective does not follow from its completions
(the model no longer matches the simulation); 4 a replay check failed; 5 the brute force
disagrees with CP-SAT; 0 otherwise.
"""
import argparse
import bisect
import glob
import json
import math
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from fractions import Fraction

from ortools.sat.python import cp_model

SCALE = 10                  # model time unit: 0.1 s
INSTANCE_FORMAT = "smartgate-corridor-instance/2"
INSTANCE_NAME = re.compile(r"^(?P<cls>[a-z][a-z0-9-]*)-\d+\.json$")
CLASSES = ("open", "four-orders", "contended-small", "contended-day", "contended-charging")
CONTENDED = ("contended-small", "contended-day", "contended-charging")
POLICIES = ("smartgate", "fifo", "earliest-completion", "nearest-vehicle")
BASELINES = POLICIES[1:]
SHORT = {"smartgate": "SmartGate", "fifo": "FIFO", "earliest-completion": "earliest-completion",
         "nearest-vehicle": "nearest-vehicle"}
AIM_MEAN_GAP = 5.0          # per cent, contended classes
AIM_WORST_GAP = 10.0        # per cent, contended classes
SMALL_MAX_ORDERS = 10       # per-vehicle circuits up to this many orders
CLASS_TIME_LIMITS = {"contended-charging": 200.0}
REPLAY_TIME_LIMIT = 30.0    # the replay's model is fixed: it solves by propagation
QUEYRANNE_WINDOW = 10       # add_cuts: sets of up to this many jobs consecutive by release
MULTIPLE_SHARE = 0.2        # of a small instance's time limit, for the multiple circuit first


class Ticks:
    """Converts seconds to model ticks (up, or down when asked), counting values that were not
    exact."""

    def __init__(self):
        self.rounded = 0

    def __call__(self, seconds, up=True):
        scaled = seconds * SCALE
        nearest = round(scaled)
        if abs(scaled - nearest) < 1e-6:     # 14.4 s * 10 is 143.99999999999997 in binary
            return int(nearest)
        self.rounded += 1
        return int(math.ceil(scaled) if up else math.floor(scaled))


def integer_weights(values):
    """(m, [v * m]) with the least integer m that makes every value an integer."""
    fractions = [Fraction(v).limit_denominator(1000) for v in values]
    if any(abs(float(f) - v) > 1e-9 for f, v in zip(fractions, values)):
        raise ValueError(f"weights {values} are not multiples of 1/1000")
    m = math.lcm(*(f.denominator for f in fractions))
    return m, [int(f * m) for f in fractions]


class Instance:
    """One v2 instance in model units: times in ticks, weights scaled to integers, so that the
    model's objective `units` is sum weight*C + lateWeight*tardiness in ticks x `multiplier`."""

    def __init__(self, path):
        with open(path) as f:
            raw = json.load(f)
        if raw.get("format") != INSTANCE_FORMAT:
            raise ValueError(f"format {raw.get('format')!r}, expected {INSTANCE_FORMAT!r}")
        self.name, self.cls = os.path.basename(path), raw["instanceClass"]
        self.energy_relaxed = bool(raw["energyRelaxed"])
        self.orders, self.vehicles = raw["orders"], sorted(raw["vehicles"].items())
        self.ids = [o["id"] for o in self.orders]
        t = self.ticks = Ticks()
        self.load, self.unload = t(raw["loadSeconds"]), t(raw["unloadSeconds"])
        self.legs = {(a, b): (t(l["before"]), t(l["span"]), t(l["after"]))
                     for a, row in raw["legs"].items() for b, l in row.items()}
        self.release_seconds = [o["release"] for o in self.orders]
        self.release = [t(r) for r in self.release_seconds]
        self.deadline_seconds = [o.get("deadline") for o in self.orders]
        self.deadline = [None if d is None else t(d) for d in self.deadline_seconds]
        self.closed = [(t(s, up=False), t(e)) for s, e in raw["closed"]]
        self.weight_seconds = [o["weight"] for o in self.orders]
        self.late_weight_seconds = raw["lateWeight"]
        if min(self.weight_seconds, default=1) <= 0 or self.late_weight_seconds < 0:
            raise ValueError("weights must be positive and lateWeight not negative")
        self.multiplier, scaled = integer_weights(self.weight_seconds + [self.late_weight_seconds])
        self.weight, self.late_weight = scaled[:-1], scaled[-1]
        self.loaded = [self.leg(o["from"], o["to"]) for o in self.orders]
        self.work = [self.load + sum(l) + self.unload for l in self.loaded]
        spans = {s for _, s, _ in self.legs.values() if s > 0}
        self.span = max(spans, default=0)       # the span time of a crossing the model lacks

    def leg(self, a, b):
        """(before, span, after) in ticks; a leg to where the vehicle already is takes 0."""
        if a == b:
            return 0, 0, 0
        try:
            return self.legs[(a, b)]
        except KeyError:
            raise ValueError(f"{self.name} has no leg {a} -> {b}") from None

    def term(self, i, done):
        """Order i's term of the model objective, in units, when it completes at `done`."""
        d = self.deadline[i]
        return self.weight[i] * done + (0 if d is None else self.late_weight * max(0, done - d))

    def units(self, done):
        """The model objective, in units, of completions `done` (ticks, by order index)."""
        return sum(self.term(i, done[i]) for i in range(len(self.orders)))

    def seconds(self, units):
        """Objective units as the objective in seconds (exact releases, not rounded ones)."""
        return units / (SCALE * self.multiplier) - sum(
            w * r for w, r in zip(self.weight_seconds, self.release_seconds))

    def objective(self, completions):
        """The objective in seconds of completions in seconds by order id (a policy's)."""
        total = 0.0
        for o, w, r, d in zip(self.orders, self.weight_seconds, self.release_seconds,
                              self.deadline_seconds):
            c = completions[o["id"]]
            total += w * (c - r) + (0 if d is None else self.late_weight_seconds * max(0.0, c - d))
        return total

    def slack(self):
        """How far, in objective seconds, rounding can move a schedule's objective: < 0.1 s
        per rounded input on every completion, weighted, plus float noise."""
        per_tick = sum(w + (0 if d is None else self.late_weight_seconds)
                       for w, d in zip(self.weight_seconds, self.deadline))
        return 0.01 + 0.1 * self.ticks.rounded * per_tick


@dataclass
class Schedule:
    """A schedule of the model: order indices per vehicle id, span starts of the crossing legs,
    load starts and completions (ticks, by order index)."""
    sequences: dict
    empty: dict = field(default_factory=dict)
    loaded: dict = field(default_factory=dict)
    load: dict = field(default_factory=dict)
    done: dict = field(default_factory=dict)

    def trace(self, inst):
        """This schedule in smartgate.json's trace format (and its completions)."""
        crossings = []
        for vid, seq in self.sequences.items():
            for i in seq:
                for kind, starts in (("empty", self.empty), ("loaded", self.loaded)):
                    if i in starts:
                        crossings.append({"vehicle": vid, "start": starts[i] / SCALE,
                                          "order": inst.ids[i], "kind": kind})
        crossings.sort(key=lambda c: c["start"])
        return {"sequences": {v: [inst.ids[i] for i in s] for v, s in self.sequences.items()},
                "crossings": crossings,
                "completions": {inst.ids[i]: c / SCALE for i, c in sorted(self.done.items())}}


def earliest_slot(busy, t, length):
    """The earliest start >= t of an interval of `length` that overlaps none of `busy`
    (intervals sorted by start)."""
    for s, e in busy:
        if e <= t:
            continue
        if s >= t + length:
            break
        t = e
    return t


def plan_order(inst, i, loc, ready, busy):
    """Order i done next by a vehicle at `loc` free at `ready`, each crossing in the earliest
    gap of `busy`: (empty span start or None, load start, loaded span start or None, done)."""
    o = inst.orders[i]
    b, s, a = inst.leg(loc, o["from"])
    leave = max(ready, inst.release[i])
    empty = earliest_slot(busy, leave + b, s) if s > 0 else None
    load = empty + s + a if s > 0 else leave + b + a  # after the release: it left no earlier
    b, s, a = inst.loaded[i]
    loaded = earliest_slot(busy, load + inst.load + b, s) if s > 0 else None
    done = (loaded + s if s > 0 else load + inst.load + b) + a + inst.unload
    return empty, load, loaded, done


def greedy(inst):
    """A feasible schedule built greedily: orders by release, each to the vehicle that completes
    it first, its crossings in the earliest free gaps of the span."""
    busy = sorted(inst.closed)
    where = {vid: (home, 0) for vid, home in inst.vehicles}
    sched = Schedule({vid: [] for vid, _ in inst.vehicles})
    for i in sorted(range(len(inst.orders)), key=lambda i: (inst.release[i], i)):
        vid, plan = min(((v, plan_order(inst, i, loc, ready, busy)) for v, (loc, ready) in where.items()),
                        key=lambda vp: vp[1][3])
        empty, sched.load[i], loaded, sched.done[i] = plan
        for starts, start, (_, s, _) in ((sched.empty, empty, inst.leg(where[vid][0], inst.orders[i]["from"])),
                                         (sched.loaded, loaded, inst.loaded[i])):
            if start is not None:
                starts[i] = start
                bisect.insort(busy, (start, start + s))
        sched.sequences[vid].append(i)
        where[vid] = (inst.orders[i]["to"], sched.done[i])
    return sched


def add_layers(m, arcs, n, work, setup, done, vid):
    """Redundant constraints for one vehicle that make CP-SAT's bound useful: without them
    it finds an 8-order optimum within seconds but needs minutes to prove it.

    On one vehicle, order i's empty leg and work delay i and every order after it, so
    sum(C) >= sum over the vehicle's orders of remaining(i) * (setup into i + work(i)),
    with equality when nobody waits. remaining(i) (orders left on the vehicle, i included)
    is modelled as a layered network: z[a, i, q] = "arc a -> i is used and i has q orders
    left", q falling by one along the path and 1 at the last order. This repeats what the
    circuit says, but its LP relaxation is far stronger.

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


def queyranne(m, jobs, machines, window=QUEYRANNE_WINDOW):
    """Valid cuts for jobs on `machines` identical machines: jobs (release e, length p, end
    expression) occupy [end - p, end) after e, disjoint on each machine. For a set S of jobs,
    all released at e or later: sum p*end >= e*p(S) + (p(S)^2 + machines*sum p^2) / 2machines.
    The sets: by release, the jobs from the k-th on (all of them, and the next 2..`window`)."""
    jobs = sorted(jobs, key=lambda j: j[0])
    sets = {(k, len(jobs)) for k in range(len(jobs))}
    sets |= {(k, k + w) for k in range(len(jobs)) for w in range(2, window + 1) if k + w < len(jobs)}
    for k, end in sorted(sets):
        chosen, e = jobs[k:end], jobs[k][0]
        p = sum(j[1] for j in chosen)
        p2 = sum(j[1] ** 2 for j in chosen)
        m.Add(2 * machines * sum(j[1] * j[2] for j in chosen)
              >= 2 * machines * e * p + p * p + machines * p2)


class Model:
    """The CP-SAT model of one instance (module docstring). Only schedules whose objective is
    at most `upper` (units) are kept, which sizes every domain; `fixed` are extra (start, length)
    intervals on the span. `arcs` maps a key to each circuit literal (`true_keys`)."""

    def __init__(self, inst, upper, per_vehicle, fixed=()):
        self.inst, self.per_vehicle, self.m = inst, per_vehicle, cp_model.CpModel()
        self.arcs, self.spans, self.empty_start, self.into = {}, [], {}, {}
        self.waits = []
        self.domains(upper)
        self.order_vars()
        if per_vehicle:
            self.vehicle_circuits()
        else:
            self.multiple_circuit()
        self.empty_intervals()
        self.add_cuts()
        self.spans += [self.m.NewIntervalVar(s, e - s, e, f"fixed_{s}") for s, e in
                       inst.closed + [(s, s + length) for s, length in fixed]]
        self.m.AddNoOverlap(self.spans)
        self.m.Minimize(sum(w * c for w, c in zip(inst.weight, self.done))
                        + inst.late_weight * sum(self.tardy))

    def domains(self, upper):
        """Earliest load start and completion of each order; its latest completion in a
        schedule whose objective is at most `upper` given the others' earliest completions."""
        inst, n = self.inst, len(self.inst.orders)
        ways_in = [[inst.leg(home, o["from"]) for _, home in inst.vehicles]
                   + [inst.leg(p["to"], o["from"]) for j, p in enumerate(inst.orders) if j != i]
                   for i, o in enumerate(inst.orders)]
        self.min_setup = [min(sum(l) for l in ways_in[i]) for i in range(n)]
        # Nobody leaves for an order before its release.
        self.earliest_load = [inst.release[i] + self.min_setup[i] for i in range(n)]
        self.earliest = [e + w for e, w in zip(self.earliest_load, inst.work)]
        least = [inst.term(i, e) for i, e in enumerate(self.earliest)]
        self.latest = [(upper - (sum(least) - least[i])) // inst.weight[i] for i in range(n)]
        if any(l < e for l, e in zip(self.latest, self.earliest)):
            raise ValueError(f"{inst.name}: upper bound {upper} below the earliest completions")

    def order_vars(self):
        """Load start, loaded crossing, completion and tardiness of every order."""
        inst, m = self.inst, self.m
        self.done, self.load_start, self.loaded_start, self.tardy = [], [], {}, []
        for i, oid in enumerate(inst.ids):
            late, work = self.latest[i], inst.work[i]
            C = m.NewIntVar(self.earliest[i], late, f"C_{oid}")
            L = m.NewIntVar(self.earliest_load[i], late - work, f"L_{oid}")
            b, s, a = inst.loaded[i]
            if s > 0:
                S = m.NewIntVar(self.earliest_load[i] + inst.load + b, late - inst.unload - a - s, f"Sl_{oid}")
                m.Add(S >= L + inst.load + b)
                m.Add(C == S + s + a + inst.unload)
                self.spans.append(m.NewIntervalVar(S, s, S + s, f"loaded_{oid}"))
                self.loaded_start[i] = S
                self.waits.append(S - L - inst.load - b)
            else:
                m.Add(C == L + work)
            if inst.deadline[i] is not None:
                T = m.NewIntVar(0, max(0, late - inst.deadline[i]), f"T_{oid}")
                m.Add(T >= C - inst.deadline[i])
                self.tardy.append(T)
            self.done.append(C)
            self.load_start.append(L)
        if self.per_vehicle:        # the wait of each order between its ready time and load
            self.empty_wait = [m.NewIntVar(0, self.latest[i], f"We_{oid}") for i, oid in enumerate(inst.ids)]
            self.waits += self.empty_wait

    def empty_leg(self, lit, ready, loc, i):
        """When `lit` holds, the vehicle is free at `loc` at `ready` and does order i next."""
        m, L = self.m, self.load_start[i]
        b, s, a = self.inst.leg(loc, self.inst.orders[i]["from"])
        if s > 0:
            if i not in self.empty_start:
                self.empty_start[i] = m.NewIntVar(0, self.latest[i], f"Se_{self.inst.ids[i]}")
            S = self.empty_start[i]
            m.Add(S >= ready + b).OnlyEnforceIf(lit)
            m.Add(S >= self.inst.release[i] + b).OnlyEnforceIf(lit)
            m.Add(L >= S + s + a).OnlyEnforceIf(lit)
            self.into.setdefault(i, []).append((lit, s))
        else:
            m.Add(L >= ready + b + a).OnlyEnforceIf(lit)
            m.Add(L >= self.inst.release[i] + b + a).OnlyEnforceIf(lit)
        if self.per_vehicle:
            m.Add(L == ready + b + s + a + self.empty_wait[i]).OnlyEnforceIf(lit)

    def empty_intervals(self):
        """One optional interval per order for its empty crossing, present when the arc used
        into the order crosses (at most one arc into an order is used)."""
        m = self.m
        for i, into in self.into.items():
            oid, S = self.inst.ids[i], self.empty_start[i]
            present = m.NewBoolVar(f"crosses_empty_{oid}")
            m.Add(sum(lit for lit, _ in into) == present)
            sizes = sorted({s for _, s in into})
            if len(sizes) == 1:
                iv = m.NewOptionalIntervalVar(S, sizes[0], S + sizes[0], present, f"empty_{oid}")
            else:
                size = m.NewIntVar(sizes[0], sizes[-1], f"empty_span_{oid}")
                for lit, s in into:
                    m.Add(size == s).OnlyEnforceIf(lit)
                end = m.NewIntVar(0, self.latest[i] + sizes[-1], f"empty_end_{oid}")
                iv = m.NewOptionalIntervalVar(S, size, end, present, f"empty_{oid}")
            self.spans.append(iv)

    def vehicle_circuits(self):
        """One circuit per vehicle over node 0 (its home) and nodes 1..n (orders); a self-loop
        on order node i: the vehicle skips order i; on node 0: the vehicle does nothing. With
        add_layers' redundant constraints."""
        inst, m, n = self.inst, self.m, len(self.inst.orders)
        follows, on_vehicle, bound_terms, layer_done = {}, [[] for _ in range(n)], [], []
        for vid, home in inst.vehicles:
            arcs = [(0, 0, self.lit(("idle", vid)))]
            for i in range(n):
                skip = self.lit(("skip", vid, i))
                on_vehicle[i].append(skip.Not())
                arcs += [(i + 1, i + 1, skip), (0, i + 1, self.lit(("first", vid, i))),
                         (i + 1, 0, self.lit(("last", vid, i)))]
                self.empty_leg(self.arcs[("first", vid, i)], 0, home, i)
                for j in range(n):
                    if j != i:
                        lit = self.lit(("next", vid, j, i))
                        arcs.append((j + 1, i + 1, lit))
                        follows.setdefault((j, i), []).append(lit)
            m.AddCircuit(arcs)
            terms, layers = add_layers(
                m, arcs, n, inst.work,
                lambda a, i, home=home: sum(inst.leg(home if a == 0 else inst.orders[a - 1]["to"],
                                                     inst.orders[i - 1]["from"])),
                self.done, vid)
            bound_terms += terms
            layer_done += layers
        for i in range(n):
            m.AddExactlyOne(on_vehicle[i])
        m.Add(sum(self.done) >= sum(c * z for c, z in bound_terms) + sum(self.waits))
        m.Add(sum(self.done) == sum(layer_done))
        # The empty leg between two orders does not depend on the vehicle: one literal per pair.
        for (j, i), lits in follows.items():
            pair = self.lit(("pair", j, i))
            m.Add(sum(lits) == pair)
            self.empty_leg(pair, self.done[j], inst.orders[j]["to"], i)

    def multiple_circuit(self):
        """One AddMultipleCircuit: depot 0 -> start node of vehicle k (forced) -> its orders ->
        depot; start -> depot is an idle vehicle. Arc j -> i is left out when order j's earliest
        completion plus the leg is after order i's latest load start."""
        inst, m, n, K = self.inst, self.m, len(self.inst.orders), len(self.inst.vehicles)
        arcs = []
        for k, (vid, home) in enumerate(inst.vehicles):
            go = m.NewBoolVar(f"go_{vid}")
            m.Add(go == 1)
            arcs += [(0, 1 + k, go), (1 + k, 0, self.lit(("idle", vid)))]
            for i in range(n):
                arcs.append((1 + k, 1 + K + i, self.lit(("first", vid, i))))
                self.empty_leg(self.arcs[("first", vid, i)], 0, home, i)
        for i, o in enumerate(inst.orders):
            arcs.append((1 + K + i, 0, self.lit(("last", i))))
            for j, p in enumerate(inst.orders):
                setup = sum(inst.leg(p["to"], o["from"]))
                if j != i and self.earliest[j] + setup <= self.latest[i] - inst.work[i]:
                    arcs.append((1 + K + j, 1 + K + i, self.lit(("next", j, i))))
                    self.empty_leg(self.arcs[("next", j, i)], self.done[j], p["to"], i)
        m.AddMultipleCircuit(arcs)

    def lit(self, key):
        """A new circuit literal, kept under `key`."""
        self.arcs[key] = self.m.NewBoolVar("_".join(map(str, key)))
        return self.arcs[key]

    def add_cuts(self):
        """Valid lower-bound cuts (`queyranne`): the mandatory loaded crossings on the one span,
        and the orders on the vehicles, each busy from its order's ready time to its completion:
        at least the cheapest way in plus the work, and after the release at least the work."""
        inst, n = self.inst, len(self.inst.orders)
        crossings = [(self.earliest_load[i] + inst.load + inst.loaded[i][0], inst.loaded[i][1],
                      self.done[i] - inst.loaded[i][2] - inst.unload)
                     for i in range(n) if inst.loaded[i][1] > 0]
        queyranne(self.m, crossings, 1)
        K = len(inst.vehicles)
        queyranne(self.m, [(0, self.min_setup[i] + inst.work[i], self.done[i]) for i in range(n)], K)
        queyranne(self.m, [(self.earliest_load[i], inst.work[i], self.done[i])
                           for i in range(n) if self.earliest_load[i] > 0], K)

    def true_keys(self, sequences):
        """The keys of the circuit literals that are true for these sequences."""
        keys = set()
        for vid, seq in sequences.items():
            if not seq:
                keys.add(("idle", vid))
                continue
            keys.add(("first", vid, seq[0]))
            keys.add(("last", vid, seq[-1]) if self.per_vehicle else ("last", seq[-1]))
            for j, i in zip(seq, seq[1:]):
                keys |= {("next", vid, j, i), ("pair", j, i)} if self.per_vehicle else {("next", j, i)}
            if self.per_vehicle:
                keys |= {("skip", vid, i) for i in range(len(self.inst.orders)) if i not in seq}
        return keys

    def hint(self, sched):
        """Hints the solver with a schedule (circuit, span starts, load starts, completions)."""
        keys = self.true_keys(sched.sequences)
        for key, lit in self.arcs.items():
            self.m.AddHint(lit, key in keys)
        for variables, values in ((self.empty_start, sched.empty), (self.loaded_start, sched.loaded),
                                  (dict(enumerate(self.load_start)), sched.load),
                                  (dict(enumerate(self.done)), sched.done)):
            for i, v in values.items():
                if i in variables:
                    self.m.AddHint(variables[i], v)

    def schedule(self, solver):
        """The solver's schedule."""
        inst, value = self.inst, solver.Value
        true = {key for key, lit in self.arcs.items() if solver.BooleanValue(lit)}
        succ = {k[-2]: k[-1] for k in true if k[0] == "next"}
        sched = Schedule({vid: [] for vid, _ in inst.vehicles})
        for key in true:
            if key[0] == "first":
                i = key[2]
                while i is not None:
                    sched.sequences[key[1]].append(i)
                    i = succ.get(i)
        for vid, home in inst.vehicles:
            loc = home
            for i in sched.sequences[vid]:
                if inst.leg(loc, inst.orders[i]["from"])[1] > 0:
                    sched.empty[i] = value(self.empty_start[i])
                loc = inst.orders[i]["to"]
        sched.loaded = {i: value(v) for i, v in self.loaded_start.items()}
        sched.load = {i: value(v) for i, v in enumerate(self.load_start)}
        sched.done = {i: value(v) for i, v in enumerate(self.done)}
        return sched


@dataclass
class ReplayPlan:
    """What the replay fixes, from SmartGate's trace: sequences (order indices by vehicle),
    windows [floor, ceil] of the empty and loaded span starts by order index, other crossings
    as fixed (start, length) intervals, notes, and faults: where the trace is not the model's
    schedule (a crossing the model's leg needs is missing, or one was made by a vehicle the
    order is not with), each of which fails the replay as the Swift replay does."""
    sequences: dict
    empty: dict = field(default_factory=dict)
    loaded: dict = field(default_factory=dict)
    fixed: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    faults: list = field(default_factory=list)
    rounded: int = 0


def read_trace(inst, trace):
    """SmartGate's trace as a ReplayPlan. An order's empty crossing is its last one (the one
    before the load), its loaded crossing its first; any other crossing, or one the model's leg
    does not have, is a fixed interval. Raises ValueError unless every order is in exactly one
    sequence."""
    index = {oid: i for i, oid in enumerate(inst.ids)}
    plan = ReplayPlan({vid: [] for vid, _ in inst.vehicles})
    for vid, ids in trace["sequences"].items():
        if vid not in plan.sequences or any(oid not in index for oid in ids):
            raise ValueError(f"trace sequence {vid}: {ids} names an unknown vehicle or order")
        plan.sequences[vid] = [index[oid] for oid in ids]
    done = sorted(i for seq in plan.sequences.values() for i in seq)
    if done != list(range(len(inst.orders))):
        raise ValueError("the trace's sequences do not hold every order exactly once")
    owner, before = {}, {}
    for vid, home in inst.vehicles:
        loc = home
        for i in plan.sequences[vid]:
            owner[i], before[i], loc = vid, loc, inst.orders[i]["to"]
    found = {}
    for c in sorted(trace["crossings"], key=lambda c: c["start"]):
        i = index.get(c.get("order"))
        if c["kind"] in ("empty", "loaded") and i is not None:
            found.setdefault((c["kind"], i), []).append(c)
        else:
            plan.fixed.append(c)
        if i is not None and c["vehicle"] != owner[i]:
            plan.faults.append(f"{inst.ids[i]}: crossing at {c['start']} s by {c['vehicle']}, "
                               f"but the order is in {owner[i]}'s sequence")
    for i, oid in enumerate(inst.ids):
        legs = (("empty", inst.leg(before[i], inst.orders[i]["from"]), -1), ("loaded", inst.loaded[i], 0))
        for kind, (_, span, _), pick in legs:
            seen = found.get((kind, i), [])
            if span > 0 and seen:
                chosen = seen.pop(pick)
                ticks = Ticks()
                window = (ticks(chosen["start"], up=False), ticks(chosen["start"]))
                plan.rounded += ticks.rounded
                (plan.empty if kind == "empty" else plan.loaded)[i] = window
            elif span > 0:
                plan.faults.append(f"{oid}: the model's leg crosses the span, the trace has no {kind} crossing")
            plan.fixed += seen
            if seen:
                plan.notes.append(f"{oid}: {len(seen)} {kind} crossing(s) the model's leg has no place "
                                  f"for, fixed on the span")
    plan.fixed = [(round(c["start"] * SCALE), inst.span) for c in plan.fixed]
    return plan


def explain_infeasible(inst, plan, completions):
    """Why a replay may be infeasible, checked directly (first 5 reasons): overlapping fixed
    crossings, and span starts earlier than the vehicle can be there given SmartGate's
    completions."""
    why, items = [], [(s, e, "closed interval") for s, e in inst.closed]
    items += [(s, s + length, "other crossing") for s, length in plan.fixed]
    for kind, starts, leg in (("empty", plan.empty, None), ("loaded", plan.loaded, inst.loaded)):
        for i, (_, hi) in starts.items():
            span = inst.span if leg is None else leg[i][1]
            items.append((hi, hi + span, f"{inst.ids[i]} {kind} crossing"))
    items.sort()
    for (s1, e1, a), (s2, _, b) in zip(items, items[1:]):
        if s2 < e1:
            why.append(f"{a} at {s1 / SCALE} s overlaps {b} at {s2 / SCALE} s")
    for vid, home in inst.vehicles:
        loc, ready = home, 0
        for i in plan.sequences[vid]:
            o = inst.orders[i]
            b, s, a = inst.leg(loc, o["from"])
            leave = max(ready, inst.release[i])
            if i in plan.empty and plan.empty[i][1] < leave + b:
                why.append(f"{o['id']}: empty crossing at {plan.empty[i][1] / SCALE} s, "
                           f"earliest {(leave + b) / SCALE} s")
            start = plan.empty[i][1] if i in plan.empty else leave + b
            load = max(start + s + a, inst.release[i])
            b, s, a = inst.loaded[i]
            if i in plan.loaded and plan.loaded[i][1] < load + inst.load + b:
                why.append(f"{o['id']}: loaded crossing at {plan.loaded[i][1] / SCALE} s, "
                           f"earliest {(load + inst.load + b) / SCALE} s")
            loc, ready = o["to"], Ticks()(completions[o["id"]])
    return why[:5]


def replay(inst, entry, upper, workers):
    """Replays SmartGate's run in the model (module docstring). Returns (result, the model's
    schedule for SmartGate's plan or None)."""
    if inst.energy_relaxed:
        return {"status": "skipped", "notes": ["energyRelaxed: charging is not in the model"]}, None
    sg = (entry or {}).get("policies", {}).get("smartgate") or {}
    trace, completions = (entry or {}).get("trace"), sg.get("completions") or {}
    if not trace or any(oid not in completions for oid in inst.ids):
        return {"status": "no trace", "notes": ["smartgate.json has no trace or not every completion"]}, None
    try:
        plan = read_trace(inst, trace)
    except (KeyError, TypeError, ValueError) as e:
        return {"status": "invalid", "notes": [f"trace: {e}"]}, None
    if plan.faults:
        return {"status": "unfaithful", "notes": plan.faults + plan.notes, "mismatches": []}, None
    sg_units = inst.units([Ticks()(completions[oid]) for oid in inst.ids])
    model = Model(inst, 4 * max(upper, sg_units), len(inst.orders) <= SMALL_MAX_ORDERS, plan.fixed)
    keys = model.true_keys(plan.sequences)
    plan.notes += [f"arc {key} of the trace is in no schedule within the bound"
                   for key in sorted(keys - model.arcs.keys(), key=str)]
    for key, lit in model.arcs.items():
        model.m.Add(lit == (key in keys))
    for starts, variables in ((plan.empty, model.empty_start), (plan.loaded, model.loaded_start)):
        for i, (lo, hi) in starts.items():
            model.m.AddLinearConstraint(variables[i], lo, hi)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = REPLAY_TIME_LIMIT
    solver.parameters.num_workers = workers
    status = solver.Solve(model.m)
    result = {"status": "unknown", "notes": plan.notes, "mismatches": [], "objective": None}
    if status == cp_model.INFEASIBLE:
        result.update(status="infeasible", notes=plan.notes + explain_infeasible(inst, plan, completions))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return result, None
    tolerance = 0.01 + 0.1 * (inst.ticks.rounded + plan.rounded)
    for i, oid in enumerate(inst.ids):
        ours, theirs = solver.Value(model.done[i]) / SCALE, completions[oid]
        if ours > theirs + tolerance or (i in plan.loaded and ours < theirs - tolerance):
            result["mismatches"].append({"order": oid, "model": ours, "smartgate": theirs})
    result.update(status="mismatch" if result["mismatches"] else "ok",
                  objective=inst.seconds(solver.ObjectiveValue()), pinned=len(plan.loaded))
    return result, model.schedule(solver)


def solve(inst, limit, workers, upper, hint):
    """Solves the instance within `limit` seconds, hinted with `hint` (objective `upper`).
    Up to 10 orders: the multiple circuit first, for MULTIPLE_SHARE of the limit (it proves
    instances with releases at once), then, unless proven, the per-vehicle circuits for the
    rest (they prove those without), hinted with the best so far; the bound is the better of
    the two. Returns (result, schedule or None)."""
    started, small = time.perf_counter(), len(inst.orders) <= SMALL_MAX_ORDERS
    best, sched, bound, used = None, None, None, []
    for per_vehicle in ((False, True) if small else (False,)):
        left = limit - (time.perf_counter() - started)
        model = Model(inst, upper, per_vehicle)
        model.hint(hint)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = left * MULTIPLE_SHARE if small and not per_vehicle else left
        solver.parameters.num_workers = workers
        status = solver.Solve(model.m)
        used.append("per-vehicle circuits" if per_vehicle else "multiple circuit")
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and (best is None or solver.ObjectiveValue() < best):
            best, sched = round(solver.ObjectiveValue()), model.schedule(solver)
            upper, hint = best, sched
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.INFEASIBLE):
            bound = max(bound or 0, math.ceil(solver.BestObjectiveBound() - 1e-6))
        if best is not None and bound >= best:
            break
    proven = best is not None and bound >= best
    result = {
        "formulation": ", then ".join(used),
        "status": "OPTIMAL" if proven else "UNKNOWN" if best is None else "FEASIBLE",
        "proven": proven, "solveSeconds": round(time.perf_counter() - started, 3), "timeLimitSeconds": limit,
        "best": None if best is None else inst.seconds(best), "bound": None if bound is None else inst.seconds(bound),
        "optimum": inst.seconds(best) if proven else None, "cpsat": sched and sched.trace(inst),
    }
    return result, sched


def percent(x, ref):
    return None if x is None or ref is None or ref <= 0 else (x - ref) / ref * 100


def evaluate_policies(inst, entry, cp, problems):
    """Each policy's objective and gaps (to CP-SAT's best solution and to its bound); appends
    to problems["failures"] (unfinished, violations, missing) and problems["mismatches"] (below
    the bound, or an objective its completions do not give)."""
    n, slack, out = len(inst.orders), inst.slack(), {}
    for name in POLICIES:
        res = ((entry or {}).get("policies") or {}).get(name)
        if res is None:
            problems["failures"].append(f"{inst.name}: {name} missing from smartgate.json")
            out[name] = {"objective": None, "finished": None, "violations": None}
            continue
        finished, violations = res["finished"], res["violations"]
        if violations > 0 or finished < n:
            problems["failures"].append(f"{inst.name}: {name} finished {finished}/{n} orders, {violations} violations")
        objective = res["objective"] if res["objective"] >= 0 and finished == n else None
        completions = res.get("completions") or {}
        if objective is not None and all(oid in completions for oid in inst.ids):
            recomputed = inst.objective(completions)
            if abs(recomputed - objective) > slack + 1e-9 * objective:
                problems["mismatches"].append(f"{inst.name}: {name} reports objective {objective:.2f} s, "
                                              f"its completions give {recomputed:.2f} s")
        if objective is not None and cp["bound"] is not None and objective < cp["bound"] - slack:
            what = "proven optimum" if cp["proven"] else "bound"
            problems["mismatches"].append(f"{inst.name}: {name} {objective:.1f} s < CP-SAT {what} {cp['bound']:.1f} s")
        out[name] = {"objective": objective, "finished": finished, "violations": violations,
                     "wallSeconds": res.get("wallSeconds"), "gapPercent": percent(objective, cp["best"]),
                     "gapToBoundPercent": percent(objective, cp["bound"])}
    return out


def normalised(row):
    """(SmartGate - ref) / (best baseline - ref), ref the proven optimum or else the bound."""
    ref = row["best"] if row["proven"] else row["bound"]
    sg = row["policies"]["smartgate"]["objective"]
    baselines = [row["policies"][b]["objective"] for b in BASELINES]
    if ref is None or sg is None or None in baselines:
        return None, None
    against = "optimum" if row["proven"] else "bound"
    if min(baselines) - ref <= 1e-9:
        return (0.0 if sg - ref <= 1e-9 else None), against
    return (sg - ref) / (min(baselines) - ref), against


def brute_force_check(inst, cp, record):
    """The brute force's optimum against CP-SAT: it must lie between the bound and the best
    solution (equal to both when proven), within the rounding slack."""
    if record is None:
        return None
    opt, slack = record["optimum"], inst.slack()
    agrees = (cp["bound"] is None or opt >= cp["bound"] - slack) and (cp["best"] is None or opt <= cp["best"] + slack)
    return {"optimum": opt, "evaluated": record.get("evaluated"), "cpsat": cp["best"],
            "cpsatProven": cp["proven"], "agrees": agrees}


def run_instance(path, entry, limits, workers, brute, problems):
    """Everything about one instance: greedy bound, replay, CP-SAT, policies, brute force."""
    inst = Instance(path)
    start = greedy(inst)
    upper, hint = inst.units(start.done), start
    rp, replayed = replay(inst, entry, upper, workers)
    if replayed is not None and inst.units(replayed.done) < upper:
        upper, hint = inst.units(replayed.done), replayed
    limit = limits.get(inst.cls) or limits["small" if len(inst.orders) <= SMALL_MAX_ORDERS else "large"]
    cp, _ = solve(inst, limit, workers, upper, hint)
    row = {"instance": inst.name, "instanceClass": inst.cls, "orders": len(inst.orders),
           "vehicles": len(inst.vehicles), "energyRelaxed": inst.energy_relaxed,
           "roundedTimes": inst.ticks.rounded, "slackSeconds": inst.slack(),
           "greedy": inst.seconds(inst.units(start.done)), **cp}
    if inst.energy_relaxed:     # the relaxation's optimum is a bound of the real problem, no optimum
        row["optimum"] = None
    row["policies"] = evaluate_policies(inst, entry, cp, problems)
    row["normalisedScore"], row["normalisedAgainst"] = normalised(row)
    row["replay"] = rp
    if rp["status"] in ("ok", "skipped"):
        problems["replayNotes"] += [f"{inst.name}: {note}" for note in rp["notes"]]
    else:
        shown = "; ".join(f"{m['order']} model {m['model']:.1f} s, SmartGate {m['smartgate']:.1f} s"
                          for m in rp.get("mismatches", [])[:5])
        problems["replayFailures"].append(f"{inst.name}: replay {rp['status']}" + (f": {shown}" if shown else "")
                                  + "".join(f"; {note}" for note in rp["notes"][:5]))
    row["bruteForce"] = brute_force_check(inst, cp, brute.get(inst.name))
    if row["bruteForce"] and not row["bruteForce"]["agrees"]:
        problems["bruteForceDisagreements"].append(
            f"{inst.name}: brute force {row['bruteForce']['optimum']:.1f} s, CP-SAT {fmt(cp['best'])} s "
            f"(bound {fmt(cp['bound'])}, proven {cp['proven']})")
    print(f"{inst.name}: {len(inst.orders)} orders, CP-SAT {cp['status']} {fmt(cp['best'])} s "
          f"(bound {fmt(cp['bound'])}) in {cp['solveSeconds']:.1f} s, replay {rp['status']}", file=sys.stderr)
    return row


def stats(values):
    """(mean, max) of the values, (None, None) when there are none."""
    return (statistics.fmean(values), max(values)) if values else (None, None)


def summarise_class(cls, rows):
    """Per-class means and worsts of every policy, the normalised score, the aims."""
    sizes = [r["orders"] for r in rows]
    s = {"instanceClass": cls, "instances": len(rows), "orders": [min(sizes), max(sizes)],
         "proven": sum(r["proven"] for r in rows), "energyRelaxed": sum(r["energyRelaxed"] for r in rows),
         "policies": {}}
    for name in POLICIES:
        got = [r for r in rows if r["policies"][name].get("gapPercent") is not None]
        objectives = [r["policies"][name]["objective"] for r in rows]
        mean_gap, worst_gap = stats([r["policies"][name]["gapPercent"] for r in got])
        mean_bound, worst_bound = stats([r["policies"][name]["gapToBoundPercent"] for r in got])
        worst = max(got, key=lambda r: r["policies"][name]["gapPercent"], default=None)
        s["policies"][name] = {
            "meanObjective": None if None in objectives else statistics.fmean(objectives),
            "meanGapPercent": mean_gap, "worstGapPercent": worst_gap,
            "worstInstance": worst and worst["instance"], "instancesWithGap": len(got),
            "meanGapToBoundPercent": mean_bound, "worstGapToBoundPercent": worst_bound}
    means = {b: s["policies"][b]["meanObjective"] for b in BASELINES if s["policies"][b]["meanObjective"] is not None}
    s["bestBaseline"] = min(means, key=means.get) if means else None
    sg_mean = s["policies"]["smartgate"]["meanObjective"]
    s["smartgateAheadOfBestBaseline"] = None if sg_mean is None or not means else sg_mean < min(means.values())
    scores = [r["normalisedScore"] for r in rows if r["normalisedScore"] is not None]
    mean_score, worst_score = stats(scores)
    against = sorted({r["normalisedAgainst"] for r in rows if r["normalisedScore"] is not None})
    s["normalisedScore"] = {"mean": mean_score, "worst": worst_score, "instances": len(scores), "against": against}
    s["aims"] = class_aims(s) if cls in CONTENDED else None
    statuses = [r["replay"]["status"] for r in rows]
    s["replay"] = {"ok": statuses.count("ok"), "skipped": statuses.count("skipped"),
                   "failed": len(statuses) - statuses.count("ok") - statuses.count("skipped")}
    checked = [r["bruteForce"] for r in rows if r["bruteForce"]]
    s["bruteForce"] = {"checked": len(checked), "agreed": sum(b["agrees"] for b in checked)}
    return s


def class_aims(s):
    """The issue's aims on a contended class: SmartGate's mean gap <= 5 %, worst <= 10 % (to
    CP-SAT's best solution, the optimum where proven, and to the bound), ahead of the best
    baseline."""
    sg, ahead = s["policies"]["smartgate"], s["smartgateAheadOfBestBaseline"] is True
    every = sg["instancesWithGap"] == s["instances"]

    def met(mean, worst):
        return every and mean <= AIM_MEAN_GAP and worst <= AIM_WORST_GAP and ahead
    return {"meanGapPercent": AIM_MEAN_GAP, "worstGapPercent": AIM_WORST_GAP, "aheadOfBestBaseline": ahead,
            "met": bool(every and met(sg["meanGapPercent"], sg["worstGapPercent"])),
            "metAgainstBound": bool(every and met(sg["meanGapToBoundPercent"], sg["worstGapToBoundPercent"]))}


def fmt(x, digits=1):
    """x with `digits` decimals, "—" for None, no minus sign on a zero."""
    if x is None:
        return "—"
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def met_text(met):
    return "met" if met else "NOT met"


def print_class_table(cls, rows):
    """The per-instance Markdown table of one class."""
    print(f"### {cls}\n")
    print("| instance | orders | CP-SAT opt/best s | bound s | proven | SmartGate s | "
          + " | ".join(f"{SHORT[b]} s" for b in BASELINES) + " | SmartGate gap % | normalised | replay |")
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for r in rows:
        sg = r["policies"]["smartgate"]
        gap = fmt(sg.get("gapPercent"), 2)
        if not r["proven"] and sg.get("gapToBoundPercent") is not None:
            gap += f" / {fmt(sg['gapToBoundPercent'], 2)}"
        baselines = [f"{fmt(r['policies'][b]['objective'])} ({fmt(r['policies'][b].get('gapPercent'), 1)})"
                     for b in BASELINES]
        proven = "yes" if r["proven"] else f"no ({r['status']}, {r['solveSeconds']:.0f} s)"
        replay = r["replay"]["status"] + (f" ({len(r['replay']['mismatches'])})" if r["replay"].get("mismatches") else "")
        print(f"| {r['instance'].removesuffix('.json')}{' †' if r['energyRelaxed'] else ''} | {r['orders']} | "
              f"{fmt(r['best'])} | {fmt(r['bound'])} | {proven} | {fmt(sg['objective'])} | {' | '.join(baselines)} | "
              f"{gap} | {fmt(r['normalisedScore'], 2)} | {replay} |")
    print()


def print_summary(classes):
    """The per-class summary Markdown table."""
    print("### Summary per class\n")
    print("| class | instances | proven | SmartGate gap mean / worst % | "
          + " | ".join(f"{SHORT[b]} mean gap %" for b in BASELINES)
          + " | normalised mean / worst | ahead of best baseline | aims | replay ok / failed / skipped"
          " | brute force agreed / checked |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | --- |")
    for s in classes:
        p, n = s["policies"], s["normalisedScore"]
        aims = "—" if s["aims"] is None else (f"{met_text(s['aims']['met'])} "
                                              f"(against the bound: {met_text(s['aims']['metAgainstBound'])})")
        ahead = {True: f"yes (best baseline {s['bestBaseline']})", False: f"no (best baseline {s['bestBaseline']})",
                 None: "—"}[s["smartgateAheadOfBestBaseline"]]
        print(f"| {s['instanceClass']} | {s['instances']} | {s['proven']} | "
              f"{fmt(p['smartgate']['meanGapPercent'], 2)} / {fmt(p['smartgate']['worstGapPercent'], 2)} | "
              + " | ".join(fmt(p[b]["meanGapPercent"], 2) for b in BASELINES)
              + f" | {fmt(n['mean'], 2)} / {fmt(n['worst'], 2)} ({', '.join(n['against']) or '—'}) | {ahead} | {aims} | "
              f"{s['replay']['ok']} / {s['replay']['failed']} / {s['replay']['skipped']} | "
              f"{s['bruteForce']['agreed']} / {s['bruteForce']['checked']} |")
    print()


def print_notes(rows, classes, problems, brute_run, limits):
    """What the tables mean, then every problem found."""
    rounded = sum(r["roundedTimes"] for r in rows)
    unproven = sum(not r["proven"] for r in rows)
    print("- Gaps are (policy - CP-SAT's best solution) / best: against the optimum where proven; where not, "
          "the table shows `to best / to bound` for SmartGate (the true gap lies between) and the bound column "
          "holds CP-SAT's best bound. Baseline cells: objective s (gap % to best).")
    print("- CP-SAT solves offline, knowing every order from time 0; the policies dispatch online, so every gap "
          "includes the value of knowing the future.")
    print("- Normalised score: (SmartGate - ref) / (best baseline - ref) per instance, ref = the proven optimum, "
          "else CP-SAT's bound (column `normalised`; 0 = optimal, 1 = as good as the best baseline).")
    if any(r["energyRelaxed"] for r in rows):
        print("- † energyRelaxed: batteries must be charged during the run, which the model leaves out: CP-SAT's "
              "value is the optimum of a relaxation, a lower bound of the real problem's, not its optimum; no replay.")
    print(f"- Aims on {', '.join(CONTENDED)}: SmartGate's mean gap ≤ {AIM_MEAN_GAP:g} %, worst ≤ {AIM_WORST_GAP:g} %, "
          f"ahead of the best baseline (mean objective) on the class: "
          + "; ".join(f"{s['instanceClass']} {met_text(s['aims']['met'])}" for s in classes if s["aims"]))
    print(f"- Time unit 0.1 s, input times rounded up to it ({rounded} input value(s) needed rounding); "
          f"{unproven} instance(s) not proven optimal within their limit; time limits: "
          + ", ".join(f"{k} {v:g} s" for k, v in limits.items()))
    print("- Brute force: " + ("not run (no bruteforce.json)" if not brute_run else
                               f"{sum(s['bruteForce']['agreed'] for s in classes)} of "
                               f"{sum(s['bruteForce']['checked'] for s in classes)} instances agree with CP-SAT"))
    for kind, label in (("failures", "FAIL"), ("mismatches", "MODEL MISMATCH"), ("replayFailures", "REPLAY FAILED"),
                        ("bruteForceDisagreements", "BRUTE FORCE DISAGREES"), ("replayNotes", "replay note:")):
        for line in problems[kind]:
            print(f"- {label} {line}")


def read_inputs(directory):
    """(instance paths, smartgate.json by instance, bruteforce.json by instance or None)."""
    paths = sorted(p for p in glob.glob(os.path.join(directory, "*.json"))
                   if INSTANCE_NAME.match(os.path.basename(p)))
    if not paths:
        raise ValueError(f"no <class>-NN.json instances in {directory}")
    with open(os.path.join(directory, "smartgate.json")) as f:
        smartgate = {r["instance"]: r for r in json.load(f)}
    brute = None
    if os.path.exists(os.path.join(directory, "bruteforce.json")):
        with open(os.path.join(directory, "bruteforce.json")) as f:
            brute = {r["instance"]: r for r in json.load(f)}
    return paths, smartgate, brute


def time_limits(args):
    """Time limit per class name, plus 'small' (<= 10 orders) and 'large' for the rest."""
    limits = {"small": args.time_limit, "large": args.time_limit_large, **CLASS_TIME_LIMITS}
    for item in args.class_time_limit:
        cls, _, seconds = item.partition("=")
        limits[cls] = float(seconds)
    return limits


def exit_status(problems):
    for status, kind in ((2, "failures"), (3, "mismatches"), (4, "replayFailures"), (5, "bruteForceDisagreements")):
        if problems[kind]:
            return status
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("dir")
    p.add_argument("--time-limit", type=float, default=60.0,
                   help="CP-SAT seconds per instance of at most 10 orders (default 60)")
    p.add_argument("--time-limit-large", type=float, default=150.0,
                   help="CP-SAT seconds per instance of more than 10 orders (default 150)")
    p.add_argument("--class-time-limit", action="append", default=[], metavar="CLASS=SECONDS",
                   help="CP-SAT seconds for every instance of CLASS, over the two above "
                        f"(repeatable; built in: {', '.join(f'{k}={v:g}' for k, v in CLASS_TIME_LIMITS.items())})")
    p.add_argument("--workers", type=int, default=2, help="CP-SAT search workers (default 2)")
    args = p.parse_args()
    limits = time_limits(args)
    problems = {"failures": [], "mismatches": [], "replayFailures": [], "bruteForceDisagreements": [],
                "replayNotes": []}
    where = args.dir
    try:
        paths, smartgate, brute = read_inputs(args.dir)
        rows = []
        for where in paths:
            entry = smartgate.get(os.path.basename(where))
            if entry is None:
                problems["failures"].append(f"{os.path.basename(where)}: missing from smartgate.json")
            rows.append(run_instance(where, entry, limits, args.workers, brute or {}, problems))
    except (OSError, KeyError, TypeError, ValueError) as e:
        print(f"bad input ({where}): {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    order = {c: k for k, c in enumerate(CLASSES)}
    names = sorted({r["instanceClass"] for r in rows}, key=lambda c: (order.get(c, len(order)), c))
    classes = [summarise_class(c, [r for r in rows if r["instanceClass"] == c]) for c in names]
    for c in names:
        print_class_table(c, [r for r in rows if r["instanceClass"] == c])
    print_summary(classes)
    print_notes(rows, classes, problems, brute is not None, limits)
    contended = [s for s in classes if s["aims"]]
    summary = {
        "format": "smartgate-corridor-comparison/2", "timeUnitSeconds": 1 / SCALE, "rounding": "ceil",
        "roundedTimes": sum(r["roundedTimes"] for r in rows), "workers": args.workers,
        "timeLimitsSeconds": limits, "policies": list(POLICIES), "baselines": list(BASELINES),
        "aims": {"classes": list(CONTENDED), "meanGapPercent": AIM_MEAN_GAP, "worstGapPercent": AIM_WORST_GAP,
                 "met": bool(contended) and all(s["aims"]["met"] for s in contended),
                 "metAgainstBound": bool(contended) and all(s["aims"]["metAgainstBound"] for s in contended)},
        "bruteForceRun": brute is not None, "classes": classes, "instances": rows, **problems,
    }
    with open(os.path.join(args.dir, "comparison.json"), "w") as f:
        json.dump(summary, f, indent=2, sort_keys=True)
        f.write("\n")
    return exit_status(problems)


if __name__ == "__main__":
    sys.exit(main())
