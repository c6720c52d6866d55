"""`runs_workspace_code`: true when a command runs code the workspace holds or the agent could
have written, so the decision can require the sandbox for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from wakeful.policy.shell import classify_command

WS = Path("/home/dev/proj")
HOME = Path("/home/dev")

RUNS = [
    "./x.sh",
    "./scripts/build.sh --fast",
    "bash x.sh",
    "sh x",
    "zsh tools/run.zsh",
    "python file.py",
    "python3 tools/gen.py --out x",
    "node f.js",
    "ruby a.rb",
    "perl a.pl",
    "source ./env.sh",
    ". ./env.sh",
    "source .venv/bin/activate && pytest",
    "make",
    "make -j4 test",
    "pytest -q tests/test_api.py",
    "python -m pytest",
    "tox -e py312",
    "npm test",
    "npm run build",
    "npm install",
    "yarn lint",
    "pnpm run dev",
    "cargo test",
    "cargo build --release",
    "go test ./...",
    "go run ./cmd/x",
    "poetry run pytest",
    "uv run pytest",
    "git bisect run ./check.sh",
    "nice -n 5 ./run.sh",
    "sh -c './run.sh'",
    "find . -name '*.sh' -exec {} \\;",
    "ls && ./build.sh",
]
DOES_NOT = [
    "ls -la",
    "cat run.sh",
    "git status",
    "grep -rn TODO src",
    "python --version",
    "python -c 'print(1)'",
    "make -n",
    "ruff check .",
    "npm ls --depth=0",
    "cargo tree",
    "go version",
    "echo ./x.sh",
]


@pytest.mark.parametrize("cmd", RUNS)
def test_commands_that_run_workspace_code_say_so(cmd: str) -> None:
    c = classify_command(cmd, WS, HOME)
    assert c.runs_workspace_code, (cmd, c.reasons)
    assert c.code_reasons


@pytest.mark.parametrize("cmd", DOES_NOT)
def test_commands_that_run_no_workspace_code_do_not(cmd: str) -> None:
    c = classify_command(cmd, WS, HOME)
    assert not c.runs_workspace_code, (cmd, c.code_reasons)
