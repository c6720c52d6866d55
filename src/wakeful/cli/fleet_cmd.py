"""`wakeful worker`, `wakeful fleet status`, `wakeful fleet dev`, and `schedule add` on
Temporal when `[fleet] temporal` is set. Imports only typer at load time."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import typer

fleet_app = typer.Typer(
    help="Past one machine: scheduled jobs on Temporal workers, team memory in PostgreSQL.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(fleet_app, name="fleet")
    app.command("worker")(worker)


def _load() -> tuple[Any, Any, dict[str, str]]:
    from wakeful.cli.common import load

    paths, config = load()
    return paths, config, dict(os.environ)


def _fleet(config: Any, env: dict[str, str]) -> Any:
    from wakeful.fleet.settings import FleetSettings

    return FleetSettings.from_config(config, env).require()


def _repository(paths: Any, config: Any) -> str:
    from wakeful.memory.factory import MemorySettings, project_key

    return MemorySettings.from_config(config).project or project_key(paths.workspace)


def _run(make: Any) -> Any:
    """Run `make(runtime)`: one Temporal operation with a runtime dropped before exit."""
    from wakeful.fleet.client import run_with_runtime

    return run_with_runtime(make)


def add_fleet_job(
    paths: Any,
    config: Any,
    fleet: Any,
    name: str,
    prompt: str,
    schedule: Any,
    when: str | None,
    model: str | None,
    permission_mode: str | None,
    missed: str,
    retries: int,
    replace: bool,
    as_json: bool,
    clone_url: str | None = None,
    clone_ref: str | None = None,
) -> None:
    """`schedule add` with [fleet] temporal set: create a Temporal Schedule for the job."""
    from wakeful.fleet.client import add_schedule
    from wakeful.fleet.workflows import JobInput

    url, ref = clone_source(paths.workspace, clone_url, clone_ref)

    job = JobInput(
        repository=_repository(paths, config),
        job=name,
        prompt=prompt,
        when_check=when,
        model=model,
        permission_mode=permission_mode,
        retries=retries,
        check_timeout=config.settings.daemon.check_timeout,
        max_wall_seconds=config.settings.max_wall_seconds,
        heartbeat_seconds=fleet.heartbeat_seconds,
        clone_url=url,
        clone_ref=ref,
    )
    every = float(schedule.spec) if schedule.kind == "every" else None
    cron = schedule.spec if schedule.kind == "cron" else None
    at = float(schedule.spec) if schedule.kind == "at" else None
    sid = _run(
        lambda rt: add_schedule(
            fleet,
            job,
            every=every,
            cron=cron,
            at=at,
            missed=missed,
            replace=replace,
            runtime=rt,
        )
    )
    if as_json:
        sys.stdout.write(json.dumps({"schedule_id": sid, "job": job.__dict__}) + "\n")
        return
    typer.echo(f"added fleet job {name}: {schedule.describe()} (Temporal schedule {sid})")


def clone_source(
    workspace: Path, clone_url: str | None, clone_ref: str | None
) -> tuple[str | None, str | None]:
    """Where workers without a checkout clone this repository from, and what they check out:
    `--clone-url` (vetted here and again by each worker), else the origin remote without
    credentials; `--clone-ref`, else the current branch, else the current commit."""
    import subprocess

    from wakeful.core.errors import UsageError
    from wakeful.fleet.clone import CloneRefused, public_url, vet_clone_url, vet_ref

    def git(*args: str) -> str:
        out = subprocess.run(
            ["git", *args], cwd=workspace, capture_output=True, text=True, timeout=10
        )
        return out.stdout.strip() if out.returncode == 0 else ""

    try:
        ref = vet_ref(clone_ref)
    except CloneRefused as exc:
        raise UsageError(f"--clone-ref: {exc}") from None
    if clone_url is not None:
        try:  # file:// is accepted here; each worker decides whether it clones from one
            url: str | None = vet_clone_url(clone_url, allow_file=True)
        except CloneRefused as exc:
            raise UsageError(f"--clone-url: {exc}") from None
    else:
        origin = git("config", "--get", "remote.origin.url")
        url = None
        if origin:
            try:
                url = vet_clone_url(public_url(origin), allow_file=True)
            except CloneRefused as exc:
                sys.stderr.write(
                    f"note: workers without a checkout cannot clone this repository: {exc}; "
                    "pass --clone-url URL\n"
                )
    if ref is None and url is not None:
        branch = git("symbolic-ref", "--short", "-q", "HEAD")
        try:
            ref = vet_ref(branch or git("rev-parse", "HEAD") or None)
        except CloneRefused:
            ref = None  # an unusual branch name: clones take the remote's default branch
    return url, ref


def fleet_job_rows(paths: Any, config: Any, fleet: Any) -> list[dict[str, Any]]:
    """`schedule list` rows for this repository's fleet jobs."""
    from wakeful.fleet.client import list_jobs

    repository = _repository(paths, config)
    return list(_run(lambda rt: list_jobs(fleet, repository, runtime=rt)))


def change_fleet_job(paths: Any, config: Any, fleet: Any, name: str, verb: str) -> None:
    """`schedule rm|pause|resume NAME` for a fleet job: the Temporal schedule itself."""
    from wakeful.fleet.client import remove_schedule, set_paused

    repository = _repository(paths, config)
    if verb == "removed":
        _run(lambda rt: remove_schedule(fleet, repository, name, runtime=rt))
    else:
        paused = verb == "paused"
        _run(lambda rt: set_paused(fleet, repository, name, paused, runtime=rt))


def worker(
    repo: list[Path] = typer.Option(
        [], "--repo", help="A checkout this worker serves (repeatable); default: this one."
    ),
    concurrency: int = typer.Option(4, "--concurrency", min=1, help="Runs at once, at most."),
    repos_dir: Path | None = typer.Option(
        None,
        "--repos-dir",
        help="Clone repositories this worker has no checkout of into DIR (untrusted); "
        "default: [fleet] repos_dir. With it, --repo has no default.",
    ),
    allow_file_clones: bool = typer.Option(
        False, "--allow-file-clones", help="Accept file:// clone URLs (local teams, tests)."
    ),
) -> None:
    """Run a fleet worker: it runs due jobs of the checkouts it has (or clones), until Ctrl-C."""
    import asyncio
    import dataclasses
    import signal

    from wakeful.core.paths import Paths, find_workspace
    from wakeful.fleet.client import run_worker, worker_identity

    paths, config, env = _load()
    fleet = _fleet(config, env)
    if allow_file_clones:
        fleet = dataclasses.replace(fleet, allow_file_clones=True)
    clones = (
        repos_dir.resolve() if repos_dir else (Path(fleet.repos_dir) if fleet.repos_dir else None)
    )
    if clones is not None and clones.exists() and not clones.is_dir():
        from wakeful.core.errors import UsageError

        raise UsageError(f"--repos-dir {clones}: not a directory; give a folder for clones")
    repos: dict[str, Path] = {}
    for path in repo or ([] if clones is not None else [paths.workspace]):
        if not Path(path).is_dir():
            from wakeful.core.errors import UsageError

            raise UsageError(f"--repo {path}: no such directory; give a checkout's path")
        ws = find_workspace(path)
        from wakeful.core.config import load_config

        repos[
            _repository(
                Paths.for_workspace(ws, env), load_config(Paths.for_workspace(ws, env), env)
            )
        ] = ws
    identity = worker_identity()

    async def main(runtime: Any) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        names = ", ".join(f"{k} ({v})" for k, v in repos.items()) or "no checkouts"
        cloning = f"; cloning others into {clones}" if clones is not None else ""
        sys.stderr.write(
            f"wakeful worker {identity}: task queue {fleet.task_queue} on {fleet.temporal}; "
            f"serving {names}{cloning}\n"
        )
        await run_worker(
            fleet,
            repos,
            env,
            stop,
            max_concurrent=concurrency,
            identity=identity,
            runtime=runtime,
            repos_dir=clones,
        )

    _run(main)


@fleet_app.command("status")
def fleet_status(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="Recent runs to show."),
) -> None:
    """Workers polling the task queue, the fleet's schedules, and recent runs."""
    import time

    from wakeful.fleet.client import status

    _, config, env = _load()
    fleet = _fleet(config, env)
    report = _run(lambda rt: status(fleet, limit=limit, runtime=rt))
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict()) + "\n")
        return
    now = time.time()
    out = [f"Temporal {fleet.temporal}, namespace {fleet.namespace}, queue {fleet.task_queue}"]
    out.append(f"workers ({len(report.workers)}):")
    out += [f"  {w['identity']}  seen {now - w['seen']:.0f}s ago" for w in report.workers]
    out.append(f"schedules ({len(report.schedules)}):")
    for s in report.schedules:
        nxt = f"next in {s['next'][0] - now:.0f}s" if s["next"] else "no next run"
        out.append(f"  {s['id']}  {'paused' if s['paused'] else nxt}")
    out.append(f"recent runs ({len(report.runs)}):")
    out += [f"  {r['id']}  {r['status']}" for r in report.runs]
    sys.stdout.write("\n".join(out) + "\n")


@fleet_app.command("rm")
def fleet_rm(name: str = typer.Argument(..., help="Job name, as given to `schedule add`.")) -> None:
    """Remove this repository's fleet job (its Temporal schedule); past runs stay recorded."""
    from wakeful.fleet.client import remove_schedule

    paths, config, env = _load()
    fleet = _fleet(config, env)
    repository = _repository(paths, config)
    _run(lambda rt: remove_schedule(fleet, repository, name, runtime=rt))
    typer.echo(f"removed fleet job {name} ({repository})")


@fleet_app.command("dev")
def fleet_dev(
    port: int = typer.Option(7233, "--port", help="Temporal frontend port (0: any free)."),
    pg_port: int = typer.Option(0, "--pg-port", help="PostgreSQL port (0: any free)."),
) -> None:
    """Start a local Temporal dev server and PostgreSQL under .wakeful/fleet/, until Ctrl-C."""
    import signal
    import threading

    from wakeful.fleet.servers import LocalPostgres, LocalTemporal
    from wakeful.memory.store_pg import migrate

    paths, _config, _env = _load()
    paths.ensure()
    root = paths.project / "fleet"
    pg = LocalPostgres(root / "postgres", port=pg_port).start()
    try:
        dsn = pg.dsn("wakeful")
        from wakeful.memory.store_pg import connect

        conn = connect(pg.dsn())
        try:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'wakeful'").fetchone():
                conn.execute('CREATE DATABASE "wakeful"')
        finally:
            conn.close()
        migrate(dsn)
        temporal = LocalTemporal(root / "temporal", port=port).start()
    except BaseException:
        pg.stop()
        raise
    sys.stdout.write(
        "fleet dev servers are up; add this to your config (~/.config/wakeful/config.toml):\n\n"
        f'[fleet]\ntemporal = "{temporal.address}"\n\n'
        f'[memory]\nbackend = "postgres"\ndsn = "{dsn}"\n\n'
        "then `wakeful worker` in each checkout and `wakeful schedule add ...`. Ctrl-C stops.\n"
    )
    sys.stdout.flush()
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    try:
        while not done.wait(1.0):
            if temporal.proc is not None and temporal.proc.poll() is not None:
                sys.stderr.write("wakeful: the Temporal dev server exited; see its log\n")
                break
    finally:
        temporal.stop()
        pg.stop()
