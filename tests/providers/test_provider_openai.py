"""OpenAIProvider (official SDK) against the loopback Chat Completions server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.errors import AuthenticationError, ProviderError, RetryableProviderError
from wakeful.core.events import Event, Stop, TextDelta, ToolCall, UsageEvent
from wakeful.core.messages import Message, TextBlock, ToolResultBlock, ToolUseBlock
from wakeful.core.request import Request, SystemSegment, ToolSchema
from wakeful.core.usage import Usage
from wakeful.providers.openai import MISSING_KEY, PLACEHOLDER_KEY, OpenAIProvider, build_body
from wakeful.providers.request_log import RequestLog
from wakeful.testing.loopback_openai import OpenAILoopback

MODEL = "gpt-test"
READ_TOOL = ToolSchema(
    "read",
    "Read a file from the workspace",
    {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
)
LONG_SYSTEM = "You are a careful coding agent. Follow the project rules exactly. " * 80


def make_request(messages: list[Message] | None = None, **kwargs: object) -> Request:
    return Request(
        model=MODEL,
        system=[SystemSegment("core", LONG_SYSTEM), SystemSegment("memory", "Prefers tabs.")],
        tools=[READ_TOOL],
        messages=messages or [Message.user("hello")],
        **kwargs,  # type: ignore[arg-type]
    )


async def collect(provider: OpenAIProvider, request: Request) -> list[Event]:
    return [event async for event in provider.stream(request)]


def usage_of(events: list[Event]) -> Usage:
    usages = [e for e in events if isinstance(e, UsageEvent)]
    assert len(usages) == 1
    assert isinstance(events[-2], UsageEvent) and isinstance(events[-1], Stop)
    return usages[0].usage


async def test_text_streaming_and_wire_body() -> None:
    text = "Streaming works through the official SDK, chunk by chunk."
    with OpenAILoopback(turns=[{"text": text}], chunk_chars=7) as srv:
        provider = OpenAIProvider(MODEL, "sk-test", srv.base_url)
        events = await collect(provider, make_request(temperature=0.0))
        sent = srv.requests[0]
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 3 and "".join(d.text for d in deltas) == text
    assert isinstance(events[-1], Stop) and events[-1].reason == "end_turn"
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-test"
    body = sent.body
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["temperature"] == 0.0
    # A compatible server gets max_tokens; only api.openai.com gets max_completion_tokens.
    assert body["max_tokens"] == 4096 and "max_completion_tokens" not in body
    assert body["messages"] == [
        {"role": "system", "content": LONG_SYSTEM + "\n\nPrefers tabs."},
        {"role": "user", "content": "hello"},
    ]
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "read",
                "description": READ_TOOL.description,
                "parameters": READ_TOOL.input_schema,
            },
        }
    ]
    assert "prompt_cache_key" not in body


def test_official_endpoint_uses_max_completion_tokens() -> None:
    provider = OpenAIProvider(MODEL, "sk-test")
    body = provider.build_body(make_request(max_tokens=99))
    assert body["max_completion_tokens"] == 99 and "max_tokens" not in body
    assert build_body(make_request(), official=False)["max_tokens"] == 4096


async def test_prompt_cache_key_is_sent_when_set() -> None:
    with OpenAILoopback(turns=[{"text": "ok"}]) as srv:
        provider = OpenAIProvider(MODEL, "sk-test", srv.base_url)
        await collect(provider, make_request(prompt_cache_key="session-42"))
        assert srv.bodies[0]["prompt_cache_key"] == "session-42"


async def test_tool_use_round_trip_maps_calls_and_results() -> None:
    turns = [
        {
            "text": "Reading both.",
            "tool_calls": [
                {"name": "read", "input": {"path": "a.py"}},
                {"name": "read", "input": {"path": "b.py"}},
            ],
        },
        {"text": "Both define main()."},
    ]
    with OpenAILoopback(turns=turns, chunk_chars=4) as srv:
        provider = OpenAIProvider(MODEL, "sk-test", srv.base_url)
        request = make_request([Message.user("compare a.py and b.py")])
        events = await collect(provider, request)
        calls = [e for e in events if isinstance(e, ToolCall)]
        assert [c.input for c in calls] == [{"path": "a.py"}, {"path": "b.py"}]
        assert len({c.id for c in calls}) == 2 and all(c.id for c in calls)
        assert events[-1] == Stop("tool_use")
        request.messages.append(
            Message(
                "assistant",
                [TextBlock("Reading both.")]
                + [ToolUseBlock(c.id, c.name, c.input or {}) for c in calls],
            )
        )
        request.messages.append(
            Message(
                "user",
                [
                    ToolResultBlock(calls[0].id, "def main(): a"),
                    ToolResultBlock(calls[1].id, "no such file", is_error=True),
                    TextBlock("and be brief"),
                ],
            )
        )
        events = await collect(provider, request)  # the server validates tool ordering
        assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Both define main()."
        messages = srv.bodies[1]["messages"]
    assert messages[2] == {
        "role": "assistant",
        "content": "Reading both.",
        "tool_calls": [
            {
                "id": calls[0].id,
                "type": "function",
                "function": {"name": "read", "arguments": json.dumps({"path": "a.py"})},
            },
            {
                "id": calls[1].id,
                "type": "function",
                "function": {"name": "read", "arguments": json.dumps({"path": "b.py"})},
            },
        ],
    }
    assert messages[3] == {"role": "tool", "tool_call_id": calls[0].id, "content": "def main(): a"}
    assert messages[4] == {
        "role": "tool",
        "tool_call_id": calls[1].id,
        "content": "ERROR: no such file",
    }
    assert messages[5] == {"role": "user", "content": "and be brief"}


async def test_malformed_tool_arguments_give_input_none() -> None:
    raw = '{"path": "a.py"'
    with OpenAILoopback(turns=[{"tool_calls": [{"name": "read", "input": raw}]}]) as srv:
        provider = OpenAIProvider(MODEL, "sk-test", srv.base_url)
        events = await collect(provider, make_request())
    (call,) = [e for e in events if isinstance(e, ToolCall)]
    assert call.input is None and call.raw_arguments == raw and call.name == "read"
    assert events[-1] == Stop("tool_use")


async def test_usage_and_cached_tokens_across_requests() -> None:
    with OpenAILoopback(turns=[{"text": "x" * 20}, {"text": "y" * 20}]) as srv:
        provider = OpenAIProvider(MODEL, "sk-test", srv.base_url)
        history = [Message.user("first")]
        first = usage_of(await collect(provider, make_request(list(history))))
        history += [Message.assistant("x" * 20), Message.user("second")]
        second = usage_of(await collect(provider, make_request(list(history))))
        wire = srv.usages
    assert first.cache_read == 0 and first.cache_write == 0
    assert first.input == wire[0]["prompt_tokens"] > 1024
    assert first.output == wire[0]["completion_tokens"] == 5
    cached = wire[1]["prompt_tokens_details"]["cached_tokens"]
    assert cached >= 1024 and (cached - 1024) % 128 == 0
    assert second.cache_read == cached
    assert second.input == wire[1]["prompt_tokens"] - cached
    assert second.prompt_tokens == wire[1]["prompt_tokens"]
    # The shared prefix is the first request's whole prompt minus its closing bytes.
    assert first.input - 128 < cached <= first.input


async def test_missing_usage_is_estimated_not_zero() -> None:
    turns = [{"text": "An answer of some length."}, {"tool_calls": [{"name": "read", "input": {}}]}]
    with OpenAILoopback(turns=turns, report_usage=False) as srv:
        provider = OpenAIProvider(MODEL, "sk-test", srv.base_url)
        text_usage = usage_of(await collect(provider, make_request()))
        tool_events = await collect(provider, make_request())
    assert text_usage.input > 1000  # the long system prompt, at ~4 chars per token
    assert text_usage.output == 7  # 25 characters
    assert usage_of(tool_events).output > 0
    (call,) = [e for e in tool_events if isinstance(e, ToolCall)]
    assert call.input == {}


@pytest.mark.parametrize(
    ("turn", "kind", "retry_after", "needle"),
    [
        ({"error": "rate_limit", "retry_after": 9}, RetryableProviderError, 9.0, "429"),
        ({"error": "overloaded"}, RetryableProviderError, None, "503"),
        ({"error": "server"}, RetryableProviderError, None, "500"),
        ({"error": "server", "midstream": True}, RetryableProviderError, None, "server_error"),
        ({"error": "auth"}, AuthenticationError, None, "OPENAI_API_KEY"),
        ({"error": "insufficient_quota"}, ProviderError, None, "insufficient_quota"),
        ({"error": "invalid", "message": "bad schema"}, ProviderError, None, "bad schema"),
    ],
)
async def test_error_mapping(
    tmp_path: Path,
    turn: dict[str, object],
    kind: type[Exception],
    retry_after: float | None,
    needle: str,
) -> None:
    log_path = tmp_path / "requests.jsonl"
    with OpenAILoopback(turns=[turn]) as srv:
        provider = OpenAIProvider(MODEL, "sk-test", srv.base_url, RequestLog(log_path))
        with pytest.raises(ProviderError) as info:
            await collect(provider, make_request())
    assert type(info.value) is kind
    assert needle in str(info.value)
    if isinstance(info.value, RetryableProviderError):
        assert info.value.retry_after == retry_after
    (record,) = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert record["provider"] == "openai" and needle in record["error"]


async def test_request_log_has_body_as_sent_and_usage(tmp_path: Path) -> None:
    log_path = tmp_path / "requests.jsonl"
    with OpenAILoopback(turns=[{"text": "a"}, {"text": "b"}]) as srv:
        provider = OpenAIProvider(MODEL, "sk-test", srv.base_url, RequestLog(log_path))
        usages = [usage_of(await collect(provider, make_request())) for _ in range(2)]
        received = srv.bodies
    records = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert len(records) == 2
    for record, body, usage in zip(records, received, usages, strict=True):
        assert record["request"] == body
        assert record["usage"] == usage.to_dict()
    assert records[1]["usage"]["cache_read"] > 0


def test_missing_key_and_base_url() -> None:
    with pytest.raises(AuthenticationError) as info:
        OpenAIProvider.from_config("gpt-x", Config(), RequestLog(None))
    assert str(info.value) == MISSING_KEY
    assert "OPENAI_API_KEY" in MISSING_KEY and "OPENAI_BASE_URL" in MISSING_KEY


async def test_base_url_without_key_uses_a_placeholder() -> None:
    with OpenAILoopback(turns=[{"text": "local"}], require_api_key=PLACEHOLDER_KEY) as srv:
        config = Config()
        config.set("openai", "base_url", value=srv.base_url)
        provider = OpenAIProvider.from_config("qwen2.5-coder", config, RequestLog(None))
        events = await collect(provider, make_request())
        assert srv.bodies[0]["model"] == "qwen2.5-coder"
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "local"


async def test_rejected_key_on_a_local_server_names_both_settings() -> None:
    with OpenAILoopback(turns=[{"text": "never"}], require_api_key="sk-right") as srv:
        config = Config()
        config.set("openai", "api_key", value="sk-wrong")
        config.set("openai", "base_url", value=srv.base_url)
        provider = OpenAIProvider.from_config("m", config, RequestLog(None))
        with pytest.raises(AuthenticationError) as info:
            await collect(provider, make_request())
    assert "OPENAI_API_KEY" in str(info.value) and "OPENAI_BASE_URL" in str(info.value)
