#!/usr/bin/env python3
"""Seconds from `make run` to the "Serving" line, for an already installed checkout.

Usage: python3 bench/startup.py [--runs N] [--port PORT]
Run it in the repository root after one `make run` (or `make venv`) so .venv exists. Each run
starts `make run` with its own WEERBAAR_DATA_DIR-independent defaults (var/), waits for the
serving line, then stops the server. Prints each time and the median.
"""

import argparse
import os
import signal
import statistics
import subprocess
import time


def one_run(port: int) -> float:
    env = dict(os.environ, WEERBAAR_URL=f"http://127.0.0.1:{port}")
    started = time.monotonic()
    proc = subprocess.Popen(["make", "run"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        for line in proc.stdout:
            if "Serving WeerbaarNL node" in line:
                return time.monotonic() - started
        raise SystemExit(f"make run ended without serving (exit {proc.wait()})")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    one_run(args.port)  # warm-up: migrations and demo data in place, caches warm
    times = [one_run(args.port) for _ in range(args.runs)]
    for i, t in enumerate(times, 1):
        print(f"run {i}: {t:.2f} s to serving")
    print(f"median {statistics.median(times):.2f} s, max {max(times):.2f} s over {len(times)} runs (target < 10 s)")


if __name__ == "__main__":
    main()
