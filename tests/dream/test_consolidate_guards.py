"""Distinct facts that share identifiers stay apart; reworded duplicates are scored by rarity."""

from __future__ import annotations

import pytest

from wakeful.memory.consolidate import (
    RARITY_DUPLICATE,
    direction_differs,
    features,
    jaccard,
    plan_consolidation,
    rarity_weights,
    swapped_word,
    weighted_overlap,
)
from wakeful.memory.types import Anchor, MemoryRecord

A = Anchor("src/api/upload.py", 40, 40, "c" * 64)
B = Anchor("src/api/queue.py", 7, 7, "d" * 64)


def rec(mid: str, text: str, created: float, anchors: tuple[Anchor, ...] = ()) -> MemoryRecord:
    return MemoryRecord(id=mid, type="project", text=text, anchors=anchors, created=created)


def merged_sets(records: list[MemoryRecord], **kw: float) -> list[set[str]]:
    plan = plan_consolidation(records, **kw)  # type: ignore[arg-type]
    return [{r.id for r in m.members} for m in plan.merges]


def filler(n: int) -> list[MemoryRecord]:
    """Unrelated memories in everyday wording, so that common words are common."""
    subjects = ["parser", "router", "cache", "worker", "client", "server", "logger", "loader"]
    verbs = ["validates", "checks", "calls", "reports", "returns", "handles", "retries", "sends"]
    out = []
    for i in range(n):
        s, v = subjects[i % len(subjects)], verbs[(i // len(subjects)) % len(verbs)]
        text = (
            f"The {s} handler {v} inputs before calling the next step; failures are "
            f"reported and already checked, see ticket_{i} in the docs"
        )
        out.append(rec(f"f{i:03d}", text, float(i)))
    return out


def test_direction_is_part_of_the_fact() -> None:
    swapped = merged_sets(
        [
            rec("m1", "parse_args calls load_config for each reload_signal event", 1),
            rec("m2", "load_config calls parse_args for each reload_signal event", 2),
        ]
    )
    assert swapped == []
    passive = [
        rec("m3", "parse_args() calls load_config() on startup", 1, (A,)),
        rec("m4", "parse_args() is called by load_config() on startup", 2, (A,)),
    ]
    assert merged_sets(passive) == []
    # The same relation in the passive, doer and target in their places, is not blocked.
    same = features(rec("m5", "load_config() is called by parse_args() on startup", 3))
    assert not direction_differs(features(passive[0]), same)
    assert direction_differs(features(passive[0]), features(passive[1]))


def test_one_word_swapped_in_the_same_frame_is_a_different_fact() -> None:
    frame = "The upload handler in src/api/upload.py {v} size_field {w} calling store_blob."
    base = rec("m1", frame.format(v="validates", w="before"), 1, (A,))
    verb = rec("m2", frame.format(v="decodes", w="before"), 2, (A,))
    order = rec("m3", frame.format(v="validates", w="after"), 3, (A,))
    assert merged_sets([base, verb]) == []
    assert merged_sets([base, order]) == []
    # Not swaps: words that only moved, and an abbreviation.
    moved = rec("m4", "Before calling store_blob, the upload handler validates size_field.", 4)
    assert not swapped_word(features(base), features(moved))
    long = features(rec("m5", "Tests run with pytest from the repository root", 1))
    short = features(rec("m6", "Tests run with pytest from the repo root", 2))
    assert not swapped_word(long, short)
    # Moved words are not a swap: the two near-identical records merge.
    assert merged_sets([base, moved]) == [{"m1", "m4"}]


def test_a_group_never_joins_two_evidently_distinct_records() -> None:
    # m2 is close to both m1 and m3, but m1 and m3 differ by one swapped verb.
    frame = "The upload handler {v} size_field before calling store_blob"
    records = [
        rec("m1", frame.format(v="validates"), 1, (A,)),
        rec("m2", frame.format(v="validates and decodes"), 2, (A,)),
        rec("m3", frame.format(v="decodes"), 3, (A,)),
    ]
    groups = merged_sets(records)
    assert groups, "the close pairs merge"
    assert not any({"m1", "m3"} <= g for g in groups)


@pytest.mark.slow
def test_reworded_duplicate_with_the_same_named_things_is_merged_by_rarity() -> None:
    first = rec(
        "m1",
        "The flush_queue handler in src/api/queue.py checks stale_rows before calling prune_index.",
        1000,
        (B,),
    )
    second = rec(
        "m2",
        "Inputs to prune_index are already validated for stale_rows by flush_queue "
        "(src/api/queue.py).",
        1001,
        (B,),
    )
    corpus = filler(300) + [first, second]
    feats = [features(r) for r in corpus]
    weight = rarity_weights(feats)
    score = weighted_overlap(feats[-2].words, feats[-1].words, weight)
    assert score >= RARITY_DUPLICATE and jaccard(feats[-2].words, feats[-1].words) < 0.5
    plan = plan_consolidation(corpus)
    assert [({r.id for r in m.members}, m.reason) for m in plan.merges] == [
        ({"m1", "m2"}, "same anchors, same named things")
    ]
    # Above the threshold's reach, the pair is left to the model, ranked first.
    plan = plan_consolidation(corpus, rarity_threshold=1.01)
    assert plan.merges == []
    assert {r.id for r in plan.clusters[0]} == {"m1", "m2"}


def test_a_name_only_one_side_mentions_keeps_records_apart() -> None:
    corpus = filler(300) + [
        rec("m1", "load_rows() returns None when batch_key is missing.", 1000, (B,)),
        rec("m2", "load_rows() logs batch_key errors to stderr.", 1001, (B,)),
    ]
    assert merged_sets(corpus, rarity_threshold=0.0) == []


def test_likely_duplicates_reach_the_model_before_bigger_clusters() -> None:
    unrelated = [
        rec("u1", "Retry helper makes three attempts", 1, (A,)),
        rec("u2", "Backoff doubles between tries, capped near one minute", 2, (A,)),
        rec("u3", "Jitter is added from the shared random source", 3, (A,)),
    ]
    reworded = [
        rec("r1", "The flush_queue handler drops stale_rows before calling prune_index", 4, (B,)),
        rec("r2", "prune_index only sees input that flush_queue stripped of stale_rows", 5, (B,)),
    ]
    plan = plan_consolidation(filler(100) + unrelated + reworded, rarity_threshold=1.01)
    assert [sorted(r.id for r in c) for c in plan.clusters] == [["r1", "r2"], ["u1", "u2", "u3"]]


def test_names_are_words_written_like_names() -> None:
    f = features(rec("m1", "Inputs reach load() via src/a.py; it returns None or KeyError.", 1))
    assert {"load", "src/a.py", "none", "keyerror"} <= f.named
    assert "input" not in f.named and "return" not in f.named
