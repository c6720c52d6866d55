"""Isolated worktrees for unattended work: a run, a daemon job or a writing sub-agent works in
a `git worktree` of its own, on its own branch, and the result is a branch the user reviews
and merges (`wakeful worktrees list|merge|discard|prune`).

Layout: the worktree is `<checkout>/.wakeful/worktrees/<id>` (inside the protected
`.wakeful/`) on branch `wakeful/<id>`; its record is `<checkout>/.wakeful/worktrees/<id>.json`.
A worktree starts from the user's HEAD plus the user's uncommitted changes (tracked edits and
untracked files that are not ignored), committed on the branch as a commit of their own so
that the agent's work is separate from them (`[worktrees] include_uncommitted = false`:
HEAD alone). The user's index, HEAD, stash and files are never touched: the uncommitted
changes are read through a temporary index. At the end of each run the agent's changes are
committed to the branch, so removing the directory loses nothing.

Every git command goes through `core.git.run_git` (hooks, filters, fsmonitor off).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from wakeful.core.config import Config
from wakeful.core.errors import WakefulError
from wakeful.core.git import GitResult, run_git
from wakeful.core.locks import pid_alive

BRANCH_PREFIX = "wakeful/"
KINDS = ("run", "daemon", "subagent")
_IDENTITY = {
    "GIT_AUTHOR_NAME": "wakeful",
    "GIT_AUTHOR_EMAIL": "wakeful@localhost",
    "GIT_COMMITTER_NAME": "wakeful",
    "GIT_COMMITTER_EMAIL": "wakeful@localhost",
}
_NO_SIGN = ["-c", "commit.gpgSign=false", "-c", "tag.gpgSign=false"]


class WorktreeError(WakefulError):
    """A worktree could not be created, merged or discarded; the message names the fix."""


@dataclass(frozen=True)
class WorktreeSettings:
    """`[worktrees]`: `keep` (worktree directories kept, newest first), `max_age_days`
    (older directories are pruned), `include_uncommitted` (start from HEAD plus the user's
    uncommitted changes, or HEAD alone)."""

    keep: int = 20
    max_age_days: float = 14.0
    include_uncommitted: bool = True

    @classmethod
    def from_config(cls, config: Config | None) -> WorktreeSettings:
        if config is None:
            return cls()
        section = config.settings.worktrees  # types checked when the file was loaded
        if section.keep < 0 or section.max_age_days < 0:
            raise WorktreeError(
                "`worktrees.keep` and `worktrees.max_age_days` must be 0 or more; fix config.toml"
            )
        return cls(section.keep, float(section.max_age_days), section.include_uncommitted)


@dataclass(frozen=True)
class Worktree:
    """One worktree's record."""

    id: str
    branch: str
    path: str
    base: str  # the user's HEAD when it was made
    start: str  # where the branch starts: base, or a commit of the uncommitted changes on it
    created: float
    run: str
    kind: str = "run"  # run, daemon or subagent
    session: str | None = None
    job: str | None = None
    pid: int | None = None  # the process working in it, while it works
    pruned: float | None = None  # when its directory was removed (the branch stays)
    commits: list[str] = field(default_factory=list)

    @property
    def carried_changes(self) -> bool:
        return self.start != self.base

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class WorktreeStatus:
    worktree: Worktree
    state: str  # clean, has changes, committed
    ahead: int  # commits on the branch that the user's HEAD does not have
    exists: bool  # the directory is there (False once pruned)
    running: bool

    def to_dict(self) -> dict[str, Any]:
        wt = self.worktree
        return {
            "id": wt.id,
            "branch": wt.branch,
            "path": wt.path,
            "base": wt.base,
            "start": wt.start,
            "created": wt.created,
            "kind": wt.kind,
            "run": wt.run,
            "job": wt.job,
            "session": wt.session,
            "state": self.state,
            "ahead": self.ahead,
            "pruned": not self.exists,
            "running": self.running,
        }


@dataclass(frozen=True)
class MergeResult:
    id: str
    branch: str
    commit: str
    squash: bool
    files: list[str]


def _pid_alive(pid: int | None) -> bool:
    return pid is not None and pid_alive(pid)


def _fail(what: str, out: GitResult) -> WorktreeError:
    detail = out.stderr.decode("utf-8", "replace").strip().splitlines()
    return WorktreeError(f"{what}: {detail[-1] if detail else f'git exited {out.returncode}'}")


def _lines(out: GitResult) -> list[str]:
    return [p for p in out.stdout.decode("utf-8", "replace").split("\0") if p]


class WorktreeManager:
    """wakeful's worktrees of one checkout. `source` is where new worktrees start from (the
    workspace the user runs in); `checkout` owns `.wakeful/` (the main checkout)."""

    def __init__(
        self,
        checkout: Path,
        settings: WorktreeSettings | None = None,
        source: Path | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.checkout = Path(checkout)
        self.source = Path(source) if source is not None else self.checkout
        self.root = self.checkout / ".wakeful" / "worktrees"
        self.settings = settings or WorktreeSettings()
        self.env = env

    @classmethod
    def for_paths(cls, paths: Any, config: Config | None = None) -> WorktreeManager:
        env = dict(config.env) if config is not None and config.env else None
        return cls(paths.checkout, WorktreeSettings.from_config(config), paths.workspace, env)

    # -- git -------------------------------------------------------------------------------

    def _git(
        self,
        args: list[str],
        cwd: Path | str | None = None,
        extra_env: dict[str, str] | None = None,
        timeout: float = 120.0,
    ) -> GitResult:
        return run_git(
            args,
            cwd if cwd is not None else self.checkout,
            env=self.env,
            extra_env=extra_env,
            timeout=timeout,
        )

    def _identity(self, cwd: Path | str) -> dict[str, str]:
        """wakeful's name for commits when git has no user identity configured."""
        env = self.env if self.env is not None else dict(os.environ)
        name = self._git(["config", "user.name"], cwd).text().strip()
        email = self._git(["config", "user.email"], cwd).text().strip()
        out: dict[str, str] = {}
        for kind in ("AUTHOR", "COMMITTER"):
            if not (name or env.get(f"GIT_{kind}_NAME")):
                out[f"GIT_{kind}_NAME"] = _IDENTITY[f"GIT_{kind}_NAME"]
            if not (email or env.get(f"GIT_{kind}_EMAIL")):
                out[f"GIT_{kind}_EMAIL"] = _IDENTITY[f"GIT_{kind}_EMAIL"]
        return out

    def _head(self, cwd: Path | str) -> str | None:
        out = self._git(["rev-parse", "--verify", "-q", "HEAD^{commit}"], cwd)
        return out.text().strip() if out.ok and out.text().strip() else None

    def _branch_exists(self, branch: str) -> bool:
        return self._git(["rev-parse", "--verify", "-q", f"refs/heads/{branch}"]).ok

    # -- records ---------------------------------------------------------------------------

    def _record_path(self, wid: str) -> Path:
        return self.root / f"{wid}.json"

    def _save(self, wt: Worktree) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".record-")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(wt.to_dict(), f)
        os.replace(tmp, self._record_path(wt.id))

    def _load(self, path: Path) -> Worktree | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            data["commits"] = list(data.get("commits") or [])
            return Worktree(**data)
        except (OSError, ValueError, TypeError):
            return None

    def all(self) -> list[Worktree]:
        """Every recorded worktree, oldest first."""
        if not self.root.is_dir():
            return []
        found = [self._load(p) for p in sorted(self.root.glob("*.json"))]
        return sorted((w for w in found if w is not None), key=lambda w: (w.created, w.id))

    def get(self, wid: str) -> Worktree:
        """A worktree by id, branch name or unique id prefix."""
        wid = wid.removeprefix(BRANCH_PREFIX)
        items = self.all()
        exact = [w for w in items if w.id == wid]
        hits = exact or [w for w in items if wid and w.id.startswith(wid)]
        if len(hits) == 1:
            return hits[0]
        if not hits:
            raise WorktreeError(f"no worktree {wid!r}; see `wakeful worktrees list`")
        raise WorktreeError(
            f"{wid!r} names {len(hits)} worktrees ({', '.join(w.id for w in hits)}); "
            "give more of the id"
        )

    def update(self, wt: Worktree, **fields: Any) -> Worktree:
        new = replace(wt, **fields)
        self._save(new)
        return new

    # -- create ----------------------------------------------------------------------------

    def unavailable(self) -> str | None:
        """Why no worktree can be made from `source` (no repository, no commit), or None."""
        top = self._git(["rev-parse", "--show-toplevel"], self.source)
        if not top.ok:
            return (
                f"a worktree needs a git repository, and {self.source} is not one: run "
                "`git init` and commit once"
            )
        if self._head(self.source) is None:
            return (
                "the repository has no commit yet, so there is nothing to branch a worktree "
                "from: commit once"
            )
        return None

    def create(
        self, run: str, kind: str = "run", session: str | None = None, job: str | None = None
    ) -> Worktree:
        """A new worktree on branch `wakeful/<id>`, from HEAD plus the uncommitted changes."""
        why = self.unavailable()
        if why is not None:
            raise WorktreeError(f"{why}, or run without --worktree")
        base = self._head(self.source)
        assert base is not None  # unavailable() checked it
        state = self.checkout / ".wakeful"
        state.mkdir(parents=True, exist_ok=True)
        if not (state / ".gitignore").exists():
            (state / ".gitignore").write_text("*\n")  # worktrees and records stay untracked
        wid = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
        branch = BRANCH_PREFIX + wid
        path = self.root / wid
        start = base
        if self.settings.include_uncommitted:
            start = self._snapshot_uncommitted(base, run) or base
        self.root.mkdir(parents=True, exist_ok=True)
        out = self._git(["worktree", "add", "-q", "-b", branch, str(path), start], self.source)
        if not out.ok:
            raise _fail(f"could not create the worktree {path}", out)
        gi = path / ".wakeful" / ".gitignore"
        gi.parent.mkdir(parents=True, exist_ok=True)
        gi.write_text("*\n")
        wt = Worktree(
            id=wid,
            branch=branch,
            path=str(path),
            base=base,
            start=start,
            created=time.time(),
            run=run,
            kind=kind,
            session=session,
            job=job,
            pid=os.getpid(),
        )
        self._save(wt)
        self.prune()  # the new one counts towards `keep`, and is in use: never pruned
        return wt

    def _snapshot_uncommitted(self, base: str, run: str) -> str | None:
        """A commit on `base` holding the user's uncommitted changes (tracked edits and
        untracked, non-ignored files), made through a temporary index; None when there are
        none. The user's index, HEAD and stash are not touched."""
        self.root.mkdir(parents=True, exist_ok=True)
        index = self._git(["rev-parse", "--git-path", "index"], self.source).text().strip()
        real_index = Path(index) if os.path.isabs(index) else self.source / index
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".index-")
        os.close(fd)
        try:
            if real_index.is_file():
                shutil.copyfile(real_index, tmp)  # its stat cache makes `add -A` fast
            else:
                os.unlink(tmp)
            env = {"GIT_INDEX_FILE": tmp}
            added = self._git(["add", "-A", "--", "."], self.source, extra_env=env)
            if not added.ok:
                raise _fail("could not read your uncommitted changes", added)
            tree = self._git(["write-tree"], self.source, extra_env=env)
            if not tree.ok:
                raise _fail("could not read your uncommitted changes", tree)
        finally:
            for p in (tmp, tmp + ".lock"):
                try:
                    os.unlink(p)
                except OSError:
                    pass
        tree_id = tree.text().strip()
        head_tree = self._git(["rev-parse", f"{base}^{{tree}}"], self.source).text().strip()
        if tree_id == head_tree:
            return None
        message = f"wakeful: your uncommitted changes, as {run} started from them"
        commit = self._git(
            [*_NO_SIGN, "commit-tree", tree_id, "-p", base, "-m", message],
            self.source,
            extra_env=self._identity(self.source),
        )
        if not commit.ok:
            raise _fail("could not record your uncommitted changes", commit)
        return commit.text().strip()

    # -- after a run -----------------------------------------------------------------------

    def commit(self, wt: Worktree, message: str) -> str | None:
        """Commit everything changed in the worktree to its branch; the new commit, or None
        when nothing changed."""
        path = Path(wt.path)
        if not path.is_dir():
            return None
        added = self._git(["add", "-A", "--", "."], path)
        if not added.ok:
            raise _fail(f"could not commit the work in {path}", added)
        if self._git(["diff", "--cached", "--quiet"], path).ok:
            return None
        out = self._git(
            [*_NO_SIGN, "commit", "-q", "--no-verify", "-m", message],
            path,
            extra_env=self._identity(path),
        )
        if not out.ok:
            raise _fail(f"could not commit the work in {path}", out)
        sha = self._head(path) or ""
        current = self._load(self._record_path(wt.id)) or wt
        self.update(current, commits=[*current.commits, sha])
        return sha

    def release(self, wt: Worktree) -> None:
        """The run working in it has ended."""
        current = self._load(self._record_path(wt.id))
        if current is not None and current.pid is not None:
            self.update(current, pid=None)

    # -- status ----------------------------------------------------------------------------

    def status(self, wt: Worktree) -> WorktreeStatus:
        path = Path(wt.path)
        exists = path.is_dir() and wt.pruned is None
        changed = False
        if exists:
            out = self._git(["status", "--porcelain", "-z", "--untracked-files=all"], path)
            changed = bool(out.ok and out.stdout.strip(b"\0"))
        ahead = 0
        if self._branch_exists(wt.branch):
            head = self._head(self.source) or wt.base
            count = self._git(["rev-list", "--count", f"{head}..refs/heads/{wt.branch}"])
            ahead = int(count.text().strip() or 0) if count.ok else 0
        state = "has changes" if changed else ("committed" if ahead else "clean")
        return WorktreeStatus(wt, state, ahead, exists, _pid_alive(wt.pid))

    # -- merge and discard -----------------------------------------------------------------

    def _pending(self, wt: Worktree) -> None:
        """Refuse while a run works in it; commit what an interrupted run left behind."""
        if _pid_alive(wt.pid) and wt.pid != os.getpid():
            raise WorktreeError(
                f"worktree {wt.id} is in use by a running wakeful (pid {wt.pid}); wait for "
                "it to finish, then try again"
            )
        if Path(wt.path).is_dir():
            self.commit(wt, f"wakeful: changes left uncommitted by {wt.run}")

    def merge(self, wid: str, target: Path, squash: bool = False) -> MergeResult:
        """Merge the worktree's branch into the branch checked out at `target`. Refuses,
        leaving `target` untouched, when it has uncommitted changes or the merge conflicts."""
        wt = self.get(wid)
        target = Path(target)
        if target.resolve() == Path(wt.path).resolve():
            raise WorktreeError(
                f"you are inside worktree {wt.id}; run the merge from the checkout to merge into"
            )
        if not self._branch_exists(wt.branch):
            raise WorktreeError(
                f"the branch {wt.branch} no longer exists; drop the record with "
                f"`wakeful worktrees discard {wt.id} --yes`"
            )
        self._pending(wt)
        wt = self.get(wt.id)
        head = self._head(target)
        if head is None:
            raise WorktreeError(
                f"{target} has no commit to merge into; commit once, then merge {wt.branch}"
            )
        busy = [
            name
            for name in ("MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "rebase-merge")
            if self._git(["rev-parse", "--verify", "-q", name], target).ok
            or (target / ".git" / name).exists()
        ]
        if busy:
            raise WorktreeError(
                f"a merge, rebase or cherry-pick is in progress in {target} ({busy[0]}); "
                "finish or abort it first, then merge again"
            )
        dirty = self._git(["status", "--porcelain", "-z", "--untracked-files=no"], target)
        if not dirty.ok:
            raise _fail(f"could not read the state of {target}", dirty)
        changed = [entry[3:] for entry in _lines(dirty) if len(entry) > 3]
        if changed:
            shown = ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else "")
            raise WorktreeError(
                f"your working tree has uncommitted changes ({shown}); nothing was merged. "
                f"Commit or stash them, then run `wakeful worktrees merge {wt.id}` again"
            )
        ref = f"refs/heads/{wt.branch}"
        if self._git(["merge-base", "--is-ancestor", ref, head], target).ok:
            raise WorktreeError(
                f"nothing to merge: your branch already has everything on {wt.branch}; "
                f"remove it with `wakeful worktrees discard {wt.id}`"
            )
        trial = self._git(
            ["merge-tree", "--write-tree", "--name-only", "--no-messages", head, ref], target
        )
        if trial.returncode == 1:
            files = trial.text().split("\n")[1:]
            files = [f for f in files if f.strip()]
            shown = ", ".join(files[:5]) + (" ..." if len(files) > 5 else "")
            raise WorktreeError(
                f"merging {wt.branch} would conflict in {shown or 'some files'}; your tree is "
                f"untouched. Resolve it by hand (`git merge {wt.branch}`), or rebase the "
                f"branch onto yours first, or drop it with `wakeful worktrees discard {wt.id}`"
            )
        if not trial.ok:
            raise _fail(f"could not try the merge of {wt.branch}", trial)
        merged_tree = trial.text().split("\n")[0].strip()
        diff = self._git(["diff", "--name-only", "-z", "--no-renames", head, merged_tree], target)
        files = _lines(diff)
        in_head = (
            set(_lines(self._git(["ls-tree", "-r", "-z", "--name-only", head], target)))
            if files
            else set()
        )
        blocked = [f for f in files if f not in in_head and os.path.lexists(target / f)]
        if blocked:
            shown = ", ".join(blocked[:5]) + (" ..." if len(blocked) > 5 else "")
            hint = (
                " (the worktree started from your uncommitted changes: commit them, and the "
                "merge takes only the agent's work)"
                if wt.carried_changes
                else ""
            )
            raise WorktreeError(
                f"merging {wt.branch} would overwrite untracked files in your tree ({shown}); "
                f"nothing was merged. Move them away or commit them, then merge again{hint}"
            )
        ident = self._identity(target)
        if squash:
            out = self._git(["merge", "--squash", "-q", ref], target, extra_env=ident)
            if out.ok:
                message = f"{wt.run} (squashed from {wt.branch})"
                out = self._git(
                    [*_NO_SIGN, "commit", "-q", "--no-verify", "-m", message],
                    target,
                    extra_env=ident,
                )
        else:
            message = f"Merge {wt.branch} ({wt.run})"
            out = self._git(
                [*_NO_SIGN, "merge", "--no-ff", "--no-verify", "-q", "-m", message, ref],
                target,
                extra_env=ident,
            )
        if not out.ok:
            self._git(["merge", "--abort"], target)
            if squash:
                self._git(["reset", "-q", "--merge"], target)
            raise _fail(f"the merge of {wt.branch} failed and was undone", out)
        commit = self._head(target) or ""
        self._remove(wt, delete_branch=True)
        return MergeResult(wt.id, wt.branch, commit, squash, files)

    def discard(self, wid: str) -> Worktree:
        """Remove the worktree, its branch and its record."""
        wt = self.get(wid)
        if _pid_alive(wt.pid) and wt.pid != os.getpid():
            raise WorktreeError(
                f"worktree {wt.id} is in use by a running wakeful (pid {wt.pid}); wait for "
                "it to finish, then discard it"
            )
        self._remove(wt, delete_branch=True)
        return wt

    def _remove_directory(self, wt: Worktree) -> None:
        path = Path(wt.path)
        if path.exists():
            out = self._git(["worktree", "remove", "--force", "--force", str(path)])
            if not out.ok and path.exists():
                shutil.rmtree(path, ignore_errors=True)
        self._git(["worktree", "prune"])

    def _remove(self, wt: Worktree, delete_branch: bool) -> None:
        self._remove_directory(wt)
        if delete_branch and self._branch_exists(wt.branch):
            out = self._git(["branch", "-q", "-D", wt.branch])
            if not out.ok:
                raise _fail(f"could not delete the branch {wt.branch}", out)
        try:
            self._record_path(wt.id).unlink()
        except FileNotFoundError:
            pass

    # -- retention -------------------------------------------------------------------------

    def prune(self, now: float | None = None) -> list[str]:
        """Remove worktree directories past `keep` (newest first) or older than
        `max_age_days`; their branches stay (with any leftover changes committed). Never a
        worktree in use, nor a daemon run's worktree (kept until merged or discarded; both
        count towards `keep`).
        Records whose branch the user deleted are dropped."""
        now = time.time() if now is None else now
        pruned: list[str] = []
        live = [w for w in reversed(self.all()) if w.pruned is None]
        kept = 0
        for wt in live:
            if not self._branch_exists(wt.branch):
                if not _pid_alive(wt.pid):
                    self._remove(wt, delete_branch=False)
                continue
            if _pid_alive(wt.pid) or wt.kind == "daemon":
                kept += 1  # counted, never removed here
                continue
            old = now - wt.created > self.settings.max_age_days * 86400
            if kept < self.settings.keep and not old:
                kept += 1
                continue
            if Path(wt.path).is_dir():
                self.commit(wt, f"wakeful: changes left in the worktree of {wt.run} when pruned")
            self._remove_directory(wt)
            self.update(self._load(self._record_path(wt.id)) or wt, pruned=now, pid=None)
            pruned.append(wt.id)
        return pruned


@dataclass(frozen=True)
class WorktreeSource:
    """Where a sub-agent's worktree comes from (`ctx.services.worktrees`): the workspace it
    starts from and the configuration (`isolation: "worktree"`)."""

    paths: Any
    config: Config

    def manager(self) -> WorktreeManager:
        return WorktreeManager.for_paths(self.paths, self.config)
