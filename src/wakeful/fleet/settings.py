"""`[fleet]`: where the Temporal server is and which task queue the workers serve.

```toml
[fleet]
temporal = "temporal.internal:7233"   # or "<ns>.<acct>.tmprl.cloud:7233" for Temporal Cloud
namespace = "default"
task_queue = "wakeful"
tls = false                           # true for Temporal Cloud (implied by api_key)
api_key = ""                          # Temporal Cloud API key; or WAKEFUL_TEMPORAL_API_KEY
heartbeat_seconds = 10.0              # agent activity heartbeat; a dead worker is noticed
                                      # after 3 missed beats and its run moves elsewhere
max_permission_mode = "default"       # the loosest mode this worker runs a job in
repos_dir = ""                        # where a worker clones repositories it lacks
allow_file_clones = false             # let it clone file:// URLs (local teams, tests)
```

Anyone who can create schedules in the namespace can ask workers to run agents, so each
worker caps the permission mode from its own config: a job asking for more is refused.

Read once at the edge (the CLI) and passed down. Untrusted project config cannot set
`[fleet]` at all (core.config drops the section), so a repository cannot send its jobs, or
the API key, to another server.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wakeful.core import settings as schema
from wakeful.core.errors import ConfigError

# Permission modes from strictest to loosest.
MODE_ORDER = ("plan", "default", "auto", "bypass")
_ADDRESS = re.compile(r"^[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")


_DEFAULT = schema.FleetSettings()


@dataclass(frozen=True)
class FleetSettings:
    temporal: str = _DEFAULT.temporal
    namespace: str = _DEFAULT.namespace
    task_queue: str = _DEFAULT.task_queue
    tls: bool = _DEFAULT.tls
    api_key: str = _DEFAULT.api_key
    heartbeat_seconds: float = _DEFAULT.heartbeat_seconds
    max_permission_mode: str = _DEFAULT.max_permission_mode
    repos_dir: str = _DEFAULT.repos_dir
    allow_file_clones: bool = _DEFAULT.allow_file_clones

    @property
    def enabled(self) -> bool:
        return bool(self.temporal)

    @classmethod
    def from_config(cls, cfg: Any, env: dict[str, str] | None = None) -> FleetSettings:
        section: schema.FleetSettings = cfg.settings.fleet
        temporal = section.temporal
        if temporal and not _ADDRESS.match(temporal):
            raise ConfigError(
                f'[fleet] temporal = {temporal!r} is not host:port; e.g. "127.0.0.1:7233"'
            )
        api_key = section.api_key or (env or {}).get("WAKEFUL_TEMPORAL_API_KEY", "")
        heartbeat = section.heartbeat_seconds
        if heartbeat < 0.5:
            raise ConfigError("[fleet] heartbeat_seconds must be at least 0.5")
        cap = section.max_permission_mode or _DEFAULT.max_permission_mode
        if cap not in MODE_ORDER:
            raise ConfigError(
                f"[fleet] max_permission_mode {cap!r}: use one of {', '.join(MODE_ORDER)}"
            )
        repos_dir = section.repos_dir
        if repos_dir.startswith("~/"):
            home = (env or {}).get("HOME") or str(Path.home())
            repos_dir = str(Path(home) / repos_dir[2:])
        if repos_dir and not os.path.isabs(repos_dir):
            raise ConfigError(
                f"[fleet] repos_dir = {section.repos_dir!r} must be an absolute path (or "
                "start with ~/)"
            )
        return cls(
            temporal=temporal,
            repos_dir=repos_dir,
            allow_file_clones=section.allow_file_clones,
            max_permission_mode=cap,
            namespace=section.namespace or _DEFAULT.namespace,
            task_queue=section.task_queue or _DEFAULT.task_queue,
            tls=section.tls or bool(api_key),
            api_key=api_key,
            heartbeat_seconds=heartbeat,
        )

    def allows(self, mode: str) -> bool:
        return mode in MODE_ORDER and MODE_ORDER.index(mode) <= MODE_ORDER.index(
            self.max_permission_mode
        )

    def require(self) -> FleetSettings:
        if not self.enabled:
            raise ConfigError(
                '[fleet] temporal is not set; add [fleet] temporal = "host:port" to your '
                "config (or run `wakeful fleet dev` for a local one)"
            )
        return self
