"""Checkpoints: snapshots of the workspace's files in wakeful's own git object store.

Layout, all under `.wakeful/checkpoints/`:

- `repo.git/`: a git repository of wakeful's own (objects and refs), with its own index file
  `repo.git/wakeful-index`. A snapshot is `git add -A` plus ignored files under the size cap,
  then `write-tree`: unchanged files are already in the object store and cost nothing.
- `refs/wakeful/checkpoints/<id>`: one commit per checkpoint. While the run goes on it is the
  snapshot taken before the run's first change; when the run ends it is a commit whose
  parent is that snapshot and whose tree is the state after the run. Its message is the
  record as one JSON line (id, kind, session, agents, run, started, finished, changed).
- `refs/wakeful/last`: the last state wakeful saw, to tell when files changed since.
- `lock`: an flock held for every operation, so concurrent runs never corrupt the index.

Rewinding restores the files of a checkpoint's "before" snapshot: contents, executable bits,
symlinks, deleted files recreated, new files removed. It is itself a checkpoint.

Git trees hold no empty directory, so a "before" snapshot's record also lists the directories
it descended into that hold no snapshotted file (`bare_dirs`); a rewind recreates those that
are gone and removes the empty ones that were not there.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from wakeful.checkpoints.git import CheckpointError, Git
from wakeful.checkpoints.live import Limits, LiveTree
from wakeful.checkpoints.objects import ObjectWriter
from wakeful.core.config import Config
from wakeful.core.errors import ConfigError
from wakeful.core.locks import pid_alive
from wakeful.core.settings import CheckpointSettings

REF_PREFIX = "refs/wakeful/checkpoints/"
LAST_REF = "refs/wakeful/last"
HEAD_REF = "refs/heads/snapshots"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
GITLINK = "160000"
MAX_RECORDED_PATHS = 500
MAX_PARTIAL_DIRS = 256  # more changed directories than this: walk the whole workspace
RACY_NS = 1_000_000_000  # a stat this close to a snapshot is not trusted by the next one
WALK_CACHE_VERSION = 2
MAX_PACKS = 50  # more packs than this (one per large snapshot): merge them geometrically
PRUNE_EVERY = 25  # finishing every 25th checkpoint prunes those past keep and max_age_days


@dataclass(frozen=True)
class _WalkCache:
    """What the last snapshot saw: its tree, and the stat (see `_sig`) of every directory
    it descended into and of every ignored file it left out for its size (None: unknown)."""

    tree: str
    dirs: dict[str, tuple[int, ...] | None]
    skipped: dict[str, tuple[int, ...] | None]
    # Of `dirs`, those with an entry other than a directory snapshots descend into.
    full: frozenset[str] = frozenset()


_DEFAULT = CheckpointSettings()


@dataclass(frozen=True)
class Settings:
    """`[checkpoints]` in config: `enabled`, `max_file_bytes` (ignored files above it are
    not snapshotted), `include_ignored` (ignored files at all; ignored directories such as
    build/ or node_modules/ never are)."""

    enabled: bool = _DEFAULT.enabled
    max_file_bytes: int = _DEFAULT.max_file_bytes
    include_ignored: bool = _DEFAULT.include_ignored
    keep: int = _DEFAULT.keep  # `wakeful checkpoints --prune` keeps at least this many newest
    max_age_days: float = _DEFAULT.max_age_days  # and drops older ones beyond them

    @classmethod
    def from_config(cls, config: Config) -> Settings:
        try:
            section = config.settings.checkpoints
        except ConfigError as exc:
            raise CheckpointError(str(exc)) from None
        return cls(
            enabled=section.enabled,
            max_file_bytes=section.max_file_bytes,
            include_ignored=section.include_ignored,
            keep=section.keep,
            max_age_days=section.max_age_days,
        )


@dataclass(frozen=True)
class Checkpoint:
    id: str
    kind: str  # "run" or "rewind"
    session: str
    agents: tuple[str, ...]
    run: str
    started: float
    finished: float | None
    before: str  # commit of the snapshot taken before the run's first change
    after_tree: str | None  # state after the run (None while it runs or if it crashed)
    changed: tuple[str, ...] = ()
    changed_count: int = 0
    before_tree: str = ""
    # Runs in the same workspace that overlapped this one in time: `changed` (everything
    # that differs between the two snapshots) may then hold their changes too.
    overlapping: tuple[str, ...] = ()
    # Of `changed`, the files this run's own file tools wrote (None: not reported), and
    # whether it also ran commands whose paths are not known (shell), which may have
    # changed any of the others.
    own: tuple[str, ...] | None = None
    shell: bool = False
    # The directories without a snapshotted file when the run began (None: not known).
    bare_dirs: tuple[str, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["before_tree"]
        del data["bare_dirs"]
        data["agents"] = list(self.agents)
        data["changed"] = list(self.changed)
        data["overlapping"] = list(self.overlapping)
        data["own"] = list(self.own) if self.own is not None else None
        return data

    def attribution(self) -> str:
        """How sure it is that `changed` is this run's doing, in one phrase ("" when it ran
        alone in the workspace)."""
        if not self.overlapping:
            return ""
        others = ", ".join(self.overlapping)
        if self.own is None:
            return f"ran alongside run(s) {others}: some of these changes may be theirs"
        mine = f"{len(self.own)} written by this run's file tools"
        rest = "the others may be theirs" + (" or its shell commands'" if self.shell else "")
        return f"ran alongside run(s) {others}: {mine}, {rest}"


@dataclass(frozen=True)
class Change:
    action: str  # "restore" (modified), "recreate" (deleted since), "delete" (created since)
    path: str


@dataclass
class RewindPlan:
    target: Checkpoint
    current_tree: str
    target_tree: str
    changes: list[Change] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # changed outside wakeful since
    kept: list[str] = field(default_factory=list)  # over the size cap then: left alone
    mkdirs: list[str] = field(default_factory=list)  # empty directories to recreate
    bare: list[str] = field(default_factory=list)  # the target's directories without files
    rmdirs: list[str] = field(default_factory=list)  # empty directories to remove
    raw: list[tuple[str, str, str, str, str]] = field(default_factory=list)


class CheckpointStore:
    def __init__(
        self,
        workspace: Path,
        folder: Path,
        settings: Settings | None = None,
        racy_ns: int = RACY_NS,
        watch: bool = False,
    ) -> None:
        self.workspace = workspace
        self.racy_ns = racy_ns
        self.folder = folder
        self.settings = settings or Settings()
        git_dir = folder / "repo.git"
        self.git = Git(git_dir, workspace, git_dir / "wakeful-index")
        self.objects = ObjectWriter(git_dir)
        self._ready = False
        self.skipped: list[str] = []
        self._watch = watch
        self._live: LiveTree | None = None
        # The directories the last snapshot descended into, and the last answer of
        # `bare_dirs` (tree, those directories, the bare ones).
        self._walked: Collection[str] = ()
        self._walked_key: tuple[int, int] | None = None  # the watcher's, while it is used
        self._bare_memo: tuple[str, Any, tuple[str, ...]] | None = None
        self._tree_dirs_memo: tuple[str, frozenset[str]] | None = None
        self._last_written: tuple[str, str] | None = None  # (commit, tree) of LAST_REF
        self._walk_full: tuple[str, frozenset[str]] | None = None  # the last walk's `full`
        self._left_out_memo: tuple[frozenset[str], frozenset[str]] | None = None
        self._holders_memo: tuple[frozenset[str], set[str]] | None = None
        # walk-cache.json as last read or written: (its stat, its data, the cache).
        self._cache_memo: tuple[tuple[int, int, int], dict[str, Any], _WalkCache | None] | None
        self._cache_memo = None

    @classmethod
    def for_workspace(
        cls, workspace: Path, config: Config | None = None, watch: bool = False
    ) -> CheckpointStore:
        settings = Settings.from_config(config) if config is not None else Settings()
        return cls(workspace, workspace / ".wakeful" / "checkpoints", settings, watch=watch)

    def close(self) -> None:
        """Stop watching the workspace (a store that watches holds an inotify instance)."""
        live, self._live = self._live, None
        self._watch = False
        self._bare_memo = None
        if live is not None:
            live.close()

    @property
    def watching(self) -> bool:
        """Whether the next snapshot can come from the watcher's events alone."""
        return self._live is not None and self._live.tree is not None

    # -- locking --------------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            gi = self.folder.parent / ".gitignore"
            if not gi.exists():
                gi.write_text("*\n")
            fd = os.open(self.folder / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise CheckpointError(
                f"cannot open the checkpoint store {self.folder}: {exc.strerror}; "
                "make .wakeful/ writable"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if not self._ready:
                self.git.init()
                self._ready = True
            yield
        finally:
            os.close(fd)

    # -- snapshots ------------------------------------------------------------------

    def snapshot(self) -> str:
        """The workspace's files as a tree id (call with the lock held). The ignored files
        left out for their size are in `self.skipped` afterwards.

        A store made with `watch=True` keeps the tree current from inotify events after
        its first snapshot (see `live.py`): a snapshot then looks only at the paths that
        changed, and one with no change costs neither a git process nor a walk. Otherwise,
        or when the events cannot be trusted, it is the snapshot from git's stat cache."""
        live = self._live_tree()
        if live is not None and live.tree is not None:
            tree = live.snapshot(self._gc_mark())
            if tree is not None:
                self.skipped = sorted(live.skipped)
                self._walked = live.watched.keys()
                self._walked_key = (id(live), live.generation)
                return tree
        if live is None:
            return self._git_snapshot()
        # Watch first, then look: a change after the watch is an event, one before it is
        # in the snapshot.
        cache = self._load_cache()
        if cache is None:
            self._git_snapshot()
            cache = self._load_cache()
        live.discard_events()
        try:
            if cache is not None:
                live.watch(cache.dirs)
            tree = self._git_snapshot()
            after = self._load_cache()
            if after is not None and after.tree == tree:
                live.arm(tree, after.dirs, self.skipped, self._gc_mark())
            else:
                live.disarm()
        except OSError:  # out of inotify watches: snapshots the ordinary way from now on
            self.close()
            tree = self._git_snapshot()
        return tree

    def _live_tree(self) -> LiveTree | None:
        if self._live is None and self._watch:
            try:
                self._live = LiveTree(
                    self.git, Limits(self.settings.max_file_bytes, self.settings.include_ignored)
                )
            except OSError:
                self._watch = False
        return self._live

    def _gc_mark(self) -> str:
        try:
            return (self.folder / "gc-count").read_text()
        except OSError:
            return ""

    def _git_snapshot(self) -> str:
        """The snapshot from git's stat cache (the checkpoint index) and the walk cache.

        With a walk cache from the last snapshot (`walk-cache.json`: the stat of every
        directory snapshots descend into, and of the ignored files left out for their
        size), only the directories whose stat changed are walked again (`git status`
        limited to them): a file can only appear, vanish or be renamed by changing its
        directory. Changes to files already in the snapshot are found from the index's
        stat data (`git diff-files`, lstat only). Without a usable cache, or when a
        .gitignore changed, the whole workspace is walked once."""
        cache = self._load_cache()
        started = time.time_ns()
        if cache is not None:
            changed_dirs = sorted(self._changed_dirs(cache))
            if "" not in changed_dirs and len(changed_dirs) <= MAX_PARTIAL_DIRS:
                tree = self._partial_snapshot(cache, changed_dirs, started)
                if tree is not None:
                    return tree
        return self._full_snapshot(started)

    def _changed_dirs(self, cache: _WalkCache) -> set[str]:
        """The cached directories whose stat changed, and those holding a left-out file
        whose stat changed (one lstat each: this runs before every snapshot)."""
        base = os.fspath(self.workspace)
        prefix = base + "/"
        lstat = os.lstat
        changed: set[str] = set()
        for rel, sig in cache.dirs.items():
            try:
                st = lstat(prefix + rel if rel else base)
            except OSError:
                changed.add(rel)
                continue
            if sig is None or sig != (
                st.st_mtime_ns,
                st.st_ctime_ns,
                st.st_ino,
                st.st_mode,
                st.st_size,
            ):
                changed.add(rel)
        for rel, sig in cache.skipped.items():
            if _sig(self.workspace, rel) != sig:
                changed.add(rel.rpartition("/")[0])
        return changed

    def _full_snapshot(self, started: int) -> str:
        self.skipped = []
        out = self._status(())
        opaque = self._stage(out)
        self._drop_newly_ignored()
        tree = self.git.text("write-tree")
        full: set[str] = set()
        dirs = _walk_dirs(self.workspace, "", opaque, full, set(self.skipped))
        self._save_cache(_WalkCache(tree, dirs, self._skipped_sigs(), frozenset(full)), started)
        self._walked, self._walked_key = dirs.keys(), None
        self._walk_full = (tree, frozenset(full))
        return tree

    def _partial_snapshot(
        self, cache: _WalkCache, changed_dirs: list[str], started: int
    ) -> str | None:
        """Snapshot from the cache (None: a .gitignore changed, walk everything)."""
        out = self.git.run("diff-files", "-z", "--name-status", "--ignore-submodules=all")
        update: list[bytes] = []
        removed: list[bytes] = []
        parts = out.split(b"\0")
        for code, rel in zip(parts[0::2], parts[1::2], strict=False):
            if not rel or rel.startswith(b".wakeful/"):
                continue
            (removed if code == b"D" else update).append(rel)
        if not changed_dirs and not update and not removed:
            self.skipped = list(cache.skipped)
            self._walked, self._walked_key = cache.dirs.keys(), None
            self._walk_full = (cache.tree, cache.full)
            return cache.tree
        if any(_is_ignore_file(rel) for rel in update + removed):
            return None
        under = tuple(d + "/" for d in changed_dirs)
        self.skipped = [p for p in cache.skipped if not p.startswith(under)]
        grown = self._grown_ignored(update)
        if grown:  # ignored files that grew past the size cap leave the snapshot
            update = [rel for rel in update if rel not in grown]
            removed += sorted(grown)
            self.skipped += [rel.decode("utf-8", "surrogateescape") for rel in sorted(grown)]
        opaque: set[str] = set()
        if changed_dirs:
            status = self._status(changed_dirs)
            for entry in status.split(b"\0"):
                if len(entry) >= 4 and entry[:2] == b"??" and _is_ignore_file(entry[3:]):
                    return None
            opaque = self._stage(status, update, removed, keep_out=grown)
        else:
            self._stage(b"", update, removed)
        tree = self.git.text("write-tree")
        dirs = {d: sig for d, sig in cache.dirs.items() if not d.startswith(under)}
        full = {d for d in cache.full if d in dirs}
        for d in changed_dirs:
            dirs.pop(d, None)
            full.discard(d)
            if _sig(self.workspace, d) is not None and not _within(d, opaque):
                dirs.update(_walk_dirs(self.workspace, d, opaque, full, set(self.skipped)))
        self._save_cache(_WalkCache(tree, dirs, self._skipped_sigs(), frozenset(full)), started)
        self._walked, self._walked_key = dirs.keys(), None
        self._walk_full = (tree, frozenset(full))
        return tree

    def bare_dirs(self, tree: str) -> tuple[str, ...]:
        """The directories the last snapshot (of `tree`) descended into that hold no file of
        it: empty ones, and ones holding only what snapshots leave out. Git cannot store
        them; the checkpoint's record lists them."""
        memo = self._bare_memo
        key: Any = self._walked_key
        if memo is not None and memo[0] == tree and key is not None and memo[1] == key:
            return memo[2]  # the same tree, and the watcher's directories did not change
        walked = frozenset(self._walked)
        if key is None:
            key = walked
            if memo is not None and memo[0] == tree and memo[1] == walked:
                return memo[2]
        live = self._live
        if self._walked_key is not None and live is not None and live.dirs is not None:
            # The watcher's in-memory tree: its directories are the tree's (it drops the
            # ones left empty when it writes the tree). It may still watch a directory that
            # snapshots leave out whole (ignored, a nested repository), or one inside it.
            holders: Collection[str] = live.dirs.keys()
            candidates = frozenset(d for d in walked if d and d not in holders)
            holders = set(holders) | self._left_out_dirs(candidates)
        elif self._walk_full is not None and self._walk_full[0] == tree:
            holders = self._walk_holders()  # from the walk: no git process
        else:
            holders = self._tree_dirs(tree)
        bare = tuple(
            sorted(
                d
                for d in (d for d in walked if d and d not in holders)
                if d != ".wakeful" and not d.startswith(".wakeful/") and ".git" not in d.split("/")
            )
        )
        self._bare_memo = (tree, key, bare)
        return bare

    def _walk_holders(self) -> set[str]:
        """The last walk's directories holding a file, with every directory above them."""
        assert self._walk_full is not None
        full = self._walk_full[1]
        memo = self._holders_memo
        if memo is None or memo[0] is not full:
            memo = self._holders_memo = (full, _with_parents(full))
        return memo[1]

    def _left_out_dirs(self, dirs: frozenset[str]) -> frozenset[str]:
        """Of `dirs`, those in (or being) an ignored directory or a nested repository; one
        `git check-ignore` when the set differs from the last one asked about."""
        if not dirs:
            return frozenset()
        memo = self._left_out_memo
        if memo is not None and memo[0] == dirs:
            return memo[1]
        above = {d.rsplit("/", i)[0] for d in dirs for i in range(d.count("/") + 1)}
        # Not a directory now (gone, or a link): not one a walk would descend into.
        opaque = {d for d in above if not _is_dir(self.workspace, d)}
        opaque |= {d for d in above if os.path.lexists(os.path.join(self.workspace, d, ".git"))}
        ask = sorted(d for d in above if not _within(d, opaque))
        if ask:
            query = "".join(f"{d}/\0" for d in ask).encode("utf-8", "surrogateescape")
            out = self.git.run(
                "check-ignore", "-z", "--no-index", "--stdin", input=query, ok=(0, 1)
            )
            opaque |= {
                p.decode("utf-8", "surrogateescape").rstrip("/") for p in out.split(b"\0") if p
            }
        found = frozenset(d for d in dirs if _within(d, opaque))
        self._left_out_memo = (dirs, found)
        return found

    def _tree_dirs(self, tree: str) -> frozenset[str]:
        memo = self._tree_dirs_memo
        if memo is not None and memo[0] == tree:
            return memo[1]
        out = self.git.run("ls-tree", "-r", "-d", "-z", "--name-only", tree)
        found = frozenset(p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p)
        self._tree_dirs_memo = (tree, found)
        return found

    def _grown_ignored(self, update: list[bytes]) -> set[bytes]:
        """Of the snapshotted files that changed, the ignored ones now over the size cap
        (one `git check-ignore` only when a changed file is over the cap)."""
        root = os.fsencode(self.workspace)
        big: list[bytes] = []
        for rel in update:
            try:
                st = os.lstat(os.path.join(root, rel))
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode) and st.st_size > self.settings.max_file_bytes:
                big.append(rel)
        if not big:
            return set()
        out = self.git.run(
            "check-ignore", "-z", "--no-index", "--stdin", input=b"\0".join(big) + b"\0",
            ok=(0, 1),
        )  # fmt: skip
        return {p for p in out.split(b"\0") if p}

    def _drop_newly_ignored(self) -> None:
        """Files snapshotted before that a .gitignore now covers: out of the index when they
        lie in an ignored directory, or are ignored files over the cap (or ignored files
        are left out), as a snapshot from scratch would have them."""
        out = self.git.run("ls-files", "-z", "-c", "-i", "--exclude-standard")
        files = [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]
        if not files:
            return
        parents = sorted(
            {f.rsplit("/", i)[0] + "/" for f in files for i in range(1, f.count("/") + 1)}
        )
        query = "".join(f"{p}\0" for p in parents).encode("utf-8", "surrogateescape")
        hits = self.git.run("check-ignore", "-z", "--no-index", "--stdin", input=query, ok=(0, 1))
        ignored_dirs = {p.decode("utf-8", "surrogateescape") for p in hits.split(b"\0") if p}
        drop: list[str] = []
        for rel in files:
            parts = rel.split("/")
            if any("/".join(parts[: i + 1]) + "/" in ignored_dirs for i in range(len(parts) - 1)):
                drop.append(rel)
                continue
            if not self.settings.include_ignored:
                drop.append(rel)
                continue
            size = _sig(self.workspace, rel)
            if (
                size is not None
                and stat.S_ISREG(size[3])
                and size[4] > self.settings.max_file_bytes
            ):
                drop.append(rel)
                self.skipped.append(rel)
        if drop:
            self.git.run(
                "update-index", "--force-remove", "-z", "--stdin",
                input="".join(f"{p}\0" for p in drop).encode("utf-8", "surrogateescape"),
            )  # fmt: skip

    def _status(self, pathspecs: tuple[str, ...] | list[str]) -> bytes:
        return self.git.run(
            "status", "--porcelain=v1", "-z", "--no-renames", "--untracked-files=all",
            "--ignored=matching" if self.settings.include_ignored else "--ignored=no",
            "--ignore-submodules=all", "--", *pathspecs,
        )  # fmt: skip

    def _stage(
        self,
        out: bytes,
        update: list[bytes] | None = None,
        removed: list[bytes] | None = None,
        keep_out: Collection[bytes] = (),
    ) -> set[str]:
        """Put `git status` output (plus known updates and removals) into the index.
        `keep_out`: files status reports as modified that stay out (ignored files that grew
        past the size cap). Returns the directories left out whole (ignored ones, nested
        repositories)."""
        update = list(update or ())
        removed = list(removed or ())
        ignored: list[bytes] = []
        opaque: set[str] = set()
        for entry in out.split(b"\0"):
            if len(entry) < 4:
                continue
            code, rel = entry[:2], entry[3:]
            if rel.startswith(b".wakeful/") or rel == b".wakeful":
                continue
            if code == b"!!":
                if rel.endswith(b"/"):  # an ignored directory is left out whole
                    opaque.add(rel.decode("utf-8", "surrogateescape").rstrip("/"))
                else:
                    ignored.append(rel)
            elif code == b"??":
                if rel.endswith(b"/"):  # a nested repository is left out
                    opaque.add(rel.decode("utf-8", "surrogateescape").rstrip("/"))
                else:
                    update.append(rel)
            elif code[1:2] == b"D":
                removed.append(rel)
            elif code[1:2] in (b"M", b"T") and rel not in keep_out:
                update.append(rel)
        if ignored:
            update += self._under_cap(ignored)
        if removed:  # by name: the path may now lie beyond a symlink
            self.git.run(
                "update-index", "--force-remove", "-z", "--stdin",
                input=b"\0".join(dict.fromkeys(removed)) + b"\0",
            )  # fmt: skip
        if update:
            self.git.run(
                "update-index", "--add", "--remove", "-z", "--stdin",
                input=b"\0".join(dict.fromkeys(update)) + b"\0",
            )  # fmt: skip
        return opaque

    def _skipped_sigs(self) -> dict[str, tuple[int, ...] | None]:
        return {rel: _sig(self.workspace, rel) for rel in dict.fromkeys(self.skipped)}

    def _cache_path(self) -> Path:
        return self.folder / "walk-cache.json"

    def _load_cache(self) -> _WalkCache | None:
        """The walk cache if it describes the current index, else None. The file is parsed
        again only when it was replaced since this process last read or wrote it."""
        try:
            st = os.stat(self._cache_path())
            key = (st.st_mtime_ns, st.st_size, st.st_ino)
            memo = self._cache_memo
            if memo is not None and memo[0] == key:
                data, cache = memo[1], memo[2]
            else:
                data = json.loads(self._cache_path().read_text())
                cache = _cache_of(data)
                self._cache_memo = (key, data, cache)
            index = os.stat(self.git.index_file)
            if data.get("version") != WALK_CACHE_VERSION or data.get("index") != [
                index.st_size,
                index.st_mtime_ns,
                index.st_ino,
            ]:
                return None
            if data.get("settings") != [
                self.settings.include_ignored,
                self.settings.max_file_bytes,
            ]:
                return None
            return cache
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def _save_cache(self, cache: _WalkCache, started: int) -> None:
        """Write the cache; a stat taken too close to `started` is stored as unknown, so
        that a change within the file system's timestamp granularity is never missed."""
        racy = started - self.racy_ns

        def keep(sig: tuple[int, ...] | None) -> list[int] | None:
            if sig is None or sig[0] >= racy or sig[1] >= racy:
                return None
            return list(sig)

        try:
            index = os.stat(self.git.index_file)
            data = {
                "version": WALK_CACHE_VERSION,
                "index": [index.st_size, index.st_mtime_ns, index.st_ino],
                "settings": [self.settings.include_ignored, self.settings.max_file_bytes],
                "tree": cache.tree,
                "dirs": {d: keep(sig) for d, sig in cache.dirs.items()},
                "skipped": {p: keep(sig) for p, sig in cache.skipped.items()},
                "full": sorted(cache.full),
            }
            tmp = self._cache_path().with_suffix(".tmp")
            tmp.write_text(json.dumps(data, separators=(",", ":")))
            os.replace(tmp, self._cache_path())
            st = os.stat(self._cache_path())
            key = (st.st_mtime_ns, st.st_size, st.st_ino)
            self._cache_memo = (key, data, _cache_of(data))
        except OSError:
            with suppress(OSError):
                self._cache_path().unlink()

    def _under_cap(self, files: list[bytes]) -> list[bytes]:
        keep: list[bytes] = []
        root = os.fsencode(self.workspace)
        for rel in files:
            try:
                st = os.lstat(os.path.join(root, rel))
            except OSError:
                continue
            if stat.S_ISLNK(st.st_mode) or (
                stat.S_ISREG(st.st_mode) and st.st_size <= self.settings.max_file_bytes
            ):
                keep.append(rel)
            else:
                self.skipped.append(rel.decode("utf-8", "surrogateescape"))
        return keep

    def _skipped_meta(self) -> dict[str, Any]:
        shown = self.skipped[:MAX_RECORDED_PATHS]
        return {"skipped": shown, "skipped_all": len(shown) == len(self.skipped)}

    def ignore_status(self, rel: str) -> tuple[str | None, bool]:
        """(the ignored directory holding `rel`, whether `rel` itself is ignored), by the
        rules snapshots follow (the workspace's .gitignore files, .wakeful/ left out)."""
        with self.locked():
            parts = rel.split("/")
            dirs = ["/".join(parts[: i + 1]) + "/" for i in range(len(parts) - 1)]
            query = "".join(f"{p}\0" for p in [*dirs, rel])
            out = self.git.run(
                "check-ignore", "-z", "--no-index", "--stdin",
                input=query.encode("utf-8", "surrogateescape"), ok=(0, 1),
            )  # fmt: skip
        hits = {p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p}
        for d in dirs:
            if d in hits:
                return d.rstrip("/"), True
        return None, rel in hits

    def _commit(self, tree: str, message: str, parent: str | None = None) -> str:
        return self.objects.commit(tree, message, parent, time.time())

    def last_tree(self) -> str | None:
        out = self.git.run("rev-parse", "-q", "--verify", f"{LAST_REF}^{{tree}}", ok=(0, 1))
        return out.decode().strip() or None

    def _set_last(self, tree: str) -> None:
        self._update_refs({}, self._commit(tree, "last seen state"), tree)

    def changed_paths(self, a: str, b: str) -> list[str]:
        out = self.git.run("diff-tree", "-r", "-z", "--no-renames", "--name-only", a, b)
        return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]

    # -- records --------------------------------------------------------------------

    def _next_id(self) -> str:
        counter = self.folder / "next-id"
        try:
            n = int(counter.read_text().strip() or "1")
        except (OSError, ValueError):
            n = 1
        counter.write_text(f"{n + 1}\n")
        return str(n)

    def _update_refs(
        self, refs: dict[str, str], last: str | None = None, last_tree: str = ""
    ) -> None:
        """Set refs; `last` (a commit of `last_tree`) becomes the last state seen, and HEAD
        follows it, so that the next `git status` has little to say about the index. When
        the last state seen is already a commit of that tree (this process wrote it, and
        the ref still names it), the two refs stay as they are: only the tree matters."""
        for name, sha in refs.items():
            self.objects.set_ref(name, sha)
        if last is None:
            return
        mine = self._last_written
        if (
            mine is not None
            and mine[1] == last_tree
            and self.objects.read_loose_ref(LAST_REF) == mine[0]
        ):
            return
        self.objects.set_ref(LAST_REF, last)
        self.objects.set_ref(HEAD_REF, last)
        self._last_written = (last, last_tree)

    def _delete_ref(self, name: str) -> None:
        if not self.objects.delete_loose_ref(name):
            self.git.run("update-ref", "-d", name)

    def _write(self, cp: Checkpoint, tree: str) -> str:
        sha = self._commit(tree, _message(cp), cp.before)
        self.objects.set_ref(REF_PREFIX + cp.id, sha)
        return sha

    def begin(self, session: str, agent: str, run: str, kind: str = "run") -> Checkpoint:
        """Snapshot now (before a change) and open a checkpoint for it."""
        with self.locked():
            tree = self.snapshot()
            bare = self.bare_dirs(tree)
            cp = Checkpoint(
                self._next_id(), kind, session, (agent,), run, time.time(), None, "", None
            )
            sha = self._commit(tree, _message(cp, {**self._skipped_meta(), "bare_dirs": bare}))
            self._update_refs({REF_PREFIX + cp.id: sha}, sha, tree)
            self._log_run(f"B {cp.id} {os.getpid()}")
            if self._live is not None:
                self._live.mark(tree)
            return Checkpoint(
                **{**asdict(cp), "before": sha, "before_tree": tree, "bare_dirs": bare}
            )

    def finish(
        self,
        cp: Checkpoint,
        agents: tuple[str, ...] = (),
        touched: tuple[str, ...] | None = None,
        shell: bool = False,
    ) -> Checkpoint | None:
        """Snapshot again and close the checkpoint; one that changed nothing is dropped.
        `touched`: the workspace-relative paths the run's own file tools wrote (None: not
        known); `shell`: it also ran change-capable calls whose paths are unknown."""
        with self.locked():
            overlapping = self._end_run(cp.id)
            tree = self.snapshot()
            before_tree = cp.before_tree or self.git.text("rev-parse", f"{cp.before}^{{tree}}")
            live = self._live
            known = live.changed_since(before_tree) if live is not None else None
            if live is not None:
                live.unmark(before_tree)
            dirs: list[str] = []
            if tree == before_tree:
                if cp.bare_dirs is not None:  # only directories were made or removed?
                    bare = set(self.bare_dirs(tree))
                    dirs = sorted(d + "/" for d in bare.symmetric_difference(cp.bare_dirs))
                if not dirs:
                    self._delete_ref(REF_PREFIX + cp.id)
                    return None
            changed = dirs or (known if known else self.changed_paths(before_tree, tree))
            own = None
            if touched is not None:
                wrote = set(touched)
                own = tuple(p for p in changed if p in wrote)[:MAX_RECORDED_PATHS]
            done = Checkpoint(
                cp.id,
                cp.kind,
                cp.session,
                tuple(dict.fromkeys((*cp.agents, *agents))),
                cp.run,
                cp.started,
                time.time(),
                cp.before,
                tree,
                tuple(changed[:MAX_RECORDED_PATHS]),
                len(changed),
                before_tree,
                overlapping,
                own,
                shell,
            )
            sha = self._commit(tree, _message(done), cp.before)
            self._update_refs({REF_PREFIX + cp.id: sha}, sha, tree)
            if _id_order(cp.id) % PRUNE_EVERY == 0:  # cheap: a listing every so many runs
                self._prune(time.time(), collect=False)
                if self.objects.pack_count() > MAX_PACKS:  # snapshots' small packs, merged
                    self.git.run("repack", "-d", "-q", "--geometric=2")
            return done

    def nested_repositories(self) -> list[str]:
        """The nested git repositories the last snapshot left out (from its walk cache:
        directories below the ones it descended into that hold `.git`)."""
        cache = self._load_cache()
        if cache is None:
            return []
        found: list[str] = []
        for rel in cache.dirs:
            try:
                with os.scandir(os.path.join(self.workspace, rel) if rel else self.workspace) as it:
                    for entry in it:
                        child = f"{rel}/{entry.name}" if rel else entry.name
                        if (
                            entry.name != ".git"
                            and child not in cache.dirs
                            and entry.is_dir(follow_symlinks=False)
                            and os.path.lexists(os.path.join(entry.path, ".git"))
                        ):
                            found.append(child)
            except OSError:
                continue
        return sorted(found)

    # -- runs that overlap ----------------------------------------------------------

    def _log_run(self, line: str) -> None:
        with open(self.folder / "runs.log", "a") as fh:
            fh.write(line + "\n")

    def _end_run(self, cid: str) -> tuple[str, ...]:
        """Record that run `cid` ends; returns the other runs that were open at some time
        during it (open when it began, or begun since). `runs.log` holds one line per
        begin (with the process id, so a run whose process died counts as ended) and per
        end, and is emptied whenever no run is open."""
        path = self.folder / "runs.log"
        try:
            lines = path.read_text().splitlines()
        except OSError:
            lines = []
        lines.append(f"E {cid}")
        open_runs: dict[str, int] = {}
        overlapping: list[str] = []
        began = False
        for line in lines:
            parts = line.split()
            if len(parts) < 2:
                continue
            kind, rid = parts[0], parts[1]
            if kind == "B":
                if rid == cid:
                    began = True
                    overlapping += [r for r in open_runs if r != cid]
                elif began:
                    overlapping.append(rid)
                pid = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 0
                open_runs[rid] = pid
            elif kind == "E":
                open_runs.pop(rid, None)
        if not began:  # begun before this log existed
            overlapping += [r for r in open_runs if r != cid]
        alive = {r: pid for r, pid in open_runs.items() if pid_alive(pid)}
        overlapping = [r for r in overlapping if r in alive or r not in open_runs]  # not crashed
        try:
            if alive:
                self._log_run(f"E {cid}")
            else:
                path.write_text("")
        except OSError:
            pass
        return tuple(sorted(dict.fromkeys(overlapping), key=_id_order))

    def all(self) -> list[Checkpoint]:
        """All checkpoints, oldest first."""
        if not (self.git.git_dir / "HEAD").exists():
            return []
        fmt = "%(objectname) %(tree) %(parent) %(contents:subject)"
        out = self.git.run("for-each-ref", f"--format={fmt}", REF_PREFIX)
        found = []
        for line in out.decode("utf-8", "surrogateescape").splitlines():
            parts = line.split(" ", 3)
            if len(parts) < 4:
                continue
            sha, tree, parent, subject = parts
            try:
                meta = json.loads(subject)
            except json.JSONDecodeError:
                continue
            finished = meta.get("finished")
            found.append(
                Checkpoint(
                    str(meta["id"]),
                    str(meta.get("kind", "run")),
                    str(meta.get("session", "")),
                    tuple(meta.get("agents") or ()),
                    str(meta.get("run", "")),
                    float(meta.get("started") or 0),
                    float(finished) if finished is not None else None,
                    parent or sha,  # an unfinished run's ref is its "before" snapshot
                    tree if finished is not None else None,
                    tuple(meta.get("changed") or ()),
                    int(meta.get("changed_count") or 0),
                    overlapping=tuple(meta.get("overlapping") or ()),
                    own=tuple(meta["own"]) if isinstance(meta.get("own"), list) else None,
                    shell=bool(meta.get("shell", False)),
                )
            )
        found.sort(key=lambda c: (c.started, int(c.id) if c.id.isdigit() else 0))
        return found

    def get(self, cid: str | None) -> Checkpoint:
        items = self.all()
        if not items:
            raise CheckpointError(
                "no checkpoints in this workspace yet; one is made before a run's first change"
            )
        if cid is None:
            return items[-1]
        wanted = cid.lstrip("#")
        for cp in items:
            if cp.id == wanted:
                return cp
        raise CheckpointError(
            f"no checkpoint {cid!r}; `wakeful checkpoints` lists them (newest: {items[-1].id})"
        )

    def prune(self, now: float | None = None) -> list[str]:
        """Drop checkpoints older than `max_age_days` beyond the `keep` newest, except
        those of unreviewed daemon runs, then let git delete the objects only they held.
        Returns the dropped ids."""
        with self.locked():
            return self._prune(time.time() if now is None else now, collect=True)

    def _prune(self, now: float, collect: bool) -> list[str]:
        items = self.all()
        old = items[: max(0, len(items) - self.settings.keep)]
        cutoff = now - self.settings.max_age_days * 86400
        reviewed = self._reviewed()
        drop = [
            c.id for c in old if c.started < cutoff and (not _is_daemon_run(c) or c.id in reviewed)
        ]
        if drop:
            text = "".join(f"delete {REF_PREFIX}{cid}\n" for cid in drop)
            self.git.run("update-ref", "--stdin", input=text.encode())
            self._write_reviewed(reviewed - set(drop))
        if collect or drop:
            self.git.run("gc", "--quiet", "--prune=now")
            # Objects only a watcher's tree held may be gone: every watcher starts over.
            count = self.folder / "gc-count"
            try:
                n = int(count.read_text() or "0")
            except (OSError, ValueError):
                n = 0
            count.write_text(str(n + 1))
        return drop

    # -- review of daemon runs ------------------------------------------------------

    def _reviewed(self) -> set[str]:
        try:
            return set((self.folder / "reviewed").read_text().split())
        except OSError:
            return set()

    def _write_reviewed(self, ids: set[str]) -> None:
        tmp = self.folder / "reviewed.tmp"
        tmp.write_text("".join(f"{i}\n" for i in sorted(ids, key=_id_order)))
        os.replace(tmp, self.folder / "reviewed")

    def unreviewed(self) -> list[Checkpoint]:
        """Daemon runs' checkpoints nobody has rewound or marked reviewed yet."""
        with self.locked():
            reviewed = self._reviewed()
            return [c for c in self.all() if _is_daemon_run(c) and c.id not in reviewed]

    def mark_reviewed(self, ids: list[str]) -> list[str]:
        """Mark daemon runs' checkpoints reviewed (`all`: every one); they may then be pruned.
        Returns the ids marked."""
        with self.locked():
            items = {c.id: c for c in self.all()}
            if ids == ["all"]:
                wanted = [i for i, c in items.items() if _is_daemon_run(c)]
            else:
                wanted = [i.lstrip("#") for i in ids]
                unknown = [i for i in wanted if i not in items]
                if unknown:
                    raise CheckpointError(
                        f"no checkpoint {', '.join(unknown)}; `wakeful checkpoints` lists them"
                    )
            self._write_reviewed(self._reviewed() | set(wanted))
            return wanted

    # -- rewind ---------------------------------------------------------------------

    def plan(self, cid: str | None) -> RewindPlan:
        with self.locked():
            return self._plan(self.get(cid))

    def _plan(self, target: Checkpoint) -> RewindPlan:
        last = self.last_tree()
        current = self.snapshot()
        target_tree = self.git.text("rev-parse", f"{target.before}^{{tree}}")
        out = self.git.run("diff-tree", "-r", "-z", "--no-renames", current, target_tree)
        raw = _parse_raw(out)
        skipped, skipped_all = self._skipped_of(target.before)
        # A file the target left out (ignored, over the size cap) that is in the current
        # snapshot (it shrank since) cannot be restored, and must not be deleted either.
        kept = [
            r[4]
            for r in raw
            if r[1] == "000000" and (r[4] in skipped or (not skipped_all and self._ignored(r[4])))
        ]
        raw = [r for r in raw if r[4] not in kept]
        plan = RewindPlan(target, current, target_tree, raw=raw, kept=kept)
        for _old_mode, new_mode, _old, _new, path in raw:
            if GITLINK in (_old_mode, new_mode):
                continue
            if _old_mode == "000000":
                plan.changes.append(Change("recreate", path))
            elif new_mode == "000000":
                plan.changes.append(Change("delete", path))
            else:
                plan.changes.append(Change("restore", path))
        target_bare = self._bare_of(target.before)
        if target_bare is not None:  # recorded by this version: directories too
            wanted = self._tree_dirs(target_tree) | target_bare
            plan.bare = sorted(target_bare)
            plan.mkdirs = sorted(d for d in target_bare if not _is_dir(self.workspace, d))
            plan.rmdirs = sorted(set(self.bare_dirs(current)) - wanted)
            plan.changes += [Change("recreate", d + "/") for d in plan.mkdirs]
            plan.changes += [Change("delete", d + "/") for d in plan.rmdirs]
        if last and last != current:
            touched = {c.path for c in plan.changes}
            plan.lost = [p for p in self.changed_paths(last, current) if p in touched]
        return plan

    def _bare_of(self, commit: str) -> frozenset[str] | None:
        """The directories without files recorded with a "before" snapshot (None: an older
        record that did not list them)."""
        body = self.git.run("cat-file", "commit", commit).split(b"\n\n", 1)[-1]
        try:
            meta = json.loads(body.decode("utf-8", "surrogateescape").strip() or "{}")
        except json.JSONDecodeError:
            return None
        bare = meta.get("bare_dirs") if isinstance(meta, dict) else None
        if not isinstance(bare, list):
            return None
        return frozenset(d for d in bare if isinstance(d, str) and d)

    def _skipped_of(self, commit: str) -> tuple[set[str], bool]:
        body = self.git.run("cat-file", "commit", commit).split(b"\n\n", 1)[-1]
        try:
            meta = json.loads(body.decode("utf-8", "surrogateescape").strip() or "{}")
        except json.JSONDecodeError:
            return set(), False
        if not isinstance(meta, dict):
            return set(), False
        return set(meta.get("skipped") or ()), bool(meta.get("skipped_all", False))

    def _ignored(self, path: str) -> bool:
        return bool(self.git.run("check-ignore", "--no-index", "--", path, ok=(0, 1)).strip())

    def rewind(
        self, cid: str | None, *, force: bool = False, session: str = "", agent: str = "user"
    ) -> tuple[RewindPlan, Checkpoint | None]:
        """Restore the files of checkpoint `cid`'s "before" snapshot (the most recent
        checkpoint when None). The rewind is recorded as a checkpoint of its own."""
        with self.locked():
            plan = self._plan(self.get(cid))
            if plan.lost and not force:
                shown = ", ".join(plan.lost[:10]) + (" ..." if len(plan.lost) > 10 else "")
                raise CheckpointError(
                    f"{len(plan.lost)} file(s) changed since wakeful last saw them and the "
                    f"rewind would overwrite those changes: {shown}; pass --force to rewind "
                    "anyway (the current state is checkpointed first, so it can be undone)"
                )
            if _is_daemon_run(plan.target):  # rewinding a daemon run is reviewing it
                self._write_reviewed(self._reviewed() | {plan.target.id})
            if not plan.changes:
                self._set_last(plan.current_tree)
                return plan, None
            meta = {"kind": "before rewind", **self._skipped_meta()}
            meta["bare_dirs"] = list(self.bare_dirs(plan.current_tree))
            before = self._commit(plan.current_tree, json.dumps(meta))
            cp = Checkpoint(
                self._next_id(),
                "rewind",
                session,
                (agent,),
                f"rewind to before {plan.target.id}",
                time.time(),
                None,
                before,
                None,
            )
            self._write(cp, plan.current_tree)
            self._apply(plan)
            after = self.snapshot()
            self._set_last(after)
            left = [p for p in self.changed_paths(after, plan.target_tree) if p not in plan.kept]
            if left:
                raise CheckpointError(
                    f"rewind incomplete: {len(left)} path(s) could not be restored "
                    f"({', '.join(left[:5])}); checkpoint {cp.id} holds the state before it"
                )
            changed = self.changed_paths(plan.current_tree, after)
            done = Checkpoint(
                cp.id,
                cp.kind,
                cp.session,
                cp.agents,
                cp.run,
                cp.started,
                time.time(),
                before,
                after,
                tuple(changed[:MAX_RECORDED_PATHS]),
                len(changed),
            )
            self._write(done, after)
            return plan, done

    def _apply(self, plan: RewindPlan) -> None:
        root = self.workspace
        removals: list[str] = []
        writes: list[tuple[str, str, str]] = []
        for old_mode, new_mode, _old, new, path in plan.raw:
            if GITLINK in (old_mode, new_mode):
                continue
            if old_mode != "000000":
                removals.append(path)
            if new_mode != "000000":
                writes.append((new_mode, new, path))
        for path in removals:
            _safe_unlink(root, path)
        for path in removals:
            _prune_dirs(root, path)
        if writes:
            info = "".join(f"{mode} {sha}\t{path}\0" for mode, sha, path in writes)
            self.git.run(
                "update-index", "-z", "--index-info", input=info.encode("utf-8", "surrogateescape")
            )
            for _, _, path in writes:
                _safe_unlink(root, path)
            listing = "".join(f"{path}\0" for _, _, path in writes)
            self.git.run(
                "checkout-index",
                "-f",
                "-u",
                "-z",
                "--stdin",
                input=listing.encode("utf-8", "surrogateescape"),
            )
        for rel in sorted(plan.rmdirs, key=lambda d: -d.count("/")):  # deepest first
            target = _inside(root, rel)
            if target is not None:
                with suppress(OSError):  # not empty (left-out files): it stays
                    os.rmdir(target)
        for rel in plan.bare:  # also those that removing files above left empty and removed
            _safe_mkdirs(root, rel)


def _message(cp: Checkpoint, extra: dict[str, Any] | None = None) -> str:
    """The record, as the one-line JSON message of its commit; a "before" snapshot also
    lists the ignored files it left out for their size (`extra`)."""
    meta: dict[str, Any] = {
        **(extra or {}),
        "id": cp.id,
        "kind": cp.kind,
        "session": cp.session,
        "agents": list(cp.agents),
        "run": cp.run,
        "started": cp.started,
        "finished": cp.finished,
        "changed": list(cp.changed),
        "changed_count": cp.changed_count,
    }
    if cp.overlapping:
        meta["overlapping"] = list(cp.overlapping)
    if cp.own is not None:
        meta["own"] = list(cp.own)
        meta["shell"] = cp.shell
    return json.dumps(meta, separators=(",", ":"))


def _is_daemon_run(cp: Checkpoint) -> bool:
    """A daemon job's run (`job NAME run N`, the label the daemon gives its runs): kept
    until reviewed (rewound, or `wakeful checkpoints --reviewed ID`)."""
    return cp.kind == "run" and cp.run.startswith("job ") and " run " in cp.run


def _id_order(cid: str) -> int:
    return int(cid) if cid.isdigit() else 0


def _sig(root: Path, rel: str) -> tuple[int, ...] | None:
    """What changes when a directory gains, loses or renames an entry (or a file is
    rewritten): mtime, ctime, inode, mode, size. None when it is gone."""
    try:
        st = os.lstat(os.path.join(root, rel) if rel else root)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_mode, st.st_size)


def _within(rel: str, folders: set[str]) -> bool:
    return any(rel == f or rel.startswith(f + "/") for f in folders)


def _is_ignore_file(rel: bytes) -> bool:
    return rel == b".gitignore" or rel.endswith(b"/.gitignore")


def _walk_dirs(
    root: Path,
    start: str,
    opaque: set[str],
    full: set[str] | None = None,
    left_out: Collection[str] = (),
) -> dict[str, tuple[int, ...] | None]:
    """Every directory a snapshot descends into at or below `start`, with its stat: not
    .git, not the top-level .wakeful/, not a symlink, not one left out whole (`opaque`).
    `full` gets those holding a file or link that snapshots keep (not in `left_out`):
    the others hold no file of the snapshot, only directories or what it leaves out."""
    found: dict[str, tuple[int, ...] | None] = {}
    stack = [start]
    while stack:
        rel = stack.pop()
        sig = _sig(root, rel)
        if sig is None or not stat.S_ISDIR(sig[3]):
            continue
        found[rel] = sig
        try:
            with os.scandir(os.path.join(root, rel) if rel else root) as entries:
                for entry in entries:
                    if entry.name == ".git" or (not rel and entry.name == ".wakeful"):
                        continue
                    child = f"{rel}/{entry.name}" if rel else entry.name
                    if entry.is_dir(follow_symlinks=False):
                        if child not in opaque:
                            stack.append(child)
                    elif full is not None and child not in left_out and entry.name != ".git":
                        full.add(rel)
        except OSError:
            found[rel] = None  # unreadable now: looked at again next time
            if full is not None:
                full.add(rel)  # not known to be empty
    return found


def _cache_of(data: dict[str, Any]) -> _WalkCache | None:
    """The walk cache a walk-cache.json holds (None: not one this version wrote)."""
    if data.get("version") != WALK_CACHE_VERSION:
        return None
    dirs = {str(k): tuple(v) if v else None for k, v in data["dirs"].items()}
    skipped = {str(k): tuple(v) if v else None for k, v in data["skipped"].items()}
    return _WalkCache(str(data["tree"]), dirs, skipped, frozenset(data["full"]))


def _is_dir(root: Path, rel: str) -> bool:
    """A directory, not a link to one."""
    try:
        return stat.S_ISDIR(os.lstat(os.path.join(root, rel)).st_mode)
    except OSError:
        return False


def _with_parents(dirs: Collection[str]) -> set[str]:
    """`dirs` and every directory above them."""
    out: set[str] = set()
    for d in dirs:
        while d and d not in out:
            out.add(d)
            d = d.rpartition("/")[0]
    return out


def _parse_raw(out: bytes) -> list[tuple[str, str, str, str, str]]:
    """`diff-tree -r -z` raw output: ':old_mode new_mode old new status\\0path\\0' pairs."""
    parts = out.split(b"\0")
    rows = []
    i = 0
    while i + 1 < len(parts):
        head = parts[i].decode()
        if not head.startswith(":"):
            i += 1
            continue
        old_mode, new_mode, old, new, _status = head[1:].split(" ")
        rows.append((old_mode, new_mode, old, new, parts[i + 1].decode("utf-8", "surrogateescape")))
        i += 2
    return rows


def _inside(root: Path, rel: str) -> Path | None:
    """`root/rel` if no directory on the way is a symlink (a link planted in the workspace
    must not make a rewind delete files elsewhere), else None."""
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return None
    current = root
    for part in parts[:-1]:
        current = current / part
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            break  # nothing below a missing directory can be a link
        if not stat.S_ISDIR(st.st_mode):
            return None
    return root.joinpath(*parts)


def _safe_unlink(root: Path, rel: str) -> None:
    target = _inside(root, rel)
    if target is None:
        return
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        return
    os.unlink(target)


def _safe_mkdirs(root: Path, rel: str) -> None:
    """Make `root/rel` and its missing parents, never through a symlink."""
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return
    current = root
    for part in parts:
        current = current / part
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            try:
                os.mkdir(current)
            except OSError:
                return
            continue
        if not stat.S_ISDIR(st.st_mode):
            return


def _prune_dirs(root: Path, rel: str) -> None:
    """Remove the directories above `rel` that its removal left empty."""
    parts = rel.split("/")[:-1]
    while parts:
        target = _inside(root, "/".join(parts))
        if target is None:
            return
        try:
            os.rmdir(target)
        except OSError:
            return
        parts.pop()
