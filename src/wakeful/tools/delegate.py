"""`delegate` hands tasks to parallel sub-agents; `post_message` lets a sub-agent report back.

Both tools are in every agent's tool list (main and workers alike), because a worker's
tools array must be the parent's bytes for the prompt cache to be shared. Where a tool makes
no sense (delegate beyond the depth cap, post_message in the main agent) it answers with an
error result or is denied by the worker's policy, never removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from wakeful.core import tool_names
from wakeful.core.config import Config
from wakeful.core.errors import DelegationError
from wakeful.policy.types import RiskInput
from wakeful.tools.base import Tool, ToolContext, ToolResult
from wakeful.tools.services import AgentProfile

KINDS = ("auto", "fork", "fresh")
ISOLATIONS = ("auto", "worktree", "none")
MAX_TASKS_PER_CALL = 32


@dataclass(frozen=True)
class TaskSpec:
    """One task to hand out. `tools` restricts what the worker may call (None: as parent)."""

    prompt: str
    kind: Literal["fork", "fresh", "auto"] = "auto"
    tools: tuple[str, ...] | None = None
    agent: Any = None  # the custom agent (extensions.agents.AgentDef) it runs as, if any
    # "worktree": the sub-agent works in a git worktree of its own, on its own branch;
    # "none": in the parent's tree (writers that share it run one at a time); "auto": a
    # worktree when the call has more than one writing sub-agent, else the parent's tree.
    # Parallel writers never edit the same working tree (agents.coordinator.plan_writers).
    isolation: Literal["auto", "none", "worktree"] = "auto"


class DelegateTool:
    name = tool_names.DELEGATE
    description = (
        "Hand independent tasks to sub-agents that run in parallel, and get back one short "
        "structured result per task (status, summary, files touched), not their transcripts. "
        "kind `fork`: the sub-agent starts from this conversation as it stands (cheap: the "
        "shared context is read from the prompt cache) and is told only its task; use it when "
        "the task needs what you have already read. kind `fresh`: a clean context with only the "
        "task text; use it for self-contained work. `auto` (default) picks by the size of the "
        "shared context. Write each task so it can be done without talking to you. `tools` "
        "restricts which tools that sub-agent may use. Sub-agents that may write (write, edit, "
        "bash) never share a working tree while they run: when one call has several, each "
        "works in a git worktree and branch of its own and its result names the branch and "
        "how to merge it (the changes are not in your files until merged); "
        "`isolation: none` runs them one at a time in your tree instead, `worktree` isolates "
        "even a single writer. A limited number run at once and in total; results say when a "
        "cap was hit."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "tasks": {
                "type": "array",
                "description": "The tasks, one sub-agent each.",
                "items": {
                    "type": "object",
                    "properties": {
                        "prompt": {"type": "string", "description": "What this sub-agent must do."},
                        "kind": {"type": "string", "enum": list(KINDS)},
                        "tools": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "Only these tools may be used (default: all yours).",
                        },
                        "agent": {
                            "type": "string",
                            "description": "A custom agent (listed under Custom agents) to "
                            "run this task with its instructions and tools.",
                        },
                        "isolation": {"type": "string", "enum": list(ISOLATIONS)},
                    },
                    "required": ["prompt"],
                },
            },
            "kind": {
                "type": "string",
                "enum": list(KINDS),
                "description": "Default kind for tasks that do not set one.",
            },
            "isolation": {
                "type": "string",
                "enum": list(ISOLATIONS),
                "description": "Default isolation for tasks that do not set one.",
            },
        },
        "required": ["tasks"],
    }
    read_only = False

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        tasks = args.get("tasks") if isinstance(args, dict) else None
        n = len(tasks) if isinstance(tasks, list) else 0
        # Delegating touches nothing itself; every call a sub-agent makes is checked on its own.
        return RiskInput(
            tool=self.name, kind="delegate", read_only=True, detail=f"{n} sub-agent task(s)"
        )

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        coordinator = ctx.services.coordinator
        if coordinator is None:
            return ToolResult.error("delegation is not available in this session")
        try:
            specs = parse_tasks(args, TaskSpec, ctx.services.custom_agents)
        except ValueError as exc:
            return ToolResult.error(str(exc))
        try:
            report = await coordinator.delegate(specs)
        except DelegationError as exc:
            return ToolResult.error(str(exc))
        nothing_ok = all(r.status != "ok" for r in report.results)
        return ToolResult(
            report.to_text(),
            is_error=nothing_ok,
            meta={"fanout": report.fanout, "usage": report.usage.to_dict()},
        )


def parse_tasks(
    args: dict[str, Any], spec_type: Any, agents: Mapping[str, AgentProfile] | None = None
) -> list[Any]:
    """Validate the call's tasks; messages say what to fix."""
    if not isinstance(args, dict):
        raise ValueError("delegate needs an object with a `tasks` list")
    default_kind = args.get("kind", "auto") or "auto"
    if default_kind not in KINDS:
        raise ValueError(f"`kind` must be one of {', '.join(KINDS)}, not {default_kind!r}")
    default_isolation = args.get("isolation", "auto") or "auto"
    if default_isolation not in ISOLATIONS:
        raise ValueError(
            f"`isolation` must be one of {', '.join(ISOLATIONS)}, not {default_isolation!r}"
        )
    tasks = args.get("tasks")
    if isinstance(tasks, dict | str):
        tasks = [tasks]
    if not isinstance(tasks, list) or not tasks:
        raise ValueError("`tasks` must be a non-empty list of {prompt, kind?, tools?}")
    if len(tasks) > MAX_TASKS_PER_CALL:
        raise ValueError(
            f"{len(tasks)} tasks in one call; send at most {MAX_TASKS_PER_CALL} (caps also "
            "limit how many run in all)"
        )
    specs = []
    for i, task in enumerate(tasks, 1):
        if isinstance(task, str):
            task = {"prompt": task}
        if not isinstance(task, dict):
            raise ValueError(f"task {i} must be an object with a `prompt`")
        prompt = task.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError(f"task {i} needs a non-empty `prompt`")
        kind = task.get("kind") or default_kind
        if kind not in KINDS:
            raise ValueError(f"task {i}: `kind` must be one of {', '.join(KINDS)}")
        tools = task.get("tools")
        if tools is not None and (
            not isinstance(tools, list) or not all(isinstance(t, str) for t in tools)
        ):
            raise ValueError(f"task {i}: `tools` must be a list of tool names")
        allowed = tuple(tools) if tools is not None else None
        agent = None
        isolation = task.get("isolation") or default_isolation
        if isolation not in ISOLATIONS:
            raise ValueError(f"task {i}: `isolation` must be one of {', '.join(ISOLATIONS)}")
        name = task.get("agent")
        if name is not None:
            # A custom agent (extensions/agents.py): its instructions lead the task, and its
            # tool list narrows the worker's (enforced by the worker's policy wrapper).
            agent = (agents or {}).get(name) if isinstance(name, str) else None
            if agent is None:
                known = ", ".join(sorted(agents or {})) or "none are defined"
                raise ValueError(f"task {i}: no custom agent {name!r} (available: {known})")
            if agent.instructions:
                prompt = f"{agent.instructions}\n\n# Your task\n\n{prompt}"
            if agent.tools is not None:
                allowed = tuple(t for t in agent.tools if allowed is None or t in allowed)
        specs.append(spec_type(prompt, kind, allowed, agent, isolation))
    return specs


class PostMessageTool:
    name = tool_names.POST_MESSAGE
    description = (
        "Sub-agents only: post a progress note or a question to the agent that delegated your "
        "task. A question may get an answer back; if it does not, continue on your best "
        "judgement and mention the question in your final summary."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "kind": {"type": "string", "enum": ["progress", "question"]},
            "text": {"type": "string"},
        },
        "required": ["kind", "text"],
    }
    read_only = True

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        return RiskInput(tool=self.name, kind="other", read_only=True, detail="message to parent")

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        coordinator = ctx.services.coordinator
        if coordinator is None or coordinator.handle is None:
            return ToolResult.error(
                "post_message is for sub-agents; you are not running under a coordinator"
            )
        kind = args.get("kind") if isinstance(args, dict) else None
        text = args.get("text") if isinstance(args, dict) else None
        if not isinstance(text, str) or not text.strip():
            return ToolResult.error("post_message needs non-empty `text`")
        try:
            post = await coordinator.post(str(kind), text)
        except DelegationError as exc:
            return ToolResult.error(str(exc))
        if post.kind == "question":
            if post.answer:
                return ToolResult(f"Answer from the coordinator: {post.answer}")
            return ToolResult(
                "No answer now. Continue on your best judgement and list this question in "
                "your final summary."
            )
        return ToolResult("Posted.")


def delegate_tools(config: Config) -> list[Tool]:
    """The tools every agent gets, so the tools array is the same for parent and workers."""
    return [DelegateTool(), PostMessageTool()]
