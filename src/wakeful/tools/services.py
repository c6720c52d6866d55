"""What the layers above hand to tools: typed, optional services on `ToolContext.services`.

Each field is None (or empty) when the session does not have that service: a tool asks for
`ctx.services.memory` and handles None, and mypy checks the rest. Services from layers below
`tools/` (memory, checkpoints, the sandbox) are named by their classes; the coordinator and
custom agents live above `tools/`, so they are described by the protocols here, which
`agents/` and `extensions/` satisfy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from wakeful.checkpoints.recorder import RunRecorder
    from wakeful.checkpoints.worktrees import WorktreeSource
    from wakeful.core.usage import Usage
    from wakeful.memory.service import MemoryService
    from wakeful.memory.stage import MemoryStage
    from wakeful.policy.sandbox import Sandbox
    from wakeful.tools.delegate import TaskSpec


class WorkerOutcome(Protocol):
    @property
    def status(self) -> str: ...


class DelegationReport(Protocol):
    """What a fan-out hands back to the `delegate` tool."""

    @property
    def fanout(self) -> int: ...

    @property
    def results(self) -> Sequence[WorkerOutcome]: ...

    @property
    def usage(self) -> Usage: ...

    def to_text(self) -> str: ...


class CoordinatorPost(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def answer(self) -> str | None: ...


class Delegator(Protocol):
    """Runs sub-agents for `delegate` and carries a worker's posts (agents.Coordinator).
    `handle` is None for the main agent, which has nobody to post to."""

    @property
    def handle(self) -> object | None: ...

    async def delegate(self, specs: list[TaskSpec]) -> DelegationReport: ...

    async def post(self, kind: str, text: str) -> CoordinatorPost: ...


class AgentProfile(Protocol):
    """A custom agent `delegate` can name (extensions.agents.AgentDef)."""

    @property
    def instructions(self) -> str: ...

    @property
    def tools(self) -> tuple[str, ...] | None: ...


@dataclass
class ToolServices:
    """The session's services. Shared by reference with sub-agents, except `memory_stage`
    and `coordinator`, which each agent has of its own (see agents.fork.worker_context)."""

    memory: MemoryService | None = None
    memory_stage: MemoryStage | None = None
    checkpoints: RunRecorder | None = None
    sandbox: Sandbox | None = None
    coordinator: Delegator | None = None
    custom_agents: Mapping[str, AgentProfile] = field(default_factory=dict)
    worktrees: WorktreeSource | None = None  # where a sub-agent's own worktree comes from
