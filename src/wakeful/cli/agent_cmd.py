"""The default command (REPL, or headless with -p), `sessions` and `cost`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from wakeful.agents.runtime import RunOptions
    from wakeful.core.config import Config
    from wakeful.core.events import LoopEvent
    from wakeful.core.paths import Paths


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    stream_json = "stream-json"


class Mode(StrEnum):
    default = "default"
    plan = "plan"
    auto = "auto"
    bypass = "bypass"


def _version(value: bool) -> None:
    if value:
        from wakeful import __version__

        typer.echo(f"wakeful {__version__}")
        raise typer.Exit()


def main(
    ctx: typer.Context,
    prompt: str | None = typer.Option(
        None, "-p", "--print", help="Run PROMPT headless and print the result ('-' reads stdin)."
    ),
    output_format: OutputFormat = typer.Option(
        OutputFormat.text, "--output-format", help="Headless output: text, json or stream-json."
    ),
    model: str | None = typer.Option(
        None,
        "--model",
        "-m",
        help="PROVIDER:NAME: anthropic:..., openai:..., local[:NAME], scripted:FILE.",
    ),
    permission_mode: Mode | None = typer.Option(
        None, "--permission-mode", help="default, plan (read-only), auto, or bypass."
    ),
    continue_: bool = typer.Option(False, "--continue", "-c", help="Continue the latest session."),
    resume: str | None = typer.Option(None, "--resume", "-r", help="Resume session ID."),
    max_turns: int | None = typer.Option(
        None, "--max-turns", min=1, help="Model turns per prompt (at least 1)."
    ),
    sandbox: bool | None = typer.Option(
        None, "--sandbox/--no-sandbox", help="Run bash under bubblewrap."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
    run_label: str | None = typer.Option(
        None, "--run-label", hidden=True, help="Name of this run in its checkpoint (daemon jobs)."
    ),
    worktree: bool = typer.Option(
        False,
        "--worktree",
        help="Work in a git worktree on a branch of its own (wakeful/ID), not in your files; "
        "review it with `wakeful worktrees`.",
    ),
    job_name: str | None = typer.Option(
        None, "--job-name", hidden=True, help="The daemon job this run belongs to."
    ),
) -> None:
    """Start the interactive REPL, or run one prompt headless with -p."""
    if ctx.invoked_subcommand is not None:
        return
    from wakeful.agents.runtime import RunOptions
    from wakeful.cli.common import load

    paths, config = load()
    options = RunOptions(
        model=model,
        permission_mode=permission_mode.value if permission_mode else None,
        resume=resume,
        continue_last=continue_,
        sandbox=sandbox,
        max_turns=max_turns,
        worktree=worktree,
        run_label=run_label,
        job=job_name,
    )
    if prompt is None:
        from wakeful.cli.repl import run_repl

        run_repl(paths, config, options)
        return
    if prompt == "-":
        prompt = sys.stdin.read()
    if not prompt.strip():
        from wakeful.core.errors import UsageError

        raise UsageError("the prompt is empty: pass text to -p, or '-' to read it from stdin")
    _headless(paths, config, options, prompt, output_format, run_label)


def _headless(
    paths: Paths,
    config: Config,
    options: RunOptions,
    prompt: str,
    fmt: OutputFormat,
    label: str | None = None,
) -> None:
    import asyncio
    import json

    from wakeful.agents.headless import run_headless, stream_json_sink
    from wakeful.cli.signals import Terminated, cancel_on_signals, exit_now
    from wakeful.core.errors import WakefulError

    sink: Callable[[LoopEvent], None]
    if fmt is OutputFormat.stream_json:
        sink = stream_json_sink()
    else:  # text and json: stdout holds the result only; notices go to stderr

        def sink(event: LoopEvent) -> None:
            if event.kind == "notice" or (event.kind == "error" and fmt is OutputFormat.text):
                sys.stderr.write(f"wakeful: {event.data.get('message')}\n")

    try:
        result = asyncio.run(
            cancel_on_signals(
                run_headless(paths, config, options, prompt, on_event=sink, label=label)
            )
        )
    except WakefulError as exc:
        if fmt is not OutputFormat.text:
            print(
                json.dumps(
                    {
                        "type": "result",
                        "result": str(exc),
                        "is_error": True,
                        "num_turns": 0,
                        "session_id": None,
                        "usage": {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0},
                        "cost": 0.0,
                    }
                )
            )
        raise
    except KeyboardInterrupt:
        sys.stderr.write("wakeful: interrupted; the transcript is kept (resume with --continue)\n")
        exit_now(130)
    except Terminated as exc:
        sys.stderr.write(f"wakeful: {exc}; the transcript is kept (resume with --continue)\n")
        exit_now(exc.exit_code)
    if fmt is OutputFormat.text:
        print(result["result"] or "")
        wt = result.get("worktree")
        if wt:
            sys.stderr.write(
                f"wakeful: the work is on branch {wt['branch']} (worktree {wt['id']}); "
                f"review it with `git diff HEAD...{wt['branch']}`, then "
                f"`wakeful worktrees merge {wt['id']}` or `wakeful worktrees discard {wt['id']}`\n"
            )
        from wakeful.agents.headless import describe_denials

        for line in describe_denials(result.get("permission_denials") or []):
            sys.stderr.write(f"wakeful: {line}\n")
    else:
        print(json.dumps(result))
    if result["is_error"]:
        raise typer.Exit(1)


def sessions_list(json_out: bool = typer.Option(False, "--json", help="JSON output.")) -> None:
    """List this workspace's sessions, newest first."""
    import json
    from datetime import datetime

    from wakeful.cli.common import load
    from wakeful.loop.session import SessionStore

    paths, _ = load()
    sessions = SessionStore(paths.sessions).list()
    for s in sessions:
        if s.bad_lines:
            n = s.bad_lines
            sys.stderr.write(
                f"wakeful: session {s.id}: skipped {n} unreadable line{'s' if n != 1 else ''} "
                f"(`wakeful sessions show {s.id}` names them)\n"
            )
    if json_out:
        print(json.dumps([s.to_dict() for s in sessions]))
        return
    if not sessions:
        print("no sessions yet in this workspace")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table()
    # Ids are copied into --resume and `sessions show`: never wrap or elide them.
    table.add_column("id", no_wrap=True, min_width=len(sessions[0].id))
    table.add_column("updated", no_wrap=True)
    table.add_column("messages", justify="right")
    table.add_column("tokens", justify="right")
    table.add_column("title", overflow="ellipsis", no_wrap=True)
    for s in sessions:
        when = datetime.fromtimestamp(s.updated).strftime("%Y-%m-%d %H:%M")
        table.add_row(s.id, when, str(s.messages), str(s.usage.total), s.title)
    Console().print(table)


def sessions_show(
    session: str = typer.Argument(..., help="Session id (a unique prefix is enough)."),
    json_out: bool = typer.Option(False, "--json", help="The transcript's JSON lines."),
) -> None:
    """Print one session's conversation: prompts, answers, tool calls and results."""
    import json

    from wakeful.cli.common import load
    from wakeful.loop.session import SessionStore

    paths, _ = load()
    transcript = SessionStore(paths.sessions).open(session)
    read = transcript.read()
    records = read.records
    notice = read.notice(transcript.session_id)
    if notice:
        sys.stderr.write(f"wakeful: {notice}\n")
    if json_out:
        for record in records:
            print(json.dumps(record))
        return
    from rich.console import Console
    from rich.markup import escape

    console = Console(highlight=False)
    for record in records:
        kind = record.get("type")
        if kind in {"interrupted", "error"}:
            console.print(
                f"[yellow]({kind}{': ' + escape(str(record.get('message'))) if record.get('message') else ''})[/]"
            )
        if kind != "message":
            continue
        who = record["message"]["role"]
        agent = record.get("agent", "main")
        tag = who if agent == "main" else f"{who} [{agent}]"
        for block in record["message"]["content"]:
            if block["type"] == "text" and block["text"]:
                style = "bold cyan" if who == "user" else "bold"
                console.print(f"[{style}]{escape(tag)}:[/] {escape(block['text'])}")
            elif block["type"] == "tool_use":
                args = json.dumps(block["input"], ensure_ascii=False)
                console.print(f"  [cyan]● {escape(block['name'])}[/]({escape(args[:200])})")
            elif block["type"] == "tool_result":
                first = (block["content"].strip().splitlines() or [""])[0][:160]
                style = "red" if block.get("is_error") else "dim"
                console.print(f"  [{style}]⎿ {escape(first)}[/]")


def cost(
    session: str | None = typer.Argument(None, help="Session id (default: the latest)."),
    all_sessions: bool = typer.Option(False, "--all", help="Every session."),
    json_out: bool = typer.Option(False, "--json", help="JSON output."),
    team: bool = typer.Option(
        False,
        "--team",
        help="Every session of the project in the team database ([memory] backend = "
        '"postgres"): all people, checkouts and fleet workers.',
    ),
) -> None:
    """Tokens, cache hit ratio and cost, per agent, with any cache breaks explained."""
    import json

    from wakeful.cli.common import load
    from wakeful.loop.session import SessionStore
    from wakeful.prompt.ledger import read_costs

    paths, config = load()
    if team:
        from wakeful.core.errors import UsageError
        from wakeful.prompt.ledger_pg import team_cost_ledger

        shared = team_cost_ledger(paths, config)
        if shared is None:
            raise UsageError(
                '--team reads the team database: set [memory] backend = "postgres" and dsn'
            )
        try:
            rows = shared.costs(session)
        finally:
            shared.close()
    else:
        sid = session
        if sid is not None and not all_sessions:
            sid = SessionStore(paths.sessions).open(sid).session_id  # a unique prefix
        if sid is None and not all_sessions:
            latest = SessionStore(paths.sessions).latest()
            sid = latest.id if latest else None
        rows = read_costs(paths.state_db, sid) if (sid or all_sessions) else []
    if json_out:
        print(json.dumps([r.to_dict() for r in rows]))
        return
    if not rows:
        print("no model requests recorded yet")
        return
    from rich.console import Console
    from rich.table import Table

    from wakeful.core.usage import Usage

    table = Table(
        "session",
        "agent",
        "requests",
        "input",
        "output",
        "cache read",
        "cache write",
        "hit ratio",
        "cost $",
    )
    total = Usage()
    total_cost = 0.0
    for r in rows:
        u = r.usage
        total = total + u
        total_cost += r.cost
        table.add_row(
            r.session_id,
            r.agent,
            str(r.requests),
            str(u.input),
            str(u.output),
            str(u.cache_read),
            str(u.cache_write),
            f"{u.cache_hit_ratio:.1%}",
            f"{r.cost:.4f}",
        )
    table.add_row(
        "total",
        "",
        str(sum(r.requests for r in rows)),
        str(total.input),
        str(total.output),
        str(total.cache_read),
        str(total.cache_write),
        f"{total.cache_hit_ratio:.1%}",
        f"{total_cost:.4f}",
    )
    console = Console()
    console.print(table)
    for r in rows:
        for b in r.breaks:
            console.print(f"[yellow]cache break[/] ({r.agent}): {b}", highlight=False)


def register(app: typer.Typer) -> None:
    app.callback(invoke_without_command=True)(main)
    sessions = typer.Typer(help="Session transcripts.", no_args_is_help=True)
    sessions.command("list")(sessions_list)
    sessions.command("show")(sessions_show)
    app.add_typer(sessions, name="sessions")
    app.command("cost")(cost)
