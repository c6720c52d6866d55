"""`wakeful memory ...`: add, list, show, verify, recall, forget, rebuild.

Imports only typer and the standard library at load time; the memory library is imported
inside each command so `wakeful --help` stays fast. Dreaming adds its verbs (`wakeful
dream`, `wakeful memory restore`) in the marked section at the end of this file.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from typing import Any

import typer

memory_app = typer.Typer(
    help="Skeptical memory: anchored notes, re-verified against the workspace when recalled.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(memory_app, name="memory")
    _register_dream(app)


# -- shared plumbing -----------------------------------------------------------------------


@contextlib.contextmanager
def _service() -> Iterator[Any]:
    """The memory service; notices it gathered (dropped hand edits) go to stderr at the end."""
    from wakeful.cli.common import load
    from wakeful.memory import MemoryService

    paths, config = load()
    mem = MemoryService.open(paths, config)
    try:
        mem.recover_lost_store()  # a lost store comes back from the files, with a notice
        yield mem
    finally:
        for notice in mem.take_notices():
            sys.stderr.write(f"wakeful: {notice}\n")
        mem.close()


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _row(record: Any, verification: Any, now: float) -> dict[str, Any]:
    from wakeful.memory.types import format_age

    data = record.to_dict()
    data["verdict"] = verification.verdict
    data["detail"] = verification.detail
    data["age"] = format_age(now - record.created)
    return data


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


_VERDICT_STYLE = {
    "fresh": "green",
    "moved": "cyan",
    "drifted": "yellow",
    "orphaned": "red",
    "unanchored": "dim",
}


def _table(rows: list[dict[str, Any]], title: str | None = None) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, show_lines=False, expand=False)
    table.add_column("id", no_wrap=True)
    table.add_column("type", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    table.add_column("age", no_wrap=True)
    table.add_column("text")
    table.add_column("anchors")
    for row in rows:
        verdict = row["verdict"]
        style = _VERDICT_STYLE.get(verdict, "")
        spans = ", ".join(_span(a) for a in row["anchors"])
        text = row["text"] if not row.get("detail") else f"{row['text']} ({row['detail']})"
        table.add_row(
            row["id"],
            row["type"],
            f"[{style}]{verdict}[/]" if style else verdict,
            row["age"],
            escape(text),
            escape(spans),
        )
    _console().print(table)


def _span(anchor: dict[str, Any]) -> str:
    start, end = anchor["start_line"], anchor["end_line"]
    where = f"{anchor['path']}:{start}" if start == end else f"{anchor['path']}:{start}-{end}"
    return f"{where} ({anchor['symbol']})" if anchor.get("symbol") else where


# -- verbs ---------------------------------------------------------------------------------


@memory_app.command("add")
def add(
    text: str = typer.Argument(..., help="The memory, a sentence or two."),
    anchor: list[str] = typer.Option(
        [], "--anchor", "-a", help="FILE or FILE:START-END the memory is about (repeatable)."
    ),
    type_: str = typer.Option(
        "project", "--type", "-t", help="user, feedback, project or reference."
    ),
    scope: str = typer.Option(
        "", "--scope", help="project or user (default: user for type user, else project)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the stored record as JSON."),
) -> None:
    """Remember TEXT, anchored to code with --anchor; prints the new id."""
    from wakeful.core.errors import UsageError

    if scope not in ("", "project", "user"):
        raise UsageError(f"unknown scope {scope!r}; use project or user")
    with _service() as mem:
        record = mem.add(text, type_, anchor, session="cli", scope=scope or None)
    if as_json:
        _print_json(record.to_dict())
    else:
        sys.stdout.write(record.id + "\n")


@memory_app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
    all_: bool = typer.Option(False, "--all", help="Include archived and superseded memories."),
    type_: str = typer.Option("", "--type", "-t", help="Only memories of this type."),
) -> None:
    """Every active memory with its verdict, checked against the workspace now."""
    with _service() as mem:
        now = mem.clock()
        records = mem.list(status=None if all_ else "active")
        if type_:
            records = [r for r in records if r.type == type_]
        active = [r for r in records if r.status == "active"]
        verified = {r.id: (r, v) for r, v in mem.verify(active)}
        rows = []
        for r in records:
            if r.id in verified:
                rec, v = verified[r.id]
                rows.append(_row(rec, v, now))
            else:
                from wakeful.memory.types import Verification

                rows.append(_row(r, Verification(r.verdict or "unanchored"), now))
    if as_json:
        _print_json(rows)
    elif not rows:
        sys.stdout.write(
            "No memories yet. Add one with: wakeful memory add TEXT --anchor FILE:A-B\n"
        )
    else:
        _table(rows)


@memory_app.command("show")
def show(
    memory_id: str = typer.Argument(..., metavar="ID", help="Memory id (or a unique prefix)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """One memory in full: text, anchors, verdict, history."""
    with _service() as mem:
        now = mem.clock()
        record = mem.get(memory_id)
        if record.status == "active":
            record, verification = mem.verify([record])[0]
        else:
            from wakeful.memory.types import Verification

            verification = Verification(record.verdict or "unanchored")
        row = _row(record, verification, now)
    if as_json:
        _print_json(row)
        return
    from datetime import datetime

    def when(t: float | None) -> str:
        return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M:%S") if t else "-"

    out = [
        f"id:            {row['id']}",
        f"type:          {row['type']} ({row['scope']} scope)",
        f"status:        {row['status']}",
        f"verdict:       {row['verdict']}" + (f" ({row['detail']})" if row["detail"] else ""),
        f"created:       {when(row['created'])} ({row['age']} ago)",
        f"last verified: {when(row['last_verified'])}",
        f"session:       {row['source_session'] or '-'}",
    ]
    if row["supersedes"]:
        out.append(f"supersedes:    {', '.join(row['supersedes'])}")
    for a in row["anchors"]:
        commit = f" @ {a['commit'][:10]}" if a.get("commit") else ""
        out.append(f"anchor:        {_span(a)} sha256 {a['sha256'][:16]}{commit}")
    out += ["", row["text"]]
    sys.stdout.write("\n".join(out) + "\n")


@memory_app.command("verify")
def verify(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """Check every active memory against this checkout; moved anchors are kept for it."""
    with _service() as mem:
        now = mem.clock()
        rows = [_row(r, v, now) for r, v in mem.verify()]
        mem.sync_files()
    if as_json:
        _print_json(rows)
        return
    if not rows:
        sys.stdout.write("No memories to verify.\n")
        return
    _table(rows)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["verdict"]] = counts.get(row["verdict"], 0) + 1
    summary = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    sys.stdout.write(f"{len(rows)} memories: {summary}\n")


@memory_app.command("recall")
def recall(
    query: str = typer.Argument(..., help="What to look for."),
    limit: int = typer.Option(5, "--limit", "-n", min=1, max=100, help="At most this many."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
) -> None:
    """The memories most relevant to QUERY, verified, as the agent would see them."""
    with _service() as mem:
        hints = mem.recall(query, limit=limit)
        rows = [h.to_dict() for h in hints]
    if as_json:
        _print_json(rows)
        return
    if not rows:
        sys.stdout.write("No memories match.\n")
        return
    for hint, row in zip(hints, rows, strict=True):
        sys.stdout.write(f"{row['id']}  {hint.render()}\n")


@memory_app.command("forget")
def forget(
    memory_id: str = typer.Argument(..., metavar="ID", help="Memory id (or a unique prefix)."),
    purge: bool = typer.Option(False, "--purge", help="Delete outright instead of archiving."),
) -> None:
    """Archive a memory (it stops being recalled; restorable), or delete it with --purge."""
    with _service() as mem:
        record = mem.forget(memory_id, purge=purge)
    verb = "deleted" if purge else "archived"
    sys.stdout.write(f"{verb} {record.id}\n")


@memory_app.command("rebuild")
def rebuild() -> None:
    """Rebuild the search indexes and MEMORY.md with its topic files from the stores."""
    with _service() as mem:
        mem.rebuild()
        count = len(mem.list())
    sys.stdout.write(f"rebuilt the memory indexes and files ({count} active memories)\n")


@memory_app.command("migrate")
def migrate() -> None:
    """Create or upgrade the memory database's tables ([memory] backend = "postgres")."""
    from wakeful.cli.common import load
    from wakeful.memory.factory import MemorySettings, open_stores

    paths, config = load()
    settings = MemorySettings.from_config(config)
    if settings.backend == "postgres":
        from wakeful.memory.store_pg import migrate as migrate_pg
        from wakeful.memory.store_pg import redact

        report = migrate_pg(settings.dsn)
        done = ", ".join(str(v) for v in report.applied) or "none needed"
        sys.stdout.write(
            f"memory database {redact(settings.dsn)}: schema version {report.before} -> "
            f"{report.after} (migrations applied: {done})\n"
        )
        return
    paths.ensure()
    from wakeful.memory.store import SqliteMemoryStore

    project, user = open_stores(paths, config)  # SQLite stores migrate when they are opened
    for store in (project, user):
        if isinstance(store, SqliteMemoryStore):
            step = store.migration
            done = ", ".join(str(v) for v in step.applied) or "none needed"
            sys.stdout.write(
                f"memory store {store.path}: SQLite, schema version {step.before} -> "
                f"{step.after} (migrations applied: {done})\n"
            )
        if store is not None:
            store.close()


# -- dreaming ------------------------------------------------------------------------------
# The dreaming verbs (`wakeful dream`, `wakeful memory restore ID`) are defined here, on top
# of wakeful.memory.dream; register them from _register_dream so `register` stays the one
# entry point cli/main.py calls.


def _register_dream(app: typer.Typer) -> None:
    """Add the dreaming verbs to `app` and `memory_app`."""
    app.command("dream")(dream)
    memory_app.command("restore")(restore)


def dream(
    force: bool = typer.Option(
        False, "--force", help="Skip the time and session gates (never the lock)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    model: str = typer.Option(
        None, "--model", help="Model for merging what rules cannot (PROVIDER:NAME)."
    ),
    no_model: bool = typer.Option(False, "--no-model", help="Deterministic consolidation only."),
) -> None:
    """Consolidate memory: orient, gather, consolidate, prune. Skips (exit 0) when gated."""
    from wakeful.agents.dream_judge import judge_pairs
    from wakeful.cli.common import load
    from wakeful.memory.dream import DreamOptions, run_dream

    paths, config = load()
    if model is None and not no_model and not (config.settings.dream.model or config.model):
        from wakeful.loop.session import latest_session_model

        model = latest_session_model(paths.sessions)  # the model this workspace last used
    options = DreamOptions(force=force, model=model, use_model=not no_model, judge=judge_pairs)
    report = run_dream(paths, config, options)
    if as_json:
        _print_json(report.to_dict())
        return
    _print_dream(report)


def _print_dream(report: Any) -> None:
    console = _console()
    if report.skipped is not None:
        console.print(f"dream skipped: {report.skipped}")
        return
    head = "dream finished" + (
        f" (resumed after an interrupted dream in {report.resumed_from})"
        if report.resumed_from
        else ""
    )
    console.print(f"[bold]{head}[/bold] in {report.seconds:.2f}s")
    for phase in report.phases:
        facts = ", ".join(f"{k} {v}" for k, v in _flatten(phase.details) if v not in (0, {}, []))
        console.print(f"  {phase.name:<12} {phase.seconds:7.3f}s  {facts or 'nothing to do'}")
    counts = ", ".join(f"{k} {v}" for k, v in report.counts.items())
    console.print(f"  counts: {counts}")
    model = report.model
    if model.get("used"):
        console.print(
            f"  model: {model.get('model') or ''} {model['calls']} call(s), tokens {model['tokens']}"
        )
        if model.get("note"):
            console.print(f"  model: {model['note']}")
    elif model.get("note"):
        console.print(f"  model: {model['note']}")
    for item in report.flagged:
        console.print(
            f"  [yellow]long drifted[/yellow] {item['id']} ({item['drifted_days']} days): {item['text']}"
        )


def _flatten(data: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out += _flatten(value, name + ".")
        elif not isinstance(value, list):
            out.append((name, value))
    return out


def restore(
    memory_id: str = typer.Argument(
        ..., metavar="ID", help="Archived memory id (or a unique prefix)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the restored record as JSON."),
) -> None:
    """Bring back a memory that dreaming merged away or pruned (or that was forgotten)."""
    from wakeful.cli.common import load
    from wakeful.memory.archive import Archive
    from wakeful.memory.archive import restore as restore_memory
    from wakeful.memory.factory import open_project_store

    paths, config = load()
    paths.ensure()
    store = open_project_store(paths, config)
    try:
        archive = Archive(paths.memory_dir)
        result = _restore_any(paths, config, store, archive, memory_id, restore_memory)
    finally:
        store.close()
    from wakeful.memory import MemoryService

    with MemoryService.open(paths, config) as mem:
        mem.sync_files()
    if as_json:
        _print_json({"restored": result.record.to_dict(), "was": result.was})
        return
    sys.stdout.write(f"restored {result.record.id} (was {result.was}): {result.record.text[:80]}\n")


def _restore_any(
    paths: Any, config: Any, store: Any, archive: Any, memory_id: str, restore_memory: Any
) -> Any:
    """Restore from the project store, else from the user store when the id lives there."""
    from wakeful.memory.types import MemoryNotFound

    try:
        return restore_memory(store, archive, memory_id)
    except MemoryNotFound:
        if not paths.user_memory_db.exists():
            raise
    from wakeful.memory.factory import open_user_store

    user = open_user_store(paths, config, create=False)
    if user is None:
        raise
    try:
        return restore_memory(user, archive, memory_id)
    finally:
        user.close()
