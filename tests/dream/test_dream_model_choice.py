"""`wakeful dream` says when no model is configured, and otherwise uses the model of the
workspace's latest session."""

from __future__ import annotations

import json
from pathlib import Path


def test_dream_says_when_no_model_is_configured(cli, git_repo: Path) -> None:
    assert cli(["memory", "add", "the linter is ruff"], cwd=git_repo).returncode == 0
    r = cli(["dream", "--force"], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    assert "no model is configured: set dream.model or pass --model" in r.stdout


def test_dream_uses_the_latest_sessions_model(cli, git_repo: Path) -> None:
    (git_repo / "turns.json").write_text(json.dumps({"turns": [{"text": "ok"}]}))
    run = cli(["-p", "hi", "--model", "scripted:turns.json"], cwd=git_repo)
    assert run.returncode == 0, run.stderr
    r = cli(["dream", "--force", "--json"], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["model"]["model"] == "scripted:turns.json"
    plain = cli(["dream", "--force"], cwd=git_repo)
    assert "no model is configured" not in plain.stdout


def test_no_model_flag_wins_over_the_session(cli, git_repo: Path) -> None:
    (git_repo / "turns.json").write_text(json.dumps({"turns": [{"text": "ok"}]}))
    assert cli(["-p", "hi", "--model", "scripted:turns.json"], cwd=git_repo).returncode == 0
    r = cli(["dream", "--force", "--json", "--no-model"], cwd=git_repo)
    assert json.loads(r.stdout)["model"]["model"] is None


def test_dream_asks_the_model_about_the_pairs_rules_cannot_decide(cli, git_repo: Path) -> None:
    from .test_dream_judge import SAME

    for text in SAME:
        assert cli(["memory", "add", "--anchor", "app.py:1", text], cwd=git_repo).returncode == 0
    turns = [{"text": "yes"}, {"text": "no"}]  # the same fact; not different facts
    (git_repo / "judge.json").write_text(json.dumps({"turns": turns}))
    r = cli(["dream", "--force", "--model", "scripted:judge.json"], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    assert "1 pair(s) asked of scripted: 1 the same fact, 2 memories merged" in r.stdout
    listed = cli(["memory", "list", "--json"], cwd=git_repo)
    assert listed.returncode == 0, listed.stderr
    assert [m["text"] for m in listed.json()] == [SAME[1]]
