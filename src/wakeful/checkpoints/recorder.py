"""One run's checkpoint: taken lazily before its first change, closed when the run ends.

A run is an interactive turn, a headless `-p` prompt or a daemon job (a headless child).
Sub-agents share their parent's recorder, so the snapshot is taken before the first change
by any agent of the run, and the checkpoint names every agent that changed something. A run
that never calls a tool able to change files costs nothing: no git process is started.

The dispatcher also tells the recorder which paths the run's file tools write (`note_paths`)
and when it runs a call whose paths are unknown (`note_unknown`: shell commands), so that a
checkpoint of a run that overlapped another one in the same workspace can say which of the
changed files are certainly its own.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable

from wakeful.checkpoints.store import Checkpoint, CheckpointStore


class RunRecorder:
    def __init__(self, store: CheckpointStore, session: str) -> None:
        self.store = store
        self.session = session
        self.run = "run"
        self.current: Checkpoint | None = None
        self.last: Checkpoint | None = None
        self.error: str | None = None
        self._agents: list[str] = []
        self._touched: dict[str, None] = {}
        self._shell = False
        self._lock = threading.Lock()

    def begin_run(self, label: str) -> None:
        """A new run starts: the next change opens a new checkpoint."""
        with self._lock:
            self.run = label
            self.current = None
            self.last = None
            self._agents = []
            self._touched = {}
            self._shell = False

    def before_change(self, agent: str) -> None:
        """Called before a call that may change files; snapshots once per run."""
        with self._lock:
            if agent not in self._agents:
                self._agents.append(agent)
            if self.current is not None:
                return
            self.current = self.store.begin(self.session, agent, self.run)

    def note_paths(self, paths: Iterable[str]) -> None:
        """Paths (absolute or workspace-relative) a file tool of this run is about to write."""
        root = os.fspath(self.store.workspace)
        with self._lock:
            for path in paths:
                full = os.path.normpath(os.path.join(root, path))
                if full.startswith(root.rstrip("/") + "/"):
                    self._touched[os.path.relpath(full, root)] = None

    def note_unknown(self) -> None:
        """This run is about to make a change-capable call whose paths are unknown."""
        with self._lock:
            self._shell = True

    def finish_run(self) -> Checkpoint | None:
        """Close this run's checkpoint (None when nothing was changed)."""
        with self._lock:
            cp, self.current = self.current, None
            if cp is None:
                return None
            self.last = self.store.finish(
                cp, tuple(self._agents), tuple(self._touched), self._shell
            )
            return self.last
