"""Claude Code's permission rules (.claude/settings.json, settings.local.json, the user's
~/.claude/settings.json) read into wakeful's, through the real CLI, trust boundary included."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wakeful.policy.claude_rules import translate


def _settings(repo: Path, name: str, permissions: dict) -> None:
    (repo / ".claude").mkdir(exist_ok=True)
    (repo / ".claude" / name).write_text(json.dumps({"permissions": permissions}))


@pytest.mark.parametrize(
    ("claude", "wakeful"),
    [
        ("Bash(npm run test:*)", "Bash(npm run test:*)"),
        ("Bash", "Bash"),
        ("Read(./secrets/**)", "Read(secrets/**)"),
        ("Edit(//etc/hosts)", "Edit(/etc/hosts)"),
        ("Edit(/src/**)", "Edit(/ws/src/**)"),
        ("Read(~/.ssh/**)", "Read(~/.ssh/**)"),
        ("MultiEdit(docs/**)", "Edit(docs/**)"),
        ("Task", "Delegate"),
        ("TodoWrite", "Todo"),
        ("mcp__github__create_issue", "mcp__github__create_issue"),
        ("mcp__github", "mcp__github"),
    ],
)
def test_translate(claude: str, wakeful: str) -> None:
    assert translate(claude, Path("/ws"), Path("/home/u"), project=True) == wakeful


@pytest.mark.parametrize(
    ("claude", "why"),
    [
        ("WebFetch(domain:example.com)", "wakeful has no WebFetch tool"),
        ("WebSearch", "wakeful has no WebSearch tool"),
        ("NotebookEdit(x.ipynb)", "wakeful has no NotebookEdit tool"),
        ("Read(../outside/**)", "`..` in a path rule"),
        ("Bash(", "expected Tool or Tool(specifier)"),
    ],
)
def test_translate_rejects(claude: str, why: str) -> None:
    with pytest.raises(ValueError, match=re.escape(why)):
        translate(claude, Path("/ws"), Path("/home/u"), project=True)


BASH_STAR = {"allow": ["Bash(*)", "Edit(**)", "mcp__fx"], "additionalDirectories": ["~"]}


@pytest.mark.slow
def test_untrusted_clone_allowing_everything_gets_nothing(
    cli, script, untrusted_repo: Path, tmp_path: Path
) -> None:
    _settings(untrusted_repo, "settings.json", BASH_STAR)
    _settings(untrusted_repo, "settings.local.json", {"allow": ["Bash(touch:*)"]})
    turns = script(
        "t",
        [
            {"tool_calls": [{"name": "bash", "input": {"command": "touch pwned"}}]},
            {"text": "done"},
        ],
    )
    r = cli(["-p", "go", "--model", f"scripted:{turns}"], cwd=untrusted_repo)
    assert r.returncode == 0, r.stderr
    assert not (untrusted_repo / "pwned").exists()
    assert "untrusted workspace: ignored permissions.allow from" in r.stderr
    assert "permissions.additionalDirectories from" in r.stderr
    assert "settings.local.json" in r.stderr
    listed = cli(["rules", "--json"], cwd=untrusted_repo).json()
    assert listed["rules"] == []
    # the same file in a workspace the user trusts does apply
    from tests.conftest import trust_workspace

    trust_workspace(tmp_path / "home", untrusted_repo)
    r = cli(["-p", "go", "--model", f"scripted:{turns}"], cwd=untrusted_repo)
    assert r.returncode == 0, r.stderr
    assert (untrusted_repo / "pwned").exists()
    listed = cli(["rules", "--json"], cwd=untrusted_repo).json()
    rules = {(row["kind"], row["rule"]) for row in listed["rules"]}
    assert ("allow", "Bash(*)") in rules and ("allow", "Bash(touch:*)") in rules
    home_dir = str(tmp_path / "home")
    assert ("allow", f"Read({home_dir}/**)") in rules  # additionalDirectories
    assert listed["notices"] == []


@pytest.mark.slow
def test_untrusted_deny_and_ask_rules_tighten(
    cli, script, untrusted_repo: Path, tmp_path: Path
) -> None:
    (untrusted_repo / "secrets").mkdir()
    (untrusted_repo / "secrets" / "key.txt").write_text("hunter2\n")
    _settings(
        untrusted_repo,
        "settings.json",
        {
            "deny": ["Read(./secrets/**)", "WebFetch(domain:example.com)"],
            "ask": ["Bash(git status:*)"],
            "defaultMode": "acceptEdits",
        },
    )
    turns = script(
        "t",
        [
            {
                "tool_calls": [
                    {"name": "read", "input": {"path": "secrets/key.txt"}},
                    {"name": "read", "input": {"path": "app.py"}},
                    {"name": "bash", "input": {"command": "git status --short"}},
                ]
            },
            {"text": "done"},
        ],
    )
    log = tmp_path / "requests.jsonl"
    r = cli(
        ["-p", "go", "--model", f"scripted:{turns}", "--permission-mode", "auto"],
        cwd=untrusted_repo,
        env={"WAKEFUL_REQUEST_LOG": str(log)},
    )
    assert r.returncode == 0, r.stderr
    last = json.loads(log.read_text().splitlines()[-1])["request"]
    results = [b for b in last["messages"][-1]["content"] if b["type"] == "tool_result"]
    assert results[0]["is_error"] and "Read(./secrets/**)" in results[0]["content"]
    assert "hunter2" not in json.dumps(last)
    assert not results[1]["is_error"]  # other reads still work
    # git status is read-only and auto mode would allow it; the ask rule holds it back
    assert results[2]["is_error"] and "Bash(git status:*)" in results[2]["content"]
    # what could not be mapped is one line each, never silent
    assert "rule 'WebFetch(domain:example.com)' is not applied: wakeful has no WebFetch" in (
        r.stderr
    )
    assert "permissions.defaultMode is not read by wakeful" in r.stderr


@pytest.mark.slow
def test_user_claude_settings_and_bad_json(cli, git_repo: Path, home: Path) -> None:
    (home / ".claude").mkdir()
    (home / ".claude" / "settings.json").write_text(
        json.dumps({"permissions": {"allow": ["Bash(make test:*)"]}})
    )
    r = cli(["classify", "--json", "--", "make", "test", "unit"], cwd=git_repo)
    assert r.json()["decision"] == "allow"
    assert "Bash(make test:*)" in r.json()["matched_rule"]
    (git_repo / ".claude").mkdir()
    (git_repo / ".claude" / "settings.json").write_text("{not json")
    r = cli(["classify", "--", "ls"], cwd=git_repo)
    assert r.returncode != 0
    assert "settings.json: malformed JSON at line 1" in r.stderr
    assert "Traceback" not in r.stderr
