"""A night of unattended work can be undone run by run: the journal names each run's
checkpoint, and `wakeful rewind ID` restores the files as they were before that run."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

from wakeful.testing.workspace_state import dirs_of, files_of

if TYPE_CHECKING:
    from conftest import Workspace


def _job(ws: Workspace, name: str, command: str) -> None:
    turns = ws.root.parent / f"{name}.json"
    turns.write_text(
        json.dumps(
            {
                "turns": [
                    {"tool_calls": [{"name": "bash", "input": {"command": command}}]},
                    {"text": f"{name} done"},
                ]
            }
        )
    )
    ws.cli(
        "schedule", "add", name, "--every", "1h", "--prompt", name,
        "--model", f"scripted:{turns}", "--permission-mode", "auto",
    )  # fmt: skip


def test_daemon_runs_are_checkpointed_and_rewound_one_by_one(ws: Workspace) -> None:
    (ws.root / "keep.txt").write_text("keep\n")
    (ws.root / "gone.txt").write_text("gone\n")
    (ws.root / "tool.sh").write_text("#!/bin/sh\n")
    os.chmod(ws.root / "tool.sh", 0o644)
    start_files, start_dirs = files_of(ws.root), dirs_of(ws.root)
    _job(
        ws,
        "first",
        "echo new > made.txt && rm gone.txt && chmod +x tool.sh && mkdir -p a/b"
        " && mv keep.txt a/b/moved.txt",
    )
    _job(ws, "second", "echo again >> made.txt && rm -r a")
    ws.start()
    ws.cli("schedule", "run", "first", "--wait", "--timeout", "30")
    after_first = files_of(ws.root)
    ws.cli("schedule", "run", "second", "--wait", "--timeout", "30")
    assert not (ws.root / "a").exists() and (ws.root / "made.txt").read_text() == "new\nagain\n"

    listed = json.loads(ws.cli("checkpoints", "--json").stdout)
    by_run = {c["run"].split(" run ")[0]: c for c in listed}
    assert set(by_run) == {"job first", "job second"}
    first, second = by_run["job first"]["id"], by_run["job second"]["id"]
    journal = ws.journal()
    assert (
        f"checkpoint: {first} (undo this run's file changes: `wakeful rewind {first}`)" in journal
    )
    assert f"`wakeful rewind {second}`" in journal

    # Undo the second run only, then the first.
    ws.cli("rewind", second, "--yes")
    assert files_of(ws.root) == after_first
    ws.cli("rewind", first, "--yes")
    assert files_of(ws.root) == start_files
    assert dirs_of(ws.root) == start_dirs


def test_a_daemon_job_with_worktree_isolation_works_on_a_branch(ws: Workspace) -> None:
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=ws.root, capture_output=True, text=True, check=True
        ).stdout

    (ws.root / ".wakeful" / ".gitignore").write_text("*\n")
    (ws.root / "app.py").write_text("X = 1\n")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "init")
    start_files, start_head = files_of(ws.root), git("rev-parse", "HEAD")
    start_index = (ws.root / ".git" / "index").read_bytes()
    turns = ws.root.parent / "iso.json"
    turns.write_text(
        json.dumps(
            {
                "turns": [
                    {"tool_calls": [{"name": "bash", "input": {"command": "echo night > night.txt"}}]},
                    {"text": "iso done"},
                ]
            }
        )
    )  # fmt: skip
    ws.cli(
        "schedule", "add", "iso", "--every", "1h", "--prompt", "iso", "--isolation", "worktree",
        "--model", f"scripted:{turns}", "--permission-mode", "auto",
    )  # fmt: skip
    assert json.loads(ws.cli("schedule", "list", "--json").stdout)[0]["isolation"] == "worktree"
    ws.start()
    ws.cli("schedule", "run", "iso", "--wait", "--timeout", "30")
    assert files_of(ws.root) == start_files and not (ws.root / "night.txt").exists()
    assert git("rev-parse", "HEAD") == start_head
    assert (ws.root / ".git" / "index").read_bytes() == start_index

    listed = json.loads(ws.cli("worktrees", "list", "--json").stdout)
    assert len(listed) == 1
    wt = listed[0]
    assert (wt["kind"], wt["job"], wt["state"], wt["ahead"]) == ("daemon", "iso", "committed", 1)
    assert git("show", f"{wt['branch']}:night.txt") == "night\n"
    assert f"worktree: {wt['id']} on branch {wt['branch']} (committed)" in ws.journal()
    assert "wakeful rewind" not in ws.journal()  # the run changed no file of the checkout

    # A daemon run's worktree is kept until reviewed: pruning never removes it.
    (ws.root / ".wakeful" / "config.toml").write_text(
        (ws.root / ".wakeful" / "config.toml").read_text() + "\n[worktrees]\nkeep = 0\n"
    )
    assert json.loads(ws.cli("worktrees", "prune", "--json").stdout) == {"pruned": []}
    ws.cli("worktrees", "merge", wt["id"])
    assert (ws.root / "night.txt").read_text() == "night\n"
