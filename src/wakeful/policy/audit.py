"""The audit log: every policy decision, appended to table `audit` in the project's state.db.

SQLite (WAL) rather than JSONL because the daemon, the REPL and sub-agents may decide at the
same time from different processes; SQLite serialises those appends and lets `wakeful audit`
read the newest N without scanning a growing file. A connection is opened per append: a
decision is rare next to a model call, and this keeps no handle across forks.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wakeful.core.errors import StoreError
from wakeful.core.sqlite import connect

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
    decided_by TEXT NOT NULL DEFAULT 'policy'
);
CREATE INDEX IF NOT EXISTS audit_ts ON audit(ts);
"""


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
    id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._ready = False

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = connect(self.path, 10.0)
            if not self._ready:
                conn.executescript(_SCHEMA)
                self._ready = True
            return conn
        except sqlite3.Error as exc:
            raise StoreError(
                f"{self.path}: cannot open the audit log: {exc}. Check the "
                "file's permissions, or delete it if it is corrupt."
            ) from None

    def append(self, entry: AuditEntry) -> int:
        conn = self._connect()
        try:
            with conn:
                cur = conn.execute(
                    "INSERT INTO audit (ts, session_id, tool, input, tier, decision, reasons, "
                    "matched_rule, mode, decided_by) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
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
                    ),
                )
            entry.id = int(cur.lastrowid or 0)
            return entry.id
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot append to the audit log: {exc}") from None
        finally:
            conn.close()

    def recent(self, limit: int = 50) -> list[AuditEntry]:
        """The newest `limit` entries, oldest first."""
        if not self.path.exists():
            return []
        conn = self._connect()
        try:
            rows = conn.execute(
                "SELECT id, ts, session_id, tool, input, tier, decision, reasons, matched_rule, "
                "mode, decided_by FROM audit ORDER BY id DESC LIMIT ?",
                (int(limit),),
            ).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot read the audit log: {exc}") from None
        finally:
            conn.close()
        return [
            AuditEntry(
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
            )
            for r in reversed(rows)
        ]
