"""File names computed at run time by a producer whose own words select secrets (a find or
fd name, extension or regex; an ls glob; a grep filter over a listing whose pattern matches a
secret's name; `grep -l` for a credential's pattern), handed to a program that prints file
contents through `$(...)`, backticks, `| xargs`, `| while read`, `< <(...)`, `for f in
$(...)` or fd's -x/-X, are a read of those secrets. Names computed by a producer that says
nothing of which files they are stay plain reads."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from wakeful.policy.shell import Classification, ShellClassifier
from wakeful.testing.classifier import auto_verdict, judge

ASKED = [
    "cat $(ls -a | grep env)",
    "cat $(ls -a | grep '^\\.env')",
    "cat `find . -name .env`",
    "cat $(find . -name '*.pem')",
    "head -n 5 $(find . -iname '*.key')",
    "ls -a | grep -E '^\\.env' | xargs cat",
    "git ls-files | grep env | xargs cat",
    "git ls-files | grep -i credentials | xargs cat",
    "ls -a | grep netrc | xargs base64",
    "fd -H '^\\.env' -x cat",
    "fd -H -e pem -X cat",
    "fd -H id_rsa -x cat {}",
    'while read f; do cat "$f"; done < <(ls .env*)',
    "while read -r f; do cat \"$f\"; done < <(find . -name '*.pem')",
    'ls .env* | while read f; do cat "$f"; done',
    'ls -a | grep env | while read -r f; do xxd "$f"; done',
    'for f in $(ls -A | grep env); do cat "$f"; done',
    "for f in $(find . -name '*.key'); do base64 \"$f\"; done",
    "for f in `find . -name id_rsa`; do cat $f; done",
    "cat $(grep -rl AKIA .)",
    "grep -rl PRIVATE . | xargs cat",
    "rg -l 'api_key' | xargs cat",
    "tar czf /tmp/out.tgz $(find . -name '*.pem')",
    "ls .env* | xargs cat",
    "x=$(find . -name '*.pem'); cat $x",
    "xargs -a <(find . -name '*.pem') cat",
    "mapfile -t files < <(find . -name '*.pem'); cat \"${files[@]}\"",
    "git grep -l AKIA | xargs cat",
    'while read f; do cat $f; done <<< "$(find . -name .env)"',
    "ls -a | awk '/env/' | xargs cat",
    "cat ./$(ls -a | grep env)",
    "find . -iname '*secret*' | xargs cat",
    "find . -regex '.*\\.pem' | xargs cat",
    "fd -H -g '.env*' -x cat",
    "cat $(fd -H '^\\.env')",
    "grep -rl AKIA . | xargs -I{} cat {}",
    "fd -H id_ed25519 /home/dev -x cat",
    "cat $(ls -A)",
    "ls -la | xargs cat",
    "cat $(realpath .env)",
    "cat $(readlink -f .env)",
    "head $(compgen -G '.env*')",
    "cat $(find . -name .env | sed 's|^./||')",
    "ls -a | sed -n '/env/p' | xargs cat",
    "find . -name .env -exec sh -c 'cat $0' {} \\;",
    "sh -c 'cat $0' ~/.netrc",
]
ALLOWED = [
    "cat $(find src -name '*.py')",
    "find . -name '*.py' | xargs cat",
    "cat $(git ls-files)",
    "git ls-files | grep '\\.py$' | xargs cat",
    "git ls-files | grep src | xargs cat",
    "ls | grep -v test | xargs cat",
    "ls | grep . | xargs wc -l",
    "find . -name '*.py' | grep env | xargs cat",
    "for f in $(find . -name '*.md'); do cat \"$f\"; done",
    'ls *.txt | while read f; do cat "$f"; done',
    "cat $(grep -rl TODO src)",
    "grep -rl 'def main' . | xargs cat",
    "fd -e py -x cat",
    "fd test -x cat",
    'for f in $(ls); do echo "$f"; done',
    "ls -a | grep env",
    "find . -name .env",
    "echo $(find . -name '*.pem')",
    "ls | awk '/\\.py$/' | xargs cat",
    "fd env -x cat",
    'mapfile -t f < <(git ls-files); cat "${f[@]}"',
    "git grep -l TODO | xargs cat",
    "git ls-files | grep json | xargs cat",
    "git ls-files | grep '\\.json$' | xargs cat",
    "fd -e json -x cat",
    "ls | xargs cat",
    "cat $(realpath src/main.py)",
    "ls src | sed 's|^|src/|' | xargs cat",
    "ls | sed -n '/py$/p' | xargs cat",
    "ls $(find . -name '*.pem')",
]


@pytest.mark.parametrize("cmd", ASKED)
def test_names_selected_as_secrets_and_read_are_asked(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", judge()(cmd).reasons


@pytest.mark.parametrize("cmd", ALLOWED)
def test_names_computed_without_selecting_secrets_stay_reads(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", judge()(cmd).reasons


# A walk that no name narrows hands every file below its start to the reader: over a
# workspace directory whose top level holds a secret file, that file is read with the rest,
# as a recursive grep for a credential's pattern there reads it.
WHOLE_TREE_READS = [
    "find . -type f | xargs cat",
    "find . -type f -exec cat {} +",
    "fd -u -x cat",
    "grep -r '' .",
    "cat $(find . -type f)",
    'for f in $(find . -type f); do cat "$f"; done',
]


def _workspace(tmp_path: Path, secret: bool) -> Callable[[str], Classification]:
    ws = tmp_path / "ws"
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (ws / "src").mkdir()
    (ws / "src" / "main.py").write_text("print('hi')\n")
    if secret:
        (ws / ".env").write_text("API_KEY=sk_live_x\n")
    return ShellClassifier(ws, tmp_path / "home").classify


@pytest.mark.parametrize("cmd", WHOLE_TREE_READS)
def test_a_whole_tree_read_over_the_projects_secret_asks(cmd: str, tmp_path: Path) -> None:
    judge = _workspace(tmp_path, secret=True)
    assert auto_verdict(cmd, judge) != "allow", judge(cmd)


@pytest.mark.parametrize("cmd", WHOLE_TREE_READS)
def test_a_whole_tree_read_without_a_secret_stays_a_read(cmd: str, tmp_path: Path) -> None:
    judge = _workspace(tmp_path, secret=False)
    assert auto_verdict(cmd, judge) == "allow", judge(cmd)


@pytest.mark.parametrize(
    "cmd",
    [
        "find src -type f | xargs cat",
        "find . -name '*.py' | xargs cat",
        "find . -type f | xargs ls -l",
        "find . -type f | xargs grep -n TODO",
        "grep -n TODO $(find . -type f)",
        "find . -type f -exec grep -l TODO {} +",
    ],
)
def test_narrower_walks_over_the_projects_secret_stay_reads(cmd: str, tmp_path: Path) -> None:
    judge = _workspace(tmp_path, secret=True)
    assert auto_verdict(cmd, judge) == "allow", judge(cmd)
