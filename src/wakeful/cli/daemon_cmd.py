"""`wakeful daemon ...` (start, stop, status, logs, install) and `wakeful schedule ...` (jobs).

Imports only typer and the standard library at load time; the daemon library is imported
inside each command so `wakeful --help` stays fast.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import typer

from wakeful.core.errors import WakefulError

daemon_app = typer.Typer(
    help="Always-on mode: a tick loop that wakes an agent only when a job's preflight passes.",
    no_args_is_help=True,
)
schedule_app = typer.Typer(
    help="Jobs the daemon runs: on a clock, when a shell check passes, when files change.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(daemon_app, name="daemon")
    app.add_typer(schedule_app, name="schedule")


# -- shared plumbing -----------------------------------------------------------------------


def _context() -> tuple[Any, Any, dict[str, str]]:
    from wakeful.core.config import load_config
    from wakeful.core.paths import Paths, find_workspace

    env = dict(os.environ)
    paths = Paths.for_workspace(find_workspace(Path.cwd()), env)
    cfg = load_config(paths, env)
    return paths, cfg, env


def _notification_hooks(paths: Any, cfg: Any) -> Any:
    """Notification hooks for daemon events (a job blocked or paused); notices go to stderr
    (the daemon's log)."""
    from wakeful.extensions.session import notification_hooks

    hooks, notices = notification_hooks(paths, cfg)
    for notice in notices:
        sys.stderr.write(f"wakeful: {notice}\n")
    return hooks


def _settings(cfg: Any, tick: float | None = None) -> Any:
    import dataclasses

    from wakeful.daemon.settings import DaemonSettings

    settings = DaemonSettings.from_config(cfg)
    if tick is not None:
        if tick < 0.05:
            from wakeful.core.errors import UsageError

            raise UsageError("--tick must be at least 0.05 seconds")
        settings = dataclasses.replace(settings, tick_seconds=tick)
    return settings


def _store(paths: Any) -> Any:
    from wakeful.daemon.store import JobStore

    paths.ensure()
    return JobStore(paths.state_db)


def _clock(when: float | None) -> str:
    if not when:
        return "-"
    from datetime import datetime

    return datetime.fromtimestamp(when).strftime("%Y-%m-%d %H:%M:%S")


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


# -- daemon verbs --------------------------------------------------------------------------


@daemon_app.command("start")
def daemon_start(
    foreground: bool = typer.Option(
        False, "--foreground", help="Run in this terminal (for systemd or debugging)."
    ),
    tick: float | None = typer.Option(
        None, "--tick", help="Seconds between ticks (overrides [daemon] tick_seconds)."
    ),
) -> None:
    """Start the daemon for this workspace (detached unless --foreground)."""
    from wakeful.daemon.errors import DaemonRunning
    from wakeful.daemon.process import EXIT_ALREADY_RUNNING, DaemonFiles, start_detached

    paths, cfg, env = _context()
    settings = _settings(cfg, tick)
    paths.ensure()
    files = DaemonFiles(paths.project)
    if foreground:
        _run_foreground(paths, settings, env, files, EXIT_ALREADY_RUNNING)
        return
    extra = ["--tick", repr(tick)] if tick is not None else []
    try:
        pid = start_detached(files, paths.workspace, extra, env)
    except DaemonRunning as exc:
        typer.echo(f"wakeful daemon already running (pid {exc.pid})")
        return
    typer.echo(f"wakeful daemon started (pid {pid}); logs: {files.log}")


def _run_foreground(paths: Any, settings: Any, env: dict[str, str], files: Any, busy: int) -> None:
    import asyncio
    import logging

    from wakeful.core.config import load_config
    from wakeful.daemon.errors import DaemonRunning
    from wakeful.daemon.loop import Daemon
    from wakeful.daemon.process import DaemonLock

    lock = DaemonLock(files)
    try:
        lock.acquire()
    except DaemonRunning as exc:
        sys.stderr.write(f"wakeful: {exc}\n")
        raise SystemExit(busy) from None
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    try:
        daemon = Daemon(
            paths,
            settings,
            env=env,
            home=Path(env.get("HOME") or Path.home()),
            fleet=_fleet_handoff(paths, env),
            hooks=_notification_hooks(paths, load_config(paths, env)),
        )
        asyncio.run(daemon.run())
    finally:
        lock.release()


def _fleet_handoff(paths: Any, env: dict[str, str]) -> Any:
    """With [fleet] temporal set, --watch runs go to the fleet's workers as workflows."""
    from wakeful.core.config import load_config
    from wakeful.fleet.settings import FleetSettings

    cfg = load_config(paths, env)
    fleet = FleetSettings.from_config(cfg, env)
    if not fleet.enabled:
        return None
    from wakeful.cli.fleet_cmd import _repository
    from wakeful.daemon.loop import FleetHandoff

    return FleetHandoff(fleet, _repository(paths, cfg), cfg)


@daemon_app.command("stop")
def daemon_stop() -> None:
    """Stop the daemon; a running agent is interrupted and retried at the next start."""
    from wakeful.daemon.process import DaemonFiles, stop

    paths, _, _ = _context()
    pid = stop(DaemonFiles(paths.project))
    if pid is None:
        typer.echo("wakeful daemon is not running")
    else:
        typer.echo(f"wakeful daemon stopped (pid {pid})")


@daemon_app.command("status")
def daemon_status(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Is the daemon running, what jobs it has, when it last ticked, what today cost."""
    from wakeful.daemon.process import DaemonFiles, running_pid
    from wakeful.daemon.store import day_start

    paths, cfg, _ = _context()
    files = DaemonFiles(paths.project)
    pid = running_pid(files)
    store = _store(paths)
    try:
        jobs = store.jobs()
        tokens, cost = store.usage_since(day_start(time.time()))
        active = [r.to_dict() for r in store.running_runs()]
        last_tick = store.get_state("last_tick")
        started = store.get_state("started")
        data = {
            "pid": pid,
            "running": pid is not None,
            "workspace": str(paths.workspace),
            "jobs": [_job_summary(store, j) for j in jobs],
            "last_tick": last_tick,
            "started": started if pid is not None else None,
            "today_cost": round(cost, 6),
            "today_tokens": tokens,
            "capped": _capped(_settings(cfg), tokens, cost),
            "active_runs": active,
            "log": str(files.log),
            "journal": str(paths.journal),
        }
    finally:
        store.close()
    if as_json:
        _print_json(data)
        return
    state = f"running (pid {pid})" if pid else "not running"
    typer.echo(f"wakeful daemon: {state}")
    typer.echo(f"  workspace:  {paths.workspace}")
    typer.echo(f"  last tick:  {_clock(last_tick)}")
    held = " (daily cap reached: jobs held until midnight)" if data["capped"] else ""
    typer.echo(f"  today:      ${cost:.4f}, {tokens} tokens{held}")
    typer.echo(f"  jobs:       {len(jobs)} ({len(active)} running)")
    for job in data["jobs"]:
        typer.echo(f"    {job['name']:<20} {job['status']:<7} {job['schedule']}")


def _capped(settings: Any, tokens: int, cost: float) -> bool:
    """Whether today's usage has reached a daily cap, so jobs are held until midnight."""
    return bool(
        (settings.daily_token_cap and tokens >= settings.daily_token_cap)
        or (settings.daily_cost_cap and cost >= settings.daily_cost_cap)
    )


@daemon_app.command("logs")
def daemon_logs(
    lines: int = typer.Option(50, "-n", "--lines", help="How many lines from the end."),
    follow: bool = typer.Option(False, "-f", "--follow", help="Keep printing new lines."),
) -> None:
    """Print the daemon's log (`.wakeful/daemon.log`)."""
    from wakeful.daemon.process import DaemonFiles, tail

    paths, _, _ = _context()
    log = DaemonFiles(paths.project).log
    if not log.exists():
        typer.echo(f"no daemon log yet ({log}); start it with `wakeful daemon start`")
        return
    sys.stdout.write(tail(log, lines))
    sys.stdout.flush()
    if not follow:
        return
    with log.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        try:
            while True:
                chunk = fh.read()
                if chunk:
                    sys.stdout.write(chunk.decode("utf-8", "replace"))
                    sys.stdout.flush()
                else:
                    time.sleep(0.5)
        except KeyboardInterrupt:
            return


@daemon_app.command("install")
def daemon_install(
    print_only: bool = typer.Option(False, "--print", help="Print the unit, write nothing."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing unit file."),
) -> None:
    """Write a systemd user unit that runs this workspace's daemon."""
    from wakeful.core.errors import UsageError
    from wakeful.daemon.systemd import unit_name, unit_text

    paths, _, env = _context()
    passthrough = {
        k: env[k]
        for k in ("WAKEFUL_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "PATH")
        if env.get(k)
    }
    text = unit_text(paths.workspace, sys.executable, passthrough)
    name = unit_name(paths.workspace)
    if print_only:
        sys.stdout.write(text)
        return
    home = Path(env.get("HOME") or Path.home())
    unit_dir = Path(env.get("XDG_CONFIG_HOME") or home / ".config") / "systemd" / "user"
    target = unit_dir / name
    if target.exists() and not force:
        raise UsageError(f"{target} exists; pass --force to overwrite it")
    unit_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    typer.echo(f"wrote {target}")
    typer.echo(
        f"enable it with: systemctl --user daemon-reload && systemctl --user enable --now {name}"
    )


# -- schedule verbs ------------------------------------------------------------------------


@schedule_app.command("add")
def schedule_add(
    name: str = typer.Argument(..., help="Job name (letters, digits, . _ -)."),
    prompt: str = typer.Option(..., "--prompt", help="What the agent is asked to do."),
    every: str | None = typer.Option(None, "--every", help="Interval: 30s, 5m, 1h, 1h30m."),
    cron: str | None = typer.Option(None, "--cron", help="Cron expression, '*/15 * * * *'."),
    at: str | None = typer.Option(None, "--at", help="Once, at HH:MM or an ISO datetime."),
    when: str | None = typer.Option(
        None, "--when", help="Read-only shell check; the agent wakes only if it exits 0."
    ),
    watch: str | None = typer.Option(
        None, "--watch", help="Glob(s), comma-separated: wake when matching files change."
    ),
    model: str | None = typer.Option(None, "--model", help="Model for this job."),
    permission_mode: str | None = typer.Option(
        None, "--permission-mode", help="default, plan, auto or bypass."
    ),
    missed: str = typer.Option(
        "skip", "--missed", help="After downtime: skip a missed run, or run it once."
    ),
    retries: int = typer.Option(
        1, "--retries", help="Retries of a run cut off mid-way (crash, stop)."
    ),
    replace: bool = typer.Option(False, "--replace", help="Replace a job of the same name."),
    isolation: str = typer.Option(
        "none",
        "--isolation",
        help="none (work in the workspace) or worktree (each run on a branch of its own, "
        "reviewed with `wakeful worktrees`).",
    ),
    clone_url: str | None = typer.Option(
        None,
        "--clone-url",
        help="Fleet jobs: where workers without a checkout clone the repository from "
        "(default: the origin remote).",
    ),
    clone_ref: str | None = typer.Option(
        None,
        "--clone-ref",
        help="Fleet jobs: branch or commit such clones check out (default: the current one).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the job as JSON."),
) -> None:
    """Add a job. Its preflight (clock, --when, --watch) runs without any model call."""
    from wakeful.core.settings import PERMISSION_MODES
    from wakeful.daemon.errors import JobSpecError
    from wakeful.daemon.preflight import ensure_read_only
    from wakeful.daemon.process import DaemonFiles, poke
    from wakeful.daemon.store import Job
    from wakeful.daemon.timespec import schedule_from_options, validate_name

    paths, cfg, env = _context()
    validate_name(name)
    if missed not in ("skip", "once"):
        raise JobSpecError(f"--missed {missed!r}: use skip or once")
    if retries < 0:
        raise JobSpecError("--retries must be 0 or more")
    if permission_mode and permission_mode not in PERMISSION_MODES:
        raise JobSpecError(
            f"--permission-mode {permission_mode!r}: use one of {', '.join(PERMISSION_MODES)}"
        )
    if not prompt.strip():
        raise JobSpecError("--prompt is empty: say what the agent should do")
    if isolation not in ("none", "worktree"):
        raise JobSpecError(f"--isolation {isolation!r}: use none or worktree")
    now = time.time()
    schedule = schedule_from_options(every, cron, at, watch, now)
    if when:
        ensure_read_only(when, paths.workspace, Path(env.get("HOME") or Path.home()))
    if schedule.kind in ("every", "cron", "at") and not watch:
        from wakeful.fleet.settings import FleetSettings

        fleet = FleetSettings.from_config(cfg, env)
        if fleet.enabled and isolation == "worktree":
            raise JobSpecError(
                "--isolation worktree is for the local daemon; [fleet] temporal jobs run "
                "without it (drop --isolation, or add the job with [fleet] off)"
            )
        if fleet.enabled:  # [fleet] temporal: the job becomes a Temporal Schedule
            from wakeful.cli.fleet_cmd import add_fleet_job

            add_fleet_job(
                paths,
                cfg,
                fleet,
                name,
                prompt,
                schedule,
                when,
                model,
                permission_mode,
                missed,
                retries,
                replace,
                as_json,
                clone_url=clone_url,
                clone_ref=clone_ref,
            )
            return
    if clone_url or clone_ref:
        raise JobSpecError(
            "--clone-url and --clone-ref are for fleet jobs on a clock; set [fleet] temporal "
            "(local and --watch jobs run in this checkout)"
        )
    job = Job(
        name=name,
        schedule=schedule,
        prompt=prompt,
        when_check=when,
        watch=watch,
        model=model,
        permission_mode=permission_mode,
        isolation=isolation if isolation != "none" else None,
        missed="once" if missed == "once" else "skip",
        retries=retries,
        next_due=schedule.first_due(now),
    )
    store = _store(paths)
    try:
        store.add_job(job, replace=replace)
    finally:
        store.close()
    poke(DaemonFiles(paths.project))
    if as_json:
        _print_json(job.to_dict())
        return
    due = f"; first run {_clock(job.next_due)}" if job.next_due else ""
    typer.echo(f"added job {name}: {schedule.describe()}{due}")


def _fleet_for(cfg: Any, env: dict[str, str]) -> Any:
    """The fleet settings when `[fleet] temporal` is set, else None."""
    from wakeful.fleet.settings import FleetSettings

    fleet = FleetSettings.from_config(cfg, env)
    return fleet if fleet.enabled else None


@schedule_app.command("list")
def schedule_list(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """List jobs with their schedule, status, next due time and last run (local daemon jobs,
    and this repository's fleet jobs when [fleet] temporal is set)."""
    paths, cfg, env = _context()
    store = _store(paths)
    try:
        rows = [{**_job_summary(store, j), "where": "local"} for j in store.jobs()]
    finally:
        store.close()
    fleet = _fleet_for(cfg, env)
    if fleet is not None:
        from wakeful.cli.fleet_cmd import fleet_job_rows

        try:
            rows += fleet_job_rows(paths, cfg, fleet)
        except WakefulError as exc:  # Temporal down: still show the local jobs
            typer.echo(f"warning: fleet jobs not listed: {exc}", err=True)
    if as_json:
        _print_json(rows)
        return
    if not rows:
        typer.echo("no jobs; add one with `wakeful schedule add NAME --every 1h --prompt ...`")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False)
    for col in ("name", "schedule", "status", "next", "last run", "when / watch"):
        table.add_column(col)
    for row in rows:
        last = row["last_run"]
        last_text = f"{last['state']} {_clock(last['started'])}" if last else "-"
        cond = " ".join(
            x
            for x in (
                row.get("when_check") and f"when: {row['when_check']}",
                row.get("watch") and f"watch: {row['watch']}",
                row.get("isolation") and f"isolation: {row['isolation']}",
            )
            if x
        )
        table.add_row(
            row["name"] + (" (fleet)" if row.get("where") == "fleet" else ""),
            row["schedule"] if isinstance(row["schedule"], str) else str(row["schedule"]),
            row["status"],
            _clock(row["next_due"]),
            last_text,
            cond or "-",
        )
    Console().print(table)


def _job_summary(store: Any, job: Any) -> dict[str, Any]:
    data = job.to_dict()
    last = store.last_run(job.name)
    data["last_run"] = (
        {k: getattr(last, k) for k in ("id", "state", "started", "finished", "cost", "trigger")}
        if last
        else None
    )
    return data


def _fleet_job(name: str) -> tuple[Any, Any, Any] | None:
    """(paths, config, fleet) when NAME is not a local job and a fleet is configured: then
    `schedule rm|pause|resume NAME` act on the repository's fleet job of that name."""
    from wakeful.daemon.errors import JobNotFound

    paths, cfg, env = _context()
    store = _store(paths)
    try:
        store.get_job(name)
        return None
    except JobNotFound:
        fleet = _fleet_for(cfg, env)
        if fleet is None:
            raise
        return paths, cfg, fleet
    finally:
        store.close()


def _set(name: str, verb: str, **fields: Any) -> None:
    from wakeful.daemon.process import DaemonFiles, poke

    fleet_job = _fleet_job(name)
    if fleet_job is not None:
        from wakeful.cli.fleet_cmd import change_fleet_job

        change_fleet_job(*fleet_job, name, verb)
        typer.echo(f"{verb} fleet job {name}")
        return
    paths, _, _ = _context()
    store = _store(paths)
    try:
        if fields:
            store.update_job(name, **fields)
        else:
            store.remove_job(name)
    finally:
        store.close()
    poke(DaemonFiles(paths.project))
    typer.echo(f"{verb} job {name}")


@schedule_app.command("rm")
def schedule_rm(name: str = typer.Argument(...)) -> None:
    """Remove a job (its past runs stay in the journal)."""
    _set(name, "removed")


@schedule_app.command("pause")
def schedule_pause(name: str = typer.Argument(...)) -> None:
    """Stop a job from waking until resumed."""
    _set(name, "paused", paused=True)


@schedule_app.command("resume")
def schedule_resume(name: str = typer.Argument(...)) -> None:
    """Resume a paused job; a missed run while paused is not caught up."""
    from wakeful.daemon.store import JobStore

    if _fleet_job(name) is not None:
        _set(name, "resumed", paused=False)
        return
    paths, _, _ = _context()
    store: JobStore = _store(paths)
    try:
        job = store.get_job(name)
        now = time.time()
        fields: dict[str, Any] = {"paused": False}
        if job.next_due is not None and job.next_due < now:
            fields["next_due"] = job.schedule.next_due(job.next_due, now)
    finally:
        store.close()
    _set(name, "resumed", **fields)


@schedule_app.command("run")
def schedule_run(
    name: str = typer.Argument(...),
    wait: bool = typer.Option(
        False, "--wait", help="With a daemon running: wait until the run finishes."
    ),
    timeout: float = typer.Option(600.0, "--timeout", help="Seconds to --wait at most."),
    as_json: bool = typer.Option(False, "--json", help="Print the run as JSON."),
) -> None:
    """Run a job now: the daemon runs it if one is up, otherwise this command does."""
    import asyncio

    from wakeful.core.errors import WakefulError
    from wakeful.daemon.loop import Daemon
    from wakeful.daemon.process import DaemonFiles, poke, running_pid

    paths, cfg, env = _context()
    files = DaemonFiles(paths.project)
    store = _store(paths)
    try:
        store.get_job(name)
        if running_pid(files) is not None:
            last = store.last_run(name)
            since = last.id if last else 0
            store.update_job(name, run_requested=True)
            poke(files)
            if not wait:
                typer.echo(f"asked the daemon to run {name} now; see `wakeful daemon logs`")
                return
            run = _wait_for_run(store, name, since, timeout)
        else:
            daemon = Daemon(
                paths,
                _settings(cfg),
                env=env,
                home=Path(env.get("HOME") or Path.home()),
                hooks=_notification_hooks(paths, cfg),
            )
            try:
                run = asyncio.run(daemon.run_now(name))
            finally:
                daemon.store.close()
            if run is None:
                raise WakefulError(f"job {name} is already running; not starting it twice")
    finally:
        store.close()
    if as_json:
        _print_json(run.to_dict())
    else:
        typer.echo(f"job {name}: run {run.id} {run.state} (${run.cost:.4f}, {run.tokens} tokens)")
        if run.result or run.error:
            typer.echo((run.result or run.error or "").strip())
    if run.state != "ok":
        # SystemExit, not typer.Exit: the entry point runs click in non-standalone mode,
        # which turns typer.Exit into a return value and loses the code.
        raise SystemExit(1)


def _wait_for_run(store: Any, name: str, since: int, timeout: float) -> Any:
    from wakeful.core.errors import WakefulError

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for run in store.runs(name, limit=5):
            if run.id > since and run.state != "running":
                return run
        time.sleep(0.1)
    raise WakefulError(f"job {name} did not finish within {timeout:g}s; it may still be running")
