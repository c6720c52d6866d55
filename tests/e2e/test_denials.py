"""A headless run whose action was denied says so: in the json result and on stderr."""

from __future__ import annotations

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
