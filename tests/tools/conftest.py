"""A fresh workspace and tool context per test; everything lives under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.tools.base import ToolContext


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    return root.resolve()


@pytest.fixture
def ctx(ws: Path, tmp_path: Path) -> ToolContext:
    paths = Paths(ws, tmp_path / "user-data", tmp_path / "user-config")
    return ToolContext(paths=paths, config=Config(), session_id="test")
