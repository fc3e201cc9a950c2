#!/usr/bin/env python3
"""Fleet mode across processes: four replicas of one service share one OAuth
grant and one account's rate limits through Redis, beside a fifth process of
the same app outside the fleet, against the sandbox at --time-scale 10.

Starts its own redis-server on a free loopback port (persistence off) and a
sandbox per scenario (klaviyo-sandbox: windows per account, a reused refresh
token revokes the whole grant, short-lived tokens). Scenarios: a clean run,
then Redis restarted mid-run, Redis frozen (SIGSTOP) for longer than the
deadline, the replica holding the refresh lease killed, a slow token
endpoint. Prints a table per scenario; asserts the clean run's numbers and
what no fault may break (no hung process, no call lost to a double refresh
where none is forced).

usage: fleet_test.py SANDBOX_BINARY REPLICA_BINARY
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

TIME_SCALE = 10
STEADY = 150  # get_campaigns: M tier, 150 per minute (6 s at time scale 10)
WINDOW_S = 60 / TIME_SCALE
TOKEN_TTL_S = 3
MARGIN_S = 1
REPLICAS = 4
SECRET = "TESTSECRET-fleet-app-secret"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resp(port, *words, timeout=1.0):
    """One Redis command (inline form is enough for these words); the reply's first line."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall((" ".join(words) + "\r\n").encode())
        data = b""
        while not data.endswith(b"\r\n") or (data.startswith(b"$") and data.count(b"\r\n") < 2 and not data.startswith(b"$-1")):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        lines = data.decode().split("\r\n")
        if lines[0].startswith("$"):
            return None if lines[0] == "$-1" else lines[1]
        return lines[0]


class Redis:
    def __init__(self, workdir):
        self.port = free_port()
        self.dir = workdir
        self.proc = None

    def start(self):
        exe = shutil.which("redis-server")
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir, "--daemonize", "no", "--maxmemory-policy", "noeviction"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                if resp(self.port, "PING") == "+PONG":
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def restart(self):
        self.stop()
        self.start()


class Sandbox:
    def __init__(self, binary, token_delay_ms=0):
        cmd = [binary, "--port", "0", "--time-scale", str(TIME_SCALE), "--token-ttl", str(TOKEN_TTL_S),
               "--revoke-on-reuse", "--oauth-client-secret", SECRET, "--token-delay", str(token_delay_ms)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("listening "):
            raise RuntimeError("sandbox did not start: " + line)
        self.base = line.split(" ", 1)[1]

    def stats(self):
        req = urllib.request.Request(self.base + "/sandbox/stats",
                                     headers={"Authorization": "Klaviyo-API-Key pk_sandbox", "revision": "2026-07-15"})
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read())

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def run_scenario(name, sandbox_bin, replica_bin, redis, workdir, seconds, fault=None, token_delay_ms=0, extra=()):
    sb = Sandbox(sandbox_bin, token_delay_ms)
    d = os.path.join(workdir, name)
    os.makedirs(d, exist_ok=True)
    # A Redis deadline of 250 ms: six processes share two cores here, and a
    # busy moment must not count as an outage (the freeze lasts 1.5 s).
    common = ["--base", sb.base, "--secret", SECRET, "--time-scale", str(TIME_SCALE), "--margin-s", str(MARGIN_S),
              "--redis-port", str(redis.port), "--fleet", name, "--redis-timeout-ms", "250"]
    token = os.path.join(d, "token.json")
    subprocess.run([replica_bin, "--mode", "authorize", "--token-file", token] + common, check=True, timeout=30)
    start_at = time.time() * 1000 + 1500
    # The outsider is planned for, as a user would: it paces itself at 0.2 of
    # each limit and the fleet takes the other 0.8 (fleet_options::share), so
    # no reserve for unplanned spending is kept (outside_reserve 0). Its
    # spending still reaches the fleet through RateLimit-Remaining.
    procs = []
    for i in range(REPLICAS + 1):
        mode = "replica" if i < REPLICAS else "outsider"
        tf = os.path.join(d, "token-%d.json" % i)
        if mode == "replica":
            shutil.copy(token, tf)
        report = os.path.join(d, "report-%d.json" % i)
        cmd = [replica_bin, "--mode", mode, "--token-file", tf, "--report", report, "--seconds", str(seconds),
               "--start-at-ms", "%.0f" % start_at, "--workers", "6", "--share", "0.2", "--fleet-share", "0.8", "--outside-reserve", "0"] + common + list(extra)
        log = open(os.path.join(d, "log-%d.txt" % i), "w")
        procs.append((mode, subprocess.Popen(cmd, stdout=log, stderr=log), report, log))
    killed = []
    if fault:
        # Just after the second window opens, when every replica is booking.
        time.sleep(max(0, (start_at / 1000 + WINDOW_S + 0.3) - time.time()))
        fault(redis, procs, killed)
    hung = 0
    for mode, p, _, log in procs:
        try:
            p.wait(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            hung += 1
            p.kill()
            p.wait()
        log.close()
    stats = sb.stats()
    sb.stop()
    reports = []
    exit_codes = []
    for mode, p, report, _ in procs:
        exit_codes.append(p.returncode)
        if os.path.exists(report):
            with open(report) as f:
                reports.append(json.load(f))
    reps = [r for r in reports if r["mode"] == "replica"]
    outsider = [r for r in reports if r["mode"] == "outsider"]
    ok = [r["ok"] for r in reps]
    total_ok = sum(ok) + sum(r["ok"] for r in outsider)
    fleet_refreshes = sum(r["fleet"]["refreshes"] for r in reps)
    outsider_refreshes = sum(max(0, r["saves"] - 1) for r in outsider)
    result = {
        "name": name,
        "seconds": seconds,
        "throttled": stats["throttled"],
        "ok": total_ok,
        "replica_ok": ok,
        "outsider_ok": sum(r["ok"] for r in outsider),
        "failed": sum(r["failed"] for r in reports),
        "errors": [r["errors"] for r in reports if r["errors"]],
        "steady_use": total_ok / (STEADY * seconds / WINDOW_S),
        "fleet_refreshes": fleet_refreshes,
        "sandbox_refreshes": stats["oauth"]["refreshes"],
        "outsider_refreshes": outsider_refreshes,
        "invalid_grants": stats["oauth"]["invalid_grants"],
        "revoked_grants": stats["oauth"]["revoked_grants"],
        "outages": sum(r["fleet"]["outages"] for r in reps),
        "state_losses": sum(r["fleet"]["state_losses"] for r in reps),
        "local_admissions": sum(r["fleet"]["local_admissions"] for r in reps),
        "held_back": sum(r["fleet"]["held_back"] for r in reps),
        "killed": len(killed),
        "hung": hung,
        "exit_codes": exit_codes,
    }
    return result


def restart_redis(redis, procs, killed):
    redis.restart()


def freeze_redis(redis, procs, killed):
    redis.proc.send_signal(signal.SIGSTOP)
    time.sleep(1.5)  # six times the 250 ms deadline
    redis.proc.send_signal(signal.SIGCONT)


def kill_lease_holder(name):
    def fault(redis, procs, killed):
        # Wait for a refresh to take the lease, then kill its holder
        # (the lease's value is "<pid>-<random>").
        deadline = time.time() + 8
        while time.time() < deadline:
            holder = resp(redis.port, "GET", "klaviyo:{%s}:oauth:lease" % name)
            if holder:
                pid = int(holder.split("-")[0])
                for mode, p, _, _ in procs:
                    if p.pid == pid:
                        p.kill()
                        killed.append(pid)
                        return
            time.sleep(0.002)
    return fault


def main():
    sandbox_bin, replica_bin = sys.argv[1], sys.argv[2]
    if not shutil.which("redis-server"):
        if os.environ.get("CI"):
            print("FAIL: redis-server is not installed (scripts/install-deps.sh installs it)")
            return 1
        print("SKIP: redis-server is not installed")
        return 77
    workdir = tempfile.mkdtemp(prefix="klaviyo-fleet-")
    redis = Redis(workdir)
    redis.start()
    results = []
    try:
        # Runs of whole steady windows: the sandbox's windows start with the
        # first call, so the most it can admit is the limit per window.
        results.append(run_scenario("clean", sandbox_bin, replica_bin, redis, workdir, 3 * WINDOW_S))
        results.append(run_scenario("redis_restart", sandbox_bin, replica_bin, redis, workdir, 2 * WINDOW_S,
                                    restart_redis))
        results.append(run_scenario("redis_frozen", sandbox_bin, replica_bin, redis, workdir, 2 * WINDOW_S,
                                    freeze_redis))
        # The holder is killed after taking the lease and before its refresh
        # goes out (each refresh waits 600 ms under the lease).
        results.append(run_scenario("lease_holder_killed", sandbox_bin, replica_bin, redis, workdir, 2 * WINDOW_S,
                                    kill_lease_holder("lease_holder_killed"), extra=("--refresh-pause-ms", "600")))
        results.append(run_scenario("slow_token_endpoint", sandbox_bin, replica_bin, redis, workdir, 2 * WINDOW_S,
                                    token_delay_ms=800))
    finally:
        redis.stop()

    print("%-20s %5s %6s %6s %-22s %6s %5s %5s %5s %5s %5s %5s %5s %4s" %
          ("scenario", "429s", "ok", "use%", "replicas ok", "outsdr", "fail", "refr", "sbref", "invgr",
           "revok", "outag", "lost", "hung"))
    for r in results:
        print("%-20s %5d %6d %6.1f %-22s %6d %5d %5d %5d %5d %5d %5d %5d %4d" %
              (r["name"], r["throttled"], r["ok"], 100 * r["steady_use"], ",".join(map(str, r["replica_ok"])),
               r["outsider_ok"], r["failed"], r["fleet_refreshes"], r["sandbox_refreshes"], r["invalid_grants"],
               r["revoked_grants"], r["outages"], r["state_losses"], r["hung"]))
    for r in results:
        if r["errors"]:
            print("errors in %s: %s" % (r["name"], r["errors"]))
    print(json.dumps(results))

    failures = []
    c = results[0]
    if c["throttled"] != 0:
        failures.append("clean: %d 429s" % c["throttled"])
    if c["steady_use"] < 0.9:
        failures.append("clean: %.1f%% of the steady limit used" % (100 * c["steady_use"]))
    if min(c["replica_ok"]) * 1.2 < max(c["replica_ok"]):
        failures.append("clean: replicas' shares differ by more than 20%%: %s" % c["replica_ok"])
    if c["invalid_grants"] != 0 or c["revoked_grants"] != 0:
        failures.append("clean: %d invalid_grant, %d revoked" % (c["invalid_grants"], c["revoked_grants"]))
    if c["sandbox_refreshes"] != c["fleet_refreshes"] + c["outsider_refreshes"]:
        failures.append("clean: the sandbox saw %d refreshes, the fleet made %d and the outsider %d" %
                        (c["sandbox_refreshes"], c["fleet_refreshes"], c["outsider_refreshes"]))
    # One refresh per expiry: every refresh the sandbox saw was made by one
    # process for the whole fleet (checked above, with no invalid_grant);
    # tokens live TOKEN_TTL_S and are refreshed MARGIN_S before they end:
    # at most one refresh per lifetime less margin.
    span = c["seconds"] + 1.5
    # Tokens are refreshed on demand: a replica held back by the limits
    # makes no call, and refreshes nothing, until its turn.
    expected_min = 2
    expected_max = int(span / (TOKEN_TTL_S - MARGIN_S)) + 1
    if not expected_min <= c["fleet_refreshes"] <= expected_max:
        failures.append("clean: %d fleet refreshes, expected %d to %d (one per expiry)" %
                        (c["fleet_refreshes"], expected_min, expected_max))
    if c["failed"] != 0:
        failures.append("clean: %d calls failed" % c["failed"])
    if c["outages"] != 0:
        failures.append("clean: %d outages without a fault" % c["outages"])
    for r in results:
        if r["hung"]:
            failures.append("%s: %d processes hung" % (r["name"], r["hung"]))
        if any(code != 0 for code in r["exit_codes"][:REPLICAS + 1]) and not r["killed"]:
            failures.append("%s: a process failed (exit codes %s)" % (r["name"], r["exit_codes"]))
    for f in failures:
        print("FAIL:", f)
    if not failures:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        print("logs kept in", workdir)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
