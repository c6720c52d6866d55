"""The daemon's knobs, read once from Config (the `[daemon]` table) and passed down."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from wakeful.core.errors import ConfigError


@dataclass(frozen=True)
class DaemonSettings:
    tick_seconds: float = 1.0
    budget_seconds: float = 15.0
    daily_token_cap: int = 0
    daily_cost_cap: float = 0.0
    idle_dream_seconds: float = 0.0
    webhook: str = ""
    check_timeout: float = 10.0
    lease_seconds: float = 30.0
    debounce_ms: int = 300
    desktop_notify: bool = True
    default_model: str = ""
    default_permission_mode: str = "default"
    # How to start the headless CLI; the job's flags are appended.
    cli_argv: tuple[str, ...] = field(default=(sys.executable, "-m", "wakeful.cli.main"))

    @property
    def missed_grace(self) -> float:
        """How late a due time may be and still count as on time rather than missed."""
        return max(3 * self.tick_seconds, 2.0)

    @classmethod
    def from_config(cls, cfg: Any) -> DaemonSettings:
        section = cfg.get("daemon", default={}) or {}
        if not isinstance(section, dict):
            raise ConfigError("[daemon] must be a table in config.toml")

        def num(key: str, default: float, minimum: float = 0.0) -> float:
            value = section.get(key, default)
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ConfigError(f"[daemon] {key} must be a number, got {value!r}") from None
            if number < minimum:
                raise ConfigError(f"[daemon] {key} must be at least {minimum}, got {number}")
            return number

        tick = num("tick_seconds", 1.0)
        if tick < 0.05:
            raise ConfigError("[daemon] tick_seconds must be at least 0.05")
        return cls(
            tick_seconds=tick,
            budget_seconds=num("budget_seconds", 15.0),
            daily_token_cap=int(num("daily_token_cap", 0)),
            daily_cost_cap=num("daily_cost_cap", 0.0),
            idle_dream_seconds=num("idle_dream_seconds", 0.0),
            webhook=str(section.get("webhook") or ""),
            check_timeout=num("check_timeout", 10.0, 0.1),
            lease_seconds=num("lease_seconds", 30.0, 1.0),
            debounce_ms=int(num("debounce_ms", 300)),
            desktop_notify=bool(section.get("desktop_notify", True)),
            default_model=str(cfg.get("model", default="") or ""),
            default_permission_mode=str(cfg.get("permission_mode", default="default") or "default"),
        )
