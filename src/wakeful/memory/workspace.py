"""A cached, read-only view of the workspace for verification.

Verifying thousands of memories must cost stats and hashes, not reads: each file's
normalised lines and line hashes are cached by (path, mtime, size), and a line-hash index
over the whole tree (built only when some anchor is not where it was) finds moved text.
A batch (`begin()`) stats each file at most once; git's rename list is reused until the
git index or HEAD changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from wakeful.core.git import run_git
from wakeful.memory.anchors import line_hash, normalise_line, span_hash

IGNORED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".wakeful",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        "dist",
        "build",
        "target",
    }
)
MAX_FILE_BYTES = 2_000_000


@dataclass
class FileEntry:
    mtime_ns: int
    size: int
    norm: list[str]
    hashes: list[str]
    spans: dict[tuple[int, int], str] = field(default_factory=dict)
    positions: dict[str, list[int]] | None = None

    def span_sha(self, start: int, end: int) -> str | None:
        """sha256 of normalised lines start..end (1-based, inclusive); None if out of range."""
        if start < 1 or end > len(self.norm) or end < start:
            return None
        key = (start, end)
        sha = self.spans.get(key)
        if sha is None:
            sha = span_hash(self.norm[start - 1 : end])
            self.spans[key] = sha
        return sha

    def where(self, h: str) -> list[int]:
        """0-based line indexes whose hash is h."""
        if self.positions is None:
            positions: dict[str, list[int]] = {}
            for i, x in enumerate(self.hashes):
                positions.setdefault(x, []).append(i)
            self.positions = positions
        return self.positions.get(h, [])


def _load(path: Path, st: os.stat_result) -> FileEntry | None:
    if st.st_size > MAX_FILE_BYTES:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    norm = [normalise_line(line) for line in data.decode("utf-8", errors="replace").splitlines()]
    return FileEntry(st.st_mtime_ns, st.st_size, norm, [line_hash(n) for n in norm])


class WorkspaceView:
    """Files of one workspace, cached across batches, revalidated by stat within a batch."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, FileEntry] = {}
        self._seen: dict[str, FileEntry | None] = {}
        self._index: dict[str, list[tuple[str, int]]] | None = None
        self._index_files: dict[str, FileEntry] | None = None
        self._index_fresh = False
        self._renames: dict[str | None, dict[str, str]] = {}
        self._renames_key: tuple[int, ...] | None = None
        self._root = str(root)

    def begin(self) -> None:
        """Start a verification batch: later reads re-stat files once."""
        self._seen = {}
        self._index_fresh = False
        key = self._git_key()
        if key is None or key != self._renames_key:
            self._renames = {}
        self._renames_key = key

    def file(self, rel: str) -> FileEntry | None:
        if rel in self._seen:
            return self._seen[rel]
        try:
            st = os.stat(f"{self._root}/{rel}")
        except OSError:
            st = None
        entry = self._load_with(rel, st)
        self._seen[rel] = entry
        return entry

    def _load_with(self, rel: str, st: os.stat_result | None) -> FileEntry | None:
        if st is None or not _is_regular(st):
            self._files.pop(rel, None)
            return None
        cached = self._files.get(rel)
        if cached is not None and cached.mtime_ns == st.st_mtime_ns and cached.size == st.st_size:
            return cached
        entry = _load(self.root / rel, st)
        if entry is None:
            self._files.pop(rel, None)
        else:
            self._files[rel] = entry
        return entry

    def walk(self) -> dict[str, os.stat_result]:
        """Candidate text files (workspace-relative) with their stats, skipping tool dirs."""
        out: dict[str, os.stat_result] = {}
        stack = [("", self._root)]
        while stack:
            prefix, directory = stack.pop()
            try:
                entries = list(os.scandir(directory))
            except OSError:
                continue
            for item in entries:
                rel = f"{prefix}{item.name}"
                try:
                    if item.is_dir(follow_symlinks=False):
                        if item.name not in IGNORED_DIRS:
                            stack.append((rel + "/", item.path))
                    elif item.is_file(follow_symlinks=True):
                        out[rel] = item.stat(follow_symlinks=True)
                except OSError:
                    continue
        return out

    def index(self) -> dict[str, list[tuple[str, int]]]:
        """line hash -> [(path, 0-based line)] over the whole tree, rebuilt when files changed."""
        if self._index is not None and self._index_fresh:
            return self._index
        entries: dict[str, FileEntry] = {}
        for rel, st in self.walk().items():
            if rel in self._seen:
                entry = self._seen[rel]
            else:
                entry = self._load_with(rel, st)
                self._seen[rel] = entry
            if entry is not None:
                entries[rel] = entry
        previous = self._index_files
        unchanged = (
            self._index is not None
            and previous is not None
            and previous.keys() == entries.keys()
            and all(previous[rel] is entry for rel, entry in entries.items())
        )
        if not unchanged:
            index: dict[str, list[tuple[str, int]]] = {}
            for rel, entry in entries.items():
                for i, h in enumerate(entry.hashes):
                    bucket = index.get(h)
                    if bucket is None:
                        index[h] = [(rel, i)]
                    else:
                        bucket.append((rel, i))
            self._index = index
            self._index_files = entries
        self._index_fresh = True
        assert self._index is not None
        return self._index

    def _git_key(self) -> tuple[int, ...] | None:
        """Changes whenever the git index or HEAD's reflog does; None outside a plain repo."""
        parts: list[int] = []
        for name in ("index", "logs/HEAD", "HEAD"):
            try:
                st = os.stat(f"{self._root}/.git/{name}")
            except OSError:
                if name == "HEAD":
                    return None
                parts += [0, 0]
                continue
            parts += [st.st_mtime_ns, st.st_size]
        return tuple(parts)

    def renames(self, commit: str | None) -> dict[str, str]:
        """old path -> new path that git detected as renames (staged, or since `commit`)."""
        if commit in self._renames:
            return self._renames[commit]
        found: dict[str, str] = {}
        commands = [["status", "--porcelain=v1", "-z", "-M", "--untracked-files=no"]]
        if commit:
            commands.append(["diff", "-M", "--name-status", "-z", commit, "HEAD"])
        for cmd in commands:
            out = run_git(cmd, cwd=self.root, timeout=10)
            if not out.ok:
                continue
            fields = out.text().split("\0")
            if cmd[0] == "status":
                _parse_status(fields, found)
            else:
                _parse_name_status(fields, found)
        self._renames[commit] = found
        return found


def _is_regular(st: os.stat_result) -> bool:
    import stat

    return stat.S_ISREG(st.st_mode)


def _parse_status(fields: list[str], found: dict[str, str]) -> None:
    i = 0
    while i < len(fields):
        item = fields[i]
        if len(item) < 4:
            i += 1
            continue
        code, path = item[:2], item[3:]
        if "R" in code and i + 1 < len(fields):
            found[fields[i + 1]] = path
            i += 2
            continue
        i += 1


def _parse_name_status(fields: list[str], found: dict[str, str]) -> None:
    i = 0
    while i < len(fields):
        code = fields[i]
        if code.startswith("R") and i + 2 < len(fields):
            found[fields[i + 1]] = fields[i + 2]
            i += 3
        elif code.startswith("C") and i + 2 < len(fields):
            i += 3
        else:
            i += 2 if code else 1
