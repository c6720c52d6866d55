"""OpenAI-compatible Chat Completions through the official SDK, streaming.

One provider serves OpenAI itself and the servers that copy its API (vLLM, Ollama, llama.cpp
server, LM Studio...). Those differ in small ways this module absorbs: they may need no key,
may omit usage, may send a tool call in one chunk or many, and may leave out call ids.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import openai

from wakeful.core.config import Config
from wakeful.core.errors import AuthenticationError, ProviderError
from wakeful.core.events import Event, Stop, StopReason, TextDelta, ToolCall, UsageEvent
from wakeful.core.messages import Message, TextBlock, ToolResultBlock, ToolUseBlock
from wakeful.core.request import Request
from wakeful.core.usage import Usage
from wakeful.providers.errors import connection_error, split_sdk_params, status_error
from wakeful.providers.request_log import RequestLog

DEFAULT_BASE_URL = "https://api.openai.com/v1"
# Local servers ignore the key, but the SDK insists on one.
PLACEHOLDER_KEY = "sk-no-key-required"
MISSING_KEY = (
    "OPENAI_API_KEY is not set: export it for OpenAI, or set OPENAI_BASE_URL to an "
    "OpenAI-compatible server (vLLM, Ollama, llama.cpp), or choose another model with "
    "--model anthropic:NAME / local / scripted:FILE"
)
FINISH_REASONS: dict[str, StopReason] = {
    "stop": "end_turn",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "length": "max_tokens",
    "content_filter": "end_turn",
}


def estimate_tokens(text: str) -> int:
    """Four characters per token, rounded up: used only when a server reports no usage."""
    return -(-len(text) // 4)


def wire_messages(request: Request) -> list[dict[str, Any]]:
    """Our messages as Chat Completions messages.

    System segments become one system message. A user message's tool results become `tool`
    messages placed first (they must directly follow the assistant's tool calls), then any
    text as a user message.
    """
    out: list[dict[str, Any]] = []
    system = request.system_text
    if system:
        out.append({"role": "system", "content": system})
    for message in request.messages:
        out.extend(_wire_message(message))
    return out


def _wire_message(message: Message) -> list[dict[str, Any]]:
    text = "".join(b.text for b in message.content if isinstance(b, TextBlock))
    if message.role == "assistant":
        calls = [
            {
                "id": b.id,
                "type": "function",
                "function": {"name": b.name, "arguments": json.dumps(b.input)},
            }
            for b in message.content
            if isinstance(b, ToolUseBlock)
        ]
        wire: dict[str, Any] = {"role": "assistant", "content": text or None}
        if calls:
            wire["tool_calls"] = calls
        elif not text:
            wire["content"] = ""
        return [wire]
    out: list[dict[str, Any]] = []
    for block in message.content:
        if isinstance(block, ToolResultBlock):
            content = block.content
            if block.is_error:
                content = f"ERROR: {content}"
            out.append({"role": "tool", "tool_call_id": block.tool_use_id, "content": content})
    if text or not out:
        out.append({"role": "user", "content": text})
    return out


def split_base_urls(value: str) -> list[str]:
    """`base_url` holds one server, or several separated by commas or spaces."""
    urls = [u.rstrip("/") for u in value.replace(",", " ").split() if u.strip()]
    return urls or [DEFAULT_BASE_URL]


def is_official(base_url: str) -> bool:
    return urlparse(base_url).hostname == "api.openai.com"


def build_body(request: Request, model: str | None = None, official: bool = True) -> dict[str, Any]:
    """The exact keyword arguments sent to `chat.completions.create` (and logged).

    OpenAI's newer models accept only `max_completion_tokens`; compatible servers know
    `max_tokens`, so the name depends on where the request goes.
    """
    body: dict[str, Any] = {
        "model": model or request.model,
        "messages": wire_messages(request),
    }
    if request.tools:
        body["tools"] = [
            {
                "type": "function",
                "function": {
                    "name": t.name,
                    "description": t.description,
                    "parameters": t.input_schema,
                },
            }
            for t in request.tools
        ]
    body["max_completion_tokens" if official else "max_tokens"] = request.max_tokens
    if request.temperature is not None:
        body["temperature"] = request.temperature
    if request.prompt_cache_key:
        body["prompt_cache_key"] = request.prompt_cache_key
    body["stream"] = True
    body["stream_options"] = {"include_usage": True}
    return body


@dataclass
class _PendingCall:
    id: str = ""
    name: str = ""
    parts: list[str] = field(default_factory=list)

    def finish(self, fallback_id: str) -> ToolCall:
        return ToolCall.from_arguments(self.id or fallback_id, self.name, "".join(self.parts))


class OpenAIProvider:
    name = "openai"

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
        # Several servers (`base_url = "http://gpu1:8080/v1, http://gpu2:8080/v1"`): each
        # request goes to the one its conversation is routed to (see `route`).
        self.base_urls = split_base_urls(base_url or DEFAULT_BASE_URL)
        self.base_url = self.base_urls[0]
        self.official = is_official(self.base_url)
        self.log = request_log or RequestLog(None)
        self.timeout = timeout
        self._clients: dict[str, openai.AsyncOpenAI] = {}
        self._client_loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def from_config(cls, name: str, config: Config, log: RequestLog) -> OpenAIProvider:
        key = str(config.get("openai", "api_key") or "")
        base_url = str(config.get("openai", "base_url") or "") or None
        if not key:
            if not base_url:
                raise AuthenticationError(MISSING_KEY)
            if "openai" in config.withheld:
                raise AuthenticationError(config.withheld["openai"])
            key = PLACEHOLDER_KEY
        return cls(name, key, base_url, log)

    @property
    def auth_hint(self) -> str:
        if self.official:
            return "Check OPENAI_API_KEY (or api_key under [openai] in config.toml)"
        return (
            f"The server at {self.base_url} rejected the key: set OPENAI_API_KEY to the key "
            "it expects, or check OPENAI_BASE_URL"
        )

    def route(self, prompt_cache_key: str | None) -> str:
        """The server for a request. A session's requests and every fork of its fan-outs
        carry one conversation key (`SESSION` or `SESSION:fanout-N`): they all go to one
        server, whose prefix cache (vLLM, llama.cpp) then holds their shared prefix, while
        different sessions spread over the servers by a stable hash."""
        if len(self.base_urls) == 1 or not prompt_cache_key:
            return self.base_url
        conversation = prompt_cache_key.split(":fanout-", 1)[0]
        digest = hashlib.sha256(conversation.encode()).digest()
        return self.base_urls[int.from_bytes(digest[:8], "big") % len(self.base_urls)]

    def _client_for_loop(self, base_url: str | None = None) -> openai.AsyncOpenAI:
        """One client per server and event loop: a connection pool cannot outlive its loop."""
        loop = asyncio.get_running_loop()
        if self._client_loop is not loop:
            self._clients = {}
            self._client_loop = loop
        url = base_url or self.base_url
        client = self._clients.get(url)
        if client is None:
            client = self._clients[url] = openai.AsyncOpenAI(
                api_key=self.api_key,
                base_url=url,
                max_retries=0,
                timeout=self.timeout,
            )
        return client

    def build_body(self, request: Request) -> dict[str, Any]:
        return build_body(request, self.model or request.model, self.official)

    async def stream(self, request: Request) -> AsyncIterator[Event]:
        body = self.build_body(request)
        server = self.route(request.prompt_cache_key)
        client = self._client_for_loop(server)
        usage = Usage()
        try:
            async for event in self._events(client, body, usage):
                yield event
        except openai.APIStatusError as exc:
            error = status_error(
                provider="OpenAI",
                status=exc.status_code,
                body=exc.body,
                headers=exc.response.headers,
                fallback_message=exc.message,
                auth_hint=self.auth_hint,
            )
            self.log.append(self.name, body, usage, error=str(error))
            raise error from None
        except openai.APIConnectionError as exc:
            error = connection_error("OpenAI-compatible", server, exc)
            self.log.append(self.name, body, usage, error=str(error))
            raise error from None
        except openai.APIError as exc:
            # An error sent inside a started stream: no status, only the error body.
            error = status_error(
                provider="OpenAI",
                status=None,
                body=exc.body,
                headers=None,
                fallback_message=exc.message,
                auth_hint=self.auth_hint,
            )
            self.log.append(self.name, body, usage, error=str(error))
            raise error from None
        except openai.OpenAIError as exc:
            error = ProviderError(f"OpenAI client error: {exc}")
            self.log.append(self.name, body, usage, error=str(error))
            raise error from None

    async def _events(
        self, client: openai.AsyncOpenAI, body: dict[str, Any], usage: Usage
    ) -> AsyncIterator[Event]:
        named, extra = split_sdk_params(client.chat.completions.create, body)
        if extra:
            named["extra_body"] = extra
        response = await client.chat.completions.create(**named)
        calls: dict[int, _PendingCall] = {}
        finish: str | None = None
        reported = None
        out_chars = 0
        try:
            async for chunk in response:
                if chunk.usage is not None:
                    reported = chunk.usage
                for choice in chunk.choices or []:
                    delta = choice.delta
                    if delta is not None:
                        if delta.content:
                            out_chars += len(delta.content)
                            yield TextDelta(delta.content)
                        for position, tc in enumerate(delta.tool_calls or []):
                            index = tc.index if tc.index is not None else position
                            pending = calls.setdefault(index, _PendingCall())
                            if tc.id and not pending.id:
                                pending.id = tc.id
                            fn = tc.function
                            if fn is not None:
                                if fn.name and not pending.name:
                                    pending.name = fn.name
                                if fn.arguments:
                                    pending.parts.append(fn.arguments)
                    if choice.finish_reason:
                        finish = choice.finish_reason
        finally:
            await response.close()
        for index in sorted(calls):
            call = calls[index].finish(f"call_{index}")
            out_chars += len(call.raw_arguments) + len(call.name)
            yield call
        if reported is not None:
            details = getattr(reported, "prompt_tokens_details", None)
            cached = int(getattr(details, "cached_tokens", 0) or 0)
            prompt = int(reported.prompt_tokens or 0)
            usage.input = max(0, prompt - cached)
            usage.cache_read = cached
            usage.output = int(reported.completion_tokens or 0)
        else:
            # Some compatible servers send no usage; an estimate beats reporting zero.
            prompt_text = json.dumps(body["messages"]) + json.dumps(body.get("tools") or [])
            usage.input = estimate_tokens(prompt_text)
            usage.output = -(-out_chars // 4)
        stop: StopReason = FINISH_REASONS.get(finish or "stop", "end_turn")
        if calls:
            stop = "tool_use"
        self.log.append(self.name, body, usage)
        yield UsageEvent(Usage(usage.input, usage.output, usage.cache_read, usage.cache_write))
        yield Stop(stop)

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        if self._client_loop is asyncio.get_running_loop():
            for client in clients.values():
                await client.close()
        self._client_loop = None
