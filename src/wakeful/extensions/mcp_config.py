"""Where MCP servers are configured, and how each entry is read.

Sources, in order (a later one replaces an earlier server of the same name):

- user: `[mcp.servers.NAME]` in the user config.toml, and `mcp.json` next to it (the file
  `wakeful mcp add --scope user` writes; Claude Code's `.mcp.json` format);
- project (trusted workspaces only): `.mcp.json` at the workspace root (Claude Code's
  format), then `[mcp.servers.NAME]` in `.wakeful/config.toml`.

An entry is either `{command, args, env, cwd}` (stdio) or `{type: "http", url, headers}`
(streamable HTTP). `${VAR}` and `${VAR:-default}` in strings expand from the environment,
as Claude Code does.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wakeful.core.config import Config, read_toml
from wakeful.core.errors import ConfigError
from wakeful.core.paths import Paths

MCP_JSON = ".mcp.json"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class ServerSpec:
    name: str
    transport: str  # "stdio" | "http" (streamable HTTP) | "sse" (the older HTTP+SSE)
    source: str  # the file it came from
    scope: str  # "user" | "project"
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = ""
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        if self.transport != "stdio":
            return self.url
        return " ".join([self.command, *self.args])


def _expand(value: str, env: dict[str, str]) -> str:
    return _VAR.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), value)


def _str_map(raw: Any, where: str, key: str, env: dict[str, str]) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise ConfigError(f"{where}: `{key}` must be a table of strings")
    return {str(k): _expand(v, env) for k, v in raw.items()}


def parse_server(name: str, raw: Any, source: str, scope: str, env: dict[str, str]) -> ServerSpec:
    """One server entry; errors name the file, the server and the fix."""
    where = f"{source}: MCP server {name!r}"
    if not _NAME.match(name):
        raise ConfigError(
            f"{source}: MCP server name {name!r} must be 1-40 letters, digits, '_' or '-'"
        )
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table with `command` or `url`")
    kind = str(raw.get("type") or raw.get("transport") or ("http" if "url" in raw else "stdio"))
    if kind in ("http", "streamable-http", "streamable_http", "sse"):
        url = raw.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(f"{where}: `url` must be an http:// or https:// URL")
        return ServerSpec(
            name,
            "sse" if kind == "sse" else "http",
            source,
            scope,
            url=_expand(url, env),
            headers=_str_map(raw.get("headers"), where, "headers", env),
        )
    if kind != "stdio":
        raise ConfigError(
            f"{where}: transport {kind!r} is not supported; use stdio (command), http or sse (url)"
        )
    command = raw.get("command")
    if not isinstance(command, str) or not command.strip():
        raise ConfigError(f"{where}: `command` must be a non-empty string")
    args = raw.get("args", [])
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise ConfigError(f"{where}: `args` must be a list of strings")
    cwd = raw.get("cwd", "")
    if not isinstance(cwd, str):
        raise ConfigError(f"{where}: `cwd` must be a string")
    return ServerSpec(
        name,
        "stdio",
        source,
        scope,
        command=_expand(command, env),
        args=tuple(_expand(a, env) for a in args),
        env=_str_map(raw.get("env"), where, "env", env),
        cwd=_expand(cwd, env),
    )


def read_mcp_json(path: Path) -> dict[str, Any]:
    """The `mcpServers` table of a Claude Code style JSON file ({} when absent)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: malformed JSON at line {exc.lineno}: {exc.msg}") from None
    servers = data.get("mcpServers", {}) if isinstance(data, dict) else None
    if not isinstance(servers, dict):
        raise ConfigError(f'{path}: expected {{"mcpServers": {{"NAME": {{...}}}}}}')
    return servers


def _toml_servers(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    servers = read_toml(path).get("mcp", {}).get("servers", {})
    if not isinstance(servers, dict):
        raise ConfigError(f"{path}: [mcp.servers] must be a table of [mcp.servers.NAME] tables")
    return servers


def user_mcp_json(paths: Paths) -> Path:
    return paths.user_config / "mcp.json"


@dataclass
class McpSources:
    servers: list[ServerSpec]
    skipped: list[str]  # project servers not started because the workspace is untrusted
    skipped_from: list[str]
    errors: list[str] = field(default_factory=list)  # entries skipped as malformed


def load_servers(paths: Paths, config: Config) -> McpSources:
    """Every configured server this workspace may start, and what trust held back."""
    env = dict(config.env)
    found: dict[str, ServerSpec] = {}
    errors: list[str] = []
    for source, table in (
        (paths.user_config_file, _toml_servers(paths.user_config_file)),
        (user_mcp_json(paths), read_mcp_json(user_mcp_json(paths))),
    ):
        for name, raw in table.items():
            _add(found, errors, name, raw, str(source), "user", env)
    project_json = paths.workspace / MCP_JSON
    project_tables = [(project_json, read_mcp_json(project_json))]
    if config.trusted:
        project_tables.append((paths.project_config, _toml_servers(paths.project_config)))
    skipped: list[str] = []
    skipped_from: list[str] = []
    for source, table in project_tables:
        if not table:
            continue
        if not config.trusted:
            skipped += sorted(table)
            skipped_from.append(str(source))
            continue
        for name, raw in table.items():
            _add(found, errors, name, raw, str(source), "project", env)
    return McpSources([found[k] for k in sorted(found)], skipped, skipped_from, errors)


def _add(
    found: dict[str, ServerSpec],
    errors: list[str],
    name: str,
    raw: Any,
    source: str,
    scope: str,
    env: dict[str, str],
) -> None:
    """One bad entry is skipped with a notice; the other servers still start."""
    try:
        found[name] = parse_server(name, raw, source, scope, env)
    except ConfigError as exc:
        errors.append(f"{exc} (server skipped)")


def untrusted_mcp_notice(sources: McpSources) -> str | None:
    if not sources.skipped:
        return None
    return (
        f"untrusted workspace: did not start MCP server(s) {', '.join(sources.skipped)} from "
        f"{', '.join(sources.skipped_from)} (run `wakeful trust` here to start them)"
    )


def write_mcp_json(path: Path, servers: dict[str, Any]) -> None:
    """Rewrite a `.mcp.json`-format file, keeping any other top-level keys."""
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            data = loaded if isinstance(loaded, dict) else {}
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{path}: cannot update it ({exc}); fix or remove it first") from None
    data["mcpServers"] = servers
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
