"""The typed services reach the tools in a real headless run (the CLI in a git repository):
memory and its stage (`remember`), the files last read (its default anchor), the checkpoint
recorder (an edit), the todo list, the coordinator and the custom agents (`delegate`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.mark.slow
def test_every_service_reaches_its_tool_in_a_headless_run(
    cli, script, git_repo: Path, tmp_path: Path
) -> None:
    wakeful_dir = git_repo / ".wakeful"
    (wakeful_dir / "agents").mkdir(parents=True)
    (wakeful_dir / "config.toml").write_text("[agents]\nmax_parallel = 1\n")
    (wakeful_dir / "agents" / "checker.md").write_text(
        "---\nname: checker\ndescription: checks a file\ntools: Read, Grep\n---\n"
        "You are the port checker.\n"
    )
    turns = script(
        "services",
        [
            {"tool_calls": [{"name": "read", "input": {"path": "app.py"}}]},
            {
                "tool_calls": [
                    {
                        "name": "todo",
                        "input": {"todos": [{"content": "move the port", "status": "in_progress"}]},
                    },
                    {
                        "name": "edit",
                        "input": {
                            "path": "app.py",
                            "old_string": "PORT = 8080",
                            "new_string": "PORT = 9090",
                        },
                    },
                    {"name": "remember", "input": {"text": "The server listens on PORT 9090"}},
                ]
            },
            {
                "tool_calls": [
                    {
                        "name": "delegate",
                        "input": {"tasks": [{"prompt": "check the port", "agent": "checker"}]},
                    }
                ]
            },
            {"text": "the port is 9090"},
            {"text": "Moved the port to 9090."},
        ],
    )
    log = tmp_path / "requests.jsonl"
    r = cli(
        [
            "-p",
            "move the port to 9090",
            "--model",
            f"scripted:{turns}",
            "--permission-mode",
            "auto",
            "--output-format",
            "json",
        ],
        cwd=git_repo,
        env={"WAKEFUL_REQUEST_LOG": str(log)},
    )
    assert r.returncode == 0, r.stderr
    out = r.json()
    assert out["result"] == "Moved the port to 9090."
    assert (git_repo / "app.py").read_text().startswith("PORT = 9090\n")

    requests = [json.loads(line)["request"] for line in log.read_text().splitlines()]
    results = {
        b["tool_use_id"]: b
        for m in requests[-1]["messages"]
        for b in m["content"]
        if b["type"] == "tool_result"
    }
    assert not any(b["is_error"] for b in results.values()), results
    contents = [b["content"] for b in results.values()]
    assert any(c.startswith("Todo list (0/1 completed)") for c in contents)  # ctx.todos
    # remember: staged in services.memory_stage, anchored to the file read last
    assert any("Staged memory" in c and "anchored to" in c and "app.py" in c for c in contents)
    (delegated,) = [c for c in contents if '"fanout"' in c]
    assert json.loads(delegated)["results"][0]["status"] == "ok"  # services.coordinator
    # services.custom_agents: the worker's task starts with the custom agent's instructions
    worker = [q for q in requests if "You are the port checker." in json.dumps(q["messages"])]
    assert worker

    assert out["checkpoint"], out  # services.checkpoints snapshotted before the edit
    (memory,) = cli(["memory", "list", "--json"], cwd=git_repo).json()  # services.memory
    assert memory["text"] == "The server listens on PORT 9090"
    assert [a["path"] for a in memory["anchors"]] == ["app.py"]
