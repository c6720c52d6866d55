"""Headless denials say which allow rule would let the call through, in a narrow scope, and
never suggest a mode the run is already in."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.policy.decision import DecisionContext, Policy
from wakeful.policy.types import RiskInput


@pytest.fixture
def env(tmp_path: Path) -> tuple[Paths, Path]:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "a.txt").write_text("a\n")
    home = tmp_path / "home"
    home.mkdir()
    return Paths(ws.resolve(), home / ".local/share/wakeful", home / ".config/wakeful"), home


def decide(env: tuple[Paths, Path], mode: str, risk: RiskInput, allow: list[str] = ()):  # type: ignore[no-untyped-def,assignment]
    paths, home = env
    cfg = Config()
    if allow:
        cfg.set("permissions", "allow", value=list(allow))
    p = Policy.from_config(paths, cfg, mode, False, None, home=home)
    return asyncio.run(p.decide(risk, DecisionContext(session_id="s")))


def bash(cmd: str) -> RiskInput:
    return RiskInput(tool="bash", kind="shell", command=cmd)


@pytest.mark.parametrize(
    ("command", "rule", "not_allowed"),
    [
        ("cp a.txt b.txt", "Bash(cp a.txt b.txt)", "cp a.txt /tmp/elsewhere"),
        ("git push origin main", "Bash(git push:*)", "git reset --hard HEAD~3"),
    ],
)
def test_shell_hint_is_narrow_and_works(env, command: str, rule: str, not_allowed: str) -> None:
    d = decide(env, "default", bash(command))
    assert d.decision == "deny"
    assert d.allow_with == [rule]
    assert f'add "{rule}" to [permissions] allow' in d.reasons[0]
    assert decide(env, "default", bash(command), allow=[rule]).decision == "allow"
    assert decide(env, "default", bash(not_allowed), allow=[rule]).decision == "deny"


def test_compound_command_gets_a_rule_per_simple_command(env) -> None:
    d = decide(env, "default", bash("ls && touch new.txt"))
    assert d.allow_with == ["Bash(ls)", "Bash(touch new.txt)"]
    assert decide(env, "default", bash("ls && touch new.txt"), allow=d.allow_with).decision == (
        "allow"
    )
    assert decide(env, "default", bash("touch other.txt"), allow=d.allow_with).decision == "deny"


def test_edit_hint_names_the_file_not_its_folder(env) -> None:
    risk = RiskInput(tool="edit", kind="write", paths=("a.txt",))
    d = decide(env, "default", risk)
    assert d.allow_with == ["Edit(a.txt)"]
    assert "--permission-mode auto" in d.reasons[0]  # auto would allow a workspace edit
    assert decide(env, "default", risk, allow=["Edit(a.txt)"]).decision == "allow"
    other = RiskInput(tool="edit", kind="write", paths=("b.txt",))
    assert decide(env, "default", other, allow=["Edit(a.txt)"]).decision == "deny"


def test_auto_mode_is_never_told_to_rerun_in_auto(env) -> None:
    d = decide(env, "auto", bash("curl -s https://example.com/x -o x"))
    assert d.decision == "deny"
    assert "--permission-mode auto" not in d.reasons[0]
    assert "[reviewer] model" in d.reasons[0]


def test_network_in_default_mode_needs_a_reviewer_for_auto(env) -> None:
    """Auto mode alone would still ask for a network call, so it is no way out by itself."""
    d = decide(env, "default", bash("curl -s https://example.com/x -o x"))
    assert "set [reviewer] model and rerun with --permission-mode auto" in d.reasons[0]


def test_critical_gets_no_rule(env) -> None:
    d = decide(env, "default", bash("rm -rf ~"))
    assert d.decision == "deny" and d.allow_with == []
    assert "interactive approval" in d.reasons[0]
