"""The SQLite store: records, search, dreaming's primitives, concurrency, index repair."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from wakeful.memory import MemoryNotFound, MemoryRecord, SqliteMemoryStore
from wakeful.memory.store import MemoryStore, fts_query, new_memory_id
from wakeful.memory.types import Anchor


def rec(text: str, mtype: str = "project", **kw) -> MemoryRecord:
    return MemoryRecord(id=new_memory_id(), type=mtype, text=text, **kw)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path, open_memory_store):
    s = open_memory_store(request.param, tmp_path / "memory.db")
    yield s
    s.close()


def test_is_a_memory_store(store: MemoryStore) -> None:
    assert isinstance(store, MemoryStore)


def test_sqlite_store_is_in_wal_mode(tmp_path: Path) -> None:
    SqliteMemoryStore(tmp_path / "memory.db").close()
    db = sqlite3.connect(tmp_path / "memory.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_round_trip_keeps_every_field(store: MemoryStore) -> None:
    anchor = Anchor("a.py", 1, 2, "ab" * 32, "f", "c0ffee", ("x", "y"))
    r = rec("hello", anchors=(anchor,), source_session="s1", supersedes=("m1",))
    stored = store.add(r)
    got = store.get(r.id)
    assert got == stored
    assert got.anchors == (anchor,)
    assert got.source_session == "s1" and got.supersedes == ("m1",)
    assert got.created > 0 and got.seq > 0


def test_search_ranks_by_bm25_and_hides_inactive(store: MemoryStore) -> None:
    a = store.add(rec("the server listens on port 8080"))
    b = store.add(rec("tests run with pytest; the port fixture picks a free port"))
    store.add(rec("nothing to do with it"))
    hits = store.search("which port does the server listen on")
    assert [h[0].id for h in hits][:2] == [a.id, b.id]
    assert all(score > 0 for _, score in hits)
    store.set_status([a.id], "archived")
    assert [h[0].id for h in store.search("server port")] == [b.id]


def test_search_finds_by_anchored_path_and_symbol(store: MemoryStore) -> None:
    anchor = Anchor("src/net/listener.py", 3, 4, "0" * 64, "Server.listen")
    r = store.add(rec("binds before dropping privileges", anchors=(anchor,)))
    assert store.search("listener")[0][0].id == r.id
    assert store.search("listen")[0][0].id == r.id


def test_query_syntax_is_never_passed_through() -> None:
    assert fts_query('port" OR 1=1 NEAR(') == '"port" OR "near"'
    assert fts_query("the a of") == ""


def test_supersede_archive_restore_and_watermark(store: MemoryStore) -> None:
    a = store.add(rec("port is 8080"))
    b = store.add(rec("port set in settings.py"))
    mark = store.max_seq()
    merged = store.supersede(rec("port is 8080, set in settings.py"), [a.id, b.id])
    assert merged.supersedes == (a.id, b.id)
    assert store.get(a.id).status == "superseded"
    assert {r.id for r in store.list()} == {merged.id}
    changed = {r.id for r in store.changes_since(mark)}
    assert changed == {a.id, b.id, merged.id}
    actions = [(e["memory_id"], e["action"]) for e in store.events_since(mark)]
    assert (merged.id, "add") in actions and (a.id, "superseded") in actions
    store.set_status([merged.id], "archived", "pruned")
    store.set_status([a.id, b.id], "active", "restored")
    assert {r.id for r in store.list()} == {a.id, b.id}
    store.set_meta("dream.watermark", str(store.max_seq()))
    assert store.changes_since(int(store.get_meta("dream.watermark") or 0)) == []


def test_missing_ids_raise_a_clear_error(store: MemoryStore) -> None:
    with pytest.raises(MemoryNotFound, match="no memory with id mnope"):
        store.set_status(["mnope"], "archived")
    with pytest.raises(MemoryNotFound):
        store.update_text("mnope", "x")
    assert store.delete("mnope") is False


def test_missing_search_index_is_rebuilt_from_records(tmp_path: Path) -> None:
    s = SqliteMemoryStore(tmp_path / "m.db")
    r = s.add(rec("deploys go through the staging cluster first"))
    s.close()
    db = sqlite3.connect(tmp_path / "m.db")
    db.execute("DROP TABLE memories_fts")
    db.commit()
    db.close()
    s = SqliteMemoryStore(tmp_path / "m.db")
    assert [h[0].id for h in s.search("staging cluster")] == [r.id]
    s.close()


def test_corrupt_search_index_is_rebuilt_from_records(tmp_path: Path) -> None:
    s = SqliteMemoryStore(tmp_path / "m.db")
    ids = [s.add(rec(f"fact number {i} about caching")).id for i in range(20)]
    s.close()
    db = sqlite3.connect(tmp_path / "m.db")
    db.execute("UPDATE memories_fts_data SET block = x'deadbeef' WHERE id > 1")
    db.execute("DELETE FROM memories_fts_docsize WHERE id % 2 = 0")
    db.commit()
    db.close()
    s = SqliteMemoryStore(tmp_path / "m.db")
    found = {h[0].id for h in s.search("caching", limit=50)}
    assert found == set(ids)
    s.close()


def test_silently_damaged_search_index_is_rebuilt_on_open(tmp_path: Path) -> None:
    s = SqliteMemoryStore(tmp_path / "m.db")
    r = s.add(rec("the cache key includes the model name"))
    s.close()
    db = sqlite3.connect(tmp_path / "m.db")
    db.execute("UPDATE memories_fts_data SET block = x'00' WHERE id > 1")
    db.commit()
    db.close()
    s = SqliteMemoryStore(tmp_path / "m.db")
    assert [h[0].id for h in s.search("cache key")] == [r.id]
    s.close()


WRITER = textwrap.dedent(
    """
    import sys
    import time
    from pathlib import Path
    from wakeful.memory.store import SqliteMemoryStore, new_memory_id
    from wakeful.memory.types import MemoryRecord
    store = SqliteMemoryStore(Path(sys.argv[1]))
    Path(sys.argv[1] + ".ready-" + sys.argv[2]).touch()
    go = Path(sys.argv[1] + ".go")
    while not go.exists():  # start together
        time.sleep(0.005)
    n = int(sys.argv[3])
    me, other = sys.argv[2], ("beta" if sys.argv[2] == "alpha" else "alpha")
    for i in range(n):
        if i == n // 2:
            # Half done: wait for the other writer's first half, so the two
            # really interleave however the scheduler runs them.
            Path(sys.argv[1] + ".half-" + me).touch()
            while not Path(sys.argv[1] + ".half-" + other).exists():
                time.sleep(0.005)
        store.add(MemoryRecord(id=new_memory_id(), type="project", text=f"{me} note {i}"))
    store.close()
    """
)


@pytest.mark.slow
def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    SqliteMemoryStore(db).close()
    n = 300
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(db), name, str(n)])
        for name in ("alpha", "beta")
    ]
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"shared.db.ready-{n}").exists() for n in ("alpha", "beta")):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.01)
    (tmp_path / "shared.db.go").touch()
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    s = SqliteMemoryStore(db)
    records = s.list()
    texts = {r.text for r in records}
    # Interleaved, not one after the other: each writer's second half waits for the
    # other's first half, so the two writers' seq numbers must overlap.
    alpha = sorted(r.seq for r in records if r.text.startswith("alpha"))
    beta = sorted(r.seq for r in records if r.text.startswith("beta"))
    assert alpha[0] < beta[-1] and beta[0] < alpha[-1]
    assert len(texts) == 2 * n
    assert {f"alpha note {i}" for i in range(n)} <= texts
    assert {f"beta note {i}" for i in range(n)} <= texts
    assert s.max_seq() == 2 * n
    assert len(s.search("alpha", limit=1000)) == n
    s.close()


def test_search_with_a_small_limit_keeps_the_records_holding_every_word(store: MemoryStore) -> None:
    for i in range(30):
        store.add(rec(f"the cache is warmed at start {i}"))
    both = store.add(rec("the cache key includes the tenant"))
    hits = store.search("tenant cache", limit=3)
    assert hits[0][0].id == both.id
    assert len(hits) == 3  # widened to any word when too few hold them all
