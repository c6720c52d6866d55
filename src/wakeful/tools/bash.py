"""`bash`: run a shell command in the session's working directory, bounded in time and output.

Design choices:
- Output flows through a pipe we own into a temp file. The pipe gives back-pressure (a
  runaway writer such as `yes` blocks instead of filling the disk, and is killed at a byte
  cap); the file is the full record we keep when the output is too long to show. A
  background child (`server &`) that keeps the pipe open does not hold up the call: once
  the shell exits we drain briefly, then close our end.
- Each command runs in its own session (process group), so a timeout or a cancelled turn
  kills every process it started, not just the shell.
- The working directory persists across calls: an EXIT trap writes the shell's final `pwd`
  to an inherited file descriptor, which works the same inside a sandbox (descriptors cross
  mount namespaces, temp paths may not), and keeps the command's exit status.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import shlex
import shutil
import signal
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from wakeful.core import tool_names
from wakeful.core.env import scrubbed_env
from wakeful.core.errors import WakefulError
from wakeful.policy.types import RiskInput
from wakeful.tools._args import ArgError, check_args
from wakeful.tools._text import OUTPUT_CHAR_CAP
from wakeful.tools.base import ToolContext, ToolResult

DEFAULT_TIMEOUT = 120.0
MAX_TIMEOUT = 600.0
MAX_OUTPUT_BYTES = 64 * 2**20
CHUNK = 64 * 1024
DRAIN_SECONDS = 0.25


_BARE_PYTEST = re.compile(r"(?:^|[\s;&|(])(?:py\.test|pytest)(?:\s|$)")
_NO_MODULE = re.compile(r"ModuleNotFoundError: No module named '([A-Za-z_][A-Za-z0-9_]*)'")


def _bare_pytest_hint(command: str, output: str, cwd: Path) -> str | None:
    """The note for `pytest` that cannot import a module of the folder it ran in: bare
    `pytest` puts the test file's folder on the import path, `python -m pytest` the current
    one. Told only "No module named 'mathx'", the coder model edited the tests instead."""
    if not _BARE_PYTEST.search(command):
        return None
    for name in dict.fromkeys(_NO_MODULE.findall(output)):
        if (cwd / f"{name}.py").is_file() or (cwd / name / "__init__.py").is_file():
            return (
                f"{name} is in {cwd}, but bare `pytest` does not put that folder on the "
                "import path: run `python -m pytest` instead"
            )
    return None


# An in-place edit: sed's -i (alone, combined as -Ei, or --in-place) and perl's -i (-pi).
_IN_PLACE = re.compile(
    r"(?:^|[\s;&|(])(?:sed\s(?:[^;&|]*\s)?(?:-[A-Za-z]*i|--in-place)"
    r"|perl\s(?:[^;&|]*\s)?-[A-Za-z]*i)(?=[\s.=]|$)"
)
# Files an in-place edit names that are compared before and after it: at most this many, each
# at most this large (a bounded cost for a note).
IN_PLACE_MAX_FILES = 16
IN_PLACE_MAX_BYTES = 4 * 2**20


def _in_place_targets(command: str, cwd: Path) -> dict[Path, str]:
    """For a command that edits files in place (`sed -i`, `perl -pi`): the existing regular
    files it names, with a digest of each, to tell afterwards whether any changed."""
    if not _IN_PLACE.search(command):
        return {}
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        return {}
    out: dict[Path, str] = {}
    for word in words:
        if word.startswith("-") or len(out) >= IN_PLACE_MAX_FILES:
            continue
        path = cwd / word
        try:
            if path.is_file() and path.stat().st_size <= IN_PLACE_MAX_BYTES:
                out[path] = _digest(path)
        except (OSError, ValueError):
            continue
    return out


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return ""


def _unchanged_note(before: dict[Path, str], cwd: Path) -> str | None:
    """The note for an in-place edit after which every file it names is as it was: the
    coder model ran `sed -i 's/debug: true/debug: false/' config.json` on a JSON file that
    says `"debug": true`, saw exit code 0 and no output, and answered "Turned debug off"."""
    if not before or any(_digest(path) != digest for path, digest in before.items()):
        return None
    names = ", ".join(os.path.relpath(path, cwd) for path in before)
    return (
        f"{tool_names.UNCHANGED_NOTE}: {names} is exactly as before this command, so its "
        "pattern matched nothing there; read the file and copy the text to change exactly"
    )


@dataclass
class _Captured:
    head: str
    tail: str
    total_bytes: int
    truncated: bool


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pgid: int) -> bool:
    """Whether a process of group `pgid` is still running (zombies do not count).

    An exited process stays in its group until it is reaped. Under bubblewrap the sandbox's
    inner process is reparented when the command ends, and where PID 1 does not reap (many
    containers) it stays a zombie for good: every sandboxed command then reported background
    processes "still running", and a small model took that as a failure.
    """
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        entries = os.listdir("/proc")
    except OSError:
        return True  # no /proc: the group has a member, living or not
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses.
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
            return True
    return False


# How long a process of the command's group may take to finish exiting before it counts
# as left running (bubblewrap's inner process exits just after the outer one returns).
EXIT_GRACE_SECONDS = 0.25


async def _group_lingers(pgid: int) -> bool:
    """Whether a process of the group is still running after EXIT_GRACE_SECONDS."""
    deadline = time.monotonic() + EXIT_GRACE_SECONDS
    while _group_alive(pgid):
        if time.monotonic() >= deadline:
            return True
        await asyncio.sleep(0.02)
    return False


def _read_capped(path: Path, cap: int) -> _Captured:
    """The whole output if it fits in cap chars, else its head and tail cut at line breaks."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        if size <= cap:
            data = fh.read(cap + 1)
            text = data.decode("utf-8", errors="replace")
            if len(text) <= cap:
                return _Captured(text, "", size, False)
            fh.seek(0)
        half = cap // 2
        head = fh.read(half)
        fh.seek(max(size - half, half))
        tail = fh.read()
    cut = head.rfind(b"\n")
    if cut > half // 2:
        head = head[: cut + 1]
    cut = tail.find(b"\n")
    if 0 <= cut < half // 2:
        tail = tail[cut + 1 :]
    return _Captured(
        head.decode("utf-8", errors="replace"), tail.decode("utf-8", errors="replace"), size, True
    )


class BashTool:
    name = tool_names.BASH
    description = (
        "Run a bash command and return its combined stdout and stderr plus the exit code. "
        "The working directory persists between calls (a `cd` carries over). Stdin is "
        f"empty, so interactive commands will not work. Default timeout {DEFAULT_TIMEOUT:.0f} s "
        f"(max {MAX_TIMEOUT:.0f} s); on timeout every process the command started is killed. "
        f"Output beyond {OUTPUT_CHAR_CAP} characters is cut in the middle and saved to a file. "
        "To leave a process running in the background, redirect its output: "
        "`cmd > log.txt 2>&1 &`. Prefer the read, glob and grep tools for looking at files."
    )
    input_schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "The bash command to run."},
            "timeout": {
                "type": "number",
                "description": f"Seconds before the command is killed. Default "
                f"{DEFAULT_TIMEOUT:.0f}, at most {MAX_TIMEOUT:.0f}.",
            },
        },
        "required": ["command"],
    }
    read_only = False

    def __init__(
        self,
        output_cap: int = OUTPUT_CHAR_CAP,
        shell: str | None = None,
        max_output_bytes: int = MAX_OUTPUT_BYTES,
    ) -> None:
        self.output_cap = output_cap
        self.max_output_bytes = max_output_bytes
        self.shell = shell or shutil.which("bash") or "/bin/sh"

    def risk(self, args: dict[str, Any], ctx: ToolContext) -> RiskInput:
        command = args.get("command") if isinstance(args, dict) else None
        cwd = ctx.cwd or ctx.workspace
        return RiskInput(
            tool=self.name,
            kind="shell",
            command=command if isinstance(command, str) else None,
            detail=f"cwd={cwd}",
        )

    async def run(self, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
        try:
            a = check_args(self.name, args, self.input_schema)
        except ArgError as exc:
            return ToolResult.error(str(exc))
        command: str = a["command"]
        if not command.strip():
            return ToolResult.error("command is empty; pass the shell command to run.")
        timeout = float(a.get("timeout", DEFAULT_TIMEOUT))
        notes: list[str] = []
        if timeout <= 0:
            return ToolResult.error("timeout must be a positive number of seconds.")
        if timeout > MAX_TIMEOUT:
            notes.append(f"timeout lowered to the maximum of {MAX_TIMEOUT:.0f} s")
            timeout = MAX_TIMEOUT

        cwd = ctx.cwd or ctx.workspace
        if not cwd.is_dir():
            notes.append(f"working directory {cwd} no longer exists; ran in {ctx.workspace}")
            cwd = ctx.workspace
            ctx.cwd = cwd

        in_place = _in_place_targets(command, cwd)
        out_fd, out_name = tempfile.mkstemp(prefix="wakeful-bash-", suffix=".out")
        cwd_fd, cwd_name = tempfile.mkstemp(prefix="wakeful-bash-", suffix=".cwd")
        out_path, cwd_path = Path(out_name), Path(cwd_name)
        sink = os.fdopen(out_fd, "wb")
        try:
            # Trap and command share the first line so the shell's line numbers in error
            # messages match the model's command.
            script = (
                f"trap '__wk_status=$?; pwd >&{cwd_fd} 2>/dev/null; exit $__wk_status' EXIT; "
                f"{command}\n"
            )
            argv = [self.shell, "-c", script]
            sandbox = ctx.services.sandbox
            if sandbox is not None:
                try:
                    argv = list(sandbox.wrap(argv, cwd))
                except WakefulError as exc:
                    os.close(cwd_fd)
                    return ToolResult.error(f"Sandbox refused to run the command: {exc}")
            # No provider keys, tokens, passwords or agent sockets, sandboxed or not.
            # TMPDIR is this session's scratch (.wakeful/tmp/SESSION), not the shared /tmp.
            scratch = ctx.paths.scratch / (ctx.session_id or "session")
            scratch.mkdir(parents=True, exist_ok=True)
            env = scrubbed_env(
                ctx.config.env or os.environ, {"WAKEFUL": "1", "TMPDIR": str(scratch)}
            )
            # `cd NAME` goes below the current directory, as the classifier judged it: an
            # inherited CDPATH would have bash look for NAME elsewhere first.
            env.pop("CDPATH", None)
            read_fd, write_fd = os.pipe()
            # Shielded: a turn cancelled while the shell is being started must still learn
            # its pid, or the command (and whatever it started) would run on unsupervised.
            spawn = asyncio.ensure_future(
                asyncio.create_subprocess_exec(
                    *argv,
                    cwd=str(cwd),
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=write_fd,
                    stderr=write_fd,
                    pass_fds=(cwd_fd,),
                    start_new_session=True,
                    env=env,
                )
            )
            try:
                proc = await asyncio.shield(spawn)
            except asyncio.CancelledError:
                os.close(read_fd)
                with contextlib.suppress(Exception):
                    started = await spawn
                    _kill_group(started.pid)
                    await started.wait()
                raise
            except OSError as exc:
                os.close(read_fd)
                return ToolResult.error(f"Cannot start {argv[0]}: {exc.strerror}.")
            finally:
                os.close(write_fd)
                os.close(cwd_fd)
            loop = asyncio.get_running_loop()
            stream = asyncio.StreamReader(limit=CHUNK)
            try:
                transport, _ = await loop.connect_read_pipe(
                    lambda: asyncio.StreamReaderProtocol(stream), os.fdopen(read_fd, "rb", 0)
                )
            except asyncio.CancelledError:
                _kill_group(proc.pid)
                await asyncio.shield(proc.wait())
                raise
            try:
                timed_out, flooded = await self._supervise(proc, stream, sink, timeout)
            finally:
                # Closing our end makes any background writer that kept the pipe get EPIPE
                # instead of blocking forever on a full pipe.
                transport.close()
                sink.close()
            lingering = not (timed_out or flooded) and await _group_lingers(proc.pid)

            new_cwd = cwd_path.read_text(errors="replace").strip()
            if new_cwd and Path(new_cwd).is_dir() and Path(new_cwd) != cwd:
                ctx.cwd = Path(new_cwd)
                notes.append(f"cwd is now {new_cwd}")
            elif ctx.cwd is None:
                ctx.cwd = cwd

            captured = _read_capped(out_path, self.output_cap)
            text = captured.head
            saved: Path | None = None
            if captured.truncated:
                saved = self._save_full(out_path, ctx)
                where = f"full output saved to {saved}" if saved else "full output not saved"
                marker = (
                    f"\n\n... [output truncated: {captured.total_bytes} bytes in all, "
                    f"showing the start and the end; {where}] ...\n\n"
                )
                text = captured.head.rstrip("\n") + marker + captured.tail
            text = text.rstrip("\n") if text.strip() else "(no output)"

            code = proc.returncode if proc.returncode is not None else -1
            if flooded:
                status = (
                    f"[killed: output passed {self.max_output_bytes // 2**20} MB; redirect "
                    "it to a file and inspect that with grep or read]"
                )
            elif timed_out:
                status = (
                    f"[timed out after {timeout:g} s; the command and its children were killed]"
                )
            elif code < 0:
                status = f"[killed by signal {signal.Signals(-code).name}]"
            else:
                status = f"[exit code {code}]"
            hint = _bare_pytest_hint(command, text, cwd) if code != 0 else None
            if hint:
                notes.append(hint)
            unchanged = (
                _unchanged_note(in_place, cwd) if not (timed_out or flooded or code < 0) else None
            )
            if unchanged:
                notes.append(unchanged)
            if lingering:
                notes.append(
                    f"background processes from this command are still running "
                    f"(process group {proc.pid})"
                )
            tail = status + "".join(f"\n[{n}]" for n in notes)
            return ToolResult(
                f"{text}\n{tail}",
                is_error=timed_out or flooded or code != 0,
                meta={
                    "exit_code": code,
                    "timed_out": timed_out,
                    "cwd": str(ctx.cwd),
                    "truncated": captured.truncated,
                    "full_output": str(saved) if saved else None,
                },
            )
        finally:
            sink.close()
            cwd_path.unlink(missing_ok=True)
            out_path.unlink(missing_ok=True)

    async def _pump(self, stream: asyncio.StreamReader, sink: BinaryIO) -> bool:
        """Copy output to the sink; True (and stop reading) once it passes the byte cap.

        Stopping leaves the writer blocked on a full pipe rather than filling the disk.
        """
        total = 0
        while chunk := await stream.read(CHUNK):
            room = self.max_output_bytes - total
            if room > 0:
                sink.write(chunk[:room])
            total += len(chunk)
            if total > self.max_output_bytes:
                return True
        return False

    async def _supervise(
        self,
        proc: asyncio.subprocess.Process,
        stream: asyncio.StreamReader,
        sink: BinaryIO,
        timeout: float,
    ) -> tuple[bool, bool]:
        """Wait for the shell; kill its group on timeout, runaway output, or cancellation.

        Returns (timed_out, flooded).
        """
        loop = asyncio.get_running_loop()
        waiter = asyncio.ensure_future(proc.wait())
        pump = asyncio.ensure_future(self._pump(stream, sink))
        deadline = loop.time() + timeout
        timed_out = flooded = False
        try:
            while not waiter.done():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    timed_out = True
                    break
                watch = {waiter} if pump.done() else {waiter, pump}
                done, _ = await asyncio.wait(
                    watch, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
                if pump in done and pump.result():
                    flooded = True
                    break
            if timed_out or flooded:
                _kill_group(proc.pid)
                await waiter
            if not pump.done():
                # Whatever is still in the pipe arrives at once; a background child that
                # holds the pipe open must not hold up the call.
                await asyncio.wait({pump}, timeout=DRAIN_SECONDS)
        except asyncio.CancelledError:
            _kill_group(proc.pid)
            pump.cancel()
            await asyncio.shield(waiter)
            raise
        if not pump.done():
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
        return timed_out, flooded

    def _save_full(self, out_path: Path, ctx: ToolContext) -> Path | None:
        """Move the full output under `.wakeful/tool-results/` so the model can read it later."""
        dest_dir = ctx.paths.tool_results
        dest = dest_dir / f"bash-{uuid.uuid4().hex[:12]}.txt"
        try:
            ctx.paths.ensure()
            dest_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out_path, dest)
        except OSError:
            return None
        return dest
