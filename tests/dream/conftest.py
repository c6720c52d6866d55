"""Helpers for the dreaming tests: a workspace with memories and transcripts."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from wakeful.core.config import Config, load_config
from wakeful.core.paths import Paths
from wakeful.memory.anchors import capture_anchor
from wakeful.memory.factory import open_project_store
from wakeful.memory.store import MemoryStore, new_memory_id
from wakeful.memory.types import MemoryRecord


@pytest.fixture(params=["sqlite", "postgres"])
def ws(git_repo: Path, home: Path, request: pytest.FixtureRequest) -> tuple[Paths, Config]:
    """The workspace with project memory in SQLite, or in PostgreSQL ([memory] backend in the
    trusted project's config, so the CLI and the library both see it)."""
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local/share")}
    paths = Paths.for_workspace(git_repo, env)
    paths.ensure()
    if request.param == "sqlite":
        return paths, Config(env={})
    dsn = request.getfixturevalue("postgres_dsn")
    paths.project_config.write_text(
        f'[memory]\nbackend = "postgres"\ndsn = "{dsn}"\nproject = "dream-tests"\n'
    )
    return paths, load_config(paths, {})


def project_store(paths: Paths) -> MemoryStore:
    """The project store the workspace's config chooses (SQLite or PostgreSQL)."""
    return open_project_store(paths, load_config(paths, {}))


def add_memory(
    paths: Paths,
    text: str,
    *,
    anchor: str | None = None,
    type: str = "project",
    created: float | None = None,
    memory_id: str | None = None,
) -> MemoryRecord:
    store = project_store(paths)
    try:
        anchors = (capture_anchor(paths.workspace, anchor),) if anchor else ()
        record = MemoryRecord(
            id=memory_id or new_memory_id(),
            type=type,  # type: ignore[arg-type]
            text=text,
            anchors=anchors,
            created=created or time.time(),
        )
        return store.add(record)
    finally:
        store.close()


def write_session(paths: Paths, sid: str, turns: list[tuple[str, str]]) -> Path:
    """A transcript in the loop's JSONL format: (role, text) messages of the main agent."""
    paths.sessions.mkdir(parents=True, exist_ok=True)
    path = paths.sessions / f"{sid}.jsonl"
    with path.open("a", encoding="utf-8") as fh:
        if path.stat().st_size == 0:
            fh.write(json.dumps({"type": "meta", "session_id": sid, "time": time.time()}) + "\n")
        for role, text in turns:
            rec: dict[str, Any] = {
                "type": "message",
                "agent": "main",
                "time": time.time(),
                "message": {"role": role, "content": [{"type": "text", "text": text}]},
            }
            fh.write(json.dumps(rec) + "\n")
    return path


def store_records(paths: Paths, status: str | None = None) -> list[MemoryRecord]:
    store = project_store(paths)
    try:
        return store.list(status=status)  # type: ignore[arg-type]
    finally:
        store.close()
