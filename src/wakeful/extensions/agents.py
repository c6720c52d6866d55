"""Custom agents: `.claude/agents/*.md`, `.wakeful/agents/*.md` (and the user's folders).

Frontmatter `name`, `description`, `tools` (Claude Code or wakeful tool names, comma list;
absent means all tools), `model`. The body is the agent's instructions. `delegate` names one
with `agent`: the sub-agent gets those instructions ahead of its task, and its tool list is
enforced by the worker's policy wrapper (the tools array stays the parent's, for the cache).
`model` picks the sub-agent's model (`agent_model`): `inherit` or nothing keeps the session's;
`sonnet` / `opus` / `haiku` are aliases mapped by `[agents.models]` in the config (on an
Anthropic session they default to Anthropic's models); anything else is a model spec as for
`--model`. What cannot be used runs on the session's model, with a one-line notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wakeful.core.config import Config
from wakeful.core.errors import ConfigError
from wakeful.extensions.markdown import read_markdown
from wakeful.providers.registry import split_model_spec

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


# Claude Code's model aliases, and what they mean on an Anthropic session without a mapping.
ANTHROPIC_ALIASES = {
    "sonnet": "claude-sonnet-4-6",
    "opus": "claude-opus-4-5",
    "haiku": "claude-haiku-4-5",
}


@dataclass(frozen=True)
class ModelChoice:
    """The model a custom agent runs on: `spec` (PROVIDER:NAME), or None for the session's;
    `notice` says why a requested model is not used."""

    spec: str | None
    notice: str | None = None


def agent_model(
    agent: AgentDef, config: Config, session: tuple[str, str], workspace: Path
) -> ModelChoice:
    """Resolve an agent's `model` against the user's config; `session` is the session's
    (provider, model). A project agent's model applies only in a trusted workspace (a model
    chooses a provider, a key and a price)."""
    wanted = agent.model.strip()
    if not wanted or wanted.lower() == "inherit":
        return ModelChoice(None)
    keep = "; it runs on the session's model"
    where = f"custom agent {agent.name!r} ({agent.path})"
    if not config.trusted and agent.path.resolve().is_relative_to(workspace.resolve()):
        return ModelChoice(
            None,
            f"untrusted workspace: {where} asks for model {wanted!r}, which is not applied"
            f"{keep} (run `wakeful trust` here to apply it)",
        )
    table = config.settings.agents.models
    if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
        return ModelChoice(
            None,
            f'[agents.models] must map aliases to model specs (sonnet = "anthropic:..."){keep}',
        )
    aliases = {str(k).lower(): v for k, v in table.items()}
    spec = aliases.get(wanted.lower())
    if spec is None and wanted.lower() in ANTHROPIC_ALIASES:
        if session[0] != "anthropic":
            return ModelChoice(
                None,
                f"{where} asks for model {wanted!r}, which is not configured{keep} (map it: "
                f'[agents.models] {wanted.lower()} = "PROVIDER:NAME")',
            )
        spec = f"anthropic:{ANTHROPIC_ALIASES[wanted.lower()]}"
    spec = spec or wanted
    try:
        provider, name = split_model_spec(spec, config)
    except ConfigError as exc:
        return ModelChoice(None, f"{where}: model {wanted!r} cannot be used ({exc}){keep}")
    if (provider, name) == session:
        return ModelChoice(None)
    return ModelChoice(f"{provider}:{name}")


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
