"""Test helpers: a workspace's files and the user's git state, exactly, to compare before and after."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SKIP = {".git", ".wakeful"}


def files_of(root: Path) -> dict[str, tuple[str, bytes, int]]:
    """Every file and symlink under `root` (but .git and .wakeful): kind, bytes, exec bit."""
    out: dict[str, tuple[str, bytes, int]] = {}
    for folder, dirs, names in os.walk(root):
        if Path(folder) == root:
            dirs[:] = [d for d in dirs if d not in SKIP]
        for name in names + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                out[rel] = ("link", os.readlink(path).encode(), 0)
            else:
                with open(path, "rb") as fh:
                    out[rel] = ("file", fh.read(), os.stat(path).st_mode & 0o111)
    return out


def dirs_of(root: Path) -> set[str]:
    found = set()
    for folder, dirs, _ in os.walk(root):
        if Path(folder) == root:
            dirs[:] = [d for d in dirs if d not in SKIP]
        found |= {os.path.relpath(os.path.join(folder, d), root) for d in dirs}
    return found


def git_state(root: Path) -> dict[str, bytes]:
    """The user's git state: HEAD, refs, stash, the index file's bytes, status."""

    def git(*args: str) -> bytes:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, check=True).stdout

    return {
        "head": git("rev-parse", "HEAD"),
        "refs": git("for-each-ref"),
        "stash": git("stash", "list"),
        "index": (root / ".git" / "index").read_bytes(),
        "config": (root / ".git" / "config").read_bytes(),
    }
