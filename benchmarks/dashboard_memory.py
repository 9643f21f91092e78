"""Benchmark: the dashboard server's memory after repeated page loads (kernels started, capped and culled).

Serves the portfolio dashboard for a folder of reports on a free loopback port,
loads the page N times over plain HTTP (each load runs the notebook in a new
kernel, as a browser's would; no browser stays connected, so nothing closes the
kernel either: the worst case), then reports the resident memory (RSS) of the
server and every process under it, and the number of kernels. With ``--wait``
it waits that many seconds more and measures again (to see idle kernels
culled).

Run:  .venv/bin/python benchmarks/dashboard_memory.py REPORTS_DIR [--loads 12] [--wait 0]
      (make the reports first: .venv/bin/sroi batch parameters/ --out reports)
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import psutil

from sroi_lib.views.dashboard import dashboard_command


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root] + root.children(recursive=True)


def measure(pid: int) -> tuple[int, float]:
    procs = tree(pid)
    kernels = sum(1 for p in procs if "ipykernel_launcher" in " ".join(p.cmdline()))
    rss = 0
    for p in procs:
        try:
            rss += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return kernels, rss / 2**20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("reports")
    ap.add_argument("--loads", type=int, default=12)
    ap.add_argument("--wait", type=float, default=0.0)
    args = ap.parse_args()
    port = free_port()
    cmd, env = dashboard_command(args.reports, port)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:  # wait until the port accepts connections (without loading the page)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("the dashboard server did not start")
                time.sleep(0.5)
        print(f"server up: {measure(proc.pid)[1]:.0f} MB")
        statuses = []
        started = time.perf_counter()
        for _ in range(args.loads):
            try:
                with urllib.request.urlopen(url, timeout=300) as r:
                    r.read()
                    statuses.append(r.status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)
        seconds = time.perf_counter() - started
        kernels, mb = measure(proc.pid)
        print(f"after {args.loads} page loads ({seconds:.1f} s; statuses {sorted(set(statuses))}, "
              f"{statuses.count(200)} served): {kernels} kernels, {mb:.0f} MB resident (server and kernels)")
        if args.wait:
            time.sleep(args.wait)
            kernels, mb = measure(proc.pid)
            print(f"{args.wait:.0f} s later: {kernels} kernels, {mb:.0f} MB resident")
    finally:
        procs = tree(proc.pid)
        os.killpg(proc.pid, signal.SIGTERM)
        gone, alive = psutil.wait_procs(procs, timeout=20)
        for p in alive:
            p.kill()


if __name__ == "__main__":
    main()
