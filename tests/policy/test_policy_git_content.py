"""git subcommands that print the content of the files their pathspecs name: a secret
named there is read as `cat` would read it (`git diff -- .env`, `git log -p .env`, `git
show HEAD -- .env`, `git grep . -- .env`, `git archive HEAD .env`, `git log -L1,5:.env`),
and a pickaxe for a credential's marker whose changes are printed (`git log -p -S AKIA`)
searches the history for credentials. Names and statistics alone print no content."""

from __future__ import annotations

from pathlib import Path

import pytest

from wakeful.testing.classifier import auto_verdict, judge

JUDGE = judge()


PRINTS_A_SECRET = [
    "git diff -- .env",
    "git diff --cached .env",
    "git diff HEAD~1 -- config/secrets.yml",
    "git diff HEAD~1 -- '*.pem'",
    "git diff --no-index .env /dev/null",
    "git log -p .env",
    "git log -p -- config/master.key",
    "git log -p --follow -- .env.production",
    "git log -up -- .env",
    "git whatchanged -p -- .env",
    "git log -L1,5:.env",
    "git log -L 1,5:.env",
    "git show HEAD -- .env",
    "git show stash@{0} -- .env",
    "git format-patch -1 --stdout -- .env",
    "git archive HEAD .env",
    "git grep password -- .env",
    "git grep -h . -- .env",
    "git grep -e . -- id_rsa",
    "git annotate .env",
    "git diff-tree -p HEAD -- .env",
    "git log -p -S AKIA",
    "git log -G 'password' -p",
    "git log -pG password",
    "git log -pSsecret",
    "timeout 5 git log -p -- .env",
    "git -C . diff -- .env",
]

PRINTS_NO_SECRET = [
    "git log --stat -- .env",
    "git log --oneline -- .env",
    "git diff --stat -- .env",
    "git diff --name-only -- .env",
    "git show --name-only HEAD -- .env",
    "git grep -l password -- .env",
    "git log -S AKIA",
    "git log -Spassword",
    "git log -pS TODO",
    "git grep .env",
    "git diff",
    "git diff main...feature/token-refresh",
    "git log -p origin/main..HEAD",
    "git log -p -n 5 -- src/app.py",
    "git diff HEAD~1 -- src/",
    "git grep -n TODO -- '*.py'",
    "git log --author alice -p",
]


@pytest.mark.parametrize("cmd", PRINTS_A_SECRET)
def test_a_secret_a_pathspec_names_is_read(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", (cmd, JUDGE(cmd))


@pytest.mark.parametrize("cmd", PRINTS_NO_SECRET)
def test_names_statistics_and_project_files_stay_reads(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", (cmd, JUDGE(cmd))


def test_through_the_cli(cli, git_repo: Path) -> None:  # type: ignore[no-untyped-def]
    (git_repo / ".env").write_text("API_KEY=sk-live-x\n")
    for cmd in ("git log -p -- .env", "git diff --cached .env", "nice git grep . -- .env"):
        r = cli(["classify", "--json", "--mode", "auto", "--", cmd], git_repo)
        assert r.returncode == 0, r.stderr
        assert r.json()["decision"] != "allow", (cmd, r.json())


@pytest.mark.parametrize(
    "cmd",
    [
        "git config --file ~/.aws/credentials --list",
        "git config --file=/home/dev/.aws/credentials -l",
        "git config -f ~/.pgpass -l",
        "git config --file ~/.netrc --list",
        "git config --blob HEAD:.env -l",
        "git config --blob=HEAD:config/secrets.yml -l",
        "git config --blob",
    ],
)
def test_git_config_reading_a_secret_file_reads_it(cmd: str) -> None:
    """An INI credentials file read as git configuration prints its values
    (`default.aws_secret_access_key=...`)."""
    if cmd == "git config --blob":  # no value: nothing named, nothing read
        assert JUDGE(cmd).parsed
        return
    assert auto_verdict(cmd) != "allow", (cmd, JUDGE(cmd))


@pytest.mark.parametrize(
    "cmd",
    ["git config -f .gitmodules --get-regexp path", "git config --file .lfsconfig -l"],
)
def test_git_config_of_project_files_stays_a_read(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", (cmd, JUDGE(cmd))


@pytest.mark.parametrize(
    "cmd",
    [
        "git grep -e . -- '*.env'",
        "git grep -e . -- '.env*'",
        "git log -p -- '*.key'",
        "git diff -- '**/credentials*'",
    ],
)
def test_a_pathspec_wildcard_that_can_match_a_secret_reads_it(cmd: str) -> None:
    """git's `*` matches a leading dot and `/` as well, unlike the shell's."""
    assert auto_verdict(cmd) != "allow", (cmd, JUDGE(cmd))


@pytest.mark.parametrize(
    "cmd", ["git grep -n TODO -- '*.py'", "git grep x -- '*'", "git diff -- 'src/*.ts'"]
)
def test_wildcards_of_project_files_stay_reads(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", (cmd, JUDGE(cmd))
