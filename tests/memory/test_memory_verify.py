"""Every verdict, against a real workspace on disk (and git where renames matter)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wakeful.memory import MemoryRecord, MemoryService
from wakeful.memory.anchors import anchor_from_lines, capture_anchor
from wakeful.memory.verify import verify_record
from wakeful.memory.workspace import WorkspaceView


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


def record_for(ws: Path, *specs: str) -> MemoryRecord:
    anchors = tuple(capture_anchor(ws, s) for s in specs)
    return MemoryRecord(id="m0000000001", type="project", text="note", anchors=anchors)


def check(ws: Path, record: MemoryRecord):
    view = WorkspaceView(ws)
    view.begin()
    return verify_record(record, view)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_unanchored(workspace: Path) -> None:
    rec = MemoryRecord(id="m0000000001", type="user", text="prefers tabs")
    assert check(workspace, rec).verdict == "unanchored"


def test_fresh_when_untouched(workspace: Path) -> None:
    rec = record_for(workspace, "settings.py:3")
    v = check(workspace, rec)
    assert v.verdict == "fresh"
    assert v.updated_anchors is None


def test_fresh_after_edit_outside_span_and_whitespace_only_change(workspace: Path) -> None:
    rec = record_for(workspace, "settings.py:8-11")
    edit(workspace / "settings.py", "self.sock.close()", "self.sock.shutdown()")  # after the span
    edit(workspace / "settings.py", "sock.listen(128)", "sock.listen(128)   ")  # trailing blanks
    assert check(workspace, rec).verdict == "fresh"


def test_moved_within_file_updates_anchor(workspace: Path) -> None:
    rec = record_for(workspace, "settings.py:8-11")
    edit(workspace / "settings.py", "import os\n", "import os\nimport sys\nimport json\n")
    v = check(workspace, rec)
    assert v.verdict == "moved"
    (moved,) = v.updated_anchors or ()
    assert (moved.path, moved.start_line, moved.end_line) == ("settings.py", 10, 13)
    assert moved.sha256 == rec.anchors[0].sha256
    assert "moved to settings.py:10-13" in v.detail


def test_moved_to_another_file_by_plain_mv(workspace: Path) -> None:
    rec = record_for(workspace, "settings.py:7-11")
    (workspace / "pkg").mkdir()
    shutil.move(workspace / "settings.py", workspace / "pkg" / "config.py")
    v = check(workspace, rec)
    assert v.verdict == "moved"
    assert v.updated_anchors is not None
    assert v.updated_anchors[0].path == "pkg/config.py"
    assert v.updated_anchors[0].start_line == 7


def test_moved_when_span_cut_and_pasted_into_other_file(workspace: Path) -> None:
    rec = record_for(workspace, "util.js:5-7")
    js = workspace / "util.js"
    body = "function mul(a, b) {\n  return a * b;\n}\n"
    edit(js, body, "")
    (workspace / "math.js").write_text("// math helpers\n\n" + body)
    v = check(workspace, rec)
    assert v.verdict == "moved"
    assert v.updated_anchors is not None
    assert (v.updated_anchors[0].path, v.updated_anchors[0].start_line) == ("math.js", 3)


def test_drifted_names_the_changed_lines(workspace: Path) -> None:
    rec = record_for(workspace, "settings.py:3-4")
    edit(workspace / "settings.py", "PORT = 8080", "PORT = 9090")
    v = check(workspace, rec)
    assert v.verdict == "drifted"
    assert v.checks[0].changed_lines == (3, 3)
    assert v.detail == "settings.py:3 changed since"
    assert v.updated_anchors is None


def test_drifted_with_lines_inserted_above_reports_current_numbers(workspace: Path) -> None:
    rec = record_for(workspace, "settings.py:8-11")
    edit(workspace / "settings.py", "import os\n", "import os\nimport re\n")
    edit(workspace / "settings.py", "sock.listen(128)", "sock.listen(1024)")
    v = check(workspace, rec)
    assert v.verdict == "drifted"
    assert v.checks[0].changed_lines == (11, 11)


def test_drifted_when_lines_deleted_inside_span(workspace: Path) -> None:
    rec = record_for(workspace, "settings.py:8-11")
    edit(workspace / "settings.py", "        sock.listen(128)\n", "")
    v = check(workspace, rec)
    assert v.verdict == "drifted"
    assert v.checks[0].changed_lines is not None
    first, last = v.checks[0].changed_lines
    assert 8 <= first <= last <= 11


def test_orphaned_when_file_deleted(workspace: Path) -> None:
    rec = record_for(workspace, "settings.py:3")
    (workspace / "settings.py").unlink()
    v = check(workspace, rec)
    assert v.verdict == "orphaned"
    assert "settings.py is gone" in v.detail


def test_orphaned_when_moved_file_was_also_edited_without_git(workspace: Path) -> None:
    rec = record_for(workspace, "settings.py:3")
    text = (workspace / "settings.py").read_text().replace("8080", "9999")
    (workspace / "settings.py").unlink()
    (workspace / "conf.py").write_text(text)
    assert check(workspace, rec).verdict == "orphaned"


def test_git_rename_with_edit_is_drifted_at_the_new_path(workspace: Path) -> None:
    rec = record_for(workspace, "settings.py:3")
    git(workspace, "mv", "settings.py", "config.py")
    edit(workspace / "config.py", "PORT = 8080", "PORT = 9999")
    git(workspace, "add", "config.py")
    v = check(workspace, rec)
    assert v.verdict == "drifted"
    assert "renamed to config.py" in v.detail
    assert "config.py:3 changed since" in v.detail


def test_git_rename_detection_since_the_anchor_commit(workspace: Path) -> None:
    head = git(workspace, "rev-parse", "HEAD").strip()
    rec = record_for(workspace, "settings.py:3")
    rec = rec.with_(
        anchors=(rec.anchors[0].__class__(**{**rec.anchors[0].__dict__, "commit": head}),)
    )
    git(workspace, "mv", "settings.py", "cfg.py")
    git(workspace, "commit", "-qm", "rename")
    v = check(workspace, rec)
    assert v.verdict == "moved"
    assert v.updated_anchors is not None and v.updated_anchors[0].path == "cfg.py"


def test_worst_anchor_wins(workspace: Path) -> None:
    rec = record_for(workspace, "settings.py:3", "util.js:1-3")
    (workspace / "util.js").unlink()
    v = check(workspace, rec)
    assert v.verdict == "orphaned"
    assert [c.verdict for c in v.checks] == ["fresh", "orphaned"]


def test_service_persists_moved_anchor_and_verdict(service: MemoryService, workspace: Path) -> None:
    rec = service.add("the listen method binds HOST and PORT", anchors=["settings.py:8-11"])
    edit(workspace / "settings.py", "import os\n", "import os\nimport sys\n")
    ((after, v),) = service.verify([rec])
    assert v.verdict == "moved"
    stored = service.get(rec.id)
    assert stored.anchors[0].start_line == 9
    assert stored.verdict == "moved"
    # Now it is where the store says: fresh.
    ((_, v2),) = service.verify([stored])
    assert v2.verdict == "fresh"


def test_verification_sees_changes_between_batches(service: MemoryService, workspace: Path) -> None:
    rec = service.add("PORT is 8080", anchors=["settings.py:3"])
    assert service.verify([rec])[0][1].verdict == "fresh"
    edit(workspace / "settings.py", "PORT = 8080", "PORT = 80")
    assert service.verify([rec])[0][1].verdict == "drifted"


# -- properties ----------------------------------------------------------------------------

_line = st.text(alphabet="abcdefgh =()", min_size=0, max_size=12)


def _unique(lines: list[str]) -> list[str]:
    return [f"{line} u{i}" for i, line in enumerate(lines)]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=st.lists(_line, min_size=3, max_size=40),
    data=st.data(),
)
@pytest.mark.slow
def test_property_insertions_above_move_and_edits_inside_drift(
    tmp_path_factory, lines: list[str], data: st.DataObject
) -> None:
    ws = tmp_path_factory.mktemp("prop")
    body = _unique(lines)
    start = data.draw(st.integers(1, len(body)))
    end = data.draw(st.integers(start, min(len(body), start + 5)))
    (ws / "f.txt").write_text("\n".join(body) + "\n")
    anchor = anchor_from_lines("f.txt", body, start, end, with_symbol=False)
    rec = MemoryRecord(id="m0000000001", type="project", text="x", anchors=(anchor,))
    view = WorkspaceView(ws)
    view.begin()
    assert verify_record(rec, view).verdict == "fresh"

    shift = data.draw(st.integers(1, 5))
    at = data.draw(st.integers(0, start - 1))
    moved = body[:at] + [f"new {k}" for k in range(shift)] + body[at:]
    (ws / "f.txt").write_text("\n".join(moved) + "\n")
    view.begin()
    v = verify_record(rec, view)
    assert v.verdict == "moved"
    assert v.updated_anchors is not None
    assert v.updated_anchors[0].start_line == start + shift

    k = data.draw(st.integers(start, end))
    edited = list(body)
    edited[k - 1] = edited[k - 1] + " changed"
    (ws / "f.txt").write_text("\n".join(edited) + "\n")
    view.begin()
    v = verify_record(rec, view)
    assert v.verdict == "drifted"
    assert v.checks[0].changed_lines is not None
    first, last = v.checks[0].changed_lines
    assert first <= k <= last


def test_drifted_single_line_after_insertions_above_uses_context(workspace: Path) -> None:
    rec = record_for(workspace, "settings.py:3")
    edit(workspace / "settings.py", "import os\n", "import os\nimport re\nimport sys\n")
    edit(workspace / "settings.py", "PORT = 8080", "PORT = 9090")
    v = check(workspace, rec)
    assert v.verdict == "drifted"
    assert v.detail == "settings.py:5 changed since"
