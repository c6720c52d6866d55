"""A custom agent's `model`: inherit, Claude Code's aliases, full specs, trust; and a delegate
to that agent really runs on that model (two scripted models told apart in the request log)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.extensions.agents import AgentDef, agent_model


def _agent(model: str, path: Path) -> AgentDef:
    return AgentDef("fast", "quick answers", None, model, "Be quick.", path)


def test_aliases_inherit_specs_and_trust(tmp_path: Path) -> None:
    ws = tmp_path / "repo"
    user_agent = tmp_path / "home" / ".claude" / "agents" / "fast.md"
    project_agent = ws / ".claude" / "agents" / "fast.md"
    trusted = Config(trusted=True)
    anthropic = ("anthropic", "claude-sonnet-4-6")
    scripted = ("scripted", "main.json")

    for model in ("", "inherit", "INHERIT"):
        assert agent_model(_agent(model, user_agent), trusted, anthropic, ws).spec is None
    # on an Anthropic session the aliases mean Anthropic's models
    choice = agent_model(_agent("haiku", user_agent), trusted, anthropic, ws)
    assert choice.spec == "anthropic:claude-haiku-4-5" and choice.notice is None
    # the session's own model is no switch
    assert agent_model(_agent("sonnet", user_agent), trusted, anthropic, ws).spec is None
    # elsewhere an unmapped alias stays with the session's model, with one line saying so
    choice = agent_model(_agent("opus", user_agent), trusted, scripted, ws)
    assert choice.spec is None
    assert "asks for model 'opus', which is not configured" in choice.notice
    assert '[agents.models] opus = "PROVIDER:NAME"' in choice.notice
    # [agents.models] maps aliases (any case)
    mapped = Config(trusted=True)
    mapped.set("agents", "models", value={"opus": "openai:gpt-4o"})
    assert agent_model(_agent("Opus", user_agent), mapped, scripted, ws).spec == "openai:gpt-4o"
    # full specs, and bad ones
    assert agent_model(_agent("gpt-4o", user_agent), trusted, scripted, ws).spec == "openai:gpt-4o"
    bad = agent_model(_agent("mystery-9", user_agent), trusted, scripted, ws)
    assert bad.spec is None and "model 'mystery-9' cannot be used" in bad.notice
    # an untrusted repository's agent does not choose a model (provider, key, price)
    untrusted = Config(trusted=False)
    choice = agent_model(_agent("opus", project_agent), untrusted, anthropic, ws)
    assert choice.spec is None and choice.notice.startswith("untrusted workspace:")
    # the user's own agent still does
    assert agent_model(_agent("opus", user_agent), untrusted, anthropic, ws).spec == (
        "anthropic:claude-opus-4-5"
    )


def _requests(log: Path) -> list[dict]:
    return [json.loads(line)["request"] for line in log.read_text().splitlines()]


def _delegate_run(cli, script, repo: Path, tmp_path: Path, model: str) -> tuple:
    agents = repo / ".claude" / "agents"
    agents.mkdir(parents=True, exist_ok=True)
    (agents / "fast.md").write_text(
        f"---\nname: fast\ndescription: quick answers\nmodel: {model}\n---\nBe quick.\n"
    )
    main = script(
        "main",
        [
            {
                "tool_calls": [
                    {
                        "name": "delegate",
                        "input": {"tasks": [{"prompt": "count", "agent": "fast", "kind": "fresh"}]},
                    }
                ]
            },
            {"text": "main: worker said something"},
            {"text": "main again"},
        ],
    )
    log = tmp_path / f"requests-{model}.jsonl"
    r = cli(
        ["-p", "go", "--model", f"scripted:{main}", "--permission-mode", "auto"],
        cwd=repo,
        env={"WAKEFUL_REQUEST_LOG": str(log)},
    )
    assert r.returncode == 0, r.stderr
    return r, _requests(log)


@pytest.mark.slow
def test_delegate_runs_the_agents_model(cli, script, git_repo: Path, home: Path, tmp_path: Path):
    worker = script("worker", [{"text": "worker: 42"}])
    (home / ".config" / "wakeful").mkdir(parents=True)
    (home / ".config" / "wakeful" / "config.toml").write_text(
        f'[agents.models]\nhaiku = "scripted:{worker}"\n'
    )
    r, requests = _delegate_run(cli, script, git_repo, tmp_path, "haiku")
    assert [q["model"] for q in requests] == ["main.json", "worker.json", "main.json"]
    assert "Be quick." in requests[1]["messages"][0]["content"][0]["text"]
    assert "worker: 42" in json.dumps(requests[2]["messages"][-1])
    assert requests[1]["tools"] == requests[0]["tools"]  # the tools array is unchanged

    # `inherit`: the session's model
    r, requests = _delegate_run(cli, script, git_repo, tmp_path, "inherit")
    assert [q["model"] for q in requests] == ["main.json"] * 3
    assert "not configured" not in r.stderr

    # an alias nobody mapped on a non-Anthropic session: the session's model, one line
    r, requests = _delegate_run(cli, script, git_repo, tmp_path, "opus")
    assert [q["model"] for q in requests] == ["main.json"] * 3
    assert "asks for model 'opus', which is not configured; it runs on the session's model" in (
        r.stderr
    )


@pytest.mark.slow
def test_untrusted_repo_agent_does_not_pick_the_model(
    cli, script, untrusted_repo: Path, home: Path, tmp_path: Path
):
    worker = script("worker", [{"text": "worker: 42"}])
    r, requests = _delegate_run(cli, script, untrusted_repo, tmp_path, f"scripted:{worker}")
    assert [q["model"] for q in requests] == ["main.json"] * 3
    assert "untrusted workspace: custom agent 'fast'" in r.stderr
    assert "run `wakeful trust` here to apply it" in r.stderr
