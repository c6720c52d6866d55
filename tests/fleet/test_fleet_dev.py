"""`wakeful fleet dev`: one command starts a Temporal dev server and PostgreSQL under
`.wakeful/fleet/`, prints the config to use, and stops both on SIGTERM."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wakeful.core.trust import TrustStore


@pytest.fixture
def fleet_checkout(home: Path) -> Iterator[Path]:
    """A trusted git checkout outside pytest's temporary root. As root, PostgreSQL runs as its
    own user, which must be able to reach the data directory; pytest makes its root private
    again (mode 0700) whenever another pytest session starts on the machine, which locked
    `pg_ctl stop` out of a running server mid-test."""
    root = Path(tempfile.mkdtemp(prefix="wakeful-test-fleet-dev-"))
    repo = root / "repo"
    repo.mkdir()
    for argv in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "config", "user.email", "t@example.invalid"],
        ["git", "config", "user.name", "t"],
        ["git", "commit", "-q", "--allow-empty", "-m", "init"],
    ):
        subprocess.run(argv, cwd=repo, check=True)
    TrustStore(home / ".local/share/wakeful").trust(repo)
    try:
        yield repo
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_fleet_dev_starts_both_servers_and_stops_them(
    fleet_checkout: Path, cli_env: dict[str, str], local_postgres: Any, local_temporal: Any
) -> None:  # the session servers' fixtures skip (or fail in CI) when the wheels are missing
    git_repo = fleet_checkout
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
        deadline = time.monotonic() + 300
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
        proc.wait(timeout=300)
    assert proc.returncode == 0
    assert not (git_repo / ".wakeful" / "fleet" / "postgres" / "data" / "postmaster.pid").exists()
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
        still_listening = True
    except OSError:
        still_listening = False
    assert not still_listening
