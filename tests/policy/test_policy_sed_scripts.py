"""sed scripts read as sed reads them: every address form (`first~step`, `\\cREGEXc`,
`addr,+N`), `r`/`R` reading a file into the output, `w` and `s///w` whose file name runs to
the end of the line, `s` and `y` whose fields may hold `;`, and text after `a`, `i`, `c`.
What does not parse as sed is asked, not skipped."""

from __future__ import annotations

import pytest

from wakeful.testing.classifier import auto_verdict, judge

JUDGE = judge()

ATTACKS = [
    # r and R copy a file into the output
    "sed 'r /home/dev/.ssh/id_rsa' README.md",
    "sed '1r /home/dev/.aws/credentials' README.md",
    "sed -e '$r /home/dev/.netrc' README.md",
    "sed 'r/home/dev/.netrc' README.md",
    "sed '/x/R /home/dev/.netrc' README.md",
    "sed -e '/a/{' -e 'r /home/dev/.netrc' -e '}' README.md",
    # addresses the old pattern did not know hid the command after them
    "sed '0~3r /home/dev/.netrc' README.md",
    "sed '2~1w /home/dev/.bashrc' README.md",
    "sed '\\,x,r /home/dev/.netrc' README.md",
    "sed '\\%a%w /home/dev/.bashrc' README.md",
    "sed -n '/a/,~4w /home/dev/.profile' README.md",
    # a `;` inside s's fields is not a command separator
    "sed 's/a;b/c/w /home/dev/.bashrc' README.md",
    "sed 's|;|x|gw /home/dev/.profile' README.md",
    "sed 's/a;b/id/e' README.md",
    "sed 'y/a;b/c;d/;w /home/dev/.bashrc' README.md",
    # what is not sed
    "sed '1~2Xw /home/dev/.bashrc' README.md",
]
EVERYDAY = [
    "sed '/^# end/r docs/footer.md' README.md",
    "sed '$r LICENSE' README.md",
    "sed '1~2d' README.md",
    "sed -n '\\#/usr#p' README.md",
    "sed 's/[;]/,/g' README.md",
    "sed ':a;N;$!ba;s/\\n/ /g' README.md",
    "sed -e :a -e '$!N;s/\\n//;ta' README.md",
    "sed '1i # header; kept' README.md",
    "sed '$a done; ok' README.md",
    "sed -n '2{p;q}' README.md",
    "sed '$!{h;d};x;G' README.md",
    "sed 'y/abc/xyz/' README.md",
    "sed '/x/ !d' README.md",
    "sed 's/a/b/w build/out.txt' README.md",
    "sed -i.bak 's/foo/bar/g' src/app.py",
]


@pytest.mark.parametrize("cmd", ATTACKS)
def test_sed_reading_writing_or_running_outside_asks(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd).reasons


@pytest.mark.parametrize("cmd", EVERYDAY)
def test_everyday_sed_scripts_stay_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", JUDGE(cmd).reasons


# A bracket expression in a regex may hold the delimiter (`s/[/]/x/`, `/[/]/p`) and a
# literal backslash: GNU sed reads them so, and a parser that ended the field at that
# delimiter took the replacement's `;` for a command separator.
BRACKETS = [
    "sed 's/[/]/a;b/w /home/dev/.bashrc' README.md",
    "sed '/[/]x;b/w /home/dev/.bashrc' README.md",
    "sed 's/[]/]/a;b/w /home/dev/.profile' README.md",
    "sed 's/[[:punct:]/]/a;b/w /home/dev/.bashrc' README.md",
    "sed '\\,[,],w /home/dev/.bashrc' README.md",
    "sed 's/[\\]/a;b/w /home/dev/.bashrc' README.md",
]
BRACKETS_EVERYDAY = [
    "sed 's/[/]/-/g' README.md",
    "sed -n '/[[:space:]]$/p' README.md",
    "sed 's/[^a-z]//g' README.md",
    "sed 's/[]]/x/' README.md",
]


@pytest.mark.parametrize("cmd", BRACKETS)
def test_a_delimiter_inside_brackets_hides_no_write(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd).reasons


@pytest.mark.parametrize("cmd", BRACKETS_EVERYDAY)
def test_bracket_expressions_stay_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", JUDGE(cmd).reasons
