"""Parallel writing sub-agents never edit the same working tree: with more than one writer in
a delegate call, each gets a worktree of its own (its result names the branch and how to
merge it); where no worktree can be made, the writers run one at a time. Through the real
CLI with scripted models."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import trust_workspace

from wakeful.testing.workspace_state import git_text, user_state


def _config(ws: Path, text: str = "[agents]\nmax_parallel = 2\n") -> None:
    (ws / ".wakeful").mkdir(exist_ok=True)
    (ws / ".wakeful" / ".gitignore").write_text("*\n")
    (ws / ".wakeful" / "config.toml").write_text(text)


def _run(
    cli: Callable[..., Any], script: Callable[..., Path], ws: Path, turns: list[dict[str, Any]]
) -> dict[str, Any]:
    path = script("run", turns)
    r = cli(
        ["-p", "work", "--model", f"scripted:{path}", "--output-format", "json",
         "--permission-mode", "auto", "--no-sandbox"],
        cwd=ws,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    return r.json()


def _delegate_result(cli: Callable[..., Any], ws: Path, session: str) -> dict[str, Any]:
    """The JSON the delegate tool handed the parent, from the session's transcript."""
    lines = cli(["sessions", "show", session, "--json"], cwd=ws).stdout.splitlines()
    for line in lines:
        record = json.loads(line)
        for block in (record.get("message") or {}).get("content") or []:
            text = block.get("content") if block.get("type") == "tool_result" else None
            if isinstance(text, str) and text.startswith('{\n "fanout"'):
                result: dict[str, Any] = json.loads(text)
                return result
    raise AssertionError(f"no delegate result in {lines}")


def _write(content: str) -> dict[str, Any]:
    return {"tool_calls": [{"name": "write", "input": {"path": "shared.txt", "content": content}}]}


TWO_WRITERS = [
    {"tool_calls": [{"name": "delegate", "input": {
        "tasks": [{"prompt": "write A"}, {"prompt": "write B"}], "kind": "fresh"}}]},
    _write("A\n"), _write("B\n"), {"text": "w done"}, {"text": "w done"},
    {"text": "both done"},
]  # fmt: skip


def test_two_parallel_writers_of_one_file_each_get_a_worktree(
    cli: Callable[..., Any], script: Callable[..., Path], git_repo: Path
) -> None:
    # The attack: two sub-agents write the same new file at once. In one shared tree, one
    # overwrites the other: its work is lost, though both report success.
    _config(git_repo)
    before = user_state(git_repo)
    out = _run(cli, script, git_repo, TWO_WRITERS)
    assert out["result"] == "both done", out
    assert not (git_repo / "shared.txt").exists()
    assert user_state(git_repo) == before  # files, HEAD, index, refs, stash
    listed = cli(["worktrees", "list", "--json"], cwd=git_repo).json()
    assert len(listed) == 2 and {w["kind"] for w in listed} == {"subagent"}
    contents = sorted(git_text(git_repo, "show", f"{w['branch']}:shared.txt") for w in listed)
    assert contents == ["A\n", "B\n"]  # both writers' work is kept, each on its branch
    # The parent is told where each writer's work is and how to merge it.
    report = _delegate_result(cli, git_repo, out["session_id"])
    trees = {r["worktree"]["branch"]: r["worktree"] for r in report["results"]}
    assert set(trees) == {w["branch"] for w in listed}
    for w in listed:
        assert trees[w["branch"]]["merge"] == f"wakeful worktrees merge {w['id']}"
        assert trees[w["branch"]]["commit"]
    assert any("not in your files" in n for n in report["notes"])
    # One of them merges cleanly into the user's branch.
    first = listed[0]
    merged = cli(["worktrees", "merge", first["id"]], cwd=git_repo)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert (git_repo / "shared.txt").read_text() in {"A\n", "B\n"}


def test_a_single_writer_beside_readers_works_in_the_users_tree(
    cli: Callable[..., Any], script: Callable[..., Path], git_repo: Path
) -> None:
    _config(git_repo)
    out = _run(
        cli,
        script,
        git_repo,
        [
            {"tool_calls": [{"name": "delegate", "input": {"kind": "fresh", "tasks": [
                {"prompt": "write A"},
                {"prompt": "look", "tools": ["read", "grep", "glob"]}]}}]},
            _write("A\n"), {"text": "looked"}, {"text": "w done"},
            {"text": "both done"},
        ],
    )  # fmt: skip
    assert out["result"] == "both done", out
    assert (git_repo / "shared.txt").read_text() == "A\n"
    assert cli(["worktrees", "list", "--json"], cwd=git_repo).json() == []
    report = _delegate_result(cli, git_repo, out["session_id"])
    assert all("worktree" not in r for r in report["results"]) and not report["notes"]


# Each writer logs its start and end around a pause: interleaved lines mean two writers
# were in the tree at once.
SLOW_WRITE = {"tool_calls": [{"name": "bash", "input": {
    "command": "echo start >> log.txt && sleep 0.5 && echo end >> log.txt"}}]}  # fmt: skip
TWO_SLOW_WRITERS = [
    {"tool_calls": [{"name": "delegate", "input": {
        "tasks": [{"prompt": "one"}, {"prompt": "two"}], "kind": "fresh"}}]},
    SLOW_WRITE, SLOW_WRITE, {"text": "w done"}, {"text": "w done"},
    {"text": "both done"},
]  # fmt: skip


def _assert_one_at_a_time(ws: Path) -> None:
    lines = (ws / "log.txt").read_text().split()
    assert lines == ["start", "end"] * (len(lines) // 2), lines


def test_without_a_repository_writers_run_one_at_a_time(
    cli: Callable[..., Any], script: Callable[..., Path], home: Path, tmp_path: Path
) -> None:
    ws = tmp_path / "plain"
    ws.mkdir()
    trust_workspace(home, ws)
    _config(ws)
    out = _run(cli, script, ws, TWO_SLOW_WRITERS)
    assert out["result"] == "both done", out
    _assert_one_at_a_time(ws)
    report = _delegate_result(cli, ws, out["session_id"])
    assert [r["status"] for r in report["results"]] == ["ok", "ok"]
    (note,) = report["notes"]
    assert "is not one" in note and "ran one at a time in your tree" in note, note


def test_a_repository_without_a_commit_runs_writers_one_at_a_time(
    cli: Callable[..., Any], script: Callable[..., Path], home: Path, tmp_path: Path
) -> None:
    ws = tmp_path / "fresh"
    ws.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=ws, check=True)
    trust_workspace(home, ws)
    _config(ws)
    out = _run(cli, script, ws, TWO_SLOW_WRITERS)
    assert out["result"] == "both done", out
    _assert_one_at_a_time(ws)
    (note,) = _delegate_result(cli, ws, out["session_id"])["notes"]
    assert "no commit yet" in note and "one at a time" in note, note


def test_isolation_none_keeps_writers_in_the_users_tree_one_at_a_time(
    cli: Callable[..., Any], script: Callable[..., Path], git_repo: Path
) -> None:
    _config(git_repo)
    turns = json.loads(json.dumps(TWO_SLOW_WRITERS))
    turns[0]["tool_calls"][0]["input"]["isolation"] = "none"
    out = _run(cli, script, git_repo, turns)
    assert out["result"] == "both done", out
    _assert_one_at_a_time(git_repo)
    assert cli(["worktrees", "list", "--json"], cwd=git_repo).json() == []
    (note,) = _delegate_result(cli, git_repo, out["session_id"])["notes"]
    assert "share your tree: they ran one at a time" in note, note
