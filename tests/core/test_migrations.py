"""Numbered SQLite migrations: upgrading files made before migrations existed, refusing files
from a newer wakeful, rolling back a failed step, and two processes migrating at once."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from wakeful.core.errors import StoreError
from wakeful.core.sqlite import Migration, migrate, sql_step, store_version, transaction
from wakeful.daemon.store import JobStore
from wakeful.memory.store import SqliteMemoryStore
from wakeful.policy.audit import AuditLog, _row_hash
from wakeful.prompt.ledger import CacheLedger, read_costs

if TYPE_CHECKING:
    from conftest import CliResult

# The schemas exactly as wakeful created them before migrations were numbered (user_version 0,
# no wakeful_migrations table). Frozen here on purpose: never update them with the code.
OLD_MEMORY = """
CREATE TABLE IF NOT EXISTS memories (
    rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL, text TEXT NOT NULL,
    anchors TEXT NOT NULL DEFAULT '[]', created REAL NOT NULL, updated REAL NOT NULL,
    last_verified REAL, verdict TEXT, source_session TEXT NOT NULL DEFAULT '',
    supersedes TEXT NOT NULL DEFAULT '[]', status TEXT NOT NULL DEFAULT 'active',
    seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS memories_status ON memories(status, type);
CREATE INDEX IF NOT EXISTS memories_seq ON memories(seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, memory_id TEXT NOT NULL, action TEXT NOT NULL, at REAL NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS checkout_verdicts (
    checkout TEXT NOT NULL, memory_id TEXT NOT NULL, verdict TEXT NOT NULL,
    last_verified REAL NOT NULL, anchors TEXT, PRIMARY KEY (checkout, memory_id)
);
CREATE VIRTUAL TABLE IF NOT EXISTS memories_fts USING fts5(text, terms, tokenize='porter unicode61');
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', '1'), ('seq', '1');
INSERT INTO memories(id, type, text, created, updated, seq)
    VALUES ('m0123456789', 'project', 'the API listens on port 8080', 1.0, 1.0, 1);
INSERT INTO memories_fts(rowid, text, terms) VALUES (1, 'the API listens on port 8080', 'project');
INSERT INTO events(seq, memory_id, action, at) VALUES (1, 'm0123456789', 'add', 1.0);
"""
OLD_DAEMON = """
CREATE TABLE IF NOT EXISTS daemon_jobs (
    name TEXT PRIMARY KEY, kind TEXT NOT NULL, spec TEXT NOT NULL, prompt TEXT NOT NULL,
    when_check TEXT, watch TEXT, model TEXT, permission_mode TEXT,
    missed TEXT NOT NULL DEFAULT 'skip', retries INTEGER NOT NULL DEFAULT 1,
    paused INTEGER NOT NULL DEFAULT 0, done INTEGER NOT NULL DEFAULT 0, next_due REAL,
    run_requested INTEGER NOT NULL DEFAULT 0, retry_pending INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL, updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS daemon_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL, trigger TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 1, state TEXT NOT NULL, started REAL NOT NULL,
    finished REAL, owner_pid INTEGER, child_pid INTEGER, child_start INTEGER,
    lease_expires REAL, output_path TEXT, session_id TEXT, num_turns INTEGER, result TEXT,
    error TEXT, input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read INTEGER NOT NULL DEFAULT 0, cache_write INTEGER NOT NULL DEFAULT 0,
    cost REAL NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS daemon_runs_one_running
    ON daemon_runs(job) WHERE state = 'running';
CREATE INDEX IF NOT EXISTS daemon_runs_started ON daemon_runs(started);
CREATE TABLE IF NOT EXISTS daemon_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO daemon_jobs(name, kind, spec, prompt, created, updated)
    VALUES ('nightly', 'every', '1h', 'run the tests', 1.0, 1.0);
INSERT INTO daemon_runs(job, trigger, state, started, finished)
    VALUES ('nightly', 'schedule', 'ok', 2.0, 3.0);
"""
OLD_LEDGER = """
CREATE TABLE IF NOT EXISTS cache_ledger (
    id INTEGER PRIMARY KEY, session_id TEXT NOT NULL, agent TEXT NOT NULL, seq INTEGER NOT NULL,
    time REAL NOT NULL, provider TEXT NOT NULL, model TEXT NOT NULL, input INTEGER NOT NULL,
    output INTEGER NOT NULL, cache_read INTEGER NOT NULL, cache_write INTEGER NOT NULL,
    cost REAL NOT NULL, fingerprints TEXT NOT NULL, cache_break TEXT
);
CREATE INDEX IF NOT EXISTS cache_ledger_session ON cache_ledger(session_id, agent, seq);
INSERT INTO cache_ledger(session_id, agent, seq, time, provider, model, input, output,
    cache_read, cache_write, cost, fingerprints)
    VALUES ('s1', 'main', 1, 5.0, 'scripted', 'x', 100, 20, 30, 0, 0.5, '{}');
"""
OLD_AUDIT = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL,
    session_id TEXT NOT NULL DEFAULT '', tool TEXT NOT NULL, input TEXT NOT NULL,
    tier TEXT NOT NULL, decision TEXT NOT NULL, reasons TEXT NOT NULL, matched_rule TEXT,
    mode TEXT NOT NULL, decided_by TEXT NOT NULL DEFAULT 'policy',
    workspace TEXT NOT NULL DEFAULT '', prev_hash TEXT NOT NULL DEFAULT '',
    hash TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_ts ON audit(ts);
"""


def _old_file(path: Path, *scripts: str) -> Path:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    for script in scripts:
        db.executescript(script)
    db.commit()
    db.close()
    return path


def _old_audit(path: Path) -> Path:
    _old_file(path, OLD_AUDIT)
    row = (1.0, "s1", "bash", '{"command": "ls"}', "read", "allow", "[]", None, "default")
    row = (*row, "policy", "/repo")
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO audit (ts, session_id, tool, input, tier, decision, reasons, matched_rule,"
        " mode, decided_by, workspace, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (*row, "", _row_hash("", row)),
    )
    db.commit()
    db.close()
    return path


def _versions(path: Path) -> tuple[int, dict[str, int]]:
    db = sqlite3.connect(path)
    try:
        user_version = int(db.execute("PRAGMA user_version").fetchone()[0])
        rows = db.execute("SELECT store, max(version) FROM wakeful_migrations GROUP BY store")
        return user_version, {str(s): int(v) for s, v in rows}
    finally:
        db.close()


def _dump(path: Path) -> str:
    """Every row of every table, to show a refused file was left exactly as it was."""
    db = sqlite3.connect(path)
    try:
        out = [f"user_version={db.execute('PRAGMA user_version').fetchone()[0]}"]
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts%' "
            "ORDER BY name"
        ).fetchall():
            out.append(name + json.dumps(db.execute(f"SELECT * FROM {name}").fetchall()))
        return hashlib.sha256("\n".join(out).encode()).hexdigest()
    finally:
        db.close()


def _from_newer_wakeful(path: Path, store: str) -> None:
    db = sqlite3.connect(path)
    db.execute(
        "INSERT INTO wakeful_migrations(store, version, name, applied) VALUES (?, 99, 'x', 0)",
        (store,),
    )
    total = db.execute("SELECT count(*) FROM wakeful_migrations").fetchone()[0]
    db.execute(f"PRAGMA user_version = {total}")
    db.commit()
    db.close()


# -- upgrading files made before migrations ------------------------------------------------


def test_memory_store_upgrades_a_pre_migration_file(tmp_path: Path) -> None:
    path = _old_file(tmp_path / "memory.db", OLD_MEMORY)
    store = SqliteMemoryStore(path)
    try:
        record = store.get("m0123456789")
        assert record is not None and record.text == "the API listens on port 8080"
        assert [r.id for r, _ in store.search("port 8080")] == ["m0123456789"]
        assert store.max_seq() == 1  # the change counter carried over, not reset
    finally:
        store.close()
    assert _versions(path) == (1, {"memory": 1})


@pytest.mark.parametrize("first", ["jobs", "ledger"])
def test_state_db_stores_upgrade_in_either_order(tmp_path: Path, first: str) -> None:
    """Two stores share state.db and each is opened alone: either may come first."""
    path = _old_file(tmp_path / "state.db", OLD_DAEMON, OLD_LEDGER)

    def open_jobs() -> None:
        jobs = JobStore(path)
        try:
            assert jobs.get_job("nightly").prompt == "run the tests"
            assert [r.state for r in jobs.runs("nightly")] == ["ok"]
        finally:
            jobs.close()

    def open_ledger() -> None:
        CacheLedger(path).close()
        (cost,) = read_costs(path)
        assert (cost.session_id, cost.requests, cost.usage.input) == ("s1", 1, 100)

    steps = [open_jobs, open_ledger] if first == "jobs" else [open_ledger, open_jobs]
    steps[0]()
    assert _versions(path)[0] == (2 if first == "jobs" else 1)  # the jobs store has 2 steps
    steps[1]()
    assert _versions(path) == (3, {"daemon": 2, "cache_ledger": 1})
    steps[0]()  # reopening changes nothing
    assert _versions(path) == (3, {"daemon": 2, "cache_ledger": 1})


def test_audit_log_upgrades_a_pre_migration_file(tmp_path: Path) -> None:
    path = _old_audit(tmp_path / "audit.db")
    log = AuditLog(path)
    try:
        assert [e.tool for e in log.recent()] == ["bash"]
        assert log.verify().ok and log.verify().rows == 1
    finally:
        log.close()
    assert _versions(path) == (1, {"audit": 1})


def test_a_fresh_file_gets_every_store_at_its_current_version(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    JobStore(path).close()
    CacheLedger(path).close()
    assert _versions(path) == (3, {"daemon": 2, "cache_ledger": 1})


# -- a file from a newer wakeful ------------------------------------------------------------


def _open_memory(path: Path) -> None:
    SqliteMemoryStore(path).close()


def _open_jobs(path: Path) -> None:
    JobStore(path).close()


def _open_ledger(path: Path) -> None:
    CacheLedger(path).close()


def _open_audit(path: Path) -> None:
    AuditLog(path).recent()


def _migrations_of(store: str) -> tuple[Migration, ...]:
    from wakeful.daemon import store as daemon_store
    from wakeful.memory import store as memory_store
    from wakeful.policy import audit
    from wakeful.prompt import ledger

    modules = {"daemon": daemon_store, "cache_ledger": ledger, "audit": audit}
    return modules.get(store, memory_store).MIGRATIONS  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize(
    ("store", "make", "opener", "what"),
    [
        ("memory", lambda p: _old_file(p, OLD_MEMORY), _open_memory, "memory store"),
        ("daemon", lambda p: _old_file(p, OLD_DAEMON, OLD_LEDGER), _open_jobs, "job store"),
        (
            "cache_ledger",
            lambda p: _old_file(p, OLD_DAEMON, OLD_LEDGER),
            _open_ledger,
            "cache ledger",
        ),
        ("audit", _old_audit, _open_audit, "audit log"),
    ],
)
def test_a_file_from_a_newer_wakeful_is_refused_untouched(
    tmp_path: Path,
    store: str,
    make: Callable[[Path], Path],
    opener: Callable[[Path], None],
    what: str,
) -> None:
    path = make(tmp_path / "x.db")
    opener(path)  # bring it to the current version
    _from_newer_wakeful(path, store)
    before = _dump(path)
    with pytest.raises(StoreError) as err:
        opener(path)
    message = str(err.value)
    assert "\n" not in message
    assert str(path) in message and what in message
    known = len(_migrations_of(store))
    assert f"version 99, newer than this wakeful knows ({known})" in message
    assert "upgrade wakeful" in message
    assert _dump(path) == before


@pytest.mark.slow
def test_cli_reports_a_newer_state_db_in_one_line_and_keeps_it(
    git_repo: Path, cli: Callable[..., CliResult]
) -> None:
    state = git_repo / ".wakeful" / "state.db"
    state.parent.mkdir(exist_ok=True)
    _old_file(state, OLD_DAEMON, OLD_LEDGER)
    _open_ledger(state)
    _from_newer_wakeful(state, "cache_ledger")
    before = _dump(state)
    result = cli(["cost", "--all"], cwd=git_repo)
    assert result.returncode != 0
    err = result.stderr
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "state.db" in lines[0] and "upgrade wakeful" in lines[0], err
    assert _dump(state) == before
    assert not list(state.parent.glob("state.db.corrupt-*"))


# -- the migration machinery ----------------------------------------------------------------


def _base(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")


def test_a_failing_step_rolls_back_everything_it_did(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    migrate(db, "notes", [Migration(1, "notes", _base)])
    db.execute("INSERT INTO notes(body) VALUES ('keep me')")

    def broken(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE notes ADD COLUMN author TEXT")
        db.execute("CREATE TABLE tags (name TEXT)")
        db.execute("UPDATE notes SET body = 'changed'")
        raise RuntimeError("step 2 failed half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        migrate(db, "notes", [Migration(1, "notes", _base), Migration(2, "author", broken)])
    assert db.execute("SELECT * FROM notes").fetchall() == [(1, "keep me")]  # no author column
    assert db.execute("SELECT name FROM sqlite_master WHERE name = 'tags'").fetchone() is None
    assert store_version(db, "notes") == 1
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    assert not db.in_transaction

    fixed = sql_step(2, "author", "ALTER TABLE notes ADD COLUMN author TEXT DEFAULT 'me'")
    report = migrate(db, "notes", [Migration(1, "notes", _base), fixed])
    assert (report.before, report.after, report.applied) == (1, 2, (2,))
    assert db.execute("SELECT * FROM notes").fetchall() == [(1, "keep me", "me")]
    assert db.execute("PRAGMA user_version").fetchone()[0] == 2


def test_steps_must_be_numbered_from_one_without_gaps(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    with pytest.raises(ValueError, match="numbered 1..n"):
        migrate(db, "notes", [Migration(1, "a", _base), Migration(3, "b", _base)])


def test_transaction_commits_or_rolls_back(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    db.execute("CREATE TABLE t (x INTEGER)")
    with transaction(db):
        db.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(KeyError), transaction(db):
        db.execute("INSERT INTO t VALUES (2)")
        raise KeyError("boom")
    assert db.execute("SELECT x FROM t").fetchall() == [(1,)]
    assert not db.in_transaction


_RACER = textwrap.dedent(
    """
    import json, sys, time
    from wakeful.core.sqlite import connect, migrate, sql_step
    db = connect(__import__("pathlib").Path(sys.argv[1]), 30.0, autocommit=True)
    while time.time() < float(sys.argv[2]):
        time.sleep(0.001)
    steps = [
        sql_step(1, "t", "CREATE TABLE t (x INTEGER)"),
        sql_step(2, "y", "ALTER TABLE t ADD COLUMN y INTEGER"),  # fails if applied twice
        sql_step(3, "z", "ALTER TABLE t ADD COLUMN z INTEGER"),
    ]
    print(json.dumps(list(migrate(db, "race", steps).applied)))
    """
)


def test_two_processes_migrating_at_once_apply_each_step_once(tmp_path: Path) -> None:
    path = tmp_path / "race.db"
    start = str(time.time() + 0.6)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, str(path), start],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=30) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    applied = sorted(n for out, _ in outs for n in json.loads(out))
    assert applied == [1, 2, 3]
    assert _versions(path) == (3, {"race": 3})


@pytest.mark.slow
def test_memory_migrate_reports_the_steps_it_applied(
    git_repo: Path, cli: Callable[..., CliResult]
) -> None:
    db = git_repo / ".wakeful" / "memory.db"
    db.parent.mkdir(exist_ok=True)
    _old_file(db, OLD_MEMORY)
    first = cli(["memory", "migrate"], cwd=git_repo)
    assert first.returncode == 0, first.stderr
    assert f"memory store {db}: SQLite, schema version 0 -> 1 (migrations applied: 1)" in (
        first.stdout
    )
    again = cli(["memory", "migrate"], cwd=git_repo)
    assert "schema version 1 -> 1 (migrations applied: none needed)" in again.stdout
    assert _versions(db) == (1, {"memory": 1})
