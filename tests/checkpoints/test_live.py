"""Snapshots kept current from inotify events (`watch=True`) equal full walks, whatever
changed, with no git process when nothing changed and none for edits of known files."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from wakeful.checkpoints import CheckpointStore, Settings
from wakeful.checkpoints.git import Git

from .test_walk_cache import _full_state, _full_tree, _ops


def _watching(repo: Path, **settings: object) -> CheckpointStore:
    store = CheckpointStore(
        repo,
        repo / ".wakeful" / "checkpoints",
        Settings(**{"max_file_bytes": 64, **settings}),  # type: ignore[arg-type]
        watch=True,
    )
    with store.locked():
        store.snapshot()
    assert store.watching
    return store


def _snap(store: CheckpointStore) -> str:
    with store.locked():
        return store.snapshot()


def _seed(repo: Path) -> None:
    (repo / "src").mkdir()
    for name in ("a.py", "b.py", "c.py"):
        (repo / "src" / name).write_text(f"# {name}\n")
    (repo / "run.sh").write_text("echo hi\n")
    (repo / ".gitignore").write_text("build/\n")


def _more_ops(repo: Path) -> list:  # type: ignore[type-arg]
    def mv_dir() -> None:
        src = repo / "src" / "deep"
        if src.is_dir():
            src.rename(repo / "moved")
        elif (repo / "moved").is_dir():
            (repo / "moved").rename(src)

    def file_to_dir() -> None:
        p = repo / "src" / "c.py"
        if p.is_file():
            p.unlink()
            p.mkdir()
            (p / "inner.txt").write_text("inner\n")

    def dir_to_file() -> None:
        p = repo / "src" / "c.py"
        if p.is_dir():
            subprocess.run(["rm", "-rf", str(p)], check=True)
            p.write_text("# c again\n")

    def rm_rf_and_recreate() -> None:
        subprocess.run(["rm", "-rf", str(repo / "src")], check=True)
        (repo / "src").mkdir()
        (repo / "src" / "a.py").write_text("# a reborn\n")

    def nested_repo() -> None:
        sub = repo / "vendor" / "lib"
        if not sub.exists():
            sub.mkdir(parents=True)
            subprocess.run(["git", "init", "-q", str(sub)], check=True)
            (sub / "x.c").write_text("int x;\n")

    def grow_small_log() -> None:
        p = repo / "src" / "small.log"
        if p.exists():
            p.write_text("g" * 100)  # over the cap: an ignored file that grew is left out

    return [mv_dir, file_to_dir, dir_to_file, rm_rf_and_recreate, nested_repo, grow_small_log]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 29])
def test_watched_snapshots_equal_full_walks(git_repo: Path, seed: int) -> None:
    _seed(git_repo)
    store = _watching(git_repo)
    rng = random.Random(seed)
    ops = _ops(git_repo) + _more_ops(git_repo)
    for step in range(40):
        rng.choice(ops)()  # no pause: the watcher needs no timestamp granularity
        tree = _snap(store)
        assert (tree, store.bare_dirs(tree)) == _full_state(git_repo, step), f"step {step}"
    store.close()


def test_same_size_same_mtime_rewrite_is_caught(git_repo: Path) -> None:
    """Racy git: content changes within the timestamp granularity and keeps its size and
    mtime. Both the watcher and the stat-cache snapshot must see it."""
    target = git_repo / "app.py"
    for watch in (True, False):
        target.write_text("AAAA\n")
        store = CheckpointStore(
            git_repo, git_repo / ".wakeful" / f"cp-{watch}", Settings(), watch=watch
        )
        first = _snap(store)
        st = os.stat(target)
        target.write_text("BBBB\n")
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
        assert _snap(store) != first, f"watch={watch}"
        assert _snap(store) == _full_tree(git_repo, int(watch))
        store.close()


def test_edits_cost_no_git_process(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(git_repo)
    store = _watching(git_repo)
    calls: list[str] = []
    real = Git.run

    def counting(self: Git, *args: str, **kw: object) -> bytes:
        calls.append(args[0])
        return real(self, *args, **kw)  # type: ignore[arg-type]

    tree = _snap(store)
    (git_repo / "src" / "a.py").write_text("changed\n")
    _snap(store)  # loads the tree into memory once
    monkeypatch.setattr(Git, "run", counting)
    assert _snap(store) != tree
    cp = store.begin("s", "main", "run")
    assert calls == []  # nothing changed: no git process, no walk
    (git_repo / "src" / "b.py").write_text("edited\n")
    (git_repo / "run.sh").chmod(0o755)
    done = store.finish(cp, ("main",))
    assert calls == []
    assert done is not None and list(done.changed) == ["run.sh", "src/b.py"]
    cp = store.begin("s", "main", "run")
    assert store.finish(cp, ("main",)) is None  # a run that changed nothing
    assert calls == []
    monkeypatch.undo()
    assert _snap(store) == _full_tree(git_repo, 0)
    fsck = subprocess.run(
        ["git", "--git-dir", str(store.git.git_dir), "fsck", "--strict"],
        capture_output=True,
        text=True,
    )
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    store.close()


def test_gc_makes_the_watcher_start_over(git_repo: Path) -> None:
    _seed(git_repo)
    store = _watching(git_repo)
    (git_repo / "src" / "a.py").write_text("one\n")
    _snap(store)
    store.prune()
    (git_repo / "src" / "b.py").write_text("two\n")
    assert _snap(store) == _full_tree(git_repo, 0)
    assert store.watching
    store.close()


def test_objects_are_written_after_git_gc_removed_their_folder(git_repo: Path) -> None:
    from wakeful.checkpoints.objects import ObjectWriter

    store = CheckpointStore.for_workspace(git_repo)
    with store.locked():
        store.snapshot()
    writer = ObjectWriter(store.git.git_dir)
    oid = writer.write(b"blob", b"one\n").hex()
    folder = store.git.git_dir / "objects" / oid[:2]
    (folder / oid[2:]).chmod(0o644)
    for f in folder.iterdir():
        f.unlink()
    folder.rmdir()  # what `git gc` does to a folder it emptied
    assert writer.write(b"blob", b"one\n").hex() == oid
    shown = subprocess.run(
        ["git", "--git-dir", str(store.git.git_dir), "cat-file", "-p", oid],
        capture_output=True,
    )
    assert shown.stdout == b"one\n"


def test_a_large_change_is_written_as_one_valid_pack(git_repo: Path) -> None:
    (git_repo / "many").mkdir()
    files = [git_repo / "many" / f"f{i:02d}.txt" for i in range(40)]
    for i, f in enumerate(files):
        f.write_text(f"{i}\n")
    store = _watching(git_repo)
    pack_dir = store.git.git_dir / "objects" / "pack"
    packs = set(pack_dir.glob("*.idx")) if pack_dir.exists() else set()
    for i, f in enumerate(files):
        f.write_text(f"changed {i}\n" * (i + 1) + "x" * 40 * i)
    (git_repo / "many" / "same1.txt").write_text("twin\n")
    (git_repo / "many" / "same2.txt").write_text("twin\n")  # one object twice
    tree = _snap(store)
    new = set(pack_dir.glob("*.idx")) - packs
    assert len(new) == 1
    git = ["git", "--git-dir", str(store.git.git_dir)]
    verify = subprocess.run([*git, "verify-pack", "-v", str(new.pop())], capture_output=True)
    assert verify.returncode == 0, verify.stderr
    fsck = subprocess.run([*git, "fsck", "--strict"], capture_output=True, text=True)
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    shown = subprocess.run([*git, "show", f"{tree}:many/f39.txt"], capture_output=True)
    assert shown.stdout == files[39].read_bytes()
    assert tree == _full_tree(git_repo, 0)
    store.close()


def test_running_out_of_watches_falls_back_to_the_walk(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from wakeful.checkpoints.inotify import Inotify

    _seed(git_repo)
    store = _watching(git_repo)

    def full(self: Inotify, path: bytes) -> int:
        raise OSError(errno.ENOSPC, "no space left for watches")

    monkeypatch.setattr(Inotify, "add", full)
    (git_repo / "fresh" / "dir").mkdir(parents=True)
    (git_repo / "fresh" / "dir" / "f.txt").write_text("f\n")
    assert _snap(store) == _full_tree(git_repo, 0)
    assert not store.watching
    (git_repo / "fresh" / "dir" / "f.txt").write_text("g\n")
    assert _snap(store) == _full_tree(git_repo, 1)
