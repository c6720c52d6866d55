"""Start a headless agent as a child process of the real CLI and read what it reported.

A child process keeps the tick loop free (it never waits on a model) and makes crash recovery
simple: the run row records the child's PID and start time, and its stdout goes to a file, so
a restarted daemon can still collect the result of a run that outlived its parent.

The child prints `--output-format stream-json`: the same final result object as `json` (its
last line), preceded by events, among them the permission decisions, so the daemon can tell
the user which actions a headless run had to deny.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path
from typing import Any

from wakeful.core.locks import pid_alive
from wakeful.daemon.settings import DaemonSettings
from wakeful.daemon.store import RunOutcome


def agent_argv(
    settings: DaemonSettings,
    prompt: str,
    model: str | None,
    permission_mode: str | None,
    label: str | None = None,
    isolation: str | None = None,
    job: str | None = None,
) -> list[str]:
    argv = [*settings.cli_argv, "-p", prompt, "--output-format", "stream-json"]
    if label:
        argv += ["--run-label", label]
    if isolation == "worktree":
        argv += ["--worktree"] + (["--job-name", job] if job else [])
    chosen = model or settings.default_model
    if chosen:
        argv += ["--model", chosen]
    argv += ["--permission-mode", permission_mode or settings.default_permission_mode]
    return argv


def dream_argv(settings: DaemonSettings) -> list[str]:
    return [*settings.cli_argv, "dream", "--json"]


def process_start_time(pid: int) -> int | None:
    """Clock ticks since boot when `pid` started: with the PID it names one process for good,
    so a recycled PID is never mistaken for our child."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses; fields follow the last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def process_alive(pid: int | None, start: int | None = None) -> bool:
    if not pid or not pid_alive(pid):
        return False
    state = _proc_state(pid)
    if state in ("Z", "X"):
        return False
    return start is None or process_start_time(pid) in (start, None)


def _proc_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = stat[stat.rfind(")") + 2 :].split()
    return rest[0] if rest else None


def kill_group(pid: int, sig: int = signal.SIGTERM) -> None:
    """Children run in their own session; signal the whole group (tools it started too)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


async def spawn(
    argv: list[str], cwd: Path, out_path: Path, err_path: Path, env: dict[str, str] | None = None
) -> asyncio.subprocess.Process:
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("wb") as out, err_path.open("wb") as err:
        return await asyncio.create_subprocess_exec(
            *argv,
            cwd=str(cwd),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
            env=env,
        )


async def wait_pid(pid: int, start: int | None, poll: float) -> None:
    """Wait for a process that is not our child (adopted after a restart)."""
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        loop.add_reader(fd, lambda: None if done.done() else done.set_result(None))
        try:
            while process_alive(pid, start):
                try:
                    await asyncio.wait_for(asyncio.shield(done), 5.0)
                except TimeoutError:
                    continue
                break
        finally:
            loop.remove_reader(fd)
            os.close(fd)
        return
    while process_alive(pid, start):
        await asyncio.sleep(poll)


def read_text(path: Path | None, limit: int = 1_000_000) -> str:
    if path is None:
        return ""
    try:
        with path.open("rb") as fh:
            return fh.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def parse_output(stdout: str, stderr: str, exit_code: int | None) -> RunOutcome:
    """The headless CLI prints one JSON object: {result, is_error, num_turns, session_id,
    usage: {input, output, cache_read, cache_write}, cost}; anything else is a failed run."""
    data = result_object(stdout)
    if data is None:
        tail = stderr.strip().splitlines()[-5:]
        reason = " | ".join(tail) if tail else "no output"
        code = "unknown" if exit_code is None else str(exit_code)
        return RunOutcome(
            state="error",
            error=f"agent exited with code {code} without a JSON result: {reason}",
        )
    usage: dict[str, Any] = data["usage"] if isinstance(data.get("usage"), dict) else {}
    is_error = bool(data.get("is_error")) or (exit_code not in (0, None))
    result = data.get("result")
    listed = data.get("permission_denials")
    if isinstance(listed, list):
        denials = tuple(_denial_text(d) for d in listed)
    else:  # an older result without the list: read the policy's events instead
        denials = tuple(_denials_from_events(stdout))
    return RunOutcome(
        state="error" if is_error else ("blocked" if denials else "ok"),
        result=str(result) if result is not None else None,
        error=(str(result) if is_error and result else None)
        or (f"agent exited with code {exit_code}" if is_error else None),
        session_id=str(data["session_id"]) if data.get("session_id") else None,
        num_turns=_int(data.get("num_turns")),
        input_tokens=_int(usage.get("input")) or 0,
        output_tokens=_int(usage.get("output")) or 0,
        cache_read=_int(usage.get("cache_read")) or 0,
        cache_write=_int(usage.get("cache_write")) or 0,
        cost=float(data.get("cost") or 0.0),
        denials=denials,
        checkpoint=str(data.get("checkpoint") or "") if "checkpoint" in data else None,
        worktree=data["worktree"] if isinstance(data.get("worktree"), dict) else None,
    )


def result_object(text: str) -> dict[str, Any] | None:
    """The run's result: the last `{"type": "result"}` line of stream-json, or a lone JSON
    object (plain `json` output)."""
    text = text.strip()
    if not text:
        return None
    fallback: dict[str, Any] | None = None
    for data in reversed(list(_json_lines(text))):
        if data.get("type") == "result":
            return data
        if fallback is None and "result" in data and "usage" in data:
            fallback = data
    if fallback is not None:
        return fallback
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def _json_lines(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(data, dict):
            out.append(data)
    return out


def _denials_from_events(text: str) -> list[str]:
    """Headless runs cannot ask: the policy turns an "ask" into a "deny" whose first reason
    says it needed approval (an "ask" event, should one appear, was denied all the same)."""
    found = []
    for event in _json_lines(text):
        if event.get("type") != "permission":
            continue
        reasons_list = [str(r) for r in event.get("reasons") or []]
        needed_approval = event.get("decision") == "ask" or (
            event.get("decision") == "deny"
            and any(r.startswith("needs approval") for r in reasons_list)
        )
        if needed_approval:
            reasons = "; ".join(reasons_list)
            found.append(f"{event.get('tool', 'tool')} ({event.get('tier', '?')}): {reasons}")
    return found


def _denial_text(item: Any) -> str:
    if isinstance(item, dict):
        tool = item.get("tool") or item.get("tool_name") or "tool"
        what = item.get("input") or item.get("command") or item.get("detail") or ""
        text = f"{tool}({what})" if what else str(tool)
        rules = [str(r) for r in item.get("suggested_rules") or []]
        if rules:
            text += f"; allow with {', '.join(rules)}"
        elif item.get("reason"):
            text += f": {item['reason']}"
        return text
    return str(item)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_dream(stdout: str, stderr: str, exit_code: int | None) -> tuple[RunOutcome, bool]:
    """`wakeful dream --json` prints its report: {skipped, reason, counts, model: {calls,
    tokens}}. Returns the outcome and whether the dream actually ran (gates open)."""
    try:
        data = json.loads(stdout.strip() or "null")
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        return parse_output(stdout, stderr, exit_code), False
    model: dict[str, Any] = data["model"] if isinstance(data.get("model"), dict) else {}
    tokens: dict[str, Any] = model["tokens"] if isinstance(model.get("tokens"), dict) else {}
    if data.get("skipped"):
        summary = f"skipped: {data.get('reason') or 'gates closed'}"
    else:
        counts: dict[str, Any] = data["counts"] if isinstance(data.get("counts"), dict) else {}
        done = ", ".join(f"{k} {v}" for k, v in counts.items() if v) or "nothing to change"
        summary = f"consolidated memory: {done}; {model.get('calls', 0)} model call(s)"
    failed = exit_code not in (0, None)
    return (
        RunOutcome(
            state="error" if failed else "ok",
            result=summary,
            error=f"dream exited with code {exit_code}: {stderr.strip()[-300:]}"
            if failed
            else None,
            input_tokens=_int(tokens.get("input")) or 0,
            output_tokens=_int(tokens.get("output")) or 0,
            cache_read=_int(tokens.get("cache_read")) or 0,
            cache_write=_int(tokens.get("cache_write")) or 0,
            cost=float(data.get("cost") or 0.0),
        ),
        not data.get("skipped"),
    )
