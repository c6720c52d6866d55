"""What every verb needs: the workspace, its paths and the merged config."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from wakeful.core.config import Config, load_config
from wakeful.core.paths import Paths, find_workspace


def load(cwd: Path | None = None) -> tuple[Paths, Config]:
    env = dict(os.environ)
    workspace = find_workspace(cwd or Path.cwd())
    paths = Paths.for_workspace(workspace, env)
    for notice in recover_stores(paths):
        sys.stderr.write(f"wakeful: {notice}\n")
    config = load_config(paths, env)
    for warning in config.warnings:
        sys.stderr.write(f"wakeful: warning: {warning}\n")
    return paths, config


def recover_stores(paths: Paths) -> list[str]:
    """Move unreadable SQLite stores aside so that a damaged file never blocks a run."""
    from wakeful.core.sqlite import quarantine_if_corrupt

    notices: list[str] = []
    for path, what in (
        (paths.state_db, "the state store (audit, costs, jobs)"),
        (paths.memory_db, "the project memory store"),
        (paths.user_memory_db, "the user memory store"),
    ):
        try:
            notice = quarantine_if_corrupt(path, what)
        except OSError as exc:
            notice = f"{what} {path} is unreadable and could not be moved aside ({exc})"
        if notice:
            notices.append(notice)
    return notices
