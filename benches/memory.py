#!/usr/bin/env python3
"""Memory of one release server under read load and under a login flood.

    python3 benches/memory.py            # SQLite in a temporary folder
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/caseledger_bench_memory python3 benches/memory.py

Builds nothing: run `cargo build --release` first (BENCH_BINARY runs another build,
such as the one before a change, for comparison). Starts target/release/caseledger
with the OWASP argon2 defaults, seeds one investigator and 200 cases through the API,
then measures the server's resident memory (VmRSS, and VmHWM for the peak) with wrk:
GET /api/v1/cases?limit=20 from 16 connections (the baseline of this run), then from
256, then idle; then a flood of simultaneous logins. Prints a Markdown table.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("BENCH_BINARY", os.path.join(ROOT, "target", "release", "caseledger"))
ADMIN = os.environ.get("BENCH_ADMIN", "tt.admin")
PORT = int(os.environ.get("BENCH_PORT", "18080"))
BASE = f"http://127.0.0.1:{PORT}"
SECONDS = int(os.environ.get("BENCH_SECONDS", "30"))
IDLE = int(os.environ.get("BENCH_IDLE_SECONDS", "30"))
FLOOD = int(os.environ.get("BENCH_LOGINS", "2000"))
BOOT = "first-light-over-kingston"
PASSWORD = "tamarind-season-north-7"


def call(method, path, body=None, token=None):
    req = urllib.request.Request(BASE + path, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, data, timeout=120) as res:
            raw = res.read()
            return res.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def login(username, password):
    status, body = call("POST", "/api/v1/auth/login", {"username": username, "password": password})
    assert status == 200, (status, body)
    return body["access_token"]


def memory(pid):
    text = open(f"/proc/{pid}/status").read()
    get = lambda k: int(re.search(rf"{k}:\s+(\d+) kB", text).group(1)) // 1024
    threads = int(re.search(r"Threads:\s+(\d+)", text).group(1))
    return get("VmRSS"), get("VmHWM"), threads


def reset_peak(pid):
    # Writing 5 to clear_refs resets VmHWM to the current RSS.
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def wrk(connections, token):
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(connections), "-d", f"{SECONDS}s", "--latency",
         "-H", f"Authorization: Bearer {token}", f"{BASE}/api/v1/cases?limit=20"],
        capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+(\S+)", out).group(1)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p99, int(non2xx.group(1)) if non2xx else 0


def main():
    url = os.environ.get("BENCH_DATABASE_URL")
    data = tempfile.mkdtemp(prefix="caseledger-memory-")
    env = dict(os.environ, CASELEDGER_DATA_DIR=data, CASELEDGER_BIND=f"127.0.0.1:{PORT}",
               CASELEDGER_BOOTSTRAP_PASSWORD=BOOT, CASELEDGER_MFA="off", RUST_LOG="warn")
    if url:
        name = url.rsplit("/", 1)[1].split("?")[0]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
        env["DATABASE_URL"] = url
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                if call("GET", "/livez")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        token = login(ADMIN, BOOT)
        assert call("POST", "/api/v1/auth/password", {"current_password": BOOT, "new_password": PASSWORD}, token)[0] == 204
        token = login(ADMIN, PASSWORD)
        status, agency = call("POST", "/api/v1/agencies", {"country": "JM", "name": "JCF Cybercrime Unit", "kind": "police"}, token)
        assert status == 201, agency
        status, user = call("POST", "/api/v1/users", {"username": "jm.bench", "display_name": "Bench Investigator", "agency_id": agency["id"], "roles": ["investigator"], "password": "initial-words-mango-river"}, token)
        assert status == 201, user
        first = login("jm.bench", "initial-words-mango-river")
        assert call("POST", "/api/v1/auth/password", {"current_password": "initial-words-mango-river", "new_password": PASSWORD}, first)[0] == 204
        inv = login("jm.bench", PASSWORD)
        for i in range(200):
            status, _ = call("POST", "/api/v1/cases", {"title": f"Case {i}", "summary": "Phishing against bank customers", "offences": ["phishing"], "priority": "high"}, inv)
            assert status == 201
        rows = []
        time.sleep(2)
        rss, _, threads = memory(server.pid)
        rows.append(("started and seeded", "", rss, rss, threads))
        for connections in (16, 256):
            reset_peak(server.pid)
            rps, p99, errors = wrk(connections, inv)
            rss, peak, threads = memory(server.pid)
            rows.append((f"GET /cases?limit=20, {connections} connections, {SECONDS} s",
                         f"{rps:.0f}/s, p99 {p99}" + (f", {errors} non-2xx" if errors else ""), rss, peak, threads))
            time.sleep(IDLE)
            rss, _, threads = memory(server.pid)
            rows.append((f"idle {IDLE} s after {connections} connections", "", rss, rss, threads))
        # The login flood: every request at once, each with the right password (the
        # argon2id work is the same for a wrong one).
        reset_peak(server.pid)
        codes = {}
        lock = threading.Lock()
        started = time.time()

        def one():
            try:
                status, _ = call("POST", "/api/v1/auth/login", {"username": "jm.bench", "password": PASSWORD})
            except OSError:
                status = "connection error"
            with lock:
                codes[status] = codes.get(status, 0) + 1

        workers = [threading.Thread(target=one) for _ in range(FLOOD)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        took = time.time() - started
        rss, peak, threads = memory(server.pid)
        answered = ", ".join(f"{n}× {c}" for c, n in sorted(codes.items(), key=str))
        rows.append((f"{FLOOD} simultaneous logins", f"{took:.1f} s: {answered}", rss, peak, threads))
        time.sleep(IDLE)
        rss, _, threads = memory(server.pid)
        rows.append((f"idle {IDLE} s after the logins", "", rss, rss, threads))
        print(f"backend: {'PostgreSQL' if url else 'SQLite'}")
        print("| load | answered | RSS after (MiB) | peak RSS (MiB) | threads |")
        print("|---|---|---|---|---|")
        for what, answered, rss, peak, threads in rows:
            print(f"| {what} | {answered} | {rss} | {peak} | {threads} |")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
