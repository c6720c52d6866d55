"""`wakeful checkpoints` and `wakeful rewind`: list the runs' checkpoints, undo them."""

from __future__ import annotations

import sys

import typer


def checkpoints(
    as_json: bool = typer.Option(False, "--json", help="One JSON array."),
    prune: bool = typer.Option(
        False, "--prune", help="Drop checkpoints past [checkpoints] keep and max_age_days."
    ),
    reviewed: list[str] = typer.Option(
        [],
        "--reviewed",
        help="Mark a daemon run's checkpoint reviewed (repeatable; `all`), so it may be pruned.",
    ),
    unreviewed: bool = typer.Option(
        False, "--unreviewed", help="List only daemon runs' checkpoints not reviewed yet."
    ),
) -> None:
    """List this workspace's checkpoints, newest first: one per run that changed files.
    A daemon run's checkpoint is never pruned until it is reviewed: rewound, or marked with
    --reviewed."""
    import json
    from datetime import datetime

    from wakeful.checkpoints import CheckpointStore
    from wakeful.cli.common import load

    paths, config = load()
    store = CheckpointStore.for_workspace(paths.workspace, config)
    if prune:
        dropped = store.prune()
        if as_json:
            print(json.dumps({"pruned": dropped}))
        else:
            print(
                f"pruned {len(dropped)} checkpoint(s)"
                + (f": {', '.join(dropped)}" if dropped else "")
            )
        return
    if reviewed:
        marked = store.mark_reviewed(reviewed)
        if as_json:
            print(json.dumps({"reviewed": marked}))
        else:
            print(f"marked {len(marked)} checkpoint(s) reviewed: {', '.join(marked) or '-'}")
        return
    items = list(reversed(store.unreviewed() if unreviewed else store.all()))
    if as_json:
        print(json.dumps([c.to_dict() for c in items]))
        return
    if not items:
        print("no checkpoints yet (one is made before a run's first change)")
        return
    for cp in items:
        when = datetime.fromtimestamp(cp.started).strftime("%Y-%m-%d %H:%M:%S")
        state = f"{cp.changed_count} file(s) changed" if cp.finished else "unfinished"
        shown = ", ".join(cp.changed[:3]) + (" ..." if cp.changed_count > 3 else "")
        agents = ",".join(cp.agents)
        print(
            f"{cp.id:>4}  {when}  {cp.kind:<6}  {cp.run}  [{agents}]  {state}"
            + (f": {shown}" if shown else "")
        )
        if cp.attribution():
            print(f"      {cp.attribution()}")
    nested = store.nested_repositories()
    if nested and not unreviewed:
        shown = ", ".join(f"{n}/" for n in nested[:5]) + (" ..." if len(nested) > 5 else "")
        print(
            f"not in any checkpoint (rewind cannot restore them): nested git repositories {shown}"
        )


def rewind(
    checkpoint: str | None = typer.Argument(
        None, help="Checkpoint ID (default: the most recent, i.e. before the last run)."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would change; change nothing."
    ),
    force: bool = typer.Option(
        False, "--force", help="Rewind even over changes made since wakeful last saw the files."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the plan and result as JSON."),
) -> None:
    """Restore the files as they were before checkpoint ID's run (contents, deletions, new
    files removed, executable bits). The rewind is itself checkpointed, so it can be undone."""
    import json

    from wakeful.checkpoints import CheckpointStore
    from wakeful.cli.common import load
    from wakeful.core.errors import UsageError

    paths, config = load()
    store = CheckpointStore.for_workspace(paths.workspace, config)
    plan = store.plan(checkpoint)
    changes = [{"action": c.action, "path": c.path} for c in plan.changes]
    target = plan.target
    if dry_run or not plan.changes:
        if as_json:
            print(
                json.dumps(
                    {
                        "checkpoint": target.id,
                        "dry_run": True,
                        "changes": changes,
                        "changed_since": plan.lost,
                    }
                )
            )
            return
        if not plan.changes:
            print(f"nothing to do: the files are as they were before checkpoint {target.id}")
            return
        print(f"rewinding to before checkpoint {target.id} ({target.run}) would:")
        for c in plan.changes:
            print(f"  {c.action:<8} {c.path}")
        if plan.lost:
            print(f"changed since wakeful last saw them (needs --force): {', '.join(plan.lost)}")
        return
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(
                f"rewinding changes {len(plan.changes)} file(s); pass --yes to confirm "
                "(or --dry-run to see them)"
            )
        for c in plan.changes:
            print(f"  {c.action:<8} {c.path}")
        if not typer.confirm(f"Rewind to before checkpoint {target.id}?", default=False):
            print("not rewound")
            raise typer.Exit(1)
    _, undo = store.rewind(target.id, force=force)
    if as_json:
        print(
            json.dumps(
                {"checkpoint": target.id, "changes": changes, "undo": undo.id if undo else None}
            )
        )
        return
    print(f"restored {len(plan.changes)} file(s) to before checkpoint {target.id}")
    if undo is not None:
        print(f"undo this rewind with: wakeful rewind {undo.id}")


def register(app: typer.Typer) -> None:
    app.command("checkpoints")(checkpoints)
    app.command("rewind")(rewind)
