"""A search for a credential's pattern that also reads hidden files prints the line of `.env`
that holds the key: rg with `--hidden`, `-.` or `-uu`, ag with `--hidden` or `-u`, and ack
(which skips no dotfile), as grep -r already was. Judged against a real workspace, whose top
level is listed when the command is judged."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from wakeful.policy.shell import Classification
from wakeful.testing.classifier import auto_verdict, judge

Judge = Callable[[str], Classification]

SEARCHES_SECRETS = [
    "rg -uu API_KEY",
    "rg -uuu API_KEY",
    "rg --hidden API_KEY",
    "rg -. API_KEY",
    "rg -u -u API_KEY",
    "rg --hidden --no-ignore -i api_key .",
    "ag --hidden API_KEY",
    "ag -u API_KEY",
    "ag --unrestricted API_KEY .",
    "ack API_KEY",
    "ack -i token",
]
EVERYDAY = [
    "rg API_KEY",  # hidden files are skipped
    "rg -u API_KEY",  # ignored files, but not hidden ones
    "rg --hidden TODO",
    "ag API_KEY",
    "ack TODO",
    "ack API_KEY src",
    "rg -uu API_KEY src",
]


@pytest.fixture(scope="module")
def judged(tmp_path_factory: pytest.TempPathFactory) -> Judge:
    home = tmp_path_factory.mktemp("home")
    ws = home / "proj"
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (ws / ".env").write_text("API_KEY=sk-test\n")
    (ws / ".gitignore").write_text(".env\n")
    (ws / "src").mkdir()
    return judge(ws, home)


@pytest.mark.parametrize("cmd", SEARCHES_SECRETS)
def test_searching_hidden_files_for_a_credential_asks(cmd: str, judged: Judge) -> None:
    assert auto_verdict(cmd, judged) != "allow", judged(cmd).reasons


@pytest.mark.parametrize("cmd", EVERYDAY)
def test_other_searches_stay_allowed(cmd: str, judged: Judge) -> None:
    assert auto_verdict(cmd, judged) == "allow", judged(cmd).reasons


def test_without_a_secret_file_the_same_searches_are_allowed(tmp_path: Path) -> None:
    ws = tmp_path / "proj"
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    judged_clean = judge(ws, tmp_path)
    for cmd in SEARCHES_SECRETS:
        assert auto_verdict(cmd, judged_clean) == "allow", cmd
