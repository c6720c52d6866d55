"""Crash recovery on a real store with real processes: a run whose owner died is adopted if its
agent still lives, collected if the agent finished, and otherwise marked interrupted and
retried per the job's policy. A live owner's lease is respected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wakeful.core.paths import Paths
from wakeful.daemon.agent import process_start_time
from wakeful.daemon.loop import Daemon
from wakeful.daemon.settings import DaemonSettings
from wakeful.daemon.store import Job
from wakeful.daemon.timespec import Schedule

RESULT = {
    "type": "result",
    "result": "all done",
    "is_error": False,
    "num_turns": 1,
    "session_id": "sess-1",
    "usage": {"input": 12, "output": 3, "cache_read": 0, "cache_write": 0},
    "cost": 0.0,
}


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def daemon(tmp_path: Path) -> Daemon:
    ws = tmp_path / "ws"
    ws.mkdir()
    paths = Paths.for_workspace(ws, {"HOME": str(tmp_path), "WAKEFUL_HOME": str(tmp_path / "h")})
    paths.ensure()
    d = Daemon(paths, DaemonSettings(tick_seconds=0.05, desktop_notify=False), env=None)
    d.store.add_job(
        Job(name="job", schedule=Schedule("every", "3600"), prompt="p", retries=1, next_due=None)
    )
    yield d
    d.store.close()


def journal_text(d: Daemon) -> str:
    return "".join(p.read_text() for p in sorted(d.paths.journal.glob("*.md")))


async def test_live_orphan_agent_is_adopted_not_restarted(daemon: Daemon, tmp_path: Path) -> None:
    run = daemon.store.claim_run("job", "schedule", dead_pid(), 30.0)
    out = tmp_path / "run.out"
    with out.open("w") as fh:
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"import time, json; time.sleep(0.6); print(json.dumps({RESULT!r}))",
            ],
            stdout=fh,
        )
    daemon.store.set_child(run.id, child.pid, process_start_time(child.pid), str(out))
    await daemon.recover()
    assert "job" in daemon.active
    # While adopted, the lease is ours: nobody can start the job a second time.
    assert daemon.store.get_run(run.id).owner_pid == os.getpid()
    await daemon.active["job"].task
    child.wait()
    done = daemon.store.get_run(run.id)
    assert done.state == "ok" and done.result == "all done" and done.input_tokens == 12
    text = journal_text(daemon)
    assert "adopted: job `job`" in text and "adopted after restart" in text


async def test_finished_orphan_result_is_collected(daemon: Daemon, tmp_path: Path) -> None:
    run = daemon.store.claim_run("job", "schedule", dead_pid(), 30.0)
    out = tmp_path / "run.out"
    out.write_text(json.dumps(RESULT) + "\n")
    daemon.store.set_child(run.id, dead_pid(), None, str(out))
    await daemon.recover()
    done = daemon.store.get_run(run.id)
    assert done.state == "ok" and done.session_id == "sess-1"
    assert not daemon.store.get_job("job").retry_pending
    assert "finished while the daemon was down" in journal_text(daemon)


async def test_cut_off_run_is_marked_and_retried_once(daemon: Daemon, tmp_path: Path) -> None:
    run = daemon.store.claim_run("job", "schedule", dead_pid(), 30.0)
    daemon.store.set_child(run.id, dead_pid(), None, str(tmp_path / "missing.out"))
    await daemon.recover()
    first = daemon.store.get_run(run.id)
    assert first.state == "interrupted" and "cut off" in (first.error or "")
    assert daemon.store.get_job("job").retry_pending
    assert "it will be retried" in journal_text(daemon)

    # The retry is attempt 2; cut off again, the job's one retry is spent.
    daemon.store.update_job("job", retry_pending=False)
    retry = daemon.store.claim_run("job", "retry", dead_pid(), 30.0, attempt=2)
    await daemon.recover()
    assert daemon.store.get_run(retry.id).state == "interrupted"
    assert not daemon.store.get_job("job").retry_pending
    assert "no retries left" in journal_text(daemon)


async def test_live_owner_keeps_its_lease(daemon: Daemon) -> None:
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        run = daemon.store.claim_run("job", "manual", owner.pid, 30.0)
        await daemon.recover()
        assert daemon.store.get_run(run.id).state == "running"
        assert "job" not in daemon.active
    finally:
        owner.kill()
        owner.wait()
    # Owner gone: the next pass reclaims the run.
    await daemon.recover()
    assert daemon.store.get_run(run.id).state == "interrupted"


async def test_expired_lease_of_recycled_pid_is_reclaimed(daemon: Daemon) -> None:
    # The owner PID is alive (it is this test process's parent), but its lease ran out long
    # ago: a recycled PID must not keep a job locked forever.
    run = daemon.store.claim_run("job", "schedule", os.getppid(), -1.0)
    await daemon.recover()
    assert daemon.store.get_run(run.id).state == "interrupted"
