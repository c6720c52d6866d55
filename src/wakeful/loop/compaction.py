"""Context compaction: make room in the model's window without breaking the cached prefix.

Two stages, cheapest first. Old tool results are cleared (their tool_use/tool_result pairs
stay, so the conversation remains valid); tool output dominates agent conversations, so this
usually frees most of the space and costs no model call. If that is not enough, older turns
are replaced by a summary appended to the first message of the summarised span.

What is never touched: the prompt prefix (tools and system segments are not part of the
messages, so the prefix fingerprint cannot change), and a protected head of the conversation
(a fork's inherited context), so the provider's cache for both survives; only what follows
the edit point is read again. The transcript keeps the full history: the loop appends a
`compaction` record and never rewrites earlier lines.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from wakeful.core import settings as schema
from wakeful.core.config import Config
from wakeful.core.events import TextDelta, UsageEvent
from wakeful.core.messages import Message, TextBlock, ToolResultBlock, ToolUseBlock
from wakeful.core.usage import Usage

Summarizer = Callable[[list[Message]], Awaitable[str]]

CLEARED = (
    "[old tool result cleared to save context: {chars} characters; the full text is in the "
    "session transcript — call the tool again if you need it]"
)
SUMMARY_HEADER = (
    "[Earlier turns of this conversation were compacted to save context. Summary of what "
    "happened in them:]\n"
)
SUMMARISE_INSTRUCTION = (
    "Context is running out. Summarise the conversation so far for yourself, so that you can "
    "continue the task from the summary alone: the goal, decisions made, files read or "
    "changed (with paths), facts learned, what is done and what is left. Be concise and "
    "concrete; do not call tools."
)

# Context windows in tokens, by model-name prefix (longest prefix wins).
WINDOWS: dict[str, int] = {
    "claude": 200_000,
    "gpt-4o": 128_000,
    "gpt-4.1": 1_000_000,
    "gpt-5": 400_000,
    "o1": 200_000,
    "o3": 200_000,
    "o4": 200_000,
}
DEFAULT_WINDOW = 128_000


def context_window(provider: str, model: str, config: Config) -> int:
    """The window to compact against: `[compaction] window` if set, else by model name."""
    settings = config.settings
    if settings.compaction.window > 0:
        return settings.compaction.window
    if provider == "local":
        return settings.local.n_ctx
    for prefix in sorted(WINDOWS, key=len, reverse=True):
        if model.startswith(prefix):
            return WINDOWS[prefix]
    return DEFAULT_WINDOW


_DEFAULT = schema.CompactionSettings()


@dataclass(frozen=True)
class CompactionSettings:
    """When and how far to compact. Shares are fractions of `window` (tokens)."""

    window: int
    threshold: float = _DEFAULT.threshold
    target: float = _DEFAULT.target
    keep_results: int = _DEFAULT.keep_results
    min_clear_chars: int = 400
    chars_per_token: float = 3.5
    summary_chars: int = 6000

    @classmethod
    def from_config(cls, window: int, config: Config) -> CompactionSettings:
        section = config.settings.compaction
        return cls(
            window=window,
            threshold=section.threshold,
            target=section.target,
            keep_results=section.keep_results,
        )


@dataclass
class CompactionReport:
    """What one compaction did, for the UI and for tests."""

    before_tokens: int
    after_tokens: int
    cleared_results: int = 0
    summarised_messages: int = 0
    edit_point: int = 0


def _message_chars(message: Message) -> int:
    """Serialised size, memoised on the message (messages are not mutated once appended)."""
    cached = message.__dict__.get("_wakeful_chars")
    if cached is None:
        cached = len(json.dumps(message.to_dict(), ensure_ascii=False))
        message.__dict__["_wakeful_chars"] = cached
    return cached


class Compactor:
    """Implements the loop's `Compactor` protocol; one per agent (it tracks usage deltas).

    `protect` leading messages are kept byte for byte. `prefix_tokens` is the size of the
    tools and system segments, which count against the window but are never compacted.
    """

    def __init__(
        self,
        settings: CompactionSettings,
        *,
        prefix_tokens: int = 0,
        protect: int = 0,
        summarizer: Summarizer | None = None,
    ) -> None:
        self.settings = settings
        self.prefix_tokens = prefix_tokens
        self.protect = protect
        self.summarizer = summarizer
        self.reports: list[CompactionReport] = []
        self._last_total: Usage | None = None

    # -- sizing ------------------------------------------------------------------------

    def estimate(self, messages: list[Message]) -> int:
        chars = sum(_message_chars(m) for m in messages)
        return self.prefix_tokens + int(chars / self.settings.chars_per_token)

    def _measured(self, cumulative: Usage) -> int:
        """Size of the last request plus its reply, from the usage the provider reported.

        The loop passes the agent's running total, so the last request is the difference
        from the total seen at the previous call."""
        prev = self._last_total or Usage()
        self._last_total = cumulative
        delta = Usage(
            cumulative.input - prev.input,
            cumulative.output - prev.output,
            cumulative.cache_read - prev.cache_read,
            cumulative.cache_write - prev.cache_write,
        )
        return max(0, delta.prompt_tokens + delta.output)

    # -- the protocol --------------------------------------------------------------------

    async def maybe_compact(self, messages: list[Message], last: Usage) -> list[Message] | None:
        s = self.settings
        measured = self._measured(last)
        before = max(self.estimate(messages), measured)
        if before < s.threshold * s.window:
            return None
        goal = int(s.target * s.window)
        cleared, count = self.clear_old_results(messages)
        after = self.estimate(cleared)
        summarised = 0
        edit_point = _first_difference(messages, cleared)
        result = cleared
        if after > goal:
            compacted = await self.summarise_older(cleared, goal)
            if compacted is not None:
                result, summarised, point = compacted
                edit_point = min(edit_point, point)
                after = self.estimate(result)
        if count == 0 and summarised == 0:
            return None
        self.reports.append(CompactionReport(before, after, count, summarised, edit_point))
        # The next call's usage delta describes the compacted context, not this one.
        return result

    # -- stage 1: clear old tool results ---------------------------------------------------

    def clear_old_results(self, messages: list[Message]) -> tuple[list[Message], int]:
        """Replace the content of all but the newest `keep_results` tool results."""
        positions = [
            (i, j)
            for i, m in enumerate(messages)
            if i >= self.protect and m.role == "user"
            for j, b in enumerate(m.content)
            if isinstance(b, ToolResultBlock)
        ]
        keep = (
            set(positions[-self.settings.keep_results :]) if self.settings.keep_results else set()
        )
        out = list(messages)
        count = 0
        for i, j in positions:
            if (i, j) in keep:
                continue
            block = out[i].content[j]
            assert isinstance(block, ToolResultBlock)
            if len(block.content) < self.settings.min_clear_chars or block.content.startswith(
                "[old tool result cleared"
            ):
                continue
            content = list(out[i].content)
            content[j] = ToolResultBlock(
                block.tool_use_id, CLEARED.format(chars=len(block.content)), block.is_error
            )
            out[i] = Message(out[i].role, content)
            count += 1
        return out, count

    # -- stage 2: summarise older turns ----------------------------------------------------

    async def summarise_older(
        self, messages: list[Message], goal: int
    ) -> tuple[list[Message], int, int] | None:
        """Summarise messages[a+1:cut] into messages[a]; returns (messages, count, a).

        `a` is the first user message at or after the protected head (its own content, e.g.
        a task statement or tool results answering the head, is kept); `cut` is an assistant
        message, so the kept tail starts with a reply whose tool results follow it."""
        a = next(
            (i for i in range(self.protect, len(messages)) if messages[i].role == "user"), None
        )
        if a is None:
            return None
        head_tokens = self.estimate(messages[: a + 1])
        allowance = int(self.settings.summary_chars / self.settings.chars_per_token)
        budget = goal - head_tokens - allowance
        candidates = [c for c in range(a + 2, len(messages)) if messages[c].role == "assistant"]
        if not candidates:
            return None
        cut = candidates[-1]
        for c in candidates:
            if self.estimate(messages[c:]) - self.prefix_tokens <= budget:
                cut = c
                break
        span = messages[a + 1 : cut]
        summary = await self._summarise(messages[:cut], span)
        summary = summary.strip()[: self.settings.summary_chars] or extractive_summary(span)
        merged = Message(
            messages[a].role, [*messages[a].content, TextBlock(SUMMARY_HEADER + summary)]
        )
        return [*messages[:a], merged, *messages[cut:]], len(span), a

    async def _summarise(self, upto: list[Message], span: list[Message]) -> str:
        if self.summarizer is None:
            return extractive_summary(span)
        try:
            return await self.summarizer(upto)
        except Exception as exc:  # a failed summary must not take the turn down
            return extractive_summary(span) + f"\n(model summary failed: {exc})"


def _first_difference(a: list[Message], b: list[Message]) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x.to_dict() != y.to_dict():
            return i
    return min(len(a), len(b))


def extractive_summary(messages: list[Message], limit: int = 6000) -> str:
    """A deterministic summary without a model: requests, replies, tool calls and outcomes."""
    lines: list[str] = []
    for m in messages:
        for b in m.content:
            if isinstance(b, TextBlock) and b.text.strip():
                who = "user" if m.role == "user" else "assistant"
                text = " ".join(b.text.split())
                lines.append(f"- {who}: {text[:300]}{'...' if len(text) > 300 else ''}")
            elif isinstance(b, ToolUseBlock):
                args = json.dumps(b.input, ensure_ascii=False)
                lines.append(f"- called {b.name}({args[:160]}{'...' if len(args) > 160 else ''})")
            elif isinstance(b, ToolResultBlock):
                first = b.content.strip().splitlines()[0][:120] if b.content.strip() else ""
                state = "error" if b.is_error else "ok"
                lines.append(f"  -> {state}: {first}")
    text = "\n".join(lines)
    if len(text) > limit:
        text = "[...]\n" + text[-limit:]
    return text


@dataclass
class ModelSummarizer:
    """Asks the agent's own model for the summary, on the agent's own prefix.

    The request is the cached prefix plus the conversation so far plus an instruction, so
    the provider reads nearly all of it from cache. Its usage is kept in `usage` (and in the
    ledger under `<agent>/compaction` when one is given).
    """

    provider: Any
    prefix: Any
    max_tokens: int = 2048
    ledger: Any = None
    session_id: str = ""
    agent: str = "main"
    usage: Usage = field(default_factory=Usage)

    async def __call__(self, upto: list[Message]) -> str:
        last = upto[-1]
        ask = Message(last.role, [*last.content, TextBlock(SUMMARISE_INSTRUCTION)])
        if last.role != "user":
            messages = [*upto, Message.user(SUMMARISE_INSTRUCTION)]
        else:
            messages = [*upto[:-1], ask]
        request = self.prefix.request(
            self.provider.model, messages, self.max_tokens, message_breakpoints=[len(messages) - 1]
        )
        text = ""
        usage = Usage()
        async for event in self.provider.stream(request):
            if isinstance(event, TextDelta):
                text += event.text
            elif isinstance(event, UsageEvent):
                usage = usage + event.usage
        self.usage = self.usage + usage
        if self.ledger is not None:
            self.ledger.record(
                self.session_id,
                f"{self.agent}/compaction",
                self.provider.name,
                self.provider.model,
                self.prefix,
                messages,
                usage,
            )
        return text
