"""The test tiers: `make test` runs every test, `make test-fast` leaves out the slow tier. The
rules in conftest.py put a new test in a slow area in the slow tier by default."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

TESTS = Path(__file__).parent


def test_a_new_test_in_a_slow_area_is_slow_by_default(tier_rules: Any) -> None:
    reason = tier_rules.reason
    # Files nobody has written yet: the folder, file or fixture decides.
    assert reason("fleet/test_a_new_worker_feature.py") == "in the slow area fleet/"
    assert reason("memory/test_new.py", fixtures=["tmp_path", "postgres_dsn"])
    assert reason("dream/test_new.py", fixtures=["local_temporal"])
    assert reason("memory/test_new.py", params=["postgres"]) == "runs against postgres"
    for listed in tier_rules.files:
        assert reason(listed), listed
    # Everything else is fast unless marked.
    assert reason("memory/test_new.py", fixtures=["tmp_path"], params=["sqlite"]) is None
    assert reason("core/test_config.py") is None
    assert reason("e2e/test_demo_helpers.py") is None  # a file name that only starts alike


def test_every_listed_slow_file_and_area_exists(tier_rules: Any) -> None:
    # A renamed file would otherwise move its tests to the fast tier without a word.
    for name in tier_rules.files:
        assert (TESTS / name).is_file(), f"{name} is listed in SLOW_FILES but does not exist"
    for area in tier_rules.areas:
        assert (TESTS / area).is_dir(), f"{area} is listed in SLOW_AREAS but does not exist"


def _spawning_tests(path: Path) -> list[str]:
    """The test functions in `path` that start a pseudo-terminal (directly or via a helper of
    the same module) and are not marked slow themselves."""
    source = path.read_text(encoding="utf-8")
    if "pexpect" not in source:
        return []
    tree = ast.parse(source)
    if any(
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets)
        and "slow" in ast.unparse(node.value)
        for node in tree.body
    ):
        return []
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }

    def spawns(node: ast.AST, seen: set[str]) -> bool:
        for call in ast.walk(node):
            if not isinstance(call, ast.Call):
                continue
            name = ast.unparse(call.func)
            if name == "pexpect.spawn":
                return True
            if name in functions and name not in seen:
                seen.add(name)
                if spawns(functions[name], seen):
                    return True
        return False

    return [
        name
        for name, node in functions.items()
        if name.startswith("test_")
        and not any("mark.slow" in ast.unparse(d) for d in node.decorator_list)
        and spawns(node, {name})
    ]


def test_pseudo_terminal_tests_are_in_the_slow_tier(tier_rules: Any) -> None:
    # The REPL under a pseudo-terminal starts the whole CLI and waits on its screen.
    fast = []
    for path in sorted(TESTS.rglob("test_*.py")):
        relative = path.relative_to(TESTS).as_posix()
        if tier_rules.reason(relative) is None:
            fast += [f"{relative}::{name}" for name in _spawning_tests(path)]
    assert fast == [], f"mark these @pytest.mark.slow or list their file in SLOW_FILES: {fast}"


def test_the_pseudo_terminal_check_sees_helpers_and_marks(tmp_path: Path) -> None:
    module = tmp_path / "test_sample.py"
    module.write_text(
        "import pexpect\nimport pytest\n\n"
        "def _start():\n    return pexpect.spawn('x')\n\n"
        "def test_direct():\n    pexpect.spawn('x')\n\n"
        "def test_via_helper():\n    _start()\n\n"
        "@pytest.mark.slow\ndef test_marked():\n    _start()\n\n"
        "def test_plain():\n    assert pexpect\n"
    )
    assert _spawning_tests(module) == ["test_direct", "test_via_helper"]
    module.write_text("import pytest\npytestmark = pytest.mark.slow\n" + module.read_text())
    assert _spawning_tests(module) == []


def test_collected_tests_carry_the_marker_their_rule_gives(
    tier_rules: Any, request: pytest.FixtureRequest
) -> None:
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec is not None else ()
        path = item.path.relative_to(TESTS).as_posix()
        if tier_rules.reason(path, getattr(item, "fixturenames", ()), params):
            assert item.get_closest_marker("slow"), item.nodeid
