"""Spilled outputs (tool results, daemon run outputs) stay bounded."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from wakeful.core.prune import PruneLimits, prune_folder


def _file(folder: Path, name: str, size: int, age: float) -> Path:
    path = folder / name
    path.write_bytes(b"x" * size)
    t = time.time() - age
    os.utime(path, (t, t))
    return path


def test_oldest_go_first_until_the_folder_fits(tmp_path: Path) -> None:
    old = _file(tmp_path, "a.txt", 600, 3000)
    mid = _file(tmp_path, "b.txt", 600, 2000)
    new = _file(tmp_path, "c.txt", 600, 1000)
    out = prune_folder(tmp_path, PruneLimits(max_bytes=1300, grace=60))
    assert (out.removed, out.freed, out.kept_bytes) == (1, 600, 1200)
    assert not old.exists() and mid.exists() and new.exists()


def test_old_files_go_and_recent_or_kept_ones_stay(tmp_path: Path) -> None:
    stale = _file(tmp_path, "stale.txt", 10, 8 * 86400)
    busy = _file(tmp_path, "busy.out", 10, 9 * 86400)
    fresh = _file(tmp_path, "fresh.txt", 5000, 5)  # over the size cap, but being written
    prune_folder(tmp_path, PruneLimits(max_bytes=100, max_age=86400), keep=frozenset({"busy.out"}))
    assert not stale.exists() and busy.exists() and fresh.exists()


def test_missing_folder_is_fine(tmp_path: Path) -> None:
    assert prune_folder(tmp_path / "nope").removed == 0


@pytest.mark.slow
def test_a_session_prunes_old_tool_results(cli, script, git_repo: Path) -> None:
    folder = git_repo / ".wakeful" / "tool-results"
    folder.mkdir(parents=True)
    flood = _file(folder, "bash-old.txt", 64 * 1024, 30 * 86400)
    recent = _file(folder, "bash-new.txt", 10, 60)
    turns = script("t", [{"text": "ok"}])
    r = cli(["-p", "hi", "--model", f"scripted:{turns}", "--output-format", "json"], cwd=git_repo)
    assert r.returncode == 0 and json.loads(r.stdout)["result"] == "ok"
    assert not flood.exists() and recent.exists()
