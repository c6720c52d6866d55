"""Helpers for the dreaming tests: a workspace with memories and transcripts."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.memory.anchors import capture_anchor
from wakeful.memory.store import SqliteMemoryStore, new_memory_id
from wakeful.memory.types import MemoryRecord


@pytest.fixture
def ws(git_repo: Path, home: Path) -> tuple[Paths, Config]:
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local/share")}
    paths = Paths.for_workspace(git_repo, env)
    paths.ensure()
    config = Config(env={})
    return paths, config


def add_memory(
    paths: Paths,
    text: str,
    *,
    anchor: str | None = None,
    type: str = "project",
    created: float | None = None,
    memory_id: str | None = None,
) -> MemoryRecord:
    store = SqliteMemoryStore(paths.memory_db)
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
    store = SqliteMemoryStore(paths.memory_db)
    try:
        return store.list(status=status)  # type: ignore[arg-type]
    finally:
        store.close()
