"""Where wakeful keeps things: `.wakeful/` in the workspace, and user-level directories."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from wakeful.core.git import run_git

# The project instruction files read into the system prompt, in this order.
INSTRUCTION_FILES: tuple[str, ...] = ("WAKEFUL.md", "AGENTS.md", "CLAUDE.md")


@dataclass(frozen=True)
class Paths:
    """All storage locations for one workspace. Build it once, pass it down."""

    workspace: Path
    user_data: Path
    user_config: Path
    # The main checkout whose `.wakeful/` holds the state (sessions, memory, jobs, config)
    # when `workspace` is one of its wakeful worktrees (`.wakeful/worktrees/<id>`); else None.
    state_root: Path | None = None

    @classmethod
    def for_workspace(cls, workspace: Path | str, env: dict[str, str] | None = None) -> Paths:
        env = dict(os.environ) if env is None else env
        home = Path(env.get("HOME") or Path.home())
        data = Path(env.get("WAKEFUL_HOME") or env.get("XDG_DATA_HOME") or home / ".local/share")
        conf = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
        if env.get("WAKEFUL_HOME"):
            user_data = data
            user_config = data
        else:
            user_data = data / "wakeful"
            user_config = conf / "wakeful"
        root = Path(workspace).resolve()
        return cls(root, user_data, user_config, checkout_of_worktree(root))

    def in_worktree(self, worktree: Path | str) -> Paths:
        """These paths with `worktree` as the workspace: tools, policy and checkpoints work
        there, while the state stays this checkout's `.wakeful/`."""
        return Paths(Path(worktree).resolve(), self.user_data, self.user_config, self.checkout)

    @property
    def checkout(self) -> Path:
        """The checkout that owns the state: the workspace, or the one a worktree belongs to."""
        return self.state_root or self.workspace

    @property
    def project(self) -> Path:
        return self.checkout / ".wakeful"

    @property
    def worktrees(self) -> Path:
        """wakeful's worktrees of this checkout (inside the protected `.wakeful/`)."""
        return self.project / "worktrees"

    @property
    def checkpoints(self) -> Path:
        """The workspace's own checkpoint store: a worktree's checkpoints are its own."""
        return self.workspace / ".wakeful" / "checkpoints"

    @property
    def sessions(self) -> Path:
        return self.project / "sessions"

    @property
    def memory_dir(self) -> Path:
        return self.project / "memory"

    @property
    def memory_db(self) -> Path:
        return self.project / "memory.db"

    @property
    def user_memory_db(self) -> Path:
        return self.user_data / "memory.db"

    @property
    def state_db(self) -> Path:
        """Jobs, sessions index, audit, cache ledger."""
        return self.project / "state.db"

    @property
    def audit_db(self) -> Path:
        """Every policy decision, of every workspace: in user data, out of workspace reach."""
        return self.user_data / "audit.db"

    @property
    def scratch(self) -> Path:
        """Temporary space for tool processes (TMPDIR): this workspace's, not all of /tmp."""
        return self.workspace / ".wakeful" / "tmp"

    @property
    def journal(self) -> Path:
        return self.project / "journal"

    @property
    def tool_results(self) -> Path:
        return self.project / "tool-results"

    @property
    def project_config(self) -> Path:
        return self.project / "config.toml"

    @property
    def user_config_file(self) -> Path:
        return self.user_config / "config.toml"

    def ensure(self) -> None:
        for folder in {self.project, self.workspace / ".wakeful"}:
            folder.mkdir(parents=True, exist_ok=True)
            gi = folder / ".gitignore"
            if not gi.exists():
                gi.write_text("*\n")


def checkout_of_worktree(path: Path) -> Path | None:
    """The main checkout when `path` is one of its wakeful worktrees
    (`<checkout>/.wakeful/worktrees/<id>`, whose `.git` is a file), else None."""
    parent = path.parent
    if (
        parent.name == "worktrees"
        and parent.parent.name == ".wakeful"
        and (path / ".git").is_file()
    ):
        return parent.parent.parent
    return None


def find_workspace(start: Path | str) -> Path:
    """The git top level containing `start`, else `start` itself (non-git folders work)."""
    start = Path(start).resolve()
    out = run_git(["rev-parse", "--show-toplevel"], cwd=start, timeout=5)
    top = out.text().strip()
    if out.ok and top:
        return Path(top).resolve()
    return start
