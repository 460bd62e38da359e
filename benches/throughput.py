#!/usr/bin/env python3
"""Requests per second of the audited endpoints beside an unaudited one, and of the
audited writes beside custody appends, for one or more builds, in one run.

    cargo build --release
    python3 benches/throughput.py                       # SQLite
    BENCH_DATABASE_URL='postgres://postgres@127.0.0.1:5432/caseledger_bench_throughput?sslmode=disable' \
        python3 benches/throughput.py
    # BENCH_BINARIES=old:/path/to/old/caseledger,new:target/release/caseledger   (default: new only)
    # BENCH_SECONDS=10 per load

Each build gets a fresh database, seeded through the API: one investigator and
supervisor, a case with 64 evidence items, 200 more cases. wrk then drives, for
BENCH_SECONDS each: GET /api/v1/me (authenticated, not audited: the baseline of the
reads) and the audited reads GET /cases/{id}, /cases/{id}/evidence and
/cases?limit=20, at 16 and at 64 connections; then at 16 connections POST /cases,
POST /cases/{id}/evidence and custody appends spread over the 64 items (the baseline
of the writes). Prints a Markdown table per build: requests/s, p50 and p99.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORT = int(os.environ.get("BENCH_PORT", "18081"))
BASE = f"http://127.0.0.1:{PORT}"
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
BOOT = "first-light-over-kingston"
PASSWORD = "tamarind-season-north-7"
FIRST = "initial-words-mango-river"
ITEM = {"description": "Seized phone", "kind": "device"}
CASE = {"title": "Phishing against bank customers", "summary": "Credentials harvested by SMS",
        "offences": ["phishing"], "priority": "high"}


def call(method, path, body=None, token=None):
    req = urllib.request.Request(BASE + path, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, data, timeout=60) as res:
            raw = res.read()
            return res.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def expect(result, status):
    if result[0] != status:
        sys.exit(f"seeding: {result}")
    return result[1]


def login(username, password):
    return expect(call("POST", "/api/v1/auth/login", {"username": username, "password": password}), 200)["access_token"]


def seed():
    expect(call("POST", "/api/v1/auth/password", {"current_password": BOOT, "new_password": PASSWORD},
                login("tt.admin", BOOT)), 204)
    admin = login("tt.admin", PASSWORD)
    agency = expect(call("POST", "/api/v1/agencies", {"country": "JM", "name": "JCF Cybercrime Unit", "kind": "police"}, admin), 201)
    expect(call("POST", "/api/v1/users", {"username": "jm.detective", "display_name": "Detective", "agency_id": agency["id"],
                                           "roles": ["investigator", "supervisor"], "password": FIRST}, admin), 201)
    expect(call("POST", "/api/v1/auth/password", {"current_password": FIRST, "new_password": PASSWORD},
                login("jm.detective", FIRST)), 204)
    token = login("jm.detective", PASSWORD)
    case = expect(call("POST", "/api/v1/cases", CASE, token), 201)
    items = [expect(call("POST", f"/api/v1/cases/{case['id']}/evidence", ITEM, token), 201)["id"] for _ in range(64)]
    for _ in range(200):
        expect(call("POST", "/api/v1/cases", CASE, token), 201)
    return token, case["id"], items


def to_ms(text):
    if not re.match(r"[\d.]+(us|ms|s|m)$", text):
        sys.exit(f"wrk printed a latency of {text!r}")
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(path, token, connections, script=None):
    args = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{SECONDS}s", "--latency",
            "-H", f"Authorization: Bearer {token}"]
    if script:
        args += ["-s", script]
    out = subprocess.run(args + [BASE + path], capture_output=True, text=True, check=True).stdout
    if "99%" not in out:
        sys.exit(f"wrk {path}: {out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p50, p99, int(bad.group(1)) if bad else 0


def post_script(folder, name, body, paths=None):
    """A wrk script that POSTs `body`, to one of `paths` at random when given."""
    lua = ['wrk.method = "POST"', f"wrk.body = {json.dumps(json.dumps(body))}",
           'wrk.headers["Content-Type"] = "application/json"']
    if paths:
        lua.append("paths = {" + ", ".join(json.dumps(p) for p in paths) + "}")
        lua.append("request = function() return wrk.format(nil, paths[math.random(#paths)]) end")
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        f.write("\n".join(lua) + "\n")
    return path


def serve(binary, url, loads):
    """Starts `binary` on a fresh database, seeds it, and runs `loads(token, case, items)`."""
    data = tempfile.mkdtemp(prefix="caseledger-throughput-")
    env = dict(os.environ, CASELEDGER_DATA_DIR=data, CASELEDGER_BIND=f"127.0.0.1:{PORT}",
               CASELEDGER_BOOTSTRAP_PASSWORD=BOOT, CASELEDGER_MFA="off", RUST_LOG="warn")
    if url:
        name = url.rsplit("/", 1)[1].split("?")[0]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
        env["DATABASE_URL"] = url
    server = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                if call("GET", "/readyz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        token, case, items = seed()
        loads(token, case, items)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)


def run(binary, url):
    rows = []

    def loads(token, case, items):
        data = tempfile.mkdtemp(prefix="caseledger-scripts-")
        for connections in (16, 64):
            for label, path in (("GET /me (not audited)", "/api/v1/me"),
                                ("GET /cases/{id}", f"/api/v1/cases/{case}"),
                                ("GET /cases/{id}/evidence", f"/api/v1/cases/{case}/evidence?limit=20"),
                                ("GET /cases?limit=20", "/api/v1/cases?limit=20")):
                rows.append((label, connections) + wrk(path, token, connections))
        writes = (
            ("POST /evidence/{id}/custody (appends)", "/", post_script(
                data, "append.lua", {"type": "note", "reason": "photographed"},
                [f"/api/v1/evidence/{i}/custody" for i in items])),
            ("POST /cases", "/api/v1/cases", post_script(data, "case.lua", CASE)),
            ("POST /cases/{id}/evidence", f"/api/v1/cases/{case}/evidence", post_script(data, "item.lua", ITEM)),
        )
        for label, path, script in writes:
            rows.append((label, 16) + wrk(path, token, 16, script))
        shutil.rmtree(data, ignore_errors=True)

    serve(binary, url, loads)
    return rows


def main():
    url = os.environ.get("BENCH_DATABASE_URL")
    spec = os.environ.get("BENCH_BINARIES", f"new:{os.path.join(ROOT, 'target', 'release', 'caseledger')}")
    builds = [part.split(":", 1) for part in spec.split(",")]
    print(f"backend: {'PostgreSQL' if url else 'SQLite'}; {SECONDS} s per load")
    for name, binary in builds:
        rows = run(binary, url)
        print(f"\n{name} ({binary})\n")
        print("| load | connections | requests/s | p50 ms | p99 ms | non-2xx |")
        print("|---|---|---|---|---|---|")
        for label, c, rps, p50, p99, bad in rows:
            print(f"| {label} | {c} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {bad} |")


if __name__ == "__main__":
    sys.exit(main())
