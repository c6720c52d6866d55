"""One run's checkpoint: taken lazily before its first change, closed when the run ends.

A run is an interactive turn, a headless `-p` prompt or a daemon job (a headless child).
Sub-agents share their parent's recorder, so the snapshot is taken before the first change
by any agent of the run, and the checkpoint names every agent that changed something. A run
that never calls a tool able to change files costs nothing: no git process is started.
"""

from __future__ import annotations

import threading

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
        self._lock = threading.Lock()

    def begin_run(self, label: str) -> None:
        """A new run starts: the next change opens a new checkpoint."""
        with self._lock:
            self.run = label
            self.current = None
            self.last = None
            self._agents = []

    def before_change(self, agent: str) -> None:
        """Called before a call that may change files; snapshots once per run."""
        with self._lock:
            if agent not in self._agents:
                self._agents.append(agent)
            if self.current is not None:
                return
            self.current = self.store.begin(self.session, agent, self.run)

    def finish_run(self) -> Checkpoint | None:
        """Close this run's checkpoint (None when nothing was changed)."""
        with self._lock:
            cp, self.current = self.current, None
            if cp is None:
                return None
            self.last = self.store.finish(cp, tuple(self._agents))
            return self.last
