"""The restricted dreamer: a model merges the clusters that deterministic rules could not.

It is a normal agent loop that may use only read, glob, grep, the memory tools and
`merge_memories`; every call goes through two gates: an allow-list that denies every other tool and every
risk kind other than reads and memory, then the policy layer's own `Policy.restricted`
(which allows only those tools, and of them only memory calls and calls it classifies
read-only, and audits each decision). So a model that tries to run a shell command or
write a file is refused by policy, whatever its prompt says. Each run gets a batch of
clusters; the model either merges a cluster into one rewritten memory with
`merge_memories` or leaves it alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.core.usage import Usage
from wakeful.memory.types import MEMORY_TYPES, MemoryRecord
from wakeful.policy.types import Decision, RiskInput
from wakeful.tools._args import ArgError, check_args
from wakeful.tools.base import Tool, ToolContext, ToolResult

READ_ONLY_FILE_TOOLS = frozenset({"read", "glob", "grep"})
DREAM_MEMORY_TOOLS = frozenset({"recall", "remember", "forget", "merge_memories"})
ALLOWED_KINDS = frozenset({"read", "memory"})

DREAMER_PROMPT = """You consolidate an agent's long-term memory while it is idle.
You are given clusters of memories that point at the same code but are worded differently.
For each cluster decide whether its memories state the same fact.
- If they do, call merge_memories once with all their ids and ONE rewritten memory that keeps
  every distinct detail, in plain present-tense sentences, with absolute dates.
- If they state different facts, leave them alone.
You may read files (read, glob, grep) to check what the code says now. You cannot run
commands or edit files. When every cluster is handled, reply with a one-line summary."""


class RestrictedPolicy:
    """The dreamer's policy: `inner` (the policy layer's restricted policy) decides, and an
    allow-list of tools, risk kinds and workspace paths turns anything else into a deny."""

    def __init__(
        self,
        allowed_tools: set[str] | frozenset[str],
        workspace: str,
        inner: Any = None,
        audit: Callable[[RiskInput, Decision], None] | None = None,
    ) -> None:
        self.allowed_tools = frozenset(allowed_tools)
        self.workspace = workspace.rstrip("/")
        self.inner = inner
        self.audit = audit
        self.decisions: list[tuple[RiskInput, Decision]] = []

    def _deny(self, risk: RiskInput, why: str) -> Decision:
        tier = "critical" if risk.kind == "shell" else "high"
        return Decision(tier, "deny", [why], matched_rule="dreamer allow-list")  # type: ignore[arg-type]

    def _check(self, risk: RiskInput) -> Decision | None:
        if risk.tool not in self.allowed_tools:
            return self._deny(
                risk,
                f"the dreamer may use only {', '.join(sorted(self.allowed_tools))}; "
                f"{risk.tool} is not allowed",
            )
        if risk.kind not in ALLOWED_KINDS or risk.command is not None or risk.network:
            return self._deny(risk, f"the dreamer may only read files and use memory ({risk.kind})")
        if risk.kind == "read":
            if not risk.read_only:
                return self._deny(risk, "the dreamer's file access is read-only")
            for path in risk.paths:
                if path != self.workspace and not path.startswith(self.workspace + "/"):
                    return self._deny(risk, f"{path} is outside the workspace")
        return None

    async def decide(self, risk: RiskInput, ctx: Any) -> Decision:
        """The policy layer decides (and audits); the allow-list can only tighten it."""
        mine = self._check(risk)
        if self.inner is not None:
            decision = await self.inner.decide(risk, ctx)
            if decision.decision != "deny" and mine is not None:
                decision = mine
        elif mine is not None:
            decision = mine
        else:
            tier = "read_only" if risk.read_only else "workspace"
            decision = Decision(tier, "allow", ["allowed for the dreamer"])  # type: ignore[arg-type]
        self.decisions.append((risk, decision))
        if self.audit is not None:
            self.audit(risk, decision)
        return decision


@dataclass
class ClusterMerge:
    ids: list[str]
    text: str
    type: str | None
    new_id: str


class MergeMemoriesTool:
    """Replace a cluster's memories with one rewritten memory (the old ones are archived)."""

    name = "merge_memories"
    description = (
        "Merge memories that state the same fact into one rewritten memory. The merged "
        "memory keeps the union of their anchors; the originals are archived and can be "
        "restored. Give every id of the cluster you merge."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "ids": {"type": "array", "items": {"type": "string"}, "description": "Memory ids."},
            "text": {"type": "string", "description": "The one rewritten memory."},
            "type": {"type": "string", "enum": list(MEMORY_TYPES)},
        },
        "required": ["ids", "text"],
    }
    read_only = False

    def __init__(
        self, apply: Callable[[list[str], str, str | None], str], allowed_ids: set[str]
    ) -> None:
        self.apply = apply
        self.allowed_ids = allowed_ids
        self.merges: list[ClusterMerge] = []

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        ids = args.get("ids") if isinstance(args, dict) else None
        return RiskInput(
            tool=self.name,
            kind="memory",
            read_only=False,
            detail=f"merge memories {', '.join(map(str, ids or []))}",
        )

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        try:
            a = check_args(self.name, args, self.input_schema)
        except ArgError as exc:
            return ToolResult.error(str(exc))
        ids = list(dict.fromkeys(str(i) for i in a["ids"]))
        unknown = [i for i in ids if i not in self.allowed_ids]
        if unknown:
            return ToolResult.error(
                f"unknown or already merged ids: {', '.join(unknown)}; merge only ids from "
                "the clusters you were given"
            )
        if len(ids) < 2:
            return ToolResult.error("give at least two ids to merge")
        text = " ".join(str(a["text"]).split())
        if not text:
            return ToolResult.error("the merged text is empty")
        try:
            new_id = self.apply(ids, text, a.get("type"))
        except Exception as exc:  # store errors become a tool error the model can read
            return ToolResult.error(f"merge failed: {exc}")
        self.allowed_ids.difference_update(ids)
        self.merges.append(ClusterMerge(ids, text, a.get("type"), new_id))
        return ToolResult(f"Merged {', '.join(ids)} into {new_id}.", meta={"id": new_id})


@dataclass
class ModelMergeResult:
    merges: list[ClusterMerge] = field(default_factory=list)
    calls: int = 0
    usage: Usage = field(default_factory=Usage)
    denied: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def render_clusters(clusters: list[list[MemoryRecord]]) -> str:
    blocks = []
    for n, cluster in enumerate(clusters, 1):
        lines = [f"Cluster {n}:"]
        for r in cluster:
            spans = ", ".join(a.span for a in r.anchors) or "no anchors"
            lines.append(f"- {r.id} ({r.type}; {spans}): {' '.join(r.text.split())}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


async def merge_clusters(
    clusters: list[list[MemoryRecord]],
    *,
    paths: Paths,
    config: Config,
    provider: Any,
    apply: Callable[[list[str], str, str | None], str],
    memory: Any = None,
    batch: int = 8,
    max_turns: int = 12,
    inner_policy: Any = None,
) -> ModelMergeResult:
    """Run the restricted dreamer over clusters, `batch` clusters per agent run."""
    from wakeful.loop.agent import Agent, Limits
    from wakeful.loop.dispatch import Dispatcher
    from wakeful.prompt.prefix import build_prefix
    from wakeful.tools.base import schema_of
    from wakeful.tools.memory_tools import memory_tools
    from wakeful.tools.registry import default_tools

    result = ModelMergeResult()
    ids = {r.id for c in clusters for r in c}
    merge_tool = MergeMemoriesTool(apply, ids)
    # The dreamer sees the ordinary tool set; what it may use is the policy's business, so
    # a call to bash or write reaches the policy and is refused there, not by omission.
    tools: list[Tool] = [*default_tools(), *memory_tools(), merge_tool]
    allowed = {t.name for t in tools if t.name in READ_ONLY_FILE_TOOLS | DREAM_MEMORY_TOOLS}
    if inner_policy is None:
        from pathlib import Path

        from wakeful.policy.decision import Policy

        home = Path(config.env.get("HOME") or Path.home())
        inner_policy = Policy.restricted(paths, allowed, home=home)
    policy = RestrictedPolicy(allowed, str(paths.workspace), inner=inner_policy)
    ctx = ToolContext(paths=paths, config=config, session_id="dream", cwd=paths.workspace)
    if memory is not None:
        ctx.extras["memory"] = memory
        ctx.extras["memory_stage"] = memory.stage("dream")
    dispatcher = Dispatcher(tools, policy, ctx, agent="dreamer")
    prefix = build_prefix([schema_of(t) for t in tools], DREAMER_PROMPT, "", "")
    for start in range(0, len(clusters), batch):
        chunk = [
            [r for r in c if r.id in merge_tool.allowed_ids]
            for c in clusters[start : start + batch]
        ]
        chunk = [c for c in chunk if len(c) >= 2]
        if not chunk:
            continue
        agent = Agent(
            provider=provider,
            prefix=prefix,
            dispatcher=dispatcher,
            ctx=ctx,
            limits=Limits(max_turns=max_turns, max_tokens=config.settings.max_tokens),
            name="dreamer",
        )
        turn = await agent.run(render_clusters(chunk))
        result.calls += agent.requests
        result.usage = result.usage + agent.usage
        if turn.is_error and turn.error:
            result.errors.append(turn.error)
    result.merges = merge_tool.merges
    result.denied = [
        {"tool": r.tool, "kind": r.kind, "reasons": d.reasons}
        for r, d in policy.decisions
        if d.decision != "allow"
    ]
    return result


def summarise(result: ModelMergeResult) -> dict[str, Any]:
    return {
        "calls": result.calls,
        "tokens": json.loads(json.dumps(result.usage.to_dict())),
        "merged_clusters": len(result.merges),
        "denied": result.denied,
        "errors": result.errors,
    }
