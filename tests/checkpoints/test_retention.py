"""Retention: a daemon run's checkpoint is never pruned before it is reviewed (rewound, or
marked with `wakeful checkpoints --reviewed`); pruning also runs by itself now and then."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from wakeful.checkpoints import CheckpointStore, Settings
from wakeful.checkpoints.store import PRUNE_EVERY


def _run(cli, script, repo: Path, name: str, label: str | None = None) -> str:  # type: ignore[no-untyped-def]
    path = script(name, [
        {"tool_calls": [{"name": "write", "input": {"path": f"{name}.txt", "content": name}}]},
        {"text": "done"},
    ])  # fmt: skip
    argv = ["-p", "write", "--model", f"scripted:{path}", "--output-format", "json",
            "--permission-mode", "auto"]  # fmt: skip
    if label:
        argv += ["--run-label", label]  # what the daemon passes for each job run
    r = cli(argv, cwd=repo)
    assert r.returncode == 0, r.stdout + r.stderr
    return str(r.json()["checkpoint"])


@pytest.mark.slow
def test_unreviewed_daemon_runs_are_never_pruned(cli, script, git_repo: Path) -> None:
    (git_repo / ".wakeful").mkdir(exist_ok=True)
    (git_repo / ".wakeful" / "config.toml").write_text(
        "[checkpoints]\nkeep = 0\nmax_age_days = 0\n"
    )
    nightly = _run(cli, script, git_repo, "night", "job nightly run 7")
    mine = _run(cli, script, git_repo, "mine")
    other = _run(cli, script, git_repo, "other", "job nightly run 8")
    time.sleep(0.01)
    listed = cli(["checkpoints", "--unreviewed", "--json"], cwd=git_repo).json()
    assert [c["id"] for c in listed] == [other, nightly]
    pruned = cli(["checkpoints", "--prune", "--json"], cwd=git_repo).json()["pruned"]
    assert pruned == [mine]
    ids = [c["id"] for c in cli(["checkpoints", "--json"], cwd=git_repo).json()]
    assert ids == [other, nightly]

    # Marked reviewed: now it may go.
    r = cli(["checkpoints", "--reviewed", nightly], cwd=git_repo)
    assert r.returncode == 0 and f"reviewed: {nightly}" in r.stdout
    assert cli(["checkpoints", "--prune", "--json"], cwd=git_repo).json()["pruned"] == [nightly]

    # Rewinding a daemon run reviews it.
    r = cli(["rewind", other, "--yes"], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    assert not (git_repo / "other.txt").exists()
    assert cli(["checkpoints", "--unreviewed", "--json"], cwd=git_repo).json() == []
    pruned = cli(["checkpoints", "--prune", "--json"], cwd=git_repo).json()["pruned"]
    assert other in pruned

    r = cli(["checkpoints", "--reviewed", "999"], cwd=git_repo)
    assert r.returncode != 0 and "no checkpoint 999" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.slow
def test_finishing_runs_prunes_by_itself(git_repo: Path) -> None:
    store = CheckpointStore(
        git_repo, git_repo / ".wakeful" / "checkpoints", Settings(keep=3, max_age_days=0)
    )
    for i in range(PRUNE_EVERY):
        cp = store.begin("s", "main", "job nightly run 1" if i == 0 else f"turn {i}")
        (git_repo / f"f{i}.txt").write_text(str(i))
        store.finish(cp, ("main",))
    left = [c.run for c in store.all()]
    # The unreviewed daemon run stays; of the others only the newest `keep` remain.
    assert left == [
        "job nightly run 1",
        *[f"turn {i}" for i in range(PRUNE_EVERY - 3, PRUNE_EVERY)],
    ]
