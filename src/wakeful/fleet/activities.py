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
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from wakeful.fleet.settings import FleetSettings
from wakeful.fleet.workflows import AGENT_RUN, PREFLIGHT, JobInput, RunInput


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


async def fleet_usage_today(client: Any, repository: str) -> tuple[int, float]:
    """Tokens and cost of the repository's runs that finished since midnight UTC, on any
    worker: the results of its completed workflows, read from Temporal."""
    from datetime import UTC, datetime

    from wakeful.fleet.client import schedule_id

    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    prefix = schedule_id(repository, "").replace("'", "")
    query = (
        f"WorkflowId STARTS_WITH '{prefix}' AND ExecutionStatus = 'Completed' "
        f"AND CloseTime >= '{midnight.isoformat().replace('+00:00', 'Z')}'"
    )
    tokens, cost = 0, 0.0
    async for wf in client.list_workflows(query):
        result = await client.get_workflow_handle(wf.id, run_id=wf.run_id).result()
        if not isinstance(result, dict):
            continue
        usage = result.get("usage") or {}
        tokens += sum(
            int(usage.get(k) or 0) for k in ("input", "output", "cache_read", "cache_write")
        )
        cost += float(result.get("cost") or 0.0)
    return tokens, cost


@dataclass
class _Inflight:
    task: asyncio.Future[dict[str, Any]]
    waiters: int = 0


async def _in_thread(make: Callable[[], Coroutine[Any, Any, dict[str, Any]]]) -> dict[str, Any]:
    """Run `make()` on an event loop of its own in a thread of its own.

    The agent run does blocking work (git, SQLite, the policy's parsing, snapshots): on the
    worker's loop it would starve the heartbeats of every run on the worker, Temporal would
    call them lost and start them again elsewhere while they were still running. Cancelling
    the returned awaitable cancels the run inside its loop."""
    box: dict[str, Any] = {}

    def target() -> dict[str, Any]:
        loop = asyncio.new_event_loop()
        try:
            task = loop.create_task(make())
            box["loop"], box["task"] = loop, task
            return loop.run_until_complete(task)
        finally:
            loop.close()

    future = asyncio.get_running_loop().run_in_executor(None, target)
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        loop = box.get("loop")
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(box["task"].cancel)
        raise


@dataclass
class FleetActivities:
    """Activities bound to this worker's checkouts (repository key -> local path)."""

    repos: dict[str, Path]
    env: dict[str, str]
    identity: str
    max_permission_mode: str = "default"
    # The worker's Temporal client: daily caps add up the repository's finished runs of the
    # day across every worker (None: caps are not checked, e.g. in unit tests).
    client: Any = None
    # Where this worker clones repositories it has no checkout of (None: it does not clone),
    # and whether it accepts file:// clone URLs. Clones are always run untrusted.
    repos_dir: Path | None = None
    allow_file_clones: bool = False
    # Runs in progress on this worker, by run id: a retry of one of them (Temporal retries
    # when it thinks an attempt is lost) joins it instead of starting the agent again.
    _inflight: dict[str, _Inflight] = field(default_factory=dict)

    async def _checkout(self, job: JobInput) -> tuple[Path, bool]:
        """The worker's checkout of the job's repository, and whether it is a clone (then
        untrusted). A repository it lacks is cloned into `repos_dir` when the job says from
        where; refusals are retryable, since another worker of the pool may have a checkout."""
        from wakeful.fleet.clone import CloneFailed, CloneRefused, CloneRequest, ensure_clone

        path = self.repos.get(job.repository)
        if path is not None:
            return path, False
        if self.repos_dir is None or not job.clone_url:
            fix = (
                "start a worker with `wakeful worker --repo PATH` for it"
                if job.clone_url
                else "re-add the job with `schedule add --clone-url URL --replace`"
            )
            if job.clone_url and self.repos_dir is None:
                fix += " or `--repos-dir DIR` to let it clone"
            raise ApplicationError(
                f"worker {self.identity} has no checkout of {job.repository}; {fix}",
                type="NoCheckout",
            )
        request = CloneRequest(
            repository=job.repository,
            url=job.clone_url,
            ref=job.clone_ref,
            repos_dir=self.repos_dir,
            allow_file=self.allow_file_clones,
            env=self.env,
        )
        try:
            result = await asyncio.to_thread(ensure_clone, request)
        except CloneRefused as exc:
            raise ApplicationError(
                f"worker {self.identity} will not clone {job.repository}: {exc}",
                type="CloneRefused",
            ) from None
        except CloneFailed as exc:
            raise ApplicationError(
                f"worker {self.identity} could not clone {job.repository}: {exc}",
                type="CloneFailed",
            ) from None
        return result.path, True

    async def _beating(
        self, every: float, work: Coroutine[Any, Any, dict[str, Any]]
    ) -> dict[str, Any]:
        """Await `work` with a heartbeat every `every` seconds: a first run on a worker may
        clone the repository before anything else, and a dead worker must still be noticed."""
        beat = asyncio.create_task(self._heartbeat(every))
        try:
            return await work
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    @activity.defn(name=PREFLIGHT)
    async def preflight(self, inp: RunInput) -> dict[str, Any]:
        return await self._beating(inp.job.heartbeat_seconds, self._preflight(inp))

    @activity.defn(name=AGENT_RUN)
    async def agent_run(self, inp: RunInput) -> dict[str, Any]:
        return await self._beating(inp.job.heartbeat_seconds, self._agent_run(inp))

    async def _preflight(self, inp: RunInput) -> dict[str, Any]:
        from wakeful.daemon.errors import CheckRefused
        from wakeful.daemon.preflight import ensure_read_only, run_check

        workspace, _clone = await self._checkout(inp.job)
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

    async def _agent_run(self, inp: RunInput) -> dict[str, Any]:
        from wakeful.agents.headless import run_headless
        from wakeful.agents.runtime import RunOptions
        from wakeful.core.config import load_config
        from wakeful.core.errors import WakefulError
        from wakeful.core.paths import Paths

        info = activity.info()
        workspace, clone = await self._checkout(inp.job)
        base = {
            "run_id": inp.run_id,
            "job": inp.job.job,
            "attempt": info.attempt,
            "worker": self.identity,
        }
        paths = Paths.for_workspace(workspace, self.env)
        refusal: str | None = None
        try:
            config = load_config(paths, self.env, untrusted=clone)
        except WakefulError as exc:
            refusal = str(exc)
        else:
            mode = inp.job.permission_mode or config.permission_mode
            if not FleetSettings(max_permission_mode=self.max_permission_mode).allows(mode):
                refusal = (
                    f"permission mode {mode!r} is looser than this worker's "
                    f"[fleet] max_permission_mode {self.max_permission_mode!r}"
                )
        state = "refused"
        if refusal is None and self.client is not None:
            from wakeful.daemon.settings import DaemonSettings

            caps = DaemonSettings.from_config(config)
            if caps.daily_token_cap or caps.daily_cost_cap:
                tokens, cost = await fleet_usage_today(self.client, inp.job.repository)
                over = []
                if caps.daily_token_cap and tokens >= caps.daily_token_cap:
                    over.append(f"{tokens} tokens of a {caps.daily_token_cap} cap")
                if caps.daily_cost_cap and cost >= caps.daily_cost_cap:
                    over.append(f"${cost:.4f} of a ${caps.daily_cost_cap:.2f} cap")
                if over:
                    state = "capped"
                    refusal = (
                        f"daily cap reached across the fleet for {inp.job.repository} today "
                        f"(UTC): {', '.join(over)}; raise [daemon] daily_token_cap / "
                        "daily_cost_cap to run sooner"
                    )
        if refusal is not None:  # before any model call
            refused = {"state": state, "result": refusal, **base}
            append_journal(workspace, {"event": "finish", "time": time.time(), **refused})
            return refused

        async def run() -> dict[str, Any]:
            append_journal(workspace, {"event": "start", "time": time.time(), **base})
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
            outcome.update(base, seconds=round(time.monotonic() - started, 3))
            append_journal(workspace, {"event": "finish", "time": time.time(), **outcome})
            return outcome

        return await self._join(inp.run_id, lambda: _in_thread(run), base, workspace)

    async def _join(
        self,
        run_id: str,
        start: Callable[[], Coroutine[Any, Any, dict[str, Any]]],
        base: dict[str, Any],
        workspace: Path,
    ) -> dict[str, Any]:
        """Start the run, or join this worker's attempt at it that is still running."""
        entry = self._inflight.get(run_id)
        if entry is None:
            entry = _Inflight(asyncio.ensure_future(start()))
            self._inflight[run_id] = entry
            entry.task.add_done_callback(lambda _t: self._inflight.pop(run_id, None))
        else:
            append_journal(
                workspace,
                {"event": "join", "time": time.time(), **base, "detail": "attempt still running"},
            )
        entry.waiters += 1
        try:
            return dict(await asyncio.shield(entry.task))
        except asyncio.CancelledError:
            if entry.waiters == 1 and not entry.task.done():
                entry.task.cancel()  # nobody else waits for this run: stop the agent
            raise
        finally:
            entry.waiters -= 1

    async def _heartbeat(self, every: float) -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(every)
