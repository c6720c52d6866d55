from __future__ import annotations

import pytest

from wakeful.core.errors import ToolError
from wakeful.tools._args import ArgError, check_args
from wakeful.tools.base import Tool, ToolContext, schema_of
from wakeful.tools.registry import default_tools, tool_map
from wakeful.tools.todo import TodoItem, TodoTool, current_todos


async def test_todo_writes_and_renders_the_whole_list(ctx: ToolContext) -> None:
    tool = TodoTool()
    r = await tool.run(
        {
            "todos": [
                {"content": "read the code", "status": "completed"},
                {"content": "write the fix", "status": "in_progress"},
                {"content": "run tests", "status": "pending"},
            ]
        },
        ctx,
    )
    assert not r.is_error
    assert r.content == (
        "Todo list (1/3 completed):\n[x] read the code\n[>] write the fix\n[ ] run tests"
    )
    assert ctx.todos[1] == TodoItem("write the fix", "in_progress")
    r = await tool.run({"todos": [{"content": "run tests", "status": "completed"}]}, ctx)
    assert [t.content for t in current_todos(ctx)] == ["run tests"]
    r = await tool.run({"todos": []}, ctx)
    assert r.content == "Todo list is empty." and ctx.todos == []


async def test_todo_rejects_bad_items_without_changing_the_list(ctx: ToolContext) -> None:
    tool = TodoTool()
    await tool.run({"todos": [{"content": "keep me", "status": "pending"}]}, ctx)
    for bad in (
        [{"content": "x", "status": "doing"}],
        [{"content": "x"}],
        [{"content": "   ", "status": "pending"}],
        ["just a string"],
    ):
        r = await tool.run({"todos": bad}, ctx)
        assert r.is_error, bad
        assert "Nothing was changed" in r.content
    assert [t.content for t in current_todos(ctx)] == ["keep me"]
    r = await tool.run({"todos": "not a list"}, ctx)
    assert r.is_error


async def test_todo_notes_more_than_one_in_progress(ctx: ToolContext) -> None:
    r = await TodoTool().run(
        {
            "todos": [
                {"content": "a", "status": "in_progress"},
                {"content": "b", "status": "in_progress"},
            ]
        },
        ctx,
    )
    assert not r.is_error and "2 items are in_progress" in r.content


def test_todo_risk(ctx: ToolContext) -> None:
    risk = TodoTool().risk({"todos": []}, ctx)
    assert risk.kind == "other" and risk.read_only


def test_default_tools_are_the_seven_fresh_instances() -> None:
    first, second = default_tools(), default_tools()
    names = [t.name for t in first]
    assert names == ["read", "write", "edit", "bash", "glob", "grep", "todo"]
    assert all(a is not b for a, b in zip(first, second, strict=True))
    read_only = {t.name for t in first if t.read_only}
    assert read_only == {"read", "glob", "grep", "todo"}
    for tool in first:
        assert isinstance(tool, Tool)
        schema = schema_of(tool).input_schema
        assert schema["type"] == "object"
        assert set(schema["required"]) <= set(schema["properties"])
        assert len(tool.description) > 40


def test_tool_map_refuses_duplicate_names() -> None:
    tools = default_tools()
    assert set(tool_map(tools)) == {t.name for t in tools}
    with pytest.raises(ToolError, match="two tools are named 'read'"):
        tool_map([*tools, default_tools()[0]])


def test_check_args_coerces_and_explains() -> None:
    schema = {
        "type": "object",
        "properties": {
            "n": {"type": "integer"},
            "x": {"type": "number"},
            "flag": {"type": "boolean"},
            "s": {"type": "string"},
        },
        "required": ["s"],
    }
    got = check_args("t", {"s": 5, "n": "7", "x": "2.5", "flag": "true", "extra": 1}, schema)
    assert got == {"s": "5", "n": 7, "x": 2.5, "flag": True}
    with pytest.raises(ArgError, match="missing required argument `s`"):
        check_args("t", {"n": 1}, schema)
    with pytest.raises(ArgError, match="`flag` must be true or false"):
        check_args("t", {"s": "a", "flag": "maybe"}, schema)
    with pytest.raises(ArgError, match="`n` must be an integer"):
        check_args("t", {"s": "a", "n": True}, schema)
    with pytest.raises(ArgError, match="must be a JSON object"):
        check_args("t", ["s"], schema)
