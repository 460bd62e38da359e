#!/usr/bin/env python3
"""Custody report generation, for items with 10, 1,000 and 10,000 entries, beside its
baseline in the same run (the JSON bundle of the same item: the same reads and proofs,
without the layout and the PDF):

    cargo build --release
    python3 benches/report.py                                     # SQLite
    BENCH_DATABASE_URL='postgres://postgres@127.0.0.1:5432/caseledger_bench_report?sslmode=disable' \
        python3 benches/report.py                                 # PostgreSQL
    # BENCH_REPORT_SIZES=10,1000,10000; BENCH_REPORT_RUNS=5 (per size and kind)

A fresh database is seeded as for benches/throughput.py; each item gets its entries
by API appends (alternating check-outs and check-ins with a reason and a location,
and a hash check every tenth). Printed per size: the median and the slowest of the
runs for the report and for the bundle, and the report's size and page count.
"""
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import throughput as t  # noqa: E402  (the same seeding)

SIZES = [int(s) for s in os.environ.get("BENCH_REPORT_SIZES", "10,1000,10000").split(",")]
RUNS = int(os.environ.get("BENCH_REPORT_RUNS", "5"))
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def fill(conn, token, item, entries):
    """Appends entries - 1 entries (registration recorded the first)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    out = False
    for i in range(entries - 1):
        if i % 10 == 9:
            body = {"type": "hash_verified", "hash": {"algorithm": "sha-256", "value": SHA}}
        elif not out:
            body = {"type": "checked_out", "reason": f"analysis session {i}",
                    "location": "Forensic lab, Kingston", "authority": "Warrant 2026/117"}
        else:
            body = {"type": "checked_in", "location": "JCF evidence room, Kingston"}
        out = {"checked_out": True, "checked_in": False}.get(body["type"], out)
        conn.request("POST", f"/api/v1/evidence/{item}/custody", json.dumps(body), headers)
        res = conn.getresponse()
        res.read()
        assert res.status == 201, res.status


def timed_get(conn, token, path):
    started = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    res = conn.getresponse()
    body = res.read()
    elapsed = time.perf_counter() - started
    assert res.status == 200, (res.status, body[:200])
    return elapsed, body


def main():
    url = os.environ.get("BENCH_DATABASE_URL")
    binary = os.path.join(t.ROOT, "target", "release", "caseledger")
    data = tempfile.mkdtemp(prefix="caseledger-report-")
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
        token, _case, items = t.seed()
        conn = http.client.HTTPConnection("127.0.0.1", t.PORT, timeout=600)
        rows = []
        for size, item in zip(SIZES, items):
            fill(conn, token, item, size)
            token = t.login("jm.detective", t.PASSWORD)
            report, bundle = [], []
            for _ in range(RUNS):
                took, pdf = timed_get(conn, token, f"/api/v1/evidence/{item}/custody/report.pdf")
                report.append(took)
                took, _ = timed_get(conn, token, f"/api/v1/evidence/{item}/custody/bundle")
                bundle.append(took)
            path = os.path.join(data, f"report-{size}.pdf")
            with open(path, "wb") as f:
                f.write(pdf)
            info = subprocess.run(["pdfinfo", path], capture_output=True, text=True).stdout
            pages = next((l.split()[-1] for l in info.splitlines() if l.startswith("Pages:")), "?")
            rows.append((size, report, bundle, len(pdf), pages))
        print(f"backend: {'PostgreSQL' if url else 'SQLite'}; {RUNS} runs per size\n")
        print("| entries | report, median | report, slowest | bundle (baseline), median "
              "| bundle, slowest | PDF size | pages |")
        print("|---|---|---|---|---|---|---|")
        for size, report, bundle, length, pages in rows:
            print(f"| {size:,} | {statistics.median(report) * 1000:,.0f} ms "
                  f"| {max(report) * 1000:,.0f} ms | {statistics.median(bundle) * 1000:,.0f} ms "
                  f"| {max(bundle) * 1000:,.0f} ms | {length / 1024:,.0f} KiB | {pages} |")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
