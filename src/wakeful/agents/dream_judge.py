"""The dream's model step: one yes/no question per candidate pair of memories.

Rules hand over the pairs they could neither merge nor tell apart (`consolidate.Candidate`:
the same anchors, the same identifiers, numbers and negations, no swapped word or
direction, enough rare words in common). For each pair the model is asked whether one note
says what the other says, and a pair counts as the same fact only when it answers "yes" in
both directions; anything else (a "no", an error, a reply that is neither word) leaves the
pair alone. The reply is held to "yes" or "no" (`Request.choices`: a grammar on the
embedded model), so a 1.5B model on two CPU cores answers in one token after a fixed prompt
whose KV cache is reused from question to question.

The model calls no tools and writes no memory text: the dream merges a confirmed pair
keeping the newer record's text, so its only power is a yes over pairs rules already found
indistinguishable. Memory text can come from transcripts and may try to steer the answer;
the worst it can do is such a merge, which is archived and can be restored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from wakeful.core.events import TextDelta, UsageEvent
from wakeful.core.messages import Message
from wakeful.core.request import Request, SystemSegment
from wakeful.core.usage import Usage
from wakeful.memory.types import MemoryRecord

JUDGE_PROMPT = """You compare two notes an agent wrote about a codebase and answer whether they state the same fact.
Answer "yes" only when both notes say the same thing about the same names in other words: the same actor, the same action, the same objects, the same order.
Answer "no" when they state different facts: a different action or relation between the same names, names in other roles, another value, or a claim one makes and the other does not.
Answer with one word: yes or no."""

# Worked examples, shown as earlier turns of the conversation (small models follow a
# pattern of turns better than a list in the instructions). They are part of the fixed
# prompt, so their KV cache is computed once.
EXAMPLES: tuple[tuple[str, str, str], ...] = (
    (
        "parse_args() in cli.py reads the --config flag before loading plugins.",
        "Plugins are loaded by cli.py only after parse_args() has read --config.",
        "yes",
    ),
    (
        "parse_args() in cli.py reads the --config flag before loading plugins.",
        "When loading plugins fails, cli.py calls parse_args() again with --config.",
        "no",
    ),
    (
        "The cache module evicts entries older than ttl on every write.",
        "On each write, entries past their ttl are dropped from the cache module.",
        "yes",
    ),
    (
        "The cache module evicts entries older than ttl on every write.",
        "The cache module logs every write together with its ttl.",
        "no",
    ),
    (
        "Sessions in auth.py expire after idle_timeout and are then deleted by sweep().",
        "sweep() deletes sessions once idle_timeout has passed; see auth.py.",
        "yes",
    ),
    (
        "Sessions in auth.py expire after idle_timeout and are then deleted by sweep().",
        "auth.py: sweep() extends idle_timeout for sessions it touches.",
        "no",
    ),
)
ANSWERS = ("yes", "no")


def question(first: str, second: str) -> str:
    return (
        f"A: {' '.join(first.split())}\nB: {' '.join(second.split())}\n"
        "Do A and B state the same fact? Answer yes or no."
    )


def build_request(model: str, first: str, second: str) -> Request:
    """One question; everything before the last user turn is the same for every pair."""
    messages: list[Message] = []
    for a, b, answer in EXAMPLES:
        messages += [Message.user(question(a, b)), Message.assistant(answer)]
    messages.append(Message.user(question(first, second)))
    return Request(
        model=model,
        system=[SystemSegment("dream-judge", JUDGE_PROMPT)],
        messages=messages,
        max_tokens=4,
        temperature=0.0,
        choices=ANSWERS,
    )


def parse_answer(text: str) -> bool | None:
    """True for yes, False for no, None for anything else (which leaves the pair alone)."""
    words = text.strip().lower().split()
    if not words:
        return None
    first = words[0].strip(".,!:;\"'`*")
    if first == "yes":
        return True
    if first == "no":
        return False
    return None


@dataclass
class JudgeResult:
    """One verdict per pair, in order: True (the same fact, both ways), False (a no, or a
    reply that is neither word), or None (not decided: a provider error stopped the run)."""

    verdicts: list[bool | None] = field(default_factory=list)
    calls: int = 0
    usage: Usage = field(default_factory=Usage)
    errors: list[str] = field(default_factory=list)
    unreadable: int = 0


async def judge_pairs(
    pairs: Sequence[tuple[MemoryRecord, MemoryRecord]],
    *,
    provider: Any,
) -> JudgeResult:
    """Ask `provider` about each pair: A then B, and B then A only if the first was a yes.

    A provider error stops the run (the remaining pairs stay undecided and are asked again
    by a later dream): a model that fails once usually fails again, and each failure can
    cost a timeout."""
    result = JudgeResult()
    model = str(getattr(provider, "model", ""))
    for a, b in pairs:
        if result.errors:
            result.verdicts.append(None)
            continue
        verdict: bool | None = True
        for first, second in ((a, b), (b, a)):
            try:
                text, usage = await _ask(provider, build_request(model, first.text, second.text))
            except Exception as exc:  # a provider failure decides nothing: fail closed
                result.errors.append(f"{type(exc).__name__}: {exc}")
                verdict = None
                break
            result.calls += 1
            result.usage = result.usage + usage
            answer = parse_answer(text)
            if answer is None:
                result.unreadable += 1
            if answer is not True:
                verdict = False  # a no, or a reply that is neither word: left alone
                break
        result.verdicts.append(verdict)
    return result


async def _ask(provider: Any, request: Request) -> tuple[str, Usage]:
    parts: list[str] = []
    usage = Usage()
    async for event in provider.stream(request):
        if isinstance(event, TextDelta):
            parts.append(event.text)
        elif isinstance(event, UsageEvent):
            usage = usage + event.usage
    return "".join(parts), usage
