"""Fixtures for the memory tests: a real git workspace, its Paths, and an open service."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.memory import MemoryService


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return out.stdout


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    git(ws, "init", "-q", "-b", "main")
    git(ws, "config", "user.email", "t@example.invalid")
    git(ws, "config", "user.name", "t")
    (ws / "settings.py").write_text(
        "import os\n"
        "\n"
        "PORT = 8080\n"
        'HOST = "0.0.0.0"\n'
        "\n"
        "\n"
        "class Server:\n"
        "    def listen(self):\n"
        "        sock = bind(HOST, PORT)\n"
        "        sock.listen(128)\n"
        "        return sock\n"
        "\n"
        "    def close(self):\n"
        "        self.sock.close()\n"
    )
    (ws / "util.js").write_text(
        "export function add(a, b) {\n  return a + b;\n}\n\nfunction mul(a, b) {\n  return a * b;\n}\n"
    )
    git(ws, "add", ".")
    git(ws, "commit", "-qm", "init")
    return ws


@pytest.fixture
def paths(workspace: Path, tmp_path: Path) -> Paths:
    user = tmp_path / "user"
    return Paths(workspace, user, user)


@pytest.fixture(params=["sqlite", "postgres"])
def service(
    request: pytest.FixtureRequest, paths: Paths, open_memory_store
) -> Iterator[MemoryService]:
    """The memory service over each backend (the user store is always local SQLite)."""
    if request.param == "sqlite":
        mem = MemoryService.open(paths, Config())
    else:
        from wakeful.memory.store import SqliteMemoryStore

        paths.ensure()
        project = open_memory_store("postgres", paths.memory_db)
        mem = MemoryService(
            paths, Config(), project, SqliteMemoryStore(paths.user_memory_db, scope="user")
        )
    yield mem
    mem.close()
