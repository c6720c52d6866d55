"""Two checkouts of one repository at different commits share one memory store.

Verification is per checkout: each keeps its own verdicts and relocated anchors, so the
shared record never flips between the two places and the change counter (dreaming's
watermark) moves only when a record's text or status changes.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.memory import MemoryService
from wakeful.memory.store import MemoryStore
from wakeful.memory.types import MemoryRecord


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)
    return out.stdout


@pytest.fixture
def two_checkouts(workspace: Path, tmp_path: Path) -> tuple[Paths, Paths]:
    """`workspace` at commit 1; a worktree at commit 2, where lines above the span moved it."""
    first = git(workspace, "rev-parse", "HEAD").strip()
    text = (workspace / "settings.py").read_text()
    (workspace / "settings.py").write_text("# header\n# added\n# lines\n" + text)
    git(workspace, "commit", "-qam", "shift")
    second = tmp_path / "second"
    git(workspace, "worktree", "add", "-q", str(second), "HEAD")
    git(workspace, "checkout", "-q", first)
    user = tmp_path / "user"
    return Paths(workspace, user, user), Paths(second.resolve(), user, user)


@pytest.fixture(params=["sqlite", "postgres"])
def shared(
    request: pytest.FixtureRequest, tmp_path: Path, open_memory_store
) -> Iterator[MemoryStore]:
    store = open_memory_store(request.param, tmp_path / "shared.db")
    yield store
    store.close()


def test_two_checkouts_at_different_commits_do_not_flip_the_shared_record(
    two_checkouts: tuple[Paths, Paths], shared: MemoryStore
) -> None:
    pa, pb = two_checkouts
    a = MemoryService(pa, Config(), shared)
    b = MemoryService(pb, Config(), shared)
    assert a.checkout != b.checkout
    stored = a.add("the server listens on PORT", anchors=["settings.py:3"])
    base_anchor = stored.anchors[0]
    mark = shared.max_seq()

    seen_a: list[str] = []
    seen_b: list[str] = []
    for _ in range(4):
        seen_a += [h.verdict for h in a.recall("server port")]
        seen_b += [h.verdict for h in b.recall("server port")]
        a.verify()
        b.verify()

    # Each checkout sees the text where it is in that checkout.
    assert set(seen_a) == {"fresh"}
    assert seen_b[0] == "moved" and set(seen_b[1:]) == {"fresh"}
    ra = a.get(stored.id)
    rb = b.get(stored.id)
    assert ra.anchors[0].start_line == 3 and rb.anchors[0].start_line == 6
    # The shared record is untouched: same anchor, no change-counter bumps, no events.
    assert shared.get(stored.id).anchors[0] == base_anchor
    assert shared.max_seq() == mark
    assert shared.changes_since(mark) == []
    assert shared.events_since(mark) == []
    # A text edit is a real change: it moves the counter once.
    a.project.update_text(stored.id, "the server listens on PORT (8080)")
    assert shared.max_seq() == mark + 1


def test_a_new_anchor_set_drops_the_checkouts_relocations(
    two_checkouts: tuple[Paths, Paths], shared: MemoryStore
) -> None:
    pa, pb = two_checkouts
    a = MemoryService(pa, Config(), shared)
    b = MemoryService(pb, Config(), shared)
    record: MemoryRecord = a.add("HOST is bound to all interfaces", anchors=["settings.py:4"])
    b.verify()
    assert b.get(record.id).anchors[0].start_line == 7
    assert shared.checkout_state(b.checkout, [record.id])[record.id].anchors is not None
    # Anchors rewritten on purpose (e.g. `memory add --supersedes` or dreaming): the
    # checkout's old relocation must not mask the new anchors.
    moved = record.anchors[0].__class__(**{**record.anchors[0].to_dict(), "start_line": 1})
    shared.set_anchors(record.id, [moved])
    assert shared.checkout_state(b.checkout, [record.id]) == {}


def test_the_checkout_id_is_stable_and_per_checkout(two_checkouts: tuple[Paths, Paths]) -> None:
    from wakeful.memory.service import checkout_id

    pa, pb = two_checkouts
    assert checkout_id(pa) == checkout_id(pa)
    assert checkout_id(pa) != checkout_id(pb)
