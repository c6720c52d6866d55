"""`edit`: replace an exact, unique string in a file the model has read and that is unchanged.

Exact-match editing is the safe middle ground between rewriting whole files (costly, lossy)
and line-number patches (wrong as soon as anything shifts): the old text proves the model
knows what it is replacing.
"""

from __future__ import annotations

import difflib
import keyword
import os
import re
from pathlib import Path
from typing import Any

from wakeful.core import tool_names
from wakeful.policy.types import RiskInput
from wakeful.tools._args import ArgError, check_args
from wakeful.tools._fs import write_atomic
from wakeful.tools._loose import loose_match
from wakeful.tools._paths import close_matches, looks_binary, walk_files
from wakeful.tools._text import snippet
from wakeful.tools.base import ToolContext, ToolResult, path_risk
from wakeful.tools.read import (
    missing_file_message,
    note_recent,
    shown_if_small,
    stale_reason,
    stamp,
)

_LINE_NUMBER_PREFIX = re.compile(r"^\s*\d+\t", re.MULTILINE)


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _not_found_hint(text: str, old: str) -> str:
    if _LINE_NUMBER_PREFIX.search(old) and _LINE_NUMBER_PREFIX.sub("", old) in text:
        return (
            " It contains line-number prefixes from `read` output; remove the number and tab "
            "at the start of each line."
        )
    stripped = old.strip()
    if stripped and stripped in text:
        return " Its text occurs with different leading/trailing whitespace; copy it exactly."
    squashed = " ".join(old.split())
    if squashed and squashed in " ".join(text.split()):
        return " The words occur but with different whitespace or line breaks; copy it exactly."
    near = nearest_text(text, old)
    if near is not None:
        first, last, lines = near
        where = f"line {first}" if first == last else f"lines {first}-{last}"
        return (
            f" The closest text in the file ({where}):\n{lines}\nCopy old_string from it "
            "exactly, including indentation."
        )
    return _READ_AGAIN


_READ_AGAIN = " Read the file again and copy the text exactly, including indentation."
# Files searched, at most, for an old_string that is not in the file edited.
ELSEWHERE_MAX_FILES = 2000
ELSEWHERE_MAX_BYTES = 256 * 1024


async def _found_elsewhere(old: str, path: Path, ctx: ToolContext) -> str:
    """For an old_string with nothing like it in its file: the other workspace file it is
    in (when it is in one), and the file edited as it is (when small). After bare `pytest`
    failed on a line of the test file, the coder model edited mathx.py for that line, was
    told to read the file again, read it, and sent the same edit four times."""
    where = ""
    for seen, (rel, entry) in enumerate(walk_files(ctx.workspace)):
        if seen >= ELSEWHERE_MAX_FILES:
            break
        other = Path(entry.path)
        try:
            if other == path or entry.stat().st_size > ELSEWHERE_MAX_BYTES:
                continue
            data = other.read_bytes()
        except OSError:
            continue
        if looks_binary(data[:8192]):
            continue
        body = data.decode("utf-8", errors="replace")
        index = body.find(old)
        if index >= 0:
            where = f" It is in {rel} (line {_line_of(body, index)}), a different file."
            break
    shown = await shown_if_small(path, ctx)
    if shown is None:
        return where + _READ_AGAIN
    return f"{where} {path.name} reads (as read shows it):\n{shown}\nCopy old_string from it."


# How alike (difflib's ratio) the closest lines must be to be offered, and how many lines of
# a file are compared: enough for a source file, and a bounded cost on a huge one.
NEAREST_RATIO = 0.6
NEAREST_MAX_LINES = 5000


def nearest_text(text: str, old: str) -> tuple[int, int, str] | None:
    """The run of lines in `text` most like `old` (same number of lines), as (first line,
    last line, the lines), or None when nothing is alike.

    A small model edits from memory: old_string "return a + c" for a file that says
    "return a - b". Shown the closest lines, it can copy them instead of guessing again.
    """
    lines = text.replace("\r\n", "\n").split("\n")[:NEAREST_MAX_LINES]
    want = old.replace("\r\n", "\n").strip("\n")
    size = max(1, want.count("\n") + 1)
    if not want.strip() or size > len(lines):
        return None
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(want)
    best: tuple[float, int] | None = None
    for start in range(0, len(lines) - size + 1):
        window = "\n".join(lines[start : start + size])
        if not window.strip():
            continue
        matcher.set_seq1(window)
        if matcher.real_quick_ratio() < NEAREST_RATIO or matcher.quick_ratio() < NEAREST_RATIO:
            continue
        ratio = matcher.ratio()
        if ratio >= NEAREST_RATIO and (best is None or ratio > best[0]):
            best = (ratio, start)
    if best is None:
        return None
    start = best[1]
    return start + 1, start + size, "\n".join(lines[start : start + size])


# Files looked at, at most, when searching the workspace for a missing file's name.
SAME_NAME_MAX_FILES = 20000


def same_name_elsewhere(path: Path, workspace: Path, limit: int = 3) -> list[str]:
    """Workspace files (relative paths) with `path`'s name, elsewhere: a bounded walk."""
    out: list[str] = []
    for seen, (rel, entry) in enumerate(walk_files(workspace)):
        if seen >= SAME_NAME_MAX_FILES or len(out) >= limit:
            break
        if entry.name == path.name:
            out.append(rel)
    return out


_NAME = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]{2,}\b")
# Lines shown when an edit takes a name out of its file (a rename): at most this many.
MAX_LINES_SHOWN = 6


async def _names_left_elsewhere(
    old: str, new: str, updated: str, path: Any, display: str, ctx: ToolContext
) -> str:
    """For a name the edit took out of its file altogether (a rename, a removal): the other
    files that still use it. Renaming calc in shop.py, the coder model answered "renamed
    everywhere" with main.py still importing calc."""
    from wakeful.tools.grep import GrepTool

    # As whole words: `greet` renamed to `greet_user` is taken out, though a substring stays.
    new_names = set(_NAME.findall(new))
    replaced = [
        n
        for n in dict.fromkeys(_NAME.findall(old))
        if n not in new_names and not keyword.iskeyword(n)
    ]
    gone = [n for n in replaced if not re.search(rf"\b{n}\b", updated)][:2]
    notes: list[str] = []
    if any(n not in set(_NAME.findall(old)) for n in new_names):
        # A rename (one name in, another out) that left the old name in this file: the
        # coder model renamed calc on one line of main.py and not in its import.
        for name in [n for n in replaced if n not in gone][:2]:
            here = [
                f"{display}:{number}:{text}"
                for number, text in enumerate(updated.splitlines(), 1)
                if re.search(rf"\b{name}\b", text)
            ][:MAX_LINES_SHOWN]
            notes.append(f"{name} {tool_names.STILL_USED_NOTE}\n" + "\n".join(here))
    for name in gone:
        found = await GrepTool().run({"pattern": rf"\b{name}\b", "output_mode": "content"}, ctx)
        if found.is_error or found.content.startswith("No matches"):
            continue
        # path:line:text lines of the other files (the file edited no longer has the name).
        lines = [
            line
            for line in found.content.splitlines()
            if line.count(":") >= 2 and ctx.resolve(line.split(":", 1)[0]) != path
        ][:MAX_LINES_SHOWN]
        if lines:
            notes.append(f"{name} {tool_names.STILL_USED_NOTE}\n" + "\n".join(lines))
    return "".join(f"\n{n}" for n in notes)


class EditTool:
    name = tool_names.EDIT
    description = (
        "Replace exact text in a file. old_string must match the file exactly (including "
        "indentation and line breaks) and be unique in it, unless replace_all is true; add "
        "surrounding lines to make it unique. The file must have been read with `read` and "
        "not changed since. Do not include the line-number prefixes shown by `read`."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "File to edit, absolute or relative."},
            "old_string": {"type": "string", "description": "Exact text to replace."},
            "new_string": {"type": "string", "description": "Replacement text."},
            "replace_all": {
                "type": "boolean",
                "description": "Replace every occurrence instead of requiring a unique one.",
            },
        },
        "required": ["path", "old_string", "new_string"],
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
        old: str = a["old_string"]
        new: str = a["new_string"]
        replace_all: bool = a.get("replace_all", False)
        if old == "":
            return ToolResult.error(
                "old_string is empty. To create a file use `write`; to insert text, include "
                "a neighbouring line in old_string and repeat it in new_string."
            )
        if old == new:
            # The coder model "fixed" app.py with an identical pair and took the error for
            # "no change needed"; the message says the task is not done by it.
            return ToolResult.error(
                "old_string and new_string are identical, so nothing was changed: write the "
                "corrected text in new_string."
            )
        try:
            st = os.stat(path)
        except FileNotFoundError:
            # Asked to create a file, the coder model "edited" it into being; sent to glob,
            # it searched for the file until its time ran out.
            if close_matches(path) or not path.parent.is_dir():
                return ToolResult.error(
                    missing_file_message(path)
                    + " To create it, call write with the path and the file's whole content."
                )
            # Nothing like it nearby: creating it is likelier than a file to look for. Told
            # "if it exists elsewhere, find it with glob", the coder model globbed and grepped
            # for the file it was asked to create four times: the tool looks, and says.
            elsewhere = same_name_elsewhere(path, ctx.workspace)
            if elsewhere:
                return ToolResult.error(
                    f"File not found: {path}. A file of that name is at: "
                    + ", ".join(elsewhere)
                    + ". To edit it, read and edit that path; to create this one, call write "
                    "with this path and the file's whole content."
                )
            return ToolResult.error(
                f"File not found: {path}, and no file of that name exists in the workspace. "
                "To create it, call write with this path and the file's whole content."
            )
        except OSError as exc:
            return ToolResult.error(f"Cannot inspect {path}: {exc.strerror}.")
        if not os.path.isfile(path):
            return ToolResult.error(f"{path} is not a regular file; edit changes text files.")
        reason = stale_reason(ctx, path, st, self.name)
        if reason:
            # A small model told to read first may answer that it did; a small file is shown
            # (and so read): this edit is still refused, the next one can be made from it.
            shown = await shown_if_small(path, ctx)
            if shown is not None:
                reason += f" It now reads (as read shows it):\n{shown}"
            return ToolResult.error(reason)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            return ToolResult.error(f"Cannot read {path}: {exc.strerror}.")
        if looks_binary(raw[:8192]):
            return ToolResult.error(f"{path} looks like a binary file; edit changes text files.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return ToolResult.error(f"{path} is not valid UTF-8 text; edit it with bash instead.")

        count = text.count(old)
        if count == 0 and "\r\n" in text and "\n" in old and "\r\n" not in old:
            # The model sees lines without their CRLF; match the file's line endings.
            old, new = old.replace("\n", "\r\n"), new.replace("\n", "\r\n")
            count = text.count(old)
        loose = loose_match(text, old, new) if count == 0 and not replace_all else None
        if count == 0 and loose is None:
            hint = _not_found_hint(text, old)
            if hint == _READ_AGAIN:
                hint = await _found_elsewhere(old, path, ctx)
            return ToolResult.error(f"old_string not found in {path}." + hint)
        if count > 1 and not replace_all:
            lines: list[int] = []
            start = 0
            while len(lines) < 10:
                idx = text.find(old, start)
                if idx < 0:
                    break
                lines.append(_line_of(text, idx))
                start = idx + 1
            where = ", ".join(str(n) for n in lines) + (", ..." if count > len(lines) else "")
            return ToolResult.error(
                f"old_string occurs {count} times in {path} (at lines {where}). Add surrounding "
                "lines to old_string to make it unique, or set replace_all to true."
            )
        note = ""
        if loose is not None:
            # Only the quotes differ: the file's own text is where the edit applies.
            first, count = loose.start, 1
            new = loose.replacement
            updated = text[: loose.start] + new + text[loose.end :]
            note = " (old_string matched the file's text with other quote characters)"
        else:
            first = text.find(old)
            updated = text.replace(old, new) if replace_all else text.replace(old, new, 1)
        try:
            write_atomic(path, updated.encode("utf-8"))
        except PermissionError:
            return ToolResult.error(f"Permission denied writing {path}.")
        except OSError as exc:
            return ToolResult.error(f"Cannot write {path}: {exc.strerror}.")
        stamp(ctx, path, os.stat(path))
        note_recent(ctx, path)
        start_line = _line_of(updated, first)
        end_line = start_line + new.count("\n")
        what = f"Replaced {count} occurrences" if replace_all and count > 1 else "Edited"
        return ToolResult(
            f"{what} in {path}{note}. Around line {start_line} it now reads:\n"
            + snippet(updated.replace("\r\n", "\n"), start_line, end_line)
            + await _names_left_elsewhere(old, new, updated, path, a["path"], ctx),
            meta={"path": str(path), "replacements": count if replace_all else 1},
        )
