"""Snapshots from the walk cache (only changed directories walked again) equal snapshots
of a full walk, whatever changed in between, including changes within the file system's
timestamp granularity (a stat within `racy_ns` of a snapshot is not trusted)."""

from __future__ import annotations

import os
import random
import subprocess
import time
from pathlib import Path

import pytest

from wakeful.checkpoints import CheckpointStore, Settings
from wakeful.checkpoints.git import Git
from wakeful.checkpoints.store import RACY_NS


def _full_tree(repo: Path, n: int) -> str:
    """The tree a store without any cache computes now."""
    return _full_state(repo, n)[0]


def _full_state(repo: Path, n: int) -> tuple[str, tuple[str, ...]]:
    """The tree and the directories without a file of it, from a store without any cache."""
    fresh = CheckpointStore(repo, repo / ".wakeful" / f"fresh{n}", Settings(max_file_bytes=64))
    with fresh.locked():
        tree = fresh.snapshot()
        return tree, fresh.bare_dirs(tree)


def _tick() -> None:
    time.sleep(0.03)  # past the file system's timestamp granularity


def _ops(repo: Path) -> list:  # type: ignore[type-arg]
    def edit() -> None:
        with (repo / "src" / "a.py").open("a") as fh:
            fh.write("x = 1\n")

    def new_deep() -> None:
        (repo / "src" / "deep" / "er").mkdir(parents=True, exist_ok=True)
        (repo / "src" / "deep" / "er" / "new.txt").write_text("new\n")

    def empty_dir_then_file() -> None:
        (repo / "lonely").mkdir(exist_ok=True)

    def fill_empty_dir() -> None:
        (repo / "lonely").mkdir(exist_ok=True)
        (repo / "lonely" / "now.txt").write_text("filled\n")

    def rm() -> None:
        for p in sorted((repo / "src").glob("*.py"))[:1]:
            p.unlink()

    def mv() -> None:
        src = repo / "src" / "b.py"
        if src.exists():
            src.rename(repo / "src" / "deep" / "b.py") if (repo / "src" / "deep").is_dir() else None

    def chmod() -> None:
        p = repo / "run.sh"
        p.chmod(p.stat().st_mode ^ 0o100)

    def link() -> None:
        target = repo / "src" / "lnk"
        if not target.is_symlink():
            target.symlink_to("a.py")

    def gitignore() -> None:
        (repo / "src" / ".gitignore").write_text("*.log\n")

    def ignored_small_and_big() -> None:
        (repo / "src" / "small.log").write_text("s\n")
        (repo / "src" / "big.log").write_text("b" * 200)

    def shrink_big() -> None:
        big = repo / "src" / "big.log"
        if big.exists():
            big.write_text("b\n")

    def ignored_dir() -> None:
        (repo / "build").mkdir(exist_ok=True)
        (repo / "build" / "out.o").write_text("o\n")

    def unignore_build() -> None:  # rewritten in place: the root directory's stat is unchanged
        with (repo / ".gitignore").open("r+") as fh:
            fh.truncate(0)
            fh.write("# nothing ignored\n")

    def reignore_build() -> None:
        with (repo / ".gitignore").open("r+") as fh:
            fh.truncate(0)
            fh.write("build/\n")

    def touch_same() -> None:
        os.utime(repo / "run.sh")

    def empty_dirs() -> None:
        (repo / "src" / "hollow" / "deeper").mkdir(parents=True, exist_ok=True)

    def rmdir_empty() -> None:
        for d in ("src/hollow/deeper", "src/hollow", "lonely"):
            try:
                (repo / d).rmdir()
                return
            except OSError:
                continue

    return [edit, new_deep, empty_dir_then_file, fill_empty_dir, rm, mv, chmod, link,
            gitignore, ignored_small_and_big, shrink_big, ignored_dir, unignore_build,
            reignore_build, touch_same, empty_dirs, rmdir_empty]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("racy_ns", [0, RACY_NS])
def test_cached_snapshots_equal_full_walks(git_repo: Path, racy_ns: int) -> None:
    (git_repo / "src").mkdir()
    for name in ("a.py", "b.py", "c.py"):
        (git_repo / "src" / name).write_text(f"# {name}\n")
    (git_repo / "run.sh").write_text("echo hi\n")
    (git_repo / ".gitignore").write_text("build/\n")
    store = CheckpointStore(
        git_repo, git_repo / ".wakeful" / "checkpoints", Settings(max_file_bytes=64), racy_ns
    )
    with store.locked():
        store.snapshot()
    rng = random.Random(13)
    ops = _ops(git_repo)
    for step in range(40):
        _tick()
        rng.choice(ops)()
        if racy_ns == 0:
            _tick()  # the next stat must see the change's own timestamp
        with store.locked():
            cached = store.snapshot()
            bare = store.bare_dirs(cached)
        assert (cached, bare) == _full_state(git_repo, step), f"step {step}"


@pytest.mark.parametrize("watch", [False, True])
def test_an_ignored_file_growing_past_the_cap_leaves_even_when_its_folder_changed(
    git_repo: Path, watch: bool
) -> None:
    """The random walk above found this once its folder's stat was too recent to trust:
    `git status` of the changed folder listed the grown file as modified and put it back."""
    (git_repo / "src").mkdir()
    (git_repo / "src" / ".gitignore").write_text("*.log\n")
    (git_repo / "src" / "big.log").write_text("b\n")
    store = CheckpointStore(
        git_repo, git_repo / ".wakeful" / "checkpoints", Settings(max_file_bytes=64), 0, watch
    )
    try:
        with store.locked():
            store.snapshot()
        _tick()
        (git_repo / "src" / "big.log").write_text("b" * 200)
        (git_repo / "src" / "new.txt").write_text("new\n")  # the folder changes too
        _tick()
        with store.locked():
            tree = store.snapshot()
        assert "src/big.log" in store.skipped
        files = store.git.text("ls-tree", "-r", "--name-only", tree).split()
        assert "src/new.txt" in files and "src/big.log" not in files
        assert tree == _full_tree(git_repo, 0)
    finally:
        store.close()


def test_nothing_changed_costs_one_git_process(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CheckpointStore(git_repo, git_repo / ".wakeful" / "checkpoints", racy_ns=0)
    with store.locked():
        first = store.snapshot()
    _tick()
    with store.locked():
        store.snapshot()  # the stats of the first snapshot may be within one tick
    calls: list[str] = []
    real = Git.run

    def counting(self: Git, *args: str, **kw: object) -> bytes:
        calls.append(args[0])
        return real(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Git, "run", counting)
    with store.locked():
        assert store.snapshot() == first
    assert calls == ["diff-files"]
    # A corrupt cache is not trusted: the whole workspace is walked again.
    (store.folder / "walk-cache.json").write_text("{not json")
    calls.clear()
    with store.locked():
        assert store.snapshot() == first
    assert "status" in calls
    subprocess.run(["git", "status"], cwd=git_repo, check=True, capture_output=True)
