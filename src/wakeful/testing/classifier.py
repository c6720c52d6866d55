"""Test helpers: the classifier's verdict for a command in a fixed, imaginary workspace."""

from __future__ import annotations

from pathlib import Path

from wakeful.policy.decision import mode_verdict
from wakeful.policy.shell import classify_command

WS = Path("/home/dev/proj")
HOME = Path("/home/dev")


def tier(command: str, workspace: Path = WS, home: Path = HOME) -> str:
    """The command's risk tier, as its string value."""
    return str(classify_command(command, workspace, home).tier)


def auto_allows(command: str, workspace: Path = WS, home: Path = HOME) -> bool:
    """Whether auto mode approves the command without asking."""
    c = classify_command(command, workspace, home)
    return c.parsed and mode_verdict("auto", c.tier) == "allow"
