"""The archive: every memory that dreaming merges away or prunes, and how to bring it back.

The store keeps retired records (status `superseded` or `archived`), so nothing is deleted.
The archive adds an append-only log (`.wakeful/memory/archive.jsonl`) with the full record,
why it was retired and by what, written *before* the store change, so a record can be
restored even if someone later deletes it from the store. Restored ids are remembered in
the store's meta so that the next dream does not merge or prune them away again.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wakeful.core.errors import UsageError
from wakeful.memory.store import MemoryStore
from wakeful.memory.types import Anchor, MemoryNotFound, MemoryRecord

ARCHIVE_NAME = "archive.jsonl"
PROTECTED_KEY = "dream.protected"


@dataclass(frozen=True)
class ArchiveEntry:
    id: str
    action: str  # merged | superseded | pruned
    reason: str
    at: float
    by: str | None
    record: MemoryRecord

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "reason": self.reason,
            "at": self.at,
            "by": self.by,
            "record": self.record.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArchiveEntry:
        rec = data["record"]
        record = MemoryRecord(
            id=rec["id"],
            type=rec["type"],
            text=rec["text"],
            anchors=tuple(Anchor.from_dict(a) for a in rec.get("anchors", [])),
            created=float(rec.get("created") or 0.0),
            last_verified=rec.get("last_verified"),
            verdict=rec.get("verdict"),
            source_session=rec.get("source_session", ""),
            supersedes=tuple(rec.get("supersedes", [])),
            status=rec.get("status", "active"),
            updated=float(rec.get("updated") or 0.0),
            seq=int(rec.get("seq") or 0),
            scope=rec.get("scope", "project"),
        )
        return cls(
            id=str(data["id"]),
            action=str(data["action"]),
            reason=str(data.get("reason", "")),
            at=float(data.get("at", 0.0)),
            by=data.get("by"),
            record=record,
        )


@dataclass(frozen=True)
class RestoreResult:
    record: MemoryRecord
    was: str  # the status before restoring, or "missing" when re-added from the log
    entry: ArchiveEntry | None


class Archive:
    """Append-only log of retired memories, next to the memory files."""

    def __init__(self, memory_dir: Path) -> None:
        self.path = memory_dir / ARCHIVE_NAME

    def log(
        self, entries: list[tuple[MemoryRecord, str, str, str | None]], at: float | None = None
    ) -> None:
        """Append (record, action, reason, by) entries; one fsync for the batch."""
        if not entries:
            return
        when = time.time() if at is None else at
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lines = [
            json.dumps(ArchiveEntry(r.id, action, reason, when, by, r).to_dict()) + "\n"
            for r, action, reason, by in entries
        ]
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write("".join(lines))
            fh.flush()
            os.fsync(fh.fileno())

    def entries(self) -> list[ArchiveEntry]:
        out: list[ArchiveEntry] = []
        try:
            with self.path.open(encoding="utf-8") as fh:
                for line in fh:
                    line = line.strip()
                    if not line:
                        continue
                    try:
                        out.append(ArchiveEntry.from_dict(json.loads(line)))
                    except (ValueError, KeyError, TypeError):
                        continue  # a torn last line after a crash
        except FileNotFoundError:
            pass
        return out

    def latest(self, memory_id: str) -> ArchiveEntry | None:
        found = None
        for entry in self.entries():
            if entry.id == memory_id:
                found = entry
        return found


def protected_ids(store: MemoryStore) -> set[str]:
    raw = store.get_meta(PROTECTED_KEY)
    try:
        return set(json.loads(raw)) if raw else set()
    except ValueError:
        return set()


def resolve_id(store: MemoryStore, archive: Archive, prefix: str) -> str:
    """A full id from an unambiguous prefix, looking in the store and the archive log."""
    if store.get(prefix) is not None:
        return prefix
    candidates = set(store.find_ids(prefix))
    candidates |= {e.id for e in archive.entries() if e.id.startswith(prefix)}
    if len(candidates) == 1:
        return candidates.pop()
    if not candidates:
        raise MemoryNotFound(
            f"no memory or archived memory with id {prefix}; see `wakeful memory list --all` "
            f"or {archive.path}"
        )
    raise UsageError(
        f"id {prefix} is ambiguous ({', '.join(sorted(candidates)[:5])}); give more characters"
    )


def restore(store: MemoryStore, archive: Archive, memory_id: str) -> RestoreResult:
    """Make an archived or superseded memory active again and protect it from dreaming."""
    memory_id = resolve_id(store, archive, memory_id)
    entry = archive.latest(memory_id)
    current = store.get(memory_id)
    if current is None:
        if entry is None:
            raise MemoryNotFound(f"no archived memory {memory_id}")
        record = store.add(entry.record.with_(status="active", seq=0))
        was = "missing"
    else:
        if current.status == "active":
            raise UsageError(f"memory {memory_id} is already active; nothing to restore")
        was = current.status
        store.set_status([memory_id], "active", reason="restored")
        restored = store.get(memory_id)
        assert restored is not None
        record = restored
    ids = protected_ids(store)
    ids.add(memory_id)
    store.set_meta(PROTECTED_KEY, json.dumps(sorted(ids)))
    return RestoreResult(record, was, entry)
