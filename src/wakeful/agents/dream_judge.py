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

A model that can score its answers (the embedded one: `score_choices`, the log-probability
of "yes" and of "no" from one forward pass) is asked something it reads better than it
judges: "does this note say what this statement says?", B as the note and A as the
statement, then the other way round, behind a cached prefix of four worked examples. Its
answer counts as a yes only with a margin: log P(yes) - log P(no) of at least
`MIN_MARGIN` both ways (measured on the 1.5B coder model, 12 pairs of the benchmark's
2,000-memory corpus, each way: reworded duplicates 0.47-1.42, different relations over the same names
-0.13-0.22, different claims below -1.5). A pair that passes both ways faces a control: the
same note against an unrelated statement must get a "no" (margin below 0), so a model that
says yes to anything merges nothing. A model without scores gets the two questions above.

The model calls no tools and writes no memory text: the dream merges a confirmed pair
keeping the newer record's text, so its only power is a yes over pairs rules already found
indistinguishable. Memory text can come from transcripts and may try to steer the answer;
the worst it can do is such a merge, which is archived and can be restored.
"""

from __future__ import annotations

import math
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

# -- scored questions: reading, not judging ---------------------------------------------------

SUPPORT_PROMPT = (
    "You check whether a statement is supported by a note about a codebase. "
    "Answer with one word: yes or no."
)
# Worked examples, asked in the same form: a yes for the same fact in other words, a no for
# a different relation between the same names.
SUPPORT_EXAMPLES: tuple[tuple[str, str, str], ...] = (
    (
        "save() in store.py writes the record to disk and then updates the index.",
        "store.py updates the index only after save() has written the record.",
        "yes",
    ),
    (
        "save() in store.py writes the record to disk and then updates the index.",
        "When updating the index fails, store.py calls save() again.",
        "no",
    ),
    (
        "Requests to the billing API are signed with api_key by sign_request() in client.py.",
        "client.py: sign_request() logs api_key whenever a billing API request fails.",
        "no",
    ),
    (
        "Requests to the billing API are signed with api_key by sign_request() in client.py.",
        "client.py: sign_request() uses api_key to sign billing API requests.",
        "yes",
    ),
)
# Unrelated statements for the control question (the first sharing no word with the note).
CONTROLS = (
    "The weather station uploads its rainfall readings to the county archive every hour.",
    "Members of the chess club meet on Thursdays in the library basement.",
)
MIN_MARGIN = 0.5  # log P(yes) - log P(no) a scored "yes" needs, both ways


def support_question(note: str, statement: str) -> str:
    return (
        f"Note: {' '.join(note.split())}\nStatement: {' '.join(statement.split())}\n"
        "Does the note say what the statement says? Answer yes or no."
    )


def _few_shot_request(
    model: str, segment: SystemSegment, shots: list[tuple[str, str]], last: str
) -> Request:
    """Worked examples as user/assistant turns, then the question: everything before the last
    user turn is the same for every pair, so it is read from the prompt cache."""
    messages: list[Message] = []
    for asked, answer in shots:
        messages += [Message.user(asked), Message.assistant(answer)]
    messages.append(Message.user(last))
    return Request(
        model=model,
        system=[segment],
        messages=messages,
        max_tokens=4,
        temperature=0.0,
        choices=ANSWERS,
    )


def build_support_request(model: str, note: str, statement: str) -> Request:
    """One scored question: does the note say what the statement says?"""
    shots = [(support_question(n, st), answer) for n, st, answer in SUPPORT_EXAMPLES]
    return _few_shot_request(
        model,
        SystemSegment("dream-judge-support", SUPPORT_PROMPT),
        shots,
        support_question(note, statement),
    )


def control_statement(note: str) -> str:
    words = set(note.lower().split())
    for candidate in CONTROLS:
        if not words & set(candidate.lower().split()):
            return candidate
    return CONTROLS[-1]


def yes_margin(scores: dict[str, float]) -> float:
    """log P(yes) - log P(no); a missing score counts as impossible."""
    return float(scores.get("yes", -math.inf)) - float(scores.get("no", -math.inf))


def question(first: str, second: str, ask: str = SAME) -> str:
    return f"A: {' '.join(first.split())}\nB: {' '.join(second.split())}\n{ask} Answer yes or no."


def build_request(model: str, first: str, second: str, ask: str = SAME) -> Request:
    """One text question about a pair ("the same fact?" or "different facts?")."""
    shots = [(question(a, b, form), answer) for a, b, form, answer in EXAMPLES]
    return _few_shot_request(
        model, SystemSegment("dream-judge", JUDGE_PROMPT), shots, question(first, second, ask)
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
    scored: bool = False  # answers were scored (margins) rather than read as text
    margins: list[tuple[float, ...]] = field(default_factory=list)  # per pair, as asked
    control_refused: int = 0  # pairs that passed both ways but whose control got a yes


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
    if callable(getattr(provider, "score_choices", None)):
        return await _judge_scored(pairs, provider, model, result)
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


async def _judge_scored(
    pairs: Sequence[tuple[MemoryRecord, MemoryRecord]],
    provider: Any,
    model: str,
    result: JudgeResult,
) -> JudgeResult:
    """B supports A and A supports B, each with a margin, then the control must be a no."""
    result.scored = True
    for a, b in pairs:
        if result.errors:
            result.verdicts.append(None)
            continue
        verdict: bool | None = True
        margins: list[float] = []
        asks = (
            (b.text, a.text, True),
            (a.text, b.text, True),
            (b.text, control_statement(b.text), False),
        )
        for note, statement, wanted in asks:
            try:
                request = build_support_request(model, note, statement)
                scores, usage = await provider.score_choices(request)
            except Exception as exc:  # a provider failure decides nothing: fail closed
                result.errors.append(f"{type(exc).__name__}: {exc}")
                verdict = None
                break
            result.calls += 1
            result.usage = result.usage + usage
            margin = yes_margin(scores)
            if math.isnan(margin):
                result.unreadable += 1
                verdict = False
                break
            margins.append(round(margin, 3))
            if wanted and margin < MIN_MARGIN:
                verdict = False
                break
            if not wanted and margin >= 0.0:
                result.control_refused += 1
                verdict = False
                break
        result.margins.append(tuple(margins))
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
