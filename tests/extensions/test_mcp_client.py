"""The MCP client against real servers: the SDK's FastMCP (stdio and streamable HTTP) and a
hand-written JSON-RPC server; crashes, hangs and garbage become error results in time."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.extensions.mcp_client import McpClient
from wakeful.extensions.mcp_config import ServerSpec
from wakeful.extensions.mcp_tools import McpTool, annotation_tier, mcp_tools
from wakeful.policy.tool_risk import classify_risk
from wakeful.tools.base import ToolContext

from .conftest import FAST, RAW


def stdio(name: str, script: Path, *args: str) -> ServerSpec:
    return ServerSpec(
        name, "stdio", "test", "user", command=sys.executable, args=(str(script), *args)
    )


def ctx(tmp_path: Path) -> ToolContext:
    paths = Paths(tmp_path, tmp_path / "data", tmp_path / "conf")
    return ToolContext(paths=paths, config=Config(), cwd=tmp_path)


def by_name(tools: list, name: str):  # noqa: ANN201
    return next(t for t in tools if t.name == name)


async def test_fastmcp_stdio_tools_tiers_calls_resources_prompts(tmp_path: Path) -> None:
    client = McpClient([stdio("fx", FAST)], tmp_path, call_timeout=10)
    try:
        assert client.start() == []
        tools, notices = mcp_tools(client)
        names = {t.name for t in tools}
        assert {"mcp__fx__echo", "mcp__fx__delete_all", "mcp__fx__plain"} <= names
        assert "mcp_resources" in names and notices == []
        c = ctx(tmp_path)
        tiers = {
            t.name: classify_risk(t.risk({}, c), tmp_path).tier
            for t in tools
            if isinstance(t, McpTool)
        }
        assert tiers["mcp__fx__echo"] == "read_only"
        assert tiers["mcp__fx__delete_all"] == "high"
        assert tiers["mcp__fx__post_comment"] == "network"
        assert tiers["mcp__fx__plain"] == "high"
        out = await by_name(tools, "mcp__fx__echo").run({"text": "hi"}, c)
        assert (out.content, out.is_error) == ("echo: hi", False)
        res = by_name(tools, "mcp_resources")
        listing = await res.run({}, c)
        assert "notes://readme" in listing.content
        read = await res.run({"server": "fx", "uri": "notes://readme"}, c)
        assert read.content == "fixture readme text"
        prompts = await res.run({"server": "fx", "prompt": ""}, c)
        assert '"review"' in prompts.content
        got = await res.run({"server": "fx", "prompt": "review", "arguments": {"path": "a.py"}}, c)
        assert "Please review a.py." in got.content
        bad = await by_name(tools, "mcp__fx__plain").run({"x": "not a number"}, c)
        assert bad.is_error
    finally:
        client.close()


async def test_hang_times_out_and_crash_is_reported(tmp_path: Path) -> None:
    client = McpClient([stdio("fx", FAST)], tmp_path, call_timeout=2)
    try:
        assert client.start() == []
        tools, _ = mcp_tools(client)
        c = ctx(tmp_path)
        started = time.monotonic()
        out = await by_name(tools, "mcp__fx__hang").run({}, c)
        assert out.is_error and "did not answer" in out.content
        assert time.monotonic() - started < 6
        started = time.monotonic()
        out = await by_name(tools, "mcp__fx__crash").run({}, c)
        assert out.is_error, out.content
        assert time.monotonic() - started < 6
        # Once dead, the server answers at once with an error naming it.
        started = time.monotonic()
        again = await by_name(tools, "mcp__fx__echo").run({"text": "x"}, c)
        assert again.is_error and "fx" in again.content
        assert time.monotonic() - started < 4
    finally:
        client.close()


async def test_raw_jsonrpc_server_and_garbage(tmp_path: Path) -> None:
    client = McpClient([stdio("raw", RAW)], tmp_path, call_timeout=2)
    try:
        assert client.start() == []
        tools, _ = mcp_tools(client)
        assert [t.name for t in tools] == [
            "mcp__raw__add",
            "mcp__raw__garbage",
            "mcp__raw__wrong_id",
        ]
        c = ctx(tmp_path)
        ok = await by_name(tools, "mcp__raw__add").run({"a": 2, "b": 3}, c)
        assert ok.content == "sum=5" and not ok.is_error
        for name in ("mcp__raw__garbage", "mcp__raw__wrong_id"):
            started = time.monotonic()
            out = await by_name(tools, name).run({}, c)
            assert out.is_error, out.content
            assert time.monotonic() - started < 6
    finally:
        client.close()


def test_a_server_that_does_not_start_is_a_notice(tmp_path: Path) -> None:
    bad = ServerSpec("nope", "stdio", "cfg", "user", command="/nonexistent/server-binary")
    silent = ServerSpec(
        "mute",
        "stdio",
        "cfg",
        "user",
        command=sys.executable,
        args=("-c", "import time; time.sleep(60)"),
    )
    client = McpClient([bad, silent], tmp_path, start_timeout=2)
    started = time.monotonic()
    try:
        notices = client.start()
    finally:
        client.close()
    assert time.monotonic() - started < 15
    assert len(notices) == 2
    assert "'nope'" in notices[0] and "wakeful mcp test nope" in notices[0]
    assert "'mute'" in notices[1] and "did not answer" in notices[1]


async def test_streamable_http_server(tmp_path: Path, http_server: str) -> None:
    spec = ServerSpec("web", "http", "test", "user", url=http_server)
    client = McpClient([spec], tmp_path, call_timeout=10)
    try:
        assert client.start() == []
        tools, _ = mcp_tools(client)
        echo = by_name(tools, "mcp__web__echo")
        c = ctx(tmp_path)
        # a remote server's read-only tool is still network: its arguments leave the machine
        assert classify_risk(echo.risk({}, c), tmp_path).tier == "network"
        out = await echo.run({"text": "over http"}, c)
        assert out.content == "echo: over http"
    finally:
        client.close()


async def test_large_server_is_reached_by_search_and_call(tmp_path: Path) -> None:
    client = McpClient([stdio("big", FAST, "--many", "50")], tmp_path, call_timeout=10)
    try:
        assert client.start() == []
        tools, _ = mcp_tools(client, max_listed=20)
        names = sorted(t.name for t in tools)
        assert names == ["mcp_call", "mcp_resources", "mcp_search"]
        c = ctx(tmp_path)
        found = await by_name(tools, "mcp_search").run({"query": "record kind 7"}, c)
        assert "mcp__big__extra_tool_07" in found.content
        call = by_name(tools, "mcp_call")
        args = {"name": "mcp__big__extra_tool_07", "arguments": {"query": "q"}}
        risk = call.risk(args, c)
        assert risk.tool == "mcp__big__extra_tool_07"  # rules for that tool apply
        assert classify_risk(risk, tmp_path).tier == "read_only"
        out = await call.run(args, c)
        assert out.content == "result 7 for q"
        # a tool added mid-session is found by search, without any change to the tools array
        grown = await call.run({"name": "mcp__big__grow"}, c)
        assert grown.content == "grown"
        again = await by_name(tools, "mcp_search").run({"query": "appeared mid-session"}, c)
        assert "mcp__big__fresh_tool" in again.content
    finally:
        client.close()


async def test_sse_server(tmp_path: Path, sse_server: str) -> None:
    from wakeful.extensions.mcp_config import parse_server

    spec = parse_server("old", {"type": "sse", "url": sse_server}, "test", "user", {})
    client = McpClient([spec], tmp_path, call_timeout=10)
    try:
        assert client.start() == []
        tools, _ = mcp_tools(client)
        out = await by_name(tools, "mcp__old__echo").run({"text": "sse"}, ctx(tmp_path))
        assert out.content == "echo: sse"
    finally:
        client.close()


def test_a_malformed_entry_is_skipped_with_a_notice(tmp_path: Path) -> None:
    import json

    from wakeful.extensions.mcp_config import load_servers

    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / ".mcp.json").write_text(
        json.dumps(
            {
                "mcpServers": {
                    "good": {"command": "x", "args": ["${NAME:-dflt}", "${HOME}"]},
                    "bad": {"type": "websocket", "url": "ws://x"},
                    "noargs": {"command": "x", "args": "not a list"},
                }
            }
        )
    )
    paths = Paths(ws, tmp_path / "data", tmp_path / "conf")
    sources = load_servers(paths, Config(env={"HOME": "/h"}, trusted=True))
    assert [s.name for s in sources.servers] == ["good"]
    assert sources.servers[0].args == ("dflt", "/h")
    assert len(sources.errors) == 2
    assert any("transport 'websocket' is not supported" in e for e in sources.errors)
    assert any("`args` must be a list of strings" in e for e in sources.errors)


@pytest.mark.parametrize(
    ("ann", "remote", "tier"),
    [
        ({"readOnlyHint": True}, False, "read_only"),
        ({"readOnlyHint": True, "openWorldHint": True}, False, "network"),
        ({"destructiveHint": True}, False, "high"),
        ({"destructiveHint": False, "openWorldHint": True}, False, "network"),
        ({"openWorldHint": True}, False, "high"),  # destructive by default
        ({"destructiveHint": False}, False, "high"),
        (None, False, "high"),
        ({"readOnlyHint": True}, True, "network"),
    ],
)
def test_annotation_tiers(ann, remote, tier) -> None:  # noqa: ANN001
    assert annotation_tier(ann, remote)[0] == tier
