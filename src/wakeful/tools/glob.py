"""`glob`: find files by name pattern, newest first, so recently touched files come up top."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

from wakeful.core import tool_names
from wakeful.policy.types import RiskInput
from wakeful.tools._args import ArgError, check_args
from wakeful.tools._paths import glob_regex, max_depth, split_static_prefix, walk_files
from wakeful.tools.base import ToolContext, ToolResult

MAX_RESULTS = 500


def find(root: Path, pattern: str) -> list[tuple[float, str]]:
    """(mtime, absolute path) of files under root matching pattern; skips .git/.wakeful."""
    regex = glob_regex(pattern)
    hits: list[tuple[float, str]] = []
    for rel, entry in walk_files(root, max_depth(pattern)):
        if regex.match(rel):
            try:
                mtime = entry.stat().st_mtime
            except OSError:
                continue
            hits.append((mtime, entry.path))
    return hits


class GlobTool:
    name = tool_names.GLOB
    description = (
        "Find files whose path matches a glob pattern, newest first. Patterns are relative "
        "to `path` (default: the current directory): `*.py` matches only at the top level, "
        "`**/*.py` at any depth; `{a,b}`, `?` and `[...]` work too. Skips .git and .wakeful. "
        f"Returns at most {MAX_RESULTS} paths. Use grep to search file contents."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "description": "Glob, e.g. `**/*.py` or `src/*.ts`."},
            "path": {
                "type": "string",
                "description": "Directory to search from. Default: the current directory.",
            },
        },
        "required": ["pattern"],
    }
    read_only = True

    def __init__(self, max_results: int = MAX_RESULTS) -> None:
        self.max_results = max_results

    def _target(self, args: dict[str, Any], ctx: ToolContext) -> tuple[Path, str]:
        """Where to walk and what to match there: `src/**/*.py` walks src/ for `**/*.py`."""
        path = args.get("path")
        root = ctx.resolve(path) if isinstance(path, str) and path else ctx.resolve(".")
        pattern = str(args.get("pattern") or "").strip()
        if pattern.startswith("./"):
            pattern = pattern[2:]
        prefix, rest = split_static_prefix(pattern)
        if pattern.startswith("/"):
            return Path(prefix or "/"), rest
        if prefix:
            return Path(os.path.normpath(root / prefix)), rest
        return root, pattern

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        root, _ = self._target(args if isinstance(args, dict) else {}, ctx)
        return RiskInput(
            tool=self.name, kind="read", paths=(str(root),), read_only=True, detail="recursive"
        )

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        try:
            a = check_args(self.name, args, self.input_schema)
        except ArgError as exc:
            return ToolResult.error(str(exc))
        root, pattern = self._target(a, ctx)
        if not pattern:
            return ToolResult.error("pattern is empty; pass a glob such as `**/*.py`.")
        if not root.exists():
            return ToolResult.error(
                f"Directory not found: {root}. Check the path, or glob from its parent."
            )
        if not root.is_dir():
            return ToolResult.error(f"{root} is a file, not a directory; pass a directory as path.")
        hits = await asyncio.to_thread(find, root, pattern)
        if not hits:
            msg = f"No files match {pattern!r} under {root}."
            if "/" not in pattern and "**" not in pattern:
                msg += f" `{pattern}` only matches at the top level; try `**/{pattern}`."
            stem = re.fullmatch(r"(?:\*\*/)?([A-Za-z_][A-Za-z0-9_]{2,})\.[A-Za-z0-9]{1,8}", pattern)
            if stem:
                # Asked which file defines parse_date, the coder model globbed for
                # parse_date.py and answered "no files match".
                msg += (
                    f" glob matches file names only; to find `{stem.group(1)}` inside files, "
                    f"grep for it."
                )
            return ToolResult(msg, meta={"count": 0})
        hits.sort(key=lambda h: (-h[0], h[1]))
        shown = [p for _, p in hits[: self.max_results]]
        text = "\n".join(shown)
        if len(hits) > self.max_results:
            text += (
                f"\n\n[showing the {self.max_results} newest of {len(hits)} matches; "
                "narrow the pattern or the path to see the rest]"
            )
        return ToolResult(text, meta={"count": len(hits), "root": str(root)})
