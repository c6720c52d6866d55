"""With `shopt -s expand_aliases`, an alias defined where the classifier cannot read its
value (`eval "alias ..."`, `BASH_ALIASES[name]=...`, a sourced file) may stand for any
command read on a later line: checked against bash, which runs the alias there."""

from __future__ import annotations

import subprocess

import pytest

from wakeful.testing.classifier import auto_verdict, judge

HIDDEN = [
    "shopt -s expand_aliases\neval \"alias ls='rm -rf ~'\"\nls",
    "BASH_ALIASES[ls]='rm -rf ~'; shopt -s expand_aliases\nls",
    "shopt -s expand_aliases\nBASH_ALIASES[ls]='rm -rf ~'\nls",
    "shopt -s expand_aliases\n. ./aliases.sh\nls",
]
SEEN = [
    "shopt -s expand_aliases\nalias ll='ls -l'\nll",
    # an alias is used only on lines read after the one that defines it
    "shopt -s expand_aliases; eval \"alias ls='rm -rf ~'\"; ls",
    # without expand_aliases bash -c expands none
    "eval \"alias ls='rm -rf ~'\"\nls",
    "echo BASH_ALIASES",
]


@pytest.mark.parametrize("cmd", HIDDEN)
def test_aliases_defined_out_of_sight_ask(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", judge()(cmd).reasons


@pytest.mark.parametrize("cmd", SEEN)
def test_aliases_seen_or_not_expanded_stay_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", judge()(cmd).reasons


def test_bash_runs_an_alias_set_through_its_table_on_a_later_line() -> None:
    out = subprocess.run(
        ["bash", "-c", "BASH_ALIASES[ls]='echo ALIASED'; shopt -s expand_aliases\nls"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "ALIASED"
