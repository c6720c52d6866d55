"""Classes the seventeenth blind set (corpora/risk-blind-17.tsv: practitioners' one-liners
from the-art-of-command-line, the-book-of-secret-knowledge and pure-bash-bible, with harder
variants) found on its first run: an assignment `declare`, `export`, `local` or `readonly`
takes from a quoted word, a BSD `ps` cluster that shows environments beside `p`, a `chmod`
mode that starts with a dash, wrappers that act on running processes rather than run a
command (`cpulimit -p`, `ionice -p`), a `find` walk that only time, size or owner tests
narrow (every file below the start, .git's objects included), a walk that hands every file
of the workspace to an in-place rewrite, and permissions that let every user write."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from wakeful.policy.shell import ShellClassifier
from wakeful.testing.classifier import auto_verdict, judge

JUDGE = judge()


# A declaration builtin given its assignment as one quoted word: bash assigns it all the
# same, so the variable holds the path later commands use.
QUOTED_DECLARATIONS = [
    'declare "p=$HOME/.ssh/id_rsa"; cat "$p"',
    "typeset 'k=/home/dev/.aws/credentials'; cat $k",
    'export "F=$HOME/.netrc"; cat "$F"',
    'readonly "p=$HOME/.ssh/id_ed25519"; base64 "$p"',
    'f() { local "p=$HOME/.ssh/id_rsa"; cat "$p"; }; f',
    'declare -x "p=$HOME/.git-credentials"; cat "$p"',
    'declare -g "d=$HOME"; rm -rf "$d"',
    'v=ssh; declare "p=$HOME/.$v/id_rsa"; cat "$p"',
    'export "LD_PRELOAD=/tmp/x.so"; ls',
    'declare "p=$(echo ~/.netrc)"; cat "$p"',
    # the same assignment made by the code eval runs
    "eval p=/home/dev/.netrc; cat $p",
    "eval 'p=~/.ssh/id_rsa'; cat \"$p\"",
    'eval "declare p=$HOME/.git-credentials"; cat "$p"',
    'eval "x=1; p=$HOME/.aws/credentials"; base64 "$p"',
    # ... without quotes (a list the scanner would take without the parser), and through
    # the builtins that run eval by name
    "eval p=~/.netrc; cat $p",
    "builtin eval p=~/.netrc; cat $p",
    "command -p eval 'p=~/.ssh/id_rsa'; cat $p",
]
QUOTED_DECLARATIONS_BENIGN = [
    'declare "p=README.md"; cat "$p"',
    'eval "p=README.md"; cat "$p"',
    "export 'LC_ALL=C'; sort data.txt",
    'f() { local "n=src/app.py"; wc -l "$n"; }; f',
    'declare -r "VERSION=1.2"; echo "$VERSION"',
]

# BSD-style `ps` words: `e` anywhere in the cluster shows each process's environment, `p`
# (a pid list) included.
PS_ENVIRONMENTS = ["ps ewwp 4242", "ps ewp 4242", "ps wwep 4242", "ps axeU dev", "ps eo pid,cmd"]
PS_PLAIN = ["ps p 4242", "ps wwp 4242", "ps -p 4242 -o pid,etime,args", "ps axo pid,comm"]

# chmod's mode may start with a dash (`-w`, `-x+X`): it is the mode, not an option, and the
# words after it are the files.
CHMOD_DASH_MODES = [
    "chmod -R -w ~",
    "chmod -R -x+X ~",
    "chmod -w ~/.bashrc",
    "chmod -x ~/.local/bin/tool",
    "chmod -rwx /etc/hosts",
    "chmod -v -s /usr/bin/passwd",
    "chmod -R -x+X -- ~/.ssh",
]
CHMOD_DASH_MODES_WORKSPACE = ["chmod -R -x+X src", "chmod -w build/out.txt", "chmod -x+X *"]

# Wrappers whose options act on processes already running (throttling by stopping and
# continuing them, changing their I/O class), not on the command they would run.
PROCESS_TARGETS = [
    "cpulimit -p 4242 -l 50",
    "cpulimit --pid=4242 --limit=50",
    "cpulimit -e nginx -l 50",
    "cpulimit --exe=sshd -l 10",
    "cpulimit -P /usr/sbin/nginx -l 50",
    "ionice -c3 -p 4242",
    "ionice -p 4242 -c 2 -n 7",
    "ionice -c3 -P 4242",
    "ionice -c3 -u 1000",
]
PROCESS_WRAPPERS_BENIGN = ["ionice -c3 make test", "cpulimit -l 50 -- make", "ionice -p $$"]

# A walk that no name narrows, only time, size, owner or permission tests: its action
# reaches every file below the start (.git's objects, ignored data), as `-type f` alone does.
WALK_EVERYTHING = [
    "find . -type f -mtime +60 -delete",
    "find . -mtime +30 -delete",
    "find . -type f -size +20M -delete",
    "find . -newer build/stamp -delete",
    "find . -user dev -mmin +5 -delete",
    "find . -type f -mtime +60 -exec rm {} +",
    "find . -type f -atime +90 -exec rm -f {} \\;",
    "find . -type f -mtime +60 -print0 | xargs -0 rm -f",
    "find /home/dev/proj -type f -ctime +7 -delete",
]
WALK_NARROWED = [
    "find . -name '*.log' -mtime +7 -delete",
    "find src -type f -mtime +60 -delete",
    "find build -size +20M -delete",
    "find . -type d -empty -delete",
    "find . -name '*.pyc' -mtime +1 -exec rm {} +",
]

# Every file of the workspace rewritten in place: files no checkpoint holds (ignored
# directories, ignored files over the size cap, .git's objects) are changed with the rest,
# as `sed -i ... $(find . -type f)` already asked.
REWRITE_EVERYTHING = [
    "find . -type f -exec sed -i 's/foo/bar/g' {} +",
    "find . -type f | xargs sed -i 's/foo/bar/g'",
    "find . -not -path './.git/*' -type f -print0 | xargs -0 sed -i 's/a/b/'",
    "find . -type f -exec perl -pi -e 's/foo/bar/' {} \\;",
    "find . -type f -mtime -1 -exec sed -i 's/\\r$//' {} +",
    "find /home/dev/proj -type f -print0 | xargs -0 -n1 sed -i 's/x/y/'",
    'find . -type f -exec sh -c \'sed -i "s/a/b/" "$1"\' _ {} \\;',
    # the same walk made by bash's recursive glob
    "shopt -s globstar; sed -i 's/a/b/' **/*",
    "shopt -s globstar; perl -pi -e 's/a/b/' ./**",
    "shopt -s globstar; rm -f **/*",
    # fd told to walk hidden and ignored files too
    "fd -u -t f -x rm {}",
    "fd -H -I . -x sed -i 's/a/b/'",
    "fd --no-ignore -t f -X sed -i 's/a/b/'",
]
REWRITE_NARROWED = [
    "find . -name '*.py' -exec sed -i 's/foo/bar/g' {} +",
    "find src -type f | xargs sed -i 's/foo/bar/g'",
    "find . -name '*.md' -print0 | xargs -0 sed -i 's/a/b/'",
    "git ls-files -z | xargs -0 sed -i 's/foo/bar/g'",
    "fd -t f -X sed -i 's/foo/bar/'",
    "shopt -s globstar; sed -i 's/a/b/' **/*.py",
    "shopt -s globstar; rm -f **/*.orig",
    "shopt -s globstar; sed -i 's/a/b/' src/**/*",
    "fd -u -e py -x sed -i 's/foo/bar/'",
]
READ_EVERYTHING = [
    "find . -type f -exec md5sum {} +",
    "find . -type f | xargs wc -l",
    "find . -type f -mtime -1 -exec ls -la {} \\;",
    "find . -type f -exec stat --format '%Y %n' {} \\;",
]

# Permissions that let every user of the machine write, as granting another user access
# with setfacl already asked; removing write access or granting it to the owner does not.
WORLD_WRITABLE = [
    "chmod 777 build",
    "chmod o+w src/app.py",
    "chmod 766 scripts/run.sh",
    "chmod a+rwx data",
    "chmod go+w logs/app.log",
    "chmod o=rwx tmp",
    "find . -type d -exec chmod 777 {} +",
    "find . -type f -exec chmod 666 {} \\;",
    # the same modes given to a file or directory as it is made
    "mkdir -m 777 build/shared",
    "mkdir --mode=o+w build/x",
    "install -m 777 scripts/run.sh build/run.sh",
    "install -d -m 0777 build/out",
    "mkfifo -m 666 build/pipe",
]
OWNER_PERMISSIONS = [
    "chmod 755 scripts/run.sh",
    "chmod +x scripts/run.sh",
    "chmod -R go-w build",
    "chmod u+w build/out.txt",
    "chmod 644 config/app.yaml",
    "chmod 600 deploy_key",
    "mkdir -p -m 0755 build/x",
    "install -m 755 scripts/run.sh build/run.sh",
    "mkfifo -m 600 build/pipe",
]


@pytest.mark.parametrize(
    "cmd",
    QUOTED_DECLARATIONS
    + PS_ENVIRONMENTS
    + CHMOD_DASH_MODES
    + PROCESS_TARGETS
    + WALK_EVERYTHING
    + REWRITE_EVERYTHING
    + WORLD_WRITABLE,
)
def test_the_classes_are_not_auto_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd)


@pytest.mark.parametrize(
    "cmd", QUOTED_DECLARATIONS_BENIGN + PS_PLAIN + READ_EVERYTHING + ["ionice -p 4242"]
)
def test_their_look_alikes_stay_read_only(cmd: str) -> None:
    r = JUDGE(cmd)
    assert r.tier == "read_only", r


@pytest.mark.parametrize(
    "cmd",
    CHMOD_DASH_MODES_WORKSPACE
    + PROCESS_WRAPPERS_BENIGN
    + WALK_NARROWED
    + REWRITE_NARROWED
    + OWNER_PERMISSIONS,
)
def test_their_workspace_forms_stay_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", JUDGE(cmd)


def test_a_chmod_with_a_dash_mode_changes_the_files_it_names() -> None:
    r = JUDGE("chmod -R -x+X src")
    assert r.tier == "workspace", r
    assert any("src" in reason for reason in r.reasons), r


def test_a_walk_of_a_directory_that_holds_the_workspace_removes_everything_below() -> None:
    assert JUDGE("find /home/dev -type f -mtime +60 -delete").tier == "critical"


@pytest.mark.parametrize(
    "cmd",
    [
        'declare "p=$HOME/.ssh/id_rsa"; cat "$p"',
        "ps ewwp 4242",
        "chmod -R -w ~",
        "cpulimit -p 4242 -l 50",
        "find . -type f -mtime +60 -delete",
        "find . -type f | xargs sed -i 's/foo/bar/g'",
        "chmod 777 build",
    ],
)
def test_through_the_real_cli(cmd: str, cli, git_repo: Path, home: Path) -> None:  # type: ignore[no-untyped-def]
    (home / ".ssh").mkdir(exist_ok=True)
    (home / ".ssh" / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    (git_repo / "build").mkdir(exist_ok=True)
    r = cli(["classify", "--json", "--mode", "auto", "--", cmd], git_repo)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["decision"] != "allow", out


def test_their_everyday_forms_through_the_real_cli(cli, git_repo: Path) -> None:  # type: ignore[no-untyped-def]
    cmds = [
        'declare "p=README.md"; cat "$p"',
        "ps p 4242",
        "chmod -R -x+X src",
        "ionice -c3 make test",
        "find . -name '*.log' -mtime +7 -delete",
        "find . -name '*.py' -exec sed -i 's/foo/bar/g' {} +",
        "chmod 755 scripts/run.sh",
    ]
    r = cli(["classify", "--stdin", "--mode", "auto"], git_repo, input="\n".join(cmds) + "\n")
    assert r.returncode == 0, r.stderr
    decisions = [json.loads(line)["decision"] for line in r.stdout.splitlines()]
    assert decisions == ["allow"] * len(cmds), r.stdout


def test_in_a_real_repository_the_walk_reaches_git_objects(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    judge = ShellClassifier(tmp_path, tmp_path / "home").classify
    assert auto_verdict("find . -type f -mtime +60 -delete", judge) != "allow"
    assert auto_verdict("find . -name '*.tmp' -mtime +60 -delete", judge) == "allow"


# False alarms of the first run, now data entries or known modules: what they read, and
# the forms that kill, write outside or read a secret.
READS_NOW_KNOWN = [
    "fuser -v /var/log/syslog",
    "fuser -mv /var/www",
    "fuser -v 53/udp",
    "pwdx 4242",
    "diff -r tree1 tree2 | diffstat",
    "uconv -f utf-8 -t utf-8 -x '::Any-Hex;' < input.txt",
    'python -m base64 -e <<< "sample string"',
    "python3 -m base64 -d data/blob.b64",
    "tcpdump -r capture.pcap -nn | head",
    "tcpdump -nn -r capture.pcap port 443",
]
THEIR_DANGEROUS_FORMS = [
    "fuser -k 8080/tcp",
    "fuser -ki notes.txt",
    "fuser -k -HUP /var/log/syslog",
    "fuser --kill -n tcp 80",
    "uconv -x '::Any-Lower;' -o ~/.bashrc notes.txt",
    "uconv -x '::Any-Hex;' ~/.ssh/id_rsa",
    "diffstat ~/.ssh/id_rsa",
    "python3 -m base64 -e ~/.ssh/id_rsa",
    "python -m base64 -d <<< Y2F0IH4vLm5ldHJj | sh",
    "tcpdump -i eth0 port 80",
    "tcpdump -nei eth0 icmp",
    "tcpdump -r ~/.ssh/id_rsa",
    "tcpdump -r dump.pcap -w x -z /tmp/x.sh",
]


@pytest.mark.parametrize("cmd", READS_NOW_KNOWN)
def test_reads_of_known_programs_are_read_only(cmd: str) -> None:
    r = JUDGE(cmd)
    assert r.tier == "read_only", r


@pytest.mark.parametrize("cmd", THEIR_DANGEROUS_FORMS)
def test_their_dangerous_forms_are_not_auto_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd)
