"""ShellClassifier: one workspace's classifier, its root resolved once.

The workspace's real path is configuration (resolved when the classifier is made); what the
file system says below it (links, hard links, whether anything exists, the workspace itself
included) is looked up on every command, as `classify_command` does.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wakeful.policy.shell import ShellClassifier, classify_command
from wakeful.policy.types import Tier

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path]:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("key\n")
    (home / ".bashrc").write_text("# rc\n")
    ws = home / "proj"
    (ws / "src").mkdir(parents=True)
    (ws / "src" / "app.py").write_text("print(1)\n")
    return ws, home


def test_a_workspace_made_after_its_classifier_is_looked_into(tmp_path: Path) -> None:
    missing = tmp_path / "later"
    judge = ShellClassifier(missing, tmp_path).classify
    assert judge("cat src/a.py > out/b.txt").tier == Tier.WORKSPACE
    missing.mkdir()
    (missing / "out").symlink_to(tmp_path)  # made between two commands
    after = judge("cat src/a.py > out/b.txt")
    assert after.tier == Tier.HIGH, after.reasons
    # and removed again: nothing below a missing workspace is a link
    (missing / "out").unlink()
    missing.rmdir()
    assert judge("cat src/a.py > out/b.txt").tier == Tier.WORKSPACE


def test_links_and_hard_links_made_between_two_commands_change_the_next_verdict(
    workspace: tuple[Path, Path],
) -> None:
    ws, home = workspace
    judge = ShellClassifier(ws, home).classify
    assert judge("echo hi > out/notes.txt").tier == Tier.WORKSPACE
    (ws / "out").symlink_to(home / ".ssh")
    assert judge("echo hi > out/notes.txt").tier == Tier.CRITICAL
    assert judge("echo x > src/app.py").tier == Tier.WORKSPACE
    os.link(ws / "src" / "app.py", home / "elsewhere.py")
    after = judge("echo x > src/app.py")
    assert after.tier == Tier.HIGH and "hard links" in after.reasons[0], after.reasons


def test_paths_are_looked_up_on_every_command(
    lstat_log: list[str], workspace: tuple[Path, Path]
) -> None:
    ws, home = workspace
    looked = lstat_log
    judge = ShellClassifier(ws, home).classify
    src = str(ws.resolve() / "src")
    for _ in range(3):
        looked.clear()
        judge("cat src/app.py src/app.py")
        assert looked.count(src) == 1, looked  # once per command, again in the next


def test_the_workspace_is_the_directory_it_led_to_when_the_classifier_was_made(
    tmp_path: Path,
) -> None:
    first, second, home = tmp_path / "first", tmp_path / "second", tmp_path / "home"
    for directory in (first, second, home):
        directory.mkdir()
    link = tmp_path / "ws"
    link.symlink_to(first)
    judge = ShellClassifier(link, home).classify
    assert f"{first}/f" in judge("echo x > f").reasons[0]
    link.unlink()
    link.symlink_to(second)
    # Configuration: this classifier's workspace stays `first`; classify_command, which
    # takes the workspace on each call, resolves the link again.
    assert f"{first}/f" in judge("echo x > f").reasons[0]
    assert f"{second}/f" in classify_command("echo x > f", link, home).reasons[0]
    assert f"{second}/f" in ShellClassifier(link, home).classify("echo x > f").reasons[0]


def _corpus_commands() -> list[str]:
    commands: dict[str, None] = {}
    for path in sorted((ROOT / "corpora").glob("*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#") and "\t" in line:
                commands[line.split("\t", 1)[1]] = None
    return list(commands)


def test_every_corpus_verdict_is_the_one_classify_command_gives(
    workspace: tuple[Path, Path],
) -> None:
    ws, home = workspace
    (ws / "out").symlink_to(home / ".ssh")
    os.link(home / ".bashrc", ws / "notes.txt")
    judge = ShellClassifier(ws, home).classify
    for command in _corpus_commands()[::7]:
        mine, theirs = judge(command), classify_command(command, ws, home)
        assert (mine.tier, mine.reasons, mine.programs, mine.deciders, mine.code_reasons) == (
            theirs.tier,
            theirs.reasons,
            theirs.programs,
            theirs.deciders,
            theirs.code_reasons,
        ), command
        assert (mine.parsed, mine.commands, mine.leaves) == (
            theirs.parsed,
            theirs.commands,
            theirs.leaves,
        ), command


def test_a_session_policy_judges_commands_where_its_tools_run_them(tmp_path: Path) -> None:
    from wakeful.core.paths import Paths
    from wakeful.policy.decision import Policy
    from wakeful.policy.rules import RuleSet
    from wakeful.policy.types import RiskInput

    first, second, home = tmp_path / "first", tmp_path / "second", tmp_path / "home"
    for directory in (first, second, home):
        directory.mkdir()
    link = tmp_path / "ws"
    link.symlink_to(first)
    # A session's workspace is resolved when it starts, and its tools run commands there.
    paths = Paths.for_workspace(link, env={"HOME": str(home)})
    assert paths.workspace == first
    policy = Policy(paths, "auto", False, RuleSet([]), home=home)

    def judge(p: Policy, command: str) -> str:
        return p.classify(RiskInput(tool="bash", kind="shell", command=command)).reasons[0]

    assert f"{first}/f" in judge(policy, "echo x > f")
    link.unlink()
    link.symlink_to(second)
    assert f"{first}/f" in judge(policy, "echo x > f")
    # Another workspace (a sub-agent's worktree) gets its own classifier.
    other = policy.for_workspace(Paths.for_workspace(second, env={"HOME": str(home)}))
    assert f"{second}/g" in judge(other, "echo x > g")
    assert f"{first}/g" in judge(policy, "echo x > g")
