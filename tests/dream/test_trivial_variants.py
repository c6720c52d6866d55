"""The easiest duplicates there are: a trailing period, letter case, a reordered phrase."""

from __future__ import annotations

import pytest

from wakeful.memory.consolidate import features, plan_consolidation
from wakeful.memory.types import Anchor, MemoryRecord

A = Anchor("m1.py", 1, 2, "a" * 64)


def rec(mid: str, text: str, created: float, anchors: tuple[Anchor, ...] = ()) -> MemoryRecord:
    return MemoryRecord(id=mid, type="project", text=text, anchors=anchors, created=created)


@pytest.mark.parametrize("anchors", [(), (A,)])
def test_trivial_variants_merge(anchors: tuple[Anchor, ...]) -> None:
    plan = plan_consolidation(
        [
            rec("m1", "f1 in m1.py returns 1", 100, anchors),
            rec("m2", "f1 in m1.py returns 1.", 200, anchors),
            rec("m3", "In m1.py, F1 returns 1", 300, anchors),
        ]
    )
    assert [sorted(r.id for r in m.members) for m in plan.merges] == [["m1", "m2", "m3"]]


def test_a_number_before_the_full_stop_is_a_number() -> None:
    assert features(rec("m", "f1 in m1.py returns 1.", 0)).numbers == ("1",)
    assert features(rec("m", "the version is 2.5.", 0)).numbers == ("2.5",)
    assert features(rec("m", "see v1.2 in m1.py", 0)).numbers == ()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("f1 in m1.py returns 1.", "f1 in m1.py returns 2."),
        ("f1 in m1.py returns 1.", "f1 in m1.py returns 2"),
        ("f1 calls g2 in m1.py", "g2 calls f1 in m1.py"),
        ("In m1.py, f1 calls g2", "In m1.py, g2 calls f1"),
    ],
)
def test_trivial_looking_pairs_that_differ_stay_apart(first: str, second: str) -> None:
    plan = plan_consolidation([rec("m1", first, 100, (A,)), rec("m2", second, 200, (A,))])
    assert plan.merges == []
