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


def git_text(root: Path, *args: str) -> str:
    """What `git ARGS` prints in `root` (raises when git fails)."""
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def user_state(root: Path) -> dict[str, object]:
    """The user's files, folders, git state and status, with wakeful's own branches
    (`wakeful/...`, its worktrees') left aside: what a run that works beside the user's tree
    must leave exactly as it was."""
    git = git_state(root)
    ours = b"refs/heads/wakeful/"
    return {
        **git,
        "refs": b"\n".join(line for line in git["refs"].splitlines() if ours not in line),
        "files": files_of(root),
        "dirs": dirs_of(root),
        "status": git_text(root, "status", "--porcelain", "--untracked-files=all"),
    }
