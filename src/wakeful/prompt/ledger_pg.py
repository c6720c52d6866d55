"""The team's cost ledger: table `cost_ledger` in the team database (PostgreSQL).

With `[memory] backend = "postgres"`, every model request recorded in the local ledger
(`state.db`, which `wakeful cost` reads) is also written to the team database under the
project key, with host and workspace, so `wakeful cost --team` shows what every person,
checkout and fleet worker spent on the repository. Best effort, like the team audit log:
a database that cannot be reached is reported once and the local ledger keeps everything.
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wakeful.core.config import Config
from wakeful.core.messages import Message
from wakeful.core.mirror import TeamMirror
from wakeful.core.paths import Paths
from wakeful.core.usage import Usage
from wakeful.prompt.ledger import AgentCost, CacheLedger, LedgerEntry, request_row
from wakeful.prompt.prefix import Prefix


class PostgresCostLedger:
    def __init__(self, dsn: str, project: str, workspace: str = "") -> None:
        from wakeful.memory.store_pg import TeamConnection

        self.project = project
        self.workspace = workspace
        self.host = socket.gethostname()
        self._db = TeamConnection(dsn, "cost ledger")

    def append(
        self,
        session_id: str,
        agent: str,
        seq: int,
        provider: str,
        model: str,
        usage: Usage,
        cache_break: str | None,
    ) -> None:
        with self._db.use("be appended to") as conn:
            conn.execute(
                "INSERT INTO cost_ledger (project, host, workspace, session_id, agent, seq, "
                "time, provider, model, input, output, cache_read, cache_write, cost, "
                "cache_break) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
                (
                    self.project,
                    self.host,
                    self.workspace,
                    *request_row(session_id, agent, seq, provider, model, usage),
                    cache_break,
                ),
            )

    def costs(self, session_id: str | None = None) -> list[AgentCost]:
        """Per (session, agent) totals for the project, newest first; the session column
        names the host too, since sessions of different machines share one list."""
        sql = (
            "SELECT host, session_id, agent, COUNT(*), SUM(input), SUM(output), "
            "SUM(cache_read), SUM(cache_write), SUM(cost), "
            "string_agg(cache_break, ' | '), MAX(time) FROM cost_ledger WHERE project = %s"
        )
        args: list[Any] = [self.project]
        if session_id:
            sql += " AND session_id = %s"
            args.append(session_id)
        sql += " GROUP BY host, session_id, agent ORDER BY MAX(time) DESC, agent"
        with self._db.use("be read") as conn:
            rows = conn.execute(sql, args).fetchall()
        return [
            AgentCost(
                f"{host}:{sid}" if host else sid,
                agent,
                int(n),
                Usage(int(i or 0), int(o or 0), int(cr or 0), int(cw or 0)),
                float(cost or 0.0),
                [b for b in (breaks or "").split(" | ") if b],
            )
            for host, sid, agent, n, i, o, cr, cw, cost, breaks, _t in rows
        ]

    def close(self) -> None:
        self._db.close()


class MirroredLedger(CacheLedger):
    """The local ledger, each request also recorded in the team's (best effort)."""

    def __init__(
        self, db_path: Path | None, team: PostgresCostLedger, warn: Callable[[str], None]
    ) -> None:
        super().__init__(db_path)
        self.team = TeamMirror(team, warn, "costs stay in the local ledger only")
        self._provider_of: dict[str, str] = {}

    def record(
        self,
        session_id: str,
        agent: str,
        provider: str,
        model: str,
        prefix: Prefix,
        messages: list[Message],
        usage: Usage,
    ) -> LedgerEntry:
        entry = super().record(session_id, agent, provider, model, prefix, messages, usage)
        self.team.copy(
            lambda team: team.append(
                session_id, agent, entry.seq, provider, model, usage, entry.cache_break
            )
        )
        return entry

    def close(self) -> None:
        super().close()
        self.team.close()


def _stderr(line: str) -> None:
    sys.stderr.write(line + "\n")


def team_cost_ledger(paths: Paths, config: Config) -> PostgresCostLedger | None:
    from wakeful.memory.factory import team_database

    team = team_database(paths, config)
    return PostgresCostLedger(*team, str(paths.workspace)) if team is not None else None


def open_ledger(paths: Paths, config: Config, warn: Callable[[str], None] = _stderr) -> CacheLedger:
    team = team_cost_ledger(paths, config)
    if team is None:
        return CacheLedger(paths.state_db)
    return MirroredLedger(paths.state_db, team, warn)
