"""Keep folders of spilled outputs bounded: tool results and daemon run outputs.

Files older than `max_age` go, then the oldest until the folder fits in `max_bytes`. Files
touched in the last `grace` seconds are never removed (a run may still be writing or about
to read them).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

DAY = 86400.0


@dataclass(frozen=True)
class PruneLimits:
    max_bytes: int = 100 * 1024 * 1024
    max_age: float = 7 * DAY
    grace: float = 600.0


@dataclass
class PruneResult:
    removed: int = 0
    freed: int = 0
    kept_bytes: int = 0


def prune_folder(
    folder: Path,
    limits: PruneLimits = PruneLimits(),
    now: float | None = None,
    keep: frozenset[str] = frozenset(),
) -> PruneResult:
    """`keep` names files (by name) that are still in use and must stay."""
    now = time.time() if now is None else now
    result = PruneResult()
    files: list[tuple[float, int, Path]] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return result
    for entry in entries:
        try:
            if entry.name in keep or not entry.is_file(follow_symlinks=False):
                continue
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        files.append((st.st_mtime, st.st_size, Path(entry.path)))
    files.sort()  # oldest first
    total = sum(size for _, size, _ in files)
    for mtime, size, path in files:
        if now - mtime < limits.grace:
            break  # this and everything newer is recent
        if now - mtime <= limits.max_age and total <= limits.max_bytes:
            continue
        try:
            path.unlink()
        except OSError:
            continue
        total -= size
        result.removed += 1
        result.freed += size
    result.kept_bytes = total
    return result
