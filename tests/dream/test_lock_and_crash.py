"""The lock (two dreams at once, stale takeover) and crash injection between phases."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from wakeful.core.config import Config, load_config
from wakeful.core.errors import LockHeldError
from wakeful.core.paths import Paths
from wakeful.memory.dream import DreamOptions, dream_lock_for, run_dream
from wakeful.memory.dream_lock import DreamLock

from .conftest import add_memory, project_store, store_records

RUNNER = textwrap.dedent(
    """
    import os, signal, sys, time
    from pathlib import Path
    from wakeful.core.config import load_config
    from wakeful.core.paths import Paths
    from wakeful.memory.dream import DreamOptions, dream_lock_for, run_dream

    workspace, home, when, action = sys.argv[1:5]
    env = {"HOME": home, "XDG_DATA_HOME": home + "/.local/share"}
    paths = Paths.for_workspace(workspace, env)
    marker = Path(workspace).parent / "marker"

    def hook(kind, data):
        point = kind + ":" + str(data.get("phase", ""))
        if point == when or (kind == when):
            marker.write_text(point)
            if action == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if action == "wait":  # hold the dream here until the test says go
                go = Path(workspace).parent / "go"
                deadline = time.time() + 120
                while not go.exists() and time.time() < deadline:
                    time.sleep(0.02)
            else:
                time.sleep(float(action))

    config = load_config(paths, {})  # the workspace's memory backend
    report = run_dream(paths, config, DreamOptions(force=True, use_model=False, on_event=hook))
    print(report.skipped or "ran")
    """
)


def _runner(
    tmp_path: Path, paths: Paths, home: Path, when: str, action: str
) -> subprocess.Popen[str]:
    script = tmp_path / "runner.py"
    script.write_text(RUNNER)
    return subprocess.Popen(
        [sys.executable, str(script), str(paths.workspace), str(home), when, action],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _corpus(paths: Paths) -> None:
    t = time.time() - 1000
    (paths.workspace / "old.py").write_text("LEGACY = True\n")
    add_memory(
        paths,
        "old.py keeps the legacy switch",
        anchor="old.py:1",
        created=t,
        memory_id="m000000001",
    )
    add_memory(paths, "The default timeout is 30 seconds", created=t + 1, memory_id="m000000002")
    add_memory(paths, "The default timeout is 60 seconds", created=t + 2, memory_id="m000000003")
    add_memory(
        paths, "Yesterday we moved CI to GitHub Actions", created=t + 3, memory_id="m000000004"
    )
    for i in range(6):
        add_memory(
            paths,
            f"Tests for module {i} run with pytest from the root" + ("." if i % 2 else ""),
            created=t + 10 + i,
            memory_id=f"m00000001{i}",
        )
    for i in range(6):
        add_memory(
            paths,
            f"tests for module {i} run with pytest from the root!",
            created=t + 20 + i,
            memory_id=f"m00000002{i}",
        )
    (paths.workspace / "old.py").unlink()


def _state(paths: Paths) -> tuple[set[str], dict[str, str]]:
    records = store_records(paths)
    return {r.text for r in records if r.status == "active"}, {
        r.id: r.status for r in records if r.id.startswith("m0000")
    }


def test_lock_is_exclusive_and_names_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "dream.lock"
    with DreamLock(path) as held:
        assert held.is_locked()
        with pytest.raises(LockHeldError, match=f"pid {os.getpid()}"):
            DreamLock(path).acquire()
    assert not path.exists()
    assert not DreamLock(path).is_locked()


def test_stale_lock_from_dead_process_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "dream.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time; from pathlib import Path; from wakeful.memory.dream_lock import DreamLock;"
            f"DreamLock(Path({str(path)!r})).acquire(); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(LockHeldError, match=f"pid {holder.pid}"):
        DreamLock(path).acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    lock = DreamLock(path).acquire()
    try:
        assert lock.took_over is not None and lock.took_over.pid == holder.pid
    finally:
        lock.release()


@pytest.mark.slow
def test_two_dreams_at_once_one_runs_the_other_reports_the_lock(
    ws: tuple[Paths, Config], tmp_path: Path, home: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    paths, config = ws
    _corpus(paths)
    first = _runner(tmp_path, paths, home, "phase_start:consolidate", "wait")
    marker = paths.workspace.parent / "marker"
    deadline = time.time() + 20
    while not marker.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert marker.exists(), first.communicate()
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local/share")}
    second = cli(["dream", "--force", "--json"], cwd=paths.workspace, env=env)
    assert second.returncode == 0, second.stderr
    data = second.json()
    assert data["skipped"] is True and "another dream is running" in data["reason"]
    assert f"pid {first.pid}" in data["reason"]
    (paths.workspace.parent / "go").touch()
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert out.strip() == "ran"


@pytest.mark.slow
@pytest.mark.parametrize("ws", ["postgres"], indirect=True)
def test_two_checkouts_sharing_a_team_store_never_dream_at_once(
    ws: tuple[Paths, Config], tmp_path: Path, home: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    """Two checkouts (or machines) of one repository share its memories in PostgreSQL: the
    lock must be in the database, not a file in each checkout's .wakeful/."""
    paths, config = ws  # (a local SQLite store belongs to one checkout: see the tests above)
    _corpus(paths)
    second = tmp_path / "second-checkout"
    subprocess.run(["git", "clone", "-q", str(paths.workspace), str(second)], check=True)
    (second / ".wakeful").mkdir()
    (second / ".wakeful" / "config.toml").write_text(paths.project_config.read_text())
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local/share")}
    assert cli(["trust", str(second)], cwd=second, env=env).returncode == 0
    first = _runner(tmp_path, paths, home, "phase_start:consolidate", "wait")
    marker = paths.workspace.parent / "marker"
    deadline = time.time() + 20
    while not marker.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert marker.exists(), first.communicate()
    other = cli(["dream", "--force", "--json"], cwd=second, env=env)
    assert other.returncode == 0, other.stderr
    data = other.json()
    assert data["skipped"] is True and "another dream is running" in data["reason"], data
    assert f"pid {first.pid}" in data["reason"]
    (paths.workspace.parent / "go").touch()
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert out.strip() == "ran"
    # The lock ended with the first dream's connection: the second checkout may dream now.
    assert not dream_lock_for(paths, config).is_locked()


def test_team_store_lock_dies_with_its_holder(postgres_dsn: str) -> None:
    from wakeful.memory.dream_lock import PostgresDreamLock

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from wakeful.memory.dream_lock import PostgresDreamLock;"
            f"lock = PostgresDreamLock({postgres_dsn!r}, 'p').acquire(); print('held', flush=True);"
            "time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    assert PostgresDreamLock(postgres_dsn, "p").is_locked()
    assert not PostgresDreamLock(postgres_dsn, "another-project").is_locked()
    with pytest.raises(LockHeldError, match=f"pid {holder.pid}"):
        PostgresDreamLock(postgres_dsn, "p").acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    deadline = time.time() + 10  # the server notices the dropped connection
    while PostgresDreamLock(postgres_dsn, "p").is_locked() and time.time() < deadline:
        time.sleep(0.1)
    lock = PostgresDreamLock(postgres_dsn, "p").acquire()
    try:
        assert lock.took_over is not None and lock.took_over.pid == holder.pid
    finally:
        lock.release()
    assert not PostgresDreamLock(postgres_dsn, "p").is_locked()


@pytest.mark.parametrize(
    "when",
    ["phase_end:orient", "phase_end:gather", "merged", "superseded", "phase_end:consolidate"],
)
@pytest.mark.slow
def test_crash_between_phases_leaves_store_consistent_and_next_dream_resumes(
    ws: tuple[Paths, Config], tmp_path: Path, home: Path, when: str
) -> None:
    paths, config = ws
    # The outcome of an uninterrupted dream on the same corpus, for comparison.
    ref_paths = Paths.for_workspace(tmp_path / "ref", {"HOME": str(home / "ref")})
    (tmp_path / "ref").mkdir()
    ref_paths.ensure()
    _corpus(ref_paths)
    # (in SQLite: with the workspace in PostgreSQL, both backends must end the same way)
    ref_config = load_config(ref_paths, {})
    assert run_dream(ref_paths, ref_config, DreamOptions(force=True, use_model=False)).ran
    expected_texts, expected_status = _state(ref_paths)

    _corpus(paths)
    proc = _runner(tmp_path, paths, home, when, "kill")
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    # Consistent: every original memory is still there, in a valid state; search works.
    store = project_store(paths)
    try:
        statuses = {r.id: r.status for r in store.list(status=None)}
        assert set(expected_status) <= set(statuses)
        assert set(statuses.values()) <= {"active", "superseded", "archived"}
        for r in store.list(status=None):
            for old in r.supersedes:
                assert statuses.get(old) in {"superseded", "archived"}, (r.id, old)
        store.search("pytest module")
        owner = dream_lock_for(paths, config).owner()
        assert owner is not None and owner.pid == proc.pid
    finally:
        store.close()

    # The next dream passes the gates without --force (an interrupted dream is resumed),
    # takes over the stale lock and ends where an uninterrupted dream would have.
    report = run_dream(paths, config, DreamOptions(use_model=False))
    assert report.ran, report.skipped
    assert report.resumed_from is not None
    assert report.took_over_lock is not None and report.took_over_lock["pid"] == proc.pid
    texts, status = _state(paths)
    assert texts == expected_texts
    assert status == expected_status
    assert run_dream(paths, config, DreamOptions(force=True, use_model=False)).skipped
