"""The workspace's snapshot tree, kept current in memory from inotify events.

In a long-lived process (the REPL, the daemon, a headless run between its two snapshots) the
store arms a `LiveTree` right after a snapshot made the ordinary way (git's stat cache): the
directories that snapshot descended into are watched *before* it looks at the files, so a
change after that moment is an event and a change before it is in the snapshot. From then on
a snapshot drains the event queue and looks only at the paths named there: a known file is
hashed again in-process, a new file or directory is classified by one `git status` against an
empty index (tracked, ignored, ignored directory, nested repository: the same rules as the
ordinary snapshot), and the changed trees are written as loose objects. A snapshot with no
event costs no git process and no file system walk.

It gives up (the store falls back to the ordinary snapshot, then arms again) on: a queue
overflow, a `.gitignore` or nested `.git` that appears or changes, the workspace root moving,
too many new directories at once, or a `git gc` of the store (objects it relies on may be
gone). What inotify cannot see (writes through a memory map or through a hard link named
outside the workspace) is seen by the next ordinary snapshot, in the next process.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass

from wakeful.checkpoints import inotify
from wakeful.checkpoints.git import Git
from wakeful.checkpoints.objects import ObjectWriter, object_id

TREE = b"40000"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
MAX_NEW_DIRS = 2048  # more new directories in one snapshot: let git walk them
MAX_MARKS = 16
PACK_FROM = 24  # a snapshot writing this many objects writes them as one pack
NEW = inotify.IN_CREATE | inotify.IN_MOVED_TO | inotify.IN_DELETE_SELF | inotify.IN_MOVE_SELF

Entry = tuple[bytes, bytes]  # (mode, binary object id)


class GiveUp(Exception):
    """The event stream cannot be trusted for this snapshot; take the ordinary one."""


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    include_ignored: bool


class LiveTree:
    def __init__(self, git: Git, limits: Limits) -> None:
        self.git = git
        self.root = os.fspath(git.work_tree)
        self.limits = limits
        self.watcher = inotify.Inotify()
        self.objects = ObjectWriter(git.git_dir)
        self.wd_dir: dict[int, str] = {}
        self.watched: dict[str, tuple[int, int]] = {}  # directory -> (watch, inode)
        self.generation = 0  # counts the changes to the set of watched directories
        self.tree: str | None = None  # None: not armed
        self.gc_mark = ""
        self.dirs: dict[str, dict[str, Entry]] | None = None  # loaded on the first change
        self.skipped: set[str] = set()
        self.recheck: set[str] = set()
        self.marks: dict[str, dict[str, Entry | None]] = {}
        self._dirty: set[str] = set()
        self._pending: list[tuple[bytes, bytes]] = []

    def close(self) -> None:
        self.watcher.close()

    # -- arming ---------------------------------------------------------------------

    def disarm(self) -> None:
        self.tree = None
        self.dirs = None
        self.marks.clear()
        self.recheck.clear()

    def discard_events(self) -> None:
        """Drop queued events (the ordinary snapshot about to be taken covers them), but
        keep the watch table right."""
        for ev in self.watcher.read():
            if ev.mask & inotify.IN_IGNORED:
                self._forget(ev.wd)

    def watch(self, dirs: Iterable[str]) -> None:
        """Watch these directories (before the snapshot that relies on it looks at them)."""
        for rel in dirs:
            self._watch_one(rel)

    def arm(self, tree: str, dirs: Iterable[str], skipped: Iterable[str], gc_mark: str) -> None:
        """An ordinary snapshot gave `tree`, descending into `dirs`. Directories it saw that
        were not watched before it looked are looked at again by the next snapshot."""
        wanted = set(dirs)
        for rel in [d for d in self.watched if d not in wanted]:
            self._unwatch(rel)
        for rel in sorted(wanted):
            if rel not in self.watched:
                self._watch_one(rel)
                self.recheck.add(rel)
        if tree != self.tree:
            self.dirs = None
            self.marks.clear()
        self.tree = tree
        self.gc_mark = gc_mark
        self.skipped = set(skipped)

    def _watch_one(self, rel: str) -> bool:
        path = os.path.join(self.root, rel) if rel else self.root
        try:
            wd = self.watcher.add(os.fsencode(path))
            ino = os.lstat(path).st_ino
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.ENOMEM, errno.EMFILE):
                raise  # out of watches: the store stops watching
            return False
        old = self.watched.get(rel)
        if old is not None and old[0] != wd and self.wd_dir.get(old[0]) == rel:
            del self.wd_dir[old[0]]
        if old is None:
            self.generation += 1
        self.watched[rel] = (wd, ino)
        self.wd_dir[wd] = rel
        return True

    def _unwatch(self, rel: str) -> None:
        """Stop watching `rel` and the directories under it (a watch that moved on to
        another name stays)."""
        prefix = rel + "/"
        for d in [d for d in self.watched if d == rel or d.startswith(prefix) or not rel]:
            wd, _ = self.watched.pop(d)
            self.generation += 1
            if self.wd_dir.get(wd) == d:
                del self.wd_dir[wd]
                self.watcher.remove(wd)

    def _forget(self, wd: int) -> None:
        rel = self.wd_dir.pop(wd, None)
        if rel is not None and self.watched.get(rel, (None,))[0] == wd:
            del self.watched[rel]
            self.generation += 1

    # -- marks: what changed since a tree -------------------------------------------

    def mark(self, tree: str) -> None:
        if self.tree == tree and tree not in self.marks:
            while len(self.marks) >= MAX_MARKS:
                del self.marks[next(iter(self.marks))]
            self.marks[tree] = {}

    def changed_since(self, tree: str) -> list[str] | None:
        """The files that differ between `tree` (marked earlier) and now; None: unknown."""
        orig = self.marks.get(tree)
        if orig is None or self.tree is None:
            return None
        if self.dirs is None:
            return [] if not orig else None
        return sorted(p for p, e in orig.items() if self._entry(p) != e)

    def unmark(self, tree: str) -> None:
        self.marks.pop(tree, None)

    # -- the snapshot ---------------------------------------------------------------

    def snapshot(self, gc_mark: str) -> str | None:
        """The workspace's tree now, or None when the ordinary snapshot must be taken."""
        if self.tree is None:
            return None
        try:
            if gc_mark != self.gc_mark:
                raise GiveUp
            self.tree = self._update()
            return self.tree
        except (GiveUp, OSError):  # OSError: out of inotify watches, for one
            self.disarm()
            return None

    def _update(self) -> str:
        assert self.tree is not None
        paths: dict[str, int] = dict.fromkeys(self.recheck, inotify.IN_CREATE)
        for ev in self.watcher.read():
            if ev.mask & inotify.IN_Q_OVERFLOW:
                raise GiveUp
            if ev.mask & inotify.IN_IGNORED:
                self._forget(ev.wd)
                continue
            base = self.wd_dir.get(ev.wd)
            if base is None:
                continue
            if not ev.name:  # the directory itself
                if ev.mask & (inotify.IN_DELETE_SELF | inotify.IN_MOVE_SELF):
                    if not base:
                        raise GiveUp  # the workspace root moved or vanished
                    paths[base] = paths.get(base, 0) | ev.mask
                continue
            name = os.fsdecode(ev.name)
            if name == ".gitignore":
                raise GiveUp
            if name == ".git":
                if base:
                    raise GiveUp  # a nested repository appears, goes or changes
                continue
            if not base and name == ".wakeful":
                continue
            rel = f"{base}/{name}" if base else name
            paths[rel] = paths.get(rel, 0) | ev.mask
        self.recheck = set()
        if not paths:
            return self.tree
        self._load()
        return self._apply(paths)

    def _apply(self, paths: dict[str, int]) -> str:
        self._pending = []
        tree = self._changes(paths)
        pending, self._pending = self._pending, []
        if len(pending) >= PACK_FROM:
            self.objects.write_pack(pending)
        else:
            for kind, data in pending:
                self.objects.write(kind, data)
        return tree

    def _put(self, kind: bytes, data: bytes) -> bytes:
        """An object for this snapshot: its id now, written with the others at the end."""
        self._pending.append((kind, data))
        return object_id(kind, data)

    def _changes(self, paths: dict[str, int]) -> str:
        unknown: list[str] = []
        known: list[tuple[str, os.stat_result]] = []
        new_dirs: list[str] = []
        for rel in sorted(paths):
            if any(rel.startswith(d + "/") for d in new_dirs):
                continue
            try:
                st = os.lstat(os.path.join(self.root, rel))
            except (FileNotFoundError, NotADirectoryError):
                self._remove(rel)
                self._unwatch_gone(rel)
                continue
            except OSError as exc:
                raise GiveUp from exc
            mode = st.st_mode
            if stat.S_ISDIR(mode):
                seen = self.watched.get(rel)
                if seen is not None and seen[1] == st.st_ino and not paths[rel] & NEW:
                    continue  # a known directory's own attributes: not recorded
                self._remove(rel)
                new_dirs.append(rel)
            elif stat.S_ISREG(mode) or stat.S_ISLNK(mode):
                entry = self._entry(rel)
                if entry is not None and entry[0] == TREE:
                    self._remove(rel)
                    entry = None
                if entry is None:
                    self.skipped.discard(rel)
                    unknown.append(rel)
                else:
                    known.append((rel, st))
            else:
                self._remove(rel)
        for rel in new_dirs:
            self._watch_tree(rel)
        if unknown or new_dirs:
            self._classify(unknown + new_dirs, known)
        cap = self.limits.max_file_bytes
        big = [rel for rel, st in known if stat.S_ISREG(st.st_mode) and st.st_size > cap]
        if big:
            ignored = self._ignored(big)
            if ignored:
                for rel in ignored:
                    self._remove(rel)
                    self.skipped.add(rel)
                known = [(r, s) for r, s in known if r not in ignored]
        for rel, _ in known:
            self._hash(rel)
        return self._build()

    def _classify(self, specs: list[str], known: list[tuple[str, os.stat_result]]) -> None:
        """New paths, by the ordinary snapshot's rules: one `git status` against an empty
        index lists every file under them as untracked (??) or ignored (!!), and ignored
        directories and nested repositories as `dir/`, which are left out whole."""
        empty = self.git.git_dir / "empty-index"
        with suppress(FileNotFoundError):
            os.unlink(empty)
        lister = Git(self.git.git_dir, self.git.work_tree, empty)
        try:
            out = lister.run(
                "status", "--porcelain=v1", "-z", "--no-renames", "--untracked-files=all",
                "--ignored=matching", "--ignore-submodules=all", "--", *specs,
            )  # fmt: skip
        finally:
            with suppress(FileNotFoundError):
                os.unlink(empty)
        for item in out.split(b"\0"):
            if len(item) < 4:
                continue
            code, rel = item[:2], item[3:].decode("utf-8", "surrogateescape")
            if rel == ".wakeful" or rel.startswith(".wakeful/"):
                continue
            if code not in (b"??", b"!!"):
                continue
            if rel.endswith("/"):  # an ignored directory or a nested repository
                self._unwatch(rel.rstrip("/"))
                continue
            path = os.path.join(self.root, rel)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if code == b"!!":
                if not self.limits.include_ignored:
                    continue
                if stat.S_ISREG(st.st_mode) and st.st_size > self.limits.max_file_bytes:
                    self.skipped.add(rel)
                    continue
            self._hash(rel)

    def _ignored(self, rels: list[str]) -> set[str]:
        query = "".join(f"{p}\0" for p in rels).encode("utf-8", "surrogateescape")
        out = self.git.run("check-ignore", "-z", "--no-index", "--stdin", input=query, ok=(0, 1))
        return {p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p}

    def _watch_tree(self, top: str) -> None:
        """Watch a new directory and everything below it (not .git), before listing it."""
        stack = [top]
        count = 0
        while stack:
            rel = stack.pop()
            count += 1
            if count > MAX_NEW_DIRS:
                raise GiveUp
            if not self._watch_one(rel):
                continue
            try:
                with os.scandir(os.path.join(self.root, rel)) as entries:
                    for entry in entries:
                        if entry.name != ".git" and entry.is_dir(follow_symlinks=False):
                            stack.append(f"{rel}/{entry.name}")
            except OSError:
                continue

    def _unwatch_gone(self, rel: str) -> None:
        if rel in self.watched or any(d.startswith(rel + "/") for d in self.watched):
            self._unwatch(rel)

    # -- the in-memory tree ---------------------------------------------------------

    def _load(self) -> None:
        if self.dirs is not None:
            return
        assert self.tree is not None
        out = self.git.run("ls-tree", "-r", "-t", "-z", "--full-tree", self.tree)
        dirs: dict[str, dict[str, Entry]] = {"": {}}
        for rec in out.split(b"\0"):
            if not rec:
                continue
            meta, _, raw = rec.partition(b"\t")
            mode, kind, sha = meta.split(b" ")
            rel = raw.decode("utf-8", "surrogateescape")
            parent, _, name = rel.rpartition("/")
            if kind == b"tree":
                mode = TREE
                dirs.setdefault(rel, {})
            dirs.setdefault(parent, {})[name] = (mode, bytes.fromhex(sha.decode()))
        self.dirs = dirs
        self._dirty = set()

    def _entry(self, rel: str) -> Entry | None:
        assert self.dirs is not None
        parent, _, name = rel.rpartition("/")
        entries = self.dirs.get(parent)
        return None if entries is None else entries.get(name)

    def _note(self, rel: str, old: Entry | None) -> None:
        for orig in self.marks.values():
            if rel not in orig:
                orig[rel] = old

    def _set(self, rel: str, entry: Entry) -> None:
        assert self.dirs is not None
        parent, _, name = rel.rpartition("/")
        self._ensure_dir(parent)
        entries = self.dirs[parent]
        old = entries.get(name)
        if old == entry:
            return
        self._note(rel, old)
        entries[name] = entry
        self._dirty.add(parent)

    def _ensure_dir(self, rel: str) -> None:
        assert self.dirs is not None
        if rel in self.dirs:
            return
        parent, _, name = rel.rpartition("/")
        self._ensure_dir(parent)
        old = self.dirs[parent].get(name)
        if old is not None and old[0] != TREE:
            self._note(rel, old)
        self.dirs[parent][name] = (TREE, b"")
        self.dirs[rel] = {}
        self._dirty.add(parent)

    def _remove(self, rel: str) -> None:
        assert self.dirs is not None
        parent, _, name = rel.rpartition("/")
        prefix = rel + "/"
        self.skipped = {p for p in self.skipped if p != rel and not p.startswith(prefix)}
        entries = self.dirs.get(parent)
        if entries is None or name not in entries:
            return
        old = entries.pop(name)
        self._dirty.add(parent)
        if old[0] != TREE:
            self._note(rel, old)
            return
        for d in [d for d in self.dirs if d == rel or d.startswith(prefix)]:
            for child, e in self.dirs.pop(d).items():
                if e[0] != TREE:
                    self._note(f"{d}/{child}", e)

    def _hash(self, rel: str) -> None:
        """Hash a file or symlink as git would (raw bytes, executable bit) and store it."""
        path = os.path.join(self.root, rel)
        try:
            st = os.lstat(path)
            if stat.S_ISLNK(st.st_mode):
                data = os.readlink(os.fsencode(path))
                mode = b"120000"
            elif stat.S_ISREG(st.st_mode):
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
                try:
                    st = os.fstat(fd)
                    if not stat.S_ISREG(st.st_mode):
                        raise OSError(errno.EINVAL, "not a regular file")
                    with os.fdopen(fd, "rb", closefd=False) as fh:
                        data = fh.read()
                finally:
                    os.close(fd)
                mode = b"100755" if st.st_mode & stat.S_IXUSR else b"100644"
            else:
                self._remove(rel)
                return
        except (FileNotFoundError, NotADirectoryError):
            self._remove(rel)
            return
        except OSError as exc:
            raise GiveUp from exc
        self._set(rel, (mode, self._put(b"blob", data)))

    def _build(self) -> str:
        """Write the trees that changed, deepest first; returns the root tree's id."""
        assert self.dirs is not None
        dirty: set[str] = set()
        for d in self._dirty:
            while True:
                if d in dirty:
                    break
                dirty.add(d)
                if not d:
                    break
                d = d.rpartition("/")[0]
        self._dirty = set()
        root = self.tree
        for d in sorted(dirty, key=lambda x: -1 if not x else x.count("/"), reverse=True):
            entries = self.dirs.get(d)
            if entries is None:
                continue
            oid = self._write_tree(entries) if entries else None
            if not d:
                root = oid.hex() if oid is not None else EMPTY_TREE
                continue
            parent, _, name = d.rpartition("/")
            if oid is None:
                del self.dirs[d]
                self.dirs.get(parent, {}).pop(name, None)
            elif parent in self.dirs:
                self.dirs[parent][name] = (TREE, oid)
        assert root is not None
        return root

    def _write_tree(self, entries: dict[str, Entry]) -> bytes:
        rows = []
        for name, (mode, oid) in entries.items():
            raw = os.fsencode(name)
            rows.append((raw + b"/" if mode == TREE else raw, raw, mode, oid))
        rows.sort()
        data = b"".join(mode + b" " + raw + b"\0" + oid for _, raw, mode, oid in rows)
        return self._put(b"tree", data)
