"""The interactive REPL under a pseudo-terminal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pexpect


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    import os

    scrub = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL", "WAKEFUL_MODEL")
    env = {k: v for k, v in os.environ.items() if k not in scrub}
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            **extra,
        }
    )
    return env


def spawn(args: list[str], cwd: Path, home: Path) -> pexpect.spawn:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "wakeful.cli.main", *args],
        cwd=str(cwd),
        env=clean_env(home, TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1"),
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 160),
    )
    return child


def test_repl_turn_permission_cost_and_exit(git_repo: Path, home: Path, script) -> None:
    turns = script(
        "repl",
        [
            {"text": "hello from the model"},
            {
                "tool_calls": [
                    {
                        "name": "edit",
                        "input": {"path": "app.py", "old_string": "nme", "new_string": "name"},
                    }
                ]
            },
            {"tool_calls": [{"name": "read", "input": {"path": "app.py"}}]},
            {
                "tool_calls": [
                    {
                        "name": "edit",
                        "input": {"path": "app.py", "old_string": "nme", "new_string": "name"},
                    }
                ]
            },
            {"text": "fixed"},
        ],
    )
    child = spawn(["--model", f"scripted:{turns}"], git_repo, home)
    try:
        child.expect("/help for commands")
        child.expect("›")
        child.sendline("say hello")
        child.expect("hello from the model")
        child.expect("›")
        child.sendline("/cost")
        child.expect("requests 1")
        child.expect("›")
        child.sendline("fix app.py")
        # the edit asks first; approved, it still fails because the file was not read yet
        child.expect("Allow\\? ")
        child.sendline("y")
        # then read (allowed without asking), then the edit asks again
        child.expect("Allow\\? ")
        child.sendline("a")
        child.expect("fixed")
        child.expect("›")
        child.sendline("/exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert '"hello " + name' in (git_repo / "app.py").read_text()
    audit = subprocess.run(
        [sys.executable, "-m", "wakeful.cli.main", "audit", "--json"],
        cwd=git_repo,
        env=clean_env(home),
        capture_output=True,
        text=True,
        check=True,
    )
    entries = [json.loads(line) for line in audit.stdout.splitlines()]
    answers = [e for e in entries if e["decided_by"] == "user"]
    assert [(e["tool"], e["decision"]) for e in answers] == [("edit", "allow"), ("edit", "allow")]


def test_ctrl_c_cancels_a_running_turn(git_repo: Path, home: Path, script) -> None:
    turns = script(
        "slow",
        [
            {"tool_calls": [{"name": "bash", "input": {"command": "sleep 30", "timeout": 60}}]},
            {"text": "second turn works"},
        ],
    )
    child = spawn(["--model", f"scripted:{turns}", "--permission-mode", "bypass"], git_repo, home)
    try:
        child.expect("›")
        child.sendline("run something slow")
        child.expect("bash")
        child.sendintr()
        child.expect("turn cancelled")
        child.expect("›")
        child.sendline("again")
        child.expect("second turn works")
        child.expect("›")
        child.sendeof()
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    transcript = next((git_repo / ".wakeful/sessions").glob("*.jsonl")).read_text()
    assert '"interrupted"' in transcript
    assert "cancelled by the user" in transcript


def test_a_sub_agent_question_is_put_to_the_user(git_repo: Path, home: Path, script) -> None:
    turns = script(
        "ask",
        [
            {
                "tool_calls": [
                    {
                        "name": "delegate",
                        "input": {"tasks": [{"prompt": "tidy the imports", "kind": "fresh"}]},
                    }
                ]
            },
            {
                "tool_calls": [
                    {
                        "name": "post_message",
                        "input": {"kind": "question", "text": "Which branch should I use?"},
                    }
                ]
            },
            {"text": "worker finished"},
            {"text": "all done"},
        ],
    )
    child = spawn(["--model", f"scripted:{turns}", "--permission-mode", "auto"], git_repo, home)
    try:
        child.expect("›")
        child.sendline("delegate something")
        child.expect("Which branch should I use")
        child.expect("answer \\(Enter: let it decide\\)")
        child.sendline("use main")
        child.expect("all done")
        child.expect("›")
        child.sendline("/exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    transcript = next((git_repo / ".wakeful/sessions").glob("*.jsonl")).read_text()
    assert "use main" in transcript  # the answer reached the worker as its tool result


def test_repl_asks_once_to_trust_an_untrusted_workspace(
    untrusted_repo: Path, home: Path, script
) -> None:
    (untrusted_repo / ".wakeful").mkdir()
    (untrusted_repo / ".wakeful/config.toml").write_text('[permissions]\nallow = ["Bash"]\n')
    turns = script("t", [{"text": "hi"}])
    child = spawn(["--model", f"scripted:{turns}"], untrusted_repo, home)
    child.expect("not trusted")
    child.expect("Trust this workspace")
    child.sendline("y")
    child.expect("trusted ")
    child.expect("›")
    child.sendeof()
    child.expect(pexpect.EOF)
    trust = json.loads((home / ".local/share/wakeful/trust.json").read_text())
    assert [t["path"] for t in trust["trusted"]] == [str(untrusted_repo.resolve())]
    # Trusted now: no question the second time.
    child = spawn(["--model", f"scripted:{turns}"], untrusted_repo, home)
    index = child.expect(["Trust this workspace", "›"])
    assert index == 1
    child.sendeof()
    child.expect(pexpect.EOF)
