"""Skills, slash commands and custom agents: loading, expansion, and the delegate hand-off."""

from __future__ import annotations

from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.errors import UsageError
from wakeful.core.paths import Paths
from wakeful.extensions.agents import agent_dirs, load_agents
from wakeful.extensions.commands import command_dirs, expand_prompt, load_commands
from wakeful.extensions.skills import SkillTool, load_skills, skill_dirs, skills_section
from wakeful.tools.base import ToolContext
from wakeful.tools.delegate import TaskSpec, parse_tasks

from .layout import lay_out


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    lay_out(r, tmp_path / "m", tmp_path / "log")
    return r


def test_skills_prefix_text_and_tool(repo: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    user_skill = home / ".claude" / "skills" / "changelog"
    user_skill.mkdir(parents=True)
    (user_skill / "SKILL.md").write_text("---\nname: changelog\ndescription: old user one\n---\nx")
    other = home / ".claude" / "skills" / "deploy"
    other.mkdir(parents=True)
    (other / "SKILL.md").write_text("---\ndescription: |\n  Ship it\n  safely.\n---\nSteps.")
    skills, notices = load_skills(skill_dirs(repo, home, tmp_path / "conf"))
    assert notices == []
    # the project's skill wins the name; sorted; multi-line descriptions joined
    assert [(s.name, s.description) for s in skills] == [
        ("changelog", "Write a CHANGELOG entry in the house style."),
        ("deploy", "Ship it safely."),
    ]
    text = skills_section(skills)
    assert text == skills_section(list(skills))  # stable bytes
    assert "- changelog: Write a CHANGELOG entry in the house style." in text


async def test_skill_tool_loads_body_and_lists_files(repo: Path, tmp_path: Path) -> None:
    skills, _ = load_skills(skill_dirs(repo, tmp_path / "nohome", tmp_path / "conf"))
    tool = SkillTool(skills)
    ctx = ToolContext(paths=Paths(repo, tmp_path / "d", tmp_path / "c"), config=Config())
    out = await tool.run({"name": "changelog"}, ctx)
    assert "Keep entries under 80 characters." in out.content
    assert "- templates/entry.md" in out.content
    missing = await tool.run({"name": "nope"}, ctx)
    assert missing.is_error and "available: changelog" in missing.content


def test_slash_commands_expand_arguments(repo: Path, tmp_path: Path) -> None:
    (repo / ".wakeful" / "commands" / "git").mkdir(parents=True)
    (repo / ".wakeful" / "commands" / "git" / "sync.md").write_text("Sync branch $1.")
    (repo / ".wakeful" / "commands" / "plain.md").write_text("Do the thing.")
    cmds = load_commands(command_dirs(repo, tmp_path / "nohome", tmp_path / "conf"))
    assert set(cmds) == {"fix-issue", "git:sync", "plain"}
    assert cmds["fix-issue"].description == "Fix a ticket"
    assert expand_prompt('/fix-issue 12 "very high"', cmds) == (
        'Fix issue #12 with priority very high. Full request: 12 "very high"'
    )
    assert expand_prompt("/git:sync main", cmds) == "Sync branch main."
    assert expand_prompt("/plain extra words", cmds) == "Do the thing.\n\nARGUMENTS: extra words"
    assert expand_prompt("not a command", cmds) == "not a command"
    assert expand_prompt("/tmp is full, why?", cmds) == "/tmp is full, why?"  # an existing path
    with pytest.raises(UsageError, match="unknown slash command /fix; available: /fix-issue"):
        expand_prompt("/fix 1", cmds)


def test_custom_agents_and_delegate(repo: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".claude" / "agents").mkdir(parents=True)
    (home / ".claude" / "agents" / "lister.md").write_text(
        "---\ntools:\n  - Read\n  - MultiEdit\n  - mcp__fx__echo\n---\nList."
    )
    agents, notices = load_agents(agent_dirs(repo, home, tmp_path / "conf"))
    assert notices == []
    assert agents["lister"].tools == ("read", "edit", "mcp__fx__echo")
    del agents["lister"]
    reviewer = agents["reviewer"]
    assert reviewer.tools == ("read", "grep", "glob")
    assert reviewer.model == "sonnet"
    specs = parse_tasks(
        {"tasks": [{"prompt": "review the diff", "agent": "reviewer"}]}, TaskSpec, agents
    )
    assert specs[0].tools == ("read", "grep", "glob")
    assert specs[0].prompt.startswith("You are a strict code reviewer.")
    assert specs[0].prompt.endswith("review the diff")
    # a task's own tool list can only narrow the agent's
    narrowed = parse_tasks(
        {"tasks": [{"prompt": "x", "agent": "reviewer", "tools": ["read", "bash"]}]},
        TaskSpec,
        agents,
    )
    assert narrowed[0].tools == ("read",)
    with pytest.raises(ValueError, match="no custom agent 'nope' \\(available: reviewer\\)"):
        parse_tasks({"tasks": [{"prompt": "x", "agent": "nope"}]}, TaskSpec, agents)
