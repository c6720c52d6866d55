"""Prefix tokens an MCP server adds to every request, listed tool by tool vs. through the
mcp_search/mcp_call pair, and whether the cached prefix survives the server's tools changing.

Starts the test suite's FastMCP fixture server (real SDK, stdio) with 50 tools, builds the
session prefix both ways, then has the server add a tool mid-session and checks that the
prefix fingerprint is unchanged. Tokens are estimated at 4 characters per token (the
scripted provider's estimate; real tokenisers land within ~20% for JSON schemas).

Usage: python bench/mcp_prefix.py [--tools N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.extensions.mcp_client import McpClient
from wakeful.extensions.mcp_config import ServerSpec
from wakeful.extensions.mcp_tools import mcp_tools
from wakeful.prompt.prefix import build_prefix, tools_text
from wakeful.tools.base import ToolContext, schema_of

FIXTURE = Path(__file__).resolve().parent.parent / "tests/extensions/servers/fast_server.py"
BASE_TOOLS = 7  # echo, delete_all, post_comment, plain, hang, crash, grow


def tokens(text: str) -> int:
    return len(text) // 4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tools", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    spec = ServerSpec(
        "big",
        "stdio",
        "bench",
        "user",
        command=sys.executable,
        args=(str(FIXTURE), "--many", str(max(0, args.tools - BASE_TOOLS))),
    )
    with tempfile.TemporaryDirectory() as tmp:
        client = McpClient([spec], Path(tmp), Path(tmp) / "logs", call_timeout=20)
        try:
            notices = client.start()
            if notices:
                raise SystemExit(notices[0])
            server_tools = len(client.servers["big"].tools)
            listed, _ = mcp_tools(client, max_listed=10_000)
            paired, _ = mcp_tools(client, max_listed=20)
            listed_text = tools_text([schema_of(t) for t in listed])
            paired_text = tools_text([schema_of(t) for t in paired])
            before = build_prefix([schema_of(t) for t in paired], "core").fingerprints["tools"]
            ctx = ToolContext(paths=Paths(Path(tmp), Path(tmp), Path(tmp)), config=Config())
            call = next(t for t in paired if t.name == "mcp_call")
            asyncio.run(call.run({"name": "mcp__big__grow"}, ctx))
            search = next(t for t in paired if t.name == "mcp_search")
            found = asyncio.run(search.run({"query": "appeared mid-session"}, ctx)).content
            after = build_prefix([schema_of(t) for t in paired], "core").fingerprints["tools"]
        finally:
            client.close()
    figures = {
        "server_tools": server_tools,
        "listed_prefix_tokens": tokens(listed_text),
        "search_call_prefix_tokens": tokens(paired_text),
        "saved_tokens_per_request": tokens(listed_text) - tokens(paired_text),
        "prefix_unchanged_after_tools_changed": before == after,
        "new_tool_found_by_search": "mcp__big__fresh_tool" in found,
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"MCP server with {server_tools} tools (FastMCP fixture, stdio)")
    print(f"  listed tool by tool:   ~{figures['listed_prefix_tokens']} prefix tokens")
    print(f"  mcp_search + mcp_call: ~{figures['search_call_prefix_tokens']} prefix tokens")
    print(f"  saved per request:     ~{figures['saved_tokens_per_request']} tokens")
    print(
        "  server added a tool mid-session: prefix unchanged = "
        f"{figures['prefix_unchanged_after_tools_changed']}, new tool found by search = "
        f"{figures['new_tool_found_by_search']}"
    )


if __name__ == "__main__":
    main()
