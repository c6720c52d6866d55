"""One daemon per workspace: an exclusive lock, a PID file, detaching, stopping, signalling.

The lock (flock on `.wakeful/daemon.lock`) is the truth: the kernel drops it when the process
dies, even by `kill -9`, so a stale PID file never blocks a restart. The PID file only says
which process holds the lock.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from wakeful.core.errors import WakefulError
from wakeful.core.locks import flock_held
from wakeful.daemon.errors import DaemonRunning

EXIT_ALREADY_RUNNING = 3
_LOG_ROTATE_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class DaemonFiles:
    project: Path

    @property
    def lock(self) -> Path:
        return self.project / "daemon.lock"

    @property
    def pid(self) -> Path:
        return self.project / "daemon.pid"

    @property
    def log(self) -> Path:
        return self.project / "daemon.log"

    @property
    def runs(self) -> Path:
        """Where each agent child writes its stdout and stderr."""
        return self.project / "daemon" / "runs"


class DaemonLock:
    """Held for the daemon's whole life; released by the kernel on any exit."""

    def __init__(self, files: DaemonFiles) -> None:
        self.files = files
        self._fd: int | None = None

    def acquire(self, patience: float = 0.5) -> None:
        self.files.project.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.files.lock, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + patience
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                # A `status` probe holds a shared lock for microseconds; a daemon holds it
                # for good. Retry briefly to tell the two apart.
                if time.monotonic() >= deadline:
                    os.close(fd)
                    pid = read_pid(self.files)
                    raise DaemonRunning(
                        f"a wakeful daemon already runs for this workspace (pid {pid}); "
                        "stop it with `wakeful daemon stop`",
                        pid,
                    ) from None
                time.sleep(0.02)
        os.set_inheritable(fd, False)
        self._fd = fd
        tmp = self.files.pid.with_suffix(".pid.tmp")
        tmp.write_text(f"{os.getpid()}\n")
        os.replace(tmp, self.files.pid)

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            if read_pid(self.files) == os.getpid():
                self.files.pid.unlink(missing_ok=True)
        finally:
            os.close(self._fd)
            self._fd = None


def read_pid(files: DaemonFiles) -> int | None:
    try:
        return int(files.pid.read_text().strip())
    except (OSError, ValueError):
        return None


def lock_held(files: DaemonFiles) -> bool:
    return flock_held(files.lock)


def running_pid(files: DaemonFiles) -> int | None:
    """The PID of the live daemon for this workspace, or None."""
    if not lock_held(files):
        return None
    return read_pid(files)


def start_detached(
    files: DaemonFiles,
    workspace: Path,
    extra_args: list[str],
    env: dict[str, str],
    timeout: float = 15.0,
) -> int:
    """Start `daemon start --foreground` in a new session, logging to daemon.log; return its
    PID once it holds the lock. Raises DaemonRunning if another daemon won."""
    existing = running_pid(files)
    if existing is not None:
        raise DaemonRunning(f"a wakeful daemon already runs here (pid {existing})", existing)
    files.project.mkdir(parents=True, exist_ok=True)
    _rotate(files.log)
    argv = [sys.executable, "-m", "wakeful.cli.main", "daemon", "start", "--foreground"]
    with files.log.open("ab") as log:
        child = subprocess.Popen(
            argv + extra_args,
            cwd=str(workspace),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            close_fds=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = child.poll()
        if code is not None:
            if code == EXIT_ALREADY_RUNNING:
                pid = read_pid(files)
                raise DaemonRunning(f"a wakeful daemon already runs here (pid {pid})", pid)
            raise WakefulError(
                f"the daemon exited at start (code {code}): {tail(files.log, 5).strip()} "
                f"(full log: {files.log})"
            )
        if read_pid(files) == child.pid and lock_held(files):
            return child.pid
        time.sleep(0.02)
    child.kill()
    raise WakefulError(f"the daemon did not start within {timeout:.0f}s; see {files.log}")


def stop(files: DaemonFiles, timeout: float = 15.0) -> int | None:
    """SIGTERM the daemon and wait for its lock to drop; SIGKILL if it will not go."""
    pid = running_pid(files)
    if pid is None:
        return None
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return pid
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not lock_held(files):
            return pid
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for _ in range(100):
        if not lock_held(files):
            break
        time.sleep(0.05)
    return pid


def poke(files: DaemonFiles) -> bool:
    """Wake the daemon now (SIGUSR1) so it sees a job change without waiting for a tick."""
    pid = running_pid(files)
    if pid is None:
        return False
    try:
        os.kill(pid, signal.SIGUSR1)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def tail(path: Path, lines: int) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 256 * 1024))
            data = fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:]) + ("\n" if data else "")


def _rotate(log: Path) -> None:
    try:
        if log.stat().st_size > _LOG_ROTATE_BYTES:
            os.replace(log, log.with_suffix(".log.1"))
    except OSError:
        pass
