"""The one request type every provider accepts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wakeful.core.messages import Message


@dataclass(frozen=True)
class SystemSegment:
    """One ordered piece of the system prompt (core, project instructions, memory snapshot)."""

    name: str
    text: str


@dataclass(frozen=True)
class ToolSchema:
    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass
class Request:
    """A provider-neutral model request.

    Cache breakpoints: `cache_system` marks the end of the stable prefix (tools + system);
    `message_breakpoints` lists indexes into `messages` whose last block ends a cacheable
    prefix. Anthropic allows at most 4 breakpoints in all; providers enforce that.
    `prompt_cache_key` groups requests that share a prefix (OpenAI routing hint).
    `choices`, when set (and there are no tools), asks for a reply that is exactly one of
    these strings: a provider that can constrain its output (the embedded model, with a
    grammar) enforces it and answers greedily; the others are only told so by the prompt,
    so callers still read the reply defensively.
    """

    model: str
    system: list[SystemSegment] = field(default_factory=list)
    tools: list[ToolSchema] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    max_tokens: int = 4096
    cache_system: bool = True
    message_breakpoints: list[int] = field(default_factory=list)
    prompt_cache_key: str | None = None
    temperature: float | None = None
    choices: tuple[str, ...] = ()

    @property
    def system_text(self) -> str:
        return "\n\n".join(seg.text for seg in self.system if seg.text)
