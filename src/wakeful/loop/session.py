"""Session transcripts as JSONL under `.wakeful/sessions/`, resumable and listable.

The transcript is append-only and keeps the full history even when the live conversation
is compacted; resuming replays the `message` lines, honouring the last `compaction` line.
"""

from __future__ import annotations

import builtins
import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wakeful.core.errors import UsageError
from wakeful.core.messages import Block, Message, ToolResultBlock, ToolUseBlock
from wakeful.core.usage import Usage


def new_session_id() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{secrets.token_hex(3)}"


@dataclass
class SessionInfo:
    id: str
    path: Path
    created: float
    updated: float
    title: str
    messages: int
    usage: Usage = field(default_factory=Usage)
    bad_lines: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created": self.created,
            "updated": self.updated,
            "title": self.title,
            "messages": self.messages,
            "usage": self.usage.to_dict(),
            "path": str(self.path),
            "bad_lines": self.bad_lines,
        }


class Transcript:
    """One session's JSONL file. Each write is one line, flushed, so a crash loses nothing."""

    def __init__(self, path: Path, session_id: str) -> None:
        self.path = path
        self.session_id = session_id

    @classmethod
    def create(
        cls, sessions_dir: Path, meta: dict[str, Any], session_id: str | None = None
    ) -> Transcript:
        sessions_dir.mkdir(parents=True, exist_ok=True)
        sid = session_id or new_session_id()
        t = cls(sessions_dir / f"{sid}.jsonl", sid)
        t.append({"type": "meta", "session_id": sid, "time": time.time(), **meta})
        return t

    def append(self, record: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")

    def message(self, message: Message, agent: str = "main") -> None:
        self.append(
            {"type": "message", "agent": agent, "time": time.time(), "message": message.to_dict()}
        )

    def usage(self, usage: Usage, agent: str = "main") -> None:
        self.append(
            {"type": "usage", "agent": agent, "time": time.time(), "usage": usage.to_dict()}
        )

    def records(self) -> list[dict[str, Any]]:
        return read_records(self.path)

    def read(self) -> TranscriptRead:
        return read_transcript(self.path)


def read_records(path: Path) -> list[dict[str, Any]]:
    """All readable lines; damaged lines (see `read_transcript`) are skipped."""
    return read_transcript(path).records


@dataclass
class TranscriptRead:
    """A transcript's readable records and the 1-based numbers of the lines that were not."""

    records: list[dict[str, Any]] = field(default_factory=list)
    bad_lines: list[int] = field(default_factory=list)

    def notice(self, name: str) -> str | None:
        if not self.bad_lines:
            return None
        n = len(self.bad_lines)
        shown = ", ".join(str(i) for i in self.bad_lines[:5]) + (", ..." if n > 5 else "")
        return (
            f"session {name}: skipped {n} unreadable line{'s' if n != 1 else ''} "
            f"(line {shown}: not UTF-8 or not JSON)"
        )


def read_transcript(path: Path) -> TranscriptRead:
    """Read a transcript line by line. A torn last line (crash mid-write), a line with bytes
    that are not UTF-8, or one that is not a JSON object is skipped and counted, never fatal."""
    out = TranscriptRead()
    try:
        with path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    out.bad_lines.append(number)
                    continue
                if not isinstance(record, dict):
                    out.bad_lines.append(number)
                    continue
                out.records.append(record)
    except FileNotFoundError:
        pass
    return out


def replay(
    records: list[dict[str, Any]], agent: str = "main"
) -> tuple[dict[str, Any], list[Message]]:
    """The meta line and the live conversation of one agent in a transcript."""
    meta: dict[str, Any] = {}
    messages: list[Message] = []
    for rec in records:
        kind = rec.get("type")
        if kind == "meta" and not meta:
            meta = rec
        elif kind == "message" and rec.get("agent", "main") == agent:
            messages.append(Message.from_dict(rec["message"]))
        elif kind in ("compaction", "rewind") and rec.get("agent", "main") == agent:
            messages = [Message.from_dict(m) for m in rec["messages"]]
    return meta, repair(messages)


def replay_user_words(records: list[dict[str, Any]], agent: str = "main") -> list[str]:
    """What the user typed in this session (the reviewer's view of the user), oldest first.

    Only `user_words` lines count: never a message's role, since compaction summaries and
    recalled memory also travel in user messages."""
    return [
        str(rec.get("text", ""))
        for rec in records
        if rec.get("type") == "user_words" and rec.get("agent", "main") == agent
    ]


INTERRUPTED = "interrupted: the session ended before this tool call finished"


def repair(messages: list[Message]) -> list[Message]:
    """A conversation every API accepts: each tool call answered by the next message.

    A session killed mid-call (SIGKILL, power loss, an older version) leaves a tool call
    without a result; APIs reject that on the next request, so the missing results are
    filled in as errors, and results that answer no call are dropped.
    """
    out: list[Message] = []

    def unanswered(calls: list[ToolUseBlock], have: set[str]) -> list[ToolResultBlock]:
        return [
            ToolResultBlock(t.id, INTERRUPTED, is_error=True) for t in calls if t.id not in have
        ]

    for msg in messages:
        prev = out[-1] if out else None
        pending = prev.tool_uses if prev is not None and prev.role == "assistant" else []
        if msg.role == "user":
            ids = {t.id for t in pending}
            results = [
                b for b in msg.content if isinstance(b, ToolResultBlock) and b.tool_use_id in ids
            ]
            results += unanswered(pending, {b.tool_use_id for b in results})
            rest = [b for b in msg.content if not isinstance(b, ToolResultBlock)]
            if results and not any(isinstance(b, ToolResultBlock) for b in msg.content):
                # Calls left unanswered before the user's next words: answer them first,
                # in a message of their own (as a cancelled turn does).
                out.append(Message("user", list(results)))
                results = []
            blocks: list[Block] = [*results, *rest]
            if blocks:
                out.append(Message("user", blocks))
        else:
            if pending:
                out.append(Message("user", list(unanswered(pending, set()))))
            out.append(msg)
    if out and out[-1].role == "assistant" and out[-1].tool_uses:
        out.append(Message("user", list(unanswered(out[-1].tool_uses, set()))))
    return out


class SessionStore:
    def __init__(self, sessions_dir: Path) -> None:
        self.dir = sessions_dir

    def list(self) -> list[SessionInfo]:
        infos: builtins.list[SessionInfo] = []
        if not self.dir.is_dir():
            return infos
        for path in self.dir.glob("*.jsonl"):
            read = read_transcript(path)
            recs = read.records
            if not recs:
                continue
            meta = recs[0] if recs[0].get("type") == "meta" else {}
            title = ""
            count = 0
            usage = Usage()
            for r in recs:
                if r.get("type") == "message":
                    count += 1
                    if (
                        not title
                        and r["message"]["role"] == "user"
                        and r.get("agent", "main") == "main"
                    ):
                        blocks = r["message"]["content"]
                        texts = [b.get("text", "") for b in blocks if b.get("type") == "text"]
                        title = " ".join(" ".join(texts).split())[:60]
                elif r.get("type") == "usage":
                    usage = usage + Usage.from_dict(r.get("usage"))
            stat = path.stat()
            infos.append(
                SessionInfo(
                    path.stem,
                    path,
                    float(meta.get("time", stat.st_mtime)),
                    stat.st_mtime,
                    title,
                    count,
                    usage,
                    len(read.bad_lines),
                )
            )
        infos.sort(key=lambda s: s.updated, reverse=True)
        return infos

    def latest(self) -> SessionInfo | None:
        sessions = self.list()
        return sessions[0] if sessions else None

    def open(self, session_id: str) -> Transcript:
        path = self.dir / f"{session_id}.jsonl"
        if not path.is_file():
            matches = (
                sorted(p for p in self.dir.glob("*.jsonl") if p.stem.startswith(session_id))
                if self.dir.is_dir() and session_id
                else []
            )
            if len(matches) == 1:
                path = matches[0]
            elif matches:
                shown = ", ".join(p.stem for p in matches[:5])
                raise UsageError(
                    f"session id prefix {session_id!r} is ambiguous ({shown}"
                    f"{', ...' if len(matches) > 5 else ''}); give more of the id"
                )
            else:
                raise UsageError(
                    f"no session {session_id!r} in {self.dir}; `wakeful sessions list` shows them"
                )
        return Transcript(path, path.stem)


def latest_session_model(sessions_dir: Path) -> str | None:
    """`PROVIDER:MODEL` of the newest session in this workspace, as its meta line recorded."""
    latest = SessionStore(sessions_dir).latest()
    if latest is None:
        return None
    for record in read_records(latest.path):
        if record.get("type") == "meta":
            provider, model = record.get("provider"), record.get("model")
            if provider and model:
                return f"{provider}:{model}"
            return None
    return None
