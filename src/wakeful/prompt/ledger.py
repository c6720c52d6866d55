"""The cache ledger: one row per model request, with its prefix fingerprints and usage.

It answers two questions users ask about cost: how much of each prompt came from cache,
and, when that dropped, which part of the prefix changed and why.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wakeful.core.messages import Message
from wakeful.core.sqlite import Migration, connect, migrate, sql_step, transaction
from wakeful.core.usage import Usage, cost_usd
from wakeful.prompt.prefix import Prefix, conversation_digest

SCHEMA = """
CREATE TABLE IF NOT EXISTS cache_ledger (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    agent TEXT NOT NULL,
    seq INTEGER NOT NULL,
    time REAL NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    input INTEGER NOT NULL,
    output INTEGER NOT NULL,
    cache_read INTEGER NOT NULL,
    cache_write INTEGER NOT NULL,
    cost REAL NOT NULL,
    fingerprints TEXT NOT NULL,
    cache_break TEXT
);
CREATE INDEX IF NOT EXISTS cache_ledger_session ON cache_ledger(session_id, agent, seq);
"""
# Numbered steps (core.sqlite.migrate): append, never edit one that has shipped. Step 1 is the
# schema as it stood before migrations were numbered, so it also adopts such files as they are.
MIGRATIONS: tuple[Migration, ...] = (sql_step(1, "one row per model request", SCHEMA),)
_WHAT = "the cache ledger"


@dataclass
class _Seen:
    fingerprints: dict[str, str]
    tools: dict[str, str]
    conversation: list[str]
    prompt_tokens: int


@dataclass
class LedgerEntry:
    seq: int
    usage: Usage
    cache_break: str | None


@dataclass
class AgentCost:
    session_id: str
    agent: str
    requests: int = 0
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0
    breaks: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "agent": self.agent,
            "requests": self.requests,
            "usage": self.usage.to_dict(),
            "cache_hit_ratio": round(self.usage.cache_hit_ratio, 4),
            "cost": round(self.cost, 6),
            "cache_breaks": self.breaks,
        }


def explain_break(
    prev: _Seen, fps: dict[str, str], tools: dict[str, str], conv: list[str]
) -> list[str]:
    """Why the cached prefix of the previous request no longer matches this one."""
    reasons: list[str] = []
    if prev.fingerprints.get("tools") != fps.get("tools"):
        added = sorted(set(tools) - set(prev.tools))
        removed = sorted(set(prev.tools) - set(tools))
        changed = sorted(n for n in set(tools) & set(prev.tools) if tools[n] != prev.tools[n])
        parts = [f"tool {n} added" for n in added]
        parts += [f"tool {n} removed" for n in removed]
        parts += [f"tool {n} schema changed" for n in changed]
        reasons.append("segment tools changed: " + (", ".join(parts) or "order changed"))
    for name in ("core", "instructions", "memory"):
        if prev.fingerprints.get(name) != fps.get(name):
            reasons.append(f"segment {name} changed")
    if not reasons:
        common = min(len(prev.conversation), len(conv))
        for i in range(common):
            if prev.conversation[i] != conv[i]:
                reasons.append(
                    f"conversation rewritten from message {i} (compaction or an edited turn)"
                )
                break
    return reasons


def request_row(
    session_id: str, agent: str, seq: int, provider: str, model: str, usage: Usage
) -> tuple[Any, ...]:
    """`session_id, agent, seq, time, provider, model, input, output, cache_read, cache_write,
    cost`: the columns the local ledger and the team's store for one request."""
    return (
        session_id,
        agent,
        seq,
        time.time(),
        provider,
        model,
        usage.input,
        usage.output,
        usage.cache_read,
        usage.cache_write,
        cost_usd(provider, model, usage),
    )


class CacheLedger:
    """Thread-safe; one per process. Rows go to `state.db` so `wakeful cost` can read them."""

    def __init__(self, db_path: Path | None) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], _Seen] = {}
        self._seq: dict[tuple[str, str], int] = {}
        self._db: sqlite3.Connection | None = None
        if db_path is not None:
            self._db = connect(db_path, 30.0, check_same_thread=False)
            try:
                migrate(self._db, "cache_ledger", MIGRATIONS, path=db_path, what=_WHAT)
            except BaseException:
                self._db.close()
                raise

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
        key = (session_id, agent)
        conv = conversation_digest(messages)
        fps = dict(prefix.fingerprints)
        tools = dict(prefix.tool_fingerprints)
        with self._lock:
            prev = self._seen.get(key)
            reasons: list[str] = []
            if prev is not None:
                reasons = explain_break(prev, fps, tools, conv)
                if (
                    not reasons
                    and usage.cache_read == 0
                    and prev.prompt_tokens
                    and usage.cache_write
                ):
                    reasons.append(
                        "prefix unchanged but nothing read from cache: entry expired (TTL) or evicted"
                    )
            seq = self._seq.get(key, 0) + 1
            self._seq[key] = seq
            self._seen[key] = _Seen(fps, tools, conv, usage.prompt_tokens)
            cache_break = "; ".join(reasons) if reasons else None
            if self._db is not None:
                with transaction(self._db):
                    self._db.execute(
                        "INSERT INTO cache_ledger (session_id, agent, seq, time, provider, model, input,"
                        " output, cache_read, cache_write, cost, fingerprints, cache_break)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (
                            *request_row(session_id, agent, seq, provider, model, usage),
                            json.dumps(fps),
                            cache_break,
                        ),
                    )
        return LedgerEntry(seq, usage, cache_break)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def read_costs(db_path: Path, session_id: str | None = None) -> list[AgentCost]:
    """Per (session, agent) totals from the ledger, newest session first."""
    if not db_path.exists():
        return []
    db = connect(db_path, 30.0)
    try:
        migrate(db, "cache_ledger", MIGRATIONS, path=db_path, what=_WHAT)
        sql = (
            "SELECT session_id, agent, COUNT(*), SUM(input), SUM(output), SUM(cache_read),"
            " SUM(cache_write), SUM(cost), GROUP_CONCAT(cache_break, ' | '), MAX(time)"
            " FROM cache_ledger"
        )
        args: tuple[Any, ...] = ()
        if session_id:
            sql += " WHERE session_id = ?"
            args = (session_id,)
        sql += " GROUP BY session_id, agent ORDER BY MAX(time) DESC, agent"
        rows = db.execute(sql, args).fetchall()
    finally:
        db.close()
    out = []
    for sid, agent, n, i, o, cr, cw, cost, breaks, _t in rows:
        out.append(
            AgentCost(
                sid,
                agent,
                n,
                Usage(i or 0, o or 0, cr or 0, cw or 0),
                cost or 0.0,
                [b for b in (breaks or "").split(" | ") if b],
            )
        )
    return out
