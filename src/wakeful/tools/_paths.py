"""Path helpers shared by the file tools: glob matching, walking, near-miss suggestions.

The file tools share one glob dialect (`**`, `*`, `?`, `[...]`, `{a,b}`) so that `glob`,
and `grep`'s fallback when ripgrep is absent, agree on what a pattern means.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

SKIP_DIRS = frozenset({".git", ".wakeful"})
GLOB_CHARS = frozenset("*?[{")


def expand_braces(pattern: str) -> list[str]:
    """`*.{py,pyi}` -> [`*.py`, `*.pyi`]; nested braces expand left to right."""
    depth = 0
    start = -1
    for i, ch in enumerate(pattern):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0:
                inner = pattern[start + 1 : i]
                parts: list[str] = []
                level = 0
                cur = ""
                for c in inner:
                    if c == "," and level == 0:
                        parts.append(cur)
                        cur = ""
                        continue
                    if c == "{":
                        level += 1
                    elif c == "}":
                        level -= 1
                    cur += c
                parts.append(cur)
                head, tail = pattern[:start], pattern[i + 1 :]
                out: list[str] = []
                for part in parts:
                    out.extend(expand_braces(head + part + tail))
                return out
    return [pattern]


def _translate_one(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if pattern.startswith("**", i):
                at_start = i == 0 or pattern[i - 1] == "/"
                j = i + 2
                if at_start and j < n and pattern[j] == "/":
                    out.append("(?:.*/)?")
                    i = j + 1
                    continue
                if at_start and j == n:
                    out.append(".*")
                    i = j
                    continue
            while i < n and pattern[i] == "*":
                i += 1
            out.append("[^/]*")
            continue
        if ch == "?":
            out.append("[^/]")
        elif ch == "[":
            j = i + 1
            if j < n and pattern[j] in "!^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : j].replace("\\", "\\\\")
                if body[:1] in ("!", "^"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = j
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out)


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A compiled regex matching whole relative paths (with `/`) against a glob."""
    alts = [_translate_one(p) for p in expand_braces(pattern)]
    return re.compile("(?s:" + "|".join(f"(?:{a})" for a in alts) + r")\Z")


def has_glob(text: str) -> bool:
    return any(c in GLOB_CHARS for c in text)


def split_static_prefix(pattern: str) -> tuple[str, str]:
    """Split `src/pkg/**/*.py` into (`src/pkg`, `**/*.py`) so the walk starts deeper."""
    parts = pattern.split("/")
    static: list[str] = []
    for idx, part in enumerate(parts[:-1]):
        if has_glob(part):
            return "/".join(static), "/".join(parts[idx:])
        static.append(part)
    return "/".join(static), parts[-1]


def max_depth(pattern: str) -> int | None:
    """How many path segments a pattern can match, or None when `**` makes it unbounded."""
    if "**" in pattern:
        return None
    return max(p.count("/") for p in expand_braces(pattern)) + 1


def walk_files(
    root: Path, depth_limit: int | None = None
) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Yield (relative posix path, entry) for files under root, skipping .git and .wakeful.

    Entries are visited in name order, depth first, so results are deterministic; symlinked
    directories are not followed (they can loop).
    """
    stack: list[tuple[str, str, int]] = [(str(root), "", 1)]
    while stack:
        dir_path, rel, depth = stack.pop()
        try:
            with os.scandir(dir_path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subdirs: list[tuple[str, str, int]] = []
        for entry in entries:
            rel_path = f"{rel}{entry.name}"
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if entry.name in SKIP_DIRS:
                    continue
                if depth_limit is None or depth < depth_limit:
                    subdirs.append((entry.path, rel_path + "/", depth + 1))
                continue
            try:
                if entry.is_file():
                    yield rel_path, entry
            except OSError:
                continue
        stack.extend(reversed(subdirs))


def close_matches(path: Path, limit: int = 5) -> list[str]:
    """Siblings whose names look like a missing path's name: cheap, one directory listing."""
    parent = path.parent
    try:
        names = os.listdir(parent)
    except OSError:
        return []
    hits = difflib.get_close_matches(path.name, names, n=limit, cutoff=0.6)
    lowered = path.name.lower()
    for name in names:
        if name.lower() == lowered and name not in hits:
            hits.insert(0, name)
    return [str(parent / h) for h in hits[:limit]]


def nearest_existing_parent(path: Path) -> Path | None:
    for parent in path.parents:
        if parent.is_dir():
            return parent
    return None


def display_path(path: str | Path, base: Path) -> str:
    """Relative to base when inside it (shorter for the model), else absolute."""
    p = str(path)
    b = str(base).rstrip("/") + "/"
    return p[len(b) :] if p.startswith(b) else p


def looks_binary(head: bytes) -> bool:
    """NUL bytes in the first block are the cheap, standard tell (git and ripgrep use it)."""
    return b"\x00" in head
