"""A real MCP server built on the SDK's own FastMCP, for the tests.

python fast_server.py [--http PORT] [--many N] [--marker FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from mcp.server.fastmcp import Context, FastMCP
from mcp.types import ToolAnnotations

parser = argparse.ArgumentParser()
parser.add_argument("--http", type=int, default=0)
parser.add_argument("--sse", type=int, default=0)
parser.add_argument("--many", type=int, default=0)
parser.add_argument("--marker", default="")
opts = parser.parse_args()
if opts.marker:
    Path(opts.marker).write_text(f"started {os.getpid()}\n")

server = FastMCP("fixture", host="127.0.0.1", port=opts.http or opts.sse or 8000)


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
def echo(text: str) -> str:
    """Echo the text back."""
    return f"echo: {text}"


@server.tool(annotations=ToolAnnotations(readOnlyHint=False, destructiveHint=True))
def delete_all(table: str) -> str:
    """Delete every row of a table."""
    return f"deleted {table}"


@server.tool(annotations=ToolAnnotations(destructiveHint=False, openWorldHint=True))
def post_comment(text: str) -> str:
    """Post a comment to the issue tracker."""
    return "posted"


@server.tool()
def plain(x: int) -> str:
    """A tool with no annotations."""
    return str(x * 2)


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
def hang(seconds: float = 3600) -> str:
    """Never answers in time."""
    time.sleep(seconds)
    return "late"


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
def crash() -> str:
    """Kills the server."""
    sys.stdout.flush()
    os._exit(3)


@server.tool(annotations=ToolAnnotations(readOnlyHint=True))
async def grow(ctx: Context) -> str:
    """Adds a tool and tells the client its tool list changed."""

    def fresh_tool() -> str:
        """A tool that appeared mid-session."""
        return "fresh"

    server.add_tool(fresh_tool, annotations=ToolAnnotations(readOnlyHint=True))
    await ctx.session.send_tool_list_changed()
    return "grown"


for i in range(opts.many):

    def make(i: int):  # noqa: ANN202
        def tool(query: str) -> str:
            return f"result {i} for {query}"

        tool.__name__ = f"extra_tool_{i:02d}"
        tool.__doc__ = f"Look up record kind {i} in the fixture database by a free-text query."
        return tool

    server.add_tool(make(i), annotations=ToolAnnotations(readOnlyHint=True))


@server.resource("notes://readme", name="readme", description="The fixture's readme")
def readme() -> str:
    return "fixture readme text"


@server.prompt()
def review(path: str) -> str:
    """Review a file."""
    return f"Please review {path}."


server.run(transport="streamable-http" if opts.http else "sse" if opts.sse else "stdio")
