"""The real CLI, headless, through the official SDKs against loopback protocol servers."""

from __future__ import annotations

from pathlib import Path

import pytest

from wakeful.testing.loopback_anthropic import AnthropicLoopback
from wakeful.testing.loopback_openai import OpenAILoopback

FIX = [
    {"text": "Looking.", "tool_calls": [{"name": "read", "input": {"path": "app.py"}}]},
    {
        "tool_calls": [
            {
                "name": "edit",
                "input": {
                    "path": "app.py",
                    "old_string": '"hello " + nme',
                    "new_string": '"hello " + name',
                },
            }
        ]
    },
    {"tool_calls": [{"name": "bash", "input": {"command": "python3 check.py"}}]},
    {"text": "Fixed greet()."},
]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["anthropic", "openai"])
def test_cli_reads_and_fixes_a_file_through_the_sdk(cli, git_repo: Path, kind: str) -> None:
    server = AnthropicLoopback(turns=FIX) if kind == "anthropic" else OpenAILoopback(turns=FIX)
    with server as srv:
        if kind == "anthropic":
            env = {"ANTHROPIC_API_KEY": "test-key", "ANTHROPIC_BASE_URL": srv.base_url}
            model = "anthropic:claude-sonnet-4-6"
        else:
            env = {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": srv.base_url}
            model = "openai:gpt-4o-mini"
        r = cli(
            [
                "-p",
                "fix app.py",
                "--model",
                model,
                "--output-format",
                "json",
                "--permission-mode",
                "auto",
                # auto mode runs workspace code (check.py) only inside the sandbox
                "--sandbox",
            ],
            cwd=git_repo,
            env=env,
        )
        bodies = list(srv.bodies)
    assert r.returncode == 0, r.stderr
    out = r.json()
    assert out["result"] == "Fixed greet()." and out["num_turns"] == 4
    assert '"hello " + name' in (git_repo / "app.py").read_text()
    assert len(bodies) == 4
    # the bash tool's output went back to the model over the wire
    assert "hello x" in str(bodies[-1]["messages"])
    # every request opened with the same prefix bytes (tools and system)
    assert all(b.get("tools") == bodies[0].get("tools") for b in bodies)
    if kind == "anthropic":
        assert all(b["system"] == bodies[0]["system"] for b in bodies)
        assert out["usage"]["cache_read"] > 0  # the loopback cache served the stable prefix


@pytest.mark.slow
def test_default_provider_follows_the_environment(cli, git_repo: Path) -> None:
    with OpenAILoopback(turns=[{"text": "from the compatible server"}]) as srv:
        r = cli(
            ["-p", "hi", "--output-format", "json"],
            cwd=git_repo,
            env={"OPENAI_BASE_URL": srv.base_url},
        )
    assert r.returncode == 0, r.stderr
    assert r.json()["result"] == "from the compatible server"
    assert r.json()["model"].startswith("openai:")
