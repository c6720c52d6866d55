"""The dream's model step: yes/no questions per candidate pair, with rules holding a veto.

Rules hand the model only pairs they cannot tell apart; "the same fact?" must be a yes and
"different facts?" (the other way round) a no; a group grows only over pairs the model
confirmed; nothing else the model says merges."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wakeful.agents.dream_judge import (
    ANSWERS,
    DIFFERENT,
    build_request,
    judge_pairs,
    parse_answer,
)
from wakeful.agents.dream_judge import SAME as SAME_FACT
from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.memory.consolidate import Candidate, plan_consolidation
from wakeful.memory.dream import DreamOptions, _confirmed_groups, run_dream
from wakeful.memory.types import Anchor, MemoryRecord
from wakeful.providers.scripted import ScriptedProvider

from .conftest import add_memory, store_records

# The same fact in other words: no rule can see it (few words in common), and nothing a
# rule can see tells the two apart.
SAME = (
    "The retry handler in app.py validates tokens before calling upstream.",
    "Inputs reaching upstream were already checked for tokens by the retry handler; see app.py.",
)
# Things rules tell apart whatever the model says: another number, a negation, another
# identifier written like a name, the same frame with one word swapped.
DIFFERENT_FACTS = (
    "The retry handler in app.py validates tokens 3 times before calling upstream.",
    "The retry handler in app.py never validates tokens before calling upstream.",
    "Inputs reaching upstream_v2() were already checked for tokens by the retry handler.",
    "The retry handler in app.py logs tokens before calling upstream.",
)
A = Anchor("app.py", 1, 2, "a" * 64)


def rec(mid: str, text: str, created: float, anchors: tuple[Anchor, ...] = (A,)) -> MemoryRecord:
    return MemoryRecord(id=mid, type="project", text=text, anchors=anchors, created=created)


def _script(tmp_path: Path, answers: list[str]) -> str:
    path = tmp_path / "judge.json"
    path.write_text(json.dumps({"turns": [{"text": a} for a in answers]}))
    return f"scripted:{path}"


def _provider_log(spec: str) -> tuple[Any, list[ScriptedProvider]]:
    """A provider factory that keeps the providers it made, to count what they were asked."""
    made: list[ScriptedProvider] = []

    def factory(_spec: str, _config: Config) -> ScriptedProvider:
        provider = ScriptedProvider(spec.split(":", 1)[1])
        made.append(provider)
        return provider

    return factory, made


def _dream(paths: Paths, config: Config, spec: str, **kw: Any) -> tuple[Any, list[Any]]:
    factory, made = _provider_log(spec)
    options = DreamOptions(force=True, model=spec, judge=judge_pairs, **kw)
    report = run_dream(paths, config, options, provider_factory=factory)
    return report, [q for p in made for q in p.requests]


def test_candidates_are_the_pairs_rules_can_neither_merge_nor_tell_apart() -> None:
    records = [rec("s1", SAME[0], 1), rec("s2", SAME[1], 2)]
    records += [rec(f"d{i}", text, 3 + i) for i, text in enumerate(DIFFERENT_FACTS)]
    records.append(rec("u", "load_config() reads PORT from the environment.", 10))
    plan = plan_consolidation(records)
    keys = {c.key for c in plan.candidates}
    assert "s1,s2" in keys
    for c in plan.candidates:  # no pair with a rule-visible difference is ever asked
        assert not ({c.a.id, c.b.id} & {"d0", "d1", "d2", "d3"} and {c.a.id, c.b.id} & {"s1"})
        assert "u" not in (c.a.id, c.b.id)
    # Without shared anchors there is no question at all.
    loose = plan_consolidation([rec("s1", SAME[0], 1, ()), rec("s2", SAME[1], 2, ())])
    assert loose.candidates == [] and loose.merges == []


def test_a_model_that_calls_everything_the_same_merges_only_what_rules_allow(
    ws: tuple[Paths, Config], tmp_path: Path
) -> None:
    paths, config = ws
    same = [add_memory(paths, t, anchor="app.py:1") for t in SAME]
    different = add_memory(paths, DIFFERENT_FACTS[0], anchor="app.py:1")
    report, asked = _dream(paths, config, _script(tmp_path, ["yes", "no"] * 10))
    assert report.ran and report.model["used"]
    active = store_records(paths, "active")
    assert len(active) == 2
    merged = next(r for r in active if r.supersedes)
    assert set(merged.supersedes) == {r.id for r in same}
    assert merged.text == SAME[1]  # the newer record's words, never the model's
    assert any(r.id == different.id for r in active)
    # One pair was asked, once each way; the pair with another number never was.
    assert len(asked) == 2
    texts = [q.messages[-1].text for q in asked]
    assert all("3 times" not in t for t in texts)
    assert texts[0].index(SAME[0]) < texts[0].index(SAME[1]) and SAME_FACT in texts[0]
    assert texts[1].index(SAME[1]) < texts[1].index(SAME[0]) and DIFFERENT in texts[1]
    assert all(q.choices == ANSWERS and not q.tools for q in asked)


@pytest.mark.parametrize(
    "answers", [["yes", "yes"], ["no"], ["Sure, they look alike."], ["yes", "maybe"]]
)
def test_only_yes_then_no_merges_a_pair(
    ws: tuple[Paths, Config], tmp_path: Path, answers: list[str]
) -> None:
    paths, config = ws
    for t in SAME:
        add_memory(paths, t, anchor="app.py:1")
    report, asked = _dream(paths, config, _script(tmp_path, answers))
    assert len(store_records(paths, "active")) == 2
    assert len(asked) == len(answers)
    details = next(p for p in report.phases if p.name == "consolidate").details["model"]
    assert details["same_fact"] == 0 and details["merged"] == 0
    assert details["unreadable"] == (0 if answers[-1] in ANSWERS else 1)


def test_pairs_answered_are_not_asked_again_and_errors_are(
    ws: tuple[Paths, Config], tmp_path: Path
) -> None:
    paths, config = ws
    for t in SAME:
        add_memory(paths, t, anchor="app.py:1")
    failing = tmp_path / "fail.json"
    failing.write_text(json.dumps({"turns": [{"error": "auth"}]}))
    report, asked = _dream(paths, config, f"scripted:{failing}")
    details = next(p for p in report.phases if p.name == "consolidate").details["model"]
    assert details["errors"] and len(store_records(paths, "active")) == 2
    # The failed pair is asked again, and answered; then it is left alone.
    add_memory(paths, "An unrelated note about the docs")
    report, asked = _dream(paths, config, _script(tmp_path, ["no"]))
    assert len(asked) == 1
    add_memory(paths, "Another unrelated note about the docs")
    report, asked = _dream(paths, config, _script(tmp_path, ["yes", "no"]))
    assert asked == [] and "already asked" in report.model["note"]


def test_max_pairs_caps_the_questions_of_one_dream(
    ws: tuple[Paths, Config], tmp_path: Path
) -> None:
    paths, config = ws
    for t in SAME:
        add_memory(paths, t, anchor="app.py:1")
    (paths.workspace / "lib.py").write_text("RETRIES = 3\n")
    for t in SAME:
        add_memory(paths, t.replace("app.py", "lib.py"), anchor="lib.py:1")
    report, asked = _dream(paths, config, _script(tmp_path, ["no"] * 4), max_pairs=1)
    assert len(asked) == 1
    assert "1 pair(s) left for later" in report.model["note"]


def test_a_group_grows_only_over_pairs_the_model_confirmed() -> None:
    a, b, c = (rec(m, m, 1) for m in ("a", "b", "c"))
    store: Any = object()
    pairs = [(store, Candidate(a, b, 0.9)), (store, Candidate(b, c, 0.8))]
    assert [sorted(r.id for r in g) for _s, g in _confirmed_groups(pairs)] == [["a", "b"]]
    pairs.append((store, Candidate(a, c, 0.7)))
    assert [sorted(r.id for r in g) for _s, g in _confirmed_groups(pairs)] == [["a", "b", "c"]]


def test_the_question_is_fixed_but_for_its_last_turn() -> None:
    one, two = build_request("m", "x", "y"), build_request("m", "p", "q", DIFFERENT)
    assert one.system == two.system and one.messages[:-1] == two.messages[:-1]
    assert SAME_FACT in one.messages[-1].text and DIFFERENT in two.messages[-1].text
    assert one.choices == ("yes", "no") and one.temperature == 0.0


def test_answers_are_read_strictly() -> None:
    assert parse_answer("yes") is True and parse_answer(" Yes.") is True
    assert parse_answer("no") is False and parse_answer("No, they differ") is False
    assert parse_answer("") is None and parse_answer("maybe yes") is None


async def test_judge_stops_at_the_first_provider_error(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"turns": [{"text": "no"}, {"error": "auth"}, {"text": "yes"}]}))
    provider = ScriptedProvider(path)
    pairs = [(rec(f"a{i}", "x", 1), rec(f"b{i}", "y", 2)) for i in range(3)]
    result = await judge_pairs(pairs, provider=provider)
    assert result.verdicts == [False, None, None] and result.calls == 1
    assert len(result.errors) == 1 and provider.calls == 2
