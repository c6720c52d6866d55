"""The deterministic half of a wake: is the job due, does its `--when` check pass, did its
watched files change? None of this calls a model, which is why an idle daemon costs nothing.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from wakeful.core.env import scrubbed_env
from wakeful.daemon.errors import CheckRefused
from wakeful.daemon.store import Job

DueAction = Literal["wait", "run", "skip_missed", "run_missed"]


def due_action(job: Job, now: float, grace: float) -> DueAction:
    """What the tick loop does about a job's clock right now (file and manual triggers aside).

    A due time more than `grace` in the past was missed (the daemon was down or the machine
    slept); the job's `missed` policy says whether that one run is skipped or run once.
    """
    if job.paused or job.done or job.next_due is None or job.next_due > now:
        return "wait"
    if now - job.next_due <= grace:
        return "run"
    return "run_missed" if job.missed == "once" else "skip_missed"


def ensure_read_only(command: str, workspace: Path, home: Path | None = None) -> None:
    """Refuse a check the risk classifier does not rate read-only; it runs unattended."""
    try:
        from wakeful.policy.shell import classify_command
    except ImportError:
        raise CheckRefused(
            "cannot vet --when checks: the shell risk classifier (wakeful.policy.shell) is "
            "not installed; upgrade wakeful"
        ) from None
    try:
        verdict = classify_command(command, workspace, home)
    except Exception as exc:  # fail closed: an unvetted check never runs unattended
        raise CheckRefused(
            f"cannot vet --when check {command!r}: the risk classifier failed ({exc}); "
            "simplify the check or report the failure"
        ) from None
    if verdict.tier != "read_only":
        reasons = "; ".join(verdict.reasons) or "not provably read-only"
        raise CheckRefused(
            f"--when check {command!r} is rated {verdict.tier!r}, not read_only ({reasons}). "
            "A check must only look, never change: use a read-only test such as "
            "`test -f FILE` or `grep -q PATTERN FILE`."
        )


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    exit_code: int | None
    seconds: float
    timed_out: bool = False
    refused: str | None = None
    stderr: str = ""

    def describe(self) -> str:
        if self.refused:
            return f"refused: {self.refused}"
        if self.timed_out:
            return f"timed out after {self.seconds:.1f}s"
        return f"exit {self.exit_code} in {self.seconds:.2f}s"


async def run_check(
    command: str, workspace: Path, timeout: float, home: Path | None = None
) -> CheckResult:
    """Run a `--when` check in its own process group; a timeout kills the whole group."""
    started = time.monotonic()
    try:
        ensure_read_only(command, workspace, home)
    except CheckRefused as exc:
        return CheckResult(False, None, 0.0, refused=str(exc))
    proc = await asyncio.create_subprocess_shell(
        command,
        cwd=str(workspace),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
        env=scrubbed_env(os.environ),
    )
    try:
        _, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        _kill_group(proc.pid)
        await proc.wait()
        return CheckResult(False, None, time.monotonic() - started, timed_out=True)
    except asyncio.CancelledError:
        _kill_group(proc.pid)
        raise
    code = proc.returncode
    return CheckResult(
        code == 0,
        code,
        time.monotonic() - started,
        stderr=(err or b"").decode("utf-8", "replace")[-500:],
    )


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """gitignore-like: `**` spans directories, `*` and `?` stay within one; a pattern with no
    slash matches a file name at any depth."""
    pat = pattern.strip()
    while pat.startswith("./"):
        pat = pat[2:]
    anchored = "/" in pat.rstrip("/")
    pat = pat.lstrip("/")
    out = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pat.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = pat[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    body = "".join(out)
    if pat.endswith("/"):
        body += ".*"
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"^{prefix}{body}(?:/.*)?$")


def glob_matches(pattern: str, relpath: str) -> bool:
    """Does a workspace-relative POSIX path match a `--watch` glob? (A directory pattern
    matches everything below it.)"""
    return bool(_glob_regex(pattern).match(relpath))


def watch_patterns(spec: str | None) -> list[str]:
    """`--watch` may hold several globs separated by commas."""
    if not spec:
        return []
    return [p.strip() for p in spec.split(",") if p.strip()]
