"""Test helpers: the classifier's verdict for a command in a fixed, imaginary workspace, and
the labelled corpora (`corpora/*.tsv`: one `label<TAB>command` a line, `#` comments)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

from wakeful.policy.decision import mode_verdict
from wakeful.policy.shell import Classification, ShellClassifier, classify_command

WS = Path("/home/dev/proj")
HOME = Path("/home/dev")
LABELS = ("allow", "workspace", "never")


def tier(command: str, workspace: Path = WS, home: Path = HOME) -> str:
    """The command's risk tier, as its string value."""
    return str(classify_command(command, workspace, home).tier)


def auto_allows(command: str, workspace: Path = WS, home: Path = HOME) -> bool:
    """Whether auto mode approves the command without asking."""
    c = classify_command(command, workspace, home)
    return c.parsed and mode_verdict("auto", c.tier) == "allow"


@cache
def judge(workspace: Path = WS, home: Path = HOME) -> Callable[[str], Classification]:
    """One memoising classifier per workspace and home, shared by every test that asks."""
    return ShellClassifier(workspace, home).classify


def auto_verdict(command: str, judged_by: Callable[[str], Classification] | None = None) -> str:
    """Auto mode's verdict ("allow", "ask" or "deny"); a command that cannot be parsed asks."""
    c = (judged_by or judge())(command)
    return mode_verdict("auto", c.tier) if c.parsed else "ask"


def corpus_rows(path: Path) -> list[tuple[str, str]]:
    """The (label, command) lines of a corpus file; an unknown label is an error."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, sep, command = line.partition("\t")
        if not sep or label not in LABELS:
            raise ValueError(f"{path.name}:{number}: expected one of {LABELS}, a tab, a command")
        rows.append((label, command))
    return rows
