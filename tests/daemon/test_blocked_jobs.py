"""A job whose actions the policy denies is `blocked`, not `ok`; three blocked runs in a row
pause it (journal and notification say why) until `wakeful schedule resume`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Workspace


def _edit_script(ws: Workspace) -> None:
    (ws.root / "app.py").write_text("PORT = 8080\n")
    edit = {"name": "edit", "input": {"path": "app.py", "old_string": "8080", "new_string": "1"}}
    turns = [{"tool_calls": [edit]}, {"text": "Changed the port."}]
    ws.scripted.write_text(json.dumps({"turns": turns}))


def test_denied_run_is_blocked_and_three_in_a_row_pause_the_job(ws: Workspace) -> None:
    bin_dir = ws.root.parent / "bin"
    bin_dir.mkdir()
    record = ws.root.parent / "notify.txt"
    fake = bin_dir / "notify-send"  # the desktop's program: a stand-in records its arguments
    fake.write_text(f'#!/bin/sh\nprintf "%s|" "$@" >> {record}\necho >> {record}\n')
    fake.chmod(0o755)
    ws.env["PATH"] = f"{bin_dir}:{ws.env['PATH']}"
    ws.configure(desktop_notify=True)
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

    ws.cli("schedule", "resume", "port")
    assert status() == "active"
    ws.cli("schedule", "run", "port", timeout=60, check=False)
    assert status() == "active"  # a resumed job gets three fresh tries, not one


def test_run_without_denials_is_ok(ws: Workspace) -> None:
    ws.add("fine", "--every", "1h", "--prompt", "say done")
    run = json.loads(ws.cli("schedule", "run", "fine", "--json", timeout=60).stdout)
    assert run["state"] == "ok"
