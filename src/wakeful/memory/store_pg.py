"""Team memory in PostgreSQL: the `MemoryStore` protocol over one shared database.

Every table is keyed by `project` (see memory.factory.project_key), so one database holds
many repositories. Full-text search is a stored, generated `tsvector` (record text weighted
above its search terms: type, anchored paths and symbols) with a GIN index, ranked with
`ts_rank`. The change counter is one row per project in `memory_meta`, bumped inside each
writing transaction, so it also serialises writers of one project and gives dreaming the
same watermark semantics as the SQLite store.

Tables and indexes are created only by `migrate()` (`wakeful memory migrate`), as numbered
migrations under an advisory lock; opening a store checks the schema version and refuses
to run against a database that is behind or ahead, with the command that fixes it.
"""

from __future__ import annotations

import builtins
import functools
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from wakeful.core.errors import StoreError
from wakeful.memory.store import (
    _COLUMNS,
    _QUERY_STOP,
    _TOKEN_RE,
    MAX_QUERY_TERMS,
    record_from_row,
    record_row,
    search_terms,
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

# Numbered migrations: append, never edit one that has shipped.
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE memory_records (
            project TEXT NOT NULL,
            id TEXT NOT NULL,
            type TEXT NOT NULL,
            text TEXT NOT NULL,
            anchors JSONB NOT NULL DEFAULT '[]',
            created DOUBLE PRECISION NOT NULL,
            updated DOUBLE PRECISION NOT NULL,
            last_verified DOUBLE PRECISION,
            verdict TEXT,
            source_session TEXT NOT NULL DEFAULT '',
            supersedes JSONB NOT NULL DEFAULT '[]',
            status TEXT NOT NULL DEFAULT 'active',
            seq BIGINT NOT NULL DEFAULT 0,
            terms TEXT NOT NULL DEFAULT '',
            search TSVECTOR GENERATED ALWAYS AS (
                setweight(to_tsvector('english', text), 'A')
                || setweight(to_tsvector('english', terms), 'B')
            ) STORED,
            PRIMARY KEY (project, id)
        );
        CREATE INDEX memory_records_search ON memory_records USING GIN (search);
        CREATE INDEX memory_records_status ON memory_records (project, status, type);
        CREATE INDEX memory_records_seq ON memory_records (project, seq);
        CREATE TABLE memory_meta (
            project TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (project, key)
        );
        CREATE TABLE memory_events (
            project TEXT NOT NULL,
            seq BIGINT NOT NULL,
            memory_id TEXT NOT NULL,
            action TEXT NOT NULL,
            at DOUBLE PRECISION NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (project, seq)
        );
        CREATE TABLE memory_checkout_verdicts (
            project TEXT NOT NULL,
            checkout TEXT NOT NULL,
            memory_id TEXT NOT NULL,
            verdict TEXT NOT NULL,
            last_verified DOUBLE PRECISION NOT NULL,
            anchors JSONB,
            PRIMARY KEY (project, checkout, memory_id)
        );
        """,
    ),
    (
        2,
        """
        CREATE TABLE audit_log (
            id BIGSERIAL PRIMARY KEY,
            project TEXT NOT NULL,
            ts DOUBLE PRECISION NOT NULL,
            session_id TEXT NOT NULL DEFAULT '',
            tool TEXT NOT NULL,
            input TEXT NOT NULL,
            tier TEXT NOT NULL,
            decision TEXT NOT NULL,
            reasons TEXT NOT NULL,
            matched_rule TEXT,
            mode TEXT NOT NULL,
            decided_by TEXT NOT NULL,
            workspace TEXT NOT NULL DEFAULT '',
            host TEXT NOT NULL DEFAULT '',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX audit_log_project ON audit_log (project, id);
        """,
    ),
    (
        3,
        """
        CREATE TABLE cost_ledger (
            id BIGSERIAL PRIMARY KEY,
            project TEXT NOT NULL,
            host TEXT NOT NULL DEFAULT '',
            workspace TEXT NOT NULL DEFAULT '',
            session_id TEXT NOT NULL,
            agent TEXT NOT NULL,
            seq INTEGER NOT NULL,
            time DOUBLE PRECISION NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            input BIGINT NOT NULL,
            output BIGINT NOT NULL,
            cache_read BIGINT NOT NULL,
            cache_write BIGINT NOT NULL,
            cost DOUBLE PRECISION NOT NULL,
            cache_break TEXT
        );
        CREATE INDEX cost_ledger_project ON cost_ledger (project, time);
        """,
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]
_MIGRATION_LOCK = 0x57414B45  # pg_advisory_xact_lock key: "WAKE"


def _import_psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise StoreError(
            "the PostgreSQL memory backend needs psycopg; install it with "
            "`pip install 'wakeful[fleet]'` or set [memory] backend = \"sqlite\""
        ) from None
    return psycopg


def redact(dsn: str) -> str:
    """A DSN safe to print: any password removed."""
    dsn = re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", dsn)
    return re.sub(r"(password\s*=\s*)\S+", r"\1***", dsn, flags=re.IGNORECASE)


def connect(dsn: str, autocommit: bool = True) -> Any:
    psycopg = _import_psycopg()
    try:
        return psycopg.connect(dsn, autocommit=autocommit, connect_timeout=10)
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(
            f"cannot connect to the memory database {redact(dsn)} ({first}); "
            "check [memory] dsn and that the server is running"
        ) from None


class TeamConnection:
    """A lazily opened connection to the team database for a table beside the memories (the
    audit log, the cost ledger): one lock, driver errors as one-line StoreErrors naming the
    table and the fix, and a connection that failed is dropped so the next use reconnects."""

    def __init__(self, dsn: str, what: str) -> None:
        self.dsn = dsn
        self.what = what
        self._conn: Any = None
        self._lock = threading.Lock()

    @contextmanager
    def use(self, doing: str) -> Iterator[Any]:
        with self._lock:
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = connect(self.dsn)
                yield self._conn
            except Exception as exc:
                if not type(exc).__module__.startswith("psycopg"):
                    raise
                self._drop()
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise StoreError(
                    f"the team {self.what} in {redact(self.dsn)} could not {doing} ({first}); "
                    "check [memory] dsn and run `wakeful memory migrate`"
                ) from None

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:
                pass

    def close(self) -> None:
        with self._lock:
            self._drop()


def schema_version(conn: Any) -> int:
    row = conn.execute("SELECT to_regclass('wakeful_migrations')").fetchone()
    if row is None or row[0] is None:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM wakeful_migrations").fetchone()
    return int(row[0])


@dataclass(frozen=True)
class MigrationReport:
    before: int
    after: int
    applied: tuple[int, ...]


def migrate(dsn: str) -> MigrationReport:
    """Apply the missing numbered migrations, one transaction each, under an advisory lock
    (two `wakeful memory migrate` at once: the second waits, then finds nothing to do)."""
    conn = connect(dsn, autocommit=True)
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS wakeful_migrations ("
                "version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            before = schema_version(conn)
            if before > SCHEMA_VERSION:
                raise StoreError(
                    f"the memory database is at schema version {before}, newer than this "
                    f"wakeful knows ({SCHEMA_VERSION}); upgrade wakeful"
                )
            applied: list[int] = []
            for version, sql in MIGRATIONS:
                if version <= before:
                    continue
                conn.execute(sql)
                conn.execute("INSERT INTO wakeful_migrations(version) VALUES (%s)", (version,))
                applied.append(version)
        return MigrationReport(before, schema_version(conn), tuple(applied))
    finally:
        conn.close()


def tsquery_terms(query: str) -> list[str]:
    """The distinctive words of free text for `to_tsquery`. Words are letters and digits
    only, so no query syntax from the text ever reaches PostgreSQL."""
    terms: list[str] = []
    for token in _TOKEN_RE.findall(query.lower()):
        if len(token) < 2 or token in _QUERY_STOP or token in terms:
            continue
        terms.append(token)
        if len(terms) >= MAX_QUERY_TERMS:
            break
    return terms


_T = TypeVar("_T")


def _database_errors(cls: type[_T]) -> type[_T]:
    """Every public method of the store turns a driver error (server stopped or restarted,
    network gone, a statement killed) into a one-line StoreError naming the database and
    the fix, instead of a traceback from deep inside psycopg."""

    def wrap(name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except Exception as exc:
                if not type(exc).__module__.startswith("psycopg"):
                    raise
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                raise StoreError(
                    f"the memory database {redact(self.dsn)} failed during {name} ({first}); "
                    "check that the server is running and reachable ([memory] dsn), then "
                    "run again"
                ) from None

        return call

    for name, member in list(vars(cls).items()):
        if callable(member) and not name.startswith("_") and name != "close":
            setattr(cls, name, wrap(name, member))
    return cls


@_database_errors
class PostgresMemoryStore:
    """MemoryStore over a shared PostgreSQL database, one `project` key per repository."""

    def __init__(self, dsn: str, project: str, scope: Scope = "project") -> None:
        if not project:
            raise StoreError("a PostgreSQL memory store needs a project name ([memory] project)")
        self.dsn = dsn
        self.project = project
        self.scope: Scope = scope
        self._lock = threading.RLock()
        self._db = connect(dsn)
        try:
            version = schema_version(self._db)
            if version != SCHEMA_VERSION:
                if version > SCHEMA_VERSION:
                    fix = "upgrade wakeful"
                else:
                    fix = "run `wakeful memory migrate`"
                raise StoreError(
                    f"the memory database {redact(dsn)} is at schema version {version}, this "
                    f"wakeful needs {SCHEMA_VERSION}; {fix}"
                )
            self._db.execute(
                "INSERT INTO memory_meta(project, key, value) VALUES (%s, 'seq', '0') "
                "ON CONFLICT DO NOTHING",
                (project,),
            )
        except BaseException:
            self._db.close()
            raise

    # -- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Any]:
        with self._lock, self._db.transaction():
            yield self._db

    def _next_seq(self) -> int:
        row = self._db.execute(
            "UPDATE memory_meta SET value = (value::bigint + 1)::text "
            "WHERE project = %s AND key = 'seq' RETURNING value",
            (self.project,),
        ).fetchone()
        return int(row[0])

    def _event(self, memory_id: str, action: str, detail: str = "") -> int:
        seq = self._next_seq()
        self._db.execute(
            "INSERT INTO memory_events(project, seq, memory_id, action, at, detail) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            (self.project, seq, memory_id, action, time.time(), detail),
        )
        return seq

    def _row_to_record(self, row: tuple[Any, ...]) -> MemoryRecord:
        # PostgreSQL returns anchors (jsonb) and supersedes (an array) already decoded.
        return record_from_row(row, row[3], row[9], self.scope)

    # -- writes -----------------------------------------------------------------------------

    def _insert(self, record: MemoryRecord) -> MemoryRecord:
        if record.type not in MEMORY_TYPES:
            raise StoreError(
                f"unknown memory type {record.type!r}; use one of: {', '.join(MEMORY_TYPES)}"
            )
        now = time.time()
        exists = self._db.execute(
            "SELECT 1 FROM memory_records WHERE project = %s AND id = %s",
            (self.project, record.id),
        ).fetchone()
        if exists:
            raise StoreError(f"memory id {record.id} already exists")
        seq = self._event(record.id, "add")
        stored = record.with_(created=record.created or now, updated=now, seq=seq, scope=self.scope)
        self._db.execute(
            f"INSERT INTO memory_records(project, {_COLUMNS}, terms) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (self.project, *record_row(stored), search_terms(stored)),
        )
        return stored

    def add(self, record: MemoryRecord) -> MemoryRecord:
        with self._write():
            return self._insert(record)

    def add_many(self, records: Iterable[MemoryRecord]) -> list[MemoryRecord]:
        with self._write():
            return [self._insert(r) for r in records]

    def _require(self, memory_id: str) -> None:
        row = self._db.execute(
            "SELECT 1 FROM memory_records WHERE project = %s AND id = %s",
            (self.project, memory_id),
        ).fetchone()
        if row is None:
            raise MemoryNotFound(f"no memory with id {memory_id}; see `wakeful memory list`")

    def _update(self, memory_id: str, action: str, **columns: Any) -> MemoryRecord:
        with self._write():
            self._require(memory_id)
            columns["seq"] = self._event(memory_id, action)
            columns["updated"] = time.time()
            sets = ", ".join(f"{k} = %s" for k in columns)
            self._db.execute(
                f"UPDATE memory_records SET {sets} WHERE project = %s AND id = %s",
                (*columns.values(), self.project, memory_id),
            )
            record = self._get(memory_id)
            assert record is not None
            if action in {"edit", "anchors"}:
                self._db.execute(
                    "UPDATE memory_records SET terms = %s WHERE project = %s AND id = %s",
                    (search_terms(record), self.project, memory_id),
                )
            return record

    def update_text(self, memory_id: str, text: str) -> MemoryRecord:
        return self._update(memory_id, "edit", text=text)

    def set_anchors(self, memory_id: str, anchors: Iterable[Anchor]) -> MemoryRecord:
        data = json.dumps([a.to_dict() for a in anchors])
        with self._write():
            record = self._update(memory_id, "anchors", anchors=data)
            self._db.execute(
                "DELETE FROM memory_checkout_verdicts WHERE project = %s AND memory_id = %s",
                (self.project, memory_id),
            )
            return record

    def record_verifications(
        self,
        results: Iterable[tuple[str, Verdict, tuple[Anchor, ...] | None]],
        at: float,
        checkout: str = "",
    ) -> None:
        """Per-checkout verdicts and relocations; the shared record is never rewritten."""
        rows = [
            (
                self.project,
                checkout,
                memory_id,
                verdict,
                at,
                None if anchors is None else json.dumps([a.to_dict() for a in anchors]),
                self.project,
                memory_id,
            )
            for memory_id, verdict, anchors in results
        ]
        if not rows:
            return
        with self._write(), self._db.cursor() as cur:
            cur.executemany(
                "INSERT INTO memory_checkout_verdicts(project, checkout, memory_id, verdict, "
                "last_verified, anchors) SELECT %s, %s, %s, %s, %s, %s::jsonb "
                "WHERE EXISTS (SELECT 1 FROM memory_records WHERE project = %s AND id = %s) "
                "ON CONFLICT (project, checkout, memory_id) DO UPDATE SET "
                "verdict = excluded.verdict, last_verified = excluded.last_verified, "
                "anchors = coalesce(excluded.anchors, memory_checkout_verdicts.anchors)",
                rows,
            )

    def checkout_state(
        self, checkout: str, memory_ids: Iterable[str]
    ) -> dict[str, CheckoutVerdict]:
        wanted = list(dict.fromkeys(memory_ids))
        if not wanted:
            return {}
        with self._lock:
            rows = self._db.execute(
                "SELECT memory_id, verdict, last_verified, anchors FROM memory_checkout_verdicts "
                "WHERE project = %s AND checkout = %s AND memory_id = ANY(%s)",
                (self.project, checkout, wanted),
            ).fetchall()
        return {r[0]: CheckoutVerdict.from_row(r[1], r[2], r[3]) for r in rows}

    def set_status(self, memory_ids: Iterable[str], status: Status, reason: str = "") -> int:
        if status not in STATUSES:
            raise StoreError(f"unknown status {status!r}; use one of: {', '.join(STATUSES)}")
        changed = 0
        with self._write():
            for memory_id in memory_ids:
                row = self._db.execute(
                    "SELECT status FROM memory_records WHERE project = %s AND id = %s",
                    (self.project, memory_id),
                ).fetchone()
                if row is None:
                    raise MemoryNotFound(
                        f"no memory with id {memory_id}; see `wakeful memory list --all`"
                    )
                if row[0] == status:
                    continue
                seq = self._event(memory_id, status, reason)
                self._db.execute(
                    "UPDATE memory_records SET status = %s, seq = %s, updated = %s "
                    "WHERE project = %s AND id = %s",
                    (status, seq, time.time(), self.project, memory_id),
                )
                changed += 1
        return changed

    def supersede(
        self, new: MemoryRecord, old_ids: Iterable[str], status: Status = "superseded"
    ) -> MemoryRecord:
        old = list(old_ids)
        with self._write():
            for memory_id in old:
                self._require(memory_id)
            stored = self._insert(
                new.with_(supersedes=tuple(dict.fromkeys([*new.supersedes, *old])))
            )
            for memory_id in old:
                seq = self._event(memory_id, status, f"by {stored.id}")
                self._db.execute(
                    "UPDATE memory_records SET status = %s, seq = %s, updated = %s "
                    "WHERE project = %s AND id = %s",
                    (status, seq, time.time(), self.project, memory_id),
                )
            return stored

    def delete(self, memory_id: str) -> bool:
        with self._write():
            row = self._db.execute(
                "DELETE FROM memory_records WHERE project = %s AND id = %s RETURNING id",
                (self.project, memory_id),
            ).fetchone()
            if row is None:
                return False
            self._event(memory_id, "delete")
            self._db.execute(
                "DELETE FROM memory_checkout_verdicts WHERE project = %s AND memory_id = %s",
                (self.project, memory_id),
            )
            return True

    def set_meta(self, key: str, value: str) -> None:
        if key == "seq":
            raise StoreError("`seq` is the store's change counter and cannot be set")
        with self._write():
            self._db.execute(
                "INSERT INTO memory_meta(project, key, value) VALUES (%s, %s, %s) "
                "ON CONFLICT (project, key) DO UPDATE SET value = excluded.value",
                (self.project, key, value),
            )

    # -- reads ------------------------------------------------------------------------------

    def _get(self, memory_id: str) -> MemoryRecord | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM memory_records WHERE project = %s AND id = %s",
            (self.project, memory_id),
        ).fetchone()
        return self._row_to_record(row) if row else None

    def get(self, memory_id: str) -> MemoryRecord | None:
        with self._lock:
            return self._get(memory_id)

    def find_ids(self, prefix: str) -> list[str]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self._lock:
            rows = self._db.execute(
                "SELECT id FROM memory_records WHERE project = %s AND id LIKE %s "
                "ORDER BY id LIMIT 20",
                (self.project, escaped + "%"),
            ).fetchall()
        return [r[0] for r in rows]

    def list(
        self, status: Status | None = "active", types: Iterable[str] | None = None
    ) -> list[MemoryRecord]:
        clauses = ["project = %s"]
        params: list[Any] = [self.project]
        if status is not None:
            clauses.append("status = %s")
            params.append(status)
        if types is not None:
            clauses.append("type = ANY(%s)")
            params.append(list(types))
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM memory_records WHERE {' AND '.join(clauses)} "
                "ORDER BY created, seq",
                params,
            ).fetchall()
        return [self._row_to_record(r) for r in rows]

    def search(
        self, query: str, limit: int = 20, status: Status = "active"
    ) -> builtins.list[tuple[MemoryRecord, float]]:
        """Records matching the query's words, best first, with a positive `ts_rank`.

        Ranking every record that shares one word with the query costs ~7 us a row, which
        adds up when common words match most of a large store; so records holding all the
        words are ranked first, and only when they are fewer than `limit` is the search
        widened to any word (the all-words records rank at the top of that too).
        """
        terms = tsquery_terms(query)
        if not terms or limit <= 0:
            return []
        if len(terms) > 1:
            strict = self._ranked(" & ".join(terms), status, limit)
            if len(strict) >= limit:
                return strict
        return self._ranked(" | ".join(terms), status, limit)

    def _ranked(
        self, tsquery: str, status: str, limit: int
    ) -> builtins.list[tuple[MemoryRecord, float]]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS}, ts_rank(search, q, 1) AS score "
                "FROM memory_records, to_tsquery('english', %s) AS q "
                "WHERE project = %s AND status = %s AND search @@ q "
                "ORDER BY score DESC, seq DESC LIMIT %s",
                (tsquery, self.project, status, limit),
            ).fetchall()
        return [(self._row_to_record(r[:-1]), float(r[-1])) for r in rows]

    def max_seq(self) -> int:
        return int(self.get_meta("seq") or 0)

    def changes_since(self, seq: int) -> builtins.list[MemoryRecord]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM memory_records WHERE project = %s AND seq > %s "
                "ORDER BY seq",
                (self.project, seq),
            ).fetchall()
        return [self._row_to_record(r) for r in rows]

    def events_since(self, seq: int) -> builtins.list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, memory_id, action, at, detail FROM memory_events "
                "WHERE project = %s AND seq > %s ORDER BY seq",
                (self.project, seq),
            ).fetchall()
        return [
            {"seq": int(r[0]), "memory_id": r[1], "action": r[2], "at": r[3], "detail": r[4]}
            for r in rows
        ]

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute(
                "SELECT value FROM memory_meta WHERE project = %s AND key = %s",
                (self.project, key),
            ).fetchone()
        return str(row[0]) if row else None

    def count(self, status: Status | None = "active") -> int:
        with self._lock:
            if status is None:
                row = self._db.execute(
                    "SELECT count(*) FROM memory_records WHERE project = %s", (self.project,)
                ).fetchone()
            else:
                row = self._db.execute(
                    "SELECT count(*) FROM memory_records WHERE project = %s AND status = %s",
                    (self.project, status),
                ).fetchone()
        return int(row[0])

    def rebuild_search_index(self) -> None:
        """The search vector is generated from each row; recompute the search terms and
        let PostgreSQL rebuild the GIN index."""
        with self._write():
            for record in self.list(status=None):
                self._db.execute(
                    "UPDATE memory_records SET terms = %s WHERE project = %s AND id = %s",
                    (search_terms(record), self.project, record.id),
                )
        with self._lock:
            self._db.execute("REINDEX INDEX memory_records_search")

    def close(self) -> None:
        with self._lock:
            self._db.close()
