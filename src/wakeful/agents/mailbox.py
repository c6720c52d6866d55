"""The coordinator's mailbox: workers post progress and questions; the coordinator listens.

Posts are kept in order (for the fan-out report and for tests) and pushed to subscribers
(the UI). A question can be answered by an `Answerer` the embedding application installs
(an interactive prompt, a supervising model); without one, or when it does not answer in
time, the worker is told to proceed on its best judgement and the question travels back
with its result, so the coordinating model can answer it in a follow-up task.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

PostKind = Literal["progress", "question"]
Answerer = Callable[["Post"], Awaitable[str | None]]
Subscriber = Callable[["Post"], None]

MAX_POST_CHARS = 2000


@dataclass
class Post:
    worker: str
    kind: PostKind
    text: str
    time: float = field(default_factory=time.time)
    answer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Mailbox:
    """One per fan-out tree; safe to use from the tasks of one event loop."""

    def __init__(self, answerer: Answerer | None = None, answer_timeout: float = 120.0) -> None:
        self.answerer = answerer
        self.answer_timeout = answer_timeout
        self.posts: list[Post] = []
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> None:
        self._subscribers.append(callback)

    def of(self, worker: str, kind: PostKind | None = None) -> list[Post]:
        return [p for p in self.posts if p.worker == worker and (kind is None or p.kind == kind)]

    async def post(self, worker: str, kind: PostKind, text: str) -> Post:
        """Record a post, tell subscribers, and for a question wait (bounded) for an answer."""
        text = text.strip()
        if len(text) > MAX_POST_CHARS:
            text = text[:MAX_POST_CHARS] + " [...]"
        post = Post(worker, kind, text)
        self.posts.append(post)
        for callback in list(self._subscribers):
            callback(post)
        if kind == "question" and self.answerer is not None:
            try:
                post.answer = await asyncio.wait_for(self.answerer(post), self.answer_timeout)
            except TimeoutError:
                post.answer = None
        return post
