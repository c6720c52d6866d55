"""Anthropic Messages API through the official SDK, streaming, with explicit cache breakpoints.

The SDK's own retries are off (`max_retries=0`): the agent loop owns retry and backoff, and
needs to see every failure classified (retryable, credentials, final).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anthropic

from wakeful.core.config import Config
from wakeful.core.errors import AuthenticationError, ProviderError
from wakeful.core.events import Event, Stop, StopReason, TextDelta, ToolCall, UsageEvent
from wakeful.core.messages import Message, TextBlock, block_to_dict
from wakeful.core.request import Request
from wakeful.core.usage import Usage
from wakeful.providers.errors import connection_error, split_sdk_params, status_error
from wakeful.providers.request_log import RequestLog

DEFAULT_BASE_URL = "https://api.anthropic.com"
MAX_BREAKPOINTS = 4
EPHEMERAL = {"type": "ephemeral"}
AUTH_HINT = (
    "Check ANTHROPIC_API_KEY (or api_key under [anthropic] in config.toml), "
    "or choose another model with --model"
)
MISSING_KEY = (
    "ANTHROPIC_API_KEY is not set: export it, or choose another model with "
    "--model openai:NAME / local / scripted:FILE"
)
STOP_REASONS: dict[str, StopReason] = {
    "end_turn": "end_turn",
    "tool_use": "tool_use",
    "max_tokens": "max_tokens",
    "stop_sequence": "stop_sequence",
}


def wire_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """Our messages as Anthropic content blocks. Empty text blocks are dropped (the API
    rejects them) unless that would leave a message empty."""
    out: list[dict[str, Any]] = []
    for message in messages:
        blocks = [
            block_to_dict(b)
            for b in message.content
            if not (isinstance(b, TextBlock) and not b.text)
        ]
        if not blocks:
            blocks = [{"type": "text", "text": message.text or "(empty)"}]
        out.append({"role": message.role, "content": blocks})
    return out


def message_breakpoints(request: Request, budget: int) -> list[int]:
    """Valid, distinct message indexes to mark, keeping the latest when over budget."""
    count = len(request.messages)
    picked = sorted(
        {i + count if i < 0 else i for i in request.message_breakpoints} & set(range(count))
    )
    return picked[-budget:] if budget > 0 else []


def build_body(request: Request, model: str | None = None) -> dict[str, Any]:
    """The exact keyword arguments sent to `messages.create` (and logged)."""
    body: dict[str, Any] = {
        "model": model or request.model,
        "max_tokens": request.max_tokens,
    }
    system: list[dict[str, Any]] = [
        {"type": "text", "text": seg.text} for seg in request.system if seg.text
    ]
    tools: list[dict[str, Any]] = [
        {"name": t.name, "description": t.description, "input_schema": t.input_schema}
        for t in request.tools
    ]
    used = 0
    if request.cache_system:
        # Prefix order is tools -> system -> messages, so marking the last system block
        # caches the tools too; with no system text, mark the last tool instead.
        if system:
            system[-1]["cache_control"] = dict(EPHEMERAL)
            used = 1
        elif tools:
            tools[-1]["cache_control"] = dict(EPHEMERAL)
            used = 1
    messages = wire_messages(request.messages)
    for index in message_breakpoints(request, MAX_BREAKPOINTS - used):
        messages[index]["content"][-1]["cache_control"] = dict(EPHEMERAL)
    if system:
        body["system"] = system
    if tools:
        body["tools"] = tools
    body["messages"] = messages
    if request.temperature is not None:
        body["temperature"] = request.temperature
    body["stream"] = True
    return body


@dataclass
class _PendingTool:
    id: str
    name: str
    parts: list[str] = field(default_factory=list)

    def finish(self) -> ToolCall:
        return ToolCall.from_arguments(self.id, self.name, "".join(self.parts))


class AnthropicProvider:
    name = "anthropic"

    def __init__(
        self,
        model: str,
        api_key: str,
        base_url: str | None = None,
        request_log: RequestLog | None = None,
        timeout: float = 600.0,
    ) -> None:
        if not api_key:
            raise AuthenticationError(MISSING_KEY)
        self.model = model
        self.api_key = api_key
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.log = request_log or RequestLog(None)
        self.timeout = timeout
        self._client: anthropic.AsyncAnthropic | None = None
        self._client_loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_config(cls, name: str, config: Config, log: RequestLog) -> AnthropicProvider:
        key = str(config.get("anthropic", "api_key") or "")
        if not key:
            raise AuthenticationError(config.withheld.get("anthropic") or MISSING_KEY)
        base_url = str(config.get("anthropic", "base_url") or "") or None
        return cls(name, key, base_url, log)

    def _client_for_loop(self) -> anthropic.AsyncAnthropic:
        """One client per event loop: an HTTP connection pool cannot outlive its loop."""
        loop = asyncio.get_running_loop()
        if self._client is None or self._client_loop is not loop:
            self._client = anthropic.AsyncAnthropic(
                api_key=self.api_key,
                base_url=self.base_url,
                max_retries=0,
                timeout=self.timeout,
            )
            self._client_loop = loop
        return self._client

    def build_body(self, request: Request) -> dict[str, Any]:
        return build_body(request, self.model or request.model)

    async def stream(self, request: Request) -> AsyncIterator[Event]:
        body = self.build_body(request)
        client = self._client_for_loop()
        usage = Usage()
        try:
            async for event in self._events(client, body, usage):
                yield event
        except anthropic.APIStatusError as exc:
            error = status_error(
                provider="Anthropic",
                status=exc.status_code,
                body=exc.body,
                headers=exc.response.headers,
                fallback_message=exc.message,
                auth_hint=AUTH_HINT,
            )
            self.log.append(self.name, body, usage, error=str(error))
            raise error from None
        except anthropic.APIConnectionError as exc:
            error = connection_error("Anthropic", self.base_url, exc)
            self.log.append(self.name, body, usage, error=str(error))
            raise error from None
        except anthropic.APIError as exc:
            error = ProviderError(f"Anthropic API error: {exc.message}")
            self.log.append(self.name, body, usage, error=str(error))
            raise error from None

    async def _events(
        self, client: anthropic.AsyncAnthropic, body: dict[str, Any], usage: Usage
    ) -> AsyncIterator[Event]:
        named, extra = split_sdk_params(client.messages.create, body)
        if extra:
            named["extra_body"] = extra
        response = await client.messages.create(**named)
        tools: dict[int, _PendingTool] = {}
        stop: StopReason = "end_turn"
        saw_tool = False
        try:
            async for event in response:
                kind = event.type
                if kind == "message_start":
                    _merge_usage(usage, event.message.usage)
                elif kind == "content_block_start":
                    block = event.content_block
                    if block.type == "tool_use":
                        tools[event.index] = _PendingTool(block.id, block.name)
                    elif block.type == "text" and block.text:
                        yield TextDelta(block.text)
                elif kind == "content_block_delta":
                    delta = event.delta
                    if delta.type == "text_delta":
                        if delta.text:
                            yield TextDelta(delta.text)
                    elif delta.type == "input_json_delta":
                        pending = tools.get(event.index)
                        if pending is not None:
                            pending.parts.append(delta.partial_json)
                elif kind == "content_block_stop":
                    pending = tools.pop(event.index, None)
                    if pending is not None:
                        saw_tool = True
                        yield pending.finish()
                elif kind == "message_delta":
                    _merge_usage(usage, event.usage)
                    reason = event.delta.stop_reason
                    if reason:
                        stop = STOP_REASONS.get(reason, "end_turn")
                elif kind == "message_stop":
                    break
        finally:
            await response.close()
        for index in sorted(tools):
            # A stream that ended without content_block_stop: still hand over the call.
            saw_tool = True
            yield tools[index].finish()
        if saw_tool and stop == "end_turn":
            stop = "tool_use"
        self.log.append(self.name, body, usage)
        yield UsageEvent(Usage(usage.input, usage.output, usage.cache_read, usage.cache_write))
        yield Stop(stop)

    async def aclose(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._client_loop is asyncio.get_running_loop():
            await client.close()
        self._client_loop = None


def _merge_usage(usage: Usage, reported: Any) -> None:
    """Fold a message_start or message_delta usage object in; fields a server leaves out
    (or sends as null) keep what an earlier event said."""
    if reported is None:
        return
    fields = (
        ("input_tokens", "input"),
        ("output_tokens", "output"),
        ("cache_read_input_tokens", "cache_read"),
        ("cache_creation_input_tokens", "cache_write"),
    )
    for wire, ours in fields:
        value = getattr(reported, wire, None)
        if value is not None:
            setattr(usage, ours, int(value))
