"""The real CLI with `[memory] backend = "postgres"`: migrations are an explicit step, and two
clones of one repository share their project memories through the database."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from wakeful.core.trust import TrustStore


def user_config(home: Path, text: str) -> None:
    path = home / ".config" / "wakeful" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def trust(home: Path, repo: Path) -> None:
    TrustStore(home / ".local/share/wakeful").trust(repo)


def test_memory_in_postgres_needs_migrate_then_is_shared_by_clones(
    cli, git_repo: Path, home: Path, local_postgres, tmp_path: Path
) -> None:
    dsn = local_postgres.create_database("cli_shared")
    user_config(home, f'[memory]\nbackend = "postgres"\ndsn = "{dsn}"\n')
    subprocess.run(
        ["git", "remote", "add", "origin", "git@example.invalid:team/app.git"],
        cwd=git_repo,
        check=True,
    )

    before = cli(["memory", "add", "PORT is set in app.py", "--anchor", "app.py:1"], cwd=git_repo)
    assert before.returncode != 0
    assert "run `wakeful memory migrate`" in before.stderr
    assert "Traceback" not in before.stderr and len(before.stderr.strip().splitlines()) == 1

    first = cli(["memory", "migrate"], cwd=git_repo)
    assert first.returncode == 0, first.stderr
    assert "schema version 0 -> 3" in first.stdout
    again = cli(["memory", "migrate"], cwd=git_repo)
    assert "none needed" in again.stdout

    added = cli(["memory", "add", "PORT is set in app.py", "--anchor", "app.py:1"], cwd=git_repo)
    assert added.returncode == 0, added.stderr

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(git_repo), str(clone)], check=True)
    subprocess.run(
        ["git", "remote", "set-url", "origin", "https://example.invalid/team/app.git"],
        cwd=clone,
        check=True,
    )
    trust(home, clone)
    recalled = cli(["memory", "recall", "which port", "--json"], cwd=clone)
    assert recalled.returncode == 0, recalled.stderr
    hits = recalled.json()
    assert [h["text"] for h in hits] == ["PORT is set in app.py"]
    assert hits[0]["verdict"] == "fresh"


def test_unreachable_database_is_a_one_line_error(cli, git_repo: Path, home: Path) -> None:
    user_config(
        home, '[memory]\nbackend = "postgres"\ndsn = "postgresql://u:s3cret@127.0.0.1:1/db"\n'
    )
    out = cli(["memory", "list"], cwd=git_repo)
    assert out.returncode != 0
    assert out.stderr.startswith("wakeful: error: cannot connect to the memory database")
    assert "s3cret" not in out.stderr and "Traceback" not in out.stderr


def test_connection_lost_mid_session_is_a_store_error_not_a_driver_traceback(
    postgres_dsn: str,
) -> None:
    import psycopg
    import pytest

    from wakeful.core.errors import StoreError
    from wakeful.memory.store_pg import PostgresMemoryStore
    from wakeful.memory.types import MemoryRecord

    store = PostgresMemoryStore(postgres_dsn, "lost")
    store.add(MemoryRecord(id="m1", type="project", text="the cache key includes the model"))
    # The server ends the store's session (a restart, a failover, an admin's kill).
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (store._db.info.backend_pid,))
    for call in (
        lambda: store.list(),
        lambda: store.search("cache"),
        lambda: store.add(MemoryRecord(id="m2", type="project", text="another")),
    ):
        with pytest.raises(StoreError, match=r"memory database .* failed during \w+ .*running"):
            call()
    store.close()


def test_decisions_and_costs_of_every_checkout_reach_the_team_database(
    cli, git_repo: Path, home: Path, postgres_dsn: str, tmp_path: Path, script
) -> None:
    import psycopg

    user_config(home, f'[memory]\nbackend = "postgres"\ndsn = "{postgres_dsn}"\n')
    subprocess.run(
        ["git", "remote", "add", "origin", "git@example.invalid:team/app.git"],
        cwd=git_repo,
        check=True,
    )
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(git_repo), str(clone)], check=True)
    subprocess.run(
        ["git", "remote", "set-url", "origin", "https://example.invalid/team/app.git"],
        cwd=clone,
        check=True,
    )
    trust(home, clone)
    turns = [{"tool_calls": [{"name": "bash", "input": {"command": "ls"}}]}, {"text": "done"}]
    for repo in (git_repo, clone):
        run = cli(["-p", "list files", "--model", f"scripted:{script('ls', turns)}"], cwd=repo)
        assert run.returncode == 0, run.stderr
    listed = cli(["audit", "--team", "--json"], cwd=clone)
    assert listed.returncode == 0, listed.stderr
    entries = [json.loads(line) for line in listed.stdout.splitlines()]
    commands = [e for e in entries if e["tool"] == "bash" and e["input"]["command"] == "ls"]
    # One shared log: both checkouts' decisions, each naming its host and workspace.
    assert {e["workspace"].split(":", 1)[1] for e in commands} == {str(git_repo), str(clone)}
    ok = cli(["audit", "--team", "--verify"], cwd=git_repo)
    assert ok.returncode == 0 and "team audit log intact" in ok.stdout, ok.stderr
    with psycopg.connect(postgres_dsn, autocommit=True) as db:
        db.execute(
            "UPDATE audit_log SET decision = 'deny' WHERE id = (SELECT min(id) FROM audit_log)"
        )
    bad = cli(["audit", "--team", "--verify"], cwd=git_repo)
    assert bad.returncode == 1 and "tampered with" in bad.stderr
    local = cli(["audit", "--verify"], cwd=git_repo)  # the local chain is untouched
    assert local.returncode == 0, local.stderr

    # The cost ledger too: both checkouts' sessions, two requests each.
    costs = cli(["cost", "--team", "--json"], cwd=git_repo)
    assert costs.returncode == 0, costs.stderr
    rows = costs.json()
    assert len(rows) == 2 and all(r["requests"] == 2 for r in rows)
    local_sessions = {r["session_id"] for r in cli(["cost", "--all", "--json"], cwd=clone).json()}
    assert any(r["session_id"].split(":", 1)[1] in local_sessions for r in rows)


def test_unreachable_team_audit_log_warns_once_and_the_local_log_keeps_everything(
    tmp_path: Path,
) -> None:
    from wakeful.policy.audit import AuditEntry
    from wakeful.policy.audit_pg import MirroredAuditLog, PostgresAuditLog

    warnings: list[str] = []
    log = MirroredAuditLog(
        tmp_path / "audit.db",
        PostgresAuditLog("postgresql://u:s3cret@127.0.0.1:1/db", "p"),
        warnings.append,
    )
    for i in range(3):
        log.append(
            AuditEntry("bash", {"command": f"ls {i}"}, "read_only", "allow", [], None, "auto")
        )
    assert len(warnings) == 1 and "local audit log only" in warnings[0]
    assert "s3cret" not in warnings[0]
    assert [e.input["command"] for e in log.recent()] == ["ls 0", "ls 1", "ls 2"]
    assert log.verify().ok


def test_unreachable_team_cost_ledger_warns_once_and_the_local_ledger_keeps_everything(
    tmp_path: Path,
) -> None:
    from wakeful.core.usage import Usage
    from wakeful.prompt.ledger import read_costs
    from wakeful.prompt.ledger_pg import MirroredLedger, PostgresCostLedger
    from wakeful.prompt.prefix import build_prefix

    warnings: list[str] = []
    ledger = MirroredLedger(
        tmp_path / "state.db",
        PostgresCostLedger("postgresql://u:s3cret@127.0.0.1:1/db", "p"),
        warnings.append,
    )
    prefix = build_prefix([], "system", "", "")
    for _ in range(3):
        ledger.record("s1", "main", "anthropic", "claude-sonnet-4-6", prefix, [], Usage(10, 2))
    ledger.close()
    assert len(warnings) == 1 and "local ledger only" in warnings[0]
    assert "s3cret" not in warnings[0]
    assert [r.requests for r in read_costs(tmp_path / "state.db", "s1")] == [3]
