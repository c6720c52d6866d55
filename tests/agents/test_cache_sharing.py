"""Cache discipline against the loopback servers, through the real provider SDKs.

The Anthropic loopback applies Anthropic's caching rules (breakpoints, 20-block lookback,
minimum size, writes visible once a response starts), so these tests check what a real
fan-out would pay: every fork reads the shared prefix, and nobody but the first request
writes it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wakeful.core.usage import Usage
from wakeful.providers.anthropic import AnthropicProvider
from wakeful.providers.openai import OpenAIProvider
from wakeful.providers.request_log import RequestLog
from wakeful.testing.loopback_anthropic import AnthropicLoopback, prompt_pieces
from wakeful.testing.loopback_openai import OpenAILoopback

from .conftest import agent_of_messages, turns_of

MODEL = "claude-sonnet-4-6"


def strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if k != "cache_control"}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def canon(value: Any) -> str:
    return json.dumps(strip(value), sort_keys=True, separators=(",", ":"))


def responder(n_tasks: int) -> Any:
    def respond(body: dict[str, Any]) -> dict[str, Any]:
        messages = body["messages"]
        agent = agent_of_messages(messages)
        turn = turns_of(messages)
        if agent == "main":
            return [
                {"tool_calls": [{"name": "read", "input": {"path": "context.txt"}}]},
                {
                    "tool_calls": [
                        {
                            "name": "delegate",
                            "input": {
                                "tasks": [{"prompt": f"part {i}"} for i in range(n_tasks)],
                                "kind": "fork",
                            },
                        }
                    ]
                },
                {"text": "merged"},
            ][turn]
        if turn == 0:
            return {"tool_calls": [{"name": "glob", "input": {"pattern": "*.txt"}}]}
        return {"text": f"{agent}: part done"}

    return respond


def read_log(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_forks_share_the_prefix_byte_for_byte_and_read_it_from_cache(
    make_harness: Any, workspace: Path, tmp_path: Path
) -> None:
    (workspace / "context.txt").write_text("".join(f"def f{i}(): return {i}\n" for i in range(900)))
    log_path = tmp_path / "requests.jsonl"
    with AnthropicLoopback(responder=responder(4), latency=0.05) as srv:
        provider = AnthropicProvider(MODEL, "sk-test", srv.base_url, RequestLog(log_path))
        h = make_harness(provider, {"max_parallel": 4})
        result = await h.agent.run("split it")
        await provider.aclose()
    assert result.text == "merged"
    records = read_log(log_path)
    by_agent: dict[str, list[dict[str, Any]]] = {}
    for rec in records:
        by_agent.setdefault(agent_of_messages(rec["request"]["messages"]), []).append(rec)
    assert sorted(by_agent) == ["fork-1", "fork-2", "fork-3", "fork-4", "main"]
    parent_after = by_agent["main"][-1]["request"]
    shared = len(parent_after["messages"]) - 1  # everything but the delegate result

    # 1. Byte for byte: tools, system and the shared conversation are the parent's.
    for name in ("fork-1", "fork-2", "fork-3", "fork-4"):
        first = by_agent[name][0]["request"]
        assert canon(first["tools"]) == canon(parent_after["tools"])
        assert canon(first["system"]) == canon(parent_after["system"])
        assert canon(first["messages"][:shared]) == canon(parent_after["messages"][:shared])
        # The shared part ends in a breakpoint, and no request has more than four.
        assert "cache_control" in first["messages"][shared - 1]["content"][-1]
        marks = sum(1 for p in prompt_pieces(first) if p.cache_control is not None)
        assert marks <= 4

    # 2. Every worker request reads the whole shared prefix; only fork-1 writes any of it.
    shared_tokens = sum(
        p.tokens
        for p in prompt_pieces({**parent_after, "messages": parent_after["messages"][:shared]})
    )
    assert shared_tokens > 5000
    workers = [r for name, recs in by_agent.items() if name != "main" for r in recs]
    for rec in workers:
        usage = Usage.from_dict(rec["usage"])
        assert usage.cache_read >= shared_tokens - 200, rec["usage"]
    writes_of_shared = [
        Usage.from_dict(r["usage"]).cache_write
        for r in workers
        if Usage.from_dict(r["usage"]).cache_write > 1000
    ]
    assert writes_of_shared == []  # the big context was written by the parent, once
    total = Usage()
    for rec in records:
        total = total + Usage.from_dict(rec["usage"])
    assert total.cache_hit_ratio > 0.75

    # 3. The first fork request went alone: the others arrived after it was answered.
    arrivals = {}
    for req in srv.requests:
        name = agent_of_messages(req.body["messages"])
        arrivals.setdefault(name, req.received_at)
    leader = min(("fork-1", "fork-2", "fork-3", "fork-4"), key=lambda n: arrivals[n])
    for name in ("fork-1", "fork-2", "fork-3", "fork-4"):
        if name != leader:
            assert arrivals[name] >= arrivals[leader] + 0.05

    # 4. `wakeful cost` rows: per agent, with cache reads.
    from wakeful.prompt.ledger import read_costs

    rows = {r.agent: r for r in read_costs(h.paths.state_db, h.transcript.session_id)}
    assert rows["fork-3"].usage.cache_hit_ratio > 0.8
    assert not any(rows[n].breaks for n in rows)


async def test_openai_requests_of_a_fan_out_carry_one_prompt_cache_key(
    make_harness: Any, workspace: Path, tmp_path: Path
) -> None:
    (workspace / "context.txt").write_text("".join(f"line {i}\n" for i in range(600)))
    with OpenAILoopback(responder=responder(3)) as srv:
        provider = OpenAIProvider("gpt-4o-mini", "sk-test", srv.base_url)
        h = make_harness(provider)
        result = await h.agent.run("split it")
        await provider.aclose()
    assert result.text == "merged"
    keys: dict[str, set[str | None]] = {}
    for req in srv.requests:
        # OpenAI bodies: the system prompt is message 0, content is text.
        name = agent_of_messages(req.body["messages"])
        keys.setdefault(name, set()).add(req.body.get("prompt_cache_key"))
    worker_keys = set().union(*(v for k, v in keys.items() if k != "main"))
    assert len(worker_keys) == 1 and None not in worker_keys
    assert len([k for k in keys if k != "main"]) == 3
    # Automatic prefix caching: identical prefixes are read by every worker.
    usages = srv.usages
    assert any((u.get("prompt_tokens_details") or {}).get("cached_tokens", 0) > 0 for u in usages)


async def test_several_openai_servers_keep_each_conversation_and_its_forks_on_one(
    make_harness: Any, workspace: Path
) -> None:
    """`base_url` with two servers (two vLLM or llama.cpp boxes): a session's requests and
    its fan-out's forks all reach one server, whose prefix cache then serves the forks;
    sessions spread over both."""
    (workspace / "context.txt").write_text("".join(f"line {i}\n" for i in range(600)))
    with OpenAILoopback(responder=responder(3)) as a, OpenAILoopback(responder=responder(3)) as b:
        urls = f"{a.base_url}, {b.base_url}"
        probe = OpenAIProvider("m", "sk-test", urls)
        # Two conversation keys that the stable hash sends to different servers.
        keys = [f"session-{i}" for i in range(64)]
        first = next(k for k in keys if probe.route(k) == a.base_url)
        second = next(k for k in keys if probe.route(k) == b.base_url)
        for key in (first, second):
            provider = OpenAIProvider("gpt-4o-mini", "sk-test", urls)
            h = make_harness(provider)
            h.agent.prompt_cache_key = key  # what the runtime sets: the session id
            result = await h.agent.run("split it")
            await provider.aclose()
            assert result.text == "merged"
        for server, key in ((a, first), (b, second)):
            agents = {agent_of_messages(r.body["messages"]) for r in server.requests}
            assert agents == {"main", "fork-1", "fork-2", "fork-3"}
            assert {r.body.get("prompt_cache_key") for r in server.requests} == {key}
            forks = [
                u
                for r, u in zip(server.requests, server.usages, strict=True)
                if agent_of_messages(r.body["messages"]) != "main"
            ]
            # The forks' shared prefix is read from this server's cache.
            assert all(u["prompt_tokens_details"]["cached_tokens"] > 1024 for u in forks)
