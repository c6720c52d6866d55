"""What a program entry's options do, whatever else matched: a checking flag spares the
operands but not the file an output option names; a mode flag sets the tier as a
subcommand would; a value that looks like a flag is a value. And the false alarms and
loose ends around package managers' settings and runners."""

from __future__ import annotations

from pathlib import Path

import pytest

from wakeful.policy.program_rules import Program, validate
from wakeful.policy.shell import classify_command
from wakeful.policy.types import Tier

WS = Path("/home/dev/proj")
HOME = Path("/home/dev")


@pytest.mark.parametrize(
    ("cmd", "tier"),
    [
        # a checking flag (`--dry-run`, `--list-keys`, `--diff`, `--redact`) and an output
        # option: the output is still written
        ("patch --dry-run -o /home/dev/.bashrc -i fix.diff", Tier.CRITICAL),
        ("gpg --list-keys -o /home/dev/.profile", Tier.CRITICAL),
        ("ruff check --diff --output-file /home/dev/.bashrc src", Tier.CRITICAL),
        ("zip -sf x.zip -O /home/dev/.bashrc", Tier.CRITICAL),
        ("rustc --explain E0001 -o /home/dev/.bashrc", Tier.CRITICAL),
        ("gitleaks detect --redact --report-path /home/dev/.bashrc", Tier.CRITICAL),
        ("security cms -D -i a.mobileprovision -o /home/dev/.zshrc", Tier.CRITICAL),
        # without an output option the checking flag still makes a reader
        ("patch --dry-run -p1 -i fix.diff", Tier.READ_ONLY),
        ("gitleaks detect --redact --no-banner", Tier.READ_ONLY),
        ("security cms -D -i embedded.mobileprovision", Tier.READ_ONLY),
        # an option's value is no checking flag: the report is written unredacted
        ("gitleaks protect --report-path --redact", Tier.HIGH),
        ("gitleaks detect --source . --no-git", Tier.HIGH),
        ("gitleaks detect --redact=20", Tier.HIGH),
    ],
)
def test_option_effects_hold_whatever_else_matched(cmd: str, tier: Tier) -> None:
    got = classify_command(cmd, WS, HOME)
    assert got.tier == tier, (cmd, got.reasons)


@pytest.mark.parametrize(
    ("cmd", "tier"),
    [
        ("at -l", Tier.READ_ONLY),
        ("at -c 12", Tier.READ_ONLY),
        ("at -r 12", Tier.HIGH),
        ("at now + 1 minute", Tier.CRITICAL),
        ("at -f job.sh now", Tier.CRITICAL),
        ("batch", Tier.CRITICAL),
        ("ssh-keygen -l -f id_ed25519.pub", Tier.READ_ONLY),
        ("ssh-keygen -F github.com", Tier.READ_ONLY),
        # with several modes the highest counts
        ("ssh-keygen -F github.com -R github.com", Tier.HIGH),
        ("ssh-keygen -l -p -f /home/dev/.ssh/id_rsa", Tier.HIGH),
        ("ssh-keygen -l -y -f /home/dev/.ssh/id_rsa", Tier.CRITICAL),
        # `-E` takes `-B` as its value: no mode, so a key is made
        ("ssh-keygen -E -B", Tier.HIGH),
        ("sysctl kernel/hostname", Tier.READ_ONLY),
        ("sysctl -n ../../../home/dev/.ssh/id_rsa", Tier.CRITICAL),
        ("sysctl vm.swappiness=10", Tier.CRITICAL),
    ],
)
def test_mode_flags_set_the_tier(cmd: str, tier: Tier) -> None:
    got = classify_command(cmd, WS, HOME)
    assert got.tier == tier, (cmd, got.reasons)
    assert got.deciders and got.deciders[0][1].startswith("data entry"), got.deciders


def test_a_mode_flag_needs_a_tier() -> None:
    bad = Program(Tier.HIGH, "none", "x", mode_flags={"-l": ("read_only", "lists")})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="mode flag '-l' has no tier"):
        validate({"tool": bad})
    with pytest.raises(ValueError, match="must start with"):
        validate({"tool": Program(Tier.HIGH, "none", "x", mode_flags={"l": (Tier.HIGH, "x")})})


@pytest.mark.parametrize(
    ("cmd", "tier"),
    [
        ("less '+!rm -rf ~' README.md", Tier.CRITICAL),
        ('less "+$cmd" README.md', Tier.HIGH),
        ("less --log-file=/home/dev/.profile README.md", Tier.CRITICAL),
        ("more -p /home/dev/.aws/credentials", Tier.CRITICAL),
        ("grep -r AKIA /home", Tier.CRITICAL),
        ("zgrep -r 'BEGIN OPENSSH PRIVATE KEY' /home/dev", Tier.CRITICAL),
        ("locate id_ed25519", Tier.CRITICAL),
        ("grep -rn TODO src", Tier.READ_ONLY),
    ],
)
def test_checks_of_converted_programs(cmd: str, tier: Tier) -> None:
    got = classify_command(cmd, WS, HOME)
    assert got.tier == tier, (cmd, got.reasons)


@pytest.mark.parametrize(
    "cmd",
    [
        "yarn run lerna publish",
        "bun run lerna publish",
        "pnpm run nx release",
        "npm run changeset publish",
        "pnpm nx release",
        "yarn lerna publish",
        "npx changeset publish",
        "pnpm exec nx release",
        "yarn dlx nx release",
    ],
)
def test_a_monorepo_tool_publishing_through_a_runner_asks(cmd: str) -> None:
    assert classify_command(cmd, WS, HOME).tier == Tier.HIGH, cmd


def _workspace(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "home"
    ws = home / "proj"
    ws.mkdir(parents=True)
    return ws, home


def test_writing_project_package_settings_is_workspace_work(tmp_path: Path) -> None:
    ws, home = _workspace(tmp_path)
    assert classify_command("echo save-exact=true >> .npmrc", ws, home).tier == Tier.WORKSPACE
    assert classify_command("cp .npmrc.example .npmrc", ws, home).tier == Tier.WORKSPACE
    (ws / ".npmrc").write_text("engine-strict=true\n")
    assert classify_command("echo save-exact=true >> .npmrc", ws, home).tier == Tier.WORKSPACE
    assert classify_command("echo 'nodeLinker: pnp' > .yarnrc.yml", ws, home).tier == (
        Tier.WORKSPACE
    )
    # reading it stays guarded: it may hold a token
    assert classify_command("cat .npmrc", ws, home).tier == Tier.CRITICAL


def test_package_settings_that_hold_a_token_or_lead_elsewhere_stay_guarded(
    tmp_path: Path,
) -> None:
    ws, home = _workspace(tmp_path)
    (ws / ".npmrc").write_text("//registry.npmjs.org/:_authToken=npm_x\n")
    assert classify_command("echo registry=x > .npmrc", ws, home).tier == Tier.CRITICAL
    (ws / ".yarnrc.yml").write_text("npmAuthToken: x\n")
    assert classify_command("echo x > .yarnrc.yml", ws, home).tier == Tier.CRITICAL
    (ws / "sub").mkdir()
    (ws / "sub" / ".npmrc").symlink_to(home / ".npmrc")  # dangling: the write creates it
    assert classify_command("echo x > sub/.npmrc", ws, home).tier == Tier.CRITICAL
    assert classify_command("echo x > ~/.npmrc", ws, home).tier == Tier.CRITICAL
    assert classify_command("echo x > .env", ws, home).tier == Tier.CRITICAL
    (ws / ".wakeful").mkdir()
    assert classify_command("echo x > .wakeful/.npmrc", ws, home).tier == Tier.CRITICAL


@pytest.mark.parametrize(
    "cmd",
    ["cat auth.json", "cat profiles.yml", "cat credentials.json", "cat ~/.dbt/profiles.yml"],
)
def test_tools_secret_files_are_credentials(cmd: str) -> None:
    assert classify_command(cmd, WS, HOME).tier == Tier.CRITICAL, cmd


@pytest.mark.parametrize(
    ("cmd", "tier"),
    [
        ("python -c 'print(1)'", Tier.READ_ONLY),
        ("python3 -c 'print(1 + 2)'", Tier.READ_ONLY),
        ("python -c 'import os; os.remove(\"x\")'", Tier.HIGH),
        ("python -c \"print(open('/home/dev/.ssh/id_rsa').read())\"", Tier.CRITICAL),
    ],
)
def test_inline_python_is_read_only_only_when_it_only_prints(cmd: str, tier: Tier) -> None:
    got = classify_command(cmd, WS, HOME)
    assert got.tier == tier, (cmd, got.reasons)


@pytest.mark.parametrize(
    ("cmd", "tier"),
    [
        # a playbook or a host group named like a read was taken for a read-only verb
        ("ansible-playbook show.yml -i prod", Tier.HIGH),
        ("ansible-playbook -i inventory/prod list-users.yml", Tier.HIGH),
        ("ansible status -m shell -a 'reboot'", Tier.HIGH),
        ("ansible info -m command -a 'rm -rf /srv'", Tier.HIGH),
        # checking and listing forms load the project only
        ("ansible-playbook site.yml --syntax-check", Tier.WORKSPACE),
        ("ansible all --list-hosts", Tier.WORKSPACE),
        ("ansible-playbook --syntax-check -i /tmp/inv.py site.yml", Tier.HIGH),
        ("ansible-playbook --syntax-check -e @/home/dev/.ssh/id_rsa site.yml", Tier.HIGH),
    ],
)
def test_ansible_runs_what_its_words_name(cmd: str, tier: Tier) -> None:
    got = classify_command(cmd, WS, HOME)
    assert got.tier == tier, (cmd, got.reasons)
