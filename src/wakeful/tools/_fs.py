"""Writing files so that links cannot redirect the write.

A file tool writes to a temporary file beside the target and renames it over the target.
The rename replaces the directory entry, so a hard link to a file outside the workspace
(`ln ~/.bashrc hl`) is broken rather than written through, and a symlink placed at the
target after the policy decided is replaced rather than followed. The existing file's mode
(executable bits) is kept.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` through a temporary file and a rename (raises OSError)."""
    try:
        mode: int | None = stat.S_IMODE(os.lstat(path).st_mode)
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
