"""SIGTERM and SIGINT stop a `wakeful -p` that is busy inside the embedded model, promptly.

llama.cpp evaluates a prompt in one blocking call per 512-token batch and the CLI waits for
its model thread before exiting, so a run used to ignore SIGTERM until the whole prompt was
evaluated (more than 4 s with the coder model). Here the prompt is long (a big AGENTS.md, ~20
CPU seconds for SmolLM2 to evaluate), the signal arrives once the model is computing, and the
run must end within about two seconds, with the usual exit code and its session saved.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tests.conftest import clean_env

pytest.importorskip("llama_cpp", reason="llama-cpp-python is part of wakeful[local]")

pytestmark = pytest.mark.slow

# Seconds from the signal to the process's exit. The chunks between cancellation checks take
# ~0.2 s for SmolLM2; the rest is Python closing the session and unloading the model.
PROMPT_EXIT_SECONDS = 2.5


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _long_instructions(repo: Path) -> None:
    rule = "- Keep every function short, name things plainly and test what you change.\n"
    (repo / "AGENTS.md").write_text("# Rules\n\n" + rule * 320)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_a_local_generation_promptly_and_keeps_the_session(
    git_repo: Path, home: Path, sig: signal.Signals
) -> None:
    _long_instructions(git_repo)
    # No prompt cache: a run that finds the fixed prompt cached on disk (the other case of this
    # test stores it) can finish before the signal, and this test is about a busy model.
    config = home / ".config" / "wakeful" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[local]\nprompt_cache = false\n")
    env = clean_env(home, PYTHONPATH=os.environ.get("PYTHONPATH", ""))
    child = subprocess.Popen(
        [sys.executable, "-m", "wakeful.cli.main", "-p", "Which port does app.py use?"]
        + ["--model", "local", "--permission-mode", "auto", "--output-format", "json"],
        cwd=git_repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # A shell runs a background job with SIGINT ignored, and the child would inherit
        # that (CI started with `&` did): give it the default disposition a terminal gives.
        preexec_fn=_default_sigint,
    )
    try:
        # Startup and loading SmolLM2 take well under 2 CPU seconds; evaluating the prompt
        # takes ~20. Past 3 CPU seconds the model is busy with this run's prompt.
        deadline = time.monotonic() + 300
        while _cpu_seconds(child.pid) < 3.0:
            assert child.poll() is None, child.communicate()
            assert time.monotonic() < deadline, "the run never got busy"
            time.sleep(0.05)
        sent = time.monotonic()
        child.send_signal(sig)
        try:
            stdout, stderr = child.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{sig.name} did not stop the run within 60 s")
        took = time.monotonic() - sent
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    assert took < PROMPT_EXIT_SECONDS, f"{sig.name}: exit took {took:.1f} s"
    assert child.returncode == (130 if sig == signal.SIGINT else 128 + sig), stderr
    assert "Traceback" not in stderr
    assert "transcript is kept" in stderr
    sessions = subprocess.run(
        [sys.executable, "-m", "wakeful.cli.main", "sessions", "list", "--json"],
        cwd=git_repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    listed = json.loads(sessions.stdout)
    assert len(listed) == 1, sessions.stderr
    shown = subprocess.run(
        [sys.executable, "-m", "wakeful.cli.main", "sessions", "show", listed[0]["id"], "--json"],
        cwd=git_repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    records = [json.loads(line) for line in shown.stdout.splitlines()]
    assert any(r.get("type") == "interrupted" for r in records)
    assert any(r.get("type") == "message" and r["message"]["role"] == "user" for r in records), (
        "the prompt is in the saved session"
    )
