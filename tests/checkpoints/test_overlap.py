"""Two runs in one workspace at once: each checkpoint says it overlapped the other, and which
of its changed files its own file tools wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from wakeful.checkpoints import CheckpointStore, RunRecorder


def _recorder(repo: Path, session: str) -> RunRecorder:
    store = CheckpointStore.for_workspace(repo, watch=True)
    return RunRecorder(store, session)


@pytest.mark.slow
def test_overlapping_runs_are_credited_honestly(cli, git_repo: Path) -> None:
    a, b = _recorder(git_repo, "sa"), _recorder(git_repo, "sb")
    a.begin_run("run A")
    b.begin_run("run B")
    a.before_change("main")
    b.before_change("main")
    a.note_paths(["a.txt"])
    (git_repo / "a.txt").write_text("from A\n")
    b.note_paths([str(git_repo / "b.txt")])
    b.note_unknown()  # B also ran a shell command
    (git_repo / "b.txt").write_text("from B\n")
    done_a = a.finish_run()
    assert done_a is not None and b.current is not None
    assert set(done_a.changed) == {"a.txt", "b.txt"}  # the snapshot sees both runs' files
    assert done_a.overlapping == (b.current.id,)
    assert done_a.own == ("a.txt",) and not done_a.shell
    done_b = b.finish_run()
    assert done_b is not None
    assert done_b.overlapping == (done_a.id,) and done_b.own == ("b.txt",) and done_b.shell

    # A run alone afterwards is not said to overlap anything.
    a.begin_run("run C")
    a.before_change("main")
    a.note_paths(["c.txt"])
    (git_repo / "c.txt").write_text("C\n")
    done_c = a.finish_run()
    assert done_c is not None and done_c.overlapping == () and done_c.attribution() == ""
    for r in (a, b):
        r.store.close()

    listed = {c["id"]: c for c in cli(["checkpoints", "--json"], cwd=git_repo).json()}
    assert listed[done_a.id]["overlapping"] == [done_b.id]
    assert listed[done_a.id]["own"] == ["a.txt"]
    text = cli(["checkpoints"], cwd=git_repo).stdout
    assert f"ran alongside run(s) {done_b.id}: 1 written by this run's file tools" in text
    assert "or its shell commands'" in text  # B's line


def test_a_crashed_run_does_not_haunt_later_ones(git_repo: Path) -> None:
    store = CheckpointStore.for_workspace(git_repo)
    store.begin("s", "main", "crashed")  # never finished
    (store.folder / "runs.log").write_text(
        (store.folder / "runs.log").read_text().replace(f" {__import__('os').getpid()}", " 0")
    )
    cp = store.begin("s", "main", "later")
    (git_repo / "x.txt").write_text("x")
    done = store.finish(cp, ("main",), ("x.txt",))
    assert done is not None and done.overlapping == () and done.own == ("x.txt",)
