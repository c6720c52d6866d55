"""MCP tools as wakeful tools: `mcp__<server>__<tool>`, or a search/call pair for big servers.

The tools array is fixed when the session starts. A server with more than
`max_listed_tools` tools is not listed tool by tool: `mcp_search` finds its tools (from the
live list, so tools a server adds later are found too) and `mcp_call` calls one; both have
fixed schemas, so connecting a large server or a server changing its tools never changes
the cached prefix mid-session.

Every call is checked by the policy with the tier the tool's annotations claim: readOnlyHint
-> read_only, destructiveHint (or no hint at all) -> high, a non-destructive openWorldHint
-> network; a tool on a remote (HTTP) server is at least network, since its arguments leave
the machine. Only a user rule (`mcp__server__tool`, `mcp__server__*`) can loosen that.
"""

from __future__ import annotations

import json
import re
from typing import Any

from wakeful.core.errors import ToolError
from wakeful.core.settings import McpSettings
from wakeful.extensions.mcp_client import McpClient, McpToolInfo
from wakeful.policy.types import RiskInput, Tier
from wakeful.tools.base import ToolContext, ToolResult

MAX_LISTED_TOOLS = McpSettings().max_listed_tools
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_RANK = {"read_only": 0, "workspace": 1, "network": 2, "high": 3, "critical": 4}


def tool_name(server: str, tool: str) -> str:
    """`mcp__<server>__<tool>`, limited to the characters and length model APIs accept."""
    return f"mcp__{_UNSAFE.sub('_', server)}__{_UNSAFE.sub('_', tool)}"[:64]


def annotation_tier(ann: dict[str, Any] | None, remote: bool) -> tuple[Tier, str]:
    """The tier a tool's annotations claim, and why (see the module docstring)."""
    ann = ann or {}
    read_only = ann.get("readOnlyHint") is True
    open_world = ann.get("openWorldHint") is True
    tier: Tier
    if read_only:
        tier, why = (
            (Tier.NETWORK, "is read-only but reaches the open world (annotations)")
            if open_world
            else (Tier.READ_ONLY, "is read-only (readOnlyHint)")
        )
    elif ann.get("destructiveHint") is not False:
        why = (
            "may be destructive (destructiveHint)"
            if "destructiveHint" in ann
            else "declares no readOnlyHint or destructiveHint, so it is treated as high"
        )
        tier = Tier.HIGH
    elif open_world:
        tier, why = Tier.NETWORK, "reaches the open world (openWorldHint, not destructive)"
    else:
        tier, why = Tier.HIGH, "changes its environment (not read-only)"
    if remote and _RANK[tier] < _RANK["network"]:
        tier, why = Tier.NETWORK, why + "; its server is remote, so arguments leave this machine"
    return tier, why


def _risk(name: str, info: McpToolInfo, client: McpClient) -> RiskInput:
    remote = client.servers[info.server].spec.transport != "stdio"
    tier, why = annotation_tier(info.annotations, remote)
    return RiskInput(
        tool=name,
        kind="mcp",
        read_only=tier == "read_only",
        network=remote,
        detail=f"(MCP server {info.server!r}) {why}",
        declared_tier=tier,
    )


def _args(args: Any) -> dict[str, Any]:
    if not isinstance(args, dict):
        raise ToolError("arguments must be a JSON object")
    return args


async def _call(client: McpClient, info: McpToolInfo, args: dict[str, Any]) -> ToolResult:
    try:
        text, is_error = await client.call_tool(info.server, info.name, args)
    except ToolError as exc:
        return ToolResult.error(str(exc))
    return ToolResult(text or "(no output)", is_error)


class McpTool:
    """One MCP tool, listed in the tools array under its `mcp__server__tool` name."""

    def __init__(self, client: McpClient, info: McpToolInfo) -> None:
        self.client = client
        self.info = info
        self.name = tool_name(info.server, info.name)
        self.description = (info.description or f"{info.name} from MCP server {info.server}")[:2000]
        schema = dict(info.input_schema or {})
        schema.setdefault("type", "object")
        self.input_schema = schema
        tier, _ = annotation_tier(
            info.annotations, client.servers[info.server].spec.transport != "stdio"
        )
        self.read_only = tier == "read_only"

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        return _risk(self.name, self.info, self.client)

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return await _call(self.client, self.info, _args(args))


class McpSearchTool:
    name = "mcp_search"
    description = (
        "Find tools of the MCP servers that are too large to list ({servers}). Returns "
        "matching tool names (mcp__server__tool), descriptions and input schemas; call one "
        "with mcp_call."
    )
    input_schema = {
        "type": "object",
        "properties": {
            "query": {
                "type": "string",
                "description": "Words to look for in names and descriptions.",
            },
            "server": {"type": "string", "description": "Only this server (optional)."},
            "limit": {"type": "integer", "description": "At most this many results (default 8)."},
        },
        "required": ["query"],
    }
    read_only = True

    def __init__(self, client: McpClient, servers: list[str]) -> None:
        self.client = client
        self.servers = servers
        self.description = self.description.format(servers=", ".join(servers))

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        return RiskInput(tool=self.name, kind="other", read_only=True, detail="searches tool lists")

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        query = str(args.get("query") or "").lower()
        only = args.get("server")
        limit = max(1, min(int(args.get("limit") or 8), 50))
        words = [w for w in re.split(r"\W+", query) if w]
        scored: list[tuple[int, McpToolInfo]] = []
        for server in self.servers:
            if only and server != only:
                continue
            try:
                tools = await self.client.refresh_tools(server)
            except ToolError as exc:
                return ToolResult.error(str(exc))
            for info in tools:
                hay = f"{info.name} {info.description}".lower()
                score = sum(hay.count(w) + 3 * (w in info.name.lower()) for w in words)
                if score or not words:
                    scored.append((score, info))
        scored.sort(key=lambda s: (-s[0], s[1].server, s[1].name))
        if not scored:
            return ToolResult(f"no MCP tool matches {query!r}; try other words")
        out = [
            {
                "name": tool_name(i.server, i.name),
                "description": i.description[:500],
                "input_schema": i.input_schema,
            }
            for _, i in scored[:limit]
        ]
        return ToolResult(json.dumps(out, ensure_ascii=False, indent=1))


class McpCallTool:
    name = "mcp_call"
    description = (
        "Call a tool found with mcp_search: name is its mcp__server__tool name, arguments an "
        "object matching its input schema."
    )
    input_schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "arguments": {"type": "object"},
        },
        "required": ["name"],
    }
    read_only = False

    def __init__(self, client: McpClient, servers: list[str]) -> None:
        self.client = client
        self.servers = servers

    def _find(self, name: Any) -> McpToolInfo:
        if not isinstance(name, str) or not name:
            raise ToolError("mcp_call needs `name`, an mcp__server__tool name from mcp_search")
        for server in self.servers:
            state = self.client.servers[server]
            for info in state.tools:
                if tool_name(server, info.name) == name:
                    return info
        raise ToolError(f"no MCP tool named {name!r}; find one with mcp_search first")

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        # Judged as the tool it calls, so rules for mcp__server__tool apply here too.
        info = self._find(args.get("name"))
        return _risk(tool_name(info.server, info.name), info, self.client)

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        info = self._find(args.get("name"))
        return await _call(self.client, info, _args(args.get("arguments") or {}))


class McpResourcesTool:
    name = "mcp_resources"
    description = (
        "MCP resources and prompts. Without `uri`: list the resources of a server (or of all). "
        "With `uri`: read that resource. With `prompt`: get that prompt (with `arguments`); "
        'with `prompt` set to "": list the server\'s prompts.'
    )
    input_schema = {
        "type": "object",
        "properties": {
            "server": {"type": "string"},
            "uri": {"type": "string"},
            "prompt": {"type": "string"},
            "arguments": {"type": "object"},
        },
    }
    read_only = True

    def __init__(self, client: McpClient, servers: list[str]) -> None:
        self.client = client
        self.servers = servers

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        server = args.get("server")
        remote = any(
            self.client.servers[s].spec.transport != "stdio"
            for s in self.servers
            if not server or s == server
        )
        tier: Tier = Tier.NETWORK if remote else Tier.READ_ONLY
        return RiskInput(
            tool=self.name,
            kind="mcp",
            read_only=not remote,
            network=remote,
            detail="reads MCP resources or prompts"
            + (" from a remote server" if remote else " (read-only by protocol)"),
            declared_tier=tier,
        )

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        server = args.get("server")
        if server is not None and server not in self.servers:
            return ToolResult.error(
                f"no MCP server {server!r} with resources or prompts; have: {', '.join(self.servers)}"
            )
        try:
            if args.get("uri"):
                if not server:
                    return ToolResult.error("reading a resource needs `server` as well as `uri`")
                return ToolResult(await self.client.read_resource(server, str(args["uri"])))
            if "prompt" in args:
                if not server:
                    return ToolResult.error("prompts need `server`")
                if args["prompt"]:
                    arguments = {str(k): str(v) for k, v in (args.get("arguments") or {}).items()}
                    return ToolResult(
                        await self.client.get_prompt(server, str(args["prompt"]), arguments)
                    )
                return ToolResult(json.dumps(await self.client.list_prompts(server), indent=1))
            listing: dict[str, Any] = {}
            for s in [server] if server else self.servers:
                if self.client.servers[s].has_resources:
                    listing[s] = await self.client.list_resources(s)
            return ToolResult(json.dumps(listing, ensure_ascii=False, indent=1))
        except ToolError as exc:
            return ToolResult.error(str(exc))


def mcp_tools(client: McpClient, max_listed: int = MAX_LISTED_TOOLS) -> tuple[list[Any], list[str]]:
    """The tools for the tools array, and notices (name clashes)."""
    tools: list[Any] = []
    notices: list[str] = []
    seen: set[str] = set()
    large: list[str] = []
    for server in client.names():
        state = client.servers[server]
        if len(state.tools) > max_listed:
            large.append(server)
            continue
        for info in sorted(state.tools, key=lambda i: i.name):
            tool = McpTool(client, info)
            if tool.name in seen:
                notices.append(f"MCP tool {tool.name} appears twice; the second is left out")
                continue
            seen.add(tool.name)
            tools.append(tool)
    if large:
        tools += [McpSearchTool(client, large), McpCallTool(client, large)]
    with_rp = [
        s
        for s in client.names()
        if client.servers[s].has_resources or client.servers[s].has_prompts
    ]
    if with_rp:
        tools.append(McpResourcesTool(client, with_rp))
    return tools, notices
