"""A loopback OpenAI Chat Completions server, with automatic prefix caching.

Wire protocol: `POST /v1/chat/completions`; with `"stream": true` the reply is SSE of
`chat.completion.chunk` objects (role chunk, content deltas, tool-call deltas by index, a
finish chunk), then a usage chunk with empty `choices` when
`stream_options.include_usage` is set, then `data: [DONE]`; otherwise one `chat.completion`
JSON. Errors use OpenAI's `{"error": {message, type, param, code}}` envelope.

Prompt caching follows OpenAI's documented automatic caching: the prompt is serialized as
the canonical JSON of the tool list, then of each message, one per line; a prefix of at
least `min_cache_tokens` (1024) tokens is cached in `step_tokens` (128) increments, and a
request reports as `prompt_tokens_details.cached_tokens` the longest prefix (on those
boundaries) seen in an earlier request, within `ttl` seconds of its last use. Token counts:
ceil(len(text)/4), like the Anthropic loopback. `report_usage=False` mimics servers (some
llama.cpp and Ollama builds) that send no usage at all.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wakeful.testing.loopback_http import (
    LoopbackServer,
    Reply,
    Responder,
    Turn,
    canonical_json,
    estimate_tokens,
    split_chunks,
    sse,
    turn_arguments,
)

# kind -> (status, type, code, message)
ERRORS: dict[str, tuple[int, str, str | None, str]] = {
    "rate_limit": (
        429,
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for requests. Please try again later.",
    ),
    "overloaded": (
        503,
        "server_error",
        None,
        "The server is overloaded or not ready yet.",
    ),
    "server": (500, "server_error", None, "The server had an error processing your request."),
    "auth": (
        401,
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided.",
    ),
    "permission": (403, "invalid_request_error", None, "You are not allowed to use this model."),
    "insufficient_quota": (
        429,
        "insufficient_quota",
        "insufficient_quota",
        "You exceeded your current quota, please check your plan and billing details.",
    ),
    "invalid": (400, "invalid_request_error", None, "Invalid request."),
    "not_found": (404, "invalid_request_error", None, "Not found."),
}


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    cached_tokens: int
    entries: int


class AutomaticPrefixCache:
    """OpenAI-style automatic caching: no breakpoints, longest seen prefix in fixed steps."""

    def __init__(
        self,
        min_cache_tokens: int = 1024,
        step_tokens: int = 128,
        ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.min_cache_tokens = min_cache_tokens
        self.step_tokens = step_tokens
        self.ttl = ttl
        self.clock = clock
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.cached_tokens = 0

    def stats(self) -> CacheStats:
        with self._lock:
            now = self.clock()
            live = sum(1 for t in self._seen.values() if t > now)
            return CacheStats(self.hits, self.misses, self.cached_tokens, live)

    def account(self, model: str, text: str) -> tuple[int, int, Callable[[], None]]:
        """(prompt_tokens, cached_tokens, commit) for a serialized prompt."""
        prompt_tokens = estimate_tokens(text)
        digest = hashlib.sha256(model.encode("utf-8") + b"\x00")
        boundaries: list[tuple[int, str]] = []
        done = 0
        k = self.min_cache_tokens
        while k <= prompt_tokens:
            end = min(len(text), 4 * k)
            digest.update(text[done:end].encode("utf-8"))
            done = end
            boundaries.append((k, digest.hexdigest()))
            k += self.step_tokens
        now = self.clock()
        cached = 0
        with self._lock:
            for tokens, key in reversed(boundaries):
                expires = self._seen.get(key)
                if expires is not None and expires > now:
                    cached = tokens
                    self._seen[key] = now + self.ttl
                    break

        def commit() -> None:
            at = self.clock()
            with self._lock:
                if cached:
                    self.hits += 1
                else:
                    self.misses += 1
                self.cached_tokens += cached
                for _, key in boundaries:
                    self._seen[key] = at + self.ttl

        return prompt_tokens, cached, commit


def serialize_prompt(body: dict[str, Any]) -> str:
    """Tools, then messages, as canonical JSON lines: the text whose prefixes are cached."""
    lines = [canonical_json(body.get("tools") or [])]
    lines.extend(canonical_json(m) for m in body.get("messages") or [])
    return "\n".join(lines)


class OpenAILoopback(LoopbackServer):
    """`with OpenAILoopback(turns=[...]) as srv:` then `AsyncOpenAI(base_url=srv.base_url)`.

    Turns use the scripted-provider format (see AnthropicLoopback); error kinds are
    rate_limit, overloaded (503), server, auth, permission, insufficient_quota, invalid;
    `"midstream": true` sends the error as a data event after the first chunk.
    """

    def __init__(
        self,
        turns: list[Turn] | None = None,
        responder: Responder | None = None,
        *,
        min_cache_tokens: int = 1024,
        step_tokens: int = 128,
        ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        latency: float = 0.0,
        report_usage: bool = True,
        require_api_key: str | None = None,
        chunk_chars: int = 16,
    ) -> None:
        super().__init__(turns, responder, latency)
        self.cache = AutomaticPrefixCache(min_cache_tokens, step_tokens, ttl, clock)
        self.report_usage = report_usage
        self.require_api_key = require_api_key
        self.chunk_chars = chunk_chars
        self.usages: list[dict[str, Any]] = []
        self._counter = 0
        self._counter_lock = threading.Lock()

    def __enter__(self) -> OpenAILoopback:
        self.start()
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def cache_stats(self) -> CacheStats:
        return self.cache.stats()

    def _next_id(self) -> int:
        with self._counter_lock:
            self._counter += 1
            return self._counter

    def handle(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        if path.rstrip("/") not in {"/v1/chat/completions", "/chat/completions"}:
            return error_reply("not_found", f"Invalid URL (POST {path})")
        expected = self.require_api_key
        if expected is not None and headers.get("authorization") != f"Bearer {expected}":
            return error_reply("auth")
        problem = validate(body)
        if problem:
            return error_reply("invalid", problem)
        # Looked up on arrival, as the API does; committed only when answered.
        prompt_tokens, cached, commit = self.cache.account(
            str(body.get("model", "")), serialize_prompt(body)
        )
        turn = self.next_turn(body)
        if "error" in turn and not turn.get("midstream"):
            return error_reply(str(turn["error"]), turn.get("message"), turn.get("retry_after"))
        number = self._next_id()
        text = str(turn.get("text") or "")
        calls = [
            {
                "id": call.get("id") or f"call_loopback_{number:06d}_{i}",
                "name": call.get("name", ""),
                "arguments": turn_arguments(call),
            }
            for i, call in enumerate(turn.get("tool_calls") or [])
        ]
        completion_tokens = max(1, estimate_tokens(text + "".join(c["arguments"] for c in calls)))
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
        }
        with self._lock:
            self.usages.append(usage)
        finish = turn.get("finish_reason") or ("tool_calls" if calls else "stop")
        ident = f"chatcmpl-loopback{number:06d}"
        created = int(time.time())
        model = str(body.get("model", ""))
        if not body.get("stream"):
            message: dict[str, Any] = {
                "role": "assistant",
                "content": text or None,
                "refusal": None,
            }
            if calls:
                message["tool_calls"] = [
                    {
                        "id": c["id"],
                        "type": "function",
                        "function": {"name": c["name"], "arguments": c["arguments"]},
                    }
                    for c in calls
                ]
            completion: dict[str, Any] = {
                "id": ident,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
                ],
            }
            if self.report_usage:
                completion["usage"] = usage
            return Reply(200, json.dumps(completion).encode("utf-8"), commit=commit)

        include_usage = self.report_usage and bool(
            (body.get("stream_options") or {}).get("include_usage")
        )

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            out: dict[str, Any] = {
                "id": ident,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": None,
                "choices": [
                    {
                        "index": 0,
                        "delta": delta,
                        "logprobs": None,
                        "finish_reason": finish_reason,
                    }
                ],
            }
            if include_usage:
                out["usage"] = None
            return out

        events: list[tuple[str | None, Any]] = [
            (None, chunk({"role": "assistant", "content": "", "refusal": None}))
        ]
        if turn.get("error"):
            status, err_type, code, default = ERRORS.get(str(turn["error"]), ERRORS["server"])
            error = {"message": default, "type": err_type, "param": None, "code": code}
            events.append((None, {"error": error}))
            return Reply(200, sse(events), "text/event-stream", commit=commit)
        if text:
            for piece in split_chunks(text, self.chunk_chars):
                events.append((None, chunk({"content": piece})))
        for index, call in enumerate(calls):
            pieces = split_chunks(call["arguments"], self.chunk_chars)
            head = {
                "index": index,
                "id": call["id"],
                "type": "function",
                "function": {"name": call["name"], "arguments": ""},
            }
            events.append((None, chunk({"tool_calls": [head]})))
            for piece in pieces:
                if piece:
                    events.append(
                        (
                            None,
                            chunk(
                                {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
                            ),
                        )
                    )
        events.append((None, chunk({}, finish)))
        if include_usage:
            final = chunk({})
            final["choices"] = []
            final["usage"] = usage
            events.append((None, final))
        events.append((None, "[DONE]"))
        return Reply(200, sse(events), "text/event-stream", commit=commit)


def validate(body: dict[str, Any]) -> str | None:
    """The request checks of the real API that our provider's mapping must satisfy."""
    if not body.get("model"):
        return "you must provide a model parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "'messages' must contain at least one message"
    open_calls: set[str] = set()
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        if role not in {"system", "developer", "user", "assistant", "tool"}:
            return f"messages[{i}].role: invalid value {role!r}"
        if role == "tool":
            call_id = message.get("tool_call_id")
            if call_id not in open_calls:
                return (
                    "messages with role 'tool' must be a response to a preceeding message "
                    f"with 'tool_calls' (messages[{i}], tool_call_id {call_id!r})"
                )
            open_calls.discard(call_id)
            continue
        if open_calls:
            return (
                "An assistant message with 'tool_calls' must be followed by tool messages "
                f"responding to each 'tool_call_id'. Missing: {sorted(open_calls)}"
            )
        if role == "assistant":
            for call in message.get("tool_calls") or []:
                open_calls.add(call.get("id"))
    if open_calls:
        return (
            "An assistant message with 'tool_calls' must be followed by tool messages "
            f"responding to each 'tool_call_id'. Missing: {sorted(open_calls)}"
        )
    return None


def error_reply(kind: str, message: str | None = None, retry_after: Any = None) -> Reply:
    status, err_type, code, default = ERRORS.get(kind, ERRORS["server"])
    body = {"error": {"message": message or default, "type": err_type, "param": None, "code": code}}
    headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
    return Reply(status, json.dumps(body).encode("utf-8"), headers=headers)
