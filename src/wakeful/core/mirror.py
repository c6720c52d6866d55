"""The best-effort copy of a local record (audit log, cost ledger) in the team database.

The local record is the authoritative one; a team database that cannot be reached must not
stop the agent, so after the first failure this process stops copying and says so once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

from wakeful.core.errors import StoreError


class Closable(Protocol):
    def close(self) -> None: ...


T = TypeVar("T", bound=Closable)


class TeamMirror(Generic[T]):
    """Copies to `target` until a copy fails; then closes it, warns once (`warning: WHY;
    unmirrored`) and copies nothing more."""

    def __init__(self, target: T, warn: Callable[[str], None], unmirrored: str) -> None:
        self.target: T | None = target
        self._warn = warn
        self._unmirrored = unmirrored

    def copy(self, write: Callable[[T], object]) -> None:
        target = self.target
        if target is None:
            return
        try:
            write(target)
        except StoreError as exc:
            self.target = None
            target.close()
            self._warn(f"warning: {exc}; {self._unmirrored}")

    def close(self) -> None:
        if self.target is not None:
            self.target.close()
