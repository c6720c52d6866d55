"""A temporary git workspace with a fast-ticking daemon config, the real CLI, and a finalizer
that kills every process still running in the workspace (daemons and their agents), even
when a test fails."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from wakeful.core.trust import TrustStore
from wakeful.daemon.store import JobStore

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


@dataclass
class Workspace:
    root: Path
    home: Path
    env: dict[str, str]
    request_log: Path
    scripted: Path
    pids: set[int] = field(default_factory=set)

    def cli(
        self, *args: str, timeout: float = 120.0, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            [sys.executable, "-m", "wakeful.cli.main", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"wakeful {' '.join(args)} exited {proc.returncode}\n"
                f"stdout: {proc.stdout}\nstderr: {proc.stderr}"
            )
        return proc

    def start(self) -> int:
        out = self.cli("daemon", "start").stdout
        pid = int(out.split("pid ")[1].split(")")[0])
        self.pids.add(pid)
        return pid

    def daemon_pid(self) -> int | None:
        try:
            return int((self.root / ".wakeful" / "daemon.pid").read_text())
        except (OSError, ValueError):
            return None

    def status(self) -> dict[str, Any]:
        return json.loads(self.cli("daemon", "status", "--json").stdout)

    def configure(self, **daemon: Any) -> None:
        lines = ["[daemon]"]
        for key, value in {"tick_seconds": 0.2, "desktop_notify": False, **daemon}.items():
            lines.append(f"{key} = {json.dumps(value)}")
        (self.root / ".wakeful" / "config.toml").write_text("\n".join(lines) + "\n")

    def store(self) -> JobStore:
        return JobStore(self.root / ".wakeful" / "state.db")

    def runs(self, job: str | None = None) -> list[Any]:
        store = self.store()
        try:
            return [r for r in store.runs(job, limit=1000)]
        finally:
            store.close()

    def run(self, run_id: int) -> Any:
        store = self.store()
        try:
            return store.get_run(run_id)
        finally:
            store.close()

    def last_tick(self) -> float:
        store = self.store()
        try:
            return float(store.get_state("last_tick", 0.0) or 0.0)
        finally:
            store.close()

    def wait_ticks(self, count: int, timeout: float = 60.0) -> None:
        """Return once the daemon has finished `count` more ticks: it has had that many
        chances to act on what the test set up (a sleep would race with a loaded machine)."""
        seen = self.last_tick()
        deadline = time.monotonic() + timeout
        while count > 0:
            assert time.monotonic() < deadline, f"the daemon stopped ticking ({count} to go)"
            time.sleep(0.02)
            tick = self.last_tick()
            if tick > seen:
                seen, count = tick, count - 1

    def settle(self, seconds: float, ticks: int = 2) -> None:
        """Let `seconds` of wall time pass, then `ticks` more daemon ticks, so that every due
        time inside the window has been looked at by the daemon before the test checks."""
        time.sleep(seconds)
        self.wait_ticks(ticks)

    def journal(self) -> str:
        folder = self.root / ".wakeful" / "journal"
        return "".join(p.read_text() for p in sorted(folder.glob("*.md")))

    def requests(self) -> list[dict[str, Any]]:
        if not self.request_log.exists():
            return []
        return [json.loads(x) for x in self.request_log.read_text().splitlines() if x.strip()]

    def wait_for(
        self, predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition"
    ) -> Any:
        return wait_for(predicate, timeout, what)

    def processes(self) -> list[int]:
        return processes_in(self.root)

    def add(self, name: str, *args: str) -> None:
        self.cli("schedule", "add", name, "--model", f"scripted:{self.scripted}", *args)


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    """Poll until `predicate` is truthy. The deadline is generous on purpose: it only bounds
    how long a failing test takes, so a loaded machine cannot turn a pass into a failure."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def processes_in(root: Path) -> list[int]:
    """Every live process whose working directory is inside `root`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd == str(root) or cwd.startswith(str(root) + "/"):
            found.append(int(entry.name))
    return found


def kill_all(ws: Workspace) -> None:
    pid = ws.daemon_pid()
    if pid:
        ws.pids.add(pid)
    for pid in set(ws.pids) | set(processes_in(ws.root)):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    root = tmp_path / "repo"
    root.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    home = tmp_path / "home"
    home.mkdir()
    # The user trusts this workspace, so its .wakeful/config.toml (webhook, caps) applies.
    TrustStore(home / ".local/share/wakeful").trust(root)
    request_log = tmp_path / "requests.jsonl"
    env = {k: v for k, v in os.environ.items() if k not in SCRUB}
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            "NO_COLOR": "1",
            "COLUMNS": "200",
            "PYTHONUNBUFFERED": "1",
            "WAKEFUL_REQUEST_LOG": str(request_log),
        }
    )
    scripted = tmp_path / "turns.json"
    scripted.write_text(json.dumps({"turns": [{"text": "done"}]}))
    (root / ".wakeful").mkdir()
    workspace = Workspace(root.resolve(), home, env, request_log, scripted)
    workspace.configure()
    try:
        yield workspace
    finally:
        kill_all(workspace)
