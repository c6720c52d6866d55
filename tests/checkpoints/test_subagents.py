"""Sub-agents' changes belong to their parent run's checkpoint, which names every agent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from wakeful.testing.workspace_state import dirs_of, files_of


@pytest.mark.slow
def test_sub_agent_changes_are_checkpointed_and_rewound(
    cli: Callable[..., Any], git_repo: Path, script: Callable[..., Path]
) -> None:
    (git_repo / ".wakeful").mkdir(exist_ok=True)
    (git_repo / ".wakeful" / "config.toml").write_text("[agents]\nmax_parallel = 1\n")
    start, start_dirs = files_of(git_repo), dirs_of(git_repo)
    turns = script(
        "fanout",
        [
            {"tool_calls": [{"name": "delegate", "input": {
                "tasks": [{"prompt": "restructure"}, {"prompt": "add docs"}], "kind": "fork",
                "isolation": "none"}}]},  # both write in the user's tree, one at a time
            {"tool_calls": [{"name": "bash", "input": {
                "command": "mkdir -p lib && mv app.py lib/app.py && chmod +x check.py"}}]},
            {"text": "moved app.py"},
            {"tool_calls": [{"name": "write", "input": {"path": "docs/README.md", "content": "d"}}]},
            {"text": "wrote docs"},
            {"text": "both done"},
        ],
    )  # fmt: skip
    r = cli(
        ["-p", "two workers", "--model", f"scripted:{turns}", "--permission-mode", "auto",
         "--output-format", "json"],
        cwd=git_repo,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    out = r.json()
    assert out["result"] == "both done" and out["checkpoint"]
    assert (git_repo / "lib" / "app.py").exists() and (git_repo / "docs" / "README.md").exists()
    listed = cli(["checkpoints", "--json"], cwd=git_repo).json()
    assert len(listed) == 1 and set(listed[0]["agents"]) == {"fork-1", "fork-2"}
    assert cli(["rewind", "--yes"], cwd=git_repo).returncode == 0
    assert files_of(git_repo) == start and dirs_of(git_repo) == start_dirs
