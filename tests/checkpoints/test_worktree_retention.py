"""Worktree retention: directories are pruned by count and age, their branches (with any
leftover changes committed) stay; worktrees in use and daemon runs' worktrees are kept."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from wakeful.checkpoints.worktrees import WorktreeError, WorktreeManager, WorktreeSettings
from wakeful.core.config import Config
from wakeful.core.errors import ConfigError
from wakeful.core.locks import pid_alive


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, capture_output=True, text=True, check=True
    ).stdout


def _finished(manager: WorktreeManager, run: str, kind: str = "run") -> str:
    wt = manager.create(run, kind=kind, job="nightly" if kind == "daemon" else None)
    Path(wt.path, f"{run}.txt").write_text(run)
    manager.commit(wt, f"wakeful: {run}")
    manager.release(wt)
    return wt.id


@pytest.mark.slow
def test_prune_keeps_the_newest_and_the_branches(git_repo: Path) -> None:
    roomy = WorktreeManager(git_repo, WorktreeSettings(keep=3, max_age_days=14))
    old = _finished(roomy, "first")
    nightly = _finished(roomy, "nightly", kind="daemon")
    mid = _finished(roomy, "second")
    assert all(roomy.status(w).exists for w in roomy.all())
    # An interrupted run left a change uncommitted in the oldest one.
    Path(roomy.get(old).path, "left.txt").write_text("left\n")
    manager = WorktreeManager(git_repo, WorktreeSettings(keep=1, max_age_days=14))
    new = _finished(manager, "third")  # creating prunes: keep = 1 leaves this (and nightly)
    states = {w.id: manager.status(w) for w in manager.all()}
    assert [i for i, s in states.items() if s.exists] == [nightly, new]
    assert not states[old].exists and not states[mid].exists
    assert (states[old].state, states[old].ahead) == ("committed", 2)
    assert _git(git_repo, "show", f"wakeful/{old}:left.txt") == "left\n"  # nothing lost
    assert _git(git_repo, "show", f"wakeful/{mid}:second.txt") == "second"
    # A pruned worktree still merges from its branch.
    manager.merge(mid, git_repo)
    assert (git_repo / "second.txt").read_text() == "second"
    assert _git(git_repo, "branch", "--list", f"wakeful/{mid}") == ""


def test_prune_by_age_spares_worktrees_in_use(git_repo: Path) -> None:
    manager = WorktreeManager(git_repo, WorktreeSettings(keep=10, max_age_days=1))
    done = _finished(manager, "done")
    busy = manager.create("busy")  # held by this process: in use
    later = time.time() + 2 * 86400
    assert manager.prune(now=later) == [done]
    assert Path(busy.path).is_dir()
    manager.release(busy)
    assert manager.prune(now=later) == [busy.id]


def test_a_branch_deleted_by_the_user_drops_the_record(git_repo: Path) -> None:
    manager = WorktreeManager(git_repo, WorktreeSettings())
    wid = _finished(manager, "gone")
    _git(git_repo, "worktree", "remove", "--force", manager.get(wid).path)
    _git(git_repo, "branch", "-D", f"wakeful/{wid}")
    manager.prune()
    assert manager.all() == []


def test_worktree_settings_are_checked() -> None:
    config = Config()
    config.set("worktrees", value={"keep": "many"})
    with pytest.raises(ConfigError, match="worktrees.keep` must be an integer"):
        WorktreeSettings.from_config(config)
    config.set("worktrees", value={"keep": -1})
    with pytest.raises(WorktreeError, match="0 or more"):
        WorktreeSettings.from_config(config)
    config.set("worktrees", value={"keep": 3, "include_uncommitted": False})
    assert WorktreeSettings.from_config(config) == WorktreeSettings(3, 14.0, False)


def test_merge_commits_what_an_interrupted_run_left(git_repo: Path) -> None:
    manager = WorktreeManager(git_repo, WorktreeSettings())
    wt = manager.create("cut short")
    Path(wt.path, "half.txt").write_text("half\n")
    manager.update(wt, pid=2**22 + 12345)  # a process that is gone
    assert not pid_alive(2**22 + 12345)
    manager.merge(wt.id, git_repo, squash=True)
    assert (git_repo / "half.txt").read_text() == "half\n"
