"""Jobs on Temporal, end to end: the real CLI creates a Schedule on a local dev server, a real
`wakeful worker` process runs each due run with the scripted model, and the `--when` check
decides before any model call."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.fleet.conftest import stop, wait_for

from wakeful.fleet.activities import read_journal
from wakeful.fleet.client import run_with_runtime
from wakeful.fleet.settings import FleetSettings


@pytest.fixture
def fleet_repo(
    git_repo: Path,
    tmp_path: Path,
    fleet_config: Callable[..., FleetSettings],
    start_worker: Callable[..., subprocess.Popen[bytes]],
) -> dict[str, Any]:
    # A dead worker is noticed after three missed beats (6 s); shorter, a live worker starved
    # of CPU on a loaded machine would look dead too.
    settings = fleet_config(2.0)
    queue = settings.task_queue
    subprocess.run(
        ["git", "remote", "add", "origin", f"https://example.invalid/team/{queue}.git"],
        cwd=git_repo,
        check=True,
    )
    script = tmp_path / "turns.json"
    script.write_text(json.dumps({"turns": [{"text": "nightly check done"}]}))
    return {
        "repo": git_repo,
        "queue": queue,
        "script": script,
        "settings": settings,
        "repository": f"example.invalid/team/{queue}",
        "worker": start_worker(git_repo),
    }


async def _trigger_async(settings: FleetSettings, schedule_id: str, runtime: Any) -> None:
    from wakeful.fleet.client import connect

    client = await connect(settings, runtime=runtime)
    await client.get_schedule_handle(schedule_id).trigger()


async def _results_async(
    settings: FleetSettings, prefix: str, runtime: Any
) -> list[tuple[str, Any]]:
    from wakeful.fleet.client import connect

    client = await connect(settings, runtime=runtime)
    out = []
    async for wf in client.list_workflows(f"WorkflowId STARTS_WITH '{prefix}'"):
        if wf.status and wf.status.name == "COMPLETED":
            out.append((wf.id, await client.get_workflow_handle(wf.id).result()))
    return out


# Each call gets its own Temporal runtime, dropped at once (see fleet.client.run_with_runtime).
def _trigger(settings: FleetSettings, schedule_id: str) -> None:
    run_with_runtime(lambda rt: _trigger_async(settings, schedule_id, rt))


def _results(settings: FleetSettings, prefix: str) -> list[tuple[str, Any]]:
    return run_with_runtime(lambda rt: _results_async(settings, prefix, rt))


def _polling_pids(settings: FleetSettings) -> set[int]:
    """The process ids of the workers the server has seen polling the task queue."""
    from wakeful.fleet.client import status

    found = run_with_runtime(lambda rt: status(settings, runtime=rt))
    return {int(w["identity"].rsplit(":", 1)[1]) for w in found.workers}


def test_schedule_add_runs_on_a_worker_and_when_gates_the_model(
    cli: Callable[..., Any], fleet_repo: dict[str, Any]
) -> None:
    repo, settings = fleet_repo["repo"], fleet_repo["settings"]
    added = cli(
        [
            "schedule",
            "add",
            "nightly",
            "--every",
            "1h",
            "--prompt",
            "check things",
            "--model",
            f"scripted:{fleet_repo['script']}",
            "--json",
        ],
        cwd=repo,
    )
    assert added.returncode == 0, added.stderr
    sid = added.json()["schedule_id"]
    assert sid == f"wakeful/{fleet_repo['repository']}/nightly"
    gated = cli(
        [
            "schedule",
            "add",
            "gated",
            "--every",
            "1h",
            "--prompt",
            "never",
            "--model",
            "scripted:/nonexistent.json",
            "--when",
            "test -f READY",
            "--json",
        ],
        cwd=repo,
    )
    assert gated.returncode == 0, gated.stderr
    again = cli(["schedule", "add", "nightly", "--every", "2h", "--prompt", "x"], cwd=repo)
    assert (
        again.returncode != 0 and "already exists" in again.stderr and "--replace" in again.stderr
    )

    # Whoever can create schedules cannot loosen a worker's permission mode.
    risky = cli(
        [
            "schedule",
            "add",
            "risky",
            "--every",
            "1h",
            "--prompt",
            "anything",
            "--model",
            f"scripted:{fleet_repo['script']}",
            "--permission-mode",
            "bypass",
            "--json",
        ],
        cwd=repo,
    )
    assert risky.returncode == 0, risky.stderr
    _trigger(settings, sid)
    _trigger(settings, gated.json()["schedule_id"])
    _trigger(settings, risky.json()["schedule_id"])

    def finished() -> list[dict[str, Any]]:
        return [e for e in read_journal(repo) if e["event"] in ("finish", "skip")]

    events = wait_for(lambda: len(finished()) >= 3 and finished(), 90, "the three runs")
    by_job = {e["job"]: e for e in events}
    assert by_job["nightly"]["state"] == "ok"
    assert by_job["nightly"]["result"] == "nightly check done"
    # The run's id names repository, job and due time.
    assert by_job["nightly"]["run_id"].startswith(sid + "-")
    assert by_job["gated"]["event"] == "skip"
    assert by_job["risky"]["state"] == "refused"
    daily = "".join(p.read_text() for p in (repo / ".wakeful" / "journal").glob("*.md"))
    assert "fleet: job `nightly` ok on" in daily and "nightly check done" in daily
    assert "max_permission_mode 'default'" in by_job["risky"]["result"]
    starts = [e for e in read_journal(repo) if e["event"] == "start"]
    assert [e["job"] for e in starts] == ["nightly"]  # the gated job made no model call

    prefix = f"wakeful/{fleet_repo['repository']}/"
    results = wait_for(
        lambda: (r := _results(settings, prefix)) and len(r) == 3 and r,
        30,
        "both workflows to complete",
    )
    states = {wid.rsplit("-", 3)[0].rsplit("/", 1)[1]: r["state"] for wid, r in results}
    assert states == {"nightly": "ok", "gated": "skipped", "risky": "refused"}

    status = cli(["fleet", "status", "--json"], cwd=repo)
    assert status.returncode == 0, status.stderr
    data = status.json()
    text = cli(["fleet", "status"], cwd=repo).stdout
    assert "workers (1):" in text and sid in text
    removed = cli(["fleet", "rm", "gated"], cwd=repo)
    assert removed.returncode == 0, removed.stderr
    after = cli(["fleet", "status", "--json"], cwd=repo).json()
    assert gated.json()["schedule_id"] not in {s["id"] for s in after["schedules"]}
    missing = cli(["fleet", "rm", "gated"], cwd=repo)
    assert missing.returncode != 0 and missing.stderr.startswith("wakeful: error: no fleet job")
    assert len(data["workers"]) == 1
    assert {s["id"] for s in data["schedules"]} >= {sid, gated.json()["schedule_id"]}
    assert (
        len([r for r in data["runs"] if r["id"].startswith(f"wakeful/{fleet_repo['repository']}/")])
        == 3
    )


def test_unreachable_temporal_is_a_one_line_error(
    cli: Callable[..., Any], git_repo: Path, home: Path
) -> None:
    config = home / ".config" / "wakeful" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[fleet]\ntemporal = "127.0.0.1:1"\n')
    out = cli(["schedule", "add", "x", "--every", "1h", "--prompt", "p"], cwd=git_repo)
    assert out.returncode != 0
    assert out.stderr.startswith("wakeful: error: cannot reach Temporal at 127.0.0.1:1")
    assert "Traceback" not in out.stderr


def test_a_run_cut_off_by_sigkill_finishes_once_on_another_worker(
    cli: Callable[..., Any],
    fleet_repo: dict[str, Any],
    start_worker: Callable[..., subprocess.Popen[bytes]],
    tmp_path: Path,
) -> None:
    repo, settings = fleet_repo["repo"], fleet_repo["settings"]
    # The agent waits until the checkout holds `release` (a read-only check, allowed in the
    # default mode) instead of sleeping for a fixed time that a loaded machine can outlast.
    held = {"command": "until [ -f release ]; do sleep 0.05; done", "timeout": 300}
    slow = tmp_path / "slow.json"
    slow.write_text(
        json.dumps(
            {"turns": [{"tool_calls": [{"name": "bash", "input": held}]}, {"text": "slept"}]}
        )
    )
    second = start_worker(repo, log=False, new_session=True)
    try:
        added = cli(
            [
                "schedule",
                "add",
                "slow",
                "--every",
                "1h",
                "--prompt",
                "sleep",
                "--model",
                f"scripted:{slow}",
                "--json",
            ],
            cwd=repo,
        )
        assert added.returncode == 0, added.stderr
        # Both workers poll before the run is due, so one is there to take over.
        workers = {fleet_repo["worker"].pid, second.pid}
        wait_for(lambda: workers <= _polling_pids(settings), 180, "both workers to poll")
        _trigger(settings, added.json()["schedule_id"])
        start = wait_for(
            lambda: next((e for e in read_journal(repo) if e["event"] == "start"), None),
            180,
            "the run to start",
        )
        victim = int(start["worker"].rsplit(":", 1)[1])
        assert victim in workers
        import os

        os.kill(victim, signal.SIGKILL)  # mid-run: the agent is held until `release` exists
        assert not any(e["event"] == "finish" for e in read_journal(repo))
        (repo / "release").write_text("go")
        finish = wait_for(
            lambda: next((e for e in read_journal(repo) if e["event"] == "finish"), None),
            180,
            "another worker to finish the run",
        )
        # Once the workflow is complete no attempt can start or finish any more.
        wait_for(lambda: _results(settings, start["run_id"]), 180, "the workflow to complete")
        journal = read_journal(repo)
        starts = [e for e in journal if e["event"] == "start"]
        finishes = [e for e in journal if e["event"] == "finish"]
        assert finish["state"] == "ok" and finish["result"] == "slept"
        assert len(finishes) == 1
        assert [s["attempt"] for s in starts] == [1, 2]
        assert starts[1]["worker"] != start["worker"] and starts[1]["run_id"] == start["run_id"]
    finally:
        stop(second)


def test_fleet_jobs_are_listed_paused_resumed_and_removed_like_local_ones(
    cli: Callable[..., Any], fleet_repo: dict[str, Any]
) -> None:
    repo = fleet_repo["repo"]
    every = ["schedule", "add", "nightly", "--every", "1h", "--prompt", "check things"]
    assert cli(every, cwd=repo).returncode == 0
    once = cli(
        ["schedule", "add", "once", "--at", "2031-01-02 03:04:05", "--prompt", "x", "--json"],
        cwd=repo,
    )
    assert once.returncode == 0, once.stderr
    assert once.json()["schedule_id"].endswith("/once")  # --at is a fleet job too

    def listed() -> dict[str, dict[str, Any]]:
        out = cli(["schedule", "list", "--json"], cwd=repo)
        assert out.returncode == 0, out.stderr
        return {r["name"]: r for r in out.json() if r.get("where") == "fleet"}

    rows = wait_for(lambda: len(r := listed()) == 2 and r, 30, "both fleet jobs listed")
    assert rows["nightly"]["schedule"] == "every 1h" and rows["nightly"]["status"] == "active"
    assert rows["once"]["schedule"].startswith("at 2031-01-0")  # the moment, in UTC
    assert rows["once"]["next_due"] is not None

    paused = cli(["schedule", "pause", "nightly"], cwd=repo)
    assert paused.returncode == 0 and "paused fleet job nightly" in paused.stdout
    assert wait_for(lambda: listed()["nightly"]["status"] == "paused", 30, "paused")
    assert "paused with `wakeful schedule`" in listed()["nightly"]["note"]
    assert cli(["schedule", "resume", "nightly"], cwd=repo).returncode == 0
    assert wait_for(lambda: listed()["nightly"]["status"] == "active", 30, "resumed")
    text = cli(["schedule", "list"], cwd=repo)
    assert "nightly (fleet)" in text.stdout and "every 1h" in text.stdout

    assert cli(["schedule", "rm", "once"], cwd=repo).returncode == 0
    assert wait_for(lambda: set(listed()) == {"nightly"}, 30, "once removed")
    missing = cli(["schedule", "pause", "nope"], cwd=repo)
    assert missing.returncode != 0 and "no fleet job nope" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_daily_cap_counts_the_runs_of_every_worker(
    cli: Callable[..., Any], fleet_repo: dict[str, Any]
) -> None:
    repo, settings = fleet_repo["repo"], fleet_repo["settings"]
    (repo / ".wakeful").mkdir(exist_ok=True)
    (repo / ".wakeful" / "config.toml").write_text("[daemon]\ndaily_token_cap = 100\n")
    added = cli(
        [
            "schedule",
            "add",
            "capped",
            "--every",
            "1h",
            "--prompt",
            "check things",
            "--model",
            f"scripted:{fleet_repo['script']}",
            "--json",
        ],
        cwd=repo,
    )
    assert added.returncode == 0, added.stderr
    sid = added.json()["schedule_id"]
    prefix = f"wakeful/{fleet_repo['repository']}/capped"
    _trigger(settings, sid)
    first = wait_for(lambda: _results(settings, prefix), 90, "the first run")
    assert first[0][1]["state"] == "ok" and sum(first[0][1]["usage"].values()) > 100
    _trigger(settings, sid)

    def second() -> list[tuple[str, Any]]:
        return [r for r in _results(settings, prefix) if r[1]["state"] != "ok"]

    (_, result), *_ = wait_for(second, 90, "the second run")
    assert result["state"] == "capped"
    assert "daily cap reached across the fleet" in result["result"]
    finishes = [e for e in read_journal(repo) if e["event"] == "finish"]
    assert [e["state"] for e in finishes] == ["ok", "capped"]
    assert [e["job"] for e in read_journal(repo) if e["event"] == "start"] == ["capped"]


def test_watch_job_watches_locally_and_runs_on_a_fleet_worker(
    cli: Callable[..., Any], fleet_repo: dict[str, Any], cli_env: dict[str, str], tmp_path: Path
) -> None:
    repo = fleet_repo["repo"]
    added = cli(
        [
            "schedule",
            "add",
            "docs",
            "--watch",
            "*.md",
            "--prompt",
            "check the docs",
            "--model",
            f"scripted:{fleet_repo['script']}",
        ],
        cwd=repo,
    )
    assert added.returncode == 0, added.stderr
    daemon = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wakeful.cli.main",
            "daemon",
            "start",
            "--foreground",
            "--tick",
            "0.2",
        ],
        cwd=repo,
        env=cli_env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "daemon.err").open("wb"),
    )
    try:
        err = tmp_path / "daemon.err"
        wait_for(lambda: "watching files for docs" in err.read_text(), 60, "the watcher")
        time.sleep(1)  # inotify watches are in place once the watcher runs
        (repo / "NOTES.md").write_text("changed\n")

        def finished() -> list[dict[str, Any]]:
            return [e for e in read_journal(repo) if e["event"] == "finish" and e["job"] == "docs"]

        (event,) = wait_for(finished, 90, "the watch run on the worker")
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
    assert event["state"] == "ok" and event["result"] == "nightly check done"
    assert "-watch-" in event["run_id"] and event["run_id"].startswith(
        f"wakeful/{fleet_repo['repository']}/docs"
    )
    daily = "".join(p.read_text() for p in (repo / ".wakeful" / "journal").glob("*.md"))
    assert "fleet: job `docs` handed to the fleet" in daily and "NOTES.md" in daily
