"""Isolated worktrees: `-p --worktree` works on a branch of its own under .wakeful/worktrees/,
the user's files and git state stay exactly as they were, and `wakeful worktrees` lists,
merges and discards the result."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from wakeful.testing.workspace_state import files_of, git_text, user_state


def _run(
    cli: Callable[..., Any],
    script: Callable[..., Path],
    repo: Path,
    turns: list[dict[str, Any]],
    *extra: str,
    cwd: Path | None = None,
) -> dict[str, Any]:
    path = script("run", turns)
    r = cli(
        ["-p", "work", "--model", f"scripted:{path}", "--output-format", "json",
         "--permission-mode", "auto", *extra],
        cwd=cwd or repo,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    return r.json()


EDITS = [
    {"tool_calls": [{"name": "write", "input": {"path": "new.py", "content": "N = 1\n"}}]},
    {"tool_calls": [{"name": "bash", "input": {"command": "echo 'X = 2' >> app.py && rm check.py"}}]},
    {"text": "done"},
]  # fmt: skip


def test_worktree_run_leaves_the_user_tree_untouched_and_makes_a_branch(
    cli: Callable[..., Any], script: Callable[..., Path], git_repo: Path
) -> None:
    # The user's tree: a staged file, an untracked one, an edit, and a stash entry.
    (git_repo / "app.py").write_text("PORT = 1\n")
    git_text(git_repo, "stash", "-q")
    (git_repo / "staged.txt").write_text("staged\n")
    git_text(git_repo, "add", "staged.txt")
    (git_repo / "notes.txt").write_text("mine\n")
    (git_repo / "app.py").write_text("PORT = 2\n")
    before = user_state(git_repo)

    out = _run(cli, script, git_repo, EDITS, "--worktree")
    wt = out["worktree"]
    assert wt and wt["branch"] == f"wakeful/{wt['id']}" and wt["commit"]
    assert Path(wt["path"]) == git_repo / ".wakeful" / "worktrees" / wt["id"]
    assert user_state(git_repo) == before  # byte-identical files; HEAD, index, stash, refs

    branch = wt["branch"]
    # The branch starts from HEAD plus the user's uncommitted changes, then the agent's work.
    assert git_text(git_repo, "show", f"{branch}:new.py") == "N = 1\n"
    assert git_text(git_repo, "show", f"{branch}:app.py") == "PORT = 2\nX = 2\n"
    assert git_text(git_repo, "show", f"{branch}:notes.txt") == "mine\n"
    assert git_text(git_repo, "show", f"{branch}:staged.txt") == "staged\n"
    names = git_text(git_repo, "ls-tree", "--name-only", branch).split()
    assert "check.py" not in names and ".wakeful" not in names
    log = git_text(git_repo, "log", "--format=%s", f"HEAD..{branch}").splitlines()
    assert log[0] == f"wakeful: session {out['session_id']} turn 1"
    assert log[1].startswith("wakeful: your uncommitted changes")

    listed = cli(["worktrees", "list", "--json"], cwd=git_repo).json()
    assert len(listed) == 1
    item = listed[0]
    assert (item["id"], item["branch"], item["state"], item["ahead"]) == (
        wt["id"], branch, "committed", 2,
    )  # fmt: skip
    assert item["base"] == git_text(git_repo, "rev-parse", "HEAD").strip()
    assert item["kind"] == "run" and not item["pruned"] and not item["running"]
    assert out["session_id"] in item["run"]
    # The session lives in the main checkout's .wakeful/, not in the worktree.
    sessions = cli(["sessions", "list", "--json"], cwd=git_repo).json()
    assert [s["id"] for s in sessions] == [out["session_id"]]


def test_merge_brings_the_work_in_and_removes_the_worktree(
    cli: Callable[..., Any], script: Callable[..., Path], git_repo: Path
) -> None:
    out = _run(cli, script, git_repo, EDITS, "--worktree")
    wt = out["worktree"]
    head = git_text(git_repo, "rev-parse", "HEAD").strip()
    r = cli(["worktrees", "merge", wt["id"]], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    assert (git_repo / "new.py").read_text() == "N = 1\n"
    assert not (git_repo / "check.py").exists()
    assert git_text(git_repo, "rev-parse", "HEAD^1").strip() == head  # a merge commit on main
    assert git_text(git_repo, "status", "--porcelain") == ""
    assert not Path(wt["path"]).exists()
    assert wt["branch"] not in git_text(git_repo, "branch", "--list")
    assert cli(["worktrees", "list", "--json"], cwd=git_repo).json() == []


def test_squash_merge_makes_one_commit(
    cli: Callable[..., Any], script: Callable[..., Path], git_repo: Path
) -> None:
    out = _run(cli, script, git_repo, EDITS, "--worktree")
    head = git_text(git_repo, "rev-parse", "HEAD").strip()
    r = cli(["worktrees", "merge", out["worktree"]["id"], "--squash", "--json"], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    assert r.json()["squash"] is True
    assert git_text(git_repo, "rev-list", "--parents", "-1", "HEAD").split()[1:] == [head]
    assert (git_repo / "new.py").exists() and git_text(git_repo, "status", "--porcelain") == ""


def test_merge_refuses_a_dirty_tree_and_a_conflict_touching_nothing(
    cli: Callable[..., Any], script: Callable[..., Path], git_repo: Path
) -> None:
    out = _run(cli, script, git_repo, EDITS, "--worktree")
    wid = out["worktree"]["id"]
    (git_repo / "check.py").write_text("changed by the user\n")
    before = user_state(git_repo)
    r = cli(["worktrees", "merge", wid], cwd=git_repo)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "uncommitted changes (check.py)" in r.stderr and "Commit or stash" in r.stderr
    assert user_state(git_repo) == before

    # The user commits a different edit to the line the agent changed: a conflict.
    (git_repo / "app.py").write_text((git_repo / "app.py").read_text() + "X = 3\n")
    git_text(git_repo, "commit", "-qam", "mine")
    before = user_state(git_repo)
    r = cli(["worktrees", "merge", wid], cwd=git_repo)
    assert r.returncode != 0 and "would conflict in app.py" in r.stderr, r.stderr
    assert "your tree is untouched" in r.stderr
    assert user_state(git_repo) == before
    assert not (git_repo / ".git" / "MERGE_HEAD").exists()
    assert Path(out["worktree"]["path"]).is_dir()  # nothing lost: still there to resolve


def test_discard_removes_the_worktree_and_its_branch(
    cli: Callable[..., Any], script: Callable[..., Path], git_repo: Path
) -> None:
    out = _run(cli, script, git_repo, EDITS, "--worktree")
    wt = out["worktree"]
    r = cli(["worktrees", "discard", wt["id"]], cwd=git_repo)
    assert r.returncode == 2 and "pass --yes" in r.stderr
    assert Path(wt["path"]).is_dir()
    r = cli(["worktrees", "discard", wt["id"], "--yes"], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    assert not Path(wt["path"]).exists()
    assert git_text(git_repo, "branch", "--list", "wakeful/*") == ""
    assert git_text(git_repo, "worktree", "list").count("\n") == 1
    r = cli(["worktrees", "discard", wt["id"], "--yes"], cwd=git_repo)
    assert r.returncode == 1 and "no worktree" in r.stderr and "worktrees list" in r.stderr


def test_worktree_needs_a_commit_to_branch_from(
    cli: Callable[..., Any], script: Callable[..., Path], tmp_path: Path
) -> None:
    repo = tmp_path / "empty"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    path = script("run", EDITS)
    r = cli(["-p", "x", "--model", f"scripted:{path}", "--worktree"], cwd=repo)
    assert r.returncode == 1 and "no commit yet" in r.stderr and "Traceback" not in r.stderr


def test_checkpoints_and_rewind_work_inside_the_worktree(
    cli: Callable[..., Any], script: Callable[..., Path], git_repo: Path
) -> None:
    (git_repo / ".wakeful").mkdir(exist_ok=True)
    (git_repo / ".wakeful" / "config.toml").write_text("[worktrees]\ninclude_uncommitted = false\n")
    (git_repo / "scratch.txt").write_text("left out\n")  # untracked: not carried over
    out = _run(cli, script, git_repo, EDITS, "--worktree")
    wt = Path(out["worktree"]["path"])
    assert not (wt / "scratch.txt").exists()
    assert out["checkpoint"]
    # Run from inside the worktree: its own checkpoints, the checkout's sessions.
    listed = cli(["checkpoints", "--json"], cwd=wt).json()
    assert [c["id"] for c in listed] == [out["checkpoint"]]
    assert cli(["checkpoints", "--json"], cwd=git_repo).json() == []
    r = cli(["rewind", "--yes"], cwd=wt)
    assert r.returncode == 0, r.stderr
    assert not (wt / "new.py").exists() and (wt / "check.py").exists()
    assert cli(["sessions", "list", "--json"], cwd=wt).json()[0]["id"] == out["session_id"]


# -- the policy inside a worktree -----------------------------------------------------------


def _denied(out: dict[str, Any]) -> list[str]:
    return [d["reason"] for d in out["permission_denials"]]


def test_a_worktree_run_cannot_write_the_main_checkout(
    cli: Callable[..., Any], script: Callable[..., Path], git_repo: Path
) -> None:
    (git_repo / ".wakeful").mkdir(exist_ok=True)
    (git_repo / ".wakeful" / ".gitignore").write_text("*\n")
    before = user_state(git_repo)
    main_app = str(git_repo / "app.py")
    out = _run(
        cli,
        script,
        git_repo,
        [
            {"tool_calls": [{"name": "write", "input": {"path": main_app, "content": "owned\n"}}]},
            {"tool_calls": [{"name": "bash", "input": {"command": "echo owned >> ../../../app.py"}}]},
            {"tool_calls": [{"name": "write", "input": {
                "path": "../../../.wakeful/config.toml", "content": "permission_mode = 'bypass'\n"}}]},
            {"tool_calls": [{"name": "write", "input": {"path": "mine.txt", "content": "ok\n"}}]},
            {"text": "done"},
        ],
        "--worktree",
    )  # fmt: skip
    assert len(out["permission_denials"]) == 3, out
    assert user_state(git_repo) == before
    assert not (git_repo / ".wakeful" / "config.toml").exists()
    assert git_text(git_repo, "show", f"{out['worktree']['branch']}:mine.txt") == "ok\n"


def test_a_worktree_run_cannot_repoint_its_git_file_or_reach_git_internals(
    cli: Callable[..., Any], script: Callable[..., Path], git_repo: Path
) -> None:
    before = user_state(git_repo)
    main_git = git_repo / ".git"
    out = _run(
        cli,
        script,
        git_repo,
        [
            # `.git` in a worktree is a file naming the git directory: pointing it at the main
            # checkout's would make the end-of-run commit land on the user's branch and index.
            {"tool_calls": [{"name": "write", "input": {
                "path": ".git", "content": f"gitdir: {main_git}\n"}}]},
            {"tool_calls": [{"name": "bash", "input": {"command": f"echo 'gitdir: {main_git}' > .git"}}]},
            {"tool_calls": [{"name": "bash", "input": {"command": "rm .git"}}]},
            {"tool_calls": [{"name": "write", "input": {
                "path": str(main_git / "hooks" / "post-commit"), "content": "#!/bin/sh\n"}}]},
            {"tool_calls": [{"name": "write", "input": {"path": "new.py", "content": "N = 1\n"}}]},
            {"text": "done"},
        ],
        "--worktree",
    )  # fmt: skip
    assert len(out["permission_denials"]) == 4, out
    wt = Path(out["worktree"]["path"])
    assert (wt / ".git").read_text().startswith("gitdir: ") and str(main_git / "worktrees") in (
        wt / ".git"
    ).read_text()
    assert user_state(git_repo) == before
    assert not (main_git / "hooks" / "post-commit").exists()
    assert git_text(git_repo, "show", f"{out['worktree']['branch']}:new.py") == "N = 1\n"


def test_no_run_writes_into_another_runs_worktree(
    cli: Callable[..., Any], script: Callable[..., Path], git_repo: Path
) -> None:
    first = _run(cli, script, git_repo, EDITS, "--worktree")["worktree"]
    other = Path(first["path"])
    snapshot = files_of(other)
    target = f"../{first['id']}/new.py"
    # From a second worktree, by a relative path and through a symlink.
    second = _run(
        cli,
        script,
        git_repo,
        [
            {"tool_calls": [{"name": "write", "input": {"path": target, "content": "x\n"}}]},
            {"tool_calls": [{"name": "bash", "input": {"command": f"echo x > {target}"}}]},
            {"tool_calls": [{"name": "bash", "input": {"command": f"ln -s ../{first['id']} peer"}}]},
            {"tool_calls": [{"name": "write", "input": {"path": "peer/new.py", "content": "x\n"}}]},
            {"text": "done"},
        ],
        "--worktree",
    )  # fmt: skip
    assert len(second["permission_denials"]) >= 3, second
    # From the main checkout: .wakeful/ is protected.
    main = _run(
        cli,
        script,
        git_repo,
        [
            {"tool_calls": [{"name": "write", "input": {
                "path": f".wakeful/worktrees/{first['id']}/new.py", "content": "x\n"}}]},
            {"tool_calls": [{"name": "bash", "input": {
                "command": f"echo x > .wakeful/worktrees/{first['id']}/new.py"}}]},
            {"text": "done"},
        ],
    )  # fmt: skip
    assert len(main["permission_denials"]) == 2, main
    assert files_of(other) == snapshot


# -- sub-agents -----------------------------------------------------------------------------


def test_parallel_writing_sub_agents_get_a_worktree_each(
    cli: Callable[..., Any], script: Callable[..., Path], git_repo: Path
) -> None:
    (git_repo / ".wakeful").mkdir(exist_ok=True)
    (git_repo / ".wakeful" / ".gitignore").write_text("*\n")
    (git_repo / ".wakeful" / "config.toml").write_text("[agents]\nmax_parallel = 2\n")
    before = user_state(git_repo)
    write = {"tool_calls": [{"name": "bash", "input": {"command": "pwd > where.txt"}}]}
    out = _run(
        cli,
        script,
        git_repo,
        [
            {"tool_calls": [{"name": "delegate", "input": {
                "tasks": [{"prompt": "one"}, {"prompt": "two"}], "kind": "fresh",
                "isolation": "worktree"}}]},
            write, write, {"text": "w done"}, {"text": "w done"},
            {"text": "both done"},
        ],
    )  # fmt: skip
    assert out["result"] == "both done", out
    assert user_state(git_repo) == before
    listed = cli(["worktrees", "list", "--json"], cwd=git_repo).json()
    assert len(listed) == 2 and {w["kind"] for w in listed} == {"subagent"}
    assert len({w["path"] for w in listed}) == 2 and len({w["branch"] for w in listed}) == 2
    # Every write landed in a worktree of its own agent, none in the user's tree.
    written = set()
    for w in listed:
        try:
            written.add(git_text(git_repo, "show", f"{w['branch']}:where.txt").strip())
        except subprocess.CalledProcessError:
            pass
    assert written and written <= {w["path"] for w in listed}
    session = json.loads(
        cli(["sessions", "show", out["session_id"], "--json"], cwd=git_repo).stdout.splitlines()[-1]
    )
    assert session  # the transcript is the checkout's


@pytest.mark.parametrize("isolation", ["nowhere", 3])
def test_a_bad_isolation_is_refused_with_the_choices(
    cli: Callable[..., Any], script: Callable[..., Path], git_repo: Path, isolation: Any
) -> None:
    out = _run(
        cli,
        script,
        git_repo,
        [
            {"tool_calls": [{"name": "delegate", "input": {
                "tasks": [{"prompt": "one", "isolation": isolation}]}}]},
            {"text": "ok"},
        ],
    )  # fmt: skip
    assert out["result"] == "ok"
    assert cli(["worktrees", "list", "--json"], cwd=git_repo).json() == []


@pytest.mark.slow  # the REPL under a pseudo-terminal
def test_repl_worktree_commits_each_turn_and_clear_opens_a_new_one(
    cli: Callable[..., Any], git_repo: Path, home: Path, script: Callable[..., Path]
) -> None:
    import os
    import sys

    import pexpect

    # A new session (/clear) starts the scripted model over: both sessions write a.txt.
    turns = script(
        "repl",
        [
            {"tool_calls": [{"name": "write", "input": {"path": "a.txt", "content": "a\n"}}]},
            {"text": "wrote a"},
        ],
    )  # fmt: skip
    before = user_state(git_repo)
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_DATA_HOME": str(home / ".local/share"), "TERM": "xterm",
           "PROMPT_TOOLKIT_NO_CPR": "1"}  # fmt: skip
    for key in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL", "WAKEFUL_MODEL"):
        env.pop(key, None)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "wakeful.cli.main", "--worktree", "--model", f"scripted:{turns}",
         "--permission-mode", "auto"],
        cwd=str(git_repo), env=env, encoding="utf-8", timeout=30, dimensions=(40, 200),
    )  # fmt: skip
    try:
        child.expect("working in worktree")
        child.expect("›")
        child.sendline("write a")
        child.expect("wrote a")
        child.expect("›")
        child.sendline("/clear")
        child.expect("the work is on branch wakeful/")
        child.expect("new session")
        child.expect("›")
        child.sendline("write a again")
        child.expect("wrote a")
        child.expect("›")
        child.sendline("/exit")
        child.expect("the work is on branch wakeful/")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert user_state(git_repo) == before
    listed = cli(["worktrees", "list", "--json"], cwd=git_repo).json()
    assert len(listed) == 2 and len({w["branch"] for w in listed}) == 2
    for w in listed:
        assert (w["state"], w["ahead"]) == ("committed", 1)
        assert git_text(git_repo, "show", f"{w['branch']}:a.txt") == "a\n"


def test_schedule_add_checks_the_isolation(cli: Callable[..., Any], git_repo: Path) -> None:
    r = cli(
        ["schedule", "add", "j", "--every", "1h", "--prompt", "p", "--isolation", "tree"],
        cwd=git_repo,
    )
    assert r.returncode != 0 and "--isolation 'tree': use none or worktree" in r.stderr
    assert "Traceback" not in r.stderr
