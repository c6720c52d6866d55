"""`wakeful trust`: say which workspaces may loosen wakeful's guards (kept in user data)."""

from __future__ import annotations

from pathlib import Path

import typer


def trust(
    path: Path | None = typer.Argument(None, help="Workspace to trust (default: this one)."),
    list_: bool = typer.Option(False, "--list", help="List trusted workspaces."),
    revoke: bool = typer.Option(False, "--revoke", help="Stop trusting the workspace."),
) -> None:
    """Trust a workspace: its .wakeful/config.toml may then loosen settings (mode, allow
    rules, endpoints, models), and its MCP servers and hooks may start."""
    import os

    from wakeful.core.paths import Paths, find_workspace
    from wakeful.core.trust import TrustStore

    env = dict(os.environ)
    workspace = find_workspace(path or Path.cwd())
    paths = Paths.for_workspace(workspace, env)
    store = TrustStore(paths.user_data)
    if list_:
        entries = store.entries()
        if not entries:
            print("no trusted workspaces")
        for entry in entries:
            print(entry.path)
        return
    if path is not None and not Path(path).is_dir():
        from wakeful.core.errors import UsageError

        raise UsageError(f"{path}: no such directory; give a workspace folder to trust")
    if revoke:
        if store.revoke(paths.workspace):
            print(f"no longer trusted: {paths.workspace}")
        else:
            print(f"was not trusted: {paths.workspace}")
        return
    store.trust(paths.workspace)
    print(f"trusted: {paths.workspace} (recorded in {store.file})")


def register(app: typer.Typer) -> None:
    app.command("trust")(trust)
