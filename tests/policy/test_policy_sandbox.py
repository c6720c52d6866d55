"""The bubblewrap sandbox, run for real: writes outside the workspace and network connections
fail inside it; the workspace stays writable. CI installs bubblewrap (.ci/run)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from wakeful.core.errors import PolicyError
from wakeful.policy.sandbox import Sandbox

needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None and not os.environ.get("CI"),
    reason="bubblewrap is not installed on this machine (CI installs it)",
)


def run(sandbox: Sandbox, command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = sandbox.wrap(["bash", "-c", command], cwd=cwd)
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=30)


@needs_bwrap
def test_workspace_writable_outside_read_only(tmp_path: Path, request) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    # Not under /tmp: the sandbox gives /tmp its own private tmpfs.
    outside = Path(tempfile.mkdtemp(dir="/var/tmp", prefix="wakeful-sbx-"))
    request.addfinalizer(lambda: shutil.rmtree(outside, ignore_errors=True))
    sandbox = Sandbox(ws, enabled=True)
    assert sandbox.available, sandbox.notice
    ok = run(sandbox, "echo inside > made.txt && cat made.txt", ws)
    assert ok.returncode == 0 and ok.stdout.strip() == "inside"
    assert (ws / "made.txt").read_text().strip() == "inside"
    bad = run(sandbox, f"echo escaped > {outside}/x.txt", ws)
    assert bad.returncode != 0
    assert "Read-only file system" in bad.stderr
    assert not (outside / "x.txt").exists()
    home_write = run(sandbox, f"touch {Path.home()}/.wakeful-sandbox-probe", ws)
    assert home_write.returncode != 0


@needs_bwrap
def test_private_tmp(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    marker = Path("/tmp") / f"wakeful-sbx-{os.getpid()}"
    run(Sandbox(ws, enabled=True), f"echo x > {marker}", ws)
    assert not marker.exists()


@needs_bwrap
def test_network_blocked_unless_allowed(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    probe = (
        'python3 -c "import socket; s=socket.socket(); s.settimeout(2); '
        "s.connect(('1.1.1.1', 53)); print('connected')\""
    )
    blocked = run(Sandbox(ws, enabled=True), probe, ws)
    assert blocked.returncode != 0 and "connected" not in blocked.stdout
    assert "Network is unreachable" in blocked.stderr or "Errno" in blocked.stderr
    argv = Sandbox(ws, enabled=True, allow_network=True).wrap(["true"], ws)
    assert "--unshare-net" not in argv


def test_disabled_is_identity(tmp_path: Path) -> None:
    sandbox = Sandbox(tmp_path, enabled=False)
    assert sandbox.wrap(["bash", "-c", "ls"], tmp_path) == ["bash", "-c", "ls"]
    assert sandbox.notice is None


def test_missing_bubblewrap_says_so_once_and_obeys_allow_unsandboxed(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-bwrap"
    lenient = Sandbox(tmp_path, enabled=True, allow_unsandboxed=True, bwrap=str(missing))
    assert not lenient.available
    first = lenient.notice
    assert first and "unsandboxed" in first and lenient.notice is None
    assert lenient.wrap(["bash", "-c", "ls"], tmp_path) == ["bash", "-c", "ls"]
    strict = Sandbox(tmp_path, enabled=True, allow_unsandboxed=False, bwrap=str(missing))
    with pytest.raises(PolicyError, match="allow_unsandboxed"):
        strict.wrap(["true"], tmp_path)
