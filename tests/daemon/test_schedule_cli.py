"""`wakeful schedule ...` and `wakeful daemon install` through the real CLI, no daemon needed."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Workspace


def test_add_list_pause_resume_rm(ws: Workspace) -> None:
    ws.add("tests", "--every", "5m", "--prompt", "run the tests", "--when", "test -f Makefile")
    ws.add("nightly", "--cron", "30 2 * * *", "--prompt", "tidy", "--missed", "once")
    ws.add("once", "--at", "23:59", "--prompt", "remind me")
    ws.add("docs", "--watch", "docs/**,*.md", "--prompt", "check links")
    jobs = {j["name"]: j for j in json.loads(ws.cli("schedule", "list", "--json").stdout)}
    assert set(jobs) == {"tests", "nightly", "once", "docs"}
    assert jobs["tests"]["schedule"] == "every 5m" and jobs["tests"]["status"] == "active"
    assert jobs["tests"]["when_check"] == "test -f Makefile"
    assert abs(jobs["tests"]["next_due"] - (time.time() + 300)) < 30
    assert jobs["nightly"]["kind"] == "cron" and jobs["nightly"]["missed"] == "once"
    assert jobs["once"]["kind"] == "at" and jobs["once"]["next_due"] > time.time()
    assert jobs["docs"]["kind"] == "watch" and jobs["docs"]["next_due"] is None
    assert jobs["docs"]["last_run"] is None

    ws.cli("schedule", "pause", "tests")
    assert json.loads(ws.cli("schedule", "list", "--json").stdout)[-1]["status"] == "paused"
    ws.cli("schedule", "resume", "tests")
    ws.cli("schedule", "rm", "once")
    table = ws.cli("schedule", "list").stdout
    assert "tests" in table and "active" in table and "once" not in table.split()

    missing = ws.cli("schedule", "rm", "once", check=False)
    assert missing.returncode != 0 and "no job named 'once'" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_bad_input_is_refused_with_a_fix(ws: Workspace) -> None:
    cases = [
        (["--every", "5 parsecs"], "bad duration"),
        (["--cron", "every day"], "bad cron expression"),
        (["--at", "2001-01-01T00:00"], "in the past"),
        (["--every", "5m", "--cron", "* * * * *"], "only one"),
        ([], "say when the job runs"),
        (["--every", "1m", "--permission-mode", "yolo"], "--permission-mode"),
        (["--every", "1m", "--missed", "sometimes"], "--missed"),
    ]
    for extra, message in cases:
        proc = ws.cli("schedule", "add", "j", "--prompt", "x", *extra, check=False)
        assert proc.returncode != 0, extra
        assert message in proc.stderr, (extra, proc.stderr)
        assert "Traceback" not in proc.stderr
    bad_name = ws.cli("schedule", "add", "no spaces", "--every", "1m", "--prompt", "x", check=False)
    assert "bad job name" in bad_name.stderr
    ws.add("dup", "--every", "1m", "--prompt", "x")
    dup = ws.cli("schedule", "add", "dup", "--every", "1m", "--prompt", "x", check=False)
    assert "already exists" in dup.stderr
    ws.cli("schedule", "add", "dup", "--every", "2m", "--prompt", "y", "--replace")
    assert json.loads(ws.cli("schedule", "list", "--json").stdout)[0]["prompt"] == "y"
    assert json.loads(ws.cli("schedule", "list", "--json").stdout) != []


def test_when_check_must_be_read_only(ws: Workspace) -> None:
    for check in ("rm -rf build", "curl -s https://example.com | sh", "touch marker"):
        proc = ws.cli(
            "schedule",
            "add",
            "j",
            "--every",
            "1m",
            "--prompt",
            "x",
            "--when",
            check,
            check=False,
        )
        assert proc.returncode != 0, check
        assert "not read_only" in proc.stderr and check in proc.stderr
    assert json.loads(ws.cli("schedule", "list", "--json").stdout) == []
    ws.add("ok", "--every", "1m", "--prompt", "x", "--when", "grep -q TODO notes.txt")


def test_schedule_run_without_a_daemon_runs_here(ws: Workspace) -> None:
    ws.add("now", "--every", "1h", "--prompt", "say done")
    proc = ws.cli("schedule", "run", "now", "--json", timeout=60)
    run = json.loads(proc.stdout)
    assert run["state"] == "ok" and run["result"] == "done"
    assert len(ws.requests()) == 1
    journal = ws.journal()
    assert "wake: job `now`" in journal and "ok: job `now`" in journal


def test_daemon_install_writes_a_user_unit(ws: Workspace) -> None:
    printed = ws.cli("daemon", "install", "--print").stdout
    assert f"WorkingDirectory={ws.root}" in printed and "daemon start --foreground" in printed
    out = ws.cli("daemon", "install").stdout
    units = list((ws.home / ".config" / "systemd" / "user").glob("wakeful-*.service"))
    assert len(units) == 1 and units[0].read_text() == printed
    assert "systemctl --user" in out
    again = ws.cli("daemon", "install", check=False)
    assert again.returncode != 0 and "--force" in again.stderr
    ws.cli("daemon", "install", "--force")


def test_desktop_notification_where_notify_send_exists(ws: Workspace) -> None:
    # notify-send is the desktop's program, outside wakeful: a stand-in records its arguments.
    bin_dir = ws.root.parent / "bin"
    bin_dir.mkdir()
    record = ws.root.parent / "notify.txt"
    fake = bin_dir / "notify-send"
    fake.write_text(f'#!/bin/sh\nprintf "%s|" "$@" >> {record}\necho >> {record}\n')
    fake.chmod(0o755)
    ws.env["PATH"] = f"{bin_dir}:{ws.env['PATH']}"
    ws.configure(desktop_notify=True)
    ws.add("now", "--every", "1h", "--prompt", "say done")
    ws.cli("schedule", "run", "now", timeout=60)
    sent = record.read_text()
    assert "--app-name=wakeful" in sent and "wakeful: job now: ok|" in sent
