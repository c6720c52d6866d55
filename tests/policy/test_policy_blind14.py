"""Classes the fourteenth blind set (corpora/risk-blind-14.tsv, taken from peer agents' own
command-safety code and tests) found on its first run: a command that runs the project's
code from the current directory (`npm test`, `make`, `pytest`, `cargo build`) was judged
workspace work after `cd` had left the workspace (`cd /tmp && npm test`), where the code it
runs is not the project's. Its siblings: `bun test`, `bun run dev` and `deno task` after
such a `cd`, and linters whose configuration loads code (flake8's local plugins, rubocop's
`require`, golangci-lint's plugins, stylelint's and prettier's JavaScript configs, Nim's
config.nims) that were not marked as running workspace code, so the sandbox gate did not
see them. A false alarm: npm's `prepublish`/`prepublishOnly` hooks (builds and tests run
before a publish) were judged as publishing by their name. The same class by other means:
env's -C/--chdir (abbreviated as well), find's -execdir/-okdir below a directory outside,
make's --directory abbreviated (`--dir=`), git after `cd` out of the workspace (as `git -C`
already was), and `python -m pytest PATH` judged without pytest's own entry; and the
shell's own rules for where `cd` goes: CDPATH (set in the command; the bash tool drops an
inherited one), `popd` and `pushd +N`."""

from __future__ import annotations

from pathlib import Path

import pytest

from wakeful.policy.decision import mode_verdict
from wakeful.policy.shell import ShellClassifier
from wakeful.testing.classifier import auto_verdict, judge

JUDGE = judge()


# After `cd` (or `pushd`) out of the workspace, or to a directory known only at run time,
# a program that runs what it finds in the current directory runs someone else's code.
RUNS_CODE_ELSEWHERE = [
    "cd /tmp && npm test",
    "cd /tmp; make",
    "cd ~ && make",
    "cd ~/other && npm run build",
    "pushd /tmp && npm test",
    "(cd /tmp && npm test)",
    "cd .. && npm test",
    "cd /tmp && pytest",
    "cd /tmp && cargo build",
    "cd /tmp && go run .",
    "cd /tmp && npx jest",
    "cd /tmp && npm run build",
    "cd $OLDPWD && make",
    "cd - && make",
    'cd "$X" && npm test',
    "cd /tmp/other && python -m pytest",
    "cd /tmp && tox",
    "cd ~/other && yarn test",
    "cd /tmp && pnpm run dev",
    "cd /home/dev/other && make test",
    "cd /tmp && npm test && cd /home/dev/proj",
    "true && cd /tmp && npm test",
    "cd /tmp && bun test",
    "cd /tmp && bun run dev",
    "cd /tmp && deno task dev",
    "cd /tmp && flake8",
    "cd ~/other && rubocop",
    "cd .. && golangci-lint run",
    "cd /tmp && prettier --check .",
    "cd /tmp && stylelint '**/*.css'",
]
# The same programs inside the workspace stay the project's own.
RUNS_CODE_HERE = [
    "cd src && npm test",
    "cd /home/dev/proj && npm test",
    "cd packages/app && npm run build",
    "cd build && make",
    "cd /home/dev/proj/sub && pytest",
    "npm test",
    "make",
    "cd /tmp && ls",
    "cd /tmp && cat notes.txt",
    "cd /tmp && cd /home/dev/proj && npm test",
    "bun test",
    "bun run dev",
    "deno task dev",
    "cd web && prettier --check .",
]


@pytest.mark.parametrize("cmd", RUNS_CODE_ELSEWHERE)
def test_project_code_after_leaving_the_workspace_is_asked(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd).reasons


@pytest.mark.parametrize("cmd", RUNS_CODE_HERE)
def test_project_code_in_the_workspace_stays_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", JUDGE(cmd).reasons


# Linters that load code named by their configuration: it is workspace code, which the
# sandbox gate must see.
CONFIG_CODE_LINTERS = [
    "flake8 src",
    "rubocop app",
    "golangci-lint run ./...",
    "prettier --check .",
    "stylelint '**/*.css'",
    "nim c src/main.nim",
]


@pytest.mark.parametrize("cmd", CONFIG_CODE_LINTERS)
def test_linters_whose_config_is_code_run_workspace_code(cmd: str) -> None:
    r = JUDGE(cmd)
    assert r.runs_workspace_code, r.reasons
    assert auto_verdict(cmd) == "allow", r.reasons


@pytest.mark.parametrize(
    "cmd",
    [
        "npm run prepublishOnly",
        "npm run prepublish",
        "yarn prepublishOnly",
        "pnpm prepublishOnly",
        "bun run prepublishOnly",
    ],
)
def test_npm_prepublish_hooks_are_the_projects_scripts(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", JUDGE(cmd).reasons


@pytest.mark.parametrize(
    "cmd",
    [
        "npm run publish",
        "npm run postpublish",
        "npm run republish",
        "npm run publish:npm",
        "yarn prepublish-and-publish",
        "npm run deploy",
        "npm run release",
    ],
)
def test_scripts_named_for_publishing_are_still_asked(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd).reasons


# Other ways a command comes to run in a directory outside the workspace: env's
# -C/--chdir, find's -execdir (the command runs in each found file's directory), make's
# --directory spelled as an abbreviation, and git itself after `cd` (as `git -C DIR` is).
ELSEWHERE_BY_OTHER_MEANS = [
    "env -C /tmp npm test",
    "env --chdir=/tmp make",
    "env --chdir /home/dev/other npm run build",
    "env --ch=/tmp make",
    "nice -n5 env --chdir=/tmp make",
    "env -C /tmp A=1 pytest",
    "find /tmp -name Makefile -execdir make \\;",
    "find ~/other -name package.json -execdir npm test \\;",
    "find /tmp -name Makefile -okdir make \\;",
    "make --dir=/tmp",
    "make --direc /home/dev/other test",
    "cd ~/other && git commit -am x",
    "cd .. && git stash",
    "cd /home/dev/other && git checkout -b x",
    'cd "$X" && git commit -m x',
    "python -m pytest ../other",
    "python3 -m pytest /home/dev/other/tests",
]
STILL_HERE = [
    "env -C src npm test",
    "env --chdir=/home/dev/proj/web npm run build",
    "env A=1 npm test",
    "find . -name Makefile -execdir make \\;",
    "find src -name package.json -execdir npm test \\;",
    "make --dir=build",
    "cd src && git status",
    "cd /tmp/x && git status",
    "python -m pytest tests",
    "python3 -m pytest",
]


@pytest.mark.parametrize("cmd", ELSEWHERE_BY_OTHER_MEANS)
def test_commands_run_elsewhere_by_other_means_are_asked(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd).reasons


@pytest.mark.parametrize("cmd", STILL_HERE)
def test_the_same_means_inside_the_workspace_stay_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", JUDGE(cmd).reasons


# Where the shell's own rules put the next command: with CDPATH set, `cd NAME` looks for NAME
# below CDPATH's directories first; `popd` returns to a directory pushed earlier and
# `pushd +N` rotates the stack, so the directory is known only at run time.
DIRECTORY_RULES = [
    "CDPATH=/tmp cd x && make",
    "export CDPATH=/tmp; cd x && make",
    "declare -x CDPATH=/home/dev; cd other && npm test",
    "CDPATH=/tmp; cd x; npm run build",
    "cd /tmp; pushd /home/dev/proj; popd; make",
    "pushd /tmp && pushd src && popd && npm test",
    "cd /tmp && pushd /home/dev/proj && pushd +1 && make",
    "cd /tmp && pushd /home/dev/proj && pushd -0 && make",
]
DIRECTORY_RULES_SAFE = [
    "CDPATH=/tmp cd ./src && make",
    "CDPATH=/tmp cd /home/dev/proj/src && npm test",
    "export CDPATH=/tmp; cd ../proj && npm test",
    "pushd src > /dev/null && ls && popd > /dev/null",
    "pushd web && yarn lint && popd",
    "cd src && make",
]


@pytest.mark.parametrize("cmd", DIRECTORY_RULES)
def test_cd_through_cdpath_and_the_directory_stack_is_known_only_at_run_time(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd).reasons


@pytest.mark.parametrize("cmd", DIRECTORY_RULES_SAFE)
def test_cd_to_an_explicit_directory_stays_known(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", JUDGE(cmd).reasons


# False alarms the set found where the command is really safe: a semgrep scan with the
# project's own rules, counting CPUs from Python, Emacs in batch mode on the project's Lisp. Their dangerous forms stay asked.
@pytest.mark.parametrize(
    "cmd",
    [
        "semgrep scan --config .semgrep.yml --metrics off src/",
        "semgrep --config rules/ src",
        "semgrep -e 'eval(...)' -l python src",
        "semgrep test rules/",
        'python3 -c "import multiprocessing; print(multiprocessing.cpu_count())"',
        "emacs --batch -l scripts/format.el",
        "emacs -batch -L lisp -l ert -l test/a.el -f ert-run-tests-batch-and-exit",
    ],
)
def test_safe_forms_found_by_the_set_are_allowed(cmd: str) -> None:
    assert auto_verdict(cmd) == "allow", JUDGE(cmd).reasons


@pytest.mark.parametrize(
    "cmd",
    [
        "semgrep scan --config auto --quiet --error app.py",
        "semgrep --config=p/python src",
        'semgrep scan --config "$X" .',
        "semgrep scan --config rules.yml --metrics=on .",
        "semgrep ci",
        "semgrep login",
        "semgrep show identity",
        "semgrep scan --config rules.yml ~/.ssh",
        "semgrep scan --config rules.yml -o /home/dev/.bashrc .",
        'python3 -c "import multiprocessing; multiprocessing.Process(target=print).start()"',
        "emacs README.md",
        "emacs --batch -l /tmp/x.el",
        "emacs -batch -eval '(shell-command \"rm -rf ~\")'",
        "emacs --batch -f package-refresh-contents",
        "emacs --batch -u root -l x.el",
        "cd /tmp && emacs --batch -l x.el",
    ],
)
def test_their_dangerous_forms_stay_asked(cmd: str) -> None:
    assert auto_verdict(cmd) != "allow", JUDGE(cmd).reasons


def test_cd_to_the_repository_root_stays_in_a_workspace_that_is_the_repository(
    tmp_path: Path,
) -> None:
    """`cd "$(git rev-parse --show-toplevel)"` goes to the repository holding the current
    directory: the workspace itself when it is the repository's root, a directory above it
    when the workspace is only part of a repository."""
    ws = tmp_path / "home" / "proj"
    (ws / ".git").mkdir(parents=True)
    (ws / "src").mkdir()
    judge = ShellClassifier(ws, tmp_path / "home").classify
    for cmd in (
        'cd "$(git rev-parse --show-toplevel)" && npm test',
        'cd src && cd "$(git rev-parse --show-toplevel)" && make',
        "cd $(git rev-parse --show-toplevel); git status",
        'cd "$(pwd)" && npm test',
    ):
        r = judge(cmd)
        assert mode_verdict("auto", r.tier) == "allow", (cmd, r.reasons)
    inner = tmp_path / "mono" / "packages" / "app"
    (tmp_path / "mono" / ".git").mkdir(parents=True)
    inner.mkdir(parents=True)
    judge = ShellClassifier(inner, tmp_path / "home").classify
    for cmd in (
        'cd "$(git rev-parse --show-toplevel)" && npm test',
        'GIT_DIR=/tmp/x cd "$(git rev-parse --show-toplevel)" && make',
        'cd "$(GIT_DIR=/tmp/r git rev-parse --show-toplevel)" && make',
    ):
        r = judge(cmd)
        assert mode_verdict("auto", r.tier) != "allow", (cmd, r.reasons)
