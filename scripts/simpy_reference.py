#!/usr/bin/env python3
"""Raw discrete-event speed of SimPy, as a yardstick for SmartGate's corridor simulation.

Usage: simpy_reference.py (--customers N | --events N) [--repeat 3] [--seed 1]

Simulates an M/M/1 queue (arrival rate 0.9, service rate 1.0, FIFO) on one core and
prints one JSON object per repetition: wall seconds, SimPy events processed, events per
second, customers served. It is NOT the corridor model: it only says how fast a mainstream
Python DES engine gets through a comparable amount of work, so a reader can tell whether
SmartGate's simulated day is quick or slow in absolute terms.

--customers N   run until N customers have been served
--events N      run until N SimPy events have been processed (a customer takes six:
                arrival timeout, process start, request, service timeout, release, process end)
"""
import argparse
import json
import platform
import sys

import simpy

from twin_reference import mm1  # the same M/M/1 the twin is validated against (same directory)


def run_once(customers, events, seed):
    run = mm1(customers, seed, events)
    return {
        "model": "M/M/1 (SimPy reference, not the corridor model)",
        "wallSeconds": run["seconds"], "events": run["events"], "eventsPerSecond": run["eventsPerSecond"],
        "customers": run["customers"], "meanWaitSeconds": run["meanWait"],
        "simulatedSeconds": run["simulatedTime"], "seed": seed,
        "simpy": simpy.__version__, "python": platform.python_version(),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    size = p.add_mutually_exclusive_group(required=True)
    size.add_argument("--customers", type=int, help="stop after this many customers are served")
    size.add_argument("--events", type=int, help="stop after this many SimPy events")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    for _ in range(args.repeat):
        print(json.dumps(run_once(args.customers, args.events, args.seed), sort_keys=True), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
