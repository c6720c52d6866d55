"""A loopback Anthropic Messages API server, with prompt caching as Anthropic documents it.

Wire protocol: `POST /v1/messages`; with `"stream": true` the reply is SSE (message_start,
content_block_start / content_block_delta (text_delta, input_json_delta) / content_block_stop,
message_delta with stop_reason and output usage, message_stop), otherwise one Message JSON.
Errors use Anthropic's error envelope and status codes (429, 529, 500, 401, 403, 400).

Prompt caching model:

- The prompt is a sequence of pieces in cache-prefix order: each tool definition, each system
  block, then each content block of each message. A piece's identity is the canonical JSON of
  the piece without its `cache_control` (message blocks also carry their message index and
  role). The identity of a prefix is a rolling SHA-256 over the model name and its pieces.
- A piece carrying `cache_control` is a breakpoint; more than 4 is a 400, as on the real API.
- For each breakpoint the server looks for the longest cached prefix ending at that breakpoint
  or at one of the 20 piece boundaries before it. The longest hit over all breakpoints is read
  from cache (`cache_read_input_tokens`), and its TTL is refreshed.
- Every breakpoint beyond the read part whose prefix has at least `min_cache_tokens` tokens is
  written (`cache_creation_input_tokens` = tokens from the end of the read part to the last
  written breakpoint). Entries live 5 minutes (`"ttl": "1h"` gives an hour) on `clock`.
- `input_tokens` is the rest of the prompt.
- Token counts: each piece costs ceil(len(canonical JSON)/4) tokens; output costs
  ceil(len(text + tool arguments)/4), at least 1.
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

MAX_BREAKPOINTS = 4
LOOKBACK_BLOCKS = 20
TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}

ERRORS: dict[str, tuple[int, str, str]] = {
    "overloaded": (529, "overloaded_error", "Overloaded"),
    "rate_limit": (
        429,
        "rate_limit_error",
        "Number of request tokens has exceeded your rate limit",
    ),
    "server": (500, "api_error", "Internal server error"),
    "auth": (401, "authentication_error", "invalid x-api-key"),
    "permission": (
        403,
        "permission_error",
        "Your API key does not have permission to use the specified resource",
    ),
    "invalid": (400, "invalid_request_error", "Invalid request"),
    "not_found": (404, "not_found_error", "Not found"),
}


@dataclass(frozen=True)
class CacheStats:
    """Counters since the server started. `hits`/`misses` count requests that had at least
    one breakpoint; `writes` counts cache entries created."""

    hits: int
    misses: int
    writes: int
    read_tokens: int
    write_tokens: int
    entries: int


@dataclass(frozen=True)
class CacheUsage:
    input_tokens: int
    cache_read_input_tokens: int
    cache_creation_input_tokens: int


@dataclass
class _Entry:
    tokens: int
    ttl: float
    expires_at: float


@dataclass(frozen=True)
class _Piece:
    identity: str
    tokens: int
    cache_control: dict[str, Any] | None


class PromptCache:
    """Anthropic's prefix cache over one server's lifetime; thread-safe."""

    def __init__(
        self, min_cache_tokens: int = 1024, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.min_cache_tokens = min_cache_tokens
        self.clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.writes = 0
        self.read_tokens = 0
        self.write_tokens = 0

    def stats(self) -> CacheStats:
        with self._lock:
            now = self.clock()
            live = sum(1 for e in self._entries.values() if e.expires_at > now)
            return CacheStats(
                self.hits, self.misses, self.writes, self.read_tokens, self.write_tokens, live
            )

    def account(self, body: dict[str, Any]) -> tuple[CacheUsage, Callable[[], None]]:
        """Look the request up now (as the API does on arrival) and return its usage, with a
        commit function that makes its writes visible and counts it in the stats; a request
        that is then answered with an error is never committed."""
        pieces = prompt_pieces(body)
        model = str(body.get("model", ""))
        hashes: list[str] = []
        cumulative: list[int] = []
        digest = hashlib.sha256(model.encode("utf-8"))
        total = 0
        for piece in pieces:
            digest.update(b"\x00" + piece.identity.encode("utf-8"))
            hashes.append(digest.hexdigest())
            total += piece.tokens
            cumulative.append(total)
        breakpoints = [i for i, p in enumerate(pieces) if p.cache_control is not None]

        now = self.clock()
        with self._lock:
            hit = -1
            for b in breakpoints:
                for pos in range(b, max(-1, b - LOOKBACK_BLOCKS - 1), -1):
                    if pos <= hit:
                        break
                    entry = self._entries.get(hashes[pos])
                    if entry is not None and entry.expires_at > now:
                        hit = pos
                        break
            read = cumulative[hit] if hit >= 0 else 0
            if hit >= 0:
                entry = self._entries[hashes[hit]]
                entry.expires_at = now + entry.ttl
            to_write = [
                b for b in breakpoints if b > hit and cumulative[b] >= self.min_cache_tokens
            ]
            written = (cumulative[to_write[-1]] - read) if to_write else 0

        def commit() -> None:
            at = self.clock()
            with self._lock:
                if breakpoints:
                    if hit >= 0:
                        self.hits += 1
                    else:
                        self.misses += 1
                self.read_tokens += read
                self.write_tokens += written
                self.writes += len(to_write)
                for b in to_write:
                    ttl = TTL_SECONDS.get(
                        str((pieces[b].cache_control or {}).get("ttl", "5m")), 300.0
                    )
                    self._entries[hashes[b]] = _Entry(cumulative[b], ttl, at + ttl)

        usage = CacheUsage(total - read - written, read, written)
        return usage, commit


def _as_blocks(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    return [b for b in (content or []) if isinstance(b, dict)]


def _strip(block: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in block.items() if k != "cache_control"}


def prompt_pieces(body: dict[str, Any]) -> list[_Piece]:
    """The request's prompt in cache-prefix order: tools, system, messages."""
    pieces: list[_Piece] = []

    def add(identity_value: Any, block: dict[str, Any]) -> None:
        identity = canonical_json(identity_value)
        pieces.append(_Piece(identity, estimate_tokens(identity), block.get("cache_control")))

    for tool in body.get("tools") or []:
        if isinstance(tool, dict):
            add(["tool", _strip(tool)], tool)
    for block in _as_blocks(body.get("system")):
        add(["system", _strip(block)], block)
    for index, message in enumerate(body.get("messages") or []):
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        for block in _as_blocks(message.get("content")):
            add(["message", index, role, _strip(block)], block)
    return pieces


class AnthropicLoopback(LoopbackServer):
    """`with AnthropicLoopback(turns=[...]) as srv:` then point the SDK at `srv.base_url`.

    `turns` use the scripted-provider format: `{"text": ...}` and/or
    `{"tool_calls": [{"name", "input"}]}` (a string input is sent verbatim, e.g. malformed
    JSON), or `{"error": "overloaded"|"rate_limit"|"server"|"auth"|"permission"|"invalid",
    "retry_after": N, "message": ...}`; `{"error": "overloaded", "midstream": true}` sends the
    error as an SSE `error` event after message_start. A turn may set `"stop_reason"`.
    `responder(body) -> turn` answers dynamically instead. `require_api_key` makes the server
    reject other keys with a 401.
    """

    def __init__(
        self,
        turns: list[Turn] | None = None,
        responder: Responder | None = None,
        *,
        min_cache_tokens: int = 1024,
        clock: Callable[[], float] = time.monotonic,
        latency: float = 0.0,
        require_api_key: str | None = None,
        chunk_chars: int = 16,
    ) -> None:
        super().__init__(turns, responder, latency)
        self.cache = PromptCache(min_cache_tokens, clock)
        self.require_api_key = require_api_key
        self.chunk_chars = chunk_chars
        self.usages: list[dict[str, int]] = []
        self._counter = 0
        self._counter_lock = threading.Lock()

    def __enter__(self) -> AnthropicLoopback:
        self.start()
        return self

    @property
    def cache_stats(self) -> CacheStats:
        return self.cache.stats()

    def _next_id(self) -> int:
        with self._counter_lock:
            self._counter += 1
            return self._counter

    def handle(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> Reply:
        if path.rstrip("/") != "/v1/messages":
            return error_reply("not_found", f"Not found: {path}")
        if self.require_api_key is not None and api_key(headers) != self.require_api_key:
            return error_reply("auth")
        problem = validate(body)
        if problem:
            return error_reply("invalid", problem)
        # Looked up on arrival, as the API does; committed only when answered.
        usage, commit = self.cache.account(body)
        turn = self.next_turn(body)
        if "error" in turn and not turn.get("midstream"):
            return error_reply(str(turn["error"]), turn.get("message"), turn.get("retry_after"))
        number = self._next_id()
        blocks = turn_blocks(turn, number)
        out_text = "".join(b.get("text") or b.get("_raw", "") for b in blocks)
        output_tokens = max(1, estimate_tokens(out_text))
        usage_dict = {
            "input_tokens": usage.input_tokens,
            "cache_creation_input_tokens": usage.cache_creation_input_tokens,
            "cache_read_input_tokens": usage.cache_read_input_tokens,
            "output_tokens": output_tokens,
        }
        with self._lock:
            self.usages.append(dict(usage_dict))
        stop_reason = turn.get("stop_reason") or (
            "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"
        )
        message = {
            "id": f"msg_loopback_{number:06d}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", ""),
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {**usage_dict, "output_tokens": 1},
        }
        if not body.get("stream"):
            final = {
                **message,
                "content": [_final_block(b) for b in blocks],
                "stop_reason": stop_reason,
                "usage": usage_dict,
            }
            return Reply(200, json.dumps(final).encode("utf-8"), commit=commit)
        events: list[tuple[str | None, Any]] = [
            ("message_start", {"type": "message_start", "message": message}),
            ("ping", {"type": "ping"}),
        ]
        if turn.get("error"):
            status, kind, text = ERRORS.get(str(turn["error"]), ERRORS["server"])
            events.append(("error", {"type": "error", "error": {"type": kind, "message": text}}))
            return Reply(200, sse(events), "text/event-stream", commit=commit)
        for index, block in enumerate(blocks):
            events.extend(self._block_events(index, block))
        events.append(
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                    "usage": {"output_tokens": output_tokens},
                },
            )
        )
        events.append(("message_stop", {"type": "message_stop"}))
        return Reply(200, sse(events), "text/event-stream", commit=commit)

    def _block_events(self, index: int, block: dict[str, Any]) -> list[tuple[str, Any]]:
        events: list[tuple[str, Any]] = []
        start: dict[str, Any]
        if block["type"] == "text":
            start = {"type": "text", "text": ""}
            deltas = [
                {"type": "text_delta", "text": piece}
                for piece in split_chunks(block["text"], self.chunk_chars)
            ]
        else:
            start = {"type": "tool_use", "id": block["id"], "name": block["name"], "input": {}}
            deltas = [
                {"type": "input_json_delta", "partial_json": piece}
                for piece in split_chunks(block["_raw"], self.chunk_chars)
            ]
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": start},
            )
        )
        for delta in deltas:
            events.append(
                (
                    "content_block_delta",
                    {"type": "content_block_delta", "index": index, "delta": delta},
                )
            )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        return events


def turn_blocks(turn: Turn, number: int) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if turn.get("text"):
        blocks.append({"type": "text", "text": str(turn["text"])})
    for i, call in enumerate(turn.get("tool_calls") or []):
        blocks.append(
            {
                "type": "tool_use",
                "id": call.get("id") or f"toolu_loopback_{number:06d}_{i}",
                "name": call.get("name", ""),
                "_raw": turn_arguments(call),
            }
        )
    return blocks


def _final_block(block: dict[str, Any]) -> dict[str, Any]:
    if block["type"] == "text":
        return block
    try:
        value = json.loads(block["_raw"])
    except json.JSONDecodeError:
        value = {}
    return {
        "type": "tool_use",
        "id": block["id"],
        "name": block["name"],
        "input": value if isinstance(value, dict) else {},
    }


def api_key(headers: dict[str, str]) -> str | None:
    """The key a client sent: `x-api-key`, or a bearer token (newer SDKs send the key so)."""
    if headers.get("x-api-key"):
        return headers["x-api-key"]
    auth = headers.get("authorization", "")
    return auth[7:] if auth.lower().startswith("bearer ") else None


def validate(body: dict[str, Any]) -> str | None:
    """The checks the real API makes that matter to our providers."""
    if not isinstance(body.get("max_tokens"), int):
        return "max_tokens: Field required"
    if not isinstance(body.get("messages"), list) or not body["messages"]:
        return "messages: at least one message is required"
    count = sum(1 for p in prompt_pieces(body) if p.cache_control is not None)
    if count > MAX_BREAKPOINTS:
        return (
            f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. "
            f"Found {count}."
        )
    for i, message in enumerate(body["messages"]):
        for block in _as_blocks(message.get("content")):
            if block.get("type") == "text" and not block.get("text"):
                return f"messages.{i}: text content blocks must be non-empty"
    return None


def error_reply(kind: str, message: str | None = None, retry_after: Any = None) -> Reply:
    status, err_type, default = ERRORS.get(kind, ERRORS["server"])
    body = {"type": "error", "error": {"type": err_type, "message": message or default}}
    headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
    return Reply(status, json.dumps(body).encode("utf-8"), headers=headers)
