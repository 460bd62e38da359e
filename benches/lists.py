#!/usr/bin/env python3
"""The two list reads furthest behind: a page of 200 cases and a case's evidence list,
at 16 connections, beside GET /api/v1/me (authenticated, not audited) in the same run,
for one or more builds.

    cargo build --release
    BENCH_DATABASE_URL='postgres://postgres@127.0.0.1:5432/caseledger_bench_lists?sslmode=disable' \
        python3 benches/lists.py
    # BENCH_BINARIES=old:/path/to/old/caseledger,new:target/release/caseledger   (default: new only)
    # BENCH_SECONDS=10 per load; without BENCH_DATABASE_URL, SQLite

The seed is that of benches/throughput.py: a case with 64 evidence items and 200 more
cases, all of one agency, read by its investigator.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import throughput as t  # noqa: E402


def main():
    url = os.environ.get("BENCH_DATABASE_URL")
    spec = os.environ.get("BENCH_BINARIES", f"new:{os.path.join(t.ROOT, 'target', 'release', 'caseledger')}")
    builds = [part.split(":", 1) for part in spec.split(",")]
    print(f"backend: {'PostgreSQL' if url else 'SQLite'}; {t.SECONDS} s per load at 16 connections")
    for name, binary in builds:
        rows = []

        def loads(token, case, items):
            for label, path in (("GET /me (not audited, baseline)", "/api/v1/me"),
                                ("GET /cases?limit=200", "/api/v1/cases?limit=200"),
                                ("GET /cases/{id}/evidence (64 items, default page)", f"/api/v1/cases/{case}/evidence"),
                                ("GET /cases/{id}/evidence?limit=100 (all 64)", f"/api/v1/cases/{case}/evidence?limit=100")):
                rows.append((label,) + t.wrk(path, token, 16))

        t.serve(binary, url, loads)
        print(f"\n{name} ({binary})\n")
        print("| load | requests/s | p50 ms | p99 ms | non-2xx |")
        print("|---|---|---|---|---|")
        for label, rps, p50, p99, bad in rows:
            print(f"| {label} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {bad} |")


if __name__ == "__main__":
    sys.exit(main())
