"""Helpers for the extension tests: real MCP servers as subprocesses, free ports."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVERS = Path(__file__).parent / "servers"
FAST = SERVERS / "fast_server.py"
RAW = SERVERS / "raw_server.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    """Until a fixture server listens on `port` (it must not exit first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError("the MCP fixture server exited") from None
            time.sleep(0.1)
    raise RuntimeError(f"the MCP fixture server did not listen on {port} in {timeout:.0f}s")


def _serve(flag: str, path: str) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(FAST), flag, str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port, proc)
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def http_server() -> Iterator[str]:
    """The FastMCP fixture server over streamable HTTP; yields its URL."""
    yield from _serve("--http", "/mcp")


@pytest.fixture
def sse_server() -> Iterator[str]:
    """The FastMCP fixture server over the older HTTP+SSE transport; yields its URL."""
    yield from _serve("--sse", "/sse")
