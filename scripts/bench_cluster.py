"""Readings through HAProxy with 1, 2 and 3 SmartGate instances on one PostgreSQL, against
the trivial route through the same balancer in the same run; and the time from a kill -9
of the corridor's leader to the new leader's first action.

For each instance count (the others are not started, so HAProxy sends to those that are):
- trivial route: GET /health (one `SELECT 1`) from C keep-alive clients, for S seconds;
- readings: the same C clients, one per export lane of the five gates' road lanes, truck
  after truck: a declaration, then plate, weight, `ready` (the decision) and `passed`;
  readings/s counts the readings, the decision latency is the `ready` request's.
Then with three instances, R times: kill -9 the instance whose /health/roles/corridor
answers 200, and time until another instance's answers 200 (its first act as leader: the
lease is recorded; its controller reloads the open orders at its next tick, within a second) and until GET /api/v1/corridor/vehicles is answered
through the balancer again (the two are polled one after the other, a few tens of
milliseconds apart, so either may come first); the killed instance is restarted between rounds.

Prints a Markdown table. Usage:
  bench_cluster.py SMARTGATE_BINARY DATABASE_URL [--seconds 10] [--clients 5] [--failovers 3]
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

from cluster import ROOT, Cluster, percentile
from durability_check import declaration

# The road gates' export lanes; the rail gate's trains are not trucks.
LANES = [("kim-thanh-out-1", "kim-thanh"), ("kim-thanh-out-2", "kim-thanh"), ("lao-cai-road-1-out-1", "lao-cai-road-1"),
         ("ban-vuoc-out-1", "ban-vuoc"), ("muong-khuong-out-1", "muong-khuong")]
RUN = f"{random.randrange(1 << 30):x}"
PASSWORD = f"bench-cluster-{RUN}-password"


class Connection:
    """One keep-alive connection to the balancer, opened again when it drops."""

    def __init__(self, port):
        self.port, self.conn = port, None

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                data = json.dumps(body).encode() if body is not None else None
                self.conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
                response = self.conn.getresponse()
                raw = response.read()
                return response.status, json.loads(raw) if raw and raw[:1] in b"{[" else raw
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise


def run_clients(count, seconds, body):
    """Runs body(index, until, record) on `count` threads; record(kind, ms) collects."""
    samples, errors, lock = {}, [], threading.Lock()

    def record(kind, ms):
        with lock:
            samples.setdefault(kind, []).append(ms)

    def thread(index):
        try:
            body(index, until, record)
        except Exception as error:  # a failed client shows in the table's note, not as a hang
            with lock:
                errors.append(f"client {index}: {error}")

    until = time.monotonic() + seconds
    threads = [threading.Thread(target=thread, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples, errors


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("database")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=len(LANES))
    parser.add_argument("--failovers", type=int, default=3)
    args = parser.parse_args()
    clients = min(args.clients, len(LANES))

    work = tempfile.mkdtemp(prefix="smartgate-bench-cluster-")
    # Throughput, not the limits; the corridor at the pace of service.
    cluster = Cluster(args.binary, args.database, work, log_level="warning", env={
        "SMARTGATE_RATE_LIMIT_USER": "0", "SMARTGATE_RATE_LIMIT_DEVICE": "0", "SMARTGATE_RATE_LIMIT_LOGIN": "0",
        "SMARTGATE_PASSWORD_COST": "10"})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rows, failovers, notes = [], [], []
    ok = False
    try:
        cluster.create_keys()
        cluster.cli("users", "create", "--email", f"exporter-{RUN}@bench.smartgate.vn", "--role", "declarant",
                    "--enterprise", "5300100269", "--password-stdin", stdin=PASSWORD + "\n")
        cluster.cli("users", "create", "--email", f"corridor-{RUN}@bench.smartgate.vn", "--role", "corridor-operator",
                    "--gate", "kim-thanh", "--password-stdin", stdin=PASSWORD + "\n")
        keys = {lane: json.loads(cluster.cli("devices", "create", "--lane", lane, "--name", f"bench {RUN}", "--json"))["key"]
                for lane, _ in LANES}
        cluster.start_haproxy()
        lb = Connection(cluster.lb_port)

        def sign_in(email):
            status, body = lb.request("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
            if status != 200:
                raise RuntimeError(f"{email} could not sign in: {status} {body}")
            return {"Authorization": f"Bearer {body['token']}"}

        truck = [0]
        truck_lock = threading.Lock()

        def trivial(index, until, record):
            conn = Connection(cluster.lb_port)
            while time.monotonic() < until:
                started = time.monotonic()
                status, _ = conn.request("GET", "/health")
                if status == 200:
                    record("trivial", (time.monotonic() - started) * 1000)

        def readings(index, until, record):
            conn = Connection(cluster.lb_port)
            lane, gate = LANES[index]
            while time.monotonic() < until:
                with truck_lock:
                    truck[0] += 1
                    n = truck[0]
                trip = declaration(n)
                trip["gate"] = gate
                trip["vehicle"] = {"plate": f"29C-{n // 100 % 1000:03d}.{n % 100:02d}"}
                status, body = conn.request("POST", "/api/v1/declarations", trip, {**bearer, "Idempotency-Key": f"bench-{RUN}-{n}"})
                if status != 201:
                    raise RuntimeError(f"declaration answered {status}: {str(body)[:200]}")
                plate = re.sub(r"[^0-9A-Z]", "", trip["vehicle"]["plate"])
                for k, reading in enumerate([{"deviceId": "anpr-1", "kind": "plate", "plate": plate, "confidence": 0.97},
                                             {"deviceId": "scale-1", "kind": "weight", "grossKg": trip["tareKg"] + trip["goods"][0]["grossKg"]},
                                             {"deviceId": "loop-1", "kind": "ready"},
                                             {"deviceId": "loop-1", "kind": "passed"}]):
                    reading.update(eventId=f"{RUN}-{n}-{k}", observedAt=datetime.now(timezone.utc).isoformat())
                    started = time.monotonic()
                    status, body = conn.request("POST", f"/api/v1/lanes/{lane}/readings", reading, {"X-Device-Key": keys[lane]})
                    if status != 200:
                        raise RuntimeError(f"{reading['kind']} reading answered {status}: {str(body)[:200]}")
                    ms = (time.monotonic() - started) * 1000
                    record("reading", ms)
                    if reading["kind"] == "ready":
                        record("decision", ms)

        bearer = None
        for count in (1, 2, 3):
            instance = cluster.instances[count - 1]
            cluster.start(instance)
            cluster.wait_healthy(instance)
            cluster.wait_balancer([i.name for i in cluster.instances[:count]])
            if bearer is None:
                bearer = sign_in(f"exporter-{RUN}@bench.smartgate.vn")
            print(f"== {count} instance(s): trivial route, {args.seconds:.0f} s", flush=True)
            base, errors = run_clients(clients, args.seconds, trivial)
            notes += errors
            print(f"== {count} instance(s): readings, {args.seconds:.0f} s", flush=True)
            load, errors = run_clients(clients, args.seconds, readings)
            notes += errors
            rows.append((count, base.get("trivial", []), load.get("reading", []), load.get("decision", [])))

        operator = sign_in(f"corridor-{RUN}@bench.smartgate.vn")
        for round_ in range(args.failovers):
            leader = cluster.holder("corridor")
            if leader is None:
                raise RuntimeError("no instance holds the corridor")
            survivors = [i for i in cluster.instances if i is not leader]
            print(f"== failover {round_ + 1}: kill -9 {leader.name}", flush=True)
            killed = time.monotonic()
            cluster.kill(leader)
            holder_at = served_at = None
            probe = Connection(cluster.lb_port)
            while time.monotonic() - killed < 30 and (holder_at is None or served_at is None):
                if holder_at is None and any(cluster.holds(i, "corridor", timeout=0.5) for i in survivors):
                    holder_at = time.monotonic() - killed
                if served_at is None:
                    try:
                        if probe.request("GET", "/api/v1/corridor/vehicles", headers=operator)[0] == 200:
                            served_at = time.monotonic() - killed
                    except OSError:
                        pass
                time.sleep(0.02)
            failovers.append((holder_at, served_at))
            cluster.start(leader)
            cluster.wait_healthy(leader)
            cluster.wait_balancer([i.name for i in cluster.instances])
            time.sleep(2)
        ok = True
    finally:
        cluster.close()
        if ok:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"bench-cluster: stopped; logs kept in {work}", file=sys.stderr)

    cores = os.cpu_count()
    try:
        cores = int(subprocess.run(["nproc"], capture_output=True, text=True).stdout)
    except ValueError:
        pass
    print()
    print(f"## Several instances behind HAProxy ({datetime.now().strftime('%Y-%m-%d')}, {cores} cores, "
          f"{clients} clients, {args.seconds:.0f} s each, {os.path.relpath(os.path.realpath(args.binary), ROOT)})")
    print()
    print("| instances | trivial route (GET /health) | trivial p99 | readings | readings ÷ trivial | reading p99 | decision p50 / p99 |")
    print("|---|---|---|---|---|---|---|")
    for count, base, load, decisions in rows:
        trivial_rate, reading_rate = len(base) / args.seconds, len(load) / args.seconds
        print(f"| {count} | {trivial_rate:,.0f} req/s | {percentile(base, 99):.1f} ms | {reading_rate:,.0f}/s | "
              f"{100 * reading_rate / trivial_rate if trivial_rate else float('nan'):.0f} % | {percentile(load, 99):.1f} ms | "
              f"{percentile(decisions, 50):.1f} / {percentile(decisions, 99):.1f} ms |")
    print()
    print("| kill -9 of the corridor's leader | " + " | ".join(f"run {i + 1}" for i in range(len(failovers))) + " | median |")
    print("|---|" + "---|" * (len(failovers) + 1))
    for label, column in (("another instance holds the corridor (/health/roles/corridor 200)", 0),
                          ("the corridor answers through the balancer", 1)):
        values = [f[column] for f in failovers]
        known = [v for v in values if v is not None]
        median = f"{statistics.median(known):.2f} s" if known else "—"
        print(f"| {label} | " + " | ".join(f"{v:.2f} s" if v is not None else "> 30 s" for v in values) + f" | {median} |")
    if notes:
        print()
        print("Clients that stopped early: " + "; ".join(notes[:5]))


if __name__ == "__main__":
    main()
