"""The real CLI: a headless run that fans out, then `wakeful cost` shows a row per agent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.mark.slow
def test_headless_fan_out_and_per_agent_cost(
    cli: Callable[..., Any], git_repo: Path, script: Callable[..., Path]
) -> None:
    (git_repo / ".wakeful").mkdir(exist_ok=True)
    # One worker at a time keeps the scripted provider's turn order deterministic.
    (git_repo / ".wakeful" / "config.toml").write_text("[agents]\nmax_parallel = 1\n")
    turns = script(
        "fanout",
        [
            {
                "tool_calls": [
                    {
                        "name": "delegate",
                        "input": {
                            "tasks": [{"prompt": "check app.py"}, {"prompt": "check tests"}],
                            "kind": "fork",
                        },
                    }
                ]
            },
            {"text": "app.py has a typo: nme"},
            {"text": "there are no tests"},
            {"text": "merged: fix the typo, add tests"},
        ],
    )
    r = cli(
        [
            "-p",
            "review the repo with two sub-agents",
            "--model",
            f"scripted:{turns}",
            "--permission-mode",
            "auto",
            "--output-format",
            "json",
        ],
        cwd=git_repo,
    )
    assert r.returncode == 0, r.stderr
    out = r.json()
    assert out["result"] == "merged: fix the typo, add tests"

    cost = cli(["cost", "--json"], cwd=git_repo)
    assert cost.returncode == 0, cost.stderr
    rows = {row["agent"]: row for row in cost.json()}
    assert set(rows) == {"main", "fork-1", "fork-2"}
    assert rows["main"]["requests"] == 2
    assert rows["fork-1"]["requests"] == 1 and rows["fork-2"]["requests"] == 1
    for row in rows.values():
        assert "cache_hit_ratio" in row and row["usage"]["input"] > 0

    text = cli(["cost"], cwd=git_repo)
    assert text.returncode == 0 and "fork-2" in text.stdout
