"""Jobs, runs and daemon state in the workspace's SQLite file (WAL), shared with other areas.

Every table is prefixed `daemon_`. A partial unique index allows at most one `running` row
per job, so "no job runs twice at once" holds even across processes and crashes: claiming a
run is an INSERT that fails if another run of the job holds the lease.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from wakeful.core.errors import StoreError
from wakeful.core.sqlite import Migration, connect, migrate, sql_step, transaction
from wakeful.daemon.errors import JobNotFound, JobSpecError
from wakeful.daemon.timespec import Schedule

MissedPolicy = Literal["skip", "once"]
# `blocked`: the agent finished but the policy denied actions it needed (runs are headless).
RunState = Literal["running", "ok", "blocked", "error", "interrupted", "skipped"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS daemon_jobs (
    name TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    spec TEXT NOT NULL,
    prompt TEXT NOT NULL,
    when_check TEXT,
    watch TEXT,
    model TEXT,
    permission_mode TEXT,
    missed TEXT NOT NULL DEFAULT 'skip',
    retries INTEGER NOT NULL DEFAULT 1,
    paused INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    next_due REAL,
    run_requested INTEGER NOT NULL DEFAULT 0,
    retry_pending INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS daemon_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job TEXT NOT NULL,
    trigger TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1,
    state TEXT NOT NULL,
    started REAL NOT NULL,
    finished REAL,
    owner_pid INTEGER,
    child_pid INTEGER,
    child_start INTEGER,
    lease_expires REAL,
    output_path TEXT,
    session_id TEXT,
    num_turns INTEGER,
    result TEXT,
    error TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read INTEGER NOT NULL DEFAULT 0,
    cache_write INTEGER NOT NULL DEFAULT 0,
    cost REAL NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS daemon_runs_one_running
    ON daemon_runs(job) WHERE state = 'running';
CREATE INDEX IF NOT EXISTS daemon_runs_started ON daemon_runs(started);
CREATE TABLE IF NOT EXISTS daemon_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""
# Numbered steps (core.sqlite.migrate): append, never edit one that has shipped. Step 1 is the
# schema as it stood before migrations were numbered, so it also adopts such files as they are.
MIGRATIONS: tuple[Migration, ...] = (sql_step(1, "jobs, runs and daemon state", _SCHEMA),)


@dataclass
class Job:
    name: str
    schedule: Schedule
    prompt: str
    when_check: str | None = None
    watch: str | None = None
    model: str | None = None
    permission_mode: str | None = None
    missed: MissedPolicy = "skip"
    retries: int = 1
    paused: bool = False
    done: bool = False
    next_due: float | None = None
    run_requested: bool = False
    retry_pending: bool = False
    created: float = 0.0
    updated: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("schedule")
        data["schedule"] = self.schedule.describe()
        data["kind"] = self.schedule.kind
        data["spec"] = self.schedule.spec
        data["status"] = self.status
        return data

    @property
    def status(self) -> str:
        if self.done:
            return "done"
        if self.paused:
            return "paused"
        return "active"


@dataclass
class Run:
    id: int
    job: str
    trigger: str
    attempt: int
    state: str
    started: float
    finished: float | None = None
    owner_pid: int | None = None
    child_pid: int | None = None
    child_start: int | None = None
    lease_expires: float | None = None
    output_path: str | None = None
    session_id: str | None = None
    num_turns: int | None = None
    result: str | None = None
    error: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read: int = 0
    cache_write: int = 0
    cost: float = 0.0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_read + self.cache_write

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RunOutcome:
    """What a finished agent run reported; the store turns it into a row update."""

    state: RunState
    result: str | None = None
    error: str | None = None
    session_id: str | None = None
    num_turns: int | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read: int = 0
    cache_write: int = 0
    cost: float = 0.0
    denials: tuple[str, ...] = ()
    checkpoint: str | None = None  # the run's checkpoint; "": it changed nothing

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_read + self.cache_write


class LeaseTaken(Exception):
    """Internal: another run of the job holds the lease."""


def day_start(now: float) -> float:
    """Local midnight before `now`: daily caps follow the user's calendar day."""
    d = datetime.fromtimestamp(now)
    return d.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


class JobStore:
    """One connection per process; short transactions so the CLI and the daemon can share it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = connect(path, 10.0, autocommit=True)
            self._db.row_factory = sqlite3.Row
            migrate(self._db, "daemon", MIGRATIONS, path=path, what="the job store")
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{path}: cannot open the job store: {exc}. If the file is corrupt, move it "
                "aside and re-add your jobs."
            ) from None

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE: take the write lock up front so read-then-write is atomic."""
        with transaction(self._db):
            yield self._db

    # -- jobs ------------------------------------------------------------------------------

    def add_job(self, job: Job, replace: bool = False) -> Job:
        now = time.time()
        job.created = job.created or now
        job.updated = now
        with self._tx() as db:
            exists = db.execute("SELECT 1 FROM daemon_jobs WHERE name = ?", (job.name,)).fetchone()
            if exists and not replace:
                raise JobSpecError(
                    f"a job named {job.name!r} already exists; remove it first "
                    f"(wakeful schedule rm {job.name}) or pick another name"
                )
            db.execute(
                "INSERT OR REPLACE INTO daemon_jobs (name, kind, spec, prompt, when_check, watch,"
                " model, permission_mode, missed, retries, paused, done, next_due, run_requested,"
                " retry_pending, created, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job.name,
                    job.schedule.kind,
                    job.schedule.spec,
                    job.prompt,
                    job.when_check,
                    job.watch,
                    job.model,
                    job.permission_mode,
                    job.missed,
                    job.retries,
                    int(job.paused),
                    int(job.done),
                    job.next_due,
                    int(job.run_requested),
                    int(job.retry_pending),
                    job.created,
                    job.updated,
                ),
            )
        return job

    def get_job(self, name: str) -> Job:
        row = self._db.execute("SELECT * FROM daemon_jobs WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise JobNotFound(f"no job named {name!r}; see `wakeful schedule list`")
        return _job(row)

    def jobs(self) -> list[Job]:
        rows = self._db.execute("SELECT * FROM daemon_jobs ORDER BY name").fetchall()
        return [_job(r) for r in rows]

    def remove_job(self, name: str) -> None:
        with self._tx() as db:
            cur = db.execute("DELETE FROM daemon_jobs WHERE name = ?", (name,))
            if cur.rowcount == 0:
                raise JobNotFound(f"no job named {name!r}; see `wakeful schedule list`")

    def update_job(self, name: str, **fields: Any) -> None:
        allowed = {
            "paused",
            "done",
            "next_due",
            "run_requested",
            "retry_pending",
        }
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"cannot update job fields {sorted(bad)}")
        sets = ", ".join(f"{k} = ?" for k in fields)
        values = [int(v) if isinstance(v, bool) else v for v in fields.values()]
        with self._tx() as db:
            cur = db.execute(
                f"UPDATE daemon_jobs SET {sets}, updated = ? WHERE name = ?",
                (*values, time.time(), name),
            )
            if cur.rowcount == 0:
                raise JobNotFound(f"no job named {name!r}; see `wakeful schedule list`")

    def data_version(self) -> int:
        """Changes by other connections bump this; the daemon reloads jobs only then."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    # -- runs and leases -------------------------------------------------------------------

    def claim_run(
        self, job: str, trigger: str, owner_pid: int, lease_seconds: float, attempt: int = 1
    ) -> Run:
        """Start a run row holding the job's lease, or raise LeaseTaken."""
        now = time.time()
        try:
            with self._tx() as db:
                cur = db.execute(
                    "INSERT INTO daemon_runs (job, trigger, attempt, state, started, owner_pid,"
                    " lease_expires) VALUES (?, ?, ?, 'running', ?, ?, ?)",
                    (job, trigger, attempt, now, owner_pid, now + lease_seconds),
                )
                run_id = int(cur.lastrowid or 0)
        except sqlite3.IntegrityError:
            raise LeaseTaken(job) from None
        return self.get_run(run_id)

    def set_child(self, run_id: int, pid: int, start: int | None, output_path: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE daemon_runs SET child_pid = ?, child_start = ?, output_path = ?"
                " WHERE id = ?",
                (pid, start, output_path, run_id),
            )

    def renew_leases(self, owner_pid: int, lease_seconds: float) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE daemon_runs SET lease_expires = ? WHERE state = 'running'"
                " AND owner_pid = ?",
                (time.time() + lease_seconds, owner_pid),
            )

    def take_over(self, run_id: int, owner_pid: int, lease_seconds: float) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE daemon_runs SET owner_pid = ?, lease_expires = ? WHERE id = ?",
                (owner_pid, time.time() + lease_seconds, run_id),
            )

    def finish_run(self, run_id: int, outcome: RunOutcome) -> Run:
        with self._tx() as db:
            db.execute(
                "UPDATE daemon_runs SET state = ?, finished = ?, result = ?, error = ?,"
                " session_id = ?, num_turns = ?, input_tokens = ?, output_tokens = ?,"
                " cache_read = ?, cache_write = ?, cost = ?, lease_expires = NULL"
                " WHERE id = ? AND state = 'running'",
                (
                    outcome.state,
                    time.time(),
                    outcome.result,
                    outcome.error,
                    outcome.session_id,
                    outcome.num_turns,
                    outcome.input_tokens,
                    outcome.output_tokens,
                    outcome.cache_read,
                    outcome.cache_write,
                    outcome.cost,
                    run_id,
                ),
            )
        return self.get_run(run_id)

    def get_run(self, run_id: int) -> Run:
        row = self._db.execute("SELECT * FROM daemon_runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise StoreError(f"run {run_id} vanished from {self.path}")
        return Run(**dict(row))

    def running_runs(self) -> list[Run]:
        rows = self._db.execute(
            "SELECT * FROM daemon_runs WHERE state = 'running' ORDER BY id"
        ).fetchall()
        return [Run(**dict(r)) for r in rows]

    def runs(self, job: str | None = None, limit: int = 50) -> list[Run]:
        if job is None:
            rows = self._db.execute(
                "SELECT * FROM daemon_runs ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        else:
            rows = self._db.execute(
                "SELECT * FROM daemon_runs WHERE job = ? ORDER BY id DESC LIMIT ?", (job, limit)
            ).fetchall()
        return [Run(**dict(r)) for r in rows]

    def last_run(self, job: str) -> Run | None:
        runs = self.runs(job, limit=1)
        return runs[0] if runs else None

    def usage_since(self, since: float) -> tuple[int, float]:
        """(tokens, cost) of runs started since `since`, running ones included."""
        row = self._db.execute(
            "SELECT COALESCE(SUM(input_tokens + output_tokens + cache_read + cache_write), 0),"
            " COALESCE(SUM(cost), 0) FROM daemon_runs WHERE started >= ?",
            (since,),
        ).fetchone()
        return int(row[0]), float(row[1])

    # -- daemon state ----------------------------------------------------------------------

    def set_state(self, **values: Any) -> None:
        with self._tx() as db:
            for key, value in values.items():
                db.execute(
                    "INSERT OR REPLACE INTO daemon_state (key, value) VALUES (?, ?)",
                    (key, json.dumps(value)),
                )

    def get_state(self, key: str, default: Any = None) -> Any:
        row = self._db.execute("SELECT value FROM daemon_state WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default


def _job(row: sqlite3.Row) -> Job:
    return Job(
        name=row["name"],
        schedule=Schedule(row["kind"], row["spec"]),
        prompt=row["prompt"],
        when_check=row["when_check"],
        watch=row["watch"],
        model=row["model"],
        permission_mode=row["permission_mode"],
        missed=row["missed"],
        retries=int(row["retries"]),
        paused=bool(row["paused"]),
        done=bool(row["done"]),
        next_due=row["next_due"],
        run_requested=bool(row["run_requested"]),
        retry_pending=bool(row["retry_pending"]),
        created=float(row["created"]),
        updated=float(row["updated"]),
    )
