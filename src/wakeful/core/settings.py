"""Every setting of config.toml in one place: its type, default and one line of documentation.

The sections are frozen dataclasses; `Config.settings` (core.config) reads the merged
configuration into them, so code asks `config.settings.daemon.tick_seconds` (a float) rather
than repeating a default at each `get`. The README's settings table is generated from here
(`python -m wakeful.core.config_doc`), and a test fails when the two differ.

Types are checked once, when a file is loaded (core.config.check_types); range checks that
need a layer's knowledge (a tick of at least 0.05 s, a known memory backend) stay with the
layer that reads the section.
"""

from __future__ import annotations

from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass
from typing import Any

from wakeful.core.errors import ConfigError

PERMISSION_MODES = ("default", "plan", "auto", "bypass")

# Field types a setting may have (annotations are strings under postponed evaluation).
_STR, _INT, _FLOAT, _BOOL = "str", "int", "float", "bool"
_STRS = "tuple[str, ...]"  # a TOML list of strings
_STR_OR_STRS = "str | tuple[str, ...]"  # a string, or a list of strings
_TABLE = "dict[str, Any]"  # a free-form table that its own layer reads (hooks, MCP servers)
_KINDS = {
    _STR: "a string",
    _INT: "an integer",
    _FLOAT: "a number",
    _BOOL: "true or false",
    _STRS: "a list of strings",
    _STR_OR_STRS: "a string or a list of strings",
    _TABLE: "a table",
}


def setting(default: Any, doc: str) -> Any:
    """A field with its default and documentation."""
    if isinstance(default, dict):
        return field(default_factory=dict, metadata={"doc": doc})
    return field(default=default, metadata={"doc": doc})


def section(cls: type[Any], doc: str) -> Any:
    """A `[table]` of settings."""
    return field(default_factory=cls, metadata={"doc": doc})


@dataclass(frozen=True)
class AnthropicSettings:
    api_key: str = setting("", "API key (ANTHROPIC_API_KEY overrides it)")
    base_url: str = setting("", "endpoint other than Anthropic's (ANTHROPIC_BASE_URL)")


@dataclass(frozen=True)
class OpenAISettings:
    api_key: str = setting("", "API key (OPENAI_API_KEY overrides it)")
    base_url: str = setting("", "any OpenAI-compatible server (OPENAI_BASE_URL)")


@dataclass(frozen=True)
class LocalSettings:
    model_path: str = setting("", "a GGUF file of your own (WAKEFUL_LOCAL_MODEL_PATH)")
    cache_dir: str = setting("", "where model files are assembled (empty: ~/.cache/wakeful/models)")
    n_ctx: int = setting(8192, "context window in tokens")
    threads: int = setting(0, "CPU threads (0: all cores)")
    seed: int = setting(42, "sampling seed")
    repack: bool = setting(False, "let llama.cpp repack weights (its extra buffer types)")
    full_schemas: bool = setting(False, "show full tool schemas instead of compact ones")
    max_tokens: int = setting(2048, "output tokens per reply")
    answer_tokens: int = setting(768, "output tokens for a reply that answers (0: max_tokens)")
    tools: str | tuple[str, ...] = setting(
        "", 'tools the model is shown, or "all" (empty: bash, edit, glob, grep, read, write)'
    )
    chat_template: str = setting("", "a Jinja chat template file to use instead of the GGUF's")
    omp_wait_policy: str = setting(
        "passive", 'how llama.cpp threads wait: "passive", "active", or "" for OpenMP\'s default'
    )
    prompt_cache: bool = setting(True, "keep the first prompt's KV cache on disk for the next run")
    act_first: bool = setting(True, "a session's first reply must be a tool call, not a guess")
    preread: bool = setting(True, "files the task names are read before the model's first reply")
    examples: bool = setting(True, "show worked example tasks before the task (native tool format)")
    task_checks: bool = setting(
        True, "before an answer ends a task: a rename left behind, a file AGENTS.md names"
    )


@dataclass(frozen=True)
class PermissionSettings:
    allow: tuple[str, ...] = setting((), 'rules allowed without asking, e.g. "Bash(npm test:*)"')
    ask: tuple[str, ...] = setting((), "rules that always ask")
    deny: tuple[str, ...] = setting((), 'rules never allowed, e.g. "Read(~/.ssh/**)"')
    lift_hardline: bool = setting(False, "let rules allow what the hard line always denies")


@dataclass(frozen=True)
class ReviewerSettings:
    model: str = setting("", "second-opinion model for auto mode (empty: none)")
    timeout: float = setting(30.0, "seconds before the reviewer counts as a refusal")


@dataclass(frozen=True)
class MemorySettings:
    recall_limit: int = setting(5, "memories recalled into a turn")
    backend: str = setting("sqlite", '"sqlite" (in .wakeful/) or "postgres" (shared)')
    dsn: str = setting("", "PostgreSQL connection string for the postgres backend")
    project: str = setting("", "key in a shared database (default: the origin remote)")
    user_store: bool = setting(True, "keep user-level memories as well as project ones")


@dataclass(frozen=True)
class AgentSettings:
    max_parallel: int = setting(4, "workers running at once")
    max_depth: int = setting(1, "levels of delegation (1: workers cannot delegate)")
    max_total: int = setting(16, "workers in one fan-out tree")
    max_worker_turns: int = setting(30, "turns per worker")
    max_worker_tokens: int = setting(1_000_000, "tokens per worker")
    max_fanout_tokens: int = setting(8_000_000, "tokens per fan-out tree")
    max_worker_cost: float = setting(0.0, "USD per worker (0: no limit)")
    max_fanout_cost: float = setting(0.0, "USD per fan-out tree (0: no limit)")
    summary_chars: int = setting(2000, "characters of each worker's summary")
    fork_min_tokens: int = setting(1024, "smallest parent context worth forking")
    fork_max_share: float = setting(0.5, "largest share of the window a fork may inherit")
    warm_first: bool = setting(True, "run one worker first to warm the prompt cache")
    models: dict[str, Any] = setting(
        {}, "custom agents' model aliases: sonnet, opus, haiku = model specs"
    )


@dataclass(frozen=True)
class ReplSettings:
    idle_notify_seconds: float = setting(
        60.0, "idle at the prompt this long runs Notification hooks (0: off)"
    )


@dataclass(frozen=True)
class DaemonSettings:
    tick_seconds: float = setting(1.0, "seconds between ticks (at least 0.05)")
    budget_seconds: float = setting(15.0, "blocking budget of one proactive action")
    daily_token_cap: int = setting(0, "tokens per day for jobs (0: no cap)")
    daily_cost_cap: float = setting(0.0, "USD per day for jobs (0: no cap)")
    idle_dream_seconds: float = setting(0.0, "dream after this long idle (0: never)")
    webhook: str = setting("", "URL that receives notifications as JSON")
    check_timeout: float = setting(10.0, "seconds a `--when` check may take")
    lease_seconds: float = setting(30.0, "how long a run's lease lasts between renewals")
    debounce_ms: int = setting(300, "file-watch debounce")
    desktop_notify: bool = setting(True, "desktop notifications (notify-send)")


@dataclass(frozen=True)
class DreamSettings:
    min_hours: float = setting(24.0, "hours since the last dream before the next")
    min_sessions: int = setting(5, "sessions since the last dream before the next")
    model: str = setting("", "model for dreaming (default: `model`, then the last session's)")
    drift_days: float = setting(14.0, "days a memory may stay drifted before dreaming flags it")
    max_pairs: int = setting(
        100, "candidate duplicate pairs a dream asks the model about (1-3 yes/no questions each)"
    )


@dataclass(frozen=True)
class CompactionSettings:
    enabled: bool = setting(True, "compact long conversations")
    window: int = setting(0, "context window in tokens (0: known from the model name)")
    threshold: float = setting(0.8, "share of the window that starts a compaction")
    target: float = setting(0.5, "share of the window a compaction brings it down to")
    keep_results: int = setting(3, "newest tool results kept whole")


@dataclass(frozen=True)
class CheckpointSettings:
    enabled: bool = setting(True, "snapshot the workspace before each run's first change")
    include_ignored: bool = setting(True, "snapshot ignored files too (not ignored directories)")
    max_file_bytes: int = setting(1_048_576, "ignored files above this size are left out")
    keep: int = setting(500, "`checkpoints --prune` keeps at least this many newest")
    max_age_days: float = setting(30.0, "and drops older ones beyond them")


@dataclass(frozen=True)
class WorktreeSettings:
    keep: int = setting(20, "worktree directories kept, newest first (branches stay)")
    max_age_days: float = setting(14.0, "older worktree directories are pruned")
    include_uncommitted: bool = setting(
        True, "a worktree starts from HEAD plus your uncommitted changes (false: HEAD)"
    )


@dataclass(frozen=True)
class McpSettings:
    start_timeout: float = setting(15.0, "seconds a server may take to start")
    call_timeout: float = setting(60.0, "seconds one tool call may take")
    max_listed_tools: int = setting(20, "tools listed in full per server (others on request)")
    servers: dict[str, Any] = setting({}, "`[mcp.servers.NAME]` tables: command, args, env")


@dataclass(frozen=True)
class FleetSettings:
    temporal: str = setting("", "Temporal server host:port (empty: fleet off)")
    namespace: str = setting("default", "Temporal namespace")
    task_queue: str = setting("wakeful", "task queue the workers serve")
    tls: bool = setting(False, "TLS to the server (implied by api_key)")
    api_key: str = setting("", "Temporal Cloud API key (or WAKEFUL_TEMPORAL_API_KEY)")
    heartbeat_seconds: float = setting(10.0, "agent activity heartbeat (at least 0.5)")
    max_permission_mode: str = setting("default", "loosest mode this worker runs a job in")
    repos_dir: str = setting("", "where a worker clones repositories it lacks (empty: no clones)")
    allow_file_clones: bool = setting(False, "let a worker clone file:// URLs (local teams, tests)")


@dataclass(frozen=True)
class Settings:
    """The whole configuration, typed."""

    model: str = setting("", "provider:model, e.g. anthropic:claude-sonnet-4-6 (WAKEFUL_MODEL)")
    permission_mode: str = setting(
        "default", "default, plan, auto or bypass (WAKEFUL_PERMISSION_MODE)"
    )
    max_turns: int = setting(50, "model turns per run")
    max_tokens: int = setting(4096, "output tokens per model request")
    max_session_tokens: int = setting(2_000_000, "tokens per session")
    max_wall_seconds: float = setting(1800.0, "seconds per run")
    sandbox: bool = setting(False, "run bash under bubblewrap (auto mode does when it can)")
    allow_unsandboxed: bool = setting(True, "run commands unsandboxed when bubblewrap fails")
    anthropic: AnthropicSettings = section(AnthropicSettings, "Anthropic API")
    openai: OpenAISettings = section(OpenAISettings, "OpenAI or a compatible server")
    local: LocalSettings = section(LocalSettings, "the embedded llama.cpp model")
    permissions: PermissionSettings = section(PermissionSettings, "permission rules")
    reviewer: ReviewerSettings = section(ReviewerSettings, "the auto-mode reviewer")
    memory: MemorySettings = section(MemorySettings, "skeptical memory")
    agents: AgentSettings = section(AgentSettings, "fan-out caps")
    repl: ReplSettings = section(ReplSettings, "the interactive prompt")
    daemon: DaemonSettings = section(DaemonSettings, "always-on mode")
    dream: DreamSettings = section(DreamSettings, "dreaming")
    compaction: CompactionSettings = section(CompactionSettings, "context compaction")
    checkpoints: CheckpointSettings = section(CheckpointSettings, "checkpoints and rewind")
    worktrees: WorktreeSettings = section(WorktreeSettings, "isolated worktrees")
    mcp: McpSettings = section(McpSettings, "MCP servers")
    fleet: FleetSettings = section(FleetSettings, "Temporal workers")
    hooks: dict[str, Any] = setting({}, "hooks by event, as in Claude Code's settings.json")


@dataclass(frozen=True)
class SettingDoc:
    """One row of the settings table."""

    key: str  # dotted: "daemon.tick_seconds"
    kind: str
    default: Any
    doc: str


def _section_of(f: Field[Any]) -> type[Any] | None:
    """The dataclass of a `[table]` field, or None for a plain setting."""
    factory: Any = f.default_factory
    if factory is not MISSING and isinstance(factory, type) and is_dataclass(factory):
        return factory
    return None


def describe(cls: type[Any] = Settings, prefix: str = "") -> list[SettingDoc]:
    """Every setting, in declaration order."""
    rows: list[SettingDoc] = []
    for f in fields(cls):
        sub = _section_of(f)
        if sub is not None:
            rows += describe(sub, f"{prefix}{f.name}.")
            continue
        default = {} if f.default_factory is not MISSING else f.default
        rows.append(SettingDoc(prefix + f.name, str(f.type), default, str(f.metadata["doc"])))
    return rows


def defaults() -> dict[str, Any]:
    """The defaults as the nested dict a config file would spell them (lists for tuples)."""
    out: dict[str, Any] = {}
    for row in describe():
        node = out
        *parents, last = row.key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        value = row.default
        node[last] = (
            list(value)
            if isinstance(value, tuple)
            else dict(value)
            if isinstance(value, dict)
            else value
        )
    return out


def _known(cls: type[Any]) -> dict[str, Field[Any]]:
    return {f.name: f for f in fields(cls)}


def _matches(kind: str, value: Any) -> bool:
    if kind == _BOOL:
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind == _STR:
        return isinstance(value, str)
    if kind == _INT:
        return isinstance(value, int)
    if kind == _FLOAT:
        return isinstance(value, int | float)
    if kind == _STRS:
        return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    if kind == _STR_OR_STRS:
        return isinstance(value, str) or _matches(_STRS, value)
    if kind == _TABLE:
        return isinstance(value, dict)
    raise AssertionError(f"setting type {kind} has no check")


def type_error(key: str, kind: str, value: Any) -> str | None:
    """Why `value` cannot be setting `key` (of type `kind`), or None if it can."""
    if _matches(kind, value):
        return None
    return f"`{key}` must be {_KINDS[kind]}, not {value!r}"


def check(data: dict[str, Any], cls: type[Any] = Settings, prefix: str = "") -> list[str]:
    """Type errors in a config file's data, as `(dotted key) problem` lines; [] if none.

    Unknown keys are not errors here (see `unknown_keys`)."""
    problems: list[str] = []
    known = _known(cls)
    for key, value in data.items():
        f = known.get(key)
        if f is None:
            continue
        name = prefix + key
        sub = _section_of(f)
        if sub is not None:
            if not isinstance(value, dict):
                problems.append(f"`{name}` must be a table ([{name}]), not {value!r}")
                continue
            problems += check(value, sub, name + ".")
            continue
        problem = type_error(name, str(f.type), value)
        if problem:
            problems.append(problem)
    return problems


def unknown_keys(data: dict[str, Any], cls: type[Any] = Settings, prefix: str = "") -> list[str]:
    """Keys of a config file that no setting has, each with the closest known key."""
    import difflib

    out: list[str] = []
    known = _known(cls)
    for key, value in data.items():
        f = known.get(key)
        name = prefix + key
        if f is None:
            everything = [row.key for row in describe()] + [
                prefix + k for k in known if _section_of(known[k])
            ]
            close = difflib.get_close_matches(name, everything, n=1, cutoff=0.6)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            out.append(f"`{name}`{hint}")
        elif (sub := _section_of(f)) is not None and isinstance(value, dict):
            out += unknown_keys(value, sub, name + ".")
    return out


def _value(kind: str, value: Any) -> Any:
    if kind == _FLOAT:
        return float(value)
    if kind == _STRS or (kind == _STR_OR_STRS and not isinstance(value, str)):
        return tuple(str(v) for v in value)
    if kind == _TABLE:
        return dict(value)
    return value


def build(cls: type[Any], data: Any, prefix: str = "") -> Any:
    """An instance of section `cls` from a merged config table; missing keys take their
    default, unknown ones are ignored, a value of the wrong type is a one-line ConfigError."""
    if not isinstance(data, dict):
        name = prefix.rstrip(".") or "config"
        raise ConfigError(f"`{name}` must be a table ([{name}]) in config.toml, not {data!r}")
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        name = prefix + f.name
        sub = _section_of(f)
        if sub is not None:
            values[f.name] = build(sub, value, name + ".")
            continue
        problem = type_error(name, str(f.type), value)
        if problem:
            raise ConfigError(f"{problem}; fix it in config.toml")
        values[f.name] = _value(str(f.type), value)
    return cls(**values)
