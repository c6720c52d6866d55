"""Always-on cost: CPU of an idle daemon, delay from a trigger to the agent's start, and model
calls while idle (must be 0).

Runs the real daemon (`wakeful daemon start`) in a temporary git workspace with the scripted
provider, counts model calls through WAKEFUL_REQUEST_LOG, and reads CPU time from /proc.

    python bench/daemon.py [--idle-seconds 60] [--tick 1.0] [--triggers 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system time of the process and its reaped children (the `--when` checks)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rfind(")") + 2 :].split()
    utime, stime, cutime, cstime = (int(fields[i]) for i in (11, 12, 13, 14))
    return (utime + stime + cutime + cstime) / CLK_TCK


def requests(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(x) for x in log.read_text().splitlines() if x.strip()]


def wait_for(predicate: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise SystemExit(f"bench: timed out after {timeout}s")


def runs(db: Path, job: str) -> list[tuple[int, float, str]]:
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return con.execute(
            "SELECT id, started, state FROM daemon_runs WHERE job = ? ORDER BY id", (job,)
        ).fetchall()
    finally:
        con.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--idle-seconds", type=float, default=60.0)
    ap.add_argument("--tick", type=float, default=1.0, help="daemon tick_seconds")
    ap.add_argument("--triggers", type=int, default=5, help="file and manual triggers to time")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="wakeful-bench-daemon-"))
    ws = tmp / "repo"
    (ws / "notes").mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=ws, check=True)
    (ws / ".wakeful").mkdir()
    (ws / ".wakeful" / "config.toml").write_text(
        f"[daemon]\ntick_seconds = {args.tick}\ndesktop_notify = false\n"
    )
    turns = tmp / "turns.json"
    turns.write_text(json.dumps({"turns": [{"text": "done"}]}))
    log = tmp / "requests.jsonl"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "OPENAI_"))}
    env.update(
        {"HOME": str(tmp), "WAKEFUL_HOME": str(tmp / "home"), "WAKEFUL_REQUEST_LOG": str(log)}
    )
    model = f"scripted:{turns}"

    def cli(*a: str) -> str:
        proc = subprocess.run(
            [sys.executable, "-m", "wakeful.cli.main", *a],
            cwd=ws,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if proc.returncode != 0:
            raise SystemExit(f"bench: wakeful {' '.join(a)} failed: {proc.stderr.strip()}")
        return proc.stdout

    cli("schedule", "add", "hourly", "--every", "1h", "--prompt", "x", "--model", model)
    cli("schedule", "add", "nightly", "--cron", "0 3 * * *", "--prompt", "x", "--model", model)
    cli(
        "schedule",
        "add",
        "check",
        "--every",
        "5s",
        "--when",
        "test -f go",
        "--prompt",
        "x",
        "--model",
        model,
    )
    cli("schedule", "add", "notes", "--watch", "notes/*.md", "--prompt", "x", "--model", model)
    cli("schedule", "add", "manual", "--every", "1d", "--prompt", "x", "--model", model)
    out = cli("daemon", "start")
    pid = int(out.split("pid ")[1].split(")")[0])
    db = ws / ".wakeful" / "state.db"
    try:
        time.sleep(2.0)  # start-up and the watcher settle
        cpu0, wall0 = cpu_seconds(pid), time.monotonic()
        time.sleep(args.idle_seconds)
        cpu1, wall1 = cpu_seconds(pid), time.monotonic()
        idle_calls = len(requests(log))
        idle_cpu = cpu1 - cpu0
        idle_share = idle_cpu / (wall1 - wall0)

        def time_trigger(job: str, fire: Any) -> tuple[float, float]:
            before = len(runs(db, job))
            seen = len(requests(log))
            t0 = time.time()
            fire()
            row = wait_for(lambda: runs(db, job)[before:] or None, 30)[0]
            first = wait_for(lambda: requests(log)[seen:] or None, 60)[0]
            wait_for(lambda: runs(db, job)[before][2] != "running", 60)
            return row[1] - t0, first["time"] - t0

        file_delays = [
            time_trigger("notes", lambda i=i: (ws / "notes" / f"n{i}.md").write_text(str(i)))
            for i in range(args.triggers)
        ]
        manual_delays = [
            time_trigger("manual", lambda: cli("schedule", "run", "manual"))
            for _ in range(args.triggers)
        ]
    finally:
        try:
            cli("daemon", "stop")
        except SystemExit:
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)

    def med(values: list[float]) -> float:
        return round(statistics.median(values) * 1000, 1)

    figures = {
        "idle_seconds": args.idle_seconds,
        "tick_seconds": args.tick,
        "idle_cpu_seconds": round(idle_cpu, 3),
        "idle_cpu_percent_of_core": round(idle_share * 100, 3),
        "idle_model_calls": idle_calls,
        "file_trigger_to_run_start_ms_median": med([d[0] for d in file_delays]),
        "file_trigger_to_first_model_call_ms_median": med([d[1] for d in file_delays]),
        "manual_trigger_to_run_start_ms_median": med([d[0] for d in manual_delays]),
        "manual_trigger_to_first_model_call_ms_median": med([d[1] for d in manual_delays]),
        "triggers": args.triggers,
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(
        f"idle daemon, {args.idle_seconds:g}s at tick {args.tick:g}s, 5 jobs (one --when, one --watch):"
    )
    print(
        f"  CPU time             {figures['idle_cpu_seconds']:.3f}s "
        f"({figures['idle_cpu_percent_of_core']:.3f}% of one core)"
    )
    print(f"  model calls          {idle_calls} (must be 0)")
    print(f"trigger -> agent start (median of {args.triggers}):")
    print(f"  file change -> run started      {figures['file_trigger_to_run_start_ms_median']} ms")
    print(
        f"  file change -> first model call {figures['file_trigger_to_first_model_call_ms_median']} ms"
    )
    print(
        f"  schedule run -> run started     {figures['manual_trigger_to_run_start_ms_median']} ms"
    )
    print(
        f"  schedule run -> first model call {figures['manual_trigger_to_first_model_call_ms_median']} ms"
    )
    if idle_calls:
        raise SystemExit("bench: an idle daemon called a model")


if __name__ == "__main__":
    main()
