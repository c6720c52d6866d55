"""MCP client sessions, kept on a thread of their own.

Each server's session lives in one task of a private event loop, from connect to close (the
SDK's transports are context managers that must be left in the task that entered them).
Calls from the agent loop cross over with `run_coroutine_threadsafe` and are bounded by a
timeout, so a server that crashes, hangs or answers garbage yields an error, never a hung
session; a dead server is reported as such at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TextIO, TypeVar

from wakeful.core.errors import ToolError
from wakeful.core.settings import McpSettings
from wakeful.extensions.mcp_config import ServerSpec

T = TypeVar("T")
START_TIMEOUT = McpSettings().start_timeout
CALL_TIMEOUT = McpSettings().call_timeout


@dataclass
class McpToolInfo:
    server: str
    name: str
    description: str
    input_schema: dict[str, Any]
    annotations: dict[str, Any] | None


@dataclass
class ServerState:
    spec: ServerSpec
    session: Any = None
    tools: list[McpToolInfo] = field(default_factory=list)
    has_resources: bool = False
    has_prompts: bool = False
    error: str | None = None
    tools_changed: bool = False
    ready: threading.Event = field(default_factory=threading.Event)
    stop: asyncio.Event | None = None
    task: concurrent.futures.Future[None] | None = None

    @property
    def alive(self) -> bool:
        return self.session is not None and self.error is None


def _describe(exc: BaseException) -> str:
    """The innermost useful message of an (often grouped) connection error."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:300]


def _unauthorized(exc: BaseException) -> bool:
    """Did the server answer 401 (an OAuth-protected server and no usable login)?"""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None) == 401


def tool_info(server: str, tool: Any) -> McpToolInfo:
    ann = getattr(tool, "annotations", None)
    return McpToolInfo(
        server,
        str(tool.name),
        str(tool.description or ""),
        dict(tool.inputSchema or {"type": "object"}),
        ann.model_dump(exclude_none=True) if ann is not None else None,
    )


class McpClient:
    """Connects to every configured server at once and keeps the sessions open."""

    def __init__(
        self,
        specs: list[ServerSpec],
        workspace: Path,
        log_dir: Path | None = None,
        start_timeout: float = START_TIMEOUT,
        call_timeout: float = CALL_TIMEOUT,
        oauth_data: Path | None = None,
    ) -> None:
        self.workspace = workspace
        # The user's data folder: OAuth tokens of HTTP servers (extensions.mcp_oauth).
        self.oauth_data = oauth_data
        self.log_dir = log_dir
        self.start_timeout = start_timeout
        self.call_timeout = call_timeout
        self.servers: dict[str, ServerState] = {s.name: ServerState(s) for s in specs}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._logs: list[IO[str]] = []

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self) -> list[str]:
        """Connect to all servers (in parallel); one notice per server that failed."""
        if not self.servers:
            return []
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="wakeful-mcp", daemon=True)
        self._thread.start()
        for state in self.servers.values():
            state.task = asyncio.run_coroutine_threadsafe(self._serve(state), loop)
        notices = []
        for state in self.servers.values():
            if not state.ready.wait(self.start_timeout):
                state.error = f"did not answer within {self.start_timeout:.0f}s" + (
                    f" (is {state.spec.url} right, and the server up?)"
                    if state.spec.transport != "stdio"
                    else ""
                )
                if state.task is not None:
                    state.task.cancel()  # leaves the transport, which stops the process
            if state.error:
                notices.append(
                    f"MCP server {state.spec.name!r} ({state.spec.source}) is not available: "
                    f"{state.error}; check it with `wakeful mcp test {state.spec.name}`"
                )
        return notices

    def close(self, timeout: float = 5.0) -> None:
        loop = self._loop
        if loop is None:
            return
        for state in self.servers.values():
            self._submit_stop(state)
        for state in self.servers.values():
            if state.task is not None:
                try:
                    state.task.result(timeout)
                except BaseException:
                    state.task.cancel()
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(timeout)
        if not loop.is_running():
            loop.close()
        for log in self._logs:
            with contextlib.suppress(OSError):
                log.close()
        self._loop = None

    def _submit_stop(self, state: ServerState) -> None:
        loop = self._loop
        if loop is not None and state.stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(state.stop.set)

    def _errlog(self, name: str) -> TextIO:
        import sys

        if self.log_dir is None:
            return sys.stderr
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "a", encoding="utf-8")  # noqa: SIM115
        self._logs.append(log)
        return log

    async def _serve(self, state: ServerState) -> None:
        from mcp import ClientSession, types

        state.stop = asyncio.Event()
        spec = state.spec

        async def on_message(message: Any) -> None:
            root = getattr(message, "root", None)
            if isinstance(root, types.ToolListChangedNotification):
                state.tools_changed = True

        try:
            async with contextlib.AsyncExitStack() as stack:
                if spec.transport == "http":
                    read, write = await self._http(stack, spec)
                elif spec.transport == "sse":
                    from mcp.client.sse import sse_client

                    read, write = await stack.enter_async_context(
                        sse_client(
                            spec.url,
                            headers=spec.headers or None,
                            timeout=self.call_timeout,
                            auth=self._auth(spec),
                        )
                    )
                else:
                    from mcp.client.stdio import (
                        StdioServerParameters,
                        get_default_environment,
                        stdio_client,
                    )

                    params = StdioServerParameters(
                        command=spec.command,
                        args=list(spec.args),
                        env={**get_default_environment(), **spec.env},
                        cwd=spec.cwd or str(self.workspace),
                        encoding_error_handler="replace",
                    )
                    read, write = await stack.enter_async_context(
                        stdio_client(params, errlog=self._errlog(spec.name))
                    )
                session = await stack.enter_async_context(
                    ClientSession(read, write, message_handler=on_message)
                )
                init = await session.initialize()
                caps = init.capabilities
                if caps.tools is not None:
                    state.tools = await self._list_tools(session, spec.name)
                state.has_resources = caps.resources is not None
                state.has_prompts = caps.prompts is not None
                state.session = session
                state.ready.set()
                await state.stop.wait()
        except BaseException as exc:  # a server's failure stays with that server
            if state.error is None:
                state.error = _describe(exc)
                if spec.transport != "stdio" and _unauthorized(exc):
                    state.error = (
                        f"needs an OAuth login (HTTP 401); run `wakeful mcp login {spec.name}`"
                    )
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            state.session = None if state.error else state.session
            state.ready.set()

    async def _http(self, stack: contextlib.AsyncExitStack, spec: ServerSpec) -> tuple[Any, Any]:
        import httpx
        from mcp.client import streamable_http

        timeout = httpx.Timeout(self.call_timeout, read=max(self.call_timeout, 300.0))
        if hasattr(streamable_http, "streamable_http_client"):
            from mcp.shared._httpx_utils import create_mcp_http_client

            http = await stack.enter_async_context(
                create_mcp_http_client(
                    headers=spec.headers or None, timeout=timeout, auth=self._auth(spec)
                )
            )
            read, write, _ = await stack.enter_async_context(
                streamable_http.streamable_http_client(spec.url, http_client=http)
            )
        else:  # mcp < 1.2x
            read, write, _ = await stack.enter_async_context(
                streamable_http.streamablehttp_client(
                    spec.url, headers=spec.headers or None, timeout=self.call_timeout
                )
            )
        return read, write

    def _auth(self, spec: ServerSpec) -> Any:
        """OAuth with the stored tokens, unless the entry sends its own Authorization."""
        if self.oauth_data is None or any(k.lower() == "authorization" for k in spec.headers):
            return None
        from wakeful.extensions.mcp_oauth import session_auth

        # None without stored tokens: a session neither registers nor authorizes by itself.
        return session_auth(spec.name, spec.url, self.oauth_data)

    @staticmethod
    async def _list_tools(session: Any, server: str) -> list[McpToolInfo]:
        tools: list[McpToolInfo] = []
        cursor = None
        for _ in range(100):  # a server that pages forever is cut off
            page = await session.list_tools(cursor) if cursor else await session.list_tools()
            tools += [tool_info(server, t) for t in page.tools]
            cursor = page.nextCursor
            if not cursor:
                break
        return tools

    # ---- calls ---------------------------------------------------------------------------
    def _live(self, server: str) -> ServerState:
        state = self.servers.get(server)
        if state is None:
            raise ToolError(
                f"no MCP server named {server!r}; connected: {', '.join(self.names()) or 'none'}"
            )
        if not state.alive:
            raise ToolError(
                f"MCP server {server!r} is not running ({state.error or 'not started'}); "
                "continue without it"
            )
        return state

    def names(self) -> list[str]:
        return sorted(n for n, s in self.servers.items() if s.alive)

    async def _run(
        self,
        server: str,
        what: str,
        make: Callable[[Any], Awaitable[T]],
        timeout: float | None = None,
    ) -> T:
        state = self._live(server)
        assert self._loop is not None
        limit = timeout if timeout is not None else self.call_timeout
        future = asyncio.run_coroutine_threadsafe(
            asyncio.wait_for(make(state.session), limit), self._loop
        )
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), limit + 1.0)
        except TimeoutError:
            future.cancel()
            raise ToolError(
                f"MCP server {server!r} did not answer {what} within {limit:.0f}s"
            ) from None
        except ToolError:
            raise
        except Exception as exc:
            if not state.alive or state.error:
                raise ToolError(f"MCP server {server!r} stopped: {state.error}") from None
            raise ToolError(f"MCP server {server!r} failed {what}: {_describe(exc)}") from None

    async def call_tool(self, server: str, tool: str, args: dict[str, Any]) -> tuple[str, bool]:
        result = await self._run(server, f"tool {tool}", lambda s: s.call_tool(tool, args))
        return render_content(result.content, getattr(result, "structuredContent", None)), bool(
            result.isError
        )

    async def refresh_tools(self, server: str) -> list[McpToolInfo]:
        """The server's current tool list (for search), without touching the tools array."""
        state = self._live(server)
        if state.tools_changed:
            state.tools = await self._run(
                server, "tools/list", lambda s: self._list_tools(s, server)
            )
            state.tools_changed = False
        return state.tools

    async def list_resources(self, server: str) -> list[dict[str, Any]]:
        result = await self._run(server, "resources/list", lambda s: s.list_resources())
        return [
            {
                "uri": str(r.uri),
                "name": r.name,
                "description": r.description or "",
                "mimeType": r.mimeType or "",
            }
            for r in result.resources
        ]

    async def read_resource(self, server: str, uri: str) -> str:
        from pydantic import AnyUrl

        result = await self._run(
            server, f"resources/read {uri}", lambda s: s.read_resource(AnyUrl(uri))
        )
        parts = []
        for c in result.contents:
            text = getattr(c, "text", None)
            parts.append(
                text if text is not None else f"[binary {c.mimeType or 'data'} at {c.uri}]"
            )
        return "\n".join(parts)

    async def list_prompts(self, server: str) -> list[dict[str, Any]]:
        result = await self._run(server, "prompts/list", lambda s: s.list_prompts())
        return [
            {
                "name": p.name,
                "description": p.description or "",
                "arguments": [
                    {"name": a.name, "required": bool(a.required)} for a in (p.arguments or [])
                ],
            }
            for p in result.prompts
        ]

    async def get_prompt(self, server: str, name: str, arguments: dict[str, str]) -> str:
        result = await self._run(
            server, f"prompts/get {name}", lambda s: s.get_prompt(name, arguments or None)
        )
        lines = []
        for m in result.messages:
            lines.append(f"[{m.role}] {render_content([m.content], None)}")
        return "\n".join(lines)


def render_content(content: list[Any], structured: Any) -> str:
    parts: list[str] = []
    for c in content or []:
        kind = getattr(c, "type", "")
        if kind == "text":
            parts.append(str(c.text))
        elif kind == "resource":
            res = c.resource
            parts.append(getattr(res, "text", None) or f"[resource {res.uri}]")
        elif kind == "resource_link":
            parts.append(f"[resource link {c.uri}]")
        else:
            parts.append(f"[{kind or 'unknown'} content, {getattr(c, 'mimeType', '')}]")
    if not parts and structured is not None:
        import json

        parts.append(json.dumps(structured, ensure_ascii=False))
    return "\n".join(parts)
