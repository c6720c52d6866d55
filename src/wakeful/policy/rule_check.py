"""Check every example the program rules carry against the classifier: the evidence behind
`wakeful classify --check-rules` and the CI test. Examples are written for a workspace at
/home/dev/proj and a home at /home/dev, whatever machine checks them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from wakeful.policy.program_rules import PROGRAMS, examples_of
from wakeful.policy.programs import HANDLERS
from wakeful.policy.shell import classify_command
from wakeful.policy.types import Tier

EXAMPLE_WORKSPACE = Path("/home/dev/proj")
EXAMPLE_HOME = Path("/home/dev")


@dataclass(frozen=True)
class ExampleResult:
    program: str
    command: str
    expected: Tier
    got: Tier
    reason: str

    @property
    def holds(self) -> bool:
        return self.expected == self.got


@dataclass(frozen=True)
class RuleCheck:
    programs: int
    examples: int
    failures: tuple[ExampleResult, ...]


def known_programs() -> list[str]:
    return sorted(set(PROGRAMS) | set(HANDLERS))


def check_examples() -> RuleCheck:
    """Classify every example of every known program; report those that do not hold."""
    failures: list[ExampleResult] = []
    count = 0
    names = known_programs()
    for name in names:
        for command, tier in examples_of(name):
            count += 1
            got = classify_command(command, EXAMPLE_WORKSPACE, EXAMPLE_HOME)
            if got.tier != tier:
                reason = got.reasons[0] if got.reasons else ""
                failures.append(ExampleResult(name, command, Tier(tier), got.tier, reason))
    return RuleCheck(len(names), count, tuple(failures))
