"""A list of file names the workspace holds (`tar -T files.txt`, `rsync --files-from=list`,
`xargs -a list cat`, `cpio -o < list`, `zip -@ < list`) is read when the command is judged:
a list the repository ships can name `../.ssh/id_rsa`, and what it names is read. A list
that does not exist yet (written by the same line) stays names known only at run time."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from wakeful.policy.decision import mode_verdict
from wakeful.policy.shell import ShellClassifier


@pytest.fixture
def judge(tmp_path: Path):  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    ws = home / "proj"
    ws.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (ws / "bad.txt").write_text("src/a.py\n../.ssh/id_rsa\n")
    (ws / "good.txt").write_text("src/a.py\nREADME.md\n")
    classify = ShellClassifier(ws, home).classify

    def auto(cmd: str) -> str:
        r = classify(cmd)
        return mode_verdict("auto", r.tier) if r.parsed else "ask"

    return auto


@pytest.mark.parametrize(
    "cmd",
    [
        "tar -czf out.tgz -T bad.txt",
        "tar -czf out.tgz --files-from=bad.txt",
        "rsync -a --files-from=bad.txt . /tmp/out",
        "xargs -a bad.txt cat",
        "xargs cat < bad.txt",
        "cpio -o < bad.txt > a.cpio",
        "zip out.zip -@ < bad.txt",
        "timeout 9 tar -czf out.tgz -T bad.txt",
    ],
)
def test_a_list_naming_a_secret_reads_it(judge, cmd: str) -> None:  # type: ignore[no-untyped-def]
    assert judge(cmd) != "allow", cmd


@pytest.mark.parametrize(
    "cmd",
    [
        "tar -czf out.tgz -T good.txt",
        "rsync -a --files-from=good.txt . /tmp/out/",
        "xargs -a good.txt cat",
        "xargs cat < good.txt",
        "git ls-files > l.txt && tar -czf o.tgz -T l.txt",
    ],
)
def test_a_list_of_project_files_stays_allowed(judge, cmd: str) -> None:  # type: ignore[no-untyped-def]
    assert judge(cmd) == "allow", cmd


def test_through_the_cli(cli, git_repo: Path) -> None:  # type: ignore[no-untyped-def]
    (git_repo / "files.txt").write_text("README.md\n../.ssh/id_rsa\n")
    r = cli(["classify", "--json", "--mode", "auto", "--", "tar -czf o.tgz -T files.txt"], git_repo)
    assert r.returncode == 0, r.stderr
    assert r.json()["decision"] != "allow", r.json()
