"""The dream's model step: one yes/no question per candidate pair of memories.

Rules hand over the pairs they could neither merge nor tell apart (`consolidate.Candidate`:
the same anchors, the same identifiers, numbers and negations, no swapped word or
direction, enough rare words in common). For each pair the model is asked whether A and B
state the same fact and, on a yes, whether B and A state different facts: the pair counts
as the same fact only on "yes" then "no", so a small model's leaning towards "yes" (seen
in measurement: it confirmed 2 of 20 different relations both ways when asked "the same
fact?" twice) cannot merge by itself. Anything else (an error, a reply that is neither
word) leaves the pair alone. The reply is held to "yes" or "no" (`Request.choices`: a grammar on the
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

JUDGE_PROMPT = """You compare two notes an agent wrote about a codebase. You are asked either whether they state the same fact or whether they state different facts.
Two notes state the same fact when they say the same thing about the same names in other words: the same actor, the same action, the same objects, the same order.
They state different facts when they differ in the action or relation between the same names, in the roles of the names, in a value, or when one makes a claim the other does not.
Answer with one word: yes or no."""

SAME = "Do A and B state the same fact?"
DIFFERENT = "Do A and B state different facts?"

# Worked examples, shown as earlier turns of the conversation (small models follow a
# pattern of turns better than a list in the instructions), asked both ways so that a
# model inclined to say "yes" is seen answering "no" as often. They are part of the fixed
# prompt, so their KV cache is computed once.
EXAMPLES: tuple[tuple[str, str, str, str], ...] = (
    (
        "parse_args() in cli.py reads the --config flag before loading plugins.",
        "Plugins are loaded by cli.py only after parse_args() has read --config.",
        SAME,
        "yes",
    ),
    (
        "parse_args() in cli.py reads the --config flag before loading plugins.",
        "When loading plugins fails, cli.py calls parse_args() again with --config.",
        DIFFERENT,
        "yes",
    ),
    (
        "The cache module evicts entries older than ttl on every write.",
        "On each write, entries past their ttl are dropped from the cache module.",
        DIFFERENT,
        "no",
    ),
    (
        "The cache module evicts entries older than ttl on every write.",
        "The cache module logs every write together with its ttl.",
        SAME,
        "no",
    ),
    (
        "Sessions in auth.py expire after idle_timeout and are then deleted by sweep().",
        "sweep() deletes sessions once idle_timeout has passed; see auth.py.",
        SAME,
        "yes",
    ),
    (
        "Sessions in auth.py expire after idle_timeout and are then deleted by sweep().",
        "auth.py: sweep() extends idle_timeout for sessions it touches.",
        DIFFERENT,
        "yes",
    ),
)
ANSWERS = ("yes", "no")


def question(first: str, second: str, ask: str = SAME) -> str:
    return f"A: {' '.join(first.split())}\nB: {' '.join(second.split())}\n{ask} Answer yes or no."


def build_request(model: str, first: str, second: str, ask: str = SAME) -> Request:
    """One question; everything before the last user turn is the same for every pair."""
    messages: list[Message] = []
    for a, b, form, answer in EXAMPLES:
        messages += [Message.user(question(a, b, form)), Message.assistant(answer)]
    messages.append(Message.user(question(first, second, ask)))
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
    """Ask `provider` about each pair: whether A and B state the same fact, and only on a
    yes, whether B and A state different facts; the pair is the same fact on yes, then no.

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
        # "The same fact?" must be a yes, then "different facts?" (the other way round) a no.
        for first, second, ask, wanted in ((a, b, SAME, True), (b, a, DIFFERENT, False)):
            try:
                request = build_request(model, first.text, second.text, ask)
                text, usage = await _ask(provider, request)
            except Exception as exc:  # a provider failure decides nothing: fail closed
                result.errors.append(f"{type(exc).__name__}: {exc}")
                verdict = None
                break
            result.calls += 1
            result.usage = result.usage + usage
            answer = parse_answer(text)
            if answer is None:
                result.unreadable += 1
            if answer is not wanted:
                verdict = False  # the other answer, or a reply that is neither word
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
