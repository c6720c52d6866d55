"""Opening the embedded SQLite stores the same way everywhere.

WAL lets the REPL, the daemon and sub-agents read while one writes; `synchronous=NORMAL`
keeps commits off the fsync path (a process crash loses nothing, only a power cut can drop
the newest commits). Switching a fresh file to WAL can fail with "database is locked"
without waiting on the busy handler when two processes create it at the same moment, so
that step is retried.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path


def connect(
    path: Path,
    timeout: float = 30.0,
    *,
    autocommit: bool = False,
    check_same_thread: bool = True,
) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, object] = {"timeout": timeout, "check_same_thread": check_same_thread}
    if autocommit:
        kwargs["isolation_level"] = None
    db = sqlite3.connect(str(path), **kwargs)  # type: ignore[arg-type]
    db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    deadline = time.monotonic() + timeout
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                db.close()
                raise
            time.sleep(0.02)
    db.execute("PRAGMA synchronous = NORMAL")
    return db
