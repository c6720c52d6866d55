"""`/rewind` in the REPL (under a pseudo-terminal): undo the last turn's files, its
conversation, or both."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pexpect

from wakeful.testing.workspace_state import files_of


def _spawn(args: list[str], cwd: Path, home: Path) -> pexpect.spawn:
    scrub = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL", "WAKEFUL_MODEL")
    env = {k: v for k, v in os.environ.items() if k not in scrub}
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            "TERM": "xterm",
            "PROMPT_TOOLKIT_NO_CPR": "1",
        }
    )
    return pexpect.spawn(
        sys.executable,
        ["-m", "wakeful.cli.main", *args],
        cwd=str(cwd),
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 160),
    )


def test_repl_rewind_code_and_conversation(git_repo: Path, home: Path, script) -> None:  # type: ignore[no-untyped-def]
    turns = script(
        "repl",
        [
            {"tool_calls": [{"name": "bash", "input": {"command": "rm check.py && echo x > new.txt"}}]},
            {"text": "first turn done"},
            {"tool_calls": [{"name": "bash", "input": {"command": "chmod +x app.py"}}]},
            {"text": "second turn done"},
        ],
    )  # fmt: skip
    start = files_of(git_repo)
    child = _spawn(["--model", f"scripted:{turns}", "--permission-mode", "auto"], git_repo, home)
    try:
        child.expect("/help for commands")
        child.expect("›")
        child.sendline("turn one")
        child.expect("first turn done")
        child.expect("›")
        after_first = files_of(git_repo)
        child.sendline("turn two")
        child.expect("second turn done")
        child.expect("›")
        assert os.stat(git_repo / "app.py").st_mode & 0o100
        # Both: the second turn's chmod is undone and the conversation loses that turn.
        child.sendline("/rewind")
        child.expect("\\[b\\]oth")
        child.sendline("b")
        child.expect("files restored to before checkpoint")
        child.expect("conversation rewound")
        child.expect("›")
        assert files_of(git_repo) == after_first
        # Then the first turn's files only.
        child.sendline("/rewind")
        child.expect("\\[c\\]ode")
        child.sendline("c")
        child.expect("files restored")
        child.expect("›")
        assert files_of(git_repo) == start
        child.sendline("/exit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    session = sorted((git_repo / ".wakeful" / "sessions").glob("*.jsonl"))[-1]
    records = [json.loads(x) for x in session.read_text().splitlines()]
    rewound = [r for r in records if r["type"] == "rewind"]
    assert len(rewound) == 1
    texts = json.dumps(rewound[0]["messages"])
    assert "turn one" in texts and "turn two" not in texts
