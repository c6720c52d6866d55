"""The tick loop: decide deterministically, wake an agent only when a job's preflight passes.

Each tick reloads jobs (the CLI edits them in SQLite), renews the leases of running children,
recovers runs whose owner died, and starts what is due. Agents and `--when` checks run as
tasks around child processes, so the loop itself never waits on them; it sleeps until the next
due time (at most one tick) or until something wakes it (a child exits, a file changes,
SIGUSR1 from the CLI).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from wakeful.core.paths import Paths
from wakeful.core.prune import prune_folder
from wakeful.daemon.agent import (
    agent_argv,
    dream_argv,
    kill_group,
    parse_dream,
    parse_output,
    process_alive,
    process_start_time,
    read_text,
    result_object,
    spawn,
    wait_pid,
)
from wakeful.daemon.journal import Journal
from wakeful.daemon.notify import Level, Notification, Notifier
from wakeful.daemon.preflight import CheckResult, due_action, run_check, watch_patterns
from wakeful.daemon.process import DaemonFiles
from wakeful.daemon.settings import DaemonSettings
from wakeful.daemon.store import Job, JobStore, LeaseTaken, Run, RunOutcome, day_start
from wakeful.daemon.watch import FileWatcher

log = logging.getLogger("wakeful.daemon")

DREAM_JOB = "@dream"
# A job whose last runs in a row were all blocked by the policy pauses itself.
BLOCKED_RUNS_BEFORE_PAUSE = 3


@dataclass
class ActiveRun:
    job: str
    task: asyncio.Task[None]
    run_id: int | None = None
    child_pid: int | None = None


class FleetHandoff:
    """Starts a workflow on the fleet's task queue for a run a local watcher triggered."""

    def __init__(self, settings: Any, repository: str, config: Any) -> None:
        self.settings = settings
        self.repository = repository
        self.config = config
        self._client: Any = None
        self._runtime: Any = None

    async def start(self, job: Job, trigger: str) -> str:
        from wakeful.fleet.client import connect, schedule_id
        from wakeful.fleet.workflows import WORKFLOW_NAME, JobInput

        if self._client is None:
            from temporalio.runtime import Runtime, TelemetryConfig

            self._runtime = Runtime(telemetry=TelemetryConfig())
            self._client = await connect(self.settings, runtime=self._runtime)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        workflow_id = f"{schedule_id(self.repository, job.name)}-watch-{stamp}"
        inp = JobInput(
            repository=self.repository,
            job=job.name,
            prompt=f"{job.prompt}\n\n(Triggered by: {trigger})",
            when_check=None,  # checked here already, on the files that changed
            model=job.model,
            permission_mode=job.permission_mode,
            retries=job.retries,
            max_wall_seconds=self.config.settings.max_wall_seconds,
            heartbeat_seconds=self.settings.heartbeat_seconds,
        )
        from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

        await self._client.start_workflow(
            WORKFLOW_NAME,
            inp,
            id=workflow_id,
            task_queue=self.settings.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        return workflow_id


@dataclass
class DaemonCounters:
    """What the daemon did since it started; `status` and the bench read these."""

    started: float = field(default_factory=time.time)
    ticks: int = 0
    checks: int = 0
    wakes: int = 0
    dreams: int = 0


class Daemon:
    def __init__(
        self,
        paths: Paths,
        settings: DaemonSettings,
        env: dict[str, str] | None = None,
        home: Path | None = None,
        fleet: FleetHandoff | None = None,
        hooks: Any = None,
    ) -> None:
        self.paths = paths
        self.settings = settings
        # [fleet] temporal set: a --watch job's runs become workflows on the fleet's workers
        # (the watching stays here, where the files are).
        self.fleet = fleet
        self.env = env
        self.home = home
        self.files = DaemonFiles(paths.project)
        self.store = JobStore(paths.state_db)
        self.journal = Journal(paths.journal)
        self.notifier = Notifier(
            self.journal,
            str(paths.workspace),
            webhook=settings.webhook,
            desktop=settings.desktop_notify,
            hooks=hooks,
        )
        self.pid = os.getpid()
        self.counters = DaemonCounters()
        self.active: dict[str, ActiveRun] = {}
        self.checks: dict[str, asyncio.Task[None]] = {}
        self.changed: dict[str, list[str]] = {}
        self.jobs: list[Job] = []
        self.last_activity = time.time()
        self.dream_tried = False
        self.dream_unavailable = False
        self.refusals_reported: set[str] = set()
        self._wake = asyncio.Event()
        self._stopping = False
        self._watcher: FileWatcher | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def request_stop(self) -> None:
        self._stopping = True
        self._wake.set()

    def poke(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(sig, self.request_stop)
        loop.add_signal_handler(signal.SIGUSR1, self.poke)
        self.store.set_state(pid=self.pid, started=time.time(), last_tick=time.time())
        self.journal.append(
            "daemon started",
            [
                f"- pid {self.pid}; tick {self.settings.tick_seconds:g}s; "
                f"budget {self.settings.budget_seconds:g}s"
            ],
        )
        log.info("daemon started (pid %s) for %s", self.pid, self.paths.workspace)
        try:
            await self.recover()
            while not self._stopping:
                await self.tick()
                timeout = self._sleep_seconds()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
                self._wake.clear()
        finally:
            await self.shutdown()
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1):
                loop.remove_signal_handler(sig)

    async def shutdown(self) -> None:
        if self._watcher is not None:
            await self._watcher.stop()
        for task in list(self.checks.values()):
            task.cancel()
        interrupted = []
        for active in list(self.active.values()):
            if active.child_pid:
                kill_group(active.child_pid, signal.SIGTERM)
            interrupted.append(active)
        if interrupted:
            await asyncio.wait([a.task for a in interrupted], timeout=5.0)
            for active in interrupted:
                if not active.task.done():
                    if active.child_pid:
                        kill_group(active.child_pid, signal.SIGKILL)
                    active.task.cancel()
        await asyncio.gather(
            *[a.task for a in interrupted], *self.checks.values(), return_exceptions=True
        )
        for run in self.store.running_runs():
            if run.owner_pid == self.pid:
                await self._interrupted(run, "the daemon was stopped before the agent finished")
        self.journal.append("daemon stopped", [f"- pid {self.pid}"])
        log.info("daemon stopped")
        await self.notifier.drain()
        self.store.close()

    # -- one tick --------------------------------------------------------------------------

    async def tick(self) -> None:
        now = time.time()
        self.counters.ticks += 1
        self.store.set_state(last_tick=now)
        self.store.renew_leases(self.pid, self.settings.lease_seconds)
        await self.recover(only_stale=True)
        self.jobs = self.store.jobs()
        self._sync_watcher()
        if await self._capped(now):
            return
        for job in self.jobs:
            if job.name in self.active or job.name in self.checks:
                if due_action(job, now, self.settings.missed_grace) != "wait":
                    # Due again while the last run is still going: never overlap, skip it.
                    log.info("job %s is due but still running; skipping this time", job.name)
                    self._advance(job, now)
                continue
            await self._consider(job, now)
        self._maybe_dream(now)

    async def _consider(self, job: Job, now: float) -> None:
        trigger: str | None = None
        if job.run_requested:
            self.store.update_job(job.name, run_requested=False)
            trigger = "run requested (wakeful schedule run)"
        elif job.paused or job.done:
            return
        elif job.retry_pending:
            self.store.update_job(job.name, retry_pending=False)
            trigger = "retry of an interrupted run"
        else:
            action = due_action(job, now, self.settings.missed_grace)
            if action == "wait":
                if job.schedule.kind == "watch" and job.name in self.changed:
                    trigger = "files changed: " + _paths(self.changed.pop(job.name))
            elif action == "skip_missed":
                self._advance(job, now)
                self.journal.append(
                    f"skipped: job `{job.name}` missed its run",
                    [
                        f"- was due at {_clock(job.next_due)}; the daemon was not running then",
                        "- policy: skip (use --missed once to catch up instead)",
                    ],
                )
                return
            else:
                changed = self.changed.pop(job.name, None)
                self._advance(job, now)
                if job.watch and not changed:
                    return  # due, but none of its files changed: nothing to do
                when = f"{job.schedule.describe()}, due {_clock(job.next_due)}"
                if action == "run_missed":
                    trigger = f"catch-up of a missed run ({when})"
                else:
                    trigger = f"schedule ({when})"
                if changed:
                    trigger += "; files changed: " + _paths(changed)
        if trigger is None:
            return
        if job.when_check:
            self.checks[job.name] = asyncio.get_running_loop().create_task(
                self._check_then_wake(job, trigger)
            )
        else:
            self._start_wake(job, trigger)

    def _advance(self, job: Job, now: float) -> None:
        if job.schedule.kind == "at":
            self.store.update_job(job.name, done=True)
        elif job.next_due is not None:
            self.store.update_job(job.name, next_due=job.schedule.next_due(job.next_due, now))

    async def _check_then_wake(self, job: Job, trigger: str) -> None:
        try:
            assert job.when_check
            self.counters.checks += 1
            timeout = min(self.settings.check_timeout, self.settings.budget_seconds)
            result = await run_check(job.when_check, self.paths.workspace, timeout, self.home)
            log.info("job %s: --when %r: %s", job.name, job.when_check, result.describe())
            if result.refused and job.name not in self.refusals_reported:
                self.refusals_reported.add(job.name)
                await self.notifier.send(
                    Notification(
                        f"job {job.name}: check refused",
                        result.refused,
                        level="warning",
                        job=job.name,
                        event="check_refused",
                    )
                )
            if result.passed:
                self._start_wake(job, f"{trigger}; --when `{job.when_check}` passed")
            elif result.timed_out:
                log.warning("job %s: --when check %s", job.name, _describe(result))
        finally:
            self.checks.pop(job.name, None)

    def _start_wake(self, job: Job, trigger: str) -> None:
        task = asyncio.get_running_loop().create_task(self._wake_agent(job, trigger))
        self.active[job.name] = ActiveRun(job.name, task)

    async def _wake_agent(self, job: Job, trigger: str) -> None:
        try:
            if self.fleet is not None and job.watch:
                workflow_id = await self.fleet.start(job, trigger)
                self.journal.append(
                    f"fleet: job `{job.name}` handed to the fleet",
                    [f"- {trigger}", f"- workflow {workflow_id}"],
                )
                return
            await self.run_job(job, trigger)
        except Exception:
            log.exception("job %s: the run failed inside the daemon", job.name)
        finally:
            self.active.pop(job.name, None)
            self.last_activity = time.time()
            self.dream_tried = False
            self._wake.set()

    async def run_now(self, name: str) -> Run | None:
        """Run a job in this process, outside the daemon (`schedule run` with no daemon up),
        holding and renewing its lease like the daemon would."""
        job = self.store.get_job(name)

        async def renew() -> None:
            while True:
                await asyncio.sleep(self.settings.lease_seconds / 3)
                self.store.renew_leases(self.pid, self.settings.lease_seconds)

        renewer = asyncio.get_running_loop().create_task(renew())
        try:
            return await self.run_job(job, "run requested (wakeful schedule run)", budget=None)
        finally:
            renewer.cancel()
            await self.notifier.drain()

    async def run_job(self, job: Job, trigger: str, budget: float | None = -1.0) -> Run | None:
        """Claim the job's lease, start the agent, wait out the foreground budget, then let it
        finish in the background. Returns the finished run, or None if the lease was taken."""
        last = self.store.last_run(job.name)
        attempt = last.attempt + 1 if last and last.state == "interrupted" else 1
        try:
            run = self.store.claim_run(
                job.name, trigger, self.pid, self.settings.lease_seconds, attempt
            )
        except LeaseTaken:
            log.info("job %s is already running elsewhere; not starting it twice", job.name)
            return None
        self.counters.wakes += 1
        in_use = frozenset(
            name
            for r in self.store.running_runs()
            if r.output_path
            for name in (Path(r.output_path).name, Path(r.output_path).with_suffix(".err").name)
        )
        prune_folder(self.files.runs, keep=in_use)  # outputs of earlier runs, bounded
        out = self.files.runs / f"{run.id}.out"
        err = self.files.runs / f"{run.id}.err"
        argv = agent_argv(
            self.settings,
            job.prompt,
            job.model,
            job.permission_mode,
            f"job {job.name} run {run.id}",
        )
        model = job.model or self.settings.default_model or "(default)"
        mode = job.permission_mode or self.settings.default_permission_mode
        self.journal.wake(run, f"agent started: model {model}, permission mode {mode}, headless")
        try:
            proc = await spawn(argv, self.paths.workspace, out, err, self.env)
        except OSError as exc:
            done = self.store.finish_run(
                run.id, RunOutcome("error", error=f"could not start the agent: {exc}")
            )
            await self._report(done, "not started", ())
            return done
        self.store.set_child(run.id, proc.pid, process_start_time(proc.pid), str(out))
        active = self.active.get(job.name)
        if active is not None:
            active.run_id, active.child_pid = run.id, proc.pid
        log.info("job %s: run %s started (pid %s): %s", job.name, run.id, proc.pid, trigger)
        waiter = asyncio.ensure_future(proc.wait())
        if budget is not None and budget < 0:
            budget = self.settings.budget_seconds
        done_in_time, _ = await asyncio.wait({waiter}, timeout=budget)
        where = "foreground"
        if not done_in_time:
            where = "background"
            self.journal.append(
                f"background: job `{job.name}` (run {run.id}) still running after {budget or 0:g}s",
                ["- the tick loop carries on; the outcome is reported when the agent finishes"],
            )
            await waiter
        stdout = read_text(out)
        if self._stopping and proc.returncode != 0 and result_object(stdout) is None:
            await self._interrupted(
                self.store.get_run(run.id), "the daemon was stopped before the agent finished"
            )
            return self.store.get_run(run.id)
        outcome = parse_output(stdout, read_text(err), proc.returncode)
        finished = self.store.finish_run(run.id, outcome)
        await self._report(finished, where, outcome.denials, outcome.checkpoint)
        return finished

    async def _report(
        self, run: Run, where: str, denials: tuple[str, ...], checkpoint: str | None = None
    ) -> None:
        self.journal.finished(run, where, denials, checkpoint)
        first = (run.error or run.result or "").strip().splitlines()
        summary = first[0][:200] if first else ""
        level: Level = (
            "info" if run.state == "ok" else "warning" if run.state == "blocked" else "error"
        )
        await self.notifier.send(
            Notification(
                f"job {run.job}: {run.state}",
                f"{summary} (${run.cost:.4f}, {run.tokens} tokens, {where})",
                level=level,
                job=run.job,
                event="run_finished",
                extra={"run": run.to_dict()},
            ),
            journal=False,
        )
        if denials:
            await self.notifier.send(
                Notification(
                    f"job {run.job}: permission needed",
                    f"{len(denials)} action(s) needed approval and were denied (runs are "
                    f"headless): {'; '.join(denials)[:400]}. Allow them with a rule or run "
                    f"the job interactively.",
                    level="warning",
                    job=run.job,
                    event="permission_denied",
                    extra={"denials": list(denials)},
                )
            )
        if run.state == "blocked":
            await self._pause_if_stuck(run.job)

    async def _pause_if_stuck(self, name: str) -> None:
        """A job whose last runs were all blocked cannot progress: stop it burning tokens."""
        limit = BLOCKED_RUNS_BEFORE_PAUSE
        since = int(self.store.get_state(f"paused_blocked:{name}", 0) or 0)
        recent = [
            r
            for r in self.store.runs(name, limit=limit * 4)
            if r.id > since and r.state not in ("running", "skipped")
        ][:limit]
        if len(recent) < limit or any(r.state != "blocked" for r in recent):
            return
        try:
            job = self.store.get_job(name)
        except Exception:
            return  # removed meanwhile
        if job.paused:
            return
        self.store.update_job(name, paused=True)
        # after `schedule resume`, only runs newer than these count towards the next pause
        self.store.set_state(**{f"paused_blocked:{name}": recent[0].id})
        why = (
            f"its last {limit} runs were blocked: the policy denied actions they needed, so "
            "running it again would spend tokens for nothing"
        )
        how = (
            f"allow the actions with a rule in .wakeful/config.toml (the journal lists the "
            f"rules), then `wakeful schedule resume {name}`"
        )
        self.journal.append(f"paused: job `{name}`", [f"- {why}", f"- to restart it: {how}"])
        await self.notifier.send(
            Notification(
                f"job {name}: paused",
                f"{why}; {how}",
                level="warning",
                job=name,
                event="job_paused",
            ),
            journal=False,
        )

    # -- recovery and leases ----------------------------------------------------------------

    async def recover(self, only_stale: bool = False) -> None:
        """Runs left `running` by a dead owner: adopt a child that still lives, collect a result
        it finished writing, otherwise mark the run interrupted and retry it per its policy."""
        now = time.time()
        for run in self.store.running_runs():
            if run.owner_pid == self.pid:
                continue
            owner_alive = process_alive(run.owner_pid) and (run.lease_expires or 0) > now
            if owner_alive:
                continue
            if only_stale and run.job in self.active:
                continue
            if run.child_pid and process_alive(run.child_pid, run.child_start):
                self.store.take_over(run.id, self.pid, self.settings.lease_seconds)
                self.journal.append(
                    f"adopted: job `{run.job}` (run {run.id})",
                    [
                        f"- its agent (pid {run.child_pid}) outlived pid {run.owner_pid}; "
                        "waiting for it instead of starting the job again"
                    ],
                )
                task = asyncio.get_running_loop().create_task(self._adopt(run))
                self.active[run.job] = ActiveRun(run.job, task, run.id, run.child_pid)
                continue
            out = Path(run.output_path) if run.output_path else None
            stdout = read_text(out)
            if result_object(stdout) is not None:
                outcome = parse_output(stdout, read_text(_err_path(out)), None)
                finished = self.store.finish_run(run.id, outcome)
                await self._report(finished, "finished while the daemon was down", outcome.denials)
            else:
                await self._interrupted(
                    run, f"cut off: its owner (pid {run.owner_pid}) died before the agent finished"
                )

    async def _adopt(self, run: Run) -> None:
        try:
            assert run.child_pid
            await wait_pid(run.child_pid, run.child_start, self.settings.tick_seconds)
            out = Path(run.output_path) if run.output_path else None
            outcome = parse_output(read_text(out), read_text(_err_path(out)), None)
            finished = self.store.finish_run(run.id, outcome)
            await self._report(finished, "adopted after restart", outcome.denials)
        finally:
            self.active.pop(run.job, None)
            self.last_activity = time.time()
            self._wake.set()

    async def _interrupted(self, run: Run, why: str) -> None:
        finished = self.store.finish_run(run.id, RunOutcome("interrupted", error=why))
        retry = False
        if run.job != DREAM_JOB:
            try:
                job = self.store.get_job(run.job)
            except Exception:
                job = None
            if job is not None and run.attempt <= job.retries:
                self.store.update_job(job.name, retry_pending=True)
                retry = True
        policy = "it will be retried" if retry else "no retries left; it will not be retried"
        self.journal.finished(finished, f"interrupted; {policy}")
        await self.notifier.send(
            Notification(
                f"job {run.job}: run {run.id} interrupted",
                f"{why}; {policy}",
                level="warning",
                job=run.job,
                event="run_interrupted",
            ),
            journal=False,
        )

    # -- limits ----------------------------------------------------------------------------

    def today_usage(self, now: float | None = None) -> tuple[int, float]:
        return self.store.usage_since(day_start(time.time() if now is None else now))

    async def _capped(self, now: float) -> bool:
        s = self.settings
        if not s.daily_token_cap and not s.daily_cost_cap:
            return False
        tokens, cost = self.today_usage(now)
        over = []
        if s.daily_token_cap and tokens >= s.daily_token_cap:
            over.append(f"{tokens} tokens of a {s.daily_token_cap} cap")
        if s.daily_cost_cap and cost >= s.daily_cost_cap:
            over.append(f"${cost:.4f} of a ${s.daily_cost_cap:.2f} cap")
        if not over:
            return False
        today = day_start(now)
        if self.store.get_state("cap_notified_day") != today:
            self.store.set_state(cap_notified_day=today)
            await self.notifier.send(
                Notification(
                    "daily cap reached; jobs paused until midnight",
                    f"today: {', '.join(over)}. Raise [daemon] daily_token_cap / "
                    "daily_cost_cap in .wakeful/config.toml to resume sooner.",
                    level="warning",
                    event="cap_reached",
                )
            )
        return True

    # -- idle dreaming ---------------------------------------------------------------------

    def _maybe_dream(self, now: float) -> None:
        idle = self.settings.idle_dream_seconds
        if (
            idle <= 0
            or self.dream_tried
            or self.dream_unavailable
            or self.active
            or self.checks
            or now - self.last_activity < idle
        ):
            return
        self.dream_tried = True
        task = asyncio.get_running_loop().create_task(self._dream())
        self.active[DREAM_JOB] = ActiveRun(DREAM_JOB, task)

    async def _dream(self) -> None:
        try:
            try:
                run = self.store.claim_run(DREAM_JOB, "idle", self.pid, self.settings.lease_seconds)
            except LeaseTaken:
                return
            self.counters.dreams += 1
            out = self.files.runs / f"{run.id}.out"
            err = self.files.runs / f"{run.id}.err"
            proc = await spawn(dream_argv(self.settings), self.paths.workspace, out, err, self.env)
            self.store.set_child(run.id, proc.pid, process_start_time(proc.pid), str(out))
            active = self.active.get(DREAM_JOB)
            if active is not None:
                active.run_id, active.child_pid = run.id, proc.pid
            code = await proc.wait()
            stdout, stderr = read_text(out), read_text(err)
            if code != 0 and "No such command" in stderr:
                self.dream_unavailable = True
                self.store.finish_run(
                    run.id, RunOutcome("skipped", error="this wakeful has no dream verb")
                )
                return
            outcome, ran = parse_dream(stdout, stderr, code)
            finished = self.store.finish_run(run.id, outcome)
            if not ran and finished.state == "ok":
                log.info("idle dream: %s", outcome.result)
                return
            self.journal.finished(finished, "idle dream")
        finally:
            self.active.pop(DREAM_JOB, None)

    # -- file triggers ---------------------------------------------------------------------

    def _watch_globs(self) -> dict[str, list[str]]:
        return {
            j.name: watch_patterns(j.watch)
            for j in self.jobs
            if j.watch and not j.paused and not j.done
        }

    def _on_change(self, job: str, paths: list[str]) -> None:
        self.changed.setdefault(job, [])
        self.changed[job] = sorted(set(self.changed[job]) | set(paths))
        self._wake.set()

    def _sync_watcher(self) -> None:
        wanted = bool(self._watch_globs())
        if wanted and self._watcher is None:
            self._watcher = FileWatcher(
                self.paths.workspace, self._watch_globs, self._on_change, self.settings.debounce_ms
            )
        if wanted and self._watcher is not None and not self._watcher.running:
            self._watcher.start()
            log.info("watching files for %s", ", ".join(self._watch_globs()))

    # -- sleeping --------------------------------------------------------------------------

    def _sleep_seconds(self) -> float:
        tick = self.settings.tick_seconds
        now = time.time()
        soonest = now + tick
        for job in self.jobs:
            if job.name in self.active or job.name in self.checks:
                continue
            if job.next_due is not None and not job.paused and not job.done:
                soonest = min(soonest, job.next_due)
        return max(0.005, soonest - now)


def _err_path(out: Path | None) -> Path | None:
    return out.with_suffix(".err") if out else None


def _describe(result: CheckResult) -> str:
    return result.describe()


def _clock(when: float | None) -> str:
    if when is None:
        return "-"
    return datetime.fromtimestamp(when).strftime("%Y-%m-%d %H:%M:%S")


def _paths(paths: list[str]) -> str:
    shown = ", ".join(paths[:5])
    return shown + (f" (+{len(paths) - 5} more)" if len(paths) > 5 else "")
