"""`make demo` runs offline on the embedded model, end to end."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_offline(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"ANTHROPIC_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL"}
    }
    env.update({"HOME": str(tmp_path), "TMPDIR": str(tmp_path), "NO_COLOR": "1"})
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts/demo.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "tool call   read(" in out  # the embedded model made a valid call
    assert "[drifted," in out  # memory re-verified after the edit
    assert '"rm -rf ~", "tier": "critical", "decision": "deny"' in out
    assert '"git status", "tier": "read_only", "decision": "allow"' in out
    assert "Traceback" not in proc.stderr
