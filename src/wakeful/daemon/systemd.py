"""A systemd user unit for people who want the daemon supervised and started at login."""

from __future__ import annotations

import hashlib
import re
import shlex
from pathlib import Path


def unit_name(workspace: Path) -> str:
    """Stable and unique per workspace: the folder name plus a short hash of its path."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", workspace.name).strip("-") or "workspace"
    digest = hashlib.sha256(str(workspace).encode()).hexdigest()[:8]
    return f"wakeful-{slug}-{digest}.service"


def unit_text(workspace: Path, python: str, environment: dict[str, str] | None = None) -> str:
    env_lines = "".join(
        f"Environment={shlex.quote(f'{k}={v}')}\n" for k, v in sorted((environment or {}).items())
    )
    exec_start = shlex.join([python, "-m", "wakeful.cli.main", "daemon", "start", "--foreground"])
    return (
        "[Unit]\n"
        f"Description=wakeful always-on agent for {workspace}\n"
        "After=network-online.target\n"
        "\n"
        "[Service]\n"
        "Type=simple\n"
        f"WorkingDirectory={workspace}\n"
        f"ExecStart={exec_start}\n"
        f"{env_lines}"
        "Restart=on-failure\n"
        "RestartSec=5\n"
        "KillMode=mixed\n"
        "TimeoutStopSec=20\n"
        "\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )
