"""The loopback servers' own rules: caching (prefixes, lookback, minimum, TTL, overlap),
the breakpoint limit, non-streaming replies, responders and exhausted scripts."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import anthropic
import openai
import pytest

from wakeful.core.errors import ProviderError
from wakeful.core.events import Event, TextDelta, UsageEvent
from wakeful.core.messages import Message
from wakeful.core.request import Request, SystemSegment
from wakeful.core.usage import Usage
from wakeful.providers.anthropic import AnthropicProvider
from wakeful.providers.openai import OpenAIProvider
from wakeful.testing.loopback_anthropic import AnthropicLoopback, prompt_pieces
from wakeful.testing.loopback_http import estimate_tokens
from wakeful.testing.loopback_openai import OpenAILoopback

SYSTEM = "Shared project context for every worker. " * 120  # ~1200 tokens


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def request(
    messages: list[Message], breakpoints: list[int] | None = None, system: str = SYSTEM
) -> Request:
    return Request(
        model="claude-test",
        system=[SystemSegment("core", system)],
        messages=messages,
        message_breakpoints=breakpoints or [],
    )


async def usage(provider: AnthropicProvider | OpenAIProvider, req: Request) -> Usage:
    events: list[Event] = [e async for e in provider.stream(req)]
    return next(e.usage for e in events if isinstance(e, UsageEvent))


def echo(body: dict[str, Any]) -> dict[str, Any]:
    return {"text": "ok"}


async def test_token_estimate_is_documented_ceiling_of_chars_over_four() -> None:
    assert [estimate_tokens("a" * n) for n in (0, 1, 4, 5, 8)] == [0, 1, 1, 2, 2]
    body = {
        "system": [{"type": "text", "text": "x" * 100}],
        "messages": [{"role": "user", "content": "hi"}],
    }
    pieces = prompt_pieces(body)
    assert [p.tokens for p in pieces] == [estimate_tokens(p.identity) for p in pieces]
    with AnthropicLoopback(responder=echo) as srv:
        provider = AnthropicProvider("claude-test", "k", srv.base_url)
        got = await usage(provider, request([Message.user("hi")], system="x" * 100))
    assert got.input == sum(p.tokens for p in pieces)


async def test_prefix_below_minimum_is_not_cached() -> None:
    with AnthropicLoopback(responder=echo, min_cache_tokens=1024) as srv:
        provider = AnthropicProvider("claude-test", "k", srv.base_url)
        short = request([Message.user("hi")], system="Short system prompt.")
        first = await usage(provider, short)
        second = await usage(provider, short)
        stats = srv.cache_stats
    assert first.cache_write == second.cache_write == 0
    assert second.cache_read == 0
    assert stats.writes == 0 and stats.hits == 0 and stats.misses == 2


async def test_lookback_finds_a_prefix_at_most_twenty_blocks_back() -> None:
    def history(turns: int) -> list[Message]:
        out: list[Message] = []
        for i in range(turns):
            out += [Message.user(f"q{i}"), Message.assistant(f"a{i}")]
        return out + [Message.user("now")]

    with AnthropicLoopback(responder=echo) as srv:
        provider = AnthropicProvider("claude-test", "k", srv.base_url)
        base = history(2)  # 5 messages, one block each
        # Write at message 4 only (no system breakpoint), so a hit must come from there.
        req = request(base, [4])
        req.cache_system = False
        written = await usage(provider, req)
        assert written.cache_write == written.prompt_tokens
        # 20 blocks later: the edge of the lookback window of the new breakpoint.
        near_messages = base + [Message.user(f"n{i}") for i in range(20)]
        near = request(near_messages, [len(near_messages) - 1])
        near.cache_system = False
        near_usage = await usage(provider, near)
        assert near_usage.cache_read == written.cache_write
        # 21 blocks later: outside the window, so nothing is read.
        far_messages = base + [Message.user(f"m{i}") for i in range(21)]
        far = request(far_messages, [len(far_messages) - 1])
        far.cache_system = False
        far_usage = await usage(provider, far)
        assert far_usage.cache_read == 0


async def test_ttl_expires_after_five_minutes_and_hits_refresh_it() -> None:
    clock = FakeClock()
    with AnthropicLoopback(responder=echo, clock=clock) as srv:
        provider = AnthropicProvider("claude-test", "k", srv.base_url)
        req = request([Message.user("hi")])
        assert (await usage(provider, req)).cache_write > 0
        clock.now += 299
        assert (await usage(provider, req)).cache_read > 0  # hit, refreshes to +300
        clock.now += 299
        assert (await usage(provider, req)).cache_read > 0  # alive only thanks to refresh
        clock.now += 301
        expired = await usage(provider, req)
        assert expired.cache_read == 0 and expired.cache_write > 0
        assert srv.cache_stats.entries == 1
        clock.now += 301
        assert srv.cache_stats.entries == 0


async def test_one_hour_ttl_is_honoured() -> None:
    clock = FakeClock()
    with AnthropicLoopback(responder=echo, clock=clock) as srv:
        body = {
            "model": "m",
            "max_tokens": 10,
            "system": [
                {
                    "type": "text",
                    "text": SYSTEM,
                    "cache_control": {"type": "ephemeral", "ttl": "1h"},
                }
            ],
            "messages": [{"role": "user", "content": "hi"}],
        }
        client = anthropic.AsyncAnthropic(api_key="k", base_url=srv.base_url, max_retries=0)
        first = await client.messages.create(**body)
        clock.now += 3000
        second = await client.messages.create(**body)
        await client.close()
    assert first.usage.cache_creation_input_tokens and not first.usage.cache_read_input_tokens
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens


async def test_overlapping_requests_miss_until_the_first_reply_starts() -> None:
    # All three workers are inside the server at once (the barrier holds each until the
    # others arrived), so none can see another's write: as with the real API, a fan-out
    # that does not warm the cache first pays for the prefix once per worker.
    barrier = threading.Barrier(3, timeout=10)

    def reply(body: dict[str, Any]) -> dict[str, Any]:
        if "worker" in str(body["messages"]):
            barrier.wait()
        return {"text": "ok"}

    with AnthropicLoopback(responder=reply) as srv:
        provider = AnthropicProvider("claude-test", "k", srv.base_url)
        reqs = [request([Message.user(f"worker {i}")]) for i in range(3)]
        concurrent = await asyncio.gather(*(usage(provider, r) for r in reqs))
        after = await usage(provider, request([Message.user("late one")]))
    assert all(u.cache_read == 0 and u.cache_write > 0 for u in concurrent)
    assert after.cache_read == concurrent[0].cache_write
    assert srv.cache_stats.hits == 1 and srv.cache_stats.misses == 3


async def test_more_than_four_breakpoints_is_rejected_like_the_real_api() -> None:
    marked = {"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}
    body = {
        "model": "m",
        "max_tokens": 10,
        "system": [marked, marked],
        "messages": [{"role": "user", "content": [marked, marked, marked]}],
    }
    with AnthropicLoopback(responder=echo) as srv:
        client = anthropic.AsyncAnthropic(api_key="k", base_url=srv.base_url, max_retries=0)
        with pytest.raises(anthropic.BadRequestError, match="A maximum of 4 blocks"):
            await client.messages.create(**body)
        await client.close()


async def test_non_streaming_replies_parse_with_the_sdks() -> None:
    turn = {"text": "plain", "tool_calls": [{"name": "read", "input": {"path": "x"}}]}
    with AnthropicLoopback(turns=[turn]) as srv:
        client = anthropic.AsyncAnthropic(api_key="k", base_url=srv.base_url, max_retries=0)
        message = await client.messages.create(
            model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )
        await client.close()
    assert message.content[0].type == "text" and message.content[0].text == "plain"
    assert message.content[1].type == "tool_use" and message.content[1].input == {"path": "x"}
    assert message.stop_reason == "tool_use" and message.usage.output_tokens > 0

    with OpenAILoopback(turns=[turn]) as srv:
        oclient = openai.AsyncOpenAI(api_key="k", base_url=srv.base_url, max_retries=0)
        completion = await oclient.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )
        await oclient.close()
    choice = completion.choices[0]
    assert choice.message.content == "plain" and choice.finish_reason == "tool_calls"
    assert (
        choice.message.tool_calls
        and choice.message.tool_calls[0].function.arguments == '{"path": "x"}'
    )
    assert completion.usage is not None and completion.usage.prompt_tokens > 0


async def test_exhausted_script_answers_with_an_error_naming_the_turn() -> None:
    with AnthropicLoopback(turns=[{"text": "only"}]) as srv:
        provider = AnthropicProvider("claude-test", "k", srv.base_url)
        await usage(provider, request([Message.user("hi")]))
        with pytest.raises(ProviderError, match="no turn 2"):
            await usage(provider, request([Message.user("hi")]))


async def test_responder_sees_each_body() -> None:
    def reply(body: dict[str, Any]) -> dict[str, Any]:
        return {"text": f"{len(body['messages'])} messages"}

    with OpenAILoopback(responder=reply) as srv:
        provider = OpenAIProvider("gpt-test", "k", srv.base_url)
        req = Request(model="gpt-test", messages=[Message.user("a")])
        events = [e async for e in provider.stream(req)]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "1 messages"


def test_unknown_path_is_a_404() -> None:
    import json
    import urllib.error
    import urllib.request

    with AnthropicLoopback(responder=echo) as srv:
        req = urllib.request.Request(
            srv.base_url + "/v1/complete", data=b"{}", headers={"content-type": "application/json"}
        )
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 404
    assert json.loads(err.value.read())["error"]["type"] == "not_found_error"


async def test_openai_cache_needs_1024_tokens_and_counts_in_128_steps() -> None:
    clock = FakeClock()
    with OpenAILoopback(responder=echo, clock=clock) as srv:
        provider = OpenAIProvider("gpt-test", "k", srv.base_url)
        short = Request(
            model="gpt-test", system=[SystemSegment("s", "tiny")], messages=[Message.user("a")]
        )
        await usage(provider, short)
        assert (await usage(provider, short)).cache_read == 0
        long = Request(
            model="gpt-test", system=[SystemSegment("s", SYSTEM)], messages=[Message.user("a")]
        )
        first = await usage(provider, long)
        again = await usage(provider, long)
        assert first.cache_read == 0
        assert again.cache_read >= 1024 and (again.cache_read - 1024) % 128 == 0
        assert again.input == first.input - again.cache_read
        other_model = Request(
            model="gpt-other", system=[SystemSegment("s", SYSTEM)], messages=[Message.user("a")]
        )
        assert (
            await usage(OpenAIProvider("gpt-other", "k", srv.base_url), other_model)
        ).cache_read == 0
        clock.now += 301
        assert (await usage(provider, long)).cache_read == 0
