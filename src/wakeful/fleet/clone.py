"""Clones for workers that lack a repository: vetted URLs, guarded git, one clone per repository.

`schedule add` records where the job's repository can be cloned from (the `origin` remote, or
`--clone-url`) and which branch or commit to check out. A worker started with a repos dir
(`wakeful worker --repos-dir DIR`, or `[fleet] repos_dir`) clones a repository it has no
checkout of into that dir the first time one of its runs comes due, and reuses the clone for
later runs. Anyone who can create schedules chooses the URL, so:

- only `https://`, `ssh://` and scp-like `user@host:path` URLs are accepted; `file://` only
  on a worker started with `--allow-file-clones`; never `ext::`/`fd::` transports, option-like
  strings (`--upload-pack=...`) or URLs with embedded passwords;
- git runs with `GIT_ALLOW_PROTOCOL` and `protocol.allow=never` plus the allowed protocols,
  `--` before the URL, `core.hooksPath=/dev/null`, no terminal prompts and no stdin;
- a clone is made in a temporary folder and renamed into place under a per-repository lock, so
  concurrent runs for one missing repository clone it once;
- a clone whose `.wakeful/` holds symbolic links is refused (the worker writes its journal
  and state there, and a link would send those writes anywhere on the machine);
- the worker treats clones as untrusted whatever its trust list says (see `activities`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from wakeful.core.errors import WakefulError

_TRANSPORT = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*::")  # ext::..., fd::..., remote helpers
# A name or an address; an IPv6 address comes without its brackets (`urlsplit().hostname`).
_HOST = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*$|^[0-9A-Fa-f:.]+$")
# The netloc after the user: a name or address, or a bracketed IPv6 address, then a port.
_HOST_PORT = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]*)?$")
_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SCP = re.compile(r"^(?:(?P<user>[^@/:]+)@)?(?P<host>[^@/:]+):(?P<path>.+)$")
_REF = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._/-]*$")
_SHA = re.compile(r"^[0-9a-f]{7,64}$")
# Variables that would point git at another repository, index or config than the clone's.
_GIT_REDIRECTS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_EXEC_PATH",
    "GIT_TEMPLATE_DIR",
)


class CloneRefused(WakefulError):
    """A clone URL or ref this worker will not use; the message names why and the fix."""


class CloneFailed(WakefulError):
    """git could not clone or check out (network, authentication, missing ref)."""


def vet_clone_url(url: str, allow_file: bool) -> str:
    """`url` if a worker may clone from it, else CloneRefused naming the problem."""
    url = url.strip()
    shown = url[:120]
    if not url:
        raise CloneRefused("the clone URL is empty")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise CloneRefused(f"clone URL {shown!r} contains spaces or control characters")
    if url.startswith("-"):
        raise CloneRefused(f"clone URL {shown!r} looks like a git option")
    if _TRANSPORT.match(url):
        raise CloneRefused(
            f"clone URL {shown!r} names a git transport helper ({url.split('::')[0]}::); "
            "use https://, ssh:// or user@host:path"
        )
    if "://" in url:
        scheme = url.split("://", 1)[0].lower()
        if scheme == "file":
            if not allow_file:
                raise CloneRefused(
                    f"file:// clone URL {shown!r} is off on this worker; start it with "
                    "--allow-file-clones (or [fleet] allow_file_clones = true) to allow it"
                )
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
                raise CloneRefused(f"file:// clone URL {shown!r} must be file:///absolute/path")
            return url
        if scheme not in ("https", "ssh"):
            raise CloneRefused(
                f"clone URL scheme {scheme}:// is not accepted; use https://, ssh:// or "
                "user@host:path"
            )
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise CloneRefused(f"clone URL {shown!r} is malformed") from None
        if parts.password is not None:
            raise CloneRefused(
                "clone URL carries a password, which would be stored in the job; drop it and "
                "give the worker's git a credential helper or an SSH key"
            )
        if (
            not _HOST.match(host)
            or not _HOST_PORT.match(parts.netloc.rpartition("@")[2])
            or (parts.username is not None and not _USER.match(parts.username))
        ):
            raise CloneRefused(f"clone URL {shown!r} has a malformed host or user")
        if parts.path in ("", "/"):
            raise CloneRefused(f"clone URL {shown!r} names no repository path")
        return url
    match = _SCP.match(url)
    if match is None:
        raise CloneRefused(
            f"{shown!r} is not a clone URL; use https://host/path, ssh://host/path or "
            "user@host:path"
        )
    user, host, path = match.group("user"), match.group("host"), match.group("path")
    if (user is not None and not _USER.match(user)) or not _HOST.match(host):
        raise CloneRefused(f"clone URL {shown!r} has a malformed host or user")
    if path.startswith("-"):
        raise CloneRefused(f"clone URL {shown!r} has an option-like path")
    return url


def vet_ref(ref: str | None) -> str | None:
    """A branch name or commit id to check out, or None for the remote's default branch."""
    if ref is None or ref == "":
        return None
    if (
        not _REF.match(ref)
        or ".." in ref
        or "//" in ref
        or ref.endswith((".lock", "/", "."))
        or "@{" in ref
    ):
        raise CloneRefused(f"clone ref {ref[:80]!r} is not a branch name or commit id")
    return ref


def public_url(url: str) -> str:
    """`url` without credentials (an `origin` remote may carry a token)."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return parts._replace(netloc=netloc).geturl()


def clone_path(repos_dir: Path, repository: str) -> Path:
    """Where a repository's clone lives: a readable slug plus a hash of the key, so that no
    repository key (which the job chooses) can name a path outside `repos_dir`."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", repository).strip("-.")[:60] or "repo"
    digest = hashlib.sha256(repository.encode()).hexdigest()[:12]
    return repos_dir / f"{slug}-{digest}"


def git_env(env: dict[str, str], allow_file: bool) -> dict[str, str]:
    out = {k: v for k, v in env.items() if k not in _GIT_REDIRECTS}
    out["GIT_ALLOW_PROTOCOL"] = "https:ssh" + (":file" if allow_file else "")
    out["GIT_TERMINAL_PROMPT"] = "0"
    out["GCM_INTERACTIVE"] = "never"
    return out


def git_guards(allow_file: bool) -> list[str]:
    flags = [
        "-c",
        "protocol.allow=never",
        "-c",
        "protocol.https.allow=always",
        "-c",
        "protocol.ssh.allow=always",
        "-c",
        f"protocol.file.allow={'always' if allow_file else 'never'}",
        "-c",
        "core.hooksPath=/dev/null",
        "-c",
        "core.fsmonitor=false",
        "-c",
        "submodule.recurse=false",
    ]
    return flags


@dataclass(frozen=True)
class CloneRequest:
    repository: str  # the job's repository key
    url: str
    ref: str | None
    repos_dir: Path
    allow_file: bool
    env: dict[str, str] = field(default_factory=dict)
    timeout: float = 900.0


@dataclass(frozen=True)
class CloneResult:
    path: Path
    cloned: bool  # False: the clone was there already


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _git(args: list[str], req: CloneRequest, cwd: Path | None = None) -> str:
    try:
        out = subprocess.run(
            ["git", *git_guards(req.allow_file), *args],
            cwd=cwd,
            env=git_env(req.env, req.allow_file),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=req.timeout,
            start_new_session=True,  # no controlling terminal: ssh cannot prompt either
        )
    except subprocess.TimeoutExpired:
        raise CloneFailed(f"git {args[0]} took longer than {req.timeout:.0f}s") from None
    except OSError as exc:
        raise CloneFailed(f"cannot run git ({exc.strerror}); install git on the worker") from None
    if out.returncode != 0:
        lines = [x for x in out.stderr.strip().splitlines() if x.strip()]
        raise CloneFailed(f"git {args[0]} failed: {lines[-1] if lines else out.returncode}")
    return out.stdout


def _check_out(req: CloneRequest, repo: Path) -> None:
    ref = vet_ref(req.ref)
    if ref is None:
        _git(["checkout", "-q", "-f", "HEAD", "--"], req, cwd=repo)
        return
    branch = subprocess.run(
        ["git", "rev-parse", "--verify", "-q", f"refs/remotes/origin/{ref}"],
        cwd=repo,
        env=git_env(req.env, req.allow_file),
        capture_output=True,
        text=True,
    )
    if branch.returncode == 0:
        _git(["checkout", "-q", "-f", "-B", ref, f"refs/remotes/origin/{ref}", "--"], req, repo)
    elif _SHA.match(ref):
        _git(["checkout", "-q", "-f", "--detach", f"{ref}^{{commit}}", "--"], req, repo)
    else:
        raise CloneFailed(f"the clone has no branch or commit {ref!r}")
    if _SHA.match(ref):
        # git prefers a branch or tag over a commit id of the same name: a job pinned to a
        # reviewed commit must not run whatever someone pushed under that name.
        head = _git(["rev-parse", "--verify", "HEAD^{commit}"], req, repo).strip()
        if not head.startswith(ref):
            raise CloneFailed(
                f"clone ref {ref!r} names a branch or tag as well as a commit id; "
                "remove or rename that branch or tag in the repository, or pin a branch name"
            )


def _links_under_project(req: CloneRequest, repo: Path) -> list[str]:
    """Tracked symbolic links at or below `.wakeful` (where the worker writes). Runs with the
    request's git environment (never the worker's own GIT_DIR), and a failure refuses."""
    out = subprocess.run(
        ["git", "ls-files", "-s", "-z", "--", ".wakeful"],
        cwd=repo,
        env=git_env(req.env, req.allow_file),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="surrogateescape",
    )
    if out.returncode != 0:
        lines = [x for x in out.stderr.strip().splitlines() if x.strip()]
        raise CloneFailed(f"git ls-files failed: {lines[-1] if lines else out.returncode}")
    links = []
    for entry in out.stdout.split("\0"):
        meta, _, path = entry.partition("\t")
        if meta.startswith("120000 "):
            links.append(path)
    if (repo / ".wakeful").is_symlink():
        links.append(".wakeful")
    return links


def ensure_clone(req: CloneRequest) -> CloneResult:
    """The clone of `req.repository` under `req.repos_dir`, made now if it is missing.
    Blocking (git): call it from a thread."""
    url = vet_clone_url(req.url, req.allow_file)
    vet_ref(req.ref)
    req.repos_dir.mkdir(parents=True, exist_ok=True)
    target = clone_path(req.repos_dir, req.repository)
    with _locked(req.repos_dir / f".{target.name}.lock"):
        if (target / ".git").is_dir():
            return CloneResult(target, False)
        if target.exists() or target.is_symlink():
            raise CloneFailed(f"{target} exists but is not a clone; remove it to clone again")
        token = uuid.uuid4().hex[:8]
        partial = req.repos_dir / f".{target.name}.partial-{token}"
        # git clone reads `host:path` or `https://host/path` as a local path when a folder of
        # that name exists where it runs, so it runs in an empty folder of its own.
        empty = req.repos_dir / f".{target.name}.cwd-{token}"
        try:
            empty.mkdir()
            _git(["clone", "-q", "--no-checkout", "--", url, str(partial)], req, cwd=empty)
            _check_out(req, partial)
            links = _links_under_project(req, partial)
            if links:
                raise CloneRefused(
                    f"the repository tracks symbolic links under .wakeful ({', '.join(links[:3])}); "
                    "workers do not run jobs in such clones"
                )
            partial.rename(target)
        finally:
            if partial.exists():
                shutil.rmtree(partial, ignore_errors=True)
            with contextlib.suppress(OSError):
                empty.rmdir()
    return CloneResult(target, True)
