"""The audit log: every policy decision, appended to table `audit` in the user's audit.db.

It lives in user data (`Paths.audit_db`), not in the workspace, so workspace code cannot
rewrite it, and each row carries a SHA-256 chained over the previous row's hash: editing,
deleting or reordering rows breaks the chain, which `wakeful audit --verify` checks.

SQLite (WAL) rather than JSONL because the daemon, the REPL and sub-agents may decide at the
same time from different processes; SQLite serialises those appends and lets `wakeful audit`
read the newest N without scanning a growing file. A connection is opened per append: a
decision is rare next to a model call, and this keeps no handle across forks.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wakeful.core.errors import StoreError
from wakeful.core.sqlite import Migration, connect, migrate, sql_step, transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts REAL NOT NULL,
    session_id TEXT NOT NULL DEFAULT '',
    tool TEXT NOT NULL,
    input TEXT NOT NULL,
    tier TEXT NOT NULL,
    decision TEXT NOT NULL,
    reasons TEXT NOT NULL,
    matched_rule TEXT,
    mode TEXT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT 'policy',
    workspace TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL DEFAULT '',
    hash TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_ts ON audit(ts);
"""
# Numbered steps (core.sqlite.migrate): append, never edit one that has shipped. Step 1 is the
# schema as it stood before migrations were numbered, so it also adopts such files as they are.
MIGRATIONS: tuple[Migration, ...] = (sql_step(1, "hash-chained decisions", _SCHEMA),)
_FIELDS = (
    "ts, session_id, tool, input, tier, decision, reasons, matched_rule, mode, decided_by, "
    "workspace"
)


def _row_hash(prev: str, row: tuple[Any, ...]) -> str:
    body = json.dumps([prev, *row], separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    rows: int
    broken_at: int | None  # the id of the first row whose hash does not follow

    @property
    def ok(self) -> bool:
        return self.broken_at is None


@dataclass
class AuditEntry:
    tool: str
    input: dict[str, Any]
    tier: str
    decision: str
    reasons: list[str]
    matched_rule: str | None
    mode: str
    session_id: str = ""
    decided_by: str = "policy"  # policy | rule | reviewer | hardline
    ts: float = field(default_factory=time.time)
    workspace: str = ""
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class AuditLog:
    """Appends go through one connection kept open for the process (reopened after a fork):
    the log has no other reader in the session, and closing the last connection to a WAL
    database checkpoints it, which cost more than the decision itself."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False
        self._writer: sqlite3.Connection | None = None
        self._writer_pid = 0
        self._lock = threading.Lock()

    def _append_connection(self) -> sqlite3.Connection:
        if self._writer is None or self._writer_pid != os.getpid():
            try:
                self._writer = connect(self.path, 10.0, check_same_thread=False)
                if not self._ready:
                    migrate(self._writer, "audit", MIGRATIONS, path=self.path, what="the audit log")
                    self._ready = True
            except sqlite3.Error as exc:
                raise StoreError(
                    f"{self.path}: cannot open the audit log: {exc}. Check the "
                    "file's permissions, or delete it if it is corrupt."
                ) from None
            self._writer_pid = os.getpid()
        return self._writer

    def close(self) -> None:
        if self._writer is not None and self._writer_pid == os.getpid():
            self._writer.close()
        self._writer = None

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = connect(self.path, 10.0)
            if not self._ready:
                try:
                    migrate(conn, "audit", MIGRATIONS, path=self.path, what="the audit log")
                except BaseException:
                    conn.close()
                    raise
                self._ready = True
            return conn
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self.path}: cannot open the audit log: {exc}. Check the "
                "file's permissions, or delete it if it is corrupt."
            ) from None

    def append(self, entry: AuditEntry) -> int:
        row = entry_row(entry)
        try:
            with self._lock:
                conn = self._append_connection()
                with transaction(conn):  # the chain needs the last hash, unraced
                    last = conn.execute(
                        "SELECT hash FROM audit ORDER BY id DESC LIMIT 1"
                    ).fetchone()
                    prev = str(last[0]) if last else ""
                    cur = conn.execute(
                        f"INSERT INTO audit ({_FIELDS}, prev_hash, hash) "
                        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (*row, prev, _row_hash(prev, row)),
                    )
            entry.id = int(cur.lastrowid or 0)
            return entry.id
        except sqlite3.Error as exc:
            self.close()
            raise StoreError(f"{self.path}: cannot append to the audit log: {exc}") from None

    def verify(self) -> ChainReport:
        """Recompute the hash chain; report the first row that does not follow from the last."""
        if not self.path.exists():
            return ChainReport(0, None)
        conn = self._connect()
        try:
            rows = conn.execute(f"SELECT id, {_FIELDS}, prev_hash, hash FROM audit ORDER BY id")
            prev = ""
            count = 0
            for r in rows:
                count += 1
                body = tuple(r[1:12])
                if r[12] != prev or r[13] != _row_hash(prev, body):
                    return ChainReport(count, int(r[0]))
                prev = r[13]
            return ChainReport(count, None)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the audit log: {exc}") from None
        finally:
            conn.close()

    def recent(self, limit: int = 50, workspace: str | None = None) -> list[AuditEntry]:
        """The newest `limit` entries (of one workspace, if given), oldest first."""
        if not self.path.exists():
            return []
        conn = self._connect()
        try:
            rows = conn.execute(
                "SELECT id, ts, session_id, tool, input, tier, decision, reasons, matched_rule, "
                "mode, decided_by, workspace FROM audit "
                + ("WHERE workspace = ? " if workspace is not None else "")
                + "ORDER BY id DESC LIMIT ?",
                (*([workspace] if workspace is not None else []), int(limit)),
            ).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the audit log: {exc}") from None
        finally:
            conn.close()
        return [entry_from_row(r) for r in reversed(rows)]


def entry_row(entry: AuditEntry) -> tuple[Any, ...]:
    """The stored columns of an entry, `ts` to `workspace`, as its hash covers them (the
    local log's and the team log's, which adds the host)."""
    return (
        entry.ts,
        entry.session_id,
        entry.tool,
        json.dumps(entry.input, sort_keys=True),
        entry.tier,
        entry.decision,
        json.dumps(entry.reasons),
        entry.matched_rule,
        entry.mode,
        entry.decided_by,
        entry.workspace,
    )


def entry_from_row(r: Sequence[Any], workspace: str | None = None) -> AuditEntry:
    """An entry from a row of `id, ts, session_id, tool, input, tier, decision, reasons,
    matched_rule, mode, decided_by, workspace` (the local log's and the team log's)."""
    return AuditEntry(
        id=r[0],
        ts=r[1],
        session_id=r[2],
        tool=r[3],
        input=json.loads(r[4]),
        tier=r[5],
        decision=r[6],
        reasons=json.loads(r[7]),
        matched_rule=r[8],
        mode=r[9],
        decided_by=r[10],
        workspace=r[11] if workspace is None else workspace,
    )
