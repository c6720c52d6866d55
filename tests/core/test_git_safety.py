"""wakeful's own git never runs a program the repository's config names.

Each attack plants a program in `.git/config` (what a sandboxed command could once write, or
a hostile hook installer) and checks that wakeful's git calls — directly and through
`wakeful memory verify` — leave no marker, while plain git in the same repository does.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from wakeful.core.env import is_secret_name, scrubbed_env
from wakeful.core.git import GitResult, git_env, run_git, safe_git_argv


def plant(repo: Path, tmp_path: Path) -> Path:
    """Point every program-valued git setting at a script that appends to a marker file."""
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.sh"
    evil.write_text(f'#!/bin/sh\necho "$0 $*" >> {marker}\ncat\n')
    evil.chmod(0o755)
    (repo / ".gitattributes").write_text("* filter=ev diff=ev\n")
    hooks = repo / ".git" / "hooks"
    for hook in ("pre-commit", "post-checkout", "reference-transaction", "post-index-change"):
        (hooks / hook).write_text(f"#!/bin/sh\necho hook-{hook} >> {marker}\n")
        (hooks / hook).chmod(0o755)
    for key in (
        "core.fsmonitor",
        "filter.ev.clean",
        "filter.ev.smudge",
        "diff.external",
        "diff.ev.textconv",
        "core.pager",
        "pager.status",
    ):
        subprocess.run(["git", "config", key, str(evil)], cwd=repo, check=True)
    subprocess.run(["git", "config", "filter.ev.required", "true"], cwd=repo, check=True)
    return marker


def test_plain_git_runs_the_planted_programs(git_repo: Path, tmp_path: Path) -> None:
    """The attack is real: without the guard git runs the repository's programs."""
    marker = plant(git_repo, tmp_path)
    (git_repo / "app.py").write_text("changed\n")
    subprocess.run(["git", "status"], cwd=git_repo, capture_output=True)
    subprocess.run(["git", "diff"], cwd=git_repo, capture_output=True)
    assert marker.exists()


def test_run_git_runs_none_of_them(git_repo: Path, tmp_path: Path) -> None:
    marker = plant(git_repo, tmp_path)
    (git_repo / "app.py").write_text("changed\n")
    os.utime(git_repo / "check.py")  # racy entries make status read (and filter) content
    for args in (
        ["status", "--porcelain=v1", "-z"],
        ["diff"],
        ["diff", "HEAD"],
        ["log", "-p", "-1"],
        ["show", "HEAD"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "x"],
        ["checkout", "-q", "HEAD~1"],
        ["rev-parse", "HEAD"],
    ):
        result = run_git(args, git_repo)
        assert isinstance(result, GitResult)
        assert not marker.exists(), f"git {' '.join(args)} ran {marker.read_text()}"
    assert run_git(["status", "--porcelain=v1"], git_repo).ok


@pytest.mark.slow
def test_memory_verify_with_a_planted_fsmonitor(cli, git_repo: Path, tmp_path: Path) -> None:
    """Memory verification follows renames with `git status`; the planted programs stay idle."""
    added = cli(["memory", "add", "greet is in app.py", "--anchor", "app.py:4-5"], cwd=git_repo)
    assert added.returncode == 0, added.stderr
    marker = plant(git_repo, tmp_path)
    assert run_git(["mv", "app.py", "server.py"], git_repo).ok
    assert not marker.exists()
    verified = cli(["memory", "verify", "--json"], cwd=git_repo)
    assert verified.returncode == 0, verified.stderr
    assert verified.json()[0]["verdict"] in ("moved", "fresh", "drifted")
    listed = cli(["memory", "list"], cwd=git_repo)
    assert listed.returncode == 0, listed.stderr
    assert not marker.exists(), marker.read_text()


def test_safe_argv_shape() -> None:
    argv = safe_git_argv(["diff", "--stat"])
    assert argv[:2] == ["git", "--no-pager"]
    assert "core.fsmonitor=false" in argv and "core.hooksPath=/dev/null" in argv
    sub = argv.index("diff")
    assert argv[sub + 1 : sub + 3] == ["--no-ext-diff", "--no-textconv"]
    assert argv[-1] == "--stat"


def test_git_env_drops_secrets_and_redirections() -> None:
    env = git_env(
        {
            "PATH": "/usr/bin",
            "ANTHROPIC_API_KEY": "sk-ant-x",
            "GIT_EXTERNAL_DIFF": "/tmp/evil",
            "GIT_DIR": "/elsewhere",
            "GIT_AUTHOR_NAME": "Me",
        },
        {"GIT_INDEX_FILE": "/tmp/idx"},
    )
    assert env["PATH"] == "/usr/bin" and env["GIT_AUTHOR_NAME"] == "Me"
    assert env["GIT_CONFIG_NOSYSTEM"] == "1" and env["GIT_INDEX_FILE"] == "/tmp/idx"
    for gone in ("ANTHROPIC_API_KEY", "GIT_EXTERNAL_DIFF", "GIT_DIR"):
        assert gone not in env


def test_missing_git_is_a_result_not_a_crash(tmp_path: Path) -> None:
    result = run_git(["status"], tmp_path, env={"PATH": str(tmp_path)})
    assert result.returncode == 127 and b"cannot run git" in result.stderr


def test_scrubbed_env_names() -> None:
    secret = [
        "ANTHROPIC_API_KEY",
        "OPENAI_API_KEY",
        "GITHUB_TOKEN",
        "NPM_TOKEN",
        "STRIPE_SECRET_KEY",
        "DB_PASSWORD",
        "MY_APIKEY",
        "SSH_AUTH_SOCK",
        "AWS_SECRET_ACCESS_KEY",
        "HF_TOKEN",
        "some_api_key",
        "CLIENT_SECRET",
    ]
    keep = [
        "PATH",
        "HOME",
        "PWD",
        "LANG",
        "TERM",
        "USER",
        "SHELL",
        "KEYBOARD_LAYOUT",
        "TOKENIZERS_PARALLELISM",
    ]
    for name in secret:
        assert is_secret_name(name), name
    for name in keep:
        assert not is_secret_name(name), name
    env = scrubbed_env({n: "v" for n in secret + keep}, {"WAKEFUL": "1"})
    assert set(env) == {*keep, "WAKEFUL"}
