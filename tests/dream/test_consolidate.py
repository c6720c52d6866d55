"""Deterministic consolidation: duplicates, contradictions, dates, and the blocking join."""

from __future__ import annotations

import itertools
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from wakeful.memory.consolidate import (
    absolutise_dates,
    conflicts,
    features,
    jaccard,
    near_duplicate_pairs,
    plan_consolidation,
)
from wakeful.memory.types import Anchor, MemoryRecord

A = Anchor("src/retry.py", 10, 12, "a" * 64)
B = Anchor("src/config.py", 3, 3, "b" * 64)


def rec(
    mid: str, text: str, created: float, anchors: tuple[Anchor, ...] = (), type: str = "project"
) -> MemoryRecord:
    return MemoryRecord(id=mid, type=type, text=text, anchors=anchors, created=created)  # type: ignore[arg-type]


def test_near_identical_text_is_merged_and_newest_wording_kept() -> None:
    plan = plan_consolidation(
        [
            rec("m1", "Tests run with pytest from the repository root.", 100),
            rec("m2", "tests run with pytest from the repository root", 200),
            rec("m3", "The linter is ruff.", 300),
        ]
    )
    assert len(plan.merges) == 1
    merge = plan.merges[0]
    assert {r.id for r in merge.members} == {"m1", "m2"}
    merged = merge.merged_record("m9")
    assert merged.text == "tests run with pytest from the repository root"
    assert merged.supersedes == ("m1", "m2")
    assert not plan.supersessions


def test_same_anchor_paraphrase_merges_with_union_of_anchors() -> None:
    plan = plan_consolidation(
        [
            rec("m1", "The retry helper gives up after five attempts with backoff", 100, (A,)),
            rec("m2", "Retry helper backoff: gives up after five attempts total", 200, (A,)),
        ]
    )
    assert [sorted(r.id for r in m.members) for m in plan.merges] == [["m1", "m2"]]
    plan2 = plan_consolidation(
        [
            rec("m1", "Tests run with pytest from the repository root", 100, (A,)),
            rec("m2", "Tests run with pytest from the repository root", 200, (B,)),
        ]
    )
    merged = plan2.merges[0].merged_record("m9")
    assert {a.path for a in merged.anchors} == {"src/retry.py", "src/config.py"}


def test_contradiction_newer_wins_and_is_not_merged() -> None:
    old = rec("m1", "The default timeout is 30 seconds", 100)
    new = rec("m2", "The default timeout is 60 seconds", 200)
    plan = plan_consolidation([new, old])
    assert [(s.winner.id, s.loser.id) for s in plan.supersessions] == [("m2", "m1")]
    assert not plan.merges


def test_negation_and_swapped_value_are_contradictions() -> None:
    a = features(rec("m1", "The user prefers tabs", 1, type="user"))
    b = features(rec("m2", "The user prefers spaces", 2, type="user"))
    assert conflicts(b, a) == "a different value"
    c = features(rec("m3", "The build uses poetry", 1))
    d = features(rec("m4", "The build no longer uses poetry", 2))
    assert conflicts(d, c) == "one negates the other"
    # Different subjects or different files are not contradictions.
    e = features(rec("m5", "The default timeout is 30 seconds", 1, (A,)))
    f = features(rec("m6", "The default timeout is 60 seconds", 2, (B,)))
    assert conflicts(e, f) is None
    g = features(rec("m7", "The cache is stored in .cache", 1))
    h = features(rec("m8", "The cache is kept in .cache", 2))
    assert conflicts(g, h) is None


def test_different_numbers_block_a_merge() -> None:
    plan = plan_consolidation(
        [
            rec("m1", "Worker pool size set to 4 in production deployments today", 100, (A,)),
            rec("m2", "Worker pool size set to 8 in production deployments today", 200, (B,)),
        ]
    )
    assert not plan.merges


def test_unrelated_same_anchor_memories_become_a_model_cluster() -> None:
    plan = plan_consolidation(
        [
            rec("m1", "Retry helper makes three attempts", 100, (A,)),
            rec("m2", "Backoff doubles between tries, capped near one minute", 200, (A,)),
        ]
    )
    assert not plan.merges and not plan.supersessions
    assert [[r.id for r in c] for c in plan.clusters] == [["m1", "m2"]]


def test_protected_ids_are_never_merged_or_superseded() -> None:
    plan = plan_consolidation(
        [
            rec("m1", "The default timeout is 30 seconds", 100),
            rec("m2", "The default timeout is 60 seconds", 200),
            rec("m3", "Tests run with pytest from the root", 100),
            rec("m4", "Tests run with pytest from the root", 200),
        ],
        protected=frozenset({"m1", "m3"}),
    )
    assert not plan.supersessions
    assert not plan.merges


def test_relative_dates_become_absolute_from_the_creation_time() -> None:
    created = datetime(2025, 3, 12, 15, 0).timestamp()  # a Wednesday
    cases = {
        "Yesterday we moved CI to GitHub Actions": "On 2025-03-11 we moved CI to GitHub Actions",
        "The deploy broke today": "The deploy broke on 2025-03-12",
        "We dropped Python 3.9 last week": "We dropped Python 3.9 in the week of 2025-03-03",
        "The flaky test appeared 3 days ago": "The flaky test appeared on 2025-03-09",
        "Release freeze starts tomorrow": "Release freeze starts on 2025-03-13",
        "Ops rotated keys last Monday": "Ops rotated keys on 2025-03-10",
    }
    for text, expected in cases.items():
        fix = absolutise_dates(rec("m1", text, created))
        assert fix is not None and fix.text == expected, (text, fix)
    assert absolutise_dates(rec("m1", "No dates here", created)) is None


word = st.sampled_from([f"w{i}" for i in range(12)])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(word, min_size=1, max_size=6), min_size=2, max_size=25))
def test_prefix_filter_finds_exactly_the_pairs_above_threshold(texts: list[list[str]]) -> None:
    records = [rec(f"m{i}", " ".join(t), float(i)) for i, t in enumerate(texts)]
    feats = [features(r) for r in records]
    found = {frozenset((a.id, b.id)) for a, b, _ in near_duplicate_pairs(feats, 0.8)}
    brute = {
        frozenset((a.id, b.id))
        for a, b in itertools.combinations(feats, 2)
        if a.words and b.words and jaccard(a.words, b.words) >= 0.8
    }
    assert found == brute
