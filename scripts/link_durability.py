"""The link loses nothing and doubles nothing across kill -9, on either side.

Starts two `smartgate serve` processes, Vietnam's and China's, each on its own database
with its own key, peered with the CLI. Eight clients declare exports in Vietnam; the
Chinese side is killed with SIGKILL while it applies manifests, then the Vietnamese side
while its outbox is full. Both restart on the same databases. Every export Vietnam
acknowledged must become exactly one expected arrival in China, every arrival must be a
declaration Vietnam holds, and Vietnam's outbox must empty. Exits non-zero naming what
differs.

Usage: link_durability.py SMARTGATE_BINARY VIETNAM_DATABASE_URL CHINA_DATABASE_URL
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

# One export and one free port, as the single-server durability check makes them.
from durability_check import declaration, free_port

WORK = tempfile.mkdtemp(prefix="smartgate-link-durability-")
PASSWORD = "link-durability-password"


class Side:
    def __init__(self, binary, side, database):
        self.binary, self.side, self.database = binary, side, database
        self.port = free_port()
        self.env = dict(os.environ, LOG_LEVEL="warning", SMARTGATE_SIDE=side, SMARTGATE_KEY_FILE=os.path.join(WORK, f"{side}.keys.json"),
                        SMARTGATE_RATE_LIMIT_USER="0", SMARTGATE_RATE_LIMIT_DEVICE="0", SMARTGATE_CORRIDOR_PLANT="off")
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args, stdin=None):
        done = subprocess.run([self.binary, *args, "--database", self.database], input=stdin, capture_output=True, text=True, env=self.env)
        if done.returncode != 0:
            sys.exit(f"{self.side}: smartgate {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self):
        self.proc = subprocess.Popen([self.binary, "serve", "--port", str(self.port), "--database", self.database],
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(WORK, f"{self.side}.log"), "a"), env=self.env)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"{self.side} exited early; see {WORK}/{self.side}.log")
            try:
                urllib.request.urlopen(f"{self.url}/health", timeout=1)
                return
            except Exception:
                time.sleep(0.2)
        sys.exit(f"{self.side} did not become healthy in 60 s")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()

    def token(self, email):
        return request(self.url, "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})[1]["token"]


def request(base, method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    with urllib.request.urlopen(urllib.request.Request(base + path, data=data, method=method, headers=headers), timeout=10) as response:
        return response.status, json.loads(response.read())


def arrivals(side, token):
    """Every arrival's sender declaration id, page by page."""
    found, cursor = [], None
    while True:
        _, page = request(side.url, "GET", "/api/v1/arrivals?limit=500" + (f"&cursor={cursor}" if cursor else ""), token=token)
        found += [item["senderDeclarationId"].lower() for item in page["items"]]
        cursor = page.get("nextCursor")
        if not cursor:
            return found


def main():
    binary, vietnam_db, china_db = sys.argv[1:4]
    vietnam, china = Side(binary, "VN-LAOCAI", vietnam_db), Side(binary, "CN-HEKOU", china_db)
    try:
        for side in (vietnam, china):
            side.cli("keys", "create")
            side.cli("users", "create", "--email", f"admin@{side.side.lower()}.test", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
        vietnam.cli("users", "create", "--email", "exporter@vn-laocai.test", "--role", "declarant", "--enterprise", "5300100269",
                    "--password-stdin", stdin=PASSWORD + "\n")
        for side, other in ((vietnam, china), (china, vietnam)):
            key = other.cli("keys", "show").split()[0]
            side.cli("peer", "add", "--id", other.side, "--url", other.url, "--public-key", key)
        vietnam.start()
        china.start()
        exporter = vietnam.token("exporter@vn-laocai.test")
        acknowledged, lock, stop = [], threading.Lock(), threading.Event()

        def client(index):
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    status, body = request(vietnam.url, "POST", "/api/v1/declarations", declaration(index * 10_000 + n), exporter)
                    if status == 201:
                        with lock:
                            acknowledged.append(body["id"].lower())
                except Exception:
                    time.sleep(0.01)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        china.kill()  # the receiver, while it applies manifests
        time.sleep(1.5)
        vietnam.kill()  # the sender, with its outbox filling while the receiver is down
        stop.set()
        for thread in threads:
            thread.join()
        print(f"link durability: {len(acknowledged)} exports acknowledged in Vietnam before both sides were killed with SIGKILL")
        if len(acknowledged) < 20:
            sys.exit("too few exports were acknowledged to prove anything")
        vietnam.start()
        china.start()
        vietnam_admin, china_admin = vietnam.token("admin@vn-laocai.test"), china.token("admin@cn-hekou.test")
        deadline, seen = time.time() + 180, []
        while time.time() < deadline:
            seen = arrivals(china, china_admin)
            _, status = request(vietnam.url, "GET", "/api/v1/link/status", token=vietnam_admin)
            queue = status["items"][0]["queueDepth"] if status["items"] else -1
            if set(acknowledged) <= set(seen) and queue == 0:
                break
            time.sleep(0.5)
        problems = [f"{i}: acknowledged in Vietnam, not expected in China" for i in sorted(set(acknowledged) - set(seen))]
        problems += [f"{i}: expected {seen.count(i)} times in China" for i in sorted(set(seen)) if seen.count(i) > 1]
        for sender_id in sorted(set(seen) - set(acknowledged)):
            # Committed in Vietnam but killed before its answer: it must exist there.
            try:
                request(vietnam.url, "GET", f"/api/v1/declarations/{sender_id}", token=vietnam_admin)
            except urllib.error.HTTPError as error:
                problems.append(f"{sender_id}: expected in China but Vietnam has no such declaration ({error.code})")
        if queue != 0:
            problems.append(f"Vietnam's outbox still holds {queue} message(s)")
        if problems:
            print("\n".join(problems[:20]))
            sys.exit(f"{len(problems)} difference(s) after kill -9 of both sides")
        print(f"link durability: all {len(acknowledged)} acknowledged exports arrived in China exactly once, with "
              f"{len(set(seen) - set(acknowledged))} more committed in Vietnam before the kill but never answered; Vietnam's outbox is empty")
    finally:
        vietnam.stop()
        china.stop()


if __name__ == "__main__":
    main()
