"""The memory record, its anchors, verification verdicts and recalled hints.

These are the boundary types of the memory layer: the store persists them, verification
reads them, dreaming rewrites them, and the loop renders them. They are plain dataclasses
with explicit JSON forms so that any store backend can hold them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from wakeful.core.errors import WakefulError

MemoryType = Literal["user", "feedback", "project", "reference"]
MEMORY_TYPES: tuple[MemoryType, ...] = ("user", "feedback", "project", "reference")

Verdict = Literal["fresh", "moved", "drifted", "orphaned", "unanchored"]
VERDICTS: tuple[Verdict, ...] = ("fresh", "moved", "drifted", "orphaned", "unanchored")
# Worse verdicts win when a record has several anchors.
VERDICT_SEVERITY: dict[str, int] = {
    "unanchored": 0,
    "fresh": 1,
    "moved": 2,
    "drifted": 3,
    "orphaned": 4,
}

Status = Literal["active", "superseded", "archived"]
STATUSES: tuple[Status, ...] = ("active", "superseded", "archived")

Scope = Literal["project", "user"]
SCOPES: tuple[Scope, ...] = ("project", "user")


def memory_type(value: str) -> MemoryType | None:
    """`value` as a MemoryType, or None when it names none."""
    return next((t for t in MEMORY_TYPES if t == value), None)


def memory_scope(value: str) -> Scope | None:
    """`value` as a Scope, or None when it names none."""
    return next((s for s in SCOPES if s == value), None)


class MemoryRefused(WakefulError):
    """A memory was not written because its content is not allowed (e.g. a secret)."""


class MemoryNotFound(WakefulError):
    """No memory has the given id."""


class AnchorError(WakefulError):
    """An anchor specification cannot be resolved against the workspace."""


@dataclass(frozen=True)
class Anchor:
    """Evidence tying a memory to code: where, what text (by hash), in which symbol, when.

    `path` is relative to the workspace with forward slashes. `sha256` is the digest of the
    normalised span text (see anchors.normalise_line); `line_hashes` holds a short digest per
    span line so verification can say which lines drifted and find the span elsewhere;
    `before`/`after` hold the digests of a few lines around the span, which locate the
    span's current place when its own text changed.
    """

    path: str
    start_line: int
    end_line: int
    sha256: str
    symbol: str | None = None
    commit: str | None = None
    line_hashes: tuple[str, ...] = ()
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()

    @property
    def span(self) -> str:
        if self.start_line == self.end_line:
            return f"{self.path}:{self.start_line}"
        return f"{self.path}:{self.start_line}-{self.end_line}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "sha256": self.sha256,
            "symbol": self.symbol,
            "commit": self.commit,
            "line_hashes": list(self.line_hashes),
            "before": list(self.before),
            "after": list(self.after),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Anchor:
        return cls(
            path=str(data["path"]),
            start_line=int(data["start_line"]),
            end_line=int(data["end_line"]),
            sha256=str(data["sha256"]),
            symbol=data.get("symbol"),
            commit=data.get("commit"),
            line_hashes=tuple(data.get("line_hashes") or ()),
            before=tuple(data.get("before") or ()),
            after=tuple(data.get("after") or ()),
        )


@dataclass(frozen=True)
class MemoryRecord:
    """One memory. `supersedes` lists the ids this record replaced (dreaming merges).

    `status` is `active` for live memories; dreaming marks replaced records `superseded`
    and pruned ones `archived` so that they can be restored. `seq` is the store's change
    counter at the last write, which dreaming uses as a watermark.
    """

    id: str
    type: MemoryType
    text: str
    anchors: tuple[Anchor, ...] = ()
    created: float = 0.0
    last_verified: float | None = None
    verdict: Verdict | None = None
    source_session: str = ""
    supersedes: tuple[str, ...] = ()
    status: Status = "active"
    updated: float = 0.0
    seq: int = 0
    scope: Scope = "project"

    def with_(self, **changes: Any) -> MemoryRecord:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "text": self.text,
            "anchors": [a.to_dict() for a in self.anchors],
            "created": self.created,
            "last_verified": self.last_verified,
            "verdict": self.verdict,
            "source_session": self.source_session,
            "supersedes": list(self.supersedes),
            "status": self.status,
            "updated": self.updated,
            "seq": self.seq,
            "scope": self.scope,
        }


@dataclass(frozen=True)
class CheckoutVerdict:
    """One checkout's view of a shared record: its last verdict, when, and where the
    anchored text was found in that checkout (None: where the record says)."""

    verdict: Verdict
    last_verified: float
    anchors: tuple[Anchor, ...] | None = None

    @classmethod
    def from_row(cls, verdict: Any, at: Any, anchors: Any) -> CheckoutVerdict:
        if isinstance(anchors, str):
            anchors = json.loads(anchors)
        return cls(
            verdict=verdict,
            last_verified=float(at),
            anchors=None if anchors is None else tuple(Anchor.from_dict(a) for a in anchors),
        )


@dataclass(frozen=True)
class AnchorCheck:
    """The outcome of checking one anchor. `current` is where the text is now (moved or
    fresh), and `changed_lines` the current-file lines that differ (drifted)."""

    anchor: Anchor
    verdict: Verdict
    current: Anchor | None = None
    changed_lines: tuple[int, int] | None = None
    note: str = ""


@dataclass(frozen=True)
class Verification:
    """The verdict for a whole record: the worst of its anchors' verdicts."""

    verdict: Verdict
    checks: tuple[AnchorCheck, ...] = ()

    @property
    def updated_anchors(self) -> tuple[Anchor, ...] | None:
        """The anchors with moved ones relocated, or None when nothing moved."""
        if not any(c.verdict == "moved" and c.current is not None for c in self.checks):
            return None
        return tuple(
            c.current if c.verdict == "moved" and c.current is not None else c.anchor
            for c in self.checks
        )

    @property
    def detail(self) -> str:
        notes = [c.note for c in self.checks if c.note and c.verdict != "fresh"]
        return "; ".join(notes)


def format_age(seconds: float) -> str:
    """A short human age: `just now`, `5 min`, `3 hours`, `12 days`."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        hours = int(seconds // 3600)
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    days = int(seconds // 86400)
    return f"{days} day" if days == 1 else f"{days} days"


@dataclass(frozen=True)
class Hint:
    """A recalled memory as the model sees it: text, verdict, age and what changed."""

    record: MemoryRecord
    verification: Verification
    now: float
    score: float = 0.0

    @property
    def verdict(self) -> Verdict:
        return self.verification.verdict

    @property
    def age(self) -> str:
        return format_age(self.now - self.record.created)

    def render(self) -> str:
        text = " ".join(self.record.text.split())
        detail = self.verification.detail
        suffix = f" ({detail})" if detail else ""
        return f"[{self.verdict}, {self.age}] {text}{suffix}"

    def to_dict(self) -> dict[str, Any]:
        data = self.record.to_dict()
        data["verdict"] = self.verdict
        data["age"] = self.age
        data["detail"] = self.verification.detail
        data["score"] = round(self.score, 4)
        data["hint"] = self.render()
        return data


@dataclass
class MemoryDraft:
    """A memory before it is written: anchors may still be unresolved specs."""

    text: str
    type: MemoryType = "project"
    anchors: list[Anchor] = field(default_factory=list)
    anchor_specs: list[str] = field(default_factory=list)
    auto_anchor_paths: list[str] = field(default_factory=list)
    source_session: str = ""
    supersedes: list[str] = field(default_factory=list)
    scope: Scope | None = None
