"""Cold start of `wakeful --help` (a fresh interpreter each run; SDKs must load lazily).

Usage: python bench/startup.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    cmd = [sys.executable, "-m", "wakeful.cli.main", "--help"]
    subprocess.run(cmd, capture_output=True, check=True)  # warm the OS file cache
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    figures = {
        "runs": args.runs,
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(times[int(0.9 * (len(times) - 1))], 1),
        "min_ms": round(times[0], 1),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"wakeful --help cold start: median {figures['median_ms']} ms, "
            f"p90 {figures['p90_ms']} ms, min {figures['min_ms']} ms (goal < 250 ms)"
        )


if __name__ == "__main__":
    main()
