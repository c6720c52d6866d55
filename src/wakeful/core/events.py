"""Normalised stream events a provider yields, and loop events the UI renders."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from wakeful.core.usage import Usage

StopReason = Literal["end_turn", "tool_use", "max_tokens", "stop_sequence", "error"]


@dataclass(frozen=True)
class TextDelta:
    text: str
    type: Literal["text_delta"] = "text_delta"


@dataclass(frozen=True)
class ToolCall:
    """A complete tool call. `input` is None when the model sent arguments that are not JSON."""

    id: str
    name: str
    input: dict[str, Any] | None
    raw_arguments: str = ""
    type: Literal["tool_call"] = "tool_call"

    @classmethod
    def from_arguments(cls, call_id: str, name: str, raw: str) -> ToolCall:
        """Parse streamed argument text; empty means no arguments, non-objects mean None."""
        if not raw.strip():
            return cls(call_id, name, {}, raw)
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            return cls(call_id, name, None, raw)
        return cls(call_id, name, value if isinstance(value, dict) else None, raw)


@dataclass(frozen=True)
class UsageEvent:
    usage: Usage
    type: Literal["usage"] = "usage"


@dataclass(frozen=True)
class Stop:
    reason: StopReason
    type: Literal["stop"] = "stop"


Event = TextDelta | ToolCall | UsageEvent | Stop


@dataclass(frozen=True)
class LoopEvent:
    """What the agent loop tells its UI: kind is one of
    text, tool_start, tool_end, permission, usage, turn_end, error, notice."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)
