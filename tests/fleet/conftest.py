"""Set-up shared by the fleet tests: a task queue of their own on the session's Temporal dev
server, real `wakeful worker` processes stopped at teardown, and waiting on a condition."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from wakeful.fleet.settings import FleetSettings


def wait_for(predicate: Callable[[], Any], timeout: float, what: str, step: float = 0.2) -> Any:
    """The first truthy value of `predicate()`, asked every `step` seconds; an assertion
    error naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {what}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the way a worker is asked to stop), then SIGKILL after 30 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def fleet_config(home: Path, local_temporal: Any) -> Callable[..., FleetSettings]:
    """fleet_config(heartbeat_seconds, extra=""): the decoy home's `[fleet]` table for a task
    queue of this test's own (plus `extra` lines), and the settings a client uses for it."""

    def write(heartbeat_seconds: float, extra: str = "") -> FleetSettings:
        queue = f"q-{uuid.uuid4().hex[:8]}"
        config = home / ".config" / "wakeful" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(
            f'[fleet]\ntemporal = "{local_temporal.address}"\ntask_queue = "{queue}"\n'
            f"heartbeat_seconds = {heartbeat_seconds}\n{extra}"
        )
        return FleetSettings(temporal=local_temporal.address, task_queue=queue)

    return write


@pytest.fixture
def start_worker(
    cli_env: dict[str, str], tmp_path: Path
) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """start_worker(cwd, *args, log=True, new_session=False): a real `wakeful worker ARGS`
    process in `cwd`, its stderr in tmp_path/workerN.err (unless log is False); every worker
    started is stopped at teardown."""
    workers: list[subprocess.Popen[bytes]] = []

    def start(
        cwd: Path, *args: str, log: bool = True, new_session: bool = False
    ) -> subprocess.Popen[bytes]:
        err: IO[bytes] | int = subprocess.DEVNULL
        if log:
            err = (tmp_path / f"worker{len(workers)}.err").open("wb")
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "wakeful.cli.main", "worker", *args],
                cwd=cwd,
                env=cli_env,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=new_session,
            )
        finally:
            if not isinstance(err, int):
                err.close()  # the worker has its own copy
        workers.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in workers:
            stop(proc)
