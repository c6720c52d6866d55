"""Headless runs through the real CLI are checkpointed; `wakeful rewind` undoes them exactly."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from wakeful.testing.workspace_state import dirs_of, files_of, git_state

BASH_EDITS = (
    "rm check.py && mv notes.txt moved.txt && chmod +x app.py && chmod -x run.sh"
    " && mkdir -p newdir/sub && echo hi > newdir/sub/f.txt && echo more >> debug.log"
    " && rm -r docs && ln -sf app.py newlink && printf 'a\\r\\nb' > crlf.txt"
)


def _prepare(repo: Path) -> None:
    """Untracked, ignored, executable, CRLF files, a stash entry and a branch."""
    (repo / ".gitignore").write_text("*.log\n")
    (repo / "run.sh").write_text("#!/bin/sh\necho run\n")
    os.chmod(repo / "run.sh", 0o755)
    (repo / ".gitattributes").write_text("* text=auto\n")
    (repo / "crlf.txt").write_bytes(b"x\r\ny\r\n")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "more"], cwd=repo, check=True)
    (repo / "app.py").write_text("PORT = 9090\n")
    subprocess.run(["git", "stash", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "branch", "feature"], cwd=repo, check=True)
    (repo / "notes.txt").write_text("untracked notes\n")
    (repo / "debug.log").write_text("ignored log\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "guide.md").write_bytes(bytes(range(256)))
    subprocess.run(["git", "add", "notes.txt"], cwd=repo, check=True)  # staged, not committed


def _run(cli, script, repo: Path, turns: list[dict]) -> dict:  # type: ignore[no-untyped-def]
    path = script("run", turns)
    r = cli(
        [
            "-p",
            "change things",
            "--model",
            f"scripted:{path}",
            "--output-format",
            "json",
            "--permission-mode",
            "auto",
        ],
        cwd=repo,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    return r.json()


def test_rewind_restores_tool_and_bash_changes_byte_for_byte(cli, script, git_repo: Path) -> None:
    _prepare(git_repo)
    before_files, before_dirs, before_git = (
        files_of(git_repo),
        dirs_of(git_repo),
        git_state(git_repo),
    )
    out = _run(
        cli,
        script,
        git_repo,
        [
            {"tool_calls": [{"name": "write", "input": {"path": "new.py", "content": "N = 1\n"}}]},
            {"tool_calls": [{"name": "read", "input": {"path": "app.py"}}]},
            {
                "tool_calls": [
                    {
                        "name": "edit",
                        "input": {
                            "path": "app.py",
                            "old_string": "PORT = 8080",
                            "new_string": "PORT = 1",
                        },
                    }
                ]
            },
            {"tool_calls": [{"name": "bash", "input": {"command": BASH_EDITS}}]},
            {"text": "done"},
        ],
    )
    assert out["checkpoint"], out
    after_files = files_of(git_repo)
    assert after_files != before_files and "newdir/sub/f.txt" in after_files
    assert not (git_repo / "check.py").exists()

    listed = cli(["checkpoints", "--json"], cwd=git_repo).json()
    assert listed[0]["id"] == out["checkpoint"] and listed[0]["session"] == out["session_id"]
    assert {"new.py", "app.py", "check.py", "moved.txt", "newdir/sub/f.txt", "debug.log"} <= set(
        listed[0]["changed"]
    )
    # The run's own file tools wrote new.py and app.py; its bash command changed the rest.
    assert listed[0]["own"] == ["app.py", "new.py"] and listed[0]["shell"] is True
    assert listed[0]["overlapping"] == []

    dry = cli(["rewind", "--dry-run"], cwd=git_repo)
    assert dry.returncode == 0 and "delete   newdir/sub/f.txt" in dry.stdout
    assert files_of(git_repo) == after_files

    r = cli(["rewind", "--yes"], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    assert files_of(git_repo) == before_files
    assert dirs_of(git_repo) == before_dirs
    assert git_state(git_repo) == before_git

    # The rewind is a checkpoint too: rewinding it brings the run's changes back.
    undo = r.stdout.split("wakeful rewind ")[-1].strip()
    r = cli(["rewind", undo, "--yes"], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    assert files_of(git_repo) == after_files
    assert git_state(git_repo) == before_git


def test_a_run_that_changes_nothing_makes_no_checkpoint(cli, script, git_repo: Path) -> None:
    out = _run(
        cli,
        script,
        git_repo,
        [{"tool_calls": [{"name": "read", "input": {"path": "app.py"}}]}, {"text": "read it"}],
    )
    assert out["checkpoint"] is None
    # Read-only calls start no git process at all: the store was not even created.
    assert not (git_repo / ".wakeful" / "checkpoints").exists()
    out = _run(
        cli,
        script,
        git_repo,
        [{"tool_calls": [{"name": "bash", "input": {"command": "touch app.py"}}]}, {"text": "ok"}],
    )
    assert out["checkpoint"] is None
    assert cli(["checkpoints", "--json"], cwd=git_repo).json() == []


def test_rewind_refuses_to_overwrite_changes_made_since(cli, script, git_repo: Path) -> None:
    out = _run(
        cli,
        script,
        git_repo,
        [
            {"tool_calls": [{"name": "read", "input": {"path": "app.py"}}]},
            {"tool_calls": [{"name": "write", "input": {"path": "app.py", "content": "A\n"}}]},
            {"text": "ok"},
        ],
    )
    assert out["checkpoint"]
    assert (git_repo / "app.py").read_text() == "A\n"
    (git_repo / "app.py").write_text("the user's own edit\n")
    (git_repo / "unrelated.txt").write_text("also the user's\n")
    r = cli(["rewind", "--yes"], cwd=git_repo)
    assert r.returncode != 0
    assert "app.py" in r.stderr and "unrelated.txt" in r.stderr and "--force" in r.stderr
    assert "Traceback" not in r.stderr
    assert (git_repo / "app.py").read_text() == "the user's own edit\n"
    r = cli(["rewind", "--yes", "--force"], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    assert (git_repo / "app.py").read_text().startswith("PORT = 8080")
    assert not (git_repo / "unrelated.txt").exists()
    # Even a forced rewind is undoable: the user's edits come back.
    undo = r.stdout.split("wakeful rewind ")[-1].strip()
    assert cli(["rewind", undo, "--yes"], cwd=git_repo).returncode == 0
    assert (git_repo / "app.py").read_text() == "the user's own edit\n"
    assert (git_repo / "unrelated.txt").read_text() == "also the user's\n"


def test_rewind_without_confirmation_or_checkpoints_explains(cli, script, git_repo: Path) -> None:
    r = cli(["rewind", "--yes"], cwd=git_repo)
    assert r.returncode != 0 and "no checkpoints" in r.stderr and "Traceback" not in r.stderr
    _run(
        cli,
        script,
        git_repo,
        [
            {"tool_calls": [{"name": "write", "input": {"path": "n.txt", "content": "n"}}]},
            {"text": "ok"},
        ],
    )
    r = cli(["rewind"], cwd=git_repo, input="")
    assert r.returncode != 0 and "--yes" in r.stderr
    assert (git_repo / "n.txt").exists()
    r = cli(["rewind", "999", "--yes"], cwd=git_repo)
    assert r.returncode != 0 and "no checkpoint '999'" in r.stderr


def test_a_change_that_cannot_be_checkpointed_is_not_made(cli, script, git_repo: Path) -> None:
    (git_repo / ".wakeful").mkdir(exist_ok=True)
    (git_repo / ".wakeful" / "checkpoints").write_text("in the way")  # the store cannot open
    path = script(
        "run",
        [
            {"tool_calls": [{"name": "bash", "input": {"command": "echo x > new.txt"}}]},
            {"tool_calls": [{"name": "write", "input": {"path": "w.txt", "content": "w"}}]},
            {"text": "ok"},
        ],
    )
    r = cli(
        ["-p", "go", "--model", f"scripted:{path}", "--output-format", "stream-json",
         "--permission-mode", "auto"],
        cwd=git_repo,
    )  # fmt: skip
    assert not (git_repo / "new.txt").exists() and not (git_repo / "w.txt").exists()
    assert "checkpoint failed: cannot open the checkpoint store" in r.stdout
    assert "Traceback" not in r.stderr
