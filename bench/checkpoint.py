"""Checkpoint cost on a 10,000-file repository: time per run, storage growth, rewind time.

A run's checkpoint is two snapshots: one before its first change, one when it ends. The
"checkpoint time per turn" is the sum of both (what the run waits for), measured with 1 and
with 100 files changed during the run, and when nothing changed:

- "no change-capable call": the run only read; the recorder starts no git process at all.
- "write that changed nothing": a change-capable call ran (e.g. `touch` of nothing new), so
  both snapshots are taken and the checkpoint is dropped because the trees are equal.

Each figure is measured twice: with a watching store (`watch=True`, what the REPL, the
daemon and a headless run use: after the first snapshot, inotify events say what changed)
and with a store that does not watch (the snapshot from git's stat cache and the walk
cache, what every snapshot was before, and what the first snapshot of a process still is).

Storage growth is the on-disk size of the checkpoint repository after 100 runs that each
edit one ~2 KB file, over its size after the first snapshot. Rewind time restores a run
that changed 100 files.

    python bench/checkpoint.py [--files 10000] [--repeat 15] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from wakeful.checkpoints import CheckpointStore, RunRecorder


def make_repo(root: Path, files: int, rng: random.Random) -> list[Path]:
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    paths = []
    for i in range(files):
        folder = root / f"pkg{i // 100:03d}" / f"mod{(i // 10) % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"file{i:05d}.py"
        path.write_text("".join(f"line {j} {rng.random():.12f}\n" for j in range(60)))
        paths.append(path)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@x",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@x",
    }
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=root, check=True, env=env)
    return paths


def du(path: Path) -> int:
    total = 0
    for folder, _, names in os.walk(path):
        for name in names:
            try:
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512
            except OSError:
                pass
    return total


CPU: list[float] = []  # CPU seconds (this process and its git children) per timed run


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed_run(store: CheckpointStore, edit) -> float:  # type: ignore[no-untyped-def]
    """Seconds the run spends in its checkpoint (before + after snapshots), not in `edit`;
    the CPU seconds it took go to CPU (wall time on a shared machine includes waiting)."""
    c0 = _cpu()
    t0 = time.perf_counter()
    cp = store.begin("bench", "main", "run")
    t1 = time.perf_counter()
    c1 = _cpu()
    edit()
    c2 = _cpu()
    t2 = time.perf_counter()
    store.finish(cp, ("main",))
    t3 = time.perf_counter()
    CPU.append((c1 - c0) + (_cpu() - c2))
    return (t1 - t0) + (t3 - t2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="wakeful-cp-bench-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        paths = make_repo(root, args.files, rng)
        store = CheckpointStore.for_workspace(root)
        t0 = time.perf_counter()
        with store.locked():
            first_tree = store.snapshot()
            store._set_last(first_tree)
        first = time.perf_counter() - t0
        counter = [0]
        figures: dict[str, float] = {}

        def edit(n: int):  # type: ignore[no-untyped-def]
            def go() -> None:
                for path in rng.sample(paths, n):
                    counter[0] += 1
                    with path.open("a") as fh:
                        fh.write(f"edit {counter[0]}\n")

            return go

        ms = lambda xs: round(statistics.median(xs) * 1000, 2)  # noqa: E731
        for label, watch in (("", True), ("unwatched_", False)):
            runs = CheckpointStore.for_workspace(root, watch=watch)
            t0 = time.perf_counter()
            with runs.locked():
                runs.snapshot()  # a watching store arms its watcher here
            figures[f"{label}arm_ms"] = round((time.perf_counter() - t0) * 1000, 1)
            for name, change in (
                ("1_changed", edit(1)),
                ("100_changed", edit(100)),
                ("write_changed_nothing", lambda: None),
            ):
                CPU.clear()
                walls = [timed_run(runs, change) for _ in range(args.repeat)]
                figures[f"{label}turn_{name}_ms"] = ms(walls)
                figures[f"{label}turn_{name}_best_ms"] = round(min(walls) * 1000, 2)
                figures[f"{label}cpu_{name}_ms"] = ms(CPU)
            runs.close()

        recorder = RunRecorder(store, "bench")
        idle = []
        for _ in range(args.repeat * 10):
            t = time.perf_counter()
            recorder.begin_run("read-only run")
            recorder.finish_run()
            idle.append(time.perf_counter() - t)

        git_dir = store.git.git_dir
        size0 = du(git_dir)
        for _ in range(100):
            timed_run(store, edit(1))
        size100 = du(git_dir)

        cp = store.begin("bench", "main", "big run")
        edit(100)()
        (root / "pkg000" / "brand-new.txt").write_text("new\n")
        paths[0].unlink()
        store.finish(cp, ("main",))
        t = time.perf_counter()
        plan, _ = store.rewind(cp.id)
        rewind = time.perf_counter() - t

    result = {
        "files": args.files,
        "repeat": args.repeat,
        "first_snapshot_s": round(first, 2),
        **figures,
        "load_average": round(os.getloadavg()[0], 2),
        "turn_no_change_capable_call_ms": round(statistics.median(idle) * 1000, 4),
        "storage_first_snapshot_bytes": size0,
        "storage_growth_100_turns_bytes": size100 - size0,
        "storage_growth_per_turn_bytes": (size100 - size0) // 100,
        "rewind_files": len(plan.changes),
        "rewind_ms": round(rewind * 1000, 1),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"repository: {args.files} files; first snapshot {result['first_snapshot_s']} s; "
        f"load average {result['load_average']}"
    )
    for label, what in (("", "watching store"), ("unwatched_", "store not watching")):
        print(f"{what} (armed in {result[label + 'arm_ms']} ms):")
        for name, goal in (
            ("1_changed", "goal < 50"),
            ("100_changed", "goal < 200"),
            ("write_changed_nothing", "goal <= 2"),
        ):
            print(
                f"  checkpoint per run, {name.replace('_', ' ')}: "
                f"median {result[f'{label}turn_{name}_ms']} ms, "
                f"best {result[f'{label}turn_{name}_best_ms']} ms "
                f"(CPU {result[f'{label}cpu_{name}_ms']} ms; {goal})"
            )
    print(
        f"run with no change-capable call:       {result['turn_no_change_capable_call_ms']} ms"
        " (goal <= 2)"
    )
    print(
        f"storage: {size0 / 1e6:.1f} MB after the first snapshot; +{(size100 - size0) / 1e3:.0f}"
        f" KB over 100 runs ({result['storage_growth_per_turn_bytes']} bytes per run)"
    )
    print(f"rewind of a {len(plan.changes)}-file run: {result['rewind_ms']} ms")


if __name__ == "__main__":
    main()
