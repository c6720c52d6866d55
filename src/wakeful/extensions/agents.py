"""Custom agents: `.claude/agents/*.md`, `.wakeful/agents/*.md` (and the user's folders).

Frontmatter `name`, `description`, `tools` (Claude Code or wakeful tool names, comma list;
absent means all tools), `model`. The body is the agent's instructions. `delegate` names one
with `agent`: the sub-agent gets those instructions ahead of its task, and its tool list is
enforced by the worker's policy wrapper (the tools array stays the parent's, for the cache).
Sub-agents share the session's provider, so `model` is shown but not switched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wakeful.extensions.markdown import read_markdown

# Claude Code tool names -> wakeful's.
TOOL_ALIASES = {
    "bash": "bash",
    "read": "read",
    "write": "write",
    "edit": "edit",
    "multiedit": "edit",
    "glob": "glob",
    "grep": "grep",
    "ls": "glob",
    "task": "delegate",
    "todowrite": "todo",
    "todoread": "todo",
}


@dataclass(frozen=True)
class AgentDef:
    name: str
    description: str
    tools: tuple[str, ...] | None
    model: str
    instructions: str
    path: Path


def agent_dirs(workspace: Path, home: Path, user_config: Path) -> list[Path]:
    return [
        home / ".claude" / "agents",
        user_config / "agents",
        workspace / ".claude" / "agents",
        workspace / ".wakeful" / "agents",
    ]


def wakeful_tool(name: str) -> str:
    return name if name.startswith("mcp__") else TOOL_ALIASES.get(name.lower(), name.lower())


def load_agents(dirs: list[Path]) -> tuple[dict[str, AgentDef], list[str]]:
    found: dict[str, AgentDef] = {}
    notices: list[str] = []
    for base in dirs:
        if not base.is_dir():
            continue
        for md in sorted(base.glob("*.md")):
            try:
                doc = read_markdown(md)
            except OSError as exc:
                notices.append(f"{md}: cannot read agent ({exc.strerror}); skipped")
                continue
            name = doc.meta.get("name") or md.stem
            tools = None
            if doc.meta.get("tools", "").strip():
                tools = tuple(dict.fromkeys(wakeful_tool(t) for t in doc.list_of("tools")))
            found[name] = AgentDef(
                name,
                " ".join(doc.meta.get("description", "").split())[:1024],
                tools,
                doc.meta.get("model", ""),
                doc.body,
                md,
            )
    return found, notices


def agents_section(agents: dict[str, AgentDef]) -> str:
    if not agents:
        return ""
    lines = [
        "# Custom agents",
        "",
        "Hand a task to one with `delegate` (set `agent` on the task).",
        "",
    ]
    lines += [f"- {a.name}: {a.description}" for a in sorted(agents.values(), key=lambda a: a.name)]
    return "\n".join(lines)
