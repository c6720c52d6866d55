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
    runtime = open_runtime(paths, config, options, approver=None, on_event=on_event)
    try:
        for notice in runtime.notices:
            if on_event:
                on_event(LoopEvent("notice", {"message": notice}))
        prompt = runtime.expand(prompt)  # `/name args`: a slash command from the workspace
        result = await runtime.run_turn(prompt, label=label)
        usage = result.usage
        recorder = runtime.checkpoints
        checkpoint = recorder.last.id if recorder is not None and recorder.last else None
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
        }
    finally:
        await runtime.close()


def stream_json_sink(out: TextIO = sys.stdout) -> Callable[[LoopEvent], None]:
    def emit(event: LoopEvent) -> None:
        out.write(json.dumps({"type": event.kind, **event.data}, default=str) + "\n")
        out.flush()

    return emit
