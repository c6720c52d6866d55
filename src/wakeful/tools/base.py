"""The tool contract: name, JSON schema, `run(args, ctx)`, and `risk(args, ctx)`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.core.request import ToolSchema
from wakeful.policy.types import RiskInput
from wakeful.tools.services import ToolServices

if TYPE_CHECKING:
    from wakeful.tools.todo import TodoItem


@dataclass
class ToolResult:
    content: str
    is_error: bool = False
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def error(cls, message: str) -> ToolResult:
        return cls(message, is_error=True)


@dataclass
class ToolContext:
    """Per-session state tools share: where they work, and what they have seen.

    `read_stamps` maps a resolved path to the (mtime_ns, size) seen when `read` last read
    it, so `edit` can refuse to change a file that moved on since. `recent_files` lists the
    files read or written, newest last (what `remember` anchors to by default); `todos` is
    the agent's task list; `worker` names a sub-agent (None for the main agent).
    `services` carries the handles of the layers above (memory, checkpoints, coordinator).
    """

    paths: Paths
    config: Config
    session_id: str = ""
    cwd: Path | None = None
    read_stamps: dict[str, tuple[int, int]] = field(default_factory=dict)
    recent_files: list[str] = field(default_factory=list)
    todos: list[TodoItem] = field(default_factory=list)
    worker: str | None = None
    services: ToolServices = field(default_factory=ToolServices)

    @property
    def workspace(self) -> Path:
        return self.paths.workspace

    def resolve(self, path: str) -> Path:
        """A user or model path made absolute against the current directory."""
        p = Path(path).expanduser()
        if not p.is_absolute():
            p = (self.cwd or self.workspace) / p
        return Path(_normpath(p))


def _normpath(p: Path) -> str:
    import os.path

    return os.path.normpath(str(p))


@runtime_checkable
class Tool(Protocol):
    name: str
    description: str
    input_schema: dict[str, Any]
    read_only: bool

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult: ...

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput: ...


def path_risk(tool: str, args: dict[str, Any], ctx: ToolContext, *, write: bool) -> RiskInput:
    """The risk of a single-file tool: the resolved `path` it would read or write."""
    path = args.get("path") if isinstance(args, dict) else None
    paths = (str(ctx.resolve(path)),) if isinstance(path, str) and path else ()
    if write:
        return RiskInput(tool=tool, kind="write", paths=paths)
    return RiskInput(tool=tool, kind="read", paths=paths, read_only=True)


def schema_of(tool: Tool) -> ToolSchema:
    return ToolSchema(tool.name, tool.description, tool.input_schema)
