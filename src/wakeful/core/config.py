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

from wakeful.core import settings as settings_schema
from wakeful.core.errors import ConfigError
from wakeful.core.paths import Paths
from wakeful.core.settings import PERMISSION_MODES, Settings

# The settings, their types, defaults and documentation: core.settings (one place).
DEFAULTS: dict[str, Any] = settings_schema.defaults()

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
    # Whether the user trusts this workspace (core.trust); untrusted project settings that
    # would loosen anything were dropped, and each drop is one line in `notices`.
    trusted: bool = False
    notices: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # project settings dropped as untrusted
    withheld: dict[str, str] = field(default_factory=dict)  # provider -> why its key is kept
    warnings: list[str] = field(default_factory=list)  # unknown keys, with the closest known

    @property
    def settings(self) -> Settings:
        """The merged settings, typed (core.settings has each one's default and meaning)."""
        built: Settings = settings_schema.build(Settings, self.data)
        return built

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


_KEY_ENV = {"anthropic": "ANTHROPIC", "openai": "OPENAI"}


def _guard_keys(cfg: Config, project: dict[str, Any]) -> None:
    """A provider key the user gave (environment or user config) goes only to the provider's
    own endpoint or to one the user chose: an endpoint set by the project gets the project's
    own key, or none."""
    for provider, prefix in _KEY_ENV.items():
        section = project.get(provider)
        if not isinstance(section, dict) or not section.get("base_url"):
            continue
        if cfg.env.get(f"{prefix}_BASE_URL") or section.get("api_key"):
            continue  # the user's environment chose the endpoint, or the project brings a key
        if cfg.get(provider, "api_key"):
            cfg.set(provider, "api_key", value="")
            cfg.withheld[provider] = (
                f"[{provider}] base_url {section['base_url']!r} comes from the project config, "
                f"so your {prefix}_API_KEY is not sent there; set base_url in "
                "~/.config/wakeful/config.toml or the environment to use your key with it, or "
                "put the endpoint's own api_key in the project config"
            )
            cfg.notices.append(cfg.withheld[provider])


def _apply_env(cfg: Config, env: dict[str, str]) -> None:
    for var, keys in ENV_OVERRIDES.items():
        if env.get(var):
            cfg.set(*keys, value=env[var])


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


def _line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith((f"{key} ", f"{key}=")):
            return number
    return 1


def check_types(path: Path, data: dict[str, Any]) -> None:
    """Known settings must have their schema type; the error names file, line and fix."""
    problems = settings_schema.check(data)
    if problems:
        text = path.read_text(encoding="utf-8", errors="replace")
        key = problems[0].split("`")[1].rsplit(".", 1)[-1]
        raise ConfigError(f"{path}:{_line_of(text, key)}: {problems[0]}; fix that line")


def unknown_settings(path: Path, data: dict[str, Any]) -> list[str]:
    """One warning per key of `path` that no setting has, naming the closest known one."""
    return [f"{path}: unknown setting {key}" for key in settings_schema.unknown_keys(data)]


# Strictness order of permission modes: an untrusted project may only move to a stricter one.
_MODE_STRICTNESS = {"plan": 0, "default": 1, "auto": 2, "bypass": 3}
# Project settings an untrusted workspace may set freely: they change what wakeful remembers
# and how it summarises, never what it may do, where it connects or what it runs.
_NEUTRAL_SECTIONS = frozenset({"memory", "dream", "compaction", "checkpoints"})
# [memory] keys that choose a database (and so where memories go): not neutral.
_STORAGE_KEYS = frozenset({"backend", "dsn", "project"})
# Keys of those sections that are not neutral: a model chooses a provider, a key and a price.
_NOT_NEUTRAL = {"dream": frozenset({"model"})}
# Checkpoints make workspace-tier changes reversible: an untrusted project may keep more, never
# less (the value given is the least an untrusted project may set; booleans must stay true).
_CHECKPOINT_FLOOR: dict[str, Any] = {
    "enabled": True,
    "include_ignored": True,
    "max_file_bytes": 1_048_576,
    "keep": 500,
    "max_age_days": 30.0,
}


def _neutral_part(section: str, value: Any) -> tuple[Any, list[str]]:
    """The part of a neutral section an untrusted project may set, and the keys dropped."""
    if not isinstance(value, dict):
        return value, []
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for key, item in value.items():
        floor = _CHECKPOINT_FLOOR.get(key) if section == "checkpoints" else None
        if (
            key in _NOT_NEUTRAL.get(section, ())
            or floor is not None
            and (
                item != floor
                if isinstance(floor, bool)
                else not isinstance(item, int | float) or isinstance(item, bool) or item < floor
            )
        ):
            dropped.append(f"{section}.{key}")
        else:
            kept[key] = item
    return kept, dropped


# Numeric limits an untrusted workspace may lower but not raise.
_LOWER_ONLY = frozenset({"max_turns", "max_tokens", "max_session_tokens", "max_wall_seconds"})


def _untrusted_subset(
    data: dict[str, Any], current: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """What an untrusted project's config may contribute: settings that tighten or change
    nothing about trust; everything else is named in the returned list of dropped keys."""
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in data.items():
        if key == "memory" and isinstance(value, dict):
            # Where memory is stored is not neutral: a repository must not send it elsewhere.
            kept[key] = {k: v for k, v in value.items() if k not in _STORAGE_KEYS}
            dropped += [f"{key}.{k}" for k in value if k in _STORAGE_KEYS]
        elif key in _NEUTRAL_SECTIONS:
            kept[key], lost = _neutral_part(key, value)
            dropped += lost
        elif key == "permission_mode":
            cur = str(current.get("permission_mode") or "default")
            if str(value) not in _MODE_STRICTNESS or _MODE_STRICTNESS[str(value)] <= (
                _MODE_STRICTNESS.get(cur, 1)
            ):  # an unknown mode is kept, so that it is reported as an error
                kept[key] = value
            else:
                dropped.append("permission_mode")
        elif key in _LOWER_ONLY:
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and (value <= current.get(key, 0) and value > 0)
            ):
                kept[key] = value
            else:
                dropped.append(key)
        elif key == "sandbox":
            if value is True:
                kept[key] = value
            else:
                dropped.append(key)
        elif key == "allow_unsandboxed":
            if value is False:
                kept[key] = value
            else:
                dropped.append(key)
        elif key == "permissions" and isinstance(value, dict):
            perms = {k: v for k, v in value.items() if k in ("deny", "ask")}
            if perms:
                kept[key] = perms
            dropped += [f"permissions.{k}" for k in value if k not in ("deny", "ask")]
        else:
            dropped.append(key if not isinstance(value, dict) else f"[{key}]")
    return kept, dropped


def untrusted_notice(path: Path, dropped: list[str]) -> str:
    return (
        f"untrusted workspace: ignored {', '.join(dropped)} from {path} "
        "(run `wakeful trust` here to apply them)"
    )


def load_config(paths: Paths, env: dict[str, str], *, untrusted: bool = False) -> Config:
    """The merged config of `paths.workspace`; `untrusted=True` treats the workspace as
    untrusted whatever the trust list says (a fleet worker's clones)."""
    from wakeful.core.trust import TrustStore

    cfg = Config(env=dict(env))
    cfg.trusted = not untrusted and TrustStore(paths.user_data).is_trusted(paths.workspace)
    if paths.user_config_file.is_file():
        data = read_toml(paths.user_config_file)
        check_types(paths.user_config_file, data)
        cfg.warnings += unknown_settings(paths.user_config_file, data)
        _merge(cfg.data, data)
        cfg.sources.append(paths.user_config_file)
    # Environment settings are the user's own; apply them before the project file, so an
    # untrusted project is judged against what the user chose, and may only tighten it.
    _apply_env(cfg, env)
    project = paths.project_config
    project_data: dict[str, Any] = {}
    if project.is_file():
        data = project_data = read_toml(project)
        check_types(project, data)
        cfg.warnings += unknown_settings(project, data)
        if not cfg.trusted:
            data, dropped = _untrusted_subset(data, cfg.data)
            if dropped:
                cfg.ignored = dropped
                cfg.notices.append(untrusted_notice(project, dropped))
        _merge(cfg.data, data)
        cfg.sources.append(project)
    if cfg.trusted:
        _apply_env(cfg, env)  # in a trusted workspace the environment still wins
        _guard_keys(cfg, project_data)
    mode = cfg.permission_mode
    if mode not in PERMISSION_MODES:
        where = " or ".join(str(p) for p in cfg.sources) or "the environment"
        raise ConfigError(
            f"unknown permission mode {mode!r} (from {where}); "
            f"use one of: {', '.join(PERMISSION_MODES)}"
        )
    return cfg
