"""One prompt, no questions asked: the engine behind `wakeful -p` and the daemon's runs."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from wakeful.agents.runtime import RunOptions, open_runtime
from wakeful.core.config import Config
from wakeful.core.events import LoopEvent
from wakeful.core.paths import Paths
from wakeful.core.usage import cost_usd


async def run_headless(
    paths: Paths,
    config: Config,
    options: RunOptions,
    prompt: str,
    on_event: Callable[[LoopEvent], None] | None = None,
    label: str | None = None,
) -> dict[str, Any]:
    """Run one prompt to completion; "ask" decisions become denials (non-interactive).
    `checkpoint` in the result names the checkpoint taken before its first change."""
    options.interactive = False
    denials: list[dict[str, Any]] = []

    def observe(event: LoopEvent) -> None:
        if event.kind == "tool_denied":
            denials.append(permission_denial(event.data))
        if on_event is not None:
            on_event(event)

    runtime = open_runtime(paths, config, options, approver=None, on_event=observe)
    try:
        for notice in runtime.notices:
            if on_event:
                on_event(LoopEvent("notice", {"message": notice}))
        prompt = runtime.expand(prompt)  # `/name args`: a slash command from the workspace
        result = await runtime.run_turn(prompt, label=label)
        usage = result.usage
        recorder = runtime.checkpoints
        checkpoint = recorder.last.id if recorder is not None and recorder.last else None
        worktree = None
        if runtime.worktree is not None:
            wt = runtime.worktrees.get(runtime.worktree.id)
            worktree = {
                "id": wt.id,
                "branch": wt.branch,
                "path": wt.path,
                "base": wt.base,
                "commit": wt.commits[-1] if wt.commits else None,
            }
        return {
            "type": "result",
            "result": result.error if result.is_error and not result.text else result.text,
            "is_error": result.is_error,
            "num_turns": result.turns,
            "session_id": runtime.session_id,
            "usage": usage.to_dict(),
            "cost": cost_usd(runtime.provider.name, runtime.provider.model, usage),
            "model": f"{runtime.provider.name}:{runtime.provider.model}",
            "stop_reason": result.stop_reason,
            "checkpoint": checkpoint,
            "worktree": worktree,
            "permission_denials": denials,
        }
    finally:
        await runtime.close()


def permission_denial(data: dict[str, Any]) -> dict[str, Any]:
    """One denied tool call for the result: what, why, and the rules that would allow it."""
    reasons = [str(r) for r in data.get("reasons") or []]
    return {
        "tool": data.get("tool"),
        "tool_use_id": data.get("id"),
        "input": data.get("input", ""),
        "tier": data.get("tier"),
        "reason": reasons[0] if reasons else "not allowed",
        "suggested_rules": list(data.get("rules") or []),
        "agent": data.get("agent", "main"),
    }


def describe_denials(denials: list[dict[str, Any]]) -> list[str]:
    """Text-mode lines for stderr: one per denied call, with how to allow it."""
    return [f"denied {d['tool']}({d['input']}): {d['reason']}" for d in denials]


def stream_json_sink(out: TextIO = sys.stdout) -> Callable[[LoopEvent], None]:
    def emit(event: LoopEvent) -> None:
        out.write(json.dumps({"type": event.kind, **event.data}, default=str) + "\n")
        out.flush()

    return emit
