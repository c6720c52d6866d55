"""What every verb needs: the workspace, its paths and the merged config."""

from __future__ import annotations

import os
from pathlib import Path

from wakeful.core.config import Config, load_config
from wakeful.core.paths import Paths, find_workspace


def load(cwd: Path | None = None) -> tuple[Paths, Config]:
    env = dict(os.environ)
    workspace = find_workspace(cwd or Path.cwd())
    paths = Paths.for_workspace(workspace, env)
    return paths, load_config(paths, env)
