"""Expected failures of the daemon layer, each naming the problem and the fix."""

from __future__ import annotations

from wakeful.core.errors import LockHeldError, PolicyError, UsageError, WakefulError


class JobSpecError(UsageError):
    """A job definition is malformed (duration, cron expression, time, name)."""


class JobNotFound(WakefulError):
    """A command named a job that does not exist."""


class CheckRefused(PolicyError):
    """A `--when` check is not read-only, so the daemon will not run it unattended."""


class DaemonRunning(LockHeldError):
    """Another daemon already serves this workspace."""

    def __init__(self, message: str, pid: int | None) -> None:
        super().__init__(message)
        self.pid = pid


class DaemonNotRunning(WakefulError):
    """A command needs a running daemon and there is none."""
