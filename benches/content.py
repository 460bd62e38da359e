#!/usr/bin/env python3
"""Evidence content through one release server, on the local filesystem store.

    cargo build --release && python3 benches/content.py
    BENCH_CONTENT_GIB=1 python3 benches/content.py      # a smaller file

Starts target/release/caseledger (BENCH_BINARY for another build) on SQLite in a
temporary folder, with its content store beside it, on the same disk as the file.
Makes a file of random bytes (4 GiB by default), then measures, in the same run:

- the baseline: `sha256sum` of the file plus `cp` of it on the same disk (what taking
  a copy and its hash costs without the service);
- `PUT /api/v1/evidence/{id}/content` of the file with curl (the bytes hashed, sealed
  in 64 KiB segments and written), and `GET` of it back to a file (opened and
  streamed), with the server's resident memory before and its peak during each;
- 16 concurrent uploads of 256 MiB each, with the peak memory.

Prints a Markdown table.
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
PORT = int(os.environ.get("BENCH_PORT", "18090"))
BASE = f"http://127.0.0.1:{PORT}"
GIB = float(os.environ.get("BENCH_CONTENT_GIB", "4"))
CONCURRENT = int(os.environ.get("BENCH_CONCURRENT", "16"))
EACH_MIB = int(os.environ.get("BENCH_EACH_MIB", "256"))
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
        with urllib.request.urlopen(req, data, timeout=600) as res:
            raw = res.read()
            return res.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def login(username, password):
    status, body = call("POST", "/api/v1/auth/login", {"username": username, "password": password})
    assert status == 200, (status, body)
    return body["access_token"]


def memory_mib(pid):
    text = open(f"/proc/{pid}/status").read()
    get = lambda k: int(re.search(rf"{k}:\s+(\d+) kB", text).group(1)) / 1024
    return get("VmRSS"), get("VmHWM")


def reset_peak(pid):
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def timed(command):
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def drop_caches():
    """Writes dirty pages out (within each timing: the server's own writes are fsynced,
    so the copy's and the download's are too), so that one step's writes are not paid
    by the next."""
    subprocess.run(["sync"], check=True)


def sha256_of(path):
    out = subprocess.run(["sha256sum", path], check=True, capture_output=True, text=True).stdout
    return out.split()[0]


def register(token, case_id, sha, size):
    status, item = call("POST", f"/api/v1/cases/{case_id}/evidence",
                        {"description": "Disk image", "kind": "disk_image", "sha256": sha,
                         "size_bytes": size}, token)
    assert status == 201, item
    return item["id"]


def upload(token, item, path):
    return subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT",
         "-H", f"Authorization: Bearer {token}", "-H", "Content-Type: application/octet-stream",
         "-H", "Expect:", "--upload-file", path, f"{BASE}/api/v1/evidence/{item}/content"],
        check=True, capture_output=True, text=True).stdout


def main():
    work = tempfile.mkdtemp(prefix="caseledger-content-", dir=os.environ.get("BENCH_DIR", ROOT + "/target"))
    data = os.path.join(work, "data")
    env = dict(os.environ, CASELEDGER_DATA_DIR=data, CASELEDGER_BIND=f"127.0.0.1:{PORT}",
               CASELEDGER_BOOTSTRAP_PASSWORD=BOOT, CASELEDGER_MFA="off", RUST_LOG="warn")
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                if call("GET", "/livez")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        token = login("tt.admin", BOOT)
        assert call("POST", "/api/v1/auth/password", {"current_password": BOOT, "new_password": PASSWORD}, token)[0] == 204
        admin = login("tt.admin", PASSWORD)
        status, agency = call("POST", "/api/v1/agencies", {"country": "JM", "name": "JCF Cybercrime Unit", "kind": "police"}, admin)
        assert status == 201, agency
        status, _ = call("POST", "/api/v1/users", {"username": "jm.bench", "display_name": "Bench", "agency_id": agency["id"], "roles": ["investigator"], "password": "initial-words-mango-river"}, admin)
        assert status == 201
        first = login("jm.bench", "initial-words-mango-river")
        assert call("POST", "/api/v1/auth/password", {"current_password": "initial-words-mango-river", "new_password": PASSWORD}, first)[0] == 204
        inv = login("jm.bench", PASSWORD)
        status, case = call("POST", "/api/v1/cases", {"title": "Bench", "summary": "Ransomware", "offences": ["ransomware"], "priority": "high"}, inv)
        assert status == 201

        size = int(GIB * (1 << 30))
        source = os.path.join(work, "image.bin")
        subprocess.run(["head", "-c", str(size), "/dev/urandom"], check=True, stdout=open(source, "wb"))
        drop_caches()
        rows = []

        # The baseline: a hash and a copy, on the same disk.
        t_hash = timed(["sha256sum", source])
        copy = os.path.join(work, "copy.bin")
        started = time.perf_counter()
        subprocess.run(["cp", source, copy], check=True)
        drop_caches()
        t_copy = time.perf_counter() - started
        os.remove(copy)
        baseline = size / (t_hash + t_copy) / (1 << 20)
        rows.append(("baseline: `sha256sum` + `cp` of the file", f"{t_hash + t_copy:.1f} s", f"{baseline:.0f} MiB/s", "", ""))

        sha = sha256_of(source)
        item = register(inv, case["id"], sha, size)
        rss_before, _ = memory_mib(server.pid)
        reset_peak(server.pid)
        started = time.perf_counter()
        code = upload(inv, item, source)
        drop_caches()
        took = time.perf_counter() - started
        assert code == "201", code
        rss_after, peak = memory_mib(server.pid)
        rate = size / took / (1 << 20)
        rows.append((f"upload (`PUT .../content`, {GIB:g} GiB, sealed)", f"{took:.1f} s", f"{rate:.0f} MiB/s ({rate / baseline:.2f}× baseline)", f"{rss_before:.0f}", f"{peak:.0f} (+{peak - rss_before:.0f})"))

        back = os.path.join(work, "back.bin")
        reset_peak(server.pid)
        rss_before, _ = memory_mib(server.pid)
        started = time.perf_counter()
        subprocess.run(["curl", "-sS", "-f", "-o", back, "-H", f"Authorization: Bearer {inv}",
                        f"{BASE}/api/v1/evidence/{item}/content"], check=True)
        drop_caches()
        took = time.perf_counter() - started
        _, peak = memory_mib(server.pid)
        rate = size / took / (1 << 20)
        rows.append((f"download (`GET .../content`, {GIB:g} GiB, opened)", f"{took:.1f} s", f"{rate:.0f} MiB/s ({rate / baseline:.2f}× baseline)", f"{rss_before:.0f}", f"{peak:.0f} (+{peak - rss_before:.0f})"))
        assert sha256_of(back) == sha, "the download is the upload"
        os.remove(back)

        each = os.path.join(work, "each.bin")
        subprocess.run(["head", "-c", str(EACH_MIB << 20), source], check=True, stdout=open(each, "wb"))
        each_sha = sha256_of(each)
        items = [register(inv, case["id"], each_sha, EACH_MIB << 20) for _ in range(CONCURRENT)]
        reset_peak(server.pid)
        rss_before, _ = memory_mib(server.pid)
        codes = []
        lock = threading.Lock()

        def one(item):
            code = upload(inv, item, each)
            with lock:
                codes.append(code)

        started = time.perf_counter()
        workers = [threading.Thread(target=one, args=(i,)) for i in items]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        drop_caches()
        took = time.perf_counter() - started
        _, peak = memory_mib(server.pid)
        total = CONCURRENT * EACH_MIB
        done = codes.count("201")
        rows.append((f"{CONCURRENT} concurrent uploads of {EACH_MIB} MiB", f"{took:.1f} s: {done} × 201", f"{total / took:.0f} MiB/s", f"{rss_before:.0f}", f"{peak:.0f} (+{peak - rss_before:.0f})"))
        assert done == CONCURRENT, codes

        print("| what | took | rate | RSS before (MiB) | peak RSS (MiB) |")
        print("|---|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
