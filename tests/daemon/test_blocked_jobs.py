"""A job whose actions the policy denies is `blocked`, not `ok`; three blocked runs in a row
pause it (journal and notification say why) until `wakeful schedule resume`."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Workspace

# One write per hook run: hooks for two events may run at once.
APPEND = 'import sys; open(sys.argv[1], "a").write(sys.stdin.read().strip() + "\\n")'


def _edit_script(ws: Workspace) -> None:
    (ws.root / "app.py").write_text("PORT = 8080\n")
    edit = {"name": "edit", "input": {"path": "app.py", "old_string": "8080", "new_string": "1"}}
    turns = [{"tool_calls": [edit]}, {"text": "Changed the port."}]
    ws.scripted.write_text(json.dumps({"turns": turns}))


@pytest.mark.slow
def test_denied_run_is_blocked_and_three_in_a_row_pause_the_job(ws: Workspace) -> None:
    bin_dir = ws.root.parent / "bin"
    bin_dir.mkdir()
    record = ws.root.parent / "notify.txt"
    fake = bin_dir / "notify-send"  # the desktop's program: a stand-in records its arguments
    fake.write_text(f'#!/bin/sh\nprintf "%s|" "$@" >> {record}\necho >> {record}\n')
    fake.chmod(0o755)
    ws.env["PATH"] = f"{bin_dir}:{ws.env['PATH']}"
    ws.configure(desktop_notify=True)
    # A Notification hook (Claude Code's format) hears the job waiting on the user.
    hook_log = ws.root.parent / "hook.log"
    (ws.root / ".claude").mkdir()
    (ws.root / ".claude" / "settings.json").write_text(
        json.dumps(
            {
                "hooks": {
                    "Notification": [
                        {
                            "matcher": "daemon_.*",
                            "hooks": [
                                {
                                    "type": "command",
                                    "command": f"{sys.executable} -c '{APPEND}' {hook_log}",
                                }
                            ],
                        }
                    ]
                }
            }
        )
    )
    _edit_script(ws)
    ws.add("port", "--every", "1h", "--prompt", "use port 1")

    proc = ws.cli("schedule", "run", "port", "--json", timeout=60, check=False)
    assert proc.returncode == 1  # not done: like a failed run, a blocked one exits non-zero
    first = json.loads(proc.stdout)
    assert first["state"] == "blocked"
    assert (ws.root / "app.py").read_text() == "PORT = 8080\n"
    assert "blocked: job `port`" in ws.journal()
    assert "Edit(app.py)" in ws.journal()

    def status() -> str:
        [job] = json.loads(ws.cli("schedule", "list", "--json").stdout)
        return str(job["status"])

    ws.cli("schedule", "run", "port", timeout=60, check=False)
    assert status() == "active"
    ws.cli("schedule", "run", "port", timeout=60, check=False)
    assert status() == "paused"
    journal = ws.journal()
    assert "paused: job `port`" in journal and "last 3 runs were blocked" in journal
    assert "wakeful schedule resume port" in journal
    assert "wakeful: job port: paused|" in record.read_text()
    heard = [json.loads(line) for line in hook_log.read_text().splitlines() if line.strip()]
    kinds = sorted(h["notification_type"] for h in heard)  # the last two may run at once
    assert kinds == ["daemon_job_paused"] + ["daemon_permission_denied"] * 3
    assert all(h["hook_event_name"] == "Notification" and h["job"] == "port" for h in heard)
    by_kind = {h["notification_type"]: h["message"] for h in heard}
    assert "Edit(app.py)" in by_kind["daemon_permission_denied"]
    assert "last 3 runs were blocked" in by_kind["daemon_job_paused"]

    ws.cli("schedule", "resume", "port")
    assert status() == "active"
    ws.cli("schedule", "run", "port", timeout=60, check=False)
    assert status() == "active"  # a resumed job gets three fresh tries, not one


@pytest.mark.slow
def test_run_without_denials_is_ok(ws: Workspace) -> None:
    ws.add("fine", "--every", "1h", "--prompt", "say done")
    run = json.loads(ws.cli("schedule", "run", "fine", "--json", timeout=60).stdout)
    assert run["state"] == "ok"
