"""Workspace tier means reversible: writes no checkpoint could restore are not auto-approved,
and the reason says why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wakeful.checkpoints import CheckpointStore, Settings
from wakeful.checkpoints.recoverable import Recoverability
from wakeful.core.paths import Paths
from wakeful.policy.decision import DecisionContext, Policy
from wakeful.policy.rules import RuleSet
from wakeful.policy.types import RiskInput


def _policy(repo: Path, **settings: object) -> Policy:
    store = CheckpointStore(repo, repo / ".wakeful" / "checkpoints", Settings(**settings))  # type: ignore[arg-type]
    paths = Paths(repo, repo.parent / "data", repo.parent / "conf")
    return Policy(paths, "auto", False, RuleSet([]), recoverable=Recoverability(store).reason)


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("build/out.js", "inside build/, an ignored directory"),
        ("data.db", "over the checkpoint size cap"),
    ],
)
async def test_unrestorable_writes_are_not_workspace_tier(
    git_repo: Path, path: str, why: str
) -> None:
    (git_repo / ".gitignore").write_text("build/\n*.db\n")
    (git_repo / "build").mkdir()
    (git_repo / "data.db").write_bytes(b"x" * 100)
    policy = _policy(git_repo, max_file_bytes=50)
    ctx = DecisionContext(session_id="s", user_messages=["go"])
    decision = await policy.decide(RiskInput("write", "write", (path,)), ctx)
    assert decision.tier == "high" and decision.decision != "allow"
    assert any("no checkpoint can restore" in r and why in r for r in decision.reasons)
    # A tracked or untracked file, or a small ignored one, stays workspace tier.
    (git_repo / "small.db").write_bytes(b"x")
    for ok in ("app.py", "new/file.py", "small.db"):
        decision = await policy.decide(RiskInput("write", "write", (ok,)), ctx)
        assert decision.tier == "workspace" and decision.decision == "allow", decision


@pytest.mark.slow
def test_headless_run_is_told_why(cli, script, git_repo: Path) -> None:
    (git_repo / ".gitignore").write_text("build/\n")
    turns = script(
        "w",
        [{"tool_calls": [{"name": "write", "input": {"path": "build/x.js", "content": "x"}}]},
         {"text": "ok"}],
    )  # fmt: skip
    r = cli(
        ["-p", "go", "--model", f"scripted:{turns}", "--output-format", "stream-json",
         "--permission-mode", "auto"],
        cwd=git_repo,
    )  # fmt: skip
    events = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    denied = [e for e in events if e["type"] == "tool_denied"]
    assert denied and "no checkpoint can restore" in " ".join(denied[0]["reasons"])
    assert not (git_repo / "build" / "x.js").exists()


@pytest.mark.slow
async def test_nested_repositories_are_not_workspace_tier(cli, git_repo: Path) -> None:
    import subprocess

    sub = git_repo / "vendor" / "lib"
    sub.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(sub)], check=True)
    (sub / "x.c").write_text("int x;\n")
    (git_repo / "vendor" / "notes.txt").write_text("ours\n")
    policy = _policy(git_repo)
    ctx = DecisionContext(session_id="s", user_messages=["go"])
    decision = await policy.decide(RiskInput("write", "write", ("vendor/lib/x.c",)), ctx)
    assert decision.tier == "high" and decision.decision != "allow"
    assert any("vendor/lib/, a nested git repository" in r for r in decision.reasons)
    decision = await policy.decide(RiskInput("write", "write", ("vendor/notes.txt",)), ctx)
    assert decision.tier == "workspace" and decision.decision == "allow"
    # The snapshot leaves it out, and `wakeful checkpoints` says so.
    store = CheckpointStore.for_workspace(git_repo)
    cp = store.begin("s", "main", "run")
    (git_repo / "vendor" / "notes.txt").write_text("changed\n")
    (sub / "x.c").write_text("int y;\n")
    done = store.finish(cp, ("main",))
    assert done is not None and done.changed == ("vendor/notes.txt",)
    assert store.nested_repositories() == ["vendor/lib"]
    out = cli(["checkpoints"], cwd=git_repo).stdout
    assert "nested git repositories vendor/lib/" in out
