"""`grep`: regex search over file contents, with ripgrep when present and Python otherwise.

Both backends produce the same records (files, counts, or numbered lines with context) and
one formatter renders them, so the model sees one output format whichever ran. Differences
that remain: ripgrep honours .gitignore/.ignore files and uses Rust regex syntax; the
fallback searches every file and uses Python `re`.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from wakeful.core import tool_names
from wakeful.core.env import scrubbed_env
from wakeful.policy.types import RiskInput
from wakeful.tools._args import ArgError, check_args
from wakeful.tools._paths import SKIP_DIRS, display_path, glob_regex, looks_binary, walk_files
from wakeful.tools._text import OUTPUT_CHAR_CAP, clip_line, clip_lines_output
from wakeful.tools.base import ToolContext, ToolResult
from wakeful.tools.read import shown_if_small

Mode = Literal["content", "files_with_matches", "count"]
MODES: tuple[Mode, ...] = ("content", "files_with_matches", "count")
MAX_FILES = 1000
MAX_LINES = 2000
LINE_CAP = 500
RG_TIMEOUT = 60.0


@dataclass
class FileHits:
    """One file's result: matching line count and, in content mode, the lines to show."""

    path: str
    count: int = 0
    lines: list[tuple[int, str, bool]] = field(default_factory=list)


@dataclass
class Search:
    pattern: str
    root: Path
    mode: Mode
    glob: str | None
    ignore_case: bool
    context: int


@dataclass
class Found:
    files: list[FileHits]
    truncated: bool = False
    note: str = ""


class SearchFailed(Exception):
    """The pattern or the search itself failed; the message is for the model."""


# ---------------------------------------------------------------- ripgrep backend


def _rg_argv(rg: str, s: Search) -> list[str]:
    argv = [rg, "--no-config", "--hidden", "--no-messages", "--with-filename"]
    for skip in sorted(SKIP_DIRS):
        argv += ["-g", f"!{skip}"]
    if s.glob:
        argv += ["-g", s.glob]
    if s.ignore_case:
        argv.append("-i")
    if s.mode == "files_with_matches":
        argv += ["-l", "--null"]
    elif s.mode == "count":
        argv += ["-c", "--null"]
    else:
        # Path order makes an early stop keep the same files the fallback would keep;
        # the other modes read everything and sort afterwards, so rg may run in parallel.
        argv += ["--json", "--sort", "path"]
        if s.context:
            argv += ["-C", str(s.context)]
    return [*argv, "-e", s.pattern, "--", str(s.root)]


def _rg_text(obj: dict[str, Any]) -> str:
    if "text" in obj:
        return str(obj["text"])
    return base64.b64decode(obj.get("bytes", "")).decode("utf-8", errors="replace")


async def search_rg(rg: str, s: Search, env: Mapping[str, str] | None = None) -> Found:
    """Run ripgrep with an environment scrubbed of secrets (it can read /proc/self/environ)."""
    proc = await asyncio.create_subprocess_exec(
        *_rg_argv(rg, s),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        limit=16 * 1024 * 1024,
        start_new_session=True,
        env=scrubbed_env(os.environ if env is None else env),
        # ripgrep matches -g globs against paths relative to its working directory.
        cwd=str(s.root if s.root.is_dir() else s.root.parent),
    )
    assert proc.stdout is not None and proc.stderr is not None
    files: list[FileHits] = []
    truncated = False
    shown_lines = 0
    try:
        async with asyncio.timeout(RG_TIMEOUT):
            if s.mode == "content":
                current: FileHits | None = None
                async for raw in proc.stdout:
                    msg = json.loads(raw)
                    kind, data = msg.get("type"), msg.get("data", {})
                    if kind == "begin":
                        current = FileHits(_rg_text(data["path"]))
                    elif kind in ("match", "context") and current is not None:
                        text = _rg_text(data["lines"]).rstrip("\n").rstrip("\r")
                        current.lines.append((data["line_number"], text, kind == "match"))
                        current.count += kind == "match"
                        shown_lines += 1
                    elif kind == "end" and current is not None:
                        files.append(current)
                        current = None
                        if shown_lines >= MAX_LINES or len(files) >= MAX_FILES:
                            truncated = True
                            break
            else:
                data = await proc.stdout.read()
                if s.mode == "files_with_matches":
                    paths = [p for p in data.decode("utf-8", "replace").split("\0") if p]
                    files = [FileHits(p, 1) for p in paths]
                else:
                    for line in data.decode("utf-8", "replace").splitlines():
                        path, _, n = line.rpartition("\0")
                        if path:
                            files.append(FileHits(path, int(n)))
    except TimeoutError:
        truncated = True
    finally:
        if proc.returncode is None:
            try:
                os.killpg(proc.pid, 9)
            except ProcessLookupError:
                pass
        err = (await proc.stderr.read()).decode("utf-8", "replace").strip()
        await proc.wait()
    if proc.returncode == 2 and not files and not truncated:
        raise SearchFailed(err or "ripgrep failed")
    if len(files) > MAX_FILES:
        files, truncated = files[:MAX_FILES], True
    return Found(files, truncated)


# ---------------------------------------------------------------- Python fallback


def _candidates(s: Search) -> list[str]:
    if s.root.is_file():
        return [str(s.root)]
    glob_re = glob_regex(s.glob) if s.glob else None
    by_name = bool(s.glob) and "/" not in (s.glob or "")
    out: list[str] = []
    for rel, entry in walk_files(s.root):
        if glob_re is not None:
            target = rel.rsplit("/", 1)[-1] if by_name else rel
            if not glob_re.match(target):
                continue
        out.append(entry.path)
    out.sort()
    return out


def _context_lines(
    lines: list[str], matches: list[int], context: int
) -> list[tuple[int, str, bool]]:
    match_set = set(matches)
    keep: set[int] = set()
    for i in matches:
        keep.update(range(max(0, i - context), min(len(lines), i + context + 1)))
    return [(i + 1, lines[i], i in match_set) for i in sorted(keep)]


_LINE_LOCAL = re.compile(r"\\[AZ]|\(\?<[=!]")


def search_python(s: Search) -> Found:
    flags = re.IGNORECASE if s.ignore_case else 0
    try:
        regex = re.compile(s.pattern, flags)
    except re.error as exc:
        raise SearchFailed(f"invalid regular expression {s.pattern!r}: {exc}") from None
    # One search over the whole text rules most files out without splitting them into lines.
    # A line match is also a whole-text match in MULTILINE mode, except for patterns whose
    # meaning depends on the line being the whole string (\A, \Z, look-behind).
    quick = None if _LINE_LOCAL.search(s.pattern) else re.compile(s.pattern, flags | re.M)
    files: list[FileHits] = []
    shown_lines = 0
    for path in _candidates(s):
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        if looks_binary(data):
            continue
        text = data.decode("utf-8", errors="replace")
        if quick is not None and not quick.search(text):
            continue
        lines = text.split("\n")
        if text.endswith("\n"):
            lines.pop()
        lines = [ln.rstrip("\r") for ln in lines]
        if s.mode == "files_with_matches":
            if any(regex.search(ln) for ln in lines):
                files.append(FileHits(path, 1))
                if len(files) >= MAX_FILES:
                    return Found(files, truncated=True)
            continue
        matches = [i for i, ln in enumerate(lines) if regex.search(ln)]
        if not matches:
            continue
        hit = FileHits(path, len(matches))
        if s.mode == "content":
            hit.lines = _context_lines(lines, matches, s.context)
            shown_lines += len(hit.lines)
        files.append(hit)
        if len(files) >= MAX_FILES or shown_lines >= MAX_LINES:
            return Found(files, truncated=True)
    return Found(files)


# ---------------------------------------------------------------- formatting


def render(found: Found, s: Search, base: Path) -> list[str]:
    """The one output format: `path`, `path:count`, or `path:n:text` / `path-n-text` + `--`."""
    files = sorted(found.files, key=lambda f: f.path)
    if s.mode == "files_with_matches":
        return [display_path(f.path, base) for f in files]
    if s.mode == "count":
        return [f"{display_path(f.path, base)}:{f.count}" for f in files]
    out: list[str] = []
    for f in files:
        shown = display_path(f.path, base)
        prev: int | None = None
        if s.context and out:
            out.append("--")
        for number, text, is_match in f.lines:
            if s.context and prev is not None and number > prev + 1:
                out.append("--")
            sep = ":" if is_match else "-"
            out.append(f"{shown}{sep}{number}{sep}{clip_line(text, LINE_CAP)}")
            prev = number
    return out


class GrepTool:
    name = tool_names.GREP
    description = (
        "Search file contents with a regular expression. output_mode: `files_with_matches` "
        "(default; paths only; for a single file, `content` is), `content` (matching lines as path:line:text, context lines "
        "as path-line-text, `--` between groups) or `count` (path:number of matching lines). "
        "Filter files with glob (e.g. `*.py`, `src/**/*.ts`); `context` adds lines around "
        "matches. Skips .git, .wakeful and binary files; output is capped, so narrow the "
        "search if it is cut."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "description": "Regular expression to search for."},
            "path": {
                "type": "string",
                "description": "File or directory to search. Default: the current directory.",
            },
            "glob": {"type": "string", "description": "Only search files matching this glob."},
            "output_mode": {
                "type": "string",
                "enum": list(MODES),
                "default": "files_with_matches",
            },
            "case_insensitive": {"type": "boolean", "default": False},
            "context": {
                "type": "integer",
                "default": 0,
                "minimum": 0,
                "maximum": 20,
                "description": "Lines of context around each match (content mode).",
            },
        },
        "required": ["pattern"],
    }
    read_only = True

    def __init__(self, use_rg: bool | None = None, output_cap: int = OUTPUT_CHAR_CAP) -> None:
        """use_rg: None picks ripgrep when it is on PATH; False forces the Python fallback."""
        self.rg = shutil.which("rg") if use_rg is not False else None
        if use_rg and not self.rg:
            raise FileNotFoundError("ripgrep (rg) is not on PATH; install it or use use_rg=None")
        self.output_cap = output_cap

    async def _search(self, s: Search, ctx: ToolContext) -> tuple[Found, str]:
        """Run one search with ripgrep (or Python when rg is absent or lacks the regex
        feature); returns what was found and the backend that found it."""
        if not self.rg:
            return await asyncio.to_thread(search_python, s), "python"
        try:
            return await search_rg(self.rg, s, ctx.config.env or None), "rg"
        except SearchFailed as exc:
            # Rust regex lacks look-around and backreferences; Python has them.
            try:
                re.compile(s.pattern)
            except re.error:
                raise exc from None
            return await asyncio.to_thread(search_python, s), "python"

    async def _no_match(self, s: Search, ctx: ToolContext, base: Path, backend: str) -> ToolResult:
        """ "No matches", with the next useful step shown rather than described.

        A small model takes a bare "no matches" for "not set" and guesses, or repeats the
        search: asked for the timeout in a file that sets TIMEOUT_SECONDS = 45 it searched
        for "timeout"; asked which file defines parse_date it searched `src/**/*.php`. So a
        search narrowed by case or a glob is run again without them and what that finds is
        shown, labelled; a search of one small file that still finds nothing shows the file
        (as `read` does, so it may be edited next); otherwise the result names what to try.
        """
        where = "." if s.root == base else display_path(s.root, base)
        head = f"No matches for {s.pattern!r} in {where}" + (
            f" (files matching {s.glob!r})" if s.glob else ""
        )
        meta: dict[str, Any] = {"files": 0, "backend": backend}
        # The narrowest change that finds something: the glob dropped, then case ignored.
        tries: list[tuple[str | None, bool, str]] = (
            [(s.glob, True, "ignoring case")] if not s.ignore_case and s.glob else []
        )
        if s.glob:
            tries.insert(0, (None, s.ignore_case, "without the glob"))
        if not s.ignore_case:
            tries.append(
                (None, True, "ignoring case" + (" and without the glob" if s.glob else ""))
            )
        for glob, ignore_case, how in tries:
            wider = Search(s.pattern, s.root, s.mode, glob, ignore_case, s.context)
            try:
                found, _ = await self._search(wider, ctx)
            except SearchFailed:
                continue
            if found.files:
                text, dropped = clip_lines_output(render(found, wider, base), self.output_cap // 2)
                more = "\n[more matches not shown]" if dropped or found.truncated else ""
                meta["relaxed_files"] = len(found.files)
                return ToolResult(
                    f"{head}. {how[0].upper() + how[1:]}, it matches:\n{text}{more}", meta=meta
                )
        tried = " (ignoring case too)" if s.glob or not s.ignore_case else ""
        if s.root.is_file():
            shown = await shown_if_small(s.root, ctx)
            if shown is not None:
                return ToolResult(
                    f"No line of {where} matches {s.pattern!r}{tried}. "
                    f"The whole file, as read shows it:\n{shown}",
                    meta=meta,
                )
            return ToolResult(
                f"No line of {where} matches {s.pattern!r}{tried}. Read the file (read with "
                "offset and limit) to see what it contains, or search for a shorter pattern.",
                meta=meta,
            )
        return ToolResult(
            f"{head}{tried}. Search for a shorter pattern or another word, or find files by "
            "name with glob.",
            meta=meta,
        )

    def _root(self, args: dict[str, Any], ctx: ToolContext) -> Path:
        path = args.get("path")
        return ctx.resolve(path) if isinstance(path, str) and path else ctx.resolve(".")

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        root = self._root(args if isinstance(args, dict) else {}, ctx)
        return RiskInput(
            tool=self.name, kind="read", paths=(str(root),), read_only=True, detail="recursive"
        )

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        try:
            a = check_args(self.name, args, self.input_schema)
        except ArgError as exc:
            return ToolResult.error(str(exc))
        if a["pattern"] == "":
            return ToolResult.error("pattern is empty; pass a regular expression to search for.")
        root = self._root(a, ctx)
        base = ctx.cwd or ctx.workspace
        note = ""
        if not root.exists():
            # A small model invents paths (src/main/java/.../MyClass.java); told only "not
            # found" it made up an answer. The nearest folder that exists inside the
            # workspace is searched instead, and the result says so.
            near = _nearest_folder(root, ctx.workspace)
            if near is None:
                return ToolResult.error(f"Path not found: {root}. Check it with glob.")
            shown = "." if near == base else display_path(near, base)
            note = f"Path not found: {display_path(root, base)}. Searched {shown} instead:\n"
            root = near
        s = Search(
            pattern=a["pattern"],
            root=root,
            # One file searched: its name alone says nothing, so its lines are the default.
            mode=a.get("output_mode", "content" if root.is_file() else "files_with_matches"),
            glob=a.get("glob") or None,
            ignore_case=a.get("case_insensitive", False),
            context=a.get("context", 0) if a.get("output_mode") == "content" else 0,
        )
        try:
            found, backend = await self._search(s, ctx)
        except SearchFailed as exc:
            return ToolResult.error(f"grep failed: {exc}. Fix the pattern (regex syntax).")
        if not found.files:
            empty = await self._no_match(s, ctx, base, backend)
            return ToolResult(note + empty.content, meta=empty.meta) if note else empty
        lines = render(found, s, base)
        text, dropped = clip_lines_output(lines, self.output_cap)
        if dropped or found.truncated:
            text += (
                "\n\n[results truncated; narrow the pattern, add a glob or path, or use "
                "output_mode=files_with_matches]"
            )
        return ToolResult(
            note + text,
            meta={"files": len(found.files), "backend": backend, "truncated": bool(dropped)},
        )


def _nearest_folder(path: Path, workspace: Path) -> Path | None:
    """The nearest existing folder above `path` inside `workspace`, or None."""
    top = workspace.resolve()
    for parent in path.parents:
        if parent.is_dir():
            resolved = parent.resolve()
            return resolved if resolved.is_relative_to(top) else None
    return None
