#!/usr/bin/env python3
"""Webhook deliveries under custody appends, in one run, with their baseline:

    cargo build --release
    python3 benches/webhooks.py                                   # SQLite
    BENCH_DATABASE_URL='postgres://postgres@127.0.0.1:5432/caseledger_bench_webhooks?sslmode=disable' \
        python3 benches/webhooks.py                               # PostgreSQL
    # BENCH_SECONDS=10 per load; BENCH_WEBHOOK_POLL_MS=100 (the worker's idle poll);
    # BENCH_CATCHUP_SECONDS=600 (how long to wait for the last delivery)

A fresh database is seeded as for benches/throughput.py (a case with 64 items). wrk
then drives custody appends at 16 connections for BENCH_SECONDS with no webhook: the
baseline. A service account of the agency then registers a webhook to a receiver on
127.0.0.1 (exempted from the address guard), and wrk drives the same appends again.
Printed: the append rate in both runs; the events delivered per second while they
ran; and the delay from each event's commit (its `at`) to its arrival at the receiver,
p50 and p99, until the receiver has had every event.
"""
import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import shutil
import urllib.parse
import urllib.request
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import throughput as t  # noqa: E402  (the same seeding and wrk driver)

POLL_MS = os.environ.get("BENCH_WEBHOOK_POLL_MS", "100")
arrivals = []
lock = threading.Lock()


class Receiver(http.server.BaseHTTPRequestHandler):
    # Keep-alive, so that the worker reuses its connections.
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        now = time.time()
        with lock:
            arrivals.append((now, json.loads(body)["at"], self.headers["webhook-id"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def appends(token, items, folder):
    script = t.post_script(folder, "append.lua", {"type": "note", "reason": "photographed"},
                           [f"/api/v1/evidence/{i}/custody" for i in items])
    args = ["wrk", "-t", "2", "-c", "16", "-d", f"{t.SECONDS}s", "--latency",
            "-H", f"Authorization: Bearer {token}", "-s", script, t.BASE + "/"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, total - (int(bad.group(1)) if bad else 0)


def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main():
    url = os.environ.get("BENCH_DATABASE_URL")
    binary = os.path.join(t.ROOT, "target", "release", "caseledger")
    # A listen backlog for the worker's 64 concurrent sends (the default of 5 drops
    # connections, and TCP retries them seconds later).
    http.server.ThreadingHTTPServer.request_queue_size = 1024
    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    hook_url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    data = tempfile.mkdtemp(prefix="caseledger-webhooks-")
    env = dict(os.environ, CASELEDGER_DATA_DIR=data, CASELEDGER_BIND=f"127.0.0.1:{t.PORT}",
               CASELEDGER_BOOTSTRAP_PASSWORD=t.BOOT, CASELEDGER_MFA="off", RUST_LOG="warn",
               CASELEDGER_WEBHOOK_ALLOW_HOSTS="127.0.0.1", CASELEDGER_WEBHOOK_POLL_MS=POLL_MS)
    if url:
        name = url.rsplit("/", 1)[1].split("?")[0]
        admin_url = url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {name}"], check=True)
        env["DATABASE_URL"] = url
    server = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                if t.call("GET", "/readyz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        token, _case, items = t.seed()
        base_rps, _ = appends(token, items, data)

        admin = t.login("tt.admin", t.PASSWORD)
        agency = t.expect(t.call("GET", "/api/v1/me", token=token), 200)["agency_id"]
        account = t.expect(t.call("POST", "/api/v1/service-accounts", {
            "agency_id": agency, "name": "bench mirror", "roles": ["investigator"],
            "auth_method": "client_secret"}, admin), 201)
        form = urllib.parse.urlencode({"grant_type": "client_credentials",
                                       "client_id": account["client_id"],
                                       "client_secret": account["client_secret"]}).encode()
        req = urllib.request.Request(t.BASE + "/api/v1/oauth/token", data=form, method="POST")
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
        with urllib.request.urlopen(req) as res:
            machine = json.loads(res.read())["access_token"]
        t.expect(t.call("POST", "/api/v1/webhooks", {"url": hook_url, "event_types": ["custody.*"]},
                        machine), 201)

        started = time.time()
        hook_rps, committed = appends(token, items, data)
        ended = time.time()
        deadline = time.time() + int(os.environ.get("BENCH_CATCHUP_SECONDS", "600"))
        while time.time() < deadline:
            with lock:
                if len({a[2] for a in arrivals}) >= committed:
                    break
            time.sleep(0.2)
        with lock:
            got = list(arrivals)
        during = [a for a in got if a[0] <= ended]
        delays = [a[0] - at(a[1]) for a in got]
        caught_up = max(a[0] for a in got) - ended if got else float("nan")
        print(f"backend: {'PostgreSQL' if url else 'SQLite'}; {t.SECONDS} s per load; "
              f"worker poll {POLL_MS} ms\n")
        print("| measure | value |")
        print("|---|---|")
        print(f"| custody appends/s, no webhook (baseline) | {base_rps:,.0f} |")
        print(f"| custody appends/s, with a webhook on every append | {hook_rps:,.0f} |")
        print(f"| events committed during the run | {committed:,} |")
        print(f"| events delivered/s while the appends ran | {len(during) / (ended - started):,.0f} |")
        print(f"| events delivered in all (distinct webhook-id) | {len({a[2] for a in got}):,} |")
        print(f"| delay commit → receiver, p50 | {pct(delays, 0.5) * 1000:,.0f} ms |")
        print(f"| delay commit → receiver, p99 | {pct(delays, 0.99) * 1000:,.0f} ms |")
        print(f"| last delivery after the appends stopped | {caught_up:,.1f} s |")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
