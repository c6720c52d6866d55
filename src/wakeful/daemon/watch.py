"""File triggers: one debounced, Rust-backed watcher (watchfiles) over the workspace.

Only started while some job has `--watch`. Events under `.wakeful/` and `.git/` are ignored,
so the daemon's own journal and run files never trigger it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from wakeful.daemon.preflight import glob_matches

log = logging.getLogger("wakeful.daemon")

_IGNORED_DIRS = (".wakeful", ".git")


class FileWatcher:
    """Calls `on_change(job_name, relpaths)` for each job whose globs matched a change."""

    def __init__(
        self,
        workspace: Path,
        patterns: Callable[[], dict[str, list[str]]],
        on_change: Callable[[str, list[str]], None],
        debounce_ms: int,
    ) -> None:
        self.workspace = workspace
        self.patterns = patterns
        self.on_change = on_change
        self.debounce_ms = debounce_ms
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if not self.running:
            self._stop.clear()
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 10.0)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
            self._task = None

    def relpath(self, path: str) -> str | None:
        try:
            rel = Path(path).resolve().relative_to(self.workspace).as_posix()
        except (ValueError, OSError):
            return None
        first = rel.split("/", 1)[0]
        if first in _IGNORED_DIRS:
            return None
        return rel

    def _filter(self, _change: object, path: str) -> bool:
        rel = self.relpath(path)
        if rel is None:
            return False
        return any(glob_matches(p, rel) for globs in self.patterns().values() for p in globs)

    async def _run(self) -> None:
        from watchfiles import awatch

        try:
            watcher = awatch(
                self.workspace,
                watch_filter=self._filter,
                debounce=self.debounce_ms,
                step=50,
                stop_event=self._stop,
                rust_timeout=2000,
                recursive=True,
                ignore_permission_denied=True,
            )
            self.ready.set()
            async for changes in watcher:
                rels = sorted({r for _, p in changes if (r := self.relpath(p)) is not None})
                for job, globs in self.patterns().items():
                    hits = [r for r in rels if any(glob_matches(g, r) for g in globs)]
                    if hits:
                        self.on_change(job, hits)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the watcher failing must not take the daemon down
            log.error("file watcher stopped: %s", exc)
