"""Files git reads that no pathspec names: `--pathspec-from-file` (a line that matches no
file is printed in git's error), and the mailboxes and patches `git am` and `git apply` take."""

from __future__ import annotations

import pytest

from wakeful.testing.classifier import auto_verdict, judge

SECRETS_READ = [
    "git add --pathspec-from-file=/home/dev/.netrc",
    "git commit --pathspec-from-file /home/dev/.aws/credentials",
    "git restore --pathspec-from-file=/home/dev/.netrc",
    "git rm --pathspec-from-file=/home/dev/.netrc",
    "git reset --pathspec-from-file=/home/dev/.ssh/id_rsa",
    "git checkout --pathspec-from-file=/home/dev/.netrc",
    "git stash push --pathspec-from-file=/home/dev/.netrc",
    "git am ~/.netrc",
    "git apply --check ~/.ssh/id_rsa",
    "git apply --stat /home/dev/.aws/credentials",
]
EVERYDAY = [
    "git add --pathspec-from-file=files.txt",
    "git am patches/0001.patch",
    "git apply fix.patch",
    "git apply --check fix.patch",
    "git apply /tmp/fix.patch",
]


@pytest.mark.parametrize("cmd", SECRETS_READ)
def test_files_git_reads_are_judged(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", judge()(cmd).reasons


@pytest.mark.parametrize("cmd", EVERYDAY)
def test_project_files_stay_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", judge()(cmd).reasons
