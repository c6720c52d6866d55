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


class PostgresDreamLock:
    """The dream lock for a team store in PostgreSQL: one dream per project across machines.

    A session-level advisory lock keyed by the project name, held on its own connection for
    the whole dream. PostgreSQL drops it when that connection ends, so a dreamer that dies
    (or whose machine does) never leaves the project locked. Who holds it is written to the
    project's `memory_meta` row `dream_lock` for the message a second dreamer shows; finding
    that row while the lock itself is free means the previous owner died mid-dream.
    """

    META_KEY = "dream_lock"

    def __init__(self, dsn: str, project: str) -> None:
        import hashlib

        self.dsn = dsn
        self.project = project
        digest = hashlib.sha256(f"wakeful-dream:{project}".encode()).digest()
        self.key = int.from_bytes(digest[:8], "big", signed=True)
        self._conn: Any = None
        self.took_over: LockOwner | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def _connect(self) -> Any:
        from wakeful.memory.store_pg import connect

        return connect(self.dsn)

    def _read_owner(self, conn: Any) -> LockOwner | None:
        row = conn.execute(
            "SELECT value FROM memory_meta WHERE project = %s AND key = %s",
            (self.project, self.META_KEY),
        ).fetchone()
        return LockOwner.parse(row[0]) if row else None

    def owner(self) -> LockOwner | None:
        conn = self._conn or self._connect()
        try:
            return self._read_owner(conn)
        finally:
            if conn is not self._conn:
                conn.close()

    def is_locked(self) -> bool:
        """True when some dreamer, on any machine, holds the project's lock right now."""
        if self._conn is not None:
            return True
        conn = self._connect()
        try:
            got = bool(conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0])
            if got:
                conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
            return not got
        finally:
            conn.close()

    def acquire(self) -> PostgresDreamLock:
        conn = self._connect()
        try:
            got = bool(conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0])
            if not got:
                owner = self._read_owner(conn)
                who = owner.describe() if owner else "unknown owner"
                where = f" on {owner.host}" if owner and owner.host else ""
                raise LockHeldError(
                    f"another dream is running for project {self.project!r} ({who}{where}); "
                    "it holds a lock in the memory database that ends with its connection, "
                    "so wait for it to finish"
                )
            previous = self._read_owner(conn)
            me = {"pid": os.getpid(), "started": time.time(), "host": socket.gethostname()}
            if previous is not None and (previous.pid, previous.host) != (me["pid"], me["host"]):
                self.took_over = previous
            conn.execute(
                "INSERT INTO memory_meta(project, key, value) VALUES (%s, %s, %s) "
                "ON CONFLICT (project, key) DO UPDATE SET value = excluded.value",
                (self.project, self.META_KEY, json.dumps(me)),
            )
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return self

    def release(self) -> None:
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        try:
            conn.execute(
                "DELETE FROM memory_meta WHERE project = %s AND key = %s",
                (self.project, self.META_KEY),
            )
            conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        finally:
            conn.close()  # ending the session drops the lock even if the statements failed

    def __enter__(self) -> PostgresDreamLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
