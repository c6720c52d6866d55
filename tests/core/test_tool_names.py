"""One registry of tool names (core/tool_names.py): every other module imports the names.

A list, set, tuple or dict of tool-name literals elsewhere in src/ is a second registry that
will drift from the first (a new tool missing from a rule group or from the dreamer's
allow-list), so the scan below fails on one.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import get_args

import pytest

import wakeful
from wakeful.agents.dreamer import MergeMemoriesTool
from wakeful.agents.runtime import build_tools
from wakeful.core import tool_names
from wakeful.core.config import Config
from wakeful.extensions.agents import AgentDef, load_agents
from wakeful.policy.rules import TOOL_GROUPS
from wakeful.policy.types import RiskKind

SRC = Path(wakeful.__file__).parent
REGISTRY = SRC / "core" / "tool_names.py"
# These name shell programs and builtins (`grep`, `read`), not tools.
SHELL_MODULES = {
    *(SRC / "policy" / "programs").glob("*.py"),
    SRC / "policy" / "program_rules.py",
    SRC / "policy" / "shell.py",
    SRC / "policy" / "shell_parse.py",
}
NAMES = {*tool_names.ALL_TOOLS, *tool_names.CLAUDE_CODE_NAMES.values()}
# "read", "write" and "delegate" are also risk kinds: a collection of kinds alone is fine.
KINDS = set(get_args(RiskKind))


def name_collections(source: str) -> list[tuple[int, list[str]]]:
    """(line, names) of every collection literal holding two or more tool names, unless the
    names it holds are all risk kinds too."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            elts = list(node.elts)
        elif isinstance(node, ast.Dict):
            elts = [*(k for k in node.keys if k is not None), *node.values]
        else:
            continue
        names = [
            e.value
            for e in elts
            if isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value in NAMES
        ]
        if len(names) >= 2 and not set(names) <= KINDS:
            found.append((node.lineno, names))
    return sorted(found)


def test_the_scan_finds_a_list_of_tool_names() -> None:
    source = (
        'READS = frozenset({"read", "glob", "grep"})\n'
        'HOOKS = {"bash": "Bash", "edit": "Edit"}\n'
        'KINDS = ("read", "write")\n'
        'ONE = "bash"\n'
    )
    assert [line for line, _ in name_collections(source)] == [1, 2]


@pytest.mark.slow
def test_no_module_but_the_registry_lists_tool_names() -> None:
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path == REGISTRY or path in SHELL_MODULES:
            continue
        for line, names in name_collections(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(SRC)}:{line}: {names}")
    assert not offenders, (
        "tool names listed outside core/tool_names.py; import them from there:\n"
        + "\n".join(offenders)
    )


def test_every_builtin_tool_is_declared_in_the_registry() -> None:
    built = [t.name for t in build_tools(Config())]
    assert built == list(tool_names.BUILTIN_TOOLS)
    assert MergeMemoriesTool.name == tool_names.MERGE_MEMORIES
    assert set(tool_names.ALL_TOOLS) == {*built, MergeMemoriesTool.name}
    assert set(tool_names.LOCAL_MODEL_TOOLS) <= set(built)


def test_rule_groups_and_claude_code_names_refer_to_real_tools() -> None:
    real = set(tool_names.ALL_TOOLS)
    for word, governed in TOOL_GROUPS.items():
        if word not in ("*", "memory"):
            assert word in real and governed <= real, word
    assert TOOL_GROUPS["memory"] == tool_names.MEMORY_TOOLS
    assert set(tool_names.CLAUDE_CODE_NAMES) <= real
    assert set(tool_names.CLAUDE_CODE_ALIASES.values()) <= real


def test_a_custom_agent_written_for_claude_code_gets_wakeful_tool_names(tmp_path: Path) -> None:
    (tmp_path / "reviewer.md").write_text(
        "---\nname: reviewer\ndescription: reviews\ntools: Read, Grep, LS, MultiEdit, Task\n"
        "---\nReview the change.\n"
    )
    agents, _notes = load_agents([tmp_path])
    agent = agents["reviewer"]
    assert isinstance(agent, AgentDef)
    assert agent.tools == ("read", "grep", "glob", "edit", "delegate")
