"""Strict write discipline and recall through the real CLI with the scripted model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

AUTO = ["--output-format", "json", "--permission-mode", "auto"]


def tool_results(log: Path) -> list[dict]:
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    last = lines[-1]["request"]["messages"]
    return [b for m in last for b in m["content"] if b["type"] == "tool_result"]


@pytest.mark.slow
def test_memory_about_a_failed_edit_is_never_written(
    cli, script, git_repo: Path, tmp_path: Path
) -> None:
    turns = script(
        "failed",
        [
            {"tool_calls": [{"name": "read", "input": {"path": "app.py"}}]},
            {
                "tool_calls": [
                    {
                        "name": "edit",
                        "input": {
                            "path": "app.py",
                            "old_string": "PORT = 7070",
                            "new_string": "PORT = 9090",
                        },
                    },
                    {"name": "remember", "input": {"text": "The server listens on port 9090"}},
                ]
            },
            {"text": "I could not change the port."},
        ],
    )
    log = tmp_path / "failed.jsonl"
    r = cli(
        ["-p", "move the port to 9090", "--model", f"scripted:{turns}", *AUTO],
        cwd=git_repo,
        env={"WAKEFUL_REQUEST_LOG": str(log)},
    )
    assert r.returncode == 0, r.stderr
    edit_result, remember_result = tool_results(log)[-2:]
    assert edit_result["is_error"] and "denied" not in edit_result["content"]  # a real failure
    assert not remember_result["is_error"] and "Staged memory" in remember_result["content"]
    assert cli(["memory", "list", "--json"], cwd=git_repo).json() == []


@pytest.mark.slow
def test_memory_about_a_successful_edit_is_written_and_recalled_later(
    cli, script, git_repo: Path, tmp_path: Path
) -> None:
    turns = script(
        "ok",
        [
            {"tool_calls": [{"name": "read", "input": {"path": "app.py"}}]},
            {
                "tool_calls": [
                    {
                        "name": "edit",
                        "input": {
                            "path": "app.py",
                            "old_string": "PORT = 8080",
                            "new_string": "PORT = 9090",
                        },
                    },
                    {"name": "remember", "input": {"text": "The server listens on PORT 9090"}},
                ]
            },
            {"text": "Moved the port."},
        ],
    )
    r = cli(["-p", "move the port to 9090", "--model", f"scripted:{turns}", *AUTO], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    (row,) = cli(["memory", "list", "--json"], cwd=git_repo).json()
    assert row["text"] == "The server listens on PORT 9090"
    assert row["verdict"] == "fresh"
    assert [(a["path"], a["start_line"]) for a in row["anchors"]] == [("app.py", 1)]
    assert row["source_session"] == r.json()["session_id"]

    # The code moves on; the next session is told the hint drifted, in its user turn.
    app = git_repo / "app.py"
    app.write_text(app.read_text().replace("PORT = 9090", "PORT = 1234"))
    log = tmp_path / "next.jsonl"
    nxt = script("next", [{"text": "ok"}])
    r2 = cli(
        ["-p", "which port does the server use?", "--model", f"scripted:{nxt}", *AUTO],
        cwd=git_repo,
        env={"WAKEFUL_REQUEST_LOG": str(log)},
    )
    assert r2.returncode == 0, r2.stderr
    request = json.loads(log.read_text().splitlines()[0])["request"]
    user_text = json.dumps(request["messages"])
    assert (
        "[drifted, just now] The server listens on PORT 9090 (app.py:1 changed since)" in user_text
    )
    system_text = json.dumps(request["system"])
    assert "The server listens on PORT 9090" in system_text  # the frozen MEMORY.md snapshot
