"""Damaged state files: skip and report what cannot be read, move corrupt stores aside and
keep running, and never erase the last readable copy of memory."""

from __future__ import annotations

import json
from pathlib import Path


def _run(cli, script, repo: Path, text: str = "done", *extra: str):  # type: ignore[no-untyped-def]
    turns = script(f"t{abs(hash((text, extra))) % 10**6}", [{"text": text}])
    return cli(["-p", "hello", "--model", f"scripted:{turns}", *extra], cwd=repo)


def _damage_transcript(repo: Path) -> Path:
    path = next((repo / ".wakeful/sessions").glob("*.jsonl"))
    lines = path.read_bytes().splitlines(keepends=True)
    # a byte that is not UTF-8 in the middle of the user's prompt line
    lines.insert(1, b'{"type": "note", "text": "caf\xe9"}\n')
    path.write_bytes(b"".join(lines))
    return path


def test_non_utf8_transcript_line_is_skipped_and_reported(cli, script, git_repo: Path) -> None:
    assert _run(cli, script, git_repo, "first answer").returncode == 0
    path = _damage_transcript(git_repo)
    sid = path.stem

    listed = cli(["sessions", "list", "--json"], cwd=git_repo)
    assert listed.returncode == 0, listed.stderr
    assert "Traceback" not in listed.stderr
    [info] = listed.json()
    assert info["id"] == sid and info["messages"] == 2 and info["bad_lines"] == 1
    assert f"session {sid}: skipped 1 unreadable line" in listed.stderr

    shown = cli(["sessions", "show", sid], cwd=git_repo)
    assert shown.returncode == 0, shown.stderr
    assert "first answer" in shown.stdout
    assert "skipped 1 unreadable line (line 2" in shown.stderr

    cont = _run(cli, script, git_repo, "second answer", "--continue")
    assert cont.returncode == 0, cont.stderr
    assert "Traceback" not in cont.stderr
    assert cont.stdout.strip() == "second answer"
    assert "skipped 1 unreadable line" in cont.stderr


def test_sessions_list_never_truncates_ids(cli, script, git_repo: Path) -> None:
    turns = script("long", [{"text": "ok"}])
    prompt = "please look at the configuration loader and explain every setting in it"
    assert cli(["-p", prompt, "--model", f"scripted:{turns}"], cwd=git_repo).returncode == 0
    sid = cli(["sessions", "list", "--json"], cwd=git_repo).json()[0]["id"]
    r = cli(["sessions", "list"], cwd=git_repo, env={"COLUMNS": "80"})
    assert r.returncode == 0, r.stderr
    assert sid in r.stdout


def test_corrupt_state_db_is_moved_aside_for_runs_and_cost(cli, script, git_repo: Path) -> None:
    assert _run(cli, script, git_repo).returncode == 0
    state = git_repo / ".wakeful/state.db"
    for side in (state.with_name("state.db-wal"), state.with_name("state.db-shm")):
        side.unlink(missing_ok=True)
    state.write_bytes(b"this is not a database\n" * 200)

    r = cli(["cost"], cwd=git_repo)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    assert "state.db was unreadable; moved it to state.db.corrupt-" in r.stderr
    aside = list(state.parent.glob("state.db.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")

    state.write_bytes(b"\x00garbage" * 500)
    run = _run(cli, script, git_repo, "still works")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "still works"
    assert "moved it to state.db.corrupt-" in run.stderr
    assert len(list(state.parent.glob("state.db.corrupt-*"))) == 2
    cost = cli(["cost", "--json"], cwd=git_repo)
    assert cost.returncode == 0 and cost.json()[0]["requests"] == 1


def _remember(cli, repo: Path) -> str:  # type: ignore[no-untyped-def]
    r = cli(["memory", "add", "the test command is make check", "--json"], cwd=repo)
    assert r.returncode == 0, r.stderr
    return str(json.loads(r.stdout)["id"])


def test_zero_length_memory_db_is_rebuilt_from_the_files(cli, script, git_repo: Path) -> None:
    mid = _remember(cli, git_repo)
    memdir = git_repo / ".wakeful/memory"
    topic = memdir / "project.md"
    assert mid in topic.read_text()
    db = git_repo / ".wakeful/memory.db"
    for side in (db.with_name("memory.db-wal"), db.with_name("memory.db-shm")):
        side.unlink(missing_ok=True)
    db.write_bytes(b"")  # a crash or a full disk

    run = _run(cli, script, git_repo)
    assert run.returncode == 0, run.stderr
    assert "rebuilt them from the files" in run.stderr
    assert topic.is_file() and mid in topic.read_text()
    assert "the test command is make check" in (memdir / "MEMORY.md").read_text()
    listed = cli(["memory", "list", "--json"], cwd=git_repo)
    assert listed.returncode == 0, listed.stderr
    assert [m["id"] for m in json.loads(listed.stdout)] == [mid]


def test_garbage_memory_db_does_not_block_runs(cli, script, git_repo: Path) -> None:
    mid = _remember(cli, git_repo)
    db = git_repo / ".wakeful/memory.db"
    for side in (db.with_name("memory.db-wal"), db.with_name("memory.db-shm")):
        side.unlink(missing_ok=True)
    db.write_bytes(b"\xde\xad\xbe\xef" * 4096)

    run = _run(cli, script, git_repo, "ran anyway")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "ran anyway"
    assert "memory.db was unreadable; moved it to memory.db.corrupt-" in run.stderr
    assert "rebuilt them from the files" in run.stderr
    listed = cli(["memory", "list", "--json"], cwd=git_repo)
    assert [m["id"] for m in json.loads(listed.stdout)] == [mid]
