"""Deterministic turns from a JSON file, for tests, demos and benchmarks.

File format: {"turns": [{"text": "..."} | {"tool_calls": [{"name": ..., "input": {...}}]}
| {"error": "overloaded" | "rate_limit" | "server" | "auth"}]}. A turn may carry both text
and tool_calls. Usage is estimated at four characters per token.

A turn with `"block_seconds": N` holds the calling thread (and so its event loop) for N
seconds before answering, as blocking work on a loop does: a test seam for code that must
keep working while a run blocks (the fleet worker's heartbeats).
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from wakeful.core.errors import (
    AuthenticationError,
    ConfigError,
    ProviderError,
    RetryableProviderError,
)
from wakeful.core.events import Event, Stop, TextDelta, ToolCall, UsageEvent
from wakeful.core.messages import block_to_dict
from wakeful.core.request import Request
from wakeful.core.usage import Usage
from wakeful.providers.request_log import RequestLog


def estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4) if text else 0


def request_body(request: Request) -> dict[str, Any]:
    """A JSON-able view of a neutral request, used where there is no vendor wire format."""
    return {
        "model": request.model,
        "system": [asdict(s) for s in request.system],
        "tools": [asdict(t) for t in request.tools],
        "messages": [
            {"role": m.role, "content": [block_to_dict(b) for b in m.content]}
            for m in request.messages
        ],
        "max_tokens": request.max_tokens,
    }


def load_script(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"scripted model file not found: {path}. Use --model scripted:PATH.json"
        ) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: line {exc.lineno}: invalid JSON: {exc.msg}") from None
    turns = data.get("turns") if isinstance(data, dict) else None
    if not isinstance(turns, list):
        raise ConfigError(f'{path}: expected an object {{"turns": [...]}}')
    for i, turn in enumerate(turns):
        if not isinstance(turn, dict) or not ({"text", "tool_calls", "error"} & set(turn)):
            raise ConfigError(f"{path}: turn {i} must have 'text', 'tool_calls' or 'error'")
    return turns


class ScriptedProvider:
    name = "scripted"

    def __init__(
        self,
        path: Path | str | None = None,
        turns: list[dict[str, Any]] | None = None,
        request_log: RequestLog | None = None,
    ) -> None:
        self.path = Path(path) if path else None
        self.turns = list(turns) if turns is not None else load_script(Path(path or ""))
        self.model = self.path.name if self.path else "inline"
        self.log = request_log or RequestLog(None)
        self.calls = 0
        self.requests: list[Request] = []

    async def stream(self, request: Request) -> AsyncIterator[Event]:
        self.requests.append(request)
        body = request_body(request)
        if self.calls >= len(self.turns):
            where = self.path or "the script"
            raise ProviderError(
                f"scripted model: {where} has no turn {self.calls + 1} "
                f"(it has {len(self.turns)}); add turns or end with a text turn"
            )
        turn = self.turns[self.calls]
        self.calls += 1
        block = turn.get("block_seconds")
        if isinstance(block, int | float) and block > 0:
            time.sleep(block)  # deliberately blocking: see the module docstring
        prompt_tokens = estimate_tokens(json.dumps(body))
        if "error" in turn:
            kind = turn["error"]
            self.log.append(self.name, body, Usage(), error=kind)
            if kind == "auth":
                raise AuthenticationError("scripted authentication failure")
            if kind in {"overloaded", "rate_limit", "server"}:
                raise RetryableProviderError(f"scripted {kind} error", retry_after=0.0)
            raise ProviderError(f"scripted error: {kind}")
        out_chars = 0
        text = turn.get("text")
        if text:
            out_chars += len(text)
            yield TextDelta(text)
        for i, call in enumerate(turn.get("tool_calls") or []):
            args = call.get("input", {})
            raw = json.dumps(args) if not isinstance(args, str) else args
            out_chars += len(raw)
            parsed = args if isinstance(args, dict) else None
            yield ToolCall(
                id=call.get("id") or f"call_{self.calls}_{i}",
                name=call.get("name", ""),
                input=parsed,
                raw_arguments=raw,
            )
        usage = Usage(input=prompt_tokens, output=max(1, out_chars // 4))
        self.log.append(self.name, body, usage)
        yield UsageEvent(usage)
        yield Stop("tool_use" if turn.get("tool_calls") else "end_turn")

    async def aclose(self) -> None:
        return None
