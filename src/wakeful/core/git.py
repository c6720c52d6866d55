"""wakeful's own git: every `git` that wakeful runs (memory verification, anchors, dreaming,
checkpoints, workspace discovery) goes through here.

A repository's configuration can name programs that git runs on its own: `core.fsmonitor`
(run by `git status`), hooks, pagers, external diff drivers, textconv and clean/smudge
filters. The agent can write files in the workspace (and a cloned repository arrives with
its `.gitattributes`), so a program named there would run outside the sandbox with the
user's rights the next time wakeful looks at the repository. Here every such program is
turned off on the command line, which outranks every config file, and the system config
is not read at all.

    run_git(["status", "--porcelain=v1", "-z"], cwd=root)          # CompletedProcess[bytes]
    await run_git_async(["rev-parse", "HEAD"], cwd=root, text=True)
    safe_git_argv(["log", "-1"])                                   # the argv alone
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from wakeful.core.env import scrubbed_env

GIT = "git"

# Config that can start a program, switched off for every invocation.
SAFE_CONFIG: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),
    ("core.hooksPath", "/dev/null"),
    ("core.pager", "cat"),
    ("diff.external", ""),
    ("log.showSignature", "false"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
    ("status.submoduleSummary", "false"),
    ("diff.ignoreSubmodules", "all"),
    ("core.sshCommand", "false"),
    ("protocol.ext.allow", "never"),
)

# Per-subcommand options that keep diff drivers and submodules (whose own config we have
# not vetted) out of it.
_SUBCOMMAND_FLAGS: dict[str, tuple[str, ...]] = {
    "diff": ("--no-ext-diff", "--no-textconv", "--ignore-submodules=all"),
    "log": ("--no-ext-diff", "--no-textconv"),
    "show": ("--no-ext-diff", "--no-textconv"),
    "status": ("--ignore-submodules=all",),
    "blame": ("--no-textconv",),
}

# Filter drivers have names the repository chooses, so they are found by listing the config.
_FILTER_KEY = re.compile(r"^filter\.(.+)\.(clean|smudge|process)$", re.IGNORECASE | re.DOTALL)

# Inherited GIT_* variables that pick programs or redirect git; the caller passes its own
# GIT_DIR / GIT_WORK_TREE / GIT_INDEX_FILE in `extra_env` when it needs them.
_KEEP_GIT_VARS = frozenset(
    {
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
    }
)


@dataclass(frozen=True)
class GitResult:
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def text(self) -> str:
        return self.stdout.decode("utf-8", "replace")


def _config_flags(extra: Sequence[tuple[str, str]] = ()) -> list[str]:
    flags = ["--no-pager"]
    for key, value in (*SAFE_CONFIG, *extra):
        flags += ["-c", f"{key}={value}"]
    return flags


def safe_git_argv(
    args: Sequence[str], *, overrides: Sequence[tuple[str, str]] = (), git: str = GIT
) -> list[str]:
    """`git <safe options> <args>`: repository-configured programs disabled.

    `overrides` are more `-c key=value` pairs (see `filter_overrides`). Subcommand options
    that disable external diff and textconv are inserted right after the subcommand.
    """
    args = list(args)
    if args[:1] == ["config"]:
        # `git config` runs no programs, and reads must see the repository's own values
        # (our -c settings would shadow them).
        return [git, "--no-pager", *args]
    argv = [git, *_config_flags(overrides)]
    if args:
        sub = args[0]
        argv += [sub, *_SUBCOMMAND_FLAGS.get(sub, ()), *args[1:]]
    return argv


def git_env(
    env: Mapping[str, str] | None = None, extra_env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment for wakeful's git: scrubbed of secrets, no inherited GIT_* program
    or location variables, no system config, no prompts, no optional index locks."""
    base = scrubbed_env(os.environ if env is None else env)
    out = {
        k: v
        for k, v in base.items()
        if not (k.startswith("GIT_") and k not in _KEEP_GIT_VARS)
        and k not in ("PAGER", "EDITOR", "VISUAL")
    }
    out.update(
        {
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_OPTIONAL_LOCKS": "0",
            "GIT_PAGER": "cat",
        }
    )
    if extra_env:
        out.update(extra_env)
    return out


def _parse_filter_keys(listing: bytes) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    drivers: set[str] = set()
    for raw in listing.split(b"\0"):
        name = raw.decode("utf-8", "replace").split("\n", 1)[0].strip()
        m = _FILTER_KEY.match(name)
        if m:
            found.append((name, ""))
            drivers.add(m.group(1))
    found += [(f"filter.{d}.required", "false") for d in sorted(drivers)]
    return found


def filter_overrides(
    cwd: Path | str,
    *,
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    timeout: float = 5.0,
) -> list[tuple[str, str]]:
    """`-c` pairs that empty every clean/smudge/process filter the config defines."""
    try:
        out = subprocess.run(
            safe_git_argv(["config", "--list", "-z", "--name-only"]),
            cwd=str(cwd),
            capture_output=True,
            env=git_env(env, extra_env),
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return _parse_filter_keys(out.stdout) if out.returncode == 0 else []


def _reads_worktree(args: Sequence[str]) -> bool:
    """Whether the subcommand may run content filters (it reads or writes work tree files)."""
    sub = args[0] if args else ""
    return sub not in {
        "rev-parse",
        "config",
        "cat-file",
        "ls-tree",
        "log",
        "show",
        "rev-list",
        "for-each-ref",
        "show-ref",
        "symbolic-ref",
        "init",
        "hash-object",
        "version",
        "merge-base",
        "name-rev",
    }


def run_git(
    args: Sequence[str],
    cwd: Path | str,
    *,
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    timeout: float = 10.0,
) -> GitResult:
    """Run wakeful's own git with repository programs disabled. Never raises for a failing
    or missing git: returncode 127 (git missing) or 124 (timeout), stderr says why."""
    overrides = filter_overrides(cwd, env=env, extra_env=extra_env) if _reads_worktree(args) else []
    try:
        out = subprocess.run(
            safe_git_argv(args, overrides=overrides),
            cwd=str(cwd),
            capture_output=True,
            env=git_env(env, extra_env),
            input=input,
            stdin=None if input is not None else subprocess.DEVNULL,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return GitResult(124, b"", f"git {' '.join(args[:1])} timed out".encode())
    except OSError as exc:
        return GitResult(127, b"", f"cannot run git: {exc}".encode())
    return GitResult(out.returncode, out.stdout, out.stderr)


async def run_git_async(
    args: Sequence[str],
    cwd: Path | str,
    *,
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    timeout: float = 10.0,
) -> GitResult:
    """`run_git` without blocking the event loop."""
    return await asyncio.to_thread(
        run_git, args, cwd, env=env, extra_env=extra_env, input=input, timeout=timeout
    )
