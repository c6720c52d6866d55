"""MEMORY.md and topic files: the cap, demotion, human edits, rebuilds, and two writers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.memory import MemoryService
from wakeful.memory.index import (
    INDEX_MARKER,
    MAX_INDEX_BYTES,
    MAX_INDEX_LINES,
    parse_entries,
    render_index,
)
from wakeful.memory.store import new_memory_id
from wakeful.memory.types import MemoryRecord


def many(n: int, mtype: str, width: int = 120) -> list[MemoryRecord]:
    return [
        MemoryRecord(
            id=new_memory_id(),
            type=mtype,  # type: ignore[arg-type]
            text=f"{mtype} fact {i}: " + "x" * width,
            created=float(i),
        )
        for i in range(n)
    ]


def test_index_never_exceeds_the_caps_and_links_demoted_entries() -> None:
    by_type = {
        "feedback": many(300, "feedback"),
        "project": many(5000, "project", width=400),
        "reference": many(40, "reference"),
    }
    text, ids = render_index(by_type)
    assert len(text.splitlines()) <= MAX_INDEX_LINES
    assert len(text.encode()) <= MAX_INDEX_BYTES
    assert "more in [project.md](project.md)" in text
    assert "more in [feedback.md](feedback.md)" in text
    # Every type gets room: round-robin, not the first section eating the budget.
    shown = {t: sum(1 for r in rs if r.id in set(ids)) for t, rs in by_type.items()}
    assert all(n > 10 for n in shown.values())
    # Long entries are shortened in the index only.
    assert "…" in text


def test_small_index_lists_everything() -> None:
    by_type = {"project": many(3, "project", width=10)}
    text, ids = render_index(by_type)
    assert len(ids) == 3
    assert "more in" not in text


def test_parse_entries_reads_sections_ids_and_continuations() -> None:
    text = (
        "# Memory\n\n## Feedback (1 in [feedback.md](feedback.md))\n"
        "- [mabcdef0123] use pytest <!-- tests/x.py:1 -->\n"
        "## Project (2 in [project.md](project.md))\n"
        "- [m0123456789] first line\n  second line\n"
        "- a new fact\n"
        "- … 4 more in [project.md](project.md)\n"
    )
    entries = parse_entries(text, None)
    assert [(e.id, e.text, e.type) for e in entries] == [
        ("mabcdef0123", "use pytest", "feedback"),
        ("m0123456789", "first line\nsecond line", "project"),
        (None, "a new fact", "project"),
    ]


def test_files_are_written_and_index_snapshot_is_frozen(service: MemoryService) -> None:
    service.add("PORT is 8080", anchors=["settings.py:3"])
    snap = service.index_snapshot()
    assert INDEX_MARKER in snap and "PORT is 8080" in snap
    service.add("HOST binds all interfaces", anchors=["settings.py:4"])
    assert service.index_snapshot() == snap  # frozen for the session's prompt prefix
    on_disk = (service.paths.memory_dir / "MEMORY.md").read_text()
    assert "HOST binds all interfaces" in on_disk
    topic = (service.paths.memory_dir / "project.md").read_text()
    assert "settings.py:3" in topic and "settings.py:4" in topic


def test_hand_edits_in_topic_files_are_picked_up(service: MemoryService) -> None:
    keep = service.add("PORT is 8080", anchors=["settings.py:3"])
    drop = service.add("the server uses TLS", type="project")
    topic = service.paths.memory_dir / "project.md"
    text = topic.read_text()
    lines = [line for line in text.splitlines() if drop.id not in line]
    lines = [
        line.replace("PORT is 8080", "PORT is 8080 in development") if keep.id in line else line
        for line in lines
    ]
    lines.append("- Releases are cut from the main branch")
    topic.write_text("\n".join(lines) + "\n")

    service.sync_files()
    assert service.get(keep.id).text == "PORT is 8080 in development"
    assert service.get(keep.id).anchors  # anchors survive a text edit
    assert service.get(drop.id).status == "archived"
    added = [r for r in service.list() if r.text == "Releases are cut from the main branch"]
    assert len(added) == 1 and added[0].type == "project"
    rewritten = topic.read_text()
    assert added[0].id in rewritten and drop.id not in rewritten


def test_hand_edit_in_the_index_and_new_topic_file(service: MemoryService) -> None:
    r = service.add("deploy with make release", type="reference")
    index = service.paths.memory_dir / "MEMORY.md"
    index.write_text(index.read_text().replace("deploy with make release", "deploy with make ship"))
    (service.paths.memory_dir / "feedback.md").write_text("- Keep commits small\n")
    service.sync_files()
    assert service.get(r.id).text == "deploy with make ship"
    assert any(m.type == "feedback" and m.text == "Keep commits small" for m in service.list())


def test_secrets_typed_into_files_are_not_stored(service: MemoryService) -> None:
    service.add("a harmless fact")
    topic = service.paths.memory_dir / "project.md"
    topic.write_text(topic.read_text() + "- key AKIAABCDEFGHIJKLMNOP for prod\n")
    service.sync_files()
    assert not any("AKIA" in r.text for r in service.list())
    assert "AKIA" not in topic.read_text()


def test_missing_index_is_rebuilt_from_the_store(service: MemoryService) -> None:
    r = service.add("PORT is 8080", anchors=["settings.py:3"])
    for name in ("MEMORY.md", "project.md", ".index-state.json"):
        (service.paths.memory_dir / name).unlink()
    snap = service.index_snapshot()
    assert r.id in snap
    assert service.get(r.id).status == "active"  # a deleted file is not "forget everything"
    assert (service.paths.memory_dir / "project.md").exists()


def test_corrupt_index_is_rebuilt_and_kept_aside(service: MemoryService) -> None:
    r = service.add("PORT is 8080", anchors=["settings.py:3"])
    index = service.paths.memory_dir / "MEMORY.md"
    index.write_bytes(b"\xff\xfe\x00garbage\x00" * 100)
    snap = service.index_snapshot()
    assert r.id in snap and INDEX_MARKER in snap
    assert (service.paths.memory_dir / "MEMORY.md.corrupt").exists()
    assert service.get(r.id).status == "active"


def test_oversized_index_written_by_hand_is_brought_back_under_the_cap(
    service: MemoryService,
) -> None:
    service.add("one fact")
    index = service.paths.memory_dir / "MEMORY.md"
    index.write_text(index.read_text() + "\n".join(f"junk {i}" for i in range(500)) + "\n")
    text = service.sync_files()
    assert len(text.splitlines()) <= MAX_INDEX_LINES
    assert index.read_text() == text


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from wakeful.core.config import Config
    from wakeful.core.paths import Paths
    from wakeful.memory import MemoryService
    ws, user, name, n = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    mem = MemoryService.open(Paths(ws, user, user), Config())
    go = ws / "go"
    while not go.exists():
        time.sleep(0.005)
    for i in range(n):
        mem.add(f"{name} remembers fact {i}")
    mem.close()
    """
)


@pytest.mark.slow
def test_two_writer_processes_keep_every_memory_in_store_and_files(
    workspace: Path, tmp_path: Path
) -> None:
    user = tmp_path / "user"
    n = 25
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(workspace), str(user), name, str(n)])
        for name in ("alpha", "beta")
    ]
    (workspace / "go").touch()
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    mem = MemoryService.open(Paths(workspace, user, user), Config())
    try:
        texts = {r.text for r in mem.list()}
        expected = {f"{name} remembers fact {i}" for name in ("alpha", "beta") for i in range(n)}
        assert texts == expected
        topic = (workspace / ".wakeful/memory/project.md").read_text()
        assert all(t in topic for t in expected)
    finally:
        mem.close()


def test_user_memories_go_to_the_user_store(service: MemoryService, paths: Paths) -> None:
    r = service.add("prefers short answers", type="user")
    assert r.scope == "user"
    assert paths.user_memory_db.exists()
    anchored = service.add("the user maintains settings.py", type="user", anchors=["settings.py"])
    assert anchored.scope == "project"
    other = MemoryService.open(Paths(paths.workspace, paths.user_data, paths.user_config), Config())
    try:
        assert other.get(r.id).text == "prefers short answers"
    finally:
        other.close()
    cfg = Config()
    cfg.set("memory", "user_store", value=False)
    solo = MemoryService.open(paths, cfg)
    try:
        assert solo.user is None
        assert solo.add("likes tabs", type="user").scope == "project"
    finally:
        solo.close()
