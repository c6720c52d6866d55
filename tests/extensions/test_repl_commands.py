"""Custom slash commands in the interactive REPL, under a pseudo-terminal."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pexpect


def test_repl_runs_a_custom_slash_command(
    git_repo: Path, home: Path, script, tmp_path: Path
) -> None:
    commands = git_repo / ".claude" / "commands"
    commands.mkdir(parents=True)
    (commands / "explain.md").write_text(
        "---\ndescription: Explain a file\nargument-hint: FILE\n---\nExplain $1 briefly.\n"
    )
    turns = script("repl", [{"text": "it greets people"}])
    log = tmp_path / "requests.jsonl"
    env = {k: v for k, v in os.environ.items() if k not in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        TERM="xterm",
        PROMPT_TOOLKIT_NO_CPR="1",
        WAKEFUL_REQUEST_LOG=str(log),
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
        child.sendline("/help")
        child.expect("/explain FILE  Explain a file")
        child.expect("›")
        child.sendline("/explain app.py")
        child.expect("it greets people")
        child.expect("›")
        child.sendline("/exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    request = json.loads(log.read_text().splitlines()[0])["request"]
    assert request["messages"][0]["content"][0]["text"].startswith("Explain app.py briefly.")
