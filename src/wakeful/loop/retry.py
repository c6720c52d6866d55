"""Retry transient provider failures (429, 5xx, overloaded) with capped exponential backoff."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from wakeful.core.errors import RetryableProviderError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        backoff = self.base_delay * (2**attempt)
        return min(backoff * (0.5 + random.random() / 2), self.max_delay)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    on_retry: Callable[[int, float, Exception], None] | None = None,
) -> T:
    for attempt in range(policy.attempts):
        try:
            return await call()
        except RetryableProviderError as exc:
            if attempt == policy.attempts - 1:
                raise
            wait = policy.delay(attempt, exc.retry_after)
            if on_retry:
                on_retry(attempt + 1, wait, exc)
            await asyncio.sleep(wait)
    raise AssertionError("unreachable")
