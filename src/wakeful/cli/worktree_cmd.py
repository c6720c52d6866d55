"""`wakeful worktrees list|merge|discard|prune`: review the work of isolated runs."""

from __future__ import annotations

import sys

import typer


def _manager():  # type: ignore[no-untyped-def]
    from wakeful.checkpoints.worktrees import WorktreeManager
    from wakeful.cli.common import load

    paths, config = load()
    return paths, WorktreeManager.for_paths(paths, config)


def worktrees_list(as_json: bool = typer.Option(False, "--json", help="One JSON array.")) -> None:
    """List wakeful's worktrees, newest first: branch, base, state, commits ahead of your
    branch, and the run or daemon job that made each."""
    import json
    from datetime import datetime

    _, manager = _manager()
    items = [manager.status(w) for w in reversed(manager.all())]
    if as_json:
        print(json.dumps([s.to_dict() for s in items]))
        return
    if not items:
        print("no worktrees (runs with --worktree, or daemon jobs with --isolation worktree)")
        return
    for s in items:
        wt = s.worktree
        when = datetime.fromtimestamp(wt.created).strftime("%Y-%m-%d %H:%M")
        who = f"job {wt.job}" if wt.job else wt.run
        flags = [f for f, on in (("pruned", not s.exists), ("running", s.running)) if on]
        print(
            f"{wt.id}  {wt.branch}  base {wt.base[:10]}  {when}  {s.state}, "
            f"{s.ahead} ahead{''.join(', ' + f for f in flags)}  [{wt.kind}] {who}"
        )


def worktrees_merge(
    worktree: str = typer.Argument(..., help="Worktree ID (or its branch, or a unique prefix)."),
    squash: bool = typer.Option(False, "--squash", help="One commit instead of a merge commit."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Merge a worktree's branch into your current branch, then remove the worktree and its
    branch. Refuses, touching nothing, when your tree has uncommitted changes or the merge
    would conflict."""
    import json

    paths, manager = _manager()
    result = manager.merge(worktree, paths.workspace, squash=squash)
    if as_json:
        print(
            json.dumps(
                {
                    "id": result.id,
                    "branch": result.branch,
                    "commit": result.commit,
                    "squash": result.squash,
                    "files": result.files,
                }
            )
        )
        return
    how = "squashed into" if squash else "merged into"
    print(
        f"{result.branch} {how} your branch ({len(result.files)} file(s)) as "
        f"{result.commit[:10]}; worktree {result.id} removed"
    )


def worktrees_discard(
    worktree: str = typer.Argument(..., help="Worktree ID (or its branch, or a unique prefix)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Remove a worktree and its branch: its work is dropped."""
    from wakeful.core.errors import UsageError

    _, manager = _manager()
    wt = manager.get(worktree)
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(
                f"discarding drops the work on {wt.branch}; pass --yes to confirm "
                f"(or merge it: wakeful worktrees merge {wt.id})"
            )
        if not typer.confirm(f"Discard worktree {wt.id} and branch {wt.branch}?", default=False):
            print("not discarded")
            raise typer.Exit(1)
    manager.discard(wt.id)
    print(f"discarded worktree {wt.id} and branch {wt.branch}")


def worktrees_prune(as_json: bool = typer.Option(False, "--json", help="JSON output.")) -> None:
    """Remove worktree directories past [worktrees] keep and max_age_days; their branches
    stay. Daemon runs' worktrees are kept until merged or discarded."""
    import json

    _, manager = _manager()
    pruned = manager.prune()
    if as_json:
        print(json.dumps({"pruned": pruned}))
        return
    print(f"pruned {len(pruned)} worktree(s)" + (f": {', '.join(pruned)}" if pruned else ""))


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Isolated worktrees: review, merge or discard.", no_args_is_help=True)
    group.command("list")(worktrees_list)
    group.command("merge")(worktrees_merge)
    group.command("discard")(worktrees_discard)
    group.command("prune")(worktrees_prune)
    app.add_typer(group, name="worktrees")
