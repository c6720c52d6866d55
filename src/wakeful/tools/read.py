"""`read`: show a window of a text file with line numbers, and remember what was seen.

The stamp it records (mtime_ns, size) is what lets `write` and `edit` refuse to clobber a
file that changed after the model last looked at it.
"""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from wakeful.core import tool_names
from wakeful.policy.types import RiskInput
from wakeful.tools._args import ArgError, check_args
from wakeful.tools._paths import close_matches, looks_binary, nearest_existing_parent
from wakeful.tools._text import LINE_CHAR_CAP, clip_line, number_line
from wakeful.tools.base import ToolContext, ToolResult, path_risk

DEFAULT_LIMIT = 2000
WINDOW_BYTES = 256 * 1024
SNIFF_BYTES = 8192
LINE_READ_BYTES = 4 * LINE_CHAR_CAP + 4


def _lines(fh: BinaryIO) -> Iterator[tuple[bytes, int]]:
    """Lines as (first LINE_READ_BYTES bytes, count of bytes beyond them).

    A multi-megabyte single-line file (minified JS, a JSON dump) is shown cut anyway, so
    only its head is held in memory.
    """
    while raw := fh.readline(LINE_READ_BYTES):
        extra = 0
        if len(raw) == LINE_READ_BYTES and not raw.endswith(b"\n"):
            while chunk := fh.readline(1 << 20):
                extra += len(chunk)
                if chunk.endswith(b"\n"):
                    extra -= 1
                    break
        yield raw, extra


def note_recent(ctx: ToolContext, path: Path) -> None:
    """Keep `recent_files` ordered by last touch, without duplicates."""
    recent = ctx.recent_files
    key = str(path)
    if key in recent:
        recent.remove(key)
    recent.append(key)


def stamp(ctx: ToolContext, path: Path, st: os.stat_result) -> None:
    ctx.read_stamps[str(path)] = (st.st_mtime_ns, st.st_size)


def missing_file_message(path: Path) -> str:
    msg = f"File not found: {path}."
    hints = close_matches(path)
    if hints:
        msg += " Did you mean: " + ", ".join(hints) + "?"
    elif not path.parent.is_dir():
        near = nearest_existing_parent(path)
        if near is not None:
            msg += f" The directory {path.parent} does not exist either (nearest: {near})."
    return msg + " Use glob to find the right path."


class ReadTool:
    name = tool_names.READ
    description = (
        "Read a text file and return its lines numbered like `cat -n` (number, tab, text). "
        "Use offset (1-based line) and limit to page through long files; by default up to "
        f"{DEFAULT_LIMIT} lines from the start. Lines longer than {LINE_CHAR_CAP} characters "
        "are cut. Binary files are refused. You must read a file before you write or edit it."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "File to read, absolute or relative."},
            "offset": {
                "type": "integer",
                "minimum": 1,
                "description": "First line to show (1-based). Default 1.",
            },
            "limit": {
                "type": "integer",
                "minimum": 1,
                "description": f"Maximum lines to show. Default {DEFAULT_LIMIT}.",
            },
        },
        "required": ["path"],
    }
    read_only = True

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        return path_risk(self.name, args, ctx, write=False)

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        try:
            a = check_args(self.name, args, self.input_schema)
        except ArgError as exc:
            return ToolResult.error(str(exc))
        path = ctx.resolve(a["path"])
        offset: int = a.get("offset", 1)
        limit: int = a.get("limit", DEFAULT_LIMIT)
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            return ToolResult.error(missing_file_message(path))
        except OSError as exc:
            return ToolResult.error(f"Cannot inspect {path}: {exc.strerror}.")
        if stat.S_ISDIR(mode):
            return ToolResult.error(
                f"{path} is a directory, not a file. Use glob to list its files."
            )
        if not stat.S_ISREG(mode):
            # A FIFO or device would block or never end.
            return ToolResult.error(f"{path} is not a regular file; read shows files only.")
        try:
            fh = open(path, "rb")  # noqa: SIM115 - closed below, stat taken from the open fd
        except FileNotFoundError:
            return ToolResult.error(missing_file_message(path))
        except PermissionError:
            return ToolResult.error(f"Permission denied reading {path}.")
        except OSError as exc:
            return ToolResult.error(f"Cannot open {path}: {exc.strerror}.")
        with fh:
            st = os.fstat(fh.fileno())
            head = fh.read(SNIFF_BYTES)
            if looks_binary(head):
                return ToolResult.error(
                    f"{path} looks like a binary file ({st.st_size} bytes); read shows text "
                    "only. Use bash (e.g. `file`, `xxd | head`) to inspect it."
                )
            fh.seek(0)
            return self._window(ctx, path, fh, st, offset, limit)

    def _window(
        self,
        ctx: ToolContext,
        path: Path,
        fh: BinaryIO,
        st: os.stat_result,
        offset: int,
        limit: int,
    ) -> ToolResult:
        out: list[str] = []
        used = 0
        number = 0
        last_shown = 0
        stopped_for_size = False
        for raw, extra in _lines(fh):
            number += 1
            if number < offset:
                continue
            if len(out) >= limit:
                break
            try:
                text = codecs.getincrementaldecoder("utf-8")().decode(raw, final=not extra)
            except UnicodeDecodeError:
                return ToolResult.error(
                    f"{path} is not valid UTF-8 text (line {number}); read shows UTF-8 text "
                    "only. Use bash (e.g. `iconv -f latin1 -t utf-8`) to inspect it."
                )
            text = text.rstrip("\n").rstrip("\r")
            if extra:
                more = extra + len(text) - LINE_CHAR_CAP
                text = f"{text[:LINE_CHAR_CAP]}... [line truncated: about {more} more chars]"
            else:
                text = clip_line(text)
            line = number_line(number, text)
            if out and used + len(line) + 1 > WINDOW_BYTES:
                stopped_for_size = True
                break
            out.append(line)
            used += len(line) + 1
            last_shown = number
        # Count the rest of the file cheaply so the model knows how far it is.
        total = number
        last = b""
        while chunk := fh.read(1 << 20):
            total += chunk.count(b"\n")
            last = chunk[-1:]
        if last and last != b"\n":
            total += 1
        if total == 0:
            stamp(ctx, path, st)
            note_recent(ctx, path)
            return ToolResult(f"(file {path} is empty)", meta={"path": str(path), "lines": 0})
        if not out:
            return ToolResult.error(
                f"{path} has {total} lines; offset {offset} is past the end. "
                f"Use an offset between 1 and {max(total, 1)}."
            )
        stamp(ctx, path, st)
        note_recent(ctx, path)
        text = "\n".join(out)
        if last_shown < total:
            why = "size cap reached" if stopped_for_size else "line limit reached"
            text += (
                f"\n\n[showing lines {offset}-{last_shown} of {total} ({why}); "
                f"continue with offset={last_shown + 1}]"
            )
        return ToolResult(
            text,
            meta={"path": str(path), "first": offset, "last": last_shown, "lines": total},
        )


# A file at most this big is shown whole where a small model needs to see it: a one-file
# grep that found nothing, an edit refused because the file was not read.
SMALL_FILE_BYTES = 4000
SMALL_FILE_LINES = 80


async def shown_if_small(path: Path, ctx: ToolContext) -> str | None:
    """The file as `read` shows it (and recorded as read), if it is small; else None."""
    try:
        if path.stat().st_size > SMALL_FILE_BYTES:
            return None
        with open(path, "rb") as fh:
            if fh.read(SMALL_FILE_BYTES + 1).count(b"\n") > SMALL_FILE_LINES:
                return None
    except OSError:
        return None
    shown = await ReadTool().run({"path": str(path)}, ctx)
    return None if shown.is_error else shown.content


def stale_reason(ctx: ToolContext, path: Path, st: os.stat_result, verb: str) -> str | None:
    """Why `verb`-ing an existing file now would clobber something unseen, or None if safe."""
    seen = ctx.read_stamps.get(str(path))
    if seen is None:
        return (
            f"{path} exists but has not been read in this session. Read it first, then {verb} it."
        )
    if seen != (st.st_mtime_ns, st.st_size):
        return (
            f"{path} has changed since you last read it (modified outside this tool or by "
            f"another process). Read it again, then {verb} it."
        )
    return None
