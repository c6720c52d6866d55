"""Usage errors from the real CLI: one clear message, exit 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["memroy", "list"], "No such command 'memroy'. Did you mean 'memory'?"),
        (["--modle", "x"], "No such option: --modle"),
        (["-p", "hi", "--permission-mode", "autoo"], "Invalid value for '--permission-mode'"),
        (["sessions", "show"], "Missing argument 'session'"),
        (["--max-turns", "many", "-p", "hi"], "Invalid value for '--max-turns'"),
    ],
)
@pytest.mark.slow
def test_usage_error_is_one_message_and_exit_2(
    cli, git_repo: Path, args: list[str], expected: str
) -> None:
    r = cli(args, cwd=git_repo)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert f"Error: {expected}" in r.stderr
    assert r.stdout == ""
    assert "Usage: wakeful " in r.stderr


def test_the_cli_does_not_need_the_click_package(git_repo: Path, home: Path) -> None:
    """typer vendors click since 0.26; a fresh install has no `click` package to import."""
    code = (
        "import sys; sys.modules['click'] = None\n"  # any `import click` now fails
        "from wakeful.cli.main import run\n"
        "sys.argv = ['wakeful', 'memroy', 'list']\n"
        "run()\n"
    )
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / ".local/share")}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=git_repo, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "No such command 'memroy'" in proc.stderr
