"""The trust boundary through the real CLI with the scripted model: tool processes get no
provider keys, auto mode sandboxes by default, and SIGTERM/SIGHUP end a run like Ctrl-C."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wakeful.core.trust import TrustStore
from wakeful.policy.sandbox import Sandbox

KEY = "sk-ant-api03-DECOYdecoyDECOYdecoy0123456789"
TOKEN = "ghp_DECOYdecoyDECOYdecoyDECOYdecoy012345"


def sessions_text(repo: Path) -> str:
    return "".join(p.read_text() for p in (repo / ".wakeful" / "sessions").glob("*.jsonl"))


def bwrap_works(repo: Path) -> bool:
    return Sandbox(repo, enabled=True, env=dict(os.environ)).available


def test_env_and_set_do_not_show_provider_keys(cli, script, git_repo: Path, tmp_path: Path) -> None:
    turns = script(
        "env",
        [
            {"tool_calls": [{"name": "bash", "input": {"command": "env"}}]},
            {"tool_calls": [{"name": "bash", "input": {"command": "set"}}]},
            {
                "tool_calls": [
                    {"name": "grep", "input": {"pattern": "DECOY", "path": "/proc/self/environ"}}
                ]
            },
            {"text": "done"},
        ],
    )
    log = tmp_path / "requests.jsonl"
    for mode, extra in (("auto", []), ("auto", ["--no-sandbox"])):
        r = cli(
            [
                "-p",
                "show the environment",
                "--model",
                f"scripted:{turns}",
                "--permission-mode",
                mode,
                *extra,
            ],
            cwd=git_repo,
            env={
                "ANTHROPIC_API_KEY": KEY,
                "GITHUB_TOKEN": TOKEN,
                "MY_SERVICE_PASSWORD": "hunter2-DECOY",
                "SSH_AUTH_SOCK": "/tmp/ssh-DECOY/agent.1",
                "WAKEFUL_REQUEST_LOG": str(log),
            },
        )
        assert r.returncode == 0, r.stderr
    sent = log.read_text()
    kept = sessions_text(git_repo)
    # The commands ran and their output reached the model ...
    assert "WAKEFUL=1" in sent and "HOME=" in sent
    # ... without any of the secrets.
    for text in (sent, kept):
        assert KEY not in text and TOKEN not in text
        assert "hunter2-DECOY" not in text and "ssh-DECOY" not in text


def test_printenv_in_bypass_mode_finds_no_key(cli, script, git_repo: Path, home: Path) -> None:
    """Even when the user lets everything run, the key is not there to print."""
    user_cfg = home / ".config" / "wakeful" / "config.toml"
    user_cfg.parent.mkdir(parents=True, exist_ok=True)
    user_cfg.write_text("[permissions]\nlift_hardline = true\n")
    turns = script(
        "printenv",
        [
            {
                "tool_calls": [
                    {"name": "bash", "input": {"command": "printenv ANTHROPIC_API_KEY; echo rc=$?"}}
                ]
            },
            {"text": "done"},
        ],
    )
    r = cli(
        ["-p", "print it", "--model", f"scripted:{turns}", "--permission-mode", "bypass"],
        cwd=git_repo,
        env={"ANTHROPIC_API_KEY": KEY},
    )
    assert r.returncode == 0, r.stderr
    text = sessions_text(git_repo)
    assert "rc=1" in text and KEY not in text


def _uid_map_run(cli, script, repo: Path, *extra: str, env: dict[str, str] | None = None) -> str:
    """Run `cat /proc/self/uid_map` through the CLI; a user namespace maps one id range."""
    turns = script(
        "uidmap",
        [
            {"tool_calls": [{"name": "bash", "input": {"command": "cat /proc/self/uid_map"}}]},
            {"text": "done"},
        ],
    )
    r = cli(["-p", "look", "--model", f"scripted:{turns}", *extra], cwd=repo, env=env or {})
    assert r.returncode == 0, r.stderr
    results = [
        json.loads(line)
        for line in (repo / ".wakeful" / "sessions")
        .glob("*.jsonl")
        .__next__()
        .read_text()
        .splitlines()
    ]
    shutil.rmtree(repo / ".wakeful" / "sessions")
    for rec in results:
        for block in rec.get("message", {}).get("content", []):
            if block.get("type") == "tool_result":
                return str(block["content"])
    raise AssertionError("no tool result")


def sandboxed(uid_map: str) -> bool:
    return "4294967295" not in uid_map


def test_auto_mode_sandboxes_by_default(cli, script, git_repo: Path, home: Path) -> None:
    if not bwrap_works(git_repo):
        pytest.skip("bubblewrap cannot run here; auto mode then runs unsandboxed (and says so)")
    if sandboxed(Path("/proc/self/uid_map").read_text()) is not False:
        pytest.skip("this process already runs in a user namespace: the probe cannot tell")
    assert sandboxed(_uid_map_run(cli, script, git_repo, "--permission-mode", "auto"))
    assert not sandboxed(_uid_map_run(cli, script, git_repo, "--permission-mode", "default"))
    assert not sandboxed(
        _uid_map_run(cli, script, git_repo, "--permission-mode", "auto", "--no-sandbox")
    )
    # An untrusted project cannot switch it off ...
    (git_repo / ".wakeful").mkdir(exist_ok=True)
    (git_repo / ".wakeful" / "config.toml").write_text("sandbox = false\n")
    store = TrustStore(home / ".local/share/wakeful")
    store.revoke(git_repo)
    try:
        assert sandboxed(_uid_map_run(cli, script, git_repo, "--permission-mode", "auto"))
    finally:
        store.trust(git_repo)
    (git_repo / ".wakeful" / "config.toml").unlink()
    # ... the user's own config can.
    user_cfg = home / ".config" / "wakeful" / "config.toml"
    user_cfg.parent.mkdir(parents=True, exist_ok=True)
    user_cfg.write_text("sandbox = false\n")
    assert not sandboxed(_uid_map_run(cli, script, git_repo, "--permission-mode", "auto"))


def _env(home: Path) -> dict[str, str]:
    drop = {"ANTHROPIC_API_KEY", "OPENAI_API_KEY", "WAKEFUL_MODEL", "WAKEFUL_PERMISSION_MODE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            "NO_COLOR": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _groups_running(marker: str) -> set[int]:
    groups: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            if marker.encode() in cmdline:
                groups.add(os.getpgid(int(entry.name)))
        except (OSError, ProcessLookupError):
            continue
    return groups


def _live_members(groups: set[int]) -> list[int]:
    """Processes in these process groups that are not zombies (an init that does not reap,
    as in some containers, leaves zombies behind; they run nothing)."""
    live = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, pgid = fields[0], int(fields[2])
        if pgid in groups and state not in ("Z", "X"):
            live.append(int(entry.name))
    return live


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
@pytest.mark.parametrize("sandbox", ["--sandbox", "--no-sandbox"])
def test_terminating_signal_ends_like_ctrl_c(
    script, git_repo: Path, home: Path, tmp_path: Path, signum: int, sandbox: str
) -> None:
    if sandbox == "--sandbox" and not bwrap_works(git_repo):
        pytest.skip("bubblewrap cannot run here")
    marker = f"wakeful-sig-{os.getpid()}-{int(signum)}"
    turns = script(
        "sleep",
        [
            {"tool_calls": [{"name": "bash", "input": {"command": f"sleep 30; echo {marker}"}}]},
            {"text": "never reached"},
        ],
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wakeful.cli.main",
            "-p",
            "wait",
            "--model",
            f"scripted:{turns}",
            "--permission-mode",
            "auto",
            sandbox,
            "--output-format",
            "stream-json",
        ],
        cwd=git_repo,
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        groups: set[int] = set()
        while time.monotonic() < deadline and not groups:
            groups = _groups_running(marker)
            time.sleep(0.05)
        assert groups, "the tool process never started"
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signum, (proc.returncode, err)
    assert f"stopped by {signal.Signals(signum).name}" in err and "Traceback" not in err
    deadline = time.monotonic() + 5
    while _groups_running(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _groups_running(marker), "the tool's process group outlived the CLI"
    assert not _live_members(groups), "processes of the tool's group are still running"

    # The transcript is valid: the dangling call was answered; --continue works.
    transcript = next((git_repo / ".wakeful" / "sessions").glob("*.jsonl"))
    messages = [
        json.loads(line)["message"]
        for line in transcript.read_text().splitlines()
        if json.loads(line).get("type") == "message"
    ]
    assert messages[-1]["role"] == "user"
    assert messages[-1]["content"][0]["type"] == "tool_result"
    again = script("again", [{"text": "resumed fine"}])
    log = tmp_path / "continue.jsonl"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "wakeful.cli.main",
            "-p",
            "go on",
            "--continue",
            "--model",
            f"scripted:{again}",
        ],
        cwd=git_repo,
        env={**_env(home), "WAKEFUL_REQUEST_LOG": str(log)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "resumed fine" in r.stdout
    assert_every_call_answered(json.loads(log.read_text().splitlines()[0])["request"]["messages"])


def assert_every_call_answered(messages: list[dict]) -> None:
    for i, msg in enumerate(messages):
        calls = [b["id"] for b in msg["content"] if b.get("type") == "tool_use"]
        if not calls:
            continue
        nxt = messages[i + 1]
        answered = {b["tool_use_id"] for b in nxt["content"] if b.get("type") == "tool_result"}
        assert set(calls) <= answered, (calls, nxt)


def test_continue_repairs_a_transcript_killed_mid_call(
    script, git_repo: Path, home: Path, tmp_path: Path
) -> None:
    """SIGKILL leaves a tool call without a result; --continue answers it before replaying."""
    marker = f"wakeful-kill-{os.getpid()}"
    turns = script(
        "sleep",
        [{"tool_calls": [{"name": "bash", "input": {"command": f"sleep 30; echo {marker}"}}]}],
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wakeful.cli.main",
            "-p",
            "wait",
            "--model",
            f"scripted:{turns}",
            "--permission-mode",
            "auto",
            "--no-sandbox",
        ],
        cwd=git_repo,
        env=_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    groups: set[int] = set()
    while time.monotonic() < deadline and not groups:
        groups = _groups_running(marker)
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    for pgid in groups:  # SIGKILL gives no chance to clean up: do it for the test
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    transcript = next((git_repo / ".wakeful" / "sessions").glob("*.jsonl"))
    last = [json.loads(x) for x in transcript.read_text().splitlines() if '"message"' in x][-1]
    assert last["message"]["role"] == "assistant"  # dangling: the attack on --continue
    again = script("again", [{"text": "resumed fine"}])
    log = tmp_path / "continue.jsonl"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "wakeful.cli.main",
            "-p",
            "go on",
            "--continue",
            "--model",
            f"scripted:{again}",
        ],
        cwd=git_repo,
        env={**_env(home), "WAKEFUL_REQUEST_LOG": str(log)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert_every_call_answered(json.loads(log.read_text().splitlines()[0])["request"]["messages"])
