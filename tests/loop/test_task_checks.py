"""What a task visibly left undone is checked when the model answers (for small local models)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from wakeful.core.messages import TextBlock, ToolResultBlock
from wakeful.core.tool_names import TASK_CHECK_NOTE
from wakeful.loop.task_checks import rename_asked, rule_files

from .scripted import open_scripted


def _runtime(tmp_path: Path, turns: list[dict[str, Any]], files: dict[str, str]):
    return open_scripted(tmp_path, turns, files), tmp_path / "ws"


def _call(name: str, **args: Any) -> dict[str, Any]:
    return {"tool_calls": [{"name": name, "input": args}]}


def _notes(messages: list[Any]) -> list[str]:
    return [
        b.text
        for m in messages
        if m.role == "user"
        for b in m.content
        if isinstance(b, TextBlock) and b.text.startswith(TASK_CHECK_NOTE)
    ]


SHOP = {
    "shop.py": "def calc(prices):\n    return sum(prices)\n",
    "main.py": "from shop import calc\n\nprint(calc([1, 2, 3]))\n",
}
TASK = "Rename the function calc to compute_total in shop.py and everywhere it is used."


async def test_a_rename_left_behind_is_pointed_out_once_with_its_files_read(
    tmp_path: Path,
) -> None:
    # The coder model edited calc's body (`return compute_total(prices)`) and answered
    # "Renamed calc to compute_total in shop.py and everywhere it is used."
    rt, repo = _runtime(
        tmp_path,
        [
            _call("read", path="shop.py"),
            _call(
                "edit",
                path="shop.py",
                old_string="    return sum(prices)",
                new_string="    return compute_total(prices)",
            ),
            {"text": "Renamed calc to compute_total everywhere."},
            _call(
                "write",
                path="shop.py",
                content="def compute_total(prices):\n    return sum(prices)\n",
            ),
            {"text": "Renamed it in shop.py."},
        ],
        SHOP,
    )
    rt.agent.task_checks = True
    result = await rt.agent.run(TASK)
    await rt.close()
    assert not result.is_error and result.text == "Renamed it in shop.py."
    notes = _notes(rt.agent.messages)
    assert len(notes) == 1, notes  # once per turn, though main.py still says calc
    assert "shop.py:1:def calc(prices):" in notes[0]
    assert "main.py:1:from shop import calc" in notes[0]
    assert "main.py:3:print(calc([1, 2, 3]))" in notes[0]
    # main.py, not yet read, is read for the model (shop.py was read and edited since: read
    # again too, as it changed after its last read).
    reads = [
        b.input["path"]
        for m in rt.agent.messages
        for b in m.tool_uses
        if b.id.startswith("preread_")
    ]
    assert "main.py" in reads
    shown = [
        b.content for m in rt.agent.messages for b in m.content if isinstance(b, ToolResultBlock)
    ]
    assert any("print(calc([1, 2, 3]))" in c for c in shown)
    records = [json.loads(line) for line in rt.transcript.path.read_text().splitlines()]
    assert any(r.get("type") == "task_check" and r["kind"] == "rename" for r in records)


async def test_a_rename_done_everywhere_is_not_questioned(tmp_path: Path) -> None:
    rt, repo = _runtime(
        tmp_path,
        [
            _call("read", path="shop.py"),
            _call("write", path="shop.py", content="def compute_total(prices):\n    return 1\n"),
            _call("read", path="main.py"),
            _call(
                "write",
                path="main.py",
                content="from shop import compute_total\n\nprint(compute_total([1]))\n",
            ),
            {"text": "Renamed."},
        ],
        # A line that names both records the rename; it is no leftover.
        {**SHOP, "CHANGELOG.md": "- renamed calc to compute_total\n"},
    )
    rt.agent.task_checks = True
    result = await rt.agent.run(TASK)
    await rt.close()
    assert result.text == "Renamed." and result.turns == 5
    assert _notes(rt.agent.messages) == []


async def test_a_rename_in_named_files_only_looks_there(tmp_path: Path) -> None:
    rt, _ = _runtime(
        tmp_path,
        [
            _call("read", path="shop.py"),
            _call("write", path="shop.py", content="def compute_total(prices):\n    return 1\n"),
            {"text": "Renamed."},
        ],
        SHOP,
    )
    rt.agent.task_checks = True
    result = await rt.agent.run("Rename calc to compute_total in shop.py.")
    await rt.close()
    assert result.text == "Renamed." and _notes(rt.agent.messages) == []


RULED = {
    "AGENTS.md": "# Rules\n\nRecord every change as a new line in CHANGELOG.md.\n"
    "Never edit vendor/lib.py.\n",
    "CHANGELOG.md": "# Changelog\n\n- first release\n",
    "vendor/lib.py": "x = 1\n",
    "app.py": "GREETING = 'hello'\n",
}


async def test_a_file_the_project_instructions_name_is_pointed_out_after_a_change(
    tmp_path: Path,
) -> None:
    # AGENTS.md: "Record every change as a new line in CHANGELOG.md." The coder model changed
    # app.py and answered "GREETING is now 'hi' in app.py."
    turns = [
        _call("read", path="app.py"),
        _call("edit", path="app.py", old_string="'hello'", new_string="'hi'"),
        {"text": "GREETING is now 'hi' in app.py."},
        _call(
            "edit",
            path="CHANGELOG.md",
            old_string="- first release\n",
            new_string="- first release\n- greeting is 'hi'\n",
        ),
        {"text": "Done, and recorded."},
    ]
    rt, repo = _runtime(tmp_path, turns, RULED)
    rt.agent.task_checks = True
    result = await rt.agent.run("Change GREETING in app.py from 'hello' to 'hi'.")
    await rt.close()
    assert not result.is_error and result.text == "Done, and recorded.", result
    notes = _notes(rt.agent.messages)
    assert len(notes) == 1
    assert '"Record every change as a new line in CHANGELOG.md."' in notes[0]
    assert "vendor" not in notes[0]
    # CHANGELOG.md was read for the model, so its edit could be made at once.
    assert "- greeting is 'hi'" in (repo / "CHANGELOG.md").read_text()


async def test_no_change_no_rule_check_and_the_rule_file_changed_is_enough(
    tmp_path: Path,
) -> None:
    question = [_call("read", path="app.py"), {"text": "It is 'hello'."}]
    rt, _ = _runtime(tmp_path, question, RULED)
    rt.agent.task_checks = True
    result = await rt.agent.run("What is GREETING in app.py?")
    await rt.close()
    assert result.text == "It is 'hello'." and _notes(rt.agent.messages) == []
    both = [
        _call("read", path="app.py"),
        _call("write", path="app.py", content="GREETING = 'hi'\n"),
        _call("bash", command="echo '- hi' >> CHANGELOG.md"),
        {"text": "Done."},
    ]
    rt, _ = _runtime(tmp_path / "two", both, RULED)
    rt.agent.task_checks = True
    result = await rt.agent.run("Change GREETING in app.py to 'hi'.")
    await rt.close()
    assert result.text == "Done." and _notes(rt.agent.messages) == []


async def test_without_task_checks_an_answer_ends_the_turn(tmp_path: Path) -> None:
    rt, _ = _runtime(
        tmp_path,
        [
            _call("read", path="app.py"),
            _call("write", path="app.py", content="GREETING = 'hi'\n"),
            {"text": "Done."},
        ],
        RULED,
    )
    assert rt.agent.task_checks is False  # the scripted provider does not ask for it
    result = await rt.agent.run("Change GREETING in app.py to 'hi'.")
    await rt.close()
    assert result.text == "Done." and result.turns == 3


def test_what_counts_as_a_rename_and_as_a_rule_naming_a_file(tmp_path: Path) -> None:
    assert rename_asked(TASK) == ("calc", "compute_total")
    assert rename_asked("Rename the constant MAX_USERS to USER_LIMIT in every file.") == (
        "MAX_USERS",
        "USER_LIMIT",
    )
    assert rename_asked("Please rename `old_api` to `new_api`.") == ("old_api", "new_api")
    assert rename_asked("Fix the bug in app.py.") is None
    assert rename_asked("Rename it to something better.") is None
    for rel in ("CHANGELOG.md", "docs/api.md", "vendor/lib.py", "AGENTS.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x\n")
    rules = (
        "# AGENTS.md\n\n# Rules\n\n- Record every change in CHANGELOG.md.\n"
        "- Do not edit vendor/lib.py. Keep docs/api.md in step with the code.\n"
        "- Read AGENTS.md first. Mention missing.md.\n"
    )
    assert rule_files(rules, tmp_path, tmp_path) == {
        "CHANGELOG.md": "Record every change in CHANGELOG.md.",
        "docs/api.md": "Keep docs/api.md in step with the code.",
    }
