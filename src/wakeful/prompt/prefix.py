"""The byte-stable prompt prefix: tools, core prompt, project instructions, memory snapshot.

Segments are ordered and fingerprinted. A request is the prefix plus the conversation; the
prefix is built once per session and reused unchanged by every request and every fork.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from wakeful.core.messages import Message
from wakeful.core.request import Request, SystemSegment, ToolSchema

SEGMENT_ORDER = ("tools", "core", "instructions", "memory")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def tools_text(tools: list[ToolSchema]) -> str:
    return json.dumps(
        [
            {"name": t.name, "description": t.description, "input_schema": t.input_schema}
            for t in tools
        ],
        sort_keys=True,
        separators=(",", ":"),
    )


@dataclass(frozen=True)
class Prefix:
    """An immutable prefix. Forks share the same object, so their bytes cannot differ."""

    tools: tuple[ToolSchema, ...]
    segments: tuple[SystemSegment, ...]
    fingerprints: dict[str, str] = field(default_factory=dict, compare=False)
    tool_fingerprints: dict[str, str] = field(default_factory=dict, compare=False)

    def request(
        self,
        model: str,
        messages: list[Message],
        max_tokens: int,
        message_breakpoints: list[int] | None = None,
        prompt_cache_key: str | None = None,
    ) -> Request:
        return Request(
            model=model,
            system=list(self.segments),
            tools=list(self.tools),
            messages=messages,
            max_tokens=max_tokens,
            cache_system=True,
            message_breakpoints=list(message_breakpoints or []),
            prompt_cache_key=prompt_cache_key,
        )


def build_prefix(
    tools: list[ToolSchema], core: str, instructions: str = "", memory: str = ""
) -> Prefix:
    """Tools sorted by name (stable regardless of registration order), then the segments."""
    ordered = tuple(sorted(tools, key=lambda t: t.name))
    segments = (
        SystemSegment("core", core),
        SystemSegment("instructions", instructions),
        SystemSegment("memory", memory),
    )
    fps = {"tools": digest(tools_text(list(ordered)))}
    fps.update({seg.name: digest(seg.text) for seg in segments})
    tool_fps = {t.name: digest(tools_text([t])) for t in ordered}
    return Prefix(ordered, segments, fps, tool_fps)


def message_digest(message: Message) -> str:
    """Digest of one message, memoised on it: messages are never mutated once appended."""
    cached = message.__dict__.get("_wakeful_digest")
    if cached is None:
        body = json.dumps(message.to_dict(), sort_keys=True, separators=(",", ":"))
        cached = hashlib.sha256(body.encode()).hexdigest()[:16]
        message.__dict__["_wakeful_digest"] = cached
    return cached


def conversation_digest(messages: list[Message]) -> list[str]:
    """A running digest per message: entry i fingerprints messages[0..i]."""
    out: list[str] = []
    running = ""
    for m in messages:
        running = hashlib.sha256((running + message_digest(m)).encode()).hexdigest()[:16]
        out.append(running)
    return out
