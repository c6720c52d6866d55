"""The files a task names, read for the model before its first reply.

A small model asked about `utils.py` searches it with an invented pattern (Qwen2.5-Coder-1.5B
grepped it for "def count_functions_in_utils_py") and answers from "no matches". When the
provider asks for it (the embedded local model does), the loop reads the files the user's
words name, as real `read` calls through the policy, so the first reply starts from them.
"""

from __future__ import annotations

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
