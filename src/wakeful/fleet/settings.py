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
```

Anyone who can create schedules in the namespace can ask workers to run agents, so each
worker caps the permission mode from its own config: a job asking for more is refused.

Read once at the edge (the CLI) and passed down. Untrusted project config cannot set
`[fleet]` at all (core.config drops the section), so a repository cannot send its jobs, or
the API key, to another server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wakeful.core.errors import ConfigError

# Permission modes from strictest to loosest.
MODE_ORDER = ("plan", "default", "auto", "bypass")
_ADDRESS = re.compile(r"^[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")


@dataclass(frozen=True)
class FleetSettings:
    temporal: str = ""
    namespace: str = "default"
    task_queue: str = "wakeful"
    tls: bool = False
    api_key: str = ""
    heartbeat_seconds: float = 10.0
    max_permission_mode: str = "default"

    @property
    def enabled(self) -> bool:
        return bool(self.temporal)

    @classmethod
    def from_config(cls, cfg: Any, env: dict[str, str] | None = None) -> FleetSettings:
        section = cfg.get("fleet", default={}) or {}
        if not isinstance(section, dict):
            raise ConfigError("[fleet] must be a table in config.toml")
        temporal = str(section.get("temporal") or "")
        if temporal and not _ADDRESS.match(temporal):
            raise ConfigError(
                f'[fleet] temporal = {temporal!r} is not host:port; e.g. "127.0.0.1:7233"'
            )
        api_key = str(section.get("api_key") or (env or {}).get("WAKEFUL_TEMPORAL_API_KEY", ""))
        try:
            heartbeat = float(section.get("heartbeat_seconds", 10.0))
        except (TypeError, ValueError):
            raise ConfigError("[fleet] heartbeat_seconds must be a number") from None
        if heartbeat < 0.5:
            raise ConfigError("[fleet] heartbeat_seconds must be at least 0.5")
        cap = str(section.get("max_permission_mode") or "default")
        if cap not in MODE_ORDER:
            raise ConfigError(
                f"[fleet] max_permission_mode {cap!r}: use one of {', '.join(MODE_ORDER)}"
            )
        return cls(
            temporal=temporal,
            max_permission_mode=cap,
            namespace=str(section.get("namespace") or "default"),
            task_queue=str(section.get("task_queue") or "wakeful"),
            tls=bool(section.get("tls", False)) or bool(api_key),
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
