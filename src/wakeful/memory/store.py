"""Where memories live: a small storage interface and its SQLite (WAL + FTS5) implementation.

The interface (`MemoryStore`) is what the rest of wakeful calls, so a team can put memory
in another database. The SQLite store keeps records in one table, a full-text index in an
FTS5 table kept in step inside the same transactions, a change counter (`seq`) that every
write bumps, and an append-only event log, which together let dreaming merge, supersede,
archive and restore records and resume from a watermark.

Writers take SQLite's write lock up front (BEGIN IMMEDIATE) and wait on a busy timeout, so
two processes adding memories at once both succeed.
"""

from __future__ import annotations

import builtins
import json
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from wakeful.core.errors import StoreError
from wakeful.core.sqlite import (
    Migration,
    MigrationReport,
    connect,
    migrate,
    sql_step,
    transaction,
)
from wakeful.memory.types import (
    MEMORY_TYPES,
    STATUSES,
    Anchor,
    CheckoutVerdict,
    MemoryNotFound,
    MemoryRecord,
    Scope,
    Status,
    Verdict,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS memories (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    text TEXT NOT NULL,
    anchors TEXT NOT NULL DEFAULT '[]',
    created REAL NOT NULL,
    updated REAL NOT NULL,
    last_verified REAL,
    verdict TEXT,
    source_session TEXT NOT NULL DEFAULT '',
    supersedes TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'active',
    seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS memories_status ON memories(status, type);
CREATE INDEX IF NOT EXISTS memories_seq ON memories(seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    memory_id TEXT NOT NULL,
    action TEXT NOT NULL,
    at REAL NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS checkout_verdicts (
    checkout TEXT NOT NULL,
    memory_id TEXT NOT NULL,
    verdict TEXT NOT NULL,
    last_verified REAL NOT NULL,
    anchors TEXT,
    PRIMARY KEY (checkout, memory_id)
);
"""
# Numbered steps (core.sqlite.migrate): append, never edit one that has shipped. Step 1 is the
# schema as it stood before migrations were numbered, so it also adopts such files as they are.
MIGRATIONS: tuple[Migration, ...] = (
    sql_step(
        1,
        "records, meta, events and checkout verdicts",
        _SCHEMA + "; INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', '1'), ('seq', '0')",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
_FTS = "CREATE VIRTUAL TABLE IF NOT EXISTS memories_fts USING fts5(text, terms, tokenize='porter unicode61')"
_COLUMNS = (
    "id, type, text, anchors, created, updated, last_verified, verdict, source_session, "
    "supersedes, status, seq"
)
_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)
_QUERY_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "this",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)
MAX_QUERY_TERMS = 24


def record_row(record: MemoryRecord) -> tuple[Any, ...]:
    """A stored record's values in the order of `_COLUMNS` (both stores' tables)."""
    return (
        record.id,
        record.type,
        record.text,
        json.dumps([a.to_dict() for a in record.anchors]),
        record.created,
        record.updated,
        record.last_verified,
        record.verdict,
        record.source_session,
        json.dumps(list(record.supersedes)),
        record.status,
        record.seq,
    )


def new_memory_id() -> str:
    return "m" + secrets.token_hex(5)


def fts_query(text: str) -> str:
    """An FTS5 OR-query of the distinctive words of free text, each quoted; "" if none."""
    terms: list[str] = []
    for token in _TOKEN_RE.findall(text.lower()):
        if len(token) < 2 or token in _QUERY_STOP or token in terms:
            continue
        terms.append(token)
        if len(terms) >= MAX_QUERY_TERMS:
            break
    return " OR ".join(f'"{t}"' for t in terms)


def search_terms(record: MemoryRecord) -> str:
    """Extra words a record is found by: its type, anchored paths and symbols."""
    parts: list[str] = [record.type]
    for a in record.anchors:
        parts.append(a.path.replace("/", " ").replace(".", " ").replace("_", " "))
        parts.append(a.path)
        if a.symbol:
            parts.append(a.symbol.replace(".", " ").replace("_", " "))
    return " ".join(parts)


@runtime_checkable
class MemoryStore(Protocol):
    """The storage interface. Records are immutable values; writes return the stored copy."""

    scope: Scope

    def add(self, record: MemoryRecord) -> MemoryRecord: ...

    def add_many(self, records: Iterable[MemoryRecord]) -> list[MemoryRecord]: ...

    def get(self, memory_id: str) -> MemoryRecord | None: ...

    def find_ids(self, prefix: str) -> list[str]: ...

    def list(
        self, status: Status | None = "active", types: Iterable[str] | None = None
    ) -> list[MemoryRecord]: ...

    def search(
        self, query: str, limit: int = 20, status: Status = "active"
    ) -> builtins.list[tuple[MemoryRecord, float]]: ...

    def update_text(self, memory_id: str, text: str) -> MemoryRecord: ...

    def set_anchors(self, memory_id: str, anchors: Iterable[Anchor]) -> MemoryRecord: ...

    def record_verifications(
        self,
        results: Iterable[tuple[str, Verdict, tuple[Anchor, ...] | None]],
        at: float,
        checkout: str = "",
    ) -> None: ...

    def checkout_state(
        self, checkout: str, memory_ids: Iterable[str]
    ) -> dict[str, CheckoutVerdict]: ...

    def set_status(self, memory_ids: Iterable[str], status: Status, reason: str = "") -> int: ...

    def supersede(
        self, new: MemoryRecord, old_ids: Iterable[str], status: Status = "superseded"
    ) -> MemoryRecord: ...

    def delete(self, memory_id: str) -> bool: ...

    def max_seq(self) -> int: ...

    def changes_since(self, seq: int) -> builtins.list[MemoryRecord]: ...

    def events_since(self, seq: int) -> builtins.list[dict[str, Any]]: ...

    def get_meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def count(self, status: Status | None = "active") -> int: ...

    def rebuild_search_index(self) -> None: ...

    def close(self) -> None: ...


class SqliteMemoryStore:
    """MemoryStore over one SQLite file in WAL mode."""

    def __init__(self, path: Path, scope: Scope = "project", busy_timeout: float = 30.0) -> None:
        self.path = path
        self.scope: Scope = scope
        self._lock = threading.RLock()
        self.migration: MigrationReport
        try:
            self._db = connect(path, busy_timeout, autocommit=True, check_same_thread=False)
            self.migration = migrate(
                self._db, "memory", MIGRATIONS, path=path, what=f"the {scope} memory store"
            )
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"memory store {path} cannot be opened ({exc}); if it is corrupt, move it "
                "aside and run `wakeful memory list` to start a new one"
            ) from None
        self._ensure_search_index()

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock, transaction(self._db):
            yield self._db

    def _next_seq(self) -> int:
        row = self._db.execute(
            "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'seq' RETURNING value"
        ).fetchone()
        return int(row[0])

    def _event(self, memory_id: str, action: str, detail: str = "") -> int:
        seq = self._next_seq()
        self._db.execute(
            "INSERT INTO events(seq, memory_id, action, at, detail) VALUES (?, ?, ?, ?, ?)",
            (seq, memory_id, action, time.time(), detail),
        )
        return seq

    def _row_to_record(self, row: tuple[Any, ...]) -> MemoryRecord:
        # SQLite keeps anchors and supersedes as JSON text.
        anchors, sup = json.loads(row[3] or "[]"), json.loads(row[9] or "[]")
        return record_from_row(row, anchors, sup, self.scope)

    def _fts_upsert(self, rid: int, record: MemoryRecord) -> None:
        self._db.execute("DELETE FROM memories_fts WHERE rowid = ?", (rid,))
        self._db.execute(
            "INSERT INTO memories_fts(rowid, text, terms) VALUES (?, ?, ?)",
            (rid, record.text, search_terms(record)),
        )

    def _ensure_search_index(self) -> None:
        """Create the FTS index if missing and rebuild it if it disagrees with the records."""
        with self._lock:
            try:
                self._db.execute(_FTS)
                indexed = self._db.execute("SELECT count(*) FROM memories_fts_docsize").fetchone()[
                    0
                ]
                stored = self._db.execute("SELECT count(*) FROM memories").fetchone()[0]
                if indexed == stored:
                    # Damaged blocks make searches silently miss; the check costs ~15 ms
                    # per 10,000 memories and raises on any disagreement with the records.
                    self._db.execute(
                        "INSERT INTO memories_fts(memories_fts) VALUES('integrity-check')"
                    )
                    return
            except sqlite3.DatabaseError:
                pass
        self.rebuild_search_index()

    def rebuild_search_index(self) -> None:
        """Drop and refill the full-text index from the records (they are the truth)."""
        with self._lock:
            try:
                self._db.execute("DROP TABLE IF EXISTS memories_fts")
            except sqlite3.DatabaseError:
                # A damaged FTS table may refuse DROP; clear its shadow tables by hand.
                for suffix in ("data", "idx", "content", "docsize", "config"):
                    self._db.execute(f"DROP TABLE IF EXISTS memories_fts_{suffix}")
                self._db.execute("PRAGMA writable_schema = ON")
                self._db.execute("DELETE FROM sqlite_master WHERE name = 'memories_fts'")
                self._db.execute("PRAGMA writable_schema = OFF")
            with self._write():
                self._db.execute(_FTS)
                rows = self._db.execute(f"SELECT rid, {_COLUMNS} FROM memories").fetchall()
                self._db.executemany(
                    "INSERT INTO memories_fts(rowid, text, terms) VALUES (?, ?, ?)",
                    [(row[0], row[3], search_terms(self._row_to_record(row[1:]))) for row in rows],
                )

    # -- writes -----------------------------------------------------------------------------

    def _insert(self, record: MemoryRecord) -> MemoryRecord:
        if record.type not in MEMORY_TYPES:
            raise StoreError(
                f"unknown memory type {record.type!r}; use one of: {', '.join(MEMORY_TYPES)}"
            )
        now = time.time()
        seq = self._event(record.id, "add")
        stored = record.with_(created=record.created or now, updated=now, seq=seq, scope=self.scope)
        try:
            cur = self._db.execute(
                f"INSERT INTO memories({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                record_row(stored),
            )
        except sqlite3.IntegrityError:
            raise StoreError(f"memory id {record.id} already exists") from None
        self._fts_upsert(int(cur.lastrowid or 0), stored)
        return stored

    def add(self, record: MemoryRecord) -> MemoryRecord:
        with self._write():
            return self._insert(record)

    def add_many(self, records: Iterable[MemoryRecord]) -> list[MemoryRecord]:
        with self._write():
            return [self._insert(r) for r in records]

    def _rid(self, memory_id: str) -> int:
        row = self._db.execute("SELECT rid FROM memories WHERE id = ?", (memory_id,)).fetchone()
        if row is None:
            raise MemoryNotFound(f"no memory with id {memory_id}; see `wakeful memory list`")
        return int(row[0])

    def _update(self, memory_id: str, action: str, **columns: Any) -> MemoryRecord:
        with self._write():
            rid = self._rid(memory_id)
            seq = self._event(memory_id, action)
            columns["seq"] = seq
            columns["updated"] = time.time()
            sets = ", ".join(f"{k} = ?" for k in columns)
            self._db.execute(f"UPDATE memories SET {sets} WHERE rid = ?", (*columns.values(), rid))
            record = self._get(memory_id)
            assert record is not None
            if action in {"edit", "anchors"}:
                self._fts_upsert(rid, record)
            return record

    def update_text(self, memory_id: str, text: str) -> MemoryRecord:
        return self._update(memory_id, "edit", text=text)

    def set_anchors(self, memory_id: str, anchors: Iterable[Anchor]) -> MemoryRecord:
        data = json.dumps([a.to_dict() for a in anchors])
        record = self._update(memory_id, "anchors", anchors=data)
        with self._write():  # relocations of the old anchors no longer apply
            self._db.execute("DELETE FROM checkout_verdicts WHERE memory_id = ?", (memory_id,))
        return record

    def record_verifications(
        self,
        results: Iterable[tuple[str, Verdict, tuple[Anchor, ...] | None]],
        at: float,
        checkout: str = "",
    ) -> None:
        """Store each checkout's verdicts and relocated anchors beside the shared record.

        Verification depends on the checkout (two worktrees at different commits see the
        same text at different lines), so it never rewrites the shared record or bumps
        `seq`: a relocation found once is kept for that checkout only.
        """
        rows = [
            (
                checkout,
                memory_id,
                verdict,
                at,
                None if anchors is None else json.dumps([a.to_dict() for a in anchors]),
                memory_id,
            )
            for memory_id, verdict, anchors in results
        ]
        if not rows:
            return
        with self._write():
            self._db.executemany(
                "INSERT INTO checkout_verdicts(checkout, memory_id, verdict, last_verified, "
                "anchors) SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM memories WHERE id = ?) "
                "ON CONFLICT(checkout, memory_id) DO UPDATE SET verdict = excluded.verdict, "
                "last_verified = excluded.last_verified, "
                "anchors = coalesce(excluded.anchors, checkout_verdicts.anchors)",
                rows,
            )

    def checkout_state(
        self, checkout: str, memory_ids: Iterable[str]
    ) -> dict[str, CheckoutVerdict]:
        """This checkout's last verdicts and relocated anchors for the given records."""
        wanted = list(dict.fromkeys(memory_ids))
        out: dict[str, CheckoutVerdict] = {}
        with self._lock:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                rows = self._db.execute(
                    "SELECT memory_id, verdict, last_verified, anchors FROM checkout_verdicts "
                    f"WHERE checkout = ? AND memory_id IN ({', '.join('?' for _ in chunk)})",
                    (checkout, *chunk),
                ).fetchall()
                for mid, verdict, at, anchors in rows:
                    out[mid] = CheckoutVerdict.from_row(verdict, at, anchors)
        return out

    def set_status(self, memory_ids: Iterable[str], status: Status, reason: str = "") -> int:
        if status not in STATUSES:
            raise StoreError(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
        changed = 0
        with self._write():
            for memory_id in memory_ids:
                row = self._db.execute(
                    "SELECT status FROM memories WHERE id = ?", (memory_id,)
                ).fetchone()
                if row is None:
                    raise MemoryNotFound(
                        f"no memory with id {memory_id}; see `wakeful memory list --all`"
                    )
                if row[0] == status:
                    continue
                seq = self._event(memory_id, status, reason)
                self._db.execute(
                    "UPDATE memories SET status = ?, seq = ?, updated = ? WHERE id = ?",
                    (status, seq, time.time(), memory_id),
                )
                changed += 1
        return changed

    def supersede(
        self, new: MemoryRecord, old_ids: Iterable[str], status: Status = "superseded"
    ) -> MemoryRecord:
        """Write `new` and retire `old_ids` in one transaction (dreaming's merge step)."""
        old = list(old_ids)
        with self._write():
            for memory_id in old:
                self._rid(memory_id)
            stored = self._insert(
                new.with_(supersedes=tuple(dict.fromkeys([*new.supersedes, *old])))
            )
            for memory_id in old:
                seq = self._event(memory_id, status, f"by {stored.id}")
                self._db.execute(
                    "UPDATE memories SET status = ?, seq = ?, updated = ? WHERE id = ?",
                    (status, seq, time.time(), memory_id),
                )
            return stored

    def delete(self, memory_id: str) -> bool:
        with self._write():
            row = self._db.execute("SELECT rid FROM memories WHERE id = ?", (memory_id,)).fetchone()
            if row is None:
                return False
            self._event(memory_id, "delete")
            self._db.execute("DELETE FROM checkout_verdicts WHERE memory_id = ?", (memory_id,))
            self._db.execute("DELETE FROM memories_fts WHERE rowid = ?", (row[0],))
            self._db.execute("DELETE FROM memories WHERE rid = ?", (row[0],))
            return True

    def set_meta(self, key: str, value: str) -> None:
        with self._write():
            self._db.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- reads ------------------------------------------------------------------------------

    def _get(self, memory_id: str) -> MemoryRecord | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM memories WHERE id = ?", (memory_id,)
        ).fetchone()
        return self._row_to_record(row) if row else None

    def get(self, memory_id: str) -> MemoryRecord | None:
        with self._lock:
            return self._get(memory_id)

    def find_ids(self, prefix: str) -> list[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM memories WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 20",
                (escaped + "%",),
            ).fetchall()
        return [r[0] for r in rows]

    def list(
        self, status: Status | None = "active", types: Iterable[str] | None = None
    ) -> list[MemoryRecord]:
        clauses: list[str] = []
        params: list[Any] = []
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        if types is not None:
            wanted = list(types)
            clauses.append(f"type IN ({', '.join('?' for _ in wanted)})")
            params.extend(wanted)
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM memories {where} ORDER BY created, rid", params
            ).fetchall()
        return [self._row_to_record(r) for r in rows]

    def search(
        self, query: str, limit: int = 20, status: Status = "active"
    ) -> builtins.list[tuple[MemoryRecord, float]]:
        """Records matching the query's words, best first, with a positive BM25 relevance."""
        match = fts_query(query)
        if not match or limit <= 0:
            return []
        sql = (
            f"SELECT {', '.join('m.' + c.strip() for c in _COLUMNS.split(','))}, "
            "bm25(memories_fts, 1.0, 0.5) AS score "
            "FROM memories_fts JOIN memories m ON m.rid = memories_fts.rowid "
            "WHERE memories_fts MATCH ? AND m.status = ? ORDER BY score LIMIT ?"
        )
        for attempt in range(2):
            try:
                with self._lock:
                    rows = self._db.execute(sql, (match, status, limit)).fetchall()
                return [(self._row_to_record(r[:-1]), -float(r[-1])) for r in rows]
            except sqlite3.DatabaseError:
                if attempt:
                    raise
                self.rebuild_search_index()
        return []

    def max_seq(self) -> int:
        return int(self.get_meta("seq") or 0)

    def changes_since(self, seq: int) -> builtins.list[MemoryRecord]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM memories WHERE seq > ? ORDER BY seq", (seq,)
            ).fetchall()
        return [self._row_to_record(r) for r in rows]

    def events_since(self, seq: int) -> builtins.list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, memory_id, action, at, detail FROM events WHERE seq > ? ORDER BY seq",
                (seq,),
            ).fetchall()
        return [
            {"seq": r[0], "memory_id": r[1], "action": r[2], "at": r[3], "detail": r[4]}
            for r in rows
        ]

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def count(self, status: Status | None = "active") -> int:
        with self._lock:
            if status is None:
                row = self._db.execute("SELECT count(*) FROM memories").fetchone()
            else:
                row = self._db.execute(
                    "SELECT count(*) FROM memories WHERE status = ?", (status,)
                ).fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


def record_from_row(
    row: tuple[Any, ...], anchors: Any, supersedes: Any, scope: Scope
) -> MemoryRecord:
    """A memory record from a row of (id, type, text, anchors, created, updated, verified,
    verdict, session, supersedes, status, seq), with anchors and supersedes already decoded
    (each backend stores them its own way)."""
    mid, mtype, text, _, created, updated, verified, verdict, session, _, status, seq = row
    return MemoryRecord(
        id=mid,
        type=mtype,
        text=text,
        anchors=tuple(Anchor.from_dict(a) for a in anchors or []),
        created=created,
        last_verified=verified,
        verdict=verdict,
        source_session=session,
        supersedes=tuple(supersedes or ()),
        status=status,
        updated=updated,
        seq=int(seq),
        scope=scope,
    )
