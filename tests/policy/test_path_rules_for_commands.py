"""A user's Read and Edit rules that name paths hold for shell commands too: the classifier
knows which files a command reads and writes, so `deny = ["Read(secrets/**)"]` stops
`cat secrets/key` as it stops the read tool, in every mode."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from wakeful.core.config import Config
from wakeful.core.paths import Paths
from wakeful.policy.decision import DecisionContext, Policy
from wakeful.policy.types import RiskInput

RULES = '[permissions]\ndeny = ["Read(private/**)", "Edit(docs/**)"]\nask = ["Edit(~/notes/**)"]\n'

DENIED = [
    "cat private/plan.txt",
    "head -n 3 private/plan.txt",
    "grep -r token private",
    "wc -l < private/plan.txt",
    "cp private/plan.txt /tmp/out.txt",
    "nice sh -c 'cat private/plan.txt'",
    "echo hi > docs/a.md",
    "echo hi >> docs/a.md",
    "sed -i s/a/b/ docs/a.md",
    "rm docs/a.md",
    "rm -rf docs",
    "rm docs/*.md",
    "cp README.md docs/copy.md",
    "mv README.md docs/",
    "tee docs/a.md < README.md",
    "cd docs && echo hi > a.md",
    """python3 -c 'import os; os.system("cat private/plan.txt")'""",
    # the file under another name: a hard link, a move, a copy by git
    "ln private/plan.txt plan-link.txt",
    "cp -l private/plan.txt plan-link.txt",
    "mv private/plan.txt plan.txt",
    "mv docs/a.md a.md",
    "git show HEAD:private/plan.txt",
    "git show :private/plan.txt",
    "git cat-file -p HEAD:private/plan.txt",
    "git blame -L 1,5 private/plan.txt",
    # content printed by git for a pathspec
    "git log -p -- private/plan.txt",
    "git diff HEAD~1 -- private/plan.txt",
    "git grep -h . -- private/plan.txt",
    "git log -L 1,2:private/plan.txt",
]
ALLOWED = [
    "cat README.md",
    "ls private",  # names only: a Read rule is about contents
    "echo hi > build.log",
    "cat docs/a.md",  # an Edit rule does not stop reading
    "ln -s private/plan.txt plan-link.txt",  # followed when used: `cat plan-link.txt` is denied
    "git show HEAD:README.md",
    "git blame README.md",
    "git log --oneline -- private/plan.txt",  # names of commits only
]


def _policy(tmp_path: Path, mode: str) -> Policy:
    ws = tmp_path / "ws"
    for d in ("private", "docs"):
        (ws / d).mkdir(parents=True)
    (ws / "private/plan.txt").write_text("plan\n")
    (ws / "docs/a.md").write_text("a\n")
    (ws / "README.md").write_text("readme\n")
    home = tmp_path / "home"
    cfg = home / ".config/wakeful/config.toml"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(RULES)
    paths = Paths(ws.resolve(), home / ".local/share/wakeful", home / ".config/wakeful")
    return Policy.from_config(paths, Config(), mode, True, None, home=home)


def _decide(policy: Policy, cmd: str) -> tuple[str, str | None]:
    risk = RiskInput(tool="bash", kind="shell", command=cmd)
    d = asyncio.run(policy.decide(risk, DecisionContext("s")))
    return d.decision, d.matched_rule


@pytest.mark.parametrize("mode", ["default", "auto", "bypass"])
def test_read_and_edit_deny_rules_hold_for_shell_commands(tmp_path: Path, mode: str) -> None:
    policy = _policy(tmp_path, mode)
    for cmd in DENIED:
        decision, rule = _decide(policy, cmd)
        assert decision == "deny", (mode, cmd)
        assert rule is not None and ("Read(" in rule or "Edit(" in rule), (mode, cmd, rule)
    for cmd in ALLOWED:
        decision, rule = _decide(policy, cmd)
        assert rule is None, (mode, cmd, rule)


def test_an_ask_rule_for_home_paths_asks_for_shell_writes_there(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "bypass")
    policy.interactive = True
    decision, rule = _decide(policy, "echo x >> ~/notes/todo.md")
    assert rule is not None and rule.startswith("ask: Edit(~/notes/**)"), rule


@pytest.mark.slow
def test_a_read_deny_rule_stops_cat_through_the_real_cli(cli, git_repo: Path, script) -> None:
    (git_repo / "private").mkdir()
    (git_repo / "private" / "plan.txt").write_text("TOP-SECRET-PLAN\n")
    cfg = git_repo / ".wakeful" / "config.toml"
    cfg.parent.mkdir()
    cfg.write_text('[permissions]\ndeny = ["Read(private/**)"]\n')
    call = {"name": "bash", "input": {"command": "cat private/plan.txt"}}
    turns = script("peek", [{"tool_calls": [call]}, {"text": "done"}])
    r = cli(
        ["-p", "read the plan", "--model", f"scripted:{turns}", "--permission-mode", "bypass"],
        cwd=git_repo,
    )
    assert r.returncode == 0, r.stderr
    assert "TOP-SECRET-PLAN" not in r.stdout
    assert "denied by rule Read(private/**)" in r.stderr


def test_a_symbolic_link_is_followed_when_it_is_used(tmp_path: Path) -> None:
    policy = _policy(tmp_path, "bypass")
    (tmp_path / "ws" / "p").symlink_to("private")
    (tmp_path / "ws" / "d").symlink_to("docs")
    assert _decide(policy, "cat p/plan.txt")[0] == "deny"
    assert _decide(policy, "echo x > d/a.md")[0] == "deny"
