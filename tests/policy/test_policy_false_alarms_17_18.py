"""False alarms of the seventeenth and eighteenth blind sets (corpora/risk-blind-17.tsv and
corpora/risk-blind-18.tsv), each closed with its boundary: the dangerous siblings of every
form now allowed stay asked."""

from __future__ import annotations

import pytest

from wakeful.testing.classifier import auto_verdict, judge

JUDGE = judge()


# openssl: a private key in the workspace read to print nothing of it (`-noout`), only its
# public part (`-pubout`, `-modulus`), or to copy it into a new file named as a key; `-pubin`
# and the parameter commands reject a private key instead of printing it.
OPENSSL_KEY_KEPT = [
    "openssl rsa -in private.key -noout",
    "openssl rsa -noout -modulus -in private.key",
    "openssl rsa -in private.key -check -noout",
    "openssl pkey -in certs/server.key -pubout",
    "openssl pkey -in private.key -pubout -out public.key",
    "openssl rsa -pubout -in private.key -out build/public.pem",
    "openssl pkey -noout -text -pubin -in public.key",
    "openssl rsa -pubin -in keys/pub.pem -text -noout",
    "openssl pkeyparam -in dhparam.pem -text",
    "openssl dhparam -in certs/dhparam.pem -noout -text",
    "openssl ecparam -in certs/ec.pem -text -noout",
    "openssl rsa -in private.key -out private_unp.key",
    "openssl rsa -aes128 -in private.key -out private_pass.key",
    "openssl pkcs12 -in cert.pfx -nocerts -nodes -out key.pem",
    "openssl pkcs12 -in cert.pfx -nokeys",
    "openssl pkcs8 -topk8 -in private.key -out build/private.p8.key",
    "openssl req -new -key private.key -out request.csr",
]
OPENSSL_KEY_SHOWN = [
    # the key itself printed, or copied where a plain read shows it
    "openssl rsa -in private.key",
    "openssl rsa -in private.key -text -noout",
    "openssl rsa -in private.key -pubout -text",
    "openssl pkey -in private.key -text_pub",
    "openssl pkey -in private.key -noout -text",
    "openssl rsa -in private.key -out notes.txt",
    "openssl rsa -in private.key -out /tmp/k.pem",
    "openssl pkcs12 -in cert.pfx -nodes",
    "openssl pkcs12 -in cert.pfx -nocerts -nodes -out build/out.txt",
    "openssl pkcs8 -topk8 -nocrypt -in private.key",
    # a key outside the workspace, even for its public part
    "openssl rsa -in ~/.ssh/id_rsa -noout -modulus",
    "openssl pkey -in ~/.ssh/id_rsa -pubout",
    "openssl pkey -pubin -in ~/.ssh/id_rsa -text",
    "openssl pkeyparam -in ~/.ssh/id_ecdsa",
    "openssl rsa -in ~/.ssh/id_rsa -out private.key",
    # a key outside the workspace used to sign or decrypt, and a password file read
    "openssl req -new -key ~/.ssh/id_rsa -out x.csr",
    "openssl dgst -sha256 -sign ~/.ssh/id_rsa -out sig.bin README.md",
    "openssl x509 -req -in x.csr -signkey ~/.ssh/id_rsa -out c.crt",
    "openssl x509 -req -in x.csr -CA ca.crt -CAkey ~/.ssh/id_rsa -out c.crt",
    "openssl pkeyutl -decrypt -inkey ~/.ssh/id_rsa -in secret.enc",
    "openssl pkcs12 -export -inkey ~/.ssh/id_rsa -in cert.pem -out x.p12",
    "openssl rsa -in private.key -noout -passin file:/home/dev/.ssh/pw",
    "openssl x509 -in cert.pem -noout -passin file:/home/dev/.aws/credentials",
    "openssl ca -keyfile ~/.ssh/id_rsa -in x.csr -out c.crt",
]


@pytest.mark.parametrize("cmd", OPENSSL_KEY_KEPT)
def test_openssl_key_kept_in_the_workspace_is_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", JUDGE(cmd).reasons


@pytest.mark.parametrize("cmd", OPENSSL_KEY_SHOWN)
def test_openssl_key_shown_or_from_outside_is_asked(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd).reasons


# git told to read less configuration: the system file skipped, or an empty file in place of
# the user's or the system's; any other file named there may name programs.
GIT_CONFIG_LESS = [
    "GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null git status --porcelain",
    "GIT_CONFIG_NOSYSTEM=true git log --oneline -5",
    "GIT_CONFIG_SYSTEM=/dev/null git diff --stat",
    "env GIT_CONFIG_GLOBAL=/dev/null git status",
]
GIT_CONFIG_OTHER = [
    "GIT_CONFIG_GLOBAL=./evil.cfg git status",
    "GIT_CONFIG_GLOBAL=/tmp/x git status",
    "GIT_CONFIG_SYSTEM=$CFG git status",
    "GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=core.pager "
    "GIT_CONFIG_VALUE_0='sh -c id' git log",
    "GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_PARAMETERS=\"'core.pager'='id'\" git log",
    # a pager named by -c is judged as the command it is: one that deletes is asked
    "GIT_CONFIG_NOSYSTEM=1 git -c core.pager='sh -c \"rm -rf ~\"' log",
]


@pytest.mark.parametrize("cmd", GIT_CONFIG_LESS)
def test_git_told_to_read_less_configuration_is_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", JUDGE(cmd).reasons


@pytest.mark.parametrize("cmd", GIT_CONFIG_OTHER)
def test_git_configuration_from_elsewhere_is_asked(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd).reasons


# `kill $$`: the command's own shell; any other pid computed at run time may be anyone's.
OWN_SHELL = ["kill -9 $$", 'kill -TERM "$BASHPID"', "kill ${$}", "sleep 1; kill -9 $$"]
OTHER_PIDS = ["kill -9 $PPID", "kill -9 $pid", "kill -9 $$ 1", "kill -9 $$ -1", "kill $(pgrep x)"]


@pytest.mark.parametrize("cmd", OWN_SHELL)
def test_kill_of_the_commands_own_shell_is_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", JUDGE(cmd).reasons


@pytest.mark.parametrize("cmd", OTHER_PIDS)
def test_kill_of_other_pids_is_asked(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd).reasons


# Inline Python that exits with a status: sys.exit takes a value, which is judged as any
# other expression of the code.
PY_EXITS = [
    "python3 -c \"import sys; print('ERROR_' * 8000); sys.exit(1)\"",
    "python -c 'import sys; sys.exit(0)'",
    "python3 -c \"import sys; sys.exit('failed')\"",
]
PY_EXITS_RUNNING = [
    "python3 -c \"import sys; sys.exit(__import__('os').system('id'))\"",
    "python3 -c \"import sys, os; sys.exit(os.system('id'))\"",
    "python3 -c \"import sys; sys.exit(open('/home/dev/.ssh/id_rsa').read())\"",
    "python3 -c \"import sys; sys.exit(eval(sys.argv[1]))\" 'x'",
    'python3 -c "import sys; sys.settrace(print); sys.exit(0)"',
]


@pytest.mark.parametrize("cmd", PY_EXITS)
def test_inline_python_that_exits_is_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", JUDGE(cmd).reasons


@pytest.mark.parametrize("cmd", PY_EXITS_RUNNING)
def test_inline_python_exiting_with_what_code_computes_is_judged(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd).reasons


# `git update-ref HEAD $(git commit-tree ...)`: HEAD or a branch pointed at a commit the line
# just wrote, as `git commit` does; a ref deleted (`-d`, or the all-zero id as the new value,
# which git takes as a deletion), commands from standard input, other refs (tags keep no
# reflog), an existing commit and other values only known at run time stay asked.
UPDATE_REF_MOVES = [
    'git update-ref HEAD "$(git hash-object -t commit -w --stdin < commit.txt)"',
    "git update-ref HEAD $(git commit-tree -p HEAD -m msg $(git write-tree))",
    "git update-ref -m wip refs/heads/wip $(git commit-tree -p HEAD -m wip $(git write-tree))",
]
UPDATE_REF_OTHERS = [
    # an existing commit: a branch moved back drops the commits after it from the branch
    "git update-ref refs/heads/main HEAD~10",
    "git update-ref refs/heads/wip HEAD~1",
    "git update-ref -m 'move back' refs/heads/main 1a2b3c4d",
    "git update-ref --no-deref HEAD main",
    "git update-ref -d refs/heads/main",
    "git update-ref HEAD 0000000000000000000000000000000000000000",
    'git update-ref HEAD "$NEW"',
    "git update-ref HEAD $(git rev-parse $X)",
    "git update-ref refs/tags/v1.0 HEAD~3",
    "git update-ref --stdin < cmds.txt",
    "git update-ref refs/remotes/origin/main HEAD",
    "git -C ~/other update-ref HEAD main",
    # a new object's name only when nothing else can print or hide it
    "git update-ref HEAD $(git hash-object -w x >/dev/null)$(printf 0%.0s {1..40})",
    "git update-ref HEAD $(git write-tree)$(echo)",
    "git update-ref HEAD $(git hash-object -w x; echo 0000000000000000000000000000000000000000)",
    "git update-ref HEAD $(git hash-object -w x | tr -c 0 0)",
    "git update-ref HEAD $(git commit-tree -p $P -m m $(git write-tree))",
]


@pytest.mark.parametrize("cmd", UPDATE_REF_MOVES)
def test_update_ref_moving_a_logged_ref_is_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", JUDGE(cmd).reasons


@pytest.mark.parametrize("cmd", UPDATE_REF_OTHERS)
def test_update_ref_deleting_or_moving_unlogged_refs_is_asked(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd).reasons
