"""`wakeful mcp list|add|remove|test`: the MCP servers this workspace connects to."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from pathlib import Path

    from wakeful.core.paths import Paths
    from wakeful.extensions.mcp_config import ServerSpec

mcp_app = typer.Typer(help="MCP servers: list, add, remove, test.", no_args_is_help=True)


def _kv(pairs: list[str], flag: str) -> dict[str, str]:
    from wakeful.core.errors import UsageError

    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"{flag} takes KEY=VALUE, not {pair!r}")
        out[key] = value
    return out


def oauth_state(user_data: Path, spec: ServerSpec) -> str | None:
    """`logged in` when OAuth tokens are stored for an HTTP server, else None."""
    from wakeful.extensions.mcp_oauth import TokenFile, token_file

    if spec.transport == "stdio":
        return None
    stored = TokenFile(token_file(user_data, spec.url), spec.url)
    return "logged in" if stored.logged_in() else None


@mcp_app.command("list")
def mcp_list(json_out: bool = typer.Option(False, "--json", help="JSON output.")) -> None:
    """Configured servers (without connecting), and those trust held back."""
    import json

    from wakeful.cli.common import load
    from wakeful.extensions.mcp_config import load_servers, untrusted_mcp_notice

    paths, config = load()
    sources = load_servers(paths, config)
    rows = [
        {
            "name": s.name,
            "scope": s.scope,
            "transport": s.transport,
            "target": s.describe(),
            "source": s.source,
            "oauth": oauth_state(paths.user_data, s),
        }
        for s in sources.servers
    ]
    if json_out:
        print(
            json.dumps(
                {"servers": rows, "skipped_untrusted": sources.skipped, "errors": sources.errors}
            )
        )
        return
    if not rows:
        print("no MCP servers configured (add one with `wakeful mcp add NAME -- COMMAND ...`)")
    for r in rows:
        login = "  [oauth: logged in]" if r["oauth"] == "logged in" else ""
        print(
            f"{r['name']}  [{r['scope']}, {r['transport']}]  {r['target']}  ({r['source']}){login}"
        )
    notice = untrusted_mcp_notice(sources)
    if notice:
        print(notice)
    for error in sources.errors:
        print(error)


@mcp_app.command("add", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def mcp_add(
    name: str = typer.Argument(..., help="Server name (tools appear as mcp__NAME__TOOL)."),
    command: list[str] = typer.Argument(None, help="Command and arguments of a stdio server."),
    url: str | None = typer.Option(None, "--url", help="URL of a streamable HTTP server."),
    env: list[str] = typer.Option([], "--env", "-e", help="KEY=VALUE for a stdio server."),
    header: list[str] = typer.Option([], "--header", "-H", help="KEY=VALUE HTTP header."),
    scope: str = typer.Option(
        "project", "--scope", "-s", help="project (.mcp.json) or user (user config mcp.json)."
    ),
) -> None:
    """Add a server: `wakeful mcp add NAME -- COMMAND ARGS...` or `--url URL`."""
    from wakeful.cli.common import load
    from wakeful.core.errors import UsageError
    from wakeful.extensions.mcp_config import (
        MCP_JSON,
        parse_server,
        read_mcp_json,
        user_mcp_json,
        write_mcp_json,
    )

    if scope not in ("project", "user"):
        raise UsageError(f"--scope must be project or user, not {scope!r}")
    if bool(url) == bool(command):
        raise UsageError("give either a command (after --) for a stdio server, or --url URL")
    entry: dict[str, object] = (
        {"type": "http", "url": url, **({"headers": _kv(header, "--header")} if header else {})}
        if url
        else {
            "command": command[0],
            "args": list(command[1:]),
            **({"env": _kv(env, "--env")} if env else {}),
        }
    )
    paths, config = load()
    target = paths.workspace / MCP_JSON if scope == "project" else user_mcp_json(paths)
    parse_server(name, entry, str(target), scope, {})  # validate before writing
    servers = read_mcp_json(target)
    replaced = name in servers
    servers[name] = entry
    write_mcp_json(target, servers)
    print(f"{'replaced' if replaced else 'added'} MCP server {name!r} in {target}")
    if scope == "project" and not config.trusted:
        print("this workspace is not trusted yet: run `wakeful trust` so the server starts")


@mcp_app.command("remove")
def mcp_remove(name: str = typer.Argument(..., help="Server name.")) -> None:
    """Remove a server from .mcp.json or the user mcp.json."""
    from wakeful.cli.common import load
    from wakeful.core.errors import UsageError
    from wakeful.extensions.mcp_config import (
        MCP_JSON,
        load_servers,
        read_mcp_json,
        user_mcp_json,
        write_mcp_json,
    )

    paths, config = load()
    for target in (paths.workspace / MCP_JSON, user_mcp_json(paths)):
        servers = read_mcp_json(target)
        if name in servers:
            del servers[name]
            write_mcp_json(target, servers)
            print(f"removed MCP server {name!r} from {target}")
            return
    for spec in load_servers(paths, config).servers:
        if spec.name == name:
            raise UsageError(
                f"MCP server {name!r} is defined in {spec.source} ([mcp.servers.{name}]); "
                "delete that table there"
            )
    raise UsageError(f"no MCP server named {name!r}; `wakeful mcp list` shows them")


@mcp_app.command("test")
def mcp_test(
    name: str = typer.Argument(..., help="Server name."),
    timeout: float = typer.Option(15.0, "--timeout", help="Seconds to wait for the server."),
) -> None:
    """Connect to one server and show its tools (with their policy tier), resources and
    prompts."""
    import asyncio

    from wakeful.core.errors import WakefulError
    from wakeful.extensions.mcp_client import McpClient
    from wakeful.extensions.mcp_tools import annotation_tier, tool_name

    paths, spec = _configured_server(name, " (testing it would run the repository's code)")
    paths.ensure()
    client = McpClient(
        [spec],
        paths.workspace,
        paths.project / "mcp-logs",
        start_timeout=timeout,
        call_timeout=timeout,
        oauth_data=paths.user_data,
    )
    try:
        notices = client.start()
        if notices:
            raise WakefulError(notices[0])
        state = client.servers[name]
        remote = spec.transport != "stdio"
        print(f"{name}: connected ({spec.transport}, {spec.describe()}); {len(state.tools)} tools")
        for info in state.tools:
            tier, why = annotation_tier(info.annotations, remote)
            print(f"  {tool_name(name, info.name)}  [{tier}]  {why}")

        async def extras() -> None:
            if state.has_resources:
                resources = await client.list_resources(name)
                print(f"  resources: {len(resources)}")
                for r in resources:
                    print(f"    {r['uri']}  {r['name']}")
            if state.has_prompts:
                prompts = await client.list_prompts(name)
                print(f"  prompts: {len(prompts)}")
                for p in prompts:
                    print(f"    {p['name']}  {p['description']}")

        asyncio.run(extras())
    finally:
        client.close()


def _configured_server(name: str, why: str = "") -> tuple[Paths, ServerSpec]:
    """(paths, spec) of the server `name` this workspace configures. A usage error when there
    is none, or when it comes from an untrusted workspace (whose servers never start); `why`
    ends that refusal."""
    from wakeful.cli.common import load
    from wakeful.core.errors import UsageError
    from wakeful.extensions.mcp_config import load_servers

    paths, config = load()
    sources = load_servers(paths, config)
    spec = next((s for s in sources.servers if s.name == name), None)
    if spec is not None:
        return paths, spec
    if name in sources.skipped:
        raise UsageError(
            f"MCP server {name!r} comes from this untrusted workspace; run `wakeful trust` "
            f"first{why}"
        )
    raise UsageError(f"no MCP server named {name!r}; `wakeful mcp list` shows them")


def _http_spec(name: str) -> tuple[Paths, ServerSpec]:
    """(paths, spec) of a configured HTTP or SSE server; usage errors say what is wrong."""
    from wakeful.core.errors import UsageError

    paths, spec = _configured_server(name)
    if spec.transport == "stdio":
        raise UsageError(
            f"MCP server {name!r} is a stdio server; OAuth is for HTTP servers (give a stdio "
            "server its credentials in `env`)"
        )
    if any(k.lower() == "authorization" for k in spec.headers):
        raise UsageError(
            f"MCP server {name!r} sends its own Authorization header ({spec.source}); remove "
            "that header to log in with OAuth instead"
        )
    return paths, spec


@mcp_app.command("login")
def mcp_login(
    name: str = typer.Argument(..., help="Server name."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Only print the URL."),
    paste: bool = typer.Option(
        False, "--paste", help="Paste the redirect URL (or code) instead of the local listener."
    ),
    port: int = typer.Option(
        0, "--port", min=0, max=65535, help="Port of the 127.0.0.1 redirect listener (0: any)."
    ),
    timeout: float = typer.Option(300.0, "--timeout", help="Seconds to wait for the answer."),
) -> None:
    """Log in to an OAuth-protected HTTP server; tokens go to the user's data folder."""
    import asyncio
    import sys

    from wakeful.extensions.mcp_oauth import login

    paths, spec = _http_spec(name)

    def show(text: str) -> None:
        print(text, flush=True)

    async def read_pasted() -> str:
        show("Paste the URL the browser was sent to (or just the code), then Enter:")
        return await asyncio.to_thread(sys.stdin.readline)

    stored = asyncio.run(
        login(
            name,
            spec.url,
            paths.user_data,
            show,
            open_browser=not (no_browser or paste),
            paste=read_pasted if paste else None,
            port=port,
            timeout=timeout,
            headers=spec.headers,
            transport=spec.transport,
        )
    )
    print(f"logged in to MCP server {name!r}; tokens stored in {stored.path}")


@mcp_app.command("logout")
def mcp_logout(name: str = typer.Argument(..., help="Server name.")) -> None:
    """Forget a server's OAuth tokens and client registration."""
    from wakeful.extensions.mcp_oauth import TokenFile, token_file

    paths, spec = _http_spec(name)
    removed = TokenFile(token_file(paths.user_data, spec.url), spec.url).remove()
    print(
        f"logged out of MCP server {name!r}"
        if removed
        else f"MCP server {name!r} had no stored OAuth tokens"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(mcp_app, name="mcp")
