"""`write`: create a file or replace one the model has read, never one it has not seen."""

from __future__ import annotations

import os
import re
from typing import Any

from wakeful.core import tool_names
from wakeful.policy.types import RiskInput
from wakeful.tools._args import ArgError, check_args
from wakeful.tools._fs import write_atomic
from wakeful.tools.base import ToolContext, ToolResult, path_risk
from wakeful.tools.read import note_recent, stale_reason, stamp

_TOP_LEVEL = re.compile(r"^(?:async\s+def|def|class)\s+([A-Za-z_]\w*)", re.MULTILINE)


def dropped_definitions(old: str, new: str) -> list[str]:
    """Top-level functions and classes `old` defines and `new` does not. Fixing mean() in a
    file that also defined add(), the coder model wrote the file back with mean alone."""
    kept = set(_TOP_LEVEL.findall(new))
    return [name for name in dict.fromkeys(_TOP_LEVEL.findall(old)) if name not in kept]


class WriteTool:
    name = tool_names.WRITE
    description = (
        "Write a whole file: creates it (and missing parent directories) or replaces an "
        "existing file. An existing file must have been read with `read` first and not "
        "changed since. To change part of a file, prefer `edit`."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "File to write, absolute or relative."},
            "content": {"type": "string", "description": "The complete new file content."},
        },
        "required": ["path", "content"],
    }
    read_only = False

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        return path_risk(self.name, args, ctx, write=True)

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        try:
            a = check_args(self.name, args, self.input_schema)
        except ArgError as exc:
            return ToolResult.error(str(exc))
        path = ctx.resolve(a["path"])
        content: str = a["content"]
        existed = False
        before = ""
        try:
            st = os.stat(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            return ToolResult.error(f"Cannot inspect {path}: {exc.strerror}.")
        else:
            existed = True
            if not os.path.isfile(path):
                return ToolResult.error(f"{path} exists and is not a regular file; not writing.")
            reason = stale_reason(ctx, path, st, self.name)
            if reason:
                return ToolResult.error(reason)
            try:
                before = path.read_bytes().decode("utf-8", errors="replace")
            except OSError:
                before = ""
        data = content.encode("utf-8")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data)
        except NotADirectoryError:
            return ToolResult.error(f"Cannot create {path}: a parent path is a file.")
        except PermissionError:
            return ToolResult.error(f"Permission denied writing {path}.")
        except OSError as exc:
            return ToolResult.error(f"Cannot write {path}: {exc.strerror}.")
        # Stamp after close: the stamp must match what a later stat of the file will see.
        new_st = os.stat(path)
        stamp(ctx, path, new_st)
        note_recent(ctx, path)
        lines = content.count("\n") + (1 if content and not content.endswith("\n") else 0)
        verb = "Updated" if existed else "Created"
        dropped = dropped_definitions(before, content)
        note = (
            f"\n{tool_names.DROPPED_NOTE} (defined before, not now): {', '.join(dropped)}. "
            "Write the whole file again with them, or change part of a file with edit."
            if dropped
            else ""
        )
        return ToolResult(
            f"{verb} {path} ({lines} lines, {len(data)} bytes).{note}",
            meta={"path": str(path), "created": not existed, "bytes": len(data)},
        )
