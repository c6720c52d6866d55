"""The daemon's knobs, read once from Config (the `[daemon]` table) and passed down."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from wakeful.core import settings as schema
from wakeful.core.errors import ConfigError

_DEFAULT = schema.DaemonSettings()
_RUN = schema.Settings()


@dataclass(frozen=True)
class DaemonSettings:
    tick_seconds: float = _DEFAULT.tick_seconds
    budget_seconds: float = _DEFAULT.budget_seconds
    daily_token_cap: int = _DEFAULT.daily_token_cap
    daily_cost_cap: float = _DEFAULT.daily_cost_cap
    idle_dream_seconds: float = _DEFAULT.idle_dream_seconds
    webhook: str = _DEFAULT.webhook
    check_timeout: float = _DEFAULT.check_timeout
    lease_seconds: float = _DEFAULT.lease_seconds
    debounce_ms: int = _DEFAULT.debounce_ms
    desktop_notify: bool = _DEFAULT.desktop_notify
    default_model: str = _RUN.model
    default_permission_mode: str = _RUN.permission_mode
    # How to start the headless CLI; the job's flags are appended.
    cli_argv: tuple[str, ...] = field(default=(sys.executable, "-m", "wakeful.cli.main"))

    @property
    def missed_grace(self) -> float:
        """How late a due time may be and still count as on time rather than missed."""
        return max(3 * self.tick_seconds, 2.0)

    @classmethod
    def from_config(cls, cfg: Any) -> DaemonSettings:
        settings: schema.Settings = cfg.settings
        daemon = settings.daemon

        def num(key: str, minimum: float = 0.0) -> float:
            number = float(getattr(daemon, key))
            if number < minimum:
                raise ConfigError(f"[daemon] {key} must be at least {minimum}, got {number}")
            return number

        tick = num("tick_seconds")
        if tick < 0.05:
            raise ConfigError("[daemon] tick_seconds must be at least 0.05")
        return cls(
            tick_seconds=tick,
            budget_seconds=num("budget_seconds"),
            daily_token_cap=int(num("daily_token_cap")),
            daily_cost_cap=num("daily_cost_cap"),
            idle_dream_seconds=num("idle_dream_seconds"),
            webhook=daemon.webhook,
            check_timeout=num("check_timeout", 0.1),
            lease_seconds=num("lease_seconds", 1.0),
            debounce_ms=int(num("debounce_ms")),
            desktop_notify=daemon.desktop_notify,
            default_model=settings.model,
            default_permission_mode=settings.permission_mode or _RUN.permission_mode,
        )
