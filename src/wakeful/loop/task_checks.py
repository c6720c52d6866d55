"""What a task visibly left undone, checked in the workspace when the model answers.

A small model answers as soon as it has made a change, done or not. Asked to "Rename the
function calc to compute_total in shop.py and everywhere it is used", Qwen2.5-Coder-1.5B
edited the function's body and answered "Renamed calc to compute_total ... everywhere";
with AGENTS.md saying "Record every change as a new line in CHANGELOG.md", it changed app.py
and answered. When the provider asks for it (the embedded model does), the loop looks at the
workspace when an answer would end the turn and, where the task is visibly not done, says
what is left, once per check and turn, with the files concerned read for the model; the model
then carries on. Two checks, each from the user's or the project's own words, never a model:

- **a rename left behind**: the task says "rename OLD to NEW" and OLD is still a word in the
  workspace's files (in the files the task names, unless it says "everywhere", "every file",
  ...), lines that name both aside;
- **a file the project's instructions name**: a sentence of the instructions (AGENTS.md,
  WAKEFUL.md, CLAUDE.md) names an existing file, not as something never to touch, the model
  changed files this turn, and that file is as it was when the turn began.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from wakeful.core.messages import Message, ToolResultBlock
from wakeful.core.paths import INSTRUCTION_FILES
from wakeful.core.tool_names import FILE_EDIT_TOOLS, PREREAD_CALL_PREFIX, TASK_CHECK_NOTE
from wakeful.loop.preread import PREREAD_MAX_BYTES, named_files
from wakeful.tools.base import ToolContext

# "Rename the function calc to compute_total", "rename `MAX_USERS` to `USER_LIMIT`".
_RENAME = re.compile(
    r"\brename\s+(?:the\s+)?(?:(?:function|method|class|constant|variable|field|attribute|"
    r"module|parameter|argument|type|name)\s+)?`?([A-Za-z_]\w*)`?\s+to\s+`?([A-Za-z_]\w*)`?",
    re.IGNORECASE,
)
# Words that widen a rename from the files the task names to the whole workspace.
_EVERYWHERE = re.compile(
    r"\b(?:everywhere|every\s+file|all\s+files|each\s+file|across|wherever|all\s+uses|"
    r"every\s+use|in\s+every|in\s+all)\b",
    re.IGNORECASE,
)
# A sentence of the instructions that forbids: it is kept by leaving the file alone.
_FORBIDS = re.compile(r"\b(?:never|not|don't|do\s+not|no|avoid|without)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# Leftover lines shown, and files read for the model, at most.
MAX_LINES_SHOWN = 8
MAX_FILES_READ = 3


@dataclass(frozen=True)
class Finding:
    """What a check found left undone: the note for the model and the files to read for it."""

    kind: str
    note: str
    paths: list[str] = field(default_factory=list)


def rename_asked(text: str) -> tuple[str, str] | None:
    """(old, new) when the task asks for a rename of one name to another."""
    found = _RENAME.search(text)
    if found is None:
        return None
    old, new = found.group(1), found.group(2)
    if old == new or len(old) < 2 or old.lower() in ("it", "the", "a", "an"):
        return None
    return old, new


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def rule_files(instructions: str, workspace: Path, cwd: Path) -> dict[str, str]:
    """The files a sentence of the project's instructions names (existing, small, not an
    instruction file itself), each with the sentence that names it; forbidding sentences
    ("Never edit vendor/lib.py.") left out."""
    out: dict[str, str] = {}
    for sentence in _SENTENCE.split(instructions):
        sentence = sentence.strip().lstrip("#-* ").strip()
        if not sentence or _FORBIDS.search(sentence):
            continue
        for rel in named_files(sentence, workspace, cwd, limit=MAX_FILES_READ):
            if Path(rel).name not in INSTRUCTION_FILES and rel not in out:
                out[rel] = sentence
    return out


class TaskChecks:
    """The checks of one user turn: built when the turn starts (the state the instructions'
    files are in), asked each time an answer would end it."""

    def __init__(self, user_text: str, instructions: str, ctx: ToolContext) -> None:
        self.ctx = ctx
        self.user_text = user_text
        self.cwd = ctx.cwd or ctx.workspace
        self.done: set[str] = set()
        self.rename = rename_asked(user_text)
        self.rules = rule_files(instructions, ctx.workspace, self.cwd) if instructions else {}
        self.before = {rel: _digest(ctx.resolve(rel)) for rel in self.rules}

    async def after_answer(self, turn: list[Message]) -> Finding | None:
        """What is left undone, given the turn's messages so far; each check fires once."""
        for kind, check in (("rename", self._rename_left), ("rules", self._rules_skipped)):
            if kind in self.done:
                continue
            finding = await check(turn)
            if finding is not None:
                self.done.add(kind)
                return finding
        return None

    async def _rename_left(self, turn: list[Message]) -> Finding | None:
        if self.rename is None:
            return None
        from wakeful.tools.grep import GrepTool

        old, new = self.rename
        found = await GrepTool().run(
            {"pattern": rf"\b{re.escape(old)}\b", "output_mode": "content"}, self.ctx
        )
        if found.is_error or found.content.startswith("No matches"):
            return None
        named = named_files(self.user_text, self.ctx.workspace, self.cwd)
        scope = None if _EVERYWHERE.search(self.user_text) or not named else set(named)
        lines: list[str] = []
        paths: list[str] = []
        for line in found.content.splitlines():
            parts = line.split(":", 2)
            if len(parts) < 3 or not parts[1].isdigit():
                continue
            rel, text = parts[0], parts[2]
            if Path(rel).name in INSTRUCTION_FILES or re.search(rf"\b{re.escape(new)}\b", text):
                continue  # a line that names both records the rename, it does not miss it
            if scope is not None and not any(
                self.ctx.resolve(rel) == self.ctx.resolve(n) for n in scope
            ):
                continue
            lines.append(line)
            if rel not in paths:
                paths.append(rel)
        if not lines:
            return None
        shown = "\n".join(lines[:MAX_LINES_SHOWN])
        more = (
            f"\n(and {len(lines) - MAX_LINES_SHOWN} more)" if len(lines) > MAX_LINES_SHOWN else ""
        )
        note = (
            f"{TASK_CHECK_NOTE} the task renames {old} to {new}, and {old} is still in these "
            f"lines:\n{shown}{more}\nChange each of them to {new}, then answer."
        )
        return Finding("rename", note, self._readable(paths))

    async def _rules_skipped(self, turn: list[Message]) -> Finding | None:
        if not self.rules:
            return None
        changed = _changed_paths(turn)
        if not changed:
            return None
        resolved_changed = {self.ctx.resolve(p) for p in changed}
        for rel, sentence in self.rules.items():
            path = self.ctx.resolve(rel)
            if path in resolved_changed or _digest(path) != self.before.get(rel):
                continue
            shown = ", ".join(sorted(changed)[:3])
            note = (
                f'{TASK_CHECK_NOTE} the project\'s instructions say: "{sentence}" This task '
                f"changed {shown} and has not changed {rel}. Do what the instructions ask for "
                "this change, then answer."
            )
            return Finding("rules", note, self._readable([rel]))
        return None

    def _readable(self, paths: list[str]) -> list[str]:
        """The files worth reading for the model: small, and not read as they are now."""
        out: list[str] = []
        for rel in paths:
            path = self.ctx.resolve(rel)
            try:
                st = path.stat()
            except OSError:
                continue
            if not path.is_file() or st.st_size > PREREAD_MAX_BYTES:
                continue
            if self.ctx.read_stamps.get(str(path)) == (st.st_mtime_ns, st.st_size):
                continue
            out.append(rel)
            if len(out) >= MAX_FILES_READ:
                break
        return out


def _changed_paths(turn: list[Message]) -> list[str]:
    """The paths the model's own edit and write calls of this turn changed (no error)."""
    failed = {
        b.tool_use_id
        for m in turn
        for b in m.content
        if isinstance(b, ToolResultBlock) and b.is_error
    }
    out: list[str] = []
    for message in turn:
        if message.role != "assistant":
            continue
        for block in message.tool_uses:
            path = block.input.get("path") if isinstance(block.input, dict) else None
            if (
                block.name in FILE_EDIT_TOOLS
                and block.id not in failed
                and not block.id.startswith(PREREAD_CALL_PREFIX)
                and isinstance(path, str)
                and path not in out
            ):
                out.append(path)
    return out
