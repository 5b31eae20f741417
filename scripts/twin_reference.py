#!/usr/bin/env python3
"""SimPy reference implementations of TwinKit's two validation models.

Usage: twin_reference.py --model mm1 --customers N [--seed S]
       twin_reference.py --model hourly-day --replications R [--seed S]

Prints one JSON object with the same keys as `smartgate simulate --model ... --json`:

mm1         M/M/1 queue, arrival rate 0.9, service rate 1.0, FIFO, one server, starting
            empty, run until N customers have been served (departed).
            {"model","customers","meanTimeInSystem","events","seconds","eventsPerSecond",
             "customersPerSecond"}; "events" counts SimPy events processed (env.step() calls,
            as scripts/simpy_reference.py counts them: six per customer), so events/s is not
            comparable with TwinKit's (two per customer); customers/s is.
hourly-day  one day of 24 h (time unit: minutes) with non-homogeneous Poisson arrivals whose
            rate is piecewise constant by hour (RATES_PER_HOUR, customers per hour), arrivals
            only during the 24 h; 3 identical servers, FIFO; exponential service with mean
            9 min; the run goes on after 24 h until everyone who arrived has been served.
            Per replication: mean time in system (min) of that day's customers; over R
            replications: mean of those means and the 95 % Student-t half-width.
            {"model","replications","meanTimeInSystemMinutes","halfWidth","served"}
            ("served": customers served over all replications).

One core, plain Python, one random.Random(seed) for the whole run.
"""
import argparse
import json
import math
import random
import sys
import time

import simpy

# --- mm1
ARRIVAL_RATE = 0.9
SERVICE_RATE = 1.0

# --- hourly-day
RATES_PER_HOUR = [2, 1, 1, 1, 2, 4, 8, 14, 20, 22, 20, 16, 14, 16, 20, 22, 18, 14, 10, 8, 6, 4, 3, 2]
SERVERS = 3
MEAN_SERVICE_MINUTES = 9.0
HOUR = 60.0
DAY = 24 * HOUR


def mm1(customers, seed, events=None):
    """M/M/1 from empty until `customers` have left (or, given `events`, until that many SimPy
    events have been processed). Also the corridor benchmark's yardstick (simpy_reference.py)."""
    rng = random.Random(seed)
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    served = 0
    total_time = 0.0
    waited = 0.0

    def customer(arrived):
        nonlocal served, total_time, waited
        with server.request() as request:
            yield request
            waited += env.now - arrived
            yield env.timeout(rng.expovariate(SERVICE_RATE))
        served += 1
        total_time += env.now - arrived

    def source():
        while True:
            yield env.timeout(rng.expovariate(ARRIVAL_RATE))
            env.process(customer(env.now))

    env.process(source())
    processed = 0
    started = time.perf_counter()
    # env.step() is what env.run() loops over; stepping by hand stops on an exact count and
    # counts the events as it goes.
    while (processed < events) if events is not None else (served < customers):
        env.step()
        processed += 1
    wall = time.perf_counter() - started
    return {
        "model": "mm1",
        "customers": served,
        "meanTimeInSystem": total_time / served if served else None,
        "meanWait": waited / served if served else None,
        "simulatedTime": env.now,
        "events": processed,
        "seconds": wall,
        "eventsPerSecond": processed / wall if wall > 0 else None,
        "customersPerSecond": served / wall if wall > 0 else None,
    }


def next_arrival(rng, t):
    """Next arrival after time t (minutes) of the NHPP, by inversion of the cumulative rate:
    draw a unit-rate exponential and spend it hour by hour at that hour's rate. None when the
    next arrival would fall after the 24 h."""
    e = rng.expovariate(1.0)
    while t < DAY:
        hour = int(t // HOUR)
        rate = RATES_PER_HOUR[hour] / HOUR        # per minute
        end = (hour + 1) * HOUR
        need = e / rate                           # minutes at this rate to spend e
        if t + need < end:
            return t + need
        e -= (end - t) * rate
        t = end
    return None


def hourly_day_once(rng):
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    times = []

    def customer(arrived):
        with servers.request() as request:
            yield request
            yield env.timeout(rng.expovariate(1.0 / MEAN_SERVICE_MINUTES))
        times.append(env.now - arrived)

    def source():
        t = next_arrival(rng, 0.0)
        while t is not None:
            yield env.timeout(t - env.now)
            env.process(customer(env.now))
            t = next_arrival(rng, t)

    env.process(source())
    env.run()   # no `until`: runs until the last customer has left
    return times


def hourly_day(replications, seed):
    rng = random.Random(seed)
    means = []
    served = 0
    for _ in range(replications):
        times = hourly_day_once(rng)
        served += len(times)
        if times:   # a day with no customer has no mean (practically never: ~268 a day)
            means.append(sum(times) / len(times))
    n = len(means)
    mean = sum(means) / n if n else None
    if n > 1:
        variance = sum((x - mean) ** 2 for x in means) / (n - 1)
        half = t_quantile_975(n - 1) * math.sqrt(variance / n)
    else:
        half = 0.0
    return {
        "model": "hourly-day",
        "replications": replications,
        "meanTimeInSystemMinutes": mean,
        "halfWidth": half,
        "served": served,
    }


# --- Student t quantile without SciPy: regularized incomplete beta (continued fraction,
# Numerical Recipes' betacf) for the CDF, bisection for the quantile.
def _betacf(a, b, x):
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a, b, x):
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t, df):
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile_975(df):
    lo, hi = 0.0, 1000.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if t_cdf(mid, df) < 0.975:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2.0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True, choices=["mm1", "hourly-day"])
    p.add_argument("--customers", type=int, help="mm1: stop after this many customers are served")
    p.add_argument("--replications", type=int, help="hourly-day: independent days to simulate")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    if args.model == "mm1":
        if not args.customers or args.customers < 1:
            p.error("--model mm1 needs --customers N (N >= 1)")
        result = mm1(args.customers, args.seed)
    else:
        if not args.replications or args.replications < 1:
            p.error("--model hourly-day needs --replications R (R >= 1)")
        result = hourly_day(args.replications, args.seed)
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
