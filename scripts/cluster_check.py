"""Three SmartGates on one PostgreSQL behind HAProxy survive the loss of any one of them.

Starts three `smartgate serve` instances on one database with one shared key file, and
HAProxy (deploy/haproxy.cfg) in front of them on free loopback ports. The demo's generator
(`smartgate demo --drive`) sends its trucks, bookings, inspections and corridor orders
through the balancer; beside it this check's own clients, also through the balancer,
record every write the cluster acknowledged:

- a lane worker on kim-thanh-out-2 (the lane the demo leaves free): a declaration (with an
  Idempotency-Key), then the truck's plate, weight, `ready` and `passed` readings under a
  device key made with the CLI, truck after truck, each request retried until answered;
- a declarant posting declarations with Idempotency-Keys;
- the corridor operator posting transport orders with Idempotency-Keys, and reading
  GET /api/v1/corridor/vehicles every second for the safety checker's violations.

Meanwhile one instance that holds no role is killed with SIGKILL and restarted, then the
corridor's leader (found with GET /health/roles/corridor) is killed the same way and
restarted. Then:

- another instance holds the corridor within 10 s of the leader's kill (and every other
  role it held), and the longest gap between acknowledged lane readings, and between
  answered corridor reads, is at most 10 s;
- the safety checker saw 0 violations;
- every acknowledged declaration, reading and transport order is in the database, and
  none doubled; no passage has two decisions; no declaration moved twice into the same
  state (except `amended`, which may repeat); no transport order finished twice, and each
  order's audited states follow the order lifecycle; every order's stored state is its
  last audited one;
- `smartgate audit verify` passes and the chain has no gap;
- a sign-out on one instance holds on another within 1 s; the sign-in limit
  (SMARTGATE_RATE_LIMIT_LOGIN=10) holds across the three: 40 wrong passwords through the
  round-robin balancer get about 10 answers that are not 429, not 30;
- each role is held by exactly one instance (/metrics agrees), the balancer sends to all
  three and its corridor backend to the holder only, and the instance that took the
  corridor over counted the takeover.

Prints each check with its figure; exits non-zero if any fails, keeping the logs in the
folder it names. Usage: cluster_check.py SMARTGATE_BINARY DATABASE_URL (an empty
PostgreSQL database; scripts/cluster-check.sh makes one).
"""
import json
import math
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone

from cluster import ROLES, Cluster, http, metric, psql, percentile
# One valid export declaration, as the single-server durability check writes them.
from durability_check import declaration

LANE = "kim-thanh-out-2"            # the lane the demo leaves free: this check's trucks only
LOGIN_LIMIT = 10                    # SMARTGATE_RATE_LIMIT_LOGIN for the instances
LIMIT_SECONDS = 10                  # the most the gate may stop when one instance is lost
SIGN_OUT_SECONDS = 1
# Corridor seconds per wall-clock second: a crossing (load 180 s, the span, unload 150 s)
# takes seconds, so orders dispatched before the leader's kill finish within the check.
CORRIDOR_SPEED = os.environ.get("CLUSTER_CORRIDOR_SPEED", "60")
FINISH_WAIT = 60                    # the most to wait after the traffic for a finished order
SHIPPED_PLANT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Sources", "CorridorKit", "Resources", "kim-thanh-corridor.json")


def plant_open_all_day(work):
    """The shipped plant with its window open around the clock. The check is about failover,
    not the windows: with the shipped 06:00–22:00, a run at night at the gate sees no
    crossing finish (the corridor's clock runs 60× but starts at the wall clock)."""
    with open(SHIPPED_PLANT, encoding="utf-8") as f:
        plant = json.load(f)
    plant["windows"] = {"daily": [{"from": "00:00", "to": "24:00"}]}
    path = os.path.join(work, "plant-open-all-day.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(plant, f)
    return path
RUN = f"{random.randrange(1 << 30):x}"
PASSWORD = f"cluster-check-{RUN}-password"
# Acknowledged lifecycles: every move each state allows (CorridorKit's TransportOrderState,
# GateKit's DeclarationStatus).
ORDER_MOVES = {
    "raw": {"dispatchable", "failed", "withdrawn"},
    "dispatchable": {"being-processed", "failed", "withdrawn"},
    "being-processed": {"dispatchable", "finished", "failed", "withdrawn"},
    "finished": set(), "failed": set(), "withdrawn": set(),
}
# A re-dispatch (its vehicle failed before loading, or a new leader's fresh fleet) takes an
# order through these again; any other state is entered at most once.
ORDER_REPEATABLE = {"dispatchable", "being-processed"}
DECLARATION_REPEATABLE = {"amended"}


def now():
    return datetime.now(timezone.utc).isoformat()


def reachable(state):
    """The states an order may be stored in after `state`: the corridor stores once a
    second, so several moves may show as one."""
    seen, todo = set(), [state]
    while todo:
        for following in ORDER_MOVES.get(todo.pop(), ()):
            if following not in seen:
                seen.add(following)
                todo.append(following)
    return seen


def container_number(serial):
    """An ISO 6346 container number with its check digit (owner code SGC, category U)."""
    letters = dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", [10, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 23, 24, 25, 26,
                                                       27, 28, 29, 30, 31, 32, 34, 35, 36, 37, 38]))
    body = f"SGCU{serial % 1_000_000:06d}"
    total = sum((letters[c] if c.isalpha() else int(c)) * 2 ** i for i, c in enumerate(body))
    return body + str(total % 11 % 10)


class Record:
    """What the clients saw: acknowledged writes, their moments, and anything unexpected."""

    def __init__(self):
        self.lock = threading.Lock()
        self.declarations = []          # ids answered 201
        self.markers = 0                # declarations attempted (each with its own key)
        self.readings = []              # (deviceId, eventId) answered 200
        self.reading_times = []         # monotonic moments of those answers
        self.ready = 0                  # `ready` readings acknowledged (each one decision)
        self.ready_tried = 0
        self.decision_ms = []
        self.orders = []                # transport order ids answered 201
        self.polls = []                 # (moment, violations) of answered corridor reads
        self.unexpected = []            # (what, status, body) answers no retry should give
        self.abandoned = 0              # requests given up unanswered after retrying

    def add(self, name, value):
        with self.lock:
            getattr(self, name).append(value)


class Client:
    """Through the balancer, retrying what a real client would retry: no answer, 5xx from
    the balancer or an instance changing role, 429."""

    RETRIED = {429, 502, 503, 504}

    def __init__(self, cluster, record, stop):
        self.cluster, self.record, self.stop = cluster, record, stop

    def call(self, method, path, body=None, headers=None, give_up=30):
        deadline = time.monotonic() + give_up
        while True:
            try:
                status, answer_headers, answer = http(self.cluster.lb + path, method, body, headers, timeout=5)
                if status not in self.RETRIED:
                    return status, answer
                wait = min(float(answer_headers.get("Retry-After") or 0.2), 1.0)
            except OSError:
                wait = 0.1
            if time.monotonic() + wait > deadline:
                with self.record.lock:
                    self.record.abandoned += 1
                return None, None
            time.sleep(wait)

    def sign_in(self, email):
        status, body = self.call("POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"{email} could not sign in through the balancer: {status} {body}")
        return {"Authorization": f"Bearer {body['token']}"}

    def declare(self, bearer, n, series):
        """One declaration with its own Idempotency-Key; its id when acknowledged."""
        trip = declaration(n)
        trip["vehicle"] = {"plate": f"29{series}-{n // 100 % 1000:03d}.{n % 100:02d}"}
        marker = f"cc-{RUN}-{series.lower()}-{n}"
        trip["goods"][0]["description"] = f"Fresh durian, {marker}"
        with self.record.lock:
            self.record.markers += 1
        status, body = self.call("POST", "/api/v1/declarations", trip, {**bearer, "Idempotency-Key": marker})
        if status in (200, 201):
            self.record.add("declarations", body["id"].lower())
            return trip
        if status is not None:
            self.record.add("unexpected", ("declaration", status, str(body)[:200]))
        return None

    def lane_worker(self, bearer, device_key):
        """Truck after truck on the check's own lane: declared, then read to the barrier."""
        n = 0
        while not self.stop.is_set():
            n += 1
            trip = self.declare(bearer, n, "C")
            if trip is None:
                continue
            plate = re.sub(r"[^0-9A-Z]", "", trip["vehicle"]["plate"])
            readings = [{"deviceId": "anpr-1", "kind": "plate", "plate": plate, "confidence": 0.97},
                        {"deviceId": "scale-1", "kind": "weight", "grossKg": trip["tareKg"] + trip["goods"][0]["grossKg"]},
                        {"deviceId": "loop-1", "kind": "ready"},
                        {"deviceId": "loop-1", "kind": "passed"}]
            for k, reading in enumerate(readings):
                # One body per event: a retry sends exactly what the first attempt sent.
                reading.update(eventId=f"{RUN}-{n}-{k}", observedAt=now())
                if reading["kind"] == "ready":
                    with self.record.lock:
                        self.record.ready_tried += 1
                started = time.monotonic()
                status, body = self.call("POST", f"/api/v1/lanes/{LANE}/readings", reading, {"X-Device-Key": device_key})
                if status == 200:
                    answered = time.monotonic()
                    with self.record.lock:
                        self.record.readings.append((reading["deviceId"], reading["eventId"]))
                        self.record.reading_times.append(answered)
                        if reading["kind"] == "ready":
                            self.record.ready += 1
                            self.record.decision_ms.append((answered - started) * 1000)
                elif status is not None:
                    self.record.add("unexpected", (f"reading {reading['kind']}", status, str(body)[:200]))
                time.sleep(0.05)

    def declarant(self, bearer):
        n = 0
        while not self.stop.is_set():
            n += 1
            self.declare(bearer, n, "D")
            time.sleep(0.2)

    def corridor_orders(self, bearer):
        n = 0
        while not self.stop.is_set():
            n += 1
            order = {"container": container_number(random.randrange(1_000_000)), "from": f"VN-H{n % 6 + 1}", "to": "cn-handover"}
            status, body = self.call("POST", "/api/v1/corridor/orders", order,
                                     {**bearer, "Idempotency-Key": f"cc-{RUN}-order-{n}"})
            if status in (200, 201):
                self.record.add("orders", body["id"].lower())
            elif status is not None:
                self.record.add("unexpected", ("transport order", status, str(body)[:200]))
            self.stop.wait(2)

    def corridor_watch(self, bearer):
        """Once a second, one read, no retry: what an operator's screen would show."""
        while not self.stop.is_set():
            try:
                status, _, body = http(self.cluster.lb + "/api/v1/corridor/vehicles", headers=bearer, timeout=3)
                if status == 200:
                    self.record.add("polls", (time.monotonic(), body["corridor"]["violations"]))
            except OSError:
                pass
            self.stop.wait(1)


class Checks:
    def __init__(self):
        self.failed = []

    def __call__(self, ok, text):
        print(f"cluster: {'ok  ' if ok else 'FAIL'} {text}", flush=True)
        if not ok:
            self.failed.append(text)
        return ok


def longest_gap(moments, start, end):
    """The longest time without an acknowledgement in [start, end], and where it began."""
    points = [start] + sorted(m for m in moments if start <= m <= end) + [end]
    gap, at = 0.0, start
    for a, b in zip(points, points[1:]):
        if b - a > gap:
            gap, at = b - a, a
    return gap, at


def takeovers(cluster, roles, survivors, since, limit):
    """{role: (seconds after `since`, instance)} as the survivors take `roles` over, polled
    every 50 ms for `limit` seconds; a role nobody took is missing. The corridor is timed by
    GET /health/roles/corridor (what the balancer asks), the rest by GET /health."""
    taken = {}
    while len(taken) < len(roles) and time.monotonic() - since < limit:
        for instance in survivors:
            held = set((cluster.health(instance, timeout=0.5) or {}).get("roles", []))
            if "corridor" in roles and "corridor" not in taken and cluster.holds(instance, "corridor", timeout=0.5):
                held.add("corridor")
            for role in (held & set(roles)) - set(taken):
                taken[role] = (time.monotonic() - since, instance)
        time.sleep(0.05)
    return taken


def main():
    binary, database = sys.argv[1], sys.argv[2]
    work = tempfile.mkdtemp(prefix="smartgate-cluster-check-")
    cluster = Cluster(binary, database, work, env={
        "SMARTGATE_RATE_LIMIT_LOGIN": str(LOGIN_LIMIT),
        # The writes are the point, not the per-user limit; the device limit stays on (its
        # shared bucket is taken on every reading).
        "SMARTGATE_RATE_LIMIT_USER": "0",
        # The demo's exporter books faster than a person (the demo's own setting).
        "SMARTGATE_RATE_LIMIT_BOOKING": "6000",
        # Shuttles cross in seconds, so orders finish (and could finish twice) within the run.
        "SMARTGATE_CORRIDOR_SPEED": CORRIDOR_SPEED,
        "SMARTGATE_CORRIDOR_PLANT": plant_open_all_day(work),
        # bcrypt at the lowest cost allowed: a debug build signs in slowly enough.
        "SMARTGATE_PASSWORD_COST": "10",
    })
    check = Checks()
    stop = threading.Event()
    # SIGTERM (a CI timeout) cleans up like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    try:
        # --- operators' setup: one key file, accounts and a device key, with the CLI
        cluster.create_keys()
        for email, role in (("declarant", ["--role", "declarant", "--enterprise", "5300100269"]),
                            ("corridor", ["--role", "corridor-operator", "--gate", "kim-thanh"]),
                            ("admin", ["--role", "admin"])):
            cluster.cli("users", "create", "--email", f"{email}-{RUN}@test.smartgate.vn", *role, "--password-stdin",
                        stdin=PASSWORD + "\n")
        device_key = json.loads(cluster.cli("devices", "create", "--lane", LANE, "--name", f"cluster-check {RUN}", "--json"))["key"]

        cluster.start_all()
        cluster.start_haproxy()
        cluster.wait_balancer([i.name for i in cluster.instances])
        print(f"cluster: three instances and the balancer up in {time.monotonic() - started:.0f} s; roles: " + "; ".join(
            f"{i.name} {','.join((cluster.health(i) or {}).get('roles', [])) or '-'}" for i in cluster.instances), flush=True)

        # --- traffic through the balancer: the demo's generator and this check's clients
        run_seconds = 120  # the generator stops by itself if this script is killed outright
        cluster.spawn("demo", ["demo", "--drive", cluster.lb, "--database", database, "--seconds-per-truck", "1.5",
                               "--stop-after", str(run_seconds), "--seed", "18"])
        record = Record()
        client = Client(cluster, record, stop)
        declarant = client.sign_in(f"declarant-{RUN}@test.smartgate.vn")
        operator = client.sign_in(f"corridor-{RUN}@test.smartgate.vn")
        workers = [threading.Thread(target=client.lane_worker, args=(declarant, device_key), daemon=True),
                   threading.Thread(target=client.declarant, args=(declarant,), daemon=True),
                   threading.Thread(target=client.corridor_orders, args=(operator,), daemon=True),
                   threading.Thread(target=client.corridor_watch, args=(operator,), daemon=True)]
        traffic_from = time.monotonic()
        for worker in workers:
            worker.start()
        time.sleep(8)

        # --- kill -9 of an instance that holds no role (or not the corridor), and back
        held = {i.name: set((cluster.health(i) or {}).get("roles", [])) for i in cluster.instances}
        victim = min(cluster.instances, key=lambda i: (("corridor" in held[i.name]), len(held[i.name])))
        print(f"cluster: kill -9 {victim.name} (holding {', '.join(sorted(held[victim.name])) or 'no role'})", flush=True)
        cluster.kill(victim)
        time.sleep(6)
        cluster.start(victim)
        cluster.wait_healthy(victim)
        cluster.wait_balancer([i.name for i in cluster.instances])
        time.sleep(5)

        # --- kill -9 of the corridor's leader: how long until another instance runs it
        leader = cluster.holder("corridor")
        if leader is None:
            raise RuntimeError("no instance holds the corridor before the leader's kill")
        leader_roles = set((cluster.health(leader) or {}).get("roles", [])) | {"corridor"}
        survivors = [i for i in cluster.instances if i is not leader]
        print(f"cluster: kill -9 {leader.name}, the corridor's leader (holding {', '.join(sorted(leader_roles))})", flush=True)
        killed_at = time.monotonic()
        cluster.kill(leader)
        taken = takeovers(cluster, leader_roles, survivors, killed_at, 15)
        takeover, successor = taken.get("corridor", (None, None))
        time.sleep(max(0, killed_at + 8 - time.monotonic()))
        cluster.start(leader)
        cluster.wait_healthy(leader)
        cluster.wait_balancer([i.name for i in cluster.instances])
        time.sleep(8)
        stop.set()
        traffic_to = time.monotonic()
        for worker in workers:
            worker.join(40)
        for proc in cluster.others:
            proc.terminate()
        # The new leader carries on: orders dispatched before the kill reach `finished`.
        waited_from = time.monotonic()
        while time.monotonic() - waited_from < FINISH_WAIT:
            if int(psql(database, "SELECT count(*) FROM corridor_orders WHERE state = 'finished'")[0][0]) > 0:
                break
            time.sleep(1)
        print(f"cluster: first finished transport order seen {time.monotonic() - waited_from:.0f} s after the traffic stopped", flush=True)

        # --- what the clients saw during the faults
        check(takeover is not None and takeover <= LIMIT_SECONDS,
              f"corridor taken over by {successor.name if successor else 'nobody'} "
              f"{'after %.1f s' % takeover if takeover is not None else 'not within 15 s'} of the leader's kill -9 (limit {LIMIT_SECONDS} s)")
        for role in sorted(leader_roles - {"corridor"}):
            seconds, by = taken.get(role, (None, None))
            check(seconds is not None and seconds <= LIMIT_SECONDS,
                  f"{role} taken over by {by.name if by else 'nobody'} "
                  f"{'after %.1f s' % seconds if seconds is not None else 'not within 15 s'} of the kill (limit {LIMIT_SECONDS} s)")
        gap, gap_at = longest_gap(record.reading_times, traffic_from + 2, traffic_to)
        check(gap <= LIMIT_SECONDS and len(record.readings) > 0,
              f"longest gap between acknowledged lane readings: {gap:.1f} s, from {gap_at - traffic_from:.0f} s into the traffic "
              f"(leader killed at {killed_at - traffic_from:.0f} s; {len(record.readings)} readings; limit {LIMIT_SECONDS} s)")
        poll_gap, poll_at = longest_gap([t for t, _ in record.polls], traffic_from + 3, traffic_to)
        check(poll_gap <= LIMIT_SECONDS and len(record.polls) > 0,
              f"longest gap between answered corridor reads: {poll_gap:.1f} s, from {poll_at - traffic_from:.0f} s ({len(record.polls)} reads)")
        violations = max((v for _, v in record.polls), default=None)
        check(violations == 0, f"safety checker's violations through the run: {violations} (over {len(record.polls)} reads)")
        check(not record.unexpected, f"answers no retry explains: {len(record.unexpected)}"
              + "".join(f"\n    {what}: {status} {body}" for what, status, body in record.unexpected[:10]))
        print(f"cluster: decision latency through the balancer (`ready` answered): p50 {percentile(record.decision_ms, 50):.0f} ms, "
              f"p99 {percentile(record.decision_ms, 99):.0f} ms, max {max(record.decision_ms, default=0):.0f} ms; "
              f"{record.abandoned} request(s) given up unanswered after 30 s", flush=True)

        # --- sessions and limits across instances (all three up again)
        a, b, c = cluster.instances
        status, _, body = http(a.url + "/api/v1/auth/login", "POST", {"email": f"admin-{RUN}@test.smartgate.vn", "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"sign-in directly on {a.name} answered {status}: {body}")
        bearer = {"Authorization": f"Bearer {body['token']}"}
        before = [http(i.url + "/api/v1/auth/me", headers=bearer)[0] for i in (a, b, c)]
        status, _, _ = http(b.url + "/api/v1/auth/logout", "POST", headers=bearer)
        signed_out = time.monotonic()
        refused = None
        while time.monotonic() - signed_out < 5:
            if http(c.url + "/api/v1/auth/me", headers=bearer)[0] == 401:
                refused = time.monotonic() - signed_out
                break
            time.sleep(0.02)
        on_a = http(a.url + "/api/v1/auth/me", headers=bearer)[0]
        check(before == [200, 200, 200] and 200 <= status < 300 and refused is not None and refused <= SIGN_OUT_SECONDS and on_a == 401,
              f"signed in on {a.name}, out on {b.name}: refused on {c.name} after "
              f"{'%.2f s' % refused if refused is not None else 'more than 5 s'} (limit {SIGN_OUT_SECONDS} s), on {a.name} {on_a}; "
              f"before: {before}, sign-out {status}")

        answers, tried_from = [], time.monotonic()
        for _ in range(40):
            answers.append(http(cluster.lb + "/api/v1/auth/login", "POST",
                                {"email": f"nobody-{RUN}@test.smartgate.vn", "password": "not-the-password"})[0])
        took = time.monotonic() - tried_from
        passed = sum(1 for s in answers if s != 429)
        # The bucket holds LOGIN_LIMIT, refills LOGIN_LIMIT a minute, plus one for the clock.
        allowed = LOGIN_LIMIT + math.ceil(took * LOGIN_LIMIT / 60) + 1
        check(passed <= allowed and set(answers) <= {401, 429},
              f"40 wrong sign-ins through the balancer in {took:.1f} s: {passed} not refused with 429 (at most {allowed}; "
              f"one limit per instance would let {3 * LOGIN_LIMIT} through); answers {sorted(set(answers))}")

        # --- one holder per role, the balancer agrees, the takeover was counted
        holders = {role: [i.name for i in cluster.instances if cluster.holds(i, role)] for role in ROLES}
        check(all(len(names) == 1 for names in holders.values()),
              "each role held by exactly one instance: " + ", ".join(f"{r} {'/'.join(n) or 'none'}" for r, n in holders.items()))
        texts = {i.name: cluster.metrics(i) for i in cluster.instances}
        by_metrics = {role: [name for name, text in texts.items() if metric(text, "smartgate_lease_held", role=role) == 1]
                      for role in ROLES}
        check(by_metrics == holders, f"/metrics smartgate_lease_held agrees: {by_metrics}")
        counted = metric(texts[successor.name], "smartgate_lease_takeovers_total", role="corridor") if successor else None
        check(counted is not None and counted >= 1,
              f"smartgate_lease_takeovers_total{{role=\"corridor\"}} on {successor.name if successor else '?'}: {counted}")
        main_up, corridor_up = cluster.up("smartgate"), cluster.up("corridor")
        check(len(main_up) == 3 and corridor_up == holders["corridor"],
              f"balancer: {', '.join(main_up)} UP for everything, {', '.join(corridor_up) or 'none'} for the corridor")

        # --- the database after a clean stop
        cluster.close()
        declarations = {row[0].lower() for row in psql(database, "SELECT id FROM declarations")}
        lost = [i for i in record.declarations if i not in declarations]
        stored = psql(database, f"SELECT count(*) FROM declarations WHERE body LIKE '%cc-{RUN}-%'")[0][0]
        doubled = psql(database, f"""SELECT k, count(*) FROM (SELECT substring(body from 'cc-{RUN}-[a-z]+-[0-9]+') AS k
                                     FROM declarations WHERE body LIKE '%cc-{RUN}-%') AS mine GROUP BY k HAVING count(*) > 1""")
        check(not lost and not doubled and len(set(record.declarations)) <= int(stored) <= record.markers,
              f"declarations: {len(record.declarations)} acknowledged, {len(lost)} missing, {len(doubled)} doubled; "
              f"{stored} stored for {record.markers} attempted")
        readings = {(d, e) for d, e in psql(database, f"SELECT device_id, event_id FROM lane_readings WHERE lane_id = '{LANE}' AND event_id LIKE '{RUN}-%'")}
        missing = [r for r in record.readings if r not in readings]
        check(not missing, f"lane readings: {len(record.readings)} acknowledged, {len(missing)} missing"
              + "".join(f"\n    {d}/{e}" for d, e in missing[:10]))
        orders = {row[0].lower(): row[1] for row in psql(database, "SELECT id, state FROM corridor_orders")}
        check(all(o in orders for o in record.orders),
              f"transport orders: {len(record.orders)} acknowledged, {sum(o not in orders for o in record.orders)} missing "
              f"({len(orders)} in all, with the demo's and the released trucks')")
        twice = psql(database, "SELECT passage_id, count(*) FROM lane_decisions GROUP BY passage_id HAVING count(*) > 1")
        decisions = int(psql(database, "SELECT count(*) FROM lane_decisions")[0][0])
        check(not twice and decisions > 0, f"lane decisions: {decisions}, passages decided twice: {len(twice)}")
        mine = int(psql(database, f"SELECT count(*) FROM lane_decisions WHERE lane_id = '{LANE}'")[0][0])
        check(record.ready <= mine <= record.ready_tried,
              f"decisions on {LANE}: {mine} for {record.ready} acknowledged `ready` readings ({record.ready_tried} sent)")
        demo = decisions - mine
        check(demo > 0, f"the demo's generator drove trucks through the balancer: {demo} decisions on its lanes")
        repeated = ", ".join(f"'{s}'" for s in sorted(DECLARATION_REPEATABLE))
        twice = psql(database, f"""SELECT declaration_id, to_status, count(*) FROM declaration_transitions
                                   WHERE to_status NOT IN ({repeated}) GROUP BY 1, 2 HAVING count(*) > 1""")
        transitions = psql(database, "SELECT count(*), count(DISTINCT declaration_id) FROM declaration_transitions")[0]
        check(not twice, f"declaration transitions: {transitions[0]} over {transitions[1]} declarations, "
              f"{len(twice)} into the same state twice" + "".join(f"\n    {d} {s} ×{n}" for d, s, n in twice[:10]))

        history = {}
        for subject, action in psql(database, "SELECT subject, action FROM audit_entries WHERE action LIKE 'transport-order.%' ORDER BY seq"):
            history.setdefault(subject.split(":", 1)[1].lower(), []).append(action.split(".", 1)[1])
        problems, finished, redispatched = [], 0, 0
        for order, actions in history.items():
            if actions[:1] != ["created"]:
                problems.append(f"{order}: audit starts with {actions[:1]}")
                continue
            states = actions[1:]
            finished += states.count("finished")
            redispatched += states.count("being-processed") > 1
            for state in set(states) - ORDER_REPEATABLE:
                if states.count(state) > 1:
                    problems.append(f"{order}: {state} {states.count(state)} times")
            state = "raw"
            for following in states:
                if following not in reachable(state):
                    problems.append(f"{order}: {state} → {following} ({' → '.join(states)})")
                state = following
            if orders.get(order, "?") != state:
                problems.append(f"{order}: stored as {orders.get(order)}, last audited {state}")
        problems += [f"{o}: stored but never audited as created" for o in orders if o not in history]
        check(not problems and finished > 0,
              f"transport orders in the audit: {len(history)}, {finished} finished once each, {redispatched} re-dispatched; "
              f"{len(problems)} problem(s)" + "".join(f"\n    {p}" for p in problems[:10]))

        try:
            verdict = cluster.cli("audit", "verify").strip()
            verified = True
        except RuntimeError as error:
            verdict, verified = str(error), False
        count, low, high = (int(x or 0) for x in psql(database, "SELECT count(*), min(seq), max(seq) FROM audit_entries")[0])
        entries = re.search(r"(\d+) entries", verdict)
        check(verified and entries is not None and int(entries.group(1)) == count and high - low + 1 == count,
              f"smartgate audit verify: {verdict} ({count} rows, seq {low}–{high})")
    except Exception as error:
        check(False, f"stopped: {error}")
    finally:
        stop.set()
        cluster.close()
    took = time.monotonic() - started
    if check.failed:
        print(f"cluster: {len(check.failed)} check(s) failed in {took:.0f} s; logs kept in {work} "
              f"(sg-1.log … sg-3.log, haproxy.log, demo.log)", file=sys.stderr)
        sys.exit(1)
    shutil.rmtree(work, ignore_errors=True)
    print(f"cluster: all checks passed in {took:.0f} s")


if __name__ == "__main__":
    main()
