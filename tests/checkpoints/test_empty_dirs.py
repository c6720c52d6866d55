"""Empty directories: git trees cannot hold them, so a checkpoint records them beside its
tree, and a rewind recreates the ones a run removed and removes the ones it made."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from wakeful.checkpoints.store import CheckpointStore
from wakeful.testing.workspace_state import dirs_of, files_of, git_state


def _run(
    cli: Callable[..., Any], script: Callable[..., Path], repo: Path, command: str
) -> dict[str, Any]:
    path = script("run", [
        {"tool_calls": [{"name": "bash", "input": {"command": command}}]},
        {"text": "done"},
    ])  # fmt: skip
    r = cli(
        ["-p", "dirs", "--model", f"scripted:{path}", "--output-format", "json",
         "--permission-mode", "auto"],
        cwd=repo,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    out: dict[str, Any] = r.json()
    return out


def _prepare(repo: Path) -> None:
    (repo / "empty").mkdir()
    (repo / "nest" / "deep" / "er").mkdir(parents=True)
    (repo / "held").mkdir()
    (repo / "held" / "f.txt").write_text("f\n")
    (repo / ".gitignore").write_text("*.log\nbuild/\n")
    (repo / "logs").mkdir()  # an ignored file under the size cap: snapshotted
    (repo / "logs" / "x.log").write_text("log\n")


def _state(repo: Path) -> tuple[Any, ...]:
    return files_of(repo), dirs_of(repo), git_state(repo)


@pytest.mark.slow  # four runs of the real CLI: about 3.5 CPU s
def test_rewind_restores_empty_directories_byte_for_byte(
    cli: Callable[..., Any], script: Callable[..., Path], git_repo: Path
) -> None:
    _prepare(git_repo)
    before = _state(git_repo)
    out = _run(
        cli,
        script,
        git_repo,
        "rmdir empty && rm -r nest && rm held/f.txt && mkdir -p made/sub other"
        " && mkdir filled && echo x > filled/x.txt",
    )
    assert out["checkpoint"], out
    after = _state(git_repo)
    assert after[1] != before[1]
    dry = cli(["rewind", "--dry-run"], cwd=git_repo)
    assert dry.returncode == 0, dry.stderr
    for line in ("recreate empty/", "recreate nest/deep/er/", "delete   made/sub/"):
        assert line in dry.stdout, dry.stdout
    r = cli(["rewind", "--yes"], cwd=git_repo)
    assert r.returncode == 0, r.stdout + r.stderr
    assert _state(git_repo) == before
    # The rewind is a checkpoint that records directories too: undoing it brings them back.
    undo = r.stdout.split("wakeful rewind ")[-1].strip()
    r = cli(["rewind", undo, "--yes"], cwd=git_repo)
    assert r.returncode == 0, r.stdout + r.stderr
    assert _state(git_repo) == after


@pytest.mark.slow  # three runs of the real CLI: about 3 CPU s
def test_a_run_that_only_makes_or_removes_a_directory_is_checkpointed(
    cli: Callable[..., Any], script: Callable[..., Path], git_repo: Path
) -> None:
    _prepare(git_repo)
    before = _state(git_repo)
    out = _run(cli, script, git_repo, "mkdir -p only/dirs && rmdir empty")
    assert out["checkpoint"], out
    listed = cli(["checkpoints", "--json"], cwd=git_repo).json()
    assert set(listed[-1]["changed"]) == {"only/", "only/dirs/", "empty/"}
    r = cli(["rewind", "--yes"], cwd=git_repo)
    assert r.returncode == 0, r.stdout + r.stderr
    assert _state(git_repo) == before


@pytest.mark.parametrize("watch", [False, True])
def test_a_rewind_leaves_a_directory_with_left_out_files_and_never_follows_links(
    git_repo: Path, tmp_path: Path, watch: bool
) -> None:
    _prepare(git_repo)
    outside = tmp_path / "outside"
    outside.mkdir()
    store = CheckpointStore.for_workspace(git_repo, watch=watch)
    try:
        with store.locked():
            store.snapshot()  # a watching store arms here
        cp = store.begin("s", "main", "run")
        os.rmdir(git_repo / "empty")
        (git_repo / "new" / "build").mkdir(parents=True)  # an ignored directory: left out
        (git_repo / "new" / "build" / "y.o").write_text("built\n")
        os.rename(git_repo / "nest", git_repo / "nest2")
        os.symlink(outside, git_repo / "nest")  # a rewind must not make nest/deep/er there
        assert store.finish(cp) is not None
        plan, _ = store.rewind(cp.id, force=True)
        assert {"empty", "nest", "nest/deep", "nest/deep/er"} <= set(plan.mkdirs)
        assert "nest2/deep/er" in plan.rmdirs
        assert (git_repo / "empty").is_dir()
        assert (git_repo / "new" / "build" / "y.o").exists()  # not empty: left as it is
        assert list(outside.iterdir()) == []
    finally:
        store.close()
