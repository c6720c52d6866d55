"""The best-effort team copy: it stops at the first failure, closes the target and warns
once; the caller's local record is never affected."""

from __future__ import annotations

import pytest

from wakeful.core.errors import StoreError
from wakeful.core.mirror import TeamMirror


class Target:
    def __init__(self, fail_from: int) -> None:
        self.fail_from = fail_from
        self.written: list[int] = []
        self.closed = 0

    def write(self, n: int) -> None:
        if n >= self.fail_from:
            raise StoreError("the team database is unreachable (127.0.0.1:1)")
        self.written.append(n)

    def close(self) -> None:
        self.closed += 1


def test_copies_until_the_first_failure_then_warns_once_and_stops() -> None:
    target, warnings = Target(fail_from=2), []
    mirror = TeamMirror(target, warnings.append, "costs stay in the local ledger only")
    for n in range(5):
        mirror.copy(lambda t, n=n: t.write(n))
    assert target.written == [0, 1]
    assert warnings == [
        "warning: the team database is unreachable (127.0.0.1:1); "
        "costs stay in the local ledger only"
    ]
    assert target.closed == 1 and mirror.target is None
    mirror.close()  # nothing left to close
    assert target.closed == 1


def test_close_closes_a_working_target() -> None:
    target = Target(fail_from=99)
    mirror = TeamMirror(target, pytest.fail, "x")
    mirror.copy(lambda t: t.write(1))
    mirror.close()
    assert target.written == [1] and target.closed == 1


def test_an_error_that_is_not_a_store_error_is_not_swallowed() -> None:
    def broken(_: Target) -> None:
        raise ValueError("a bug, not an outage")

    mirror = TeamMirror(Target(fail_from=99), pytest.fail, "x")
    with pytest.raises(ValueError):
        mirror.copy(broken)
