"""Lifecycle hooks in Claude Code's protocol.

Hooks are shell commands run at events (`EVENTS`). Each gets one JSON object on stdin
(`session_id`, `transcript_path`, `cwd`, `hook_event_name`, plus `tool_name`/`tool_input`/
`tool_response`, `prompt`, `message`, `stop_hook_active`, `source`, `reason`, `trigger` as
the event has them). Exit 0 is success (stdout may be a JSON object); exit 2 blocks, and its
stderr is fed back (to the model for tool and stop events); any other exit is a
non-blocking error shown as a notice. A hook that outlives its timeout is killed.

JSON output honoured: `continue: false` (+ `stopReason`), `decision: "block"` (+ `reason`),
legacy `decision: "approve"`, `hookSpecificOutput.permissionDecision` (allow | deny | ask,
+ `permissionDecisionReason`), `hookSpecificOutput.additionalContext`, `systemMessage`.

A hook's verdict on a tool call can always make the policy's decision stricter; "allow"
loosens it only as far as a user allow rule for that very call could (deny rules, the
critical hard-line floor and unparsable commands still hold). Every hook decision is
appended to the audit log.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import os
import re
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wakeful.core.config import Config, read_toml
from wakeful.core.errors import ConfigError
from wakeful.core.paths import Paths
from wakeful.policy.audit import AuditEntry, AuditLog
from wakeful.policy.decision import DecisionContext
from wakeful.policy.rules import Rule, RuleSet
from wakeful.policy.types import Decision, RiskInput, Tier

EVENTS = (
    "PreToolUse",
    "PostToolUse",
    "UserPromptSubmit",
    "Stop",
    "SubagentStop",
    "SessionStart",
    "SessionEnd",
    "PreCompact",
    "Notification",
)
TOOL_EVENTS = frozenset({"PreToolUse", "PostToolUse"})
# Events whose matcher is compared with one field of the payload, not a tool name.
MATCHED_FIELDS = {
    "SessionStart": "source",
    "PreCompact": "trigger",
    "Notification": "notification_type",
}
# Notification types (`notification_type`, what a Notification matcher sees): Claude Code's
# `permission_prompt` and `idle_prompt`, and the daemon's own.
PERMISSION_PROMPT = "permission_prompt"
IDLE_PROMPT = "idle_prompt"
# wakeful tool name -> Claude Code's, so matchers written for Claude Code work unchanged.
CLAUDE_NAMES = {
    "bash": "Bash",
    "read": "Read",
    "write": "Write",
    "edit": "Edit",
    "glob": "Glob",
    "grep": "Grep",
    "delegate": "Task",
    "todo": "TodoWrite",
}
DEFAULT_TIMEOUT = 60.0
OUTPUT_CAP = 10_000
# Variables a hook never sees: the provider keys wakeful itself uses.
_SECRET_VARS = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_AUTH_TOKEN")


@dataclass(frozen=True)
class Hook:
    event: str
    matcher: str
    command: str
    timeout: float
    source: str

    def matches(self, names: tuple[str, ...]) -> bool:
        if self.matcher in ("", "*"):
            return True
        try:
            pattern = re.compile(self.matcher)
        except re.error:
            return self.matcher in names
        return any(pattern.fullmatch(n) for n in names)


@dataclass
class HookOutcome:
    """What the hooks of one event said, combined: block wins; deny > ask > allow."""

    blocked: bool = False
    permission: str | None = None
    reasons: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)
    stop: str | None = None  # continue: false, with its stopReason
    notices: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "; ".join(r for r in self.reasons if r) or "blocked by a hook"


_PERMISSION_RANK = {None: 0, "allow": 1, "ask": 2, "deny": 3}


def _parse_groups(raw: Any, source: str) -> tuple[list[Hook], list[str]]:
    hooks: list[Hook] = []
    notices: list[str] = []
    if raw is None:
        return hooks, notices
    if not isinstance(raw, dict):
        raise ConfigError(
            f'{source}: `hooks` must map event names to lists, e.g. {{"Stop": [...]}}'
        )
    for event, groups in raw.items():
        if event not in EVENTS:
            notices.append(f"{source}: hook event {event!r} is not supported; it is ignored")
            continue
        if not isinstance(groups, list):
            raise ConfigError(f"{source}: hooks.{event} must be a list of {{matcher, hooks}}")
        for group in groups:
            if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
                raise ConfigError(
                    f'{source}: each hooks.{event} entry needs "hooks": [{{"type": "command", '
                    '"command": "..."}]'
                )
            matcher = group.get("matcher", "") or ""
            if not isinstance(matcher, str):
                raise ConfigError(f"{source}: hooks.{event} matcher must be a string")
            for h in group["hooks"]:
                if not isinstance(h, dict):
                    raise ConfigError(f"{source}: hooks.{event}: each hook must be an object")
                if h.get("type", "command") != "command":
                    notices.append(
                        f"{source}: {event} hook of type {h.get('type')!r} is not supported; "
                        "only command hooks run"
                    )
                    continue
                command = h.get("command")
                if not isinstance(command, str) or not command.strip():
                    raise ConfigError(f"{source}: hooks.{event}: `command` must be a string")
                timeout = h.get("timeout", DEFAULT_TIMEOUT)
                if (
                    not isinstance(timeout, int | float)
                    or isinstance(timeout, bool)
                    or timeout <= 0
                ):
                    raise ConfigError(f"{source}: hooks.{event}: `timeout` must be seconds > 0")
                hooks.append(Hook(event, matcher, command, float(timeout), source))
    return hooks, notices


def _json_hooks(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: malformed JSON at line {exc.lineno}: {exc.msg}") from None
    return data.get("hooks") if isinstance(data, dict) else None


def _toml_hooks(path: Path) -> Any:
    return read_toml(path).get("hooks") if path.is_file() else None


def hook_files(paths: Paths, home: Path) -> tuple[list[Path], list[Path]]:
    """(user files, project files) hooks are read from, in order."""
    user = [home / ".claude" / "settings.json", paths.user_config_file]
    project = [
        paths.workspace / ".claude" / "settings.json",
        paths.workspace / ".claude" / "settings.local.json",
        paths.project_config,
    ]
    return user, project


def load_hooks(paths: Paths, config: Config) -> tuple[list[Hook], list[str]]:
    """Hooks from user files always, from project files only in a trusted workspace."""
    home = Path(config.env.get("HOME") or Path.home())
    user, project = hook_files(paths, home)
    hooks: list[Hook] = []
    notices: list[str] = []
    skipped: list[str] = []
    for path in [*user, *project]:
        raw = _toml_hooks(path) if path.suffix == ".toml" else _json_hooks(path)
        if not raw:
            continue
        if path in project and not config.trusted:
            skipped.append(str(path))
            continue
        found, why = _parse_groups(raw, str(path))
        hooks += found
        notices += why
    if skipped:
        notices.append(
            f"untrusted workspace: did not run hooks from {', '.join(skipped)} "
            "(run `wakeful trust` here to enable them)"
        )
    return hooks, notices


class Hooks:
    """Runs hooks for one session and records their decisions."""

    def __init__(
        self,
        hooks: list[Hook],
        paths: Paths,
        config: Config,
        session_id: str = "",
        transcript_path: str = "",
        audit: AuditLog | None = None,
    ) -> None:
        self.hooks = hooks
        self.paths = paths
        self.session_id = session_id
        self.transcript_path = transcript_path
        if audit is None:
            from wakeful.policy.audit_pg import open_audit_log

            audit = open_audit_log(paths, config)
        self.audit = audit
        env = {k: v for k, v in config.env.items() if k not in _SECRET_VARS}
        env["CLAUDE_PROJECT_DIR"] = str(paths.workspace)
        env["WAKEFUL_PROJECT_DIR"] = str(paths.workspace)
        self.env = env

    def has(self, event: str) -> bool:
        return any(h.event == event for h in self.hooks)

    async def notify(self, message: str, kind: str, **extra: Any) -> list[str]:
        """Run the Notification hooks whose matcher takes `kind`; their notices. A
        Notification hook only informs: its exit code and output decide nothing."""
        if not self.has("Notification"):
            return []
        data = {"message": message, "notification_type": kind, **extra}
        return (await self.run("Notification", data)).notices

    async def run(self, event: str, data: dict[str, Any], tool: str | None = None) -> HookOutcome:
        names: tuple[str, ...] = ()
        if tool is not None:
            names = (tool, CLAUDE_NAMES[tool]) if tool in CLAUDE_NAMES else (tool,)
        elif event in MATCHED_FIELDS:  # SessionStart matches its source, PreCompact its trigger
            names = (str(data.get(MATCHED_FIELDS[event], "")),)
        chosen: list[Hook] = []
        for h in self.hooks:
            if h.event != event or (names and not h.matches(names)):
                continue
            if h.command not in {c.command for c in chosen}:
                chosen.append(h)
        outcome = HookOutcome()
        if not chosen:
            return outcome
        payload = {
            "session_id": self.session_id,
            "transcript_path": self.transcript_path,
            "cwd": str(self.paths.workspace),
            "hook_event_name": event,
            **data,
        }
        if tool is not None:
            payload["tool_name"] = CLAUDE_NAMES.get(tool, tool)
            payload["wakeful_tool_name"] = tool
        body = json.dumps(payload, ensure_ascii=False, default=str).encode()
        results = await asyncio.gather(*(self._exec(h, body) for h in chosen))
        for hook, (code, out, err) in zip(chosen, results, strict=True):
            _fold(outcome, event, hook, code, out, err)
        return outcome

    async def _exec(self, hook: Hook, body: bytes) -> tuple[int | None, str, str]:
        try:
            proc = await asyncio.create_subprocess_exec(
                "/bin/sh",
                "-c",
                hook.command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=str(self.paths.workspace),
                env=self.env,
                start_new_session=True,
            )
        except OSError as exc:
            return None, "", f"could not start: {exc}"
        try:
            out, err = await asyncio.wait_for(proc.communicate(body), hook.timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                await proc.wait()
            return None, "", f"timed out after {hook.timeout:g}s and was stopped"
        except asyncio.CancelledError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            raise
        return (
            proc.returncode,
            out.decode("utf-8", "replace")[:OUTPUT_CAP],
            err.decode("utf-8", "replace")[:OUTPUT_CAP],
        )

    # ---- audit ---------------------------------------------------------------------------
    def record(self, event: str, tool: str, verdict: str, outcome: HookOutcome, tier: str) -> None:
        self.audit.append(
            AuditEntry(
                tool=tool,
                input={"event": event, "hooks": outcome.sources},
                tier=tier,
                decision=verdict,
                reasons=[outcome.reason] if verdict != "allow" else list(outcome.reasons),
                matched_rule="; ".join(outcome.sources) or None,
                mode="hook",
                session_id=self.session_id,
                decided_by="hook",
                workspace=str(self.paths.workspace),
            )
        )


def _fold(
    outcome: HookOutcome, event: str, hook: Hook, code: int | None, out: str, err: str
) -> None:
    label = f"{hook.event} hook `{hook.command[:80]}` ({hook.source})"
    if code is None:
        outcome.notices.append(f"{label} {err}")
        return
    if code == 2:
        outcome.blocked = True
        outcome.reasons.append(err.strip() or "blocked (exit 2)")
        outcome.sources.append(label)
        return
    if code != 0:
        outcome.notices.append(f"{label} failed (exit {code}): {err.strip()[:300]}")
        return
    text = out.strip()
    data: Any = None
    if text.startswith("{"):
        with contextlib.suppress(json.JSONDecodeError):
            data = json.loads(text)
    if not isinstance(data, dict):
        # Plain stdout is context for prompt and session-start events, as in Claude Code.
        if text and event in ("UserPromptSubmit", "SessionStart"):
            outcome.context.append(text)
        return
    if data.get("continue") is False:
        outcome.stop = str(data.get("stopReason") or "a hook stopped the session")
        outcome.sources.append(label)
    if isinstance(data.get("systemMessage"), str):
        outcome.notices.append(data["systemMessage"])
    decision = data.get("decision")
    reason = str(data.get("reason") or "")
    if decision == "block":
        outcome.blocked = True
        outcome.reasons.append(reason or "blocked")
        outcome.sources.append(label)
    elif decision == "approve" and event == "PreToolUse":
        _permit(outcome, "allow", reason, label)
    specific = data.get("hookSpecificOutput")
    if isinstance(specific, dict):
        perm = specific.get("permissionDecision")
        if event == "PreToolUse" and perm in ("allow", "deny", "ask"):
            _permit(outcome, perm, str(specific.get("permissionDecisionReason") or ""), label)
        extra = specific.get("additionalContext")
        if isinstance(extra, str) and extra.strip():
            outcome.context.append(extra.strip())


def _permit(outcome: HookOutcome, perm: str, reason: str, label: str) -> None:
    if _PERMISSION_RANK[perm] > _PERMISSION_RANK[outcome.permission]:
        outcome.permission = perm
    outcome.reasons.append(reason)
    outcome.sources.append(label)


def _interactive(policy: Any) -> bool:
    while not hasattr(policy, "interactive") and hasattr(policy, "inner"):
        policy = policy.inner
    return bool(getattr(policy, "interactive", False))


def _tier(policy: Any, risk: RiskInput) -> Tier:
    """The classifier's tier, through any wrapper (a worker's policy wraps the parent's)."""
    while not hasattr(policy, "classify") and hasattr(policy, "inner"):
        policy = policy.inner
    if not hasattr(policy, "classify"):
        return Tier.HIGH
    tier: Tier = policy.classify(risk).tier
    return tier


def _with_rule(policy: Any, rule: Rule) -> Any:
    """A shallow copy of `policy` that also has `rule` (wrappers are copied down to the
    Policy they wrap); a policy without rules is returned unchanged."""
    if hasattr(policy, "rules") and isinstance(policy.rules, RuleSet):
        loosened = copy.copy(policy)
        loosened.rules = RuleSet([*policy.rules.rules, rule], policy.rules.lift_hardline)
        return loosened
    if hasattr(policy, "inner"):
        wrapper = copy.copy(policy)
        wrapper.inner = _with_rule(policy.inner, rule)
        return wrapper
    return policy


class HookGate:
    """The dispatcher's gate: PreToolUse hooks around the policy, PostToolUse after a run,
    Notification when the user is asked."""

    def __init__(
        self, hooks: Hooks, policy: Any, on_notice: Callable[[str], None] | None = None
    ) -> None:
        self.hooks = hooks
        self.policy = policy
        self.on_notice = on_notice or (lambda message: None)

    async def decide(
        self, tool: str, args: dict[str, Any], risk: RiskInput, dctx: DecisionContext
    ) -> Decision:
        if not self.hooks.has("PreToolUse"):
            return await self.policy.decide(risk, dctx)
        outcome = await self.hooks.run("PreToolUse", {"tool_input": args}, tool=tool)
        for notice in outcome.notices:
            self._notice(notice)
        if outcome.blocked or outcome.permission == "deny" or outcome.stop:
            if outcome.stop and not outcome.blocked:
                outcome.reasons.insert(0, outcome.stop)
            tier = _tier(self.policy, risk)
            self.hooks.record("PreToolUse", tool, "deny", outcome, tier)
            return Decision(tier, "deny", [f"blocked by hook: {outcome.reason}"], None)
        if outcome.permission == "allow":
            # Exactly what a user allow rule for this tool could do, and no more.
            rule = Rule("allow", risk.tool.lower(), None, "hook", f"hook allow ({tool})")
            decision: Decision = await _with_rule(self.policy, rule).decide(risk, dctx)
            self.hooks.record("PreToolUse", tool, "allow", outcome, decision.tier)
            return decision
        decision = await self.policy.decide(risk, dctx)
        if outcome.permission == "ask":
            self.hooks.record("PreToolUse", tool, "ask", outcome, decision.tier)
            if decision.decision == "allow":
                why = f"a hook asks for approval: {outcome.reason}"
                if _interactive(self.policy):
                    return Decision(decision.tier, "ask", [why, *decision.reasons], None)
                return Decision(
                    decision.tier,
                    "deny",
                    [f"{why}; this run is not interactive, so it is denied", *decision.reasons],
                    None,
                )
        return decision

    async def after(self, tool: str, args: dict[str, Any], content: str, is_error: bool) -> str:
        """PostToolUse: feedback from a blocking hook, and added context, follow the result."""
        if not self.hooks.has("PostToolUse"):
            return content
        outcome = await self.hooks.run(
            "PostToolUse",
            {"tool_input": args, "tool_response": {"content": content, "is_error": is_error}},
            tool=tool,
        )
        for notice in outcome.notices:
            self._notice(notice)
        extra = []
        if outcome.blocked:
            self.hooks.record("PostToolUse", tool, "deny", outcome, "read_only")
            extra.append(f"[PostToolUse hook feedback] {outcome.reason}")
        extra += [f"[hook context] {c}" for c in outcome.context]
        return content + ("\n\n" + "\n".join(extra) if extra else "")

    async def notify(self, message: str, kind: str = PERMISSION_PROMPT) -> None:
        for notice in await self.hooks.notify(message, kind):
            self._notice(notice)

    def for_policy(self, policy: Any) -> HookGate:
        """The same hooks around another policy (a sub-agent's wrapper)."""
        return HookGate(self.hooks, policy, self.on_notice)

    def _notice(self, message: str) -> None:
        self.on_notice(message)
