"""Hooks with real scripts against the real policy: blocking, JSON verdicts, timeouts, and
the limits on what a hook can loosen."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.errors import ConfigError
from wakeful.core.paths import Paths
from wakeful.extensions.hooks import HookGate, Hooks, _parse_groups, load_hooks
from wakeful.policy.audit import AuditLog
from wakeful.policy.decision import DecisionContext, Policy
from wakeful.policy.rules import RuleSet, parse_rule
from wakeful.policy.types import RiskInput


def setup(
    tmp_path: Path,
    hooks_json: dict,
    mode: str = "default",
    interactive: bool = False,
    rules: list | None = None,
):  # noqa: ANN201
    ws = tmp_path / "ws"
    ws.mkdir(exist_ok=True)
    paths = Paths(ws, tmp_path / "data", tmp_path / "conf")
    paths.ensure()
    hooks, notices = _parse_groups(hooks_json, "settings.json")
    assert notices == []
    config = Config(
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ANTHROPIC_API_KEY": "sk-secret"}
    )
    policy = Policy(paths, mode, interactive, RuleSet(rules or []), home=tmp_path)
    seen: list[str] = []
    gate = HookGate(Hooks(hooks, paths, config, "s1"), policy, seen.append)
    return gate, paths, seen


def cmd(script: str) -> dict:
    return {"type": "command", "command": script}


def bash(command: str) -> RiskInput:
    return RiskInput(tool="bash", kind="shell", command=command)


DCTX = DecisionContext("s1")


async def test_exit_2_blocks_with_stderr_and_is_audited(tmp_path: Path) -> None:
    gate, paths, _ = setup(
        tmp_path,
        {"PreToolUse": [{"matcher": "Bash", "hooks": [cmd("echo 'no pushing' >&2; exit 2")]}]},
        mode="bypass",
    )
    d = await gate.decide("bash", {"command": "git push"}, bash("git push"), DCTX)
    assert d.decision == "deny" and "no pushing" in d.reasons[0]
    rows = AuditLog(paths.audit_db).recent(10)
    assert [(r.decided_by, r.decision, r.tool) for r in rows] == [("hook", "deny", "bash")]
    # a matcher for another tool does not run
    d = await gate.decide(
        "read",
        {"path": "a"},
        RiskInput(tool="read", kind="read", paths=("a",), read_only=True),
        DCTX,
    )
    assert d.decision == "allow"


async def test_hook_sees_json_without_provider_keys(tmp_path: Path) -> None:
    out = tmp_path / "payload.json"
    gate, _, _ = setup(
        tmp_path,
        {"PreToolUse": [{"matcher": "Bash", "hooks": [cmd(f"cat > {out}; env > {out}.env")]}]},
    )
    await gate.decide("bash", {"command": "ls"}, bash("ls"), DCTX)
    data = json.loads(out.read_text())
    assert data["hook_event_name"] == "PreToolUse" and data["tool_name"] == "Bash"
    assert data["tool_input"] == {"command": "ls"} and data["session_id"] == "s1"
    env = Path(f"{out}.env").read_text()
    assert "sk-secret" not in env and "CLAUDE_PROJECT_DIR=" in env


async def test_allow_loosens_only_as_a_rule_could(tmp_path: Path) -> None:
    allow = cmd(
        'echo \'{"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision": "allow"}}\''
    )
    deny_rule = parse_rule("Bash(git push:*)", "deny", "user")
    gate, _, _ = setup(
        tmp_path, {"PreToolUse": [{"matcher": "*", "hooks": [allow]}]}, rules=[deny_rule]
    )
    # headless default mode: a workspace write would be denied; the hook allows it
    write = RiskInput(tool="write", kind="write", paths=(str(tmp_path / "ws" / "a.txt"),))
    assert (await gate.decide("write", {}, write, DCTX)).decision == "allow"
    # a user deny rule still wins
    assert (await gate.decide("bash", {}, bash("git push origin"), DCTX)).decision == "deny"
    # the critical floor holds
    d = await gate.decide("bash", {}, bash("rm -rf ~"), DCTX)
    assert d.tier == "critical" and d.decision == "deny"


async def test_ask_tightens_and_json_deny_blocks(tmp_path: Path) -> None:
    ask = cmd(
        'echo \'{"hookSpecificOutput": {"permissionDecision": "ask", "permissionDecisionReason": "check first"}}\''
    )
    gate, _, _ = setup(tmp_path, {"PreToolUse": [{"matcher": "Read", "hooks": [ask]}]})
    read = RiskInput(tool="read", kind="read", paths=(str(tmp_path / "ws" / "x"),), read_only=True)
    d = await gate.decide("read", {}, read, DCTX)
    assert d.decision == "deny" and "check first" in d.reasons[0]  # headless: ask -> deny
    gate, _, _ = setup(
        tmp_path, {"PreToolUse": [{"matcher": "Read", "hooks": [ask]}]}, interactive=True
    )
    assert (await gate.decide("read", {}, read, DCTX)).decision == "ask"
    block = cmd('echo \'{"decision": "block", "reason": "frozen"}\'')
    gate, _, _ = setup(tmp_path, {"PreToolUse": [{"matcher": "Read|Grep", "hooks": [block]}]})
    d = await gate.decide("read", {}, read, DCTX)
    assert d.decision == "deny" and "frozen" in d.reasons[0]
    halt = cmd('echo \'{"continue": false, "stopReason": "maintenance window"}\'')
    gate, _, _ = setup(tmp_path, {"PreToolUse": [{"matcher": "Read", "hooks": [halt]}]})
    d = await gate.decide("read", {}, read, DCTX)
    assert d.decision == "deny" and "maintenance window" in d.reasons[0]


async def test_timeout_and_failures_are_notices_not_verdicts(tmp_path: Path) -> None:
    slow = {"type": "command", "command": "sleep 30", "timeout": 1}
    gate, _, seen = setup(
        tmp_path,
        {"PreToolUse": [{"matcher": "Bash", "hooks": [slow, cmd("exit 1"), cmd("echo not json")]}]},
        mode="bypass",
    )
    started = time.monotonic()
    d = await gate.decide("bash", {}, bash("ls"), DCTX)
    assert time.monotonic() - started < 5
    assert d.decision == "allow"
    assert any("timed out after 1s" in s for s in seen)
    assert any("failed (exit 1)" in s for s in seen)


async def test_post_tool_use_feedback_and_context(tmp_path: Path) -> None:
    gate, _, _ = setup(
        tmp_path,
        {
            "PostToolUse": [
                {
                    "matcher": "Edit|Write",
                    "hooks": [cmd("echo 'lint: line 3 too long' >&2; exit 2")],
                },
                {
                    "matcher": "mcp__fx__.*",
                    "hooks": [
                        cmd('echo \'{"hookSpecificOutput": {"additionalContext": "from fx"}}\'')
                    ],
                },
            ]
        },
    )
    out = await gate.after("edit", {}, "edited", False)
    assert out.startswith("edited") and "lint: line 3 too long" in out
    out = await gate.after("mcp__fx__echo", {}, "echo: x", False)
    assert out.endswith("[hook context] from fx")
    assert await gate.after("bash", {}, "same", False) == "same"


def test_loading_respects_trust_and_reports_bad_files(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / ".claude").mkdir(parents=True)
    (ws / ".claude" / "settings.json").write_text(
        json.dumps({"hooks": {"Stop": [{"hooks": [cmd("true")]}], "FancyNewEvent": []}})
    )
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    (home / ".claude" / "settings.json").write_text(
        json.dumps({"hooks": {"Notification": [{"hooks": [cmd("true")]}]}})
    )
    paths = Paths(ws, tmp_path / "data", tmp_path / "conf")
    untrusted = Config(env={"HOME": str(home)}, trusted=False)
    hooks, notices = load_hooks(paths, untrusted)
    assert [h.event for h in hooks] == ["Notification"]  # the user's own always apply
    assert "did not run hooks from" in notices[-1]
    paths.user_config.mkdir(parents=True)
    paths.user_config_file.write_text(
        '[[hooks.PostToolUse]]\nmatcher = "Edit"\nhooks = [{command = "make lint", timeout = 5}]\n'
    )
    hooks, notices = load_hooks(paths, Config(env={"HOME": str(home)}, trusted=True))
    assert sorted(h.event for h in hooks) == ["Notification", "PostToolUse", "Stop"]
    toml_hook = next(h for h in hooks if h.event == "PostToolUse")
    assert (toml_hook.matcher, toml_hook.command, toml_hook.timeout) == ("Edit", "make lint", 5.0)
    assert any("FancyNewEvent" in n for n in notices)
    (ws / ".claude" / "settings.json").write_text('{"hooks": {"Stop": "nope"}}')
    with pytest.raises(ConfigError, match="hooks.Stop must be a list"):
        load_hooks(paths, Config(env={"HOME": str(home)}, trusted=True))


def test_mcp_rules_parse_and_govern() -> None:
    from wakeful.policy.rules import parse_rule

    one = parse_rule("mcp__github__create_issue", "allow", "cfg")
    assert one.governs("mcp__github__create_issue") and not one.governs("mcp__github__delete")
    star = parse_rule("mcp__github__*", "deny", "cfg")
    assert star.governs("mcp__github__delete") and not star.governs("mcp__gitlab__x")
    server = parse_rule("mcp__github", "ask", "cfg")
    assert server.governs("mcp__github__anything") and not server.governs("mcp__githubx__a")
    assert not parse_rule("Bash", "allow", "cfg").governs("mcp__github__x")
    with pytest.raises(ConfigError, match="MCP tools take no specifier"):
        parse_rule("mcp__github__x(foo)", "allow", "cfg")
    with pytest.raises(ConfigError, match="write mcp__SERVER__TOOL"):
        parse_rule("mcp__", "allow", "cfg")


async def test_pre_compact_runs_when_a_compaction_replaces_the_context(tmp_path: Path) -> None:
    from wakeful.extensions.session import Extensions, HookedCompactor

    marker = tmp_path / "compacted"
    ws = tmp_path / "ws"
    ws.mkdir()
    paths = Paths(ws, tmp_path / "data", tmp_path / "conf")
    manual_only = tmp_path / "manual"
    hooks, _ = _parse_groups(
        {
            "PreCompact": [
                {"matcher": "auto", "hooks": [cmd(f"cat > {marker}")]},
                {"matcher": "manual", "hooks": [cmd(f"touch {manual_only}")]},
            ]
        },
        "s",
    )
    ext = Extensions(paths, Config(env={"PATH": "/usr/bin:/bin"}))
    ext.hooks = Hooks(hooks, paths, ext.config, "s1")

    class Inner:
        def __init__(self, result: list | None) -> None:
            self.result = result

        async def maybe_compact(self, messages: list, last: object) -> list | None:
            return self.result

    assert await HookedCompactor(Inner(None), ext).maybe_compact([], None) is None
    assert not marker.exists()
    assert await HookedCompactor(Inner(["x"]), ext).maybe_compact([], None) == ["x"]
    assert json.loads(marker.read_text())["trigger"] == "auto"
    assert not manual_only.exists()  # its matcher names the other trigger
