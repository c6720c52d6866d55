"""The team's copy of the audit log: table `audit_log` in the team database (PostgreSQL).

With `[memory] backend = "postgres"`, every policy decision is written to the local audit
log (the authoritative one, in user data) and then to the team database under the project
key, with a hash chain of its own per project, so the decisions of every person, checkout
and fleet worker on one repository can be read and verified in one place
(`wakeful audit --team [--verify]`). Appends to one project's chain are serialised by a
transaction-level advisory lock.

The copy is best effort by design: a team database that cannot be reached must not stop
the agent deciding (the local log still records everything), so after the first failure
the process stops trying and says so once. The table is created by `wakeful memory migrate`.
"""

from __future__ import annotations

import hashlib
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wakeful.core.config import Config
from wakeful.core.mirror import TeamMirror
from wakeful.core.paths import Paths
from wakeful.policy.audit import (
    AuditEntry,
    AuditLog,
    ChainReport,
    _row_hash,
    entry_from_row,
    entry_row,
)

_FIELDS = (
    "ts, session_id, tool, input, tier, decision, reasons, matched_rule, mode, decided_by, "
    "workspace, host"
)


def _row(entry: AuditEntry, host: str) -> tuple[Any, ...]:
    return (*entry_row(entry), host)


class PostgresAuditLog:
    """One project's audit chain in the team database."""

    def __init__(self, dsn: str, project: str) -> None:
        from wakeful.memory.store_pg import TeamConnection

        self.project = project
        digest = hashlib.sha256(f"wakeful-audit:{project}".encode()).digest()
        self._key = int.from_bytes(digest[:8], "big", signed=True)
        self._db = TeamConnection(dsn, "audit log")
        self.host = socket.gethostname()

    def append(self, entry: AuditEntry) -> int:
        row = _row(entry, self.host)
        with self._db.use("be appended to") as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._key,))
            last = conn.execute(
                "SELECT hash FROM audit_log WHERE project = %s ORDER BY id DESC LIMIT 1",
                (self.project,),
            ).fetchone()
            prev = str(last[0]) if last else ""
            new = conn.execute(
                f"INSERT INTO audit_log (project, {_FIELDS}, prev_hash, hash) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) RETURNING id",
                (self.project, *row, prev, _row_hash(prev, row)),
            ).fetchone()
        return int(new[0])

    def verify(self) -> ChainReport:
        with self._db.use("be read") as conn:
            rows = conn.execute(
                f"SELECT id, {_FIELDS}, prev_hash, hash FROM audit_log WHERE project = %s "
                "ORDER BY id",
                (self.project,),
            )
            prev = ""
            count = 0
            for r in rows:
                count += 1
                if r[13] != prev or r[14] != _row_hash(prev, tuple(r[1:13])):
                    return ChainReport(count, int(r[0]))
                prev = r[14]
            return ChainReport(count, None)

    def recent(self, limit: int = 50) -> list[AuditEntry]:
        with self._db.use("be read") as conn:
            rows = conn.execute(
                f"SELECT id, {_FIELDS} FROM audit_log WHERE project = %s ORDER BY id DESC LIMIT %s",
                (self.project, int(limit)),
            ).fetchall()
        # The team log's rows end with the host: the workspace is shown as HOST:PATH.
        return [entry_from_row(r, f"{r[12]}:{r[11]}" if r[12] else None) for r in reversed(rows)]

    def close(self) -> None:
        self._db.close()


class MirroredAuditLog(AuditLog):
    """The local audit log, each append also copied to the team's chain (best effort)."""

    def __init__(self, path: Path, team: PostgresAuditLog, warn: Callable[[str], None]) -> None:
        super().__init__(path)
        self.team = TeamMirror(team, warn, "decisions stay in the local audit log only")

    def append(self, entry: AuditEntry) -> int:
        local_id = super().append(entry)  # the authoritative record first
        self.team.copy(lambda team: team.append(entry))
        return local_id

    def close(self) -> None:
        super().close()
        self.team.close()


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")


def team_audit_log(paths: Paths, config: Config) -> PostgresAuditLog | None:
    """The team's audit chain for this project, when `[memory] backend = "postgres"`."""
    from wakeful.memory.factory import team_database

    team = team_database(paths, config)
    return PostgresAuditLog(*team) if team is not None else None


def open_audit_log(paths: Paths, config: Config, warn: Callable[[str], None] = _stderr) -> AuditLog:
    """The audit log decisions are appended to: local, mirrored to the team database when
    the project's memory is there."""
    team = team_audit_log(paths, config)
    if team is None:
        return AuditLog(paths.audit_db)
    return MirroredAuditLog(paths.audit_db, team, warn)
