"""`wakeful fleet dev`: one command starts a Temporal dev server and PostgreSQL under
`.wakeful/fleet/`, prints the config to use, and stops both on SIGTERM."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def test_fleet_dev_starts_both_servers_and_stops_them(
    git_repo: Path, cli_env: dict[str, str], local_postgres: Any, local_temporal: Any
) -> None:  # the session servers' fixtures skip (or fail in CI) when the wheels are missing
    proc = subprocess.Popen(
        [sys.executable, "-m", "wakeful.cli.main", "fleet", "dev", "--port", "0"],
        cwd=git_repo,
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Ctrl-C stops" in line:
                break
        text = "".join(lines)
        address = re.search(r'temporal = "(127\.0\.0\.1:\d+)"', text)
        dsn = re.search(r'dsn = "(postgresql://[^"]+)"', text)
        if not (address and dsn):
            proc.kill()
            raise AssertionError((text, proc.wait(), proc.stderr.read()))
        host, port = address.group(1).split(":")
        socket.create_connection((host, int(port)), timeout=5).close()

        from wakeful.memory.store_pg import PostgresMemoryStore

        store = PostgresMemoryStore(dsn.group(1), "dev-check")  # migrated already
        store.close()
        assert (git_repo / ".wakeful" / "fleet" / "postgres" / "data" / "PG_VERSION").exists()
        assert (git_repo / ".wakeful" / "fleet" / "temporal" / "temporal.db").exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert proc.returncode == 0
    assert not (git_repo / ".wakeful" / "fleet" / "postgres" / "data" / "postmaster.pid").exists()
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
        still_listening = True
    except OSError:
        still_listening = False
    assert not still_listening
