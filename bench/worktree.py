"""Worktree cost on a 10,000-file repository: creating one (clean tree, and with uncommitted
changes carried over), committing a run's changes, merging and discarding.

    python bench/worktree.py [--files 10000] [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from wakeful.checkpoints.worktrees import WorktreeManager, WorktreeSettings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkpoint import make_repo  # noqa: E402


def ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rng = random.Random(13)
    with tempfile.TemporaryDirectory(prefix="wakeful-bench-wt-") as tmp:
        root = Path(tmp) / "repo"
        root.mkdir()
        files = make_repo(root, args.files, rng)
        (root / ".wakeful").mkdir()
        (root / ".wakeful" / ".gitignore").write_text("*\n")
        env = {
            "GIT_AUTHOR_NAME": "b",
            "GIT_AUTHOR_EMAIL": "b@x",
            "GIT_COMMITTER_NAME": "b",
            "GIT_COMMITTER_EMAIL": "b@x",
            "PATH": "/usr/bin:/bin",
            "HOME": tmp,
        }
        manager = WorktreeManager(root, WorktreeSettings(keep=1000), env=env)
        create, carry, commit, merge, discard = [], [], [], [], []
        for i in range(args.repeat):
            t = time.perf_counter()
            wt = manager.create(f"bench {i}")
            create.append(time.perf_counter() - t)
            for path in rng.sample(files, 100):
                target = Path(wt.path) / path.relative_to(root)
                target.write_text(target.read_text() + f"edit {i}\n")
            t = time.perf_counter()
            manager.commit(wt, f"bench {i}")
            commit.append(time.perf_counter() - t)
            manager.release(wt)
            t = time.perf_counter()
            manager.merge(wt.id, root, squash=True)
            merge.append(time.perf_counter() - t)
            # The user has 10 uncommitted edits: they are carried into the next worktree.
            for path in rng.sample(files, 10):
                path.write_text(path.read_text() + "mine\n")
            t = time.perf_counter()
            wt = manager.create(f"bench carry {i}")
            carry.append(time.perf_counter() - t)
            manager.release(wt)
            t = time.perf_counter()
            manager.discard(wt.id)
            discard.append(time.perf_counter() - t)
            import subprocess

            subprocess.run(["git", "checkout", "-q", "--", "."], cwd=root, check=True)
        figures = {
            "files": args.files,
            "repeat": args.repeat,
            "create_ms": ms(create),
            "create_with_uncommitted_ms": ms(carry),
            "commit_100_files_ms": ms(commit),
            "merge_squash_100_files_ms": ms(merge),
            "discard_ms": ms(discard),
        }
    for key, value in figures.items():
        print(f"{key:>28}: {value}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
