"""The provider contract: `async def stream(request) -> AsyncIterator[Event]`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from wakeful.core.events import Event
from wakeful.core.request import Request


@runtime_checkable
class Provider(Protocol):
    """A model backend. `name` is the provider id (anthropic, openai, local, scripted)."""

    name: str
    model: str

    def stream(self, request: Request) -> AsyncIterator[Event]:
        """Yield TextDelta and ToolCall events, then exactly one UsageEvent and one Stop.

        Raises RetryableProviderError for rate limits, overload and 5xx; AuthenticationError
        for bad keys; ProviderError otherwise.
        """
        ...

    async def aclose(self) -> None: ...
