"""Gather: the signals worth keeping from session transcripts written since the watermark.

Transcripts are append-only JSONL, so the watermark per session is a byte offset: a dream
reads only what was appended since the last one, and only whole lines (a line torn by a
crash is read next time, once complete). From the main agent's conversation it keeps:

- corrections the user made ("no, use X", "actually ...", "don't ...") -> feedback;
- preferences the user stated ("I prefer", "always", "never", "from now on") -> feedback
  or user;
- decisions ("let's go with", "we decided") -> project;
- facts about the code that name an existing file ("the retry loop lives in loop/retry.py")
  -> project, anchored to the line of that file the sentence talks about.

Recalled-memory hints appended to user turns are cut off first, so old memories are never
re-learned as new facts; questions and text that looks like a secret are skipped. Every
signal also counts which memory ids were recalled, which is how "least used" is measured.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wakeful.memory.anchors import auto_anchor
from wakeful.memory.consolidate import normalised_text
from wakeful.memory.secret_scan import find_secrets
from wakeful.memory.types import MemoryType

HINT_BLOCK = "\n\n<memory>\n"
_HINT_ID_RE = re.compile(r"^- (m[0-9a-f]{6,}): \[", re.MULTILINE)
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'`(])|\n+")
_PATH_RE = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.[A-Za-z0-9]{1,8})(?::\d+(?:-\d+)?)?\b")

_CORRECTION_RE = re.compile(
    r"^(?:no|nope|wrong|actually|that's not|that is not|that's wrong|not quite|"
    r"don't|do not|stop|never|instead)\b[,:]?\s*",
    re.IGNORECASE,
)
_PREFERENCE_RE = re.compile(
    r"\b(?:i prefer|we prefer|i'd prefer|i like|i want you to|please always|always|never|"
    r"from now on|going forward|in future|in the future|make sure to|remember that|"
    r"we use|we always|we never)\b",
    re.IGNORECASE,
)
_PERSONAL_RE = re.compile(r"\b(?:i prefer|i'd prefer|i like|i am|i'm|my role)\b", re.IGNORECASE)
_DECISION_RE = re.compile(
    r"\b(?:let's go with|lets go with|we decided|we've decided|i decided|we'll use|we will use|"
    r"decided to|decision:|we are going with|we're going with|going with)\b",
    re.IGNORECASE,
)
_CODE_FACT_RE = re.compile(
    r"\b(?:is defined in|are defined in|lives in|live in|is implemented in|are implemented in|"
    r"is configured in|is set in|is in|handles|reads|writes|calls|returns|owns|parses|"
    r"is the entry point|defines|exports|imports)\b",
    re.IGNORECASE,
)
MIN_CHARS = 12
MAX_CHARS = 400
MAX_SIGNALS_PER_SESSION = 40


@dataclass(frozen=True)
class Signal:
    """One thing worth remembering, with where and when it was said."""

    kind: str  # correction | preference | decision | code_fact
    type: MemoryType
    text: str
    session: str
    at: float
    path: str | None = None


@dataclass
class GatherResult:
    signals: list[Signal] = field(default_factory=list)
    offsets: dict[str, int] = field(default_factory=dict)
    sessions_read: int = 0
    lines_read: int = 0
    recalled: Counter[str] = field(default_factory=Counter)


def pending_sessions(sessions_dir: Path, offsets: dict[str, int]) -> dict[str, tuple[int, int]]:
    """Sessions with bytes past their watermark: id -> (watermark, current size). Stats only."""
    out: dict[str, tuple[int, int]] = {}
    try:
        entries = list(os.scandir(sessions_dir))
    except OSError:
        return out
    for entry in entries:
        if not entry.name.endswith(".jsonl"):
            continue
        try:
            size = entry.stat().st_size
        except OSError:
            continue
        sid = entry.name[: -len(".jsonl")]
        seen = offsets.get(sid, 0)
        if size > seen:
            out[sid] = (seen, size)
    return out


def read_new_lines(path: Path, offset: int) -> tuple[list[dict[str, Any]], int]:
    """Complete JSON lines after `offset`, and the offset after the last complete line."""
    records: list[dict[str, Any]] = []
    try:
        with path.open("rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except OSError:
        return records, offset
    end = data.rfind(b"\n")
    if end < 0:
        return records, offset
    for raw in data[: end + 1].splitlines():
        raw = raw.strip()
        if not raw:
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if isinstance(value, dict):
            records.append(value)
    return records, offset + end + 1


def strip_hints(text: str) -> str:
    cut = text.find(HINT_BLOCK)
    if cut < 0 and text.startswith("<memory>\n"):
        return ""
    return text[:cut] if cut >= 0 else text


def _texts(message: dict[str, Any]) -> list[str]:
    return [
        str(b.get("text", ""))
        for b in message.get("content") or []
        if isinstance(b, dict) and b.get("type") == "text"
    ]


def sentences(text: str) -> list[str]:
    out = []
    for part in _SENTENCE_RE.split(text):
        part = " ".join(part.split()).strip(" -*>")
        if part:
            out.append(part)
    return out


def classify(sentence: str, role: str) -> tuple[str, MemoryType] | None:
    """What kind of signal a sentence is, or None. Users correct and prefer; anyone may
    state a decision or a fact about a named file."""
    if sentence.endswith("?") or not (MIN_CHARS <= len(sentence) <= MAX_CHARS):
        return None
    if role == "user":
        if _CORRECTION_RE.match(sentence):
            return "correction", "feedback"
        if _PREFERENCE_RE.search(sentence):
            return "preference", ("user" if _PERSONAL_RE.search(sentence) else "feedback")
        if _DECISION_RE.search(sentence):
            return "decision", "project"
    elif _DECISION_RE.search(sentence) and re.match(r"^(?:we|let's|i)\b", sentence, re.I):
        return "decision", "project"
    if _PATH_RE.search(sentence) and _CODE_FACT_RE.search(sentence):
        return "code_fact", "project"
    return None


def gather(
    sessions_dir: Path,
    workspace: Path,
    offsets: dict[str, int],
    known_texts: set[str],
) -> GatherResult:
    """Read every session's new lines and collect signals not already known."""
    result = GatherResult(offsets=dict(offsets))
    seen = set(known_texts)
    for sid, (start, _size) in sorted(pending_sessions(sessions_dir, offsets).items()):
        records, end = read_new_lines(sessions_dir / f"{sid}.jsonl", start)
        result.offsets[sid] = end
        if not records:
            continue
        result.sessions_read += 1
        result.lines_read += len(records)
        kept = 0
        for rec in records:
            if rec.get("type") != "message" or rec.get("agent", "main") != "main":
                continue
            message = rec.get("message") or {}
            role = message.get("role")
            at = float(rec.get("time") or 0.0)
            for raw in _texts(message):
                if role == "user":
                    result.recalled.update(
                        _HINT_ID_RE.findall(raw[raw.find(HINT_BLOCK) :])
                        if HINT_BLOCK in raw
                        else []
                    )
                    raw = strip_hints(raw)
                for sentence in sentences(raw):
                    if kept >= MAX_SIGNALS_PER_SESSION:
                        break
                    kind = classify(sentence, str(role))
                    if kind is None or find_secrets(sentence):
                        continue
                    key = normalised_text(sentence)
                    if key in seen:
                        continue
                    seen.add(key)
                    path = _existing_path(workspace, sentence) if kind[0] == "code_fact" else None
                    if kind[0] == "code_fact" and path is None:
                        continue
                    result.signals.append(Signal(kind[0], kind[1], sentence, sid, at, path))
                    kept += 1
    return result


def _existing_path(workspace: Path, sentence: str) -> str | None:
    for match in _PATH_RE.finditer(sentence):
        rel = match.group(1).lstrip("./")
        candidate = (workspace / rel).resolve()
        try:
            candidate.relative_to(workspace)
        except ValueError:
            continue
        if candidate.is_file():
            return candidate.relative_to(workspace).as_posix()
    return None


def anchor_for(workspace: Path, signal: Signal, commit: str | None) -> tuple[Any, ...]:
    """Anchors for a code fact: the line of its file that the sentence talks about."""
    if signal.path is None:
        return ()
    found = auto_anchor(workspace, signal.path, signal.text, commit=commit)
    return (found[0],) if found is not None else ()
