"""Everything the extensions contribute to one session, loaded once at its start.

`load_extensions` reads skills, custom agents and slash commands (text only, from any
workspace), and, where trust allows, starts MCP servers and loads hooks. The loop calls back
through a few named points: `gate` (tool calls), `prompt_submit`, `stop`, `session_start`,
`session_end`, and the compactor wrapper for PreCompact.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.extensions.agents import AgentDef, agent_dirs, agents_section, load_agents
from wakeful.extensions.commands import SlashCommand, command_dirs, load_commands
from wakeful.extensions.hooks import HookGate, Hooks, load_hooks
from wakeful.extensions.mcp_client import McpClient
from wakeful.extensions.mcp_config import load_servers, untrusted_mcp_notice
from wakeful.extensions.mcp_tools import mcp_tools
from wakeful.extensions.skills import Skill, SkillTool, load_skills, skill_dirs, skills_section

HOOK_CONTEXT = "\n\n<hook-context>\n"
HOOK_FEEDBACK = "<hook-feedback>\n"
MAX_STOP_BLOCKS = 3


@dataclass
class Extensions:
    paths: Paths
    config: Config
    tools: list[Any] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    skills: list[Skill] = field(default_factory=list)
    agents: dict[str, AgentDef] = field(default_factory=dict)
    commands: dict[str, SlashCommand] = field(default_factory=dict)
    hooks: Hooks | None = None
    mcp: McpClient | None = None
    pending_context: list[str] = field(default_factory=list)
    source: str = "startup"  # SessionStart's source: startup | resume
    started: bool = False
    on_notice: Callable[[str], None] = lambda message: None

    # ---- what goes into the prefix ----------------------------------------------------------
    def prefix_text(self) -> str:
        """Skills and custom agents, by name and description: stable for the session."""
        return "\n\n".join(
            p for p in (skills_section(self.skills), agents_section(self.agents)) if p
        )

    def gate(self, policy: Any) -> HookGate | None:
        if self.hooks is None or not self.hooks.hooks:
            return None
        return HookGate(self.hooks, policy, self._notice)

    def _notice(self, message: str) -> None:
        self.on_notice(message)

    # ---- hook points ----------------------------------------------------------------------
    async def session_start(self, source: str) -> None:
        if self.hooks is None or not self.hooks.has("SessionStart"):
            return
        outcome = await self.hooks.run("SessionStart", {"source": source})
        for n in outcome.notices:
            self._notice(n)
        self.pending_context += outcome.context

    async def session_end(self, reason: str) -> None:
        if not self.started or self.hooks is None or not self.hooks.has("SessionEnd"):
            return
        outcome = await self.hooks.run("SessionEnd", {"reason": reason})
        for n in outcome.notices:
            self._notice(n)

    async def prompt_submit(self, agent: str, text: str) -> tuple[str | None, str]:
        """(why the prompt is blocked, or None; context to add after the prompt)."""
        if not self.started:  # SessionStart runs before the session's first prompt
            self.started = True
            await self.session_start(self.source)
        extra = list(self.pending_context)
        self.pending_context.clear()
        if self.hooks is not None and agent == "main" and self.hooks.has("UserPromptSubmit"):
            outcome = await self.hooks.run("UserPromptSubmit", {"prompt": text})
            for n in outcome.notices:
                self._notice(n)
            if outcome.blocked or outcome.stop:
                verdict = outcome.stop or outcome.reason
                self.hooks.record("UserPromptSubmit", "prompt", "deny", outcome, "read_only")
                return f"prompt blocked by a UserPromptSubmit hook: {verdict}", ""
            extra += outcome.context
        return None, "\n".join(extra)

    async def stop(self, agent: str, blocks_so_far: int) -> str | None:
        """A reason to keep going when a Stop/SubagentStop hook blocks the stop, else None."""
        event = "Stop" if agent == "main" else "SubagentStop"
        if self.hooks is None or not self.hooks.has(event) or blocks_so_far >= MAX_STOP_BLOCKS:
            return None
        outcome = await self.hooks.run(event, {"stop_hook_active": blocks_so_far > 0})
        for n in outcome.notices:
            self._notice(n)
        if outcome.blocked and not outcome.stop:
            self.hooks.record(event, agent, "deny", outcome, "read_only")
            return outcome.reason
        return None

    async def notify(self, message: str, kind: str) -> None:
        """Notification hooks (e.g. `idle_prompt` when the REPL has waited for input)."""
        if self.hooks is not None:
            for n in await self.hooks.notify(message, kind):
                self._notice(n)

    async def pre_compact(self, trigger: str) -> None:
        if self.hooks is not None and self.hooks.has("PreCompact"):
            outcome = await self.hooks.run("PreCompact", {"trigger": trigger})
            for n in outcome.notices:
                self._notice(n)

    def expand(self, text: str, builtins: frozenset[str] = frozenset()) -> str:
        from wakeful.extensions.commands import expand_prompt

        return expand_prompt(text, self.commands, builtins)

    def close(self) -> None:
        if self.mcp is not None:
            self.mcp.close()
            self.mcp = None


class HookedCompactor:
    """Runs PreCompact hooks when the wrapped compactor is about to replace the context."""

    def __init__(self, inner: Any, extensions: Extensions) -> None:
        self.inner = inner
        self.extensions = extensions

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def maybe_compact(self, messages: list[Any], last: Any) -> list[Any] | None:
        result = await self.inner.maybe_compact(messages, last)
        if result is not None:
            await self.extensions.pre_compact("auto")
        return result


def notification_hooks(paths: Paths, config: Config) -> tuple[Hooks | None, list[str]]:
    """The hooks a process without a session (the daemon) runs for Notification events,
    with the same trust rules as a session; None when none is configured."""
    hooks, notices = load_hooks(paths, config)
    if not any(h.event == "Notification" for h in hooks):
        return None, notices
    return Hooks(hooks, paths, config, session_id="daemon"), notices


def load_extensions(
    paths: Paths,
    config: Config,
    *,
    session_id: str = "",
    transcript_path: str = "",
    start_mcp: bool = True,
) -> Extensions:
    home = Path(config.env.get("HOME") or Path.home())
    ext = Extensions(paths, config)
    ext.skills, notes = load_skills(skill_dirs(paths.workspace, home, paths.user_config))
    ext.notices += notes
    ext.agents, notes = load_agents(agent_dirs(paths.workspace, home, paths.user_config))
    ext.notices += notes
    ext.commands = load_commands(command_dirs(paths.workspace, home, paths.user_config))
    if ext.skills:
        ext.tools.append(SkillTool(ext.skills))
    hooks, notes = load_hooks(paths, config)
    ext.notices += notes
    ext.hooks = Hooks(hooks, paths, config, session_id, transcript_path)
    if start_mcp:
        sources = load_servers(paths, config)
        notice = untrusted_mcp_notice(sources)
        if notice:
            ext.notices.append(notice)
        ext.notices += sources.errors
        if sources.servers:
            mcp = config.settings.mcp
            client = McpClient(
                sources.servers,
                paths.workspace,
                log_dir=paths.project / "mcp-logs",
                start_timeout=mcp.start_timeout,
                call_timeout=mcp.call_timeout,
                oauth_data=paths.user_data,
            )
            try:
                ext.notices += client.start()
                tools, notes = mcp_tools(client, mcp.max_listed_tools)
            except BaseException:
                with contextlib.suppress(Exception):
                    client.close()
                raise
            ext.mcp = client
            ext.tools += tools
            ext.notices += notes
    return ext
