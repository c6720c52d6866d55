"""Linux inotify through ctypes: which entries of the watched directories changed.

The kernel queues an event while the system call that changes a file runs, so once a tool or
a shell command has returned, reading the queue (non-blocking) tells everything it did to the
watched directories. Not seen: writes through a memory map, and writes through a hard link
whose other name lies outside the watched directories. An overflowing queue is reported, and
the caller must then look at the files themselves.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import struct
import sys
import weakref
from dataclasses import dataclass

IN_MODIFY = 0x2
IN_ATTRIB = 0x4
IN_CLOSE_WRITE = 0x8
IN_MOVED_FROM = 0x40
IN_MOVED_TO = 0x80
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000
IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_EXCL_UNLINK = 0x04000000
IN_ISDIR = 0x40000000
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000

WATCH_MASK = (
    IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE
    | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK
)  # fmt: skip
_HEADER = struct.Struct("iIII")


@dataclass(frozen=True)
class Event:
    wd: int
    mask: int
    name: bytes


class Inotify:
    """One inotify instance; raises OSError when the system has none (not Linux, limits)."""

    def __init__(self) -> None:
        if not sys.platform.startswith("linux"):
            raise OSError(errno.ENOSYS, "inotify is Linux only")
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        self._add = libc.inotify_add_watch
        self._add.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        self._rm = libc.inotify_rm_watch
        self._rm.argtypes = [ctypes.c_int, ctypes.c_int]
        fd = libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if fd < 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))
        self.fd: int | None = fd
        self._finalizer = weakref.finalize(self, os.close, fd)  # a store never closed

    def add(self, path: bytes) -> int:
        """Watch a directory (never through a symlink); returns the watch descriptor, the
        same one again for a directory already watched."""
        if self.fd is None:
            raise OSError(errno.EBADF, "inotify closed")
        wd = int(self._add(self.fd, path, WATCH_MASK))
        if wd < 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), os.fsdecode(path))
        return wd

    def remove(self, wd: int) -> None:
        if self.fd is not None:
            self._rm(self.fd, wd)  # an already removed watch is no error worth telling

    def read(self) -> list[Event]:
        """Every queued event, without waiting."""
        if self.fd is None:
            return []
        events: list[Event] = []
        while True:
            try:
                buf = os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return events
            if not buf:
                return events
            pos = 0
            while pos + _HEADER.size <= len(buf):
                wd, mask, _cookie, length = _HEADER.unpack_from(buf, pos)
                pos += _HEADER.size
                name = buf[pos : pos + length].rstrip(b"\0")
                pos += length
                events.append(Event(wd, mask, name))

    def close(self) -> None:
        if self.fd is not None:
            self._finalizer()
            self.fd = None
