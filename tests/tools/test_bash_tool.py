from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import cast

import pytest

from wakeful.core import tool_names
from wakeful.core.errors import PolicyError
from wakeful.policy.sandbox import Sandbox
from wakeful.tools.base import ToolContext
from wakeful.tools.bash import BashTool


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# Commands in these tests sleep for far longer than any deadline here, so a generous deadline
# (which a loaded machine needs) still tells "killed" from "ended by itself".
LONG = 300
SLOW_MACHINE = 60.0


def wait_gone(pids: list[int], within: float = SLOW_MACHINE) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


def read_pids(path: Path) -> list[int]:
    return [int(x) for x in path.read_text().split()]


async def test_runs_command_and_reports_exit_code(ctx: ToolContext) -> None:
    r = await BashTool().run({"command": "echo out; echo err >&2"}, ctx)
    assert not r.is_error
    assert r.content == "out\nerr\n[exit code 0]"
    assert r.meta["exit_code"] == 0


async def test_nonzero_exit_is_an_error(ctx: ToolContext) -> None:
    r = await BashTool().run({"command": "echo failing; exit 3"}, ctx)
    assert r.is_error and r.content == "failing\n[exit code 3]"
    r = await BashTool().run({"command": "false"}, ctx)
    assert r.is_error and r.content == "(no output)\n[exit code 1]"


async def test_error_line_numbers_match_the_command(ctx: ToolContext) -> None:
    r = await BashTool().run({"command": "echo ok\nif then"}, ctx)
    assert r.is_error and "line 2: syntax error" in r.content
    r = await BashTool().run({"command": "# comment first\necho still runs"}, ctx)
    assert r.content == "still runs\n[exit code 0]"


async def test_killed_by_signal_is_reported(ctx: ToolContext) -> None:
    r = await BashTool().run({"command": "kill -9 $$"}, ctx)
    assert r.is_error and "[killed by signal SIGKILL]" in r.content


async def test_working_directory_persists(ctx: ToolContext, ws: Path) -> None:
    (ws / "sub" / "deeper").mkdir(parents=True)
    tool = BashTool()
    r = await tool.run({"command": "cd sub"}, ctx)
    assert ctx.cwd == ws / "sub" and f"cwd is now {ws / 'sub'}" in r.content
    r = await tool.run({"command": "pwd"}, ctx)
    assert r.content.splitlines()[0] == str(ws / "sub")
    # A failing command still moves the directory and keeps its own status.
    r = await tool.run({"command": "cd deeper && false"}, ctx)
    assert r.meta["exit_code"] == 1 and ctx.cwd == ws / "sub" / "deeper"
    r = await tool.run({"command": "cd .. ; exit 7"}, ctx)
    assert r.meta["exit_code"] == 7 and ctx.cwd == ws / "sub"
    # A subshell's cd does not leak.
    await tool.run({"command": "(cd /)"}, ctx)
    assert ctx.cwd == ws / "sub"


async def test_vanished_working_directory_falls_back(ctx: ToolContext, ws: Path) -> None:
    gone = ws / "gone"
    gone.mkdir()
    ctx.cwd = gone
    gone.rmdir()
    r = await BashTool().run({"command": "pwd"}, ctx)
    assert r.content.splitlines()[0] == str(ws)
    assert "no longer exists" in r.content and ctx.cwd == ws


async def test_environment_and_stdin(ctx: ToolContext) -> None:
    r = await BashTool().run(
        {"command": "echo $WAKEFUL; cat; echo done"},
        ctx,
    )
    assert r.content == "1\ndone\n[exit code 0]"


async def test_timeout_kills_the_whole_process_group(ctx: ToolContext, ws: Path) -> None:
    pidfile = ws / "pids"
    start = time.monotonic()
    r = await BashTool().run(
        {
            "command": f"sleep {LONG} & echo $! > {pidfile}; sleep {LONG} & echo $! >> {pidfile}; "
            "echo started; wait",
            "timeout": 0.5,
        },
        ctx,
    )
    elapsed = time.monotonic() - start
    assert r.is_error and r.meta["timed_out"]
    assert "started" in r.content and "timed out after 0.5 s" in r.content
    assert elapsed < SLOW_MACHINE
    pids = read_pids(pidfile)
    assert len(pids) == 2
    assert wait_gone(pids), "background children survived the timeout"


async def test_cancellation_kills_the_group_and_propagates(ctx: ToolContext, ws: Path) -> None:
    pidfile = ws / "pids"
    task = asyncio.create_task(
        BashTool().run({"command": f"sleep {LONG} & echo $! > {pidfile}; sleep {LONG}"}, ctx)
    )
    deadline = time.monotonic() + SLOW_MACHINE
    while not (pidfile.exists() and pidfile.read_text().strip()):
        assert time.monotonic() < deadline, "command never started"
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert wait_gone(read_pids(pidfile))


async def test_cancellation_at_any_point_of_the_start_leaves_nothing_running(
    ctx: ToolContext, ws: Path
) -> None:
    # A loaded machine can cancel the turn at any step of starting the shell (while it is
    # being spawned, while its output pipe is being connected). Cancelling after each of the
    # first event-loop steps in turn covers every such point, deterministically.
    for step in range(12):
        pidfile = ws / f"pids-{step}"
        task = asyncio.create_task(
            BashTool().run(
                {"command": f"sleep {LONG} & echo $! > {pidfile}; echo $$ >> {pidfile}; wait"}, ctx
            )
        )
        for _ in range(step):
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # Whatever the command had started by now must be gone; if it never ran, it never
        # will: its process group was killed before the shell read its first line.
        time.sleep(0.05)
        started = read_pids(pidfile) if pidfile.exists() else []
        assert wait_gone(started), f"cancelled at step {step}: {started} still running"


async def test_background_process_does_not_hang_the_call(ctx: ToolContext, ws: Path) -> None:
    pidfile = ws / "pids"
    start = time.monotonic()
    r = await BashTool().run({"command": f"sleep {LONG} & echo $! > {pidfile}; echo hi"}, ctx)
    try:
        assert time.monotonic() - start < SLOW_MACHINE
        assert r.content.startswith("hi\n[exit code 0]")
        assert "still running" in r.content
    finally:
        for pid in read_pids(pidfile):
            os.kill(pid, 9)


async def test_long_output_is_cut_in_the_middle_and_saved(ctx: ToolContext) -> None:
    r = await BashTool(output_cap=1000).run({"command": "seq 1 5000"}, ctx)
    assert not r.is_error and r.meta["truncated"]
    head, rest = r.content.split("\n\n... [output truncated: ", 1)
    assert head.startswith("1\n2\n3\n")
    assert rest.rstrip().endswith("4999\n5000\n[exit code 0]")
    assert len(r.content) < 1400
    saved = Path(r.meta["full_output"])
    assert saved.parent == ctx.paths.tool_results
    assert f"full output saved to {saved}" in r.content
    assert saved.read_text() == "".join(f"{i}\n" for i in range(1, 5001))


async def test_runaway_output_is_killed(ctx: ToolContext) -> None:
    start = time.monotonic()
    r = await BashTool(max_output_bytes=2**20).run({"command": "yes", "timeout": LONG}, ctx)
    assert time.monotonic() - start < SLOW_MACHINE
    assert r.is_error and "[killed: output passed 1 MB" in r.content
    assert r.content.startswith("y\ny\n") and r.meta["truncated"]
    # Back-pressure, not a temp file that grew unchecked: the record stops at the cap.
    assert Path(r.meta["full_output"]).stat().st_size == 2**20


async def test_short_output_is_not_saved(ctx: ToolContext) -> None:
    r = await BashTool(output_cap=1000).run({"command": "seq 1 10"}, ctx)
    assert not r.meta["truncated"] and r.meta["full_output"] is None
    assert not ctx.paths.tool_results.exists()


class PrefixSandbox:
    """Stands in for a real sandbox: wraps argv the same way, observably."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], Path]] = []

    def wrap(self, argv: list[str], cwd: Path) -> list[str]:
        self.calls.append((argv, cwd))
        return ["env", "INSIDE_SANDBOX=yes", *argv]


async def test_runs_through_the_sandbox_wrapper(ctx: ToolContext, ws: Path) -> None:
    sandbox = PrefixSandbox()
    ctx.services.sandbox = cast(Sandbox, sandbox)
    (ws / "sub").mkdir()
    r = await BashTool().run({"command": "echo $INSIDE_SANDBOX; cd sub"}, ctx)
    assert r.content.startswith("yes\n[exit code 0]")
    assert sandbox.calls[0][1] == ws
    assert ctx.cwd == ws / "sub"


class RefusingSandbox:
    def wrap(self, argv: list[str], cwd: Path) -> list[str]:
        raise PolicyError("bubblewrap is not installed; install it or disable the sandbox")


async def test_sandbox_refusal_is_an_error_result(ctx: ToolContext, ws: Path) -> None:
    ctx.services.sandbox = cast(Sandbox, RefusingSandbox())
    r = await BashTool().run({"command": "touch should-not-exist"}, ctx)
    assert r.is_error and "bubblewrap is not installed" in r.content
    assert not (ws / "should-not-exist").exists()


async def test_argument_problems(ctx: ToolContext) -> None:
    tool = BashTool()
    r = await tool.run({}, ctx)
    assert r.is_error and "`command`" in r.content
    r = await tool.run({"command": "   "}, ctx)
    assert r.is_error and "empty" in r.content
    r = await tool.run({"command": "true", "timeout": -1}, ctx)
    assert r.is_error and "positive" in r.content
    r = await tool.run({"command": "true", "timeout": 10_000}, ctx)
    assert not r.is_error and "lowered to the maximum of 600 s" in r.content


def test_risk_is_shell_with_the_command(ctx: ToolContext) -> None:
    risk = BashTool().risk({"command": "rm -rf build"}, ctx)
    assert risk.kind == "shell" and risk.command == "rm -rf build" and not risk.read_only


async def test_temporary_files_go_to_the_sessions_scratch(ctx: ToolContext, ws: Path) -> None:
    """TMPDIR is .wakeful/tmp/SESSION, so `mktemp` and friends stay out of the shared /tmp."""
    r = await BashTool().run({"command": 'mktemp; echo "$TMPDIR"'}, ctx)
    made, tmpdir = r.content.strip().splitlines()[:2]
    assert tmpdir == str(ws / ".wakeful/tmp/test")
    assert made.startswith(tmpdir + "/") and Path(made).is_file()


def test_a_group_of_zombies_is_not_running() -> None:
    import subprocess

    from wakeful.tools.bash import _group_alive

    proc = subprocess.Popen(["true"], start_new_session=True)
    try:
        deadline = time.monotonic() + SLOW_MACHINE
        while alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert Path(f"/proc/{proc.pid}").exists(), "the exited child is a zombie until reaped"
        assert not _group_alive(proc.pid)
    finally:
        proc.wait()
    live = subprocess.Popen(["sleep", str(LONG)], start_new_session=True)
    try:
        assert _group_alive(live.pid)
    finally:
        live.kill()
        live.wait()


class BwrapSandbox:
    """bubblewrap with its own PID namespace, as the real sandbox runs commands."""

    def wrap(self, argv: list[str], cwd: Path) -> list[str]:
        return ["bwrap", "--bind", "/", "/", "--dev", "/dev", "--unshare-pid", *argv]


async def test_a_sandboxed_command_leaves_nothing_running(ctx: ToolContext) -> None:
    # Where PID 1 does not reap, bubblewrap's inner process stays a zombie in the command's
    # group; every sandboxed command used to report background processes still running.
    ctx.services.sandbox = cast(Sandbox, BwrapSandbox())
    r = await BashTool().run({"command": "echo 3"}, ctx)
    assert r.content == "3\n[exit code 0]", r.content


async def test_bare_pytest_that_cannot_import_the_folders_module_says_to_use_python_m(
    ctx: ToolContext, ws: Path
) -> None:
    # Bare `pytest` puts tests/ on the import path, not the folder it runs in: the coder model
    # was told "No module named 'mathx'" and edited the tests instead of the bug.
    import sys

    (ws / "mathx.py").write_text("def one():\n    return 1\n")
    (ws / "tests").mkdir()
    (ws / "tests/test_m.py").write_text(
        "from mathx import one\n\n\ndef test_one():\n    assert one() == 1\n"
    )
    bin_dir = Path(sys.executable).parent
    bare = await BashTool().run(
        {"command": f"PATH={bin_dir}:$PATH pytest -q -p no:cacheprovider"}, ctx
    )
    assert bare.is_error and "No module named 'mathx'" in bare.content
    assert "run `python -m pytest` instead" in bare.content
    ran = await BashTool().run(
        {"command": f"{sys.executable} -m pytest -q -p no:cacheprovider"}, ctx
    )
    assert not ran.is_error and "1 passed" in ran.content
    assert "python -m pytest` instead" not in ran.content


async def test_an_in_place_edit_that_changes_nothing_says_so(ctx: ToolContext, ws: Path) -> None:
    # `sed -i` whose pattern matches nothing exits 0 with no output: the coder model took
    # that for its change made (`debug: true` for the JSON's `"debug": true`) and stopped.
    (ws / "config.json").write_text('{\n  "debug": true\n}\n')
    missed = await BashTool().run(
        {"command": "sed -i 's/debug: true/debug: false/' config.json"}, ctx
    )
    assert not missed.is_error
    assert tool_names.UNCHANGED_NOTE in missed.content, missed.content
    assert "config.json" in missed.content.split(tool_names.UNCHANGED_NOTE, 1)[1]
    assert (ws / "config.json").read_text() == '{\n  "debug": true\n}\n'
    made = await BashTool().run(
        {"command": 'sed -i -e \'s/"debug": true/"debug": false/\' config.json'}, ctx
    )
    assert tool_names.UNCHANGED_NOTE not in made.content, made.content
    assert '"debug": false' in (ws / "config.json").read_text()
    # Combined flags and perl's in-place switch are in-place edits too.
    for command in (
        "sed -Ei 's/nothing here//' config.json",
        "perl -pi -e 's/nothing here//' config.json",
        "sed --in-place 's/nothing here//' ./config.json",
    ):
        result = await BashTool().run({"command": command}, ctx)
        assert tool_names.UNCHANGED_NOTE in result.content, (command, result.content)


async def test_commands_that_do_not_edit_in_place_get_no_unchanged_note(
    ctx: ToolContext, ws: Path
) -> None:
    (ws / "notes.txt").write_text("a\nb\n")
    for command in (
        "cat notes.txt",
        "sed -n 1p notes.txt",
        "grep -c a notes.txt",
        "sed -i 's/a/b/' missing.txt",
    ):
        result = await BashTool().run({"command": command}, ctx)
        assert tool_names.UNCHANGED_NOTE not in result.content, (command, result.content)


async def test_an_inherited_cdpath_does_not_move_cd(
    ctx: ToolContext, ws: Path, tmp_path: Path
) -> None:
    """The classifier judges `cd NAME` as NAME below the current directory: a CDPATH in the
    user's environment (which bash searches first) must not send it elsewhere."""
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "x").mkdir(parents=True)
    (ws / "x").mkdir()
    ctx.config.env = {"PATH": os.environ["PATH"], "CDPATH": str(elsewhere)}
    r = await BashTool().run({"command": "cd x && pwd"}, ctx)
    assert r.content.strip().splitlines()[0] == str(ws / "x"), r.content
