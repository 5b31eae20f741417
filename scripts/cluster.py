"""Several SmartGate instances on one PostgreSQL behind HAProxy, on loopback.

The pieces cluster_check.py (the fault test) and bench_cluster.py (the benchmark) share:
a key file made once and given to every instance, `smartgate serve` processes started,
killed with SIGKILL and restarted on their own ports, HAProxy started with
deploy/haproxy.cfg on free ports, and the questions asked of them (who holds a role, what
the balancer thinks of each server). scripts/cluster-up.sh does the same in shell, on
fixed ports, for a person to try.

Nothing here kills a process it did not start; `Cluster.close` stops all it started.
"""
import json
import math
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

# A free port, as the single-server durability check finds one.
from durability_check import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HAPROXY_CONFIG = os.path.join(ROOT, "deploy", "haproxy.cfg")
# The background roles, each held by one instance at a time (GET /health/roles/{role}).
ROLES = ("corridor", "expiry-sweep", "link-courier", "yard-dispatch")
# deploy/haproxy.cfg names three servers in each backend.
INSTANCES = 3


def http(url, method="GET", body=None, headers=None, timeout=10):
    """(status, headers, body as JSON or text). An HTTP error status is an answer, not an
    exception; a connection that fails or times out raises OSError (URLError is one)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, answer_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, raw = error.code, error.headers, error.read()
    text = raw.decode(errors="replace")
    try:
        return status, answer_headers, json.loads(text) if text else None
    except ValueError:
        return status, answer_headers, text


def psql(database, query):
    """Rows of a query as lists of strings (psql's unaligned output, fields split on |)."""
    done = subprocess.run(["psql", database, "-X", "-q", "-t", "-A", "-F", "|", "-v", "ON_ERROR_STOP=1", "-c", query],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"psql failed: {done.stderr.strip()}\n{query}")
    return [line.split("|") for line in done.stdout.splitlines() if line]


class Instance:
    def __init__(self, index, port):
        self.index, self.port = index, port
        self.name = f"sg-{index + 1}"
        self.proc = None
        self.starts = 0

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None


class Cluster:
    """Three `smartgate serve` on one database, HAProxy in front; logs in `work`.

    `env` is added to every smartgate process's environment (instances and CLI alike)."""

    def __init__(self, binary, database, work, env=None, log_level="notice"):
        self.binary, self.database, self.work = binary, database, work
        self.key_file = os.path.join(work, "keys.json")
        self.env = dict(os.environ, LOG_LEVEL=log_level, SMARTGATE_KEY_FILE=self.key_file,
                        # The balancer's forwarded address counts against the sign-in limit, not its own.
                        SMARTGATE_TRUSTED_PROXIES="127.0.0.1", **(env or {}))
        self.env.pop("DATABASE_URL", None)  # --database is the only database
        self.instances = [Instance(i, free_port()) for i in range(INSTANCES)]
        self.lb_port, self.stats_port = free_port(), free_port()
        self.haproxy = None
        self.others = []  # other processes started here (the demo's generator)

    @property
    def lb(self):
        return f"http://127.0.0.1:{self.lb_port}"

    def log(self, name):
        return os.path.join(self.work, f"{name}.log")

    # --- the CLI, as an operator runs it

    def cli(self, *args, stdin=None):
        done = subprocess.run([self.binary, *args, "--database", self.database], input=stdin,
                              capture_output=True, text=True, env=dict(self.env, LOG_LEVEL="warning"))
        if done.returncode != 0:
            raise RuntimeError(f"smartgate {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def create_keys(self):
        """The key file every instance shares, made once before any instance starts."""
        self.cli("keys", "create")

    # --- instances

    def start(self, instance):
        instance.starts += 1
        with open(self.log(instance.name), "a") as log:
            log.write(f"--- start {instance.starts} at {time.strftime('%H:%M:%S')}\n")
            log.flush()
            instance.proc = subprocess.Popen(
                [self.binary, "serve", "--instance-id", instance.name, "--hostname", "127.0.0.1",
                 "--port", str(instance.port), "--database", self.database],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=self.env)

    def wait_healthy(self, instance, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not instance.running:
                raise RuntimeError(f"{instance.name} exited during start; see {self.log(instance.name)}")
            if self.health(instance) is not None:
                return
            time.sleep(0.2)
        raise RuntimeError(f"{instance.name} did not answer /health in {timeout} s; see {self.log(instance.name)}")

    def start_all(self):
        """All instances at once: migrations run under an advisory lock, one after another."""
        for instance in self.instances:
            self.start(instance)
        for instance in self.instances:
            self.wait_healthy(instance)

    def kill(self, instance):
        """kill -9: no shutdown, no goodbye to PostgreSQL; the kernel closes its sockets."""
        instance.proc.send_signal(signal.SIGKILL)
        instance.proc.wait()

    def stop(self, instance, timeout=20):
        if instance.running:
            instance.proc.terminate()
            try:
                instance.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                instance.proc.kill()
                instance.proc.wait()

    def health(self, instance, timeout=2):
        """The instance's /health answer when it is 200, else None."""
        try:
            status, _, body = http(instance.url + "/health", timeout=timeout)
        except OSError:
            return None
        return body if status == 200 and isinstance(body, dict) else None

    def holds(self, instance, role, timeout=1):
        """Whether the instance answers 200 to /health/roles/{role}."""
        try:
            return http(f"{instance.url}/health/roles/{role}", timeout=timeout)[0] == 200
        except OSError:
            return False

    def holder(self, role):
        """The running instance holding `role`, or None."""
        return next((i for i in self.instances if i.running and self.holds(i, role)), None)

    def metrics(self, instance):
        """Prometheus text from the instance itself (loopback, no proxy: no token needed)."""
        status, _, body = http(instance.url + "/metrics", timeout=5)
        if status != 200:
            raise RuntimeError(f"{instance.name} /metrics answered {status}")
        return body if isinstance(body, str) else json.dumps(body)

    # --- the balancer

    def start_haproxy(self):
        env = dict(os.environ, SG_LB_ADDR="127.0.0.1", SG_LB_PORT=str(self.lb_port),
                   SG_STATS_ADDR="127.0.0.1", SG_STATS_PORT=str(self.stats_port))
        for instance in self.instances:
            env[f"SG_ADDR_{instance.index + 1}"] = "127.0.0.1"
            env[f"SG_PORT_{instance.index + 1}"] = str(instance.port)
        with open(self.log("haproxy"), "a") as log:
            self.haproxy = subprocess.Popen(["haproxy", "-db", "-f", HAPROXY_CONFIG], stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT, env=env)

    def servers(self):
        """{(backend, server): status} from the stats page's CSV, e.g. ("corridor", "sg-2"): "UP"."""
        status, _, body = http(f"http://127.0.0.1:{self.stats_port}/;csv", timeout=2)
        if status != 200 or not isinstance(body, str):
            raise RuntimeError(f"HAProxy stats answered {status}")
        lines = body.lstrip("# ").splitlines()
        header = lines[0].split(",")
        name, server, state = header.index("pxname"), header.index("svname"), header.index("status")
        found = {}
        for line in lines[1:]:
            fields = line.split(",")
            if len(fields) > state and fields[server].startswith("sg-"):
                found[(fields[name], fields[server])] = fields[state].split(" ")[0]
        return found

    def up(self, backend):
        """The servers HAProxy sends traffic to in `backend` now."""
        return sorted(server for (name, server), state in self.servers().items() if name == backend and state == "UP")

    def wait_balancer(self, up, corridor=True, timeout=30):
        """Until the `smartgate` backend has exactly the servers `up` UP and, if `corridor`,
        the corridor backend exactly one (the role's holder)."""
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            if self.haproxy.poll() is not None:
                raise RuntimeError(f"HAProxy exited; see {self.log('haproxy')}")
            try:
                seen = (self.up("smartgate"), self.up("corridor"))
                if seen[0] == sorted(up) and (not corridor or len(seen[1]) == 1):
                    return seen
            except (OSError, RuntimeError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the balancer did not reach {sorted(up)} UP in {timeout} s; it shows {seen}")

    # --- the rest

    def spawn(self, name, args, env=None):
        """Another smartgate process (the demo's generator), logged and stopped with the rest."""
        with open(self.log(name), "a") as log:
            proc = subprocess.Popen([self.binary, *args], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    env=dict(self.env, **(env or {})))
        self.others.append(proc)
        return proc

    def close(self):
        """Stops everything started here: HAProxy and the generator at once, the instances politely."""
        for proc in self.others + ([self.haproxy] if self.haproxy else []):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        for instance in self.instances:
            self.stop(instance)


def percentile(values, p):
    """The p-th percentile by nearest rank; NaN for no values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(math.ceil(p / 100 * len(ordered))) - 1))] if ordered else float("nan")


def metric(text, name, **labels):
    """The value of one sample in Prometheus text, or None."""
    for line in text.splitlines():
        match = re.match(r"^" + re.escape(name) + r"(\{[^}]*\})?\s+(\S+)", line)
        if not match:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(1) or ""))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(match.group(2))
    return None

