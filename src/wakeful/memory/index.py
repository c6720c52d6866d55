"""MEMORY.md and topic files: the human-readable, human-editable view of memory.

The store is the truth; these files are rendered from it. `MEMORY.md` is a short index
(never more than 200 lines or 25 KB: entries that do not fit are demoted to their topic
file, which the index links); each type has a topic file listing all its memories.

A person may edit them: change an entry's text, delete an entry from a topic file (the
memory is archived), or add a line `- some fact` (a new memory of that section's type).
We tell a human edit from our own output by the digest of what we last wrote, kept in
`.index-state.json` next to the files, and apply the edits before rewriting the files.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from wakeful.memory.types import MEMORY_TYPES, MemoryRecord, MemoryType, memory_type

INDEX_NAME = "MEMORY.md"
STATE_NAME = ".index-state.json"
LOCK_NAME = ".lock"
MAX_INDEX_LINES = 200
MAX_INDEX_BYTES = 25_000
INDEX_ENTRY_CHARS = 160
SECTION_ORDER: tuple[MemoryType, ...] = ("feedback", "user", "project", "reference")
TITLES: dict[str, str] = {
    "feedback": "Feedback",
    "user": "User",
    "project": "Project",
    "reference": "Reference",
}
INDEX_MARKER = "<!-- wakeful memory index"
TOPIC_MARKER = "<!-- wakeful memory topic"
_ENTRY_RE = re.compile(r"^- (?:\[(?P<id>m[0-9a-f]{6,})\]\s*)?(?P<text>.*)$")
_COMMENT_RE = re.compile(r"\s*<!--.*?-->\s*")
_SECTION_RE = re.compile(r"^##\s+(?P<title>\w+)")
_MORE_RE = re.compile(r"^- (?:…|\.\.\.) \d+ more in ")


def topic_name(mtype: str) -> str:
    return f"{mtype}.md"


@dataclass(frozen=True)
class ParsedEntry:
    id: str | None
    text: str
    type: MemoryType


@dataclass
class FileEdits:
    """What a person changed in the files since we last wrote them."""

    edited: dict[str, str] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    added: list[ParsedEntry] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.edited or self.removed or self.added)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _entry_text(record: MemoryRecord) -> str:
    """The entry's text as written in topic files: continuation lines indented."""
    lines = record.text.strip().splitlines() or [""]
    return "\n  ".join(line.rstrip() for line in lines)


def _anchor_note(record: MemoryRecord) -> str:
    if not record.anchors:
        return ""
    spans = ", ".join(a.span for a in record.anchors[:3])
    if len(record.anchors) > 3:
        spans += f", +{len(record.anchors) - 3}"
    return f" <!-- {spans} -->"


def index_entry_text(record: MemoryRecord) -> str:
    text = _one_line(record.text)
    if len(text) > INDEX_ENTRY_CHARS:
        text = text[: INDEX_ENTRY_CHARS - 1].rstrip() + "…"
    return text


def render_topic(mtype: MemoryType, records: list[MemoryRecord]) -> tuple[str, list[str]]:
    lines = [
        f"# {TITLES[mtype]} memories",
        "",
        f"{TOPIC_MARKER}: edit an entry's text in place, delete an entry to forget it, or add "
        "a line '- some fact' to remember it. Anchors are shown in comments. -->",
        "",
    ]
    for r in records:
        lines.append(f"- [{r.id}] {_entry_text(r)}{_anchor_note(r)}")
    return "\n".join(lines) + "\n", [r.id for r in records]


def render_index(by_type: dict[str, list[MemoryRecord]]) -> tuple[str, list[str]]:
    """MEMORY.md within the caps: best entries inline, the rest demoted behind links.

    `by_type` lists each type's records best first.
    """
    header = [
        "# Memory",
        "",
        f"{INDEX_MARKER}: the short index of this project's memory (at most "
        f"{MAX_INDEX_LINES} lines, {MAX_INDEX_BYTES // 1000} KB). Full entries live in the "
        "linked topic files. Edit entries here or there; changes are picked up. -->",
    ]
    sections = [t for t in SECTION_ORDER if by_type.get(t)]
    if not sections:
        return "\n".join([*header, "", "No memories yet."]) + "\n", []

    def section_head(t: str) -> list[str]:
        n = len(by_type[t])
        return ["", f"## {TITLES[t]} ({n} in [{topic_name(t)}]({topic_name(t)}))"]

    def more_line(t: str, shown: int) -> str:
        return f"- … {len(by_type[t]) - shown} more in [{topic_name(t)}]({topic_name(t)})"

    # Reserve room for every heading and a possible "more" line, then fill by priority.
    fixed = list(header)
    for t in sections:
        fixed += section_head(t)
        fixed.append(more_line(t, 0))
    used_lines = len(fixed)
    used_bytes = sum(len(line.encode()) + 1 for line in fixed)
    cursors = dict.fromkeys(sections, 0)
    shown: dict[str, list[str]] = {t: [] for t in sections}
    progress = True
    while progress:
        progress = False
        for t in sections:  # round-robin so no type starves the others
            i = cursors[t]
            if i >= len(by_type[t]):
                continue
            record = by_type[t][i]
            line = f"- [{record.id}] {index_entry_text(record)}"
            cost = len(line.encode()) + 1
            if used_lines + 1 > MAX_INDEX_LINES or used_bytes + cost > MAX_INDEX_BYTES:
                continue
            shown[t].append(line)
            cursors[t] = i + 1
            used_lines += 1
            used_bytes += cost
            progress = True
    lines = list(header)
    ids: list[str] = []
    for t in sections:
        lines += section_head(t)
        lines += shown[t]
        ids += [r.id for r in by_type[t][: cursors[t]]]
        if cursors[t] < len(by_type[t]):
            lines.append(more_line(t, cursors[t]))
    text = "\n".join(lines) + "\n"
    assert len(lines) <= MAX_INDEX_LINES and len(text.encode()) <= MAX_INDEX_BYTES
    return text, ids


def parse_entries(text: str, default_type: MemoryType | None) -> list[ParsedEntry]:
    """Entries of a topic file or the index. Section headings set the type in the index."""
    entries: list[ParsedEntry] = []
    current_type: MemoryType | None = default_type
    pending: tuple[str | None, list[str], MemoryType] | None = None
    in_comment = False

    def flush() -> None:
        nonlocal pending
        if pending is not None:
            mid, parts, mtype = pending
            body = _COMMENT_RE.sub(" ", "\n".join(parts)).strip()
            body = "\n".join(line.strip() for line in body.splitlines()).strip()
            if body:
                entries.append(ParsedEntry(mid, body, mtype))
        pending = None

    for raw in text.splitlines():
        line = raw.rstrip()
        if in_comment:
            if "-->" in line:
                in_comment = False
            continue
        if line.lstrip().startswith("<!--") and "-->" not in line:
            flush()
            in_comment = True
            continue
        section = _SECTION_RE.match(line)
        if section:
            flush()
            title = section.group("title").lower()
            current_type = memory_type(title)
            continue
        if _MORE_RE.match(line):
            flush()
            continue
        entry = _ENTRY_RE.match(line)
        if entry and current_type is not None:
            flush()
            pending = (entry.group("id"), [entry.group("text")], current_type)
            continue
        if pending is not None and raw.startswith((" ", "\t")) and line.strip():
            pending[1].append(line.strip())
            continue
        flush()
    flush()
    return entries


def _new_topic_entries(path: Path, mtype: MemoryType) -> list[ParsedEntry]:
    """Entries without an id in a topic file a person created by hand."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    return [e for e in parse_entries(text, mtype) if e.id is None]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class MemoryFiles:
    """Reads human edits from, and writes the rendered view to, the memory directory."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory

    @property
    def index_path(self) -> Path:
        return self.dir / INDEX_NAME

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Serialise sync-and-rewrite across processes so the last writer sees all commits."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir / LOCK_NAME, "a+") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _state(self) -> dict[str, dict[str, object]]:
        try:
            data = json.loads((self.dir / STATE_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def read_edits(self, current: dict[str, MemoryRecord]) -> FileEdits:
        """Edits made by hand since our last write. `current` maps id to active record."""
        edits = FileEdits()
        state = self._state()
        files: list[tuple[str, MemoryType | None]] = [
            (INDEX_NAME, None),
            *((topic_name(t), t) for t in MEMORY_TYPES),
        ]
        for name, default_type in files:
            path = self.dir / name
            info = state.get(name)
            if info is None:
                if default_type is not None:
                    edits.added += _new_topic_entries(path, default_type)
                continue  # never written by us: nothing else to compare against
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                continue  # a missing file is rebuilt, not read as "forget everything"
            except (OSError, UnicodeDecodeError):
                continue  # unreadable or corrupt: rebuilt from the store
            if _digest(text) == info.get("sha256"):
                continue
            is_index = name == INDEX_NAME
            marker = INDEX_MARKER if is_index else TOPIC_MARKER
            if marker not in text:
                continue  # not our format any more: treat as corrupt and rebuild
            parsed = parse_entries(text, default_type)
            seen: set[str] = set()
            for entry in parsed:
                if entry.id is None:
                    edits.added.append(entry)
                    continue
                seen.add(entry.id)
                record = current.get(entry.id)
                if record is None:
                    continue
                ours = index_entry_text(record) if is_index else _entry_text(record)
                ours_norm = "\n".join(
                    line.strip() for line in _COMMENT_RE.sub(" ", ours).strip().splitlines()
                )
                if entry.text != ours_norm:
                    edits.edited[entry.id] = entry.text
            listed = info.get("ids")
            written = {str(i) for i in listed} if isinstance(listed, list) else set()
            edits.removed |= {i for i in written - seen if i in current}
        edits.removed -= set(edits.edited)
        return edits

    def written_ids(self) -> set[str]:
        """Ids of the memories our last write put in the files."""
        ids: set[str] = set()
        for info in self._state().values():
            listed = info.get("ids") if isinstance(info, dict) else None
            if isinstance(listed, list):
                ids |= {str(i) for i in listed}
        return ids

    def recoverable_entries(self) -> list[ParsedEntry]:
        """Every entry with an id that the files still hold, topic files first (they list
        every memory in full; the index may shorten an entry), for rebuilding a lost store."""
        found: dict[str, ParsedEntry] = {}
        files: list[tuple[str, MemoryType | None]] = [
            *((topic_name(t), t) for t in MEMORY_TYPES),
            (INDEX_NAME, None),
        ]
        for name, default_type in files:
            try:
                text = (self.dir / name).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            for entry in parse_entries(text, default_type):
                if entry.id is None or entry.id in found:
                    continue
                if name == INDEX_NAME and entry.text.endswith("…"):
                    continue  # shortened in the index: not the memory's text
                found[entry.id] = entry
        return list(found.values())

    def needs_rebuild(self) -> bool:
        """True when MEMORY.md is missing, unreadable, not ours, or over the caps."""
        try:
            data = self.index_path.read_bytes()
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return True
        return (
            INDEX_MARKER not in text
            or len(data) > MAX_INDEX_BYTES
            or len(text.splitlines()) > MAX_INDEX_LINES
        )

    def write(self, by_type: dict[str, list[MemoryRecord]]) -> str:
        """Render and write MEMORY.md and every topic file; returns the index text."""
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.index_path.exists() and self.needs_rebuild():
            try:
                data = self.index_path.read_bytes()
                if data:
                    (self.dir / f"{INDEX_NAME}.corrupt").write_bytes(data)
            except OSError:
                pass
        state: dict[str, object] = {}
        index_text, index_ids = render_index(by_type)
        for mtype in MEMORY_TYPES:
            records = by_type.get(mtype, [])
            path = self.dir / topic_name(mtype)
            if not records:
                if path.exists():
                    path.unlink()
                continue
            text, ids = render_topic(mtype, records)
            _atomic_write(path, text)
            state[topic_name(mtype)] = {"sha256": _digest(text), "ids": ids}
        _atomic_write(self.index_path, index_text)
        state[INDEX_NAME] = {"sha256": _digest(index_text), "ids": index_ids}
        _atomic_write(self.dir / STATE_NAME, json.dumps(state))
        return index_text

    def read_index(self) -> str | None:
        try:
            return self.index_path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
