"""The fleet on one machine: a Temporal dev server, PostgreSQL, 3 workers, scheduled runs with a
scripted model, one worker killed with SIGKILL mid-run; then team memory in PostgreSQL.

Jobs: `--jobs` schedules, each every `--every` seconds, until at least `--runs` runs were
started; each run's agent calls `sleep` through the bash tool (so runs take a while and a
kill lands mid-run) and answers. While runs are in flight one worker gets SIGKILL; its run's
heartbeats stop and Temporal hands the run to another worker.

Figures (all from the workers' run journal and Temporal's own schedule counters):
- runs_expected: runs the schedules started, plus any they missed (should be none); runs a
  schedule dropped because the job's previous run was still going and one was already
  waiting (overlap policy BUFFER_ONE) are reported as runs_skipped_overlap;
- runs_completed: scheduled runs whose agent finished ok (each counted once);
- runs_lost: expected runs that never completed;
- runs_duplicated: runs whose agent completed twice, or started again while an earlier
  attempt's worker was still alive (a retry after the killed worker's attempt is not one);
- clone_workers, clones_made, runs_started/completed_on_clones, killed_a_cloning_worker: with `--clone-workers N`, N of the workers
  have no checkout and clone the repository (file:// from a bare repository) at their first
  run; their runs count like the others';
- workers_killed, recovery_s: SIGKILL to the cut-off run starting again on another worker;
- anchor_flips: two checkouts at different commits sharing the PostgreSQL store, recall and
  verify `--rounds` times each: changes of the shared record's anchor, plus change-counter
  bumps (0 means no flip and nothing for dreaming to re-read);
- recall_p95_ms: `MemoryService.recall` over `--memories` memories in PostgreSQL.

Prints figures; `--json` prints one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.core.trust import TrustStore
from wakeful.fleet.activities import read_journal
from wakeful.fleet.client import add_schedule, connect, schedule_id
from wakeful.fleet.clone import clone_path
from wakeful.fleet.servers import LocalPostgres, LocalTemporal
from wakeful.fleet.settings import FleetSettings
from wakeful.fleet.workflows import JobInput
from wakeful.memory import MemoryService
from wakeful.memory.store import new_memory_id
from wakeful.memory.store_pg import PostgresMemoryStore, migrate
from wakeful.memory.types import MemoryRecord

REPOSITORY = "bench.invalid/team/app"
# One Temporal runtime for the bench's client calls, dropped before exit (the SDK's default
# one is dropped during interpreter finalization, which can abort the process).
RUNTIME: list[Any] = []
WORDS = [
    "cache",
    "session",
    "token",
    "budget",
    "schema",
    "index",
    "worker",
    "queue",
    "retry",
    "lease",
    "deploy",
    "staging",
    "migration",
    "anchor",
    "verdict",
    "prompt",
    "prefix",
    "compaction",
    "sandbox",
    "policy",
    "reviewer",
    "journal",
    "daemon",
    "schedule",
    "heartbeat",
    "tenant",
    "billing",
    "invoice",
    "webhook",
    "secret",
    "rotation",
    "replica",
    "failover",
    "latency",
    "throughput",
    "shard",
    "partition",
    "vacuum",
    "checkpoint",
    "snapshot",
    "rollback",
]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


def make_repo(root: Path) -> Path:
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "bench@example.invalid")
    git(repo, "config", "user.name", "bench")
    git(repo, "remote", "add", "origin", f"https://{REPOSITORY}.git")
    lines = [f"# module {i}\nVALUE_{i} = {i}\n" for i in range(60)]
    (repo / "settings.py").write_text("".join(lines))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "init")
    return repo


def env_for(home: Path) -> dict[str, str]:
    drop = {"ANTHROPIC_API_KEY", "OPENAI_API_KEY", "WAKEFUL_MODEL", "WAKEFUL_HOME"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def start_worker(
    repo: Path, env: dict[str, str], log: Path, *extra: str
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "wakeful.cli.main", "worker", "--concurrency", "4", *extra],
        cwd=repo,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
        start_new_session=True,
    )


async def schedule_counts(settings: FleetSettings, ids: list[str]) -> dict[str, int]:
    client = await connect(settings, runtime=RUNTIME[0])
    totals = {"actions": 0, "skipped_overlap": 0, "missed": 0}
    for sid in ids:
        info = (await client.get_schedule_handle(sid).describe()).info
        totals["actions"] += info.num_actions
        totals["skipped_overlap"] += info.num_actions_skipped_overlap
        totals["missed"] += info.num_actions_missed_catchup_window
    return totals


async def pause_all(settings: FleetSettings, ids: list[str]) -> None:
    client = await connect(settings, runtime=RUNTIME[0])
    for sid in ids:
        await client.get_schedule_handle(sid).pause(note="bench done")


async def open_runs(settings: FleetSettings) -> int:
    client = await connect(settings, runtime=RUNTIME[0])
    count = 0
    query = f"WorkflowId STARTS_WITH 'wakeful/{REPOSITORY}/' AND ExecutionStatus = 'Running'"
    async for _ in client.list_workflows(query):
        count += 1
    return count


def run_jobs(args: argparse.Namespace, root: Path, temporal: LocalTemporal) -> dict[str, Any]:
    home = root / "home"
    home.mkdir()
    repo = make_repo(root)
    TrustStore(home / ".local/share/wakeful").trust(repo)
    queue = "bench"
    config = home / ".config" / "wakeful" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f'[fleet]\ntemporal = "{temporal.address}"\ntask_queue = "{queue}"\n'
        f"heartbeat_seconds = {args.heartbeat}\n"
    )
    script = root / "turns.json"
    script.write_text(
        json.dumps(
            {
                "turns": [
                    {
                        "tool_calls": [
                            {"name": "bash", "input": {"command": f"sleep {args.run_seconds}"}}
                        ]
                    },
                    {"text": "checked"},
                ]
            }
        )
    )
    env = env_for(home)
    settings = FleetSettings(
        temporal=temporal.address, task_queue=queue, heartbeat_seconds=args.heartbeat
    )
    # The last --clone-workers workers have no checkout: they clone the repository (served
    # from a bare repository over file://) into a repos dir of their own at their first run.
    bare = root / "served.git"
    git(root, "clone", "-q", "--bare", str(repo), str(bare))
    cloners = min(args.clone_workers, args.workers)
    workers = [
        start_worker(repo, env, root / f"worker{i}.log") for i in range(args.workers - cloners)
    ]
    repos_dirs = [root / f"clones{i}" for i in range(cloners)]
    for i, repos_dir in enumerate(repos_dirs):
        (root / f"cloner{i}").mkdir()
        workers.append(
            start_worker(
                root / f"cloner{i}",
                env,
                root / f"cloner{i}.log",
                "--repos-dir",
                str(repos_dir),
                "--allow-file-clones",
            )
        )
    checkouts = [repo] + [clone_path(d, REPOSITORY) for d in repos_dirs]

    def journals() -> list[dict[str, Any]]:
        return sorted(
            (e for c in checkouts for e in read_journal(c)), key=lambda e: float(e["time"])
        )

    ids: list[str] = []
    try:
        time.sleep(2.0)  # let the workers connect and poll
        for i in range(args.jobs):
            job = JobInput(
                repository=REPOSITORY,
                job=f"job{i:02d}",
                prompt="check the settings",
                model=f"scripted:{script}",
                retries=2,
                heartbeat_seconds=args.heartbeat,
                clone_url=f"file://{bare}",
                clone_ref="main",
            )
            asyncio.run(
                add_schedule(settings, job, every=args.every, cron=None, runtime=RUNTIME[0])
            )
            ids.append(schedule_id(REPOSITORY, job.job))

        # Kill one worker while it has a run in flight.
        killed: dict[str, Any] = {}
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline:
            journal = journals()
            finished = {(e["run_id"], e["attempt"]) for e in journal if e["event"] == "finish"}
            for e in journal:
                if e["event"] != "start" or (e["run_id"], e["attempt"]) in finished:
                    continue
                pid = int(e["worker"].rsplit(":", 1)[1])
                if time.time() - e["time"] < args.run_seconds / 3:
                    continue  # let it get into the run
                proc = next((w for w in workers if w.pid == pid), None)
                if proc is None:
                    continue
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                killed = {"worker": e["worker"], "run_id": e["run_id"], "at": time.time()}
                break
            time.sleep(0.05)

        # Let the schedules fire until enough runs were started, then stop them.
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if asyncio.run(schedule_counts(settings, ids))["actions"] >= args.runs:
                break
            time.sleep(0.5)
        asyncio.run(pause_all(settings, ids))
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and asyncio.run(open_runs(settings)):
            time.sleep(0.5)
        counts = asyncio.run(schedule_counts(settings, ids))
    finally:
        for w in workers:
            if w.poll() is None:
                os.killpg(w.pid, signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(w.pid, signal.SIGKILL)
                w.wait()

    journal = journals()
    starts: dict[str, list[dict[str, Any]]] = {}
    oks: dict[str, int] = {}
    for e in journal:
        if e["event"] == "start":
            starts.setdefault(e["run_id"], []).append(e)
        elif e["event"] == "finish" and e.get("state") == "ok":
            oks[e["run_id"]] = oks.get(e["run_id"], 0) + 1
    duplicated = 0
    for run_id, attempts in starts.items():
        earlier_alive = any(a["worker"] != killed.get("worker") for a in attempts[:-1])
        if oks.get(run_id, 0) > 1 or (len(attempts) > 1 and earlier_alive):
            duplicated += 1
    recovery = None
    if killed:
        again = [
            e
            for e in starts.get(killed["run_id"], [])
            if e["worker"] != killed["worker"] and e["time"] > killed["at"]
        ]
        if again:
            recovery = round(min(e["time"] for e in again) - killed["at"], 2)
    # Runs the schedules started, plus runs they missed (catch-up window): both were due
    # and should have run. Overlap skips are the policy (one run of a job at a time, as in
    # the daemon) and are reported on their own.
    expected = counts["actions"] + counts["missed"]
    completed = len(oks)
    took = sorted(float(e["seconds"]) for e in journal if e["event"] == "finish")
    return {
        "runs_expected": expected,
        "runs_completed": completed,
        "runs_lost": expected - completed,
        "runs_duplicated": duplicated,
        "runs_skipped_overlap": counts["skipped_overlap"],
        "workers": args.workers,
        "clone_workers": cloners,
        "clones_made": sum(1 for c in checkouts[1:] if c.is_dir()),
        "runs_started_on_clones": sum(
            1 for c in checkouts[1:] for e in read_journal(c) if e["event"] == "start"
        ),
        "runs_completed_on_clones": sum(
            1
            for c in checkouts[1:]
            for e in read_journal(c)
            if e["event"] == "finish" and e.get("state") == "ok"
        ),
        "killed_a_cloning_worker": bool(killed)
        and any(killed["worker"] == f"{socket.gethostname()}:{w.pid}" for w in workers[-cloners:])
        if cloners
        else False,
        "workers_killed": 1 if killed else 0,
        "recovery_s": recovery,
        "heartbeat_s": args.heartbeat,
        "run_seconds_p50": round(statistics.median(took), 2) if took else None,
        "run_seconds_max": round(took[-1], 2) if took else None,
    }


def anchor_flips(root: Path, dsn: str, rounds: int) -> int:
    repo = root / "flips"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "bench@example.invalid")
    git(repo, "config", "user.name", "bench")
    (repo / "app.py").write_text("import os\n\nPORT = 8080\nHOST = 'x'\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "one")
    first = git(repo, "rev-parse", "HEAD").strip()
    (repo / "app.py").write_text("# a\n# b\n# c\nimport os\n\nPORT = 8080\nHOST = 'x'\n")
    git(repo, "commit", "-qam", "two")
    second = root / "flips-second"
    git(repo, "worktree", "add", "-q", str(second), "HEAD")
    git(repo, "checkout", "-q", first)
    user = root / "flips-user"
    store = PostgresMemoryStore(dsn, "bench/flips")
    try:
        a = MemoryService(Paths(repo.resolve(), user, user), Config(), store)
        b = MemoryService(Paths(second.resolve(), user, user), Config(), store)
        record = a.add("the server listens on PORT", anchors=["app.py:3"])
        seq = store.max_seq()
        flips = 0
        last = store.get(record.id).anchors  # type: ignore[union-attr]
        for _ in range(rounds):
            for svc in (a, b):
                svc.recall("server port")
                svc.verify()
                now = store.get(record.id).anchors  # type: ignore[union-attr]
                flips += now != last
                last = now
        return flips + (store.max_seq() - seq)
    finally:
        store.close()


def recall_latency(root: Path, dsn: str, count: int, queries: int) -> dict[str, float]:
    repo = root / "recall"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "notes.py").write_text("".join(f"VALUE_{i} = {i}\n" for i in range(200)))
    rng = random.Random(7)
    store = PostgresMemoryStore(dsn, "bench/recall")
    try:
        paths = Paths(repo.resolve(), root / "recall-user", root / "recall-user")
        from wakeful.memory.anchors import capture_anchor

        anchors = [capture_anchor(repo, f"notes.py:{i + 1}") for i in range(200)]
        batch: list[MemoryRecord] = []
        for i in range(count):
            text = " ".join(rng.choice(WORDS) for _ in range(12)) + f" note {i}"
            batch.append(
                MemoryRecord(
                    id=new_memory_id(),
                    type="project",
                    text=text,
                    anchors=(anchors[i % 200],) if i % 10 == 0 else (),
                )
            )
            if len(batch) == 1000:
                store.add_many(batch)
                batch = []
        if batch:
            store.add_many(batch)
        svc = MemoryService(paths, Config(), store)
        times = []
        for _ in range(queries):
            q = " ".join(rng.choice(WORDS) for _ in range(3))
            t0 = time.perf_counter()
            svc.recall(q, limit=5)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        return {
            "recall_p50_ms": round(statistics.median(times), 2),
            "recall_p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
            "memories": count,
        }
    finally:
        store.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=8, help="Schedules.")
    ap.add_argument("--every", type=float, default=10.0, help="Seconds between a job's runs.")
    ap.add_argument("--runs", type=int, default=24, help="Stop scheduling after this many.")
    ap.add_argument("--run-seconds", type=float, default=1.5, help="Each agent's bash sleep.")
    ap.add_argument("--heartbeat", type=float, default=1.0)
    ap.add_argument(
        "--clone-workers",
        type=int,
        default=0,
        help="Workers without a checkout, which clone the repository at their first run.",
    )
    ap.add_argument("--rounds", type=int, default=10, help="Recall+verify rounds (flips).")
    ap.add_argument("--memories", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = ap.parse_args()

    from temporalio.runtime import Runtime, TelemetryConfig

    RUNTIME.append(Runtime(telemetry=TelemetryConfig()))
    root = Path(tempfile.mkdtemp(prefix="wakeful-bench-fleet-"))
    pg = LocalPostgres(root / "pg")
    temporal = LocalTemporal(root / "temporal")
    try:
        t0 = time.monotonic()
        pg.start()
        temporal.start()
        started = round(time.monotonic() - t0, 2)
        dsn = pg.create_database("bench")
        migrate(dsn)
        result: dict[str, Any] = {"servers_start_s": started}
        result.update(run_jobs(args, root, temporal))
        result["anchor_flips"] = anchor_flips(root, dsn, args.rounds)
        result.update(recall_latency(root, dsn, args.memories, args.queries))
    finally:
        temporal.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)
        RUNTIME.clear()
        gc.collect()
    if args.json:
        print(json.dumps(result))
        return
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
