"""Tool dispatch: validate the call, ask the policy, run it, cap its output.

Read-only calls that sit next to each other run in parallel; anything that writes runs
alone, in the order the model asked. A malformed call becomes an error result, never a crash.
"""

from __future__ import annotations

import asyncio
import json
import os.path
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from wakeful.core.errors import WakefulError
from wakeful.core.events import LoopEvent, ToolCall
from wakeful.core.messages import ToolResultBlock
from wakeful.core.tool_names import MEMORY_TOOLS
from wakeful.policy.decision import DecisionContext
from wakeful.policy.types import Decision, RiskInput
from wakeful.tools.base import Tool, ToolContext, ToolResult

Approver = Callable[[ToolCall, Decision], Awaitable[bool]]
RESULT_CAP = 50_000
# After a shell command refused in a run where nobody can approve it. Told only why (inline
# code "can do anything"), the coder model answered its question with the refusal itself.
REFUSED_COMMAND_ADVICE = (
    ". Nobody can approve it in this run, so the same command would be refused again. "
    "Find out another way: read the file, search with grep or glob, or run a read-only "
    "command such as `grep -c PATTERN FILE` or `wc -l FILE`."
)


class DecisionMaker(Protocol):
    """What the dispatcher needs from the policy layer (wakeful.policy.decision.Policy)."""

    async def decide(self, risk: RiskInput, ctx: DecisionContext) -> Decision: ...


class ToolGate(Protocol):
    """Extension hooks around a call (wakeful.extensions.hooks.HookGate): they may replace
    the policy's decision (within the limits the gate enforces) and follow up on results."""

    async def decide(
        self, tool: str, args: dict[str, Any], risk: RiskInput, dctx: DecisionContext
    ) -> Decision: ...

    async def after(self, tool: str, args: dict[str, Any], content: str, is_error: bool) -> str: ...

    async def notify(self, message: str) -> None: ...

    def for_policy(self, policy: Any) -> ToolGate: ...


@dataclass
class _Planned:
    index: int
    call: ToolCall
    tool: Tool
    args: dict[str, Any]
    changes: bool = False  # may change files: the run's checkpoint is taken before it
    risk: RiskInput | None = None


class Dispatcher:
    def __init__(
        self,
        tools: list[Tool],
        policy: DecisionMaker,
        ctx: ToolContext,
        approver: Approver | None = None,
        on_event: Callable[[LoopEvent], None] | None = None,
        agent: str = "main",
        result_cap: int = RESULT_CAP,
        gate: ToolGate | None = None,
    ) -> None:
        self.tools = {t.name: t for t in tools}
        self.policy = policy
        self.ctx = ctx
        self.approver = approver
        self.on_event = on_event or (lambda event: None)
        self.agent = agent
        self.result_cap = result_cap
        self.gate = gate

    async def run(self, calls: list[ToolCall], user_messages: list[str]) -> list[ToolResultBlock]:
        results: list[ToolResult | None] = [None] * len(calls)
        planned: list[_Planned] = []
        dctx = DecisionContext(session_id=self.ctx.session_id, user_messages=user_messages)
        for i, call in enumerate(calls):
            tool = self.tools.get(call.name)
            if tool is None:
                names = ", ".join(sorted(self.tools))
                results[i] = ToolResult.error(
                    f"unknown tool {call.name!r}; available tools: {names}"
                )
                continue
            if call.input is None:
                results[i] = ToolResult.error(
                    f"the arguments for {call.name} were not valid JSON ({call.raw_arguments[:200]!r}); "
                    "call it again with a JSON object matching its schema"
                )
                continue
            try:
                risk = tool.risk(call.input, self.ctx)
            except Exception as exc:  # a tool's risk() must not take the loop down
                results[i] = ToolResult.error(f"invalid arguments for {call.name}: {exc}")
                continue
            if self.gate is not None:  # extension hooks (PreToolUse) around the policy
                decision = await self.gate.decide(call.name, call.input, risk, dctx)
            else:
                decision = await self.policy.decide(risk, dctx)
            self.on_event(
                LoopEvent(
                    "permission",
                    {
                        "tool": call.name,
                        "id": call.id,
                        "tier": decision.tier,
                        "decision": decision.decision,
                        "reasons": decision.reasons,
                        "agent": self.agent,
                    },
                )
            )
            allowed = decision.decision == "allow"
            if decision.decision == "ask":
                if self.gate is not None and self.approver:
                    await self.gate.notify(f"wakeful needs your permission to use {call.name}")
                allowed = self.approver is not None and await self.approver(call, decision)
                record = getattr(self.policy, "record_answer", None)
                if self.approver and record is not None:
                    record(risk, dctx, decision, allowed)
                if not allowed and not self.approver:
                    decision.reasons.append("needs approval, and this run cannot ask")
            if not allowed:
                why = "; ".join(decision.reasons) or "not allowed"
                self.on_event(
                    LoopEvent(
                        "tool_denied",
                        {
                            "tool": call.name,
                            "id": call.id,
                            "tier": decision.tier,
                            "asked": decision.decision == "ask" and self.approver is not None,
                            "reasons": decision.reasons,
                            "agent": self.agent,
                            "input": input_summary(risk, call.input, str(self.ctx.paths.workspace)),
                            "rules": list(decision.allow_with),
                        },
                    )
                )
                verb = (
                    "declined by the user"
                    if decision.decision == "ask" and self.approver
                    else "denied by policy"
                )
                advice = REFUSED_COMMAND_ADVICE if risk.command and not self.approver else ""
                results[i] = ToolResult.error(
                    f"{call.name} was {verb} ({decision.tier}): {why}{advice}"
                )
                continue
            planned.append(_Planned(i, call, tool, call.input, _may_change(risk, decision), risk))

        for batch in _batches(planned):
            if any(p.changes for p in batch):
                refused = await self._checkpoint()
                if refused is not None:
                    for p in batch:
                        results[p.index] = refused
                    continue
                self._note_changes(batch)
            outs = await asyncio.gather(*(self._run_one(p) for p in batch))
            for p, out in zip(batch, outs, strict=True):
                results[p.index] = out

        blocks = []
        for call, result in zip(calls, results, strict=True):
            assert result is not None
            blocks.append(ToolResultBlock(call.id, result.content, result.is_error))
        self._settle_memory(calls, results)
        return blocks

    async def _checkpoint(self) -> ToolResult | None:
        """Snapshot the workspace before the run's first change (once per run). A change
        that could not be checkpointed is not made: it could not be undone."""
        recorder = self.ctx.services.checkpoints
        if recorder is None:
            return None
        try:
            await asyncio.to_thread(recorder.before_change, self.agent)
        except (WakefulError, OSError) as exc:
            self.on_event(LoopEvent("notice", {"message": f"checkpoint failed: {exc}"}))
            return ToolResult.error(
                f"not run: the workspace could not be checkpointed first ({exc}); "
                "set `enabled = false` under [checkpoints] in config to run without checkpoints"
            )
        return None

    def _note_changes(self, batch: list[_Planned]) -> None:
        """Tell the run's checkpoint what its calls are about to write: the paths of file
        tools, or that a call's paths are unknown (shell commands, other tools)."""
        recorder = self.ctx.services.checkpoints
        for p in batch:
            if not p.changes or p.risk is None or recorder is None:
                continue
            if p.risk.kind == "write" and p.risk.paths:
                note = getattr(recorder, "note_paths", None)
                if note is not None:
                    note(p.risk.paths)
            else:
                note_unknown = getattr(recorder, "note_unknown", None)
                if note_unknown is not None:
                    note_unknown()

    async def _run_one(self, p: _Planned) -> ToolResult:
        self.on_event(
            LoopEvent(
                "tool_start",
                {"tool": p.call.name, "id": p.call.id, "input": p.args, "agent": self.agent},
            )
        )
        try:
            result = await p.tool.run(p.args, self.ctx)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            result = ToolResult.error(f"{p.call.name} failed: {type(exc).__name__}: {exc}")
        if self.gate is not None:  # PostToolUse hooks may add feedback to the result
            content = await self.gate.after(p.call.name, p.args, result.content, result.is_error)
            result = ToolResult(content, result.is_error, result.meta)
        result = self._cap(p.call, result)
        self.on_event(
            LoopEvent(
                "tool_end",
                {
                    "tool": p.call.name,
                    "id": p.call.id,
                    "is_error": result.is_error,
                    "summary": _summary(result.content),
                    "agent": self.agent,
                },
            )
        )
        return result

    def _cap(self, call: ToolCall, result: ToolResult) -> ToolResult:
        """Oversized results are cut with a marker; the full text is kept on disk."""
        if len(result.content) <= self.result_cap:
            return result
        folder = self.ctx.paths.tool_results
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{call.name}-{secrets.token_hex(4)}.txt"
        path.write_text(result.content, encoding="utf-8")
        head = result.content[: self.result_cap - 200]
        marker = (
            f"\n[... truncated: {len(result.content)} characters in all; "
            f"the full result is in {path} ...]"
        )
        return ToolResult(head + marker, result.is_error, result.meta)

    def _settle_memory(self, calls: list[ToolCall], results: list[ToolResult | None]) -> None:
        stage = self.ctx.services.memory_stage
        if stage is None:
            return
        outcomes = [
            (c.name, bool(r.is_error))
            for c, r in zip(calls, results, strict=True)
            if c.name not in MEMORY_TOOLS and r is not None
        ]
        stage.settle(outcomes)

    def discard_staged(self) -> None:
        stage = self.ctx.services.memory_stage
        if stage is not None:
            stage.discard()


def _may_change(risk: RiskInput, decision: Decision) -> bool:
    """Whether a call may change files: writes, shell commands and other state-changing
    tools, unless the policy rated the call read-only."""
    if risk.read_only or decision.tier == "read_only":
        return False
    return risk.kind in ("write", "shell", "other")


def _batches(planned: list[_Planned]) -> list[list[_Planned]]:
    """Consecutive read-only calls share a batch (run in parallel); others run alone."""
    batches: list[list[_Planned]] = []
    for p in planned:
        if p.tool.read_only and batches and all(q.tool.read_only for q in batches[-1]):
            batches[-1].append(p)
        else:
            batches.append([p])
    return batches


def _summary(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    lines = text.count("\n") + 1 if text else 0
    return (first[:100] + (f" (+{lines - 1} lines)" if lines > 1 else "")) if first else ""


def args_preview(args: dict[str, Any], limit: int = 120) -> str:
    text = json.dumps(args, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def input_summary(risk: RiskInput, args: dict[str, Any], workspace: str, limit: int = 200) -> str:
    """What a denied call would have done, in one line: the command, the paths (relative to
    the workspace when inside it), or the arguments."""
    if risk.command:
        text = risk.command
    elif risk.paths:
        shown = []
        for p in risk.paths:
            rel = os.path.relpath(p, workspace) if os.path.isabs(p) else p
            shown.append(p if rel.startswith("..") else rel)
        text = ", ".join(shown)
    else:
        text = json.dumps(args, ensure_ascii=False, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
