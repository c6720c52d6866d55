"""Configuration: defaults, user file, project file, then environment, then flags.

Config is loaded once at the edge (the CLI) and passed down; nothing below reads the
environment on its own.
"""

from __future__ import annotations

import copy
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wakeful.core.errors import ConfigError
from wakeful.core.paths import Paths

PERMISSION_MODES = ("default", "plan", "auto", "bypass")

DEFAULTS: dict[str, Any] = {
    "model": "",
    "permission_mode": "default",
    "max_turns": 50,
    "max_tokens": 4096,
    "max_session_tokens": 2_000_000,
    "max_wall_seconds": 1800.0,
    "sandbox": False,
    "allow_unsandboxed": True,
    "anthropic": {"api_key": "", "base_url": ""},
    "openai": {"api_key": "", "base_url": ""},
    "local": {"model_path": "", "n_ctx": 4096, "threads": 0},
    "permissions": {"allow": [], "ask": [], "deny": [], "lift_hardline": False},
    "reviewer": {"model": "", "timeout": 30.0},
    "memory": {"recall_limit": 5},
    "agents": {"max_parallel": 4, "max_depth": 1, "max_total": 16},
    "daemon": {
        "tick_seconds": 1.0,
        "budget_seconds": 15.0,
        "daily_token_cap": 0,
        "daily_cost_cap": 0.0,
        "idle_dream_seconds": 0.0,
        "webhook": "",
    },
    "dream": {"min_hours": 24.0, "min_sessions": 5},
}

ENV_OVERRIDES = {
    "WAKEFUL_MODEL": ("model",),
    "WAKEFUL_PERMISSION_MODE": ("permission_mode",),
    "ANTHROPIC_API_KEY": ("anthropic", "api_key"),
    "ANTHROPIC_BASE_URL": ("anthropic", "base_url"),
    "OPENAI_API_KEY": ("openai", "api_key"),
    "OPENAI_BASE_URL": ("openai", "base_url"),
    "WAKEFUL_LOCAL_MODEL_PATH": ("local", "model_path"),
}


@dataclass
class Config:
    """Merged settings plus where each came from."""

    data: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULTS))
    sources: list[Path] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def get(self, *keys: str, default: Any = None) -> Any:
        node: Any = self.data
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return default
            node = node[key]
        return node

    def set(self, *keys: str, value: Any) -> None:
        node = self.data
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value

    @property
    def model(self) -> str:
        return str(self.data.get("model") or "")

    @property
    def permission_mode(self) -> str:
        return str(self.data.get("permission_mode") or "default")

    @property
    def request_log(self) -> Path | None:
        value = self.env.get("WAKEFUL_REQUEST_LOG")
        return Path(value) if value else None


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: malformed TOML: {exc}. Fix that line or delete the file."
        ) from None


_KINDS = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "list": "a list",
}


def _line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith((f"{key} ", f"{key}=")):
            return number
    return 1


def check_types(
    path: Path, data: dict[str, Any], defaults: dict[str, Any] = DEFAULTS, prefix: str = ""
) -> None:
    """Known settings must have their default's type; the error names file, line and fix."""
    text = ""
    for key, value in data.items():
        if key not in defaults:
            continue  # sections other layers own ([compaction], [local], ...) check their own
        expected = defaults[key]
        name = f"{prefix}{key}"
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: `{name}` must be a table ([{name}]), not {value!r}")
            check_types(path, value, expected, f"{name}.")
            continue
        ok = (
            isinstance(value, type(expected))
            or (isinstance(expected, float) and isinstance(value, int))
        ) and not (isinstance(value, bool) and not isinstance(expected, bool))
        if not ok:
            if not text:
                text = path.read_text(encoding="utf-8", errors="replace")
            kind = _KINDS.get(type(expected).__name__, type(expected).__name__)
            raise ConfigError(
                f"{path}:{_line_of(text, key)}: `{name}` must be {kind}, not {value!r}; "
                "fix that line"
            )


def load_config(paths: Paths, env: dict[str, str]) -> Config:
    cfg = Config(env=dict(env))
    for path in (paths.user_config_file, paths.project_config):
        if path.is_file():
            data = read_toml(path)
            check_types(path, data)
            _merge(cfg.data, data)
            cfg.sources.append(path)
    for var, keys in ENV_OVERRIDES.items():
        if env.get(var):
            cfg.set(*keys, value=env[var])
    mode = cfg.permission_mode
    if mode not in PERMISSION_MODES:
        where = " or ".join(str(p) for p in cfg.sources) or "the environment"
        raise ConfigError(
            f"unknown permission mode {mode!r} (from {where}); "
            f"use one of: {', '.join(PERMISSION_MODES)}"
        )
    return cfg
