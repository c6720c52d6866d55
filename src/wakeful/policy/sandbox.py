"""Run shell commands under bubblewrap.

What a sandboxed command gets (exactly; the README repeats it for users):
- a new user namespace with every capability dropped, also when wakeful runs as root, so
  `mount -o remount,rw /` and writes through read-only mounts fail;
- the whole filesystem read-only, except the workspace (read-write) and a private /tmp;
- inside the workspace, read-only: `.git/config`, `.git/hooks` (and a hooks directory that
  `core.hooksPath` points into the workspace), the `.git` entry itself (it cannot be renamed
  or replaced), submodules' config and hooks under `.git/modules`, `.wakeful/` (except its
  scratch directory `.wakeful/tmp/`), `.claude/`;
- hidden (an empty tmpfs or /dev/null over them): /run and /var/run (docker.sock, the
  user's runtime dir, system sockets), the SSH agent and Docker sockets named by the
  environment, and home secrets (`~/.ssh`, `~/.aws`, `~/.gnupg`, `~/.config/gcloud`,
  `~/.kube`, `~/.docker`, `~/.netrc`, ... and wakeful's own user config and data);
- new PID, IPC and UTS namespaces, no network unless allowed (no network also means no
  abstract unix sockets); killing the tool's process group ends the PID namespace, and
  every process in it, also those that left the group.

The sandbox is the backstop for what classification cannot see (a test suite that deletes
your home directory is still "run the tests"). Where bubblewrap is missing or cannot create
namespaces, the sandbox says so once, and commands run unsandboxed only when the
configuration allows it (`allow_unsandboxed`); otherwise `wrap` raises.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wakeful.core.config import Config, read_toml
from wakeful.core.errors import ConfigError, PolicyError
from wakeful.core.git import run_git
from wakeful.core.paths import Paths

# Home entries that hold credentials: directories get an empty tmpfs, files /dev/null.
HOME_SECRETS: tuple[str, ...] = (
    ".ssh",
    ".aws",
    ".gnupg",
    ".config/gcloud",
    ".azure",
    ".kube",
    ".docker",
    ".netrc",
    ".git-credentials",
    ".config/git/credentials",
    ".config/gh",
    ".config/hub",
    ".pgpass",
    ".my.cnf",
    ".npmrc",
    ".pypirc",
    ".gem/credentials",
    ".cargo/credentials",
    ".cargo/credentials.toml",
    ".terraform.d",
    ".password-store",
    ".local/share/keyrings",
    ".vault-token",
    ".config/anthropic",
    ".config/openai",
    # wakeful's own user config (provider keys) and data (trust list, user memory); the
    # configured locations are hidden too when they differ (XDG_CONFIG_HOME, ...).
    ".config/wakeful",
    ".local/share/wakeful",
)
# The workspace's scratch directory: writable although .wakeful/ around it is not.
SCRATCH = ".wakeful/tmp"
# Directories full of sockets (docker.sock, the ssh agent, dbus, systemd, the user's runtime).
SOCKET_DIRS: tuple[str, ...] = ("/run", "/var/run")


def _exists(p: Path) -> bool:
    return os.path.lexists(p)


def _under_hidden(p: Path) -> bool:
    """Already out of reach: under a socket directory or /tmp, which get a fresh tmpfs."""
    text = str(p)
    return any(text == d or text.startswith(d + "/") for d in (*SOCKET_DIRS, "/tmp"))


class Sandbox:
    def __init__(
        self,
        workspace: Path,
        enabled: bool,
        allow_network: bool = False,
        allow_unsandboxed: bool = True,
        bwrap: str | None = None,
        extra_rw: tuple[Path, ...] = (),
        home: Path | None = None,
        env: Mapping[str, str] | None = None,
        hidden: tuple[Path, ...] = (),
    ) -> None:
        self.workspace = Path(workspace).resolve()
        self.enabled = enabled
        self.allow_network = allow_network
        self.allow_unsandboxed = allow_unsandboxed
        self.extra_rw = tuple(Path(p).resolve() for p in extra_rw)
        self.env: dict[str, str] = dict(env) if env is not None else {}
        home_value = home if home is not None else self.env.get("HOME")
        self.home = Path(home_value).resolve() if home_value else None
        self.hidden = tuple(Path(p) for p in hidden)
        self._bwrap = bwrap if bwrap is not None else shutil.which("bwrap")
        self._available: bool | None = None
        self._problem: str | None = None
        self._notice_given = False
        self._hooks_stamp: tuple[int, int] | None = None
        self._hooks_value = ""

    @classmethod
    def from_config(
        cls, paths: Paths, config: Config, enabled: bool, allow_network: bool = False
    ) -> Sandbox:
        settings = config.settings
        return cls(
            paths.workspace,
            enabled or settings.sandbox,
            allow_network,
            settings.allow_unsandboxed,
            home=Path(config.env["HOME"]) if config.env.get("HOME") else None,
            env=config.env,
            hidden=(paths.user_config, paths.user_data),
        )

    @property
    def available(self) -> bool:
        """Whether bubblewrap is installed and can build this sandbox here (probed once)."""
        if self._available is None:
            if not self._bwrap:
                self._available = False
                self._problem = "bubblewrap (bwrap) not found; install the bubblewrap package"
            else:
                try:
                    probe = subprocess.run(
                        self._bwrap_argv(["true"], self.workspace),
                        capture_output=True,
                        text=True,
                        timeout=10,
                        stdin=subprocess.DEVNULL,
                    )
                    self._available = probe.returncode == 0
                    if not self._available:
                        self._problem = (
                            "bubblewrap cannot create its namespaces here: "
                            f"{probe.stderr.strip()[:200]}"
                        )
                except (OSError, subprocess.SubprocessError) as exc:
                    self._available = False
                    self._problem = f"bubblewrap failed to start: {exc}"
        return self._available

    @property
    def active(self) -> bool:
        """Whether commands really run sandboxed in this session (the decision layer may
        approve running workspace code on that basis)."""
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
        """The argv to execute: `argv` under bwrap, or unchanged when the sandbox is off.

        Start it in a new session (`start_new_session=True`): the sandbox has no terminal
        then, and killing that process group ends everything inside."""
        if not self.enabled:
            return list(argv)
        if not self.available:
            if self.allow_unsandboxed:
                return list(argv)
            raise PolicyError(
                f"sandbox required but unavailable: {self._problem}. Install bubblewrap, or "
                "set allow_unsandboxed = true in your user config to run without it."
            )
        return self._bwrap_argv(argv, cwd)

    # -- building the bwrap command line -------------------------------------------------

    def _inside_workspace(self, p: Path) -> bool:
        try:
            p.resolve().relative_to(self.workspace)
        except (ValueError, OSError):
            return False
        return True

    def protected_paths(self) -> list[Path]:
        """Workspace entries bound read-only over the writable workspace."""
        ws = self.workspace
        found: list[Path] = []
        dot_git = ws / ".git"
        if dot_git.is_dir() and not dot_git.is_symlink():
            hooks = dot_git / "hooks"
            if not _exists(hooks):
                try:
                    hooks.mkdir()
                except OSError:
                    pass
            found += [p for p in (dot_git / "config", hooks) if _exists(p)]
            modules = dot_git / "modules"
            if modules.is_dir():
                for config in sorted(modules.rglob("config"))[:64]:
                    found.append(config)
                    if (config.parent / "hooks").is_dir():
                        found.append(config.parent / "hooks")
            hooks_path = self._configured_hooks_path()
            if hooks_path is not None:
                found.append(hooks_path)
        for name in (".wakeful", ".claude"):
            p = ws / name
            if name == ".wakeful" and not _exists(p):
                try:
                    p.mkdir()
                    (p / ".gitignore").write_text("*\n")
                except OSError:
                    pass
            if _exists(p):
                found.append(p)
        return found

    def _configured_hooks_path(self) -> Path | None:
        """A `core.hooksPath` that points inside the workspace (husky and friends)."""
        try:
            st = os.stat(self.workspace / ".git" / "config")
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            return None  # no repository config, no hooks path
        if stamp != self._hooks_stamp:
            # Asked again only when .git/config changed (it is read-only inside the sandbox).
            env = self.env if "PATH" in self.env else None  # None: this process's environment
            out = run_git(["config", "--get", "core.hooksPath"], self.workspace, env=env)
            self._hooks_value = out.text().strip() if out.ok else ""
            self._hooks_stamp = stamp
        value = self._hooks_value
        if not value:
            return None
        p = Path(os.path.expanduser(value)) if value.startswith("~") else Path(value)
        if not p.is_absolute():
            p = self.workspace / p
        if not _exists(p):
            try:
                p.mkdir(parents=True)
            except OSError:
                return None
        return p if self._inside_workspace(p) else None

    def _secret_paths(self) -> list[Path]:
        found: list[Path] = []
        if self.home is not None:
            found += [self.home / rel for rel in HOME_SECRETS]
        found += list(self.hidden)
        return [p for p in found if _exists(p) and not self._inside_workspace(p)]

    def _socket_paths(self) -> list[Path]:
        found: list[Path] = []
        agent = self.env.get("SSH_AUTH_SOCK")
        if agent:
            found.append(Path(agent))
        docker = self.env.get("DOCKER_HOST", "")
        if docker.startswith("unix://"):
            found.append(Path(docker[len("unix://") :]))
        return [p for p in found if p.is_absolute() and _exists(p)]

    def _bwrap_argv(self, argv: list[str], cwd: Path) -> list[str]:
        cwd = Path(cwd).resolve()
        args: list[str] = [
            self._bwrap or "bwrap",
            "--unshare-user",
            "--cap-drop",
            "ALL",
            "--unshare-pid",
            "--unshare-ipc",
            "--unshare-uts",
            "--die-with-parent",
            # No --new-session: the caller starts the sandbox in a session of its own (no
            # controlling terminal, so no TIOCSTI), and the sandbox's init must stay in that
            # process group, so that killing the group ends the PID namespace and with it
            # every process inside, including ones that called setsid().
        ]
        if not self.allow_network:
            args.append("--unshare-net")
        args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        for d in SOCKET_DIRS:
            if os.path.isdir(d) and not os.path.islink(d):
                args += ["--tmpfs", d]
        if self.allow_network:
            resolv = Path("/etc/resolv.conf")
            real = resolv.resolve()
            if real != resolv and str(real).startswith(("/run/", "/var/run/")) and real.exists():
                args += ["--ro-bind", str(real), str(real)]
        args += ["--tmpfs", "/tmp"]
        for sock in self._socket_paths():
            if not self._inside_workspace(sock) and not sock.is_dir() and not _under_hidden(sock):
                args += ["--ro-bind", "/dev/null", str(sock)]
        for secret in self._secret_paths():
            if secret.is_dir() and not secret.is_symlink():
                args += ["--tmpfs", str(secret), "--remount-ro", str(secret)]
            else:
                args += ["--ro-bind", "/dev/null", str(secret)]
        args += ["--bind", str(self.workspace), str(self.workspace)]
        dot_git = self.workspace / ".git"
        if dot_git.is_dir() and not dot_git.is_symlink():
            # A mount point cannot be renamed or removed: `mv .git x && mkdir .git` fails.
            args += ["--bind", str(dot_git), str(dot_git)]
        elif _exists(dot_git):
            args += ["--ro-bind", str(dot_git), str(dot_git)]
        for p in self.protected_paths():
            args += ["--ro-bind", str(p), str(p)]
        scratch = self.workspace / SCRATCH
        if (self.workspace / ".wakeful").is_dir() and not (
            self.workspace / ".wakeful"
        ).is_symlink():
            try:
                scratch.mkdir(exist_ok=True)
            except OSError:
                pass
            if scratch.is_dir() and not scratch.is_symlink():
                # The session's scratch space stays writable inside the read-only .wakeful/.
                args += ["--bind", str(scratch), str(scratch)]
        # Last, so that a scratch directory the caller names stays writable wherever it is.
        for extra in self.extra_rw:
            args += ["--bind", str(extra), str(extra)]
        args += ["--chdir", str(cwd), "--", *argv]
        return args


def _declares_sandbox(path: Path) -> bool:
    try:
        data: dict[str, Any] = read_toml(path)
    except ConfigError:
        return False
    return "sandbox" in data


def sandbox_wanted(paths: Paths, config: Config, mode: str, flag: bool | None) -> bool:
    """Whether this session asks for the sandbox: the flag, then `sandbox = true` from any
    config, then `sandbox = false` from the user's own config (or a trusted project's; an
    untrusted project's is dropped when the config is loaded); otherwise on in auto mode."""
    if flag is not None:
        return flag
    if config.get("sandbox") is True:
        return True
    sources = [paths.user_config_file]
    if config.trusted:
        sources.append(paths.project_config)
    if any(p.is_file() and _declares_sandbox(p) for p in sources):
        return False
    return mode == "auto"


def is_sandboxed(extras: Mapping[str, Any]) -> bool:
    """Whether the session's commands run inside a working sandbox (`ctx.extras`)."""
    sandbox = extras.get("sandbox")
    return bool(sandbox is not None and getattr(sandbox, "active", False))
