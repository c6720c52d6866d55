"""Workspace tier means reversible: a write no checkpoint can restore is judged `high`.

Kept apart from the path and shell rules on purpose: it only ever raises a `workspace`
verdict, with a reason that says why the change could not be undone. File tools only for
now; shell commands' written paths are judged by the shell classifier.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from wakeful.policy.shell import Classification
from wakeful.policy.tool_risk import resolve_tool_path
from wakeful.policy.types import RiskInput, Tier

# Why a change to an absolute path could not be restored by a checkpoint, or None.
ReasonOf = Callable[[str], "str | None"]


def judge_recoverability(
    risk: RiskInput, result: Classification, reason_of: ReasonOf, workspace: Path, home: Path
) -> Classification:
    if result.tier != "workspace" or risk.kind != "write":
        return result
    found = []
    for raw in risk.paths:
        path = resolve_tool_path(raw, str(workspace), str(home))
        why = reason_of(path)
        if why:
            found.append(
                f"high: {risk.tool} writes {path}, which no checkpoint can restore: it {why}"
            )
    if not found:
        return result
    return Classification(Tier.HIGH, (*found, *result.reasons), result.parsed, result.programs)
