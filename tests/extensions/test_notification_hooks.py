"""Notification hooks: a permission prompt waiting for the user and the REPL idle at its
prompt (Claude Code's `permission_prompt` and `idle_prompt`), with real hook scripts."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pexpect

RECORD = r"""
import json, sys
data = json.load(sys.stdin)
with open(sys.argv[1], "a") as f:
    f.write(json.dumps(data) + "\n")
"""


def _hook(script: Path, log: Path) -> dict[str, str]:
    return {"type": "command", "command": f"{sys.executable} {script} {log}"}


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_permission_prompt_and_idle_prompt_run_notification_hooks(
    git_repo: Path, home: Path, script, tmp_path: Path
) -> None:
    record = tmp_path / "record.py"
    record.write_text(RECORD)
    every, idle_only = tmp_path / "every.log", tmp_path / "idle.log"
    (git_repo / ".claude").mkdir()
    (git_repo / ".claude" / "settings.json").write_text(
        json.dumps(
            {
                "hooks": {
                    "Notification": [
                        {"hooks": [_hook(record, every)]},
                        {"matcher": "idle_prompt", "hooks": [_hook(record, idle_only)]},
                    ]
                }
            }
        )
    )
    (home / ".config" / "wakeful").mkdir(parents=True)
    (home / ".config" / "wakeful" / "config.toml").write_text("[repl]\nidle_notify_seconds = 1\n")
    turns = script(
        "repl",
        [
            {"tool_calls": [{"name": "bash", "input": {"command": "touch made.txt"}}]},
            {"text": "made it"},
        ],
    )
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        TERM="xterm",
        PROMPT_TOOLKIT_NO_CPR="1",
    )
    child = pexpect.spawn(
        sys.executable,
        ["-m", "wakeful.cli.main", "--model", f"scripted:{turns}"],
        cwd=str(git_repo),
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 160),
    )
    try:
        child.expect("›")
        time.sleep(1.5)  # idle before any turn: nothing to be waited on yet
        assert _lines(every) == []
        child.sendline("make a file")
        child.expect("Allow\\?")
        deadline = time.monotonic() + 15
        while not _lines(every) and time.monotonic() < deadline:
            time.sleep(0.1)
        [asked] = _lines(every)  # the hook ran while the question waits for the user
        assert asked["hook_event_name"] == "Notification"
        assert asked["notification_type"] == "permission_prompt"
        assert asked["message"] == "wakeful needs your permission to use bash"
        assert _lines(idle_only) == []  # its matcher takes idle_prompt only
        child.sendline("y")
        child.expect("made it")
        child.expect("›")
        deadline = time.monotonic() + 15
        while not _lines(idle_only) and time.monotonic() < deadline:
            time.sleep(0.1)
        [idle] = _lines(idle_only)
        assert idle["notification_type"] == "idle_prompt"
        assert idle["message"] == "wakeful is waiting for your input"
        assert [e["notification_type"] for e in _lines(every)] == [
            "permission_prompt",
            "idle_prompt",
        ]
        time.sleep(1.5)  # once per wait, not once a second
        assert len(_lines(idle_only)) == 1
        child.sendline("/exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert (git_repo / "made.txt").exists()


def test_bad_idle_setting_is_one_line(cli, git_repo: Path, home: Path) -> None:
    (home / ".config" / "wakeful").mkdir(parents=True)
    (home / ".config" / "wakeful" / "config.toml").write_text('[repl]\nidle_notify_seconds = "x"\n')
    r = cli([], cwd=git_repo, input="")
    assert r.returncode != 0
    assert "`repl.idle_notify_seconds` must be a number" in r.stderr
    assert "Traceback" not in r.stderr
