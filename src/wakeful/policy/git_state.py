"""What the workspace's git repository holds that changes what a command exposes or runs.

Three facts are read from the repository itself, never by running git:

- the credentials its configuration holds in clear (.git/config, a linked worktree's
  config.worktree, and every file they include): a URL with a password or token, an
  `http.extraheader`, a credential helper with an inline secret. Whatever prints that
  configuration (`cat .git/config`, `git remote -v`, `git config -l`) prints them.
- the tracked files whose names say secret (path_risk's names: `.env`, `id_rsa`, `*.pem`),
  from the index: whatever prints the whole tree or its history (`git log -p`, `git grep
  PATTERN`, `git archive HEAD`) prints them.
- the places its configuration runs code from: a `core.hooksPath` directory, a program
  named by path inside the workspace (`core.fsmonitor = tools/monitor.sh`), and included
  configuration files there. Writing one is writing .git/hooks or .git/config.

The facts are kept per workspace and read again only when one of the files they came from
changes (its modification time, size or inode: git replaces its config and index by rename,
so each write gives a new inode). A workspace without a `.git` costs one failed stat.

The index is parsed here (versions 2, 3 and 4, and the shared index of a split index)
rather than listed by `git ls-files`: no process is started, git need not be installed where
the classifier runs, and only the names are read. Each path's verdict is kept, so a change
of the index costs its parse (about 1 to 2 microseconds per entry) and a lookup per path;
the first read of a 100,000-file index also judges every name once (a few tenths of a
second).
"""

from __future__ import annotations

import fnmatch
import functools
import os
import shlex
import stat
import struct
from typing import NamedTuple

from wakeful.policy import path_risk
from wakeful.policy.program_rules import (
    GIT_EXEC_KEYS,
    GIT_HOOK_NAMES,
    GIT_INLINE_SECRET,
    GIT_SECRET_VALUE_KEYS,
    GIT_URL_PASSWORD,
    GIT_URL_TOKEN_USER,
)


class Credential(NamedTuple):
    """A credential a configuration file holds: the file (as shown: relative to the
    workspace when inside it), the key (lower case, subsection as written), what it is,
    and whether the key's own name carries it (`url.https://TOKEN@host/.insteadof`)."""

    file: str
    key: str
    what: str
    in_name: bool
    path: str = ""  # the file's absolute path


class RepoFacts(NamedTuple):
    """What `RepoWatch.facts` found: the git directory (empty: no repository), every
    configuration file read, the credentials they hold, the tracked files whose names say
    secret (relative to the workspace, as git names them), and the directories and files
    the configuration runs code from (absolute)."""

    git_dir: str
    config_files: tuple[str, ...]
    credentials: tuple[Credential, ...]
    tracked_secrets: tuple[str, ...]
    run_dirs: tuple[str, ...]
    run_files: frozenset[str]
    # each credential's entry as the file spells it (`url = https://...`), to tell whether
    # a search's pattern finds it; never shown
    credential_lines: tuple[str, ...] = ()
    # stash.showPatch: `git stash show` prints the patch without -p
    stash_show_patch: bool = False


NO_REPO = RepoFacts("", (), (), (), (), frozenset())

# Stands for the tracked files when the index cannot be read: judged as if a secret were
# tracked (the gate fails closed).
UNREADABLE_INDEX = "(an index that cannot be read)"
_MAX_INCLUDES = 10
_TRUE = frozenset({"true", "yes", "on", "1"})
_MAX_CONFIG = 1 << 20
_MAX_FILE = 1 << 30


# A file's modification time (ns), size and inode; None when it cannot be looked up.
Stamp = tuple[int, int, int] | None
Stamps = dict[str, Stamp]


def _stamp(path: str) -> Stamp:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class RepoWatch:
    """The facts of one workspace's repository, read again when a file they came from
    changes (see the module's doc)."""

    __slots__ = ("workspace", "home", "_state")

    def __init__(self, workspace: str, home: str) -> None:
        self.workspace = workspace
        self.home = home
        # (the files the facts came from, their stamps, the facts): one attribute, replaced
        # whole, so that a classifier shared between threads never pairs one read's files
        # with another's facts. No stamps: there was no repository.
        self._state: tuple[tuple[str, ...], tuple[Stamp, ...] | None, RepoFacts] = (
            (),
            None,
            NO_REPO,
        )

    def facts(self) -> RepoFacts:
        """The facts as the files say now: one stat per file they came from (the config,
        the index, the files they name), or of `.git` alone where there was no repository."""
        watched, key, known = self._state
        if key is not None:
            if tuple([_stamp(p) for p in watched]) == key:
                return known
        elif _stamp(self.workspace.rstrip("/") + "/.git") is None:
            return NO_REPO
        stamps: Stamps = {}
        facts = _read_facts(self.workspace, self.home, stamps)
        # Each file's stamp was taken as it was opened, before it was read: a change made
        # while it was read is seen on the next call.
        self._state = (
            tuple(stamps),
            tuple(stamps.values()) if facts is not NO_REPO else None,
            facts,
        )
        return facts


@functools.lru_cache(maxsize=32)
def watch(workspace: str, home: str) -> RepoWatch:
    """The one RepoWatch of a workspace (a real path) and home directory."""
    return RepoWatch(workspace, home)


def _read(path: str, stamps: Stamps, limit: int = -1) -> bytes | None:
    """A regular file's bytes, up to `limit` (None when it cannot be read, is larger than
    any index git writes, or is something else: a FIFO would block, a device never end),
    its stamp recorded as it is opened."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except (OSError, ValueError):
        stamps[path] = None
        return None
    try:
        st = os.fstat(fd)
        stamps[path] = (st.st_mtime_ns, st.st_size, st.st_ino)
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MAX_FILE:
            return None
        with os.fdopen(fd, "rb") as f:
            fd = -1
            return f.read(limit)
    except OSError:
        return None
    finally:
        if fd >= 0:
            os.close(fd)


def _git_dirs(dot: str, stamps: Stamps) -> tuple[str, str] | None:
    """The git directory a workspace's `.git` leads to, and the common directory (where
    the config is: another one for a linked worktree)."""
    if os.path.isdir(dot):
        return dot, dot
    data = _read(dot, stamps, 4096)
    line = (data or b"").decode("utf-8", "surrogateescape").strip()
    if not line.startswith("gitdir:"):
        return None
    git_dir = os.path.normpath(os.path.join(os.path.dirname(dot), line[7:].strip()))
    common = git_dir
    pointer = _read(os.path.join(git_dir, "commondir"), stamps, 4096)
    if pointer is not None:
        text = pointer.decode("utf-8", "surrogateescape").strip()
        common = os.path.normpath(os.path.join(git_dir, text))
    return git_dir, common


def _read_facts(workspace: str, home: str, stamps: Stamps) -> RepoFacts:
    dirs = _git_dirs(workspace.rstrip("/") + "/.git", stamps)
    if dirs is None:
        return NO_REPO
    git_dir, common = dirs
    entries: list[tuple[str, str, str]] = []  # (file, key, value)
    files: list[str] = []
    _read_config(os.path.join(common, "config"), home, entries, files, stamps, 0)
    if any(k == "extensions.worktreeconfig" and v.lower() == "true" for _, k, v in entries):
        # read by git only with the extension on (its absence is watched too)
        _read_config(os.path.join(git_dir, "config.worktree"), home, entries, files, stamps, 0)
    credentials: list[Credential] = []
    lines: list[str] = []
    run_dirs: list[str] = []
    run_files: set[str] = set()
    sha256 = False
    ws = workspace.rstrip("/")
    for file, key, value in entries:
        shown = file[len(ws) + 1 :] if file.startswith(ws + "/") else file
        what = _credential(key, value)
        in_name = bool(GIT_URL_PASSWORD.search(key) or GIT_URL_TOKEN_USER.search(key))
        if what is not None or in_name:
            credentials.append(
                Credential(
                    shown, _safe_key(key), what or "a URL with a password or token", in_name, file
                )
            )
            section, _, rest = key.partition(".")
            sub, _, name = rest.rpartition(".")
            lines.append(f"{name} = {value}")
            if in_name:
                lines.append(f'[{section} "{sub}"]')
        if key == "extensions.objectformat" and value.lower() == "sha256":
            sha256 = True
        if key == "core.hookspath" and value:
            hooks = _resolve(value, ws, home)
            if ws == hooks or ws.startswith(hooks.rstrip("/") + "/"):
                # the workspace itself (`core.hooksPath = .`) or above it: git runs only
                # the files named after its hooks there, not the project's other files
                run_files.update(os.path.join(hooks, name) for name in GIT_HOOK_NAMES)
            else:
                run_dirs.append(hooks)
        elif key.endswith(".path") and key.startswith(("include.", "includeif.")):
            pass  # the included files are in `files`
        elif GIT_EXEC_KEYS.match(key) and value:
            program = _program_path(value, ws, home)
            if program is not None:
                run_files.add(program)
    for file in files:
        if file.startswith(ws + "/") and not file.startswith(ws + "/.git/"):
            run_files.add(file)  # an included file in the workspace: writing it sets config
    names = _index_paths(os.path.join(git_dir, "index"), 32 if sha256 else 20, stamps)
    if names is None:
        tracked: tuple[str, ...] = (UNREADABLE_INDEX,)
    else:
        tracked = tuple(
            raw.decode("utf-8", "surrogateescape") for raw in names if _judged_secret(raw)
        )
    facts = RepoFacts(
        git_dir,
        tuple(files),
        tuple(credentials),
        tracked,
        tuple(dict.fromkeys(run_dirs)),
        frozenset(run_files),
        tuple(lines),
        any(k == "stash.showpatch" and v.lower() in _TRUE for _, k, v in entries),
    )
    return facts


def _safe_key(key: str) -> str:
    """A key as it may be shown: a subsection that holds a credential (`url.https://TOKEN@
    host/.insteadof`) is left out."""
    section, dot, rest = key.partition(".")
    sub, _, name = rest.rpartition(".")
    if sub and (GIT_URL_PASSWORD.search(sub) or GIT_URL_TOKEN_USER.search(sub)):
        return f"{section}.<a URL with a token>.{name}"
    return key


# Whether each tracked path's names say secret, kept across reads of the index: most of an
# index's paths are the same from one change to the next, and a lookup costs a fraction of
# judging the name again.
_JUDGED: dict[bytes, bool] = {}
_MAX_JUDGED = 1 << 20


def _judged_secret(raw: bytes) -> bool:
    verdict = _JUDGED.get(raw)
    if verdict is None:
        if len(_JUDGED) >= _MAX_JUDGED:
            _JUDGED.clear()
        verdict = _JUDGED[raw] = path_risk.names_secret(
            "/" + raw.decode("utf-8", "surrogateescape")
        )
    return verdict


def _credential(key: str, value: str) -> str | None:
    """What credential a configuration entry holds, if any (never the secret itself)."""
    if not value:
        return None
    if GIT_SECRET_VALUE_KEYS.match(key):
        if "extraheader" in key:
            return "an HTTP header sent with every request (http.extraheader)"
        return "a password or token"
    if GIT_URL_PASSWORD.search(value):
        return "a URL with a password or token"
    if GIT_URL_TOKEN_USER.search(value):
        return "a URL with a token"
    if (
        key.startswith("credential.")
        and key.endswith(".helper")
        and GIT_INLINE_SECRET.search(value)
    ):
        return "a credential helper with an inline password or token"
    return None


def _resolve(value: str, ws: str, home: str) -> str:
    if value == "~" or value.startswith("~/"):
        value = home + value[1:]
    return os.path.normpath(os.path.join(ws, value))


def _program_path(value: str, ws: str, home: str) -> str | None:
    """The workspace file a configured command runs, when it names one by path."""
    command = value[1:] if value.startswith("!") else value
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    if not words or "/" not in words[0]:
        return None
    path = _resolve(words[0], ws, home)
    return path if path.startswith(ws + "/") else None


# ---- configuration files ---------------------------------------------------------------------


def _read_config(
    name: str,
    home: str,
    entries: list[tuple[str, str, str]],
    files: list[str],
    stamps: Stamps,
    depth: int,
) -> None:
    if depth > _MAX_INCLUDES or name in files:
        return
    data = _read(name, stamps, _MAX_CONFIG)  # an absent file is watched: its creation counts
    if data is None:
        return
    files.append(name)
    text = data.decode("utf-8", "surrogateescape")
    for key, value in parse_config(text):
        entries.append((name, key, value))
        if key == "include.path" or key.startswith("includeif.") and key.endswith(".path"):
            # an includeIf whose condition does not hold now may hold later: read it anyway
            target = home + value[1:] if value.startswith("~/") else value
            target = os.path.normpath(os.path.join(os.path.dirname(name), target))
            _read_config(target, home, entries, files, stamps, depth + 1)


def parse_config(text: str) -> list[tuple[str, str]]:
    """git's configuration syntax: `[section "subsection"]` (or `[section.subsection]`),
    `name = value` with quotes, escapes, comments and continued lines. Keys come back as
    `section.subsection.name`, section and name in lower case."""
    found: list[tuple[str, str]] = []
    section = ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if line.startswith("["):
            end = line.find("]")
            if end < 0:
                continue
            header = line[1:end].strip()
            if '"' in header:
                name, _, sub = header.partition('"')
                sub = sub.rsplit('"', 1)[0].replace('\\"', '"').replace("\\\\", "\\")
                section = f"{name.strip().lower()}.{sub}"
            else:
                head, dot, sub = header.partition(".")
                section = head.lower() + (dot + sub.lower() if dot else "")
            line = line[end + 1 :].strip()
        if not line or line[0] in "#;" or not section:
            continue
        name, eq, raw = line.partition("=")
        name = name.strip().lower()
        if not eq:
            found.append((f"{section}.{name}", "true"))
            continue
        value, more = _value(raw)
        while more and i < len(lines):
            tail, more = _value(lines[i])
            value += tail
            i += 1
        found.append((f"{section}.{name}", value.strip()))
    return found


def _value(raw: str) -> tuple[str, bool]:
    """A value's text up to a comment, quotes and escapes undone, and whether it goes on to
    the next line (a backslash ends this one)."""
    out: list[str] = []
    quoted = False
    k = 0
    while k < len(raw):
        c = raw[k]
        if c == "\\":
            if k + 1 >= len(raw):
                return "".join(out), True
            nxt = raw[k + 1]
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(nxt, nxt))
            k += 2
            continue
        if c == '"':
            quoted = not quoted
        elif c in "#;" and not quoted:
            break
        else:
            out.append(c)
        k += 1
    return "".join(out), False


# ---- the index -------------------------------------------------------------------------------


def _index_names(path: str, hash_size: int) -> list[str] | None:
    """`_index_paths` as text."""
    paths = _index_paths(path, hash_size)
    return None if paths is None else [p.decode("utf-8", "surrogateescape") for p in paths]


def _index_paths(path: str, hash_size: int, stamps: Stamps | None = None) -> list[bytes] | None:
    """The paths an index file holds, in its order (what `git ls-files` lists, the entries
    of a split index's shared index included); [] when there is no index, None when it
    cannot be read."""
    if not os.path.lexists(path):
        if stamps is not None:
            stamps[path] = None
        return []
    data = _read(path, {} if stamps is None else stamps)
    if data is None:
        return None
    try:
        names, shared = _parse_index(data, hash_size)
    except (struct.error, ValueError, IndexError):
        return None
    if shared is not None:
        base = os.path.join(os.path.dirname(path), f"sharedindex.{shared}")
        more = _index_paths(base, hash_size, stamps)
        if more is None:
            return None
        names = sorted(set(names) | set(more))
    return names


def _parse_index(data: bytes, hash_size: int) -> tuple[list[bytes], str | None]:
    if data[:4] != b"DIRC":
        raise ValueError("not an index")
    version, count = struct.unpack_from(">II", data, 4)
    if version not in (2, 3, 4):
        raise ValueError(f"index version {version}")
    names: list[bytes] = []
    pos = 12
    fixed = 40 + hash_size  # stat fields and the object name
    previous = b""
    for _ in range(count):
        start = pos
        (flags,) = struct.unpack_from(">H", data, pos + fixed)
        pos += fixed + 2
        if version >= 3 and flags & 0x4000:
            pos += 2  # extended flags
        if version == 4:
            strip, pos = _varint(data, pos)
            end = data.index(b"\0", pos)
            if strip > len(previous):
                raise ValueError("bad prefix")
            name = previous[: len(previous) - strip] + data[pos:end]
            pos = end + 1
        else:
            length = flags & 0x0FFF
            end = pos + length if length < 0x0FFF else data.index(b"\0", pos)
            name = data[pos:end]
            pos = start + ((end - start + 8) & ~7)  # 1 to 8 NULs to a multiple of 8
        previous = name
        names.append(name)
    shared = None
    limit = len(data) - hash_size
    while pos + 8 <= limit:
        signature = data[pos : pos + 4]
        (size,) = struct.unpack_from(">I", data, pos + 4)
        if signature == b"link":
            shared = data[pos + 8 : pos + 8 + hash_size].hex()
        pos += 8 + size
    return names, shared


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """git's offset encoding (varint.c): each continuation adds one before shifting."""
    c = data[pos]
    pos += 1
    value = c & 0x7F
    while c & 0x80:
        c = data[pos]
        pos += 1
        value = ((value + 1) << 7) | (c & 0x7F)
    return value, pos


# ---- questions the classifier asks -----------------------------------------------------------


def secrets_in(tracked: tuple[str, ...], specs: list[str], excluded: list[str]) -> list[str]:
    """The tracked secrets that pathspecs (relative to the top of the tree; none: the whole
    tree) take in, less those an exclusion names. A pathspec takes in what it names, what
    lies below it, and what its wildcards match (git's `*` matches `/` too)."""
    return [
        name
        for name in tracked
        if name == UNREADABLE_INDEX
        or (not specs or any(_takes(spec, name) for spec in specs))
        and not any(_takes(spec, name) for spec in excluded)
    ]


def _takes(spec: str, name: str) -> bool:
    spec = spec.rstrip("/")
    if spec in ("", "."):
        return True
    if name == spec or name.startswith(spec + "/"):
        return True
    return any(c in spec for c in "*?[") and (
        fnmatch.fnmatchcase(name, spec) or fnmatch.fnmatchcase(name, spec + "/*")
    )


def repo_place(place: path_risk.Place, facts: RepoFacts) -> path_risk.Place:
    """A workspace path that the repository's configuration runs code from is judged as
    .git/hooks and .git/config are (`git_internal`); any other place is returned as is."""
    if place.zone != "workspace" or place.path is None or facts is NO_REPO:
        return place
    if runs_code_at(facts, place.path) is None:
        return place
    return place._replace(zone="git_internal")


def runs_code_at(facts: RepoFacts, path: str) -> str | None:
    """Why git runs what is written at `path` (a hooks directory, a program or included
    configuration that the repository's config names), or None."""
    wild = any(c in path for c in "*?[")
    for directory in facts.run_dirs:
        if (
            path == directory
            or path.startswith(directory.rstrip("/") + "/")
            or wild
            and path_risk.glob_reaches(path, directory)
        ):  # `tools/hook*/pre-commit`: the shell's wildcards as bash expands them
            return f"the repository's hooks directory (core.hooksPath {directory})"
    if path in facts.run_files:
        return "a program or configuration file the repository's git config runs or includes"
    return None
