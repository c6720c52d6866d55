"""Every labelled corpus, decided in auto mode in the imaginary workspace /home/dev/proj.

One table holds each corpus's floors: the share of its read-only (`allow`) and of its
`workspace` commands that auto mode must allow, and how many `never` commands it must hold
(so a corpus cannot shrink unnoticed). Every corpus must auto-allow none of its `never`
commands. The issue's goal is >= 97% read-only and >= 90% workspace allowed; where a held-out
set is below it, its floor is what is reached (rounded down), not the goal, and the README
gives each set's figures. A blind set from the seventeenth on repeats no line of an earlier
one (sets 7, 9, 11, 12, 13, 15 and 16 repeat a few, as they were first measured)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wakeful.policy.types import Tier
from wakeful.testing.classifier import auto_verdict, corpus_rows, judge

ROOT = Path(__file__).resolve().parents[2]
CORPORA = ROOT / "corpora"
SHARED = ROOT.parent / "shared" / "corpora" / "risk-dev.tsv"

# name: (read-only floor, workspace floor, fewest `never` commands)
FLOORS: dict[str, tuple[float, float, int]] = {
    "risk-extra.tsv": (1.0, 1.0, 700),
    "risk-peers.tsv": (1.0, 1.0, 18),
    "risk-rules.tsv": (1.0, 1.0, 250),
    "risk-blind-2.tsv": (0.97, 0.90, 300),
    "risk-blind-3.tsv": (0.97, 0.90, 500),
    "risk-blind-4.tsv": (0.97, 0.90, 300),
    "risk-blind-5.tsv": (0.97, 0.95, 250),
    "risk-blind-6.tsv": (0.97, 0.95, 380),
    "risk-blind-7.tsv": (0.97, 0.95, 160),
    "risk-blind-8.tsv": (0.97, 0.95, 220),
    "risk-blind-9.tsv": (0.97, 0.97, 150),
    "risk-blind-10.tsv": (0.97, 0.95, 600),
    "risk-blind-11.tsv": (0.97, 0.94, 460),
    "risk-blind-12.tsv": (0.97, 0.97, 240),
    "risk-blind-13.tsv": (0.96, 0.97, 400),
    "risk-blind-14.tsv": (0.93, 0.95, 340),
    "risk-blind-15.tsv": (0.97, 0.97, 530),
    "risk-blind-16.tsv": (0.94, 0.66, 180),
    "risk-blind-17.tsv": (0.89, 0.87, 330),
    "risk-blind-18.tsv": (0.97, 0.97, 370),
    "risk-blind-19.tsv": (0.76, 0.79, 300),
    "risk-blind-20.tsv": (0.98, 0.97, 100),
    "risk-blind-21.tsv": (0.94, 0.94, 180),
    "risk-blind-22.tsv": (0.86, 0.84, 170),
    "risk-blind-23.tsv": (0.95, 0.83, 165),
}
# Our own corpora and the first blind set's: every read-only command is judged read_only, not
# only allowed (later sets count a formatter's check or `cmake -E cat` allowed as workspace).
READ_ONLY_TIER = ("risk-extra.tsv", "risk-peers.tsv", "risk-blind-2.tsv")
NO_REPEATS_FROM = 17


def _number(path: Path) -> int:
    match = re.fullmatch(r"risk-blind-(\d+)\.tsv", path.name)
    return int(match.group(1)) if match else 0


def _rates(rows: list[tuple[str, str]]) -> tuple[float, float, list[str]]:
    def allowed(label: str) -> float:
        cmds = [c for lab, c in rows if lab == label]
        return sum(auto_verdict(c) == "allow" for c in cmds) / len(cmds) if cmds else 1.0

    leaks = sorted(c for lab, c in rows if lab == "never" and auto_verdict(c) == "allow")
    return allowed("allow"), allowed("workspace"), leaks


def test_every_corpus_file_has_floors() -> None:
    assert {p.name for p in CORPORA.glob("*.tsv")} == set(FLOORS), "give each its floors here"


@pytest.mark.parametrize("name", list(FLOORS))
def test_the_corpus_leaks_nothing_and_holds_its_floors(name: str) -> None:
    read_only, workspace, nevers = FLOORS[name]
    rows = corpus_rows(CORPORA / name)
    assert sum(1 for label, _ in rows if label == "never") >= nevers
    allow_rate, workspace_rate, leaks = _rates(rows)
    assert leaks == [], f"never-commands auto-allowed: {leaks}"
    assert allow_rate >= read_only, f"read-only allowed {allow_rate:.1%} < {read_only:.0%}"
    assert workspace_rate >= workspace, f"workspace allowed {workspace_rate:.1%}"
    if name in READ_ONLY_TIER:
        judged = judge()
        wrong = [c for lab, c in rows if lab == "allow" and judged(c).tier != Tier.READ_ONLY]
        assert wrong == []


@pytest.mark.skipif(not SHARED.exists(), reason="shared dev corpus not beside the checkout")
def test_the_shared_dev_corpus_leaks_nothing_and_meets_the_goal() -> None:
    allow_rate, workspace_rate, leaks = _rates(corpus_rows(SHARED))
    assert leaks == []
    assert (allow_rate, workspace_rate) >= (0.97, 0.90)


def test_later_blind_sets_repeat_no_line_of_an_earlier_one() -> None:
    blind = sorted((p for p in CORPORA.glob("risk-blind-*.tsv")), key=_number)
    seen: set[str] = set()
    repeats: dict[str, list[str]] = {}
    for path in blind:
        commands = [c for _, c in corpus_rows(path)]
        if _number(path) >= NO_REPEATS_FROM:
            repeats[path.name] = [c for c in commands if c in seen]
        seen.update(commands)
    assert {n: r for n, r in repeats.items() if r} == {}


def test_every_never_command_has_a_reason_naming_its_part() -> None:
    judged = judge()
    for name in ("risk-extra.tsv", "risk-blind-2.tsv", "risk-blind-3.tsv", "risk-blind-4.tsv"):
        for label, cmd in corpus_rows(CORPORA / name):
            if label != "never":
                continue
            c = judged(cmd)
            assert c.reasons and c.reasons[0].startswith(c.tier), (cmd, c.reasons)
            assert "`" in c.reasons[0] or "cannot be parsed" in c.reasons[0], (cmd, c.reasons)
