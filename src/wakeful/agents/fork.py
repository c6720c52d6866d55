"""Building a sub-agent from its parent: a fork (shared context) or a fresh worker.

Both kinds reuse the parent's `Prefix` object itself, so the tools array and the system
segments a worker sends are the parent's bytes (a changed tool list would break the cache
for every worker). A worker's tools are restricted through its policy, never by removing
schemas. A fork's conversation is the parent's message list as it stands at the delegate
call, followed by one message that answers the parent's pending tool calls with the same
placeholder text in every fork and then states the fork's own task, so every fork's
request shares the parent's bytes up to and including that placeholder.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from wakeful.core.events import LoopEvent
from wakeful.core.messages import Message, TextBlock, ToolResultBlock
from wakeful.loop.agent import Agent, Limits
from wakeful.loop.dispatch import Approver, Dispatcher
from wakeful.policy.types import Decision, RiskInput, Tier
from wakeful.tools.base import Tool, ToolContext, ToolResult
from wakeful.tools.delegate import TaskSpec

Kind = Literal["fork", "fresh"]

FORK_PLACEHOLDER = (
    "This call is handled by the parent agent. You are a sub-agent forked at this point; "
    "your own task follows."
)
FORK_TASK = (
    "You are {name}, a sub-agent forked from the conversation above; the parent agent "
    "continues without you. Do only the task below, using the context above. Work with your "
    "tools, then stop and reply with a brief summary for the parent (at most {cap} "
    "characters are returned): what you found or changed, the files you touched, and "
    "anything left open.\n\nTask: {prompt}"
)
FRESH_TASK = (
    "You are {name}, a sub-agent started by a parent agent with a clean context. Do only "
    "the task below. Work with your tools, then stop and reply with a brief summary for the "
    "parent (at most {cap} characters are returned): what you found or changed, the files "
    "you touched, and anything left open.\n\nTask: {prompt}"
)
# Per-agent state that a worker must not share with its parent.
PRIVATE_EXTRAS = ("todos", "memory_stage", "coordinator", "worker")


class WorkerPolicy:
    """The parent's policy, with some tools denied outright for this worker.

    Denying through the policy (rather than dropping schemas) keeps the tools array, and
    therefore the cached prefix, identical to the parent's.
    """

    def __init__(
        self, inner: Any, deny: dict[str, str], allow_only: frozenset[str] | None = None
    ) -> None:
        self.inner = inner
        self.deny = dict(deny)
        self.allow_only = allow_only

    def _refusal(self, tool: str) -> str | None:
        if tool in self.deny:
            return self.deny[tool]
        if self.allow_only is not None and tool not in self.allow_only:
            allowed = ", ".join(sorted(self.allow_only)) or "none"
            return f"this sub-agent may only use: {allowed}"
        return None

    async def decide(self, risk: RiskInput, ctx: Any) -> Decision:
        reason = self._refusal(risk.tool)
        if reason is not None:
            return Decision(Tier.READ_ONLY if risk.read_only else Tier.WORKSPACE, "deny", [reason])
        return await self.inner.decide(risk, ctx)


@dataclass
class Touched:
    """Files a worker changed, collected from successful non-read-only tool results."""

    paths: list[str] = field(default_factory=list)

    def add(self, path: str) -> None:
        if path not in self.paths:
            self.paths.append(path)


class RecordingTool:
    """The parent's tool, unchanged for the model, noting which files it wrote."""

    def __init__(self, inner: Tool, touched: Touched) -> None:
        self.inner = inner
        self.touched = touched
        self.name = inner.name
        self.description = inner.description
        self.input_schema = inner.input_schema
        self.read_only = inner.read_only

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        return self.inner.risk(args, ctx)

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        result = await self.inner.run(args, ctx)
        path = result.meta.get("path") if isinstance(result.meta, dict) else None
        if not result.is_error and not self.read_only and isinstance(path, str):
            self.touched.add(path)
        return result


def serialised(approver: Approver | None) -> Approver | None:
    """Parallel workers ask the user one at a time."""
    if approver is None:
        return None
    lock = asyncio.Lock()

    async def ask(call: Any, decision: Decision) -> bool:
        async with lock:
            return await approver(call, decision)

    return ask


def fork_split(parent: list[Message]) -> tuple[list[Message], list[Any], int | None]:
    """A fork's inherited history, the blocks that open its first message, and the index
    of the last message every fork shares (its cache breakpoint).

    The shared part ends with the parent's last message; the placeholder answers to the
    parent's pending tool calls are the same bytes in every fork, and only the task text
    that follows them differs.
    """
    if parent and parent[-1].role == "assistant":
        head = [ToolResultBlock(t.id, FORK_PLACEHOLDER) for t in parent[-1].tool_uses]
        return list(parent), head, len(parent) - 1
    if parent:  # called between turns with a user message last: the task extends it
        return (
            list(parent[:-1]),
            list(parent[-1].content),
            (len(parent) - 2 if len(parent) >= 2 else None),
        )
    return [], [], None


def fork_messages(parent: list[Message], task_text: str) -> list[Message]:
    """The conversation a fork's first request carries."""
    history, head, _ = fork_split(parent)
    return [*history, Message("user", [*head, TextBlock(task_text)])]


def worker_context(parent: ToolContext, kind: Kind, name: str) -> ToolContext:
    """Own cwd, own read stamps (a fork saw what its parent read), own todo list."""
    extras: dict[str, Any] = {}
    for key, value in parent.extras.items():
        if key in PRIVATE_EXTRAS:
            continue
        extras[key] = copy.copy(value) if isinstance(value, list | dict | set) else value
    if kind == "fresh":
        extras.pop("recent_files", None)
    extras["todos"] = []
    extras["worker"] = name
    memory = parent.extras.get("memory")
    if memory is not None and hasattr(memory, "stage"):
        extras["memory_stage"] = memory.stage(parent.session_id)
    return ToolContext(
        paths=parent.paths,
        config=parent.config,
        session_id=parent.session_id,
        cwd=parent.cwd,
        read_stamps=dict(parent.read_stamps) if kind == "fork" else {},
        extras=extras,
    )


@dataclass
class WorkerSetup:
    agent: Agent
    task_text: str
    touched: Touched
    fork_point: int | None


def build_worker(
    parent: Agent,
    *,
    name: str,
    kind: Kind,
    spec: TaskSpec,
    deny: dict[str, str],
    limits: Limits,
    summary_chars: int,
    on_event: Callable[[LoopEvent], None],
    prompt_cache_key: str | None,
    compactor_factory: Callable[[Agent, int], Any] | None = None,
    provider: Any = None,
) -> WorkerSetup:
    """A worker of `parent`; `provider` (a custom agent's own model) replaces the parent's."""
    template = FORK_TASK if kind == "fork" else FRESH_TASK
    task_text = template.format(name=name, cap=summary_chars, prompt=spec.prompt.strip())
    ctx = worker_context(parent.ctx, kind, name)
    touched = Touched()
    tools: list[Tool] = [RecordingTool(t, touched) for t in parent.dispatcher.tools.values()]
    allow_only = frozenset(spec.tools) if spec.tools is not None else None
    policy = WorkerPolicy(parent.dispatcher.policy, deny, allow_only)
    dispatcher = Dispatcher(
        tools,
        policy,
        ctx,
        approver=serialised(parent.dispatcher.approver),
        on_event=on_event,
        agent=name,
        result_cap=parent.dispatcher.result_cap,
        gate=parent.dispatcher.gate.for_policy(policy) if parent.dispatcher.gate else None,
    )
    if kind == "fork":
        history, head, fork_point = fork_split(parent.messages)
    else:
        history, head, fork_point = [], [], None
    fixed = [b for b in parent.fixed_breakpoints if fork_point is None or b < fork_point]
    if fork_point is not None:
        fixed = [*fixed[-1:], fork_point]  # system + 2 fixed + the latest message = 4
    agent = WorkerAgent(
        provider=provider if provider is not None else parent.provider,
        prefix=parent.prefix,
        dispatcher=dispatcher,
        ctx=ctx,
        transcript=parent.transcript,
        ledger=parent.ledger,
        messages=history,
        limits=limits,
        on_event=on_event,
        name=name,
        fixed_breakpoints=fixed,
        prompt_cache_key=prompt_cache_key,
        retry=parent.retry,
        turn_hooks=parent.turn_hooks,  # SubagentStop hooks
    )
    agent.head = head
    root_source = getattr(parent, "user_source", None)
    agent.user_source = root_source if root_source is not None else parent._user_messages
    if compactor_factory is not None:
        agent.compactor = compactor_factory(agent, len(history))
    return WorkerSetup(agent, task_text, touched, fork_point)


class WorkerAgent(Agent):
    """An Agent whose first user message opens with `head` blocks (a fork's placeholder
    answers to the parent's pending tool calls, or the parent's last user message)."""

    head: list[Any]
    # The root agent's `_user_messages`: a worker's own "user" turns are its task, written by
    # the parent model, and the reviewer must never see model prose as the user's words.
    user_source: Callable[[], list[str]] | None = None

    def _user_messages(self) -> list[str]:
        return self.user_source() if self.user_source is not None else []

    def _append(self, message: Message) -> None:
        if getattr(self, "head", None) and message.role == "user":
            message = Message("user", [*self.head, *message.content])
            self.head = []
        super()._append(message)
