"""A headless run whose action was denied says so: in the json result and on stderr."""

from __future__ import annotations

import json
from pathlib import Path

EDIT = {
    "tool_calls": [
        {
            "name": "edit",
            "input": {"path": "app.py", "old_string": "8080", "new_string": "9090"},
        }
    ]
}


def test_denied_edit_is_reported_in_json(cli, script, git_repo: Path) -> None:
    turns = script("port", [EDIT, {"text": "Changed the port to 9090."}])
    r = cli(
        ["-p", "use port 9090", "--model", f"scripted:{turns}", "--output-format", "json"],
        cwd=git_repo,
    )
    assert r.returncode == 0, r.stderr
    out = r.json()
    assert "PORT = 8080" in (git_repo / "app.py").read_text()
    [denial] = out["permission_denials"]
    assert denial["tool"] == "edit"
    assert denial["input"] == "app.py"
    assert denial["tier"] == "workspace"
    assert "not interactive" in denial["reason"]
    assert denial["suggested_rules"] == ["Edit(app.py)"]


def test_denied_edit_is_reported_in_text_output(cli, script, git_repo: Path) -> None:
    turns = script("port", [EDIT, {"text": "Changed the port to 9090."}])
    r = cli(["-p", "use port 9090", "--model", f"scripted:{turns}"], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "Changed the port to 9090."
    assert "wakeful: denied edit(app.py): needs approval (workspace)" in r.stderr
    assert '"Edit(app.py)"' in r.stderr


def test_allowed_run_has_no_denials(cli, script, git_repo: Path) -> None:
    turns = script("ok", [{"text": "nothing to do"}])
    r = cli(["-p", "hi", "--model", f"scripted:{turns}", "--output-format", "json"], cwd=git_repo)
    assert r.json()["permission_denials"] == []
    assert "denied" not in r.stderr


def test_a_refused_command_says_what_to_do_instead(cli, script, git_repo: Path) -> None:
    # Asked how many functions a file defines, the coder model ran inline Python; auto mode
    # refused it (nobody can approve it in a headless run), and the model answered with the
    # refusal. The result says the call will be refused again and how to find out otherwise.
    inline = {
        "tool_calls": [
            {"name": "bash", "input": {"command": "python -c 'import app; print(dir(app))'"}}
        ]
    }
    turns = script("inline", [inline, {"text": "done"}])
    r = cli(
        ["-p", "How many functions does app.py define?", "--model", f"scripted:{turns}"]
        + ["--permission-mode", "auto", "--output-format", "json"],
        cwd=git_repo,
        env={"WAKEFUL_REQUEST_LOG": str(git_repo.parent / "requests.jsonl")},
    )
    assert r.returncode == 0, r.stderr
    last = json.loads((git_repo.parent / "requests.jsonl").read_text().splitlines()[-1])
    [result] = [
        b for m in last["request"]["messages"] for b in m["content"] if b["type"] == "tool_result"
    ]
    assert result["is_error"] is True
    text = result["content"]
    assert text.startswith("bash was denied by policy (high)")
    assert "refused again" in text and "grep -c" in text and "read" in text
