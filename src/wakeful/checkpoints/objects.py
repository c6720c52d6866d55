"""Writing git objects and refs of the checkpoint repository in-process, without a git process.

A loose object is `zlib("<type> <size>\\0<data>")` stored under `objects/xx/yyyy...` by the
SHA-1 of the uncompressed bytes: that is exact, simple, and what git itself reads. Refs are
loose ref files (a loose ref wins over a packed one). Every caller holds the store's lock,
so no git process of wakeful's updates the same ref at the same time; files are written to a
temporary name and renamed into place, so a reader never sees half a ref or object.
"""

from __future__ import annotations

import hashlib
import os
import struct
import threading
import zlib
from pathlib import Path

from wakeful.checkpoints.git import CheckpointError

IDENTITY = b"wakeful <wakeful@localhost>"
_PACK_TYPES = {b"commit": 1, b"tree": 2, b"blob": 3}


def object_id(kind: bytes, data: bytes) -> bytes:
    """The binary SHA-1 git names `data` by, as an object of type `kind`."""
    h = hashlib.sha1(b"%s %d\0" % (kind, len(data)), usedforsecurity=False)
    h.update(data)
    return h.digest()


class ObjectWriter:
    """Loose objects and loose refs in one git directory."""

    def __init__(self, git_dir: Path) -> None:
        self.git_dir = git_dir
        self.objects = os.fspath(git_dir / "objects")
        self._folders: set[str] = set()  # objects/xx folders known to exist
        self._ref_folders: set[str] = set()  # ref folders known to exist

    def write(self, kind: bytes, data: bytes) -> bytes:
        """Store an object (if it is not already loose) and return its binary id."""
        oid = object_id(kind, data)
        hexid = oid.hex()
        folder = os.path.join(self.objects, hexid[:2])
        path = os.path.join(folder, hexid[2:])
        if os.path.exists(path):
            return oid
        raw = zlib.compress(b"%s %d\0" % (kind, len(data)) + data, 1)
        tmp = os.path.join(self.objects, f"tmp_obj_{os.getpid()}_{threading.get_ident()}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o444)
            try:
                view = memoryview(raw)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
            if folder not in self._folders:
                os.makedirs(folder, exist_ok=True)
                self._folders.add(folder)
            try:
                os.replace(tmp, path)
            except FileNotFoundError:  # `git gc` removes emptied object folders
                os.makedirs(folder, exist_ok=True)
                os.replace(tmp, path)
        except OSError as exc:
            self._folders.discard(folder)
            raise CheckpointError(
                f"cannot write to the checkpoint store {self.git_dir}: {exc.strerror}; "
                "make .wakeful/ writable and check free disk space"
            ) from None
        return oid

    def write_pack(self, objects: list[tuple[bytes, bytes]]) -> list[bytes]:
        """Store many objects as one pack (a `.pack` and its version 2 `.idx`), two files
        instead of one per object; returns their binary ids in order."""
        header = struct.pack(">4sII", b"PACK", 2, len(objects))
        parts = [header]
        offset = len(header)
        rows: dict[bytes, tuple[int, int]] = {}  # id -> (crc32, offset)
        ids: list[bytes] = []
        for kind, data in objects:
            oid = object_id(kind, data)
            ids.append(oid)
            if oid in rows:
                continue
            size = len(data)
            first = (_PACK_TYPES[kind] << 4) | (size & 0x0F)
            size >>= 4
            head = bytearray()
            while size:
                head.append(first | 0x80)
                first = size & 0x7F
                size >>= 7
            head.append(first)
            body = bytes(head) + zlib.compress(data, 1)
            rows[oid] = (zlib.crc32(body), offset)
            parts.append(body)
            offset += len(body)
        if len(rows) != len(objects):  # the header's count must match what follows
            parts[0] = struct.pack(">4sII", b"PACK", 2, len(rows))
        pack = b"".join(parts)
        pack += hashlib.sha1(pack, usedforsecurity=False).digest()
        order = sorted(rows)
        fanout = [0] * 256
        for oid in order:
            fanout[oid[0]] += 1
        total = 0
        for i in range(256):
            total += fanout[i]
            fanout[i] = total
        idx = b"".join(
            [
                b"\377tOc",
                struct.pack(">I", 2),
                struct.pack(">256I", *fanout),
                *order,
                b"".join(struct.pack(">I", rows[o][0]) for o in order),
                b"".join(struct.pack(">I", rows[o][1]) for o in order),
                pack[-20:],
            ]
        )
        idx += hashlib.sha1(idx, usedforsecurity=False).digest()
        name = pack[-20:].hex()
        folder = os.path.join(self.objects, "pack")
        try:
            os.makedirs(folder, exist_ok=True)
            for suffix, data in ((".pack", pack), (".idx", idx)):  # the .idx last: it publishes
                tmp = os.path.join(folder, f"tmp_pack_{os.getpid()}_{threading.get_ident()}")
                with open(tmp, "wb") as fh:
                    fh.write(data)
                os.chmod(tmp, 0o444)
                os.replace(tmp, os.path.join(folder, f"pack-{name}{suffix}"))
        except OSError as exc:
            raise CheckpointError(
                f"cannot write to the checkpoint store {self.git_dir}: {exc.strerror}; "
                "make .wakeful/ writable and check free disk space"
            ) from None
        return ids

    def pack_count(self) -> int:
        try:
            return sum(
                1 for n in os.listdir(os.path.join(self.objects, "pack")) if n.endswith(".idx")
            )
        except OSError:
            return 0

    def commit(self, tree: str, message: str, parent: str | None, when: float) -> str:
        """A commit object, as `git commit-tree` would write it; returns its hex id."""
        stamp = b"%s %d +0000" % (IDENTITY, int(when))
        body = b"tree " + tree.encode() + b"\n"
        if parent:
            body += b"parent " + parent.encode() + b"\n"
        body += b"author " + stamp + b"\ncommitter " + stamp + b"\n\n" + message.encode("utf-8")
        return self.write(b"commit", body).hex()

    def set_ref(self, name: str, sha: str) -> None:
        base = os.fspath(self.git_dir)
        path = os.path.join(base, name)
        tmp = os.path.join(base, f"ref-tmp-{os.getpid()}-{threading.get_ident()}")
        folder = os.path.dirname(path)
        try:
            if folder not in self._ref_folders:
                os.makedirs(folder, exist_ok=True)
                self._ref_folders.add(folder)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
            try:
                os.write(fd, sha.encode() + b"\n")
            finally:
                os.close(fd)
            try:
                os.replace(tmp, path)
            except FileNotFoundError:  # the folder went away (`git pack-refs --prune`)
                os.makedirs(folder, exist_ok=True)
                os.replace(tmp, path)
        except OSError as exc:
            self._ref_folders.discard(folder)
            raise CheckpointError(
                f"cannot write ref {name} in the checkpoint store {self.git_dir}: {exc.strerror}"
            ) from None

    def read_loose_ref(self, name: str) -> str | None:
        """The id a loose ref holds, or None (no loose ref: it may be packed)."""
        try:
            with open(os.path.join(self.git_dir, name), "rb") as fh:
                return fh.read(100).strip().decode("ascii", "replace") or None
        except OSError:
            return None

    def delete_loose_ref(self, name: str) -> bool:
        """Delete a loose ref; False when git must do it (the ref is also packed)."""
        try:
            packed = (self.git_dir / "packed-refs").read_bytes()
        except FileNotFoundError:
            packed = b""
        except OSError:
            return False
        if b" " + name.encode() + b"\n" in packed:
            return False
        try:
            os.unlink(self.git_dir / name)
        except FileNotFoundError:
            pass
        except OSError:
            return False
        return True
