"""What a worker does for a scheduled run: the `--when` preflight, and the agent run.

The agent run is the same headless engine the daemon and `wakeful -p` use
(`agents.headless.run_headless`), in the worker's process, with a heartbeat every
`heartbeat_seconds`: when a worker dies, Temporal notices the missing beats and hands the
run to another worker. Every start and finish is appended to the checkout's run journal
(`.wakeful/fleet/runs.jsonl`), one JSON object per line.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from wakeful.fleet.settings import FleetSettings
from wakeful.fleet.workflows import AGENT_RUN, PREFLIGHT, RunInput


def journal_path(workspace: Path) -> Path:
    return workspace / ".wakeful" / "fleet" / "runs.jsonl"


def append_journal(workspace: Path, entry: dict[str, Any]) -> None:
    """One JSON line in the run journal; finished and skipped runs also get an entry in the
    daily journal the daemon writes (`.wakeful/journal/YYYY-MM-DD.md`)."""
    if entry.get("event") in ("finish", "skip"):
        from wakeful.daemon.journal import Journal

        state = entry.get("state") or "skipped"
        lines = [f"- run {entry.get('run_id')}, attempt {entry.get('attempt', 1)}"]
        detail = entry.get("result") or entry.get("detail")
        if detail:
            lines.append(f"- {' '.join(str(detail).split())[:1200]}")
        Journal(workspace / ".wakeful" / "journal").append(
            f"fleet: job `{entry.get('job')}` {state} on {entry.get('worker')}", lines
        )
    path = journal_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, default=str) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, line)  # one write per line: concurrent workers never interleave lines
    finally:
        os.close(fd)


def read_journal(workspace: Path) -> list[dict[str, Any]]:
    try:
        lines = journal_path(workspace).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        with contextlib.suppress(ValueError):
            out.append(json.loads(line))
    return out


@dataclass
class FleetActivities:
    """Activities bound to this worker's checkouts (repository key -> local path)."""

    repos: dict[str, Path]
    env: dict[str, str]
    identity: str
    max_permission_mode: str = "default"
    _running: set[str] = field(default_factory=set)

    def _checkout(self, repository: str) -> Path:
        path = self.repos.get(repository)
        if path is None:
            # Retryable: another worker of the pool may have this repository.
            raise ApplicationError(
                f"worker {self.identity} has no checkout of {repository}; start a worker "
                f"with `wakeful worker --repo PATH` for it",
                type="NoCheckout",
            )
        return path

    @activity.defn(name=PREFLIGHT)
    async def preflight(self, inp: RunInput) -> dict[str, Any]:
        from wakeful.daemon.errors import CheckRefused
        from wakeful.daemon.preflight import ensure_read_only, run_check

        workspace = self._checkout(inp.job.repository)
        command = inp.job.when_check or ""
        home = Path(self.env.get("HOME") or Path.home())
        try:  # vetted again here: the schedule may come from another machine
            ensure_read_only(command, workspace, home)
        except CheckRefused as exc:
            return {"passed": False, "detail": f"refused: {exc}"}
        result = await run_check(command, workspace, inp.job.check_timeout, home)
        if not result.passed:
            append_journal(
                workspace,
                {
                    "event": "skip",
                    "run_id": inp.run_id,
                    "job": inp.job.job,
                    "worker": self.identity,
                    "time": time.time(),
                    "detail": result.describe(),
                },
            )
        return {"passed": result.passed, "detail": result.describe()}

    @activity.defn(name=AGENT_RUN)
    async def agent_run(self, inp: RunInput) -> dict[str, Any]:
        from wakeful.agents.headless import run_headless
        from wakeful.agents.runtime import RunOptions
        from wakeful.core.config import load_config
        from wakeful.core.errors import WakefulError
        from wakeful.core.paths import Paths

        info = activity.info()
        workspace = self._checkout(inp.job.repository)
        base = {
            "run_id": inp.run_id,
            "job": inp.job.job,
            "attempt": info.attempt,
            "worker": self.identity,
        }
        paths = Paths.for_workspace(workspace, self.env)
        refusal: str | None = None
        try:
            config = load_config(paths, self.env)
        except WakefulError as exc:
            refusal = str(exc)
        else:
            mode = inp.job.permission_mode or config.permission_mode
            if not FleetSettings(max_permission_mode=self.max_permission_mode).allows(mode):
                refusal = (
                    f"permission mode {mode!r} is looser than this worker's "
                    f"[fleet] max_permission_mode {self.max_permission_mode!r}"
                )
        if refusal is not None:  # before any model call
            refused = {"state": "refused", "result": refusal, **base}
            append_journal(workspace, {"event": "finish", "time": time.time(), **refused})
            return refused
        append_journal(workspace, {"event": "start", "time": time.time(), **base})
        beat = asyncio.create_task(self._heartbeat(inp.job.heartbeat_seconds))
        started = time.monotonic()
        try:
            options = RunOptions(model=inp.job.model, permission_mode=inp.job.permission_mode)
            result = await run_headless(paths, config, options, inp.job.prompt)
            outcome = {
                "state": "error" if result.get("is_error") else "ok",
                "result": result.get("result"),
                "session_id": result.get("session_id"),
                "num_turns": result.get("num_turns"),
                "usage": result.get("usage"),
                "cost": result.get("cost"),
            }
        except WakefulError as exc:
            outcome = {"state": "error", "result": str(exc)}
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        outcome.update(base, seconds=round(time.monotonic() - started, 3))
        append_journal(workspace, {"event": "finish", "time": time.time(), **outcome})
        return outcome

    async def _heartbeat(self, every: float) -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(every)
