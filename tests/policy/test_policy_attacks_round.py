"""An attacker's review of the guards added in one round: the kubeconfig `kubectl config
view` prints, and the secrets a content-printing git subcommand's pathspecs name. Each
attack here was allowed in auto mode before its fix; the harmless forms beside it stay
allowed."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from wakeful.policy.decision import mode_verdict
from wakeful.policy.shell import ShellClassifier

CLEAN = "users:\n- name: a\n  user:\n    token: abcdef\n"
DIRTY_YAML = "users:\n- name: admin\n  user:\n    username: admin\n    password: hunter2\n"
DIRTY_JSON = '{"users":[{"name":"a","user":{"password":"hunter2"}}]}'
DIRTY_FLOW = "users:\n- {name: a, user: {password: hunter2}}\n"
DIRTY_QUOTED = 'users:\n- name: a\n  user:\n    "client-secret": s3cret\n'


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "home"
    ws = home / "proj"
    ws.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (home / ".kube").mkdir()
    (home / ".kube" / "config").write_text(CLEAN)
    (home / ".kube" / "prod.yaml").write_text(DIRTY_YAML)
    (home / ".kube" / "prod.json").write_text(DIRTY_JSON)
    (home / ".kube" / "flow.yaml").write_text(DIRTY_FLOW)
    (home / ".kube" / "quoted.yaml").write_text(DIRTY_QUOTED)
    (ws / ".env").write_text("SECRET=1\n")
    return ws, home


def _auto(cmd: str, layout: tuple[Path, Path]) -> str:
    r = ShellClassifier(*layout).classify(cmd)
    return mode_verdict("auto", r.tier) if r.parsed else "ask"


# A kubeconfig chosen through the environment rather than --kubeconfig: before a command,
# through env, exported earlier on the line, or as one entry of a list.
KUBECONFIG_FROM_ENVIRONMENT = [
    "KUBECONFIG=~/.kube/prod.yaml kubectl config view",
    "KUBECONFIG=$HOME/.kube/prod.yaml kubectl config view",
    "KUBECONFIG=~/.kube/config:~/.kube/prod.yaml kubectl config view",
    "env KUBECONFIG=~/.kube/prod.yaml kubectl config view",
    "export KUBECONFIG=~/.kube/prod.yaml; kubectl config view",
    "export KUBECONFIG=~/.kube/prod.yaml && timeout 5 kubectl config view",
    "KUBECONFIG=~/.kube/prod.yaml; export KUBECONFIG; kubectl config view",
    "declare -x KUBECONFIG=~/.kube/prod.yaml; oc config view",
]


@pytest.mark.parametrize("cmd", KUBECONFIG_FROM_ENVIRONMENT)
def test_a_kubeconfig_named_by_the_environment_is_the_one_looked_at(
    cmd: str, layout: tuple[Path, Path]
) -> None:
    assert _auto(cmd, layout) == "deny", ShellClassifier(*layout).classify(cmd)


# The same fields written as JSON, a YAML flow mapping or a quoted key.
@pytest.mark.parametrize("name", ["prod.json", "flow.yaml", "quoted.yaml"])
def test_every_yaml_spelling_of_an_unredacted_field_is_found(
    name: str, layout: tuple[Path, Path]
) -> None:
    assert _auto(f"kubectl config view --kubeconfig ~/.kube/{name}", layout) == "deny"
    assert _auto(f"KUBECONFIG=~/.kube/{name} kubectl config view", layout) == "deny"


# A template that prints a whole subtree prints the fields in it as written.
@pytest.mark.parametrize(
    "output",
    [
        "-o jsonpath='{.users}'",
        "-o 'jsonpath={$}'",
        "--output=jsonpath='{.users[*].user}'",
        "-ojsonpath='{.users[0]}'",
        "-o go-template='{{range .users}}{{.user}}{{end}}'",
    ],
)
def test_a_template_over_a_kubeconfig_with_unredacted_fields_reads_them(
    output: str, layout: tuple[Path, Path]
) -> None:
    assert _auto(f"kubectl config view --kubeconfig ~/.kube/prod.yaml {output}", layout) == "deny"


@pytest.mark.parametrize(
    "cmd",
    [
        "kubectl config view",
        "kubectl config view -o jsonpath='{.users}'",
        "KUBECONFIG=~/.kube/config kubectl config view",
        "export KUBECONFIG=~/.kube/config; kubectl config view --minify",
        "env KUBECONFIG=~/.kube/config kubectl config view -o json",
        "KUBECONFIG=~/.kube/prod.yaml kubectl config get-contexts",
    ],
)
def test_a_clean_kubeconfig_stays_a_read(cmd: str, layout: tuple[Path, Path]) -> None:
    assert _auto(cmd, layout) == "allow", ShellClassifier(*layout).classify(cmd)


def test_a_kubeconfig_only_known_at_run_time_asks(layout: tuple[Path, Path]) -> None:
    assert _auto('KUBECONFIG="$K" kubectl config view', layout) != "allow"
    assert _auto('export KUBECONFIG="$K"; kubectl config view', layout) != "allow"


# git's pathspec magic names the same file: `:(top)`, `:(icase)`, `:(literal)`, `:/`.
GIT_PATHSPEC_MAGIC = [
    "git grep -e . -- ':(top).env'",
    "git grep -e . -- ':(icase).ENV'",
    "git log -p --all -- ':(literal).env'",
    "git diff HEAD -- ':(top,literal).env'",
    "git show HEAD -- ':/.env'",
]


@pytest.mark.parametrize("cmd", GIT_PATHSPEC_MAGIC)
def test_git_pathspec_magic_names_the_secret_it_matches(
    cmd: str, layout: tuple[Path, Path]
) -> None:
    assert _auto(cmd, layout) == "deny", ShellClassifier(*layout).classify(cmd)


@pytest.mark.parametrize(
    "cmd",
    [
        "git diff HEAD --pathspec-from-file=list.txt",
        "echo .env | git diff HEAD --pathspec-from-file=-",
        "git log -p --pathspec-from-file list.txt",
    ],
)
def test_git_pathspecs_read_from_a_file_are_not_known(cmd: str, layout: tuple[Path, Path]) -> None:
    assert _auto(cmd, layout) != "allow", ShellClassifier(*layout).classify(cmd)


@pytest.mark.parametrize(
    "cmd",
    [
        "git grep -e TODO -- ':(top)src'",
        "git diff HEAD -- ':!README.md'",
        "git log -p -- ':(exclude).env'",
        "git diff HEAD -- ':(icase)readme.md'",
        "git diff HEAD --stat --pathspec-from-file=list.txt",
    ],
)
def test_pathspec_magic_over_project_files_stays_a_read(
    cmd: str, layout: tuple[Path, Path]
) -> None:
    assert _auto(cmd, layout) == "allow", ShellClassifier(*layout).classify(cmd)


def test_through_the_real_cli(cli, git_repo: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same classes through `wakeful classify --json --mode auto` in a real repository."""
    (git_repo / ".env").write_text("SECRET=1\n")
    dirty = tmp_path / "prod.kubeconfig"
    dirty.write_text(DIRTY_JSON)
    attacks = [
        f"KUBECONFIG={dirty} kubectl config view",
        f"export KUBECONFIG={dirty}; kubectl config view",
        f"kubectl config view --kubeconfig {dirty}",
        f"kubectl config view --kubeconfig {dirty} -o jsonpath='{{.users}}'",
        "git grep -e . -- ':(top).env'",
        "git switch -qf main",
        "git checkout --for main",
        "tar cfT x.tar - <<< ~/.ssh/id_rsa",
        "echo ~/.ssh/id_rsa | zip -q@ x.zip",
        "openssl rsa --in ~/.ssh/id_rsa -noout -text",
        "openssl enc -d -aes256 -in x --out ~/.bashrc",
        "cat $KUBECONFIG",
    ]
    for cmd in attacks:
        r = cli(["classify", "--json", "--mode", "auto", cmd], git_repo)
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["decision"] != "allow", (cmd, r.stdout)
    r = cli(["classify", "--json", "--mode", "auto", "git grep -e TODO -- ':(top)src'"], git_repo)
    assert json.loads(r.stdout)["decision"] == "allow", r.stdout


# git takes short options in clusters and long options by any unambiguous prefix: a
# force hidden in `-qf` or written `--for` still discards uncommitted changes.
@pytest.mark.parametrize(
    "cmd",
    [
        "git switch -qf main",
        "git switch -fq main",
        "git switch -fc topic",
        "git checkout -qf main",
        "git checkout -fq main",
        "git checkout -fb topic",
        "git checkout --for main",
        "git checkout --forc main",
        "git checkout --fo main",
        "git checkout --f main",
        "git switch --f main",
        "git switch --fo main",
    ],
)
def test_a_force_in_a_cluster_or_abbreviated_discards_changes(
    cmd: str, layout: tuple[Path, Path]
) -> None:
    assert _auto(cmd, layout) != "allow", ShellClassifier(*layout).classify(cmd)


@pytest.mark.parametrize(
    "cmd",
    [
        "git switch -cf main",  # -c takes the rest of its cluster: a branch named f
        "git switch -qc topic",
        "git checkout -bf main",  # a branch named f
        "git checkout -qb topic",
        "git checkout --quiet main",
    ],
)
def test_a_cluster_without_a_force_still_switches(cmd: str, layout: tuple[Path, Path]) -> None:
    assert _auto(cmd, layout) == "allow", ShellClassifier(*layout).classify(cmd)


# Files named on standard input, however standard input is named: `-`, /dev/stdin,
# /dev/fd/0, /proc/self/fd/0; tar's old letters taking their values in order (`cfT x.tar
# -`), zip's -@ inside a cluster or spelled --names-stdin.
NAMES_ON_STDIN = [
    "tar cfT x.tar - <<< ~/.ssh/id_rsa",
    "tar cvfT x.tar - <<< ~/.ssh/id_rsa",
    "tar Tcf - x.tar <<< ~/.ssh/id_rsa",
    "tar -c -f x.tar -T /dev/stdin <<< ~/.ssh/id_rsa",
    "echo ~/.ssh/id_rsa | tar -cf x.tar -T /dev/fd/0",
    "echo ~/.ssh/id_rsa | tar -cf x.tar --files-from=/proc/self/fd/0",
    "echo .ssh/id_rsa | rsync -a --files-from=/dev/stdin ~ ./out",
    "echo ~/.ssh/id_rsa | zip x.zip --names-stdin",
    "echo ~/.ssh/id_rsa | zip -q@ x.zip",
    "echo ~/.ssh/id_rsa | zip -@q x.zip",
]


@pytest.mark.parametrize("cmd", NAMES_ON_STDIN)
def test_files_named_on_standard_input_by_any_name_are_read(
    cmd: str, layout: tuple[Path, Path]
) -> None:
    assert _auto(cmd, layout) == "deny", ShellClassifier(*layout).classify(cmd)


@pytest.mark.parametrize(
    "cmd",
    [
        "echo README.md | tar cfT x.tar -",
        "tar cvf x.tar src",
        "tar xf x.tar",
        "echo README.md | tar -cf x.tar -T /dev/stdin",
        "echo README.md | zip -q@ x.zip",
        "zip -r x.zip . -i@include.lst",
    ],
)
def test_project_names_on_standard_input_stay_allowed(cmd: str, layout: tuple[Path, Path]) -> None:
    assert _auto(cmd, layout) == "allow", ShellClassifier(*layout).classify(cmd)


# openssl takes every option with two dashes too, and its value after `=` (`--in KEY`,
# `-in=KEY`): the key options, outputs and connections read the same either way.
@pytest.mark.parametrize(
    ("cmd", "verdict"),
    [
        ("openssl rsa --in ~/.ssh/id_rsa -noout -text", "deny"),
        ("openssl rsa -in=$HOME/.ssh/id_rsa -noout -text", "deny"),
        ("openssl rsa --in=$HOME/.ssh/id_rsa", "deny"),
        ("openssl enc -base64 --in ~/.ssh/id_rsa", "deny"),
        ("openssl x509 --in ~/.ssh/id_rsa -text", "deny"),
        ("openssl dgst --sign ~/.ssh/id_rsa README.md", "deny"),
        ("openssl dgst -sign=$HOME/.ssh/id_rsa README.md", "deny"),
        ("openssl pkeyutl -sign --inkey ~/.ssh/id_rsa -in README.md", "deny"),
        ("openssl enc -d -aes256 -in x -out=$HOME/.bashrc", "deny"),
        ("openssl enc -d -aes256 -in x --out ~/.bashrc", "deny"),
        ("openssl req -x509 -newkey rsa:2048 -keyout k.pem --out ~/.bashrc -nodes", "deny"),
    ],
)
def test_openssl_options_in_every_spelling(
    cmd: str, verdict: str, layout: tuple[Path, Path]
) -> None:
    ws, home = layout
    (home / ".ssh").mkdir(exist_ok=True)
    (home / ".ssh" / "id_rsa").write_text("KEY")
    (home / ".bashrc").write_text("")
    assert _auto(cmd, layout) == verdict, ShellClassifier(*layout).classify(cmd)


@pytest.mark.parametrize(
    "cmd",
    [
        "openssl x509 --in cert.pem -noout --text",
        "openssl dgst -sha256 --out digest.txt README.md",
        "openssl req -new -subj /CN=a=b -key k.pem --out req.csr",
        "openssl enc -base64 -in=README.md",
    ],
)
def test_openssl_spellings_in_the_workspace_stay_allowed(
    cmd: str, layout: tuple[Path, Path]
) -> None:
    assert _auto(cmd, layout) == "allow", ShellClassifier(*layout).classify(cmd)


# A variable whose usual value is a tool's credential file or settings directory names
# that credential when the line does not set it: `cat $KUBECONFIG` prints the kubeconfig.
CONVENTIONAL_LOCATIONS = [
    "cat $KUBECONFIG",
    'cat "$AWS_SHARED_CREDENTIALS_FILE"',
    "cat $XDG_CONFIG_HOME/gh/hosts.yml",
    "cat ${XDG_CONFIG_HOME}/gcloud/credentials.db",
    "cat $DOCKER_CONFIG/config.json",
    "cat $GH_CONFIG_DIR/hosts.yml",
    "base64 $CLOUDSDK_CONFIG/credentials.db",
]


@pytest.mark.parametrize("cmd", CONVENTIONAL_LOCATIONS)
def test_a_variable_that_usually_names_a_credential_reads_it(
    cmd: str, layout: tuple[Path, Path]
) -> None:
    assert _auto(cmd, layout) != "allow", ShellClassifier(*layout).classify(cmd)


@pytest.mark.parametrize(
    "cmd",
    [
        "cat $XDG_CONFIG_HOME/myapp/settings.toml",
        "ls $CARGO_HOME/bin",
        "KUBECONFIG=ok.yaml; cat $KUBECONFIG",
        "cat $OUT/config.json",
    ],
)
def test_other_files_under_those_variables_stay_reads(cmd: str, layout: tuple[Path, Path]) -> None:
    assert _auto(cmd, layout) == "allow", ShellClassifier(*layout).classify(cmd)
