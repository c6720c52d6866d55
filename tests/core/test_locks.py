"""The shared lock helpers: the flock probe and the owner-PID probe."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from wakeful.core.locks import flock_held, pid_alive


def test_pid_alive_tells_a_live_process_from_a_reaped_one() -> None:
    assert pid_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not pid_alive(child.pid)


def test_pid_alive_refuses_pids_that_name_process_groups() -> None:
    # kill(0, 0) and kill(-1, 0) succeed (they address groups), so they must not count.
    assert not pid_alive(0)
    assert not pid_alive(-1)


def test_flock_held_sees_a_lock_and_its_release(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    assert not flock_held(path)  # no file at all
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        assert not flock_held(path)
        fcntl.flock(fd, fcntl.LOCK_EX)
        assert flock_held(path)
    finally:
        os.close(fd)
    assert not flock_held(path)
