"""Ranking recalled memories and rendering them as hints for the conversation tail.

Relevance is FTS5 BM25, scaled by how much a type of memory tends to matter (a person's
feedback outranks a reference note) and by recency (older notes fade, never to zero).
"""

from __future__ import annotations

from wakeful.memory.types import Hint, MemoryRecord

TYPE_WEIGHTS: dict[str, float] = {
    "feedback": 1.3,
    "user": 1.2,
    "project": 1.0,
    "reference": 0.9,
}
RECENCY_HALF_LIFE_DAYS = 30.0
RECENCY_FLOOR = 0.5

HINTS_HEADER = (
    "Recalled memories. These are hints, not facts: each carries a verdict from checking it "
    "against the workspace just now. Read the code before acting on a drifted or orphaned one."
)


def recency_factor(record: MemoryRecord, now: float) -> float:
    age_days = max(0.0, now - (record.updated or record.created)) / 86400.0
    decay: float = 0.5 ** (age_days / RECENCY_HALF_LIFE_DAYS)
    return RECENCY_FLOOR + (1.0 - RECENCY_FLOOR) * decay


def score(record: MemoryRecord, relevance: float, now: float) -> float:
    return relevance * TYPE_WEIGHTS.get(record.type, 1.0) * recency_factor(record, now)


def rank(
    candidates: list[tuple[MemoryRecord, float]], now: float, limit: int
) -> list[tuple[MemoryRecord, float]]:
    """Best `limit` candidates by combined score; ties broken by newer, then id."""
    scored = [(r, score(r, rel, now)) for r, rel in candidates]
    scored.sort(key=lambda pair: (-pair[1], -pair[0].created, pair[0].id))
    return scored[:limit]


def render_hints(hints: list[Hint]) -> str:
    """The block the loop appends to a user turn; "" when nothing was recalled."""
    if not hints:
        return ""
    lines = ["<memory>", HINTS_HEADER]
    for hint in hints:
        lines.append(f"- {hint.record.id}: {hint.render()}")
    lines.append("</memory>")
    return "\n".join(lines)
