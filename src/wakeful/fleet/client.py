"""Talking to Temporal: connect, turn a job into a Schedule, run a worker, report status.

Schedule ids are `wakeful/<repository>/<job>`; Temporal appends the due time to the id of
each workflow it starts, so a run's id names repository, job and due time, and Temporal's
id uniqueness means a due run can start only once. The overlap policy is BUFFER_ONE: one
run of a job at a time, like the daemon; a run that falls due while the previous one is
still going starts when it ends (further ones are dropped, so a slow job never builds a
backlog). The catch-up window follows `--missed`.
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from wakeful.core.errors import WakefulError
from wakeful.fleet.settings import FleetSettings
from wakeful.fleet.workflows import WORKFLOW_NAME, JobInput

SCHEDULE_PREFIX = "wakeful/"
T = TypeVar("T")


class FleetError(WakefulError):
    """A Temporal operation failed in an expected way (unreachable, already exists, ...)."""


def schedule_id(repository: str, job: str) -> str:
    return f"{SCHEDULE_PREFIX}{repository}/{job}"


def run_with_runtime(make: Callable[[Any], Coroutine[Any, Any, T]]) -> T:
    """Run `make(runtime)` to completion with a Temporal runtime of its own, dropped before
    returning. The SDK's default runtime lives until interpreter exit, and dropping its
    threads during finalization can abort the process after the work is done."""
    from temporalio.runtime import Runtime, TelemetryConfig

    runtime = Runtime(telemetry=TelemetryConfig())
    try:
        return asyncio.run(make(runtime))
    finally:
        del runtime
        gc.collect()


async def connect(settings: FleetSettings, identity: str | None = None, runtime: Any = None) -> Any:
    from temporalio.client import Client

    try:
        return await Client.connect(
            settings.temporal,
            namespace=settings.namespace,
            api_key=settings.api_key or None,
            tls=settings.tls,
            identity=identity,
            connect_timeout=timedelta(seconds=10),
            runtime=runtime,
        )
    except Exception as exc:  # the SDK raises RuntimeError for connection failures
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FleetError(
            f"cannot reach Temporal at {settings.temporal} ({first[:200]}); check [fleet] "
            "temporal, or start a local one with `wakeful fleet dev`"
        ) from None


async def add_schedule(
    settings: FleetSettings,
    job: JobInput,
    *,
    every: float | None,
    cron: str | None,
    at: float | None = None,
    missed: str = "skip",
    replace: bool = False,
    runtime: Any = None,
) -> str:
    from temporalio.client import (
        Schedule,
        ScheduleActionStartWorkflow,
        ScheduleAlreadyRunningError,
        ScheduleIntervalSpec,
        ScheduleOverlapPolicy,
        SchedulePolicy,
        ScheduleSpec,
        ScheduleState,
    )

    state = ScheduleState()
    if every is not None:
        spec = ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(seconds=every))])
    elif cron is not None:
        spec = ScheduleSpec(cron_expressions=[cron])
    elif at is not None:
        # One run at one moment: a calendar entry for that second (UTC), and one action.
        spec = ScheduleSpec(calendars=[calendar_at(at)])
        state = ScheduleState(limited_actions=True, remaining_actions=1)
    else:
        raise FleetError(
            "fleet jobs run on a clock: use --every, --cron or --at (--watch runs in the "
            "local daemon)"
        )
    sid = schedule_id(job.repository, job.job)
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            WORKFLOW_NAME, job, id=sid, task_queue=settings.task_queue
        ),
        spec=spec,
        policy=SchedulePolicy(
            overlap=ScheduleOverlapPolicy.BUFFER_ONE,
            catchup_window=timedelta(days=1) if missed == "once" else timedelta(minutes=1),
        ),
        state=state,
    )
    client = await connect(settings, runtime=runtime)
    try:
        await client.create_schedule(sid, schedule)
    except ScheduleAlreadyRunningError:
        if not replace:
            raise FleetError(
                f"job {job.job} already exists for {job.repository}; use --replace"
            ) from None
        await client.get_schedule_handle(sid).delete()
        await client.create_schedule(sid, schedule)
    return sid


async def remove_schedule(
    settings: FleetSettings, repository: str, job: str, runtime: Any = None
) -> None:
    from temporalio.service import RPCError

    client = await connect(settings, runtime=runtime)
    try:
        await client.get_schedule_handle(schedule_id(repository, job)).delete()
    except RPCError as exc:
        raise FleetError(f"no fleet job {job} for {repository} ({exc.message})") from None


def calendar_at(when: float) -> Any:
    """The Temporal calendar entry that matches exactly one second: `when` (epoch)."""
    from temporalio.client import ScheduleCalendarSpec, ScheduleRange

    t = datetime.fromtimestamp(when, tz=UTC)
    return ScheduleCalendarSpec(
        second=[ScheduleRange(t.second)],
        minute=[ScheduleRange(t.minute)],
        hour=[ScheduleRange(t.hour)],
        day_of_month=[ScheduleRange(t.day)],
        month=[ScheduleRange(t.month)],
        year=[ScheduleRange(t.year)],
    )


def describe_spec(spec: Any) -> str:
    """`every 1h`, `cron 0 3 * * *` or `at 2026-12-01 03:00:00 UTC`, like local jobs."""
    from wakeful.daemon.timespec import format_duration

    if spec.intervals:
        return f"every {format_duration(spec.intervals[0].every.total_seconds())}"
    if spec.cron_expressions:
        return f"cron {spec.cron_expressions[0]}"
    if spec.calendars:
        c = spec.calendars[0]
        try:
            moment = datetime(
                c.year[0].start,
                c.month[0].start,
                c.day_of_month[0].start,
                c.hour[0].start,
                c.minute[0].start,
                c.second[0].start,
            )
            return f"at {moment.isoformat(sep=' ')} UTC"
        except (IndexError, ValueError):
            return "calendar"
    return "-"


async def list_jobs(
    settings: FleetSettings, repository: str, runtime: Any = None
) -> list[dict[str, Any]]:
    """This repository's fleet jobs (its Temporal schedules), as `schedule list` rows."""
    client = await connect(settings, runtime=runtime)
    prefix = schedule_id(repository, "")
    rows: list[dict[str, Any]] = []
    async for item in await client.list_schedules():
        if not item.id.startswith(prefix):
            continue
        desc = await client.get_schedule_handle(item.id).describe()
        state = desc.schedule.state
        recent = desc.info.recent_actions[-1] if desc.info.recent_actions else None
        done = state.limited_actions and state.remaining_actions == 0
        rows.append(
            {
                "name": item.id[len(prefix) :],
                "where": "fleet",
                "schedule_id": item.id,
                "schedule": describe_spec(desc.schedule.spec),
                "status": "paused" if state.paused else ("done" if done else "active"),
                "note": state.note or "",
                "next_due": (
                    desc.info.next_action_times[0].timestamp()
                    if desc.info.next_action_times and not state.paused
                    else None
                ),
                "last_run": (
                    {"started": recent.started_at.timestamp(), "state": "started"}
                    if recent is not None
                    else None
                ),
            }
        )
    return sorted(rows, key=lambda r: str(r["name"]))


async def set_paused(
    settings: FleetSettings, repository: str, job: str, paused: bool, runtime: Any = None
) -> None:
    from temporalio.service import RPCError

    client = await connect(settings, runtime=runtime)
    handle = client.get_schedule_handle(schedule_id(repository, job))
    note = f"{'paused' if paused else 'resumed'} with `wakeful schedule` by {worker_identity()}"
    try:
        if paused:
            await handle.pause(note=note)
        else:
            await handle.unpause(note=note)
    except RPCError as exc:
        raise FleetError(f"no fleet job {job} for {repository} ({exc.message})") from None


@dataclass(frozen=True)
class FleetStatus:
    workers: list[dict[str, Any]]
    schedules: list[dict[str, Any]]
    runs: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"workers": self.workers, "schedules": self.schedules, "runs": self.runs}


async def status(settings: FleetSettings, limit: int = 20, runtime: Any = None) -> FleetStatus:
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    client = await connect(settings, runtime=runtime)
    workers: dict[str, dict[str, Any]] = {}
    for kind in (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY):
        resp = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=settings.namespace,
                task_queue=TaskQueue(name=settings.task_queue),
                task_queue_type=kind,
            )
        )
        for poller in resp.pollers:
            seen = poller.last_access_time.ToDatetime().timestamp()
            entry = workers.setdefault(poller.identity, {"identity": poller.identity, "seen": 0})
            entry["seen"] = max(entry["seen"], seen)
    schedules = []
    async for item in await client.list_schedules():
        if not item.id.startswith(SCHEDULE_PREFIX):
            continue
        info = item.info
        schedules.append(
            {
                "id": item.id,
                "paused": bool(item.schedule and item.schedule.state.paused),
                "next": [t.timestamp() for t in (info.next_action_times if info else [])][:1],
                "recent": len(info.recent_actions) if info else 0,
            }
        )
    runs = []
    async for wf in client.list_workflows(f"WorkflowType = '{WORKFLOW_NAME}'", limit=limit):
        runs.append(
            {
                "id": wf.id,
                "status": wf.status.name.lower() if wf.status else "unknown",
                "start": wf.start_time.timestamp(),
                "close": wf.close_time.timestamp() if wf.close_time else None,
            }
        )
    return FleetStatus(sorted(workers.values(), key=lambda w: w["identity"]), schedules, runs)


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


async def run_worker(
    settings: FleetSettings,
    repos: dict[str, Path],
    env: dict[str, str],
    stop: asyncio.Event,
    max_concurrent: int = 4,
    identity: str | None = None,
    runtime: Any = None,
    repos_dir: Path | None = None,
) -> None:
    """Serve the task queue until `stop` is set; in-flight runs finish first. With
    `repos_dir`, repositories the worker has no checkout of are cloned there (fleet.clone)."""
    from temporalio.worker import Worker

    from wakeful.fleet.activities import FleetActivities
    from wakeful.fleet.workflows import ScheduledRun

    identity = identity or worker_identity()
    client = await connect(settings, identity=identity, runtime=runtime)
    acts = FleetActivities(
        repos,
        env,
        identity,
        settings.max_permission_mode,
        client=client,
        repos_dir=repos_dir,
        allow_file_clones=settings.allow_file_clones,
    )
    worker = Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[ScheduledRun],
        activities=[acts.preflight, acts.agent_run],
        max_concurrent_activities=max_concurrent,
        identity=identity,
        graceful_shutdown_timeout=timedelta(seconds=60),
    )
    async with worker:
        await stop.wait()
