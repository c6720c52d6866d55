"""What a tool call would touch (RiskInput) and what the policy decided (Decision)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Literal


class Tier(StrEnum):
    """Risk tiers, lowest first. A StrEnum: `Tier.HIGH == "high"`, so decisions, the audit log
    and JSON output keep their string form."""

    READ_ONLY = "read_only"
    WORKSPACE = "workspace"
    NETWORK = "network"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __repr__(self) -> str:  # messages written as f"{tier!r}" keep reading 'high'
        return repr(self.value)


_RANK = {tier: i for i, tier in enumerate(Tier)}
TIERS: tuple[Tier, ...] = tuple(Tier)
Verdict = Literal["allow", "ask", "deny"]
# What the mode table says before a reviewer has been consulted: "review" becomes a Verdict.
ModeVerdict = Literal["allow", "ask", "deny", "review"]
RiskKind = Literal["read", "write", "shell", "memory", "delegate", "mcp", "other"]


@dataclass(frozen=True)
class RiskInput:
    """Declared by a tool before it runs, so the policy decides on facts, not on prose.

    `paths` are as the tool will resolve them (absolute or workspace-relative); `command` is
    the shell text for shell tools; `read_only` is the tool's own claim, which the policy
    may overrule but never trusts to loosen a decision.
    """

    tool: str
    kind: RiskKind
    paths: tuple[str, ...] = ()
    command: str | None = None
    network: bool = False
    read_only: bool = False
    detail: str = ""
    # For kind "mcp": the tier the server's annotations claim (never loosened by the policy).
    declared_tier: Tier | None = None


@dataclass
class Decision:
    tier: Tier
    decision: Verdict
    reasons: list[str] = field(default_factory=list)
    matched_rule: str | None = None
    # For a call denied only because nobody could approve it: the allow rules that would
    # let it through (see Policy.suggest_rules).
    allow_with: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
