"""Tell the user what the daemon did: log and journal always, desktop and webhook where set up.

Delivery is best effort and never blocks the tick loop: desktop notifications and webhook
POSTs run as background tasks with short timeouts, and a failure is only logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Literal

from wakeful.daemon.journal import Journal

Level = Literal["info", "warning", "error"]
# Daemon events that wait on the user: Notification hooks get them, as
# `notification_type` "daemon_<event>" (a job that needs permission, paused, capped, refused).
HOOKED_EVENTS = frozenset({"permission_denied", "job_paused", "cap_reached", "check_refused"})
log = logging.getLogger("wakeful.daemon")


@dataclass
class Notification:
    title: str
    body: str
    level: Level = "info"
    job: str | None = None
    event: str = "info"
    extra: dict[str, Any] = field(default_factory=dict)

    def payload(self, workspace: str) -> dict[str, Any]:
        return {
            "source": "wakeful",
            "workspace": workspace,
            "time": time.time(),
            "event": self.event,
            "level": self.level,
            "job": self.job,
            "title": self.title,
            "body": self.body,
            **self.extra,
        }


class Notifier:
    def __init__(
        self,
        journal: Journal,
        workspace: str,
        webhook: str = "",
        desktop: bool = True,
        journal_entries: bool = True,
        hooks: Any = None,
    ) -> None:
        self.journal = journal
        self.workspace = workspace
        self.webhook = webhook
        self.notify_send = shutil.which("notify-send") if desktop else None
        self.journal_entries = journal_entries
        # extensions.hooks.Hooks (or None): its Notification hooks hear HOOKED_EVENTS.
        self.hooks = hooks
        self._tasks: set[asyncio.Task[None]] = set()

    async def send(self, note: Notification, journal: bool = True) -> None:
        """Log (and journal, unless the caller already did) now; hand the slow channels to
        background tasks."""
        getattr(log, note.level)("%s: %s", note.title, note.body)
        if journal and self.journal_entries:
            self.journal.append(f"notice: {note.title}", [f"- {note.body}"])
        if self.notify_send:
            self._spawn(self._desktop(note))
        if self.webhook:
            self._spawn(self._post(note))
        if self.hooks is not None and note.event in HOOKED_EVENTS:
            self._spawn(self._hook(note))

    async def _hook(self, note: Notification) -> None:
        try:
            notices = await self.hooks.notify(
                f"{note.title}: {note.body}",
                f"daemon_{note.event}",
                title=note.title,
                job=note.job,
                workspace=self.workspace,
            )
        except Exception as exc:  # a hook never takes the daemon down
            notices = [f"Notification hook failed: {exc}"]
        for notice in notices:
            log.warning("%s", notice)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float = 5.0) -> None:
        """Let pending deliveries finish (used at shutdown)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def _desktop(self, note: Notification) -> None:
        assert self.notify_send
        urgency = {"info": "normal", "warning": "normal", "error": "critical"}[note.level]
        try:
            proc = await asyncio.create_subprocess_exec(
                self.notify_send,
                "--app-name=wakeful",
                f"--urgency={urgency}",
                f"wakeful: {note.title}",
                note.body[:500],
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            await asyncio.wait_for(proc.wait(), 5.0)
        except (OSError, TimeoutError) as exc:
            log.warning("desktop notification failed: %s", exc)

    async def _post(self, note: Notification) -> None:
        body = json.dumps(note.payload(self.workspace)).encode("utf-8")
        try:
            status = await asyncio.to_thread(post_json, self.webhook, body, 5.0)
            if status >= 300:
                log.warning("webhook %s answered HTTP %s", self.webhook, status)
        except (OSError, ValueError) as exc:
            log.warning("webhook %s failed: %s", self.webhook, exc)


def post_json(url: str, body: bytes, timeout: float) -> int:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "wakeful-daemon"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
