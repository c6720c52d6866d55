"""Strict write discipline: memories the agent writes wait until their action succeeded.

A `remember` call in the same assistant message as an edit is about that edit. The loop
settles the stage once every tool result of the message is in: if any other tool call
failed, the staged memories are dropped, so a memory about a failed edit is never written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wakeful.memory.types import MemoryDraft, MemoryRecord


@dataclass
class StagedMemory:
    id: str
    draft: MemoryDraft


class MemoryStage:
    """Per-session staging area. `settle` commits or drops; `discard` drops (on cancel)."""

    def __init__(
        self,
        session_id: str,
        validate: Callable[[MemoryDraft], None],
        commit: Callable[[list[StagedMemory]], list[MemoryRecord]],
        new_id: Callable[[], str],
    ) -> None:
        self.session_id = session_id
        self._validate = validate
        self._commit = commit
        self._new_id = new_id
        self._pending: list[StagedMemory] = []
        self.dropped: list[StagedMemory] = []

    @property
    def pending(self) -> list[StagedMemory]:
        return list(self._pending)

    def add(self, draft: MemoryDraft) -> str:
        """Validate now (so the model hears about a refusal at once) and hold the memory."""
        if not draft.source_session:
            draft.source_session = self.session_id
        self._validate(draft)
        staged = StagedMemory(self._new_id(), draft)
        self._pending.append(staged)
        return staged.id

    def settle(self, outcomes: Sequence[tuple[str, bool]]) -> list[str]:
        """Commit held memories if no outcome is an error; returns the committed ids.

        `outcomes` are (tool name, is_error) for the other tool calls of the same message.
        """
        if not self._pending:
            return []
        batch, self._pending = self._pending, []
        if any(is_error for _name, is_error in outcomes):
            self.dropped.extend(batch)
            return []
        return [r.id for r in self._commit(batch)]

    def discard(self) -> None:
        self.dropped.extend(self._pending)
        self._pending = []
