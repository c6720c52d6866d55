"""What a tool call would touch (RiskInput) and what the policy decided (Decision)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Tier = Literal["read_only", "workspace", "network", "high", "critical"]
TIERS: tuple[Tier, ...] = ("read_only", "workspace", "network", "high", "critical")
Verdict = Literal["allow", "ask", "deny"]
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
