"""A file others may not read is kept that way for a reason: outside the workspace, in the
system's directories or in a user's settings (where plain files are read freely), reading
one asks, whatever its name, so a credential no list names is still guarded."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from wakeful.policy.shell import ShellClassifier


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    ws, home = tmp_path / "ws", tmp_path / "home"
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    settings = home / ".config" / "fish"  # a persistence location: its files run later
    settings.mkdir(parents=True)
    (settings / "tokens.fish").write_text("set -x GITHUB_TOKEN ghp_x\n")
    (settings / "tokens.fish").chmod(0o600)
    # (config.fish is a startup file, asked as .bashrc is: a function file is the plain one)
    (settings / "functions").mkdir()
    (settings / "functions" / "ll.fish").write_text("function ll; ls -l $argv; end\n")
    (settings / "functions" / "ll.fish").chmod(0o644)
    return ws, home


@pytest.mark.parametrize(
    "cmd",
    [
        "cat ~/.config/fish/tokens.fish",
        "head -1 ~/.config/fish/tokens.fish",
        "grep TOKEN ~/.config/fish/tokens.fish",
        "base64 ~/.config/fish/tokens.fish",
    ],
)
def test_reading_a_private_file_in_settings_asks(cmd: str, layout: tuple[Path, Path]) -> None:
    ws, home = layout
    result = ShellClassifier(ws, home).classify(cmd)
    assert result.tier in ("high", "critical"), result
    assert any("others may not read" in r for r in result.reasons)


def test_the_readable_file_beside_it_is_a_plain_read(layout: tuple[Path, Path]) -> None:
    ws, home = layout
    judged = ShellClassifier(ws, home).classify("cat ~/.config/fish/functions/ll.fish")
    assert judged.tier == "read_only"


def test_a_link_to_a_private_file_is_judged_by_the_file(layout: tuple[Path, Path]) -> None:
    ws, home = layout
    os.symlink(home / ".config/fish/tokens.fish", home / ".config/fish/alias.fish")
    assert ShellClassifier(ws, home).classify("cat ~/.config/fish/alias.fish").tier == "high"


def test_system_files_everyone_may_read_stay_plain_reads(layout: tuple[Path, Path]) -> None:
    ws, home = layout
    judge = ShellClassifier(ws, home).classify
    assert judge("cat /etc/hosts").tier == "read_only"
    assert judge("cat /etc/os-release").tier == "read_only"


def test_through_the_cli_with_a_decoy_home(cli, git_repo: Path, home: Path) -> None:  # type: ignore[no-untyped-def]
    """The real CLI in a trusted repository, HOME a decoy: a private token file in the
    user's settings, reached by name, through a link in the workspace and through a
    wrapper, is never auto-allowed; the readable file beside it is."""
    settings = home / ".config" / "fish"
    settings.mkdir(parents=True)
    (settings / "tokens.fish").write_text("set -x GITHUB_TOKEN ghp_x\n")
    (settings / "tokens.fish").chmod(0o600)
    (settings / "functions").mkdir()
    (settings / "functions" / "ll.fish").write_text("function ll; ls -l $argv; end\n")
    (git_repo / "t.fish").symlink_to(settings / "tokens.fish")
    for cmd in (
        "cat ~/.config/fish/tokens.fish",
        "timeout 5 head ~/.config/fish/tokens.fish",
        "cat t.fish",
    ):
        r = cli(["classify", "--json", "--mode", "auto", "--", cmd], git_repo)
        assert r.returncode == 0, r.stderr
        assert r.json()["decision"] != "allow", (cmd, r.json())
    r = cli(
        ["classify", "--json", "--mode", "auto", "--", "cat ~/.config/fish/functions/ll.fish"],
        git_repo,
    )
    assert r.json()["decision"] == "allow", r.json()
