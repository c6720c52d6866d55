"""The real CLI, headless, in a temporary git repository, with the scripted provider."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.mark.slow
def test_headless_reads_and_fixes_a_file(cli, script, git_repo: Path, tmp_path: Path) -> None:
    turns = script(
        "fix",
        [
            {"text": "Let me look.", "tool_calls": [{"name": "read", "input": {"path": "app.py"}}]},
            {
                "tool_calls": [
                    {
                        "name": "edit",
                        "input": {
                            "path": "app.py",
                            "old_string": '"hello " + nme',
                            "new_string": '"hello " + name',
                        },
                    }
                ]
            },
            {
                "tool_calls": [
                    {
                        "name": "bash",
                        "input": {"command": "python3 check.py"},
                    }
                ]
            },
            {"text": "Fixed the typo in greet()."},
        ],
    )
    log = tmp_path / "requests.jsonl"
    r = cli(
        [
            "-p",
            "fix the bug in app.py",
            "--model",
            f"scripted:{turns}",
            "--output-format",
            "json",
            "--permission-mode",
            "auto",
            # auto mode runs workspace code (check.py) only inside the sandbox
            "--sandbox",
        ],
        cwd=git_repo,
        env={"WAKEFUL_REQUEST_LOG": str(log)},
    )
    assert r.returncode == 0, r.stderr
    out = r.json()
    assert out["result"] == "Fixed the typo in greet()."
    assert out["is_error"] is False
    assert out["num_turns"] == 4
    assert set(out["usage"]) == {"input", "output", "cache_read", "cache_write"}
    assert out["usage"]["input"] > 0
    assert out["cost"] == 0.0
    assert '"hello " + name' in (git_repo / "app.py").read_text()
    # every request and its usage were logged
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 4
    assert all("request" in x and "usage" in x for x in lines)
    # the transcript is there and lists as a session
    sessions = cli(["sessions", "list", "--json"], cwd=git_repo).json()
    assert sessions[0]["id"] == out["session_id"]
    shown = cli(["sessions", "show", out["session_id"][:17]], cwd=git_repo)
    assert shown.returncode == 0, shown.stderr
    assert "fix the bug in app.py" in shown.stdout and "● edit(" in shown.stdout
    assert "Fixed the typo in greet()." in shown.stdout
    # the bash result reached the model
    last_request = lines[-1]["request"]["messages"]
    tool_results = [b for m in last_request for b in m["content"] if b["type"] == "tool_result"]
    assert "hello x" in tool_results[-1]["content"]


@pytest.mark.slow
def test_headless_default_mode_denies_writes(cli, script, git_repo: Path, tmp_path: Path) -> None:
    turns = script(
        "w",
        [
            {"tool_calls": [{"name": "read", "input": {"path": "app.py"}}]},
            {
                "tool_calls": [
                    {
                        "name": "edit",
                        "input": {"path": "app.py", "old_string": "nme", "new_string": "name"},
                    }
                ]
            },
            {"text": "could not edit"},
        ],
    )
    r = cli(
        ["-p", "fix it", "--model", f"scripted:{turns}", "--output-format", "json"], cwd=git_repo
    )
    assert r.returncode == 0, r.stderr
    assert "nme" in (git_repo / "app.py").read_text()
    records = [
        json.loads(x)
        for x in Path(next((git_repo / ".wakeful/sessions").glob("*.jsonl")))
        .read_text()
        .splitlines()
    ]
    results = [
        b
        for rec in records
        if rec.get("type") == "message"
        for b in rec["message"]["content"]
        if b["type"] == "tool_result"
    ]
    assert results[0]["is_error"] is False
    assert results[1]["is_error"] is True
    assert "approval" in results[1]["content"] or "denied" in results[1]["content"]


@pytest.mark.slow
def test_malformed_and_unknown_tool_calls_do_not_crash(
    cli, script, git_repo: Path, tmp_path: Path
) -> None:
    turns = script(
        "bad",
        [
            {"tool_calls": [{"name": "read", "input": "{not json"}]},
            {"tool_calls": [{"name": "teleport", "input": {}}]},
            {"text": "ok"},
        ],
    )
    r = cli(["-p", "go", "--model", f"scripted:{turns}", "--output-format", "json"], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    assert r.json()["result"] == "ok"


@pytest.mark.slow
def test_retry_on_overload_then_success(cli, script, git_repo: Path, tmp_path: Path) -> None:
    turns = script("o", [{"error": "overloaded"}, {"text": "after retry"}])
    r = cli(["-p", "go", "--model", f"scripted:{turns}", "--output-format", "json"], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    assert r.json()["result"] == "after retry"


@pytest.mark.slow
def test_continue_resumes_the_conversation(cli, script, git_repo: Path, tmp_path: Path) -> None:
    s1 = script("a", [{"text": "first answer"}])
    s2 = script("b", [{"text": "second answer"}])
    log = tmp_path / "log.jsonl"
    first = cli(
        ["-p", "one", "--model", f"scripted:{s1}", "--output-format", "json"], cwd=git_repo
    ).json()
    second = cli(
        ["-p", "two", "--model", f"scripted:{s2}", "--output-format", "json", "--continue"],
        cwd=git_repo,
        env={"WAKEFUL_REQUEST_LOG": str(log)},
    ).json()
    assert second["session_id"] == first["session_id"]
    body = json.loads(log.read_text().splitlines()[0])["request"]
    texts = [b.get("text") for m in body["messages"] for b in m["content"]]
    assert "first answer" in texts


@pytest.mark.slow
def test_stream_json_emits_events_then_result(cli, script, git_repo: Path, tmp_path: Path) -> None:
    turns = script(
        "s", [{"tool_calls": [{"name": "read", "input": {"path": "app.py"}}]}, {"text": "done"}]
    )
    r = cli(
        ["-p", "look", "--model", f"scripted:{turns}", "--output-format", "stream-json"],
        cwd=git_repo,
    )
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.splitlines()]
    kinds = [e["type"] for e in events]
    assert "tool_start" in kinds and "tool_end" in kinds
    assert events[-1]["type"] == "result" and events[-1]["result"] == "done"


@pytest.mark.slow
def test_bad_inputs_give_clear_errors_without_tracebacks(
    cli, script, git_repo: Path, tmp_path: Path
) -> None:
    r = cli(["-p", "x", "--model", "nosuch:thing"], cwd=git_repo)
    assert r.returncode != 0 and "valid providers" in r.stderr and "Traceback" not in r.stderr
    r = cli(["-p", "x", "--model", "anthropic:claude-sonnet-4-6"], cwd=git_repo)
    assert r.returncode != 0 and "ANTHROPIC_API_KEY" in r.stderr and "Traceback" not in r.stderr
    r = cli(["-p", "x", "--model", "scripted:/nonexistent.json"], cwd=git_repo)
    assert r.returncode != 0 and "not found" in r.stderr and "Traceback" not in r.stderr
    (git_repo / ".wakeful").mkdir(exist_ok=True)
    (git_repo / ".wakeful/config.toml").write_text('model = "scripted:x"\nmax_turns = = 3\n')
    r = cli(["-p", "x"], cwd=git_repo)
    assert r.returncode != 0 and "config.toml" in r.stderr and "line 2" in r.stderr
    assert "Traceback" not in r.stderr
    (git_repo / ".wakeful/config.toml").unlink()
    r = cli(["--resume", "nope", "-p", "x"], cwd=git_repo)
    assert r.returncode != 0 and "no session" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_non_git_workspace_works(cli, script, tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello\n")
    turns = script(
        "p",
        [{"tool_calls": [{"name": "read", "input": {"path": "notes.txt"}}]}, {"text": "read it"}],
    )
    r = cli(
        ["-p", "read notes", "--model", f"scripted:{turns}", "--output-format", "json"], cwd=folder
    )
    assert r.returncode == 0, r.stderr
    assert (folder / ".wakeful/sessions").is_dir()


def test_version_and_help(cli, script, tmp_path: Path) -> None:
    r = cli(["--version"], cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("wakeful ")
    r = cli(["--help"], cwd=tmp_path)
    assert r.returncode == 0 and "--print" in r.stdout


@pytest.mark.slow
def test_error_result_exits_non_zero(cli, script, git_repo: Path) -> None:
    turns = script("auth", [{"error": "auth"}])
    r = cli(["-p", "go", "--model", f"scripted:{turns}", "--output-format", "json"], cwd=git_repo)
    assert r.returncode == 1
    assert r.json()["is_error"] is True
    assert "authentication" in r.json()["result"]
