#!/usr/bin/env python3
"""Review pages read under load: pages per second, p50 and p99 at 16 connections,
beside the API's reads of the same objects in the same run (the baseline):

    cargo build --release
    python3 benches/pages.py                                      # SQLite
    BENCH_DATABASE_URL='postgres://postgres@127.0.0.1:5432/caseledger_bench_pages?sslmode=disable' \
        python3 benches/pages.py                                  # PostgreSQL
    # BENCH_SECONDS=10 per load; BENCH_PAGE_ENTRIES=100 (custody entries of the item read)

A fresh database is seeded as for benches/throughput.py (a case with 64 evidence items,
200 more cases); one item gets BENCH_PAGE_ENTRIES custody entries and the case one
MLA request. The investigator signs in through the sign-in form and wrk reads, each
for BENCH_SECONDS at 16 connections, with the page cookie: the desk, the case page
(64 items, each with its verdict), the evidence page and the request page; and with
a bearer token the API's GET /cases/{id}, /evidence/{id}/custody/bundle and
/mla/requests/{id}. Every read, page or API, is audited.
"""
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report as r  # noqa: E402  (custody entries by API appends)
import throughput as t  # noqa: E402  (the same seeding)

ENTRIES = int(os.environ.get("BENCH_PAGE_ENTRIES", "100"))
CONNECTIONS = 16


def sign_in(username, password):
    """The page cookie, by the sign-in form as a browser sends it."""
    conn = http.client.HTTPConnection("127.0.0.1", t.PORT, timeout=60)
    conn.request("GET", "/app/login")
    res = conn.getresponse()
    form = res.read().decode()
    login = re.search(r"caseledger-login=([^;]+)", res.getheader("Set-Cookie")).group(1)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    body = urllib.parse.urlencode({"username": username, "password": password, "csrf": csrf})
    conn.request("POST", "/app/login", body, {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"caseledger-login={login}",
        "Origin": t.BASE, "Sec-Fetch-Site": "same-origin"})
    res = conn.getresponse()
    res.read()
    assert res.status == 303, res.status
    cookies = [v for k, v in res.getheaders() if k.lower() == "set-cookie"]
    return next(c.split(";")[0] for c in cookies if c.startswith("caseledger="))


def load(path, header):
    args = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{t.SECONDS}s", "--latency", "-H", header]
    out = subprocess.run(args + [t.BASE + path], capture_output=True, text=True, check=True).stdout
    if "99%" not in out:
        sys.exit(f"wrk {path}: {out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = t.to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = t.to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        sys.exit(f"wrk {path}: {bad.group(1)} answers were not 2xx")
    return rps, p50, p99


def main():
    url = os.environ.get("BENCH_DATABASE_URL")
    # BENCH_BINARY: another build to measure (an older commit's, for a before/after).
    binary = os.environ.get("BENCH_BINARY") or os.path.join(t.ROOT, "target", "release", "caseledger")
    data = tempfile.mkdtemp(prefix="caseledger-pages-")
    env = dict(os.environ, CASELEDGER_DATA_DIR=data, CASELEDGER_BIND=f"127.0.0.1:{t.PORT}",
               CASELEDGER_BOOTSTRAP_PASSWORD=t.BOOT, CASELEDGER_MFA="off", RUST_LOG="warn")
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
        token, case, items = t.seed()
        conn = http.client.HTTPConnection("127.0.0.1", t.PORT, timeout=600)
        r.fill(conn, token, items[0], ENTRIES)
        request = t.expect(t.call("POST", "/api/v1/mla/requests", {
            "case_id": case, "requested_country": "TT", "legal_basis": "harare", "urgency": "urgent",
            "summary_of_facts": "SMS phishing against customers of a Jamaican bank.",
            "offences": [{"offence": "Computer-related fraud", "penalty": "up to 10 years"}]}, token), 201)["id"]
        token = t.login("jm.detective", t.PASSWORD)
        cookie = "Cookie: " + sign_in("jm.detective", t.PASSWORD)
        bearer = f"Authorization: Bearer {token}"
        rows = [
            ("page: desk `/app/`", "/app/", cookie),
            ("page: case (64 items)", f"/app/cases/{case}", cookie),
            ("API: `GET /cases/{id}` (baseline)", f"/api/v1/cases/{case}", bearer),
            ("API: `GET /cases/{id}/evidence?limit=100`, the same 64 items (baseline)",
             f"/api/v1/cases/{case}/evidence?limit=100", bearer),
            (f"page: evidence item ({ENTRIES} entries)", f"/app/evidence/{items[0]}", cookie),
            (f"API: `GET /evidence/{{id}}/custody/bundle` ({ENTRIES} entries, baseline)",
             f"/api/v1/evidence/{items[0]}/custody/bundle", bearer),
            ("page: MLA request", f"/app/requests/{request}", cookie),
            ("API: `GET /mla/requests/{id}` (baseline)", f"/api/v1/mla/requests/{request}", bearer),
        ]
        print(f"backend: {'PostgreSQL' if url else 'SQLite'}; {t.SECONDS} s per load at "
              f"{CONNECTIONS} connections\n")
        print("| read | per second | p50 | p99 |")
        print("|---|---|---|---|")
        for label, path, header in rows:
            rps, p50, p99 = load(path, header)
            print(f"| {label} | {rps:,.0f} | {p50:.1f} ms | {p99:.1f} ms |", flush=True)
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
