"""Exactly once under a starved worker, deterministically.

The agent run does blocking work (git, SQLite, parsing). When it ran on the worker's event
loop, that work starved the heartbeats of the activity; Temporal called the attempt lost
after the heartbeat timeout and started a second attempt on another worker while the first
was still running: the agent ran twice. Here a scripted model turn blocks its thread (and so
its loop) for well past the heartbeat timeout, on a pool of two workers that take one run at
a time (so the retry cannot land on the starved worker and join its run there). The agent
must start once, and the run's only attempt must finish.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.fleet.conftest import wait_for

from wakeful.fleet.activities import read_journal
from wakeful.fleet.client import run_with_runtime
from wakeful.fleet.settings import FleetSettings

HEARTBEAT = 1.0  # seconds; Temporal's heartbeat timeout is three beats
BLOCK = 9.0  # the run holds its loop this long: three timeouts


async def _trigger(settings: FleetSettings, schedule_id: str, runtime: Any) -> None:
    from wakeful.fleet.client import connect

    client = await connect(settings, runtime=runtime)
    await client.get_schedule_handle(schedule_id).trigger()


async def _closed(settings: FleetSettings, prefix: str, runtime: Any) -> list[Any]:
    """(status, result) of the runs that ended, whichever way."""
    from wakeful.fleet.client import connect

    client = await connect(settings, runtime=runtime)
    out = []
    async for wf in client.list_workflows(f"WorkflowId STARTS_WITH '{prefix}'"):
        status = wf.status.name if wf.status else "UNKNOWN"
        if status == "COMPLETED":
            out.append((status, await client.get_workflow_handle(wf.id).result()))
        elif status != "RUNNING":
            out.append((status, None))
    return out


@pytest.mark.slow
def test_a_run_that_blocks_its_loop_past_the_heartbeat_timeout_runs_once(
    cli: Callable[..., Any],
    git_repo: Path,
    tmp_path: Path,
    fleet_config: Callable[..., FleetSettings],
    start_worker: Callable[..., subprocess.Popen[bytes]],
) -> None:
    settings = fleet_config(HEARTBEAT)
    subprocess.run(
        [
            "git",
            "remote",
            "add",
            "origin",
            f"https://example.invalid/team/{settings.task_queue}.git",
        ],
        cwd=git_repo,
        check=True,
    )
    turns = tmp_path / "blocking.json"
    turns.write_text(json.dumps({"turns": [{"block_seconds": BLOCK, "text": "held the loop"}]}))
    for _ in range(2):
        start_worker(git_repo, "--concurrency", "1")
    added = cli(
        ["schedule", "add", "hold", "--every", "1h", "--prompt", "hold"]
        + ["--model", f"scripted:{turns}", "--json"],
        cwd=git_repo,
    )
    assert added.returncode == 0, added.stderr
    sid = added.json()["schedule_id"]
    run_with_runtime(lambda rt: _trigger(settings, sid, rt))
    closed = wait_for(
        lambda: run_with_runtime(lambda rt: _closed(settings, sid + "-", rt)),
        BLOCK + 90,
        "the run to end",
    )
    # A second attempt, if any, started while the first was blocked; give a late one
    # (or its finish) a moment to show up too.
    time.sleep(3 * HEARTBEAT)
    journal = read_journal(git_repo)
    starts = [(e["attempt"], e["worker"]) for e in journal if e["event"] == "start"]
    assert len(starts) == 1, f"the agent started {len(starts)} times: {starts}"
    assert [e["event"] for e in journal] == ["start", "finish"], journal
    finish = journal[1]
    assert starts == [(1, finish["worker"])]
    assert finish["state"] == "ok" and finish["seconds"] >= BLOCK
    assert [(status, r["state"], r["attempt"], r["result"]) for status, r in closed] == [
        ("COMPLETED", "ok", 1, "held the loop")
    ]
