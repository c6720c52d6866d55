"""Advisory file locks shared by the daemon and dreaming."""

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
