"""Run shell commands under bubblewrap: the workspace read-write, the rest of the filesystem
read-only, a private /tmp, and no network unless allowed.

The sandbox is the backstop for what classification cannot see (a test suite that deletes
your home directory is still "run the tests"). Where bubblewrap is missing or cannot create
namespaces, the sandbox says so once, and commands run unsandboxed only when the
configuration allows it (`allow_unsandboxed`); otherwise `wrap` raises.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from wakeful.core.config import Config
from wakeful.core.errors import PolicyError
from wakeful.core.paths import Paths


class Sandbox:
    def __init__(
        self,
        workspace: Path,
        enabled: bool,
        allow_network: bool = False,
        allow_unsandboxed: bool = True,
        bwrap: str | None = None,
        extra_rw: tuple[Path, ...] = (),
    ) -> None:
        self.workspace = Path(workspace).resolve()
        self.enabled = enabled
        self.allow_network = allow_network
        self.allow_unsandboxed = allow_unsandboxed
        self.extra_rw = tuple(Path(p).resolve() for p in extra_rw)
        self._bwrap = bwrap if bwrap is not None else shutil.which("bwrap")
        self._available: bool | None = None
        self._problem: str | None = None
        self._notice_given = False

    @classmethod
    def from_config(
        cls, paths: Paths, config: Config, enabled: bool, allow_network: bool = False
    ) -> Sandbox:
        return cls(
            paths.workspace,
            enabled or bool(config.get("sandbox", default=False)),
            allow_network,
            bool(config.get("allow_unsandboxed", default=True)),
        )

    @property
    def available(self) -> bool:
        """Whether bubblewrap is installed and can create its namespaces here (probed once)."""
        if self._available is None:
            if not self._bwrap:
                self._available = False
                self._problem = "bubblewrap (bwrap) not found; install the bubblewrap package"
            else:
                try:
                    probe = subprocess.run(
                        [self._bwrap, "--ro-bind", "/", "/", "--unshare-net", "true"],
                        capture_output=True,
                        text=True,
                        timeout=10,
                    )
                    self._available = probe.returncode == 0
                    if not self._available:
                        self._problem = (
                            "bubblewrap cannot create namespaces here: "
                            f"{probe.stderr.strip()[:200]}"
                        )
                except (OSError, subprocess.SubprocessError) as exc:
                    self._available = False
                    self._problem = f"bubblewrap failed to start: {exc}"
        return self._available

    @property
    def active(self) -> bool:
        return self.enabled and self.available

    @property
    def notice(self) -> str | None:
        """A one-time message when the sandbox was asked for but cannot run; None after."""
        if not self.enabled or self.available or self._notice_given:
            return None
        self._notice_given = True
        tail = (
            "running commands unsandboxed (allow_unsandboxed = true)"
            if self.allow_unsandboxed
            else "commands will not run (set allow_unsandboxed = true to run them unsandboxed)"
        )
        return f"sandbox unavailable: {self._problem}; {tail}"

    def wrap(self, argv: list[str], cwd: Path) -> list[str]:
        """The argv to execute: `argv` under bwrap, or unchanged when the sandbox is off."""
        if not self.enabled:
            return list(argv)
        if not self.available:
            if self.allow_unsandboxed:
                return list(argv)
            raise PolicyError(
                f"sandbox required but unavailable: {self._problem}. Install bubblewrap, or "
                "set allow_unsandboxed = true in .wakeful/config.toml to run without it."
            )
        cwd = Path(cwd).resolve()
        args = [
            self._bwrap or "bwrap",
            "--ro-bind",
            "/",
            "/",
            "--dev",
            "/dev",
            "--proc",
            "/proc",
            "--tmpfs",
            "/tmp",
            "--bind",
            str(self.workspace),
            str(self.workspace),
        ]
        for extra in self.extra_rw:
            args += ["--bind", str(extra), str(extra)]
        args += [
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--die-with-parent",
            "--new-session",
        ]
        if not self.allow_network:
            args.append("--unshare-net")
        args += ["--chdir", str(cwd), "--", *argv]
        return args
