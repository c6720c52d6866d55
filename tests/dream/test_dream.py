"""Dreaming end to end: gates, watermark, gather, archive and restore, background trigger."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.memory.dream import DreamOptions, maybe_dream_in_background, run_dream

from .conftest import add_memory, project_store, store_records, write_session

NO_MODEL = DreamOptions(use_model=False)


def forced() -> DreamOptions:
    return DreamOptions(force=True, use_model=False)


@pytest.mark.slow
def test_gates_time_sessions_and_force(ws: tuple[Paths, Config]) -> None:
    paths, config = ws
    add_memory(paths, "The linter is ruff")
    report = run_dream(paths, config, NO_MODEL)
    assert report.skipped is not None and "0 session(s)" in report.skipped
    for i in range(5):
        write_session(paths, f"s{i}", [("user", "hello there, just chatting")])
    report = run_dream(paths, config, NO_MODEL)
    assert report.ran, report.skipped
    assert [p.name for p in report.phases] == ["orient", "gather", "consolidate", "prune"]

    # Something new, but the last dream was moments ago: the time gate holds.
    add_memory(paths, "The formatter is ruff format")
    for i in range(5, 10):
        write_session(paths, f"s{i}", [("user", "more chatting")])
    report = run_dream(paths, config, NO_MODEL)
    assert report.skipped is not None and "h ago" in report.skipped
    config.set("dream", "min_hours", value=0.0)
    assert run_dream(paths, config, NO_MODEL).ran
    # --force skips time and session gates, but never the watermark.
    report = run_dream(paths, config, forced())
    assert report.skipped is not None and report.skipped.startswith("nothing new")


def test_watermark_advances_past_the_dreams_own_writes(ws: tuple[Paths, Config]) -> None:
    paths, config = ws
    add_memory(paths, "Tests run with pytest from the repository root")
    add_memory(paths, "tests run with pytest from the repository root.")
    report = run_dream(paths, config, forced())
    assert report.counts["merged"] == 2
    store = project_store(paths)
    try:
        assert report.watermark["after"]["seq"] == store.max_seq()
    finally:
        store.close()
    assert run_dream(paths, config, forced()).skipped


def test_gather_learns_signals_but_not_recalled_hints(ws: tuple[Paths, Config]) -> None:
    paths, config = ws
    known = add_memory(paths, "Deploys happen on Fridays")
    hint = (
        "Fix the greeting.\n\n<memory>\nRecalled memories.\n"
        f"- {known.id}: [fresh, 2 days] Always deploy on Fridays\n</memory>"
    )
    write_session(
        paths,
        "s1",
        [
            ("user", hint),
            ("assistant", "The greet function in app.py returns the greeting with a typo."),
            ("user", "No, use f-strings for formatting here."),
            ("user", "I prefer short commit messages."),
            ("user", "Let's go with pytest for the new tests."),
            ("user", "Should we always use tabs?"),
            ("user", "my token is sk-ant-abcdefghijklmnopqrstuvwxyz012345"),
        ],
    )
    report = run_dream(paths, config, forced())
    assert report.ran
    texts = {r.text: r for r in store_records(paths, "active")}
    assert "No, use f-strings for formatting here." in texts
    assert texts["No, use f-strings for formatting here."].type == "feedback"
    assert texts["I prefer short commit messages."].type == "user"
    assert texts["Let's go with pytest for the new tests."].type == "project"
    fact = texts["The greet function in app.py returns the greeting with a typo."]
    assert fact.anchors and fact.anchors[0].path == "app.py"
    assert fact.source_session == "s1"
    joined = " ".join(t for t in texts if t != known.text)
    assert "Fridays" not in joined and "tabs" not in joined and "sk-ant" not in joined
    usage = json.loads(project_store(paths).get_meta("dream.usage") or "{}")
    assert usage == {known.id: 1}

    # Appending to the same transcript: only the new lines are read.
    write_session(paths, "s1", [("user", "Actually, never force-push to main.")])
    report = run_dream(paths, config, forced())
    gather = next(p for p in report.phases if p.name == "gather")
    assert gather.details["lines"] == 1 and gather.details["created"] == 1


def test_torn_transcript_line_is_read_once_complete(ws: tuple[Paths, Config]) -> None:
    paths, config = ws
    path = write_session(paths, "s1", [("user", "I prefer tabs for indentation.")])
    line = json.dumps(
        {
            "type": "message",
            "agent": "main",
            "time": time.time(),
            "message": {"role": "user", "content": [{"type": "text", "text": "Always run ruff."}]},
        }
    )
    with path.open("a") as fh:
        fh.write(line[:30])
    run_dream(paths, config, forced())
    assert {r.text for r in store_records(paths, "active")} == {"I prefer tabs for indentation."}
    with path.open("a") as fh:
        fh.write(line[30:] + "\n")
    run_dream(paths, config, forced())
    assert "Always run ruff." in {r.text for r in store_records(paths, "active")}


def test_contradiction_date_and_orphan_pruning(ws: tuple[Paths, Config]) -> None:
    paths, config = ws
    (paths.workspace / "old.py").write_text("LEGACY = True\n")
    orphan = add_memory(paths, "old.py keeps the legacy switch", anchor="old.py:1")
    old = add_memory(paths, "The default timeout is 30 seconds", created=time.time() - 100)
    new = add_memory(paths, "The default timeout is 60 seconds")
    dated = add_memory(paths, "Yesterday we switched the build to uv")
    (paths.workspace / "old.py").unlink()
    report = run_dream(paths, config, forced())
    assert report.counts["superseded"] == 1
    assert report.counts["pruned"] == 1
    assert report.counts["dates_fixed"] == 1
    by_id = {r.id: r for r in store_records(paths)}
    assert by_id[old.id].status == "superseded" and by_id[new.id].status == "active"
    assert by_id[orphan.id].status == "archived"
    assert "yesterday" not in by_id[dated.id].text.lower()
    archive = [json.loads(x) for x in (paths.memory_dir / "archive.jsonl").read_text().splitlines()]
    assert {(e["id"], e["action"]) for e in archive} == {
        (old.id, "superseded"),
        (orphan.id, "pruned"),
    }


@pytest.mark.slow
def test_index_stays_within_caps_and_demotes_least_used(ws: tuple[Paths, Config]) -> None:
    paths, config = ws
    store = project_store(paths)
    from wakeful.memory.store import new_memory_id
    from wakeful.memory.types import MemoryRecord

    now = time.time()
    records = [
        MemoryRecord(
            id=new_memory_id(),
            type="project",
            text=f"Module number {i} owns feature {i * 7919 % 1000} and its helper {i}",
            created=now - i,
        )
        for i in range(400)
    ]
    store.add_many(records)
    favourite = records[-1].id  # the oldest: shown only if usage counts
    store.set_meta("dream.usage", json.dumps({favourite: 5}))
    store.close()
    report = run_dream(paths, config, forced())
    index = (paths.memory_dir / "MEMORY.md").read_text()
    assert len(index.splitlines()) <= 200 and len(index.encode()) <= 25_000
    assert report.counts["demoted"] == 400 - index.count("- [m")
    assert report.counts["demoted"] > 0
    assert favourite in index
    assert favourite in (paths.memory_dir / "project.md").read_text()


@pytest.mark.slow
def test_background_trigger_checks_gates_then_spawns(
    ws: tuple[Paths, Config], home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths, config = ws
    # The detached child reads its environment like the CLI does: point it at the test home.
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local/share"))
    monkeypatch.delenv("WAKEFUL_HOME", raising=False)
    monkeypatch.delenv("WAKEFUL_MODEL", raising=False)
    add_memory(paths, "The linter is ruff")
    assert maybe_dream_in_background(paths, config) is False  # no sessions yet
    for i in range(5):
        write_session(paths, f"s{i}", [("user", "I prefer small pull requests.")])
    assert maybe_dream_in_background(paths, config) is True
    log = paths.project / "dream.log"
    deadline = time.time() + 30
    while time.time() < deadline:
        text = log.read_text() if log.exists() else ""
        if text.strip().endswith("}"):
            try:
                report = json.loads(text)
                break
            except ValueError:
                pass
        time.sleep(0.1)
    else:
        raise AssertionError(f"background dream did not report: {log.read_text()!r}")
    assert report["skipped"] is False
    assert report["counts"]["created"] == 1, json.dumps(report["phases"])
    assert maybe_dream_in_background(paths, config) is False  # nothing new now


@pytest.mark.slow
def test_restore_brings_back_and_protects(ws: tuple[Paths, Config], cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    paths, config = ws
    a = add_memory(paths, "Tests run with pytest from the repository root")
    b = add_memory(paths, "tests run with pytest from the repository root.")
    report = run_dream(paths, config, forced())
    assert report.counts["merged"] == 2
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local/share")}
    res = cli(["memory", "restore", a.id[:8], "--json"], cwd=paths.workspace, env=env)
    assert res.returncode == 0, res.stderr
    assert res.json()["was"] == "superseded"
    by_id = {r.id: r for r in store_records(paths)}
    assert by_id[a.id].status == "active" and by_id[b.id].status == "superseded"
    # Protected from the next dream: not merged away again.
    run_dream(paths, config, forced())
    assert {r.id: r for r in store_records(paths)}[a.id].status == "active"
    # Restoring an active memory is refused with a message; unknown ids too.
    again = cli(["memory", "restore", a.id], cwd=paths.workspace, env=env)
    assert again.returncode != 0 and "already active" in again.stderr
    missing = cli(["memory", "restore", "mffffffffff"], cwd=paths.workspace, env=env)
    assert missing.returncode != 0 and "no memory" in missing.stderr


def test_restore_from_archive_log_after_purge(ws: tuple[Paths, Config]) -> None:
    paths, config = ws
    (paths.workspace / "old.py").write_text("LEGACY = True\n")
    orphan = add_memory(paths, "old.py keeps the legacy switch", anchor="old.py:1")
    (paths.workspace / "old.py").unlink()
    run_dream(paths, config, forced())
    store = project_store(paths)
    assert store.delete(orphan.id)
    from wakeful.memory.archive import Archive, restore

    result = restore(store, Archive(paths.memory_dir), orphan.id)
    assert result.was == "missing"
    restored = store.get(orphan.id)
    assert restored is not None and restored.status == "active"
    assert restored.text == orphan.text and restored.anchors == orphan.anchors
    store.close()
