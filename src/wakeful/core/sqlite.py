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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from wakeful.core.errors import StoreError


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


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: BEGIN IMMEDIATE (the write lock up front, so a read-then-write
    inside is atomic across processes), COMMIT on success, ROLLBACK on any exception.

    Works on connections opened with or without `autocommit`; DDL is transactional in
    SQLite, so a failed migration leaves no half-made tables behind.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    else:
        db.execute("COMMIT")


def execute_script(db: sqlite3.Connection, script: str) -> None:
    """Run `;`-separated statements one by one. Unlike `executescript`, this never commits
    the caller's open transaction first (statements here contain no `;` in literals)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


@dataclass(frozen=True)
class Migration:
    """One numbered schema step of one store: `apply` runs once, inside a transaction.

    Append new steps at the end, never edit or renumber one that has shipped.
    """

    version: int
    name: str
    apply: Callable[[sqlite3.Connection], None]


def sql_step(version: int, name: str, script: str) -> Migration:
    """A migration that runs a fixed SQL script."""
    return Migration(version, name, lambda db: execute_script(db, script))


# Several stores share one file (`state.db` holds the daemon's jobs and the cache ledger), and
# each is opened on its own by a different layer (daemon/ and prompt/ may not import each
# other). So each store keeps its own numbered steps, and the file records what it applied
# per store in `wakeful_migrations(store, version)`; `PRAGMA user_version` is the file's
# overall version, the number of steps applied to it across its stores (one store per file:
# that store's version). A single ordered list per file would need a module above every
# store that shares it, and opening one store would have to migrate the others.
_LEDGER = (
    "CREATE TABLE IF NOT EXISTS wakeful_migrations ("
    "store TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL, applied REAL NOT NULL, "
    "PRIMARY KEY (store, version))"
)


@dataclass(frozen=True)
class MigrationReport:
    store: str
    before: int
    after: int
    applied: tuple[int, ...]


def store_version(db: sqlite3.Connection, store: str) -> int:
    """The newest step of `store` applied to this file; 0 before any (or a pre-migration file)."""
    try:
        row = db.execute(
            "SELECT max(version) FROM wakeful_migrations WHERE store = ?", (store,)
        ).fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return 0
        raise
    return int(row[0] or 0)


def _newer_error(path: Path | str, what: str, found: int, known: int) -> StoreError:
    return StoreError(
        f"{path}: {what} is at schema version {found}, newer than this wakeful knows "
        f"({known}); upgrade wakeful (pip install -U wakeful), or move the file aside to "
        "start an empty one (nothing in it was changed)"
    )


def migrate(
    db: sqlite3.Connection,
    store: str,
    steps: Sequence[Migration],
    *,
    path: Path | str = "database",
    what: str | None = None,
) -> MigrationReport:
    """Bring `store`'s tables in this file up to the newest of `steps`, one transaction per step.

    A file that a newer wakeful migrated further than `steps` go is refused with a one-line
    StoreError naming the file and the fix, and left untouched. Concurrent openers are safe:
    each step re-reads the version under the write lock, so a step another process applied
    meanwhile is skipped. A step that raises is rolled back (tables, rows and versions) and
    the error propagates.
    """
    numbers = [s.version for s in steps]
    if numbers != list(range(1, len(steps) + 1)):
        raise ValueError(f"migrations of {store} must be numbered 1..n in order, got {numbers}")
    known = len(steps)
    what = what or f"the {store} store"
    before = store_version(db, store)
    if before > known:
        raise _newer_error(path, what, before, known)
    file_version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if before == known and file_version > 0:
        return MigrationReport(store, before, before, ())  # the common case: no write lock
    applied: list[int] = []
    for step in steps:
        with transaction(db):
            db.execute(_LEDGER)
            current = store_version(db, store)
            total = int(db.execute("SELECT count(*) FROM wakeful_migrations").fetchone()[0])
            file_version = int(db.execute("PRAGMA user_version").fetchone()[0])
            if current > known or file_version > total:
                raise _newer_error(path, what, max(current, file_version), known)
            if step.version <= current:
                if file_version != total:  # an older wakeful's file: record the total
                    db.execute(f"PRAGMA user_version = {total}")
                continue
            step.apply(db)
            db.execute(
                "INSERT INTO wakeful_migrations(store, version, name, applied) VALUES (?, ?, ?, ?)",
                (store, step.version, step.name, time.time()),
            )
            db.execute(f"PRAGMA user_version = {total + 1}")
            applied.append(step.version)
    return MigrationReport(store, before, store_version(db, store), tuple(applied))
