"""The model-assisted merge: a restricted agent, policed by the policy layer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wakeful.agents.dreamer import merge_clusters
from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.memory.dream import DreamOptions, run_dream

from .conftest import add_memory, store_records
from .test_dream_judge import SAME


def _cluster(paths: Paths) -> tuple[str, str]:
    a = add_memory(paths, "Retry helper makes three attempts", anchor="app.py:1")
    b = add_memory(
        paths, "Backoff doubles between tries, capped near one minute", anchor="app.py:1"
    )
    return a.id, b.id


def _script(tmp_path: Path, turns: list[dict[str, Any]]) -> str:
    path = tmp_path / "dreamer.json"
    path.write_text(json.dumps({"turns": turns}))
    return f"scripted:{path}"


def test_dreamer_cannot_run_bash_or_write_files(ws: tuple[Paths, Config], tmp_path: Path) -> None:
    paths, config = ws
    a, b = _cluster(paths)
    outside = tmp_path / "outside.txt"
    before = (paths.workspace / "app.py").read_text()
    spec = _script(
        tmp_path,
        [
            {
                "tool_calls": [
                    {"name": "bash", "input": {"command": f"echo pwned > {outside}"}},
                    {"name": "write", "input": {"path": str(outside), "content": "x"}},
                    {"name": "edit", "input": {"path": "app.py", "old": "PORT", "new": "P"}},
                    {"name": "read", "input": {"path": "/etc/hostname"}},
                ]
            },
            {"tool_calls": [{"name": "read", "input": {"path": "app.py"}}]},
            {
                "tool_calls": [
                    {
                        "name": "merge_memories",
                        "input": {
                            "ids": [a, b],
                            "text": "The retry helper makes three attempts; backoff doubles "
                            "between tries, capped near one minute.",
                        },
                    }
                ]
            },
            {"text": "Merged cluster 1."},
        ],
    )
    report = run_dream(paths, config, DreamOptions(force=True, model=spec, merger=merge_clusters))
    assert report.ran
    assert not outside.exists()
    assert (paths.workspace / "app.py").read_text() == before
    consolidate = next(p for p in report.phases if p.name == "consolidate")
    model = consolidate.details["model"]
    denied = {d["tool"] for d in model["denied"]}
    assert denied == {"bash", "write", "edit", "read"}  # the read was outside the workspace
    assert model["merged_clusters"] == 1
    assert report.model["calls"] == 4 and report.model["tokens"]["input"] > 0
    active = store_records(paths, "active")
    assert len(active) == 1 and "backoff doubles" in active[0].text
    assert set(active[0].supersedes) == {a, b}
    # The refusals came from the policy layer, which audited them.
    from wakeful.policy.audit import AuditLog

    entries = AuditLog(paths.audit_db).recent(50)
    audited = {e.tool for e in entries if e.decision == "deny" and e.session_id == "dream"}
    assert {"bash", "write", "edit"} <= audited


def test_no_model_configured_leaves_clusters_and_says_so(ws: tuple[Paths, Config]) -> None:
    paths, config = ws
    _cluster(paths)
    report = run_dream(paths, config, DreamOptions(force=True))
    assert report.ran and not report.model["used"] and report.model["calls"] == 0
    assert "no model configured" in report.model["note"]
    assert len(store_records(paths, "active")) == 2


@pytest.mark.slow
def test_idle_dream_makes_zero_model_calls(git_repo: Path, cli, script) -> None:  # type: ignore[no-untyped-def]
    add = ["memory", "add", "--anchor", "app.py:1"]
    for text in SAME:  # a pair only a model can decide, asked once each way on a yes
        assert cli([*add, text], cwd=git_repo).returncode == 0
    turns = script("dreamer", [{"text": "no"}])
    log = git_repo.parent / "requests.jsonl"
    env = {"WAKEFUL_REQUEST_LOG": str(log), "WAKEFUL_MODEL": f"scripted:{turns}"}
    first = cli(["dream", "--force", "--json"], cwd=git_repo, env=env)
    assert first.returncode == 0, first.stderr
    assert first.json()["model"]["calls"] == 1
    assert len(log.read_text().splitlines()) == 1
    second = cli(["dream", "--force", "--json"], cwd=git_repo, env=env)
    assert second.returncode == 0, second.stderr
    data = second.json()
    assert data["skipped"] is True and data["reason"].startswith("nothing new")
    assert data["model"]["calls"] == 0
    assert len(log.read_text().splitlines()) == 1  # no request was sent


def test_clusters_the_model_left_alone_are_not_sent_again(
    ws: tuple[Paths, Config], tmp_path: Path
) -> None:
    paths, config = ws
    _cluster(paths)
    spec = _script(tmp_path, [{"text": "Different facts; leaving them."}])
    first = run_dream(paths, config, DreamOptions(force=True, model=spec, merger=merge_clusters))
    assert first.model["calls"] == 1
    add_memory(paths, "An unrelated note about the docs")  # something new, so it runs
    second = run_dream(paths, config, DreamOptions(force=True, model=spec, merger=merge_clusters))
    assert second.ran and second.model["calls"] == 0
    assert "already reviewed" in second.model["note"]
