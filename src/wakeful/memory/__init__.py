"""Skeptical memory: anchored notes, re-verified against the workspace at every recall.

Entry point: `MemoryService.open(paths, config)`. Dreaming (`dream.py`) builds on the store
interface in `store.py` (supersede, set_status, changes_since, meta watermarks).
"""

from wakeful.memory.service import MemoryService
from wakeful.memory.stage import MemoryStage
from wakeful.memory.store import MemoryStore, SqliteMemoryStore
from wakeful.memory.types import (
    MEMORY_TYPES,
    VERDICTS,
    Anchor,
    AnchorCheck,
    AnchorError,
    Hint,
    MemoryDraft,
    MemoryNotFound,
    MemoryRecord,
    MemoryRefused,
    Verification,
)

__all__ = [
    "MEMORY_TYPES",
    "VERDICTS",
    "Anchor",
    "AnchorCheck",
    "AnchorError",
    "Hint",
    "MemoryDraft",
    "MemoryNotFound",
    "MemoryRecord",
    "MemoryRefused",
    "MemoryService",
    "MemoryStage",
    "MemoryStore",
    "SqliteMemoryStore",
    "Verification",
]
