"""CPU seconds of a test tier, test by test: which tests of the fast tier cost more than the
slow-tier threshold, and what the tier costs in all.

Runs pytest in a child process with a small plugin that records each test's CPU seconds (the
test process plus the children it reaped) as it finishes. CPU seconds, not wall time, so the
figure holds on a loaded machine.

Usage: python bench/tiers.py [--marker EXPR] [--threshold S] [--top N] [--json]
       [-- extra pytest arguments]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PLUGIN = """
import os, resource, time
import pytest

def _cpu():
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    wall, cpu = time.monotonic(), _cpu()
    yield
    with open(os.environ["WAKEFUL_TEST_CPU_LOG"], "a") as fh:
        fh.write(f"{item.nodeid}\\t{time.monotonic() - wall:.3f}\\t{_cpu() - cpu:.3f}\\n")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--marker", default="not slow", help='pytest -m expression ("": all)')
    parser.add_argument("--threshold", type=float, default=0.5, help="CPU s of a slow test")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("pytest_args", nargs="*", default=["tests"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wakeful-tiers-") as tmp:
        (Path(tmp) / "wakeful_test_cpu.py").write_text(PLUGIN)
        log = Path(tmp) / "cpu.tsv"
        # As `make test-fast` runs it: bytecode is cached, so a CLI run is not a compile.
        env = dict(os.environ, WAKEFUL_TEST_CPU_LOG=str(log), PYTHONDONTWRITEBYTECODE="")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (tmp, env.get("PYTHONPATH")) if p)
        cmd = [sys.executable, "-m", "pytest", "-p", "wakeful_test_cpu", "-p", "no:cacheprovider"]
        if args.marker:
            cmd += ["-m", args.marker]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        done = subprocess.run([*cmd, *args.pytest_args], env=env, capture_output=True, text=True)
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        rows = []
        if log.exists():
            for line in log.read_text().splitlines():
                nodeid, test_wall, cpu = line.split("\t")
                rows.append((nodeid, float(test_wall), float(cpu)))
    total_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    over = sorted((r for r in rows if r[2] > args.threshold), key=lambda r: -r[2])
    by_file: dict[str, list[float]] = {}
    for nodeid, _wall, cpu in rows:
        entry = by_file.setdefault(nodeid.split("::")[0], [0, 0.0])
        entry[0] += 1
        entry[1] += cpu
    files = sorted(by_file.items(), key=lambda kv: -kv[1][1])
    figures = {
        "marker": args.marker,
        "exit_code": done.returncode,
        "tests": len(rows),
        "cpu_seconds": round(total_cpu, 1),
        "cpu_seconds_in_tests": round(sum(r[2] for r in rows), 1),
        "wall_seconds": round(wall, 1),
        "threshold": args.threshold,
        "over_threshold": len(over),
        "over_threshold_cpu_seconds": round(sum(r[2] for r in over), 1),
        "slowest": [{"test": n, "cpu": c, "wall": w} for n, w, c in over[: args.top]],
        "costliest_files": [
            {"file": f, "tests": int(n), "cpu": round(c, 2)} for f, (n, c) in files[: args.top]
        ],
    }
    print(f"pytest -m {args.marker!r}: exit {done.returncode}, {len(rows)} tests")
    print(f"  CPU {total_cpu:.1f} s in all, {figures['cpu_seconds_in_tests']} s in the tests")
    print(f"  wall {wall:.1f} s (on a loaded machine, go by CPU seconds)")
    print(
        f"  {len(over)} tests over {args.threshold} CPU s ({figures['over_threshold_cpu_seconds']} s):"
    )
    for nodeid, _wall, cpu in over[: args.top]:
        print(f"    {cpu:6.2f} CPU s  {nodeid}")
    print(f"  the {min(args.top, len(files))} files whose tests cost the most CPU s:")
    for name, (count, cpu) in files[: args.top]:
        print(f"    {cpu:6.2f} CPU s  {int(count):4d} tests  {name}")
    if done.returncode not in (0, 5):
        print(done.stdout[-2000:], file=sys.stderr)
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
