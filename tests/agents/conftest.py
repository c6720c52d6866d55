"""Shared set-up for the coordination tests: a root agent with the real tools, transcript,
ledger and coordinator, and providers that answer per agent (workers run concurrently, so
a fixed turn order would be a race)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from wakeful.agents.coordinator import Coordinator, attach
from wakeful.core.config import Config
from wakeful.core.events import Event, LoopEvent, Stop, TextDelta, ToolCall, UsageEvent
from wakeful.core.messages import TextBlock
from wakeful.core.paths import Paths
from wakeful.core.request import Request
from wakeful.core.usage import Usage
from wakeful.loop.agent import Agent, Limits
from wakeful.loop.dispatch import Dispatcher
from wakeful.loop.session import Transcript
from wakeful.policy.types import Decision
from wakeful.prompt.ledger import CacheLedger
from wakeful.prompt.prefix import build_prefix
from wakeful.providers.scripted import request_body
from wakeful.tools.base import Tool, ToolContext, schema_of
from wakeful.tools.delegate import delegate_tools

WORKER_RE = re.compile(r"You are ((?:fork|fresh)-\d+)")
Turn = dict[str, Any]


def agent_of_messages(messages: list[dict[str, Any]]) -> str:
    """Which agent sent a request: the last worker introduction in its user text, or main."""
    name = "main"
    for m in messages:
        if m.get("role") != "user":
            continue
        content = m.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for b in blocks or []:
            if b.get("type") == "text":
                found = WORKER_RE.findall(b.get("text", ""))
                if found:
                    name = found[-1]
    return name


def turns_of(messages: list[dict[str, Any]]) -> int:
    """How many replies this agent already gave since its task (0 on its first request)."""
    name = agent_of_messages(messages)
    start = 0
    if name != "main":
        for i, m in enumerate(messages):
            content = m.get("content")
            blocks = content if isinstance(content, list) else []
            if any(name in b.get("text", "") for b in blocks if b.get("type") == "text"):
                start = i
    return sum(1 for m in messages[start:] if m.get("role") == "assistant")


class AllowAll:
    """A policy that allows everything (the policy layer is tested on its own)."""

    async def decide(self, risk: Any, ctx: Any) -> Decision:
        return Decision("read_only", "allow", ["test policy"])


@dataclass
class RoutedProvider:
    """Answers each request with `respond(agent, turn_index, request)`; a turn is the
    scripted-provider format, or an Exception to raise, or an awaitable hook via `gate`."""

    respond: Callable[[str, int, Request], Turn]
    name: str = "scripted"
    model: str = "routed"
    requests: list[tuple[str, Request]] = field(default_factory=list)
    gate: Callable[[str, int], Any] | None = None
    in_flight: int = 0
    max_in_flight: int = 0

    async def stream(self, request: Request) -> AsyncIterator[Event]:
        body = request_body(request)
        agent = agent_of_messages(body["messages"])
        turn_index = turns_of(body["messages"])
        # The loop hands over its live message list; keep what was sent.
        request = dataclasses.replace(request, messages=list(request.messages))
        self.requests.append((agent, request))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.gate is not None:
                await self.gate(agent, turn_index)
            await asyncio.sleep(0)
            turn = self.respond(agent, turn_index, request)
        finally:
            self.in_flight -= 1
        if isinstance(turn, BaseException):
            raise turn
        if turn.get("text"):
            yield TextDelta(turn["text"])
        for i, call in enumerate(turn.get("tool_calls") or []):
            yield ToolCall(
                call.get("id") or f"{agent}_{turn_index}_{i}",
                call["name"],
                call.get("input", {}),
                json.dumps(call.get("input", {})),
            )
        prompt = len(json.dumps(body)) // 4
        yield UsageEvent(Usage(input=prompt, output=10))
        yield Stop("tool_use" if turn.get("tool_calls") else "end_turn")

    async def aclose(self) -> None:
        return None


@dataclass
class Harness:
    agent: Agent
    coordinator: Coordinator
    events: list[LoopEvent]
    paths: Paths
    ledger: CacheLedger
    transcript: Transcript

    def notices(self) -> list[str]:
        return [e.data["message"] for e in self.events if e.kind == "notice"]


def all_tools() -> list[Tool]:
    from wakeful.tools.registry import default_tools

    return [*default_tools(), *delegate_tools(Config())]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    return ws


@pytest.fixture
def make_harness(workspace: Path) -> Callable[..., Harness]:
    def make(
        provider: Any,
        agents: dict[str, Any] | None = None,
        compaction: bool = False,
        answerer: Any = None,
        max_tokens: int = 512,
    ) -> Harness:
        paths = Paths(workspace, workspace / ".user", workspace / ".user")
        paths.ensure()
        config = Config()
        for key, value in (agents or {}).items():
            config.set("agents", key, value=value)
        tools = all_tools()
        transcript = Transcript.create(paths.sessions, {"model": provider.model})
        ledger = CacheLedger(paths.state_db)
        ctx = ToolContext(
            paths=paths, config=config, session_id=transcript.session_id, cwd=workspace
        )
        events: list[LoopEvent] = []
        dispatcher = Dispatcher(tools, AllowAll(), ctx, on_event=events.append)
        prefix = build_prefix([schema_of(t) for t in tools], "You are a test agent. " * 40, "", "")
        agent = Agent(
            provider=provider,
            prefix=prefix,
            dispatcher=dispatcher,
            ctx=ctx,
            transcript=transcript,
            ledger=ledger,
            limits=Limits(max_turns=20, max_tokens=max_tokens),
            on_event=events.append,
        )
        coordinator = attach(agent, config, answerer=answerer, compaction=compaction)
        return Harness(agent, coordinator, events, paths, ledger, transcript)

    return make


def text_of_last_user(request: Request) -> str:
    last = request.messages[-1]
    return "".join(b.text for b in last.content if isinstance(b, TextBlock))
