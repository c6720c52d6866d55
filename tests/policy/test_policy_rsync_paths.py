"""rsync's options that name files it writes or reads besides its operands: backups
(`--backup-dir` with -b), partial, temporary, log and batch files, the trees it compares
with, copies or hard-links unchanged files from, and `--early-input`. A relative directory
of the first kind is relative to the destination, as rsync takes it."""

from __future__ import annotations

import pytest

from wakeful.testing.classifier import auto_verdict, judge

OUTSIDE = [
    "rsync -ab --backup-dir=/home/dev/.config/autostart src/ build/",
    "rsync -a -b --backup-dir /home/dev/x src/ build/",
    "rsync -a --partial-dir=/home/dev/.ssh src/ build/",
    "rsync -a --log-file=/home/dev/.bashrc src/ build/",
    "rsync -a --write-batch=/home/dev/.bashrc src/ build/",
    "rsync -a --only-write-batch=/home/dev/.profile src/ build/",
    "rsync -a --copy-dest=/home/dev/.ssh src/ build/",
    "rsync -a --link-dest=/home/dev/.ssh src/ build/",
    "rsync -a --link-dest=../../.ssh src/ build/",
    "rsync -a --password-file=/home/dev/.ssh/id_rsa src/ build/",
    "rsync -a --early-input=/home/dev/.ssh/id_rsa src/ build/",
]
INSIDE = [
    "rsync -a --link-dest=../prev src/ build/",
    "rsync -ab --backup-dir=.bak src/ build/",
    "rsync -a --max-size 1M src/ build/",
    "rsync -av --log-file=build/rsync.log src/ build/",
    "rsync -a --partial-dir=.rsync-partial src/ build/",
]


@pytest.mark.parametrize("cmd", OUTSIDE)
def test_rsync_files_outside_the_workspace_ask(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", judge()(cmd).reasons


@pytest.mark.parametrize("cmd", INSIDE)
def test_rsync_files_inside_the_workspace_stay_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", judge()(cmd).reasons
