"""Opening the embedded SQLite stores the same way everywhere.

WAL lets the REPL, the daemon and sub-agents read while one writes; `synchronous=NORMAL`
keeps commits off the fsync path (a process crash loses nothing, only a power cut can drop
the newest commits). Switching a fresh file to WAL can fail with "database is locked"
without waiting on the busy handler when two processes create it at the same moment, so
that step is retried.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path


def connect(
    path: Path,
    timeout: float = 30.0,
    *,
    autocommit: bool = False,
    check_same_thread: bool = True,
) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(
        str(path),
        timeout=timeout,
        check_same_thread=check_same_thread,
        isolation_level=None if autocommit else "DEFERRED",  # implicit BEGIN, as by default
    )
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


_SIDE_FILES = ("-wal", "-shm", "-journal")


def is_readable_database(path: Path) -> bool:
    """False when `path` exists but SQLite cannot read its schema (garbage, truncated pages).

    A missing or zero-length file is a valid (empty) database. The check opens the file
    read-only, so it neither creates nor changes anything.
    """
    if not path.exists():
        return True
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.DatabaseError:
        return False
    try:
        # Reading the schema touches the header and the schema pages; a full quick_check
        # would read every page on every start, which a large audit log makes slow.
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except sqlite3.OperationalError as exc:
        # Another process holding a write lock is not corruption.
        return "locked" in str(exc) or "busy" in str(exc)
    except sqlite3.DatabaseError:
        return False
    finally:
        db.close()


def quarantine_if_corrupt(
    path: Path, what: str, clock: Callable[[], float] = time.time
) -> str | None:
    """Move an unreadable database (and its WAL files) aside; the caller starts a new one.

    Returns a one-line notice naming where the damaged copy went, or None if `path` is fine.
    """
    if is_readable_database(path):
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(clock()))
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, aside)
    for suffix in _SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, aside.with_name(aside.name + suffix))
    return f"{what} {path.name} was unreadable; moved it to {aside.name} and started a new one"
