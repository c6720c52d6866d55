"""AnthropicProvider (official SDK) against the loopback Messages server."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.errors import AuthenticationError, ProviderError, RetryableProviderError
from wakeful.core.events import Event, Stop, TextDelta, ToolCall, UsageEvent
from wakeful.core.messages import Message, TextBlock, ToolResultBlock, ToolUseBlock
from wakeful.core.request import Request, SystemSegment, ToolSchema
from wakeful.core.usage import Usage
from wakeful.providers.anthropic import MISSING_KEY, AnthropicProvider
from wakeful.providers.request_log import RequestLog
from wakeful.testing.loopback_anthropic import AnthropicLoopback, api_key

MODEL = "claude-test"
READ_TOOL = ToolSchema(
    "read",
    "Read a file from the workspace",
    {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
)
GREP_TOOL = ToolSchema(
    "grep", "Search files", {"type": "object", "properties": {"pattern": {"type": "string"}}}
)
LONG_SYSTEM = "You are a careful coding agent. Follow the project rules exactly. " * 80


def make_request(messages: list[Message] | None = None, **kwargs: object) -> Request:
    return Request(
        model=MODEL,
        system=[SystemSegment("core", LONG_SYSTEM), SystemSegment("project", "Use tabs.")],
        tools=[READ_TOOL, GREP_TOOL],
        messages=messages or [Message.user("hello")],
        **kwargs,  # type: ignore[arg-type]
    )


async def collect(provider: AnthropicProvider, request: Request) -> list[Event]:
    return [event async for event in provider.stream(request)]


def usage_of(events: list[Event]) -> Usage:
    usages = [e for e in events if isinstance(e, UsageEvent)]
    assert len(usages) == 1
    return usages[0].usage


def check_tail(events: list[Event]) -> Stop:
    assert isinstance(events[-2], UsageEvent)
    assert isinstance(events[-1], Stop)
    assert sum(isinstance(e, Stop) for e in events) == 1
    return events[-1]


async def test_text_streams_in_deltas_then_usage_then_stop() -> None:
    text = "The answer is forty-two, as computed by a very large machine."
    with AnthropicLoopback(turns=[{"text": text}], chunk_chars=8) as srv:
        provider = AnthropicProvider(MODEL, "sk-test", srv.base_url)
        events = await collect(provider, make_request())
        await provider.aclose()
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 3
    assert "".join(d.text for d in deltas) == text
    assert check_tail(events).reason == "end_turn"


async def test_wire_body_system_blocks_tools_and_cache_control() -> None:
    with AnthropicLoopback(turns=[{"text": "ok"}]) as srv:
        provider = AnthropicProvider(MODEL, "sk-test", srv.base_url)
        request = Request(
            model=MODEL,
            system=[
                SystemSegment("core", "core rules"),
                SystemSegment("empty", ""),
                SystemSegment("memory", "memory snapshot"),
            ],
            tools=[READ_TOOL, GREP_TOOL],
            messages=[Message.user("hi")],
            max_tokens=321,
            temperature=0.2,
        )
        await collect(provider, request)
        sent = srv.requests[0]
    body = sent.body
    assert sent.path == "/v1/messages"
    assert api_key(sent.headers) == "sk-test"
    assert body["model"] == MODEL
    assert body["max_tokens"] == 321
    assert body["temperature"] == 0.2
    assert body["stream"] is True
    assert body["system"] == [
        {"type": "text", "text": "core rules"},
        {"type": "text", "text": "memory snapshot", "cache_control": {"type": "ephemeral"}},
    ]
    assert body["tools"] == [
        {
            "name": "read",
            "description": READ_TOOL.description,
            "input_schema": READ_TOOL.input_schema,
        },
        {
            "name": "grep",
            "description": GREP_TOOL.description,
            "input_schema": GREP_TOOL.input_schema,
        },
    ]
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]


async def test_no_cache_control_when_caching_is_off_and_tools_marked_without_system() -> None:
    with AnthropicLoopback(turns=[{"text": "a"}, {"text": "b"}]) as srv:
        provider = AnthropicProvider(MODEL, "sk-test", srv.base_url)
        await collect(provider, make_request(cache_system=False))
        no_system = Request(model=MODEL, tools=[READ_TOOL, GREP_TOOL], messages=[Message.user("x")])
        await collect(provider, no_system)
        first, second = srv.bodies
    assert "cache_control" not in json.dumps(first)
    assert "system" not in second
    assert second["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in second["tools"][0]


async def test_tool_use_round_trip() -> None:
    turns = [
        {"text": "Let me look.", "tool_calls": [{"name": "read", "input": {"path": "src/app.py"}}]},
        {"text": "It defines main()."},
    ]
    with AnthropicLoopback(turns=turns) as srv:
        provider = AnthropicProvider(MODEL, "sk-test", srv.base_url)
        request = make_request([Message.user("what is in src/app.py?")])
        events = await collect(provider, request)
        calls = [e for e in events if isinstance(e, ToolCall)]
        assert len(calls) == 1
        call = calls[0]
        assert call.name == "read"
        assert call.input == {"path": "src/app.py"}
        assert json.loads(call.raw_arguments) == {"path": "src/app.py"}
        assert check_tail(events).reason == "tool_use"

        assert call.input is not None
        request.messages.append(
            Message(
                "assistant",
                [TextBlock("Let me look."), ToolUseBlock(call.id, call.name, call.input)],
            )
        )
        request.messages.append(Message("user", [ToolResultBlock(call.id, "def main(): ...")]))
        events = await collect(provider, request)
        assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "It defines main()."
        second = srv.bodies[1]
    assert second["messages"][1] == {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "Let me look."},
            {"type": "tool_use", "id": call.id, "name": "read", "input": {"path": "src/app.py"}},
        ],
    }
    assert second["messages"][2]["content"] == [
        {
            "type": "tool_result",
            "tool_use_id": call.id,
            "content": "def main(): ...",
            "is_error": False,
        }
    ]


async def test_malformed_tool_json_gives_input_none_with_raw_arguments() -> None:
    raw = '{"path": "a.py", oops'
    turns = [{"tool_calls": [{"name": "read", "input": raw}, {"name": "grep", "input": {}}]}]
    with AnthropicLoopback(turns=turns, chunk_chars=5) as srv:
        provider = AnthropicProvider(MODEL, "sk-test", srv.base_url)
        events = await collect(provider, make_request())
    calls = [e for e in events if isinstance(e, ToolCall)]
    assert [c.name for c in calls] == ["read", "grep"]
    assert calls[0].input is None
    assert calls[0].raw_arguments == raw
    assert calls[1].input == {}
    assert check_tail(events).reason == "tool_use"


async def test_usage_maps_all_four_numbers() -> None:
    with AnthropicLoopback(turns=[{"text": "x" * 40}] * 2, min_cache_tokens=100) as srv:
        provider = AnthropicProvider(MODEL, "sk-test", srv.base_url)
        first = usage_of(await collect(provider, make_request()))
        second = usage_of(await collect(provider, make_request()))
        reported = srv.usages
    for ours, wire in ((first, reported[0]), (second, reported[1])):
        assert ours.input == wire["input_tokens"]
        assert ours.output == wire["output_tokens"] == 10
        assert ours.cache_read == wire["cache_read_input_tokens"]
        assert ours.cache_write == wire["cache_creation_input_tokens"]
    assert first.cache_write > 1000 and first.cache_read == 0
    assert second.cache_read == first.cache_write and second.cache_write == 0
    assert first.prompt_tokens == second.prompt_tokens


async def test_cache_read_and_write_across_requests_sharing_a_prefix() -> None:
    with AnthropicLoopback(turns=[{"text": "one"}, {"text": "two"}]) as srv:
        provider = AnthropicProvider(MODEL, "sk-test", srv.base_url)
        history = [Message.user("first question " * 20)]
        first = usage_of(
            await collect(provider, make_request(list(history), message_breakpoints=[0]))
        )
        history += [Message.assistant("one"), Message.user("second question")]
        second = usage_of(
            await collect(provider, make_request(list(history), message_breakpoints=[-1]))
        )
        stats = srv.cache_stats
    # First request: tools+system and the first user turn are written at two breakpoints.
    assert first.cache_read == 0
    assert first.cache_write == first.prompt_tokens - first.input
    assert first.input == 0
    # Second request: the earlier message breakpoint is found by the 20-block lookback.
    assert second.cache_read == first.cache_write
    assert second.cache_write > 0
    assert second.input == 0
    assert stats.hits == 1 and stats.misses == 1 and stats.writes == 3


async def test_breakpoints_are_capped_at_four_dropping_the_earliest() -> None:
    messages = []
    for i in range(6):
        messages += [Message.user(f"question {i}"), Message.assistant(f"answer {i}")]
    messages.append(Message.user("last"))
    with AnthropicLoopback(turns=[{"text": "ok"}, {"text": "ok"}]) as srv:
        provider = AnthropicProvider(MODEL, "sk-test", srv.base_url)
        request = make_request(messages, message_breakpoints=[0, 2, 4, 6, 8, 10, 12, 12, 99])
        events = await collect(provider, request)
        assert isinstance(events[-1], Stop)  # the server (which 400s above 4) accepted it
        body = srv.bodies[0]
        request.cache_system = False
        await collect(provider, request)
        body_no_system = srv.bodies[1]
    assert json.dumps(body).count("cache_control") == 4
    assert "cache_control" in body["system"][-1]
    marked = [i for i, m in enumerate(body["messages"]) if "cache_control" in m["content"][-1]]
    assert marked == [8, 10, 12]
    marked = [
        i for i, m in enumerate(body_no_system["messages"]) if "cache_control" in m["content"][-1]
    ]
    assert marked == [6, 8, 10, 12]


async def test_empty_text_blocks_are_not_sent() -> None:
    with AnthropicLoopback(turns=[{"text": "ok"}]) as srv:
        provider = AnthropicProvider(MODEL, "sk-test", srv.base_url)
        messages = [
            Message("user", [TextBlock(""), TextBlock("real question")]),
            Message("assistant", [TextBlock("")]),
            Message.user("again"),
        ]
        await collect(provider, make_request(messages))
        body = srv.bodies[0]
    assert body["messages"][0]["content"] == [{"type": "text", "text": "real question"}]
    assert body["messages"][1]["content"][0]["text"]


@pytest.mark.parametrize(
    ("turn", "kind", "retry_after", "needle"),
    [
        ({"error": "rate_limit", "retry_after": 7}, RetryableProviderError, 7.0, "429"),
        ({"error": "overloaded"}, RetryableProviderError, None, "529"),
        (
            {"error": "overloaded", "midstream": True},
            RetryableProviderError,
            None,
            "overloaded_error",
        ),
        ({"error": "server", "retry_after": 2}, RetryableProviderError, 2.0, "500"),
        ({"error": "auth"}, AuthenticationError, None, "ANTHROPIC_API_KEY"),
        ({"error": "permission"}, AuthenticationError, None, "ANTHROPIC_API_KEY"),
        (
            {"error": "invalid", "message": "max_tokens: too large"},
            ProviderError,
            None,
            "max_tokens: too large",
        ),
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
    with AnthropicLoopback(turns=[turn]) as srv:
        provider = AnthropicProvider(MODEL, "sk-test", srv.base_url, RequestLog(log_path))
        with pytest.raises(ProviderError) as info:
            await collect(provider, make_request())
    assert type(info.value) is kind
    assert needle in str(info.value)
    if isinstance(info.value, RetryableProviderError):
        assert info.value.retry_after == retry_after
    (line,) = log_path.read_text().splitlines()
    record = json.loads(line)
    assert record["provider"] == "anthropic"
    assert needle in record["error"]
    assert record["request"]["model"] == MODEL


async def test_connection_refused_is_retryable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    provider = AnthropicProvider(MODEL, "sk-test", f"http://127.0.0.1:{port}", timeout=5)
    with pytest.raises(RetryableProviderError, match="cannot reach the Anthropic API"):
        await collect(provider, make_request())


async def test_wrong_key_rejected_by_server_names_the_variable() -> None:
    with AnthropicLoopback(turns=[{"text": "never"}], require_api_key="sk-right") as srv:
        provider = AnthropicProvider(MODEL, "sk-wrong", srv.base_url)
        with pytest.raises(AuthenticationError, match="ANTHROPIC_API_KEY"):
            await collect(provider, make_request())


async def test_request_log_has_body_as_sent_and_usage(tmp_path: Path) -> None:
    log_path = tmp_path / "log" / "requests.jsonl"
    turns = [{"text": "hi"}, {"tool_calls": [{"name": "read", "input": {"path": "x"}}]}]
    with AnthropicLoopback(turns=turns, min_cache_tokens=100) as srv:
        provider = AnthropicProvider(MODEL, "sk-test", srv.base_url, RequestLog(log_path))
        usages = [usage_of(await collect(provider, make_request())) for _ in turns]
        received = srv.bodies
    records = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert len(records) == 2
    for record, body, usage in zip(records, received, usages, strict=True):
        assert set(record) >= {"request", "usage", "provider", "time"}
        assert "error" not in record
        assert record["request"] == body  # exactly what went over the wire
        assert record["usage"] == usage.to_dict()


def test_missing_key_message() -> None:
    config = Config()
    with pytest.raises(AuthenticationError) as info:
        AnthropicProvider.from_config("claude-x", config, RequestLog(None))
    assert str(info.value) == MISSING_KEY
    assert str(info.value) == (
        "ANTHROPIC_API_KEY is not set: export it, or choose another model with "
        "--model openai:NAME / local / scripted:FILE"
    )


def test_from_config_uses_key_and_base_url_and_survives_new_event_loops() -> None:
    with AnthropicLoopback(turns=[{"text": "a"}, {"text": "b"}], require_api_key="sk-cfg") as srv:
        config = Config()
        config.set("anthropic", "api_key", value="sk-cfg")
        config.set("anthropic", "base_url", value=srv.base_url)
        provider = AnthropicProvider.from_config("claude-cfg", config, RequestLog(None))
        assert provider.model == "claude-cfg"
        # Two separate event loops (as two CLI invocations in one process would use).
        first = asyncio.run(collect(provider, make_request()))
        second = asyncio.run(collect(provider, make_request()))
        assert srv.bodies[0]["model"] == "claude-cfg"
    assert isinstance(first[-1], Stop) and isinstance(second[-1], Stop)
