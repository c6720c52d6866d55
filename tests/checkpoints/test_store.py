"""The checkpoint store on real git: isolation from the user's repository, caps, attacks,
and concurrent writers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from wakeful.checkpoints import CheckpointError, CheckpointStore, Settings
from wakeful.testing.workspace_state import files_of, git_state


def _store(repo: Path, **settings: object) -> CheckpointStore:
    return CheckpointStore(repo, repo / ".wakeful" / "checkpoints", Settings(**settings))  # type: ignore[arg-type]


def _run_changes(store: CheckpointStore, change) -> object:  # type: ignore[no-untyped-def]
    cp = store.begin("s", "main", "run")
    change()
    return store.finish(cp, ("main",))


def test_repository_configured_programs_never_run(git_repo: Path, home: Path) -> None:
    marker = git_repo.parent / "pwned"
    evil = git_repo.parent / "evil.sh"
    evil.write_text(f"#!/bin/sh\ntouch {marker}\ncat\n")
    evil.chmod(0o755)
    for key, value in (
        ("core.fsmonitor", str(evil)),
        ("filter.x.clean", str(evil)),
        ("filter.x.smudge", str(evil)),
        ("core.hooksPath", str(git_repo.parent)),
    ):
        subprocess.run(["git", "config", key, value], cwd=git_repo, check=True)
    (home / ".gitconfig").write_text(f"[core]\n\tfsmonitor = {evil}\n")
    (git_repo / ".gitattributes").write_text("* filter=x\n")
    # The attack works on plain git in this repository...
    subprocess.run(["git", "add", "-A"], cwd=git_repo, capture_output=True)
    assert marker.exists()
    subprocess.run(["git", "reset", "-q"], cwd=git_repo, capture_output=True)
    marker.unlink()
    # ...and not through the checkpoint store, even with hostile GIT_* variables inherited.
    os.environ["GIT_DIR"] = str(git_repo / ".git")
    os.environ["GIT_EXTERNAL_DIFF"] = str(evil)
    try:
        store = _store(git_repo)
        cp = _run_changes(store, lambda: (git_repo / "app.py").write_text("changed\n"))
        assert cp is not None
        store.rewind(None)
    finally:
        del os.environ["GIT_DIR"], os.environ["GIT_EXTERNAL_DIFF"]
    assert not marker.exists()
    assert (git_repo / "app.py").read_text().startswith("PORT = 8080")


def test_the_users_git_state_is_untouched(git_repo: Path) -> None:
    (git_repo / "app.py").write_text("staged\n")
    subprocess.run(["git", "add", "app.py"], cwd=git_repo, check=True)
    subprocess.run(["git", "stash", "-q"], cwd=git_repo, check=True)
    (git_repo / "check.py").write_text("staged too\n")
    subprocess.run(["git", "add", "check.py"], cwd=git_repo, check=True)
    before = git_state(git_repo)
    files = files_of(git_repo)
    store = _store(git_repo)
    _run_changes(store, lambda: (git_repo / "x.txt").write_text("x"))
    store.rewind(None)
    assert git_state(git_repo) == before
    assert files_of(git_repo) == files


def test_ignored_files_over_the_cap_are_left_alone(git_repo: Path) -> None:
    (git_repo / ".gitignore").write_text("*.db\n")
    (git_repo / "small.db").write_bytes(b"s" * 10)
    (git_repo / "big.db").write_bytes(b"b" * 100)
    store = _store(git_repo, max_file_bytes=50)

    def change() -> None:
        (git_repo / "small.db").write_bytes(b"changed")
        (git_repo / "big.db").write_bytes(b"changed too")

    cp = _run_changes(store, change)
    # big.db shrank under the cap: it is in the "after" snapshot, not in the "before" one.
    assert cp is not None and set(cp.changed) == {"small.db", "big.db"}
    plan, _ = store.rewind(None)
    assert [c.path for c in plan.changes] == ["small.db"]
    assert (git_repo / "small.db").read_bytes() == b"s" * 10
    # Beyond the cap before the run: it cannot be restored, and it is not deleted either.
    assert (git_repo / "big.db").read_bytes() == b"changed too"


def test_rewind_never_follows_a_planted_symlink(git_repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("precious")
    (git_repo / "src").mkdir()
    (git_repo / "src" / "keep.txt").write_text("in the workspace")
    store = _store(git_repo)

    def change() -> None:
        (git_repo / "src" / "keep.txt").unlink()
        (git_repo / "src").rmdir()
        (git_repo / "src").symlink_to(outside)

    assert _run_changes(store, change) is not None
    store.rewind(None)
    assert (outside / "keep.txt").read_text() == "precious"
    assert not (git_repo / "src").is_symlink()
    assert (git_repo / "src" / "keep.txt").read_text() == "in the workspace"


def test_symlinks_and_type_changes_round_trip(git_repo: Path) -> None:
    (git_repo / "link").symlink_to("app.py")
    (git_repo / "d").mkdir()
    (git_repo / "d" / "f").write_text("f")
    before = files_of(git_repo)
    store = _store(git_repo)

    def change() -> None:
        (git_repo / "link").unlink()
        (git_repo / "link").mkdir()
        (git_repo / "link" / "inner").write_text("i")
        (git_repo / "d" / "f").unlink()
        (git_repo / "d").rmdir()
        (git_repo / "d").write_text("now a file")

    _run_changes(store, change)
    store.rewind(None)
    assert files_of(git_repo) == before


def test_bad_settings_are_one_line_errors(git_repo: Path) -> None:
    from wakeful.core.config import Config

    config = Config()
    config.set("checkpoints", "max_file_bytes", value="big")
    with pytest.raises(CheckpointError, match="checkpoints.max_file_bytes"):
        Settings.from_config(config)


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, {src!r})
    from wakeful.checkpoints import CheckpointStore
    ws = Path({ws!r})
    store = CheckpointStore.for_workspace(ws)
    name = sys.argv[1]
    for i in range(8):
        cp = store.begin("s-" + name, name, f"{{name}} run {{i}}")
        for j in range(20):
            (ws / f"{{name}}-{{i}}-{{j}}.txt").write_text(f"{{name}} {{i}} {{j}}")
        store.finish(cp, (name,))
    """
)


@pytest.mark.slow
def test_concurrent_runs_do_not_corrupt_the_store(git_repo: Path) -> None:
    src = str(Path(__file__).resolve().parents[2] / "src")
    code = WRITER.format(src=src, ws=str(git_repo))
    procs = [
        subprocess.Popen([sys.executable, "-c", code, name], stderr=subprocess.PIPE)
        for name in ("a", "b", "c")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    store = CheckpointStore.for_workspace(git_repo)
    fsck = subprocess.run(
        ["git", "--git-dir", str(store.git.git_dir), "fsck", "--strict"],
        capture_output=True,
        text=True,
    )
    assert fsck.returncode == 0, fsck.stdout + fsck.stderr
    items = store.all()
    assert len({c.id for c in items}) == len(items) == 24
    assert all(c.finished for c in items)
    # Rewinding to before the first run of all removes every file the writers made.
    first = min(items, key=lambda c: int(c.id))
    store.rewind(first.id, force=True)
    assert not list(git_repo.glob("*-*-*.txt"))


def test_prune_keeps_the_newest_and_the_recent(git_repo: Path) -> None:
    store = _store(git_repo, keep=2, max_age_days=1.0)
    for i in range(4):
        _run_changes(store, lambda i=i: (git_repo / f"f{i}.txt").write_text(str(i)))
    ids = [c.id for c in store.all()]
    assert store.prune() == []  # all are recent
    assert store.prune(now=time.time() + 2 * 86400) == ids[:2]  # old, beyond the newest 2
    assert [c.id for c in store.all()] == ids[2:]
    store.rewind(ids[2])
    assert not (git_repo / "f2.txt").exists() and (git_repo / "f1.txt").exists()
