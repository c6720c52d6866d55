"""Compaction: old tool results cleared first, then older turns summarised; the prefix, the
protected head and the transcript's full history survive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wakeful.core.messages import Message, TextBlock, ToolResultBlock, ToolUseBlock
from wakeful.core.request import Request
from wakeful.core.usage import Usage
from wakeful.loop.compaction import (
    CLEARED,
    SUMMARISE_INSTRUCTION,
    SUMMARY_HEADER,
    CompactionSettings,
    Compactor,
    ModelSummarizer,
    extractive_summary,
)
from wakeful.loop.session import replay
from wakeful.providers.anthropic import AnthropicProvider
from wakeful.providers.request_log import RequestLog
from wakeful.testing.loopback_anthropic import AnthropicLoopback, prompt_pieces

from .conftest import RoutedProvider


def pair(i: int, size: int) -> list[Message]:
    return [
        Message("assistant", [ToolUseBlock(f"t{i}", "read", {"path": f"f{i}"})]),
        Message("user", [ToolResultBlock(f"t{i}", f"result {i} " + "x" * size)]),
    ]


def conversation(n: int, size: int = 2000) -> list[Message]:
    out = [Message.user("start the task")]
    for i in range(n):
        out += pair(i, size)
    return out


def assert_valid(messages: list[Message]) -> None:
    """Roles alternate, the first is the user's, every tool_use is answered right after."""
    assert messages[0].role == "user"
    for a, b in zip(messages, messages[1:], strict=False):
        assert a.role != b.role
    for i, m in enumerate(messages):
        ids = [t.id for t in m.tool_uses]
        if ids:
            answered = [
                b.tool_use_id for b in messages[i + 1].content if isinstance(b, ToolResultBlock)
            ]
            assert answered == ids


async def test_clearing_old_results_comes_first_and_keeps_pairs() -> None:
    settings = CompactionSettings(window=4000, threshold=0.8, target=0.9, keep_results=2)
    compactor = Compactor(settings)
    messages = conversation(5, size=2500)
    out = await compactor.maybe_compact(messages, Usage())
    assert out is not None
    assert_valid(out)
    results = [b for m in out for b in m.content if isinstance(b, ToolResultBlock)]
    assert [r.content.startswith("[old tool result cleared") for r in results] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert results[0].content == CLEARED.format(chars=len(messages[2].content[0].content))
    assert compactor.reports[-1].cleared_results == 3
    assert compactor.reports[-1].summarised_messages == 0
    # The input list is untouched (the transcript and the caller keep the full history).
    assert messages[2].content[0].content.startswith("result 0 ")


async def test_summary_when_clearing_is_not_enough_keeps_the_protected_head() -> None:
    head = [
        Message.user("inherited context " + "y" * 800),
        Message("assistant", [ToolUseBlock("d", "delegate", {"tasks": []})]),
    ]
    first = Message("user", [ToolResultBlock("d", "placeholder"), TextBlock("You are fork-1")])
    tail: list[Message] = []
    for i in range(12):
        tail += [
            Message(
                "assistant",
                [TextBlock(f"step {i} " + "z" * 600), ToolUseBlock(f"t{i}", "glob", {})],
            ),
            Message("user", [ToolResultBlock(f"t{i}", "short")]),
        ]
    messages = [*head, first, *tail]
    seen: list[list[Message]] = []

    async def summarizer(upto: list[Message]) -> str:
        seen.append(upto)
        return "did steps 0..n"

    settings = CompactionSettings(window=4000, threshold=0.5, target=0.4, keep_results=2)
    compactor = Compactor(settings, protect=2, summarizer=summarizer)
    out = await compactor.maybe_compact(messages, Usage())
    assert out is not None
    assert_valid(out)
    assert [m.to_dict() for m in out[:2]] == [m.to_dict() for m in head]  # byte for byte
    merged = out[2]
    assert merged.content[0] == first.content[0] and merged.content[1] == first.content[1]
    assert merged.content[-1].text == SUMMARY_HEADER + "did steps 0..n"
    assert out[3].role == "assistant"
    assert compactor.estimate(out) <= 0.4 * 4000
    assert compactor.reports[-1].edit_point == 2
    assert seen and seen[0][: len(head)] == head


async def test_below_the_threshold_nothing_happens() -> None:
    compactor = Compactor(CompactionSettings(window=1_000_000))
    assert await compactor.maybe_compact(conversation(3), Usage()) is None
    # Reported usage counts too: a large last request triggers even with few characters.
    compactor = Compactor(CompactionSettings(window=10_000, keep_results=0))
    messages = conversation(2, size=500)
    assert await compactor.maybe_compact(messages, Usage(input=100)) is None
    out = await compactor.maybe_compact(messages, Usage(input=100 + 9000, output=50))
    assert out is not None


def test_extractive_summary_names_requests_calls_and_outcomes() -> None:
    text = extractive_summary(conversation(2, size=10))
    assert "user: start the task" in text
    assert 'called read({"path": "f1"})' in text
    assert "-> ok: result 1" in text


async def test_agent_compaction_keeps_the_prefix_and_the_transcript(
    make_harness: Any, workspace: Path
) -> None:
    for i in range(8):
        (workspace / f"f{i}.txt").write_text(f"file {i}\n" + "content line\n" * 300)

    calls = iter(range(100))  # compaction shortens the conversation: count requests instead

    def respond(agent: str, turn: int, request: Request) -> dict[str, Any]:
        n = next(calls)
        if n < 8:
            return {"tool_calls": [{"name": "read", "input": {"path": f"f{n}.txt"}}]}
        return {"text": "read them all"}

    provider = RoutedProvider(respond)
    h = make_harness(provider)
    h.agent.compactor = Compactor(
        CompactionSettings(window=9000, threshold=0.7, target=0.4, keep_results=2),
        prefix_tokens=1500,
    )
    result = await h.agent.run("read every file")
    assert result.text == "read them all"
    compactor = h.agent.compactor
    assert compactor.reports, "expected at least one compaction"
    requests = [r for _, r in provider.requests]
    for r in requests:
        assert r.tools == requests[0].tools and r.system == requests[0].system
        assert_valid(r.messages)
        assert r.messages[0].content[0] == TextBlock("read every file")
    # The ledger saw the conversation rewritten but never the prefix.
    breaks = [
        e.data["message"]
        for e in h.events
        if e.kind == "notice" and "cache break" in e.data["message"]
    ]
    assert breaks and all("conversation rewritten" in b for b in breaks)
    assert not any("segment" in b for b in breaks)
    # The transcript still has every tool result in full, and resumes compacted.
    records = h.transcript.records()
    full = [
        b["content"]
        for r in records
        if r.get("type") == "message"
        for b in r["message"]["content"]
        if b.get("type") == "tool_result"
    ]
    assert len(full) == 8 and all("content line" in c for c in full)
    assert any(r.get("type") == "compaction" for r in records)
    _, resumed = replay(records)
    assert [m.to_dict() for m in resumed] == [m.to_dict() for m in h.agent.messages]
    assert len(resumed) < 18  # 1 + 8 pairs + the answer, had nothing been compacted


async def test_compaction_on_the_loopback_still_reads_the_cached_prefix(
    make_harness: Any, workspace: Path, tmp_path: Path
) -> None:
    """A summary request and every request after compaction read tools + system from cache."""
    for i in range(6):
        (workspace / f"f{i}.txt").write_text("".join(f"row {i}.{j}\n" for j in range(400)))

    calls = iter(range(100))

    def respond(body: dict[str, Any]) -> dict[str, Any]:
        last = body["messages"][-1]["content"]
        if any(SUMMARISE_INSTRUCTION in (b.get("text") or "") for b in last):
            return {"text": "read f0..f3; rows are numbered"}
        done = next(calls)
        if done < 6:
            return {"tool_calls": [{"name": "read", "input": {"path": f"f{done}.txt"}}]}
        return {"text": "finished"}

    log = tmp_path / "log.jsonl"
    with AnthropicLoopback(responder=respond) as srv:
        provider = AnthropicProvider("claude-sonnet-4-6", "sk-test", srv.base_url, RequestLog(log))
        h = make_harness(provider)
        h.agent.compactor = Compactor(
            CompactionSettings(window=12_000, threshold=0.6, target=0.3, keep_results=1),
            prefix_tokens=2500,
            summarizer=ModelSummarizer(
                provider, h.agent.prefix, ledger=h.ledger, session_id=h.agent.session_id
            ),
        )
        result = await h.agent.run("read the files")
        await provider.aclose()
    assert result.text == "finished"
    reports = h.agent.compactor.reports
    assert any(r.summarised_messages for r in reports)
    records = [json.loads(line) for line in log.read_text().splitlines()]
    first = records[0]["request"]
    prefix_tokens = sum(p.tokens for p in prompt_pieces({**first, "messages": []}))
    for rec in records[1:]:
        assert rec["usage"]["cache_read"] >= prefix_tokens, rec["usage"]
        assert json.dumps(rec["request"]["tools"]) == json.dumps(first["tools"])
    summary_requests = [
        r
        for r in records
        if any(
            SUMMARISE_INSTRUCTION in (b.get("text") or "")
            for b in r["request"]["messages"][-1]["content"]
        )
    ]
    assert summary_requests
    from wakeful.prompt.ledger import read_costs

    agents = {r.agent for r in read_costs(h.paths.state_db, h.agent.session_id)}
    assert "main/compaction" in agents
