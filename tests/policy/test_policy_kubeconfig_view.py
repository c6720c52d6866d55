"""`kubectl config view` without --raw redacts only certificate data and bearer tokens
(client-go's ShortenConfig): a basic-auth password, an auth-provider's refresh token and
client secret, an exec plugin's environment are printed as written. The kubeconfig the
command would print is looked at: one holding such a field makes the view a credential
read; one without stays a plain read."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from wakeful.policy.shell import ShellClassifier

REDACTED_ONLY = """apiVersion: v1
kind: Config
users:
- name: admin
  user:
    client-certificate-data: QUFBQQ==
    client-key-data: QkJCQg==
    token: abcdef
"""

UNREDACTED = {
    "password": "users:\n- name: admin\n  user:\n    username: admin\n    password: hunter2\n",
    "auth-provider": (
        "users:\n- name: oidc\n  user:\n    auth-provider:\n      name: oidc\n      config:\n"
        "        client-secret: s3cret\n        refresh-token: r3fresh\n"
    ),
    "env": (
        "users:\n- name: eks\n  user:\n    exec:\n      command: aws\n      env:\n"
        "      - name: AWS_SECRET_ACCESS_KEY\n        value: wJalr\n"
    ),
}


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    ws, home = tmp_path / "home" / "proj", tmp_path / "home"
    ws.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (home / ".kube").mkdir()
    return ws, home


@pytest.mark.parametrize("field", sorted(UNREDACTED))
@pytest.mark.parametrize(
    "cmd",
    [
        "kubectl config view",
        "kubectl config view --minify",
        "kubectl config view -o json",
        "kubectl config view | grep -A2 user",
        "timeout 5 kubectl config view",
        "oc config view",
    ],
)
def test_a_view_that_prints_an_unredacted_secret_is_a_credential_read(
    cmd: str, field: str, layout: tuple[Path, Path]
) -> None:
    ws, home = layout
    (home / ".kube" / "config").write_text(UNREDACTED[field])
    result = ShellClassifier(ws, home).classify(cmd)
    assert result.tier == "critical", (cmd, field, result)
    assert any("as written" in r for r in result.reasons), result


def test_a_kubeconfig_named_by_option_is_the_one_looked_at(layout: tuple[Path, Path]) -> None:
    ws, home = layout
    (home / ".kube" / "config").write_text(REDACTED_ONLY)
    (ws / "ci.kubeconfig").write_text(UNREDACTED["password"])
    judge = ShellClassifier(ws, home).classify
    assert judge("kubectl config view").tier == "read_only"
    assert judge("kubectl config view --kubeconfig ci.kubeconfig").tier == "critical"
    assert judge("kubectl --kubeconfig=./ci.kubeconfig config view").tier == "critical"
    assert judge('kubectl config view --kubeconfig "$KCFG"').tier in ("high", "critical")


@pytest.mark.parametrize(
    "cmd",
    [
        "kubectl config view",
        "kubectl config view --minify --flatten",
        "kubectl config view -o jsonpath='{.contexts[*].name}'",
        "kubectl config current-context",
    ],
)
def test_views_of_a_kubeconfig_that_redaction_covers_stay_reads(
    cmd: str, layout: tuple[Path, Path]
) -> None:
    ws, home = layout
    (home / ".kube" / "config").write_text(REDACTED_ONLY)
    assert ShellClassifier(ws, home).classify(cmd).tier == "read_only", cmd


def test_names_picked_by_jsonpath_print_no_secret_whatever_the_file(
    layout: tuple[Path, Path],
) -> None:
    ws, home = layout
    (home / ".kube" / "config").write_text(UNREDACTED["password"])
    judge = ShellClassifier(ws, home).classify
    assert judge("kubectl config view -o jsonpath='{.users[*].name}'").tier == "read_only"
    assert judge("kubectl config view -o jsonpath='{.users[*].user.password}'").tier == "critical"


def test_no_kubeconfig_prints_nothing(layout: tuple[Path, Path]) -> None:
    ws, home = layout
    assert ShellClassifier(ws, home).classify("kubectl config view").tier == "read_only"


def test_through_the_cli_with_a_decoy_home(cli, git_repo: Path, home: Path) -> None:  # type: ignore[no-untyped-def]
    """The real CLI, HOME a decoy holding a kubeconfig with a basic-auth password: the view
    is never auto-allowed; once the password is gone it is."""
    (home / ".kube").mkdir(parents=True, exist_ok=True)
    (home / ".kube" / "config").write_text(UNREDACTED["password"])
    r = cli(["classify", "--json", "--mode", "auto", "--", "kubectl config view"], git_repo)
    assert r.returncode == 0, r.stderr
    assert r.json()["decision"] != "allow", r.json()
    (home / ".kube" / "config").write_text(REDACTED_ONLY)
    r = cli(["classify", "--json", "--mode", "auto", "--", "kubectl config view"], git_repo)
    assert r.json()["decision"] == "allow", r.json()
