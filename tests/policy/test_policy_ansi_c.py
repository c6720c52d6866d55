"""`$'...'` words decoded as bash decodes them: a string ends at its first NUL (`\\0`,
`\\x0`, `\\u0000`), `\\x` takes one or two hex digits, `\\u`/`\\U` up to four/eight,
`\\cX` is a control character and `\\e` is ESC. A decoder that failed on a one-digit `\\x`
kept the text raw (a relative path in the workspace), and one that kept what follows a NUL
let `/..` segments after it walk the path elsewhere."""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path

import pytest

from wakeful.policy.decision import mode_verdict
from wakeful.policy.shell_parse import _ansi_c
from wakeful.testing.classifier import judge

JUDGE = judge()


@pytest.mark.parametrize(
    "cmd",
    [
        "cat $'/home/dev/.ssh/id_rsa\\0/../../../../etc/hosts'",
        "cat $'/home/dev/.ssh/id_rsa\\x0/../../../../etc/hosts'",
        "cat $'/home/dev/.ssh/id_rsa\\u0000/../../../../etc/hosts'",
        "cat $'\\x2fhome\\x2fdev\\x2f.ssh\\x2fid_rsa\\x0'",
        "cat $'\\x2fhome\\x2fdev\\x2f.netrc\\x0'",
        "rm -rf $'/home/dev\\0/proj/build'",
        "timeout 5 cat $'/home/dev/.aws/credentials\\0/../../../../etc/hostname'",
    ],
)
def test_what_bash_reads_is_judged(cmd: str) -> None:
    r = JUDGE(cmd)
    assert mode_verdict("auto", r.tier) != "allow", (cmd, r)


@pytest.mark.parametrize(
    "body",
    [
        "a\\x41\\x4",
        "\\e[1m",
        "\\cA",
        "\\u41z",
        "\\101\\0102",
        "/x/id\\0/../y",
        "\\q\\\\",
        "\\'",
        "\\xZZ",
    ],
)
def test_the_decoder_agrees_with_bash(body: str) -> None:
    """Each body decoded by the real bash, `printf %s $'BODY'`, and by the parser."""
    out = subprocess.run(
        ["bash", "-c", f"printf %s $'{body}'"], capture_output=True, check=True
    ).stdout
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no invalid-escape warning on the way
        assert _ansi_c(body, word=True).encode("utf-8", "surrogateescape") == out, body


def test_through_the_cli(cli, git_repo: Path) -> None:  # type: ignore[no-untyped-def]
    cmd = "cat $'/etc/../root/.ssh/id_rsa\\0/../../../../etc/hostname'"
    r = cli(["classify", "--json", "--mode", "auto", "--", cmd], git_repo)
    assert r.returncode == 0, r.stderr
    assert r.json()["decision"] != "allow", r.json()
