"""Files the task names are read before the model's first reply (for small local models)."""

from __future__ import annotations

import json
from pathlib import Path

from wakeful.core.messages import ToolResultBlock, ToolUseBlock
from wakeful.loop.preread import named_files

from .scripted import open_scripted

_runtime = open_scripted


def test_named_files_are_the_existing_files_the_text_names(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    for rel in ("server.py", "pkg/__init__.py", "setup.cfg", "big.txt", ".git/config"):
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text("x\n")
    (ws / "big.txt").write_text("x" * 100_000)
    (tmp_path / "outside.py").write_text("secret\n")
    text = (
        "Which port does server.py use? Bump 1.2.0 in setup.cfg and pkg/__init__.py, "
        "not in new.py, big.txt, .git/config, ../outside.py or server.py again."
    )
    assert named_files(text, ws, ws) == ["server.py", "setup.cfg", "pkg/__init__.py"]
    assert named_files("Create hello.py that prints Hello.", ws, ws) == []
    # At most `limit` files.
    assert named_files(text, ws, ws, limit=1) == ["server.py"]


async def test_a_named_file_is_read_before_the_first_reply(tmp_path: Path) -> None:
    # Asked "How many functions are defined in utils.py?", Qwen2.5-Coder-1.5B grepped utils.py
    # for "def count_functions_in_utils_py" and answered from "no matches"; asked to fix
    # app.py, it grepped app.py for "check.py:.*crash". With the file read up front (a real
    # `read` call, through the policy and into the transcript) the first reply can answer.
    rt = _runtime(
        tmp_path,
        [{"text": "utils.py defines 2 functions."}],
        {"utils.py": "def a():\n    pass\n\n\ndef b():\n    pass\n"},
    )
    rt.agent.preread = True
    result = await rt.agent.run("How many functions are defined in utils.py?")
    await rt.close()
    assert not result.is_error and result.turns == 1
    first = rt.agent.messages[1]
    assert first.role == "assistant"
    assert [(b.name, b.input) for b in first.tool_uses] == [("read", {"path": "utils.py"})]
    shown = rt.agent.messages[2].content[0]
    assert isinstance(shown, ToolResultBlock) and "def b():" in shown.content
    # The read counts as a read: the file may be edited next.
    assert str(rt.paths.workspace / "utils.py") in rt.agent.ctx.read_stamps
    records = [json.loads(line) for line in rt.transcript.path.read_text().splitlines()]
    assert any(r.get("type") == "preread" and r["paths"] == ["utils.py"] for r in records)


async def test_without_preread_nothing_is_read_for_the_model(tmp_path: Path) -> None:
    rt = _runtime(tmp_path, [{"text": "no idea"}], {"utils.py": "def a():\n    pass\n"})
    assert rt.agent.preread is False  # the scripted provider does not ask for it
    await rt.agent.run("How many functions are defined in utils.py?")
    await rt.close()
    assert not any(isinstance(b, ToolUseBlock) for m in rt.agent.messages for b in m.content)


async def test_the_modules_a_named_file_imports_from_the_workspace_are_read_too(
    tmp_path: Path,
) -> None:
    # "main.py fails with an ImportError. Fix main.py so it prints the greeting." With only
    # main.py (`from helpers import greet`) read, the coder model changed the call's argument
    # and answered; helpers.py, which defines greet_user, was never looked at.
    rt = _runtime(
        tmp_path,
        [{"text": "It imports greet, which helpers.py does not define."}],
        {
            "main.py": "import os\nfrom helpers import greet\nimport pkg.util\n\nprint(greet('ann'))\n",
            "helpers.py": "def greet_user(name):\n    return 'hi ' + name\n",
            "pkg/__init__.py": "",
            "pkg/util.py": "X = 1\n",
        },
    )
    rt.agent.preread = True
    await rt.agent.run("main.py fails with an ImportError. Fix main.py so it prints the greeting.")
    await rt.close()
    first = rt.agent.messages[1]
    assert [b.input["path"] for b in first.tool_uses] == ["main.py", "helpers.py", "pkg/util.py"]
