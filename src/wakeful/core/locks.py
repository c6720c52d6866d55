"""Advisory file locks and owner-PID probes shared by the daemon, dreaming and checkpoints."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


def flock_held(path: Path) -> bool:
    """True when a live process holds an flock on `path` (a cheap, non-blocking probe).

    The kernel drops an flock when its owner dies, `kill -9` included, so a held lock always
    means a live owner, unlike a PID file.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def pid_alive(pid: int) -> bool:
    """True when a process with this PID exists (one of another user's counts); False for a
    PID that is not positive, which `kill` would take for a process group."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
