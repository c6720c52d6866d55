"""The dream's model step: yes/no questions per candidate pair, with rules holding a veto.

Rules hand the model only pairs they cannot tell apart; "the same fact?" must be a yes and
"different facts?" (the other way round) a no; a group grows only over pairs the model
confirmed; nothing else the model says merges."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from wakeful.agents.dream_judge import (
    ANSWERS,
    CONTROLS,
    DIFFERENT,
    MIN_MARGIN,
    build_request,
    build_support_request,
    control_statement,
    judge_pairs,
    parse_answer,
)
from wakeful.agents.dream_judge import SAME as SAME_FACT
from wakeful.core.config import Config
from wakeful.core.errors import ProviderError
from wakeful.core.paths import Paths
from wakeful.core.request import Request
from wakeful.core.usage import Usage
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


# -- a model that scores its answers (the embedded one): margins both ways and a control --

# A different relation between the same names, in other words: rules cannot tell it from
# SAME, so only the model stands between it and a merge.
REWORDED = (
    "Failures of upstream are reported to the retry handler together with tokens; see app.py."
)


def _with_reworded(paths: Paths) -> None:
    """SAME and REWORDED over one anchor, among other memories (which set how rare each
    word is): rules leave both pairs with SAME[0] to the model."""
    for text in (*SAME, REWORDED):
        add_memory(paths, text, anchor="app.py:1")
    for i in range(5):
        add_memory(paths, f"load_config() reads PORT{i} from the environment.")


class ScoringModel:
    """Stands in for the embedded model's `score_choices`: the yes/no margin for each
    (note, statement) question comes from `margin`; it never streams text."""

    name = "scoring"
    model = "scoring-model"

    def __init__(self, margin: Any) -> None:
        self.margin = margin
        self.asked: list[tuple[str, str]] = []
        self.requests: list[Request] = []

    async def score_choices(self, request: Request) -> tuple[dict[str, float], Usage]:
        last = request.messages[-1].text
        note = last.split("Note: ", 1)[1].split("\nStatement: ", 1)[0]
        statement = last.split("\nStatement: ", 1)[1].split("\n", 1)[0]
        self.asked.append((note, statement))
        self.requests.append(request)
        m = float(self.margin(note, statement))
        if m == math.inf:
            raise ProviderError("the model went away")
        return {"yes": -0.1, "no": -0.1 - m}, Usage(input=10, cache_read=100)

    async def stream(self, request: Request) -> Any:
        raise AssertionError("a scoring model is only asked for scores")
        yield  # pragma: no cover

    async def aclose(self) -> None:
        return None


def _scored_dream(paths: Paths, config: Config, model: ScoringModel) -> Any:
    options = DreamOptions(force=True, model="scoring", judge=judge_pairs)
    return run_dream(paths, config, options, provider_factory=lambda _s, _c: model)


def _details(report: Any) -> dict[str, Any]:
    return next(p for p in report.phases if p.name == "consolidate").details["model"]


def test_a_scoring_model_that_says_yes_to_everything_merges_nothing(
    ws: tuple[Paths, Config],
) -> None:
    paths, config = ws
    _with_reworded(paths)
    model = ScoringModel(lambda note, statement: 12.0)  # "yes", as sure as can be
    report = _scored_dream(paths, config, model)
    details = _details(report)
    assert details["scored"] and details["pairs"] >= 2
    assert details["merged"] == 0 and len(store_records(paths, "active")) == 8
    # Every pair passed both ways and was stopped by the control, an unrelated statement.
    assert details["control_refused"] == details["pairs"]
    controls = [s for _n, s in model.asked if s in CONTROLS]
    assert len(controls) == details["pairs"]


def test_a_reading_model_merges_the_same_fact_and_not_the_other_relation(
    ws: tuple[Paths, Config],
) -> None:
    paths, config = ws
    _with_reworded(paths)

    def reads(note: str, statement: str) -> float:
        if statement in CONTROLS:
            return -3.0
        return 1.0 if {note, statement} == set(SAME) else 0.2  # near zero: not sure

    report = _scored_dream(paths, config, ScoringModel(reads))
    active = store_records(paths, "active")
    assert len(active) == 7 and _details(report)["merged"] == 2
    merged = next(r for r in active if r.supersedes)
    assert merged.text == SAME[1]  # the newer record's words
    assert any(r.text == REWORDED for r in active)


@pytest.mark.parametrize(
    "margins, asked",
    [
        ((MIN_MARGIN - 0.01, 5.0, -5.0), 1),  # B does not support A clearly enough
        ((5.0, MIN_MARGIN - 0.01, -5.0), 2),  # nor A supports B
        ((5.0, 5.0, 0.0), 3),  # the control was not a clear no
        ((5.0, math.inf, -5.0), 2),  # the model failed: undecided, asked again later
    ],
)
def test_a_scored_merge_needs_the_margin_both_ways_and_a_no_to_the_control(
    ws: tuple[Paths, Config], margins: tuple[float, float, float], asked: int
) -> None:
    paths, config = ws
    for text in SAME:
        add_memory(paths, text, anchor="app.py:1")
    answers = iter(margins)
    model = ScoringModel(lambda note, statement: next(answers))
    details = _details(_scored_dream(paths, config, model))
    assert len(model.asked) == asked and details["merged"] == 0
    assert len(store_records(paths, "active")) == 2
    assert model.asked[0] == (SAME[1], SAME[0])  # B as the note, A as the statement
    if asked >= 2:
        assert model.asked[1] == (SAME[0], SAME[1])
    assert bool(details["errors"]) == (margins[1] == math.inf)


def test_the_scored_question_is_fixed_but_for_its_last_turn() -> None:
    one, two = build_support_request("m", "x", "y"), build_support_request("m", "p", "q")
    assert one.system == two.system and one.messages[:-1] == two.messages[:-1]
    assert one.choices == ANSWERS and not one.tools and one.temperature == 0.0
    # The worked examples answer both ways, as many yes as no.
    answers = [m.text for m in one.messages[1:-1:2]]
    assert sorted(answers) == ["no", "no", "yes", "yes"]
    assert control_statement("The weather in app.py") == CONTROLS[1]
