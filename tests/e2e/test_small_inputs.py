"""Inputs that used to be accepted silently: each is refused with one line, or resolved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.mark.parametrize("turns", ["0", "-1"])
def test_max_turns_must_be_positive(cli, git_repo: Path, turns: str) -> None:
    r = cli(["-p", "hi", "--max-turns", turns], cwd=git_repo)
    assert r.returncode == 2
    assert "Invalid value for '--max-turns'" in r.stderr and "Traceback" not in r.stderr


def test_audit_limit_must_be_positive(cli, git_repo: Path) -> None:
    r = cli(["audit", "-n", "-5"], cwd=git_repo)
    assert r.returncode == 2
    assert "Invalid value for '--limit' / '-n'" in r.stderr


def _sessions(cli, script, repo: Path, n: int) -> list[str]:  # type: ignore[no-untyped-def]
    turns = script("s", [{"text": "ok"}])
    for _ in range(n):
        assert cli(["-p", "hi", "--model", f"scripted:{turns}"], cwd=repo).returncode == 0
    return [s["id"] for s in cli(["sessions", "list", "--json"], cwd=repo).json()]


def test_ambiguous_session_prefix_says_so(cli, script, git_repo: Path) -> None:
    ids = _sessions(cli, script, git_repo, 2)
    prefix = ids[0][:8]  # the date: both sessions share it
    assert all(i.startswith(prefix) for i in ids)
    r = cli(["sessions", "show", prefix], cwd=git_repo)
    assert r.returncode == 2
    assert f"session id prefix '{prefix}' is ambiguous" in r.stderr
    assert cli(["sessions", "show", ids[0]], cwd=git_repo).returncode == 0


def test_cost_of_an_unknown_session_is_an_error(cli, script, git_repo: Path) -> None:
    [sid] = _sessions(cli, script, git_repo, 1)
    r = cli(["cost", "nope"], cwd=git_repo)
    assert r.returncode == 2 and "no session 'nope'" in r.stderr
    ok = cli(["cost", sid[:17], "--json"], cwd=git_repo)
    assert ok.returncode == 0 and json.loads(ok.stdout)[0]["session_id"] == sid


def test_memory_anchor_past_the_end_of_the_file_is_refused(cli, git_repo: Path) -> None:
    r = cli(["memory", "add", "greet has a typo", "--anchor", "app.py:1-999"], cwd=git_repo)
    assert r.returncode != 0
    assert "app.py has only 5 lines" in r.stderr and "Traceback" not in r.stderr
    ok = cli(["memory", "add", "greet has a typo", "--anchor", "app.py:4-5"], cwd=git_repo)
    assert ok.returncode == 0, ok.stderr
