"""The files a task names, read for the model before its first reply.

A small model asked about `utils.py` searches it with an invented pattern (Qwen2.5-Coder-1.5B
grepped it for "def count_functions_in_utils_py") and answers from "no matches". When the
provider asks for it (the embedded local model does), the loop reads the files the user's
words name, as real `read` calls through the policy, so the first reply starts from them,
and the workspace's own modules a named Python file imports (within the same limit): asked to
fix main.py's ImportError, the coder model edited the call and never looked at helpers.py.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

# Path-like words with an extension: `server.py`, `pkg/__init__.py`, `setup.cfg`.
_PATHS = re.compile(r"(?<![\w/.~$-])((?:[\w.-]+/)*[\w.-]*\w\.[A-Za-z0-9]{1,8})(?![\w/-])")
# Files larger than this are left to the model (read with offset and limit).
PREREAD_MAX_BYTES = 32 * 1024
PREREAD_MAX_FILES = 3


def named_files(
    text: str,
    workspace: Path,
    cwd: Path,
    limit: int = PREREAD_MAX_FILES,
    max_bytes: int = PREREAD_MAX_BYTES,
) -> list[str]:
    """The files `text` names that exist inside `workspace`, as written, in order, at most
    `limit`, each a regular file of at most `max_bytes` outside hidden folders."""
    root = workspace.resolve()
    out: list[str] = []
    seen: set[Path] = set()
    for word in _PATHS.findall(text):
        if len(out) >= limit:
            break
        if any(part.startswith(".") and part not in (".", "..") for part in Path(word).parts[:-1]):
            continue
        path = (cwd / word).resolve()
        if path in seen or not path.is_relative_to(root):
            continue
        try:
            if not path.is_file() or path.stat().st_size > max_bytes:
                continue
        except OSError:
            continue
        seen.add(path)
        out.append(word)
    return out


# `import a.b`, `import a, b`, `from a.b import c`, at the start of a line.
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b|import[ \t]+([\w., \t]+))", re.M)


def imported_files(
    rel: str, workspace: Path, cwd: Path, max_bytes: int = PREREAD_MAX_BYTES
) -> list[str]:
    """The workspace's own modules that the Python file `rel` imports (relative to `cwd`,
    as `rel` is written), each found next to the file or at the workspace's top."""
    path = (cwd / rel).resolve()
    if path.suffix != ".py":
        return []
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    root = workspace.resolve()
    modules: list[str] = []
    for found in _IMPORT.finditer(text):
        if found.group(1):
            modules.append(found.group(1))
        else:
            modules += [m.split()[0] for m in found.group(2).split(",") if m.strip()]
    out: list[str] = []
    for module in dict.fromkeys(m for m in modules if not m.startswith(".")):
        parts = module.split(".")
        for base in dict.fromkeys((path.parent, root)):
            for candidate in (base.joinpath(*parts).with_suffix(".py"),
                              base.joinpath(*parts, "__init__.py")):  # fmt: skip
                try:
                    if (
                        candidate.is_file()
                        and candidate.resolve().is_relative_to(root)
                        and 0 < candidate.stat().st_size <= max_bytes
                        and candidate.resolve() != path
                    ):
                        shown = os.path.relpath(candidate.resolve(), cwd.resolve())
                        if shown not in out:
                            out.append(shown)
                        break
                except OSError:
                    continue
            else:
                continue
            break
    return out
