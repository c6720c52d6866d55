"""`make demo` runs offline on the embedded model, end to end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_offline(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL"}
    }
    # The interpreter running the tests, not ./.venv: the demo runs the sources under test.
    env.update(
        {
            "HOME": str(tmp_path),
            "TMPDIR": str(tmp_path),
            "NO_COLOR": "1",
            "WAKEFUL_PYTHON": sys.executable,
        }
    )
    child = subprocess.Popen(
        ["bash", str(ROOT / "scripts/demo.sh")],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = child.communicate(timeout=300)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    proc = subprocess.CompletedProcess(child.args, child.returncode, stdout, stderr)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "tool call   read(" in out  # the embedded model made a valid call
    # ... and answered the question from the file (greedy decoding, the result named by its
    # file: 4 of 4 runs; at temperature 0.2 it was 2 of 4).
    answer = next(line for line in out.splitlines() if line.startswith("  answer"))
    assert "8080" in answer, answer
    assert "[drifted," in out  # memory re-verified after the edit
    assert '"rm -rf ~", "tier": "critical", "decision": "deny"' in out
    assert '"git status", "tier": "read_only", "decision": "allow"' in out
    assert "Traceback" not in proc.stderr
