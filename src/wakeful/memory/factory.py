"""The one place memory stores are opened: `[memory] backend` chooses SQLite or PostgreSQL.

```toml
[memory]
backend = "postgres"                      # default "sqlite"
dsn = "postgresql://wakeful@db.internal/team"
project = "github.com/acme/api"           # default: the origin remote, else the folder name
```

With PostgreSQL the project's memories live in the team database, keyed by `project`, so
every checkout and machine of one repository shares them. Memories about the person
(`user` scope) stay in the local user-level SQLite store: they are nobody else's business.
Nothing here creates tables in PostgreSQL; `wakeful memory migrate` does, as its own step.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from wakeful.core import settings as schema
from wakeful.core.config import Config
from wakeful.core.errors import ConfigError
from wakeful.core.paths import Paths
from wakeful.memory.store import MemoryStore, SqliteMemoryStore

BACKENDS = ("sqlite", "postgres")


_DEFAULT = schema.MemorySettings()


@dataclass(frozen=True)
class MemorySettings:
    backend: str = _DEFAULT.backend
    dsn: str = _DEFAULT.dsn
    project: str = _DEFAULT.project
    user_store: bool = _DEFAULT.user_store

    @classmethod
    def from_config(cls, config: Config) -> MemorySettings:
        section = config.settings.memory
        backend = section.backend
        if backend not in BACKENDS:
            raise ConfigError(
                f"unknown memory backend {backend!r}; set [memory] backend to one of: "
                f"{', '.join(BACKENDS)}"
            )
        dsn = section.dsn
        if backend == "postgres" and not dsn:
            raise ConfigError(
                '[memory] backend = "postgres" needs a connection string: set [memory] dsn '
                '(e.g. "postgresql://user@host/db"), or `wakeful fleet dev` prints one'
            )
        return cls(
            backend=backend,
            dsn=dsn,
            project=section.project,
            user_store=section.user_store,
        )


def project_key(workspace: Path) -> str:
    """The name a repository's memories go under in a shared database: the origin remote
    without scheme, credentials and `.git` (same for every clone), else the folder name."""
    try:
        out = subprocess.run(
            ["git", "config", "--get", "remote.origin.url"],
            cwd=workspace,
            capture_output=True,
            text=True,
            timeout=5,
        )
        url = out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        url = ""
    if url:
        url = re.sub(r"^[a-z+]+://", "", url)
        url = re.sub(r"^[^@/]*@", "", url)  # user:token@ or git@
        url = url.replace(":", "/").removesuffix(".git").rstrip("/")
        return url
    # A worktree's folder name differs from the main checkout's: use the common git dir.
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
            cwd=workspace,
            capture_output=True,
            text=True,
            timeout=5,
        )
        common = Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None
    except (OSError, subprocess.SubprocessError):
        common = None
    if common is not None and common.name == ".git":
        return common.parent.name
    return workspace.name


def team_database(paths: Paths, config: Config) -> tuple[str, str] | None:
    """(dsn, project) of the team database when the project's memories live there
    (`[memory] backend = "postgres"`); the dream lock, the team audit log and the team
    cost ledger use the same database and project key."""
    settings = MemorySettings.from_config(config)
    if settings.backend != "postgres":
        return None
    return settings.dsn, settings.project or project_key(paths.workspace)


def open_project_store(paths: Paths, config: Config) -> MemoryStore:
    settings = MemorySettings.from_config(config)
    if settings.backend == "postgres":
        from wakeful.memory.store_pg import PostgresMemoryStore

        return PostgresMemoryStore(
            settings.dsn, settings.project or project_key(paths.workspace), scope="project"
        )
    return SqliteMemoryStore(paths.memory_db, scope="project")


def open_user_store(paths: Paths, config: Config, *, create: bool = True) -> MemoryStore | None:
    """The user-level store (always local SQLite), or None when turned off or not there."""
    if not MemorySettings.from_config(config).user_store:
        return None
    if not create and not paths.user_memory_db.exists():
        return None
    return SqliteMemoryStore(paths.user_memory_db, scope="user")


def open_stores(
    paths: Paths, config: Config, *, create_user: bool = True
) -> tuple[MemoryStore, MemoryStore | None]:
    project = open_project_store(paths, config)
    try:
        return project, open_user_store(paths, config, create=create_user)
    except BaseException:
        project.close()
        raise
