"""bench/tasks.py itself: the tasks' reference solutions solve them through the real CLI, and
a run that does nothing is not counted as solved."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "tasks.py"


@pytest.fixture(scope="module")
def tasks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_tasks", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_tasks"] = module
    spec.loader.exec_module(module)
    return module


def test_the_suite_covers_the_kinds_of_work(tasks: ModuleType) -> None:
    assert len(tasks.TASKS) >= 20
    assert len({t.name for t in tasks.TASKS}) == len(tasks.TASKS)
    assert {t.kind for t in tasks.TASKS} >= {
        "question",
        "fix",
        "multi-file",
        "tests",
        "create",
        "agents-md",
    }


@pytest.mark.parametrize(
    "name", ["question-port", "fix-failing-test", "rename-constant", "agents-changelog"]
)
@pytest.mark.slow
def test_reference_solutions_solve_their_tasks_through_the_cli(
    tasks: ModuleType, name: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(home))
    task = next(t for t in tasks.TASKS if t.name == name)
    result = tasks.run_task(task, "scripted", timeout=120)
    assert result.solved, result
    assert result.requests == len(task.solution)
    assert result.tokens > 0 and result.seconds > 0


@pytest.mark.slow
def test_a_run_that_changes_nothing_is_not_solved(
    tasks: ModuleType, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(home))
    for name in ("fix-name-error", "question-port", "agents-vendor"):
        task = next(t for t in tasks.TASKS if t.name == name)
        lazy = dataclasses.replace(task, solution=[{"text": "Done, the port is 80."}])
        result = tasks.run_task(lazy, "scripted", timeout=120)
        assert not result.solved, name
        assert result.requests == 1
