"""The agent loop, small enough to read in one sitting.

A user turn: recall hints -> ask the model -> run the tools it called (each checked by the
policy first) -> feed results back -> repeat until the model stops calling tools or a limit
is reached. Everything else (providers, tools, policy, memory, caching) lives in the layer
that owns it; this file only wires them together.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from wakeful.core import tool_names
from wakeful.core.errors import BudgetExceeded, ProviderError, WakefulError
from wakeful.core.events import LoopEvent, Stop, TextDelta, ToolCall, UsageEvent
from wakeful.core.messages import Message, TextBlock, ToolResultBlock, ToolUseBlock
from wakeful.core.settings import Settings
from wakeful.core.usage import Usage
from wakeful.loop.dispatch import Dispatcher
from wakeful.loop.preread import PREREAD_MAX_FILES, imported_files, named_files
from wakeful.loop.retry import RetryPolicy, with_retries
from wakeful.loop.session import Transcript
from wakeful.loop.task_checks import TaskChecks
from wakeful.prompt.ledger import CacheLedger
from wakeful.prompt.prefix import Prefix
from wakeful.providers.base import Provider
from wakeful.tools.base import ToolContext

EventSink = Callable[[LoopEvent], None]
# Recalled memory follows the user's words after this separator, so that what the user
# typed can be told apart from what memory added (the reviewer must only see the former).
HINTS_SEPARATOR = "\n\n<memory>"
# Likewise for what hooks add (extensions): context after a prompt, feedback on a stop.
HOOK_SEPARATOR = "\n\n<hook-context>"
HOOK_FEEDBACK = "<hook-feedback>"


class TurnHooks(Protocol):
    """Extension hooks at a turn's edges (wakeful.extensions.session.Extensions)."""

    async def prompt_submit(self, agent: str, text: str) -> tuple[str | None, str]: ...

    async def stop(self, agent: str, blocks_so_far: int) -> str | None: ...


class Compactor(Protocol):
    async def maybe_compact(self, messages: list[Message], last: Usage) -> list[Message] | None: ...


_RUN = Settings()  # the defaults of the run limits


@dataclass(frozen=True)
class Limits:
    max_turns: int = _RUN.max_turns
    max_tokens: int = _RUN.max_tokens
    max_session_tokens: int = _RUN.max_session_tokens
    max_wall_seconds: float = _RUN.max_wall_seconds


@dataclass
class TurnResult:
    text: str
    is_error: bool
    turns: int
    usage: Usage
    stop_reason: str
    error: str | None = None


@dataclass
class _Response:
    text: str = ""
    calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    stop: str = "end_turn"


class Agent:
    def __init__(
        self,
        *,
        provider: Provider,
        prefix: Prefix,
        dispatcher: Dispatcher,
        ctx: ToolContext,
        transcript: Transcript | None = None,
        ledger: CacheLedger | None = None,
        messages: list[Message] | None = None,
        limits: Limits | None = None,
        on_event: EventSink | None = None,
        name: str = "main",
        recall: Callable[[str], str] | None = None,
        compactor: Compactor | None = None,
        fixed_breakpoints: list[int] | None = None,
        prompt_cache_key: str | None = None,
        retry: RetryPolicy | None = None,
        user_words: list[str] | None = None,
        turn_hooks: TurnHooks | None = None,
        preread: bool = False,
        task_checks: bool = False,
    ) -> None:
        self.provider = provider
        self.prefix = prefix
        self.dispatcher = dispatcher
        self.ctx = ctx
        self.transcript = transcript
        self.ledger = ledger
        self.messages: list[Message] = list(messages or [])
        self.limits = limits or Limits()
        self.on_event = on_event or (lambda event: None)
        self.name = name
        self.recall = recall
        self.compactor = compactor
        self.fixed_breakpoints = list(fixed_breakpoints or [])
        self.prompt_cache_key = prompt_cache_key
        self.retry = retry or RetryPolicy()
        self.turn_hooks = turn_hooks
        # Read the files a user turn names before the model's first reply (see loop.preread).
        self.preread = preread
        # Check what the task visibly left undone before an answer ends it (loop.task_checks).
        self.task_checks = task_checks
        self.usage = Usage()
        self.requests = 0
        # What the user typed, recorded when it is typed (`run`'s argument): the reviewer's
        # only view of the user. Never rebuilt from messages by role: a compaction summary,
        # recalled memory or a sub-agent's task also sit in "user" messages.
        self.user_words: list[str] = list(user_words or [])

    @property
    def session_id(self) -> str:
        return self.ctx.session_id

    async def run(self, user_text: str) -> TurnResult:
        """One user turn. Cancelling the task stops it cleanly and keeps the transcript valid."""
        started = time.monotonic()
        turn_usage = Usage()
        extra = ""
        if self.turn_hooks is not None:  # UserPromptSubmit (and SessionStart context)
            blocked, extra = await self.turn_hooks.prompt_submit(self.name, user_text)
            if blocked is not None:
                self.on_event(LoopEvent("error", {"message": blocked}))
                return TurnResult("", True, 0, turn_usage, "blocked", blocked)
        hints = self.recall(user_text) if self.recall else ""
        if hints and not hints.startswith("<memory>"):
            hints = f"<memory>\n{hints}\n</memory>"
        text = user_text + ("\n\n" + hints if hints else "")
        self.user_words.append(user_text)
        if self.transcript:
            self.transcript.append({"type": "user_words", "agent": self.name, "text": user_text})
        if extra:
            text += f"{HOOK_SEPARATOR}\n{extra}\n</hook-context>"
        stop_blocks = 0
        checks = TaskChecks(user_text, self._instructions(), self.ctx) if self.task_checks else None
        task = Message("user", [TextBlock(text)])
        self._append(task)
        last_text = ""
        step = 0
        try:
            if self.preread:
                await self._preread(user_text)
            for step in range(1, self.limits.max_turns + 1):
                self._check_budgets(started)
                response = await self._complete()
                turn_usage = turn_usage + response.usage
                last_text = response.text or last_text
                blocks: list[Any] = [TextBlock(response.text)] if response.text else []
                blocks += [
                    ToolUseBlock(c.id, c.name, c.input if c.input is not None else {})
                    for c in response.calls
                ]
                # An empty text block is rejected by some APIs on the next request.
                self._append(Message("assistant", blocks or [TextBlock("(no response)")]))
                if not response.calls:
                    why = (
                        await self.turn_hooks.stop(self.name, stop_blocks)
                        if self.turn_hooks is not None
                        else None
                    )
                    if why is None:
                        finding = (
                            await checks.after_answer(self._turn_messages(task))
                            if checks is not None
                            else None
                        )
                        if finding is None:
                            return TurnResult(response.text, False, step, turn_usage, response.stop)
                        # Visibly not done: say what is left, read its files, carry on.
                        if self.transcript:
                            self.transcript.append(
                                {"type": "task_check", "agent": self.name, "kind": finding.kind}
                            )
                        self._append(Message("user", [TextBlock(finding.note)]))
                        await self._read_for_model(finding.paths)
                        continue
                    stop_blocks += 1  # a Stop hook asks the model to carry on
                    feedback = (
                        f"{HOOK_FEEDBACK}\nA Stop hook blocked stopping: {why}\n</hook-feedback>"
                    )
                    self._append(Message("user", [TextBlock(feedback)]))
                    continue
                results = await self.dispatcher.run(response.calls, self._user_messages())
                self._append(Message("user", list(results)))
            raise BudgetExceeded(
                f"stopped after {self.limits.max_turns} model turns (max_turns); "
                "raise it with --max-turns or in config"
            )
        except asyncio.CancelledError:
            self._repair_after_cancel()
            raise
        except (BudgetExceeded, ProviderError) as exc:
            self.on_event(LoopEvent("error", {"message": str(exc)}))
            if self.transcript:
                self.transcript.append({"type": "error", "agent": self.name, "message": str(exc)})
            return TurnResult(last_text, True, step, turn_usage, "error", str(exc))

    async def _preread(self, user_text: str) -> None:
        """Read the files `user_text` names (not yet read, or changed since) as the model's
        own `read` calls would: through the dispatcher, so policy, hooks and audit apply."""
        if tool_names.READ not in self.dispatcher.tools:
            return
        cwd = self.ctx.cwd or self.ctx.workspace
        paths = []
        named = named_files(user_text, self.ctx.workspace, cwd)
        for rel in list(named):
            for module in imported_files(rel, self.ctx.workspace, cwd):
                if module not in named and len(named) < PREREAD_MAX_FILES:
                    named.append(module)
        for rel in named:
            path = self.ctx.resolve(rel)
            seen = self.ctx.read_stamps.get(str(path))
            try:
                st = path.stat()
            except OSError:
                continue
            if seen != (st.st_mtime_ns, st.st_size):
                paths.append(rel)
        if paths and self.transcript:
            self.transcript.append({"type": "preread", "agent": self.name, "paths": paths})
        await self._read_for_model(paths)

    async def _read_for_model(self, paths: list[str]) -> None:
        """`read` calls made for the model (ids marked as the loop's own), through the
        dispatcher, with their results, as if the model had made them."""
        if not paths or tool_names.READ not in self.dispatcher.tools:
            return
        calls = [
            ToolCall(
                f"{tool_names.PREREAD_CALL_PREFIX}{uuid.uuid4().hex[:12]}",
                tool_names.READ,
                {"path": rel},
                raw_arguments=json.dumps({"path": rel}),
            )
            for rel in paths
        ]
        self._append(
            Message("assistant", [ToolUseBlock(c.id, c.name, dict(c.input or {})) for c in calls])
        )
        results = await self.dispatcher.run(calls, self._user_messages())
        self._append(Message("user", list(results)))

    def _instructions(self) -> str:
        """The project's instructions as the prompt holds them (the prefix's segment)."""
        for segment in self.prefix.segments:
            if segment.name == "instructions":
                return segment.text
        return ""

    def _turn_messages(self, task: Message) -> list[Message]:
        """This turn's messages, from the user's message on (all of them after a compaction
        that summarised it away)."""
        for index in range(len(self.messages) - 1, -1, -1):
            if self.messages[index] is task:
                return self.messages[index:]
        return list(self.messages)

    # -- model -------------------------------------------------------------------------

    async def _complete(self) -> _Response:
        if self.compactor is not None:
            compacted = await self.compactor.maybe_compact(self.messages, self.usage)
            if compacted is not None:
                self.messages = compacted
                if self.transcript:
                    self.transcript.append(
                        {
                            "type": "compaction",
                            "agent": self.name,
                            "messages": [m.to_dict() for m in compacted],
                        }
                    )
        breakpoints = sorted({*self.fixed_breakpoints, len(self.messages) - 1})
        request = self.prefix.request(
            self.provider.model,
            self.messages,
            self.limits.max_tokens,
            message_breakpoints=[b for b in breakpoints if 0 <= b < len(self.messages)],
            prompt_cache_key=self.prompt_cache_key,
        )

        async def attempt() -> _Response:
            out = _Response()
            async for event in self.provider.stream(request):
                if isinstance(event, TextDelta):
                    out.text += event.text
                    self.on_event(LoopEvent("text", {"text": event.text, "agent": self.name}))
                elif isinstance(event, ToolCall):
                    out.calls.append(event)
                elif isinstance(event, UsageEvent):
                    out.usage = out.usage + event.usage
                elif isinstance(event, Stop):
                    out.stop = event.reason
            return out

        def notify(n: int, wait: float, exc: Exception) -> None:
            self.on_event(LoopEvent("notice", {"message": f"{exc}; retry {n} in {wait:.1f}s"}))

        response = await with_retries(attempt, self.retry, notify)
        self.requests += 1
        self.usage = self.usage + response.usage
        if self.transcript:
            self.transcript.usage(response.usage, self.name)
        if self.ledger:
            entry = self.ledger.record(
                self.session_id,
                self.name,
                self.provider.name,
                self.provider.model,
                self.prefix,
                self.messages,
                response.usage,
            )
            if entry.cache_break:
                self.on_event(LoopEvent("notice", {"message": f"cache break: {entry.cache_break}"}))
        self.on_event(LoopEvent("usage", {"usage": response.usage.to_dict(), "agent": self.name}))
        return response

    # -- bookkeeping -------------------------------------------------------------------

    def _append(self, message: Message) -> None:
        self.messages.append(message)
        if self.transcript:
            self.transcript.message(message, self.name)

    def _user_messages(self) -> list[str]:
        """What the user typed, for the reviewer, tracked by provenance: never the assistant's
        prose, tool output, a compaction summary or recalled memory."""
        return list(self.user_words)

    def _check_budgets(self, started: float) -> None:
        if self.usage.total >= self.limits.max_session_tokens:
            raise BudgetExceeded(
                f"session token budget reached ({self.usage.total} >= "
                f"{self.limits.max_session_tokens}); raise max_session_tokens in config"
            )
        if time.monotonic() - started > self.limits.max_wall_seconds:
            raise BudgetExceeded(
                f"wall-time budget reached ({self.limits.max_wall_seconds:.0f}s); "
                "raise max_wall_seconds in config"
            )

    def _repair_after_cancel(self) -> None:
        """Answer dangling tool calls so the conversation stays valid for the next turn."""
        if self.messages and self.messages[-1].role == "assistant":
            dangling = self.messages[-1].tool_uses
            if dangling:
                self._append(
                    Message(
                        "user",
                        [
                            ToolResultBlock(t.id, "cancelled by the user", is_error=True)
                            for t in dangling
                        ],
                    )
                )
        self.dispatcher.discard_staged()
        if self.transcript:
            self.transcript.append({"type": "interrupted", "agent": self.name, "time": time.time()})


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, WakefulError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"
