"""Acknowledged writes survive kill -9.

Starts `smartgate serve`, submits declarations and lane readings from 16 concurrent
clients, kills the server with SIGKILL while writes are in flight, restarts it on the
same database, and checks that every write the server acknowledged (201/200) is there.
Exits non-zero naming what is missing.
"""
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


KEY_FILE = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"smartgate-durability-{os.getpid()}.keys.json")
LANES = ["kim-thanh-out-1", "kim-thanh-out-2", "kim-thanh-in-1"]


def cli(binary, database, *args, stdin=None):
    """Runs a smartgate command against the database; its standard output."""
    env = dict(os.environ, LOG_LEVEL="warning", SMARTGATE_KEY_FILE=KEY_FILE)
    done = subprocess.run([binary, *args, "--database", database], input=stdin, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"smartgate {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def start(binary, database, port):
    # The writes are the point here, not the rate limits; the key file outlives the restart.
    env = dict(os.environ, LOG_LEVEL="warning", SMARTGATE_KEY_FILE=KEY_FILE,
               SMARTGATE_RATE_LIMIT_USER="0", SMARTGATE_RATE_LIMIT_DEVICE="0")
    proc = subprocess.Popen(
        [binary, "serve", "--port", str(port), "--database", database],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited early: {proc.stderr.read().decode()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
            return proc
        except Exception:
            time.sleep(0.2)
    proc.kill()
    sys.exit("server did not become healthy in 60 s")


def post(port, path, body, headers=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def get(port, path, token):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"})
    return urllib.request.urlopen(request, timeout=10)


def declaration(n):
    return {
        "direction": "export", "gate": "kim-thanh",
        "declarant": {"taxCode": "5300100269", "name": "Cong ty Nong san Lao Cai"},
        # Numbers run from 000.01: 000.00 is never issued (Circular 24/2023/TT-BCA).
        "vehicle": {"plate": f"24C-{(n % 99_999 + 1) // 100:03d}.{(n % 99_999 + 1) % 100:02d}"},
        "driver": {"name": "Nguyen Van A", "documentNumber": "C1234567", "nationality": "VN"},
        "containers": [],
        "goods": [{"hsCode": "081060", "description": "Fresh durian", "quantity": 18000, "unit": "KGM",
                   "netKg": 18000, "grossKg": 19500, "value": {"amount": "54000.00", "currency": "USD"}, "origin": "VN"}],
        "plannedArrival": datetime.now(timezone.utc).isoformat(), "tareKg": 14000,
    }


def main():
    binary, database = sys.argv[1], sys.argv[2]
    run = f"{random.randrange(1 << 30):x}"
    # A declarant and one device key per lane, made with the CLI as an operator would.
    email, password = f"durability-{run}@test.smartgate.vn", f"durability-{run}-password"
    cli(binary, database, "users", "create", "--email", email, "--role", "declarant", "--enterprise", "5300100269",
        "--password-stdin", stdin=password + "\n")
    keys = {lane: json.loads(cli(binary, database, "devices", "create", "--lane", lane, "--name", f"durability {run}", "--json"))["key"]
            for lane in LANES}
    port = free_port()
    server = start(binary, database, port)
    _, session = post(port, "/api/v1/auth/login", {"email": email, "password": password})
    bearer = {"Authorization": f"Bearer {session['token']}"}
    acknowledged_declarations, acknowledged_readings = [], []
    lock = threading.Lock()
    stop = threading.Event()

    def client(index):
        n = 0
        while not stop.is_set():
            n += 1
            try:
                if n % 2:
                    status, body = post(port, "/api/v1/declarations", declaration(index * 10_000 + n), bearer)
                    if status == 201:
                        with lock:
                            acknowledged_declarations.append(body["id"])
                else:
                    event = f"{run}-{index}-{n}"
                    reading = {"deviceId": f"scale-{index}", "eventId": event, "kind": "weight", "grossKg": 30000 + n,
                               "observedAt": datetime.now(timezone.utc).isoformat()}
                    lane = LANES[index % 3]
                    status, _ = post(port, f"/api/v1/lanes/{lane}/readings", reading, {"X-Device-Key": keys[lane]})
                    if status == 200:
                        with lock:
                            acknowledged_readings.append((f"scale-{index}", event, reading))
            except Exception:
                if stop.is_set():
                    return
                time.sleep(0.01)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    time.sleep(3)
    server.send_signal(signal.SIGKILL)  # mid-flight: some requests are never answered
    server.wait()
    stop.set()
    for t in threads:
        t.join()
    print(f"acknowledged before kill -9: {len(acknowledged_declarations)} declarations, {len(acknowledged_readings)} readings")
    if len(acknowledged_declarations) + len(acknowledged_readings) < 50:
        sys.exit("too few writes were acknowledged to prove anything")

    server = start(binary, database, port)
    try:
        missing = []
        for declaration_id in acknowledged_declarations:
            try:
                get(port, f"/api/v1/declarations/{declaration_id}", session["token"])
            except urllib.error.HTTPError as error:
                missing.append(f"declaration {declaration_id}: {error.code}")
        for device, event, reading in acknowledged_readings:
            # A stored event replays its first answer; a lost one would be stored anew, so
            # compare with a changed body: only a stored event answers 409.
            changed = dict(reading, grossKg=reading["grossKg"] + 0.5)
            lane = LANES[int(device.split("-")[1]) % 3]
            try:
                post(port, f"/api/v1/lanes/{lane}/readings", changed, {"X-Device-Key": keys[lane]})
                missing.append(f"reading {device}/{event}")
            except urllib.error.HTTPError as error:
                if error.code != 409:
                    missing.append(f"reading {device}/{event}: {error.code}")
        if missing:
            print("\n".join(missing[:20]))
            sys.exit(f"{len(missing)} acknowledged write(s) lost after kill -9")
        print(f"durability: all {len(acknowledged_declarations) + len(acknowledged_readings)} acknowledged writes survived kill -9 on {database.split('@')[-1]}")
    finally:
        server.terminate()
        server.wait()
        if os.path.exists(KEY_FILE):
            os.remove(KEY_FILE)


if __name__ == "__main__":
    main()
