"""The built-in tool set, built fresh per session so no state leaks between sessions."""

from __future__ import annotations

from collections.abc import Iterable

from wakeful.core.errors import ToolError
from wakeful.tools.base import Tool


def default_tools() -> list[Tool]:
    """New instances of the seven core tools: read, write, edit, bash, glob, grep, todo."""
    from wakeful.tools.bash import BashTool
    from wakeful.tools.edit import EditTool
    from wakeful.tools.glob import GlobTool
    from wakeful.tools.grep import GrepTool
    from wakeful.tools.read import ReadTool
    from wakeful.tools.todo import TodoTool
    from wakeful.tools.write import WriteTool

    return [
        ReadTool(),
        WriteTool(),
        EditTool(),
        BashTool(),
        GlobTool(),
        GrepTool(),
        TodoTool(),
    ]


def tool_map(tools: Iterable[Tool]) -> dict[str, Tool]:
    """Tools by name; two tools with one name is a wiring bug, so it is refused."""
    out: dict[str, Tool] = {}
    for tool in tools:
        if tool.name in out:
            raise ToolError(
                f"two tools are named {tool.name!r}; give each tool a unique name before "
                "registering it"
            )
        out[tool.name] = tool
    return out
