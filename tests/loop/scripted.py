"""A runtime in auto mode on a scripted model, for the loop's tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wakeful.agents.runtime import RunOptions, Runtime, open_runtime
from wakeful.core.config import load_config
from wakeful.core.paths import Paths


def open_scripted(tmp_path: Path, turns: list[dict[str, Any]], files: dict[str, str]) -> Runtime:
    """Opens a runtime whose workspace is `tmp_path/ws`, holding `files`, and whose model
    replies with `turns`."""
    repo = tmp_path / "ws"
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    script = tmp_path / "turns.json"
    script.write_text(json.dumps({"turns": turns}))
    env = {"HOME": str(tmp_path)}
    paths = Paths.for_workspace(repo, env)
    return open_runtime(
        paths,
        load_config(paths, env),
        RunOptions(model=f"scripted:{script}", permission_mode="auto"),
    )
