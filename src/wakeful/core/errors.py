"""The exceptions wakeful raises on purpose.

Anything derived from WakefulError is an expected failure: the CLI prints its message (which
names the problem and the fix) and exits non-zero, with no stack trace.
"""

from __future__ import annotations


class WakefulError(Exception):
    """Base of every expected error."""

    exit_code = 1


class ConfigError(WakefulError):
    """Bad configuration: a file, a flag or an environment variable."""

    exit_code = 2


class UsageError(WakefulError):
    """Bad command-line input."""

    exit_code = 2


class ProviderError(WakefulError):
    """A model provider failed."""


class AuthenticationError(ProviderError):
    """Missing or rejected credentials."""


class RetryableProviderError(ProviderError):
    """Rate limits, overload and 5xx: worth retrying with backoff."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ToolError(WakefulError):
    """A tool could not do what it was asked; becomes an error tool result."""


class PolicyError(WakefulError):
    """A policy rule or decision problem."""


class StoreError(WakefulError):
    """The embedded store failed or is corrupt."""


class LockHeldError(WakefulError):
    """Another process holds a lock we need."""


class BudgetExceeded(WakefulError):
    """A turn, token, time or cost limit was reached."""


class DelegationError(WakefulError):
    """A delegate call that cannot run at all (depth cap, nothing allowed, bad tasks)."""
