"""The real daemon process, started through the real CLI with a 0.2 s tick, waking the real
headless CLI with the scripted provider. Model calls are counted through WAKEFUL_REQUEST_LOG."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import Workspace

# A long agent run waits for the test to release it instead of sleeping for a fixed time: on a
# loaded machine a `sleep 3` can end before the test has done what had to happen meanwhile.
RELEASE = "release-the-agent"


def held_run(path: Path) -> Path:
    """A scripted run whose bash call waits until the workspace holds RELEASE (bounded by the
    tool's timeout, so a test that never releases it fails instead of hanging)."""
    command = f"until [ -f {RELEASE} ]; do sleep 0.05; done"
    path.write_text(
        json.dumps(
            {
                "turns": [
                    {
                        "tool_calls": [
                            {"name": "bash", "input": {"command": command, "timeout": 300}}
                        ]
                    },
                    {"text": "slept"},
                ]
            }
        )
    )
    return path


def release(ws: Workspace) -> None:
    (ws.root / RELEASE).write_text("go")


def test_when_check_turning_true_wakes_the_agent_once(ws: Workspace) -> None:
    ws.add("flagged", "--every", "1s", "--when", "test -f flag", "--prompt", "say done")
    ws.start()
    # Several due times pass with the check false: no run, no model call.
    ws.wait_for(lambda: ws.status()["last_tick"], what="a tick")
    ws.settle(1.5)
    assert ws.runs() == [] and ws.requests() == []

    (ws.root / "flag").write_text("x")
    ws.wait_for(lambda: ws.runs("flagged"), what="the run to start")
    (ws.root / "flag").unlink()  # the condition turns false again before the next due time
    run = ws.wait_for(
        lambda: next((r for r in ws.runs("flagged") if r.state != "running"), None),
        what="the run to finish",
    )
    assert run.state == "ok", run.error
    assert run.result == "done" and "--when `test -f flag` passed" in run.trigger
    ws.settle(2.2)  # two more due times with the flag gone
    assert len(ws.runs("flagged")) == 1
    assert len(ws.requests()) == 1

    journal = ws.journal()
    assert "wake: job `flagged`" in journal and "ok: job `flagged`" in journal
    assert "test -f flag" in journal and "> done" in journal and "cost: $0.0000" in journal


def test_idle_daemon_makes_no_model_calls(ws: Workspace) -> None:
    ws.add("never", "--every", "0.3s", "--when", "test -f never-there", "--prompt", "x")
    ws.add("docs", "--watch", "docs/**", "--prompt", "x")
    ws.add("later", "--every", "1h", "--prompt", "x")
    pid = ws.start()
    first = ws.wait_for(lambda: ws.status()["last_tick"], what="a tick")
    ws.wait_ticks(8)
    status = ws.status()
    assert status["running"] is True and status["pid"] == pid
    assert status["last_tick"] > first
    assert status["today_cost"] == 0 and {j["name"] for j in status["jobs"]} == {
        "docs",
        "later",
        "never",
    }
    assert ws.runs() == []
    assert not ws.request_log.exists(), "an idle daemon called a model"


def test_two_starts_give_one_daemon(ws: Workspace) -> None:
    ws.add("later", "--every", "1h", "--prompt", "x")
    starts = [
        subprocess.Popen(
            [sys.executable, "-m", "wakeful.cli.main", "daemon", "start"],
            cwd=ws.root,
            env=ws.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in starts]
    assert [p.returncode for p in starts] == [0, 0], outputs
    pids = {int(out.split("pid ")[1].split(")")[0]) for out, _ in outputs}
    ws.pids |= pids
    assert len(pids) == 1, outputs

    def daemons() -> list[int]:
        found = []
        for pid in ws.processes():
            try:
                if b"daemon" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    found.append(pid)
            except OSError:  # exited meanwhile
                pass
        return found

    # A losing daemon, if any, must die (however long a loaded machine takes to let it).
    running = ws.wait_for(lambda: (d := daemons()) == list(pids) and d, what="a single daemon")
    ws.wait_ticks(2)
    assert daemons() == running
    again = ws.cli("daemon", "start").stdout
    assert "already running" in again and str(running[0]) in again


def test_kill9_restart_keeps_jobs_and_retries_a_cut_off_run(ws: Workspace) -> None:
    slow = held_run(ws.root.parent / "slow.json")
    ws.cli(
        "schedule",
        "add",
        "slow",
        "--every",
        "1h",
        "--prompt",
        "sleep",
        "--model",
        f"scripted:{slow}",
        "--permission-mode",
        "bypass",
        "--retries",
        "1",
    )
    ws.add("keep", "--cron", "0 3 * * *", "--prompt", "x", "--missed", "once")
    before = {j["name"]: j for j in json.loads(ws.cli("schedule", "list", "--json").stdout)}
    pid = ws.start()
    ws.cli("schedule", "run", "slow")
    run = ws.wait_for(lambda: next(iter(ws.runs("slow")), None), what="the slow run")
    child = ws.wait_for(lambda: ws.run(run.id).child_pid, what="the agent's pid")

    os.kill(pid, signal.SIGKILL)  # the daemon dies mid-run ...
    os.killpg(child, signal.SIGKILL)  # ... and so does its agent (as in a power cut)
    ws.wait_for(lambda: not ws.status()["running"], what="the lock to drop")
    release(ws)  # the retry may finish

    after = {j["name"]: j for j in json.loads(ws.cli("schedule", "list", "--json").stdout)}
    for name in ("slow", "keep"):
        for key in ("schedule", "prompt", "model", "next_due", "missed", "retries"):
            assert after[name][key] == before[name][key]

    ws.start()
    runs = ws.wait_for(
        lambda: (
            [r for r in ws.runs("slow") if r.state not in ("running",)]
            if len(ws.runs("slow")) == 2 and all(r.state != "running" for r in ws.runs("slow"))
            else None
        ),
        what="the retry to finish",
    )
    first, retry = sorted(runs, key=lambda r: r.id)
    assert first.state == "interrupted" and "cut off" in (first.error or "")
    assert retry.state == "ok" and retry.attempt == 2 and retry.result == "slept"
    assert "retry of an interrupted run" in retry.trigger
    journal = ws.journal()
    assert "interrupted: job `slow`" in journal and "it will be retried" in journal


def test_kill9_mid_run_adopts_the_surviving_agent(ws: Workspace) -> None:
    slow = held_run(ws.root.parent / "slow.json")
    ws.cli(
        "schedule",
        "add",
        "slow",
        "--every",
        "1h",
        "--prompt",
        "sleep",
        "--model",
        f"scripted:{slow}",
        "--permission-mode",
        "bypass",
    )
    pid = ws.start()
    ws.cli("schedule", "run", "slow")
    run = ws.wait_for(lambda: next(iter(ws.runs("slow")), None), what="the slow run")
    ws.wait_for(lambda: ws.run(run.id).child_pid, what="the agent's pid")
    os.kill(pid, signal.SIGKILL)
    ws.wait_for(lambda: not ws.status()["running"], what="the lock to drop")
    ws.start()
    # The agent is still working (it waits for the release), so the new daemon must adopt it.
    ws.wait_for(lambda: "adopted: job `slow`" in ws.journal(), what="the adoption")
    assert ws.run(run.id).state == "running"
    release(ws)
    done = ws.wait_for(
        lambda: (r := ws.run(run.id)).state != "running" and r,
        what="the adopted run to finish",
    )
    assert done.state == "ok" and done.result == "slept"
    assert len(ws.runs("slow")) == 1  # never started twice
    assert "adopted: job `slow`" in ws.journal()


def test_watched_file_change_wakes_the_agent(ws: Workspace) -> None:
    (ws.root / "src").mkdir()
    ws.add("onsave", "--watch", "src/*.txt", "--prompt", "review")
    ws.start()
    ws.wait_for(
        lambda: "watching files" in (ws.root / ".wakeful/daemon.log").read_text(),
        what="the watcher",
    )
    time.sleep(0.5)
    (ws.root / "src" / "ignored.md").write_text("no")
    (ws.root / ".wakeful" / "noise.txt").write_text("no")
    ws.settle(1.0)
    assert ws.runs() == []
    (ws.root / "src" / "a.txt").write_text("yes")
    run = ws.wait_for(
        lambda: next((r for r in ws.runs("onsave") if r.state != "running"), None),
        what="the file-triggered run",
    )
    assert run.state == "ok" and "src/a.txt" in run.trigger
    assert len(ws.requests()) == 1


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_daily_cap_pauses_jobs_and_notifies_by_webhook(ws: Workspace) -> None:
    received: list[dict[str, Any]] = []
    handler = type("Hook", (_Hook,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ws.configure(daily_token_cap=1, webhook=f"http://127.0.0.1:{server.server_port}/hook")
        ws.add("often", "--every", "0.5s", "--prompt", "say done")
        ws.start()
        ws.wait_for(
            lambda: any(e["event"] == "cap_reached" for e in received),
            what="the cap notification",
        )
        ws.settle(1.5)  # three more due times: capped, so nothing runs
        assert len(ws.runs("often")) == 1 and len(ws.requests()) == 1
        events = [e["event"] for e in received]
        assert events.count("run_finished") == 1 and events.count("cap_reached") == 1
        finished = next(e for e in received if e["event"] == "run_finished")
        assert finished["job"] == "often" and finished["run"]["state"] == "ok"
        assert "daily cap reached" in ws.journal()
        status = ws.status()
        assert status["capped"] is True and status["today_tokens"] >= 1
    finally:
        server.shutdown()


def test_missed_runs_are_skipped_or_run_once_per_job(ws: Workspace) -> None:
    ws.add("skipper", "--every", "1h", "--prompt", "x")
    ws.add("catcher", "--every", "1h", "--prompt", "x", "--missed", "once")
    store = ws.store()
    past = time.time() - 3 * 3600 - 5  # three periods missed while "down"
    for name in ("skipper", "catcher"):
        store.update_job(name, next_due=past)
    store.close()
    ws.start()
    run = ws.wait_for(
        lambda: next((r for r in ws.runs("catcher") if r.state != "running"), None),
        what="the catch-up run",
    )
    assert run.state == "ok" and "catch-up of a missed run" in run.trigger
    ws.settle(0.5)
    assert ws.runs("skipper") == [] and len(ws.runs("catcher")) == 1
    jobs = {j["name"]: j for j in ws.status()["jobs"]}
    for name in ("skipper", "catcher"):
        assert jobs[name]["next_due"] > time.time()
    assert "skipped: job `skipper` missed its run" in ws.journal()


def test_idle_dream_is_tried_once_per_idle_period_without_model_calls(ws: Workspace) -> None:
    ws.configure(idle_dream_seconds=0.4)
    ws.start()
    ws.wait_for(
        lambda: [r for r in ws.runs("@dream") if r.state != "running"], what="an idle dream"
    )
    ws.settle(1.5)  # idle all along: several ticks past the idle time, and no second dream
    dreams = ws.runs("@dream")
    assert len(dreams) == 1 and dreams[0].state == "ok"
    assert "skipped" in (dreams[0].result or "")  # a fresh workspace: the dream gates are shut
    assert ws.requests() == []
    assert "idle dream" not in ws.journal()  # a skipped dream is logged, not journaled
    # Activity starts a new idle period, and with it one more dream attempt.
    ws.add("quick", "--every", "1h", "--prompt", "say done")
    ws.cli("schedule", "run", "quick", "--wait", "--timeout", "100")
    ws.wait_for(
        lambda: len([r for r in ws.runs("@dream") if r.state != "running"]) == 2,
        what="a second dream",
    )
    ws.settle(1.0)
    assert len(ws.runs("@dream")) == 2 and len(ws.requests()) == 1


def test_stop_and_status(ws: Workspace) -> None:
    assert ws.status()["running"] is False
    assert "not running" in ws.cli("daemon", "stop").stdout
    pid = ws.start()
    assert ws.status()["pid"] == pid
    assert f"stopped (pid {pid})" in ws.cli("daemon", "stop").stdout
    status = ws.status()
    assert status["running"] is False and status["pid"] is None
    logs = ws.cli("daemon", "logs").stdout
    assert "daemon started" in logs and "daemon stopped" in logs
    journal = ws.journal()
    assert "daemon started" in journal and "daemon stopped" in journal


def test_headless_permission_ask_becomes_denial_and_notification(ws: Workspace) -> None:
    received: list[dict[str, Any]] = []
    handler = type("Hook", (_Hook,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        ws.configure(webhook=f"http://127.0.0.1:{server.server_port}/hook")
        fetch = ws.root.parent / "fetch.json"
        fetch.write_text(
            json.dumps(
                {
                    "turns": [
                        {
                            "tool_calls": [
                                {
                                    "name": "bash",
                                    "input": {"command": "curl -s https://example.com"},
                                }
                            ]
                        },
                        {"text": "could not fetch"},
                    ]
                }
            )
        )
        ws.cli(
            "schedule",
            "add",
            "fetch",
            "--every",
            "1h",
            "--prompt",
            "fetch it",
            "--model",
            f"scripted:{fetch}",
            "--permission-mode",
            "default",
        )
        ws.start()
        run = ws.cli("schedule", "run", "fetch", "--wait", "--timeout", "100", check=False)
        assert run.returncode == 1 and "run 1 blocked" in run.stdout
        denied = ws.wait_for(
            lambda: next((e for e in received if e["event"] == "permission_denied"), None),
            what="the permission notification",
        )
        assert denied["job"] == "fetch" and "curl" in denied["denials"][0]
        journal = ws.journal()
        assert "denied (needed permission): bash(curl -s https://example.com)" in journal
        assert "blocked: job `fetch`" in journal
        assert "notice: job fetch: permission needed" in journal
    finally:
        server.shutdown()


def test_long_run_moves_to_background_and_ticks_go_on(ws: Workspace) -> None:
    ws.configure(budget_seconds=0.5)
    slow = held_run(ws.root.parent / "slow.json")
    ws.cli(
        "schedule",
        "add",
        "slow",
        "--every",
        "1h",
        "--prompt",
        "sleep",
        "--model",
        f"scripted:{slow}",
        "--permission-mode",
        "bypass",
    )
    ws.add("quick", "--every", "1h", "--prompt", "say done")
    ws.start()
    ws.cli("schedule", "run", "slow")
    ws.wait_for(lambda: "still running after 0.5s" in ws.journal(), what="the budget to pass")
    # The loop is free while the agent works: it ticks and runs another job meanwhile.
    tick = ws.status()["last_tick"]
    ws.cli("schedule", "run", "quick")
    quick = ws.wait_for(
        lambda: next((r for r in ws.runs("quick") if r.state == "ok"), None),
        what="the quick job",
    )
    assert ws.status()["last_tick"] > tick
    slow_run = ws.runs("slow")[0]
    assert slow_run.state == "running" and quick.finished < time.time()
    release(ws)
    done = ws.wait_for(lambda: (r := ws.runs("slow")[0]).state != "running" and r, what="slow")
    assert done.state == "ok" and done.result == "slept"
    assert "(background)" in ws.journal()
