"""The dream lock: one consolidation pass per project at a time, never stuck after a crash.

The lock is a file (`.wakeful/dream.lock`) holding the owner's PID and start time, guarded by
an advisory `flock`. The kernel drops the flock when its process dies, so a lock left by a
dead process is taken over by the next dreamer; the PID and start time in the file are what
we show to whoever finds the lock held, and tell us that we took over a stale one.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from wakeful.core.errors import LockHeldError
from wakeful.core.locks import flock_held


@dataclass(frozen=True)
class LockOwner:
    pid: int
    started: float
    host: str = ""

    def describe(self, now: float | None = None) -> str:
        age = max(0.0, (now or time.time()) - self.started)
        return f"pid {self.pid}, started {age:.0f}s ago"

    @classmethod
    def parse(cls, text: str) -> LockOwner | None:
        try:
            data = json.loads(text)
            return cls(int(data["pid"]), float(data["started"]), str(data.get("host", "")))
        except (ValueError, KeyError, TypeError):
            return None


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class DreamLock:
    """Non-blocking exclusive lock; use as a context manager or acquire()/release()."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self.took_over: LockOwner | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def owner(self) -> LockOwner | None:
        """Who the file says holds the lock (may be a dead process)."""
        try:
            return LockOwner.parse(self.path.read_text(encoding="utf-8"))
        except OSError:
            return None

    def is_locked(self) -> bool:
        """True when some live process holds the lock right now (cheap probe, no takeover)."""
        return self._fd is not None or flock_held(self.path)

    def acquire(self) -> DreamLock:
        """Take the lock or raise LockHeldError naming the owner."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                owner = self.owner()
                who = owner.describe() if owner else "unknown owner"
                raise LockHeldError(
                    f"another dream is running ({who}); lock file {self.path}. "
                    "Wait for it to finish, or remove the file if no such process exists."
                ) from None
            # The file may have been unlinked by a releasing owner between open and flock;
            # then our lock is on an orphan inode and we must retry on the new file.
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            break
        previous = _read_fd(fd)
        if previous is not None and previous.pid != os.getpid():
            self.took_over = previous
        record: dict[str, Any] = {
            "pid": os.getpid(),
            "started": time.time(),
            "host": socket.gethostname(),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self) -> DreamLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_fd(fd: int) -> LockOwner | None:
    try:
        data = os.pread(fd, 4096, 0)
    except OSError:
        return None
    return LockOwner.parse(data.decode("utf-8", "replace")) if data else None
