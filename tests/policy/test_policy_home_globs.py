"""A wildcard in the leading components of a path can name the home directory (`/home/*/`,
`/h*/d?v/`, `/Users/*/`): what lies below it is judged as below the home directory, its
credentials as credentials and its other files as reads outside the workspace. Another
user's home (`/home/alice`) holds credentials at the same places."""

from __future__ import annotations

import pytest

from wakeful.testing.classifier import auto_verdict, judge

ASKED = [
    "cat /home/*/.ssh/*",
    "cat /h*/*/.ssh/*",
    "tar czf keys.tgz /home/*/.ssh/*",
    "cat /home/*/.config/gh/*",
    "cat /Users/*/.ssh/*",
    "cat /home/*/.bashrc",
    "cat /home/*/notes.txt",
    "ls /home/*/.ssh",
    # another user's home: their credential files are credentials, their tree holds them
    "cat /home/alice/.config/gh/hosts.yml",
    "cat /Users/bob/.aws/credentials",
    "grep -r --include='*.env' -l KEY /home/alice",
    "KUBECONFIG=/home/alice/.kube/config kubectl get nodes",
    # fish's startup files export tokens as .bashrc does
    "cat ~/.config/fish/config.fish",
    "cat ~/.config/fish/conf.d/env.fish",
]
ALLOWED = [
    "KUBECONFIG=~/.kube/prod kubectl get nodes",
    "ls /home/*",
    "ls /home",
    "cat /etc/*",
    "cat /usr/*/README",
    "cat /tmp/*.log",
]


@pytest.mark.parametrize("cmd", ASKED)
def test_wildcards_that_name_the_home_directory_are_judged_there(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", judge()(cmd).reasons


@pytest.mark.parametrize("cmd", ALLOWED)
def test_other_wildcards_stay_reads(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", judge()(cmd).reasons
