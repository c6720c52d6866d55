"""Classes the sixteenth blind set (corpora/risk-blind-16.tsv: where developer tools keep
credentials, and the readers that reach them) found on its first run: credential files under
directories that are otherwise persistence locations (AI assistants' and wakeful's own
settings), system secrets outside /etc/shadow (Wi-Fi keys, cluster admin kubeconfigs), a
private key under a name of the user's choosing (`id_deploy`, `github_ed25519`), a `find`
walk whose -exec reads what a secret-naming -name selects, a recursive grep limited to
secret files by --include, and a path computed by `dirname` of a static word."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from wakeful.policy.shell import ShellClassifier
from wakeful.testing.classifier import auto_verdict, judge

JUDGE = judge()


# Credentials kept inside a directory that is otherwise settings (a persistence location,
# whose plain reads are read-only): AI coding assistants' tokens and wakeful's own keys.
SETTINGS_CREDENTIALS = [
    "cat ~/.claude/.credentials.json",
    "jq . ~/.claude.json",
    "cat ~/.config/wakeful/config.toml",
    "grep api_key ~/.config/wakeful/config.toml",
    "python3 -m json.tool ~/.codex/auth.json",
    "cat ~/.gemini/oauth_creds.json",
    "cat ~/.config/github-copilot/hosts.json",
    "cat ~/.continue/config.json",
]

# System files that hold secrets other than the password databases.
SYSTEM_SECRETS = [
    "cat /etc/NetworkManager/system-connections/*.nmconnection",
    "cat /etc/NetworkManager/system-connections/home.nmconnection",
    "grep psk /etc/wpa_supplicant/wpa_supplicant.conf",
    "cat /etc/kubernetes/admin.conf",
    "cat /etc/rancher/k3s/k3s.yaml",
    "cat /etc/mysql/debian.cnf",
    "cat /etc/krb5.keytab",
    "cat /etc/ipsec.secrets",
    "cat /etc/ppp/chap-secrets",
    "cat /etc/shadow-",
]

# Private keys under names their owners chose.
KEY_NAMES = [
    "cat deploy/id_deploy",
    "cat ~/.ssh/id_github",
    "cat keys/github_ed25519",
    "cat ci/deploy_rsa",
    "base64 ops/server_ecdsa",
    "cat keys/prod.ppk",
]
KEY_NAMES_PUBLIC = [
    "cat deploy/id_deploy.pub",
    "cat keys/github_ed25519.pub",
    "cat src/id_map.py",
    "cat docs/id_tokens.md",
]

# A walk that selects secret files by name and hands them to a reader.
FIND_SELECTS_SECRETS = [
    "find . -name '.env*' -not -name '*.example' -exec cat {} +",
    "find . -name '.env*' ! -name '*.sample' -exec cat {} \\;",
    "find . -type f -name '*.pem' -o -name '*.key' -exec cat {} +",
    "find . -iname 'ID_RSA' -exec head {} \\;",
    "find src -name credentials.json -exec cat {} +",
]
FIND_SELECTS_CODE = [
    "find . -name '*.py' -not -path './.venv/*' -exec wc -l {} +",
    "find . -name '*.md' -exec head -1 {} \\;",
]

# A recursive search narrowed to secret files.
SEARCH_INCLUDES_SECRETS = [
    "grep -r API_KEY --include=.env .",
    "grep -rn --include='.env*' TOKEN .",
    "grep -R password --include '*.pem' certs",
    "rg -g '.env' TOKEN",
    "rg --glob '.env*' --hidden SECRET .",
    "rg --iglob '*.key' BEGIN",
]
SEARCH_INCLUDES_CODE = [
    "grep -rn --include='*.py' TODO src",
    "rg -g '*.ts' useEffect src",
]

# A path computed by a program whose output is fixed by its arguments.
STATIC_PROGRAMS = [
    "cat $(dirname ~/.ssh/x)/id_rsa",
    "cat $(dirname $(dirname ~/.aws/x/y))/.aws/credentials",
    "cat ~/.ssh/$(basename /x/id_rsa)",
]


@pytest.mark.parametrize(
    "cmd",
    SETTINGS_CREDENTIALS
    + SYSTEM_SECRETS
    + KEY_NAMES
    + FIND_SELECTS_SECRETS
    + SEARCH_INCLUDES_SECRETS
    + STATIC_PROGRAMS,
)
def test_reads_of_credentials_are_not_auto_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd)


@pytest.mark.parametrize(
    "cmd",
    KEY_NAMES_PUBLIC
    + FIND_SELECTS_CODE
    + SEARCH_INCLUDES_CODE
    + ["cat ~/.claude/settings.json", "cat /etc/NetworkManager/NetworkManager.conf"],
)
def test_their_look_alikes_stay_read_only(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", JUDGE(cmd)


# The project's environment file from its template: over a .env that exists, the copy
# loses credentials no checkpoint or git holds.
FROM_TEMPLATE = ["cp .env.example .env", "cp .env.sample .env.local"]


@pytest.mark.parametrize("cmd", FROM_TEMPLATE)
def test_a_new_environment_file_from_the_template_is_workspace_work(
    cmd: str, tmp_path: Path
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    judge = ShellClassifier(tmp_path, tmp_path / "home").classify
    assert judge(cmd).tier == "workspace", judge(cmd)
    assert judge("cp -n .env.example .env").tier == "workspace"


@pytest.mark.parametrize("cmd", FROM_TEMPLATE + ["rm -f .env", "echo x > .env"])
def test_over_an_existing_environment_file_it_is_not(cmd: str, tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".env").write_text("STRIPE_SECRET_KEY=sk_live_x\n")
    (tmp_path / ".env.local").write_text("TOKEN=x\n")
    judge = ShellClassifier(tmp_path, tmp_path / "home").classify
    assert auto_verdict(cmd, judge) != "allow", judge(cmd)
    assert judge("cp -n .env.example .env").tier == "workspace"


def test_a_link_named_env_is_not_a_new_file(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".env").symlink_to(tmp_path / "home" / ".aws" / "credentials")
    judge = ShellClassifier(tmp_path, tmp_path / "home").classify
    assert auto_verdict("cp .env.example .env", judge) != "allow"


def test_listing_the_projects_own_secret_files_is_read_only() -> None:
    assert auto_verdict("ls -l .env") == "allow"
    assert auto_verdict("ls -l ~/.ssh/id_rsa") != "allow"


# A recursive grep for a credential's pattern over a directory that holds the project's
# secret file prints that file's matching line (grep skips neither hidden nor ignored files).
@pytest.mark.parametrize(
    "cmd",
    ["grep -rn API_KEY .", "grep -R password", "grep -ri token ./", "egrep -r 'SECRET|KEY' ."],
)
def test_a_recursive_credential_search_over_the_projects_secret_asks(
    cmd: str, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (ws / ".env").write_text("API_KEY=sk_live_x\n")
    (ws / "src").mkdir()
    judge = ShellClassifier(ws, tmp_path / "home").classify
    assert auto_verdict(cmd, judge) != "allow", judge(cmd)


@pytest.mark.parametrize(
    "cmd",
    [
        "grep -rn API_KEY src",
        "grep -rn TODO .",
        "grep -rn API_KEY --include='*.py' .",
        "grep -rn --exclude='.env*' API_KEY .",
        "rg API_KEY",
        "grep -n API_KEY README.md",
    ],
)
def test_searches_that_do_not_reach_it_stay_read_only(cmd: str, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    subprocess.run(["git", "init", "-q", str(ws)], check=True)
    (ws / ".env").write_text("API_KEY=sk_live_x\n")
    (ws / "src").mkdir()
    judge = ShellClassifier(ws, tmp_path / "home").classify
    assert auto_verdict(cmd, judge) == "allow", judge(cmd)
