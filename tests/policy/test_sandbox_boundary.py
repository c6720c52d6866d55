"""The sandbox as an attacker meets it, with real bubblewrap and a decoy HOME: as the user
running the tests (root in CI) and as an unprivileged user created for the test.

Every probe runs inside the sandbox and prints `name=ok` or `name=blocked`; a probe that
should be contained must print `blocked`. The same probes run unsandboxed first show that
each one would succeed without the sandbox (so the test cannot pass by probing nothing).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from wakeful.policy.sandbox import Sandbox

needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None and not os.environ.get("CI"),
    reason="bubblewrap is not installed on this machine (CI installs it)",
)

DECOY = "DECOY-SECRET-7f3a"
SECRET_FILES = (
    ".ssh/id_rsa",
    ".aws/credentials",
    ".gnupg/private-keys-v1.d/key",
    ".config/gcloud/credentials.db",
    ".kube/config",
    ".docker/config.json",
    ".netrc",
    ".config/wakeful/config.toml",
)
# Probes that must be contained (name -> shell command that succeeds when the attack works).
ATTACKS = {
    "home_secrets": 'grep -rqs "{decoy}" "$HOME"',
    "remount_root": "mount -o remount,rw / && touch /wakeful-remount-probe",
    "write_outside": "touch {outside}/escaped",
    "git_config": 'printf "[core]\\n\\tfsmonitor = /bin/true\\n" >> .git/config',
    "git_hook": "printf '#!/bin/sh\\n' > .git/hooks/pre-commit",
    "replace_git_dir": "mv .git .git-moved",
    "wakeful_config": "echo 'permission_mode = \"bypass\"' > .wakeful/config.toml",
    "claude_settings": "echo '{{}}' > .claude/settings.json",
    "agent_socket": 'test -S "$SSH_AUTH_SOCK"',
    "run_socket": "test -S {run_sock}",
}
# What must keep working inside.
ALLOWED = {
    "workspace_write": "echo hi > inside.txt && test -s inside.txt",
    "scratch_write": "echo hi > .wakeful/tmp/scratch.txt",
    "no_capabilities": "grep -Eq '^CapEff:[[:space:]]+0+$' /proc/self/status",
}


def probe_script(outside: Path, run_sock: str) -> str:
    lines = []
    for name, cmd in {**ATTACKS, **ALLOWED}.items():
        body = cmd.format(decoy=DECOY, outside=outside, run_sock=run_sock)
        lines.append(
            f"if ( {body} ) >/dev/null 2>&1; then echo {name}=ok; else echo {name}=blocked; fi"
        )
    return "\n".join(lines)


def parse(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.split() if "=" in line)


def make_decoy_home(home: Path) -> None:
    for rel in SECRET_FILES:
        p = home / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"{DECOY}\n")
    (home / ".bashrc").write_text("# nothing secret here\n")


def make_workspace(ws: Path) -> None:
    ws.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (ws / ".claude").mkdir()
    (ws / "README").write_text("x\n")


@pytest.fixture
def unix_socket(request) -> Iterator[Path]:
    """A listening unix socket outside the workspace (stands in for the ssh agent)."""
    d = Path(tempfile.mkdtemp(dir="/var/tmp", prefix="wakeful-sock-"))
    path = d / "agent.sock"
    srv = socket.socket(socket.AF_UNIX)
    srv.bind(str(path))
    srv.listen(1)
    os.chmod(d, 0o755)
    os.chmod(path, 0o777)
    yield path
    srv.close()
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def run_socket() -> Iterator[str]:
    """A socket under /run (where docker.sock lives), when this user may create one."""
    path = Path("/run") / f"wakeful-test-{os.getpid()}.sock"
    srv = socket.socket(socket.AF_UNIX)
    try:
        srv.bind(str(path))
    except OSError:
        srv.close()
        yield "/run/wakeful-no-such.sock"
        return
    os.chmod(path, 0o777)
    try:
        yield str(path)
    finally:
        srv.close()
        path.unlink(missing_ok=True)


def scratch_dir() -> Path:
    # Not under /tmp: the sandbox gives /tmp its own tmpfs, which would hide the files.
    return Path(tempfile.mkdtemp(dir="/var/tmp", prefix="wakeful-sbx-"))


def assert_contained(results: dict[str, str]) -> None:
    leaked = [name for name in ATTACKS if results.get(name) != "blocked"]
    broken = [name for name in ALLOWED if results.get(name) != "ok"]
    assert not leaked, f"not contained: {leaked} ({results})"
    assert not broken, f"no longer works inside the sandbox: {broken} ({results})"


@needs_bwrap
def test_sandbox_contains_attacks_as_this_user(unix_socket: Path, run_socket: str, request) -> None:
    base = scratch_dir()
    request.addfinalizer(lambda: shutil.rmtree(base, ignore_errors=True))
    home, ws, outside = base / "home", base / "ws", base / "outside"
    make_decoy_home(home)
    make_workspace(ws)
    outside.mkdir()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "SSH_AUTH_SOCK": str(unix_socket),
    }
    script = probe_script(outside, run_socket)

    # Control: unsandboxed, the probes that can work here do (reads, writes, sockets).
    bare = subprocess.run(["bash", "-c", script], cwd=ws, env=env, capture_output=True, text=True)
    control = parse(bare.stdout)
    for name in ("home_secrets", "write_outside", "git_config", "git_hook", "agent_socket"):
        assert control[name] == "ok", (name, control)
    # Start again from a fresh workspace and an empty outside folder.
    shutil.rmtree(ws)
    make_workspace(ws)
    (outside / "escaped").unlink()

    sandbox = Sandbox(ws, enabled=True, allow_unsandboxed=False, home=home, env=env)
    assert sandbox.available, sandbox.notice
    argv = sandbox.wrap(["bash", "-c", script], ws)
    inside = subprocess.run(argv, cwd=ws, env=env, capture_output=True, text=True, timeout=60)
    results = parse(inside.stdout)
    assert_contained(results)
    assert not (outside / "escaped").exists()
    assert (ws / ".git").is_dir() and not (ws / ".git-moved").exists()
    assert "fsmonitor" not in (ws / ".git" / "config").read_text()
    assert not (ws / ".git" / "hooks" / "pre-commit").exists()
    assert not (ws / ".wakeful" / "config.toml").exists()


def _unprivileged_user() -> tuple[int, int] | str:
    """(uid, gid) of a throwaway user, created if need be; or why that is not possible."""
    if os.geteuid() != 0:
        return "the test suite is not running as root; this test runs the unprivileged case there"
    if not (shutil.which("useradd") and shutil.which("setpriv")):
        return "useradd or setpriv is missing"
    name = "wakeful-sbx"
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        made = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            capture_output=True,
            text=True,
        )
        if made.returncode != 0 and "already exists" not in made.stderr:
            return f"useradd failed: {made.stderr.strip()}"
        entry = pwd.getpwnam(name)
    return entry.pw_uid, entry.pw_gid


CHILD = """
import json, subprocess, sys
from pathlib import Path
from wakeful.policy.sandbox import Sandbox
ws, home, script = sys.argv[1], sys.argv[2], sys.argv[3]
env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "SSH_AUTH_SOCK": sys.argv[4]}
s = Sandbox(Path(ws), True, allow_unsandboxed=False, home=Path(home), env=env)
if not s.available:
    print(json.dumps({"unavailable": s.notice}))
    raise SystemExit(0)
r = subprocess.run(s.wrap(["bash", "-c", script], Path(ws)), cwd=ws, env=env,
                   capture_output=True, text=True, timeout=60)
print(json.dumps({"rc": r.returncode, "out": r.stdout, "err": r.stderr}))
"""


@needs_bwrap
def test_sandbox_contains_attacks_as_an_unprivileged_user(
    unix_socket: Path, run_socket: str, request
) -> None:
    who = _unprivileged_user()
    if isinstance(who, str):
        pytest.skip(who)
    uid, gid = who
    python = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")
    if python is None:
        pytest.skip("no system python3 the unprivileged user can run")
    base = scratch_dir()
    request.addfinalizer(lambda: shutil.rmtree(base, ignore_errors=True))
    os.chmod(base, 0o755)
    home, ws, outside = base / "home", base / "ws", base / "outside"
    make_decoy_home(home)
    make_workspace(ws)
    outside.mkdir()
    for path in [base / "home", ws, outside, *home.rglob("*"), *ws.rglob("*")]:
        os.lchown(path, uid, gid)
    for path in [ws, outside]:
        os.chown(path, uid, gid)
    src = Path(__file__).resolve().parents[2] / "src"
    proc = subprocess.run(
        [
            "setpriv",
            f"--reuid={uid}",
            f"--regid={gid}",
            "--clear-groups",
            "--",
            python,
            "-c",
            CHILD,
            str(ws),
            str(home),
            probe_script(outside, run_socket),
            str(unix_socket),
        ],
        cwd=ws,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONPATH": str(src), "HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    if "unavailable" in report:
        pytest.skip(f"bubblewrap cannot run unprivileged here: {report['unavailable']}")
    results = parse(report["out"])
    assert_contained(results)
    assert not (outside / "escaped").exists()
    assert "fsmonitor" not in (ws / ".git" / "config").read_text()


@needs_bwrap
def test_protected_paths_include_a_workspace_hooks_path(tmp_path: Path) -> None:
    """husky-style `core.hooksPath = .husky` puts hooks in the workspace: they are read-only."""
    ws = tmp_path / "ws"
    make_workspace(ws)
    subprocess.run(["git", "config", "core.hooksPath", ".husky"], cwd=ws, check=True)
    (ws / ".husky").mkdir()
    sandbox = Sandbox(ws, enabled=True, allow_unsandboxed=False, env={"HOME": str(tmp_path)})
    argv = sandbox.wrap(["bash", "-c", "echo x > .husky/pre-commit"], ws)
    r = subprocess.run(argv, cwd=ws, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "Read-only" in r.stderr
    assert not (ws / ".husky" / "pre-commit").exists()


def test_wakeful_python_is_importable_without_third_party_packages() -> None:
    """The unprivileged test imports the sandbox with the system python: keep it stdlib-only."""
    code = "import wakeful.policy.sandbox"
    src = Path(__file__).resolve().parents[2] / "src"
    r = subprocess.run(
        [sys.executable, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(src)!r}); {code}"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
