"""`remember`, `recall` and `forget`: the agent's access to skeptical memory.

`remember` never writes directly: it stages the memory in `ctx.services.memory_stage`,
and the loop commits it only once the other tool calls of the same message succeeded.
Without explicit anchors, it anchors to the files the agent last read or edited
(`ctx.recent_files`, newest last). The service is `ctx.services.memory`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from wakeful.core import tool_names
from wakeful.core.errors import WakefulError
from wakeful.policy.types import RiskInput
from wakeful.tools._args import ArgError, check_args
from wakeful.tools.base import Tool, ToolContext, ToolResult

if TYPE_CHECKING:
    from wakeful.memory.service import MemoryService
    from wakeful.memory.stage import MemoryStage

MEMORY_TYPES = ("user", "feedback", "project", "reference")
AUTO_ANCHOR_FILES = 3
MAX_RECALL = 20


def _service(ctx: ToolContext) -> MemoryService:
    service = ctx.services.memory
    if service is None:
        raise WakefulError(
            "memory is not available in this session (no memory service was opened); "
            "carry on without it"
        )
    return service


def _stage(ctx: ToolContext, service: MemoryService) -> MemoryStage:
    stage = ctx.services.memory_stage
    if stage is None:
        stage = service.stage(ctx.session_id)
        ctx.services.memory_stage = stage
    return stage


def recent_paths(ctx: ToolContext) -> list[str]:
    """Files the agent touched last, newest first: recent_files, else read stamps."""
    recent = list(ctx.recent_files)
    if not recent:
        recent = list(ctx.read_stamps)
    return list(reversed(recent))[:AUTO_ANCHOR_FILES]


def _anchor_paths(args: dict[str, Any], ctx: ToolContext) -> tuple[str, ...]:
    out: list[str] = []
    for spec in args.get("anchors") or []:
        if isinstance(spec, str) and spec.strip():
            path = spec.strip().rsplit(":", 1)
            head = path[0] if len(path) == 2 and path[1].replace("-", "").isdigit() else spec
            out.append(str(ctx.resolve(head)))
    return tuple(out)


class RememberTool:
    name = tool_names.REMEMBER
    description = (
        "Save a durable memory for later sessions: a fact about this codebase (type project), "
        "how the user wants you to work (feedback), who the user is (user), or where to find "
        "something (reference). Use it right after the action it describes succeeded; it is "
        "kept only if the other tool calls in the same step succeed. Anchor it to code with "
        "`anchors` like ['src/app.py:10-20']; without anchors it is anchored to the file you "
        "last read or edited. Never store secrets."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "text": {"type": "string", "description": "The memory, one or two sentences."},
            "type": {"type": "string", "enum": list(MEMORY_TYPES)},
            "anchors": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Code locations as PATH or PATH:START-END.",
            },
        },
        "required": ["text"],
    }
    read_only = False

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        return RiskInput(
            tool=self.name,
            kind="memory",
            paths=_anchor_paths(args, ctx),
            read_only=False,
            detail="stage a memory (written after the step succeeds)",
        )

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        try:
            a = check_args(self.name, args, self.input_schema)
        except ArgError as exc:
            return ToolResult.error(str(exc))
        from wakeful.memory.types import MemoryDraft, memory_type

        mtype = memory_type(str(a.get("type") or "project"))
        if mtype is None:
            return ToolResult.error(
                f"remember: unknown type {a.get('type')!r}; use one of: {', '.join(MEMORY_TYPES)}"
            )
        specs = [s for s in (a.get("anchors") or []) if isinstance(s, str) and s.strip()]
        draft = MemoryDraft(
            text=str(a["text"]),
            type=mtype,
            anchor_specs=specs,
            auto_anchor_paths=[] if specs or mtype == "user" else recent_paths(ctx),
            source_session=ctx.session_id,
        )
        try:
            service = _service(ctx)
            memory_id = _stage(ctx, service).add(draft)
        except WakefulError as exc:
            return ToolResult.error(str(exc))
        where = ", ".join(specs) if specs else ", ".join(draft.auto_anchor_paths[:1])
        anchored = f", anchored to {where}" if where else ""
        return ToolResult(
            f"Staged memory {memory_id} ({mtype}{anchored}). It is saved once the other "
            "actions of this step succeed, and dropped if any of them fails.",
            meta={"memory_id": memory_id},
        )


class RecallTool:
    name = tool_names.RECALL
    description = (
        "Search memory for notes relevant to a query. Each result is verified against the "
        "workspace now and shown with a verdict (fresh, moved, drifted, orphaned, unanchored) "
        "and its age; check drifted or orphaned notes against the code before relying on them."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "Words to search for."},
            "limit": {"type": "integer", "description": f"At most this many (1-{MAX_RECALL})."},
        },
        "required": ["query"],
    }
    read_only = True

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        return RiskInput(tool=self.name, kind="memory", read_only=True, detail="search memory")

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        try:
            a = check_args(self.name, args, self.input_schema)
        except ArgError as exc:
            return ToolResult.error(str(exc))
        limit = max(1, min(MAX_RECALL, int(a.get("limit") or 5)))
        try:
            service = _service(ctx)
            hints = await asyncio.to_thread(service.recall, str(a["query"]), limit)
        except WakefulError as exc:
            return ToolResult.error(str(exc))
        if not hints:
            return ToolResult("No memories match that query.", meta={"ids": []})
        return ToolResult(
            service.render_hints(hints),
            meta={"ids": [h.record.id for h in hints], "verdicts": [h.verdict for h in hints]},
        )


class ForgetTool:
    name = tool_names.FORGET
    description = (
        "Forget a memory by its id (as shown by recall), e.g. when it is wrong or the code it "
        "describes is gone. The memory is archived, not shown again, and can be restored."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {"id": {"type": "string", "description": "The memory id, e.g. m1a2b3c4d5."}},
        "required": ["id"],
    }
    read_only = False

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        return RiskInput(
            tool=self.name,
            kind="memory",
            read_only=False,
            detail=f"archive memory {args.get('id', '')}",
        )

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        try:
            a = check_args(self.name, args, self.input_schema)
        except ArgError as exc:
            return ToolResult.error(str(exc))
        try:
            record = _service(ctx).forget(str(a["id"]))
        except WakefulError as exc:
            return ToolResult.error(str(exc))
        return ToolResult(f"Forgot memory {record.id}: {record.text[:80]}")


def memory_tools() -> list[Tool]:
    return [RememberTool(), RecallTool(), ForgetTool()]
